//! Conversion tests: the typed API against the core, error mapping, and bad
//! input at the boundary giving errors, not panics.

use std::sync::Arc;

use crate::*;

const AT: &str = "2026-11-22T09:00:00Z";

fn usd(amount: &str) -> Money {
    Money {
        amount: amount.into(),
        currency: "USD".into(),
    }
}

fn address() -> Address {
    Address {
        name: "Ada".into(),
        line1: "1 Main St".into(),
        city: "Springfield".into(),
        postal_code: "62701".into(),
        country: "US".into(),
        line2: None,
        region: Some("IL".into()),
        lat: None,
        lon: None,
    }
}

fn order(order_id: &str, quantity: u64) -> PlaceOrder {
    PlaceOrder {
        order_id: order_id.into(),
        channel: "web".into(),
        customer_id: "C1".into(),
        ship_to: address(),
        lines: vec![OrderLine {
            line_id: "1".into(),
            sku: "MUG".into(),
            quantity,
            unit_price: usd("9.50"),
        }],
        priority: None,
        channel_order_id: None,
        shipping_price: None,
        customer_tier: None,
        ship_by: None,
        deliver_by: None,
        discount: None,
    }
}

/// An engine with location WH1 and 10 MUGs there.
fn stocked(config_json: Option<&str>) -> Arc<Engine> {
    let engine = Engine::new(config_json.map(String::from)).unwrap();
    let location = Location {
        name: "Main".into(),
        ..location("WH1")
    };
    engine.define_location(location, AT.into()).unwrap();
    let product = Product {
        sku: "MUG".into(),
        name: "Mug".into(),
        gtin: None,
        description: None,
        weight_g: Some(350),
        dims_mm: None,
        price: Some(usd("12.00")),
        components: vec![],
        dropship_only: false,
        non_returnable: false,
        packing: None,
    };
    engine.define_product(product, AT.into()).unwrap();
    let receipt = ReceiveStock {
        sku: "MUG".into(),
        location_id: "WH1".into(),
        quantity: 10,
        reference: Some("PO-1".into()),
    };
    let events = engine.receive_stock(receipt, AT.into()).unwrap();
    assert_eq!(events[0].kind, "stock_received");
    assert_eq!(events[0].order_id, None);
    engine
}

fn kinds(events: &[Event]) -> Vec<&str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

#[test]
fn a_whole_order_lifecycle_through_the_typed_api() {
    let engine = stocked(None);
    let events = engine.place_order(order("SO-1", 2), AT.into()).unwrap();
    assert_eq!(
        kinds(&events),
        ["order_placed", "hold_placed", "order_status_changed"]
    );
    assert_eq!(events[0].order_id.as_deref(), Some("SO-1"));
    assert_eq!(events[0].at, AT);
    let placed = engine.order("SO-1".into()).unwrap();
    assert_eq!(placed.status, OrderStatus::OnHold);
    assert_eq!(placed.payment_status, PaymentStatus::Unpaid);
    assert_eq!(placed.holds, ["awaiting_payment"]);
    assert_eq!(placed.total, usd("19.00"));
    assert_eq!(placed.ship_to, address());
    assert_eq!(placed.placed_at, AT);

    let payment = RecordPayment {
        order_id: "SO-1".into(),
        kind: PaymentKind::Captured,
        amount: usd("19.00"),
        reference: None,
        rma_id: None,
    };
    engine.record_payment(payment, AT.into()).unwrap();
    assert_eq!(
        engine.order("SO-1".into()).unwrap().status,
        OrderStatus::Ready
    );

    engine.allocate(Some("SO-1".into()), AT.into()).unwrap();
    let allocated = engine.order("SO-1".into()).unwrap();
    assert_eq!(allocated.status, OrderStatus::Allocated);
    assert_eq!(allocated.lines[0].allocated, 2);
    assert_eq!(
        allocated.lines[0].allocations,
        [LocationQuantity {
            location_id: "WH1".into(),
            quantity: 2
        }]
    );
    assert_eq!(engine.available("MUG".into(), None).unwrap(), 8);

    let ship = Ship {
        order_id: "SO-1".into(),
        shipment_id: "SH-1".into(),
        location_id: "WH1".into(),
        carrier: "UPS".into(),
        lines: vec![ShipLine {
            line_id: "1".into(),
            quantity: 2,
        }],
        service: None,
        tracking_number: Some("1Z".into()),
    };
    let events = engine
        .ship(ship, "2026-11-22T10:00:00+01:00".into())
        .unwrap();
    assert_eq!(events[0].kind, "order_shipped");
    assert_eq!(events[0].at, AT, "times are stored in UTC");
    assert_eq!(
        engine.order("SO-1".into()).unwrap().status,
        OrderStatus::Shipped
    );
    let stock = engine.stock("MUG".into(), "WH1".into()).unwrap();
    assert_eq!((stock.on_hand, stock.reserved, stock.shipped), (8, 0, 2));

    engine
        .confirm_delivery("SH-1".into(), "2026-11-23T09:00:00Z".into())
        .unwrap();
    let delivered = engine.order("SO-1".into()).unwrap();
    assert_eq!(delivered.status, OrderStatus::Delivered);
    assert_eq!(delivered.lines[0].delivered, 2);
    assert_eq!(delivered.shipments, ["SH-1"]);
    let shipment = engine.shipment("SH-1".into()).unwrap();
    assert_eq!(
        shipment.delivered_at.as_deref(),
        Some("2026-11-23T09:00:00Z")
    );
    assert_eq!(shipment.tracking_number.as_deref(), Some("1Z"));
    assert_eq!(engine.invariant_violation().unwrap(), None);
}

#[test]
fn typed_results_mirror_the_core_queries() {
    let engine = stocked(None);
    let product = engine.product("MUG".into()).unwrap();
    assert_eq!(product.weight_g, Some(350));
    assert_eq!(product.price, Some(usd("12.00")));
    assert_eq!(engine.products().unwrap(), [product]);
    let location = engine.location("WH1".into()).unwrap();
    assert_eq!(location.kind, LocationKind::Warehouse);
    assert_eq!(engine.locations().unwrap(), [location]);
    assert_eq!(engine.stock_levels("MUG".into()).unwrap().len(), 1);
    engine.place_order(order("SO-1", 2), AT.into()).unwrap();
    let counts = engine.order_counts().unwrap();
    assert_eq!(counts.len(), 13);
    let on_hold = counts.iter().find(|c| c.status == OrderStatus::OnHold);
    assert_eq!(on_hold.map(|c| c.count), Some(1));
    assert_eq!(engine.orders(Some(OrderStatus::OnHold)).unwrap().len(), 1);
    assert_eq!(engine.orders(Some(OrderStatus::Ready)).unwrap().len(), 0);
    assert_eq!(engine.orders(None).unwrap()[0].order_id, "SO-1");
    let config: serde_json::Value = serde_json::from_str(&engine.config_json().unwrap()).unwrap();
    assert_eq!(config["require_payment"], true);
}

#[test]
fn orders_carry_their_customer_tier_and_a_version_that_moves() {
    let engine = stocked(Some(r#"{"require_payment": false}"#));
    let mut vip = order("SO-V", 2);
    vip.customer_tier = Some(CustomerTier::Vip);
    engine.place_order(vip, AT.into()).unwrap();
    engine.place_order(order("SO-S", 1), AT.into()).unwrap();
    let placed = engine.order("SO-V".into()).unwrap();
    assert_eq!(placed.customer_tier, CustomerTier::Vip);
    assert_eq!(
        engine.order("SO-S".into()).unwrap().customer_tier,
        CustomerTier::Standard
    );
    engine.allocate(Some("SO-V".into()), AT.into()).unwrap();
    let allocated = engine.order("SO-V".into()).unwrap();
    assert!(allocated.version > placed.version, "{allocated:?}");
    assert_eq!(
        engine.order("SO-V".into()).unwrap().version,
        allocated.version
    );
}

#[test]
fn execute_json_returns_the_events_as_a_json_array() {
    let engine = Engine::new(Some(r#"{"require_payment": false}"#.into())).unwrap();
    let json = engine
        .execute_json(
            r#"{"type":"define_location","location_id":"WH1","name":"Main","kind":"warehouse"}"#
                .into(),
            AT.into(),
        )
        .unwrap();
    let events: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(events[0]["type"], "location_defined");
    assert_eq!(events[0]["at"], AT);
    assert_eq!(engine.location("WH1".into()).unwrap().name, "Main");
}

#[test]
fn execute_json_reads_idempotency_keys_and_expected_versions() {
    let engine = Engine::new(Some(r#"{"require_payment": false}"#.into())).unwrap();
    let define = r#"{"type":"define_location","location_id":"WH1","name":"Main","kind":"warehouse","idempotency_key":"k"}"#;
    assert_ne!(engine.execute_json(define.into(), AT.into()).unwrap(), "[]");
    assert_eq!(engine.execute_json(define.into(), AT.into()).unwrap(), "[]");
    let other = r#"{"type":"define_location","location_id":"WH2","name":"Main","kind":"warehouse","idempotency_key":"k"}"#;
    assert_eq!(
        code(engine.execute_json(other.into(), AT.into())),
        "duplicate"
    );
    let stale = r#"{"type":"allocate","order_id":"SO-1","expected_version":3}"#;
    assert_eq!(
        code(engine.execute_json(stale.into(), AT.into())),
        "conflict"
    );
}

fn code(result: Result<impl std::fmt::Debug, OmsFfiError>) -> String {
    let err = result.unwrap_err();
    let details: serde_json::Value = serde_json::from_str(err.details_json()).unwrap();
    assert_eq!(details["code"], err.code(), "{err:?}");
    err.code().to_string()
}

#[test]
fn each_core_error_code_maps_to_its_variant() {
    let engine = stocked(None);
    engine.place_order(order("SO-1", 2), AT.into()).unwrap();

    let err = engine.order("NOPE".into()).unwrap_err();
    assert!(matches!(err, OmsFfiError::NotFound { .. }), "{err:?}");
    assert_eq!(err.to_string(), r#"order "NOPE" not found"#);
    assert_eq!(code(engine.order("NOPE".into())), "not_found");

    // Allocating an order that awaits payment.
    let err = engine.allocate(Some("SO-1".into()), AT.into()).unwrap_err();
    assert!(
        matches!(err, OmsFfiError::InvalidTransition { .. }),
        "{err:?}"
    );
    assert_eq!(
        code(engine.allocate(Some("SO-1".into()), AT.into())),
        "invalid_transition"
    );

    let err = engine
        .adjust_stock("MUG".into(), "WH1".into(), -11, "damaged".into(), AT.into())
        .unwrap_err();
    assert!(
        matches!(err, OmsFfiError::InsufficientStock { .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), "insufficient_stock");

    let err = engine.place_order(order("SO-1", 3), AT.into()).unwrap_err();
    assert!(matches!(err, OmsFfiError::Duplicate { .. }), "{err:?}");
    assert_eq!(err.code(), "duplicate");

    let shipped_unknown = r#"[{"type":"shipment_delivered","schema_version":1,
        "at":"2026-11-22T09:00:00Z","shipment_id":"X","order_id":"NOPE"}]"#;
    let err = engine
        .apply_events_json(shipped_unknown.into())
        .unwrap_err();
    assert!(matches!(err, OmsFfiError::Conflict { .. }), "{err:?}");
    assert!(err
        .to_string()
        .starts_with("conflict: event 0 (shipment_delivered)"));

    let err = engine.place_order(order("", 1), AT.into()).unwrap_err();
    assert!(matches!(err, OmsFfiError::Validation { .. }), "{err:?}");
    assert_eq!(err.code(), "validation");
    assert_eq!(engine.invariant_violation().unwrap(), None);
}

#[test]
fn bad_input_at_the_boundary_is_a_validation_error() {
    let engine = stocked(None);
    for json in ["", "{", "[]", "{}", r#"{"type":"fly"}"#, "null", "\u{0}"] {
        assert_eq!(
            code(engine.execute_json(json.into(), AT.into())),
            "validation"
        );
    }
    for at in [
        "",
        "yesterday",
        "2026-11-22",
        "2026-11-22 09:00:00",
        "2026-13-01T00:00:00Z",
    ] {
        let err = engine.allocate(None, at.into()).unwrap_err();
        assert!(matches!(err, OmsFfiError::Validation { .. }), "{at:?}");
        let details: serde_json::Value = serde_json::from_str(err.details_json()).unwrap();
        assert_eq!(details["field"], "at");
        let json = r#"{"type":"allocate"}"#.to_string();
        assert_eq!(code(engine.execute_json(json, at.into())), "validation");
    }
    for amount in ["", "abc", "1e400", "NaN", "1,50"] {
        let mut bad = order("SO-2", 1);
        bad.lines[0].unit_price.amount = amount.into();
        assert_eq!(code(engine.place_order(bad, AT.into())), "validation");
    }
    let mut bad = order("SO-2", 1);
    bad.lines[0].unit_price.currency = "usd".into();
    assert_eq!(code(engine.place_order(bad, AT.into())), "validation");
    assert_eq!(code(engine.apply_events_json("{".into())), "validation");
    let garbled = Event {
        kind: "x".into(),
        order_id: None,
        at: AT.into(),
        json: "[".into(),
    };
    assert_eq!(code(engine.apply_events(vec![garbled])), "validation");
    assert_eq!(code(Engine::new(Some("{".into()))), "validation");
    assert_eq!(
        code(Engine::new(Some(r#"{"currency":1}"#.into()))),
        "validation"
    );
    assert_eq!(code(Engine::replay(None, "nope".into())), "validation");
    assert_eq!(
        code(Engine::from_snapshot(b"\xff\x00".to_vec())),
        "validation"
    );
    // Nothing above changed the engine.
    assert_eq!(
        engine.stock("MUG".into(), "WH1".into()).unwrap().on_hand,
        10
    );
    assert!(engine.orders(None).unwrap().is_empty());
}

#[test]
fn a_second_engine_syncs_by_events_snapshot_or_replay() {
    let engine = stocked(Some(r#"{"require_payment": false}"#));
    let mut log = Vec::new();
    log.extend(engine.place_order(order("SO-1", 3), AT.into()).unwrap());
    log.extend(engine.allocate(None, AT.into()).unwrap());

    let picker = Engine::from_snapshot(engine.snapshot().unwrap()).unwrap();
    let ship = Ship {
        order_id: "SO-1".into(),
        shipment_id: "SH-1".into(),
        location_id: "WH1".into(),
        carrier: "DHL".into(),
        lines: vec![ShipLine {
            line_id: "1".into(),
            quantity: 3,
        }],
        service: None,
        tracking_number: None,
    };
    let shipped = picker.ship(ship, AT.into()).unwrap();
    assert_eq!(engine.apply_events(shipped.clone()).unwrap(), 2);
    assert_eq!(engine.snapshot().unwrap(), picker.snapshot().unwrap());
    assert_eq!(
        engine.order("SO-1".into()).unwrap().status,
        OrderStatus::Shipped
    );

    // The same events applied twice do not fit: the shipment exists.
    assert_eq!(code(engine.apply_events(shipped)), "conflict");
}

#[test]
fn replay_rebuilds_the_same_state_from_the_event_json() {
    let engine = stocked(None);
    let first = Engine::new(None).unwrap();
    // Rebuild the setup from a log that a host stored as JSON.
    let mut log: Vec<String> = Vec::new();
    for json in [
        r#"{"type":"define_location","location_id":"WH1","name":"Main","kind":"warehouse"}"#,
        r#"{"type":"define_product","sku":"MUG","name":"Mug","weight_g":350,"price":{"amount":"12.00","currency":"USD"}}"#,
        r#"{"type":"receive_stock","sku":"MUG","location_id":"WH1","quantity":10,"reference":"PO-1"}"#,
    ] {
        let events = first.execute_json(json.into(), AT.into()).unwrap();
        let events: Vec<serde_json::Value> = serde_json::from_str(&events).unwrap();
        log.extend(events.iter().map(|e| e.to_string()));
    }
    let replayed = Engine::replay(None, format!("[{}]", log.join(","))).unwrap();
    assert_eq!(replayed.snapshot().unwrap(), engine.snapshot().unwrap());
    assert_eq!(first.snapshot().unwrap(), engine.snapshot().unwrap());
}

#[test]
fn a_poisoned_lock_is_an_internal_error_not_a_panic() {
    let engine = stocked(None);
    let poisoner = Arc::clone(&engine);
    let _ = std::thread::spawn(move || {
        let _guard = poisoner.inner_for_tests().lock();
        panic!("poison the lock");
    })
    .join();
    let err = engine.available("MUG".into(), None).unwrap_err();
    assert!(matches!(err, OmsFfiError::Internal { .. }), "{err:?}");
    assert_eq!(err.code(), "internal");
}

#[test]
fn engines_are_shared_between_threads() {
    let engine = stocked(Some(r#"{"require_payment": false}"#));
    engine
        .receive_stock(
            ReceiveStock {
                sku: "MUG".into(),
                location_id: "WH1".into(),
                quantity: 90,
                reference: None,
            },
            AT.into(),
        )
        .unwrap();
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let engine = Arc::clone(&engine);
            std::thread::spawn(move || {
                for i in 0..25 {
                    engine
                        .place_order(order(&format!("T{t}-{i}"), 2), AT.into())
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(engine.orders(None).unwrap().len(), 50);
    assert_eq!(engine.available("MUG".into(), None).unwrap(), 0);
}

fn location(location_id: &str) -> Location {
    Location {
        location_id: location_id.into(),
        name: location_id.into(),
        kind: LocationKind::Warehouse,
        fulfills_orders: true,
        lat: None,
        lon: None,
        priority: None,
        paused: false,
        country: None,
        postal_code: None,
        ships_to: None,
    }
}

fn amazon(percent: &str) -> ChannelDef {
    ChannelDef {
        channel: "amazon".into(),
        location_ids: Some(vec!["WH1".into()]),
        buffer: Some(ChannelBuffer {
            units: None,
            percent: Some(percent.into()),
        }),
    }
}

#[test]
fn a_channel_buffer_percent_crosses_as_a_decimal_string() {
    let engine = stocked(None);
    engine.define_location(location("WH2"), AT.into()).unwrap();
    engine
        .receive_stock(
            ReceiveStock {
                sku: "MUG".into(),
                location_id: "WH2".into(),
                quantity: 490,
                reference: None,
            },
            AT.into(),
        )
        .unwrap();
    let events = engine.define_channel(amazon("3.20"), AT.into()).unwrap();
    assert_eq!(kinds(&events), ["channel_defined", "availability_changed"]);
    let figure: serde_json::Value = serde_json::from_str(&events[1].json).unwrap();
    // WH1 only: 10 less ceil(3.2% of 10).
    assert_eq!(figure["available"], 9);
    let json: serde_json::Value = serde_json::from_str(&events[0].json).unwrap();
    assert_eq!(json["channel"]["buffer"]["percent"], 3.2);
    // Stored as the JSON path stores it: normalized, so redefining with
    // the same value records nothing.
    assert_eq!(engine.channel("amazon".into()).unwrap(), amazon("3.2"));
    assert!(engine
        .define_channel(amazon("3.2"), AT.into())
        .unwrap()
        .is_empty());
    assert_eq!(engine.channels().unwrap(), [amazon("3.2")]);
    // 10 at WH1, less ceil(3.2% of 10) = 1; an undefined channel sells everything.
    assert_eq!(
        engine
            .channel_available("amazon".into(), "MUG".into())
            .unwrap(),
        9
    );
    assert_eq!(
        engine
            .channel_available("web".into(), "MUG".into())
            .unwrap(),
        500
    );
    assert_eq!(code(engine.channel("web".into())), "not_found");

    // The same definition through the JSON path gives the same state.
    let json_engine = Engine::from_snapshot(engine.snapshot().unwrap()).unwrap();
    let typed = ChannelDef {
        channel: "pos".into(),
        location_ids: None,
        buffer: Some(ChannelBuffer {
            units: Some(2),
            percent: Some("12.5".into()),
        }),
    };
    engine.define_channel(typed.clone(), AT.into()).unwrap();
    json_engine
        .execute_json(
            r#"{"type":"define_channel","channel":"pos","buffer":{"units":2,"percent":12.5}}"#
                .into(),
            AT.into(),
        )
        .unwrap();
    assert_eq!(engine.snapshot().unwrap(), json_engine.snapshot().unwrap());
    assert_eq!(engine.channel("pos".into()).unwrap(), typed);
}

#[test]
fn a_bad_channel_definition_is_a_validation_error() {
    let engine = stocked(None);
    for percent in ["", "abc", "1e2", "3,2", " 3", "NaN"] {
        let err = engine
            .define_channel(amazon(percent), AT.into())
            .unwrap_err();
        assert!(matches!(err, OmsFfiError::Validation { .. }), "{err:?}");
        let details: serde_json::Value = serde_json::from_str(err.details_json()).unwrap();
        assert_eq!(details["field"], "buffer.percent", "{percent:?}");
    }
    // In range is the core's rule.
    assert_eq!(
        code(engine.define_channel(amazon("100.5"), AT.into())),
        "validation"
    );
    let mut unknown = amazon("1");
    unknown.location_ids = Some(vec!["NOPE".into()]);
    assert_eq!(code(engine.define_channel(unknown, AT.into())), "not_found");
    assert!(engine.channels().unwrap().is_empty());
}

fn rate(location_id: &str, zone: &str, per_shipment: &str, per_kg: &str) -> ShippingRate {
    ShippingRate {
        location_id: location_id.into(),
        zone: zone.into(),
        per_shipment: usd(per_shipment),
        per_kg: usd(per_kg),
    }
}

fn cost_policy() -> SourcingPolicy {
    SourcingPolicy {
        rules: vec![
            SourcingRule::ShipComplete,
            SourcingRule::LowestCost {
                table: CostTable {
                    zones: vec![
                        ShippingZone {
                            zone: "west".into(),
                            country: Some("US".into()),
                            postal_prefixes: vec!["9".into(), "8".into()],
                        },
                        ShippingZone {
                            zone: "rest".into(),
                            country: None,
                            postal_prefixes: vec![],
                        },
                    ],
                    rates: vec![
                        rate("WH1", "rest", "7.00", "0.50"),
                        rate("WH2", "rest", "4.25", "0.75"),
                        rate("WH1", "west", "9.99", "1.10"),
                    ],
                    split_penalty: Some(usd("2.50")),
                },
            },
            SourcingRule::Nearest,
        ],
        max_shipments: Some(2),
        allow_partial: false,
        fair_share: true,
    }
}

#[test]
fn a_sourcing_policy_with_a_cost_table_round_trips() {
    let engine = stocked(None);
    let default = engine.sourcing_policy().unwrap();
    assert_eq!(
        default.rules,
        [
            SourcingRule::ShipComplete,
            SourcingRule::FewestShipments,
            SourcingRule::Nearest,
            SourcingRule::LocationPriority
        ]
    );
    assert_eq!(
        (
            default.max_shipments,
            default.allow_partial,
            default.fair_share
        ),
        (None, true, false)
    );

    let json_engine = Engine::from_snapshot(engine.snapshot().unwrap()).unwrap();
    let events = engine
        .set_sourcing_policy(cost_policy(), AT.into())
        .unwrap();
    assert_eq!(kinds(&events), ["sourcing_policy_set"]);
    assert_eq!(engine.sourcing_policy().unwrap(), cost_policy());
    // Setting the same policy again records nothing.
    assert!(engine
        .set_sourcing_policy(cost_policy(), AT.into())
        .unwrap()
        .is_empty());

    // The event's JSON is the core's contract: rule names, money as strings.
    let json: serde_json::Value = serde_json::from_str(&events[0].json).unwrap();
    let policy = &json["policy"];
    assert_eq!(policy["rules"][0], "ship_complete");
    assert_eq!(policy["rules"][2], "nearest");
    let table = &policy["rules"][1]["lowest_cost"];
    assert_eq!(table["rates"][1]["per_kg"]["amount"], "0.75");
    assert_eq!(table["split_penalty"]["amount"], "2.50");
    assert_eq!(table["zones"][0]["postal_prefixes"][1], "8");
    assert_eq!(policy["max_shipments"], 2);
    assert_eq!(policy["allow_partial"], false);

    // The same policy through the JSON path gives the same state.
    let mut command = policy.clone();
    command["type"] = "set_sourcing_policy".into();
    json_engine
        .execute_json(command.to_string(), AT.into())
        .unwrap();
    assert_eq!(engine.snapshot().unwrap(), json_engine.snapshot().unwrap());
    assert_eq!(json_engine.sourcing_policy().unwrap(), cost_policy());
}

fn validation_field(result: Result<Vec<Event>, OmsFfiError>) -> String {
    let err = result.unwrap_err();
    assert!(matches!(err, OmsFfiError::Validation { .. }), "{err:?}");
    let details: serde_json::Value = serde_json::from_str(err.details_json()).unwrap();
    details["field"].as_str().unwrap().to_string()
}

#[test]
fn a_bad_sourcing_policy_is_a_validation_error() {
    let engine = stocked(None);
    let set = |policy: SourcingPolicy| engine.set_sourcing_policy(policy, AT.into());

    let mut twice = cost_policy();
    twice.rules.push(SourcingRule::ShipComplete);
    assert_eq!(validation_field(set(twice)), "rules[3]");

    let mut no_shipments = cost_policy();
    no_shipments.max_shipments = Some(0);
    assert_eq!(validation_field(set(no_shipments)), "max_shipments");

    // The amount is parsed at the boundary and named by its path.
    let mut bad_amount = cost_policy();
    if let SourcingRule::LowestCost { table } = &mut bad_amount.rules[1] {
        table.rates[2].per_kg.amount = "1.1.0".into();
    }
    assert_eq!(
        validation_field(set(bad_amount)),
        "rules[1].lowest_cost.rates[2].per_kg.amount"
    );
    let mut bad_penalty = cost_policy();
    if let SourcingRule::LowestCost { table } = &mut bad_penalty.rules[1] {
        table.split_penalty = Some(Money {
            amount: "1".into(),
            currency: "usd".into(),
        });
    }
    assert_eq!(
        validation_field(set(bad_penalty)),
        "rules[1].lowest_cost.split_penalty.currency"
    );

    // Consistency of the table is the core's check.
    let mut unknown_zone = cost_policy();
    if let SourcingRule::LowestCost { table } = &mut unknown_zone.rules[1] {
        table.rates[0].zone = "east".into();
    }
    assert_eq!(
        validation_field(set(unknown_zone)),
        "rules[1].lowest_cost.rates[0].zone"
    );
    let mut mixed = cost_policy();
    if let SourcingRule::LowestCost { table } = &mut mixed.rules[1] {
        table.rates[1].per_kg.currency = "EUR".into();
    }
    assert_eq!(
        validation_field(set(mixed)),
        "rules[1].lowest_cost.rates[1].per_kg"
    );

    // Nothing above changed the policy.
    assert_eq!(engine.sourcing_policy().unwrap().rules.len(), 4);
}

/// WH1 (stocked by `stocked`) in Springfield, IL and WH2 in New York, both
/// with 10 MUGs; payment not required.
fn two_warehouses() -> Arc<Engine> {
    let engine = stocked(Some(r#"{"require_payment": false}"#));
    let mut wh1 = location("WH1");
    (wh1.lat, wh1.lon) = (Some(39.80), Some(-89.64));
    let mut wh2 = location("WH2");
    (wh2.lat, wh2.lon) = (Some(40.71), Some(-74.01));
    engine.define_location(wh1, AT.into()).unwrap();
    engine.define_location(wh2, AT.into()).unwrap();
    engine
        .receive_stock(
            ReceiveStock {
                sku: "MUG".into(),
                location_id: "WH2".into(),
                quantity: 10,
                reference: None,
            },
            AT.into(),
        )
        .unwrap();
    engine
}

/// An order shipping to Brooklyn, near WH2.
fn brooklyn_order(order_id: &str, quantity: u64) -> PlaceOrder {
    let mut o = order(order_id, quantity);
    o.ship_to.city = "Brooklyn".into();
    o.ship_to.postal_code = "11201".into();
    (o.ship_to.lat, o.ship_to.lon) = (Some(40.69), Some(-73.99));
    o
}

#[test]
fn explanation_summary_reads_an_order_allocated_event() {
    let engine = two_warehouses();
    let placed = engine
        .place_order(brooklyn_order("SO-1", 3), AT.into())
        .unwrap();
    let allocated = engine.allocate(Some("SO-1".into()), AT.into()).unwrap();
    let allocated = allocated[0].clone();
    assert_eq!(allocated.kind, "order_allocated");
    let json: serde_json::Value = serde_json::from_str(&allocated.json).unwrap();
    assert_eq!(json["explanation"]["chosen"][0]["location_id"], "WH2");
    assert_eq!(json["explanation"]["chosen"][0]["won_by"], "nearest");
    assert_eq!(
        explanation_summary(allocated.json).unwrap().as_deref(),
        Some("WH2 took 3 units: it beat WH1 on nearest.")
    );
    let order = engine.order("SO-1".into()).unwrap();
    assert_eq!(order.lines[0].allocations[0].location_id, "WH2");

    // Other events have no explanation; what is not an event is refused.
    assert_eq!(explanation_summary(placed[0].json.clone()).unwrap(), None);
    for bad in ["", "{", r#"{"type":"order_allocated"}"#, "[]"] {
        assert_eq!(code(explanation_summary(bad.into())), "validation");
    }
}

fn cart(hold_id: &str, quantity: u64, expires_at: &str) -> StockHold {
    StockHold {
        hold_id: hold_id.into(),
        sku: "MUG".into(),
        quantity,
        channel: "web".into(),
        expires_at: expires_at.into(),
    }
}

#[test]
fn cart_holds_cross_with_rfc3339_expiry_times() {
    let engine = stocked(Some(r#"{"require_payment": false}"#));
    assert_eq!(engine.next_hold_expiry().unwrap(), None);
    let events = engine
        .hold_stock(cart("H1", 3, "2026-11-22T10:15:00+01:00"), AT.into())
        .unwrap();
    assert_eq!(kinds(&events), ["stock_held"]);
    engine
        .hold_stock(cart("H2", 2, "2026-11-22T09:05:00Z"), AT.into())
        .unwrap();
    // Stored as UTC, sorted by id; the soonest expiry first.
    assert_eq!(
        engine.stock_holds().unwrap(),
        [
            cart("H1", 3, "2026-11-22T09:15:00Z"),
            cart("H2", 2, "2026-11-22T09:05:00Z")
        ]
    );
    assert_eq!(
        engine.next_hold_expiry().unwrap().as_deref(),
        Some("2026-11-22T09:05:00Z")
    );
    assert_eq!(
        engine
            .channel_available("web".into(), "MUG".into())
            .unwrap(),
        5
    );

    engine.place_order(order("SO-1", 3), AT.into()).unwrap();
    let events = engine
        .convert_hold("H1".into(), "SO-1".into(), AT.into())
        .unwrap();
    assert_eq!(events[0].kind, "stock_hold_converted");
    assert_eq!(events[0].order_id.as_deref(), Some("SO-1"));
    let events = engine.expire_holds("2026-11-22T09:05:00Z".into()).unwrap();
    assert_eq!(kinds(&events), ["stock_hold_released"]);
    let json: serde_json::Value = serde_json::from_str(&events[0].json).unwrap();
    assert_eq!(json["reason"], "expired");
    assert!(engine.stock_holds().unwrap().is_empty());
    assert_eq!(engine.next_hold_expiry().unwrap(), None);

    engine
        .hold_stock(cart("H3", 1, "2026-11-22T09:30:00Z"), AT.into())
        .unwrap();
    let events = engine.release_stock_hold("H3".into(), AT.into()).unwrap();
    assert_eq!(kinds(&events), ["stock_hold_released"]);
    assert_eq!(
        code(engine.release_stock_hold("H3".into(), AT.into())),
        "not_found"
    );
}

#[test]
fn a_bad_cart_hold_is_refused_with_the_core_codes() {
    let engine = stocked(None);
    let err = engine
        .hold_stock(cart("H1", 1, "in ten minutes"), AT.into())
        .unwrap_err();
    let details: serde_json::Value = serde_json::from_str(err.details_json()).unwrap();
    assert_eq!(details["field"], "expires_at", "{err:?}");
    // Not after the command's time: the core's rule.
    assert_eq!(
        code(engine.hold_stock(cart("H1", 1, AT), AT.into())),
        "validation"
    );
    assert_eq!(
        code(engine.hold_stock(cart("H1", 11, "2026-11-22T10:00:00Z"), AT.into())),
        "insufficient_stock"
    );
    assert_eq!(
        code(engine.convert_hold("NOPE".into(), "SO-1".into(), AT.into())),
        "not_found"
    );
    assert!(engine.stock_holds().unwrap().is_empty());
}

#[test]
fn a_count_below_reservations_releases_them_and_reallocate_moves_them() {
    let engine = two_warehouses();
    // Only WH1 has stock when the order is allocated.
    engine
        .count_stock("MUG".into(), "WH2".into(), 0, AT.into())
        .unwrap();
    engine
        .place_order(brooklyn_order("SO-1", 4), AT.into())
        .unwrap();
    engine.allocate(None, AT.into()).unwrap();
    let held_at = |engine: &Engine| {
        engine.order("SO-1".into()).unwrap().lines[0]
            .allocations
            .iter()
            .map(|a| (a.location_id.clone(), a.quantity))
            .collect::<Vec<_>>()
    };
    assert_eq!(held_at(&engine), [("WH1".to_string(), 4)]);

    // Stock arrives nearer: reallocate moves the reservation.
    engine
        .count_stock("MUG".into(), "WH2".into(), 10, AT.into())
        .unwrap();
    let events = engine.reallocate("SO-1".into(), AT.into()).unwrap();
    assert_eq!(
        &kinds(&events)[..2],
        ["allocation_released", "order_allocated"]
    );
    assert_eq!(held_at(&engine), [("WH2".to_string(), 4)]);
    assert!(engine
        .reallocate("SO-1".into(), AT.into())
        .unwrap()
        .is_empty());

    // A count below what is reserved releases the shortfall; the order is
    // re-sourced from WH1.
    let events = engine
        .count_stock("MUG".into(), "WH2".into(), 1, AT.into())
        .unwrap();
    let released = events
        .iter()
        .find(|e| e.kind == "allocation_released")
        .unwrap();
    assert_eq!(released.order_id.as_deref(), Some("SO-1"));
    let json: serde_json::Value = serde_json::from_str(&released.json).unwrap();
    assert_eq!(json["releases"][0]["quantity"], 3, "{json}");
    assert_eq!(
        held_at(&engine),
        [("WH2".to_string(), 1), ("WH1".to_string(), 3)]
    );
    assert_eq!(engine.invariant_violation().unwrap(), None);
}
