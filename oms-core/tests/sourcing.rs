//! Scenario tests of sourcing: policies, explanations, channels, priority
//! classes and fair share, through the JSON contract.

mod common;

use common::*;
use oms_core::{Engine, ErrorCode, Event, EventKind, Explanation};
use serde_json::{json, Value};

/// The explanation of the (single) allocation among `events`.
fn explanation(events: &[Event]) -> Explanation {
    events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::OrderAllocated { explanation, .. } => explanation.as_deref().cloned(),
            _ => None,
        })
        .expect("an order_allocated event with an explanation")
}

/// `(line_id, location_id, quantity)` of every allocation among `events`.
fn allocations(events: &[Event]) -> Vec<(String, String, u64)> {
    events
        .iter()
        .flat_map(|e| match &e.kind {
            EventKind::OrderAllocated { allocations, .. } => allocations
                .iter()
                .map(|a| (a.line_id.to_string(), a.location_id.to_string(), a.quantity))
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

fn allocate(s: &mut Shop, order_id: &str) -> Vec<Event> {
    s.ok(json!({"type":"allocate","order_id":order_id}))
}

#[test]
fn default_policy_ships_complete_from_the_nearest_and_says_why() {
    let mut s = Shop::new(no_payment());
    s.receive("A", "W1", 5);
    s.receive("A", "W2", 5);
    s.ok(order("O1", &[("1", "A", 2)]));
    assert_eq!(s.engine.order("O1").unwrap().version, 1);
    let events = allocate(&mut s, "O1");
    assert_eq!(allocations(&events), vec![("1".into(), "W1".into(), 2)]);
    // Placed, allocated: two events about the order.
    assert_eq!(s.engine.order("O1").unwrap().version, 2);
    let e = explanation(&events);
    assert_eq!(
        serde_json::to_value(&e.rules).unwrap(),
        json!([
            "ship_complete",
            "fewest_shipments",
            "nearest",
            "location_priority"
        ])
    );
    assert_eq!(e.candidates.len(), 2);
    assert_eq!(e.candidates[0].location_id.as_str(), "W1");
    assert!(e.candidates[0].distance_km.unwrap() < e.candidates[1].distance_km.unwrap());
    assert_eq!(e.chosen[0].won_by.as_str(), "nearest");
    assert_eq!(e.chosen[0].runner_up.as_ref().unwrap().as_str(), "W2");
    assert!(e
        .summary()
        .contains("W1 took 2 units: it beat W2 on nearest"));
    // The JSON form is the contract.
    let v = serde_json::to_value(&events[0]).unwrap();
    assert_eq!(v["explanation"]["chosen"][0]["won_by"], "nearest");
    assert_eq!(v["explanation"]["candidates"][0]["ships_complete"], true);
}

#[test]
fn a_channel_sources_only_from_its_locations() {
    let mut s = Shop::new(no_payment());
    s.receive("A", "W1", 5);
    s.receive("A", "W2", 5);
    s.ok(json!({"type":"define_channel","channel":"amazon","location_ids":["W2"]}));
    s.ok(order_with("O1", "amazon", &[("1", "A", 2)], json!({})));
    let events = allocate(&mut s, "O1");
    assert_eq!(allocations(&events), vec![("1".into(), "W2".into(), 2)]);
    let e = explanation(&events);
    assert_eq!(e.excluded[0].location_id.as_str(), "W1");
    assert_eq!(
        serde_json::to_value(e.excluded[0].reason).unwrap(),
        json!("channel")
    );
    assert_eq!(e.chosen[0].won_by.as_str(), "only_candidate");
    // Channels must name known locations; a repeat is a no-op.
    assert_eq!(
        s.err(json!({"type":"define_channel","channel":"ebay","location_ids":["NOPE"]})),
        ErrorCode::NotFound
    );
    assert!(s
        .ok(json!({"type":"define_channel","channel":"amazon","location_ids":["W2"]}))
        .is_empty());
    assert_eq!(
        s.err(json!({"type":"define_channel","channel":"ebay","buffer":{"percent":120}})),
        ErrorCode::Validation
    );
}

#[test]
fn paused_locations_and_destinations_are_filtered_out() {
    let mut s = Shop::new(no_payment());
    s.receive("A", "W1", 5);
    s.receive("A", "W2", 5);
    s.ok(
        json!({"type":"define_location","location_id":"W1","name":"East","kind":"warehouse",
                "lat":40.7,"lon":-74.0,"paused":true}),
    );
    s.ok(order("O1", &[("1", "A", 1)]));
    assert_eq!(
        allocations(&allocate(&mut s, "O1")),
        vec![("1".into(), "W2".into(), 1)]
    );
    s.ok(
        json!({"type":"define_location","location_id":"W2","name":"West","kind":"warehouse",
                "lat":34.0,"lon":-118.2,"ships_to":["US-CA"]}),
    );
    s.ok(order("O2", &[("1", "A", 1)])); // ships to NJ
    let events = allocate(&mut s, "O2");
    assert!(allocations(&events).is_empty());
    let e = explanation(&events);
    let reasons: Vec<Value> = e
        .excluded
        .iter()
        .map(|x| serde_json::to_value(x.reason).unwrap())
        .collect();
    assert_eq!(reasons, vec![json!("paused"), json!("destination")]);
    assert!(e.summary().starts_with("Nothing was allocated"));
    assert_eq!(
        s.err(json!({"type":"define_location","location_id":"W3","name":"X","kind":"store","ships_to":["usa"]})),
        ErrorCode::Validation
    );
}

fn cost_policy() -> Value {
    json!({"type":"set_sourcing_policy","rules":["ship_complete",{"lowest_cost":{
    "zones":[{"zone":"east","country":"US","postal_prefixes":["0","1"]},{"zone":"us","country":"US"}],
    "rates":[
        {"location_id":"W1","zone":"east","per_shipment":{"amount":"9.00","currency":"USD"},"per_kg":{"amount":"1.00","currency":"USD"}},
        {"location_id":"W2","zone":"east","per_shipment":{"amount":"6.00","currency":"USD"},"per_kg":{"amount":"2.00","currency":"USD"}}
    ]}}]})
}

#[test]
fn lowest_cost_uses_the_zone_rates_and_reports_the_cost() {
    let mut s = Shop::new(no_payment());
    s.ok(json!({"type":"define_product","sku":"A","name":"Product A","weight_g":1000}));
    s.receive("A", "W1", 5);
    s.receive("A", "W2", 5);
    s.ok(cost_policy());
    // 1 kg: W1 costs 10.00, W2 8.00.
    s.ok(order("O1", &[("1", "A", 1)]));
    let events = allocate(&mut s, "O1");
    assert_eq!(allocations(&events), vec![("1".into(), "W2".into(), 1)]);
    let e = explanation(&events);
    assert_eq!(e.chosen[0].won_by.as_str(), "lowest_cost");
    assert_eq!(e.candidates[0].cost.unwrap().to_string(), "8.00 USD");
    // 4 kg: W1 costs 13.00, W2 14.00.
    s.ok(order("O2", &[("1", "A", 4)]));
    assert_eq!(
        allocations(&allocate(&mut s, "O2")),
        vec![("1".into(), "W1".into(), 4)]
    );
    // Setting the same policy again records nothing; the policy is queryable.
    assert!(s.ok(cost_policy()).is_empty());
    assert_eq!(s.engine.sourcing_policy().rules.len(), 2);
}

#[test]
fn bad_policies_are_validation_errors() {
    let mut s = Shop::new(no_payment());
    for bad in [
        json!({"type":"set_sourcing_policy","rules":["nearest","nearest"]}),
        json!({"type":"set_sourcing_policy","rules":["closest"]}),
        json!({"type":"set_sourcing_policy","rules":["lowest_cost"]}),
        json!({"type":"set_sourcing_policy","rules":[{"nearest":{"km":5}}]}),
        json!({"type":"set_sourcing_policy","rules":[],"max_shipments":0}),
        json!({"type":"set_sourcing_policy","rules":[{"lowest_cost":{"zones":[],"rates":[
            {"location_id":"W1","zone":"nowhere","per_shipment":{"amount":"1","currency":"USD"},"per_kg":{"amount":"1","currency":"USD"}}]}}]}),
        json!({"type":"set_sourcing_policy"}),
    ] {
        assert_eq!(s.err(bad.clone()), ErrorCode::Validation, "{bad}");
    }
    assert!(
        Engine::new(Default::default())
            .sourcing_policy()
            .allow_partial
    );
}

#[test]
fn max_shipments_and_allow_partial_shape_splits() {
    let mut s = Shop::new(no_payment());
    s.receive("A", "W1", 2);
    s.receive("A", "W2", 3);
    s.ok(json!({"type":"set_sourcing_policy","rules":["fewest_shipments"],"max_shipments":1}));
    s.ok(order("O1", &[("1", "A", 5)]));
    let events = allocate(&mut s, "O1");
    assert_eq!(allocations(&events), vec![("1".into(), "W2".into(), 3)]);
    assert!(explanation(&events)
        .note
        .unwrap()
        .contains("max_shipments (1) reached"));

    s.ok(json!({"type":"set_sourcing_policy","rules":["fewest_shipments"],"allow_partial":false}));
    s.ok(order("O2", &[("1", "A", 5)]));
    let events = allocate(&mut s, "O2");
    assert!(allocations(&events).is_empty());
    assert!(explanation(&events).note.unwrap().contains("allow_partial"));
    assert_eq!(s.engine.order("O2").unwrap().lines[0].backordered, 5);
}

#[test]
fn batch_allocation_serves_rush_then_vip_then_oldest() {
    let mut s = Shop::new(no_payment());
    s.receive("A", "W1", 2);
    s.ok(order("OLD", &[("1", "A", 1)]));
    s.ok(order_with(
        "VIP",
        "web",
        &[("1", "A", 1)],
        json!({"customer_tier":"vip"}),
    ));
    s.ok(order_with(
        "RUSH",
        "web",
        &[("1", "A", 1)],
        json!({"priority":"rush"}),
    ));
    s.ok(json!({"type":"allocate"}));
    let allocated = |s: &Shop, id: &str| s.engine.order(id).unwrap().lines[0].allocated;
    assert_eq!(allocated(&s, "RUSH"), 1);
    assert_eq!(allocated(&s, "VIP"), 1);
    assert_eq!(allocated(&s, "OLD"), 0);
}

#[test]
fn fair_share_splits_scarce_stock_in_proportion() {
    let run = |fair: bool| {
        let mut s = Shop::new(no_payment());
        s.receive("A", "W1", 6);
        s.ok(json!({"type":"set_sourcing_policy","rules":["ship_complete","nearest"],"fair_share":fair}));
        s.ok(order("O1", &[("1", "A", 8)]));
        s.ok(order("O2", &[("1", "A", 4)]));
        let events = s.ok(json!({"type":"allocate"}));
        let got: Vec<u64> = ["O1", "O2"]
            .iter()
            .map(|id| s.engine.order(id).unwrap().lines[0].allocated)
            .collect();
        (got, events)
    };
    // First come, first served: O1 takes all 6.
    assert_eq!(run(false).0, vec![6, 0]);
    // Fair share: 6 × 8/12 = 4 and 6 × 4/12 = 2.
    let (got, events) = run(true);
    assert_eq!(got, vec![4, 2]);
    assert!(explanation(&events)
        .note
        .unwrap()
        .starts_with("fair share under scarcity: A at most 4"));
}

#[test]
fn channel_availability_subtracts_shared_demand_and_the_buffer() {
    let mut s = Shop::new(no_payment());
    s.receive("A", "W1", 500);
    s.receive("A", "W2", 100);
    s.ok(json!({"type":"define_channel","channel":"etsy","location_ids":["W1"],"buffer":{"percent":3.2}}));
    s.ok(json!({"type":"define_channel","channel":"ebay","location_ids":["W1"],"buffer":{"units":10}}));
    assert_eq!(s.engine.channel_available("etsy", "A").unwrap(), 484);
    assert_eq!(s.engine.channel_available("ebay", "A").unwrap(), 490);
    assert_eq!(s.engine.channel_available("web", "A").unwrap(), 600);
    s.ok(order_with("E1", "etsy", &[("1", "A", 6)], json!({})));
    // Open demand from any channel comes off every channel: 494 - ceil(15.808).
    assert_eq!(s.engine.channel_available("etsy", "A").unwrap(), 478);
    assert_eq!(s.engine.channel_available("web", "A").unwrap(), 594);
    assert_eq!(
        s.engine
            .channel_available("etsy", "NOPE")
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
    assert_eq!(s.engine.channels().len(), 2);
    assert_eq!(
        s.engine.channel("nope").unwrap_err().code(),
        ErrorCode::NotFound
    );
}

#[test]
fn policies_and_channels_survive_snapshot_and_replay() {
    let mut s = Shop::new(no_payment());
    s.ok(json!({"type":"define_channel","channel":"amazon","location_ids":["W2"],"buffer":{"units":1,"percent":2.5}}));
    s.ok(cost_policy());
    s.receive("A", "W2", 3);
    s.ok(order_with("O1", "amazon", &[("1", "A", 1)], json!({})));
    allocate(&mut s, "O1");
    let restored = Engine::from_snapshot(&s.engine.snapshot()).unwrap();
    assert_eq!(restored.snapshot(), s.engine.snapshot());
    assert_eq!(restored.sourcing_policy(), s.engine.sourcing_policy());
    let replayed = Engine::replay(s.engine.config().clone(), &s.log).unwrap();
    assert_eq!(replayed.snapshot(), s.engine.snapshot());
    // Events, explanations included, survive a JSON round trip.
    for e in &s.log {
        let text = serde_json::to_string(e).unwrap();
        assert_eq!(&Event::from_json(&text).unwrap(), e, "{text}");
    }
}

#[test]
fn a_count_below_reservations_releases_lowest_priority_first_and_resources() {
    let mut s = Shop::new(no_payment());
    s.receive("A", "W1", 4);
    s.receive("A", "W2", 1);
    s.ok(order_with(
        "RUSH",
        "web",
        &[("1", "A", 2)],
        json!({"priority":"rush"}),
    ));
    s.ok(order("OLD", &[("1", "A", 1)]));
    s.ok(order("NEW", &[("1", "A", 1)]));
    s.ok(json!({"type":"allocate"}));
    // W1 (nearest) holds everything: 2 + 1 + 1.
    assert_eq!(s.engine.stock("A", "W1").unwrap().reserved, 4);
    // Two units turn out damaged: NEW gives way first, then OLD; RUSH keeps its units.
    let events = s.ok(json!({"type":"count_stock","sku":"A","location_id":"W1","counted":2}));
    let released: Vec<String> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::AllocationReleased { order_id, .. } => Some(order_id.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(released, vec!["NEW", "OLD"]);
    // Re-sourced in allocation order: OLD gets W2's unit, NEW is backordered.
    let line = |s: &Shop, id: &str| s.engine.order(id).unwrap().lines[0].clone();
    assert_eq!(line(&s, "RUSH").allocated, 2);
    assert_eq!(line(&s, "OLD").allocated, 1);
    assert_eq!(line(&s, "NEW").backordered, 1);
    assert_eq!(s.engine.stock("A", "W2").unwrap().reserved, 1);
    assert_eq!(s.engine.check_invariants(), Ok(()));
    let replayed = Engine::replay(s.engine.config().clone(), &s.log).unwrap();
    assert_eq!(replayed.snapshot(), s.engine.snapshot());
}

#[test]
fn reallocate_moves_a_split_to_one_location_when_it_can() {
    let mut s = Shop::new(no_payment());
    s.receive("A", "W1", 1);
    s.receive("A", "W2", 1);
    s.ok(order("O1", &[("1", "A", 2)]));
    allocate(&mut s, "O1");
    assert_eq!(allocations(&s.log).len(), 2, "split over W1 and W2");
    // Nothing better yet: no events.
    assert!(s
        .ok(json!({"type":"reallocate","order_id":"O1"}))
        .is_empty());
    s.receive("A", "W1", 5);
    let events = s.ok(json!({"type":"reallocate","order_id":"O1"}));
    assert_eq!(
        names(&events)[..2],
        ["allocation_released", "order_allocated"]
    );
    assert_eq!(allocations(&events), vec![("1".into(), "W1".into(), 2)]);
    assert_eq!(s.engine.stock("A", "W2").unwrap().reserved, 0);
    assert_eq!(
        explanation(&events).chosen[0].won_by.as_str(),
        "ship_complete"
    );
    assert_eq!(
        s.err(json!({"type":"reallocate","order_id":"NOPE"})),
        ErrorCode::NotFound
    );
    let replayed = Engine::replay(s.engine.config().clone(), &s.log).unwrap();
    assert_eq!(replayed.snapshot(), s.engine.snapshot());
}

#[test]
fn cart_holds_lower_sellable_stock_until_converted_released_or_expired() {
    let mut s = Shop::new(no_payment());
    s.receive("A", "W1", 10);
    let hold = |id: &str, q: u64, minutes: i64| {
        json!({"type":"hold_stock","hold_id":id,"sku":"A","quantity":q,"channel":"web",
               "expires_at": t(minutes).to_rfc3339()})
    };
    s.ok(hold("H1", 3, 30));
    s.ok(hold("H2", 2, 60));
    assert_eq!(s.engine.channel_available("web", "A").unwrap(), 5);
    assert_eq!(s.engine.available("A", None).unwrap(), 5);
    // Same payload: nothing new; a different one: duplicate; too much: insufficient.
    assert!(s.ok(hold("H1", 3, 30)).is_empty());
    assert_eq!(s.err(hold("H1", 4, 30)), ErrorCode::Duplicate);
    assert_eq!(s.err(hold("H3", 6, 30)), ErrorCode::InsufficientStock);
    assert_eq!(s.err(hold("H3", 1, 0)), ErrorCode::Validation);
    assert_eq!(s.engine.next_hold_expiry(), Some(t(30)));

    // Checkout: the order's demand replaces the hold, and it is allocated.
    s.ok(order("O1", &[("1", "A", 3)]));
    assert_eq!(s.engine.channel_available("web", "A").unwrap(), 2);
    let events = s.ok(json!({"type":"convert_hold","hold_id":"H1","order_id":"O1"}));
    assert_eq!(
        names(&events)[..2],
        ["stock_hold_converted", "order_allocated"]
    );
    assert_eq!(s.engine.channel_available("web", "A").unwrap(), 5);
    assert_eq!(
        s.err(json!({"type":"convert_hold","hold_id":"H1","order_id":"O1"})),
        ErrorCode::NotFound
    );

    // Time passes (the host says so): H2 expires.
    s.clock = 58;
    assert!(s.ok(json!({"type":"expire_holds"})).is_empty());
    let events = s.ok(json!({"type":"expire_holds"}));
    let v = serde_json::to_value(&events[0]).unwrap();
    assert_eq!(
        (v["type"].as_str(), v["reason"].as_str()),
        (Some("stock_hold_released"), Some("expired"))
    );
    assert_eq!(s.engine.next_hold_expiry(), None);
    assert_eq!(s.engine.channel_available("web", "A").unwrap(), 7);

    s.ok(hold("H4", 1, 120));
    s.ok(json!({"type":"release_stock_hold","hold_id":"H4"}));
    assert!(s.engine.stock_holds().is_empty());
    assert_eq!(s.engine.check_invariants(), Ok(()));
    s.ok(hold("H5", 2, 120));
    let restored = Engine::from_snapshot(&s.engine.snapshot()).unwrap();
    assert_eq!(restored.snapshot(), s.engine.snapshot());
    let replayed = Engine::replay(s.engine.config().clone(), &s.log).unwrap();
    assert_eq!(replayed.snapshot(), s.engine.snapshot());
}

/// `(channel, sku, available)` of every `availability_changed` among `events`.
fn availability(events: &[Event]) -> Vec<(String, String, u64)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::AvailabilityChanged {
                channel,
                sku,
                available,
            } => Some((channel.to_string(), sku.to_string(), *available)),
            _ => None,
        })
        .collect()
}

#[test]
fn availability_changed_reports_every_defined_channel_exactly() {
    let mut s = Shop::new(no_payment());
    // No channel defined: nothing to report.
    assert!(availability(
        &s.ok(json!({"type":"receive_stock","sku":"A","location_id":"W1","quantity":500}))
    )
    .is_empty());
    let events = s.ok(json!({"type":"define_channel","channel":"etsy","buffer":{"percent":3.2}}));
    assert_eq!(
        availability(&events),
        vec![
            ("etsy".into(), "A".into(), 484),
            ("etsy".into(), "B".into(), 0),
            ("etsy".into(), "C".into(), 0)
        ]
    );
    s.ok(json!({"type":"define_channel","channel":"ebay","location_ids":["W1"]}));
    // An order on one channel lowers what every channel may sell.
    let events = s.ok(order_with("E1", "etsy", &[("1", "A", 6)], json!({})));
    assert_eq!(
        availability(&events),
        vec![
            ("ebay".into(), "A".into(), 494),
            ("etsy".into(), "A".into(), 478)
        ]
    );
    // Allocating from W1 changes neither: demand becomes a reservation.
    assert!(availability(&allocate(&mut s, "E1")).is_empty());
    // Stock elsewhere changes only the channels that sell it.
    let events = s.ok(json!({"type":"receive_stock","sku":"A","location_id":"W2","quantity":100}));
    // 594 less ceil(3.2% of 594 = 19.008).
    assert_eq!(
        availability(&events),
        vec![("etsy".into(), "A".into(), 574)]
    );
    // The last figure reported for each pair is what the query says now.
    let mut last = std::collections::BTreeMap::new();
    for (channel, sku, n) in availability(&s.log) {
        last.insert((channel, sku), n);
    }
    for ((channel, sku), n) in last {
        assert_eq!(s.engine.channel_available(&channel, &sku).unwrap(), n);
    }
    // Replay skips the informational events.
    let replayed = Engine::replay(s.engine.config().clone(), &s.log).unwrap();
    assert_eq!(replayed.snapshot(), s.engine.snapshot());
}

#[test]
fn a_lowest_cost_batch_lets_two_orders_trade_stock_when_that_is_cheaper() {
    let mut s = Shop::new(no_payment());
    let rate = |loc: &str, per_shipment: &str| {
        json!({"location_id":loc,"zone":"all","per_shipment":{"amount":per_shipment,"currency":"USD"},
            "per_kg":{"amount":"0","currency":"USD"}})
    };
    s.ok(
        json!({"type":"set_sourcing_policy","rules":[{"lowest_cost":{
        "zones":[{"zone":"all","country":"US"}],
        "rates":[rate("W1", "5.00"), rate("W2", "5.50")]}}]}),
    );
    s.receive("A", "W1", 1);
    s.receive("A", "W2", 1);
    s.receive("B", "W1", 1);
    s.ok(order("O1", &[("1", "A", 1)]));
    s.ok(order("O2", &[("1", "A", 1), ("2", "B", 1)]));
    // One at a time, O1 takes W1's A (5.00) and O2 ships in two parcels
    // (5.50 + 5.00): 15.50. Together, O2 ships whole from W1 and O1 from
    // W2: 10.50.
    let events = s.ok(json!({"type":"allocate"}));
    let mut got = allocations(&events);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("1".into(), "W1".into(), 1),
            ("1".into(), "W2".into(), 1),
            ("2".into(), "W1".into(), 1)
        ]
    );
    assert_eq!(
        s.engine.order("O1").unwrap().lines[0].allocations[0]
            .location_id
            .as_str(),
        "W2"
    );
    let note = explanation(&events[..1]).note.unwrap();
    assert!(
        note.contains("planned together with order O2, which saves 5.00"),
        "{note}"
    );
    // Served in allocation order all the same: O1's event comes first.
    assert_eq!(events[0].kind.order_id().unwrap().as_str(), "O1");
    assert_eq!(s.engine.check_invariants(), Ok(()));
    let replayed = Engine::replay(s.engine.config().clone(), &s.log).unwrap();
    assert_eq!(replayed.snapshot(), s.engine.snapshot());
}
