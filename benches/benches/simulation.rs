//! The what-if simulation on 1,000,000 order lines: adding the rows and
//! running the replay (`oms_core::simulation`), the core's share of
//! `oms_engine.simulate` (the Python runner `oms-py/benches/simulate_bench.py`
//! measures the whole, Arrow in and tables out).
//!
//! The data mirror the Python runner's: 1-4 lines per order, 5 networks of
//! 6 locations, 20,000 SKUs with skewed demand, opening stock for about
//! nine in ten units spread over three locations per network, and a
//! receipt per network and SKU a month in.
//!
//! Run with `cargo bench -p oms-benches --bench simulation`.

use std::collections::BTreeMap;

use chrono::Duration;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use oms_benches::{t0, SplitMix};
use oms_core::money::Currency;
use oms_core::order::Priority;
use oms_core::simulation::{LocationRow, OrderLineRow, ShipTo, Simulation, StockRow};
use oms_core::SourcingPolicy;
use rust_decimal::Decimal;

const LINES: usize = 1_000_000;
const NETWORKS: usize = 5;
const PER_NETWORK: usize = 6;
const SKUS: u64 = 20_000;

struct Line {
    minutes: i64,
    order: String,
    customer: String,
    sku: String,
    quantity: u64,
    cents: i64,
    lat: f64,
    lon: f64,
    network: String,
}

struct Data {
    locations: Vec<(String, f64, f64, String)>,
    stock: Vec<(String, String, u64, Option<i64>)>,
    lines: Vec<Line>,
}

fn data() -> Data {
    let mut rng = SplitMix(7);
    let mut lines = Vec::with_capacity(LINES);
    let mut order = 0usize;
    let mut minutes = 0i64;
    while lines.len() < LINES {
        let n = 1 + rng.below(4) as usize;
        let network = format!("N{}", rng.below(NETWORKS as u64));
        let (lat, lon) = (rng.between(25.0, 48.0), rng.between(-123.0, -70.0));
        minutes += rng.below(2) as i64;
        for _ in 0..n.min(LINES - lines.len()) {
            // Skewed demand: a few SKUs sell most.
            let u = rng.between(0.0, 1.0);
            let sku = ((u * u * u) * SKUS as f64) as u64;
            lines.push(Line {
                minutes,
                order: format!("SO-{order}"),
                customer: format!("C{}", order % 50_000),
                sku: format!("SKU-{sku}"),
                quantity: 1 + rng.below(3),
                cents: 199 + rng.below(9800) as i64,
                lat,
                lon,
                network: network.clone(),
            });
        }
        order += 1;
    }
    let locations = (0..NETWORKS)
        .flat_map(|n| (0..PER_NETWORK).map(move |i| (n, i)))
        .map(|(n, i)| {
            (
                format!("N{n}-L{i}"),
                25.0 + (i * 4) as f64,
                -123.0 + (n * 10) as f64,
                format!("N{n}"),
            )
        })
        .collect();
    let mut demand: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for l in &lines {
        *demand.entry((&l.network, &l.sku)).or_default() += l.quantity;
    }
    let mut stock = Vec::new();
    for ((network, sku), q) in demand {
        let share = (q * 9 / 30).max(1);
        let first = rng.below(PER_NETWORK as u64) as usize;
        for k in 0..3 {
            let place = (first + k * 2) % PER_NETWORK;
            stock.push((format!("{network}-L{place}"), sku.to_string(), share, None));
        }
        stock.push((
            format!("{network}-L{first}"),
            sku.to_string(),
            q / 10 + 1,
            Some(60 * 24 * 30),
        ));
    }
    Data {
        locations,
        stock,
        lines,
    }
}

fn run(d: &Data) -> usize {
    let mut sim = Simulation::new(&SourcingPolicy::default()).unwrap();
    for (id, lat, lon, network) in &d.locations {
        sim.add_location(LocationRow {
            location_id: id,
            latitude: Some(*lat),
            longitude: Some(*lon),
            network: Some(network),
            ..Default::default()
        })
        .unwrap();
    }
    for (location, sku, quantity, minutes) in &d.stock {
        sim.add_stock(StockRow {
            location_id: location,
            sku,
            quantity: *quantity,
            at: minutes.map(|m| t0() + Duration::minutes(m)),
        })
        .unwrap();
    }
    let usd = Currency::new("USD").unwrap();
    sim.reserve(d.lines.len());
    for l in &d.lines {
        sim.add_order_line(OrderLineRow {
            placed_at: t0() + Duration::minutes(l.minutes),
            order_id: &l.order,
            customer_id: &l.customer,
            channel: "web",
            sku: &l.sku,
            quantity: l.quantity,
            unit_price: Decimal::new(l.cents, 2),
            currency: usd,
            ship_to: ShipTo {
                latitude: Some(l.lat),
                longitude: Some(l.lon),
                ..Default::default()
            },
            priority: Priority::Standard,
            network: Some(&l.network),
        })
        .unwrap();
    }
    let out = sim.run(&mut |_| true).unwrap();
    out.allocations.len()
}

fn bench(c: &mut Criterion) {
    let d = data();
    let mut g = c.benchmark_group("simulation");
    g.sample_size(10);
    g.throughput(Throughput::Elements(LINES as u64));
    g.bench_function("simulate_1m_lines", |b| b.iter(|| run(&d)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
