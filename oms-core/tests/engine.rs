//! Scenario tests of the engine's rules, one per rule, through the JSON contract.

mod common;

use common::*;
use oms_core::{Engine, ErrorCode, Event, OrderStatus, PaymentStatus};
use serde_json::json;

#[test]
fn seeds_example_500_shirts_6_and_10_sold_leaves_484() {
    let mut s = Shop::new(no_payment());
    s.receive("A", "W1", 500);
    s.ok(order_with("E1", "etsy", &[("1", "A", 6)], json!({})));
    s.ok(order_with("B1", "ebay", &[("1", "A", 10)], json!({})));
    assert_eq!(s.engine.available("A", None).unwrap(), 484);
    // The location's physical picture is unchanged until allocation.
    assert_eq!(s.engine.stock("A", "W1").unwrap().available, 500);
    s.ok(json!({"type":"allocate"}));
    assert_eq!(s.engine.available("A", None).unwrap(), 484);
    assert_eq!(s.engine.stock("A", "W1").unwrap().reserved, 16);
}

#[test]
fn full_lifecycle_with_payment_hold() {
    let mut s = Shop::new(json!({}));
    s.receive("A", "W1", 10);
    let ev = s.ok(order_with(
        "O1",
        "web",
        &[("1", "A", 2)],
        json!({"shipping_price": {"amount":"5.00","currency":"USD"}}),
    ));
    assert_eq!(
        names(&ev),
        ["order_placed", "hold_placed", "order_status_changed"]
    );
    assert_eq!(s.status("O1"), OrderStatus::OnHold);
    assert_eq!(
        s.err(json!({"type":"allocate","order_id":"O1"})),
        ErrorCode::InvalidTransition
    );
    // 20 + 5 shipping = 25; a partial authorization keeps the hold.
    s.ok(json!({"type":"record_payment","order_id":"O1","kind":"authorized","amount":{"amount":"20.00","currency":"USD"}}));
    assert_eq!(s.status("O1"), OrderStatus::OnHold);
    let ev = s.ok(json!({"type":"record_payment","order_id":"O1","kind":"captured","amount":{"amount":"5.00","currency":"USD"}}));
    assert_eq!(
        names(&ev),
        ["payment_recorded", "hold_released", "order_status_changed"]
    );
    assert_eq!(s.status("O1"), OrderStatus::Ready);
    s.ok(json!({"type":"allocate","order_id":"O1"}));
    assert_eq!(s.status("O1"), OrderStatus::Allocated);
    s.ok(json!({"type":"ship","order_id":"O1","shipment_id":"S1","location_id":"W1","carrier":"UPS","lines":[{"line_id":"1","quantity":1}]}));
    assert_eq!(s.status("O1"), OrderStatus::PartiallyShipped);
    s.ok(json!({"type":"ship","order_id":"O1","shipment_id":"S2","location_id":"W1","carrier":"UPS","tracking_number":"1Z","lines":[{"line_id":"1","quantity":1}]}));
    assert_eq!(s.status("O1"), OrderStatus::Shipped);
    s.ok(json!({"type":"confirm_delivery","shipment_id":"S1"}));
    assert_eq!(s.status("O1"), OrderStatus::Shipped);
    s.ok(json!({"type":"confirm_delivery","shipment_id":"S2"}));
    assert_eq!(s.status("O1"), OrderStatus::Delivered);
    // A repeated delivery confirmation is a no-op.
    assert!(s
        .ok(json!({"type":"confirm_delivery","shipment_id":"S2"}))
        .is_empty());
    let st = s.engine.stock("A", "W1").unwrap();
    assert_eq!((st.on_hand, st.reserved, st.shipped), (8, 0, 2));
    let v = s.engine.order("O1").unwrap();
    assert_eq!(v.lines[0].delivered, 2);
    assert_eq!(
        v.shipments.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        ["S1", "S2"]
    );
    assert_eq!(v.total.to_string(), "25.00 USD");
    assert_eq!(v.payment_status, PaymentStatus::Authorized);
}

#[test]
fn payment_statuses_and_refund_limits() {
    let mut s = Shop::new(json!({}));
    s.ok(order("O1", &[("1", "A", 1)]));
    let pay = |kind: &str, amount: &str| json!({"type":"record_payment","order_id":"O1","kind":kind,"amount":{"amount":amount,"currency":"USD"}});
    assert_eq!(
        s.engine.order("O1").unwrap().payment_status,
        PaymentStatus::Unpaid
    );
    s.ok(pay("failed", "10.00"));
    assert_eq!(
        s.engine.order("O1").unwrap().payment_status,
        PaymentStatus::Failed
    );
    assert_eq!(s.status("O1"), OrderStatus::OnHold);
    s.ok(pay("captured", "10.00"));
    assert_eq!(
        s.engine.order("O1").unwrap().payment_status,
        PaymentStatus::Paid
    );
    assert_eq!(s.err(pay("refunded", "10.01")), ErrorCode::Validation);
    s.ok(pay("refunded", "4.00"));
    assert_eq!(
        s.engine.order("O1").unwrap().payment_status,
        PaymentStatus::PartiallyRefunded
    );
    s.ok(pay("refunded", "6.00"));
    assert_eq!(
        s.engine.order("O1").unwrap().payment_status,
        PaymentStatus::Refunded
    );
    assert_eq!(s.err(pay("captured", "-1")), ErrorCode::Validation);
    assert_eq!(
        s.err(json!({"type":"record_payment","order_id":"O1","kind":"captured","amount":{"amount":"1","currency":"EUR"}})),
        ErrorCode::Validation
    );
    assert_eq!(
        s.err(json!({"type":"record_payment","order_id":"O1","kind":"captured","amount":{"amount":1.5,"currency":"USD"}})),
        ErrorCode::Validation
    );
}

#[test]
fn duplicate_deliveries_are_idempotent_and_conflicts_are_duplicates() {
    let mut s = Shop::new(no_payment());
    let o = order_with(
        "O1",
        "amazon",
        &[("1", "A", 1)],
        json!({"channel_order_id": "AMZ-1"}),
    );
    assert!(!s.ok(o.clone()).is_empty());
    assert!(s.ok(o.clone()).is_empty(), "same order twice is a no-op");
    // The channel redelivers under a fresh engine id: still the same order.
    let mut again = o.clone();
    again["order_id"] = json!("O1-redelivered");
    assert!(s.ok(again.clone()).is_empty());
    assert_eq!(s.engine.orders(None).len(), 1);
    again["lines"][0]["quantity"] = json!(2);
    assert_eq!(s.err(again), ErrorCode::Duplicate);
    let mut changed = o;
    changed["customer_id"] = json!("C2");
    assert_eq!(s.err(changed), ErrorCode::Duplicate);
}

#[test]
fn high_value_orders_wait_for_manual_review() {
    let mut s = Shop::new(
        json!({"require_payment": false, "high_value_threshold": {"amount":"100","currency":"USD"}}),
    );
    s.receive("A", "W1", 50);
    s.ok(order("BIG", &[("1", "A", 11)]));
    s.ok(order("SMALL", &[("1", "A", 10)]));
    assert_eq!(s.status("BIG"), OrderStatus::OnHold);
    assert_eq!(s.status("SMALL"), OrderStatus::Ready);
    assert_eq!(
        s.err(json!({"type":"release_hold","order_id":"BIG","hold":"fraud"})),
        ErrorCode::InvalidTransition
    );
    assert_eq!(s.err(json!({"type":"ship","order_id":"BIG","shipment_id":"X","location_id":"W1","carrier":"UPS","lines":[{"line_id":"1","quantity":1}]})), ErrorCode::InvalidTransition);
    s.ok(json!({"type":"allocate"}));
    assert_eq!(s.status("BIG"), OrderStatus::OnHold);
    assert_eq!(s.status("SMALL"), OrderStatus::Allocated);
    s.ok(json!({"type":"release_hold","order_id":"BIG","hold":"high_value_review"}));
    s.ok(json!({"type":"allocate"}));
    assert_eq!(s.status("BIG"), OrderStatus::Allocated);
    // Holds can be placed on allocated orders, not twice, and block shipping.
    s.ok(json!({"type":"place_hold","order_id":"BIG","hold":"fraud_check","note":"address mismatch"}));
    assert_eq!(
        s.err(json!({"type":"place_hold","order_id":"BIG","hold":"fraud_check"})),
        ErrorCode::InvalidTransition
    );
    assert_eq!(s.status("BIG"), OrderStatus::OnHold);
}

#[test]
fn allocation_prefers_one_complete_nearby_location_then_splits_then_backorders() {
    let mut s = Shop::new(no_payment());
    s.receive("A", "W1", 5);
    s.receive("B", "W1", 5);
    s.receive("A", "W2", 5);
    s.receive("B", "W2", 5);
    s.receive("A", "S1", 100); // a store that does not fulfil orders
    s.ok(order("NEAR", &[("1", "A", 1), ("2", "B", 1)]));
    s.ok(json!({"type":"allocate","order_id":"NEAR"}));
    let v = s.engine.order("NEAR").unwrap();
    assert!(
        v.lines
            .iter()
            .all(|l| l.allocations[0].location_id.as_str() == "W1"),
        "Newark ships from the East"
    );

    s.ok(order("SPLIT", &[("1", "A", 8)]));
    s.ok(json!({"type":"allocate","order_id":"SPLIT"}));
    let v = s.engine.order("SPLIT").unwrap();
    assert_eq!(v.lines[0].allocated, 8);
    assert_eq!(v.lines[0].allocations.len(), 2);

    s.ok(order("SHORT", &[("1", "A", 3)]));
    s.ok(json!({"type":"allocate","order_id":"SHORT"}));
    let v = s.engine.order("SHORT").unwrap();
    assert_eq!((v.lines[0].allocated, v.lines[0].backordered), (1, 2));
    assert_eq!(v.status, OrderStatus::Backordered);
    // Nothing changes on a second run: no event.
    assert!(s
        .ok(json!({"type":"allocate","order_id":"SHORT"}))
        .is_empty());
    // Stock arrives; the next run fills the backorder.
    s.receive("A", "W2", 2);
    s.ok(json!({"type":"allocate"}));
    assert_eq!(s.status("SHORT"), OrderStatus::Allocated);
    // Reserved never exceeds on-hand, available never goes negative.
    for loc in ["W1", "W2"] {
        let st = s.engine.stock("A", loc).unwrap();
        assert!(st.reserved <= st.on_hand);
    }
    assert_eq!(s.engine.available("A", None).unwrap(), 0);
}

#[test]
fn batch_allocation_runs_in_priority_order_and_auto_allocate_fills_backorders() {
    let mut s = Shop::new(json!({"require_payment": false, "auto_allocate": true}));
    s.ok(order("OLD", &[("1", "A", 1)]));
    s.ok(order("NEW", &[("1", "A", 1)]));
    s.ok(order_with(
        "RUSH",
        "web",
        &[("1", "A", 1)],
        json!({"priority": "rush"}),
    ));
    for id in ["OLD", "NEW", "RUSH"] {
        assert_eq!(s.status(id), OrderStatus::Backordered);
    }
    s.receive("A", "W1", 2);
    assert_eq!(s.status("RUSH"), OrderStatus::Allocated);
    assert_eq!(s.status("OLD"), OrderStatus::Allocated);
    assert_eq!(s.status("NEW"), OrderStatus::Backordered);
    // Cancelling frees stock for the waiting order.
    s.ok(json!({"type":"cancel_order","order_id":"OLD","reason":"customer request"}));
    assert_eq!(s.status("OLD"), OrderStatus::Cancelled);
    assert_eq!(s.status("NEW"), OrderStatus::Allocated);
}

#[test]
fn shipping_checks_allocations_and_cancelling_respects_shipped_units() {
    let mut s = Shop::new(no_payment());
    s.receive("A", "W1", 3);
    s.ok(order("O1", &[("1", "A", 3), ("2", "B", 1)]));
    s.ok(json!({"type":"allocate"}));
    let ship = |id: &str, q: u64, loc: &str| json!({"type":"ship","order_id":"O1","shipment_id":id,"location_id":loc,"carrier":"DHL","lines":[{"line_id":"1","quantity":q}]});
    assert_eq!(s.err(ship("S1", 4, "W1")), ErrorCode::InsufficientStock);
    assert_eq!(s.err(ship("S1", 1, "W2")), ErrorCode::InsufficientStock);
    assert_eq!(s.err(ship("S1", 1, "NOPE")), ErrorCode::NotFound);
    s.ok(ship("S1", 2, "W1"));
    assert!(
        s.ok(ship("S1", 2, "W1")).is_empty(),
        "repeated shipment is a no-op"
    );
    assert_eq!(s.err(ship("S1", 1, "W1")), ErrorCode::Duplicate);
    assert_eq!(
        s.err(
            json!({"type":"cancel_line","order_id":"O1","line_id":"1","quantity":2,"reason":"x"})
        ),
        ErrorCode::InvalidTransition
    );
    s.ok(json!({"type":"cancel_line","order_id":"O1","line_id":"1","quantity":1,"reason":"x"}));
    assert_eq!(s.engine.stock("A", "W1").unwrap().reserved, 0);
    s.ok(json!({"type":"cancel_line","order_id":"O1","line_id":"2","quantity":1,"reason":"out of stock"}));
    assert_eq!(s.status("O1"), OrderStatus::Shipped);
    assert_eq!(
        s.err(json!({"type":"cancel_order","order_id":"O1","reason":"late"})),
        ErrorCode::InvalidTransition
    );
    assert_eq!(s.engine.available("B", None).unwrap(), 0);
}

#[test]
fn stock_adjustments_counts_and_safety_stock() {
    let mut s = Shop::new(no_payment());
    s.receive("A", "W1", 10);
    s.ok(order("O1", &[("1", "A", 6)]));
    s.ok(json!({"type":"allocate"}));
    let adjust = |d: i64| json!({"type":"adjust_stock","sku":"A","location_id":"W1","delta":d,"reason":"damaged"});
    assert_eq!(s.err(adjust(-11)), ErrorCode::InsufficientStock);
    assert_eq!(s.err(adjust(0)), ErrorCode::Validation);
    s.ok(adjust(-4));
    // The count wins over reservations: O1 gives back what is no longer there.
    let ev = s.ok(json!({"type":"count_stock","sku":"A","location_id":"W1","counted":5}));
    assert_eq!(
        names(&ev),
        [
            "allocation_released",
            "stock_adjusted",
            "order_status_changed"
        ]
    );
    assert_eq!(s.engine.order("O1").unwrap().lines[0].backordered, 1);
    let ev = s.ok(json!({"type":"count_stock","sku":"A","location_id":"W1","counted":9}));
    s.ok(json!({"type":"allocate","order_id":"O1"}));
    let v = serde_json::to_value(&ev[0]).unwrap();
    assert_eq!(
        (
            v["type"].as_str(),
            v["delta"].as_i64(),
            v["counted"].as_u64()
        ),
        (Some("stock_adjusted"), Some(4), Some(9))
    );
    assert_eq!(s.engine.stock("A", "W1").unwrap().on_hand, 9);
    s.ok(json!({"type":"set_safety_stock","sku":"A","location_id":"W1","quantity":2}));
    let st = s.engine.stock("A", "W1").unwrap();
    assert_eq!(
        (st.on_hand, st.reserved, st.safety_stock, st.available),
        (9, 6, 2, 1)
    );
    s.ok(order("O2", &[("1", "A", 2)]));
    s.ok(json!({"type":"allocate","order_id":"O2"}));
    let v = s.engine.order("O2").unwrap();
    assert_eq!(
        (v.lines[0].allocated, v.lines[0].backordered),
        (1, 1),
        "safety stock is not allocated"
    );
    assert_eq!(
        s.err(json!({"type":"receive_stock","sku":"A","location_id":"W1","quantity":0})),
        ErrorCode::Validation
    );
    assert_eq!(
        s.err(json!({"type":"receive_stock","sku":"Z","location_id":"W1","quantity":1})),
        ErrorCode::NotFound
    );
}

#[test]
fn kits_derive_stock_and_allocate_whole_units_from_one_location() {
    let mut s = Shop::new(no_payment());
    s.ok(json!({"type":"define_product","sku":"GIFT","name":"Gift set","components":[{"sku":"A","quantity":2},{"sku":"B","quantity":1}]}));
    s.receive("A", "W1", 4);
    s.receive("B", "W1", 1);
    s.receive("A", "W2", 2);
    s.receive("B", "W2", 5);
    assert_eq!(s.engine.stock("GIFT", "W1").unwrap().available, 1);
    assert_eq!(s.engine.available("GIFT", None).unwrap(), 2);
    assert_eq!(
        s.err(json!({"type":"receive_stock","sku":"GIFT","location_id":"W1","quantity":1})),
        ErrorCode::Validation
    );
    assert_eq!(s.err(json!({"type":"define_product","sku":"A","name":"A","components":[{"sku":"B","quantity":1}]})), ErrorCode::Conflict);
    assert_eq!(s.err(json!({"type":"define_product","sku":"NEST","name":"N","components":[{"sku":"GIFT","quantity":1}]})), ErrorCode::Validation);
    s.ok(order("K", &[("1", "GIFT", 3)]));
    assert_eq!(s.engine.available("GIFT", None).unwrap(), 0);
    s.ok(json!({"type":"allocate"}));
    let v = s.engine.order("K").unwrap();
    assert_eq!((v.lines[0].allocated, v.lines[0].backordered), (2, 1));
    assert_eq!(s.engine.stock("A", "W1").unwrap().reserved, 2);
    assert_eq!(s.engine.stock("B", "W1").unwrap().reserved, 1);
    assert_eq!(s.engine.stock("A", "W2").unwrap().reserved, 2);
    s.ok(json!({"type":"ship","order_id":"K","shipment_id":"S","location_id":"W2","carrier":"UPS","lines":[{"line_id":"1","quantity":1}]}));
    assert_eq!(s.engine.stock("A", "W2").unwrap().on_hand, 0);
    assert_eq!(s.engine.stock("B", "W2").unwrap().on_hand, 4);
    s.ok(json!({"type":"cancel_order","order_id":"K","reason":"x"}));
    assert_eq!(s.engine.stock("A", "W1").unwrap().reserved, 0);
    assert!(s.engine.check_invariants().is_ok());
}

#[test]
fn bad_input_gets_typed_errors() {
    let mut s = Shop::new(no_payment());
    assert_eq!(
        s.err(json!({"type":"no_such_command"})),
        ErrorCode::Validation
    );
    assert_eq!(
        s.err(json!({"type":"allocate","order_id":"X","extra":1})),
        ErrorCode::Validation
    );
    assert_eq!(
        s.err(json!({"type":"allocate","order_id":"X"})),
        ErrorCode::NotFound
    );
    assert_eq!(
        s.err(json!({"type":"define_product","sku":"bad sku","name":"x"})),
        ErrorCode::Validation
    );
    assert_eq!(
        s.err(json!({"type":"define_product","sku":"G","name":"x","gtin":"4006381333932"})),
        ErrorCode::Validation
    );
    assert_eq!(
        s.err(json!({"type":"define_location","location_id":"L","name":"x","kind":"moon"})),
        ErrorCode::Validation
    );
    assert_eq!(s.err(json!({"type":"define_location","location_id":"L","name":"x","kind":"store","lat":100,"lon":0})), ErrorCode::Validation);
    assert_eq!(s.err(order("O", &[])), ErrorCode::Validation);
    assert_eq!(s.err(order("O", &[("1", "A", 0)])), ErrorCode::Validation);
    assert_eq!(
        s.err(order("O", &[("1", "A", 1), ("1", "B", 1)])),
        ErrorCode::Validation
    );
    assert_eq!(s.err(order("O", &[("1", "NOPE", 1)])), ErrorCode::NotFound);
    let mut mixed = order("O", &[("1", "A", 1), ("2", "B", 1)]);
    mixed["lines"][1]["unit_price"]["currency"] = json!("EUR");
    assert_eq!(s.err(mixed), ErrorCode::Validation);
    let mut huge = order("O", &[("1", "A", 1_000_000_000_000)]);
    huge["lines"][0]["unit_price"]["amount"] = json!("79228162514264337593543950335");
    assert_eq!(s.err(huge), ErrorCode::Validation);
    let mut bad_country = order("O", &[("1", "A", 1)]);
    bad_country["ship_to"]["country"] = json!("usa");
    assert_eq!(s.err(bad_country), ErrorCode::Validation);
    // Validation messages name the order they are about, and the field.
    let e = s.run(order("SO-77", &[("1", "A", 0)])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid lines[0].quantity: order \"SO-77\": 0 is not between 1 and 1000000000000"
    );
    let e = s
        .run(json!({"type":"allocate","order_id":"MISSING"}))
        .unwrap_err();
    assert!(e.to_string().contains("MISSING"), "{e}");
    assert_eq!(e.details()["code"], "not_found");
}

#[test]
fn snapshot_and_replay_rebuild_the_same_state() {
    let mut s = Shop::new(json!({"auto_allocate": true}));
    s.receive("A", "W1", 7);
    s.ok(order("Q", &[("1", "A", 4), ("2", "B", 1)]));
    s.ok(json!({"type":"record_payment","order_id":"Q","kind":"captured","amount":{"amount":"50.00","currency":"USD"}}));
    s.ok(json!({"type":"ship","order_id":"Q","shipment_id":"SQ","location_id":"W1","carrier":"UPS","lines":[{"line_id":"1","quantity":4}]}));
    s.ok(json!({"type":"cancel_line","order_id":"Q","line_id":"2","quantity":1,"reason":"out of stock"}));
    s.ok(json!({"type":"confirm_delivery","shipment_id":"SQ"}));
    assert_eq!(s.status("Q"), OrderStatus::Delivered);

    let snap = s.engine.snapshot();
    let restored = Engine::from_snapshot(&snap).unwrap();
    assert_eq!(restored.snapshot(), snap);
    assert_eq!(
        Engine::from_snapshot(b"not json").unwrap_err().code(),
        ErrorCode::Validation
    );

    // The whole log survives JSON and replays into the same state.
    let text: Vec<String> = s
        .log
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    let parsed: Vec<Event> = text.iter().map(|t| Event::from_json(t).unwrap()).collect();
    assert_eq!(parsed, s.log);
    let replayed = Engine::replay(s.engine.config().clone(), &parsed).unwrap();
    assert_eq!(replayed.snapshot(), snap);
    assert_eq!(replayed.events_applied(), s.log.len() as u64);

    // A log without its setup does not fit, and says which event failed.
    let err = Engine::replay(s.engine.config().clone(), &parsed[6..]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(err.to_string().contains("event 0"), "{err}");
}

#[test]
fn event_json_shape_is_the_contract() {
    let mut s = Shop::new(no_payment());
    let ev = s.ok(order("O1", &[("1", "A", 1)]));
    let v = serde_json::to_value(&ev[0]).unwrap();
    assert_eq!(v["type"], "order_placed");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["at"], "2026-11-22T08:07:00Z");
    assert_eq!(
        v["order"]["lines"][0]["unit_price"],
        json!({"amount":"10.00","currency":"USD"})
    );
    let ev =
        s.ok(json!({"type":"cancel_line","order_id":"O1","line_id":"1","quantity":1,"reason":"x"}));
    let v = serde_json::to_value(&ev[0]).unwrap();
    assert_eq!(v["type"], "line_cancelled");
    assert_eq!(v["line_id"], "1");
    let status = serde_json::to_value(ev.last().unwrap()).unwrap();
    assert_eq!(
        status,
        json!({"type":"order_status_changed","schema_version":1,"at":"2026-11-22T08:08:00Z","order_id":"O1","from":"ready","to":"cancelled"})
    );
}

#[test]
fn idempotency_keys_and_expected_versions() {
    use oms_core::{Command, CommandOptions};
    let mut s = Shop::new(no_payment());
    s.receive("A", "W1", 10);
    let run = |s: &mut Shop, json: serde_json::Value| {
        s.clock += 1;
        let (command, options) = Command::from_value_with_options(json).unwrap();
        let events = s.engine.execute_with(command, &options, t(s.clock))?;
        s.log.extend(events.iter().cloned());
        Ok::<_, oms_core::OmsError>(events)
    };
    let mut placed = order("O1", &[("1", "A", 2)]);
    placed["idempotency_key"] = json!("checkout-1");
    placed["expected_version"] = json!(0);
    let events = run(&mut s, placed.clone()).unwrap();
    assert_eq!(events[0].idempotency.as_ref().unwrap().key, "checkout-1");
    // The same key and payload again: nothing recorded.
    assert!(run(&mut s, placed.clone()).unwrap().is_empty());
    let mut other = order("O2", &[("1", "A", 1)]);
    other["idempotency_key"] = json!("checkout-1");
    assert_eq!(run(&mut s, other).unwrap_err().code(), ErrorCode::Duplicate);

    // Versions: placed = 1; a stale version is a conflict and changes nothing.
    assert_eq!(s.engine.order("O1").unwrap().version, 1);
    let stale = json!({"type":"allocate","order_id":"O1","expected_version":0});
    assert_eq!(run(&mut s, stale).unwrap_err().code(), ErrorCode::Conflict);
    let fresh = json!({"type":"allocate","order_id":"O1","expected_version":1});
    assert!(!run(&mut s, fresh).unwrap().is_empty());
    assert_eq!(s.engine.order("O1").unwrap().version, 2);
    let not_an_order = json!({"type":"receive_stock","sku":"A","location_id":"W1","quantity":1,"expected_version":1});
    assert_eq!(
        run(&mut s, not_an_order).unwrap_err().code(),
        ErrorCode::Validation
    );
    let bad = Command::from_value_with_options(json!({"type":"allocate","expected_version":"x"}));
    assert_eq!(bad.unwrap_err().code(), ErrorCode::Validation);

    // Replay and snapshots remember the keys.
    let mut replayed = Engine::replay(s.engine.config().clone(), &s.log).unwrap();
    assert_eq!(replayed.snapshot(), s.engine.snapshot());
    let key = CommandOptions {
        idempotency_key: Some("checkout-1".into()),
        ..Default::default()
    };
    let again = Command::from_value(order("O1", &[("1", "A", 2)])).unwrap();
    assert!(replayed
        .execute_with(again, &key, t(99))
        .unwrap()
        .is_empty());
    let mut restored = Engine::from_snapshot(&s.engine.snapshot()).unwrap();
    let different = Command::from_value(order("O3", &[("1", "A", 2)])).unwrap();
    assert_eq!(
        restored
            .execute_with(different, &key, t(99))
            .unwrap_err()
            .code(),
        ErrorCode::Duplicate
    );
}

#[test]
fn tracking_events_move_a_shipment_and_deliver_its_lines() {
    let mut s = Shop::new(no_payment());
    s.receive("A", "W1", 5);
    s.ok(order_with(
        "O1",
        "shopify",
        &[("1", "A", 2)],
        json!({"channel_order_id": "SH-9"}),
    ));
    s.ok(json!({"type":"allocate"}));
    let ship = |id: &str| json!({"type":"ship","order_id":"O1","shipment_id":id,"location_id":"W1","carrier":"UPS","tracking_number":"1Z9","lines":[{"line_id":"1","quantity":1}]});
    s.ok(ship("S1"));
    s.ok(ship("S2"));
    let track = |id: &str, status: &str| json!({"type":"record_tracking_event","shipment_id":id,"status":status,"at":"2026-11-21T09:00:00Z","message":"scan"});
    let events = s.ok(track("S1", "in_transit"));
    assert_eq!(names(&events), ["shipment_status_changed"]);
    let v = serde_json::to_value(&events[0]).unwrap();
    assert_eq!(
        (
            v["channel"].as_str(),
            v["channel_order_id"].as_str(),
            v["tracking_number"].as_str()
        ),
        (Some("shopify"), Some("SH-9"), Some("1Z9"))
    );
    assert_eq!(
        (v["from"].as_str(), v["to"].as_str()),
        (None, Some("in_transit"))
    );
    // The same status again records nothing.
    assert!(s.ok(track("S1", "in_transit")).is_empty());
    let events = s.ok(track("S1", "exception"));
    assert_eq!(
        names(&events),
        ["shipment_status_changed", "shipment_exception"]
    );
    let v = serde_json::to_value(&events[1]).unwrap();
    assert_eq!(
        (v["customer_id"].as_str(), v["message"].as_str()),
        (Some("C1"), Some("scan"))
    );
    // Delivered delivers the shipment's line units; the order is delivered once both are.
    let events = s.ok(track("S1", "delivered"));
    assert_eq!(
        names(&events)[..2],
        ["shipment_status_changed", "shipment_delivered"]
    );
    assert_eq!(s.engine.order("O1").unwrap().lines[0].delivered, 1);
    assert_eq!(s.status("O1"), OrderStatus::Shipped);
    s.ok(json!({"type":"confirm_delivery","shipment_id":"S2"}));
    assert_eq!(s.status("O1"), OrderStatus::Delivered);
    // Delivered is final: a later scan is refused by name, and nothing changes.
    let before = s.engine.events_applied();
    let e = s
        .engine
        .execute(
            oms_core::Command::from_json(&track("S1", "in_transit").to_string()).unwrap(),
            t(9),
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidTransition);
    assert!(
        e.to_string()
            .contains("delivered shipment cannot become in_transit"),
        "{e}"
    );
    assert_eq!(s.engine.events_applied(), before);
    assert_eq!(
        s.err(track("S2", "returned_to_sender")),
        ErrorCode::InvalidTransition
    );
    assert_eq!(s.err(track("NOPE", "delivered")), ErrorCode::NotFound);
    assert_eq!(
        s.engine.shipment("S1").unwrap().tracking_status,
        Some(oms_core::TrackingStatus::Delivered)
    );
    s.replays_and_restores();
}

#[test]
fn an_invalid_address_is_held_before_picking() {
    let mut config = no_payment();
    config["shipping"] = json!({});
    let mut s = Shop::new(config);
    s.receive("A", "W1", 5);
    // A valid US address (with its state) passes; a bad ZIP is held.
    let mut good = order("GOOD", &[("1", "A", 1)]);
    good["ship_to"]["region"] = json!("NJ");
    let mut bad = good.clone();
    bad["order_id"] = json!("BAD");
    s.ok(good);
    assert_eq!(s.status("GOOD"), OrderStatus::Ready);
    bad["ship_to"]["postal_code"] = json!("ABCDE");
    let events = s.ok(bad);
    let held = events
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .find(|v| v["type"] == "hold_placed")
        .unwrap();
    assert_eq!(held["hold"], "address_invalid");
    assert!(held["note"]
        .as_str()
        .unwrap()
        .contains("postal_code: \"ABCDE\" is not a US postal code"));
    assert_eq!(s.status("BAD"), OrderStatus::OnHold);
    s.ok(json!({"type":"allocate"}));
    assert_eq!(
        s.status("BAD"),
        OrderStatus::OnHold,
        "held orders are not allocated"
    );
    s.ok(json!({"type":"release_hold","order_id":"BAD","hold":"address_invalid"}));
    assert_eq!(s.status("BAD"), OrderStatus::Ready);
    // Without `shipping` in the config, no address is checked.
    let mut plain = Shop::new(no_payment());
    let mut bad = order("BAD", &[("1", "A", 1)]);
    bad["ship_to"]["postal_code"] = json!("ABCDE");
    plain.ok(bad);
    assert_eq!(plain.status("BAD"), OrderStatus::Ready);
    s.replays_and_restores();
}

#[test]
fn pack_chooses_cartons_and_ship_takes_the_parcels() {
    let mut config = no_payment();
    config["cartons"] = json!([
        {"carton_id": "S", "inner": {"length": 200, "width": 150, "height": 100}, "tare_weight": 80, "cost": {"amount": "0.40", "currency": "USD"}},
        {"carton_id": "M", "inner": {"length": 300, "width": 200, "height": 150}, "tare_weight": 120, "cost": {"amount": "0.60", "currency": "USD"}}
    ]);
    let mut s = Shop::new(config);
    s.ok(json!({"type":"define_product","sku":"MUG","name":"Mug","weight_g":350,"dims_mm":{"length":100,"width":100,"height":120},"packing":{"orientation":"upright"}}));
    s.ok(json!({"type":"define_product","sku":"VASE","name":"Vase","weight_g":400,"dims_mm":{"length":150,"width":100,"height":100},"packing":{"fragile":true}}));
    s.receive("MUG", "W1", 10);
    s.receive("VASE", "W1", 10);
    s.receive("A", "W1", 10);
    s.ok(order("O1", &[("1", "MUG", 4), ("2", "VASE", 1)]));
    // Nothing allocated: nothing to pack.
    assert_eq!(
        s.err(json!({"type":"pack","order_id":"O1"})),
        ErrorCode::InvalidTransition
    );
    s.ok(json!({"type":"allocate"}));
    let events = s.ok(json!({"type":"pack","order_id":"O1"}));
    assert_eq!(names(&events), ["order_packed", "order_status_changed"]);
    let v = serde_json::to_value(&events[0]).unwrap();
    assert_eq!(
        v["parcels"],
        json!([
            {"carton_id": "M", "lines": [{"line_id": "1", "quantity": 4}], "weight": 1520, "dims": {"length": 300, "width": 200, "height": 150}},
            {"carton_id": "S", "lines": [{"line_id": "2", "quantity": 1}], "weight": 480, "dims": {"length": 200, "width": 150, "height": 100}}
        ])
    );
    assert_eq!(s.status("O1"), OrderStatus::Packed);
    // Packing the same again records nothing.
    assert!(s.ok(json!({"type":"pack","order_id":"O1"})).is_empty());
    // Hand-packed parcels must hold exactly the ready units.
    assert_eq!(
        s.err(json!({"type":"pack","order_id":"O1","parcels":[{"carton_id":"M","lines":[{"line_id":"1","quantity":3}]}]})),
        ErrorCode::Validation
    );
    assert_eq!(
        s.err(json!({"type":"pack","order_id":"O1","parcels":[{"carton_id":"XL","lines":[{"line_id":"1","quantity":4},{"line_id":"2","quantity":1}]}]})),
        ErrorCode::Validation
    );
    // Ship without lines: the parcels go.
    let events = s.ok(json!({"type":"ship","order_id":"O1","shipment_id":"SH1","location_id":"W1","carrier":"UPS"}));
    let v = serde_json::to_value(&events[0]).unwrap();
    assert_eq!(
        v["lines"],
        json!([{"line_id": "1", "quantity": 4}, {"line_id": "2", "quantity": 1}])
    );
    assert_eq!(v["parcels"].as_array().unwrap().len(), 2);
    assert_eq!(s.status("O1"), OrderStatus::Shipped);
    assert_eq!(s.engine.shipment("SH1").unwrap().parcels.len(), 2);
    // A retry of the same ship records nothing.
    assert!(s.ok(json!({"type":"ship","order_id":"O1","shipment_id":"SH1","location_id":"W1","carrier":"UPS"})).is_empty());

    // Changing the reservations unpacks; a product without dims cannot be packed by the engine.
    s.ok(order("O2", &[("1", "MUG", 2), ("2", "A", 1)]));
    s.ok(json!({"type":"allocate"}));
    let e = s
        .engine
        .execute(
            oms_core::Command::from_json(&json!({"type":"pack","order_id":"O2"}).to_string())
                .unwrap(),
            t(99),
        )
        .unwrap_err();
    assert!(e.to_string().contains("A (line 2) has no dims_mm"), "{e}");
    s.ok(json!({"type":"pack","order_id":"O2","location_id":"W1","parcels":[{"lines":[{"line_id":"1","quantity":2},{"line_id":"2","quantity":1}]}]}));
    assert_eq!(s.status("O2"), OrderStatus::Packed);
    s.ok(json!({"type":"cancel_line","order_id":"O2","line_id":"2","quantity":1,"reason":"asked"}));
    assert_eq!(s.status("O2"), OrderStatus::Allocated);
    assert_eq!(
        s.err(json!({"type":"ship","order_id":"O2","shipment_id":"SH2","location_id":"W1","carrier":"UPS"})),
        ErrorCode::Validation
    );
    s.replays_and_restores();
}

#[test]
fn ship_chooses_the_service_for_the_promise_and_promises_before_the_order() {
    let mut config = no_payment();
    config["cartons"] = json!([
        {"carton_id": "M", "inner": {"length": 300, "width": 200, "height": 150}, "tare_weight": 120, "cost": {"amount": "0.60", "currency": "USD"}}
    ]);
    let rate =
        |amount: &str| json!([{"up_to": 10000, "price": {"amount": amount, "currency": "USD"}}]);
    config["shipping"] = json!({
        "zones": [{"country": "US", "zone": "1"}],
        "services": [
            {"service_id": "ground", "carrier": "UPS", "name": "Ground", "transit_days": {"1": 4}, "rates": {"1": rate("8")}},
            {"service_id": "2day", "carrier": "FedEx", "name": "2Day", "transit_days": {"1": 2}, "rates": {"1": rate("15")}}
        ]
    });
    let mut s = Shop::new(config);
    s.ok(json!({"type":"define_product","sku":"MUG","name":"Mug","weight_g":350,"dims_mm":{"length":100,"width":100,"height":120}}));
    s.receive("MUG", "W1", 10);
    let place = |id: &str, by: Option<&str>| {
        let mut o = order(id, &[("1", "MUG", 2)]);
        o["ship_to"]["region"] = json!("NJ");
        if let Some(by) = by {
            o["deliver_by"] = json!(by);
        }
        o
    };
    s.ok(place("FAST", Some("2026-01-01")));
    s.ok(place("CHEAP", None));
    s.ok(json!({"type":"allocate"}));
    let ship = |id: &str| json!({"type":"ship","order_id":id,"shipment_id":format!("SH-{id}"),"location_id":"W1"});
    // Not packed: the engine cannot choose.
    assert_eq!(s.err(ship("CHEAP")), ErrorCode::Validation);
    assert_eq!(
        s.engine.packed_labels("CHEAP").unwrap_err().code(),
        ErrorCode::InvalidTransition
    );
    for id in ["FAST", "CHEAP"] {
        s.ok(json!({"type":"pack","order_id":id}));
    }
    // Labels exist once packed, before the order ships.
    let before = s.engine.packed_labels("CHEAP").unwrap();
    assert_eq!(
        (before[0].header.as_str(), before[0].barcode.as_str()),
        ("UPS ground", "CHEAP-1")
    );
    let events = s.ok(ship("CHEAP"));
    let v = serde_json::to_value(&events[0]).unwrap();
    assert_eq!(
        (v["carrier"].as_str(), v["service"].as_str()),
        (Some("UPS"), Some("ground"))
    );
    assert_eq!(v["choice"]["cost"]["amount"], "8");
    assert_eq!(v["choice"]["meets_promise"], true);
    // One label per parcel, from the state alone.
    let labels = s.engine.shipment_labels("SH-CHEAP").unwrap();
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0].header, "UPS ground");
    assert_eq!(labels[0].barcode, "SH-CHEAP-1");
    assert_eq!(labels[0].to_lines[2], "Newark NJ 07102");
    assert!(
        labels[0].details.ends_with("0.82 kg  Parcel 1/1"),
        "{}",
        labels[0].details
    );
    assert!(labels[0].zpl.contains("Ref CHEAP"));
    assert_eq!(s.engine.shipment_labels("SH-CHEAP").unwrap(), labels);
    let events = s.ok(ship("FAST"));
    let v = serde_json::to_value(&events[0]).unwrap();
    // Nothing arrives by a date in the past: the fastest, flagged.
    assert_eq!(
        (v["carrier"].as_str(), v["service"].as_str()),
        (Some("FedEx"), Some("2day"))
    );
    assert_eq!(v["choice"]["meets_promise"], false);
    assert!(s.engine.shipment("SH-FAST").unwrap().choice.is_some());
    // A retry without carrier records nothing.
    assert!(s.ok(ship("FAST")).is_empty());

    // Before an order exists: the earliest arrival over locations with stock.
    let to: oms_core::Address = serde_json::from_value(json!({"name":"Ada","line1":"1 Main St","city":"Newark","region":"NJ","postal_code":"07102","country":"US"})).unwrap();
    let at: chrono::DateTime<chrono::Utc> = "2026-11-20T10:00:00Z".parse().unwrap();
    let p = s
        .engine
        .delivery_promise(&[oms_core::Sku::new("MUG")], &to, at)
        .unwrap();
    assert_eq!(
        (p.location_id.as_str(), p.service_id.as_str()),
        ("W1", "2day")
    );
    assert_eq!(p.arrives_by.to_string(), "2026-11-24");
    assert!(s
        .engine
        .delivery_promise(&[oms_core::Sku::new("A")], &to, at)
        .is_err());
    s.replays_and_restores();
}
