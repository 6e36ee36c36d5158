//! Order batching on Henn–Wäscher-style instances: the walking distance of
//! every method, its saving against single-order picking and FCFS, and
//! the median time per instance.
//!
//! ```text
//! cargo run --release -p oms-benches --example batching [-- orders instances]
//! ```

use std::time::Instant;

use oms_benches::batching::{layout, orders};
use oms_core::picking::{batch_orders, BatchMethod, BatchOptions, Cart};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100);
    let instances: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let layout = layout();
    println!("{n} orders, {instances} instances per capacity; distance in LU (mean), saving vs single order and vs FCFS, median time");
    for capacity in [30u64, 45, 60, 75] {
        let cart = Cart {
            max_items: Some(capacity),
            ..Cart::default()
        };
        let mut rows: Vec<(BatchMethod, Vec<u64>, Vec<f64>)> = BatchMethod::ALL
            .iter()
            .map(|&m| (m, Vec::new(), Vec::new()))
            .collect();
        for seed in 0..instances {
            let orders = orders(n, seed * 1000 + capacity);
            for (m, dist, secs) in rows.iter_mut() {
                let started = Instant::now();
                let plan = batch_orders(&layout, &orders, &cart, &BatchOptions::new(*m)).unwrap();
                secs.push(started.elapsed().as_secs_f64());
                dist.push(plan.distance);
            }
        }
        let total = |d: &[u64]| d.iter().sum::<u64>() as f64;
        let single = total(&rows[0].1);
        let fcfs = total(&rows[1].1);
        println!("capacity {capacity}:");
        for (m, dist, secs) in rows.iter_mut() {
            secs.sort_by(f64::total_cmp);
            let t = total(dist);
            println!(
                "  {:<12} {:>9.1} LU  {:>6.1}% below single  {:>6.1}% below FCFS  median {:>9.3} ms",
                m.as_str(),
                t / 2.0 / instances as f64,
                100.0 * (1.0 - t / single),
                100.0 * (1.0 - t / fcfs),
                secs[secs.len() / 2] * 1e3
            );
        }
    }
}
