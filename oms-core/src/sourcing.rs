//! Sourcing: deciding which locations reserve stock for an order.
//!
//! A pure algorithm over plain data: the engine builds the needs and the
//! availability matrix, this module returns a plan, and nothing here reads
//! the engine. The rule, in order:
//!
//! 1. If one location can ship every open unit, use the most preferred such
//!    location (candidates arrive sorted: nearest first, then by id).
//! 2. Otherwise split greedily: repeatedly take the location that can cover
//!    the most units (ties to the more preferred), reserve all it can, and
//!    continue with the rest, so shipments stay few.
//! 3. What no location has is backordered.
//!
//! Kit lines allocate whole kit units: every component of a unit comes from
//! the same location.

/// One line's open need: `quantity` units, each made of `parts` (item index,
/// units per line unit). A plain product is one part of quantity 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineNeed {
    /// Open units of the line to allocate.
    pub quantity: u64,
    /// `(item index, units per line unit)` for each item a line unit draws from stock.
    pub parts: Vec<(usize, u64)>,
}

/// Reserve `quantity` units of `line` at candidate `candidate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    /// Index of the line in `needs`.
    pub line: usize,
    /// Index of the candidate location, in preference order.
    pub candidate: usize,
    /// Line units to reserve there.
    pub quantity: u64,
}

/// Plans an allocation. `available[item][candidate]` is what each candidate
/// location can still reserve of each item; candidates are in preference order.
///
/// ```
/// use oms_core::sourcing::{plan_allocation, LineNeed};
/// // Two lines, two locations: only location 1 has everything.
/// let needs = vec![
///     LineNeed { quantity: 2, parts: vec![(0, 1)] },
///     LineNeed { quantity: 1, parts: vec![(1, 1)] },
/// ];
/// let available = vec![vec![5, 2], vec![0, 1]];
/// let plan = plan_allocation(&needs, &available);
/// assert!(plan.iter().all(|a| a.candidate == 1));
/// assert_eq!(plan.iter().map(|a| a.quantity).sum::<u64>(), 3);
/// ```
pub fn plan_allocation(needs: &[LineNeed], available: &[Vec<u64>]) -> Vec<Assignment> {
    let candidates = available.first().map_or(0, Vec::len);
    let mut avail: Vec<Vec<u64>> = available.to_vec();
    let mut remaining: Vec<u64> = needs.iter().map(|n| n.quantity).collect();
    let total: u64 = remaining.iter().sum();
    let mut plan = Vec::new();
    if total == 0 || candidates == 0 {
        return plan;
    }

    // 1. Ship complete from one location.
    let mut totals = vec![0u64; available.len()];
    for need in needs {
        for &(item, per) in &need.parts {
            totals[item] = totals[item].saturating_add(need.quantity.saturating_mul(per));
        }
    }
    if let Some(c) = first_complete(
        totals.len(),
        |i| totals[i],
        candidates,
        |i, c| available[i][c],
    ) {
        take(needs, &mut remaining, &mut avail, c, &mut plan);
        return plan;
    }

    // 2. Greedy split: the location that covers most, until nothing more fits.
    loop {
        let mut best: Option<(usize, u64)> = None;
        for c in 0..candidates {
            let units = coverable(needs, &remaining, &avail, c);
            if units > 0 && best.is_none_or(|(_, u)| units > u) {
                best = Some((c, units));
            }
        }
        let Some((c, _)) = best else { break };
        take(needs, &mut remaining, &mut avail, c, &mut plan);
        if remaining.iter().all(|&r| r == 0) {
            break;
        }
    }
    plan
}

/// The first candidate (in preference order) that has `need(item)` units
/// of each of `items` items, i.e. can ship everything in one shipment.
///
/// ```
/// use oms_core::sourcing::first_complete;
/// let available = [[1, 4], [9, 2]]; // [item][candidate]
/// let need = [3, 2];
/// assert_eq!(first_complete(2, |i| need[i], 2, |i, c| available[i][c]), Some(1));
/// assert_eq!(first_complete(2, |i| need[i] + 2, 2, |i, c| available[i][c]), None);
/// ```
pub fn first_complete(
    items: usize,
    need: impl Fn(usize) -> u64,
    candidates: usize,
    available: impl Fn(usize, usize) -> u64,
) -> Option<usize> {
    (0..candidates).find(|&c| {
        (0..items).all(|item| {
            let n = need(item);
            n == 0 || available(item, c) >= n
        })
    })
}

/// Units of line `need` that candidate `c` can supply from `avail`.
fn units_for(need: &LineNeed, remaining: u64, avail: &[Vec<u64>], c: usize) -> u64 {
    need.parts.iter().fold(remaining, |acc, &(item, per)| {
        acc.min(avail[item][c].checked_div(per).unwrap_or(0))
    })
}

/// How many units candidate `c` could cover, taking lines in order.
fn coverable(needs: &[LineNeed], remaining: &[u64], avail: &[Vec<u64>], c: usize) -> u64 {
    // Small per-item scratch so that two lines of the same item share stock.
    let mut used: Vec<(usize, u64)> = Vec::new();
    let mut units = 0;
    for (need, &rem) in needs.iter().zip(remaining) {
        let n = need.parts.iter().fold(rem, |acc, &(item, per)| {
            let taken = used.iter().find(|(i, _)| *i == item).map_or(0, |u| u.1);
            acc.min((avail[item][c] - taken).checked_div(per).unwrap_or(0))
        });
        if n > 0 {
            for &(item, per) in &need.parts {
                match used.iter_mut().find(|(i, _)| *i == item) {
                    Some(u) => u.1 += n * per,
                    None => used.push((item, n * per)),
                }
            }
            units += n;
        }
    }
    units
}

/// Reserves at candidate `c` everything it can supply, in line order.
fn take(
    needs: &[LineNeed],
    remaining: &mut [u64],
    avail: &mut [Vec<u64>],
    c: usize,
    plan: &mut Vec<Assignment>,
) {
    for (line, need) in needs.iter().enumerate() {
        let n = units_for(need, remaining[line], avail, c);
        if n == 0 {
            continue;
        }
        for &(item, per) in &need.parts {
            avail[item][c] -= n * per;
        }
        remaining[line] -= n;
        plan.push(Assignment {
            line,
            candidate: c,
            quantity: n,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(q: u64, item: usize) -> LineNeed {
        LineNeed {
            quantity: q,
            parts: vec![(item, 1)],
        }
    }

    #[test]
    fn prefers_one_complete_location_in_preference_order() {
        let needs = vec![need(1, 0), need(1, 1)];
        let avail = vec![vec![1, 1, 1], vec![0, 1, 1]];
        let plan = plan_allocation(&needs, &avail);
        assert!(plan.iter().all(|a| a.candidate == 1));
    }

    #[test]
    fn splits_to_fewest_locations_and_backorders_the_rest() {
        let needs = vec![need(5, 0), need(3, 1)];
        // c0 has 5 of item0, c1 has 2 of item0 and 3 of item1, c2 has 1 of item1.
        let avail = vec![vec![5, 2, 0], vec![0, 3, 1]];
        let plan = plan_allocation(&needs, &avail);
        let total: u64 = plan.iter().map(|a| a.quantity).sum();
        assert_eq!(total, 8);
        let mut used: Vec<usize> = plan.iter().map(|a| a.candidate).collect();
        used.sort();
        used.dedup();
        assert_eq!(used, vec![0, 1]);

        let short = vec![need(10, 0)];
        let plan = plan_allocation(&short, &[vec![3, 4, 0]]);
        assert_eq!(plan.iter().map(|a| a.quantity).sum::<u64>(), 7);
    }

    #[test]
    fn kit_units_are_whole_and_from_one_location() {
        // A kit of 2×item0 + 1×item1.
        let kit = LineNeed {
            quantity: 3,
            parts: vec![(0, 2), (1, 1)],
        };
        let avail = vec![vec![5, 2], vec![3, 9]];
        let plan = plan_allocation(&[kit], &avail);
        // c0: min(5/2, 3) = 2 kits; c1: min(2/2, 9) = 1 kit.
        assert_eq!(plan.len(), 2);
        assert_eq!(plan.iter().map(|a| a.quantity).sum::<u64>(), 3);
    }

    #[test]
    fn two_lines_of_one_item_share_stock() {
        let needs = vec![need(2, 0), need(2, 0)];
        let plan = plan_allocation(&needs, &[vec![3]]);
        assert_eq!(plan.iter().map(|a| a.quantity).sum::<u64>(), 3);
    }
}
