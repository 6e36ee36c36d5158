//! Pick routing: the shortest tour from the depot through every pick and
//! back, walking the aisles of a [`Layout`].
//!
//! [`optimal_route`] is exact for any layout of up to [`MAX_BLOCKS`]
//! blocks. It is the dynamic program of Ratliff and Rosenthal (1983),
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

use crate::error::Result;

use super::layout::{Layout, Point, Slot, MAX_BLOCKS};

/// A route: the picks in walking order, its length and its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Indices into the picks given, in the order the picker reaches them.
    pub order: Vec<usize>,
    /// The walking distance, depot to depot.
    pub distance: u64,
    /// The turning points of the walk, depot to depot: (aisle, distance
    /// from the front cross aisle).
    pub path: Vec<(u32, u64)>,
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

/// What a cover costs and does to the vertices at the front (`lo`) and
/// back (`hi`) of its aisle piece.
#[derive(Debug, Clone, Copy)]
struct Option_ {
    cover: Cover,
    cost: u64,
    lo: u8,
    hi: u8,
    joins: bool,
}

/// The covers worth considering for an aisle piece of length `len` with
/// picks at the sorted positions `ys` (from its front end).
fn covers(len: u64, ys: &[u64]) -> Vec<Option_> {
    let mut out = vec![
        Option_ {
            cover: Cover::Pass,
            cost: len,
            lo: 1,
            hi: 1,
            joins: true,
        },
        Option_ {
            cover: Cover::Twice,
            cost: 2 * len,
            lo: 2,
            hi: 2,
            joins: true,
        },
    ];
    // An aisle without picks may still be walked through, to change cross aisles.
    let (Some(&first), Some(&last)) = (ys.first(), ys.last()) else {
        out.push(Option_ {
            cover: Cover::Skip,
            cost: 0,
            lo: 0,
            hi: 0,
            joins: false,
        });
        return out;
    };
    out.extend([
        Option_ {
            cover: Cover::Front,
            cost: 2 * last,
            lo: 2,
            hi: 0,
            joins: false,
        },
        Option_ {
            cover: Cover::Back,
            cost: 2 * (len - first),
            lo: 0,
            hi: 2,
            joins: false,
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
            cost: 2 * (len - gap),
            lo: 2,
            hi: 2,
            joins: false,
        });
    }
    out
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

/// An entry of a layer of the sweep.
#[derive(Debug, Clone, Copy)]
struct Entry {
    state: State,
    cost: u64,
    prev: u32,
    choice: u8,
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
    if picks.is_empty() {
        return Ok(Route {
            order: Vec::new(),
            distance: 0,
            path: vec![(layout.depot.aisle, layout.depot_point().y)],
        });
    }
    let blocks = layout.blocks.len();
    let rows = blocks + 1;
    debug_assert!(blocks <= MAX_BLOCKS);
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
    // Pick positions per (aisle, block), from the block's front end, sorted.
    let mut ys: Vec<Vec<u64>> = vec![Vec::new(); width * blocks];
    for (p, s) in points.iter().zip(picks) {
        let b = &layout.blocks[s.block as usize];
        ys[(p.aisle - lo) as usize * blocks + s.block as usize].push(b.position(s.bay));
    }
    for v in &mut ys {
        v.sort_unstable();
        v.dedup();
    }
    let options: Vec<Vec<Option_>> = ys
        .iter()
        .enumerate()
        .map(|(i, v)| covers(layout.blocks[i % blocks].length(), v))
        .collect();

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

    let mut layers: Vec<Vec<Entry>> = Vec::with_capacity(steps.len() + 1);
    layers.push(vec![Entry {
        state: 0,
        cost: 0,
        prev: 0,
        choice: 0,
    }]);
    for step in &steps {
        let prev = layers.last().map_or(&[][..], |l| &l[..]);
        let mut next: Vec<Entry> = Vec::with_capacity(prev.len() * 3);
        let mut offer = |state: State, cost: u64, from: usize, choice: u8| {
            let state = normalize(state, rows);
            match next.iter_mut().find(|e| e.state == state) {
                Some(e) if e.cost <= cost => {}
                Some(e) => {
                    *e = Entry {
                        state,
                        cost,
                        prev: from as u32,
                        choice,
                    }
                }
                None => next.push(Entry {
                    state,
                    cost,
                    prev: from as u32,
                    choice,
                }),
            }
        };
        for (from, e) in prev.iter().enumerate() {
            match *step {
                Step::Piece {
                    block, options: at, ..
                } => {
                    for (k, o) in options[at].iter().enumerate() {
                        if e.state & DONE != 0 && (o.lo > 0 || o.hi > 0) {
                            continue;
                        }
                        let mut s = add(e.state, block, o.lo, rows);
                        s = add(s, block + 1, o.hi, rows);
                        if o.joins {
                            s = join(s, block, block + 1, rows);
                        }
                        offer(s, e.cost + o.cost, from, k as u8);
                    }
                }
                Step::Edge { aisle, row } => {
                    for m in 0..=2u8 {
                        if let Some(s) = cross(e.state, row, m, rows, aisle, layout, depot_row) {
                            offer(s, e.cost + u64::from(m) * pitch, from, m);
                        }
                    }
                }
            }
        }
        layers.push(next);
    }
    // A finished tour: nothing odd, one component, the depot visited.
    let last = layers.last().map_or(&[][..], |l| &l[..]);
    let mut best: Option<(u64, usize)> = None;
    for (i, e) in last.iter().enumerate() {
        let s = e.state;
        let mut ok = (0..rows).all(|r| class(s, r) != ODD);
        let labels: Vec<u32> = (0..rows)
            .filter(|&r| class(s, r) != NONE)
            .map(|r| label(s, r))
            .collect();
        ok &= labels.windows(2).all(|w| w[0] == w[1]);
        if hi == layout.depot.aisle {
            ok &= class(s, depot_row) != NONE;
        }
        ok &= s & DONE != 0 || !labels.is_empty();
        if ok && best.is_none_or(|(c, _)| e.cost < c) {
            best = Some((e.cost, i));
        }
    }
    // Walking every aisle through and back along the cross aisles is always a tour.
    let Some((distance, mut at)) = best else {
        return Err(crate::OmsError::conflict(
            "routing found no tour: a bug, please report the layout and picks",
        ));
    };
    // Back through the layers: the choice made at each step.
    let mut choices = vec![0u8; steps.len()];
    for k in (0..steps.len()).rev() {
        let e = layers[k + 1][at];
        choices[k] = e.choice;
        at = e.prev as usize;
    }
    let walk = Walk::build(layout, lo, &steps, &choices, &options, &ys);
    let route = walk.route(layout, &points, distance);
    Ok(route)
}

/// The state after walking the cross-aisle edge on `row` from `aisle` to
/// the next aisle `m` times, or `None` if that cannot lead to a tour.
fn cross(
    s: State,
    row: usize,
    m: u8,
    rows: usize,
    aisle: u32,
    layout: &Layout,
    depot_row: usize,
) -> Option<State> {
    if s & DONE != 0 && m > 0 {
        return None;
    }
    let old = class(s, row);
    let after = added(old, m);
    if after == ODD {
        return None;
    }
    let is_depot = row == depot_row && aisle == layout.depot.aisle;
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

/// The chosen tour as a multigraph of floor points, for the walking order.
struct Walk {
    /// Node positions: (aisle, y).
    nodes: Vec<(u32, u64)>,
    /// Adjacency: (neighbour, edge id) per node.
    adj: Vec<Vec<(usize, usize)>>,
    edges: usize,
    depot: usize,
}

impl Walk {
    fn build(
        layout: &Layout,
        lo: u32,
        steps: &[Step],
        choices: &[u8],
        options: &[Vec<Option_>],
        ys: &[Vec<u64>],
    ) -> Walk {
        let blocks = layout.blocks.len();
        let cross_ys = layout.cross_aisle_ys();
        let mut walk = Walk {
            nodes: Vec::new(),
            adj: Vec::new(),
            edges: 0,
            depot: 0,
        };
        let mut index = std::collections::HashMap::new();
        let mut node = |walk: &mut Walk, p: (u32, u64)| -> usize {
            *index.entry(p).or_insert_with(|| {
                walk.nodes.push(p);
                walk.adj.push(Vec::new());
                walk.nodes.len() - 1
            })
        };
        walk.depot = node(
            &mut walk,
            (
                layout.depot.aisle,
                cross_ys[layout.depot.cross_aisle as usize],
            ),
        );
        let edge = |walk: &mut Walk, a: usize, b: usize, times: u8| {
            for _ in 0..times {
                let id = walk.edges;
                walk.edges += 1;
                walk.adj[a].push((b, id));
                walk.adj[b].push((a, id));
            }
        };
        for (step, &choice) in steps.iter().zip(choices) {
            match *step {
                Step::Edge { aisle, row } => {
                    if choice > 0 {
                        let a = node(&mut walk, (aisle, cross_ys[row]));
                        let b = node(&mut walk, (aisle + 1, cross_ys[row]));
                        edge(&mut walk, a, b, choice);
                    }
                }
                Step::Piece {
                    aisle,
                    block,
                    options: k,
                } => {
                    let o = options[k][choice as usize];
                    let base = cross_ys[block];
                    let len = layout.blocks[block].length();
                    // The front end, the picks, the back end (a pick on an end
                    // shares its node: a zero-length piece).
                    let mut stops: Vec<u64> = vec![0];
                    stops.extend(ys[(aisle - lo) as usize * blocks + block].iter().copied());
                    stops.push(len);
                    let ids: Vec<usize> = stops
                        .iter()
                        .map(|&y| node(&mut walk, (aisle, base + y)))
                        .collect();
                    // Times each piece between neighbouring stops is walked.
                    let n = ids.len() - 1;
                    let times = |i: usize| -> u8 {
                        match o.cover {
                            Cover::Skip => 0,
                            Cover::Pass => 1,
                            Cover::Twice => 2,
                            // Pieces up to the last pick.
                            // Pieces up to the last pick (stops[n - 1]).
                            Cover::Front => 2 * u8::from(i + 1 < n),
                            // Pieces from the first pick (stops[1]).
                            Cover::Back => 2 * u8::from(i >= 1),
                            // Stop g + 1 is pick g: the piece after it is the gap.
                            Cover::Gap(g) => 2 * u8::from(i != g + 1),
                        }
                    };
                    for i in 0..n {
                        let t = times(i);
                        if t > 0 {
                            edge(&mut walk, ids[i], ids[i + 1], t);
                        }
                    }
                }
            }
        }
        walk
    }

    /// The walk as a route: an Euler circuit from the depot (Hierholzer),
    /// the picks in the order first reached.
    fn route(&self, layout: &Layout, points: &[Point], distance: u64) -> Route {
        let mut used = vec![false; self.edges];
        let mut next = vec![0usize; self.nodes.len()];
        let mut stack = vec![self.depot];
        let mut circuit = Vec::with_capacity(self.edges + 1);
        while let Some(&v) = stack.last() {
            let mut moved = false;
            while next[v] < self.adj[v].len() {
                let (w, id) = self.adj[v][next[v]];
                next[v] += 1;
                if !used[id] {
                    used[id] = true;
                    stack.push(w);
                    moved = true;
                    break;
                }
            }
            if !moved {
                circuit.push(v);
                stack.pop();
            }
        }
        circuit.reverse();
        let mut first_seen = vec![usize::MAX; self.nodes.len()];
        for (t, &v) in circuit.iter().enumerate() {
            if first_seen[v] == usize::MAX {
                first_seen[v] = t;
            }
        }
        let mut order: Vec<usize> = (0..points.len()).collect();
        let at = |i: usize| -> usize {
            let p = points[i];
            self.nodes
                .iter()
                .position(|&n| n == (p.aisle, p.y))
                .map_or(usize::MAX, |n| first_seen[n])
        };
        let keys: Vec<usize> = (0..points.len()).map(at).collect();
        order.sort_by_key(|&i| (keys[i], i));
        let mut path: Vec<(u32, u64)> = Vec::with_capacity(circuit.len());
        for &v in &circuit {
            let p = self.nodes[v];
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
