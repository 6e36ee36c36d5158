//! The Rust side of the Kotlin per-call overhead benchmark
//! (`tests/kotlin/.../OverheadBenchmark.kt`): the same calls on the
//! binding's `Engine` from Rust (no FFI), and on the core directly.
//!
//! `cargo run --release -p oms-ffi --example overhead`

use std::hint::black_box;
use std::time::Instant;

use oms_ffi::{Engine, OrderLine, PlaceOrder};

const AT: &str = "2026-11-22T09:00:00Z";
const HOLD: &str = r#"{"type":"place_hold","order_id":"SO-B","hold":"bench"}"#;
const RELEASE: &str = r#"{"type":"release_hold","order_id":"SO-B","hold":"bench"}"#;

/// Median over batches of the mean time per call within a batch, in nanoseconds.
fn median_nanos_per_call(calls_per_round: u32, mut body: impl FnMut()) -> f64 {
    let (batches, rounds) = (300, 200);
    for _ in 0..20_000 {
        body();
    }
    let mut per_call: Vec<f64> = (0..batches)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..rounds {
                body();
            }
            start.elapsed().as_nanos() as f64 / f64::from(rounds * calls_per_round)
        })
        .collect();
    per_call.sort_by(f64::total_cmp);
    per_call[batches / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::new(Some(r#"{"require_payment": false}"#.into()))?;
    for json in [
        r#"{"type":"define_location","location_id":"WH1","name":"Main","kind":"warehouse"}"#,
        r#"{"type":"define_product","sku":"MUG","name":"Mug"}"#,
        r#"{"type":"receive_stock","sku":"MUG","location_id":"WH1","quantity":1000}"#,
    ] {
        engine.execute_json(json.into(), AT.into())?;
    }
    let ship_to = oms_ffi::Address {
        name: "Ada".into(),
        line1: "1 Main St".into(),
        city: "Springfield".into(),
        postal_code: "62701".into(),
        country: "US".into(),
        line2: None,
        region: None,
        lat: None,
        lon: None,
    };
    let order = PlaceOrder {
        order_id: "SO-B".into(),
        channel: "app".into(),
        customer_id: "C1".into(),
        ship_to,
        lines: vec![OrderLine {
            line_id: "1".into(),
            sku: "MUG".into(),
            quantity: 1,
            unit_price: oms_ffi::Money {
                amount: "9.50".into(),
                currency: "USD".into(),
            },
        }],
        priority: None,
        channel_order_id: None,
        shipping_price: None,
        customer_tier: None,
        ship_by: None,
        deliver_by: None,
        discount: None,
    };
    engine.place_order(order, AT.into())?;

    // The same state in a bare core engine, for the cost of the engine alone.
    let mut core = oms_ffi::oms_core::Engine::from_snapshot(&engine.snapshot()?)?;
    let at = chrono::DateTime::parse_from_rfc3339(AT)?.to_utc();
    let (hold, release) = (
        oms_ffi::oms_core::Command::from_json(HOLD)?,
        oms_ffi::oms_core::Command::from_json(RELEASE)?,
    );

    let results = [
        (
            "execute_json (place_hold / release_hold)",
            median_nanos_per_call(2, || {
                black_box(engine.execute_json(HOLD.into(), AT.into()).ok());
                black_box(engine.execute_json(RELEASE.into(), AT.into()).ok());
            }),
        ),
        (
            "typed place_hold / release_hold",
            median_nanos_per_call(2, || {
                black_box(
                    engine
                        .place_hold("SO-B".into(), "bench".into(), None, AT.into())
                        .ok(),
                );
                black_box(
                    engine
                        .release_hold("SO-B".into(), "bench".into(), AT.into())
                        .ok(),
                );
            }),
        ),
        (
            "available(sku) query",
            median_nanos_per_call(1, || {
                black_box(engine.available("MUG".into(), None).ok());
            }),
        ),
        (
            "events_applied() (smallest call)",
            median_nanos_per_call(1, || {
                black_box(engine.events_applied().ok());
            }),
        ),
        (
            "core only: execute(Command) hold / release",
            median_nanos_per_call(2, || {
                black_box(core.execute(hold.clone(), at).ok());
                black_box(core.execute(release.clone(), at).ok());
            }),
        ),
    ];
    println!("Rust (oms_ffi::Engine without FFI), median per call:");
    for (name, nanos) in results {
        println!("  {name:<44} {nanos:>8.0} ns");
    }
    Ok(())
}
