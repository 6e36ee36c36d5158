//! Routes one generated order many times, for profiling (perf, callgrind):
//! `profile_routing [picks] [aisles] [blocks] [rounds]`.

use oms_benches::sprp::{bench_floor, bench_picks};
use oms_core::picking::optimal_route;

fn main() {
    let arg = |i: usize, d: u32| {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(d)
    };
    let (picks, aisles, blocks, rounds) = (arg(1, 30), arg(2, 50), arg(3, 1), arg(4, 100_000));
    let layout = bench_floor(aisles, blocks);
    let slots = bench_picks(&layout, picks as usize);
    let mut total = 0;
    let t = std::time::Instant::now();
    for _ in 0..rounds {
        total += optimal_route(&layout, std::hint::black_box(&slots)).map_or(0, |r| r.distance);
    }
    let per = t.elapsed().as_nanos() as f64 / f64::from(rounds) / 1000.0;
    println!(
        "{picks} picks, {aisles} aisles, {blocks} blocks: {per:.2} µs per route (checksum {total})"
    );
}
