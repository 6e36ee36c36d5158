//! Replenishment suggestions for 100,000 SKUs at 3 locations with 90 days
//! of order history (300,000 three-line orders): the whole
//! `replenishment_suggestions` query, demand history and explanations
//! included.
//!
//! Run with `cargo bench -p oms-benches --bench purchasing`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use oms_benches::{replenishment_day, replenishment_engine};

const LOCATIONS: usize = 3;
const SKUS: usize = 100_000;
const ORDERS: usize = 300_000;
const DAYS: u32 = 90;

fn replenishment(c: &mut Criterion) {
    let engine = replenishment_engine(LOCATIONS, SKUS, ORDERS, DAYS, 11);
    let at = replenishment_day();
    // What one run does, reported once so the figures can be read.
    let suggestions = engine.replenishment_suggestions(at);
    let units: u64 = suggestions.iter().map(|s| s.quantity).sum();
    eprintln!(
        "replenishment: {} SKU-locations, {} suggestions for {units} units",
        SKUS * LOCATIONS,
        suggestions.len()
    );
    let mut group = c.benchmark_group("purchasing");
    group.sample_size(10);
    group.throughput(Throughput::Elements((SKUS * LOCATIONS) as u64));
    group.bench_function(
        "replenishment_suggestions_100k_skus_3_locations_90_days",
        |b| b.iter(|| engine.replenishment_suggestions(at)),
    );
    group.finish();
}

criterion_group!(benches, replenishment);
criterion_main!(benches);
