//! Scenario tests of order consolidation: `merge_orders`,
//! `unmerge_orders` and `split_order`, through the JSON contract.

mod common;

use common::*;
use oms_core::{Engine, ErrorCode, Event, EventKind};
use serde_json::json;

/// `(order_id, line_id, location_id, quantity)` of every reservation held now.
fn held(s: &Shop, orders: &[&str]) -> Vec<(String, String, String, u64)> {
    let mut out = Vec::new();
    for id in orders {
        for l in s.engine.order(id).unwrap().lines {
            for a in &l.allocations {
                out.push((
                    id.to_string(),
                    l.line_id.to_string(),
                    a.location_id.to_string(),
                    a.quantity,
                ));
            }
        }
    }
    out
}

fn notes(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::OrderAllocated { explanation, .. } => explanation.as_ref()?.note.clone(),
            _ => None,
        })
        .collect()
}

fn assert_replays(s: &Shop) {
    assert_eq!(s.engine.check_invariants(), Ok(()));
    let replayed = Engine::replay(s.engine.config().clone(), &s.log).unwrap();
    assert_eq!(replayed.snapshot(), s.engine.snapshot());
    let restored = Engine::from_snapshot(&s.engine.snapshot()).unwrap();
    assert_eq!(restored.snapshot(), s.engine.snapshot());
}

/// W1 (nearest to the customer) has A only; W2 has A and B.
fn two_orders_apart() -> Shop {
    let mut s = Shop::new(no_payment());
    s.receive("A", "W1", 5);
    s.receive("A", "W2", 5);
    s.receive("B", "W2", 5);
    s.ok(order("O1", &[("1", "A", 1)]));
    s.ok(order("O2", &[("1", "B", 1)]));
    s.ok(json!({"type":"allocate"}));
    assert_eq!(
        held(&s, &["O1", "O2"]),
        vec![
            ("O1".into(), "1".into(), "W1".into(), 1),
            ("O2".into(), "1".into(), "W2".into(), 1)
        ]
    );
    s
}

#[test]
fn merged_orders_move_to_one_location_and_unmerge_keeps_reservations() {
    let mut s = two_orders_apart();
    let v1 = s.engine.order("O1").unwrap().version;
    let events = s.ok(json!({"type":"merge_orders","order_ids":["O2","O1"]}));
    assert_eq!(
        names(&events),
        [
            "orders_merged",
            "allocation_released",
            "allocation_released",
            "order_allocated",
            "order_allocated"
        ]
    );
    // The earliest placed names the group.
    match &events[0].kind {
        EventKind::OrdersMerged {
            into_order_id,
            order_ids,
        } => {
            assert_eq!(into_order_id.as_str(), "O1");
            assert_eq!(order_ids.len(), 2);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        held(&s, &["O1", "O2"]),
        vec![
            ("O1".into(), "1".into(), "W2".into(), 1),
            ("O2".into(), "1".into(), "W2".into(), 1)
        ]
    );
    assert!(notes(&events)[0].contains("orders O1, O2 were sourced together"));
    let view = s.engine.order("O2").unwrap();
    assert_eq!(view.merge_group.len(), 2);
    assert_eq!(view.merge_group[0].as_str(), "O1");
    assert!(s.engine.order("O1").unwrap().version > v1);
    assert_eq!(s.engine.stock("A", "W1").unwrap().reserved, 0);
    assert_replays(&s);

    // Merging again changes nothing more: they are already one group.
    assert_eq!(
        s.err(json!({"type":"merge_orders","order_ids":["O1","O2"]})),
        ErrorCode::Validation
    );
    let events = s.ok(json!({"type":"unmerge_orders","order_id":"O2"}));
    assert_eq!(names(&events), ["orders_unmerged"]);
    assert!(s.engine.order("O1").unwrap().merge_group.is_empty());
    assert_eq!(s.engine.stock("B", "W2").unwrap().reserved, 1);
    assert_eq!(
        s.err(json!({"type":"unmerge_orders","order_id":"O2"})),
        ErrorCode::Validation
    );
    assert_replays(&s);
}

#[test]
fn a_merge_group_allocates_together_and_waits_for_held_members() {
    let mut s = Shop::new(no_payment());
    s.ok(order("O1", &[("1", "A", 1)]));
    s.ok(order_with(
        "O2",
        "web",
        &[("1", "B", 1)],
        json!({"ship_to":{"name":"Ada L.","line1":"1 main st.","city":"NEWARK","postal_code":"07 102","country":"US","lat":40.73,"lon":-74.17}}),
    ));
    s.ok(order("O3", &[("1", "C", 1)]));
    s.ok(json!({"type":"place_hold","order_id":"O3","hold":"fraud_review"}));
    // Same address once normalized, different recipient name: mergeable.
    let events =
        s.ok(json!({"type":"merge_orders","order_ids":["O1","O2","O3"],"into_order_id":"O2"}));
    assert_eq!(names(&events), ["orders_merged"]);
    s.receive("A", "W1", 1);
    s.receive("A", "W2", 1);
    s.receive("B", "W2", 1);
    s.receive("C", "W1", 1);
    let events = s.ok(json!({"type":"allocate"}));
    // O1 and O2 leave W2 together, once; O3 is held and waits.
    let mut allocated: Vec<&str> = events
        .iter()
        .filter(|e| e.name() == "order_allocated")
        .filter_map(|e| e.kind.order_id().map(|o| o.as_str()))
        .collect();
    allocated.sort();
    assert_eq!(allocated, ["O1", "O2"]);
    assert_eq!(
        held(&s, &["O1", "O2", "O3"]),
        vec![
            ("O1".into(), "1".into(), "W2".into(), 1),
            ("O2".into(), "1".into(), "W2".into(), 1)
        ]
    );
    assert_eq!(s.engine.order("O1").unwrap().merge_group[0].as_str(), "O2");
    assert_replays(&s);
}

#[test]
fn merge_refuses_other_customers_addresses_and_shipped_orders() {
    let mut s = two_orders_apart();
    s.ok(order_with(
        "OTHER",
        "web",
        &[("1", "A", 1)],
        json!({"customer_id":"C2"}),
    ));
    s.ok(order_with(
        "FAR",
        "web",
        &[("1", "A", 1)],
        json!({"ship_to":{"name":"Ada","line1":"9 Elm St","city":"Newark","postal_code":"07102","country":"US"}}),
    ));
    for bad in [
        json!({"type":"merge_orders","order_ids":["O1","OTHER"]}),
        json!({"type":"merge_orders","order_ids":["O1","FAR"]}),
        json!({"type":"merge_orders","order_ids":["O1"]}),
        json!({"type":"merge_orders","order_ids":["O1","O1"]}),
        json!({"type":"merge_orders","order_ids":["O1","O2"],"into_order_id":"FAR"}),
        json!({"type":"split_order","order_id":"O1","groups":[]}),
    ] {
        assert_eq!(s.err(bad.clone()), ErrorCode::Validation, "{bad}");
    }
    assert_eq!(
        s.err(json!({"type":"merge_orders","order_ids":["O1","NOPE"]})),
        ErrorCode::NotFound
    );
    s.ok(json!({"type":"ship","order_id":"O1","shipment_id":"P1","location_id":"W1","carrier":"UPS","lines":[{"line_id":"1","quantity":1}]}));
    assert_eq!(
        s.err(json!({"type":"merge_orders","order_ids":["O1","O2"]})),
        ErrorCode::InvalidTransition
    );
    assert_replays(&s);
}

#[test]
fn a_split_order_ships_its_ready_group_under_ship_complete() {
    let mut s = Shop::new(no_payment());
    s.ok(json!({"type":"set_sourcing_policy","rules":["ship_complete","nearest"],"allow_partial":false}));
    s.receive("A", "W1", 3);
    s.ok(order("O1", &[("1", "A", 1), ("2", "B", 1), ("3", "A", 1)]));
    s.ok(json!({"type":"allocate","order_id":"O1"}));
    assert!(held(&s, &["O1"]).is_empty(), "B is missing: nothing ships");

    for (groups, why) in [
        (json!([["1"], ["2"]]), "line 3 in no group"),
        (json!([["1", "2"], ["2", "3"]]), "line 2 twice"),
        (json!([["1", "9"], ["2", "3"]]), "no line 9"),
        (json!([["1", "2", "3"], []]), "an empty group"),
    ] {
        assert_eq!(
            s.err(json!({"type":"split_order","order_id":"O1","groups":groups})),
            ErrorCode::Validation,
            "{why}"
        );
    }
    let events = s.ok(json!({"type":"split_order","order_id":"O1","groups":[["1","3"],["2"]]}));
    assert_eq!(names(&events), ["order_split"]);
    let view = s.engine.order("O1").unwrap();
    assert_eq!(view.shipment_groups.len(), 2);
    assert_eq!(view.shipment_groups[0].len(), 2);
    let events = s.ok(json!({"type":"allocate","order_id":"O1"}));
    assert_eq!(
        held(&s, &["O1"]),
        vec![
            ("O1".into(), "1".into(), "W1".into(), 1),
            ("O1".into(), "3".into(), "W1".into(), 1)
        ]
    );
    let notes = notes(&events);
    assert!(
        notes[0].contains("shipment group 1 of 2 (lines 1, 3)"),
        "{notes:?}"
    );
    assert_eq!(s.engine.order("O1").unwrap().lines[1].backordered, 1);
    // A merged order cannot be split, a split one cannot be merged.
    s.ok(order("O2", &[("1", "A", 1)]));
    assert_eq!(
        s.err(json!({"type":"merge_orders","order_ids":["O1","O2"]})),
        ErrorCode::Validation
    );
    // One group undoes the split; the group that holds stock keeps it.
    let events = s.ok(json!({"type":"split_order","order_id":"O1","groups":[["1","2","3"]]}));
    assert_eq!(names(&events), ["order_split"]);
    assert!(s.engine.order("O1").unwrap().shipment_groups.is_empty());
    assert_eq!(held(&s, &["O1"]).len(), 2);
    // The same grouping again records nothing.
    assert!(s
        .ok(json!({"type":"split_order","order_id":"O1","groups":[["1","2","3"]]}))
        .is_empty());
    s.receive("B", "W1", 1);
    s.ok(json!({"type":"allocate","order_id":"O1"}));
    assert_eq!(held(&s, &["O1"]).len(), 3);
    s.ok(json!({"type":"ship","order_id":"O1","shipment_id":"P1","location_id":"W1","carrier":"UPS","lines":[{"line_id":"1","quantity":1}]}));
    assert_eq!(
        s.err(json!({"type":"split_order","order_id":"O1","groups":[["1"],["2","3"]]})),
        ErrorCode::InvalidTransition
    );
    assert_replays(&s);
}

#[test]
fn splitting_an_allocated_order_re_sources_each_group() {
    let mut s = Shop::new(no_payment());
    // Both lines fit only at W2 together; A alone is nearer at W1.
    s.receive("A", "W1", 1);
    s.receive("A", "W2", 1);
    s.receive("B", "W2", 1);
    s.ok(order("O1", &[("1", "A", 1), ("2", "B", 1)]));
    s.ok(json!({"type":"allocate","order_id":"O1"}));
    assert_eq!(
        held(&s, &["O1"]),
        vec![
            ("O1".into(), "1".into(), "W2".into(), 1),
            ("O1".into(), "2".into(), "W2".into(), 1)
        ]
    );
    let events = s.ok(json!({"type":"split_order","order_id":"O1","groups":[["1"],["2"]]}));
    assert_eq!(
        names(&events),
        ["order_split", "allocation_released", "order_allocated"]
    );
    assert_eq!(
        held(&s, &["O1"]),
        vec![
            ("O1".into(), "1".into(), "W1".into(), 1),
            ("O1".into(), "2".into(), "W2".into(), 1)
        ]
    );
    assert_replays(&s);
}

#[test]
fn with_auto_allocate_a_split_or_merge_allocates_what_it_can_at_once() {
    let mut s = Shop::new(json!({"require_payment": false, "auto_allocate": true}));
    s.ok(json!({"type":"set_sourcing_policy","rules":["ship_complete","nearest"],"allow_partial":false}));
    s.receive("A", "W1", 3);
    // Placed and tried at once: B is missing, and ship-complete holds everything back.
    s.ok(order("O1", &[("1", "A", 1), ("2", "B", 1)]));
    assert!(held(&s, &["O1"]).is_empty());
    // The split allocates the group that can ship, in the same command.
    let events = s.ok(json!({"type":"split_order","order_id":"O1","groups":[["1"],["2"]]}));
    assert_eq!(names(&events)[0], "order_split");
    assert!(
        names(&events).contains(&"order_allocated"),
        "{:?}",
        names(&events)
    );
    assert_eq!(
        held(&s, &["O1"]),
        vec![("O1".into(), "1".into(), "W1".into(), 1)]
    );

    // Two orders of one customer: O3 waits for C, which only W2 has with A.
    s.receive("A", "W2", 1);
    s.ok(order("O2", &[("1", "A", 1)]));
    s.ok(order("O3", &[("1", "C", 1)]));
    assert_eq!(
        held(&s, &["O2"]),
        vec![("O2".into(), "1".into(), "W1".into(), 1)]
    );
    s.receive("C", "W2", 1);
    assert_eq!(
        held(&s, &["O3"]),
        vec![("O3".into(), "1".into(), "W2".into(), 1)]
    );
    // Merged, they ship together from W2, re-planned in the same command.
    let events = s.ok(json!({"type":"merge_orders","order_ids":["O2","O3"]}));
    assert_eq!(names(&events)[0], "orders_merged");
    assert_eq!(
        held(&s, &["O2", "O3"]),
        vec![
            ("O2".into(), "1".into(), "W2".into(), 1),
            ("O3".into(), "1".into(), "W2".into(), 1)
        ]
    );
    assert_replays(&s);
}
