//! Pick work in the engine: layouts and bins, waves by each method, scan
//! checks, short picks and task completion, through the order statuses
//! `picking` and `picked` to shipment. Replay, snapshots and the
//! invariants hold throughout.

mod common;

use common::*;
use oms_core::picking::TaskStatus;
use oms_core::{ErrorCode, EventKind, OrderStatus};
use proptest::prelude::*;
use serde_json::{json, Value};

/// W1 with 6 aisles of 20 bays; A at aisle 5, B at aisle 1, C at aisle 3
/// (zone "cold"); a kit K of 2 A and 1 C. Stock: 50 of each at W1.
fn floor() -> Shop {
    let mut s = Shop::new(no_payment());
    s.ok(json!({"type":"define_product","sku":"A","name":"A","gtin":"00012345600012"}));
    s.ok(json!({"type":"define_product","sku":"K","name":"Kit","components":[{"sku":"A","quantity":2},{"sku":"C","quantity":1}]}));
    s.ok(json!({"type":"set_layout","location_id":"W1","layout":{"aisles":6,"aisle_pitch":3,
        "blocks":[{"bays":20,"bay_pitch":1,"front_offset":1,"back_offset":1}],"depot":{"aisle":0,"cross_aisle":0}}}));
    for (bin, aisle, bay, sku, zone) in [
        ("A-5-10", 5, 10, "A", None),
        ("B-1-02", 1, 2, "B", None),
        ("C-3-15", 3, 15, "C", Some("cold")),
    ] {
        let mut c = json!({"type":"define_bin","location_id":"W1","bin_id":bin,"block":0,"aisle":aisle,"bay":bay,"sku":sku});
        if let Some(z) = zone {
            c["zone"] = json!(z);
        }
        s.ok(c);
    }
    for sku in ["A", "B", "C"] {
        s.receive(sku, "W1", 50);
    }
    s
}

fn allocated(s: &mut Shop, id: &str, lines: &[(&str, &str, u64)]) {
    s.ok(order(id, lines));
    s.ok(json!({"type":"allocate","order_id":id}));
    assert_eq!(s.status(id), OrderStatus::Allocated);
}

fn task(s: &Shop, id: &str) -> oms_core::picking::PickTask {
    s.engine.pick_task(id).unwrap().clone()
}

/// Confirms every stop of a task in full, scanning the SKU.
fn pick_all(s: &mut Shop, id: &str) {
    for (k, stop) in task(s, id).stops.iter().enumerate() {
        if stop.remaining() > 0 {
            s.ok(json!({"type":"confirm_pick","task_id":id,"stop":k,"quantity":stop.remaining(),"scanned_code":stop.sku.as_str()}));
        }
    }
}

#[test]
fn a_single_order_wave_walks_the_exact_route_and_the_order_goes_picking_picked_shipped() {
    let mut s = floor();
    allocated(&mut s, "SO-1", &[("1", "A", 2), ("2", "B", 1)]);
    let events = s.ok(json!({"type":"release_wave","wave_id":"W-1","location_id":"W1"}));
    assert_eq!(names(&events), ["wave_released", "order_status_changed"]);
    assert_eq!(s.status("SO-1"), OrderStatus::Picking);
    let t = task(&s, "W-1-1");
    // B (aisle 1) before A (aisle 5): the shortest tour never doubles back.
    let skus: Vec<&str> = t.stops.iter().map(|st| st.sku.as_str()).collect();
    assert_eq!(skus, ["B", "A"]);
    let picks = [
        oms_core::picking::Slot {
            block: 0,
            aisle: 1,
            bay: 2,
        },
        oms_core::picking::Slot {
            block: 0,
            aisle: 5,
            bay: 10,
        },
    ];
    let layout = s.engine.layout("W1").unwrap().clone();
    assert_eq!(
        t.distance,
        oms_core::picking::optimal_route(&layout, &picks)
            .unwrap()
            .distance
    );
    assert_eq!(
        s.engine.next_pick_task("W1").unwrap().task_id.as_str(),
        "W-1-1"
    );
    // Units on an open task neither ship nor cancel; the order is not re-sourced.
    let ship = json!({"type":"ship","order_id":"SO-1","shipment_id":"P1","location_id":"W1","carrier":"UPS","lines":[{"line_id":"1","quantity":2},{"line_id":"2","quantity":1}]});
    assert_eq!(s.err(ship.clone()), ErrorCode::InsufficientStock);
    assert_eq!(
        s.err(json!({"type":"cancel_order","order_id":"SO-1","reason":"x"})),
        ErrorCode::InvalidTransition
    );
    assert_eq!(
        s.err(json!({"type":"reallocate","order_id":"SO-1"})),
        ErrorCode::InvalidTransition
    );
    // Stock cannot drop below what pickers are walking to.
    assert_eq!(
        s.err(json!({"type":"count_stock","sku":"A","location_id":"W1","counted":1})),
        ErrorCode::InsufficientStock
    );
    assert_eq!(
        s.err(json!({"type":"complete_task","task_id":"W-1-1"})),
        ErrorCode::InvalidTransition
    );
    pick_all(&mut s, "W-1-1");
    assert_eq!(s.status("SO-1"), OrderStatus::Picking);
    let events = s.ok(json!({"type":"complete_task","task_id":"W-1-1"}));
    assert_eq!(names(&events), ["task_completed", "order_status_changed"]);
    assert_eq!(s.status("SO-1"), OrderStatus::Picked);
    assert_eq!(task(&s, "W-1-1").status, TaskStatus::Completed);
    assert!(s.engine.next_pick_task("W1").is_none());
    let view = s.engine.order("SO-1").unwrap();
    assert_eq!(view.lines[0].picked[0].quantity, 2);
    s.ok(ship);
    assert_eq!(s.status("SO-1"), OrderStatus::Shipped);
    assert!(s.engine.order("SO-1").unwrap().lines[0].picked.is_empty());
    s.replays_and_restores();
}

#[test]
fn a_wrong_scan_is_refused_counted_and_picks_nothing() {
    let mut s = floor();
    allocated(&mut s, "SO-1", &[("1", "A", 2)]);
    s.ok(json!({"type":"release_wave","wave_id":"W-1","location_id":"W1","order_ids":["SO-1"]}));
    let events = s.ok(
        json!({"type":"confirm_pick","task_id":"W-1-1","stop":0,"quantity":1,"scanned_code":"B"}),
    );
    assert_eq!(names(&events), ["pick_scan_rejected"]);
    assert_eq!(task(&s, "W-1-1").stops[0].picked, 0);
    // The GTIN is as good as the SKU.
    s.ok(json!({"type":"confirm_pick","task_id":"W-1-1","stop":0,"quantity":1,"scanned_code":"00012345600012"}));
    s.ok(json!({"type":"confirm_pick","task_id":"W-1-1","stop":0,"quantity":1}));
    let accuracy = s.engine.picking_accuracy(Some("W1"));
    assert_eq!((accuracy.scans, accuracy.rejected_scans), (1, 1));
    assert!((accuracy.accuracy - 0.5).abs() < 1e-12);
    // Over-picking and unknown stops are refused.
    assert_eq!(
        s.err(json!({"type":"confirm_pick","task_id":"W-1-1","stop":0,"quantity":1})),
        ErrorCode::InvalidTransition
    );
    assert_eq!(
        s.err(json!({"type":"confirm_pick","task_id":"W-1-1","stop":7,"quantity":1})),
        ErrorCode::Validation
    );
    s.replays_and_restores();
}

#[test]
fn a_short_pick_takes_the_missing_units_off_stock_and_sources_the_line_again() {
    let mut s = floor();
    s.receive("A", "W2", 10);
    allocated(&mut s, "SO-1", &[("1", "A", 5)]);
    s.ok(json!({"type":"release_wave","wave_id":"W-1","location_id":"W1"}));
    // The bin holds 2 where the books say 50: the picker finds 2 of 5.
    let events = s.ok(json!({"type":"short_pick","task_id":"W-1-1","stop":0,"quantity_found":2}));
    let n = names(&events);
    assert_eq!(
        &n[..3],
        ["pick_shorted", "allocation_released", "stock_adjusted"]
    );
    assert!(n.contains(&"order_allocated"));
    assert_eq!(s.engine.stock("A", "W1").unwrap().on_hand, 47);
    let line = &s.engine.order("SO-1").unwrap().lines[0];
    // 2 stay on the task; 3 were sourced again (W1 still has stock on the books).
    assert_eq!(line.picking[0].quantity, 2);
    assert_eq!(line.allocated, 5);
    s.ok(json!({"type":"complete_task","task_id":"W-1-1"}));
    // 2 picked, 3 reserved but not on a task: still picking, and a new wave takes them.
    assert_eq!(s.status("SO-1"), OrderStatus::Picking);
    s.ok(json!({"type":"release_wave","wave_id":"W-2","location_id":"W1"}));
    assert_eq!(task(&s, "W-2-1").stops[0].quantity, 3);
    pick_all(&mut s, "W-2-1");
    s.ok(json!({"type":"complete_task","task_id":"W-2-1"}));
    assert_eq!(s.status("SO-1"), OrderStatus::Picked);
    s.replays_and_restores();
}

#[test]
fn a_short_kit_component_releases_whole_kit_units() {
    let mut s = floor();
    allocated(&mut s, "SO-1", &[("1", "K", 2)]);
    s.ok(json!({"type":"release_wave","wave_id":"W-1","location_id":"W1"}));
    let t = task(&s, "W-1-1");
    assert_eq!(t.stops.len(), 2);
    let a = t
        .stops
        .iter()
        .position(|st| st.sku.as_str() == "A")
        .unwrap();
    assert_eq!((t.stops[a].quantity, t.stops[a].per), (4, 2));
    // 3 of 4 A found: one kit unit is lost.
    let events = s.ok(json!({"type":"short_pick","task_id":"W-1-1","stop":a,"quantity_found":3}));
    match &events[0].kind {
        EventKind::PickShorted {
            missing, released, ..
        } => assert_eq!((*missing, *released), (1, 1)),
        other => panic!("{other:?}"),
    }
    pick_all(&mut s, "W-1-1");
    let events = s.ok(json!({"type":"complete_task","task_id":"W-1-1"}));
    match &events[0].kind {
        EventKind::TaskCompleted { picked, .. } => assert_eq!(picked[0].quantity, 1),
        other => panic!("{other:?}"),
    }
    s.replays_and_restores();
}

#[test]
fn a_wave_walked_by_a_classic_heuristic() {
    let mut s = floor();
    allocated(
        &mut s,
        "SO-1",
        &[("1", "A", 1), ("2", "B", 1), ("3", "C", 1)],
    );
    allocated(&mut s, "SO-2", &[("1", "A", 1), ("2", "C", 1)]);
    s.ok(json!({"type":"release_wave","wave_id":"W-1","location_id":"W1","order_ids":["SO-1"],"heuristic":"return"}));
    let t = task(&s, "W-1-1");
    let skus: Vec<&str> = t.stops.iter().map(|st| st.sku.as_str()).collect();
    assert_eq!(skus, ["B", "C", "A"]);
    // Into aisles 1, 3 and 5 from the front and back out (to y 3, 16
    // and 11), 15 across and back: longer than the shortest route.
    assert_eq!(t.distance, 2 * (3 + 16 + 11) + 2 * 15);
    let layout = s.engine.layout("W1").unwrap().clone();
    let slot = |aisle, bay| oms_core::picking::Slot {
        block: 0,
        aisle,
        bay,
    };
    let shortest =
        oms_core::picking::optimal_route(&layout, &[slot(1, 2), slot(3, 15), slot(5, 10)])
            .unwrap()
            .distance;
    assert!(shortest < t.distance);
    // Batches too: each task is the heuristic's walk through its stops.
    s.ok(
        json!({"type":"release_wave","wave_id":"W-2","location_id":"W1","order_ids":["SO-2"],
        "method":"batch","heuristic":"s_shape"}),
    );
    let t = task(&s, "W-2-1");
    assert_eq!(t.stops.len(), 2);
    let r = oms_core::picking::heuristic_route(
        &layout,
        &[slot(3, 15), slot(5, 10)],
        oms_core::picking::Heuristic::SShape,
    )
    .unwrap();
    assert_eq!(t.distance, r.distance);
    assert_eq!(t.path, r.path);
    assert_eq!(t.stops[0].sku.as_str(), "C");
    s.replays_and_restores();
    assert_eq!(
        s.err(
            json!({"type":"release_wave","wave_id":"W-3","location_id":"W1","heuristic":"zigzag"})
        ),
        ErrorCode::Validation
    );
}

#[test]
fn batch_cluster_and_zone_waves_cover_every_unit_once() {
    for method in ["batch", "cluster", "zone"] {
        let mut s = floor();
        let orders = [
            ("SO-1", vec![("1", "A", 2), ("2", "B", 1)]),
            ("SO-2", vec![("1", "C", 1)]),
            ("SO-3", vec![("1", "A", 1), ("2", "C", 3)]),
            ("SO-4", vec![("1", "B", 4)]),
        ];
        for (id, lines) in &orders {
            allocated(&mut s, id, lines);
        }
        let events = s.ok(
            json!({"type":"release_wave","wave_id":"W-1","location_id":"W1","method":method,
            "cart":{"max_items":6,"max_orders":2}}),
        );
        let EventKind::WaveReleased {
            tasks, order_ids, ..
        } = &events[0].kind
        else {
            panic!()
        };
        assert_eq!(order_ids.len(), 4, "{method}");
        let units: u64 = tasks
            .iter()
            .flat_map(|t| &t.stops)
            .map(|st| st.quantity)
            .sum();
        assert_eq!(units, 2 + 1 + 1 + 1 + 3 + 4, "{method}");
        for t in tasks {
            let items: u64 = t.stops.iter().map(|st| st.quantity).sum();
            if method != "zone" {
                assert!(items <= 6, "{method}: {items}");
            }
            if method == "cluster" {
                assert!(t.stops.iter().all(|st| st.tote.is_some()));
            }
            if method == "zone" {
                let zone = t.zone.clone().unwrap();
                assert!(t
                    .stops
                    .iter()
                    .all(|st| (st.sku.as_str() == "C") == (zone == "cold")));
            }
        }
        for t in tasks {
            // The picker is handed the tasks in the wave's order.
            let next = s.engine.next_pick_task("W1").map(|n| n.task_id.clone());
            assert_eq!(next.as_ref(), Some(&t.task_id), "{method}");
            pick_all(&mut s, t.task_id.as_str());
            s.ok(json!({"type":"complete_task","task_id":t.task_id.as_str()}));
        }
        for (id, _) in &orders {
            assert_eq!(s.status(id), OrderStatus::Picked, "{method} {id}");
        }
        s.replays_and_restores();
    }
}

#[test]
fn selection_rules_release_the_earliest_cutoff_and_rush_first() {
    let mut s = floor();
    for (id, extra) in [
        ("SO-1", json!({})),
        ("SO-2", json!({"ship_by": "2026-11-22T15:00:00Z"})),
        ("SO-3", json!({"priority": "rush"})),
    ] {
        s.ok(order_with(id, "web", &[("1", "A", 1)], extra));
        s.ok(json!({"type":"allocate","order_id":id}));
    }
    let events = s.ok(json!({"type":"release_wave","wave_id":"W-1","location_id":"W1","selection":{"max_orders":2}}));
    let EventKind::WaveReleased { order_ids, .. } = &events[0].kind else {
        panic!()
    };
    let ids: Vec<&str> = order_ids.iter().map(|o| o.as_str()).collect();
    assert_eq!(ids, ["SO-2", "SO-3"]);
    // Nothing left to release twice; an unknown wave id is new, a used one is not.
    s.ok(json!({"type":"release_wave","wave_id":"W-2","location_id":"W1"}));
    assert_eq!(
        s.err(json!({"type":"release_wave","wave_id":"W-3","location_id":"W1"})),
        ErrorCode::Validation
    );
    assert_eq!(
        s.err(json!({"type":"release_wave","wave_id":"W-1","location_id":"W2"})),
        ErrorCode::Duplicate
    );
    s.replays_and_restores();
}

#[test]
fn bad_picking_input_is_refused_with_the_field_named() {
    let mut s = floor();
    allocated(&mut s, "SO-1", &[("1", "A", 30)]);
    s.receive("B", "W2", 5);
    let cases: Vec<(Value, ErrorCode)> = vec![
        (
            json!({"type":"define_bin","location_id":"W2","bin_id":"X","block":0,"aisle":0,"bay":0}),
            ErrorCode::Validation,
        ),
        (
            json!({"type":"define_bin","location_id":"W1","bin_id":"X","block":0,"aisle":9,"bay":0}),
            ErrorCode::Validation,
        ),
        (
            json!({"type":"define_bin","location_id":"W1","bin_id":"X","block":0,"aisle":0,"bay":0,"sku":"K"}),
            ErrorCode::Validation,
        ),
        (
            json!({"type":"define_bin","location_id":"W1","bin_id":"X","block":0,"aisle":0,"bay":0,"sku":"NOPE"}),
            ErrorCode::NotFound,
        ),
        (
            json!({"type":"set_layout","location_id":"W1","layout":{"aisles":2,"aisle_pitch":3,
            "blocks":[{"bays":20,"bay_pitch":1,"front_offset":1,"back_offset":1}],"depot":{"aisle":0,"cross_aisle":0}}}),
            ErrorCode::Validation,
        ),
        (
            json!({"type":"release_wave","wave_id":"W-1","location_id":"W1","order_ids":["SO-1","SO-1"]}),
            ErrorCode::Validation,
        ),
        (
            json!({"type":"release_wave","wave_id":"W-1","location_id":"W1","order_ids":["SO-9"]}),
            ErrorCode::NotFound,
        ),
        (
            json!({"type":"release_wave","wave_id":"W-1","location_id":"W1","method":"batch","cart":{"max_items":10}}),
            ErrorCode::Validation,
        ),
        (
            json!({"type":"release_wave","wave_id":"W-1","location_id":"W2"}),
            ErrorCode::Validation,
        ),
        (
            json!({"type":"confirm_pick","task_id":"nope","stop":0,"quantity":1}),
            ErrorCode::NotFound,
        ),
    ];
    for (c, code) in cases {
        assert_eq!(s.err(c.clone()), code, "{c}");
    }
    s.replays_and_restores();
}

#[derive(Debug, Clone)]
enum Step {
    Order(u8, u8),
    Release(u8),
    Pick(u8, u8),
    Short(u8, u8, u8),
    Complete(u8),
    PickAll(u8),
    Ship(u8),
    Count(u8, u8),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..3u8, 1..4u8).prop_map(|(p, q)| Step::Order(p, q)),
        (0..8u8).prop_map(Step::Release),
        (0..8u8, 0..6u8).prop_map(|(t, k)| Step::Pick(t, k)),
        (0..8u8, 0..6u8, 0..3u8).prop_map(|(t, k, f)| Step::Short(t, k, f)),
        (0..8u8).prop_map(Step::Complete),
        (0..8u8).prop_map(Step::PickAll),
        (0..8u8).prop_map(Step::Ship),
        (0..3u8, 0..60u8).prop_map(|(p, n)| Step::Count(p, n)),
    ]
}

/// The `k`-th stop of a task still open (any stop if none), with its remaining units.
fn open_stop(s: &Shop, task_id: &str, k: u8) -> (usize, u64) {
    let Some(t) = s.engine.pick_task(task_id) else {
        return (k as usize, 1);
    };
    let open: Vec<usize> = (0..t.stops.len())
        .filter(|&i| t.stops[i].remaining() > 0)
        .collect();
    match open.get(k as usize % open.len().max(1)) {
        Some(&i) => (i, t.stops[i].remaining()),
        None => (k as usize, 1),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    /// Random walks of orders, waves, picks, short picks, completions,
    /// shipments and stock counts: failing commands change nothing, units
    /// are never oversold or double-counted (the invariant check), and the
    /// log and the snapshot rebuild the state.
    #[test]
    fn picking_walks_keep_every_invariant(steps in prop::collection::vec(step(), 1..40)) {
        let mut s = floor();
        let skus = ["A", "B", "K"];
        let methods = ["single_order", "batch", "cluster", "zone"];
        let mut orders = 0;
        let mut waves = 0;
        for st in steps {
            let tasks: Vec<String> = s.engine.pick_tasks(Some("W1"), None).iter().map(|t| t.task_id.to_string()).collect();
            let nth = |i: u8| tasks.get(i as usize % tasks.len().max(1)).cloned().unwrap_or_default();
            let before = s.engine.snapshot();
            let result = match st {
                Step::Order(p, q) => {
                    orders += 1;
                    let id = format!("SO-{orders}");
                    s.ok(order(&id, &[("1", skus[p as usize], u64::from(q))]));
                    s.run(json!({"type":"allocate","order_id":id}))
                }
                Step::Release(m) => {
                    waves += 1;
                    let mut c = json!({"type":"release_wave","wave_id":format!("W-{waves}"),"location_id":"W1",
                        "method":methods[m as usize % 4],"cart":{"max_items":8}});
                    // Half the waves walked by a classic heuristic.
                    if m >= 4 {
                        c["heuristic"] = json!(["s_shape", "return", "largest_gap", "combined"][m as usize % 4]);
                    }
                    s.run(c)
                }
                // Mostly a stop that exists, for all it needs (odd k: one unit).
                Step::Pick(t, k) => {
                    let id = nth(t);
                    let (stop, need) = open_stop(&s, &id, k);
                    let q = if k % 2 == 1 { need.min(1) } else { need };
                    s.run(json!({"type":"confirm_pick","task_id":id,"stop":stop,"quantity":q}))
                }
                Step::Short(t, k, f) => {
                    let id = nth(t);
                    let (stop, _) = open_stop(&s, &id, k);
                    s.run(json!({"type":"short_pick","task_id":id,"stop":stop,"quantity_found":f}))
                }
                Step::PickAll(t) => {
                    let id = nth(t);
                    if s.engine.pick_task(&id).is_some_and(|t| t.status == TaskStatus::Open) {
                        pick_all(&mut s, &id);
                    }
                    s.run(json!({"type":"complete_task","task_id":id}))
                }
                Step::Complete(t) => s.run(json!({"type":"complete_task","task_id":nth(t)})),
                Step::Ship(o) => {
                    let id = format!("SO-{}", 1 + u32::from(o) % orders.max(1));
                    let q = s.engine.order(&id).map_or(0, |v| v.lines[0].picked.iter().map(|p| p.quantity).sum());
                    s.run(json!({"type":"ship","order_id":id,"shipment_id":format!("P-{}", s.clock),"location_id":"W1",
                        "carrier":"UPS","lines":[{"line_id":"1","quantity":q}]}))
                }
                Step::Count(p, n) => {
                    let sku = ["A", "B", "C"][p as usize];
                    s.run(json!({"type":"count_stock","sku":sku,"location_id":"W1","counted":n}))
                }
            };
            if result.is_err() {
                prop_assert!(before == s.engine.snapshot(), "a failing command changed state");
            }
            s.engine.check_invariants().map_err(TestCaseError::fail)?;
        }
        s.replays_and_restores();
    }
}
