//! Times batch `allocate` runs of the sourcing workload (`sourcing_engine`)
//! under the default policy or `lowest_cost`; for profiling with perf or
//! callgrind:
//! `cargo run --profile bench -p oms-benches --example profile_sourcing -- 20000 lowest_cost 5`
//! (orders, `default` or `lowest_cost`, runs). Prints a digest of the
//! events, the same as long as the decisions and explanations are.

use std::hash::{Hash, Hasher};
use std::time::Instant;

use oms_benches::*;
use oms_core::{Allocate, Command, EventKind};

fn main() {
    let mut args = std::env::args().skip(1);
    let orders: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let policy = args.next().unwrap_or_else(|| "lowest_cost".into());
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    const LOCATIONS: usize = 20;
    let mut placed = sourcing_engine(LOCATIONS, orders / 2, orders, 7);
    if policy == "lowest_cost" {
        placed
            .execute(cost_policy(LOCATIONS), t0())
            .expect("the policy is valid");
    }
    let mut times = Vec::with_capacity(runs);
    let mut allocated = 0;
    let mut digest = 0;
    for _ in 0..runs {
        let mut engine = placed.clone();
        let start = Instant::now();
        let events = engine
            .execute(Command::Allocate(Allocate::default()), t0())
            .expect("allocate is valid");
        times.push(start.elapsed());
        // To check that a faster version decides the same.
        let mut hasher = std::hash::DefaultHasher::new();
        format!("{events:?}").hash(&mut hasher);
        digest = hasher.finish();
        allocated = events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::OrderAllocated { .. }))
            .count();
    }
    times.sort();
    println!(
        "{orders} orders ({policy}): {allocated} allocated, median {:?}, fastest {:?}, events digest {digest:016x}",
        times[times.len() / 2],
        times[0]
    );
}
