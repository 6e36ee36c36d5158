//! Container loading on the Bischoff–Ratcliff instances BR1–BR7 (700
//! problems, 3–20 box types, container 587 × 233 × 220), against
//! EB-AFIT's published per-instance utilisation.
//!
//! cargo run --release -p oms-benches --example packing_br -- ../shared/data/packing [tries]
//!
//! Each problem is loaded twice: with every rotation allowed (EB-AFIT's
//! rule) and with the instances' flags (which sides may be vertical).
//! Every load is checked with `validate`. Prints per class the mean
//! utilisation, EB-AFIT's, and the median time per instance.

use std::collections::BTreeMap;
use std::time::Instant;

use oms_core::packing::{
    load_container, validate_load, Container, ItemType, LoadOptions, Orientation,
};
use oms_core::Dims;

struct Problem {
    container: Dims,
    /// `(d1, d2, d3, may each be vertical, quantity)`.
    boxes: Vec<([u32; 3], [bool; 3], u64)>,
}

fn parse(text: &str) -> Vec<Problem> {
    let mut t = text
        .split_whitespace()
        .map(|w| w.parse::<u64>().expect("a number"));
    let mut next = || t.next().expect("more numbers");
    let count = next();
    (0..count)
        .map(|_| {
            let (_p, _seed) = (next(), next());
            let container = Dims {
                length: next() as u32,
                width: next() as u32,
                height: next() as u32,
            };
            let n = next();
            let boxes = (0..n)
                .map(|_| {
                    let _i = next();
                    let (d1, f1, d2, f2, d3, f3) = (next(), next(), next(), next(), next(), next());
                    let q = next();
                    (
                        [d1 as u32, d2 as u32, d3 as u32],
                        [f1 == 1, f2 == 1, f3 == 1],
                        q,
                    )
                })
                .collect();
            Problem { container, boxes }
        })
        .collect()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/data/packing".into());
    let tries: u32 = std::env::args()
        .nth(2)
        .map(|s| s.parse().expect("tries: a number"))
        .unwrap_or(LoadOptions::default().tries);
    let options = LoadOptions { tries, seed: 0 };
    let csv = std::fs::read_to_string(format!("{dir}/eb_afit/eb_afit_br1_7.csv"))
        .unwrap_or_else(|e| panic!("{dir}/eb_afit/eb_afit_br1_7.csv: {e}"));
    let mut eb_afit: BTreeMap<(u32, usize), f64> = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        let class: u32 = c[0].trim_start_matches("BR").parse().expect("a class");
        eb_afit.insert(
            (class, c[1].parse().expect("a problem")),
            c[6].parse().expect("a %"),
        );
    }
    println!("tries per instance: {tries}");
    println!("class  problems  EB-AFIT %  any rotation %  (min)    flags %  (min)   median ms (any, flags)");
    let (mut all_any, mut all_flags, mut all_eb, mut n_all) = (0.0, 0.0, 0.0, 0);
    let (mut times, mut flag_times) = (Vec::new(), Vec::new());
    for class in 1..=7u32 {
        let path = format!("{dir}/br_orlib/thpack{class}.txt");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let problems = parse(&text);
        let (mut any_sum, mut flags_sum, mut eb_sum) = (0.0, 0.0, 0.0);
        let (mut any_min, mut flags_min) = (f64::MAX, f64::MAX);
        let (mut t_any, mut t_flags) = (Vec::new(), Vec::new());
        for (k, p) in problems.iter().enumerate() {
            let container = Container {
                dims: p.container,
                max_weight: None,
            };
            for rotate in [true, false] {
                let items: Vec<ItemType> = p
                    .boxes
                    .iter()
                    .map(|&(d, f, q)| ItemType {
                        dims: Dims {
                            length: d[0],
                            width: d[1],
                            height: d[2],
                        },
                        weight: 0,
                        quantity: q,
                        orientation: if rotate {
                            Orientation::Any
                        } else {
                            Orientation::Vertical {
                                length: f[0],
                                width: f[1],
                                height: f[2],
                            }
                        },
                    })
                    .collect();
                let start = Instant::now();
                let load = load_container(&container, &items, &options).expect("a load");
                let ms = start.elapsed().as_secs_f64() * 1e3;
                validate_load(&container, &items, &load.placed)
                    .unwrap_or_else(|e| panic!("BR{class} #{}: invalid load: {e}", k + 1));
                let pct = 100.0 * load.utilisation(&container);
                if rotate {
                    any_sum += pct;
                    any_min = any_min.min(pct);
                    t_any.push(ms);
                } else {
                    flags_sum += pct;
                    flags_min = flags_min.min(pct);
                    t_flags.push(ms);
                }
            }
            eb_sum += eb_afit[&(class, k + 1)];
        }
        let n = problems.len() as f64;
        times.extend_from_slice(&t_any);
        flag_times.extend_from_slice(&t_flags);
        println!(
            "BR{class}   {:>8}  {:>9.2}  {:>14.2}  ({:.2})  {:>7.2}  ({:.2})   {:.2}, {:.2}",
            problems.len(),
            eb_sum / n,
            any_sum / n,
            any_min,
            flags_sum / n,
            flags_min,
            median(&mut t_any),
            median(&mut t_flags)
        );
        all_any += any_sum;
        all_flags += flags_sum;
        all_eb += eb_sum;
        n_all += problems.len();
    }
    let n = n_all as f64;
    println!(
        "BR1-7  {n_all:>8}  {:>9.2}  {:>14.2}           {:>7.2}            median {:.2}, {:.2} ms",
        all_eb / n,
        all_any / n,
        all_flags / n,
        median(&mut times),
        median(&mut flag_times)
    );
    let slowest = times
        .iter()
        .chain(&flag_times)
        .fold(0.0f64, |m, &t| m.max(t));
    println!("slowest instance: {slowest:.2} ms");
}
