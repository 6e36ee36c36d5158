//! Packing: loading one e-commerce order (3 or 10 items of mixed sizes)
//! into a 400 × 300 × 250 mm carton, and a Bischoff–Ratcliff-like
//! container (587 × 233 × 220 cm, 10 box types, about 140 boxes) generated
//! here. The published BR1–BR7 instances are run by
//! `cargo run --release -p oms-benches --example packing_br -- <data>`.
//!
//! Run with `cargo bench -p oms-benches --bench packing`.

use criterion::{criterion_group, criterion_main, Criterion};
use oms_core::packing::{load_container, Container, ItemType, LoadOptions, Orientation};
use oms_core::Dims;

/// A fixed xorshift sequence: the same items every run.
fn items(n: usize, lo: u32, hi: u32, quantity: (u64, u64), seed: u64) -> Vec<ItemType> {
    let mut x = seed;
    let mut next = |lo: u32, hi: u32| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        lo + (x % u64::from(hi - lo + 1)) as u32
    };
    (0..n)
        .map(|i| ItemType {
            dims: Dims {
                length: next(lo, hi),
                width: next(lo, hi),
                height: next(lo, hi),
            },
            weight: u64::from(next(100, 2_000)),
            quantity: quantity.0 + u64::from(next(0, (quantity.1 - quantity.0) as u32)),
            orientation: if i % 3 == 0 {
                Orientation::Upright
            } else {
                Orientation::Any
            },
        })
        .collect()
}

fn loading(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    let carton = Container {
        dims: Dims {
            length: 400,
            width: 300,
            height: 250,
        },
        max_weight: Some(20_000),
    };
    for n in [3, 10] {
        let order = items(n, 40, 160, (1, 1), 0x9E37_79B9_7F4A_7C15);
        group.bench_function(format!("order_{n}_items"), |b| {
            b.iter(|| load_container(&carton, &order, &LoadOptions::default()))
        });
    }
    let container = Container {
        dims: Dims {
            length: 587,
            width: 233,
            height: 220,
        },
        max_weight: None,
    };
    let boxes = items(10, 30, 120, (8, 20), 0x2545_F491_4F6C_DD1D);
    group.bench_function("container_10_types", |b| {
        b.iter(|| load_container(&container, &boxes, &LoadOptions::default()))
    });
    group.finish();
}

criterion_group!(benches, loading);
criterion_main!(benches);
