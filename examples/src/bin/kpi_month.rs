//! A month of a small web shop, driven through `oms-core`, then the KPI
//! report computed from its event log alone.
//!
//! ```text
//! cargo run -p oms-examples --bin kpi_month [-- --json]
//! ```
//!
//! Every day customers place orders (some cancel), the shop allocates,
//! ships the next day and carriers deliver two to four days later; a few
//! customers return units (refunded, exchanged or credited), which are
//! received, inspected, restocked and paid out. Frequent customers become
//! VIP, and a spend milestone earns a sticker. A seeded generator makes
//! every run identical. With `--json` the report prints as JSON (the
//! Python chart example reads it).

use std::collections::BTreeMap;
use std::process::ExitCode;

use chrono::{DateTime, Duration, TimeZone, Utc};
use oms_core::kpi::{self, Window};
use oms_core::{Command, Config, Engine, Event, OrderStatus};
use serde_json::{json, Value};

/// A small, seeded linear congruential generator: the same month every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

struct Shop {
    engine: Engine,
    log: Vec<Event>,
}

impl Shop {
    fn run(&mut self, at: DateTime<Utc>, command: Value) -> Vec<Event> {
        let text = command.to_string();
        let command = Command::from_value(command).unwrap_or_else(|e| panic!("{text}: {e}"));
        let events = self
            .engine
            .execute(command, at)
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        self.log.extend(events.iter().cloned());
        events
    }
}

const PRODUCTS: [(&str, &str); 6] = [
    ("TEE", "19.00"),
    ("HOODIE", "49.00"),
    ("CAP", "15.00"),
    ("MUG", "12.00"),
    ("POSTER", "25.00"),
    ("SOCKS", "9.00"),
];

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 8, 0, 0).unwrap()
}

fn usd(amount: &str) -> Value {
    json!({"amount": amount, "currency": "USD"})
}

fn main() -> ExitCode {
    let as_json = std::env::args().any(|a| a == "--json");
    let config = Config::from_value(json!({
        "require_payment": false,
        "returns": {"window_days": 30, "restocking_fee_percent": {"no_longer_needed": 10}},
        "customer_tiers": [{"tier": "vip", "min_lifetime_spend": usd("900.00")}],
        "milestones": [{"milestone_id": "150", "lifetime_spend": usd("150.00"), "gift_sku": "STICKER"}],
    }))
    .expect("a valid config");
    let mut shop = Shop {
        engine: Engine::new(config),
        log: Vec::new(),
    };
    let mut rng = Rng(2026);
    let t0 = start();
    for (id, lat, lon) in [("EAST", 40.7, -74.0), ("WEST", 34.0, -118.2)] {
        shop.run(
            t0,
            json!({"type":"define_location","location_id":id,"name":id,"kind":"warehouse","lat":lat,"lon":lon}),
        );
    }
    for (sku, price) in PRODUCTS {
        shop.run(
            t0,
            json!({"type":"define_product","sku":sku,"name":sku,"price":usd(price)}),
        );
    }
    shop.run(
        t0,
        json!({"type":"define_product","sku":"STICKER","name":"Sticker","price":usd("0.00")}),
    );
    let mut placed = 0u32;
    let mut rmas = 0u32;
    // Shipments to deliver on a day; RMAs and the day of their next step.
    let mut deliveries: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let mut returns: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for day in 0..30i64 {
        let at = |h: i64| t0 + Duration::days(day) + Duration::hours(h);
        // Weekly deliveries from the suppliers.
        if day % 7 == 0 {
            for (sku, _) in PRODUCTS.iter().chain([("STICKER", "")].iter()) {
                for loc in ["EAST", "WEST"] {
                    let quantity = 30 + rng.below(30);
                    shop.run(
                        at(0),
                        json!({"type":"receive_stock","sku":sku,"location_id":loc,"quantity":quantity}),
                    );
                }
            }
        }
        // Orders: 15 to 30 a day from 60 customers, over two channels.
        for _ in 0..15 + rng.below(16) {
            placed += 1;
            let id = format!("SO-{placed:04}");
            // One to three different products.
            let first = rng.below(6) as usize;
            let lines: Vec<Value> = (0..1 + rng.below(3) as usize)
                .map(|i| {
                    let (sku, price) = PRODUCTS[(first + i) % 6];
                    json!({"line_id": (i + 1).to_string(), "sku": sku,
                        "quantity": 1 + rng.below(2), "unit_price": usd(price)})
                })
                .collect();
            let channel = if rng.chance(70) { "web" } else { "marketplace" };
            let ship_by = at(8) + Duration::days(1);
            shop.run(
                at(1 + rng.below(8) as i64),
                json!({"type":"place_order","order_id":id,"channel":channel,
                    "customer_id": format!("C{:02}", rng.below(60)),
                    "ship_to":{"name":"Customer","line1":"1 Main St","city":"Newark","postal_code":"07102","country":"US","lat":40.7,"lon":-74.2},
                    "lines": lines, "shipping_price": usd("4.95"),
                    "ship_by": ship_by.to_rfc3339(),
                    "deliver_by": (ship_by + Duration::days(4)).date_naive().to_string()}),
            );
            shop.run(
                at(9),
                json!({"type":"record_payment","order_id":id,"kind":"captured",
                    "amount": shop.engine.order(&id).expect("just placed").total}),
            );
            if rng.chance(3) {
                shop.run(
                    at(9),
                    json!({"type":"cancel_order","order_id":id,"reason":"changed mind"}),
                );
            }
        }
        shop.run(at(10), json!({"type":"allocate"}));
        // Yesterday's allocated orders ship today, from each location they are reserved at.
        let ready: Vec<_> = shop
            .engine
            .orders(None)
            .into_iter()
            .filter(|o| matches!(o.status, OrderStatus::Allocated | OrderStatus::Backordered))
            .filter(|o| o.placed_at < at(0))
            .collect();
        for o in ready {
            let mut by_location: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for l in &o.lines {
                for a in &l.allocations {
                    by_location
                        .entry(a.location_id.to_string())
                        .or_default()
                        .push(json!({"line_id": l.line_id, "quantity": a.quantity}));
                }
            }
            for (n, (loc, lines)) in by_location.into_iter().enumerate() {
                let shipment = format!("{}-P{}", o.order_id, n + 1);
                // Most leave before the cutoff; a few miss it by a day.
                let when = if rng.chance(90) { at(7) } else { at(30) };
                shop.run(
                    when,
                    json!({"type":"ship","order_id":o.order_id,"shipment_id":shipment,
                        "location_id":loc,"carrier":"UPS","lines":lines}),
                );
                deliveries
                    .entry(day + 2 + rng.below(3) as i64)
                    .or_default()
                    .push(shipment);
            }
        }
        for shipment in deliveries.remove(&day).unwrap_or_default() {
            shop.run(
                at(12),
                json!({"type":"confirm_delivery","shipment_id":shipment}),
            );
            let order_id = shop
                .engine
                .shipment(&shipment)
                .map(|s| s.order_id.to_string())
                .unwrap_or_default();
            // About one delivery in twelve comes back, in part.
            if !rng.chance(8) {
                continue;
            }
            let Ok(order) = shop.engine.order(&order_id) else {
                continue;
            };
            let Some(line) = order.lines.iter().find(|l| l.delivered > l.returned) else {
                continue;
            };
            rmas += 1;
            let rma = format!("RMA-{rmas:03}");
            let reasons = [
                "size_fit",
                "no_longer_needed",
                "damaged",
                "defective",
                "not_as_described",
            ];
            let resolution = match rng.below(10) {
                0..=6 => "refund",
                7 | 8 => "exchange",
                _ => "store_credit",
            };
            shop.run(
                at(13),
                json!({"type":"request_return","rma_id":rma,"order_id":order_id,"resolution":resolution,
                    "lines":[{"line_id": line.line_id, "quantity": 1,
                        "reason": reasons[rng.below(5) as usize]}]}),
            );
            shop.run(at(14), json!({"type":"authorize_return","rma_id":rma}));
            returns.entry(day + 1).or_default().push(rma);
        }
        for rma in returns.remove(&day).unwrap_or_default() {
            let Ok(r) = shop.engine.rma(&rma) else {
                continue;
            };
            match r.status {
                oms_core::returns::RmaStatus::Authorized => {
                    shop.run(
                        at(11),
                        json!({"type":"record_return_shipment","rma_id":rma,"carrier":"UPS"}),
                    );
                    returns.entry(day + 3).or_default().push(rma);
                }
                oms_core::returns::RmaStatus::InTransit => {
                    shop.run(
                        at(11),
                        json!({"type":"receive_return","rma_id":rma,"location_id":"EAST"}),
                    );
                    let disposition = match r.lines[0].reason {
                        oms_core::returns::ReturnReason::Damaged
                        | oms_core::returns::ReturnReason::Defective => "scrap",
                        _ if rng.chance(15) => "refurbish",
                        _ => "restock",
                    };
                    let lines: Vec<Value> = r
                        .lines
                        .iter()
                        .map(|l| json!({"line_id": l.line_id, "quantity": l.quantity, "disposition": disposition}))
                        .collect();
                    shop.run(
                        at(12),
                        json!({"type":"inspect_return","rma_id":rma,"lines":lines}),
                    );
                    shop.run(at(12), json!({"type":"resolve_return","rma_id":rma}));
                    let owed = shop
                        .engine
                        .rma(&rma)
                        .map(|r| r.refund_outstanding())
                        .unwrap_or_default();
                    if owed > rust_decimal::Decimal::ZERO {
                        shop.run(
                            at(15),
                            json!({"type":"record_payment","order_id":r.order_id,"kind":"refunded",
                                "amount": usd(&owed.to_string()),"rma_id":rma}),
                        );
                    }
                    shop.run(at(16), json!({"type":"close_return","rma_id":rma}));
                }
                _ => {}
            }
        }
    }

    let window = Window {
        from: Some(t0),
        to: Some(t0 + Duration::days(30)),
    };
    let report = kpi::compute(&shop.log, &window);
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        println!(
            "A month of a small web shop: {} events, {placed} orders, {rmas} RMAs\n",
            shop.log.len()
        );
        println!(
            "{:<28} {:<16} {:>14} {:>14} {:>12}",
            "KPI", "key", "numerator", "denominator", "value"
        );
        for k in &report.kpis {
            let key = match (&k.key, &k.currency) {
                (Some(key), Some(c)) => format!("{key} {c}"),
                (Some(key), None) => key.clone(),
                (None, Some(c)) => c.to_string(),
                (None, None) => String::new(),
            };
            let value = k
                .value
                .map_or("-".to_string(), |v| v.round_dp(4).to_string());
            println!(
                "{:<28} {:<16} {:>14} {:>14} {:>12}",
                k.name,
                key,
                k.numerator.round_dp(2),
                k.denominator.round_dp(2),
                value
            );
        }
        let vips = (0..60)
            .filter_map(|c| {
                shop.engine
                    .customer(&format!("C{c:02}"), window.to.unwrap_or(t0))
                    .ok()
            })
            .filter(|c| c.tier == oms_core::CustomerTier::Vip)
            .count();
        println!("\nVIP customers at month end: {vips}");
    }

    // The log alone rebuilds the same engine, and the invariants hold.
    let replayed =
        Engine::replay(shop.engine.config().clone(), &shop.log).expect("the log replays");
    if replayed.snapshot() != shop.engine.snapshot() {
        eprintln!("replay differs from the live engine");
        return ExitCode::FAILURE;
    }
    if let Err(e) = shop.engine.check_invariants() {
        eprintln!("invariant broken: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
