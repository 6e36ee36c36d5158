//! Order batching: which orders one picker collects on one tour, under the
//! cart's capacity, so that the total walking distance is short.
//!
//! Every batch is costed with the exact router ([`super::optimal_route`]),
//! never with an estimate, so a plan's distance is what pickers walk.
//!
//! - [`BatchMethod::SingleOrder`]: one tour per order (the baseline).
//! - [`BatchMethod::Fcfs`]: first come, first served: orders in the given
//!   order fill a batch until the next does not fit (next fit).
//! - [`BatchMethod::Seed`]: the unbatched order with the longest tour
//!   seeds a batch; the order that lengthens the batch's tour least joins,
//!   while one fits (de Koster, van der Poort and Wolters 1999).
//! - [`BatchMethod::Savings`]: Clarke and Wright: start with one batch
//!   per order and merge, over and over, the two batches whose merged tour
//!   saves most walking, while two fit together.
//! - [`BatchMethod::Ils`]: iterated local search (Henn et al. 2010) from
//!   the better of seed and savings. The local search moves one order to
//!   another batch (*shift*), trades two orders between batches (*swap*),
//!   and dissolves a batch, its orders going to the batches where each
//!   adds least (*split*). A perturbation of a few random shifts and swaps
//!   (a seeded generator: the same input gives the same plan) restarts the
//!   search `iterations` times (or until [`MAX_ROUTES`] tours were routed);
//!   a perturbed plan is kept if it is shorter.
//!
//! ```
//! use oms_core::picking::{batch_orders, BatchMethod, BatchOptions, BatchOrder, Cart, Depot, Layout, Slot};
//! let layout = Layout::single_block(6, 5, 20, 1, 1, Depot { aisle: 0, cross_aisle: 0 });
//! let order = |aisle, items| BatchOrder {
//!     picks: vec![Slot { block: 0, aisle, bay: 10 }],
//!     items,
//!     ..BatchOrder::default()
//! };
//! // Orders 0 and 2 share aisle 5, orders 1 and 3 aisle 1; two fit a cart.
//! let orders = [order(5, 10), order(1, 10), order(5, 10), order(1, 10)];
//! let cart = Cart { max_items: Some(20), ..Cart::default() };
//! let fcfs = batch_orders(&layout, &orders, &cart, &BatchOptions::new(BatchMethod::Fcfs)).unwrap();
//! let best = batch_orders(&layout, &orders, &cart, &BatchOptions::default()).unwrap();
//! assert_eq!(best.batches.len(), 2);
//! assert_eq!(best.batches[0].orders, vec![0, 2]);
//! assert!(best.distance < fcfs.distance);
//! ```

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::layout::{Layout, Slot};
use super::routing::{optimal_distance, optimal_route, Waypoint};
use crate::error::{OmsError, Result};
use crate::util::{FxMap, SplitMix64};

/// The most orders one call batches.
pub const MAX_BATCH_ORDERS: usize = 10_000;
/// The most tours the iterated local search routes after its starts
/// (about 0.3 s on 10 aisles): it stops there even if iterations remain,
/// so a large wave never stalls. Counting routes, not time, keeps it
/// deterministic.
pub const MAX_ROUTES: u64 = 150_000;

/// What a cart holds; a limit left out does not apply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cart {
    /// The most items (units) per tour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    /// The most volume per tour, in the unit of the orders' `volume`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_volume: Option<u64>,
    /// The most weight per tour, in the unit of the orders' `weight`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_weight: Option<u64>,
    /// The most orders per tour: the cart's totes, one per order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_orders: Option<u32>,
}

/// One order to batch: where its picks are and what it loads on the cart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchOrder {
    /// The bins to visit.
    pub picks: Vec<Slot>,
    /// Items (units) it puts on the cart.
    #[serde(default)]
    pub items: u64,
    /// Its volume.
    #[serde(default)]
    pub volume: u64,
    /// Its weight.
    #[serde(default)]
    pub weight: u64,
}

/// How orders are batched; see the [module docs](self).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BatchMethod {
    /// One tour per order.
    SingleOrder,
    /// First come, first served.
    Fcfs,
    /// Seed orders, each joined by the orders that add least.
    Seed,
    /// Clarke–Wright savings.
    Savings,
    /// Iterated local search from the better of seed and savings.
    #[default]
    Ils,
}

impl BatchMethod {
    /// Every method.
    pub const ALL: [BatchMethod; 5] = [
        BatchMethod::SingleOrder,
        BatchMethod::Fcfs,
        BatchMethod::Seed,
        BatchMethod::Savings,
        BatchMethod::Ils,
    ];

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchMethod::SingleOrder => "single_order",
            BatchMethod::Fcfs => "fcfs",
            BatchMethod::Seed => "seed",
            BatchMethod::Savings => "savings",
            BatchMethod::Ils => "ils",
        }
    }
}

/// A method and its search effort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchOptions {
    /// The method (default `ils`).
    #[serde(default)]
    pub method: BatchMethod,
    /// Perturbations the iterated local search tries (default
    /// [`BatchOptions::DEFAULT_ITERATIONS`]); other methods ignore it.
    #[serde(default = "default_iterations")]
    pub iterations: u32,
    /// Seeds the perturbations' generator (default 0).
    #[serde(default)]
    pub seed: u64,
}

fn default_iterations() -> u32 {
    BatchOptions::DEFAULT_ITERATIONS
}

impl BatchOptions {
    /// The iterated local search's default number of perturbations.
    pub const DEFAULT_ITERATIONS: u32 = 1000;

    /// `method` with the default effort and seed.
    pub fn new(method: BatchMethod) -> BatchOptions {
        BatchOptions {
            method,
            iterations: Self::DEFAULT_ITERATIONS,
            seed: 0,
        }
    }
}

impl Default for BatchOptions {
    fn default() -> BatchOptions {
        BatchOptions::new(BatchMethod::Ils)
    }
}

/// One tour: its orders and the stops in walking order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Batch {
    /// The orders (indices into the input), ascending.
    pub orders: Vec<usize>,
    /// The picks in walking order.
    pub stops: Vec<BatchStop>,
    /// The tour's walking distance, depot to depot.
    pub distance: u64,
    /// The tour's turning points, depot to depot.
    pub path: Vec<Waypoint>,
}

/// A stop of a batch's tour: a pick of one of its orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BatchStop {
    /// The order (index into the input).
    pub order: usize,
    /// The pick (index into that order's `picks`).
    pub pick: usize,
}

/// Batches covering every order once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BatchPlan {
    /// The tours, by their first order.
    pub batches: Vec<Batch>,
    /// Their total walking distance.
    pub distance: u64,
}

/// What a set of orders loads on the cart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Load {
    items: u64,
    volume: u64,
    weight: u64,
    orders: u64,
}

impl Load {
    fn of(o: &BatchOrder) -> Load {
        Load {
            items: o.items,
            volume: o.volume,
            weight: o.weight,
            orders: 1,
        }
    }

    fn plus(self, o: Load) -> Load {
        Load {
            items: self.items.saturating_add(o.items),
            volume: self.volume.saturating_add(o.volume),
            weight: self.weight.saturating_add(o.weight),
            orders: self.orders + o.orders,
        }
    }

    fn minus(self, o: Load) -> Load {
        Load {
            items: self.items - o.items,
            volume: self.volume - o.volume,
            weight: self.weight - o.weight,
            orders: self.orders - o.orders,
        }
    }

    fn fits(&self, cart: &Cart) -> bool {
        let within = |v: u64, max: Option<u64>| max.is_none_or(|m| v <= m);
        within(self.items, cart.max_items)
            && within(self.volume, cart.max_volume)
            && within(self.weight, cart.max_weight)
            && within(self.orders, cart.max_orders.map(u64::from))
    }
}

/// Tour lengths of sets of orders, remembered: the searches ask for the
/// same sets again and again. A set is keyed by the XOR of its orders'
/// random 128-bit tags (Zobrist hashing), so a key costs no allocation
/// and two different sets share one with probability 2⁻¹²⁸.
struct Tours<'a> {
    layout: &'a Layout,
    orders: &'a [BatchOrder],
    tags: Vec<u128>,
    known: FxMap<u128, u64>,
    picks: Vec<Slot>,
    /// Routes computed (lookups that missed the memory).
    routed: u64,
}

impl<'a> Tours<'a> {
    /// The most tour lengths remembered before the memory starts afresh.
    const MEMORY: usize = 1 << 21;

    fn new(layout: &'a Layout, orders: &'a [BatchOrder]) -> Tours<'a> {
        let mut rng = SplitMix64::new(0x6f72_6465_7273);
        let tags = orders
            .iter()
            .map(|_| (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64()))
            .collect();
        Tours {
            layout,
            orders,
            tags,
            known: FxMap::default(),
            picks: Vec::new(),
            routed: 0,
        }
    }

    /// The exact tour length of `members`.
    fn length(&mut self, members: &[u32]) -> u64 {
        self.changed(members, None, None)
    }

    /// The tour length of `members` with `out` left out and `add` added.
    fn changed(&mut self, members: &[u32], out: Option<u32>, add: Option<u32>) -> u64 {
        let tag = |o: Option<u32>| o.map_or(0, |o| self.tags[o as usize]);
        let key = members
            .iter()
            .fold(tag(out) ^ tag(add), |k, &m| k ^ self.tags[m as usize]);
        if let Some(&d) = self.known.get(&key) {
            return d;
        }
        self.picks.clear();
        for &o in members
            .iter()
            .filter(|&&m| Some(m) != out)
            .chain(add.as_ref())
        {
            self.picks.extend_from_slice(&self.orders[o as usize].picks);
        }
        self.routed += 1;
        // Every slot was checked before the search started.
        let d = optimal_distance(self.layout, &self.picks).unwrap_or(u64::MAX / 4);
        if self.known.len() >= Self::MEMORY {
            self.known.clear();
        }
        self.known.insert(key, d);
        d
    }
}

/// A batch during the search.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    members: Vec<u32>,
    load: Load,
    length: u64,
}

/// Plans tours for `orders` under `cart`'s capacity; see the
/// [module docs](self) for the methods.
///
/// Errors: a bad layout or a pick off the floor (`validation` naming
/// `orders[i].picks[j]`), more than [`MAX_BATCH_ORDERS`] orders, or an
/// order that alone does not fit the cart (`validation` naming `orders[i]`).
pub fn batch_orders(
    layout: &Layout,
    orders: &[BatchOrder],
    cart: &Cart,
    options: &BatchOptions,
) -> Result<BatchPlan> {
    layout.check()?;
    if orders.len() > MAX_BATCH_ORDERS {
        return Err(OmsError::validation(
            "orders",
            format!("at most {MAX_BATCH_ORDERS} orders per call"),
        ));
    }
    for (i, o) in orders.iter().enumerate() {
        for (j, p) in o.picks.iter().enumerate() {
            if layout.check_slot(p, "").is_err() {
                layout.check_slot(p, &format!("orders[{i}].picks[{j}]"))?;
            }
        }
        if !Load::of(o).fits(cart) {
            return Err(OmsError::validation(
                format!("orders[{i}]"),
                format!(
                    "{} items, volume {} and weight {} do not fit the cart alone",
                    o.items, o.volume, o.weight
                ),
            ));
        }
    }
    let mut tours = Tours::new(layout, orders);
    let groups = match options.method {
        BatchMethod::SingleOrder => (0..orders.len() as u32).map(|o| vec![o]).collect(),
        BatchMethod::Fcfs => fcfs(orders, cart),
        BatchMethod::Seed => seed(&mut tours, cart),
        BatchMethod::Savings => savings(&mut tours, cart),
        BatchMethod::Ils => ils(&mut tours, cart, options),
    };
    plan(layout, orders, groups)
}

/// The plan of `groups`, with each tour's stops and path.
fn plan(layout: &Layout, orders: &[BatchOrder], groups: Vec<Vec<u32>>) -> Result<BatchPlan> {
    let mut batches = Vec::with_capacity(groups.len());
    let mut total = 0u64;
    let mut groups: Vec<Vec<u32>> = groups.into_iter().filter(|g| !g.is_empty()).collect();
    for g in &mut groups {
        g.sort_unstable();
    }
    groups.sort_unstable();
    for g in groups {
        let mut picks = Vec::new();
        let mut owner = Vec::new();
        for &o in &g {
            for (k, p) in orders[o as usize].picks.iter().enumerate() {
                picks.push(*p);
                owner.push(BatchStop {
                    order: o as usize,
                    pick: k,
                });
            }
        }
        let route = optimal_route(layout, &picks)?;
        total = total.saturating_add(route.distance);
        batches.push(Batch {
            orders: g.iter().map(|&o| o as usize).collect(),
            stops: route.order.iter().map(|&i| owner[i]).collect(),
            distance: route.distance,
            path: route.path,
        });
    }
    Ok(BatchPlan {
        batches,
        distance: total,
    })
}

/// Next fit in the given order.
fn fcfs(orders: &[BatchOrder], cart: &Cart) -> Vec<Vec<u32>> {
    let mut groups: Vec<Vec<u32>> = Vec::new();
    let mut load = Load::default();
    for (i, o) in orders.iter().enumerate() {
        let next = load.plus(Load::of(o));
        match groups.last_mut() {
            Some(g) if next.fits(cart) => {
                g.push(i as u32);
                load = next;
            }
            _ => {
                groups.push(vec![i as u32]);
                load = Load::of(o);
            }
        }
    }
    groups
}

/// Seed batching with the exact tour length as the measure of nearness.
fn seed(tours: &mut Tours<'_>, cart: &Cart) -> Vec<Vec<u32>> {
    let orders = tours.orders;
    let mut open: Vec<u32> = (0..orders.len() as u32).collect();
    let alone: Vec<u64> = open.iter().map(|&o| tours.length(&[o])).collect();
    let mut groups = Vec::new();
    while !open.is_empty() {
        // The farthest order seeds; the first of equals.
        let s = (0..open.len())
            .max_by_key(|&k| (alone[open[k] as usize], std::cmp::Reverse(k)))
            .unwrap_or(0);
        let mut members = vec![open.remove(s)];
        let mut load = Load::of(&orders[members[0] as usize]);
        let mut length = alone[members[0] as usize];
        loop {
            let mut best: Option<(u64, usize)> = None;
            for (k, &o) in open.iter().enumerate() {
                if !load.plus(Load::of(&orders[o as usize])).fits(cart) {
                    continue;
                }
                let added = tours.changed(&members, None, Some(o)) - length;
                if best.is_none_or(|b| added < b.0) {
                    best = Some((added, k));
                }
            }
            let Some((added, k)) = best else { break };
            let o = open.remove(k);
            load = load.plus(Load::of(&orders[o as usize]));
            length += added;
            let at = members.partition_point(|&m| m < o);
            members.insert(at, o);
        }
        groups.push(members);
    }
    groups
}

/// Clarke–Wright savings, recomputed for each merged batch.
fn savings(tours: &mut Tours<'_>, cart: &Cart) -> Vec<Vec<u32>> {
    let orders = tours.orders;
    let mut groups: Vec<Option<Group>> = (0..orders.len() as u32)
        .map(|o| {
            Some(Group {
                members: vec![o],
                load: Load::of(&orders[o as usize]),
                length: tours.length(&[o]),
            })
        })
        .collect();
    // saving[a][b] for a < b: what merging saves, or None when they do not fit.
    let n = groups.len();
    let mut saving: Vec<Vec<Option<u64>>> = vec![Vec::new(); n];
    for a in 0..n {
        saving[a] = (0..n)
            .map(|b| {
                if b <= a {
                    return None;
                }
                match (&groups[a], &groups[b]) {
                    (Some(x), Some(y)) => pair_saving(tours, cart, x, y),
                    _ => None,
                }
            })
            .collect();
    }
    loop {
        let mut best: Option<(u64, usize, usize)> = None;
        for (a, row) in saving.iter().enumerate() {
            for (b, s) in row.iter().enumerate() {
                if let Some(s) = *s {
                    if best.is_none_or(|x| s > x.0) {
                        best = Some((s, a, b));
                    }
                }
            }
        }
        let Some((_, a, b)) = best else { break };
        let (ga, gb) = (groups[a].take(), groups[b].take());
        let (Some(ga), Some(gb)) = (ga, gb) else {
            break;
        };
        let mut members = ga.members;
        members.extend(gb.members);
        members.sort_unstable();
        let merged = Group {
            length: tours.length(&members),
            load: ga.load.plus(gb.load),
            members,
        };
        // The merged batch takes a's place; b is gone.
        for row in saving.iter_mut() {
            row[b] = None;
        }
        saving[b].iter_mut().for_each(|s| *s = None);
        groups[a] = Some(merged);
        for c in 0..n {
            if c == a {
                continue;
            }
            let s = match (&groups[a], &groups[c]) {
                (Some(x), Some(y)) => pair_saving(tours, cart, x, y),
                _ => None,
            };
            if c < a {
                saving[c][a] = s;
            } else {
                saving[a][c] = s;
            }
        }
    }
    groups.into_iter().flatten().map(|g| g.members).collect()
}

/// What merging two batches saves, if they fit one cart.
fn pair_saving(tours: &mut Tours<'_>, cart: &Cart, a: &Group, b: &Group) -> Option<u64> {
    if !a.load.plus(b.load).fits(cart) {
        return None;
    }
    let mut members = a.members.clone();
    members.extend_from_slice(&b.members);
    members.sort_unstable();
    let merged = tours.length(&members);
    Some((a.length + b.length).saturating_sub(merged))
}

/// A plan during the local search.
#[derive(Debug, Clone)]
struct Plan {
    groups: Vec<Group>,
    /// Groups changed since the search last looked at them.
    dirty: Vec<bool>,
}

impl Plan {
    fn new(tours: &mut Tours<'_>, groups: Vec<Vec<u32>>) -> Plan {
        let groups: Vec<Group> = groups
            .into_iter()
            .map(|members| Group {
                load: members.iter().fold(Load::default(), |l, &o| {
                    l.plus(Load::of(&tours.orders[o as usize]))
                }),
                length: tours.length(&members),
                members,
            })
            .collect();
        let dirty = vec![true; groups.len()];
        Plan { groups, dirty }
    }

    fn length(&self) -> u64 {
        self.groups.iter().map(|g| g.length).sum()
    }

    /// Moves order `o` from group `a` to group `b`.
    fn shift(&mut self, tours: &mut Tours<'_>, o: u32, a: usize, b: usize) {
        let l = Load::of(&tours.orders[o as usize]);
        let ga = &mut self.groups[a];
        ga.members.retain(|&m| m != o);
        ga.load = ga.load.minus(l);
        ga.length = tours.length(&ga.members);
        let gb = &mut self.groups[b];
        let at = gb.members.partition_point(|&m| m < o);
        gb.members.insert(at, o);
        gb.load = gb.load.plus(l);
        gb.length = tours.length(&gb.members);
        self.dirty[a] = true;
        self.dirty[b] = true;
    }

    /// Drops empty groups.
    fn tidy(&mut self) {
        let mut k = 0;
        while k < self.groups.len() {
            if self.groups[k].members.is_empty() {
                self.groups.swap_remove(k);
                self.dirty.swap_remove(k);
            } else {
                k += 1;
            }
        }
    }
}

/// Shifts, swaps and splits until none shortens the plan.
fn local_search(tours: &mut Tours<'_>, cart: &Cart, plan: &mut Plan) {
    let orders = tours.orders;
    loop {
        let mut improved = false;
        let n = plan.groups.len();
        for a in 0..n {
            for b in 0..n {
                if a == b || !(plan.dirty[a] || plan.dirty[b]) {
                    continue;
                }
                // Shift: an order of a to b.
                let mut k = 0;
                while k < plan.groups[a].members.len() {
                    let o = plan.groups[a].members[k];
                    let l = Load::of(&orders[o as usize]);
                    if plan.groups[b].load.plus(l).fits(cart) {
                        let before = plan.groups[a].length + plan.groups[b].length;
                        let na = tours.changed(&plan.groups[a].members, Some(o), None);
                        let nb = tours.changed(&plan.groups[b].members, None, Some(o));
                        if na + nb < before {
                            plan.shift(tours, o, a, b);
                            improved = true;
                            continue;
                        }
                    }
                    k += 1;
                }
                if a > b {
                    continue;
                }
                // Swap: an order of a for an order of b.
                let mut i = 0;
                'swaps: while i < plan.groups[a].members.len() {
                    let o = plan.groups[a].members[i];
                    let lo = Load::of(&orders[o as usize]);
                    for j in 0..plan.groups[b].members.len() {
                        let p = plan.groups[b].members[j];
                        let lp = Load::of(&orders[p as usize]);
                        if !plan.groups[a].load.minus(lo).plus(lp).fits(cart)
                            || !plan.groups[b].load.minus(lp).plus(lo).fits(cart)
                        {
                            continue;
                        }
                        let before = plan.groups[a].length + plan.groups[b].length;
                        let na = tours.changed(&plan.groups[a].members, Some(o), Some(p));
                        let nb = tours.changed(&plan.groups[b].members, Some(p), Some(o));
                        if na + nb < before {
                            plan.shift(tours, o, a, b);
                            plan.shift(tours, p, b, a);
                            improved = true;
                            continue 'swaps;
                        }
                    }
                    i += 1;
                }
            }
        }
        for d in plan.dirty.iter_mut() {
            *d = false;
        }
        improved |= split(tours, cart, plan);
        plan.tidy();
        if !improved {
            return;
        }
    }
}

/// Dissolves one batch whose orders all find room elsewhere, each going
/// where it adds least, if that shortens the plan.
fn split(tours: &mut Tours<'_>, cart: &Cart, plan: &mut Plan) -> bool {
    let orders = tours.orders;
    for a in 0..plan.groups.len() {
        if plan.groups[a].members.is_empty() {
            continue;
        }
        let mut trial = plan.clone();
        let mut ok = true;
        for o in plan.groups[a].members.clone() {
            let l = Load::of(&orders[o as usize]);
            let mut best: Option<(u64, usize)> = None;
            for (b, g) in trial.groups.iter().enumerate() {
                if b == a || g.members.is_empty() || !g.load.plus(l).fits(cart) {
                    continue;
                }
                let added = tours.changed(&g.members, None, Some(o)) - g.length;
                if best.is_none_or(|x| added < x.0) {
                    best = Some((added, b));
                }
            }
            match best {
                Some((_, b)) => trial.shift(tours, o, a, b),
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if ok && trial.length() < plan.length() {
            *plan = trial;
            return true;
        }
    }
    false
}

/// Random shifts and swaps between random batches, `moves` of them.
fn perturb(tours: &mut Tours<'_>, cart: &Cart, plan: &mut Plan, rng: &mut SplitMix64, moves: u32) {
    let orders = tours.orders;
    let n = plan.groups.len();
    if n < 2 {
        return;
    }
    for _ in 0..moves {
        let a = rng.below(n as u64) as usize;
        let b = rng.below(n as u64 - 1) as usize;
        let b = if b >= a { b + 1 } else { b };
        let (ga, gb) = (&plan.groups[a], &plan.groups[b]);
        if ga.members.is_empty() {
            continue;
        }
        let o = ga.members[rng.below(ga.members.len() as u64) as usize];
        let lo = Load::of(&orders[o as usize]);
        if gb.load.plus(lo).fits(cart) && rng.below(2) == 0 {
            plan.shift(tours, o, a, b);
            continue;
        }
        if gb.members.is_empty() {
            continue;
        }
        let p = gb.members[rng.below(gb.members.len() as u64) as usize];
        let lp = Load::of(&orders[p as usize]);
        if ga.load.minus(lo).plus(lp).fits(cart) && gb.load.minus(lp).plus(lo).fits(cart) {
            plan.shift(tours, o, a, b);
            plan.shift(tours, p, b, a);
        }
    }
    plan.tidy();
}

/// Perturbations without a new best before the walk returns to the best.
const STALL: u32 = 100;

/// Iterated local search from the better of seed and savings.
fn ils(tours: &mut Tours<'_>, cart: &Cart, options: &BatchOptions) -> Vec<Vec<u32>> {
    let starts = [seed(tours, cart), savings(tours, cart)];
    let mut best: Option<Plan> = None;
    for s in starts {
        let mut p = Plan::new(tours, s);
        local_search(tours, cart, &mut p);
        if best.as_ref().is_none_or(|b| p.length() < b.length()) {
            best = Some(p);
        }
    }
    let Some(mut best) = best else {
        return Vec::new();
    };
    let mut rng = SplitMix64::new(options.seed);
    let budget = tours.routed.saturating_add(MAX_ROUTES);
    // The walk moves on to plans as short as the current one (plateaus
    // hide better plans), and goes back to the best after a long stall.
    let mut current = best.clone();
    let mut stalled = 0;
    for _ in 0..options.iterations {
        if tours.routed >= budget {
            break;
        }
        let mut trial = current.clone();
        let moves = 2 + rng.below(3) as u32;
        perturb(tours, cart, &mut trial, &mut rng, moves);
        local_search(tours, cart, &mut trial);
        if trial.length() < best.length() {
            best = trial.clone();
            stalled = 0;
        } else {
            stalled += 1;
        }
        if trial.length() <= current.length() {
            current = trial;
        }
        if stalled % STALL == STALL - 1 {
            current = best.clone();
        }
    }
    best.groups.into_iter().map(|g| g.members).collect()
}
