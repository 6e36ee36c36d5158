//! Returns: the RMA lifecycle, what may come back, refunds and exchanges,
//! restocking, and the invariants (refunds never above what was captured,
//! returned units never above shipped ones, restocked units on the ledger).

mod common;

use common::*;
use oms_core::returns::RmaStatus;
use oms_core::{ErrorCode, EventKind, OrderStatus, PaymentStatus};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn usd(amount: &str) -> Value {
    json!({"amount": amount, "currency": "USD"})
}

/// SO-1: 2 × A and 1 × B at 10.00, shipping 5.00, a 3.00 discount
/// (total 32.00, captured), shipped from W1 and delivered.
fn delivered(config: Value) -> Shop {
    let mut s = Shop::new(config);
    s.receive("A", "W1", 10);
    s.receive("B", "W1", 10);
    s.ok(order_with(
        "SO-1",
        "web",
        &[("1", "A", 2), ("2", "B", 1)],
        json!({"shipping_price": usd("5.00"), "discount": usd("3.00")}),
    ));
    s.ok(
        json!({"type":"record_payment","order_id":"SO-1","kind":"captured","amount":usd("32.00")}),
    );
    s.ok(json!({"type":"allocate","order_id":"SO-1"}));
    s.ok(json!({"type":"ship","order_id":"SO-1","shipment_id":"P1","location_id":"W1","carrier":"UPS",
        "lines":[{"line_id":"1","quantity":2},{"line_id":"2","quantity":1}]}));
    s.ok(json!({"type":"confirm_delivery","shipment_id":"P1"}));
    s
}

fn request(rma: &str, lines: Value, resolution: &str) -> Value {
    json!({"type":"request_return","rma_id":rma,"order_id":"SO-1","lines":lines,"resolution":resolution})
}

/// Authorizes, ships back, receives at W1 and restocks everything at W1.
fn bring_back(s: &mut Shop, rma: &str) {
    s.ok(json!({"type":"authorize_return","rma_id":rma}));
    s.ok(json!({"type":"record_return_shipment","rma_id":rma,"carrier":"UPS","tracking_number":"1ZR"}));
    s.ok(json!({"type":"receive_return","rma_id":rma,"location_id":"W1"}));
    let lines: Vec<Value> = s
        .engine
        .rma(rma)
        .unwrap()
        .lines
        .iter()
        .filter(|l| l.received > 0)
        .map(|l| json!({"line_id": l.line_id, "quantity": l.received, "disposition": "restock"}))
        .collect();
    s.ok(json!({"type":"inspect_return","rma_id":rma,"lines":lines}));
}

#[test]
fn a_refund_runs_the_whole_lifecycle() {
    let mut s = delivered(json!({}));
    let events = s.ok(request(
        "R1",
        json!([{"line_id":"1","quantity":1,"reason":"size_fit"}]),
        "refund",
    ));
    assert_eq!(names(&events), ["return_requested"]);
    assert_eq!(s.engine.order("SO-1").unwrap().lines[0].return_requested, 1);
    bring_back(&mut s, "R1");
    let line = &s.engine.order("SO-1").unwrap().lines[0];
    assert_eq!((line.return_requested, line.returned), (0, 1));
    assert_eq!(s.status("SO-1"), OrderStatus::PartiallyReturned);
    // The unit is back on the shelf: 10 - 2 shipped + 1 restocked.
    let w1 = s.engine.stock("A", "W1").unwrap();
    assert_eq!((w1.on_hand, w1.returned), (9, 1));

    let events = s.ok(json!({"type":"resolve_return","rma_id":"R1"}));
    let EventKind::ReturnResolved { refund, .. } = &events[0].kind else {
        panic!("{events:?}")
    };
    // Lines worth 20.00 and 10.00 share the 3.00 discount 2.00 / 1.00:
    // line 1 is worth 18.00, one of its two units 9.00. No shipping
    // back: the order did not come back whole.
    assert_eq!(refund.lines[0].paid.amount, d("9.00"));
    assert_eq!(refund.shipping.amount, Decimal::ZERO);
    assert_eq!(refund.total.amount, d("9.00"));
    // Paying more than the RMA owes is refused; paying it is recorded.
    let too_much = json!({"type":"record_payment","order_id":"SO-1","kind":"refunded","amount":usd("9.01"),"rma_id":"R1"});
    assert_eq!(s.err(too_much), ErrorCode::Validation);
    s.ok(json!({"type":"record_payment","order_id":"SO-1","kind":"refunded","amount":usd("9.00"),"rma_id":"R1"}));
    let view = s.engine.order("SO-1").unwrap();
    assert_eq!(view.payment_status, PaymentStatus::PartiallyRefunded);
    assert_eq!(
        s.engine.rma("R1").unwrap().refund_outstanding(),
        Decimal::ZERO
    );
    s.ok(json!({"type":"close_return","rma_id":"R1"}));
    assert_eq!(s.engine.rma("R1").unwrap().status, RmaStatus::Closed);
    s.replays_and_restores();
}

#[test]
fn returning_everything_refunds_shipping_and_the_order_is_returned() {
    let mut s = delivered(json!({}));
    s.ok(request(
        "R1",
        json!([{"line_id":"1","quantity":2,"reason":"defective"},{"line_id":"2","quantity":1,"reason":"damaged"}]),
        "refund",
    ));
    bring_back(&mut s, "R1");
    assert_eq!(s.status("SO-1"), OrderStatus::Returned);
    let events = s.ok(json!({"type":"resolve_return","rma_id":"R1"}));
    let EventKind::ReturnResolved { refund, .. } = &events[0].kind else {
        panic!()
    };
    // Everything the customer paid: 30.00 - 3.00 + 5.00.
    assert_eq!(refund.shipping.amount, d("5.00"));
    assert_eq!(refund.total.amount, d("32.00"));
    s.ok(json!({"type":"record_payment","order_id":"SO-1","kind":"refunded","amount":usd("32.00"),"rma_id":"R1"}));
    assert_eq!(
        s.engine.order("SO-1").unwrap().payment_status,
        PaymentStatus::Refunded
    );
    s.replays_and_restores();
}

#[test]
fn only_delivered_units_within_the_window_come_back() {
    let mut s = delivered(json!({"returns": {"window_days": 30}}));
    let too_many = request(
        "R1",
        json!([{"line_id":"1","quantity":3,"reason":"other"}]),
        "refund",
    );
    assert_eq!(s.err(too_many), ErrorCode::Validation);
    let unknown = request(
        "R1",
        json!([{"line_id":"9","quantity":1,"reason":"other"}]),
        "refund",
    );
    assert_eq!(s.err(unknown), ErrorCode::NotFound);
    s.ok(request(
        "R1",
        json!([{"line_id":"1","quantity":2,"reason":"other"}]),
        "refund",
    ));
    // Both units are on R1 now: none left for another RMA.
    let again = request(
        "R2",
        json!([{"line_id":"1","quantity":1,"reason":"other"}]),
        "refund",
    );
    assert_eq!(s.err(again), ErrorCode::Validation);
    // Cancelling R1 frees them.
    s.ok(json!({"type":"cancel_return","rma_id":"R1","reason":"kept them"}));
    assert_eq!(s.engine.order("SO-1").unwrap().lines[0].return_requested, 0);
    // 31 days later the window has closed.
    s.clock += 31 * 24 * 60;
    let late = request(
        "R2",
        json!([{"line_id":"1","quantity":1,"reason":"other"}]),
        "refund",
    );
    assert_eq!(s.err(late), ErrorCode::Validation);
    s.replays_and_restores();
}

#[test]
fn shipped_units_come_back_only_when_the_policy_allows() {
    for allow in [false, true] {
        let mut s =
            Shop::new(json!({"require_payment": false, "returns": {"allow_shipped": allow}}));
        s.receive("A", "W1", 5);
        s.ok(order("SO-1", &[("1", "A", 2)]));
        s.ok(json!({"type":"allocate","order_id":"SO-1"}));
        s.ok(json!({"type":"ship","order_id":"SO-1","shipment_id":"P1","location_id":"W1","carrier":"UPS",
            "lines":[{"line_id":"1","quantity":2}]}));
        let r = s.run(request(
            "R1",
            json!([{"line_id":"1","quantity":1,"reason":"arrived_late"}]),
            "refund",
        ));
        assert_eq!(r.is_ok(), allow, "allow_shipped {allow}");
    }
}

#[test]
fn non_returnable_products_are_refused() {
    let mut s = delivered(json!({}));
    s.ok(json!({"type":"define_product","sku":"B","name":"Product B","non_returnable":true}));
    let r = request(
        "R1",
        json!([{"line_id":"2","quantity":1,"reason":"other"}]),
        "refund",
    );
    assert_eq!(s.err(r), ErrorCode::Validation);
}

#[test]
fn every_move_outside_the_table_names_both_states() {
    let mut s = delivered(json!({}));
    s.ok(request(
        "R1",
        json!([{"line_id":"1","quantity":1,"reason":"other"}]),
        "refund",
    ));
    let e = s
        .run(json!({"type":"receive_return","rma_id":"R1","location_id":"W1"}))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidTransition);
    assert!(e.to_string().contains("requested -> received"), "{e}");
    s.ok(json!({"type":"authorize_return","rma_id":"R1"}));
    s.ok(json!({"type":"record_return_shipment","rma_id":"R1"}));
    s.ok(json!({"type":"receive_return","rma_id":"R1","location_id":"W1"}));
    let cancel = json!({"type":"cancel_return","rma_id":"R1"});
    assert_eq!(s.err(cancel), ErrorCode::InvalidTransition);
    let resolve = json!({"type":"resolve_return","rma_id":"R1"});
    assert_eq!(s.err(resolve), ErrorCode::InvalidTransition);
    // Dispositions must account for every received unit.
    let short = json!({"type":"inspect_return","rma_id":"R1","lines":[]});
    assert_eq!(s.err(short), ErrorCode::Validation);
    let missing = json!({"type":"resolve_return","rma_id":"NOPE"});
    assert_eq!(s.err(missing), ErrorCode::NotFound);
    // Repeating the request records nothing; another under its id is refused.
    assert!(s
        .ok(request(
            "R1",
            json!([{"line_id":"1","quantity":1,"reason":"other"}]),
            "refund"
        ))
        .is_empty());
    let other = request(
        "R1",
        json!([{"line_id":"1","quantity":1,"reason":"damaged"}]),
        "refund",
    );
    assert_eq!(s.err(other), ErrorCode::Duplicate);
}

#[test]
fn dispositions_move_units_where_they_belong() {
    let mut s = delivered(json!({}));
    s.ok(request(
        "R1",
        json!([{"line_id":"1","quantity":2,"reason":"defective"}]),
        "store_credit",
    ));
    s.ok(json!({"type":"authorize_return","rma_id":"R1"}));
    s.ok(json!({"type":"record_return_shipment","rma_id":"R1"}));
    s.ok(json!({"type":"receive_return","rma_id":"R1","location_id":"W2"}));
    let events = s.ok(json!({"type":"inspect_return","rma_id":"R1","lines":[
        {"line_id":"1","quantity":1,"disposition":"refurbish"},
        {"line_id":"1","quantity":1,"disposition":"scrap"}]}));
    assert_eq!(names(&events), ["return_inspected", "stock_restocked"]);
    let w2 = s.engine.stock("A", "W2").unwrap();
    // Refurbishing units are on the books, never on hand.
    assert_eq!((w2.returned, w2.refurbishing, w2.on_hand), (1, 1, 0));
    let events = s.ok(json!({"type":"resolve_return","rma_id":"R1"}));
    let EventKind::ReturnResolved { refund, .. } = &events[0].kind else {
        panic!()
    };
    assert_eq!(refund.total.amount, d("18.00"));
    // Store credit is not paid out: nothing is owed as a refund.
    assert_eq!(
        s.engine.rma("R1").unwrap().refund_outstanding(),
        Decimal::ZERO
    );
    s.replays_and_restores();
}

#[test]
fn restocking_fees_apply_to_refunds_by_reason() {
    let mut s = delivered(json!({"returns": {"restocking_fee_percent": {"no_longer_needed": 10}}}));
    s.ok(request(
        "R1",
        json!([{"line_id":"2","quantity":1,"reason":"no_longer_needed"}]),
        "refund",
    ));
    bring_back(&mut s, "R1");
    let events = s.ok(json!({"type":"resolve_return","rma_id":"R1"}));
    let EventKind::ReturnResolved { refund, .. } = &events[0].kind else {
        panic!()
    };
    // Line 2 is worth 10.00 - 1.00 of the discount = 9.00; 10 % kept.
    assert_eq!(refund.lines[0].restocking_fee.amount, d("0.90"));
    assert_eq!(refund.total.amount, d("8.10"));
    let bad = oms_core::Config::from_value(
        json!({"returns": {"restocking_fee_percent": {"damaged": 5}}}),
    );
    assert!(bad.is_err());
}

#[test]
fn an_exchange_for_the_same_product_is_a_free_replacement_order() {
    let mut s = delivered(json!({}));
    s.ok(request(
        "R1",
        json!([{"line_id":"1","quantity":1,"reason":"size_fit"}]),
        "exchange",
    ));
    bring_back(&mut s, "R1");
    let events = s.ok(json!({"type":"resolve_return","rma_id":"R1"}));
    assert_eq!(events[0].name(), "order_placed");
    let ex = s.engine.order("EX-R1").unwrap();
    // Like for like: the same unit again, free (the 9.00 it was worth
    // after the discount is the credit; the shop absorbs the 1.00).
    assert_eq!(ex.total.amount, Decimal::ZERO);
    assert_eq!(ex.lines[0].sku.as_str(), "A");
    assert!(ex.holds.is_empty());
    let rma = s.engine.rma("R1").unwrap();
    assert_eq!(rma.exchange_order_id.as_ref().unwrap().as_str(), "EX-R1");
    assert_eq!(rma.exchange_credit, d("9.00"));
    assert_eq!(rma.refund_outstanding(), Decimal::ZERO);
    s.ok(json!({"type":"allocate","order_id":"EX-R1"}));
    assert_eq!(s.status("EX-R1"), OrderStatus::Allocated);
    s.replays_and_restores();
}

#[test]
fn an_exchange_for_something_dearer_waits_for_the_difference() {
    let mut s = delivered(json!({}));
    s.ok(
        json!({"type":"request_return","rma_id":"R1","order_id":"SO-1","resolution":"exchange",
        "lines":[{"line_id":"1","quantity":1,"reason":"size_fit"}],
        "exchange_lines":[{"sku":"C","quantity":1,"unit_price":usd("15.00")}]}),
    );
    bring_back(&mut s, "R1");
    s.ok(json!({"type":"resolve_return","rma_id":"R1"}));
    let ex = s.engine.order("EX-R1").unwrap();
    // Worth 9.00 against 15.00: 6.00 to pay before it is released.
    assert_eq!(ex.total.amount, d("6.00"));
    assert!(ex.holds.iter().any(|h| h.as_str() == "awaiting_payment"));
    s.ok(
        json!({"type":"record_payment","order_id":"EX-R1","kind":"captured","amount":usd("6.00")}),
    );
    assert!(s.engine.order("EX-R1").unwrap().holds.is_empty());
    s.replays_and_restores();
}

#[test]
fn an_exchange_for_something_cheaper_refunds_the_difference() {
    let mut s = delivered(json!({}));
    s.ok(json!({"type":"define_product","sku":"C","name":"Product C","price":usd("4.00")}));
    s.ok(
        json!({"type":"request_return","rma_id":"R1","order_id":"SO-1","resolution":"exchange",
        "lines":[{"line_id":"1","quantity":1,"reason":"not_as_described"}],
        "exchange_lines":[{"sku":"C","quantity":1}],"exchange_order_id":"SO-1-X"}),
    );
    bring_back(&mut s, "R1");
    s.ok(json!({"type":"resolve_return","rma_id":"R1"}));
    let ex = s.engine.order("SO-1-X").unwrap();
    assert_eq!(ex.total.amount, Decimal::ZERO);
    assert!(ex.holds.is_empty());
    // Worth 9.00, 4.00 of it taken by the replacement: 5.00 to refund.
    assert_eq!(s.engine.rma("R1").unwrap().refund_outstanding(), d("5.00"));
    s.replays_and_restores();
}

#[test]
fn refunds_never_exceed_what_was_captured() {
    let mut s = delivered(json!({}));
    // 30.00 of the 32.00 went back outside any RMA.
    s.ok(
        json!({"type":"record_payment","order_id":"SO-1","kind":"refunded","amount":usd("30.00")}),
    );
    s.ok(request(
        "R1",
        json!([{"line_id":"1","quantity":2,"reason":"defective"}]),
        "refund",
    ));
    bring_back(&mut s, "R1");
    let events = s.ok(json!({"type":"resolve_return","rma_id":"R1"}));
    let EventKind::ReturnResolved { refund, .. } = &events[0].kind else {
        panic!()
    };
    assert!(refund.capped);
    assert_eq!(refund.total.amount, d("2.00"));
    s.replays_and_restores();
}

#[test]
fn refunds_outside_rmas_leave_room_for_what_rmas_owe() {
    let mut s = delivered(json!({}));
    s.ok(request(
        "R1",
        json!([{"line_id":"1","quantity":1,"reason":"size_fit"}]),
        "refund",
    ));
    bring_back(&mut s, "R1");
    s.ok(json!({"type":"resolve_return","rma_id":"R1"}));
    // 32.00 captured, 9.00 owed on R1 and not paid yet: 23.00 is left.
    let too_much =
        json!({"type":"record_payment","order_id":"SO-1","kind":"refunded","amount":usd("23.01")});
    assert_eq!(s.err(too_much), ErrorCode::Validation);
    s.ok(
        json!({"type":"record_payment","order_id":"SO-1","kind":"refunded","amount":usd("23.00")}),
    );
    s.ok(json!({"type":"record_payment","order_id":"SO-1","kind":"refunded","amount":usd("9.00"),"rma_id":"R1"}));
    s.replays_and_restores();
}

#[test]
fn a_kit_comes_back_as_its_components() {
    let mut s = Shop::new(no_payment());
    s.ok(json!({"type":"define_product","sku":"KIT","name":"Kit","components":[{"sku":"A","quantity":2},{"sku":"B","quantity":1}]}));
    s.receive("A", "W1", 4);
    s.receive("B", "W1", 2);
    s.ok(order("SO-1", &[("1", "KIT", 2)]));
    s.ok(json!({"type":"allocate","order_id":"SO-1"}));
    s.ok(json!({"type":"ship","order_id":"SO-1","shipment_id":"P1","location_id":"W1","carrier":"UPS",
        "lines":[{"line_id":"1","quantity":2}]}));
    s.ok(json!({"type":"confirm_delivery","shipment_id":"P1"}));
    s.ok(request(
        "R1",
        json!([{"line_id":"1","quantity":1,"reason":"other"}]),
        "refund",
    ));
    bring_back(&mut s, "R1");
    assert_eq!(s.engine.stock("A", "W1").unwrap().on_hand, 2);
    assert_eq!(s.engine.stock("B", "W1").unwrap().on_hand, 1);
    s.replays_and_restores();
}

/// One step of a random return history.
#[derive(Debug, Clone)]
enum Step {
    Request {
        line: usize,
        units: u64,
        reason: usize,
        resolution: usize,
    },
    Advance {
        rma: usize,
        keep: u64,
    },
    Resolve {
        rma: usize,
    },
    Pay {
        rma: usize,
        cents: u64,
    },
    Cancel {
        rma: usize,
    },
    ManualRefund {
        cents: u64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..3usize, 1..4u64, 0..8usize, 0..3usize).prop_map(|(line, units, reason, resolution)| {
            Step::Request {
                line,
                units,
                reason,
                resolution,
            }
        }),
        (0..6usize, 0..4u64).prop_map(|(rma, keep)| Step::Advance { rma, keep }),
        (0..6usize).prop_map(|rma| Step::Resolve { rma }),
        (0..6usize, 1..3000u64).prop_map(|(rma, cents)| Step::Pay { rma, cents }),
        (0..6usize).prop_map(|rma| Step::Cancel { rma }),
        (1..1500u64).prop_map(|cents| Step::ManualRefund { cents }),
    ]
}

const REASONS: [&str; 8] = [
    "damaged",
    "defective",
    "wrong_item",
    "not_as_described",
    "size_fit",
    "no_longer_needed",
    "arrived_late",
    "other",
];
const RESOLUTIONS: [&str; 3] = ["refund", "exchange", "store_credit"];

fn cents(c: u64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    /// Whatever the order of requests, receipts, resolutions and refunds:
    /// refunds never exceed what was captured, returned units never exceed
    /// shipped ones, every restocked unit is on the ledger, and the log
    /// rebuilds the same state.
    #[test]
    fn returns_never_create_money_or_units(
        prices in proptest::collection::vec(1..5000u64, 3),
        quantities in proptest::collection::vec(1..4u64, 3),
        discount_pct in 0..50u64,
        shipping in 0..1500u64,
        fee in 0..30u64,
        steps in proptest::collection::vec(step(), 1..30),
    ) {
        let config = json!({"returns": {"shipping_refund": "prorated",
            "restocking_fee_percent": {"no_longer_needed": fee, "size_fit": fee}}});
        let mut s = Shop::new(config);
        for sku in ["A", "B", "C"] {
            s.receive(sku, "W1", 20);
        }
        let lines: Vec<Value> = ["A", "B", "C"].iter().enumerate().map(|(i, sku)| json!({
            "line_id": format!("{}", i + 1), "sku": sku, "quantity": quantities[i],
            "unit_price": usd(&cents(prices[i]))})).collect();
        let gross: u64 = prices.iter().zip(&quantities).map(|(p, q)| p * q).sum();
        let discount = gross * discount_pct / 100;
        let total = gross - discount + shipping;
        s.ok(json!({"type":"place_order","order_id":"SO-1","channel":"web","customer_id":"C1",
            "ship_to":{"name":"Ada","line1":"1 Main St","city":"Newark","postal_code":"07102","country":"US"},
            "lines": lines, "shipping_price": usd(&cents(shipping)), "discount": usd(&cents(discount))}));
        if total > 0 {
            s.ok(json!({"type":"record_payment","order_id":"SO-1","kind":"captured","amount":usd(&cents(total))}));
        }
        s.ok(json!({"type":"allocate","order_id":"SO-1"}));
        let ship: Vec<Value> = (0..3).map(|i| json!({"line_id": format!("{}", i + 1), "quantity": quantities[i]})).collect();
        s.ok(json!({"type":"ship","order_id":"SO-1","shipment_id":"P1","location_id":"W1","carrier":"UPS","lines":ship}));
        s.ok(json!({"type":"confirm_delivery","shipment_id":"P1"}));
        let mut rmas: Vec<String> = Vec::new();
        for step in steps {
            let rma = |i: usize| rmas.get(i % rmas.len().max(1)).cloned().unwrap_or_default();
            let _ = match step {
                Step::Request { line, units, reason, resolution } => {
                    let id = format!("R{}", rmas.len() + 1);
                    let r = s.run(json!({"type":"request_return","rma_id":id,"order_id":"SO-1",
                        "lines":[{"line_id": format!("{}", line + 1), "quantity": units, "reason": REASONS[reason]}],
                        "resolution": RESOLUTIONS[resolution]}));
                    if r.is_ok() { rmas.push(id); }
                    r.map(|_| ())
                }
                Step::Advance { rma: i, keep } => {
                    let id = rma(i);
                    match s.engine.rma(&id).map(|r| r.status) {
                        Ok(RmaStatus::Requested) => s.run(json!({"type":"authorize_return","rma_id":id})).map(|_| ()),
                        Ok(RmaStatus::Authorized) => s.run(json!({"type":"record_return_shipment","rma_id":id})).map(|_| ()),
                        Ok(RmaStatus::InTransit) => {
                            let r = s.engine.rma(&id).unwrap();
                            let lines: Vec<Value> = r.lines.iter().map(|l| json!({"line_id": l.line_id, "quantity": l.quantity.min(keep)})).collect();
                            s.run(json!({"type":"receive_return","rma_id":id,"location_id":"W1","lines":lines})).map(|_| ())
                        }
                        Ok(RmaStatus::Received) => {
                            let r = s.engine.rma(&id).unwrap();
                            let lines: Vec<Value> = r.lines.iter().filter(|l| l.received > 0).map(|l| json!({"line_id": l.line_id, "quantity": l.received,
                                "disposition": if keep % 2 == 0 { "restock" } else { "refurbish" }})).collect();
                            s.run(json!({"type":"inspect_return","rma_id":id,"lines":lines})).map(|_| ())
                        }
                        _ => Ok(()),
                    }
                }
                Step::Resolve { rma: i } => s.run(json!({"type":"resolve_return","rma_id":rma(i)})).map(|_| ()),
                Step::Pay { rma: i, cents: c } => {
                    let id = rma(i);
                    let owed = s.engine.rma(&id).map(|r| r.refund_outstanding()).unwrap_or_default();
                    let amount = Decimal::from(c) / Decimal::from(100);
                    let amount = if owed > Decimal::ZERO { amount.min(owed) } else { amount };
                    s.run(json!({"type":"record_payment","order_id":"SO-1","kind":"refunded","amount":usd(&amount.to_string()),"rma_id":id})).map(|_| ())
                }
                Step::Cancel { rma: i } => s.run(json!({"type":"cancel_return","rma_id":rma(i)})).map(|_| ()),
                Step::ManualRefund { cents: c } => s.run(json!({"type":"record_payment","order_id":"SO-1","kind":"refunded","amount":usd(&cents(c))})).map(|_| ()),
            };
            s.engine.check_invariants().unwrap();
        }
        let order = s.engine.order("SO-1").unwrap();
        prop_assert!(order.refunded.amount <= order.captured.amount);
        let mut owed = Decimal::ZERO;
        let mut restocked = 0u64;
        for r in s.engine.rmas(Some("SO-1")).unwrap() {
            if let Some(refund) = &r.refund {
                owed += refund.total.amount;
            }
            restocked += r.lines.iter().flat_map(|l| &l.dispositions).map(|d| d.quantity).sum::<u64>();
        }
        prop_assert!(owed <= order.captured.amount, "RMAs owe {owed} of {}", order.captured);
        for l in &order.lines {
            prop_assert!(l.returned + l.return_requested <= l.shipped);
        }
        let on_ledger: u64 = ["A", "B", "C"].iter().map(|sku| s.engine.stock(sku, "W1").unwrap().returned).sum();
        prop_assert_eq!(on_ledger, restocked);
        s.replays_and_restores();
    }
}
