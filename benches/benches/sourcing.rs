//! Batch allocation: 100,000 three-line orders over 20 locations and
//! 50,000 SKUs in one `allocate`, explanations recorded; under the default
//! policy, and under a `lowest_cost` policy (whose batch is improved by pairs).
//!
//! Run with `cargo bench -p oms-benches --bench sourcing`.

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion, Throughput,
};
use oms_benches::{cost_policy, sourcing_engine, t0};
use oms_core::{Allocate, Command, Engine, Event, EventKind};

const LOCATIONS: usize = 20;
const SKUS: usize = 50_000;
const ORDERS: usize = 100_000;

fn batch_allocation(c: &mut Criterion) {
    let placed = sourcing_engine(LOCATIONS, SKUS, ORDERS, 7);
    // What one run does, reported once so the figures can be read.
    let events = allocate(&mut placed.clone());
    let (mut orders, mut lines, mut explained) = (0usize, 0usize, 0usize);
    for e in &events {
        if let EventKind::OrderAllocated {
            allocations,
            explanation,
            ..
        } = &e.kind
        {
            orders += 1;
            lines += allocations.len();
            explained += usize::from(explanation.is_some());
        }
    }
    eprintln!(
        "batch allocate: {} events, {orders} orders allocated ({explained} explained), {lines} line allocations",
        events.len()
    );

    let mut group = c.benchmark_group("sourcing");
    group.sample_size(10);
    group.throughput(Throughput::Elements((ORDERS * 3) as u64));
    // One batch `allocate` on a fresh copy of `engine` per iteration.
    let bench_allocate = |group: &mut BenchmarkGroup<'_, WallTime>, name: &str, engine: &Engine| {
        group.bench_function(name, |b| {
            b.iter_batched(
                || engine.clone(),
                |mut engine| allocate(&mut engine),
                BatchSize::PerIteration,
            )
        });
    };
    bench_allocate(
        &mut group,
        "allocate_100k_orders_3_lines_20_locations_50k_skus",
        &placed,
    );

    // The same batch under a lowest_cost policy: planned, then improved by pairs.
    let mut by_cost = placed.clone();
    by_cost
        .execute(cost_policy(LOCATIONS), t0())
        .expect("the policy is valid");
    let moved = allocate(&mut by_cost.clone())
        .iter()
        .filter(|e| match &e.kind {
            EventKind::OrderAllocated { explanation, .. } => explanation
                .as_ref()
                .and_then(|x| x.note.as_deref())
                .is_some_and(|n| n.contains("planned together")),
            _ => false,
        })
        .count();
    eprintln!("lowest_cost batch: {moved} orders re-planned in pairs");
    bench_allocate(&mut group, "allocate_100k_orders_lowest_cost", &by_cost);
    group.finish();
}

/// A batch `allocate` of every waiting order.
fn allocate(engine: &mut Engine) -> Vec<Event> {
    engine
        .execute(Command::Allocate(Allocate::default()), t0())
        .expect("allocate is valid")
}

criterion_group!(benches, batch_allocation);
criterion_main!(benches);
