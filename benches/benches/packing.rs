//! Packing: loading one e-commerce order (3 or 10 items of mixed sizes)
//! into a 400 × 300 × 250 mm carton, and a Bischoff–Ratcliff-like
//! container (587 × 233 × 220 cm, 10 box types, about 140 boxes) generated
//! here. The published BR1–BR7 instances are run by
//! `cargo run --release -p oms-benches --example packing_br -- <data>`.
//!
//!
//! Cartonization: e-commerce orders of 1 to 10 units into the cheapest
//! cartons of a 20-carton catalog, with dimensional weight and a rate by
//! weight break: single orders of 1, 3 and 10 units, and 100 mixed orders
//! (1 to 10 units of 1 to 4 SKUs; divide its time by 100 for one order).
//!
//! Run with `cargo bench -p oms-benches --bench packing`.

use criterion::{criterion_group, criterion_main, Criterion};
use oms_core::packing::{
    cartonize, load_container, Carton, CartonizeOptions, Container, ItemType, LoadOptions,
    Orientation, PackItem, WeightBreak,
};
use oms_core::{CartonId, Dims, Money, Sku};
use rust_decimal::Decimal;

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

/// Twenty cartons from 150 × 100 × 50 to 600 × 400 × 400 mm, costing
/// more as they grow.
fn catalog() -> Vec<Carton> {
    let sizes = [
        (150, 100, 50),
        (200, 150, 50),
        (200, 150, 100),
        (250, 150, 100),
        (250, 200, 100),
        (250, 200, 150),
        (300, 200, 100),
        (300, 200, 150),
        (300, 250, 200),
        (350, 250, 150),
        (350, 250, 250),
        (400, 300, 150),
        (400, 300, 200),
        (400, 300, 300),
        (450, 350, 250),
        (500, 300, 300),
        (500, 400, 300),
        (500, 400, 400),
        (600, 400, 300),
        (600, 400, 400),
    ];
    sizes
        .iter()
        .enumerate()
        .map(|(i, &(length, width, height))| {
            let litres = length * width * height / 1_000_000;
            Carton {
                carton_id: CartonId::new(format!("C{i:02}")),
                inner: Dims {
                    length,
                    width,
                    height,
                },
                outer: Some(Dims {
                    length: length + 6,
                    width: width + 6,
                    height: height + 6,
                }),
                max_weight: Some(25_000),
                tare_weight: 60 + u64::from(litres) * 8,
                cost: Money::new(Decimal::new(20 + i64::from(litres) * 2, 2), usd()),
                locations: None,
            }
        })
        .collect()
}

fn usd() -> oms_core::Currency {
    oms_core::Currency::new("USD").unwrap()
}

fn carton_options() -> CartonizeOptions {
    let rates = [
        (500, 450),
        (1_000, 520),
        (2_000, 610),
        (5_000, 830),
        (10_000, 1_190),
        (30_000, 2_450),
    ];
    CartonizeOptions {
        dim_divisor: Some(5_000),
        rates: rates
            .iter()
            .map(|&(up_to, cents)| WeightBreak {
                up_to,
                price: Money::new(Decimal::new(cents, 2), usd()),
            })
            .collect(),
        ..CartonizeOptions::default()
    }
}

/// An order of `units` units over up to `skus` SKUs, 30 to 250 mm a side.
fn order(units: u64, skus: usize, seed: u64) -> Vec<PackItem> {
    let types = items(skus.max(1), 30, 250, (1, 1), seed);
    let n = types.len() as u64;
    types
        .into_iter()
        .enumerate()
        .map(|(i, t)| PackItem {
            sku: Sku::new(format!("SKU-{i}")),
            quantity: units / n + u64::from((i as u64) < units % n),
            dims: t.dims,
            weight: t.weight / 2,
            orientation: t.orientation,
            fragile: false,
            hazmat: false,
            own_box: false,
        })
        .filter(|p| p.quantity > 0)
        .collect()
}

fn cartonizing(c: &mut Criterion) {
    let mut group = c.benchmark_group("cartonize");
    let cartons = catalog();
    let options = carton_options();
    for (units, skus) in [(1, 1), (3, 2), (10, 4)] {
        let items = order(units, skus, 0x9E37_79B9_7F4A_7C15 ^ units);
        group.bench_function(format!("order_{units}_units"), |b| {
            b.iter(|| cartonize(&cartons, &items, &options).unwrap())
        });
    }
    let orders: Vec<Vec<PackItem>> = (0..100u64)
        .map(|k| {
            order(
                1 + k % 10,
                1 + (k % 4) as usize,
                0x2545_F491_4F6C_DD1D + k * 7919,
            )
        })
        .collect();
    group.bench_function("mixed_100_orders", |b| {
        b.iter(|| {
            for items in &orders {
                cartonize(&cartons, items, &options).unwrap();
            }
        })
    });
    group.finish();
}

criterion_group!(benches, loading, cartonizing);
criterion_main!(benches);
