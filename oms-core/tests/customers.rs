//! Customers: the view derived from their orders, tier rules that make
//! them VIP (allocated just after rush orders), and milestone gifts.

mod common;

use common::*;
use oms_core::{CustomerTier, ErrorCode, EventKind};
use serde_json::json;

fn priced(id: &str, customer: &str, sku: &str, quantity: u64, price: &str) -> serde_json::Value {
    let mut o = order_with(id, "web", &[("1", sku, quantity)], json!({}));
    o["customer_id"] = json!(customer);
    o["lines"][0]["unit_price"]["amount"] = json!(price);
    o
}

#[test]
fn the_view_adds_up_the_customers_orders() {
    let mut s = Shop::new(json!({"require_payment": false}));
    s.receive("A", "W1", 10);
    // 2 × 10.00, 1 × 30.00, and an order cancelled whole.
    s.ok(priced("SO-1", "C1", "A", 2, "10.00"));
    s.ok(priced("SO-2", "C1", "A", 1, "30.00"));
    s.ok(priced("SO-3", "C1", "A", 1, "99.00"));
    s.ok(json!({"type":"cancel_order","order_id":"SO-3","reason":"asked"}));
    s.ok(json!({"type":"record_payment","order_id":"SO-2","kind":"captured","amount":{"amount":"30.00","currency":"USD"}}));
    s.ok(json!({"type":"record_payment","order_id":"SO-2","kind":"refunded","amount":{"amount":"6.00","currency":"USD"}}));
    s.ok(json!({"type":"allocate","order_id":"SO-1"}));
    s.ok(json!({"type":"ship","order_id":"SO-1","shipment_id":"P1","location_id":"W1","carrier":"UPS",
        "lines":[{"line_id":"1","quantity":2}]}));
    s.ok(json!({"type":"confirm_delivery","shipment_id":"P1"}));
    s.ok(
        json!({"type":"request_return","rma_id":"R1","order_id":"SO-1","resolution":"refund",
        "lines":[{"line_id":"1","quantity":1,"reason":"size_fit"}]}),
    );
    s.ok(json!({"type":"authorize_return","rma_id":"R1"}));
    s.ok(json!({"type":"record_return_shipment","rma_id":"R1"}));
    s.ok(json!({"type":"receive_return","rma_id":"R1","location_id":"W1"}));
    // 60 days after the first order.
    let first = s.engine.order("SO-1").unwrap().placed_at;
    let at = first + chrono::Duration::days(60);
    let c = s.engine.customer("C1", at).unwrap();
    assert_eq!((c.orders, c.cancelled_orders), (2, 1));
    // 20.00 + (30.00 - 6.00 refunded) = 44.00, over 2 orders 22.00.
    assert_eq!(c.lifetime_spend[0].amount.to_string(), "44.00");
    assert_eq!(c.average_order_value[0].amount.to_string(), "22.00");
    // 2 orders in 60 days: one per 30 days.
    assert!((c.purchase_frequency.unwrap() - 1.0).abs() < 1e-9);
    assert_eq!((c.units_shipped, c.units_returned), (2, 1));
    assert_eq!(c.return_rate, Some(0.5));
    assert_eq!(c.first_order_at, Some(first));
    assert_eq!(
        s.engine.customer("NOBODY", at).unwrap_err().code(),
        ErrorCode::NotFound
    );
}

#[test]
fn a_customer_past_the_tier_rule_is_allocated_before_older_standard_orders() {
    let mut s = Shop::new(json!({"require_payment": false,
        "customer_tiers": [{"tier": "vip", "min_lifetime_spend": {"amount": "100.00", "currency": "USD"}}]}));
    s.ok(priced("SO-1", "BIG", "B", 1, "150.00"));
    s.ok(priced("SO-2", "NEW", "A", 1, "10.00"));
    // BIG has spent 150.00: their next order is VIP.
    let events = s.ok(priced("SO-3", "BIG", "A", 1, "10.00"));
    let EventKind::OrderPlaced {
        order,
        tier_from_rules,
        ..
    } = &events[0].kind
    else {
        panic!()
    };
    assert!(*tier_from_rules);
    assert_eq!(order.customer_tier, CustomerTier::Vip);
    assert_eq!(
        s.engine.order("SO-3").unwrap().customer_tier,
        CustomerTier::Vip
    );
    // Redelivering the command as sent is recognized.
    assert!(s.ok(priced("SO-3", "BIG", "A", 1, "10.00")).is_empty());
    // One unit of A: the VIP order gets it, though SO-2 is older.
    s.receive("A", "W1", 1);
    s.ok(json!({"type":"allocate"}));
    assert_eq!(s.engine.order("SO-3").unwrap().lines[0].allocated, 1);
    assert_eq!(s.engine.order("SO-2").unwrap().lines[0].allocated, 0);
    assert_eq!(
        s.engine.customer("BIG", t(100)).unwrap().tier,
        CustomerTier::Vip
    );
    s.replays_and_restores();
}

#[test]
fn a_milestone_earns_one_free_gift_on_the_next_order() {
    let mut s = Shop::new(json!({"require_payment": false,
        "milestones": [{"milestone_id": "50", "lifetime_spend": {"amount": "50.00", "currency": "USD"}, "gift_sku": "C"}]}));
    s.ok(priced("SO-1", "C1", "A", 3, "10.00"));
    // 30.00 so far: no gift yet.
    assert_eq!(s.engine.order("SO-1").unwrap().lines.len(), 1);
    s.ok(priced("SO-2", "C1", "A", 3, "10.00"));
    assert_eq!(s.engine.order("SO-2").unwrap().lines.len(), 1);
    // 60.00 now: the next order carries the gift, at no charge.
    s.ok(priced("SO-3", "C1", "A", 1, "10.00"));
    let o = s.engine.order("SO-3").unwrap();
    assert_eq!(o.lines.len(), 2);
    assert_eq!(o.lines[1].line_id.as_str(), "gift-50");
    assert_eq!(o.lines[1].sku.as_str(), "C");
    assert!(o.lines[1].unit_price.amount.is_zero());
    assert_eq!(o.total.amount.to_string(), "10.00");
    // Redelivery is still a no-op; the next order gets no second gift.
    assert!(s.ok(priced("SO-3", "C1", "A", 1, "10.00")).is_empty());
    s.ok(priced("SO-4", "C1", "A", 1, "10.00"));
    assert_eq!(s.engine.order("SO-4").unwrap().lines.len(), 1);
    assert_eq!(s.engine.customer("C1", t(100)).unwrap().milestones, ["50"]);
    s.replays_and_restores();
}

#[test]
fn rules_are_checked() {
    let bad = [
        json!({"customer_tiers": [{"tier": "vip"}]}),
        json!({"milestones": [{"milestone_id": "m", "lifetime_spend": {"amount": "0", "currency": "USD"}, "gift_sku": "C"}]}),
        json!({"milestones": [
            {"milestone_id": "m", "lifetime_spend": {"amount": "1", "currency": "USD"}, "gift_sku": "C"},
            {"milestone_id": "m", "lifetime_spend": {"amount": "2", "currency": "USD"}, "gift_sku": "C"}]}),
    ];
    for config in bad {
        assert!(
            oms_core::Config::from_value(config.clone()).is_err(),
            "{config}"
        );
    }
}
