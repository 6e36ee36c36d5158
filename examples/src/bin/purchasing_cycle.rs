//! A purchasing cycle, driven entirely through `oms-core`:
//! low stock → replenishment suggestions → draft POs → approval → a
//! partial receipt that cross-docks to backordered orders → close short →
//! a dropship order shipped by its supplier → supplier performance from
//! the event log.
//!
//! ```text
//! cargo run -p oms-examples --bin purchasing_cycle
//! ```
//!
//! Everything is fixed (no randomness, time passed in), so every run
//! prints the same report. At the end the program checks the engine's
//! invariants and that replaying the event log rebuilds a byte-identical
//! snapshot.

use std::process::ExitCode;

use chrono::{DateTime, Duration, TimeZone, Utc};
use oms_core::purchasing::performance::supplier_performance;
use oms_core::{Command, Config, Engine, Event, EventKind};

struct Shop {
    engine: Engine,
    log: Vec<Event>,
}

impl Shop {
    fn run(&mut self, at: DateTime<Utc>, json: &str) -> Vec<Event> {
        let command = Command::from_json(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        let events = self
            .engine
            .execute(command, at)
            .unwrap_or_else(|e| panic!("{json}: {e}"));
        self.log.extend(events.iter().cloned());
        events
    }
}

fn day(d: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap() + Duration::days(d)
}

fn order(id: &str, sku: &str, quantity: u64) -> String {
    format!(
        r#"{{"type":"place_order","order_id":"{id}","channel":"web","customer_id":"C-{id}",
        "ship_to":{{"name":"Ada","line1":"1 Main St","city":"Newark","postal_code":"07102","country":"US"}},
        "lines":[{{"line_id":"1","sku":"{sku}","quantity":{quantity},"unit_price":{{"amount":"12.00","currency":"USD"}}}}]}}"#
    )
}

fn main() -> ExitCode {
    let config: Config = Config::from_json(
        r#"{"require_payment": false,
            "po_approval_threshold": {"amount": "100.00", "currency": "USD"},
            "replenishment": {"window_days": 14, "review_days": 7}}"#,
    )
    .expect("a valid config");
    let mut shop = Shop {
        engine: Engine::new(config),
        log: Vec::new(),
    };
    for c in [
        r#"{"type":"define_location","location_id":"WH1","name":"Main warehouse","kind":"warehouse"}"#,
        r#"{"type":"define_product","sku":"MUG","name":"Mug"}"#,
        r#"{"type":"define_product","sku":"TEE","name":"T-shirt"}"#,
        r#"{"type":"receive_stock","sku":"MUG","location_id":"WH1","quantity":60}"#,
        r#"{"type":"receive_stock","sku":"TEE","location_id":"WH1","quantity":30}"#,
        r#"{"type":"define_supplier","supplier_id":"ACME","name":"Acme Supply","currency":"USD",
            "lead_time_days":5,"over_receipt_tolerance_percent":5}"#,
        r#"{"type":"set_supplier_item","supplier_id":"ACME","sku":"MUG","unit_cost":{"amount":"2.50","currency":"USD"},
            "case_pack":12,"moq":24}"#,
        r#"{"type":"define_supplier","supplier_id":"TEXT","name":"Textiles Ltd","currency":"USD","lead_time_days":10}"#,
        r#"{"type":"set_supplier_item","supplier_id":"TEXT","sku":"TEE","unit_cost":{"amount":"4.00","currency":"USD"}}"#,
    ] {
        shop.run(day(0), c);
    }

    // Two weeks of sales: 3 to 5 mugs and 1 or 2 T-shirts a day, shipped.
    for d in 0..14 {
        let mugs = 3 + (d * 7 % 3) as u64;
        let tees = 1 + (d % 2) as u64;
        for (id, sku, q) in [
            (format!("M{d}"), "MUG", mugs),
            (format!("T{d}"), "TEE", tees),
        ] {
            shop.run(day(d), &order(&id, sku, q));
            shop.run(
                day(d),
                &format!(r#"{{"type":"allocate","order_id":"{id}"}}"#),
            );
            shop.run(
                day(d),
                &format!(
                    r#"{{"type":"ship","order_id":"{id}","shipment_id":"P-{id}","location_id":"WH1",
                    "carrier":"UPS","lines":[{{"line_id":"1","quantity":{q}}}]}}"#
                ),
            );
        }
    }
    let today = day(14);
    for sku in ["MUG", "TEE"] {
        let s = shop.engine.stock(sku, "WH1").expect("stocked");
        println!("{sku}: {} on hand after two weeks of sales", s.on_hand);
    }

    println!("\nReplenishment suggestions on {}:", today.date_naive());
    for s in shop.engine.replenishment_suggestions(today) {
        println!(
            "  {} at {} from {}: {} units at {} each\n    {}",
            s.sku, s.location_id, s.supplier_id, s.quantity, s.unit_cost, s.explanation.formula
        );
    }
    let created = shop.run(
        today,
        r#"{"type":"create_replenishment_pos","po_id_prefix":"RP-"}"#,
    );
    let mut po_ids = Vec::new();
    for e in &created {
        if let EventKind::PoCreated { po } = &e.kind {
            po_ids.push(po.po_id.to_string());
        }
    }
    println!("\nDraft POs: {}", po_ids.join(", "));
    for id in &po_ids {
        let submitted = shop.run(today, &format!(r#"{{"type":"submit_po","po_id":"{id}"}}"#));
        let total = shop
            .engine
            .purchase_order(id)
            .expect("created")
            .totals
            .ordered;
        if submitted.len() == 1 {
            println!("  {id}: {total} is above the 100.00 threshold: approved by the buyer");
            shop.run(
                today,
                &format!(r#"{{"type":"approve_po","po_id":"{id}","approved_by":"buyer"}}"#),
            );
        } else {
            println!("  {id}: {total}, approved on submission");
        }
        shop.run(today, &format!(r#"{{"type":"send_po","po_id":"{id}"}}"#));
    }

    // Sales go on while the goods are on their way; mugs run out.
    for (n, d) in (14..19).enumerate() {
        let id = format!("LATE-{n}");
        shop.run(day(d), &order(&id, "MUG", 8));
        shop.run(
            day(d),
            &format!(r#"{{"type":"allocate","order_id":"{id}"}}"#),
        );
    }
    let backordered = shop
        .engine
        .orders(Some(oms_core::OrderStatus::Backordered))
        .len();
    println!("\nBy day 19, {backordered} orders wait for mugs");

    // The mug PO arrives in part, a few damaged: waiting orders take the
    // goods straight from the dock.
    let mug_po = po_ids
        .iter()
        .find(|id| id.contains("ACME"))
        .expect("a mug PO");
    let ordered = shop.engine.purchase_order(mug_po).expect("sent").po.lines[0].quantity;
    let arrived = ordered / 2;
    let events = shop.run(
        day(19),
        &format!(
            r#"{{"type":"receive_po","po_id":"{mug_po}","receipt_id":"R1","location_id":"WH1",
            "lines":[{{"line_id":"1","quantity":{arrived},"damaged":2}}]}}"#
        ),
    );
    for e in &events {
        if let EventKind::CrossDocked { allocations, .. } = &e.kind {
            for a in allocations {
                println!(
                    "  cross-dock: {} units of {} to {} line {}",
                    a.quantity, a.sku, a.order_id, a.line_id
                );
            }
        }
    }
    let mug = shop.engine.stock("MUG", "WH1").expect("stocked");
    println!(
        "MUG after the receipt of {arrived} (2 damaged): {} on hand, {} reserved, {} damaged, {} still incoming",
        mug.on_hand, mug.reserved, mug.damaged, mug.incoming
    );

    // The supplier cannot send the rest: close short.
    shop.run(
        day(20),
        &format!(r#"{{"type":"close_po","po_id":"{mug_po}","reason":"supplier short"}}"#),
    );
    let po = shop.engine.purchase_order(mug_po).expect("closed");
    println!(
        "\n{mug_po}: {}; ordered {}, received {}, cancelled {}",
        po.po.status, po.totals.ordered, po.totals.received, po.po.lines[0].cancelled
    );

    // A lamp the shop never stocks: its supplier ships it to the customer.
    for c in [
        r#"{"type":"define_product","sku":"LAMP","name":"Floor lamp","dropship_only":true}"#,
        r#"{"type":"define_supplier","supplier_id":"LUX","name":"Lux Lighting","currency":"USD","lead_time_days":3}"#,
        r#"{"type":"set_supplier_item","supplier_id":"LUX","sku":"LAMP","unit_cost":{"amount":"35.00","currency":"USD"},"dropship":true}"#,
    ] {
        shop.run(day(20), c);
    }
    shop.run(day(20), &order("LAMP-1", "LAMP", 2));
    shop.run(day(20), r#"{"type":"allocate","order_id":"LAMP-1"}"#);
    let ds = shop
        .engine
        .purchase_order("DS-LAMP-1-1")
        .expect("a dropship PO");
    println!(
        "\nLAMP-1 is {}: dropship PO {} to {} for {}, shipping to {}",
        shop.engine.order("LAMP-1").expect("placed").status,
        ds.po.po_id,
        ds.po.supplier_id,
        ds.totals.ordered,
        ds.po.dropship.as_ref().map_or("?", |d| d.ship_to.city())
    );
    shop.run(day(20), r#"{"type":"send_po","po_id":"DS-LAMP-1-1"}"#);
    shop.run(
        day(22),
        r#"{"type":"confirm_dropship","po_id":"DS-LAMP-1-1","tracking_number":"1ZLUX","carrier":"UPS",
            "lines":[{"line_id":"1","quantity":2}]}"#,
    );
    println!(
        "LUX confirmed its shipment: LAMP-1 is {}, DS-LAMP-1-1 is {}",
        shop.engine.order("LAMP-1").expect("placed").status,
        shop.engine
            .purchase_order("DS-LAMP-1-1")
            .expect("sent")
            .po
            .status
    );

    println!("\nSupplier performance from the event log:");
    for p in supplier_performance(&shop.log) {
        let pct = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{:.0} %", r * 100.0));
        println!(
            "  {}: {} POs sent, on time {}, fill {}, lead time {}, damaged {}",
            p.supplier_id,
            p.pos_sent,
            pct(p.on_time_rate),
            pct(p.fill_rate),
            p.average_lead_time_days
                .map_or("-".to_string(), |d| format!("{d:.1} days")),
            pct(p.damaged_rate)
        );
    }

    if let Err(e) = shop.engine.check_invariants() {
        eprintln!("invariant broken: {e}");
        return ExitCode::FAILURE;
    }
    let replayed = Engine::replay(shop.engine.config().clone(), &shop.log).expect("replays");
    if replayed.snapshot() != shop.engine.snapshot() {
        eprintln!("replay differs");
        return ExitCode::FAILURE;
    }
    println!(
        "\nInvariants hold; replaying {} events rebuilds the same snapshot.",
        shop.log.len()
    );
    ExitCode::SUCCESS
}
