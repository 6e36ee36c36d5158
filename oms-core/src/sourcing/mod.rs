//! Sourcing: deciding which locations reserve stock for an order, and why.
//!
//! A pure algorithm over plain data: the engine lists the eligible
//! candidate locations (fulfilling, not paused, serving the order's channel
//! and destination; sorted by location id) with what each knows about them,
//! and the open needs with a stock matrix; [`plan`] returns the
//! reservations and an [`Explanation`]. Nothing here reads the engine.
//!
//! The planner chooses one location at a time. Each choice ranks the
//! candidates that can still supply something by the policy's rules in
//! order (a rule only breaks the ties the rules before it left), then by
//! location id, and reserves everything the winner can supply. It stops
//! when nothing is left open, no candidate can supply more, or
//! `max_shipments` locations are in use. Under the default policy
//! (`ship_complete`, `fewest_shipments`, `nearest`, `location_priority`)
//! that is: one location that ships complete, the nearest of those; else
//! split, taking the location that covers most first.
//!
//! Kit lines allocate whole kit units: every component of a unit comes
//! from the same location.

mod explain;
mod policy;

use std::cmp::Ordering;
use std::sync::Arc;

use rust_decimal::Decimal;

pub use explain::{CandidateScores, Choice, Exclusion, ExclusionReason, Explanation};
pub(crate) use policy::shipment_cost;
pub use policy::{CostTable, Rate, Rule, RuleName, SourcingPolicy, Zone};

use crate::ids::LocationId;
use crate::money::{Currency, Money};

/// One line's open need: `quantity` units, each made of the request's
/// `parts[parts]` (item index, units per line unit). A plain product is
/// one part of quantity 1; a kit has a part per component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineNeed {
    /// Open units of the line to allocate.
    pub quantity: u64,
    /// Where the line's `(item index, units per line unit)` pairs sit in [`Request::parts`].
    pub parts: std::ops::Range<usize>,
}

/// Reserve `quantity` units of `line` at candidate `candidate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    /// Index of the line in the request's `lines`.
    pub line: usize,
    /// Index of the candidate location in the request's `candidates`.
    pub candidate: usize,
    /// Line units to reserve there.
    pub quantity: u64,
}

/// How far a candidate is from the ship-to. Nearer first: any km figure,
/// then longer shared prefixes, then unknown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Distance {
    /// Great-circle distance in km (both have coordinates).
    Km(f64),
    /// Same country, sharing this many leading postal-code characters.
    SharedPostalPrefix(u32),
    /// Nothing to compare (another country, or no address data): ranks last.
    Unknown,
}

/// What the planner knows about one eligible location.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate<'a> {
    /// The location.
    pub location_id: &'a LocationId,
    /// Its distance from the ship-to (read by `nearest`).
    pub distance: Distance,
    /// Its `priority`, lower first (read by `location_priority`).
    pub priority: Option<u32>,
    /// Per-shipment and per-kg cost to the ship-to's zone (read by `lowest_cost`).
    pub rate: Option<(Decimal, Decimal)>,
    /// Whether the order already holds stock here: no new shipment, no
    /// per-shipment cost, and it counts toward `max_shipments`.
    pub in_use: bool,
}

/// Everything one sourcing decision reads.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The open lines.
    pub lines: &'a [LineNeed],
    /// The lines' parts: `(item index, units per line unit)`.
    pub parts: &'a [(usize, u64)],
    /// Weight in grams of one unit of each item (0 when unknown).
    pub item_weights_g: &'a [u64],
    /// Eligible locations, sorted by location id.
    pub candidates: &'a [Candidate<'a>],
    /// `available[item * candidates.len() + c]`: units of the item candidate `c` can reserve.
    pub available: &'a [u64],
    /// The cost table's currency, to report costs in (when `lowest_cost` is used).
    pub currency: Option<Currency>,
    /// Most units of each item the order may take in all (fair share under
    /// scarcity); `None`: no cap.
    pub item_caps: Option<&'a [u64]>,
    /// Extra cost of each shipment beyond the order's first (`lowest_cost`).
    pub split_penalty: Decimal,
}

/// A sourcing decision: the reservations to make and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Reservations, in the order the locations were chosen.
    pub assignments: Vec<Assignment>,
    /// Open units per line left unallocated.
    pub left: Vec<u64>,
    /// Why (its `excluded` lists only `max_shipments`, its `no_stock` the
    /// candidates without stock; the engine adds its own filters).
    pub explanation: Explanation,
}

/// One candidate's standing at one choice.
#[derive(Debug, Clone, Copy)]
struct Standing {
    c: usize,
    units: u64,
    complete: bool,
    cost: Option<Decimal>,
    units_left: u64,
    /// Per rule of the policy, in order, a number that is lower for the
    /// better candidate: computed once, so comparing two candidates is
    /// comparing two short arrays.
    keys: [u64; MAX_RULES],
}

/// There are six rules and each may appear once.
const MAX_RULES: usize = 6;

/// Plans an allocation under `policy`.
///
/// ```
/// use oms_core::LocationId;
/// use oms_core::sourcing::{plan, Candidate, Distance, LineNeed, Request, RuleName, SourcingPolicy};
/// let ids: Vec<LocationId> = ["WH1", "WH2", "WH3"].map(LocationId::new).to_vec();
/// let c = |i: usize, km: f64| Candidate { location_id: &ids[i], distance: Distance::Km(km),
///     priority: None, rate: None, in_use: false };
/// // One line of 3 units of item 0; WH1 (far) has 5, WH2 (near) has 3, WH3 (nearest) has 1.
/// let lines = [LineNeed { quantity: 3, parts: 0..1 }];
/// let candidates = [c(0, 900.0), c(1, 40.0), c(2, 5.0)];
/// let p = plan(&SourcingPolicy::default(), &Request { lines: &lines, parts: &[(0, 1)], item_weights_g: &[0],
///     candidates: &candidates, available: &[5, 3, 1], currency: None, item_caps: None,
///     split_penalty: Default::default() });
/// assert_eq!(p.explanation.chosen[0].location_id.as_str(), "WH2");
/// assert_eq!(p.explanation.chosen[0].won_by, RuleName::Nearest); // both ship complete
/// assert_eq!(p.left, vec![0]);
/// ```
pub fn plan(policy: &SourcingPolicy, req: &Request<'_>) -> Plan {
    Planner::new(policy).plan(req)
}

/// A policy made ready to plan with: its rule names resolved once, and
/// shared by every explanation it writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Planner {
    policy: SourcingPolicy,
    rules: Arc<[RuleName]>,
    /// The cost table's currency (its first rate's), if the policy has one.
    cost_currency: Option<Currency>,
    /// The cost table's split penalty (zero without one).
    split_penalty: Decimal,
}

impl Default for Planner {
    fn default() -> Self {
        Planner::new(&SourcingPolicy::default())
    }
}

impl Planner {
    /// A planner for `policy`.
    pub fn new(policy: &SourcingPolicy) -> Planner {
        let table = policy.cost_table();
        Planner {
            policy: policy.clone(),
            rules: policy.rules.iter().map(Rule::name).collect(),
            cost_currency: table
                .and_then(|t| t.rates.first())
                .map(|r| r.per_shipment.currency),
            split_penalty: table
                .and_then(|t| t.split_penalty)
                .map_or(Decimal::ZERO, |m| m.amount),
        }
    }

    /// The currency costs are reported in (`Request::currency`).
    pub fn cost_currency(&self) -> Option<Currency> {
        self.cost_currency
    }

    /// The policy's split penalty (`Request::split_penalty`).
    pub fn split_penalty(&self) -> Decimal {
        self.split_penalty
    }

    /// The policy it plans by.
    pub fn policy(&self) -> &SourcingPolicy {
        &self.policy
    }

    /// The policy's rule names, in order.
    pub fn rules(&self) -> &[RuleName] {
        &self.rules
    }

    /// Plans an allocation; see [`plan`].
    pub fn plan(&self, req: &Request<'_>) -> Plan {
        let mut ws = Workspace::default();
        let explanation = self.plan_in(req, &mut ws);
        Plan {
            assignments: ws.assignments,
            left: ws.left,
            explanation,
        }
    }

    /// Plans an allocation in reused buffers: the reservations and what
    /// is left open are then [`Workspace::assignments`] and [`Workspace::left`].
    #[inline(never)]
    pub fn plan_in(&self, req: &Request<'_>, ws: &mut Workspace) -> Explanation {
        plan_with(&self.policy, &self.rules, req, ws, true)
    }

    /// Plans like [`Planner::plan_in`] (the same reservations) without
    /// writing the explanation: for bulk runs that never read it.
    #[inline(never)]
    pub fn plan_unexplained(&self, req: &Request<'_>, ws: &mut Workspace) {
        plan_with(&self.policy, &self.rules, req, ws, false);
    }

    /// The shipping cost of the last plan in `ws` for `req` (the
    /// `lowest_cost` objective: per shipment, per kg and the split
    /// penalty); `None` when a location used has no rate.
    pub fn cost_of(&self, req: &Request<'_>, ws: &Workspace) -> Option<Decimal> {
        let plan: Placement = ws
            .assignments
            .iter()
            .map(|a| (a.candidate, a.line, a.quantity))
            .collect();
        plan_cost(req, &plan)
    }
}

/// Buffers the planner reuses from one plan to the next, so that a batch
/// of allocations does not allocate them again for every order.
#[derive(Debug, Default)]
pub struct Workspace {
    avail: Vec<u64>,
    caps: Vec<u64>,
    left: Vec<u64>,
    in_use: Vec<bool>,
    scratch: Vec<u64>,
    standings: Vec<Standing>,
    order: Vec<usize>,
    before: Vec<u64>,
    assignments: Vec<Assignment>,
}

impl Workspace {
    /// The last plan's reservations, in the order the locations were chosen.
    pub fn assignments(&self) -> &[Assignment] {
        &self.assignments
    }
    /// The last plan's open units per line left unallocated.
    pub fn left(&self) -> &[u64] {
        &self.left
    }
}

/// A clone starts empty: the buffers hold nothing worth copying.
impl Clone for Workspace {
    fn clone(&self) -> Self {
        Workspace::default()
    }
}

fn plan_with(
    policy: &SourcingPolicy,
    rules: &Arc<[RuleName]>,
    req: &Request<'_>,
    ws: &mut Workspace,
    explain: bool,
) -> Explanation {
    let n = req.candidates.len();
    let items = req.item_weights_g.len();
    let Workspace {
        avail,
        caps,
        left,
        in_use,
        scratch,
        standings,
        order,
        before,
        assignments,
    } = ws;
    avail.clear();
    avail.extend_from_slice(req.available);
    if let Some(caps) = req.item_caps {
        // A cap binds every candidate: no location may offer more than it.
        for (item, &cap) in caps.iter().enumerate().take(items) {
            for a in &mut avail[item * n..(item + 1) * n] {
                *a = (*a).min(cap);
            }
        }
    }
    caps.clear();
    caps.extend_from_slice(req.item_caps.unwrap_or_default());
    left.clear();
    left.extend(req.lines.iter().map(|l| l.quantity));
    in_use.clear();
    in_use.extend(req.candidates.iter().map(|c| c.in_use));
    let mut shipments = in_use.iter().filter(|&&u| u).count();
    let wants_balance = rules.contains(&RuleName::StockBalance);
    assignments.clear();
    let mut chosen = Vec::new();
    let mut candidates_scores = Vec::new();
    // Candidates by standing at the first choice, best first.
    let mut ranked: Vec<usize> = Vec::new();
    let mut excluded = Vec::new();
    let mut no_stock = Vec::new();
    let mut note = None;

    let mut first = true;
    loop {
        let open: u64 = left.iter().sum();
        if open == 0 {
            break;
        }
        let full = policy
            .max_shipments
            .is_some_and(|m| shipments >= m as usize);
        standings.clear();
        #[allow(clippy::needless_range_loop)] // `c` indexes the matrix too
        for c in 0..n {
            let (units, grams) = coverable(req, left, avail, c, scratch);
            if units == 0 {
                if first && explain {
                    no_stock.push(req.candidates[c].location_id.clone());
                }
                continue;
            }
            if full && !in_use[c] {
                if first && explain {
                    excluded.push(Exclusion {
                        location_id: req.candidates[c].location_id.clone(),
                        reason: ExclusionReason::MaxShipments,
                    });
                }
                continue;
            }
            let cand = &req.candidates[c];
            let cost = cand.rate.map(|(per_shipment, per_kg)| {
                let fixed = match (in_use[c], shipments) {
                    (true, _) => Decimal::ZERO,
                    (false, 0) => per_shipment,
                    (false, _) => per_shipment.saturating_add(req.split_penalty),
                };
                shipment_cost(fixed, per_kg, grams)
            });
            let units_left = if wants_balance {
                units_left_after(scratch, avail, n, c)
            } else {
                0
            };
            let mut s = Standing {
                c,
                units,
                complete: units == open,
                cost,
                units_left,
                keys: [0; MAX_RULES],
            };
            for (k, &rule) in rules.iter().enumerate().take(MAX_RULES) {
                s.keys[k] = key(rule, cand, &s);
            }
            standings.push(s);
        }
        let (best, second) = if first && explain {
            // Every standing, best first, for the explanation. The order is
            // total (ties end at the candidate index), so an unstable sort
            // is deterministic.
            order.clear();
            order.extend(0..standings.len());
            order.sort_unstable_by(|&a, &b| compare(rules, &standings[a], &standings[b]));
            if rules.first() == Some(&RuleName::LowestCost) {
                // For the whole-plan guard below.
                ranked.extend(order.iter().map(|&i| standings[i].c));
            }
            candidates_scores = order
                .iter()
                .map(|&i| scores(rules, req, &standings[i]))
                .collect();
            first = false;
            (order.first().copied(), order.get(1).copied())
        } else {
            if first && rules.first() == Some(&RuleName::LowestCost) {
                // For the whole-plan guard below.
                order.clear();
                order.extend(0..standings.len());
                order.sort_unstable_by(|&a, &b| compare(rules, &standings[a], &standings[b]));
                ranked.extend(order.iter().map(|&i| standings[i].c));
            }
            first = false;
            best_two(rules, standings)
        };
        let second = second.map(|i| standings[i]);
        let Some(b) = best.map(|i| standings[i]) else {
            if full {
                note = Some(format!(
                    "max_shipments ({}) reached; the rest is backordered.",
                    shipments
                ));
            }
            break;
        };
        let won_by = match &second {
            None => RuleName::OnlyCandidate,
            Some(_) if !explain => RuleName::OnlyCandidate, // not read
            Some(s) => deciding_rule(rules, &b, s),
        };
        before.clear();
        if req.item_caps.is_some() {
            before.extend((0..items).map(|item| avail[item * n + b.c]));
        }
        let units = take(req, left, avail, b.c, assignments);
        if req.item_caps.is_some() {
            // What was taken comes off the cap, and so off every other location's offer.
            for item in 0..items {
                let taken = before[item] - avail[item * n + b.c];
                caps[item] = caps[item].saturating_sub(taken);
                for c in 0..n {
                    if c != b.c {
                        let a = &mut avail[item * n + c];
                        *a = (*a).min(caps[item]);
                    }
                }
            }
        }
        chosen.push(Choice {
            location_id: req.candidates[b.c].location_id.clone(),
            units,
            won_by,
            runner_up: second.map(|s| req.candidates[s.c].location_id.clone()),
        });
        if !in_use[b.c] {
            in_use[b.c] = true;
            shipments += 1;
        }
    }

    // Choosing one location at a time by cost per unit can split an order
    // that one or two locations would ship more cheaply as a whole (a
    // location with one unit of two looks cheap per unit, and the second
    // unit then pays another parcel and the split penalty). When cost
    // leads the policy, whole plans are priced and the cheapest kept.
    if rules.first() == Some(&RuleName::LowestCost)
        && chosen.len() > 1
        && left.iter().all(|&l| l == 0)
    {
        let greedy: Placement = assignments
            .iter()
            .map(|a| (a.candidate, a.line, a.quantity))
            .collect();
        if let Some(greedy_cost) = plan_cost(req, &greedy) {
            let max = policy.max_shipments.map_or(usize::MAX, |m| m as usize);
            if let Some((cost, plan)) = cheapest_whole_plan(req, &ranked, max) {
                if cost < greedy_cost {
                    assignments.clear();
                    chosen.clear();
                    let mut used: Vec<(usize, u64)> = Vec::new();
                    for &(c, line, quantity) in &plan {
                        assignments.push(Assignment {
                            line,
                            candidate: c,
                            quantity,
                        });
                        match used.iter_mut().find(|u| u.0 == c) {
                            Some(u) => u.1 += quantity,
                            None => used.push((c, quantity)),
                        }
                    }
                    for (c, units) in used {
                        chosen.push(Choice {
                            location_id: req.candidates[c].location_id.clone(),
                            units,
                            won_by: RuleName::LowestCost,
                            runner_up: None,
                        });
                    }
                    note = Some(format!(
                        "lowest_cost: this plan costs {} against {} for choosing location by location.",
                        cost.round_dp(2),
                        greedy_cost.round_dp(2)
                    ));
                }
            }
        }
    }

    if !policy.allow_partial && left.iter().any(|&l| l > 0) && !assignments.is_empty() {
        assignments.clear();
        chosen.clear();
        left.clear();
        left.extend(req.lines.iter().map(|l| l.quantity));
        note = Some("allow_partial is off and the order cannot be allocated completely; nothing was reserved.".into());
    }

    Explanation {
        rules: rules.clone(),
        candidates: candidates_scores,
        excluded,
        no_stock,
        chosen,
        note,
    }
}

/// A plan as `(candidate, line, quantity)` reservations.
type Placement = Vec<(usize, usize, u64)>;

/// The shipping cost of a plan of `(candidate, line, quantity)`: per
/// shipment (none where the order already ships from), the split penalty
/// for each shipment beyond the order's first, and per kg. `None` when a
/// location used has no rate.
fn plan_cost(req: &Request<'_>, plan: &[(usize, usize, u64)]) -> Option<Decimal> {
    let mut locations: Vec<(usize, u64)> = Vec::new();
    for &(c, line, quantity) in plan {
        let grams =
            req.parts[req.lines[line].parts.clone()]
                .iter()
                .fold(0u64, |g, &(item, per)| {
                    g.saturating_add(
                        quantity
                            .saturating_mul(per)
                            .saturating_mul(req.item_weights_g[item]),
                    )
                });
        match locations.iter_mut().find(|l| l.0 == c) {
            Some(l) => l.1 = l.1.saturating_add(grams),
            None => locations.push((c, grams)),
        }
    }
    let mut shipments = req.candidates.iter().filter(|c| c.in_use).count();
    let mut total = Decimal::ZERO;
    for (c, grams) in locations {
        let cand = &req.candidates[c];
        let (per_shipment, per_kg) = cand.rate?;
        let fixed = if cand.in_use {
            Decimal::ZERO
        } else {
            shipments += 1;
            if shipments > 1 {
                per_shipment.saturating_add(req.split_penalty)
            } else {
                per_shipment
            }
        };
        total = total.saturating_add(shipment_cost(fixed, per_kg, grams));
    }
    Some(total)
}

/// The cheapest complete plan from one location, or two of the `ranked`
/// candidates' first eight (each line's units from the location with the
/// lower per-kg rate first), within `max_shipments`.
fn cheapest_whole_plan(
    req: &Request<'_>,
    ranked: &[usize],
    max_shipments: usize,
) -> Option<(Decimal, Placement)> {
    let grams: u64 = req
        .lines
        .iter()
        .map(|l| {
            req.parts[l.parts.clone()]
                .iter()
                .map(|&(item, per)| req.item_weights_g[item].saturating_mul(per))
                .fold(0u64, u64::saturating_add)
                .saturating_mul(l.quantity)
        })
        .fold(0u64, u64::saturating_add);
    let in_use = req.candidates.iter().filter(|c| c.in_use).count();
    // What a set of locations costs at least: its new parcels (with the
    // split penalty past the first) and every gram at its lowest per-kg
    // rate, in billionths rounded down. Sets that cannot beat the best so
    // far are not covered at all. In integers, prepared once per
    // candidate: this runs for dozens of sets per split order.
    let penalty = nanos_floor(req.split_penalty);
    let rates: Vec<Option<(i128, i128)>> = req
        .candidates
        .iter()
        .map(|c| c.rate.map(|(s, k)| (nanos_floor(s), nanos_floor(k))))
        .collect();
    let lower_bound = |set: &[usize]| -> Option<i128> {
        let mut fixed = 0i128;
        let mut per_kg = i128::MAX;
        let mut shipments = in_use;
        for &c in set {
            let (s, k) = rates[c]?;
            per_kg = per_kg.min(k);
            if !req.candidates[c].in_use {
                shipments += 1;
                fixed = fixed.checked_add(if shipments > 1 {
                    s.checked_add(penalty)?
                } else {
                    s
                })?;
            }
        }
        let weight = per_kg.checked_mul(i128::from(grams))?.div_euclid(1000);
        fixed.checked_add(weight)
    };
    // Units of each item the order needs: a set holding fewer cannot
    // cover it, which is cheaper to see than to try.
    let n = req.candidates.len();
    let mut need = vec![0u64; req.item_weights_g.len()];
    for line in req.lines {
        for &(item, per) in &req.parts[line.parts.clone()] {
            need[item] = need[item].saturating_add(line.quantity.saturating_mul(per));
        }
    }
    let holds_enough = |set: &[usize]| {
        need.iter().enumerate().all(|(item, &units)| {
            set.iter()
                .map(|&c| req.available[item * n + c])
                .fold(0u64, u64::saturating_add)
                >= units
        })
    };
    let mut best: Option<(Decimal, Placement)> = None;
    let consider = |set: &[usize], best: &mut Option<(Decimal, Placement)>| {
        let shipments = in_use + set.iter().filter(|&&c| !req.candidates[c].in_use).count();
        if shipments > max_shipments || !holds_enough(set) {
            return;
        }
        if let (Some(bound), Some(b)) = (lower_bound(set), best.as_ref()) {
            // Rounded down against rounded up: only sets that surely
            // cannot win are skipped.
            if bound >= nanos_ceil(b.0) {
                return;
            }
        }
        if let Some(plan) = cover(req, set) {
            if let Some(cost) = plan_cost(req, &plan) {
                if best.as_ref().is_none_or(|b| cost < b.0) {
                    *best = Some((cost, plan));
                }
            }
        }
    };
    for &c in ranked {
        consider(&[c], &mut best);
    }
    let top = &ranked[..ranked.len().min(8)];
    for (i, &a) in top.iter().enumerate() {
        for &b in &top[i + 1..] {
            consider(&[a, b], &mut best);
        }
    }
    best
}

/// `d` in billionths, rounded down (saturating).
fn nanos_floor(d: Decimal) -> i128 {
    let (m, scale) = (d.mantissa(), d.scale());
    if scale <= 9 {
        m.saturating_mul(POW10[9 - scale as usize])
    } else {
        m.div_euclid(10i128.pow(scale - 9))
    }
}

/// `d` in billionths, rounded up (saturating).
fn nanos_ceil(d: Decimal) -> i128 {
    nanos_floor(-d).saturating_neg()
}

/// Covers every open unit from the locations in `set` (cheapest per kg
/// first, whole kit units per location); `None` if they cannot.
fn cover(req: &Request<'_>, set: &[usize]) -> Option<Placement> {
    let n = req.candidates.len();
    let mut order: Vec<usize> = set.to_vec();
    order.sort_by(|&a, &b| {
        let rate = |c: usize| req.candidates[c].rate.map(|r| r.1);
        rate(a).cmp(&rate(b)).then(a.cmp(&b))
    });
    let mut taken: Vec<u64> = vec![0; req.item_weights_g.len() * order.len()];
    // Fair-share caps bound the order's total per item, over every location.
    let mut room: Vec<u64> = req
        .item_caps
        .map_or_else(|| vec![u64::MAX; req.item_weights_g.len()], <[u64]>::to_vec);
    let mut plan = Vec::new();
    for (line, need) in req.lines.iter().enumerate() {
        let mut rem = need.quantity;
        for (k, &c) in order.iter().enumerate() {
            if rem == 0 {
                break;
            }
            let parts = &req.parts[need.parts.clone()];
            let mut units = rem;
            for &(item, per) in parts {
                let there = req.available[item * n + c]
                    .saturating_sub(taken[item * order.len() + k])
                    .min(room[item]);
                units = units.min(there.checked_div(per).unwrap_or(0));
            }
            if units == 0 {
                continue;
            }
            for &(item, per) in parts {
                taken[item * order.len() + k] += units * per;
                room[item] -= units * per;
            }
            rem -= units;
            plan.push((c, line, units));
        }
        if rem > 0 {
            return None;
        }
    }
    Some(plan)
}

/// Orders two standings under the policy: `Less` when `a` is better.
fn compare(rules: &[RuleName], a: &Standing, b: &Standing) -> Ordering {
    let r = rules.len().min(MAX_RULES);
    a.keys[..r].cmp(&b.keys[..r]).then(a.c.cmp(&b.c))
}

/// The first rule on which `winner` beats `runner_up`.
fn deciding_rule(rules: &[RuleName], winner: &Standing, runner_up: &Standing) -> RuleName {
    rules
        .iter()
        .zip(winner.keys.iter().zip(&runner_up.keys))
        .find(|(_, (w, r))| w != r)
        .map_or(RuleName::LocationId, |(&rule, _)| rule)
}

/// The best and second-best standings by index.
fn best_two(rules: &[RuleName], standings: &[Standing]) -> (Option<usize>, Option<usize>) {
    let (mut best, mut second): (Option<usize>, Option<usize>) = (None, None);
    for (i, s) in standings.iter().enumerate() {
        match best {
            Some(b) if compare(rules, &standings[b], s).is_le() => {
                if second.is_none_or(|x| compare(rules, &standings[x], s).is_gt()) {
                    second = Some(i);
                }
            }
            _ => {
                second = best;
                best = Some(i);
            }
        }
    }
    (best, second)
}

/// A standing's key under one rule: lower is better.
fn key(rule: RuleName, cand: &Candidate<'_>, s: &Standing) -> u64 {
    /// Above the bit pattern of every finite non-negative float.
    const NO_KM: u64 = 0x7FF0_0000_0000_0000;
    match rule {
        RuleName::ShipComplete => u64::from(!s.complete),
        RuleName::FewestShipments => u64::MAX - s.units,
        RuleName::Nearest => match cand.distance {
            // Non-negative finite floats order like their bit patterns.
            Distance::Km(km) if km.is_finite() => km.max(0.0).to_bits(),
            Distance::SharedPostalPrefix(p) => NO_KM + u64::from(u32::MAX - p),
            Distance::Km(_) | Distance::Unknown => u64::MAX,
        },
        // Cost per unit, to a billionth; no rate ranks last.
        RuleName::LowestCost => s
            .cost
            .map_or(u64::MAX, |cost| cost_per_unit_nanos(cost, s.units)),
        RuleName::StockBalance => u64::MAX - s.units_left,
        RuleName::LocationPriority => cand.priority.map_or(u64::MAX, u64::from),
        RuleName::LocationId | RuleName::OnlyCandidate => 0,
    }
}

/// `cost / units` in billionths, rounded half to even, as a sort key (below
/// `u64::MAX`, which means no cost). In integers: this runs for every
/// candidate at every choice, and a decimal division cost a fifth of a
/// cost-led batch.
fn cost_per_unit_nanos(cost: Decimal, units: u64) -> u64 {
    let units = units.max(1);
    let scale = cost.scale() as usize;
    let nanos = POW10
        .get(9usize.wrapping_sub(scale))
        .and_then(|&p| cost.mantissa().checked_mul(p))
        .map(|n| match u64::try_from(n) {
            // The usual case, in 64 bits.
            Ok(n) => {
                let (q, r) = (n / units, n % units);
                let up = r > units - r || (r == units - r && q % 2 == 1);
                i128::from(q + u64::from(up))
            }
            Err(_) => {
                let units = i128::from(units);
                let (q, r) = (n / units, n % units);
                let up = 2 * r > units || (2 * r == units && q % 2 == 1);
                q + i128::from(up)
            }
        });
    let nanos = nanos.unwrap_or_else(|| {
        // Finer than a billionth: rare enough for decimal arithmetic.
        let per_unit = (cost / Decimal::from(units)).round_dp(9);
        per_unit.mantissa() * 10i128.pow(9 - per_unit.scale().min(9))
    });
    u64::try_from(nanos.max(0))
        .unwrap_or(u64::MAX - 1)
        .min(u64::MAX - 1)
}

/// `POW10[k]` is 10^k, for turning a decimal of scale `9 - k` into billionths.
const POW10: [i128; 10] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
];

/// The scores reported for a standing (only the policy's rules).
fn scores(rules: &[RuleName], req: &Request<'_>, s: &Standing) -> CandidateScores {
    let cand = &req.candidates[s.c];
    let mut out = CandidateScores {
        location_id: cand.location_id.clone(),
        units: s.units,
        ships_complete: s.complete,
        distance_km: None,
        shared_postal_prefix: None,
        cost: None,
        units_left: None,
        priority: None,
    };
    for rule in rules {
        match rule {
            RuleName::Nearest => match cand.distance {
                Distance::Km(km) => out.distance_km = Some((km * 10.0).round() / 10.0),
                Distance::SharedPostalPrefix(p) => out.shared_postal_prefix = Some(p),
                Distance::Unknown => {}
            },
            RuleName::LowestCost => {
                out.cost = s.cost.zip(req.currency).map(|(amount, currency)| {
                    // Rates are usually in cents already.
                    let cents = if amount.scale() > 2 {
                        amount.round_dp(2)
                    } else {
                        amount
                    };
                    Money::new(cents, currency)
                });
            }
            RuleName::StockBalance => out.units_left = Some(s.units_left),
            RuleName::LocationPriority => out.priority = cand.priority,
            _ => {}
        }
    }
    out
}

/// Units candidate `c` can supply, taking the lines in order, and their
/// weight in grams. Leaves in `taken` the units of each item it would take.
fn coverable(
    req: &Request<'_>,
    left: &[u64],
    avail: &[u64],
    c: usize,
    taken: &mut Vec<u64>,
) -> (u64, u64) {
    let n = req.candidates.len();
    taken.clear();
    taken.resize(req.item_weights_g.len(), 0);
    let mut units = 0u64;
    let mut grams = 0u64;
    for (need, &rem) in req.lines.iter().zip(left) {
        if rem == 0 {
            continue;
        }
        let parts = &req.parts[need.parts.clone()];
        let mut k = rem;
        for &(item, per) in parts {
            let there = avail[item * n + c].saturating_sub(taken[item]);
            k = k.min(if per == 1 {
                there
            } else {
                there.checked_div(per).unwrap_or(0)
            });
        }
        if k == 0 {
            continue;
        }
        for &(item, per) in parts {
            // k × per never exceeds what is there.
            let used = k * per;
            taken[item] += used;
            grams = grams.saturating_add(used.saturating_mul(req.item_weights_g[item]));
        }
        units += k;
    }
    (units, grams)
}

/// The fewest units of any item candidate `c` would have left after taking `taken`.
fn units_left_after(taken: &[u64], avail: &[u64], n: usize, c: usize) -> u64 {
    taken
        .iter()
        .enumerate()
        .filter(|(_, &t)| t > 0)
        .map(|(item, &t)| avail[item * n + c].saturating_sub(t))
        .min()
        .unwrap_or(0)
}

/// Reserves at candidate `c` everything it can supply, in line order;
/// returns the line units reserved.
fn take(
    req: &Request<'_>,
    left: &mut [u64],
    avail: &mut [u64],
    c: usize,
    plan: &mut Vec<Assignment>,
) -> u64 {
    let n = req.candidates.len();
    let mut total = 0;
    for (line, need) in req.lines.iter().enumerate() {
        let k = req.parts[need.parts.clone()]
            .iter()
            .fold(left[line], |acc, &(item, per)| {
                acc.min(avail[item * n + c].checked_div(per).unwrap_or(0))
            });
        if k == 0 {
            continue;
        }
        for &(item, per) in &req.parts[need.parts.clone()] {
            avail[item * n + c] -= k * per;
        }
        left[line] -= k;
        total += k;
        plan.push(Assignment {
            line,
            candidate: c,
            quantity: k,
        });
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line's quantity and its `(item, per unit)` parts.
    type Need = (u64, Vec<(usize, u64)>);

    fn need(q: u64, item: usize) -> Need {
        (q, vec![(item, 1)])
    }

    fn cand(id: &str) -> Candidate<'static> {
        Candidate {
            location_id: Box::leak(Box::new(LocationId::new(id))),
            distance: Distance::Unknown,
            priority: None,
            rate: None,
            in_use: false,
        }
    }

    /// `available` as `[item][candidate]` rows.
    fn run(
        policy: &SourcingPolicy,
        needs: &[Need],
        cands: &[Candidate<'_>],
        rows: &[&[u64]],
    ) -> Plan {
        let available: Vec<u64> = rows.iter().flat_map(|r| r.iter().copied()).collect();
        let mut parts = Vec::new();
        let lines: Vec<LineNeed> = needs
            .iter()
            .map(|(quantity, p)| {
                let start = parts.len();
                parts.extend_from_slice(p);
                LineNeed {
                    quantity: *quantity,
                    parts: start..parts.len(),
                }
            })
            .collect();
        let weights = vec![1000; rows.len()];
        plan(
            policy,
            &Request {
                lines: &lines,
                parts: &parts,
                item_weights_g: &weights,
                candidates: cands,
                available: &available,
                currency: Some(Currency::USD),
                item_caps: None,
                split_penalty: Decimal::ZERO,
            },
        )
    }

    /// Only `lowest_cost` (the rates come with the candidates).
    fn by_cost() -> SourcingPolicy {
        SourcingPolicy {
            rules: vec![Rule::LowestCost(CostTable {
                zones: vec![],
                rates: vec![],
                split_penalty: None,
            })],
            ..SourcingPolicy::default()
        }
    }

    fn used(p: &Plan) -> Vec<&str> {
        p.explanation
            .chosen
            .iter()
            .map(|c| c.location_id.as_str())
            .collect()
    }

    #[test]
    fn prefers_one_complete_location_then_id() {
        let cands = [cand("A"), cand("B"), cand("C")];
        let p = run(
            &SourcingPolicy::default(),
            &[need(1, 0), need(1, 1)],
            &cands,
            &[&[1, 1, 1], &[0, 1, 1]],
        );
        assert_eq!(used(&p), vec!["B"]);
        assert_eq!(p.explanation.chosen[0].won_by, RuleName::LocationId);
        assert_eq!(p.explanation.candidates[0].location_id.as_str(), "B");
        assert_eq!(p.explanation.excluded.len(), 0);
    }

    #[test]
    fn splits_to_fewest_locations_and_backorders_the_rest() {
        let cands = [cand("A"), cand("B"), cand("C")];
        let p = run(
            &SourcingPolicy::default(),
            &[need(5, 0), need(3, 1)],
            &cands,
            &[&[5, 2, 0], &[0, 3, 1]],
        );
        assert_eq!(p.left, vec![0, 0]);
        assert_eq!(used(&p), vec!["A", "B"]);
        // A and B could each supply 5 units: the id decides.
        assert_eq!(p.explanation.chosen[0].won_by, RuleName::LocationId);
        // Then B alone supplies everything left.
        assert_eq!(p.explanation.chosen[1].won_by, RuleName::ShipComplete);

        let p = run(
            &SourcingPolicy::default(),
            &[need(10, 0)],
            &cands,
            &[&[3, 4, 0]],
        );
        assert_eq!(p.left, vec![3]);
        assert_eq!(p.explanation.no_stock, vec![LocationId::new("C")]);
    }

    #[test]
    fn cost_per_unit_rounds_half_to_even_in_billionths() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(cost_per_unit_nanos(d("8.07"), 1), 8_070_000_000);
        assert_eq!(cost_per_unit_nanos(d("10"), 3), 3_333_333_333);
        assert_eq!(cost_per_unit_nanos(d("20"), 3), 6_666_666_667);
        // 0.0000000025 / 1 is half way: to the even billionth (2); 35 → 4.
        assert_eq!(cost_per_unit_nanos(d("0.0000000025"), 1), 2);
        assert_eq!(cost_per_unit_nanos(d("0.0000000035"), 1), 4);
        assert_eq!(cost_per_unit_nanos(d("0.000000001"), 2), 0);
        assert_eq!(cost_per_unit_nanos(d("0.000000003"), 2), 2);
        assert_eq!(cost_per_unit_nanos(d("12.345"), 0), 12_345_000_000);
        for (cost, units) in [
            ("8.07", 3u64),
            ("123.4567", 7),
            ("0.01", 9),
            ("99999.99999", 13),
        ] {
            let exact = (d(cost) / Decimal::from(units)).round_dp(9);
            let nanos = exact.mantissa() * 10i128.pow(9 - exact.scale());
            assert_eq!(
                i128::from(cost_per_unit_nanos(d(cost), units)),
                nanos,
                "{cost}/{units}"
            );
        }
    }

    #[test]
    fn nanos_round_down_and_up() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(nanos_floor(d("4.50")), 4_500_000_000);
        assert_eq!(nanos_ceil(d("4.50")), 4_500_000_000);
        // Finer than a billionth: down and up differ by one.
        assert_eq!(nanos_floor(d("0.0000000015")), 1);
        assert_eq!(nanos_ceil(d("0.0000000015")), 2);
        assert_eq!(nanos_floor(d("-0.0000000015")), -2);
        assert_eq!(nanos_ceil(d("-0.0000000015")), -1);
        assert_eq!(
            nanos_floor(Decimal::MAX),
            Decimal::MAX.mantissa() * 1_000_000_000
        );
    }

    #[test]
    fn max_shipments_and_allow_partial_limit_the_split() {
        let cands = [cand("A"), cand("B"), cand("C")];
        let one = SourcingPolicy {
            max_shipments: Some(1),
            ..SourcingPolicy::default()
        };
        let p = run(&one, &[need(6, 0)], &cands, &[&[2, 3, 1]]);
        assert_eq!(used(&p), vec!["B"]);
        assert_eq!(p.left, vec![3]);
        assert!(p
            .explanation
            .note
            .as_deref()
            .unwrap()
            .contains("max_shipments"));

        let strict = SourcingPolicy {
            allow_partial: false,
            ..SourcingPolicy::default()
        };
        let p = run(&strict, &[need(7, 0)], &cands, &[&[2, 3, 1]]);
        assert!(p.assignments.is_empty());
        assert_eq!(p.left, vec![7]);
    }

    #[test]
    fn kit_units_are_whole_and_from_one_location() {
        let kit: Need = (3, vec![(0, 2), (1, 1)]);
        let cands = [cand("A"), cand("B")];
        let p = run(
            &SourcingPolicy::default(),
            &[kit],
            &cands,
            &[&[5, 2], &[3, 9]],
        );
        // A: min(5/2, 3) = 2 kits; B: min(2/2, 9) = 1 kit.
        assert_eq!(p.assignments.len(), 2);
        assert_eq!(p.left, vec![0]);
    }

    #[test]
    fn two_lines_of_one_item_share_stock() {
        let p = run(
            &SourcingPolicy::default(),
            &[need(2, 0), need(2, 0)],
            &[cand("A")],
            &[&[3]],
        );
        assert_eq!(p.left.iter().sum::<u64>(), 1);
    }

    #[test]
    fn lowest_cost_compares_cost_per_unit() {
        let policy = by_cost();
        let mut a = cand("A");
        a.rate = Some((Decimal::new(10, 0), Decimal::ZERO)); // 10 for 2 units = 5/unit
        let mut b = cand("B");
        b.rate = Some((Decimal::new(6, 0), Decimal::ZERO)); // 6 for 1 unit
        let p = run(&policy, &[need(2, 0)], &[a, b], &[&[2, 1]]);
        assert_eq!(used(&p), vec!["A"]);
        assert_eq!(p.explanation.chosen[0].won_by, RuleName::LowestCost);
        assert_eq!(
            p.explanation.candidates[0].cost,
            Some(Money::new(Decimal::new(10, 0), Currency::USD))
        );
    }

    #[test]
    fn lowest_cost_keeps_a_whole_plan_cheaper_than_its_split() {
        let policy = by_cost();
        // 10 kg units. A: 10 + 0.10/kg, 2 units = 12 (6 a unit).
        // B: 4 + 0.10/kg, holds 1 unit = 5 a unit: cheaper per unit, but
        // the split (B 5, then A 11 + penalty 3) costs 19.
        let mut a = cand("A");
        a.rate = Some((Decimal::new(10, 0), Decimal::new(1, 1)));
        let mut b = cand("B");
        b.rate = Some((Decimal::new(4, 0), Decimal::new(1, 1)));
        let available = [2u64, 1];
        let lines = [LineNeed {
            quantity: 2,
            parts: 0..1,
        }];
        let cands = [a, b];
        let p = plan(
            &policy,
            &Request {
                lines: &lines,
                parts: &[(0, 1)],
                item_weights_g: &[10_000],
                candidates: &cands,
                available: &available,
                currency: Some(Currency::USD),
                item_caps: None,
                split_penalty: Decimal::new(3, 0),
            },
        );
        assert_eq!(used(&p), vec!["A"]);
        assert_eq!(p.assignments.len(), 1);
        let note = p.explanation.note.unwrap();
        assert!(note.contains("costs 12.00 against 19.00"), "{note}");
    }

    #[test]
    fn stock_balance_and_priority_rank_as_documented() {
        let mut a = cand("A");
        a.priority = Some(2);
        let mut b = cand("B");
        b.priority = Some(1);
        let by_priority = SourcingPolicy {
            rules: vec![Rule::LocationPriority],
            ..SourcingPolicy::default()
        };
        let p = run(
            &by_priority,
            &[need(1, 0)],
            &[a.clone(), b.clone()],
            &[&[9, 2]],
        );
        assert_eq!(used(&p), vec!["B"]);
        let balance = SourcingPolicy {
            rules: vec![Rule::StockBalance, Rule::LocationPriority],
            ..SourcingPolicy::default()
        };
        let p = run(&balance, &[need(1, 0)], &[a, b], &[&[9, 2]]);
        assert_eq!(used(&p), vec!["A"]);
        assert_eq!(p.explanation.candidates[0].units_left, Some(8));
    }
}
