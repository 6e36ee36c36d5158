//! The classic routing heuristics, by name, because pickers know these
//! walks: S-shape, return, midpoint, largest gap (Hall 1993; Petersen
//! 1997) and combined (Roodbergen and de Koster 2001), on floors of any
//! number of blocks. [`super::optimal_route`] is exact up to
//! [`super::MAX_EXACT_BLOCKS`] blocks and never longer.
//!
//! On one block each heuristic walks the aisles with something to pick
//! ("pick aisles") left to right, starting and ending on the depot's cross
//! aisle (the "front"):
//! - **Return**: into each pick aisle from the front, up to its farthest
//!   pick, and back.
//! - **S-shape**: through each pick aisle from end to end, alternating
//!   direction. With an odd number of pick aisles the last one is a return.
//! - **Midpoint**: through the leftmost and rightmost pick aisles. The
//!   other aisles are entered from the back for the picks in their back
//!   half, and from the front for the rest.
//! - **Largest gap**: like midpoint, but each middle aisle is split at its
//!   largest gap: between two picks, or between an end and a pick.
//! - **Combined**: in each pick aisle, either walk through or turn back,
//!   whichever a dynamic program over the aisles finds shorter overall.
//!
//! On several blocks they follow Roodbergen and de Koster (2001), block by
//! block from the farthest, "front" being each block's cross aisle nearer
//! the depot:
//! - The picker goes up the leftmost pick aisle to the front of the
//!   farthest block with picks, picking on the way, and walks that block
//!   as above, back to its front.
//! - Each nearer block is entered from its back and left by its front.
//!   The picker starts at the nearer end of the block's pick aisles and
//!   works towards the other: S-shape alternates and makes its last aisle
//!   a return when that ends at the front; return walks the first aisle
//!   through and the others from the front; midpoint and largest gap take
//!   the back parts from the back cross aisle, walk the last aisle through
//!   and take the front parts on the way back; combined chooses through or
//!   back per aisle, and the direction, by the dynamic program. A block
//!   with nothing left to pick is walked straight through.
//! - With the depot on a middle cross aisle, the blocks behind it and the
//!   blocks in front of it are each walked that way as a floor of their
//!   own, behind first.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::layout::{Layout, Slot};
use super::routing::{Route, Waypoint};
use crate::error::Result;

/// A classic routing heuristic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Heuristic {
    /// Through every pick aisle, alternating direction.
    SShape,
    /// Into every pick aisle from the front and back out.
    Return,
    /// Each middle aisle split at its middle.
    Midpoint,
    /// Each middle aisle split at its largest gap.
    LargestGap,
    /// Through or back, aisle by aisle, chosen by dynamic programming.
    Combined,
}

impl Heuristic {
    /// Every heuristic.
    pub const ALL: [Heuristic; 5] = [
        Heuristic::SShape,
        Heuristic::Return,
        Heuristic::Midpoint,
        Heuristic::LargestGap,
        Heuristic::Combined,
    ];

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Heuristic::SShape => "s_shape",
            Heuristic::Return => "return",
            Heuristic::Midpoint => "midpoint",
            Heuristic::LargestGap => "largest_gap",
            Heuristic::Combined => "combined",
        }
    }
}

/// The route a classic heuristic walks: the picks in its order, its length
/// and its path, on any floor.
///
/// ```
/// use oms_core::picking::{heuristic_route, optimal_route, Block, Depot, Heuristic, Layout, Slot};
/// let layout = Layout::single_block(4, 3, 10, 1, 1, Depot { aisle: 0, cross_aisle: 0 });
/// let picks = [Slot { block: 0, aisle: 1, bay: 2 }, Slot { block: 0, aisle: 3, bay: 8 }];
/// let best = optimal_route(&layout, &picks).unwrap().distance;
/// for h in Heuristic::ALL {
///     assert!(heuristic_route(&layout, &picks, h).unwrap().distance >= best);
/// }
/// // Return: into aisle 1 to bay 2 (y 3) and back, into aisle 3 to y 9 and back, 9 across and back.
/// assert_eq!(heuristic_route(&layout, &picks, Heuristic::Return).unwrap().distance, 6 + 18 + 18);
///
/// // Two blocks 12 long. S-shape goes up aisle 1 to the farthest block's
/// // front, through its two pick aisles (1 up, 3 down), then through the
/// // near block's one (aisle 2) from its back.
/// let block = Block { bays: 10, bay_pitch: 1, front_offset: 1, back_offset: 2 };
/// let two = Layout { blocks: vec![block.clone(), block], ..layout };
/// let picks = [
///     Slot { block: 1, aisle: 1, bay: 4 },
///     Slot { block: 1, aisle: 3, bay: 0 },
///     Slot { block: 0, aisle: 2, bay: 5 },
/// ];
/// let r = heuristic_route(&two, &picks, Heuristic::SShape).unwrap();
/// assert_eq!(r.order, vec![0, 1, 2]);
/// // To aisle 1 and up: 3 + 12 + 12; across to aisle 3 and down: 6 + 12;
/// // across to aisle 2 and down: 3 + 12; back to the depot: 6.
/// assert_eq!(r.distance, 3 + 12 + 12 + 6 + 12 + 3 + 12 + 6);
/// ```
pub fn heuristic_route(layout: &Layout, picks: &[Slot], heuristic: Heuristic) -> Result<Route> {
    layout.check()?;
    for (i, p) in picks.iter().enumerate() {
        if layout.check_slot(p, "").is_err() {
            layout.check_slot(p, &format!("picks[{i}]"))?;
        }
    }
    Ok(walk(layout, picks, heuristic))
}

/// [`heuristic_route`] on a checked floor and picks.
pub(crate) fn walk(layout: &Layout, picks: &[Slot], heuristic: Heuristic) -> Route {
    let ys: Vec<u64> = layout.cross_aisle_ys().collect();
    let (depot, c) = (layout.depot.aisle, layout.depot.cross_aisle as usize);
    let dy = ys[c];
    let mut picked = vec![false; picks.len()];
    let mut order = Vec::with_capacity(picks.len());
    let mut path = vec![Waypoint {
        aisle: depot,
        y: dy,
    }];
    for behind in [true, false] {
        // Distances outward from the depot's cross aisle; block k of the
        // half is the k-th from the depot.
        let bounds: Vec<u64> = if behind {
            ys[c..].iter().map(|y| y - dy).collect()
        } else {
            ys[..=c].iter().rev().map(|y| dy - y).collect()
        };
        let mut half: Vec<Pick> = picks
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let b = p.block as usize;
                let k = if behind {
                    b.checked_sub(c)
                } else {
                    c.checked_sub(b + 1)
                }?;
                let y = layout.point(p).y;
                Some(Pick {
                    block: k,
                    aisle: p.aisle,
                    y: if behind { y - dy } else { dy - y },
                    index: i,
                })
            })
            .collect();
        if half.is_empty() {
            continue;
        }
        half.sort_unstable_by_key(|p| (p.block, p.aisle, p.y, p.index));
        let mut by_aisle = half.clone();
        by_aisle.sort_unstable_by_key(|p| (p.aisle, p.y, p.index));
        let mut t = Tour {
            by_aisle: &by_aisle,
            picked: &mut picked,
            path: vec![(depot, 0)],
            order: &mut order,
        };
        walk_half(&mut t, &half, &bounds, heuristic, layout.aisle_pitch);
        t.go(depot, 0);
        path.extend(t.path[1..].iter().map(|&(aisle, y)| Waypoint {
            aisle,
            y: if behind { dy + y } else { dy - y },
        }));
    }
    let distance = path
        .windows(2)
        .map(|w| {
            w[0].y.abs_diff(w[1].y)
                + u64::from(w[0].aisle.abs_diff(w[1].aisle)) * layout.aisle_pitch
        })
        .sum();
    Route {
        order,
        distance,
        path,
    }
}

/// A pick on one side of the depot: its block counted from the depot, its
/// aisle, its distance from the depot's cross aisle, its index.
#[derive(Debug, Clone, Copy)]
struct Pick {
    block: usize,
    aisle: u32,
    y: u64,
    index: usize,
}

/// A walk being written on one side of the depot: the path so far (aisle,
/// distance from the depot's cross aisle) and the picks in order.
struct Tour<'a> {
    /// The side's picks by aisle and position.
    by_aisle: &'a [Pick],
    picked: &'a mut [bool],
    path: Vec<(u32, u64)>,
    order: &'a mut Vec<usize>,
}

impl Tour<'_> {
    fn at(&self) -> (u32, u64) {
        self.path[self.path.len() - 1]
    }

    /// To a point on the same aisle or the same cross aisle, picking nothing.
    fn go(&mut self, aisle: u32, y: u64) {
        if self.at() != (aisle, y) {
            self.path.push((aisle, y));
        }
    }

    /// Along the picker's aisle to `y`, picking what has not been picked
    /// on the way, nearest first (picks in one bay in the order given).
    fn walk(&mut self, y: u64) {
        let (a, from) = self.at();
        let (lo, hi) = (from.min(y), from.max(y));
        let start = self.by_aisle.partition_point(|p| (p.aisle, p.y) < (a, lo));
        let end = self.by_aisle.partition_point(|p| (p.aisle, p.y) <= (a, hi));
        let mut here: Vec<Pick> = self.by_aisle[start..end]
            .iter()
            .filter(|p| !self.picked[p.index])
            .copied()
            .collect();
        if y < from {
            here.sort_by_key(|p| (std::cmp::Reverse(p.y), p.index));
        }
        for p in here {
            self.picked[p.index] = true;
            self.order.push(p.index);
        }
        self.go(a, y);
    }
}

/// Which cross aisle of a block the picker is on: the one nearer the
/// depot, or the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Front,
    Back,
}

/// One aisle of a block with picks left: the aisle and their positions, sorted.
type PickAisle = (u32, Vec<u64>);

/// One side of the depot, block by block from the farthest with picks.
fn walk_half(t: &mut Tour, half: &[Pick], bounds: &[u64], h: Heuristic, pitch: u64) {
    let Some(farthest) = half.last().map(|p| p.block) else {
        return;
    };
    if farthest > 0 {
        let left = half.iter().map(|p| p.aisle).min().unwrap_or(0);
        let y = t.at().1;
        t.go(left, y);
        t.walk(bounds[farthest]);
    }
    for k in (0..=farthest).rev() {
        let (lo, hi) = (bounds[k], bounds[k + 1]);
        // The block's aisles with picks left.
        let mut aisles: Vec<PickAisle> = Vec::new();
        let start = half.partition_point(|p| p.block < k);
        for p in half[start..].iter().take_while(|p| p.block == k) {
            if t.picked[p.index] {
                continue;
            }
            match aisles.last_mut() {
                Some((a, ys)) if *a == p.aisle => ys.push(p.y),
                _ => aisles.push((p.aisle, vec![p.y])),
            }
        }
        let entry = if k == farthest {
            Side::Front
        } else {
            Side::Back
        };
        if aisles.is_empty() {
            if entry == Side::Back {
                t.walk(lo);
            }
            continue;
        }
        walk_block(t, h, &aisles, (lo, hi), entry, pitch);
    }
}

/// One block, entered on `entry` and left by its front (`lo`).
fn walk_block(
    t: &mut Tour,
    h: Heuristic,
    aisles: &[PickAisle],
    (lo, hi): (u64, u64),
    entry: Side,
    pitch: u64,
) {
    let far = |p: &PickAisle| p.1[p.1.len() - 1];
    let near = |p: &PickAisle| p.1[0];
    // From the front: left to right. From the back: from the nearer end,
    // or for combined the cheaper way.
    let x = t.at().0;
    let forward: Vec<&PickAisle> = aisles.iter().collect();
    let backward: Vec<&PickAisle> = aisles.iter().rev().collect();
    let approach = |s: &[&PickAisle]| u64::from(x.abs_diff(s[0].0)) * pitch;
    let s: Vec<&PickAisle> = if entry == Side::Front {
        forward
    } else if h == Heuristic::Combined {
        let cost = |s: &[&PickAisle]| approach(s) + combined(s, entry, (lo, hi), pitch).0;
        if cost(&backward) < cost(&forward) {
            backward
        } else {
            forward
        }
    } else if approach(&backward) < approach(&forward) {
        backward
    } else {
        forward
    };
    let n = s.len();
    // In and out of an aisle on the front.
    let front_return = |t: &mut Tour, p: &PickAisle| {
        t.go(p.0, lo);
        t.walk(far(p));
        t.go(p.0, lo);
    };
    let through = |t: &mut Tour, p: &PickAisle| {
        let side = t.at().1;
        t.go(p.0, side);
        t.walk(if side == lo { hi } else { lo });
    };
    match h {
        Heuristic::Return => {
            let mut rest = &s[..];
            if entry == Side::Back {
                through(t, s[0]);
                rest = &s[1..];
            }
            for p in rest {
                front_return(t, p);
            }
        }
        Heuristic::SShape => {
            for (i, p) in s.iter().enumerate() {
                if i == n - 1 && t.at().1 == lo {
                    front_return(t, p);
                } else {
                    through(t, p);
                }
            }
        }
        Heuristic::Midpoint | Heuristic::LargestGap if n == 1 => {
            if entry == Side::Front {
                front_return(t, s[0]);
            } else {
                through(t, s[0]);
            }
        }
        Heuristic::Midpoint | Heuristic::LargestGap => {
            // Per middle aisle: picks at or before `split` come from the front.
            let split = |p: &PickAisle| -> Option<u64> {
                if h == Heuristic::Midpoint {
                    return Some(lo + (hi - lo) / 2);
                }
                let ys = &p.1;
                // Gaps: front end to first pick, between picks, last pick to back end.
                let mut best = (ys[0] - lo, None); // all from the back
                for w in ys.windows(2) {
                    if w[1] - w[0] > best.0 {
                        best = (w[1] - w[0], Some(w[0]));
                    }
                }
                let last = ys[ys.len() - 1];
                if hi - last > best.0 {
                    best = (hi - last, Some(last));
                }
                best.1
            };
            let middle = if entry == Side::Front {
                through(t, s[0]);
                &s[1..n - 1]
            } else {
                &s[..n - 1]
            };
            for p in middle {
                t.go(p.0, hi);
                let s = split(p);
                if let Some(&y) = p.1.iter().find(|&&y| s.is_none_or(|s| y > s)) {
                    t.walk(y);
                    t.go(p.0, hi);
                }
            }
            through(t, s[n - 1]);
            for p in middle.iter().rev() {
                t.go(p.0, lo);
                let s = split(p);
                if let Some(&y) = p.1.iter().rev().find(|&&y| s.is_some_and(|s| y <= s)) {
                    t.walk(y);
                    t.go(p.0, lo);
                }
            }
        }
        Heuristic::Combined => {
            let (_, plan) = combined(&s, entry, (lo, hi), pitch);
            for (p, through_it) in s.iter().zip(plan) {
                let side = t.at().1;
                t.go(p.0, side);
                match (through_it, side == lo) {
                    (true, _) => t.walk(if side == lo { hi } else { lo }),
                    (false, true) => {
                        t.walk(far(p));
                        t.go(p.0, lo);
                    }
                    (false, false) => {
                        t.walk(near(p));
                        t.go(p.0, hi);
                    }
                }
            }
        }
    }
    debug_assert_eq!(t.at().1, lo);
}

/// The combined heuristic's dynamic program over the aisles `s` in walking
/// order, from `entry` to the front: its length (without the walk to the
/// first aisle) and, per aisle, whether to walk through it.
fn combined(s: &[&PickAisle], entry: Side, (lo, hi): (u64, u64), pitch: u64) -> (u64, Vec<bool>) {
    let n = s.len();
    // cost[i][side]: the cheapest way through the first i aisles, ending on
    // the front (0) or back (1); with the choice that got there.
    let mut cost = vec![[u64::MAX; 2]; n + 1];
    let mut how = vec![[(0usize, false); 2]; n + 1];
    cost[0][usize::from(entry == Side::Back)] = 0;
    for (i, p) in s.iter().enumerate() {
        let shift = if i == 0 {
            0
        } else {
            u64::from(p.0.abs_diff(s[i - 1].0)) * pitch
        };
        for side in 0..2 {
            if cost[i][side] == u64::MAX {
                continue;
            }
            let here = cost[i][side] + shift;
            let through = here + (hi - lo);
            if through < cost[i + 1][1 - side] {
                cost[i + 1][1 - side] = through;
                how[i + 1][1 - side] = (side, true);
            }
            let reach = if side == 0 {
                p.1[p.1.len() - 1] - lo
            } else {
                hi - p.1[0]
            };
            let back = here + 2 * reach;
            if back < cost[i + 1][side] {
                cost[i + 1][side] = back;
                how[i + 1][side] = (side, false);
            }
        }
    }
    let mut plan = vec![false; n];
    let mut side = 0;
    for i in (1..=n).rev() {
        let (before, through) = how[i][side];
        plan[i - 1] = through;
        side = before;
    }
    (cost[n][0], plan)
}
