//! Costing a route with a few more picks, exactly and fast. The sweep of
//! [`super::routing`] over a set of picks is kept forward (the cheapest
//! way to each state before each step) and backward (the cheapest way on
//! from it), so the route with picks added to one aisle piece costs one
//! step of the sweep instead of all of them. Scattered storage uses it to
//! choose an article's bins against the route of all the others.

use std::cell::Cell;

use super::layout::{Layout, Slot};
use super::routing::{
    cover_costs, layer_costs, plan, Columns, Machine, Pull, Step, Word, DISTANCE, ENTRY_BITS,
    UNREACHABLE,
};

/// The optimal route through some picks, ready to cost itself with more.
pub(crate) struct BaseRoute<'a> {
    layout: &'a Layout,
    machine: &'static Machine,
    lo: u32,
    blocks: usize,
    steps: Vec<Step>,
    /// Per piece (`(aisle − lo) × blocks + block`): its distinct pick
    /// positions from the block's front, sorted.
    ys: Vec<Vec<u64>>,
    costs: Vec<[Word; 8]>,
    layer_costs: [Word; 256],
    states: usize,
    /// `forward[k × states + s]`: the cheapest way to state `s` before step `k`.
    forward: Vec<Word>,
    /// `backward[k × states + s]`: the cheapest way from state `s` before
    /// step `k` to a finished tour.
    backward: Vec<Word>,
    /// Sweep steps relaxed so far, building and costing: a measure of
    /// work that does not depend on the machine.
    work: Cell<u64>,
}

impl<'a> BaseRoute<'a> {
    /// The route through `picks` over aisles `lo..=hi`, which must hold
    /// the depot's aisle and every pick, including any added later (empty
    /// aisles on either side change nothing). The layout and slots are
    /// checked by the caller, and the layout has at most
    /// [`super::MAX_EXACT_BLOCKS`] blocks.
    pub(crate) fn new(layout: &'a Layout, lo: u32, hi: u32, picks: &[Slot]) -> BaseRoute<'a> {
        let blocks = layout.blocks.len();
        let width = (hi - lo + 1) as usize;
        let mut ys: Vec<Vec<u64>> = vec![Vec::new(); width * blocks];
        for p in picks {
            let k = (p.aisle - lo) as usize * blocks + p.block as usize;
            ys[k].push(layout.blocks[p.block as usize].position(p.bay));
        }
        for y in &mut ys {
            y.sort_unstable();
            y.dedup();
        }
        let costs = ys
            .iter()
            .enumerate()
            .map(|(k, y)| cover_costs(layout.blocks[k % blocks].length(), y).0)
            .collect();
        let machine = Machine::get(blocks + 1);
        let states = machine.codes.len();
        let mut base = BaseRoute {
            layout,
            machine,
            lo,
            blocks,
            steps: plan(layout, &Columns::all(lo, hi)).0,
            ys,
            costs,
            layer_costs: layer_costs::<256>(layout, 1),
            states,
            forward: Vec::new(),
            backward: Vec::new(),
            work: Cell::new(0),
        };
        let n = base.steps.len();
        let mut forward = vec![UNREACHABLE; (n + 1) * states];
        forward[0] = 0;
        let mut backward = vec![UNREACHABLE; (n + 1) * states];
        for t in 0..states {
            if machine.ends(layout, hi, t) {
                backward[n * states + t] = 0;
            }
        }
        for k in 0..n {
            let (pull, add) = base.step(k, None);
            let (done, rest) = forward.split_at_mut((k + 1) * states);
            pull.relax_slice(add, &done[k * states..], &mut rest[..states]);
            for c in &mut rest[..states] {
                *c &= DISTANCE;
            }
        }
        for k in (0..n).rev() {
            let (pull, add) = base.step(k, None);
            let (before, after) = backward.split_at_mut((k + 1) * states);
            pull.relax_back(add, &after[..states], &mut before[k * states..]);
        }
        base.forward = forward;
        base.backward = backward;
        base.work.set(2 * n as u64);
        base
    }

    /// Step `k`'s table and costs; `changed` replaces a piece's costs.
    fn step<'s>(&'s self, k: usize, changed: Option<&'s [Word; 8]>) -> (&'static Pull, &'s [Word]) {
        match self.steps[k] {
            Step::Piece { block, piece, .. } => match changed {
                Some(costs) => (&self.machine.pieces[block][1], &costs[..]),
                None => {
                    let picked = usize::from(!self.ys[piece].is_empty());
                    (&self.machine.pieces[block][picked], &self.costs[piece][..])
                }
            },
            Step::Layer { variant, span, .. } => {
                // Every aisle is a column here: each layer crosses one pitch.
                debug_assert_eq!(span, 1);
                (&self.machine.layers[variant], &self.layer_costs[..])
            }
        }
    }

    /// The optimal route's length through the picks alone (0 for none:
    /// the picker stays at the depot).
    pub(crate) fn distance(&self) -> u64 {
        if self.ys.iter().all(Vec::is_empty) {
            return 0;
        }
        (0..self.states)
            .map(|t| self.forward[t] + self.backward[t])
            .min()
            .unwrap_or(UNREACHABLE)
            .min(UNREACHABLE)
            >> ENTRY_BITS
    }

    /// The optimal route's length through the picks and `extra` (slots
    /// on the span given to [`BaseRoute::new`]). Only the steps from the
    /// first piece `extra` touches to the last are swept again.
    pub(crate) fn distance_with(&self, extra: &[Slot]) -> u64 {
        if extra.is_empty() {
            return self.distance();
        }
        let blocks = self.blocks;
        // The pieces touched, with their new positions.
        let mut added: Vec<(usize, u64)> = extra
            .iter()
            .map(|p| {
                (
                    (p.aisle - self.lo) as usize * blocks + p.block as usize,
                    self.layout.blocks[p.block as usize].position(p.bay),
                )
            })
            .collect();
        added.sort_unstable();
        let mut changed: Vec<(usize, [Word; 8])> = Vec::new();
        for run in added.chunk_by(|a, b| a.0 == b.0) {
            let k = run[0].0;
            let mut ys = self.ys[k].clone();
            ys.extend(run.iter().map(|r| r.1));
            ys.sort_unstable();
            ys.dedup();
            let len = self.layout.blocks[k % blocks].length();
            changed.push((k, cover_costs(len, &ys).0));
        }
        let step_of = |k: usize| k / blocks * (blocks + 1) + k % blocks;
        let (first, last) = (step_of(changed[0].0), step_of(changed[changed.len() - 1].0));
        let states = self.states;
        let mut cost = self.forward[first * states..(first + 1) * states].to_vec();
        let mut next = vec![UNREACHABLE; states];
        let mut touched = changed.iter().peekable();
        for k in first..=last {
            let costs = touched.next_if(|c| step_of(c.0) == k).map(|c| &c.1);
            let (pull, add) = self.step(k, costs);
            pull.relax_slice(add, &cost, &mut next);
            std::mem::swap(&mut cost, &mut next);
        }
        self.work.set(self.work.get() + (last - first + 1) as u64);
        let after = &self.backward[(last + 1) * states..(last + 2) * states];
        cost.iter()
            .zip(after)
            .map(|(&c, &rest)| (c & DISTANCE) + rest)
            .min()
            .unwrap_or(UNREACHABLE)
            .min(UNREACHABLE)
            >> ENTRY_BITS
    }

    /// Sweep steps relaxed so far.
    pub(crate) fn work(&self) -> u64 {
        self.work.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::picking::{optimal_route, Block, Depot};
    use crate::util::SplitMix64;

    /// Against the full router, on random floors of one to three blocks.
    #[test]
    fn adding_picks_costs_what_routing_them_all_costs() {
        let mut rng = SplitMix64::new(7);
        for round in 0..300 {
            let blocks = 1 + round % 3;
            let layout = Layout {
                aisles: 6,
                aisle_pitch: 3,
                blocks: vec![
                    Block {
                        bays: 5,
                        bay_pitch: 1,
                        front_offset: 1,
                        back_offset: 1,
                    };
                    blocks
                ],
                depot: Depot {
                    aisle: rng.below(6) as u32,
                    cross_aisle: rng.below(blocks as u64 + 1) as u32,
                },
            };
            let mut slot = || Slot {
                block: rng.below(blocks as u64) as u32,
                aisle: rng.below(6) as u32,
                bay: rng.below(5) as u32,
            };
            let picks: Vec<Slot> = (0..round % 7).map(|_| slot()).collect();
            let extra: Vec<Slot> = (0..1 + round % 3).map(|_| slot()).collect();
            let base = BaseRoute::new(&layout, 0, 5, &picks);
            let alone = optimal_route(&layout, &picks).unwrap().distance;
            assert_eq!(base.distance(), alone, "{picks:?}");
            let all: Vec<Slot> = picks.iter().chain(&extra).copied().collect();
            let together = optimal_route(&layout, &all).unwrap().distance;
            assert_eq!(
                base.distance_with(&extra),
                together,
                "{picks:?} + {extra:?}"
            );
        }
    }

    /// The router leaves out aisles with nothing to pick (not the
    /// depot's); the full sweep over every aisle finds the same length,
    /// on wide floors of one to four blocks with few picks.
    #[test]
    fn skipping_empty_aisles_changes_no_length() {
        let mut rng = SplitMix64::new(11);
        for round in 0..2_000 {
            let blocks = 1 + round % 4;
            let aisles = 2 + rng.below(19) as u32;
            let layout = Layout {
                aisles,
                aisle_pitch: 1 + rng.below(6),
                blocks: (0..blocks)
                    .map(|_| Block {
                        bays: 1 + rng.below(6) as u32,
                        bay_pitch: 1 + rng.below(3),
                        front_offset: rng.below(3),
                        back_offset: rng.below(3),
                    })
                    .collect(),
                depot: Depot {
                    aisle: rng.below(u64::from(aisles)) as u32,
                    cross_aisle: rng.below(blocks as u64 + 1) as u32,
                },
            };
            let picks: Vec<Slot> = (0..1 + round % 6)
                .map(|_| {
                    let block = rng.below(blocks as u64) as usize;
                    Slot {
                        block: block as u32,
                        aisle: rng.below(u64::from(aisles)) as u32,
                        bay: rng.below(u64::from(layout.blocks[block].bays)) as u32,
                    }
                })
                .collect();
            let full = BaseRoute::new(&layout, 0, aisles - 1, &picks).distance();
            let route = optimal_route(&layout, &picks).unwrap();
            assert_eq!(route.distance, full, "{layout:?} {picks:?}");
        }
    }
}
