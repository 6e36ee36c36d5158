use chrono::Duration;
use oms_benches::*;
use oms_core::Config;
fn main() {
    let (mut engine, _) = stocked_engine(Config::default(), 10_000, 5, 1_000_000_000);
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let cmds: Vec<_> = (0..n).map(|i| lifecycle(i, 10_000)).collect();
    let mut per = [std::time::Duration::ZERO; 5];
    let mut events = 0;
    let start = std::time::Instant::now();
    for (i, cs) in cmds.into_iter().enumerate() {
        let at = t0() + Duration::seconds(i as i64);
        let only_place = std::env::args().nth(2).is_some();
        for (k, c) in cs.into_iter().enumerate() {
            if only_place && k > 0 {
                break;
            }
            let t = std::time::Instant::now();
            events += engine.execute(c, at).unwrap().len();
            per[k] += t.elapsed();
        }
    }
    let el = start.elapsed();
    println!(
        "{n} lifecycles in {el:?}: {:.0}/s, {events} events",
        n as f64 / el.as_secs_f64()
    );
    for (k, name) in ["place", "pay", "allocate", "ship", "deliver"]
        .iter()
        .enumerate()
    {
        println!("  {name:9} {:.2} µs", per[k].as_secs_f64() * 1e6 / n as f64);
    }
    std::process::exit(0);
}
