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
//! its effect. So one short program covers one, two or more blocks, and
//! its time is linear in the number of aisles.
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

use super::layout::{Layout, Point, Slot, MAX_EXACT_BLOCKS};

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

/// How a tour covers one aisle of one block.
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

/// A cover of an aisle piece and what it costs; what it does to the
/// piece's ends is its kind's row of [`EFFECTS`].
#[derive(Debug, Clone, Copy)]
struct Option_ {
    cover: Cover,
    /// Its row in [`EFFECTS`].
    kind: u8,
    cost: u64,
}

/// Adds to `out` the covers worth considering for an aisle piece of
/// length `len` with picks at the sorted positions `ys` (from its front end).
fn covers(len: u64, ys: &[u64], out: &mut Vec<Option_>) {
    out.extend([
        Option_ {
            cover: Cover::Pass,
            kind: 1,
            cost: len,
        },
        Option_ {
            cover: Cover::Twice,
            kind: 2,
            cost: 2 * len,
        },
    ]);
    // An aisle without picks may still be walked through, to change cross aisles.
    let (Some(&first), Some(&last)) = (ys.first(), ys.last()) else {
        out.push(Option_ {
            cover: Cover::Skip,
            kind: 0,
            cost: 0,
        });
        return;
    };
    out.extend([
        Option_ {
            cover: Cover::Front,
            kind: 3,
            cost: 2 * last,
        },
        Option_ {
            cover: Cover::Back,
            kind: 4,
            cost: 2 * (len - first),
        },
    ]);
    // The largest gap between neighbouring picks stays unwalked.
    if let Some((k, gap)) = ys
        .windows(2)
        .enumerate()
        .map(|(k, w)| (k, w[1] - w[0]))
        .max_by_key(|&(k, g)| (g, std::cmp::Reverse(k)))
    {
        out.push(Option_ {
            cover: Cover::Gap(k),
            kind: 5,
            cost: 2 * (len - gap),
        });
    }
}

/// The aisle pieces of the sweep, (aisle − lo) × blocks + block: their
/// pick positions and covers, in flat tables.
struct Pieces {
    /// Distinct pick positions, piece after piece.
    ys: Vec<u64>,
    y_start: Vec<u32>,
    options: Vec<Option_>,
    option_start: Vec<u32>,
    /// The picks at position `ys[f]` are `picks[pick_start[f]..pick_start[f + 1]]`.
    pick_start: Vec<u32>,
    /// Pick indices grouped by position.
    picks: Vec<usize>,
}

impl Pieces {
    fn options(&self, k: usize) -> &[Option_] {
        &self.options[self.option_start[k] as usize..self.option_start[k + 1] as usize]
    }
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

/// Every frontier state reachable with `rows` cross aisles, and where
/// each operation takes it: the sweep then only looks up numbers. Built
/// once per number of cross aisles.
struct Machine {
    /// State codes by index; index 0 is the empty frontier.
    codes: Vec<State>,
    /// Operations per state: a piece of block b with cover kind k is
    /// `b * 6 + k`; an edge on row r walked m times, `blocks * 6 + r * 6 +
    /// m * 2 + (1 if its left end is the depot)`.
    ops: usize,
    blocks: usize,
    /// `to[state * ops + op]`: the state after, or the sink (the number
    /// of states) where [`DEAD`] operations go.
    to: Vec<u16>,
    /// Whether a state ends a tour: nothing odd, one component (or done).
    accepts: Vec<bool>,
}

const DEAD: u16 = u16::MAX;
/// A cost no tour reaches; sums of it and a step's cost cannot overflow.
const INF: u64 = u64::MAX / 4;

impl Machine {
    fn build(rows: usize) -> Machine {
        let blocks = rows - 1;
        let ops = blocks * 6 + rows * 6;
        let mut codes: Vec<State> = vec![0];
        let mut index: FxMap<State, u16> = FxMap::default();
        index.insert(0, 0);
        let mut next: Vec<u16> = Vec::new();
        let mut i = 0;
        while i < codes.len() {
            let s = codes[i];
            for op in 0..ops {
                let after = if op < blocks * 6 {
                    let (b, (lo, hi, joins)) = (op / 6, EFFECTS[op % 6]);
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
                    let e = op - blocks * 6;
                    cross(s, e / 6, (e % 6 / 2) as u8, rows, e % 2 == 1)
                };
                let to = match after.map(|t| normalize(t, rows)) {
                    None => DEAD,
                    Some(t) => *index.entry(t).or_insert_with(|| {
                        codes.push(t);
                        (codes.len() - 1) as u16
                    }),
                };
                next.push(to);
            }
            i += 1;
        }
        let accepts = codes
            .iter()
            .map(|&s| {
                let live: Vec<usize> = (0..rows).filter(|&r| class(s, r) != NONE).collect();
                (0..rows).all(|r| class(s, r) != ODD)
                    && live.windows(2).all(|w| label(s, w[0]) == label(s, w[1]))
                    && (s & DONE != 0 || !live.is_empty())
            })
            .collect();
        let sink = codes.len() as u16;
        let to = next
            .into_iter()
            .map(|t| if t == DEAD { sink } else { t })
            .collect();
        Machine {
            codes,
            ops,
            blocks,
            to,
            accepts,
        }
    }

    /// The machine for `rows` cross aisles.
    fn get(rows: usize) -> &'static Machine {
        static MACHINES: [std::sync::OnceLock<Machine>; MAX_EXACT_BLOCKS + 2] =
            [const { std::sync::OnceLock::new() }; MAX_EXACT_BLOCKS + 2];
        MACHINES[rows].get_or_init(|| Machine::build(rows))
    }

    /// The operation of walking the edge on `row` `m` times.
    fn edge_op(&self, row: usize, m: u8, depot: bool) -> usize {
        self.blocks * 6 + row * 6 + m as usize * 2 + usize::from(depot)
    }
}

/// One step of the sweep: an aisle piece or a cross-aisle edge.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// The piece of aisle `aisle` in block `block`, with its covers at `options`.
    Piece {
        aisle: u32,
        block: usize,
        options: usize,
    },
    /// The cross-aisle edge on row `row` from aisle `aisle` to `aisle + 1`.
    Edge { aisle: u32, row: usize },
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
    debug_assert!(blocks <= MAX_EXACT_BLOCKS);
    let points: Vec<Point> = picks.iter().map(|p| layout.point(p)).collect();
    let lo = points
        .iter()
        .map(|p| p.aisle)
        .min()
        .unwrap_or(0)
        .min(layout.depot.aisle);
    let hi = points
        .iter()
        .map(|p| p.aisle)
        .max()
        .unwrap_or(0)
        .max(layout.depot.aisle);
    let width = (hi - lo + 1) as usize;
    // Pick positions per (aisle, block), from the block's front end,
    // sorted; with each pick's index, so picks sharing a position stay together.
    let count = width * blocks;
    let mut keyed: Vec<(usize, u64, usize)> = points
        .iter()
        .zip(picks)
        .enumerate()
        .map(|(i, (p, s))| {
            let b = &layout.blocks[s.block as usize];
            (
                (p.aisle - lo) as usize * blocks + s.block as usize,
                b.position(s.bay),
                i,
            )
        })
        .collect();
    keyed.sort_unstable();
    let mut pieces = Pieces {
        ys: Vec::with_capacity(keyed.len()),
        y_start: Vec::with_capacity(count + 1),
        options: Vec::with_capacity(count * 3 + keyed.len() * 3),
        option_start: Vec::with_capacity(count + 1),
        pick_start: Vec::with_capacity(keyed.len() + 1),
        picks: keyed.iter().map(|k| k.2).collect(),
    };
    let mut at = 0;
    for k in 0..count {
        pieces.y_start.push(pieces.ys.len() as u32);
        let from = pieces.ys.len();
        while at < keyed.len() && keyed[at].0 == k {
            if pieces.ys.len() == from || pieces.ys.last() != Some(&keyed[at].1) {
                pieces.ys.push(keyed[at].1);
                pieces.pick_start.push(at as u32);
            }
            at += 1;
        }
        pieces.option_start.push(pieces.options.len() as u32);
        let len = layout.blocks[k % blocks].length();
        covers(len, &pieces.ys[from..], &mut pieces.options);
    }
    pieces.y_start.push(pieces.ys.len() as u32);
    pieces.option_start.push(pieces.options.len() as u32);
    pieces.pick_start.push(keyed.len() as u32);

    let mut steps = Vec::with_capacity(width * (blocks + rows));
    for a in lo..=hi {
        for b in 0..blocks {
            steps.push(Step::Piece {
                aisle: a,
                block: b,
                options: (a - lo) as usize * blocks + b,
            });
        }
        if a < hi {
            for r in 0..rows {
                steps.push(Step::Edge { aisle: a, row: r });
            }
        }
    }
    let depot_row = layout.depot.cross_aisle as usize;
    let pitch = layout.aisle_pitch;

    let machine = Machine::get(rows);
    let states = machine.codes.len();
    let ops = machine.ops;
    // The sweep keeps the cheapest cost of every state in dense arrays (7
    // states for one block, 25 for two), plus a sink slot where operations
    // that cannot lead to a tour land, so relaxing needs no test. For the
    // way back it keeps each step's costs, not a pointer per state: the
    // predecessor is found again at the end, for one state per step.
    let mut cost = vec![INF; states + 1];
    let mut next = vec![INF; states + 1];
    cost[0] = 0;
    let mut layers: Vec<u64> = Vec::new();
    if trace {
        layers.reserve((steps.len() + 1) * states);
        layers.extend_from_slice(&cost[..states]);
    }
    for step in &steps {
        next.fill(INF);
        match *step {
            Step::Piece { block, options, .. } => {
                let options = pieces.options(options);
                for (s, &c) in cost[..states].iter().enumerate() {
                    if c >= INF {
                        continue;
                    }
                    let to = &machine.to[s * ops + block * 6..s * ops + block * 6 + 6];
                    for o in options {
                        let t = to[o.kind as usize] as usize;
                        next[t] = next[t].min(c + o.cost);
                    }
                }
            }
            Step::Edge { aisle, row } => {
                let depot = row == depot_row && aisle == layout.depot.aisle;
                let base = machine.edge_op(row, 0, depot);
                for (s, &c) in cost[..states].iter().enumerate() {
                    if c >= INF {
                        continue;
                    }
                    let to = &machine.to[s * ops + base..s * ops + base + 5];
                    for m in 0..3u64 {
                        let t = to[2 * m as usize] as usize;
                        next[t] = next[t].min(c + m * pitch);
                    }
                }
            }
        }
        std::mem::swap(&mut cost, &mut next);
        if trace {
            layers.extend_from_slice(&cost[..states]);
        }
    }
    // A finished tour: nothing odd, one component, the depot visited.
    let mut best: Option<(u64, usize)> = None;
    for (t, &c) in cost[..states].iter().enumerate() {
        let mut ok = c < INF && machine.accepts[t];
        if hi == layout.depot.aisle {
            ok &= class(machine.codes[t], depot_row) != NONE;
        }
        if ok && best.is_none_or(|(b, _)| c < b) {
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
    // Back through the steps: at each, the first state and choice (in the
    // sweep's order) that reaches the state's cost, as the sweep found it.
    let mut choices = vec![0u8; steps.len()];
    for k in (0..steps.len()).rev() {
        let before = &layers[k * states..(k + 1) * states];
        let target = layers[(k + 1) * states + state];
        let mut found = None;
        'search: for (s, &c) in before.iter().enumerate() {
            if c >= INF {
                continue;
            }
            match steps[k] {
                Step::Piece { block, options, .. } => {
                    for (choice, o) in pieces.options(options).iter().enumerate() {
                        let t = machine.to[s * ops + block * 6 + o.kind as usize] as usize;
                        if t == state && c + o.cost == target {
                            found = Some((s, choice as u8));
                            break 'search;
                        }
                    }
                }
                Step::Edge { aisle, row } => {
                    let depot = row == depot_row && aisle == layout.depot.aisle;
                    for m in 0..3u8 {
                        let t = machine.to[s * ops + machine.edge_op(row, m, depot)] as usize;
                        if t == state && c + u64::from(m) * pitch == target {
                            found = Some((s, m));
                            break 'search;
                        }
                    }
                }
            }
        }
        let Some((s, choice)) = found else {
            return Err(crate::OmsError::conflict(
                "routing lost its way back: a bug",
            ));
        };
        choices[k] = choice;
        state = s;
    }
    let walk = Walk::build(layout, lo, width, &steps, &choices, &pieces);
    Ok(walk.route(layout, lo, width, &pieces, distance))
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

/// The chosen tour as a multigraph, for the walking order. Nodes are the
/// cross-aisle vertices (`row * width + aisle − lo`) and then the pick
/// positions (`rows * width + f` for `Pieces::ys[f]`).
struct Walk {
    /// Edges as node pairs, one per time walked.
    edges: Vec<(u32, u32)>,
    nodes: usize,
    depot: u32,
}

impl Walk {
    fn build(
        layout: &Layout,
        lo: u32,
        width: usize,
        steps: &[Step],
        choices: &[u8],
        pieces: &Pieces,
    ) -> Walk {
        let blocks = layout.blocks.len();
        let rows = blocks + 1;
        let vertex = |row: usize, aisle: u32| (row * width + (aisle - lo) as usize) as u32;
        let mut walk = Walk {
            edges: Vec::with_capacity(steps.len() * 2 + pieces.ys.len() * 2),
            nodes: rows * width + pieces.ys.len(),
            depot: vertex(layout.depot.cross_aisle as usize, layout.depot.aisle),
        };
        for (step, &choice) in steps.iter().zip(choices) {
            match *step {
                Step::Edge { aisle, row } => {
                    for _ in 0..choice {
                        walk.edges
                            .push((vertex(row, aisle), vertex(row, aisle + 1)));
                    }
                }
                Step::Piece {
                    aisle,
                    block,
                    options: k,
                } => {
                    let o = pieces.options(k)[choice as usize];
                    let first = pieces.y_start[k] as usize;
                    let n = pieces.y_start[k + 1] as usize - first;
                    // Stops: the front end, the picks, the back end; piece i
                    // runs from stop i to stop i + 1.
                    let stop = |i: usize| -> u32 {
                        if i == 0 {
                            vertex(block, aisle)
                        } else if i == n + 1 {
                            vertex(block + 1, aisle)
                        } else {
                            (rows * width + first + i - 1) as u32
                        }
                    };
                    let times = |i: usize| -> u8 {
                        match o.cover {
                            Cover::Skip => 0,
                            Cover::Pass => 1,
                            Cover::Twice => 2,
                            // Pieces up to the last pick.
                            Cover::Front => 2 * u8::from(i < n),
                            // Pieces from the first pick.
                            Cover::Back => 2 * u8::from(i >= 1),
                            // Stop g + 1 is pick g: the piece after it is the gap.
                            Cover::Gap(g) => 2 * u8::from(i != g + 1),
                        }
                    };
                    for i in 0..=n {
                        for _ in 0..times(i) {
                            walk.edges.push((stop(i), stop(i + 1)));
                        }
                    }
                }
            }
        }
        walk
    }

    /// The walk as a route: an Euler circuit from the depot (Hierholzer),
    /// the picks in the order first reached.
    fn route(
        &self,
        layout: &Layout,
        lo: u32,
        width: usize,
        pieces: &Pieces,
        distance: u64,
    ) -> Route {
        let n = self.nodes;
        // Adjacency in one buffer: node v's (neighbour, edge) pairs are
        // adj[start[v]..start[v + 1]].
        let mut start = vec![0u32; n + 1];
        for &(a, b) in &self.edges {
            start[a as usize + 1] += 1;
            start[b as usize + 1] += 1;
        }
        for v in 0..n {
            start[v + 1] += start[v];
        }
        let mut next = start.clone();
        let mut adj = vec![(0u32, 0u32); start[n] as usize];
        for (id, &(a, b)) in self.edges.iter().enumerate() {
            adj[next[a as usize] as usize] = (b, id as u32);
            next[a as usize] += 1;
            adj[next[b as usize] as usize] = (a, id as u32);
            next[b as usize] += 1;
        }
        next.copy_from_slice(&start);
        let mut used = vec![false; self.edges.len()];
        let mut stack = Vec::with_capacity(self.edges.len() + 1);
        stack.push(self.depot);
        let mut circuit = Vec::with_capacity(self.edges.len() + 1);
        while let Some(&v) = stack.last() {
            let v = v as usize;
            let mut moved = false;
            while next[v] < start[v + 1] {
                let (w, id) = adj[next[v] as usize];
                next[v] += 1;
                if !used[id as usize] {
                    used[id as usize] = true;
                    stack.push(w);
                    moved = true;
                    break;
                }
            }
            if !moved {
                circuit.push(v as u32);
                stack.pop();
            }
        }
        circuit.reverse();
        let rows = layout.blocks.len() + 1;
        let cross_ys: Vec<u64> = layout.cross_aisle_ys().collect();
        let blocks = layout.blocks.len();
        // Where a node is on the floor.
        let position = |v: u32| -> (u32, u64) {
            let v = v as usize;
            if v < rows * width {
                (lo + (v % width) as u32, cross_ys[v / width])
            } else {
                let f = v - rows * width;
                let k = pieces.y_start.partition_point(|&s| s as usize <= f) - 1;
                (
                    lo + (k / blocks) as u32,
                    cross_ys[k % blocks] + pieces.ys[f],
                )
            }
        };
        let mut seen = vec![false; pieces.ys.len()];
        let mut order = Vec::with_capacity(pieces.picks.len());
        let mut path: Vec<(u32, u64)> = Vec::with_capacity(circuit.len());
        for &v in &circuit {
            if let Some(f) = (v as usize).checked_sub(rows * width) {
                if !seen[f] {
                    seen[f] = true;
                    let run = pieces.pick_start[f] as usize..pieces.pick_start[f + 1] as usize;
                    order.extend_from_slice(&pieces.picks[run]);
                }
            }
            let p = position(v);
            // Keep turning points only: drop a point in line with its neighbours.
            if path.len() >= 2 {
                let (a, b) = (path[path.len() - 2], path[path.len() - 1]);
                let straight = (a.0 == b.0 && b.0 == p.0 && (a.1 < b.1) == (b.1 < p.1))
                    || (a.1 == b.1 && b.1 == p.1 && (a.0 < b.0) == (b.0 < p.0));
                if straight {
                    path.pop();
                }
            }
            if path.last() != Some(&p) {
                path.push(p);
            }
        }
        if path.is_empty() {
            path.push((layout.depot.aisle, layout.depot_point().y));
        }
        Route {
            order,
            distance,
            path: path
                .into_iter()
                .map(|(aisle, y)| Waypoint { aisle, y })
                .collect(),
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
