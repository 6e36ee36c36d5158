//! KPIs over hand-built histories, every expected figure worked out by
//! hand in the comments; shards of a history merge into exactly the
//! figures of one run; facts outside the window are not counted.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use oms_core::kpi::{
    compute, merge, GroupBy, GroupedKpis, Kpi, KpiEvent, KpiKind, KpiLine, KpiLines, KpiReport,
    KpiUnit, Window, UNGROUPED,
};
use oms_core::kpi::{merge_grouped, Sharding};
use oms_core::purchasing::performance::supplier_performance;
use oms_core::{Event, EventKind};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// `hours` after 2026-11-01T00:00Z.
fn h(hours: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap() + Duration::hours(hours)
}

/// An event written directly: `body` with the version and time added.
fn ev(at: DateTime<Utc>, mut body: Value) -> Event {
    body["schema_version"] = json!(1);
    body["at"] = json!(at);
    Event::from_value(body).unwrap()
}

fn placed(at: DateTime<Utc>, id: &str, lines: &[(&str, &str, u64)], extra: Value) -> Event {
    let mut order = order_with(id, "web", lines, extra);
    order.as_object_mut().unwrap().remove("type");
    ev(at, json!({"type":"order_placed","order":order}))
}

fn shipped(at: DateTime<Utc>, id: &str, lines: &[(&str, u64)]) -> Event {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(l, q)| json!({"line_id": l, "quantity": q}))
        .collect();
    ev(
        at,
        json!({"type":"order_shipped","order_id":id,"shipment_id":format!("SH-{id}"),
            "location_id":"W1","carrier":"UPS","lines":lines}),
    )
}

fn status(at: DateTime<Utc>, id: &str, to: &str) -> Event {
    ev(
        at,
        json!({"type":"order_status_changed","order_id":id,"to":to}),
    )
}

fn return_requested(
    at: DateTime<Utc>,
    rma: &str,
    order: &str,
    lines: &[(&str, &str, u64, &str)],
) -> Event {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(l, sku, q, reason)| json!({"line_id":l,"sku":sku,"quantity":q,"reason":reason}))
        .collect();
    ev(
        at,
        json!({"type":"return_requested","rma":{"rma_id":rma,"order_id":order,"status":"requested",
            "resolution":"refund","lines":lines,"requested_at":at,"updated_at":at}}),
    )
}

fn return_received(at: DateTime<Utc>, rma: &str, order: &str, lines: &[(&str, u64)]) -> Event {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(l, q)| json!({"line_id": l, "quantity": q}))
        .collect();
    ev(
        at,
        json!({"type":"return_received","rma_id":rma,"order_id":order,"location_id":"W1","lines":lines}),
    )
}

fn d(v: &str) -> Decimal {
    v.parse().unwrap()
}

/// (numerator, denominator, value) of a figure.
fn nd(r: &KpiReport, name: &str, key: Option<&str>) -> (Decimal, Decimal, Option<Decimal>) {
    let k: &Kpi = r
        .get(name, key)
        .unwrap_or_else(|| panic!("no {name} {key:?} in {:#?}", r.kpis));
    (k.numerator, k.denominator, k.value)
}

fn ratio(num: u64, den: u64) -> (Decimal, Decimal, Option<Decimal>) {
    let (n, d) = (Decimal::from(num), Decimal::from(den));
    (n, d, (den > 0).then(|| n / d))
}

fn window() -> Window {
    Window::between(h(0), h(240)) // Nov 1 to Nov 11, ten days
}

/// A shop driven through the engine: three orders placed at minutes 101,
/// 102 and 103 after 08:00 on Nov 22; times are `t(minutes)`.
fn engine_history() -> Vec<Event> {
    let mut s = Shop::new(no_payment());
    s.receive("A", "W1", 10);
    s.clock = 100;
    // SO-1 (web): 2 A at 10.00, shipping 5.00, discount 1.00, ship by t(400).
    s.ok(order_with(
        "SO-1",
        "web",
        &[("1", "A", 2)],
        json!({"shipping_price":{"amount":"5.00","currency":"USD"},
            "discount":{"amount":"1.00","currency":"USD"},"ship_by":t(400)}),
    )); // t(101)
        // SO-2 (amazon): 3 A and 1 B; there is no B yet.
    s.ok(order_with(
        "SO-2",
        "amazon",
        &[("1", "A", 3), ("2", "B", 1)],
        json!({}),
    )); // t(102)
    s.ok(order("SO-3", &[("1", "A", 1)])); // t(103), web
    s.ok(json!({"type":"allocate"})); // t(104): SO-2's B backordered
    s.ok(json!({"type":"cancel_order","order_id":"SO-3","reason":"changed mind"})); // t(105)
    s.clock = 159;
    s.ok(
        json!({"type":"ship","order_id":"SO-1","shipment_id":"P1","location_id":"W1",
        "carrier":"UPS","lines":[{"line_id":"1","quantity":2}]}),
    ); // t(160)
    s.receive("B", "W1", 1); // t(161)
    s.ok(json!({"type":"allocate","order_id":"SO-2"})); // t(162)
    s.clock = 220;
    s.ok(
        json!({"type":"ship","order_id":"SO-2","shipment_id":"P2","location_id":"W1",
        "carrier":"UPS","lines":[{"line_id":"1","quantity":3},{"line_id":"2","quantity":1}]}),
    ); // t(221)
    s.clock = 1540;
    s.ok(json!({"type":"confirm_delivery","shipment_id":"P1"})); // t(1541)
    s.clock = 3001;
    s.ok(json!({"type":"confirm_delivery","shipment_id":"P2"})); // t(3002)
    assert_eq!(s.status("SO-2"), oms_core::OrderStatus::Delivered);
    s.log
}

#[test]
fn order_flow_through_the_engine() {
    let r = compute(&engine_history(), &Window::default());
    // Cycle (placed → shipped): SO-1 160 − 101 = 59 min = 0.983333 h,
    // SO-2 221 − 102 = 119 min = 1.983333 h (each rounded to 6 places).
    assert_eq!(nd(&r, "order_cycle_time", None).0, d("2.966666"));
    assert_eq!(nd(&r, "order_cycle_time", None).1, d("2"));
    assert_eq!(nd(&r, "order_cycle_time", None).2, Some(d("1.483333")));
    // p50: rank ⌈0.5·2⌉ = 1 → 59 min; p90: rank ⌈1.8⌉ = 2 → 119 min.
    let p50 = nd(&r, "order_cycle_time_p50", None);
    assert_eq!((p50.0, p50.1), (d("1"), d("2")));
    assert_eq!(p50.2, Some(Decimal::from(59) / Decimal::from(60)));
    let p90 = nd(&r, "order_cycle_time_p90", None);
    assert_eq!(
        (p90.0, p90.2),
        (d("2"), Some(Decimal::from(119) / Decimal::from(60)))
    );
    assert_eq!(r.histograms["order_cycle_time"], [(59, 1), (119, 1)].into());
    // Lead (placed → delivered): SO-1 1541 − 101 = 1440 min = 24 h,
    // SO-2 3002 − 102 = 2900 min = 48.333333 h: mean 36.1666665 h.
    let lead = nd(&r, "order_lead_time", None);
    assert_eq!((lead.0, lead.1), (d("72.333333"), d("2")));
    assert_eq!(lead.2, Some(d("36.1666665")));
    assert_eq!(nd(&r, "order_lead_time_p50", None).2, Some(d("24")));
    assert_eq!(
        nd(&r, "order_lead_time_p90", None).2,
        Some(Decimal::from(2900) / Decimal::from(60))
    );
    // Only SO-1 has a ship_by (t(400)), shipped at t(160): 1/1.
    assert_eq!(nd(&r, "on_time_shipment_rate", None), ratio(1, 1));
    // First allocations: SO-1 1 of 1 line, SO-2 1 of 2 (B backordered),
    // SO-3 1 of 1: lines 3/4; units 2 + 3 + 1 = 6 reserved of 2 + 4 + 1 = 7.
    assert_eq!(nd(&r, "fill_rate_lines", None), ratio(3, 4));
    assert_eq!(nd(&r, "fill_rate_units", None), ratio(6, 7));
    // Of the 3 orders placed, SO-2 was backordered, SO-3 cancelled.
    assert_eq!(nd(&r, "backorder_rate", None), ratio(1, 3));
    assert_eq!(nd(&r, "cancellation_rate", None), ratio(1, 3));
    // No picking events: lines shipped as ordered when the orders reached
    // `shipped`: SO-1's line, SO-2's two lines: 3/3.
    assert_eq!(
        nd(&r, "picking_accuracy", Some("shipped_lines")),
        ratio(3, 3)
    );
    assert!(r.get("picking_accuracy", Some("picks")).is_none());
    // Both delivered, no promises missed, no exceptions, no returns.
    assert_eq!(nd(&r, "perfect_order_rate", None), ratio(2, 2));
    // Channels: web SO-1 and SO-3, amazon SO-2.
    assert_eq!(nd(&r, "orders_by_channel", Some("web")), ratio(2, 1));
    assert_eq!(nd(&r, "orders_by_channel", Some("amazon")), ratio(1, 1));
    // web: SO-1 2 × 10.00 + 5.00 − 1.00 = 24.00, SO-3 10.00: 34.00;
    // amazon: 3 × 10.00 + 1 × 10.00 = 40.00.
    let web = r.get("sales_by_channel", Some("web")).unwrap();
    assert_eq!(web.currency.unwrap().as_str(), "USD");
    assert_eq!((web.numerator, web.denominator), (d("34.00"), d("1")));
    assert_eq!(web.unit, KpiUnit::Money);
    assert_eq!(nd(&r, "sales_by_channel", Some("amazon")).0, d("40.00"));
    // Deterministic order.
    let keys: Vec<_> = r
        .kpis
        .iter()
        .map(|k| (&k.name, &k.key, k.currency))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

/// Returns: the R- orders, window Nov 1 to Nov 11.
fn returns_history() -> Vec<Event> {
    vec![
        // R-1, placed before the window: 4 A and 2 B, shipped in it (6 units).
        placed(h(-24), "R-1", &[("1", "A", 4), ("2", "B", 2)], json!({})),
        placed(h(1), "R-2", &[("1", "A", 6)], json!({})),
        placed(h(2), "R-3", &[("1", "C", 5)], json!({})),
        placed(h(3), "R-4", &[("1", "B", 2)], json!({})),
        shipped(h(10), "R-1", &[("1", 4), ("2", 2)]),
        shipped(h(20), "R-2", &[("1", 6)]),  // 6 A
        shipped(h(300), "R-3", &[("1", 5)]), // after the window
        // R-4's 2 B shipped by a dropship supplier: shipped too.
        ev(
            h(30),
            json!({"type":"dropship_confirmed","po_id":"DS-R-4","order_id":"R-4","shipment_id":"SH-R-4",
                "carrier":"UPS","tracking_number":"1Z","lines":[{"line_id":"1","quantity":2}],"status":"received"}),
        ),
        return_requested(
            h(50),
            "RMA-1",
            "R-1",
            &[("1", "A", 2, "damaged"), ("2", "B", 1, "size_fit")],
        ),
        return_received(h(100), "RMA-1", "R-1", &[("1", 2), ("2", 1)]),
        return_requested(h(60), "RMA-2", "R-2", &[("1", "A", 1, "damaged")]),
        return_received(h(250), "RMA-2", "R-2", &[("1", 1)]), // after the window
        return_requested(h(61), "RMA-3", "R-2", &[("1", "A", 1, "defective")]),
        return_received(h(200), "RMA-3", "R-2", &[("1", 1)]),
    ]
}

#[test]
fn return_rates_in_total_by_reason_and_by_sku() {
    let r = compute(&returns_history(), &window());
    // Shipped in the window: R-1 6, R-2 6, R-4 2 (dropship) = 14; R-3 after.
    // Received back in it: RMA-1 2 A + 1 B, RMA-3 1 A = 4; RMA-2 after.
    assert_eq!(nd(&r, "return_rate", None), ratio(4, 14));
    assert_eq!(
        nd(&r, "return_rate_by_reason", Some("damaged")),
        ratio(2, 14)
    );
    assert_eq!(
        nd(&r, "return_rate_by_reason", Some("size_fit")),
        ratio(1, 14)
    );
    assert_eq!(
        nd(&r, "return_rate_by_reason", Some("defective")),
        ratio(1, 14)
    );
    assert_eq!(
        r.kpis
            .iter()
            .filter(|k| k.name == "return_rate_by_reason")
            .count(),
        3
    );
    // A: 4 + 6 shipped, 2 + 1 back; B: 2 + 2 shipped, 1 back; C none in the window.
    assert_eq!(nd(&r, "return_rate_by_sku", Some("A")), ratio(3, 10));
    assert_eq!(nd(&r, "return_rate_by_sku", Some("B")), ratio(1, 4));
    assert!(r.get("return_rate_by_sku", Some("C")).is_none());
    // Without RMA-3's request in the events, its unit's reason is unknown;
    // its SKU comes from the order line (A).
    let events: Vec<Event> = returns_history()
        .into_iter()
        .filter(|e| !matches!(&e.kind, EventKind::ReturnRequested { rma } if rma.rma_id.as_str() == "RMA-3"))
        .collect();
    let r = compute(&events, &window());
    assert_eq!(
        nd(&r, "return_rate_by_reason", Some("unknown")),
        ratio(1, 14)
    );
    assert!(r.get("return_rate_by_reason", Some("defective")).is_none());
    assert_eq!(nd(&r, "return_rate_by_sku", Some("A")), ratio(3, 10));
}

/// Picks: the K- orders, window Nov 1 to Nov 11.
fn picks_history() -> Vec<Event> {
    let pick = |at, stop: u32, line: &str| {
        ev(
            at,
            json!({"type":"pick_confirmed","task_id":"T1","stop":stop,"order_id":"K-1","line_id":line,"sku":"A","quantity":1}),
        )
    };
    vec![
        placed(
            h(1),
            "K-1",
            &[("1", "A", 1), ("2", "A", 1), ("3", "A", 1), ("4", "A", 1)],
            json!({}),
        ),
        pick(h(2), 0, "1"),
        ev(
            h(2),
            json!({"type":"pick_scan_rejected","task_id":"T1","stop":1,"sku":"A","scanned_code":"999"}),
        ),
        pick(h(3), 1, "2"),
        pick(h(4), 2, "3"),
        ev(
            h(5),
            json!({"type":"pick_shorted","task_id":"T1","stop":3,"order_id":"K-1","line_id":"4","sku":"A",
                "location_id":"W1","found":0,"missing":1,"released":1}),
        ),
        pick(h(500), 3, "4"), // after the window
    ]
}

#[test]
fn picking_accuracy_counts_pick_confirmations() {
    let r = compute(&picks_history(), &window());
    // In the window: 3 confirmed, 1 scan rejected, 1 shorted: 3/5.
    assert_eq!(nd(&r, "picking_accuracy", Some("picks")), ratio(3, 5));
    assert!(r.get("picking_accuracy", Some("shipped_lines")).is_none());
    // Over everything: 4 confirmed of 6.
    let all = compute(&picks_history(), &Window::default());
    assert_eq!(nd(&all, "picking_accuracy", Some("picks")), ratio(4, 6));
}

/// Deliveries: the P- orders, window Nov 1 to Nov 11.
fn perfect_history() -> Vec<Event> {
    vec![
        // P-1: promised for Nov 5, delivered Nov 4 (h 72): perfect.
        placed(
            h(-10),
            "P-1",
            &[("1", "A", 1)],
            json!({"deliver_by":"2026-11-05"}),
        ),
        status(h(20), "P-1", "shipped"),
        status(h(72), "P-1", "delivered"),
        // P-2: promised for Nov 2, delivered Nov 4: late.
        placed(
            h(1),
            "P-2",
            &[("1", "A", 1)],
            json!({"deliver_by":"2026-11-02"}),
        ),
        status(h(30), "P-2", "shipped"),
        status(h(80), "P-2", "delivered"),
        // P-3: ship by h 10, shipped h 5 (on time) but a shipment exception.
        placed(h(2), "P-3", &[("1", "A", 1)], json!({"ship_by":h(10)})),
        status(h(5), "P-3", "shipped"),
        ev(
            h(30),
            json!({"type":"shipment_exception","shipment_id":"SH-P-3","order_id":"P-3","customer_id":"C1"}),
        ),
        status(h(50), "P-3", "delivered"),
        // P-4: no promise, delivered h 60, a return requested after the window.
        placed(h(3), "P-4", &[("1", "A", 1)], json!({})),
        status(h(6), "P-4", "shipped"),
        status(h(60), "P-4", "delivered"),
        // P-5: ship by h 8, shipped h 9: late.
        placed(h(4), "P-5", &[("1", "A", 1)], json!({"ship_by":h(8)})),
        status(h(9), "P-5", "shipped"),
        status(h(70), "P-5", "delivered"),
        // P-6: delivered before the window; P-7 after it.
        placed(h(-100), "P-6", &[("1", "A", 1)], json!({})),
        status(h(-50), "P-6", "delivered"),
        placed(h(5), "P-7", &[("1", "A", 1)], json!({})),
        status(h(300), "P-7", "delivered"),
        return_requested(h(400), "RMA-P-4", "P-4", &[("1", "A", 1, "size_fit")]),
    ]
}

#[test]
fn perfect_orders_and_on_time_shipments() {
    let r = compute(&perfect_history(), &window());
    // First delivered in the window: P-1 … P-5; only P-1 is perfect.
    assert_eq!(nd(&r, "perfect_order_rate", None), ratio(1, 5));
    // Shipped in the window with a ship_by: P-3 (on time), P-5 (late).
    assert_eq!(nd(&r, "on_time_shipment_rate", None), ratio(1, 2));
    // Without the late return, P-4 is perfect too.
    let mut events = perfect_history();
    events.pop();
    assert_eq!(
        nd(&compute(&events, &window()), "perfect_order_rate", None),
        ratio(2, 5)
    );
}

/// Stock of A and B, the I- orders, window Nov 1 to Nov 11.
fn inventory_history() -> Vec<Event> {
    let received = |at, sku: &str, q: u64, damaged: u64| {
        ev(
            at,
            json!({"type":"stock_received","sku":sku,"location_id":"W1","quantity":q,"damaged":damaged}),
        )
    };
    let restocked = |at, q: u64, disposition: &str| {
        ev(
            at,
            json!({"type":"stock_restocked","rma_id":"RMA-X","sku":"A","location_id":"W1","quantity":q,"disposition":disposition}),
        )
    };
    vec![
        received(h(-120), "A", 100, 0), // day −5
        received(h(-1), "B", 12, 2),    // 10 on hand
        placed(h(-48), "I-1", &[("1", "A", 20)], json!({})),
        placed(h(-48), "I-2", &[("1", "A", 30)], json!({})),
        shipped(h(48), "I-1", &[("1", 20)]),  // day 2
        shipped(h(144), "I-2", &[("1", 30)]), // day 6
        ev(
            h(192),
            json!({"type":"stock_adjusted","sku":"A","location_id":"W1","delta":-10,"reason":"damaged"}),
        ), // day 8
        restocked(h(216), 5, "restock"),      // day 9
        restocked(h(216), 3, "refurbish"),    // not sellable: not on hand
        received(h(288), "A", 50, 0),         // day 12, after the window
    ]
}

#[test]
fn inventory_turnover_and_days_of_supply() {
    let r = compute(&inventory_history(), &window());
    // A on hand: 100 for days 0–2 (200), 80 for 2–6 (320), 50 for 6–8
    // (100), 40 for 8–9 (40), 45 for 9–10 (45): 705 unit-days; 50 shipped.
    // Turnover 50 × 10 days / 705; days of supply 45 × 10 / 50 = 9.
    assert_eq!(nd(&r, "inventory_turnover", Some("A")), ratio(500, 705));
    assert_eq!(
        nd(&r, "days_of_supply", Some("A")),
        (d("450"), d("50"), Some(d("9")))
    );
    assert_eq!(
        r.get("days_of_supply", Some("A")).unwrap().unit,
        KpiUnit::Days
    );
    // B: 12 received, 2 damaged: 10 on hand all along, nothing shipped.
    assert_eq!(nd(&r, "inventory_turnover", Some("B")), ratio(0, 100));
    assert_eq!(
        nd(&r, "days_of_supply", Some("B")),
        (d("100"), d("0"), None)
    );
    // Open window: day −5 (the first event) to day 12 (the last), 17 days:
    // A 100 × 7 + 80 × 4 + 50 × 2 + 40 + 45 × 3 + 95 × 0 = 1295 unit-days.
    let all = compute(&inventory_history(), &Window::default());
    assert_eq!(
        nd(&all, "inventory_turnover", Some("A")),
        ratio(50 * 17, 1295)
    );
    assert_eq!(nd(&all, "days_of_supply", Some("A")).0, d("1615")); // 95 × 17
}

/// Two POs to ACME: PO-2 done before Nov 5, PO-1 in Nov 5 – Dec 1.
fn po_history() -> Vec<Event> {
    let po = |at, id: &str, quantity: u64, expected: &str| {
        ev(
            at,
            json!({"type":"po_created","po":{"po_id":id,"supplier_id":"ACME","location_id":"W1","currency":"USD","status":"draft",
                "lines":[{"line_id":"1","sku":"A","quantity":quantity,"unit_cost":{"amount":"1","currency":"USD"},"expected_date":expected}]}}),
        )
    };
    let received = |at, id: &str, quantity: u64, damaged: u64, status: &str| {
        ev(
            at,
            json!({"type":"po_received","po_id":id,"receipt_id":format!("R-{id}-{quantity}"),"location_id":"W1",
                "lines":[{"line_id":"1","quantity":quantity,"damaged":damaged}],"status":status}),
        )
    };
    vec![
        po(h(-300), "PO-2", 5, "2026-10-30"),
        ev(h(-299), json!({"type":"po_sent","po_id":"PO-2"})),
        received(h(-160), "PO-2", 5, 0, "received"), // Oct 25: on time, done
        po(h(9), "PO-1", 10, "2026-11-08"),
        ev(h(10), json!({"type":"po_sent","po_id":"PO-1"})),
        received(h(183), "PO-1", 6, 0, "partially_received"), // Nov 8: on time
        received(h(231), "PO-1", 2, 1, "partially_received"), // Nov 10: late
        ev(
            h(255),
            json!({"type":"po_closed","po_id":"PO-1","cancelled":[{"line_id":"1","quantity":2}]}),
        ),
    ]
}

#[test]
fn supplier_figures_match_the_performance_module() {
    let events = po_history();
    let all = compute(&events, &Window::default());
    let p = &supplier_performance(&events)[0];
    // Everything: 11 of 13 units on time, 13 filled of 15 ordered.
    assert_eq!((p.on_time_units, p.received_units), (11, 13));
    assert_eq!((p.filled_units, p.ordered_units), (13, 15));
    assert_eq!(
        nd(&all, "supplier_on_time_rate", Some("ACME")),
        ratio(11, 13)
    );
    assert_eq!(nd(&all, "supplier_fill_rate", Some("ACME")), ratio(13, 15));
    // Nov 5 – Dec 1: receipts 6 on time + 2 late; PO-1 closed: 8 of 10.
    let nov = Window::between(h(96), h(720));
    let r = compute(&events, &nov);
    assert_eq!(nd(&r, "supplier_on_time_rate", Some("ACME")), ratio(6, 8));
    assert_eq!(nd(&r, "supplier_fill_rate", Some("ACME")), ratio(8, 10));
}

#[test]
fn facts_outside_the_window_are_not_counted() {
    let events = vec![
        // W-1: placed and shipped before the window, delivered in it.
        placed(h(-48), "W-1", &[("1", "A", 1)], json!({})),
        status(h(-24), "W-1", "shipped"),
        status(h(24), "W-1", "delivered"),
        // W-2: placed and shipped in the window, delivered after it.
        placed(h(10), "W-2", &[("1", "A", 1)], json!({})),
        status(h(20), "W-2", "shipped"),
        status(h(300), "W-2", "delivered"),
        // W-3: placed after it, and cancelled.
        placed(h(300), "W-3", &[("1", "A", 1)], json!({})),
        status(h(301), "W-3", "cancelled"),
    ];
    let r = compute(&events, &window());
    // Lead time: W-1 only (its placement read for context): 72 h.
    assert_eq!(
        nd(&r, "order_lead_time", None),
        (d("72"), d("1"), Some(d("72")))
    );
    assert_eq!(nd(&r, "order_lead_time_p50", None).2, Some(d("72")));
    // Cycle time: W-2 only: 10 h (W-1 shipped before the window).
    assert_eq!(
        nd(&r, "order_cycle_time", None),
        (d("10"), d("1"), Some(d("10")))
    );
    // Placed in the window: W-2 alone.
    assert_eq!(nd(&r, "orders_by_channel", Some("web")).0, d("1"));
    assert_eq!(nd(&r, "cancellation_rate", None), ratio(0, 1));
    assert_eq!(nd(&r, "perfect_order_rate", None), ratio(1, 1));
    // Over everything: 3 orders, 1 cancelled, 2 delivered.
    let all = compute(&events, &Window::default());
    assert_eq!(nd(&all, "orders_by_channel", Some("web")).0, d("3"));
    assert_eq!(nd(&all, "cancellation_rate", None), ratio(1, 3));
    assert_eq!(nd(&all, "order_lead_time", None).1, d("2"));
    // An empty window counts nothing.
    let none = compute(&events, &Window::between(h(1000), h(1001)));
    assert_eq!(nd(&none, "order_lead_time", None), (d("0"), d("0"), None));
    assert_eq!(
        nd(&none, "order_lead_time_p90", None),
        (d("0"), d("0"), None)
    );
}

/// The histories above, one after the other.
fn every_history() -> Vec<Event> {
    [
        engine_history(),
        returns_history(),
        picks_history(),
        perfect_history(),
        inventory_history(),
        po_history(),
    ]
    .concat()
}

#[test]
fn shards_by_order_merge_into_the_whole() {
    let events: Vec<Event> = every_history();
    // Nov 1 – Dec 1: the engine's day (Nov 22) included.
    let window = Window::between(h(0), h(720));
    let whole = compute(&events, &window);
    // Orders by the parity of their id's bytes; events of no order to shard 0.
    let shard = |e: &Event| {
        e.kind.order_id().map_or(0, |id| {
            id.as_str().bytes().map(usize::from).sum::<usize>() % 2
        })
    };
    let parts: Vec<Vec<&Event>> = (0..2)
        .map(|s| events.iter().filter(|e| shard(e) == s).collect())
        .collect();
    assert!(parts
        .iter()
        .all(|p| p.iter().any(|e| e.name() == "order_placed")));
    let reports: Vec<KpiReport> = parts
        .iter()
        .map(|p| compute(p.iter().copied(), &window))
        .collect();
    assert_ne!(reports[0], whole);
    let merged = merge(&reports);
    assert_eq!(merged.kpis.len(), whole.kpis.len());
    for (m, w) in merged.kpis.iter().zip(&whole.kpis) {
        assert_eq!(m, w, "{} {:?}", w.name, w.key);
        // Exactly the same decimals, not just equal values.
        assert_eq!(
            m.numerator.to_string(),
            w.numerator.to_string(),
            "{}",
            w.name
        );
        assert_eq!(
            m.denominator.to_string(),
            w.denominator.to_string(),
            "{}",
            w.name
        );
    }
    assert_eq!(merged, whole);
    // And merging a report alone changes nothing.
    assert_eq!(merge(std::slice::from_ref(&whole)), whole);
    // Serialized and read back, the report is the same.
    let json = serde_json::to_string(&whole).unwrap();
    assert_eq!(serde_json::from_str::<KpiReport>(&json).unwrap(), whole);
}

/// One line of a [`Columns`] row.
struct HeldLine {
    line_id: String,
    sku: Option<String>,
    quantity: u64,
    backordered: u64,
    reason: Option<oms_core::returns::ReturnReason>,
}

/// Lines held apart from their event, as a column of lists holds them.
#[derive(Clone, Copy)]
struct HeldLines<'a>(&'a [HeldLine]);

impl KpiLines for HeldLines<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn line(&self, i: usize) -> KpiLine<'_> {
        let l = &self.0[i];
        KpiLine {
            line_id: &l.line_id,
            sku: l.sku.as_deref(),
            quantity: l.quantity,
            backordered: l.backordered,
            reason: l.reason,
        }
    }
}

/// What a columnar events table keeps of an event's KPI fields: the
/// `KpiEvent` copied out, its lines as a list, its kind read back from
/// the type name alone.
struct Columns {
    at: DateTime<Utc>,
    kind: KpiKind,
    order_id: Option<String>,
    texts: [String; 4],
    status: Option<oms_core::order::OrderStatus>,
    total: Option<oms_core::money::Money>,
    ship_by: Option<DateTime<Utc>>,
    deliver_by: Option<chrono::NaiveDate>,
    units: Option<i64>,
    lines: Vec<HeldLine>,
}

impl Columns {
    fn of(e: &Event) -> Columns {
        let view = KpiEvent::of(e);
        let mut c = Columns {
            at: e.at,
            kind: KpiKind::of_type(e.name()),
            order_id: view.order_id().map(str::to_string),
            texts: Default::default(),
            status: None,
            total: None,
            ship_by: None,
            deliver_by: None,
            units: None,
            lines: Vec::new(),
        };
        let hold = |lines: &dyn KpiLines| -> Vec<HeldLine> {
            (0..lines.len())
                .map(|i| {
                    let l = lines.line(i);
                    HeldLine {
                        line_id: l.line_id.to_string(),
                        sku: l.sku.map(str::to_string),
                        quantity: l.quantity,
                        backordered: l.backordered,
                        reason: l.reason,
                    }
                })
                .collect()
        };
        match view {
            KpiEvent::OrderPlaced {
                channel,
                customer_id,
                country,
                total,
                ship_by,
                deliver_by,
                lines,
                ..
            } => {
                c.texts = [channel, customer_id, country, ""].map(str::to_string);
                (c.total, c.ship_by, c.deliver_by) = (total, ship_by, deliver_by);
                c.lines = hold(&lines);
            }
            KpiEvent::OrderAllocated { lines, .. }
            | KpiEvent::OrderShipped { lines, .. }
            | KpiEvent::LinesCancelled { lines, .. } => c.lines = hold(&lines),
            KpiEvent::ReturnRequested { rma_id, lines, .. }
            | KpiEvent::ReturnReceived { rma_id, lines, .. } => {
                c.texts[3] = rma_id.to_string();
                c.lines = hold(&lines);
            }
            KpiEvent::OrderStatusChanged { status, .. } => c.status = Some(status),
            KpiEvent::StockMoved { sku, units } => {
                c.texts[3] = sku.to_string();
                c.units = Some(units);
            }
            KpiEvent::ShipmentException { .. }
            | KpiEvent::Pick { .. }
            | KpiEvent::Whole(_)
            | KpiEvent::Other { .. } => {}
        }
        c
    }

    /// The `KpiEvent` read back from the columns (`whole`: the event, for
    /// the kinds read whole).
    fn view<'a>(&'a self, whole: &'a Event) -> KpiEvent<'a, HeldLines<'a>> {
        let order_id = self.order_id.as_deref().unwrap_or("");
        let lines = HeldLines(&self.lines);
        let [channel, customer_id, country, other] = &self.texts;
        match self.kind {
            KpiKind::OrderPlaced => KpiEvent::OrderPlaced {
                order_id,
                channel,
                customer_id,
                country,
                total: self.total,
                ship_by: self.ship_by,
                deliver_by: self.deliver_by,
                lines,
            },
            KpiKind::OrderAllocated => KpiEvent::OrderAllocated { order_id, lines },
            KpiKind::OrderShipped => KpiEvent::OrderShipped { order_id, lines },
            KpiKind::LinesCancelled => KpiEvent::LinesCancelled { order_id, lines },
            KpiKind::OrderStatusChanged => KpiEvent::OrderStatusChanged {
                order_id,
                status: self.status.unwrap(),
            },
            KpiKind::ShipmentException => KpiEvent::ShipmentException { order_id },
            KpiKind::ReturnRequested => KpiEvent::ReturnRequested {
                order_id,
                rma_id: other,
                lines,
            },
            KpiKind::ReturnReceived => KpiEvent::ReturnReceived {
                order_id,
                rma_id: other,
                lines,
            },
            KpiKind::StockMoved => match self.units {
                Some(units) => KpiEvent::StockMoved { sku: other, units },
                None => KpiEvent::Other { order_id: None },
            },
            KpiKind::PickConfirmed | KpiKind::PickMissed => KpiEvent::Pick {
                order_id: self.order_id.as_deref(),
                accurate: self.kind == KpiKind::PickConfirmed,
            },
            KpiKind::Whole => KpiEvent::Whole(whole),
            KpiKind::Other => KpiEvent::Other {
                order_id: self.order_id.as_deref(),
            },
        }
    }
}

#[test]
fn kpis_from_event_fields_held_apart_equal_kpis_from_events() {
    let events: Vec<Event> = every_history();
    let mut kinds = std::collections::BTreeSet::new();
    for e in &events {
        let (by_type, by_event) = (KpiKind::of_type(e.name()), KpiEvent::of(e).kind());
        let restocked_elsewhere = e.name() == "stock_restocked" && by_event == KpiKind::Other;
        assert!(by_type == by_event || restocked_elsewhere, "{}", e.name());
        kinds.insert(format!("{by_event:?}"));
    }
    // Every kind appears in these histories.
    assert_eq!(kinds.len(), 13, "{kinds:?}");
    let columns: Vec<Columns> = events.iter().map(Columns::of).collect();
    for window in [
        Window::between(h(0), h(720)),
        Window::between(h(30), h(200)),
        Window::default(),
    ] {
        for by in [
            vec![],
            vec![GroupBy::Channel],
            vec![GroupBy::CustomerId, GroupBy::Country],
        ] {
            let mut from_events = GroupedKpis::new(window, by.clone());
            let mut from_columns = GroupedKpis::new(window, by.clone());
            for (e, c) in events.iter().zip(&columns) {
                from_events.push(e);
                from_columns.push_view(c.at, c.view(e));
            }
            assert_eq!(
                from_columns.finish(),
                from_events.finish(),
                "{window:?} {by:?}"
            );
        }
    }
    let whole = compute(&events, &Window::default());
    let mut acc = oms_core::kpi::KpiAccumulator::new(Window::default());
    for (e, c) in events.iter().zip(&columns) {
        acc.push_view(c.at, c.view(e));
    }
    assert_eq!(acc.finish(), whole);
}

#[test]
fn grouped_reports_are_the_reports_of_each_groups_events() {
    let mut events: Vec<Event> = every_history();
    // Orders placed before this history: their events go to the group of
    // absent values.
    let mut dropped = 0;
    events.retain(|e| {
        let drop = e.name() == "order_placed" && dropped < 2;
        dropped += usize::from(drop);
        !drop
    });
    assert_eq!(dropped, 2);
    for by in [
        vec![GroupBy::Channel],
        vec![GroupBy::CustomerId, GroupBy::Country],
    ] {
        // Each order's group: its placement's values, or absent values
        // when another of its events came first.
        let mut group: BTreeMap<String, Vec<Option<String>>> = BTreeMap::new();
        for e in &events {
            let Some(id) = e.kind.order_id() else {
                continue;
            };
            group
                .entry(id.to_string())
                .or_insert_with(|| match &e.kind {
                    EventKind::OrderPlaced { order, .. } => by
                        .iter()
                        .map(|b| {
                            Some(match b {
                                GroupBy::Channel => order.channel.to_string(),
                                GroupBy::CustomerId => order.customer_id.to_string(),
                                GroupBy::Country => order.ship_to.country().to_string(),
                            })
                        })
                        .collect(),
                    _ => vec![None; by.len()],
                });
        }
        let keys: BTreeSet<&Vec<Option<String>>> = group.values().collect();
        assert!(
            keys.contains(&vec![None; by.len()]) && keys.len() >= 2,
            "{keys:?}"
        );
        for window in [Window::between(h(0), h(720)), Window::default()] {
            let mut grouped = GroupedKpis::new(window, by.clone());
            events.iter().for_each(|e| grouped.push(e));
            let reports = grouped.finish();
            let mut expected: Vec<(Vec<Option<String>>, KpiReport)> = keys
                .iter()
                .map(|&key| {
                    let of_group = events.iter().filter(|e| {
                        e.kind
                            .order_id()
                            .is_some_and(|id| group[id.as_str()] == *key)
                    });
                    let mut r = compute(of_group, &window);
                    r.kpis.retain(|k| !UNGROUPED.contains(&k.name.as_str()));
                    (key.clone(), r)
                })
                .collect();
            let mut all = compute(&events, &window);
            all.kpis.retain(|k| UNGROUPED.contains(&k.name.as_str()));
            all.histograms.clear();
            expected.push((vec![None; by.len()], all));
            assert_eq!(reports, expected, "{by:?} {window:?}");
        }
    }
}

#[test]
fn shards_by_order_merge_exactly_grouped_and_with_open_windows() {
    let mut events: Vec<Event> = every_history();
    // An order whose placement is not in the history.
    let first_placed = events
        .iter()
        .position(|e| e.name() == "order_placed")
        .unwrap();
    events.remove(first_placed);
    let (first, last) = (events[0].at, events[events.len() - 1].at);
    for shards in [2, 3] {
        let mut sharding = Sharding::new(shards);
        for e in &events {
            let view = KpiEvent::of(e);
            if view.kind() == KpiKind::Whole {
                if let Some(id) = view.order_id() {
                    sharding.pin(id);
                }
            }
        }
        let shard_of = |e: &Event| {
            let view = KpiEvent::of(e);
            sharding.shard(view.kind(), view.order_id())
        };
        assert!((0..shards).all(|s| events.iter().any(|e| shard_of(e) == s)));
        for by in [
            vec![],
            vec![GroupBy::Channel],
            vec![GroupBy::CustomerId, GroupBy::Country],
        ] {
            for window in [
                Window::between(h(0), h(720)),
                Window::default(),
                Window {
                    from: Some(h(30)),
                    to: None,
                },
                Window {
                    from: None,
                    to: Some(h(200)),
                },
            ] {
                let mut whole = GroupedKpis::new(window, by.clone());
                events.iter().for_each(|e| whole.push(e));
                let parts = (0..shards)
                    .map(|s| {
                        let mut part = GroupedKpis::new(window, by.clone());
                        part.set_span(first, last);
                        events
                            .iter()
                            .filter(|e| shard_of(e) == s)
                            .for_each(|e| part.push(e));
                        part.finish()
                    })
                    .collect();
                let merged = merge_grouped(parts);
                assert_eq!(merged, whole.finish(), "{shards} {by:?} {window:?}");
            }
        }
    }
}
