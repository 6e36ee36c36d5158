//! Dropship: order lines no location can ship go to a dropship PO whose
//! supplier ships to the customer; `confirm_dropship` ships them without
//! stock. Replay, snapshots and the unit counts hold throughout.

mod common;

use common::*;
use oms_core::purchasing::PoStatus;
use oms_core::{ErrorCode, EventKind, OrderStatus};
use proptest::prelude::*;
use serde_json::{json, Value};

/// A shop where `DS1` dropships A (9.00, 4 days) and C (5.00), `DS2`
/// dropships A dearer (9.50) but faster, and `ACME` sells A for stock only.
fn shop(config: Value) -> Shop {
    let mut s = Shop::new(config);
    for (id, days) in [("DS1", 4), ("DS2", 2), ("ACME", 7)] {
        s.ok(json!({"type":"define_supplier","supplier_id":id,"name":id,"currency":"USD","lead_time_days":days}));
    }
    let item = |supplier: &str, sku: &str, cost: &str, dropship: bool| {
        json!({"type":"set_supplier_item","supplier_id":supplier,"sku":sku,
            "unit_cost":{"amount":cost,"currency":"USD"},"dropship":dropship})
    };
    s.ok(item("DS1", "A", "9.00", true));
    s.ok(item("DS2", "A", "9.50", true));
    s.ok(item("ACME", "A", "2.00", false));
    s.ok(item("DS1", "C", "5.00", true));
    s.ok(json!({"type":"define_product","sku":"D","name":"Made to order","dropship_only":true}));
    s.ok(item("DS2", "D", "30.00", true));
    s
}

fn line(s: &Shop, order: &str, i: usize) -> (u64, u64, u64, u64) {
    let l = &s.engine.order(order).unwrap().lines[i];
    (l.allocated, l.dropship, l.backordered, l.shipped)
}

#[test]
fn what_stock_cannot_cover_goes_to_the_cheapest_dropship_supplier_and_ships_from_there() {
    let mut s = shop(no_payment());
    s.receive("A", "W1", 3);
    s.ok(order(
        "SO-1",
        &[("1", "A", 5), ("2", "C", 2), ("3", "B", 1)],
    ));
    let events = s.ok(json!({"type":"allocate","order_id":"SO-1"}));
    assert_eq!(
        names(&events),
        [
            "order_allocated",
            "po_created",
            "po_submitted",
            "po_approved",
            "order_status_changed"
        ]
    );
    // 3 of A from stock, 2 of A and both C from DS1 (cheaper than DS2),
    // B has no dropship source: backordered.
    assert_eq!(line(&s, "SO-1", 0), (3, 2, 0, 0));
    assert_eq!(line(&s, "SO-1", 1), (0, 2, 0, 0));
    assert_eq!(line(&s, "SO-1", 2), (0, 0, 1, 0));
    assert_eq!(s.status("SO-1"), OrderStatus::Backordered);
    let po = s.engine.purchase_order("DS-SO-1-1").unwrap().po;
    assert_eq!(po.supplier_id.as_str(), "DS1");
    assert_eq!(po.status, PoStatus::Approved);
    assert_eq!(po.location_id, None);
    let d = po.dropship.as_ref().unwrap();
    assert_eq!(d.order_id.as_str(), "SO-1");
    assert_eq!(d.ship_to.city(), "Newark");
    let lines: Vec<(&str, &str, u64, String, Option<&str>)> = po
        .lines
        .iter()
        .map(|l| {
            (
                l.line_id.as_str(),
                l.sku.as_str(),
                l.quantity,
                l.unit_cost.amount.to_string(),
                l.order_line_id.as_ref().map(|x| x.as_str()),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("1", "A", 2, "9.00".into(), Some("1")),
            ("2", "C", 2, "5.00".into(), Some("2"))
        ]
    );
    assert_eq!(po.lines[0].expected_date.to_string(), "2026-11-26");
    // Dropship units never touch the shop's stock, nor its incoming.
    let a = s.engine.stock("A", "W1").unwrap();
    assert_eq!((a.on_hand, a.reserved, a.incoming), (3, 3, 0));

    // The PO goes out; confirmations may only come once it is sent.
    let confirm = json!({"type":"confirm_dropship","po_id":"DS-SO-1-1","tracking_number":"1Z1",
        "carrier":"UPS","lines":[{"line_id":"1","quantity":2}]});
    assert_eq!(s.err(confirm.clone()), ErrorCode::InvalidTransition);
    s.ok(json!({"type":"send_po","po_id":"DS-SO-1-1"}));
    let events = s.ok(confirm);
    assert_eq!(
        names(&events),
        ["dropship_confirmed", "order_status_changed"]
    );
    assert_eq!(s.status("SO-1"), OrderStatus::PartiallyShipped);
    assert_eq!(line(&s, "SO-1", 0), (3, 0, 0, 2));
    let shipment = s.engine.shipment("DS-SO-1-1-1").unwrap();
    assert_eq!(shipment.location_id, None);
    assert_eq!(shipment.po_id.as_ref().unwrap().as_str(), "DS-SO-1-1");
    assert_eq!(shipment.tracking_number.as_deref(), Some("1Z1"));
    let po = s.engine.purchase_order("DS-SO-1-1").unwrap().po;
    assert_eq!(po.status, PoStatus::PartiallyReceived);
    assert_eq!(po.lines[0].received, 2);

    // More than is open is refused; then the rest ships.
    assert_eq!(
        s.err(
            json!({"type":"confirm_dropship","po_id":"DS-SO-1-1","tracking_number":"1Z2",
            "carrier":"UPS","lines":[{"line_id":"2","quantity":3}]})
        ),
        ErrorCode::Validation
    );
    s.ok(
        json!({"type":"confirm_dropship","po_id":"DS-SO-1-1","tracking_number":"1Z2",
        "carrier":"UPS","shipment_id":"SHIP-C","lines":[{"line_id":"2","quantity":2}]}),
    );
    assert_eq!(
        s.engine.purchase_order("DS-SO-1-1").unwrap().po.status,
        PoStatus::Received
    );
    assert_eq!(line(&s, "SO-1", 1), (0, 0, 0, 2));
    // A receipt is not how a dropship PO is fulfilled.
    assert_eq!(
        s.err(
            json!({"type":"receive_po","po_id":"DS-SO-1-1","receipt_id":"R1","location_id":"W1",
            "lines":[{"line_id":"1","quantity":1}]})
        ),
        ErrorCode::Validation
    );
    s.ok(json!({"type":"close_po","po_id":"DS-SO-1-1"}));
    // The customer gets the supplier's parcel like any other.
    s.ok(json!({"type":"confirm_delivery","shipment_id":"SHIP-C"}));
    assert_eq!(s.engine.order("SO-1").unwrap().lines[1].delivered, 2);
    s.replays_and_restores();
}

#[test]
fn a_dropship_only_product_always_goes_to_its_supplier_and_holds_no_stock() {
    let mut s = shop(json!({"require_payment": false, "auto_allocate": true,
        "po_approval_threshold": {"amount": "50", "currency": "USD"}}));
    assert_eq!(
        s.err(json!({"type":"receive_stock","sku":"D","location_id":"W1","quantity":1})),
        ErrorCode::Validation
    );
    // With auto_allocate the order is sourced as it is placed; the PO is
    // above the approval threshold, so it waits for approve_po.
    let events = s.ok(order("SO-1", &[("1", "D", 2)]));
    assert!(names(&events).contains(&"po_created"));
    assert_eq!(s.status("SO-1"), OrderStatus::Allocated);
    let po = s.engine.purchase_order("DS-SO-1-1").unwrap();
    assert_eq!(po.po.supplier_id.as_str(), "DS2");
    assert_eq!(po.po.status, PoStatus::Submitted);
    assert_eq!(po.totals.ordered.amount.to_string(), "60.00");
    // A product with stock cannot become dropship-only; a kit never can.
    s.receive("B", "W1", 1);
    assert_eq!(
        s.err(json!({"type":"define_product","sku":"B","name":"B","dropship_only":true})),
        ErrorCode::Conflict
    );
    s.replays_and_restores();
}

#[test]
fn cancelling_the_po_hands_the_units_back_and_the_order_can_then_be_cancelled() {
    let mut s = shop(no_payment());
    s.ok(order("SO-1", &[("1", "A", 4)]));
    s.ok(json!({"type":"allocate"}));
    assert_eq!(line(&s, "SO-1", 0), (0, 4, 0, 0));
    assert_eq!(s.status("SO-1"), OrderStatus::Allocated);
    // The supplier holds the units: the shop cancels the PO first.
    assert_eq!(
        s.err(json!({"type":"cancel_order","order_id":"SO-1","reason":"asked"})),
        ErrorCode::InvalidTransition
    );
    assert_eq!(
        s.err(json!({"type":"cancel_line","order_id":"SO-1","line_id":"1","quantity":1,"reason":"asked"})),
        ErrorCode::InvalidTransition
    );
    assert_eq!(
        s.err(json!({"type":"amend_po","po_id":"DS-SO-1-1","notes":"x"})),
        ErrorCode::Validation
    );
    let events =
        s.ok(json!({"type":"cancel_po","po_id":"DS-SO-1-1","reason":"customer cancelled"}));
    assert_eq!(names(&events), ["po_cancelled", "order_status_changed"]);
    assert_eq!(line(&s, "SO-1", 0), (0, 0, 4, 0));
    assert_eq!(s.status("SO-1"), OrderStatus::Backordered);
    s.ok(json!({"type":"cancel_order","order_id":"SO-1","reason":"asked"}));
    assert_eq!(s.status("SO-1"), OrderStatus::Cancelled);
    s.replays_and_restores();
}

#[test]
fn a_held_order_is_not_dropshipped_and_a_rejected_po_is_sourced_again_on_the_next_allocation() {
    let mut s = shop(json!({"require_payment": false,
        "po_approval_threshold": {"amount": "10", "currency": "USD"}}));
    s.ok(order("SO-1", &[("1", "A", 3)]));
    s.ok(json!({"type":"place_hold","order_id":"SO-1","hold":"fraud_review"}));
    s.ok(json!({"type":"allocate"}));
    assert!(s.engine.purchase_orders(None).unwrap().is_empty());
    s.ok(json!({"type":"release_hold","order_id":"SO-1","hold":"fraud_review"}));
    s.ok(json!({"type":"allocate"}));
    assert_eq!(status_of(&s, "DS-SO-1-1"), PoStatus::Submitted);
    s.ok(json!({"type":"reject_po","po_id":"DS-SO-1-1","reason":"too dear"}));
    assert_eq!(line(&s, "SO-1", 0), (0, 0, 3, 0));
    // The next allocation tries again, under a new id.
    s.ok(json!({"type":"allocate","order_id":"SO-1"}));
    assert_eq!(status_of(&s, "DS-SO-1-2"), PoStatus::Submitted);
    assert_eq!(line(&s, "SO-1", 0), (0, 3, 0, 0));
    s.replays_and_restores();
}

fn status_of(s: &Shop, po: &str) -> PoStatus {
    s.engine.purchase_order(po).unwrap().po.status
}

#[test]
fn supplier_performance_counts_dropship_confirmations() {
    let mut s = shop(no_payment());
    s.ok(order("SO-1", &[("1", "C", 4)]));
    s.ok(json!({"type":"allocate"}));
    s.ok(json!({"type":"send_po","po_id":"DS-SO-1-1"}));
    s.ok(
        json!({"type":"confirm_dropship","po_id":"DS-SO-1-1","tracking_number":"T",
        "carrier":"UPS","lines":[{"line_id":"1","quantity":4}]}),
    );
    let p = oms_core::purchasing::performance::supplier_performance(&s.log);
    let ds1 = p.iter().find(|p| p.supplier_id.as_str() == "DS1").unwrap();
    assert_eq!(
        (ds1.ordered_units, ds1.received_units, ds1.filled_units),
        (4, 4, 4)
    );
    assert_eq!(ds1.fill_rate, Some(1.0));
}

/// One step of a random walk over two orders and their dropship POs.
#[derive(Debug, Clone)]
enum Step {
    Receive(u64),
    Allocate,
    Send(u8),
    Confirm(u8, u64),
    CancelPo(u8),
    ClosePo(u8),
    CancelLine(u8, u64),
    Reallocate(u8),
    ReceiveAt2(u64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (1u64..4).prop_map(Step::Receive),
        Just(Step::Allocate),
        (0u8..4).prop_map(Step::Send),
        (0u8..4).prop_map(Step::Send),
        ((0u8..4), (1u64..5)).prop_map(|(p, q)| Step::Confirm(p, q)),
        ((0u8..4), (1u64..5)).prop_map(|(p, q)| Step::Confirm(p, q)),
        (0u8..4).prop_map(Step::CancelPo),
        (0u8..4).prop_map(Step::ClosePo),
        ((0u8..2), (1u64..3)).prop_map(|(o, q)| Step::CancelLine(o, q)),
        (0u8..2).prop_map(Step::Reallocate),
        (1u64..6).prop_map(Step::ReceiveAt2),
    ]
}

/// One of the engine's POs that is not over (the n-th, wrapping around), if any.
fn po_id(s: &Shop, n: u8) -> String {
    let pos: Vec<String> = s
        .engine
        .purchase_orders(None)
        .unwrap()
        .into_iter()
        .filter(|p| p.po.status.is_open())
        .map(|p| p.po.po_id.to_string())
        .collect();
    if pos.is_empty() {
        return "none".into();
    }
    pos[usize::from(n) % pos.len()].clone()
}

fn command(s: &Shop, step: &Step) -> Value {
    match step {
        Step::Receive(q) => {
            json!({"type":"receive_stock","sku":"A","location_id":"W1","quantity":q})
        }
        Step::Allocate => json!({"type":"allocate"}),
        Step::Send(p) => json!({"type":"send_po","po_id":po_id(s, *p)}),
        Step::Confirm(p, q) => json!({"type":"confirm_dropship","po_id":po_id(s, *p),
            "tracking_number":"T","carrier":"UPS","lines":[{"line_id":"1","quantity":q}]}),
        Step::CancelPo(p) => json!({"type":"cancel_po","po_id":po_id(s, *p),"reason":"x"}),
        Step::ClosePo(p) => json!({"type":"close_po","po_id":po_id(s, *p)}),
        Step::CancelLine(o, q) => json!({"type":"cancel_line","order_id":format!("SO-{o}"),
            "line_id":"1","quantity":q,"reason":"x"}),
        Step::Reallocate(o) => json!({"type":"reallocate","order_id":format!("SO-{o}")}),
        Step::ReceiveAt2(q) => {
            json!({"type":"receive_stock","sku":"A","location_id":"W2","quantity":q})
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Any sequence of stock, allocation, dropship and cancel commands:
    /// every order line's units are accounted for exactly once (shipped,
    /// cancelled, reserved, on a dropship PO, or unallocated), a line's
    /// dropship units are the open units of its open dropship POs, a
    /// refused command changes nothing, and replay agrees.
    #[test]
    fn dropship_units_are_conserved(steps in prop::collection::vec(step(), 1..30),
                                    auto in any::<bool>()) {
        let mut s = shop(json!({"require_payment": false, "auto_allocate": auto}));
        s.ok(order("SO-0", &[("1", "A", 4)]));
        s.ok(order("SO-1", &[("1", "A", 3)]));
        for st in &steps {
            let c = command(&s, st);
            let snapshot = s.engine.snapshot();
            if s.run(c).is_err() {
                prop_assert_eq!(&snapshot, &s.engine.snapshot());
            }
            prop_assert_eq!(s.engine.check_invariants(), Ok(()));
            for id in ["SO-0", "SO-1"] {
                let o = s.engine.order(id).unwrap();
                let l = &o.lines[0];
                let unallocated = l.quantity - l.shipped - l.cancelled - l.allocated - l.dropship;
                prop_assert!(l.shipped + l.cancelled + l.allocated + l.dropship <= l.quantity);
                prop_assert!(l.backordered == 0 || l.backordered == unallocated);
            }
            let reserved_stock: u64 = ["W1", "W2"]
                .iter()
                .map(|w| s.engine.stock("A", w).unwrap().reserved)
                .sum();
            let reserved: u64 = ["SO-0", "SO-1"]
                .iter()
                .map(|id| s.engine.order(id).unwrap().lines[0].allocated)
                .sum();
            prop_assert_eq!(reserved_stock, reserved);
        }
        s.replays_and_restores();
    }
}

#[test]
fn the_dropship_confirmation_names_the_order_in_its_event() {
    let mut s = shop(no_payment());
    s.ok(order("SO-9", &[("1", "C", 1)]));
    s.ok(json!({"type":"allocate"}));
    s.ok(json!({"type":"send_po","po_id":"DS-SO-9-1"}));
    // A hold placed after the PO went out does not unsay the supplier's shipment.
    s.ok(json!({"type":"place_hold","order_id":"SO-9","hold":"address_check"}));
    let events = s.ok(
        json!({"type":"confirm_dropship","po_id":"DS-SO-9-1","tracking_number":"T",
        "carrier":"DHL","service":"express","lines":[{"line_id":"1","quantity":1}]}),
    );
    let EventKind::DropshipConfirmed {
        order_id,
        status,
        service,
        ..
    } = &events[0].kind
    else {
        panic!("{events:?}");
    };
    assert_eq!(order_id.as_str(), "SO-9");
    assert_eq!(*status, PoStatus::Received);
    assert_eq!(service.as_deref(), Some("express"));
    assert_eq!(s.status("SO-9"), OrderStatus::Shipped);
    // Not a dropship PO: refused.
    s.ok(
        json!({"type":"create_po","po_id":"PO-1","supplier_id":"ACME","location_id":"W1",
        "lines":[{"line_id":"1","sku":"A","quantity":10}]}),
    );
    assert_eq!(
        s.err(
            json!({"type":"confirm_dropship","po_id":"PO-1","tracking_number":"T",
            "carrier":"DHL","lines":[{"line_id":"1","quantity":1}]})
        ),
        ErrorCode::Validation
    );
    s.replays_and_restores();
}

#[test]
fn reallocating_an_order_never_reserves_stock_for_its_dropship_units() {
    let mut s = shop(no_payment());
    s.receive("A", "W1", 3);
    s.ok(order("SO-1", &[("1", "A", 5)]));
    s.ok(json!({"type":"allocate"}));
    assert_eq!(line(&s, "SO-1", 0), (3, 2, 0, 0));
    // Now one location could hold the whole line: re-sourcing moves the
    // reservation there but leaves the supplier's 2 units alone.
    s.receive("A", "W2", 5);
    s.ok(json!({"type":"reallocate","order_id":"SO-1"}));
    assert_eq!(line(&s, "SO-1", 0), (3, 2, 0, 0));
    s.engine.check_invariants().unwrap();
    s.replays_and_restores();
}
