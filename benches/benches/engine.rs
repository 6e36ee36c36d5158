//! Throughput of the engine: full order lifecycles and event-log replay.
//!
//! Run with `cargo bench -p oms-benches --bench engine`.

use chrono::Duration;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use oms_benches::*;
use oms_core::{Command, Config, Engine};

const SKUS: usize = 10_000;
const LOCATIONS: usize = 5;
const UNITS: u64 = 1_000_000_000;

/// Place, pay, allocate, ship and deliver 3-line orders; one element = one order.
fn lifecycles(c: &mut Criterion) {
    const BATCH: usize = 1_000;
    let mut group = c.benchmark_group("lifecycle");
    group.throughput(Throughput::Elements(BATCH as u64));
    let (mut engine, _) = stocked_engine(Config::default(), SKUS, LOCATIONS, UNITS);
    let mut next = 0usize;
    group.bench_function("place_pay_allocate_ship_deliver_3_lines", |b| {
        b.iter_batched(
            || {
                // Building the commands is the host's work, not the engine's.
                let batch: Vec<(usize, [Command; 5])> = (next..next + BATCH)
                    .map(|n| (n, lifecycle(n, SKUS)))
                    .collect();
                next += BATCH;
                batch
            },
            |batch| {
                for (n, commands) in batch {
                    let at = t0() + Duration::seconds(n as i64);
                    for c in commands {
                        engine.execute(c, at).expect("lifecycle commands are valid");
                    }
                }
            },
            BatchSize::PerIteration,
        )
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
        b.iter(|| Engine::replay(Config::default(), &log).expect("the log replays"))
    });
    group.finish();
}

criterion_group!(benches, lifecycles, replay);
criterion_main!(benches);
