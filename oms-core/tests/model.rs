//! Model-based property tests: random sequences of valid and invalid
//! commands, checked after every step against a simple reference model of
//! the stock ledger and against the engine's own invariants.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use oms_core::{Command, Config, Engine, Event};
use proptest::prelude::*;
use serde_json::{json, Value};

const LOCATIONS: [&str; 3] = ["W1", "W2", "S1"];
const SKUS: [&str; 4] = ["A", "B", "C", "D"];
/// A kit of 2×A + 1×B.
const KIT: &str = "KIT";

fn at(step: usize) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(step as i64)
}

#[derive(Debug, Clone)]
enum Op {
    Receive(usize, usize, u64),
    Adjust(usize, usize, i64),
    Count(usize, usize, u64),
    Safety(usize, usize, u64),
    Place(u8, Vec<(usize, u64)>, bool),
    Pay(u8, &'static str, u32),
    /// Captures exactly the order's total (read from the engine's state).
    PayTotal(u8),
    Hold(u8, bool),
    Allocate(Option<u8>),
    Ship(u8, usize, usize, u64, u8),
    /// Ships part or all of what is allocated for an order (chosen from the engine's state).
    ShipAllocated(u8, usize, u64, u8),
    Deliver(u8),
    CancelOrder(u8),
    CancelLine(u8, usize, u64),
    Garbage(u8),
}

fn sku_name(i: usize) -> &'static str {
    if i < SKUS.len() {
        SKUS[i]
    } else {
        KIT
    }
}

fn op() -> impl Strategy<Value = Op> {
    let loc = 0..LOCATIONS.len();
    let sku = 0..SKUS.len() + 1; // the last index is the kit
    prop_oneof![
        3 => (sku.clone(), loc.clone(), 0..20u64).prop_map(|(s, l, q)| Op::Receive(s, l, q)),
        1 => (sku.clone(), loc.clone(), -6..4i64).prop_map(|(s, l, d)| Op::Adjust(s, l, d)),
        1 => (sku.clone(), loc.clone(), 0..10u64).prop_map(|(s, l, c)| Op::Count(s, l, c)),
        1 => (sku.clone(), loc.clone(), 0..3u64).prop_map(|(s, l, q)| Op::Safety(s, l, q)),
        4 => (0..4u8, prop::collection::vec((sku.clone(), prop_oneof![1 => Just(0u64), 9 => 1..5u64]), 1..4), any::<bool>())
            .prop_map(|(o, lines, rush)| Op::Place(o, lines, rush)),
        2 => (0..4u8, prop::sample::select(vec!["authorized", "captured", "failed", "refunded"]), 0..120u32)
            .prop_map(|(o, k, a)| Op::Pay(o, k, a)),
        3 => (0..4u8).prop_map(Op::PayTotal),
        1 => (0..4u8, any::<bool>()).prop_map(|(o, p)| Op::Hold(o, p)),
        3 => prop::option::of(0..4u8).prop_map(Op::Allocate),
        3 => (0..4u8, 0..4usize, loc.clone(), 0..4u64, 0..6u8).prop_map(|(o, l, w, q, s)| Op::Ship(o, l, w, q, s)),
        4 => (0..4u8, 0..4usize, 1..5u64, 0..6u8).prop_map(|(o, l, f, s)| Op::ShipAllocated(o, l, f, s)),
        2 => (0..6u8).prop_map(Op::Deliver),
        1 => (0..4u8).prop_map(Op::CancelOrder),
        1 => (0..4u8, 0..4usize, 0..4u64).prop_map(|(o, l, q)| Op::CancelLine(o, l, q)),
        1 => (0..6u8).prop_map(Op::Garbage),
    ]
}

/// Turns an op into a command; `ShipAllocated` looks at the engine to find
/// something shippable (the rest are state-independent).
fn command(op: &Op, engine: &Engine) -> Value {
    if let Op::ShipAllocated(o, l, frac, s) = op {
        let order_id = format!("O{o}");
        if let Ok(order) = engine.order(&order_id) {
            let lines: Vec<_> = order.lines.iter().filter(|l| l.allocated > 0).collect();
            if !lines.is_empty() {
                let line = lines[l % lines.len()];
                let a = &line.allocations[0];
                let q = (a.quantity * frac / 4).max(1);
                return json!({"type":"ship","order_id":order_id,"shipment_id":format!("S{s}"),
                    "location_id":a.location_id,"carrier":"UPS",
                    "lines":[{"line_id":line.line_id,"quantity":q}]});
            }
        }
        return json!({"type":"ship","order_id":order_id,"shipment_id":format!("S{s}"),
            "location_id":"W1","carrier":"UPS","lines":[{"line_id":"L0","quantity":1}]});
    }
    if let Op::PayTotal(o) = op {
        let order_id = format!("O{o}");
        let total = engine
            .order(&order_id)
            .map_or("1".to_string(), |v| v.total.amount.to_string());
        return json!({"type":"record_payment","order_id":order_id,"kind":"captured","amount":{"amount":total,"currency":"USD"}});
    }
    match op {
        Op::Receive(s, l, q) => {
            json!({"type":"receive_stock","sku":sku_name(*s),"location_id":LOCATIONS[*l],"quantity":q})
        }
        Op::Adjust(s, l, d) => {
            json!({"type":"adjust_stock","sku":sku_name(*s),"location_id":LOCATIONS[*l],"delta":d,"reason":"correction"})
        }
        Op::Count(s, l, c) => {
            json!({"type":"count_stock","sku":sku_name(*s),"location_id":LOCATIONS[*l],"counted":c})
        }
        Op::Safety(s, l, q) => {
            json!({"type":"set_safety_stock","sku":sku_name(*s),"location_id":LOCATIONS[*l],"quantity":q})
        }
        Op::Place(o, lines, rush) => json!({
            "type":"place_order","order_id":format!("O{o}"),"channel":"web","customer_id":"c",
            "priority": if *rush { "rush" } else { "standard" },
            "ship_to":{"name":"N","line1":"L","city":"C","postal_code":"P","country":"US"},
            "lines": lines.iter().enumerate().map(|(i, (s, q))| json!({
                "line_id": format!("L{i}"), "sku": sku_name(*s), "quantity": q,
                "unit_price": {"amount":"10","currency":"USD"}})).collect::<Vec<_>>(),
        }),
        Op::Pay(o, kind, a) => {
            json!({"type":"record_payment","order_id":format!("O{o}"),"kind":kind,"amount":{"amount":a.to_string(),"currency":"USD"}})
        }
        Op::Hold(o, true) => json!({"type":"place_hold","order_id":format!("O{o}"),"hold":"fraud"}),
        Op::Hold(o, false) => {
            json!({"type":"release_hold","order_id":format!("O{o}"),"hold":"fraud"})
        }
        Op::Allocate(None) => json!({"type":"allocate"}),
        Op::Allocate(Some(o)) => json!({"type":"allocate","order_id":format!("O{o}")}),
        Op::Ship(o, l, w, q, s) => {
            json!({"type":"ship","order_id":format!("O{o}"),"shipment_id":format!("S{s}"),
            "location_id":LOCATIONS[*w],"carrier":"UPS","lines":[{"line_id":format!("L{l}"),"quantity":q}]})
        }
        Op::ShipAllocated(..) | Op::PayTotal(..) => unreachable!("handled above"),
        Op::Deliver(s) => json!({"type":"confirm_delivery","shipment_id":format!("S{s}")}),
        Op::CancelOrder(o) => {
            json!({"type":"cancel_order","order_id":format!("O{o}"),"reason":"r"})
        }
        Op::CancelLine(o, l, q) => {
            json!({"type":"cancel_line","order_id":format!("O{o}"),"line_id":format!("L{l}"),"quantity":q,"reason":"r"})
        }
        Op::Garbage(n) => match n {
            0 => json!({"type":"nope"}),
            1 => json!({"type":"receive_stock","sku":"A","location_id":"W1","quantity":-1}),
            2 => json!({"type":"ship","order_id":"O1"}),
            3 => {
                json!({"type":"place_order","order_id":"","channel":"web","customer_id":"c","ship_to":{},"lines":[]})
            }
            4 => {
                json!({"type":"record_payment","order_id":"O1","kind":"captured","amount":{"amount":1.25,"currency":"USD"}})
            }
            _ => json!(null),
        },
    }
}

/// The reference model: only what the commands themselves say about stock
/// movements, independent of how the engine allocates.
#[derive(Default)]
struct Model {
    received: BTreeMap<(String, String), u64>,
    adjusted_in: BTreeMap<(String, String), u64>,
    adjusted_out: BTreeMap<(String, String), u64>,
    shipped: BTreeMap<(String, String), u64>,
}

impl Model {
    fn on_hand(&self, k: &(String, String)) -> u64 {
        let g = |m: &BTreeMap<(String, String), u64>| m.get(k).copied().unwrap_or(0);
        g(&self.received) + g(&self.adjusted_in) - g(&self.adjusted_out) - g(&self.shipped)
    }

    /// Records the stock movements of a command the engine accepted.
    fn accept(&mut self, op: &Op, engine_before: &Engine) {
        let key = |s: usize, l: usize| (sku_name(s).to_string(), LOCATIONS[l].to_string());
        match op {
            Op::Receive(s, l, q) => *self.received.entry(key(*s, *l)).or_default() += q,
            Op::Adjust(s, l, d) if *d > 0 => {
                *self.adjusted_in.entry(key(*s, *l)).or_default() += d.unsigned_abs()
            }
            Op::Adjust(s, l, d) => {
                *self.adjusted_out.entry(key(*s, *l)).or_default() += d.unsigned_abs()
            }
            Op::Count(s, l, c) => {
                let k = key(*s, *l);
                let oh = self.on_hand(&k);
                if *c >= oh {
                    *self.adjusted_in.entry(k).or_default() += c - oh;
                } else {
                    *self.adjusted_out.entry(k).or_default() += oh - c;
                }
            }
            Op::Ship(..) | Op::ShipAllocated(..) => {
                let c = command(op, engine_before);
                // A repeated identical shipment is a no-op.
                if engine_before
                    .shipment(c["shipment_id"].as_str().unwrap())
                    .is_ok()
                {
                    return;
                }
                let order = engine_before
                    .order(c["order_id"].as_str().unwrap())
                    .unwrap();
                let line = &c["lines"][0];
                let (q, w) = (
                    line["quantity"].as_u64().unwrap(),
                    c["location_id"].as_str().unwrap(),
                );
                let l = order
                    .lines
                    .iter()
                    .position(|x| x.line_id.as_str() == line["line_id"].as_str().unwrap())
                    .unwrap();
                let sku = order.lines[l].sku.as_str().to_string();
                let parts: Vec<(String, u64)> = if sku == KIT {
                    vec![("A".into(), 2), ("B".into(), 1)]
                } else {
                    vec![(sku, 1)]
                };
                for (p, per) in parts {
                    *self.shipped.entry((p, w.to_string())).or_default() += q * per;
                }
            }
            _ => {}
        }
    }
}

fn setup(config: Config) -> (Engine, Vec<Event>) {
    let mut e = Engine::new(config);
    let mut log = Vec::new();
    let mut run = |e: &mut Engine, v: Value| {
        log.extend(e.execute(Command::from_value(v).unwrap(), at(0)).unwrap())
    };
    run(
        &mut e,
        json!({"type":"define_location","location_id":"W1","name":"W1","kind":"warehouse","lat":40.0,"lon":-74.0}),
    );
    run(
        &mut e,
        json!({"type":"define_location","location_id":"W2","name":"W2","kind":"warehouse"}),
    );
    run(
        &mut e,
        json!({"type":"define_location","location_id":"S1","name":"S1","kind":"store","fulfills_orders":false}),
    );
    for s in SKUS {
        run(&mut e, json!({"type":"define_product","sku":s,"name":s}));
    }
    run(
        &mut e,
        json!({"type":"define_product","sku":KIT,"name":"kit","components":[{"sku":"A","quantity":2},{"sku":"B","quantity":1}]}),
    );
    (e, log)
}

fn check_step(
    engine: &Engine,
    model: &Model,
    config: &Config,
    log: &[Event],
) -> Result<(), TestCaseError> {
    engine.check_invariants().map_err(TestCaseError::fail)?;
    for s in SKUS {
        let mut sellable = 0;
        for l in LOCATIONS {
            let st = engine.stock(s, l).unwrap();
            let k = (s.to_string(), l.to_string());
            prop_assert_eq!(st.on_hand, model.on_hand(&k), "on-hand of {} at {}", s, l);
            prop_assert_eq!(st.shipped, model.shipped.get(&k).copied().unwrap_or(0));
            // Conservation: received + found = on hand + shipped + written off.
            prop_assert_eq!(
                st.received + st.adjusted_in,
                st.on_hand + st.shipped + st.adjusted_out
            );
            prop_assert!(st.reserved <= st.on_hand, "oversold {} at {}", s, l);
            prop_assert_eq!(
                st.available,
                st.on_hand.saturating_sub(st.reserved + st.safety_stock)
            );
            if l != "S1" {
                sellable += st.available;
            }
        }
        prop_assert!(engine.available(s, None).unwrap() <= sellable);
    }
    for o in engine.orders(None) {
        for l in &o.lines {
            prop_assert!(l.cancelled + l.shipped + l.allocated <= l.quantity);
            prop_assert!(l.delivered <= l.shipped);
        }
    }
    let replayed =
        Engine::replay(config.clone(), log).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(
        replayed.snapshot() == engine.snapshot(),
        "replay differs from live state"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_command_sequences_keep_every_invariant(
        ops in prop::collection::vec(op(), 1..80),
        require_payment in any::<bool>(),
        auto_allocate in any::<bool>(),
    ) {
        let config = Config { require_payment, auto_allocate, ..Config::default() };
        let (mut engine, mut log) = setup(config.clone());
        let mut model = Model::default();
        for (step, op) in ops.iter().enumerate() {
            let before = engine.snapshot();
            let shadow = Engine::from_snapshot(&before).unwrap();
            prop_assert!(shadow.snapshot() == before, "snapshot does not round-trip");
            let result = Command::from_value(command(op, &engine)).and_then(|c| engine.execute(c, at(step + 1)));
            match result {
                Ok(events) => {
                    model.accept(op, &shadow);
                    for e in &events {
                        let text = serde_json::to_string(e).unwrap();
                        prop_assert_eq!(&Event::from_json(&text).unwrap(), e);
                    }
                    // Replaying onto the previous state gives the new one.
                    let mut stepped = shadow;
                    for e in &events {
                        stepped.try_apply(e).map_err(|err| TestCaseError::fail(err.to_string()))?;
                    }
                    prop_assert!(stepped.snapshot() == engine.snapshot(), "apply differs from execute");
                    log.extend(events);
                }
                Err(_) => prop_assert!(engine.snapshot() == before, "failed command {:?} changed state", op),
            }
            check_step(&engine, &model, &config, &log)?;
        }
    }

    #[test]
    fn the_same_commands_give_the_same_bytes(ops in prop::collection::vec(op(), 1..40)) {
        let run = || {
            let (mut e, mut log) = setup(Config { auto_allocate: true, ..Config::default() });
            for (step, op) in ops.iter().enumerate() {
                if let Ok(ev) = Command::from_value(command(op, &e)).and_then(|c| e.execute(c, at(step + 1))) {
                    log.extend(ev);
                }
            }
            (e.snapshot(), serde_json::to_string(&log).unwrap())
        };
        prop_assert!(run() == run());
    }

    #[test]
    fn arbitrary_json_never_panics(text in ".{0,200}") {
        let mut e = setup(Config::default()).0;
        if let Ok(c) = Command::from_json(&text) {
            let _ = e.execute(c, at(1));
        }
        let _ = Event::from_json(&text);
        let _ = Engine::from_snapshot(text.as_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Events from a foreign or corrupted log, with absurd quantities, are
    /// refused or folded without panicking, and the state stays consistent.
    #[test]
    fn foreign_events_never_panic(
        quantities in prop::collection::vec(prop_oneof![Just(u64::MAX), Just(u64::MAX / 2), 0..10u64], 8),
        kinds in prop::collection::vec(0..6usize, 1..12),
    ) {
        let (mut engine, _) = setup(Config { require_payment: false, ..Config::default() });
        let q = |i: usize| quantities[i % quantities.len()];
        let events: Vec<Value> = kinds.iter().enumerate().map(|(n, k)| match k {
            0 => json!({"type":"stock_received","schema_version":1,"at":"2026-01-01T00:00:00Z","sku":"A","location_id":"W1","quantity":q(n)}),
            1 => json!({"type":"order_placed","schema_version":1,"at":"2026-01-01T00:00:00Z","order":{
                "order_id":format!("F{n}"),"channel":"web","customer_id":"c",
                "ship_to":{"name":"N","line1":"L","city":"C","postal_code":"P","country":"US"},
                "lines":[{"line_id":"1","sku":"A","quantity":q(n),"unit_price":{"amount":
                    if n % 2 == 0 { "1" } else { "79228162514264337593543950335" },"currency":"USD"}}]}}),
            2 => json!({"type":"order_allocated","schema_version":1,"at":"2026-01-01T00:00:00Z","order_id":format!("F{}", n.saturating_sub(1)),
                "allocations":[{"line_id":"1","location_id":"W1","quantity":q(n)}]}),
            3 => json!({"type":"order_shipped","schema_version":1,"at":"2026-01-01T00:00:00Z","order_id":format!("F{}", n.saturating_sub(2)),
                "shipment_id":format!("S{n}"),"location_id":"W1","carrier":"UPS","lines":[{"line_id":"1","quantity":q(n)}]}),
            4 => json!({"type":"stock_adjusted","schema_version":1,"at":"2026-01-01T00:00:00Z","sku":"A","location_id":"W1","delta":-(q(n).min(i64::MAX as u64) as i64),"reason":"x"}),
            _ => json!({"type":"order_cancelled","schema_version":1,"at":"2026-01-01T00:00:00Z","order_id":format!("F{}", n.saturating_sub(1)),"reason":"x",
                "lines":[{"line_id":"1","quantity":q(n),"released":[{"location_id":"W1","quantity":q(n + 1)}]}]}),
        }).collect();
        for v in events {
            if let Ok(e) = serde_json::from_value::<Event>(v) {
                let before = engine.snapshot();
                if engine.try_apply(&e).is_err() {
                    prop_assert!(engine.snapshot() == before, "a refused event changed state");
                }
            }
        }
        // Views compute totals and statuses from whatever was folded.
        let _ = engine.orders(None);
        let snap = engine.snapshot();
        let _ = Engine::from_snapshot(&snap);
    }
}
