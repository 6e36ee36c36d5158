//! Runs `n` full lifecycles (place, pay, allocate, ship, deliver) and prints
//! the time per command type; for profiling with perf or callgrind:
//! `cargo run --profile bench -p oms-benches --example profile_lifecycle -- 200000`.
//! A second argument (any) runs only the placements.

use std::time::{Duration as Elapsed, Instant};

use chrono::Duration;
use oms_benches::*;
use oms_core::Config;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let only_place = args.next().is_some();
    let (mut engine, _) = stocked_engine(Config::default(), 10_000, 5, 1_000_000_000);
    let commands: Vec<_> = (0..n).map(|i| lifecycle(i, 10_000)).collect();
    let mut per_kind = [Elapsed::ZERO; 5];
    let mut events = 0;
    let start = Instant::now();
    for (i, lifecycle) in commands.into_iter().enumerate() {
        let at = t0() + Duration::seconds(i as i64);
        for (k, c) in lifecycle.into_iter().enumerate() {
            if only_place && k > 0 {
                break;
            }
            let t = Instant::now();
            events += engine
                .execute(c, at)
                .expect("lifecycle commands are valid")
                .len();
            per_kind[k] += t.elapsed();
        }
    }
    let elapsed = start.elapsed();
    println!(
        "{n} lifecycles in {elapsed:?}: {:.0}/s, {events} events",
        n as f64 / elapsed.as_secs_f64()
    );
    for (k, name) in ["place", "pay", "allocate", "ship", "deliver"]
        .iter()
        .enumerate()
    {
        println!(
            "  {name:9} {:.2} µs",
            per_kind[k].as_secs_f64() * 1e6 / n as f64
        );
    }
    // Skip dropping the engine: it is not part of what is measured.
    std::process::exit(0);
}
