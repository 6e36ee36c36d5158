//! Pick routes against the published optima of the single-picker routing
//! instances (Heßler & Irnich; `../shared/data/routing`, see its
//! PROVENANCE.md). Prints, per layout and instance size, how many routes
//! match the proven optimum, the mean and largest gap, and the median time
//! of one route.
//!
//! ```text
//! cargo run --release -p oms-benches --example routing_optima -- ../shared/data/routing [SPRP|SPRP-SS]
//! ```
//!
//! The optional second argument keeps one problem (classical or scattered storage).

use std::collections::BTreeMap;
use std::time::Instant;

use oms_benches::sprp::Instance;
use oms_core::picking::{
    heuristic_route, improved_route, optimal_route, scattered_route, Article, Heuristic, Slot,
    Stocked,
};

#[derive(Default)]
struct Tally {
    n: usize,
    exact: usize,
    gap_sum: f64,
    gap_max: f64,
    times_ns: Vec<u128>,
}

impl Tally {
    /// How many routes were optimal, and the mean and largest gap.
    fn gaps(&self) -> String {
        format!(
            "{} of {} optimal, mean gap {:.4}%, max {:.4}%",
            self.exact,
            self.n,
            self.gap_sum / self.n as f64,
            self.gap_max
        )
    }
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/data/routing".into());
    let only = std::env::args().nth(2);
    let index = std::fs::read_to_string(format!("{dir}/reference_optimal.csv"))
        .unwrap_or_else(|e| panic!("{dir}/reference_optimal.csv: {e}"));
    let mut header = None;
    let mut sets: BTreeMap<(String, String, u32, u32, u32), Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut exact_ss = 0;
    // Routes that tried every combination yet missed the optimum, by
    // layout and demand: the reference is then below every route that
    // picks the stated quantities from the stated stock.
    let mut exact_wrong: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Scattered storage per layout and demand (unit or varying).
    let mut by_demand: BTreeMap<String, Tally> = BTreeMap::new();
    // Scattered storage per layout, without the references proven out of reach.
    let mut reachable: BTreeMap<String, Tally> = BTreeMap::new();
    // Per layout and heuristic: (gap sum, instances, times).
    let mut classic: BTreeMap<(String, &'static str), (f64, usize, Vec<u128>)> = BTreeMap::new();
    // The local search (`improved_route`, used beyond four blocks) per
    // layout: (gap sum, instances, optimal, times).
    let mut local: BTreeMap<String, (f64, usize, usize, Vec<u128>)> = BTreeMap::new();
    for line in index.lines() {
        let cols: Vec<&str> = line.split(',').collect();
        let Some(h) = &header else {
            header = Some(cols.iter().map(|c| c.to_string()).collect::<Vec<_>>());
            continue;
        };
        let col = |name: &str| cols[h.iter().position(|c| c == name).expect(name)];
        if only.as_deref().is_some_and(|p| p != col("problem")) {
            continue;
        }
        let path = format!("{dir}/{}", col("instance_path"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let text: String = bytes.iter().map(|&b| b as char).collect(); // Latin-1
        let inst = Instance::parse(col("instance_name"), &text).expect("an instance");
        let blocks = if col("layout") == "two-block" { 2 } else { 1 };
        let layout = inst.layout(blocks);
        let optimum: u64 = col("optimal_cost").parse().expect("a cost");
        let scattered = col("problem") == "SPRP-SS";
        if scattered && inst.dedicated() && inst.demand.iter().all(|&d| d == 1) {
            continue; // the same instance as its SPRP row
        }
        let articles: Vec<Article> = (0..inst.articles.len())
            .map(|a| Article {
                quantity: inst.demand[a],
                stock: inst.articles[a]
                    .iter()
                    .zip(&inst.units[a])
                    .map(|(&p, &units)| Stocked {
                        slot: inst.slot(blocks, p),
                        units,
                    })
                    .collect(),
            })
            .collect();
        let picks: Vec<Slot> = inst
            .articles
            .iter()
            .map(|a| inst.slot(blocks, a[0]))
            .collect();
        // The median of a few runs (one for scattered storage, which is slower).
        let mut best = None;
        let mut times = Vec::new();
        let mut unreachable = false;
        let runs = if scattered { 1 } else { 7 };
        for _ in 0..runs {
            let t = Instant::now();
            let distance = if scattered {
                let r = scattered_route(&layout, &articles)
                    .unwrap_or_else(|e| panic!("{} ({}): {e}", inst.name, col("layout")));
                if r.exact {
                    exact_ss += 1;
                    if r.route.distance != optimum {
                        unreachable = true;
                        let key = format!("{} {}", col("layout"), col("demand"));
                        exact_wrong.entry(key).or_default().push(format!(
                            "{} ({}): {} vs {optimum}",
                            inst.name,
                            col("layout"),
                            r.route.distance
                        ));
                    }
                }
                r.route.distance
            } else {
                optimal_route(&layout, &picks)
                    .unwrap_or_else(|e| panic!("{} ({}): {e}", inst.name, col("layout")))
                    .distance
            };
            times.push(t.elapsed().as_nanos());
            best = Some(distance);
        }
        times.sort_unstable();
        let got = best.unwrap_or(0);
        let key = (
            col("layout").to_string(),
            col("problem").to_string(),
            inst.aisles,
            inst.cells,
            inst.articles.len() as u32,
        );
        let t = sets.entry(key).or_default();
        t.n += 1;
        let gap = (got as f64 - optimum as f64) / optimum as f64 * 100.0;
        if got == optimum {
            t.exact += 1;
        } else if misses.len() < 10 {
            misses.push(format!(
                "{} ({}): {got} vs {optimum}",
                inst.name,
                col("layout")
            ));
        }
        t.gap_sum += gap;
        t.gap_max = t.gap_max.max(gap);
        t.times_ns.push(times[times.len() / 2]);
        if scattered {
            let d = by_demand
                .entry(format!("{} {} demand", col("layout"), col("demand")))
                .or_default();
            d.n += 1;
            d.exact += usize::from(got == optimum);
            d.gap_sum += gap;
            d.gap_max = d.gap_max.max(gap);
            if !unreachable {
                let r = reachable.entry(col("layout").to_string()).or_default();
                r.n += 1;
                r.exact += usize::from(got == optimum);
                r.gap_sum += gap;
                r.gap_max = r.gap_max.max(gap);
            }
        }
        if !scattered {
            let start = Instant::now();
            let r = improved_route(&layout, &picks).expect("a local-search route");
            let ns = start.elapsed().as_nanos();
            let e = local.entry(col("layout").to_string()).or_default();
            e.0 += (r.distance as f64 - optimum as f64) / optimum as f64 * 100.0;
            e.1 += 1;
            e.2 += usize::from(r.distance == optimum);
            e.3.push(ns);
        }
        if !scattered {
            for h in Heuristic::ALL {
                let start = Instant::now();
                let r = heuristic_route(&layout, &picks, h).expect("a heuristic route");
                let ns = start.elapsed().as_nanos();
                let e = classic
                    .entry((col("layout").to_string(), h.as_str()))
                    .or_default();
                e.0 += (r.distance as f64 - optimum as f64) / optimum as f64 * 100.0;
                e.1 += 1;
                e.2.push(ns);
            }
        }
    }
    println!(
        "problem layout        aisles cells picks     n  optimal  mean gap  max gap  median µs"
    );
    let mut all: BTreeMap<String, Tally> = BTreeMap::new();
    for ((layout, problem, aisles, cells, picks), t) in &mut sets {
        t.times_ns.sort_unstable();
        let median = t.times_ns[t.times_ns.len() / 2] as f64 / 1000.0;
        println!(
            "{problem:<7} {layout:<13} {aisles:>6} {cells:>5} {picks:>5} {:>5} {:>8} {:>8.3}% {:>7.3}% {:>10.2}",
            t.n,
            t.exact,
            t.gap_sum / t.n as f64,
            t.gap_max,
            median
        );
        let a = all.entry(format!("{problem} {layout}")).or_default();
        a.n += t.n;
        a.exact += t.exact;
        a.gap_sum += t.gap_sum;
        a.gap_max = a.gap_max.max(t.gap_max);
        a.times_ns.extend(&t.times_ns);
    }
    for (layout, t) in &mut all {
        t.times_ns.sort_unstable();
        println!(
            "{layout}: {} of {} routes optimal, mean gap {:.4}%, max {:.4}%, median {:.2} µs",
            t.exact,
            t.n,
            t.gap_sum / t.n as f64,
            t.gap_max,
            t.times_ns[t.times_ns.len() / 2] as f64 / 1000.0
        );
    }
    let mut ranked: Vec<(&str, &str, f64, f64)> = classic
        .iter_mut()
        .map(|((layout, name), (sum, n, times))| {
            times.sort_unstable();
            (
                layout.as_str(),
                *name,
                *sum / *n as f64,
                times[times.len() / 2] as f64 / 1000.0,
            )
        })
        .collect();
    ranked.sort_by(|a, b| a.0.cmp(b.0).then(a.2.total_cmp(&b.2)));
    println!("classic heuristics per layout, best first (mean gap to the optimum):");
    for (layout, name, gap, median) in ranked {
        println!("  {layout:<13} {name:<12} {gap:>7.2}%   median {median:.2} µs");
    }
    println!(
        "local search (2-opt + Or-opt from the best classic heuristic / nearest neighbour; used beyond 4 blocks):"
    );
    for (layout, (sum, n, optimal, times)) in &mut local {
        times.sort_unstable();
        println!(
            "  {layout:<12} mean gap {:.3}%, {optimal} of {n} optimal, median {:.2} µs",
            *sum / *n as f64,
            times[times.len() / 2] as f64 / 1000.0
        );
    }
    println!("SPRP-SS by demand:");
    for (key, t) in &by_demand {
        println!("  {key:<28} {}", t.gaps());
    }
    for (layout, t) in &reachable {
        println!(
            "  {layout:<13} without references out of reach: {}",
            t.gaps()
        );
    }
    let wrong: usize = exact_wrong.values().map(Vec::len).sum();
    println!(
        "SPRP-SS routes found by trying every combination: {exact_ss}, of which not optimal: {wrong}"
    );
    for (key, list) in &exact_wrong {
        println!(
            "  {key}: {} (the reference is below every route picking the stated quantities)",
            list.len()
        );
        for w in list.iter().take(3) {
            println!("    tried all yet not optimal: {w}");
        }
    }
    for m in &misses {
        println!("not optimal: {m}");
    }
}
