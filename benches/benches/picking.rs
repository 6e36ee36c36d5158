//! Pick routes on generated floors of 50 aisles × 90 bays (one block, or
//! two of 45 bays): the exact route for 30 and 200 picks, and the combined
//! heuristic for comparison. The published instances are timed by the
//! runner `cargo run --release -p oms-benches --example routing_optima -- <data>`.
//!
//! Run with `cargo bench -p oms-benches --bench picking`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use oms_benches::sprp::{bench_floor, bench_picks};
use oms_core::picking::{heuristic_route, optimal_route, Heuristic};

fn routes(c: &mut Criterion) {
    let mut group = c.benchmark_group("route");
    for blocks in [1, 2] {
        let floor = bench_floor(50, blocks);
        for picks in [30, 200] {
            let slots = bench_picks(&floor, picks);
            let id = BenchmarkId::new(format!("optimal_{blocks}_block"), picks);
            group.bench_with_input(id, &slots, |b, s| b.iter(|| optimal_route(&floor, s)));
        }
    }
    let floor = bench_floor(50, 1);
    let slots = bench_picks(&floor, 200);
    group.bench_function("combined_heuristic_1_block/200", |b| {
        b.iter(|| heuristic_route(&floor, &slots, Heuristic::Combined))
    });
    group.finish();
}

criterion_group!(benches, routes);
criterion_main!(benches);
