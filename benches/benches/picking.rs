//! Picking: exact routes on generated floors of 50 aisles × 90 bays (one
//! block, or two of 45 bays) for 30 and 200 picks, with the combined
//! heuristic for comparison; order batching on Henn–Wäscher-style
//! instances (20 and 100 orders, a cart of 45 items) by each method; and
//! in the engine, releasing a wave of 100 allocated orders and confirming
//! one pick. The published routing instances are timed by the runner
//! `cargo run --release -p oms-benches --example routing_optima -- <data>`.
//!
//! Run with `cargo bench -p oms-benches --bench picking`.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use oms_benches::batching::{layout, orders, picking_engine};
use oms_benches::sprp::{bench_floor, bench_picks};
use oms_benches::t0;
use oms_core::picking::{
    batch_orders, heuristic_route, optimal_route, BatchMethod, BatchOptions, Cart, Heuristic,
    PickMethod,
};
use oms_core::{Command, ConfirmPick, ReleaseWave, TaskId, WaveId};

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

fn batching(c: &mut Criterion) {
    let mut group = c.benchmark_group("batch");
    group.sample_size(10);
    let floor = layout();
    let cart = Cart {
        max_items: Some(45),
        ..Cart::default()
    };
    for n in [20, 100] {
        let input = orders(n, 45);
        for method in [
            BatchMethod::Fcfs,
            BatchMethod::Seed,
            BatchMethod::Savings,
            BatchMethod::Ils,
        ] {
            let options = BatchOptions::new(method);
            let id = BenchmarkId::new(method.as_str(), n);
            group.bench_with_input(id, &input, |b, o| {
                b.iter(|| batch_orders(&floor, o, &cart, &options))
            });
        }
    }
    group.finish();
}

fn release(method: PickMethod) -> Command {
    ReleaseWave {
        wave_id: WaveId::new("W-1"),
        location_id: oms_core::LocationId::new("WH-0"),
        method,
        order_ids: None,
        selection: Some(oms_core::picking::WaveRules {
            max_orders: Some(100),
            ..Default::default()
        }),
        cart: Some(Cart {
            max_items: Some(45),
            max_orders: Some(8),
            ..Cart::default()
        }),
        batching: None,
        heuristic: None,
    }
    .into()
}

fn engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("wave");
    group.sample_size(10);
    let base = picking_engine(100);
    for method in [
        PickMethod::SingleOrder,
        PickMethod::Cluster,
        PickMethod::Zone,
    ] {
        let name = format!("release_100_orders/{method:?}");
        group.bench_function(name, |b| {
            b.iter_batched(
                || base.clone(),
                // The engine is returned, so dropping it is not timed.
                |mut e| {
                    let events = e.execute(release(method), t0()).expect("wave releases");
                    (e, events)
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
    let mut released = base.clone();
    released
        .execute(release(PickMethod::Cluster), t0())
        .expect("wave releases");
    let sku = released.pick_task("W-1-1").expect("task").stops[0]
        .sku
        .to_string();
    let mut group = c.benchmark_group("pick");
    group.bench_function("confirm_pick_with_scan", |b| {
        b.iter_batched(
            || released.clone(),
            |mut e| {
                let events = e
                    .execute(
                        ConfirmPick {
                            task_id: TaskId::new("W-1-1"),
                            stop: 0,
                            quantity: 1,
                            scanned_code: Some(sku.clone()),
                        }
                        .into(),
                        t0(),
                    )
                    .expect("pick confirms");
                (e, events)
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, routes, batching, engine);
criterion_main!(benches);
