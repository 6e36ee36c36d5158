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
//! - **Otherwise:** an iterated local search (the `Search` type has the detail).
//!   One article at a time moves to its best cover against the route of
//!   all the others, costed exactly but only over the sweep steps its bins
//!   touch; an article needing several bins also tries the cover built
//!   greedily against that route. Then a few articles, or all articles
//!   taking something from one aisle (which they are then asked to avoid),
//!   are taken out and put back one by one, and the local search runs
//!   again, until [`MAX_SEARCH_ROUTES`] routes' worth of sweeping was done.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::insertion::BaseRoute;
use super::layout::{Layout, Point, Slot, MAX_EXACT_BLOCKS};
use super::routing::{optimal_distance, optimal_route, plan_steps, Route};
use crate::error::{OmsError, Result};
use crate::util::SplitMix64;

/// The most covers considered per article.
pub const MAX_COVERS: usize = 64;
/// The most combinations of covers tried one by one for an exact answer.
pub const MAX_EXACT: u64 = 20_000;
/// The most work the iterated search does after its first local optimum,
/// in full routes: sweep steps counted, not time, so the answer is
/// deterministic.
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
    let combinations = options
        .iter()
        .try_fold(1u64, |p, o| p.checked_mul(o.len() as u64))
        .unwrap_or(u64::MAX);
    let exact = !cut && combinations <= MAX_EXACT;
    let mut search = Search::new(layout, articles, options);
    let mut best = vec![0usize; articles.len()];
    let mut best_cost = search.cost(&best);
    if exact {
        let mut choice = vec![0usize; articles.len()];
        'all: loop {
            let c = search.cost(&choice);
            if c < best_cost {
                best_cost = c;
                best.clone_from(&choice);
            }
            // The next combination, as an odometer.
            for (c, covers) in choice.iter_mut().zip(&search.covers) {
                *c += 1;
                if *c < covers.len() {
                    continue 'all;
                }
                *c = 0;
            }
            break;
        }
    } else {
        search.improve(&mut best, &mut best_cost);
    }
    let options = search.covers;
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

/// The search for instances too large to try every combination.
///
/// - **Starts:** for each aisle holding some bin, at each end, every
///   article's cover nearest to that point; the best start is improved.
/// - **Local search:** one article at a time moves to its best cover
///   against the route of all the others, costed exactly over the sweep
///   steps its bins touch ([`BaseRoute`]). Each bin alone is costed first:
///   no cover is shorter than with its costliest bin alone, so covers are
///   tried in that order and most are never swept. An article that needs
///   several bins also tries the cover built greedily from those costs
///   (least added distance per unit, then without bins it no longer
///   needs); new covers join its list. And whole aisles are emptied:
///   every article using an aisle moves to its cover nearest the other
///   aisles visited.
/// - **Iterated:** some articles are taken out and put back one by one,
///   each at its best cover against the route so far (now and then at a
///   random one), and the local search runs again. Half the time they are
///   two to four articles drawn at random; half the time, every article
///   taking something from one aisle of the route, put back avoiding that
///   aisle where they can (a related removal: it empties aisles, which
///   moving one article at a time cannot). This goes on until
///   [`MAX_SEARCH_ROUTES`] routes' worth of sweeping was done. Seeded and
///   counted, not timed, so the answer is deterministic.
struct Search<'a> {
    layout: &'a Layout,
    articles: &'a [Article],
    /// Per article, its covers: those listed up front, then those built.
    covers: Vec<Vec<Vec<usize>>>,
    /// Every bin of every article lies on aisles `lo..=hi`.
    lo: u32,
    hi: u32,
    /// The steps of one full sweep over `lo..=hi`.
    full: u64,
    /// Sweep steps done so far.
    work: u64,
}

impl<'a> Search<'a> {
    fn new(layout: &'a Layout, articles: &'a [Article], covers: Vec<Vec<Vec<usize>>>) -> Self {
        let (lo, hi) = articles
            .iter()
            .flat_map(|a| &a.stock)
            .fold((layout.depot.aisle, layout.depot.aisle), |(lo, hi), s| {
                (lo.min(s.slot.aisle), hi.max(s.slot.aisle))
            });
        Search {
            layout,
            articles,
            covers,
            lo,
            hi,
            full: plan_steps(layout, lo, hi),
            work: 0,
        }
    }

    /// The bins of article `a`'s cover `c`.
    fn slots(&self, a: usize, c: usize) -> impl Iterator<Item = Slot> + '_ {
        self.covers[a][c]
            .iter()
            .map(move |&i| self.articles[a].stock[i].slot)
    }

    /// The bins of `choice`, but for the articles in `skip`.
    fn route_slots(&self, choice: &[usize], skip: &[usize]) -> Vec<Slot> {
        let mut slots = Vec::new();
        for (a, &c) in choice.iter().enumerate() {
            if !skip.contains(&a) {
                slots.extend(self.slots(a, c));
            }
        }
        slots
    }

    /// The routes done so far, in full sweeps.
    fn routes(&self) -> u64 {
        self.work / self.full.max(1)
    }

    /// The length of the optimal route through the bins of `choice`.
    fn cost(&mut self, choice: &[usize]) -> u64 {
        self.work += self.full;
        let slots = self.route_slots(choice, &[]);
        // Checked by the caller: the floor and every slot are good.
        optimal_distance(self.layout, &slots).unwrap_or(u64::MAX)
    }

    /// The optimal route's length through `others` and each of `extras`.
    fn with_each(&mut self, others: &[Slot], extras: &[Vec<Slot>]) -> Vec<u64> {
        if self.layout.blocks.len() > MAX_EXACT_BLOCKS {
            // Beyond the exact sweep, each is a route of its own.
            return extras
                .iter()
                .map(|extra| {
                    self.work += self.full;
                    let all: Vec<Slot> = others.iter().chain(extra).copied().collect();
                    optimal_distance(self.layout, &all).unwrap_or(u64::MAX)
                })
                .collect();
        }
        let base = BaseRoute::new(self.layout, self.lo, self.hi, others);
        let out = extras.iter().map(|e| base.distance_with(e)).collect();
        self.work += base.work();
        out
    }

    /// Article `a`'s cover built greedily from what each bin alone adds
    /// to the route (`alone`, the route's length with it): the bin adding
    /// least per unit taken, until it has enough; then bins no longer
    /// needed leave, the costliest first.
    fn greedy_cover(&self, a: usize, alone: &[u64]) -> Vec<usize> {
        let article = &self.articles[a];
        let mut chosen: Vec<usize> = Vec::new();
        let mut have = 0u64;
        while have < article.quantity {
            let need = article.quantity - have;
            // Least added length per unit: d1 / u1 against d2 / u2 as
            // d1 × u2 against d2 × u1 (exact, no division).
            let Some(i) = (0..article.stock.len())
                .filter(|i| !chosen.contains(i) && article.stock[*i].units > 0)
                .min_by(|&i, &j| {
                    let (ui, uj) = (
                        u128::from(article.stock[i].units.min(need)),
                        u128::from(article.stock[j].units.min(need)),
                    );
                    (u128::from(alone[i]) * uj)
                        .cmp(&(u128::from(alone[j]) * ui))
                        .then(i.cmp(&j))
                })
            else {
                break;
            };
            chosen.push(i);
            have += article.stock[i].units;
        }
        chosen.sort_by_key(|&i| std::cmp::Reverse((alone[i], i)));
        let mut k = 0;
        while k < chosen.len() {
            let units = article.stock[chosen[k]].units;
            if have - units >= article.quantity {
                have -= units;
                chosen.remove(k);
            } else {
                k += 1;
            }
        }
        chosen.sort_unstable();
        chosen
    }

    /// Article `a`'s best cover (and the route's length with it) against
    /// the route through `choice` without `a` and the articles in `out`,
    /// preferring covers off aisle `avoid`; or, given `random`, its cover
    /// of that number (modulo its count).
    fn best_cover(
        &mut self,
        a: usize,
        choice: &[usize],
        out: &[usize],
        random: Option<u64>,
        avoid: Option<u32>,
    ) -> (u64, usize) {
        let mut skip = out.to_vec();
        skip.push(a);
        let others = self.route_slots(choice, &skip);
        let article = &self.articles[a];
        let n = self.covers[a].len();
        if let Some(r) = random {
            let c = (r % n as u64) as usize;
            let extra: Vec<Slot> = self.slots(a, c).collect();
            return (self.with_each(&others, &[extra])[0], c);
        }
        if self.layout.blocks.len() > MAX_EXACT_BLOCKS {
            let extras: Vec<Vec<Slot>> = (0..n).map(|c| self.slots(a, c).collect()).collect();
            let lengths = self.with_each(&others, &extras);
            return lengths.into_iter().zip(0..n).min().unwrap_or((u64::MAX, 0));
        }
        let base = BaseRoute::new(self.layout, self.lo, self.hi, &others);
        // Each bin alone: a cover's route is at least as long as with any
        // one of its bins, so covers are tried in the order of that bound
        // and those it rules out are not swept at all.
        let alone: Vec<u64> = article
            .stock
            .iter()
            .map(|s| base.distance_with(&[s.slot]))
            .collect();
        // Added distance, not length, so the greedy cover weighs bins fairly.
        let start = base.distance();
        let added: Vec<u64> = alone
            .iter()
            .zip(&article.stock)
            .map(|(&d, s)| {
                if Some(s.slot.aisle) == avoid {
                    u64::MAX / 4
                } else {
                    d.saturating_sub(start)
                }
            })
            .collect();
        let several = article
            .stock
            .iter()
            .any(|s| s.units > 0 && s.units < article.quantity);
        if several {
            let built = self.greedy_cover(a, &added);
            if !built.is_empty() && !self.covers[a].contains(&built) {
                self.covers[a].push(built);
            }
        }
        let n = self.covers[a].len();
        // Covers using the aisle to avoid come last (behind every other).
        let uses = |c: &Vec<usize>| {
            c.iter()
                .any(|&i| Some(article.stock[i].slot.aisle) == avoid)
        };
        let mut order: Vec<(bool, u64, usize)> = (0..n)
            .map(|c| {
                let bound = self.covers[a][c].iter().map(|&i| alone[i]).max();
                (uses(&self.covers[a][c]), bound.unwrap_or(0), c)
            })
            .collect();
        order.sort_unstable();
        let mut best = (u64::MAX, 0);
        for (avoided, bound, c) in order {
            if avoided && best.0 < u64::MAX {
                break;
            }
            if bound > best.0 {
                continue;
            }
            let d = match self.covers[a][c][..] {
                [i] => alone[i],
                _ => base.distance_with(&self.slots(a, c).collect::<Vec<_>>()),
            };
            best = best.min((d, c));
        }
        self.work += base.work();
        best
    }

    /// The starts, the local search and its iterations (see [`Search`]).
    fn improve(&mut self, best: &mut Vec<usize>, best_cost: &mut u64) {
        let layout = self.layout;
        // Starts. Each listed cover's bins as floor points, found once.
        let points: Vec<Vec<Vec<Point>>> = (0..self.articles.len())
            .map(|a| {
                (0..self.covers[a].len())
                    .map(|c| self.slots(a, c).map(|p| layout.point(&p)).collect())
                    .collect()
            })
            .collect();
        let back = layout.cross_aisle_y(layout.blocks.len());
        let mut seeds: Vec<Point> = self
            .articles
            .iter()
            .flat_map(|a| &a.stock)
            .flat_map(|s| {
                let p = layout.point(&s.slot);
                [0, back].map(|y| Point { aisle: p.aisle, y })
            })
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
            let c = self.cost(&choice);
            if c < *best_cost {
                *best_cost = c;
                *best = choice;
            }
        }
        self.descend(best, best_cost);
        // Iterated.
        let mut rng = SplitMix64::new(0);
        let budget = self.routes().saturating_add(MAX_SEARCH_ROUTES);
        let (mut current, mut current_cost) = (best.clone(), *best_cost);
        let mut stalled = 0u32;
        let movable: Vec<usize> = (0..self.articles.len())
            .filter(|&a| self.covers[a].len() > 1 || self.articles[a].stock.len() > 1)
            .collect();
        while !movable.is_empty() && self.routes() < budget {
            let mut trial = current.clone();
            let mut out: Vec<usize> = Vec::new();
            let mut closed = None;
            if rng.below(2) == 0 {
                // Related: every article taking something from one aisle.
                let a = movable[rng.below(movable.len() as u64) as usize];
                let aisles: Vec<u32> = self.slots(a, trial[a]).map(|p| p.aisle).collect();
                let x = aisles[rng.below(aisles.len() as u64) as usize];
                closed = Some(x);
                out.extend(
                    movable
                        .iter()
                        .copied()
                        .filter(|&b| self.slots(b, trial[b]).any(|p| p.aisle == x)),
                );
                // In a seeded order.
                for k in (1..out.len()).rev() {
                    out.swap(k, rng.below(k as u64 + 1) as usize);
                }
            } else {
                for _ in 0..2 + rng.below(3) {
                    let a = movable[rng.below(movable.len() as u64) as usize];
                    if !out.contains(&a) {
                        out.push(a);
                    }
                }
            }
            let mut trial_cost = current_cost;
            while let Some(a) = out.pop() {
                let random = (rng.below(4) == 0).then(|| rng.next_u64());
                (trial_cost, trial[a]) = self.best_cover(a, &trial, &out, random, closed);
            }
            self.descend(&mut trial, &mut trial_cost);
            if trial_cost < *best_cost {
                *best_cost = trial_cost;
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
                current.clone_from(best);
                current_cost = *best_cost;
            }
        }
    }

    /// The local search: its moves until none shortens the route.
    fn descend(&mut self, best: &mut [usize], best_cost: &mut u64) {
        let layout = self.layout;
        loop {
            let mut improved = false;
            for a in 0..self.articles.len() {
                if self.covers[a].len() < 2 && self.articles[a].stock.len() < 2 {
                    continue;
                }
                let (d, c) = self.best_cover(a, best, &[], None, None);
                if d < *best_cost {
                    *best_cost = d;
                    best[a] = c;
                    improved = true;
                }
            }
            if improved {
                continue;
            }
            // Several at once: every article using an aisle leaves it for
            // its cover closest to the other aisles visited. One article
            // alone rarely empties an aisle, so the first kind of move
            // misses these.
            let aisles = |s: &Self, a: usize, c: usize| -> Vec<u32> {
                s.slots(a, c).map(|p| p.aisle).collect()
            };
            let mut visited: Vec<u32> = (0..self.articles.len())
                .flat_map(|a| aisles(self, a, best[a]))
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
                let mut choice = best.to_vec();
                let mut possible = true;
                for a in 0..self.articles.len() {
                    if !aisles(self, a, best[a]).contains(&x) {
                        continue;
                    }
                    let alternative = (0..self.covers[a].len())
                        .map(|c| (c, aisles(self, a, c)))
                        .filter(|(_, at)| !at.contains(&x))
                        .map(|(c, at)| (at.iter().map(|&v| away(v)).sum::<u64>(), c))
                        .min();
                    match alternative {
                        Some((_, c)) => choice[a] = c,
                        None => possible = false,
                    }
                }
                if possible && choice != *best {
                    let cost = self.cost(&choice);
                    if cost < *best_cost {
                        *best_cost = cost;
                        best.copy_from_slice(&choice);
                        improved = true;
                        break;
                    }
                }
            }
            if !improved {
                break;
            }
        }
    }
}
