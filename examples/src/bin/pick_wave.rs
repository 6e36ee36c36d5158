//! A morning on a warehouse floor, driven entirely through `oms-core`:
//! a floor plan with bins, 40 allocated orders, a cluster wave on carts
//! of 8 totes, and a picker working the tasks by scan. One scan is of the
//! wrong item and one bin is short. Then the picked orders ship.
//!
//! ```text
//! cargo run -p oms-examples --bin pick_wave
//! ```
//!
//! Everything is fixed (a seeded generator, time passed in), so every run
//! prints the same report. At the end the program checks the engine's
//! invariants and that replaying the event log rebuilds a byte-identical
//! snapshot.

use std::process::ExitCode;

use chrono::{DateTime, Duration, TimeZone, Utc};
use oms_core::picking::{batch_orders, BatchMethod, BatchOptions, BatchOrder, Cart, TaskStatus};
use oms_core::{Command, Config, Engine, Event, EventKind, OrderStatus};

struct Floor {
    engine: Engine,
    log: Vec<Event>,
    minute: i64,
}

impl Floor {
    fn run(&mut self, json: &str) -> Vec<Event> {
        self.minute += 1;
        let at: DateTime<Utc> =
            Utc.with_ymd_and_hms(2026, 11, 23, 7, 0, 0).unwrap() + Duration::minutes(self.minute);
        let command = Command::from_json(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        let events = self
            .engine
            .execute(command, at)
            .unwrap_or_else(|e| panic!("{json}: {e}"));
        self.log.extend(events.iter().cloned());
        events
    }
}

/// SplitMix64, so the orders are the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    }
}

const AISLES: u32 = 12;
const BAYS: u32 = 15;
const SKUS: u32 = AISLES * BAYS;
const ORDERS: usize = 40;

/// A valid GTIN-13 for SKU `i`: twelve digits and their check digit.
fn gtin(i: u32) -> String {
    let body = format!("400000{i:06}");
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(k, b)| u32::from(b - b'0') * if k % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// SKU `i` sits in aisle `i / 15`, bay `i % 15` of block `i % 2`.
fn bin(i: u32) -> (u32, u32, u32) {
    (i % 2, i / BAYS, i % BAYS)
}

fn main() -> ExitCode {
    let mut floor = Floor {
        engine: Engine::new(Config::from_json(r#"{"require_payment": false}"#).expect("a config")),
        log: Vec::new(),
        minute: 0,
    };
    floor.run(r#"{"type":"define_location","location_id":"WH1","name":"Main","kind":"warehouse"}"#);
    // Distances in centimetres: aisles 3 m apart, bays 1 m, two blocks
    // with a middle cross aisle, the depot at the front of aisle 0.
    floor.run(&format!(
        r#"{{"type":"set_layout","location_id":"WH1","layout":{{"aisles":{AISLES},"aisle_pitch":300,
        "blocks":[{{"bays":{BAYS},"bay_pitch":100,"front_offset":150,"back_offset":150}},
                  {{"bays":{BAYS},"bay_pitch":100,"front_offset":150,"back_offset":150}}],
        "depot":{{"aisle":0,"cross_aisle":0}}}}}}"#
    ));
    for i in 0..SKUS {
        let (block, aisle, bay) = bin(i);
        let zone = if aisle < AISLES / 2 { "west" } else { "east" };
        floor.run(&format!(
            r#"{{"type":"define_product","sku":"SKU-{i:03}","name":"Item {i}","gtin":"{}"}}"#,
            gtin(i)
        ));
        floor.run(&format!(
            r#"{{"type":"define_bin","location_id":"WH1","bin_id":"{aisle:02}-{block}-{bay:02}","block":{block},"aisle":{aisle},"bay":{bay},"zone":"{zone}","sku":"SKU-{i:03}"}}"#
        ));
        floor.run(&format!(
            r#"{{"type":"receive_stock","sku":"SKU-{i:03}","location_id":"WH1","quantity":20}}"#
        ));
    }
    // 40 orders of 1 to 4 lines; the first five must make the 11:00 truck.
    let mut rng = Rng(7);
    let mut picks_of: Vec<Vec<u32>> = Vec::new();
    for n in 0..ORDERS {
        let lines = 1 + rng.below(4);
        let mut skus: Vec<u32> = Vec::new();
        while skus.len() < lines as usize {
            let s = rng.below(u64::from(SKUS)) as u32;
            if !skus.contains(&s) {
                skus.push(s);
            }
        }
        let lines_json: Vec<String> = skus
            .iter()
            .enumerate()
            .map(|(k, s)| {
                format!(
                    r#"{{"line_id":"{}","sku":"SKU-{s:03}","quantity":{},"unit_price":{{"amount":"9.90","currency":"USD"}}}}"#,
                    k + 1,
                    1 + rng.below(2)
                )
            })
            .collect();
        let ship_by = if n < 5 {
            r#","ship_by":"2026-11-23T11:00:00Z""#
        } else {
            ""
        };
        floor.run(&format!(
            r#"{{"type":"place_order","order_id":"SO-{n:03}","channel":"web","customer_id":"C-{n}",
            "ship_to":{{"name":"Ada","line1":"1 Main St","city":"Newark","postal_code":"07102","country":"US"}},
            "lines":[{}]{ship_by}}}"#,
            lines_json.join(",")
        ));
        picks_of.push(skus);
    }
    floor.run(r#"{"type":"allocate"}"#);

    // What batching saves, as a plan from plain data (no engine involved).
    let layout = floor.engine.layout("WH1").expect("a layout").clone();
    let orders: Vec<BatchOrder> = picks_of
        .iter()
        .map(|skus| BatchOrder {
            picks: skus
                .iter()
                .map(|&s| {
                    let (block, aisle, bay) = bin(s);
                    oms_core::picking::Slot { block, aisle, bay }
                })
                .collect(),
            items: skus.len() as u64,
            ..BatchOrder::default()
        })
        .collect();
    let cart = Cart {
        max_orders: Some(8),
        ..Cart::default()
    };
    let plan = |m| batch_orders(&layout, &orders, &cart, &BatchOptions::new(m)).expect("a plan");
    let single = plan(BatchMethod::SingleOrder).distance;
    println!(
        "walking for {ORDERS} orders, one tour each: {:.0} m",
        single as f64 / 100.0
    );
    for m in [BatchMethod::Fcfs, BatchMethod::Savings, BatchMethod::Ils] {
        let d = plan(m).distance;
        println!(
            "  batched on carts of 8 totes, {:<8} {:>6.0} m ({:.0}% less)",
            m.as_str(),
            d as f64 / 100.0,
            100.0 * (1.0 - d as f64 / single as f64)
        );
    }

    // The first wave: the 11:00 truck's orders first, 24 orders in all.
    let events = floor.run(
        r#"{"type":"release_wave","wave_id":"W-0701","location_id":"WH1","method":"cluster",
        "selection":{"max_orders":24},"cart":{"max_orders":8}}"#,
    );
    let Some(EventKind::WaveReleased {
        order_ids, tasks, ..
    }) = events.first().map(|e| &e.kind)
    else {
        eprintln!("no wave was released");
        return ExitCode::FAILURE;
    };
    println!(
        "wave W-0701: {} orders ({} due at 11:00) on {} carts, {:.0} m to walk",
        order_ids.len(),
        order_ids.iter().filter(|o| o.as_str() < "SO-005").count(),
        tasks.len(),
        tasks.iter().map(|t| t.distance).sum::<u64>() as f64 / 100.0
    );

    // A picker works the carts one after another, scanning every item.
    let (mut wrong_scan, mut short) = (false, false);
    while let Some(task) = floor.engine.next_pick_task("WH1").cloned() {
        for (k, stop) in task.stops.iter().enumerate() {
            let gtin = floor
                .engine
                .product(stop.sku.as_str())
                .ok()
                .and_then(|p| p.gtin.clone())
                .unwrap_or_default();
            if !wrong_scan {
                // The neighbouring item first: refused, counted, nothing picked.
                let events = floor.run(&format!(
                    r#"{{"type":"confirm_pick","task_id":"{}","stop":{k},"quantity":1,"scanned_code":"SKU-999"}}"#,
                    task.task_id
                ));
                println!(
                    "  {} stop {k}: scanned the wrong item → {}",
                    task.task_id,
                    events[0].name()
                );
                wrong_scan = true;
            }
            if !short && stop.quantity >= 2 {
                // The bin holds one where the books say more.
                let events = floor.run(&format!(
                    r#"{{"type":"short_pick","task_id":"{}","stop":{k},"quantity_found":1}}"#,
                    task.task_id
                ));
                let names: Vec<&str> = events.iter().map(Event::name).collect();
                println!(
                    "  {} stop {k}: bin {} short by {} → {}",
                    task.task_id,
                    stop.bin_id,
                    stop.quantity - 1,
                    names.join(", ")
                );
                short = true;
                continue;
            }
            floor.run(&format!(
                r#"{{"type":"confirm_pick","task_id":"{}","stop":{k},"quantity":{},"scanned_code":"{gtin}"}}"#,
                task.task_id, stop.quantity
            ));
        }
        floor.run(&format!(
            r#"{{"type":"complete_task","task_id":"{}"}}"#,
            task.task_id
        ));
    }
    let accuracy = floor.engine.picking_accuracy(Some("WH1"));
    println!(
        "scans: {} matched, {} refused ({:.1}% accurate)",
        accuracy.scans,
        accuracy.rejected_scans,
        100.0 * accuracy.accuracy
    );
    let completed = floor
        .engine
        .pick_tasks(Some("WH1"), Some(TaskStatus::Completed))
        .len();
    println!("tasks completed: {completed}");

    // Ship what is picked.
    let mut shipped = 0;
    for n in 0..ORDERS {
        let id = format!("SO-{n:03}");
        let Ok(view) = floor.engine.order(&id) else {
            continue;
        };
        if view.status != OrderStatus::Picked {
            continue;
        }
        let lines: Vec<String> = view
            .lines
            .iter()
            .filter_map(|l| {
                let q: u64 = l.picked.iter().map(|p| p.quantity).sum();
                (q > 0).then(|| format!(r#"{{"line_id":"{}","quantity":{q}}}"#, l.line_id))
            })
            .collect();
        floor.run(&format!(
            r#"{{"type":"ship","order_id":"{id}","shipment_id":"P-{id}","location_id":"WH1","carrier":"UPS","lines":[{}]}}"#,
            lines.join(",")
        ));
        shipped += 1;
    }
    let mut counts = std::collections::BTreeMap::new();
    for n in 0..ORDERS {
        if let Ok(view) = floor.engine.order(&format!("SO-{n:03}")) {
            *counts.entry(view.status.as_str()).or_insert(0) += 1;
        }
    }
    println!("shipped {shipped} orders; statuses now: {counts:?}");

    if let Err(e) = floor.engine.check_invariants() {
        eprintln!("invariant broken: {e}");
        return ExitCode::FAILURE;
    }
    let replayed = match Engine::replay(floor.engine.config().clone(), &floor.log) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("replay failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    if replayed.snapshot() != floor.engine.snapshot() {
        eprintln!("replaying the log did not rebuild the same state");
        return ExitCode::FAILURE;
    }
    println!(
        "{} events; replay rebuilds a byte-identical snapshot",
        floor.log.len()
    );
    ExitCode::SUCCESS
}
