//! The classic routing heuristics, by name, because pickers know these
//! walks: S-shape, return, midpoint, largest gap (Hall 1993; Petersen
//! 1997) and combined (Roodbergen and de Koster 2001). They are defined
//! here for single-block floors, where the literature defines them;
//! [`super::optimal_route`] is exact on every floor and never longer.
//!
//! Each heuristic walks aisles left to right. "Pick aisles" are the aisles
//! with something to pick.
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

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::layout::{Layout, Slot};
use super::routing::{Route, Waypoint};
use crate::error::{OmsError, Result};

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

/// A walk being written: the path so far and the picks in order.
struct Tour<'a> {
    /// Per aisle: (position, pick index), sorted.
    aisles: &'a [Vec<(u64, usize)>],
    path: Vec<(u32, u64)>,
    order: Vec<usize>,
}

impl Tour<'_> {
    fn at(&self) -> (u32, u64) {
        self.path[self.path.len() - 1]
    }

    fn go(&mut self, aisle: u32, y: u64) {
        if self.at() != (aisle, y) {
            self.path.push((aisle, y));
        }
    }

    /// Along aisle `a` from where the picker is to `y`, picking on the way
    /// what lies in `range` of positions.
    fn walk(&mut self, a: u32, y: u64, range: std::ops::RangeInclusive<u64>) {
        let from = self.at().1;
        let picks = self.aisles[a as usize]
            .iter()
            .filter(|p| range.contains(&p.0));
        if y >= from {
            self.order.extend(picks.map(|p| p.1));
        } else {
            let mut v: Vec<usize> = picks.map(|p| p.1).collect();
            v.reverse();
            self.order.extend(v);
        }
        self.go(a, y);
    }
}

/// The route a classic heuristic walks: the picks in its order, its length
/// and its path (single-block floors only).
///
/// ```
/// use oms_core::picking::{heuristic_route, optimal_route, Depot, Heuristic, Layout, Slot};
/// let layout = Layout::single_block(4, 3, 10, 1, 1, Depot { aisle: 0, cross_aisle: 0 });
/// let picks = [Slot { block: 0, aisle: 1, bay: 2 }, Slot { block: 0, aisle: 3, bay: 8 }];
/// let best = optimal_route(&layout, &picks).unwrap().distance;
/// for h in Heuristic::ALL {
///     assert!(heuristic_route(&layout, &picks, h).unwrap().distance >= best);
/// }
/// // Return: into aisle 1 to bay 2 (y 3) and back, into aisle 3 to y 9 and back, 9 across and back.
/// assert_eq!(heuristic_route(&layout, &picks, Heuristic::Return).unwrap().distance, 6 + 18 + 18);
/// ```
pub fn heuristic_route(layout: &Layout, picks: &[Slot], heuristic: Heuristic) -> Result<Route> {
    layout.check()?;
    if layout.blocks.len() != 1 {
        return Err(OmsError::validation(
            "layout.blocks",
            format!(
                "the {} heuristic is defined for single-block floors; optimal_route routes any floor",
                heuristic.as_str()
            ),
        ));
    }
    for (i, p) in picks.iter().enumerate() {
        if layout.check_slot(p, "").is_err() {
            layout.check_slot(p, &format!("picks[{i}]"))?;
        }
    }
    let block = &layout.blocks[0];
    let len = block.length();
    // With the depot at the back, walk the mirror image.
    let mirrored = layout.depot.cross_aisle == 1;
    let flip = |y: u64| if mirrored { len - y } else { y };
    let mut aisles: Vec<Vec<(u64, usize)>> = vec![Vec::new(); layout.aisles as usize];
    for (i, p) in picks.iter().enumerate() {
        aisles[p.aisle as usize].push((flip(block.position(p.bay)), i));
    }
    for a in &mut aisles {
        a.sort_unstable();
    }
    let used: Vec<u32> = (0..layout.aisles)
        .filter(|&a| !aisles[a as usize].is_empty())
        .collect();
    let depot = layout.depot.aisle;
    let mut t = Tour {
        aisles: &aisles,
        path: vec![(depot, 0)],
        order: Vec::with_capacity(picks.len()),
    };
    let far = |a: u32| aisles[a as usize].last().map_or(0, |p| p.0);
    let near = |a: u32| aisles[a as usize].first().map_or(len, |p| p.0);
    let all = 0..=len;
    let n = used.len();
    match heuristic {
        _ if n == 0 => {}
        Heuristic::Return => {
            for &a in &used {
                t.go(a, 0);
                t.walk(a, far(a), all.clone());
                t.go(a, 0);
            }
        }
        Heuristic::SShape => {
            for (i, &a) in used.iter().enumerate() {
                let side = t.at().1;
                t.go(a, side);
                if i == n - 1 && n % 2 == 1 {
                    t.walk(a, far(a), all.clone());
                    t.go(a, 0);
                } else if side == 0 {
                    t.walk(a, len, all.clone());
                } else {
                    t.walk(a, 0, all.clone());
                }
            }
        }
        Heuristic::Midpoint | Heuristic::LargestGap if n == 1 => {
            let a = used[0];
            t.go(a, 0);
            t.walk(a, far(a), all.clone());
            t.go(a, 0);
        }
        Heuristic::Midpoint | Heuristic::LargestGap => {
            // Per middle aisle: picks at or below `split` come from the front.
            let split = |a: u32| -> Option<u64> {
                if heuristic == Heuristic::Midpoint {
                    return Some(len / 2);
                }
                let ys = &aisles[a as usize];
                // Gaps: front end to first pick, between picks, last pick to back end.
                let mut best = (ys[0].0, None); // all from the back
                for w in ys.windows(2) {
                    if w[1].0 - w[0].0 > best.0 {
                        best = (w[1].0 - w[0].0, Some(w[0].0));
                    }
                }
                let last = ys[ys.len() - 1].0;
                if len - last > best.0 {
                    best = (len - last, Some(last));
                }
                best.1
            };
            let (first, last) = (used[0], used[n - 1]);
            let middle = &used[1..n - 1];
            let splits: Vec<Option<u64>> = middle.iter().map(|&a| split(a)).collect();
            t.go(first, 0);
            t.walk(first, len, all.clone());
            for (&a, &split) in middle.iter().zip(&splits) {
                t.go(a, len);
                let lowest_back = aisles[a as usize]
                    .iter()
                    .map(|p| p.0)
                    .find(|&y| split.is_none_or(|s| y > s));
                if let Some(y) = lowest_back {
                    t.walk(a, y, y..=len);
                    t.go(a, len);
                }
            }
            t.go(last, len);
            t.walk(last, 0, all.clone());
            for (&a, &split) in middle.iter().zip(&splits).rev() {
                t.go(a, 0);
                let highest_front = aisles[a as usize]
                    .iter()
                    .map(|p| p.0)
                    .rev()
                    .find(|&y| split.is_some_and(|s| y <= s));
                if let Some(y) = highest_front {
                    t.walk(a, y, 0..=y);
                    t.go(a, 0);
                }
            }
        }
        Heuristic::Combined => {
            // cost[i][side]: the cheapest way through the first i pick aisles,
            // ending on the front (0) or back (1) cross aisle; with the choice.
            let pitch = layout.aisle_pitch;
            let mut cost = vec![[u64::MAX; 2]; n + 1];
            let mut how = vec![[(0usize, false); 2]; n + 1];
            cost[0][0] = 0;
            for (i, &a) in used.iter().enumerate() {
                let shift = if i == 0 {
                    0
                } else {
                    u64::from(a - used[i - 1]) * pitch
                };
                for side in 0..2 {
                    if cost[i][side] == u64::MAX {
                        continue;
                    }
                    let here = cost[i][side] + shift;
                    // Through: to the other side.
                    let through = here + len;
                    if through < cost[i + 1][1 - side] {
                        cost[i + 1][1 - side] = through;
                        how[i + 1][1 - side] = (side, true);
                    }
                    // In and back out on this side.
                    let reach = if side == 0 { far(a) } else { len - near(a) };
                    let back = here + 2 * reach;
                    if back < cost[i + 1][side] {
                        cost[i + 1][side] = back;
                        how[i + 1][side] = (side, false);
                    }
                }
            }
            // End on the front, where the depot is.
            let mut plan = vec![false; n];
            let mut side = 0;
            for i in (1..=n).rev() {
                let (before, through) = how[i][side];
                plan[i - 1] = through;
                side = before;
            }
            for (i, &a) in used.iter().enumerate() {
                let side = t.at().1;
                t.go(a, side);
                match (plan[i], side == 0) {
                    (true, true) => t.walk(a, len, all.clone()),
                    (true, false) => t.walk(a, 0, all.clone()),
                    (false, true) => {
                        t.walk(a, far(a), all.clone());
                        t.go(a, 0);
                    }
                    (false, false) => {
                        let y = near(a);
                        t.walk(a, y, y..=len);
                        t.go(a, len);
                    }
                }
            }
        }
    }
    t.go(depot, 0);
    let mut distance = 0;
    for w in t.path.windows(2) {
        let ((a1, y1), (a2, y2)) = (w[0], w[1]);
        distance += y1.abs_diff(y2) + u64::from(a1.abs_diff(a2)) * layout.aisle_pitch;
    }
    Ok(Route {
        order: t.order,
        distance,
        path: t
            .path
            .into_iter()
            .map(|(aisle, y)| Waypoint { aisle, y: flip(y) })
            .collect(),
    })
}
