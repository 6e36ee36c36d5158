//! Throughput of the engine: full order lifecycles and event-log replay.
//!
//! Run with `cargo bench -p oms-benches --bench engine`.

use chrono::Duration;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use oms_benches::*;
use oms_core::{Command, Config, Engine};

const SKUS: usize = 10_000;
const LOCATIONS: usize = 5;
const UNITS: u64 = 1_000_000_000;

/// Place, pay, allocate, ship and deliver 3-line orders; one element = one order.
///
/// The engine keeps every order it has seen, so an unbounded run would
/// measure a table of millions of orders. Each run starts again from the
/// stocked catalog once the engine holds 100,000 orders (outside the timed
/// part), so the figure is for an engine holding 0–100,000 orders.
fn lifecycles(c: &mut Criterion) {
    const BATCH: usize = 1_000;
    const RESET_AFTER: usize = 100_000;
    let mut group = c.benchmark_group("lifecycle");
    group.throughput(Throughput::Elements(BATCH as u64));
    let (base, _) = stocked_engine(Config::default(), SKUS, LOCATIONS, UNITS);
    let mut engine = base.clone();
    let mut next = 0usize;
    group.bench_function("place_pay_allocate_ship_deliver_3_lines", |b| {
        b.iter_custom(|iters| {
            let mut timed = std::time::Duration::ZERO;
            for _ in 0..iters {
                if next >= RESET_AFTER {
                    engine = base.clone();
                    next = 0;
                }
                // Building the commands is the host's work, not the engine's.
                let batch: Vec<[Command; 5]> =
                    (next..next + BATCH).map(|n| lifecycle(n, SKUS)).collect();
                let start = Instant::now();
                for (k, commands) in batch.into_iter().enumerate() {
                    let at = t0() + Duration::seconds((next + k) as i64);
                    for c in commands {
                        engine.execute(c, at).expect("lifecycle commands are valid");
                    }
                }
                timed += start.elapsed();
                next += BATCH;
            }
            timed
        })
    });
    group.finish();
}

/// Replays a 1,000,000-event log (catalog setup plus full lifecycles) from nothing.
fn replay(c: &mut Criterion) {
    const EVENTS: usize = 1_000_000;
    let mut group = c.benchmark_group("replay");
    group.sample_size(10);
    let (mut source, mut log) = stocked_engine(Config::default(), SKUS, LOCATIONS, UNITS);
    let per_order = {
        let mut probe = source.clone();
        event_log(&mut probe, 1, SKUS).len()
    };
    let orders = (EVENTS - log.len()).div_ceil(per_order);
    log.extend(event_log(&mut source, orders, SKUS));
    log.truncate(EVENTS);
    group.throughput(Throughput::Elements(log.len() as u64));
    group.bench_function("replay_1m_events", |b| {
        // Dropping the rebuilt engine is not part of a replay.
        b.iter_with_large_drop(|| Engine::replay(Config::default(), &log).expect("the log replays"))
    });
    group.finish();
}

/// One small command (`receive_stock`, one event) at a time: the baseline
/// for the bindings' per-call overhead (`oms-py/benches/overhead.py`).
fn small_command(c: &mut Criterion) {
    let mut group = c.benchmark_group("small_command");
    group.throughput(Throughput::Elements(1));
    let (mut engine, _) = stocked_engine(Config::default(), 1, 1, 1);
    let command: Command = oms_core::ReceiveStock {
        sku: sku(0),
        location_id: oms_core::LocationId::new("WH-0"),
        quantity: 1,
        reference: None,
    }
    .into();
    group.bench_function("receive_stock", |b| {
        b.iter_batched(
            || command.clone(),
            |c| engine.execute(c, t0()).expect("a valid receipt"),
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, lifecycles, replay, small_command);
criterion_main!(benches);
