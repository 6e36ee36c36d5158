//! Times (or, under callgrind, counts) a replay of setup events plus `n`
//! full lifecycles: `cargo run --profile bench --example profile_replay -- 80000`.
use oms_benches::*;
use oms_core::{Config, Engine, Event};

#[inline(never)]
fn do_replay(log: &[Event]) -> Engine {
    Engine::replay(Config::default(), log).expect("the log replays")
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let (mut source, mut log) = stocked_engine(Config::default(), 10_000, 5, 1_000_000_000);
    log.extend(event_log(&mut source, n, 10_000));
    let start = std::time::Instant::now();
    let e = do_replay(&log);
    let el = start.elapsed();
    println!(
        "{} events in {el:?}: {:.0}/s ({})",
        log.len(),
        log.len() as f64 / el.as_secs_f64(),
        e.events_applied()
    );
    std::process::exit(0);
}
