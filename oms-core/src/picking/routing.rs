//! Pick routing: the shortest tour from the depot through every pick and
//! back, walking the aisles of a [`Layout`].
//!
//! [`optimal_route`] is exact for any layout of up to [`MAX_EXACT_BLOCKS`]
//! blocks (beyond, it routes by local search: [`super::improved_route`]).
//! It is the dynamic program of Ratliff and Rosenthal (1983),
//! generalised to several cross aisles as Roodbergen and de Koster (2001)
//! did for one middle aisle. It sweeps the aisles from left to right and
//! keeps, for the vertices where the current aisle meets the cross aisles,
//! their degree parity and which of them the partial tour already joins.
//! The transitions are not a hand-written table: each aisle piece and
//! each cross-aisle edge is added one at a time, and the state records
//! its effect. So one short program covers one, two or more blocks. From
//! that, each step of the sweep (an aisle piece, or every cross aisle
//! between two aisles at once) becomes a table listing, for each state,
//! the ways into it; the sweep only adds and compares numbers, and its
//! time is linear in the number of aisles. Aisles with nothing to pick
//! (other than the depot's) are left out: an optimal tour never needs to
//! walk along them, so the cross aisles over them are one step. The `insertion` module keeps the
//! same sweep forward and backward, to cost added picks quickly.
//!
//! Within one aisle of one block, an optimal tour does one of six things
//! (Ratliff–Rosenthal):
//! - walks through once;
//! - walks through twice;
//! - enters from the front and turns back at the farthest pick;
//! - enters from the back and turns back likewise;
//! - enters from both ends, leaving the largest gap between picks unwalked;
//! - does not enter, when it has nothing to pick there.
//!
//! Cross-aisle edges are walked 0, 1 or 2 times.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::util::FxMap;

use super::layout::{Layout, Slot, MAX_EXACT_BLOCKS};

/// A route: the picks in walking order, its length and its path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Route {
    /// Indices into the picks given, in the order the picker reaches them
    /// (picks in one bay together, in the order given).
    pub order: Vec<usize>,
    /// The walking distance, depot to depot.
    pub distance: u64,
    /// The turning points of the walk, depot to depot; each leg runs along
    /// one aisle or one cross aisle.
    pub path: Vec<Waypoint>,
}

/// A point of a walk: an aisle, and the distance from the front cross aisle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Waypoint {
    /// The aisle (on a cross aisle: the aisle it is level with).
    pub aisle: u32,
    /// The distance from the front cross aisle's centre line.
    pub y: u64,
}

/// How a tour covers one aisle of one block: its kind (a row of
/// [`EFFECTS`]) and, for a gap, after which pick (by position) the unwalked
/// gap lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cover {
    /// Not entered.
    Skip,
    /// Walked through once.
    Pass,
    /// Walked through twice.
    Twice,
    /// Entered from the front up to the farthest pick and back.
    Front,
    /// Entered from the back down to the nearest pick and back.
    Back,
    /// Entered from both ends; the gap after the `usize`-th pick (by
    /// position) is not walked.
    Gap(usize),
}

/// The kinds of cover, in the order of [`EFFECTS`].
const KINDS: usize = 6;

/// What each kind of cover costs on an aisle piece of length `len` with
/// picks at the sorted distinct positions `ys` (from its front end), as
/// [`Word`]s, [`UNREACHABLE`] where the kind does not apply (and in the two
/// spare slots); and after which pick the largest gap lies.
pub(super) fn cover_costs(len: u64, ys: &[u64]) -> ([Word; 8], usize) {
    let word = |c: u64| c << ENTRY_BITS;
    let mut costs = [UNREACHABLE; 8];
    costs[1] = word(len);
    costs[2] = word(2 * len);
    let (Some(&first), Some(&last)) = (ys.first(), ys.last()) else {
        // An aisle without picks may still be walked through, to change cross aisles.
        costs[0] = 0;
        return (costs, 0);
    };
    costs[3] = word(2 * last);
    costs[4] = word(2 * (len - first));
    // The largest gap between neighbouring picks stays unwalked.
    let mut gap = None;
    for (k, w) in ys.windows(2).enumerate() {
        if gap.is_none_or(|(_, g)| w[1] - w[0] > g) {
            gap = Some((k, w[1] - w[0]));
        }
    }
    let Some((k, g)) = gap else {
        return (costs, 0);
    };
    costs[5] = word(2 * (len - g));
    (costs, k)
}

/// The cover of kind `kind`, its gap after pick `gap`.
fn cover(kind: u8, gap: usize) -> Cover {
    match kind {
        0 => Cover::Skip,
        1 => Cover::Pass,
        2 => Cover::Twice,
        3 => Cover::Front,
        4 => Cover::Back,
        _ => Cover::Gap(gap),
    }
}

/// The aisle pieces of the sweep, (aisle − lo) × blocks + block: their
/// pick positions and what each kind of cover costs, in flat tables.
struct Pieces {
    /// Distinct pick positions, piece after piece.
    ys: Vec<u64>,
    y_start: Vec<u32>,
    /// Per piece: each kind's cost, shifted into a [`Word`].
    costs: Vec<[Word; 8]>,
    /// Per piece: the pick (by position) after which its largest gap lies.
    gaps: Vec<usize>,
    /// The picks at position `ys[f]` are `picks[pick_start[f]..pick_start[f + 1]]`.
    pick_start: Vec<u32>,
    /// Pick indices grouped by position.
    picks: Vec<usize>,
}

/// A frontier state, packed: per cross aisle (row) 2 bits of degree class
/// (0 none, 1 even, 2 odd) and 3 bits of component label; bit 31 set once
/// a closed tour exists (nothing may be added after it).
type State = u32;

const DONE: State = 1 << 31;
const NONE: u32 = 0;
const EVEN: u32 = 1;
const ODD: u32 = 2;

fn class(s: State, r: usize) -> u32 {
    (s >> (5 * r)) & 3
}

fn label(s: State, r: usize) -> u32 {
    (s >> (5 * r + 2)) & 7
}

fn set(s: State, r: usize, class: u32, label: u32) -> State {
    let mask = 31 << (5 * r);
    (s & !mask) | ((class | (label << 2)) << (5 * r))
}

/// The class after adding `d` edge ends to a vertex of class `c`.
fn added(c: u32, d: u8) -> u32 {
    match (c, d % 2, d) {
        (_, _, 0) => c,
        (NONE, 1, _) | (EVEN, 1, _) => ODD,
        (ODD, 1, _) => EVEN,
        (NONE, 0, _) => EVEN,
        (c, _, _) => c,
    }
}

/// Relabels components in order of first appearance, so equal frontiers
/// have equal codes.
fn normalize(s: State, rows: usize) -> State {
    let mut map = [u32::MAX; 8];
    let mut next = 0;
    let mut out = s & DONE;
    for r in 0..rows {
        let c = class(s, r);
        if c == NONE {
            continue;
        }
        let l = label(s, r) as usize;
        if map[l] == u32::MAX {
            map[l] = next;
            next += 1;
        }
        out = set(out, r, c, map[l]);
    }
    out
}

/// A label no row uses.
fn fresh(s: State, rows: usize) -> u32 {
    let used = (0..rows)
        .filter(|&r| class(s, r) != NONE)
        .fold(0u32, |m, r| m | 1 << label(s, r));
    (0..8).find(|l| used & (1 << l) == 0).unwrap_or(7)
}

/// Adds `d` edge ends at row `r`.
fn add(s: State, r: usize, d: u8, rows: usize) -> State {
    if d == 0 {
        return s;
    }
    let c = class(s, r);
    let l = if c == NONE {
        fresh(s, rows)
    } else {
        label(s, r)
    };
    set(s, r, added(c, d), l)
}

/// Joins the components of rows `a` and `b` (both in the tour).
fn join(s: State, a: usize, b: usize, rows: usize) -> State {
    let (la, lb) = (label(s, a), label(s, b));
    let mut out = s;
    for r in 0..rows {
        if class(s, r) != NONE && label(s, r) == lb {
            out = set(out, r, class(s, r), la);
        }
    }
    out
}

/// What each kind of cover does to the ends of its piece: (front, back, joins).
const EFFECTS: [(u8, u8, bool); 6] = [
    (0, 0, false), // skip
    (1, 1, true),  // pass
    (2, 2, true),  // twice
    (2, 0, false), // front
    (0, 2, false), // back
    (2, 2, false), // gap
];

/// A cost in the sweep, with the step's entry that gave it: the distance
/// in the high bits, the [`Pull`] entry in the low 16. So taking the
/// minimum keeps the predecessor too, with no branch, and the way back
/// needs one lookup per step.
pub(super) type Word = u64;
pub(super) const ENTRY_BITS: u32 = 16;
pub(super) const DISTANCE: Word = !((1 << ENTRY_BITS) - 1);
/// A cost no tour reaches. [`Layout::check`] keeps every tour under
/// 2^45, so a distance shifted into a word stays below it, and the sum of
/// two words cannot overflow.
pub(super) const UNREACHABLE: Word = 1 << 62;

/// One step's transitions in pull form: for each state after the step,
/// the entries (a state before and an operation) that reach it.
pub(super) struct Pull {
    /// Entries reaching state `t` are `start[t]..start[t + 1]`.
    start: Vec<u32>,
    /// The state before in the low 16 bits, the operation above: for a
    /// piece, the kind of cover; for a cross-aisle layer, how often each
    /// row's edge is walked, in base 3 (row 0 the lowest digit).
    entries: Vec<u32>,
}

impl Pull {
    /// Groups `(from, op, to)` transitions by the state after.
    fn new(states: usize, mut moves: Vec<(u16, u8, u16)>) -> Pull {
        moves.sort_by_key(|&(s, op, t)| (t, s, op));
        assert!(
            moves.len() < 1 << ENTRY_BITS,
            "a routing step has too many transitions"
        );
        let mut start = vec![0u32; states + 1];
        for &(_, _, t) in &moves {
            start[t as usize + 1] += 1;
        }
        for t in 0..states {
            start[t + 1] += start[t];
        }
        Pull {
            start,
            entries: moves
                .iter()
                .map(|&(s, op, _)| u32::from(s) | u32::from(op) << 16)
                .collect(),
        }
    }

    /// The state before and the operation of entry `e`.
    fn entry(&self, e: usize) -> (usize, u8) {
        let x = self.entries[e];
        ((x & 0xFFFF) as usize, (x >> 16) as u8)
    }

    /// [`Pull::relax`] on state arrays of any length, for the incremental
    /// sweep. The full sweep keeps its fixed-size arrays: their unchecked
    /// indexing saves 8–12% of a route's instructions (callgrind).
    pub(super) fn relax_slice(&self, add: &[Word], cost: &[Word], next: &mut [Word]) {
        let mut a = self.start[0] as usize;
        for (out, &b) in next.iter_mut().zip(&self.start[1..]) {
            let b = b as usize;
            let mut best = UNREACHABLE;
            for (e, &x) in self.entries[a..b].iter().enumerate() {
                let c = (cost[(x & 0xFFFF) as usize] & DISTANCE) + add[(x >> 16) as usize];
                best = best.min(c | (a + e) as Word);
            }
            *out = best.min(UNREACHABLE);
            a = b;
        }
    }

    /// The step backwards: each state's cheapest way on to the end, given
    /// `after`, the cheapest from each state after the step.
    pub(super) fn relax_back(&self, add: &[Word], after: &[Word], before: &mut [Word]) {
        before.fill(UNREACHABLE);
        let mut a = self.start[0] as usize;
        for (&rest, &b) in after.iter().zip(&self.start[1..]) {
            let b = b as usize;
            for &x in &self.entries[a..b] {
                let s = (x & 0xFFFF) as usize;
                before[s] = before[s].min(rest + add[(x >> 16) as usize]);
            }
            a = b;
        }
        for c in before.iter_mut() {
            *c = (*c).min(UNREACHABLE);
        }
    }

    /// One step: each state's cheapest way in, its cost `add[op]` on top.
    /// The state arrays hold `CAP` slots (a power of two), the costs `OPS`,
    /// so the indexing needs no checks.
    #[inline]
    fn relax<const CAP: usize, const OPS: usize>(
        &self,
        add: &[Word; OPS],
        cost: &[Word; CAP],
        next: &mut [Word; CAP],
        states: usize,
    ) {
        let mut a = self.start[0] as usize;
        for (out, &b) in next[..states].iter_mut().zip(&self.start[1..]) {
            let b = b as usize;
            let mut best = UNREACHABLE;
            for e in a..b {
                let x = self.entries[e];
                let from = cost[x as usize & (CAP - 1)] & DISTANCE;
                let c = from + add[(x >> 16) as usize & (OPS - 1)];
                best = best.min(c | e as Word);
            }
            *out = best.min(UNREACHABLE);
            a = b;
        }
    }
}

/// Every frontier state reachable with `rows` cross aisles, and each step
/// of the sweep as a [`Pull`] table: the sweep then only looks up
/// numbers. Built once per number of cross aisles.
pub(super) struct Machine {
    /// State codes by index; index 0 is the empty frontier.
    pub(super) codes: Vec<State>,
    /// Whether a state ends a tour: nothing odd, one component (or done).
    accepts: Vec<bool>,
    /// Per block and `[without picks, with picks]`: its aisle piece, by
    /// kind of cover (a piece without picks is skipped, passed or passed
    /// twice; one with picks is entered somehow).
    pub(super) pieces: Vec<[Pull; 2]>,
    /// The cross aisles between two neighbouring aisles, all rows at once:
    /// `[0]` away from the depot, `[1 + r]` where the depot is on row `r`
    /// at the left end (so its vertex must be in the tour).
    pub(super) layers: Vec<Pull>,
}

impl Machine {
    fn build(rows: usize) -> Machine {
        let blocks = rows - 1;
        // Operations: a piece of block b with cover kind k is `b * 6 + k`;
        // an edge on row r walked m times, `blocks * 6 + r * 6 + m * 2 +
        // (1 if its left end is the depot)`.
        let ops = blocks * KINDS + rows * 6;
        let edge_op = |row: usize, m: u8, depot: bool| -> usize {
            blocks * KINDS + row * 6 + m as usize * 2 + usize::from(depot)
        };
        let mut codes: Vec<State> = vec![0];
        let mut index: FxMap<State, u16> = FxMap::default();
        index.insert(0, 0);
        // `to[state * ops + op]`: the state after, if it can lead to a tour.
        let mut to: Vec<Option<u16>> = Vec::new();
        let mut i = 0;
        while i < codes.len() {
            let s = codes[i];
            for op in 0..ops {
                let after = if op < blocks * KINDS {
                    let (b, (lo, hi, joins)) = (op / KINDS, EFFECTS[op % KINDS]);
                    if s & DONE != 0 && (lo > 0 || hi > 0) {
                        None
                    } else {
                        let mut t = add(s, b, lo, rows);
                        t = add(t, b + 1, hi, rows);
                        if joins {
                            t = join(t, b, b + 1, rows);
                        }
                        Some(t)
                    }
                } else {
                    let e = op - blocks * KINDS;
                    cross(s, e / 6, (e % 6 / 2) as u8, rows, e % 2 == 1)
                };
                to.push(after.map(|t| normalize(t, rows)).map(|t| {
                    *index.entry(t).or_insert_with(|| {
                        codes.push(t);
                        (codes.len() - 1) as u16
                    })
                }));
            }
            i += 1;
        }
        let states = codes.len();
        let accepts = codes
            .iter()
            .map(|&s| {
                let live: Vec<usize> = (0..rows).filter(|&r| class(s, r) != NONE).collect();
                (0..rows).all(|r| class(s, r) != ODD)
                    && live.windows(2).all(|w| label(s, w[0]) == label(s, w[1]))
                    && (s & DONE != 0 || !live.is_empty())
            })
            .collect();
        let piece = |b: usize, kinds: std::ops::Range<usize>| {
            let moves = (0..states)
                .flat_map(|s| kinds.clone().map(move |k| (s, k)))
                .filter_map(|(s, k)| to[s * ops + b * KINDS + k].map(|t| (s as u16, k as u8, t)))
                .collect();
            Pull::new(states, moves)
        };
        let pieces = (0..blocks)
            .map(|b| [piece(b, 0..3), piece(b, 1..KINDS)])
            .collect();
        // A layer walks each row's edge 0, 1 or 2 times; of the ways from
        // one state to another, the layer keeps the shortest (the first in
        // base-3 order among equals).
        let layers = (0..=rows)
            .map(|variant| {
                let depot = variant.checked_sub(1);
                let mut moves = Vec::new();
                for s in 0..states {
                    let mut reach: Vec<(u16, u8, u8)> = vec![(s as u16, 0, 0)];
                    let mut weight = 1u8;
                    for r in 0..rows {
                        let mut after: Vec<(u16, u8, u8)> = Vec::new();
                        for &(x, code, walked) in &reach {
                            for m in 0..3u8 {
                                let op = edge_op(r, m, depot == Some(r));
                                if let Some(t) = to[x as usize * ops + op] {
                                    after.push((t, code + m * weight, walked + m));
                                }
                            }
                        }
                        after.sort_by_key(|&(t, code, walked)| (t, walked, code));
                        after.dedup_by_key(|a| a.0);
                        reach = after;
                        weight *= 3;
                    }
                    moves.extend(reach.into_iter().map(|(t, code, _)| (s as u16, code, t)));
                }
                Pull::new(states, moves)
            })
            .collect();
        Machine {
            codes,
            accepts,
            pieces,
            layers,
        }
    }

    /// Whether state `t` after the last step, at aisle `hi`, is a finished
    /// tour: nothing odd, one component, the depot visited.
    pub(super) fn ends(&self, layout: &Layout, hi: u32, t: usize) -> bool {
        self.accepts[t]
            && (hi != layout.depot.aisle
                || class(self.codes[t], layout.depot.cross_aisle as usize) != NONE)
    }

    /// The machine for `rows` cross aisles.
    pub(super) fn get(rows: usize) -> &'static Machine {
        static MACHINES: [std::sync::OnceLock<Machine>; MAX_EXACT_BLOCKS + 2] =
            [const { std::sync::OnceLock::new() }; MAX_EXACT_BLOCKS + 2];
        MACHINES[rows].get_or_init(|| Machine::build(rows))
    }
}

/// How often a layer code walks row `r`'s edge.
fn walked(code: u8, r: usize) -> u8 {
    code / 3u8.pow(r as u32) % 3
}

/// One step of the sweep: an aisle piece, or the cross aisles between two aisles.
#[derive(Debug, Clone, Copy)]
pub(super) enum Step {
    /// The piece of aisle `aisle` in block `block`; `piece` indexes [`Pieces`].
    Piece {
        aisle: u32,
        block: usize,
        piece: usize,
    },
    /// The cross-aisle edges from aisle `aisle` to `aisle + span`, every
    /// row; `costs` indexes the spans [`plan`] lists, `variant`
    /// [`Machine::layers`].
    Layer {
        aisle: u32,
        span: u32,
        costs: usize,
        variant: usize,
    },
}

/// The shortest route from the depot through every slot of `picks` and
/// back (slots may repeat; each is visited once).
///
/// ```
/// use oms_core::picking::{optimal_route, Depot, Layout, Slot};
/// // Three aisles of 10 bays, depot at the front of aisle 0.
/// let layout = Layout::single_block(3, 3, 10, 1, 1, Depot { aisle: 0, cross_aisle: 0 });
/// let s = |aisle, bay| Slot { block: 0, aisle, bay };
/// let route = optimal_route(&layout, &[s(2, 1), s(0, 8)]).unwrap();
/// // Up aisle 0 to bay 8 and back (18), across to aisle 2 and back (12),
/// // into aisle 2 to bay 1 and back (4).
/// assert_eq!(route.distance, 34);
/// assert_eq!(route.order.len(), 2);
/// ```
pub fn optimal_route(layout: &Layout, picks: &[Slot]) -> Result<Route> {
    layout.check()?;
    for (i, p) in picks.iter().enumerate() {
        if layout.check_slot(p, "").is_err() {
            layout.check_slot(p, &format!("picks[{i}]"))?;
        }
    }
    solve(layout, picks, true)
}

/// The length of the optimal route through `picks`, which the caller has
/// checked are on the (checked) floor: the same sweep without the way back.
pub(crate) fn optimal_distance(layout: &Layout, picks: &[Slot]) -> Result<u64> {
    solve(layout, picks, false).map(|r| r.distance)
}

/// The sweep; with `trace`, also the route's order and path. Floors with
/// more blocks than it handles go to the local search.
fn solve(layout: &Layout, picks: &[Slot], trace: bool) -> Result<Route> {
    if layout.blocks.len() > MAX_EXACT_BLOCKS {
        return Ok(super::improve::local_search(layout, picks));
    }
    if picks.is_empty() {
        return Ok(Route {
            order: Vec::new(),
            distance: 0,
            path: vec![Waypoint {
                aisle: layout.depot.aisle,
                y: layout.depot_point().y,
            }],
        });
    }
    let blocks = layout.blocks.len();
    let rows = blocks + 1;
    let (lo, hi) = picks
        .iter()
        .fold((layout.depot.aisle, layout.depot.aisle), |(lo, hi), p| {
            (lo.min(p.aisle), hi.max(p.aisle))
        });
    let columns = Columns::used(layout, picks, lo, hi);
    let pieces = Pieces::new(layout, picks, &columns);

    let (steps, spans) = plan(layout, &columns);
    let machine = Machine::get(rows);
    let states = machine.codes.len();
    // State arrays and layer tables sized to the floor (7 states and 9
    // layer codes for one block, 25 and 27 for two, 113 and 81 for three,
    // 569 and 243 for four), so small floors copy and touch little.
    // `sweep` asserts they fit; the routing tests cover every arm.
    let (cost, layers) = match rows {
        2 => sweep::<8, 16>(machine, &steps, &pieces, layout, &spans, trace),
        3 => sweep::<32, 32>(machine, &steps, &pieces, layout, &spans, trace),
        4 => sweep::<128, 128>(machine, &steps, &pieces, layout, &spans, trace),
        _ => sweep::<1024, 256>(machine, &steps, &pieces, layout, &spans, trace),
    };
    let mut best: Option<(u64, usize)> = None;
    for (t, &c) in cost.iter().enumerate() {
        let c = c >> ENTRY_BITS;
        if c < UNREACHABLE >> ENTRY_BITS
            && machine.ends(layout, hi, t)
            && best.is_none_or(|(b, _)| c < b)
        {
            best = Some((c, t));
        }
    }
    // Walking every aisle through and back along the cross aisles is always a tour.
    let Some((distance, mut state)) = best else {
        return Err(crate::OmsError::conflict(
            "routing found no tour: a bug, please report the layout and picks",
        ));
    };
    if !trace {
        return Ok(Route {
            order: Vec::new(),
            distance,
            path: Vec::new(),
        });
    }
    // Back through the steps: each state's entry names the state before
    // and the operation.
    let mut choices = vec![0u8; steps.len()];
    for (k, step) in steps.iter().enumerate().rev() {
        let pull = match *step {
            Step::Piece { block, piece, .. } => &machine.pieces[block][pieces.picked(piece)],
            Step::Layer { variant, .. } => &machine.layers[variant],
        };
        let (from, op) = pull.entry((layers[k * states + state] & !DISTANCE) as usize);
        choices[k] = op;
        state = from;
    }
    let walk = Walk::build(layout, &columns, &steps, &choices, &pieces);
    Ok(walk.route(layout, &columns, &pieces, distance))
}

/// The aisles a sweep visits, left to right.
pub(super) struct Columns {
    lo: u32,
    /// The aisles visited.
    aisles: Vec<u32>,
    /// Per aisle from `lo`: its column, or `u32::MAX` if skipped.
    index: Vec<u32>,
}

impl Columns {
    /// Every aisle from `lo` to `hi`.
    pub(super) fn all(lo: u32, hi: u32) -> Columns {
        Columns {
            lo,
            aisles: (lo..=hi).collect(),
            index: (0..=hi - lo).collect(),
        }
    }

    /// The aisles from `lo` to `hi` with a pick, and the depot's. An
    /// optimal tour never needs to walk along an aisle with nothing to
    /// pick, not the depot's, between two others. Take a tour that does,
    /// and move every step along that aisle onto the aisle left of it (or
    /// right): the cross-aisle steps between the two vanish and those from
    /// it to the other side grow by one pitch each. The two moves change
    /// the length by opposite amounts, so one of them does not lengthen
    /// the tour. Repeating this ends (each move either shortens the tour,
    /// or moves steps onto an aisle with picks, or moves them left), so
    /// such aisles are left out of the sweep, their cross aisles walked in
    /// one step.
    pub(super) fn used(layout: &Layout, picks: &[Slot], lo: u32, hi: u32) -> Columns {
        let mut keep = vec![false; (hi - lo + 1) as usize];
        keep[(layout.depot.aisle - lo) as usize] = true;
        for p in picks {
            keep[(p.aisle - lo) as usize] = true;
        }
        let mut aisles = Vec::new();
        let index = keep
            .iter()
            .zip(lo..)
            .map(|(&k, a)| {
                if k {
                    aisles.push(a);
                    aisles.len() as u32 - 1
                } else {
                    u32::MAX
                }
            })
            .collect();
        Columns { lo, aisles, index }
    }

    /// The column of a visited aisle.
    fn of(&self, aisle: u32) -> usize {
        self.index[(aisle - self.lo) as usize] as usize
    }
}

/// The steps of a sweep over `columns`: per column its pieces, block by
/// block, then (but after the last) the cross aisles to the next. So piece
/// `column × blocks + b` is step `column × (blocks + 1) + b`. Also the
/// spans the cross-aisle steps cross, each once, which their `costs` index.
pub(super) fn plan(layout: &Layout, columns: &Columns) -> (Vec<Step>, Vec<u32>) {
    let mut spans: Vec<u32> = Vec::new();
    let blocks = layout.blocks.len();
    let mut steps = Vec::with_capacity(columns.aisles.len() * (blocks + 1));
    let depot_variant = 1 + layout.depot.cross_aisle as usize;
    for (c, &a) in columns.aisles.iter().enumerate() {
        for b in 0..blocks {
            steps.push(Step::Piece {
                aisle: a,
                block: b,
                piece: c * blocks + b,
            });
        }
        if let Some(&next) = columns.aisles.get(c + 1) {
            let variant = if a == layout.depot.aisle {
                depot_variant
            } else {
                0
            };
            let span = next - a;
            let costs = spans.iter().position(|&s| s == span).unwrap_or_else(|| {
                spans.push(span);
                spans.len() - 1
            });
            steps.push(Step::Layer {
                aisle: a,
                span,
                costs,
                variant,
            });
        }
    }
    (steps, spans)
}

/// The number of steps of [`plan`]`(layout, lo, hi)`.
pub(super) fn plan_steps(layout: &Layout, lo: u32, hi: u32) -> u64 {
    u64::from(hi - lo + 1) * (layout.blocks.len() as u64 + 1) - 1
}

/// What a cross-aisle layer costs, by how often it walks each row's edge,
/// for `span` aisle pitches crossed at once; codes beyond the floor's
/// are unreachable. `OPS` is a power of two at least `3^rows`.
pub(super) fn layer_costs<const OPS: usize>(layout: &Layout, span: u32) -> [Word; OPS] {
    let rows = layout.blocks.len() + 1;
    let step = layout.aisle_pitch * u64::from(span);
    let mut costs = [UNREACHABLE; OPS];
    for (c, &walks) in costs.iter_mut().zip(&WALKS[..3usize.pow(rows as u32)]) {
        *c = (u64::from(walks) * step) << ENTRY_BITS;
    }
    costs
}

/// Per layer code, how many cross-aisle edges it walks in all (the sum of
/// its base-3 digits), worked out at compile time.
const WALKS: [u8; 243] = {
    let mut walks = [0u8; 243];
    let mut code = 1;
    while code < 243 {
        walks[code] = walks[code / 3] + (code % 3) as u8;
        code += 1;
    }
    walks
};

/// The sweep itself, over state arrays of `CAP` slots and layer tables of
/// `OPS`: the costs of the states after the last step, and with `trace`,
/// every step's costs (whose low bits name the entry each came by).
/// `spans` are those the layer steps cross, which their `costs` index.
fn sweep<const CAP: usize, const OPS: usize>(
    machine: &Machine,
    steps: &[Step],
    pieces: &Pieces,
    layout: &Layout,
    spans: &[u32],
    trace: bool,
) -> (Vec<Word>, Vec<Word>) {
    let states = machine.codes.len();
    // The indexing masks rather than checks: the sizes must fit.
    debug_assert!(states <= CAP && 3usize.pow(layout.blocks.len() as u32 + 1) <= OPS);
    let tables: Vec<[Word; OPS]> = spans
        .iter()
        .map(|&span| layer_costs::<OPS>(layout, span))
        .collect();
    // The cheapest cost of every state, in dense arrays. For the way back
    // the sweep keeps each step's entries, which the costs carry in their
    // low bits.
    let (mut a, mut b) = ([UNREACHABLE; CAP], [UNREACHABLE; CAP]);
    a[0] = 0;
    let (mut cost, mut next) = (&mut a, &mut b);
    let mut layers: Vec<Word> = Vec::with_capacity(if trace { steps.len() * states } else { 0 });
    for step in steps {
        match *step {
            Step::Piece { block, piece, .. } => machine.pieces[block][pieces.picked(piece)].relax(
                &pieces.costs[piece],
                cost,
                next,
                states,
            ),
            Step::Layer { variant, costs, .. } => {
                machine.layers[variant].relax(&tables[costs], cost, next, states)
            }
        }
        std::mem::swap(&mut cost, &mut next);
        if trace {
            layers.extend_from_slice(&cost[..states]);
        }
    }
    (cost[..states].to_vec(), layers)
}

impl Pieces {
    /// 1 if piece `k` has picks, else 0: its table in [`Machine::pieces`].
    fn picked(&self, k: usize) -> usize {
        usize::from(self.y_start[k + 1] > self.y_start[k])
    }

    /// The pieces of `columns`, every block, with `picks` on them.
    fn new(layout: &Layout, picks: &[Slot], columns: &Columns) -> Pieces {
        let blocks = layout.blocks.len();
        let count = columns.aisles.len() * blocks;
        // Picks by piece (a counting sort), then by position within it, so
        // picks sharing a position stay together, in the order given.
        let piece_of = |p: &Slot| columns.of(p.aisle) * blocks + p.block as usize;
        let mut start = vec![0u32; count + 1];
        for p in picks {
            start[piece_of(p) + 1] += 1;
        }
        for k in 0..count {
            start[k + 1] += start[k];
        }
        let mut fill = start.clone();
        let mut keyed = vec![(0u64, 0usize); picks.len()];
        for (i, p) in picks.iter().enumerate() {
            let k = piece_of(p);
            keyed[fill[k] as usize] = (layout.blocks[p.block as usize].position(p.bay), i);
            fill[k] += 1;
        }
        let mut pieces = Pieces {
            ys: Vec::with_capacity(picks.len()),
            y_start: Vec::with_capacity(count + 1),
            costs: Vec::with_capacity(count),
            gaps: Vec::with_capacity(count),
            pick_start: Vec::with_capacity(picks.len() + 1),
            picks: Vec::with_capacity(picks.len()),
        };
        for k in 0..count {
            let run = &mut keyed[start[k] as usize..start[k + 1] as usize];
            run.sort_unstable();
            pieces.y_start.push(pieces.ys.len() as u32);
            let from = pieces.ys.len();
            for &(y, i) in run.iter() {
                if pieces.ys.len() == from || pieces.ys.last() != Some(&y) {
                    pieces.ys.push(y);
                    pieces.pick_start.push(pieces.picks.len() as u32);
                }
                pieces.picks.push(i);
            }
            let len = layout.blocks[k % blocks].length();
            let (costs, gap) = cover_costs(len, &pieces.ys[from..]);
            pieces.costs.push(costs);
            pieces.gaps.push(gap);
        }
        pieces.y_start.push(pieces.ys.len() as u32);
        pieces.pick_start.push(picks.len() as u32);
        pieces
    }
}

/// The state after walking the cross-aisle edge on `row` from `aisle` to
/// the next aisle `m` times, or `None` if that cannot lead to a tour.
fn cross(s: State, row: usize, m: u8, rows: usize, is_depot: bool) -> Option<State> {
    if s & DONE != 0 && m > 0 {
        return None;
    }
    let old = class(s, row);
    let after = added(old, m);
    if after == ODD {
        return None;
    }
    if is_depot && after == NONE {
        return None;
    }
    let old_label = label(s, row);
    // The vertex leaves the frontier; its aisle's next vertex takes its place.
    let mut out = set(s, row, NONE, 0);
    if m > 0 {
        let l = if old == NONE {
            fresh(out, rows)
        } else {
            old_label
        };
        out = set(out, row, if m == 1 { ODD } else { EVEN }, l);
    } else if old != NONE {
        let continues =
            (0..rows).any(|r| r != row && class(s, r) != NONE && label(s, r) == old_label);
        if !continues {
            // Its component is closed: it must be the whole tour.
            if (0..rows).any(|r| r != row && class(s, r) != NONE) {
                return None;
            }
            out |= DONE;
        }
    }
    Some(out)
}

/// What one edge of the chosen tour walks, once.
#[derive(Debug, Clone, Copy)]
enum Leg {
    /// A cross aisle, from one aisle to the next.
    Cross,
    /// Piece `piece` end to end.
    Through { piece: u32 },
    /// Into piece `piece` from its front end up to its pick position
    /// `upto - 1` (counted within the piece), and back out.
    FromFront { piece: u32, upto: u32 },
    /// Into piece `piece` from its back end down to its pick position
    /// `from`, and back out.
    FromBack { piece: u32, from: u32 },
}

/// The chosen tour as a multigraph on the cross-aisle vertices (`row *
/// width + aisle − lo`): an edge per time a cross-aisle edge or an aisle
/// piece is walked, and a loop per detour into an aisle and back.
struct Walk {
    /// `(a, b, leg)`: a leg from vertex `a` to vertex `b` (equal for a loop).
    edges: Vec<(u32, u32, Leg)>,
    nodes: usize,
    depot: u32,
}

impl Walk {
    fn build(
        layout: &Layout,
        columns: &Columns,
        steps: &[Step],
        choices: &[u8],
        pieces: &Pieces,
    ) -> Walk {
        let rows = layout.blocks.len() + 1;
        let width = columns.aisles.len();
        let vertex = |row: usize, aisle: u32| (row * width + columns.of(aisle)) as u32;
        let mut walk = Walk {
            edges: Vec::with_capacity(steps.len() * 2),
            nodes: rows * width,
            depot: vertex(layout.depot.cross_aisle as usize, layout.depot.aisle),
        };
        for (step, &choice) in steps.iter().zip(choices) {
            match *step {
                Step::Layer { aisle, span, .. } => {
                    for row in 0..rows {
                        let edge = (vertex(row, aisle), vertex(row, aisle + span), Leg::Cross);
                        for _ in 0..walked(choice, row) {
                            walk.edges.push(edge);
                        }
                    }
                }
                Step::Piece {
                    aisle,
                    block,
                    piece: k,
                } => {
                    let (front, back) = (vertex(block, aisle), vertex(block + 1, aisle));
                    let piece = k as u32;
                    let n = pieces.y_start[k + 1] - pieces.y_start[k];
                    let through = (front, back, Leg::Through { piece });
                    let into_front = |upto| (front, front, Leg::FromFront { piece, upto });
                    let into_back = |from| (back, back, Leg::FromBack { piece, from });
                    match cover(choice, pieces.gaps[k]) {
                        Cover::Skip => {}
                        Cover::Pass => walk.edges.push(through),
                        Cover::Twice => walk.edges.extend([through, through]),
                        Cover::Front => walk.edges.push(into_front(n)),
                        Cover::Back => walk.edges.push(into_back(0)),
                        Cover::Gap(g) => walk
                            .edges
                            .extend([into_front(g as u32 + 1), into_back(g as u32 + 1)]),
                    }
                }
            }
        }
        walk
    }

    /// The walk as a route: an Euler circuit from the depot (Hierholzer),
    /// the picks in the order first reached.
    fn route(&self, layout: &Layout, columns: &Columns, pieces: &Pieces, distance: u64) -> Route {
        let width = columns.aisles.len();
        let n = self.nodes;
        // Adjacency in one buffer: node v's (neighbour, edge) pairs are
        // adj[start[v]..start[v + 1]]; a loop is listed once.
        let mut start = vec![0u32; n + 1];
        for &(a, b, _) in &self.edges {
            start[a as usize + 1] += 1;
            if a != b {
                start[b as usize + 1] += 1;
            }
        }
        for v in 0..n {
            start[v + 1] += start[v];
        }
        let mut next = start.clone();
        let mut adj = vec![(0u32, 0u32); start[n] as usize];
        for (id, &(a, b, _)) in self.edges.iter().enumerate() {
            adj[next[a as usize] as usize] = (b, id as u32);
            next[a as usize] += 1;
            if a != b {
                adj[next[b as usize] as usize] = (a, id as u32);
                next[b as usize] += 1;
            }
        }
        next.copy_from_slice(&start);
        let mut used = vec![false; self.edges.len()];
        // (vertex, the edge walked to reach it); the circuit comes out backwards.
        let mut stack: Vec<(u32, u32)> = Vec::with_capacity(self.edges.len() + 1);
        stack.push((self.depot, u32::MAX));
        let mut circuit: Vec<(u32, u32)> = Vec::with_capacity(self.edges.len() + 1);
        while let Some(&(v, _)) = stack.last() {
            let v = v as usize;
            let mut moved = false;
            while next[v] < start[v + 1] {
                let (w, id) = adj[next[v] as usize];
                next[v] += 1;
                if !used[id as usize] {
                    used[id as usize] = true;
                    stack.push((w, id));
                    moved = true;
                    break;
                }
            }
            if !moved {
                circuit.extend(stack.pop());
            }
        }
        circuit.reverse();

        let blocks = layout.blocks.len();
        let cross_ys: Vec<u64> = layout.cross_aisle_ys().collect();
        let corner = |v: u32| {
            let v = v as usize;
            (columns.aisles[v % width], cross_ys[v / width])
        };
        let mut seen = vec![false; pieces.ys.len()];
        let mut order = Vec::with_capacity(pieces.picks.len());
        // Turning points only: a point in line with the two before it
        // replaces the middle one.
        let mut path: Vec<Waypoint> = Vec::with_capacity(2 * circuit.len());
        let mut reach = |p: (u32, u64)| {
            let p = Waypoint { aisle: p.0, y: p.1 };
            if path.last() == Some(&p) {
                return;
            }
            if let [.., a, b] = path[..] {
                let straight =
                    (a.aisle == b.aisle && b.aisle == p.aisle && (a.y < b.y) == (b.y < p.y))
                        || (a.y == b.y && b.y == p.y && (a.aisle < b.aisle) == (b.aisle < p.aisle));
                if straight {
                    path.pop();
                }
            }
            path.push(p);
        };
        let mut visit = |f: usize, order: &mut Vec<usize>| {
            if !seen[f] {
                seen[f] = true;
                let run = pieces.pick_start[f] as usize..pieces.pick_start[f + 1] as usize;
                order.extend_from_slice(&pieces.picks[run]);
            }
        };
        let mut from = self.depot;
        reach(corner(from));
        for &(v, id) in circuit.iter().skip(1) {
            let (_, _, leg) = self.edges[id as usize];
            match leg {
                Leg::Cross => {}
                Leg::Through { piece } => {
                    let k = piece as usize;
                    let run = pieces.y_start[k] as usize..pieces.y_start[k + 1] as usize;
                    // Up the aisle if it came from the piece's front end.
                    if from as usize / width == k % blocks {
                        run.for_each(|f| visit(f, &mut order));
                    } else {
                        run.rev().for_each(|f| visit(f, &mut order));
                    }
                }
                Leg::FromFront { piece, upto } => {
                    let k = piece as usize;
                    let first = pieces.y_start[k] as usize;
                    (first..first + upto as usize).for_each(|f| visit(f, &mut order));
                    let turn = first + upto as usize - 1;
                    reach((corner(v).0, cross_ys[k % blocks] + pieces.ys[turn]));
                }
                Leg::FromBack { piece, from: low } => {
                    let k = piece as usize;
                    let first = pieces.y_start[k] as usize;
                    let end = pieces.y_start[k + 1] as usize;
                    (first + low as usize..end)
                        .rev()
                        .for_each(|f| visit(f, &mut order));
                    let turn = first + low as usize;
                    reach((corner(v).0, cross_ys[k % blocks] + pieces.ys[turn]));
                }
            }
            reach(corner(v));
            from = v;
        }
        Route {
            order,
            distance,
            path,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::picking::{Depot, Layout};

    #[test]
    fn small_routes_worked_by_hand() {
        let layout = Layout::single_block(
            1,
            3,
            10,
            1,
            1,
            Depot {
                aisle: 0,
                cross_aisle: 0,
            },
        );
        let s = |aisle, bay| Slot {
            block: 0,
            aisle,
            bay,
        };
        let r = optimal_route(&layout, &[s(0, 3)]).unwrap();
        assert_eq!(r.distance, 8);
        let layout = Layout::single_block(
            2,
            3,
            10,
            1,
            1,
            Depot {
                aisle: 0,
                cross_aisle: 0,
            },
        );
        let r = optimal_route(&layout, &[s(1, 3)]).unwrap();
        assert_eq!(r.distance, 14);
        let r = optimal_route(&layout, &[s(0, 3), s(1, 3)]).unwrap();
        assert_eq!(r.distance, 22);
    }
}
