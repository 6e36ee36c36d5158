//! Routing with scattered storage: an article stored in several bins, so
//! the route also chooses where to take each article from.
//!
//! Each article needs `quantity` units, and each of its bins holds some.
//! The choices for an article are its *covers*: sets of its bins that hold
//! enough, none of them superfluous (at most [`MAX_COVERS`] per article,
//! the smallest and nearest to the depot first). A choice of one cover per
//! article is costed with the exact router ([`super::optimal_route`]).
//!
//! - **Small instances:** when every combination can be tried (at most
//!   [`MAX_EXACT`] of them) and no article's covers were cut, all are
//!   tried, and the result is exact (`exact: true`).
//! - **Otherwise:** a local search. It starts from the best of many
//!   seeded choices. It then moves one article at a time to its best cover
//!   under the exact router. It also empties whole aisles: every article
//!   using an aisle moves to its cover nearest the other aisles visited.
//!   Then it iterates: a few articles go to random covers (seeded) and the
//!   local search runs again, until [`MAX_SEARCH_ROUTES`] routes were
//!   computed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::layout::{Layout, Point, Slot};
use super::routing::{optimal_distance, optimal_route, Route};
use crate::error::{OmsError, Result};
use crate::util::SplitMix64;

/// The most covers considered per article.
pub const MAX_COVERS: usize = 64;
/// The most combinations of covers tried one by one for an exact answer.
pub const MAX_EXACT: u64 = 20_000;
/// The most routes the iterated search computes after its first local
/// optimum (counted, not timed, so the answer is deterministic).
pub const MAX_SEARCH_ROUTES: u64 = 20_000;

/// One article to pick: how many units, and the bins that hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Article {
    /// Units to pick, at least 1.
    pub quantity: u64,
    /// The bins holding it, with the units each holds.
    pub stock: Vec<Stocked>,
}

/// A bin holding units of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stocked {
    /// Where.
    pub slot: Slot,
    /// Units there.
    pub units: u64,
}

/// A stop of a scattered-storage route: units of an article taken from a bin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Visit {
    /// The article (its index in the input).
    pub article: usize,
    /// The bin.
    pub slot: Slot,
    /// Units taken there.
    pub quantity: u64,
}

/// A route that chose its bins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ScatteredRoute {
    /// The stops, in walking order.
    pub visits: Vec<Visit>,
    /// The walk through them; `visits` is in walking order, so its `order`
    /// is `0, 1, 2, …`.
    pub route: Route,
    /// Whether every combination of bins was tried, so the route is optimal.
    pub exact: bool,
}

/// The covers of one article: minimal sets of its bins (indices) holding
/// at least `quantity` units, smallest and nearest first, at most
/// [`MAX_COVERS`]; and whether some were cut. A bin that holds enough is
/// a cover alone; larger covers are drawn from the 12 nearest bins that
/// do not, and each short bin adds the compact cover of itself and its
/// nearest bins (`between` measures that).
fn covers(
    a: &Article,
    near: impl Fn(&Slot) -> u64,
    between: impl Fn(&Slot, &Slot) -> u64,
) -> (Vec<Vec<usize>>, bool) {
    let mut found: Vec<(usize, u64, Vec<usize>)> = Vec::new();
    let mut short: Vec<(u64, usize)> = Vec::new();
    for (i, s) in a.stock.iter().enumerate() {
        if s.units >= a.quantity {
            found.push((1, near(&s.slot), vec![i]));
        } else if s.units > 0 {
            short.push((near(&s.slot), i));
        }
    }
    short.sort_unstable();
    let mut cut = short.len() > 12;
    short.truncate(12);
    for mask in 1u32..(1 << short.len()) {
        if mask.count_ones() < 2 {
            continue;
        }
        let bins: Vec<usize> = (0..short.len())
            .filter(|k| mask & (1 << k) != 0)
            .map(|k| short[k].1)
            .collect();
        let units: u64 = bins.iter().map(|&i| a.stock[i].units).sum();
        // Minimal: without any one bin it would not be enough.
        if units >= a.quantity && bins.iter().all(|&i| units - a.stock[i].units < a.quantity) {
            let dist = bins.iter().map(|&i| near(&a.stock[i].slot)).sum();
            found.push((bins.len(), dist, bins));
        }
    }
    found.sort();
    cut |= found.len() > MAX_COVERS;
    found.truncate(MAX_COVERS);
    let mut out: Vec<Vec<usize>> = found
        .into_iter()
        .map(|mut f| {
            f.2.sort_unstable();
            f.2
        })
        .collect();
    // Compact covers anywhere on the floor: each short bin with the bins
    // nearest to it, so an article can be taken where the route already
    // goes, not only near the depot.
    let all_short: Vec<usize> = (0..a.stock.len())
        .filter(|&i| a.stock[i].units > 0 && a.stock[i].units < a.quantity)
        .collect();
    for &i in &all_short {
        let mut others: Vec<(u64, usize)> = all_short
            .iter()
            .filter(|&&j| j != i)
            .map(|&j| (between(&a.stock[i].slot, &a.stock[j].slot), j))
            .collect();
        others.sort_unstable();
        let mut bins = vec![i];
        let mut units = a.stock[i].units;
        for (_, j) in others {
            if units >= a.quantity {
                break;
            }
            bins.push(j);
            units += a.stock[j].units;
        }
        if units < a.quantity {
            continue;
        }
        // Minimal: drop bins (farthest first) that are not needed.
        let mut k = bins.len();
        while k > 1 {
            k -= 1;
            if units - a.stock[bins[k]].units >= a.quantity {
                units -= a.stock[bins[k]].units;
                bins.remove(k);
            }
        }
        bins.sort_unstable();
        if !out.contains(&bins) {
            out.push(bins);
        }
    }
    (out, cut)
}

/// The shortest route that picks every article, choosing its bins.
///
/// ```
/// use oms_core::picking::{scattered_route, Article, Depot, Layout, Slot, Stocked};
/// let layout = Layout::single_block(5, 3, 10, 1, 1, Depot { aisle: 0, cross_aisle: 0 });
/// let at = |aisle, bay, units| Stocked { slot: Slot { block: 0, aisle, bay }, units };
/// // Article 0 is in aisle 4 and aisle 0; article 1 only in aisle 0.
/// let articles = [
///     Article { quantity: 1, stock: vec![at(4, 0, 5), at(0, 9, 5)] },
///     Article { quantity: 1, stock: vec![at(0, 5, 1)] },
/// ];
/// let r = scattered_route(&layout, &articles).unwrap();
/// assert!(r.exact);
/// assert!(r.visits.iter().all(|v| v.slot.aisle == 0)); // one aisle, not two
/// assert_eq!(r.route.distance, 20);
/// ```
pub fn scattered_route(layout: &Layout, articles: &[Article]) -> Result<ScatteredRoute> {
    layout.check()?;
    for (i, a) in articles.iter().enumerate() {
        if a.quantity == 0 {
            return Err(OmsError::validation(
                format!("articles[{i}].quantity"),
                "at least 1",
            ));
        }
        for (j, s) in a.stock.iter().enumerate() {
            layout.check_slot(&s.slot, &format!("articles[{i}].stock[{j}].slot"))?;
        }
        let held = a.stock.iter().fold(0u64, |t, s| t.saturating_add(s.units));
        if held < a.quantity {
            return Err(OmsError::validation(
                format!("articles[{i}]"),
                format!("{} units needed, its bins hold {held}", a.quantity),
            ));
        }
    }
    let depot = layout.depot_point();
    let near = |s: &Slot| layout.point_distance(&depot, &layout.point(s));
    let mut options = Vec::with_capacity(articles.len());
    let mut cut = false;
    for a in articles {
        let (c, was_cut) = covers(a, near, |x, y| layout.distance(x, y));
        cut |= was_cut;
        options.push(c);
    }
    let slots_of = |choice: &[usize]| -> Vec<Slot> {
        let mut slots = Vec::new();
        for (a, &c) in choice.iter().enumerate() {
            slots.extend(options[a][c].iter().map(|&i| articles[a].stock[i].slot));
        }
        slots
    };
    let routed = std::cell::Cell::new(0u64);
    let cost = |choice: &[usize]| -> Result<u64> {
        routed.set(routed.get() + 1);
        optimal_distance(layout, &slots_of(choice))
    };
    let combinations = options
        .iter()
        .try_fold(1u64, |p, o| p.checked_mul(o.len() as u64))
        .unwrap_or(u64::MAX);
    let mut best = vec![0usize; articles.len()];
    let mut best_cost = cost(&best)?;
    let exact = !cut && combinations <= MAX_EXACT;
    // Each cover's bins as floor points, found once.
    let points: Vec<Vec<Vec<Point>>> = options
        .iter()
        .zip(articles)
        .map(|(o, a)| {
            o.iter()
                .map(|c| c.iter().map(|&i| layout.point(&a.stock[i].slot)).collect())
                .collect()
        })
        .collect();
    if exact {
        let mut choice = vec![0usize; articles.len()];
        'all: loop {
            let c = cost(&choice)?;
            if c < best_cost {
                best_cost = c;
                best.clone_from(&choice);
            }
            // The next combination, as an odometer.
            for a in 0..choice.len() {
                choice[a] += 1;
                if choice[a] < options[a].len() {
                    continue 'all;
                }
                choice[a] = 0;
            }
            break;
        }
    } else {
        // Starts: for each aisle holding some bin, at each end, every
        // article's cover nearest to that point; the best start is improved.
        let back = layout.cross_aisle_y(layout.blocks.len());
        let mut seeds: Vec<Point> = points
            .iter()
            .flatten()
            .flatten()
            .flat_map(|p| [0, back].map(|y| Point { aisle: p.aisle, y }))
            .collect();
        seeds.sort_unstable_by_key(|p| (p.aisle, p.y));
        seeds.dedup();
        for at in seeds {
            let choice: Vec<usize> = points
                .iter()
                .map(|covers| {
                    (0..covers.len())
                        .min_by_key(|&c| {
                            covers[c]
                                .iter()
                                .map(|p| layout.point_distance(&at, p))
                                .sum::<u64>()
                        })
                        .unwrap_or(0)
                })
                .collect();
            let c = cost(&choice)?;
            if c < best_cost {
                best_cost = c;
                best = choice;
            }
        }
        // Local search: the moves below until none shortens the route.
        let descend = |best: &mut Vec<usize>, best_cost: &mut u64| -> Result<()> {
            loop {
                // One article at a time, to its best cover.
                let mut improved = false;
                for a in 0..articles.len() {
                    let mut choice = best.clone();
                    for c in 0..options[a].len() {
                        if c == best[a] {
                            continue;
                        }
                        choice[a] = c;
                        let cost = cost(&choice)?;
                        if cost < *best_cost {
                            *best_cost = cost;
                            best[a] = c;
                            improved = true;
                        }
                    }
                }
                if improved {
                    continue;
                }
                // Several at once: every article using an aisle leaves it for
                // its cover closest to the other aisles visited. One article
                // alone rarely empties an aisle, so the first kind of move
                // misses these.
                let uses = |a: usize, c: usize, x: u32| points[a][c].iter().any(|p| p.aisle == x);
                let mut visited: Vec<u32> = (0..articles.len())
                    .flat_map(|a| points[a][best[a]].iter().map(|p| p.aisle))
                    .collect();
                visited.sort_unstable();
                visited.dedup();
                for &x in &visited {
                    let others: Vec<u32> = visited.iter().copied().filter(|&v| v != x).collect();
                    let away = |aisle: u32| -> u64 {
                        others
                            .iter()
                            .map(|&v| u64::from(v.abs_diff(aisle)))
                            .min()
                            .unwrap_or(u64::from(aisle.abs_diff(layout.depot.aisle)))
                    };
                    let mut choice = best.clone();
                    let mut possible = true;
                    for a in 0..articles.len() {
                        if !uses(a, best[a], x) {
                            continue;
                        }
                        let alternative = (0..options[a].len())
                            .filter(|&c| !uses(a, c, x))
                            .min_by_key(|&c| {
                                let spread: u64 = points[a][c].iter().map(|p| away(p.aisle)).sum();
                                (spread, c)
                            });
                        match alternative {
                            Some(c) => choice[a] = c,
                            None => possible = false,
                        }
                    }
                    if possible && choice != *best {
                        let cost = cost(&choice)?;
                        if cost < *best_cost {
                            *best_cost = cost;
                            *best = choice;
                            improved = true;
                            break;
                        }
                    }
                }
                if !improved {
                    break;
                }
            }
            Ok(())
        };
        descend(&mut best, &mut best_cost)?;
        // Iterated: a few articles to random covers, then the local
        // search again; a result as short as the current one is kept
        // (plateaus hide better routes), and the walk returns to the best
        // after a long stall. Seeded and counted, so it is deterministic.
        let mut rng = SplitMix64::new(0);
        let budget = routed.get().saturating_add(MAX_SEARCH_ROUTES);
        let (mut current, mut current_cost) = (best.clone(), best_cost);
        let mut stalled = 0u32;
        let movable: Vec<usize> = (0..articles.len())
            .filter(|&a| options[a].len() > 1)
            .collect();
        while !movable.is_empty() && routed.get() < budget {
            let mut trial = current.clone();
            for _ in 0..2 + rng.below(3) {
                let a = movable[rng.below(movable.len() as u64) as usize];
                trial[a] = rng.below(options[a].len() as u64) as usize;
            }
            let mut trial_cost = cost(&trial)?;
            descend(&mut trial, &mut trial_cost)?;
            if trial_cost < best_cost {
                best_cost = trial_cost;
                best.clone_from(&trial);
                stalled = 0;
            } else {
                stalled += 1;
            }
            if trial_cost <= current_cost {
                current = trial;
                current_cost = trial_cost;
            }
            if stalled % 50 == 49 {
                current.clone_from(&best);
                current_cost = best_cost;
            }
        }
    }
    // The visits of the best choice, each bin taking what it can in turn.
    let mut visits = Vec::new();
    for (a, &c) in best.iter().enumerate() {
        let mut left = articles[a].quantity;
        for &i in &options[a][c] {
            let s = articles[a].stock[i];
            let take = left.min(s.units);
            left -= take;
            visits.push(Visit {
                article: a,
                slot: s.slot,
                quantity: take,
            });
        }
    }
    let slots: Vec<Slot> = visits.iter().map(|v| v.slot).collect();
    let mut route = optimal_route(layout, &slots)?;
    let visits: Vec<Visit> = route.order.iter().map(|&i| visits[i]).collect();
    route.order = (0..visits.len()).collect();
    Ok(ScatteredRoute {
        visits,
        route,
        exact,
    })
}
