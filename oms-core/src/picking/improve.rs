//! A route by local search on shortest walking distances: for floors with
//! more blocks than the exact sweep handles ([`super::MAX_EXACT_BLOCKS`]), and for
//! anyone who wants a fast route on any floor.
//!
//! It starts from the shortest of six tours: the orders of the five
//! classic heuristics ([`super::heuristic_route`]) and nearest neighbour
//! from the depot (up to [`MAX_IMPROVED_STOPS`] stops). It then applies
//! 2-opt (reverse a stretch of the tour) and Or-opt (move a stretch of one
//! to three stops elsewhere, either way round), each on the exact shortest
//! distance between two stops, until neither shortens the tour. Stops at one bay are one stop.

use super::heuristics::{self, Heuristic};
use super::layout::{Layout, Point, Slot};
use super::routing::{Route, Waypoint};
use crate::error::Result;

/// The most distinct stops the local search improves; beyond, the best
/// heuristic's order is returned as it is.
pub const MAX_IMPROVED_STOPS: usize = 2_000;

/// A route through `picks` by local search (2-opt and Or-opt on shortest
/// walking distances), on any floor. Not always optimal: on floors of up
/// to [`super::MAX_EXACT_BLOCKS`] blocks, [`super::optimal_route`] is exact, and it
/// uses this beyond.
///
/// ```
/// use oms_core::picking::{improved_route, optimal_route, Depot, Layout, Slot};
/// let layout = Layout::single_block(4, 3, 10, 1, 1, Depot { aisle: 0, cross_aisle: 0 });
/// let picks = [Slot { block: 0, aisle: 3, bay: 2 }, Slot { block: 0, aisle: 1, bay: 8 }];
/// let fast = improved_route(&layout, &picks).unwrap();
/// assert!(fast.distance >= optimal_route(&layout, &picks).unwrap().distance);
/// assert_eq!(fast.order.len(), 2);
/// ```
pub fn improved_route(layout: &Layout, picks: &[Slot]) -> Result<Route> {
    layout.check()?;
    for (i, p) in picks.iter().enumerate() {
        if layout.check_slot(p, "").is_err() {
            layout.check_slot(p, &format!("picks[{i}]"))?;
        }
    }
    Ok(local_search(layout, picks))
}

/// [`improved_route`] on a checked floor and picks.
pub(crate) fn local_search(layout: &Layout, picks: &[Slot]) -> Route {
    // Distinct stops, each with the picks there.
    let mut keyed: Vec<(Slot, usize)> = picks.iter().copied().zip(0..).collect();
    keyed.sort_unstable();
    let mut stops: Vec<Point> = Vec::new();
    let mut at: Vec<Vec<usize>> = Vec::new();
    for (k, &(slot, i)) in keyed.iter().enumerate() {
        if k == 0 || keyed[k - 1].0 != slot {
            stops.push(layout.point(&slot));
            at.push(Vec::new());
        }
        if let Some(v) = at.last_mut() {
            v.push(i);
        }
    }
    let depot = layout.depot_point();
    // Node 0 is the depot, node k the (k-1)-th stop.
    let node = |k: usize| if k == 0 { depot } else { stops[k - 1] };
    let n = stops.len() + 1;
    let small = n <= MAX_IMPROVED_STOPS;
    let matrix: Vec<u64> = if small {
        (0..n * n)
            .map(|ij| layout.point_distance(&node(ij / n), &node(ij % n)))
            .collect()
    } else {
        Vec::new()
    };
    let d = |a: usize, b: usize| {
        if small {
            matrix[a * n + b]
        } else {
            layout.point_distance(&node(a), &node(b))
        }
    };
    let length = |tour: &[usize]| -> u64 {
        tour.windows(2).map(|w| d(w[0], w[1])).sum::<u64>() + tour.last().map_or(0, |&l| d(l, 0))
    };

    // The classic heuristics' orders as starts.
    let mut node_of = vec![0usize; picks.len()];
    for (k, v) in at.iter().enumerate() {
        for &i in v {
            node_of[i] = k + 1;
        }
    }
    let starts = Heuristic::ALL.map(|h| {
        let mut seen = vec![false; n];
        let mut tour = vec![0usize];
        for i in heuristics::walk(layout, picks, h).order {
            let k = node_of[i];
            if !std::mem::replace(&mut seen[k], true) {
                tour.push(k);
            }
        }
        tour
    });
    let mut nearest = vec![0usize];
    if small {
        let mut left: Vec<usize> = (1..n).collect();
        while !left.is_empty() {
            let last = nearest[nearest.len() - 1];
            let (pos, _) = left
                .iter()
                .enumerate()
                .min_by_key(|&(_, &k)| (d(last, k), k))
                .unwrap_or((0, &0));
            nearest.push(left.swap_remove(pos));
        }
    }
    let mut tour = starts
        .into_iter()
        .chain(small.then_some(nearest))
        .min_by_key(|t| length(t))
        .unwrap_or_default();
    if small {
        improve(&mut tour, &d);
    }
    let distance = length(&tour);
    let mut order = Vec::with_capacity(picks.len());
    for &k in &tour[1..] {
        order.extend_from_slice(&at[k - 1]);
    }
    let mut path = vec![Waypoint {
        aisle: depot.aisle,
        y: depot.y,
    }];
    let ends: Vec<usize> = tour.iter().copied().skip(1).chain([0]).collect();
    let mut from = depot;
    for k in ends {
        let to = node(k);
        walk(layout, &from, &to, &mut path);
        from = to;
    }
    Route {
        order,
        distance,
        path,
    }
}

/// 2-opt and Or-opt until neither shortens `tour` (node 0, the depot, stays first).
fn improve(tour: &mut Vec<usize>, d: &impl Fn(usize, usize) -> u64) {
    let n = tour.len();
    if n < 3 {
        return;
    }
    // The node after position i, the tour being closed at the depot.
    let next = |t: &[usize], i: usize| t[(i + 1) % t.len()];
    loop {
        let mut better = false;
        // 2-opt: reverse tour[i+1..=j].
        for i in 0..n - 1 {
            for j in i + 2..n {
                let (a, b, c, e) = (tour[i], tour[i + 1], tour[j], next(tour, j));
                if d(a, c) + d(b, e) < d(a, b) + d(c, e) {
                    tour[i + 1..=j].reverse();
                    better = true;
                }
            }
        }
        // Or-opt: move tour[i..i+len] between two other neighbours.
        for len in 1..=3usize {
            let mut i = 1;
            while i + len <= n {
                let (p, q) = (tour[i - 1], next(tour, i + len - 1));
                let (first, last) = (tour[i], tour[i + len - 1]);
                // Signed: a stretch's ends can be nearer two stops than they are to each other.
                let gain = |a: u64, b: u64, c: u64| i128::from(a) + i128::from(b) - i128::from(c);
                let removed = gain(d(p, first), d(last, q), d(p, q));
                let mut best: Option<(i128, usize, bool)> = None;
                for j in 0..n {
                    // Insert between tour[j] and its successor, outside the segment.
                    if j + 1 >= i && j < i + len {
                        continue;
                    }
                    let (x, y) = (tour[j], next(tour, j));
                    for reversed in [false, true] {
                        let (s, t) = if reversed {
                            (last, first)
                        } else {
                            (first, last)
                        };
                        let added = gain(d(x, s), d(t, y), d(x, y));
                        if added < removed && best.is_none_or(|b| added < b.0) {
                            best = Some((added, j, reversed));
                        }
                    }
                }
                if let Some((_, j, reversed)) = best {
                    let mut segment: Vec<usize> = tour.drain(i..i + len).collect();
                    if reversed {
                        segment.reverse();
                    }
                    let at = if j < i { j + 1 } else { j + 1 - len };
                    tour.splice(at..at, segment);
                    better = true;
                }
                i += 1;
            }
        }
        if !better {
            return;
        }
    }
}

/// Appends the turning points of the shortest walk `from` → `to`: along
/// the aisle, or out by the best cross aisle, across and in.
fn walk(layout: &Layout, from: &Point, to: &Point, path: &mut Vec<Waypoint>) {
    let mut go = |aisle: u32, y: u64| {
        let w = Waypoint { aisle, y };
        if path.last() != Some(&w) {
            path.push(w);
        }
    };
    if from.aisle != to.aisle {
        let c = layout
            .cross_aisle_ys()
            .min_by_key(|&c| from.y.abs_diff(c) + to.y.abs_diff(c))
            .unwrap_or(0);
        go(from.aisle, c);
        go(to.aisle, c);
    }
    go(to.aisle, to.y);
}
