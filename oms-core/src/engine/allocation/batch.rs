//! A batch allocation under a policy led by `lowest_cost`: planned first
//! come, first served without recording anything, then improved by pairs
//! of orders trading stock (see [`Engine::allocate_batch_by_cost`]).

use super::*;

impl Engine {
    /// Batch allocation under a policy led by `lowest_cost`: the orders are
    /// planned one by one in allocation order, as always, but before
    /// anything is recorded the plans are improved by pairs. An order B
    /// whose plan other plans of the batch constrained, and that ships in
    /// parts or dearer than the cheapest location that could have shipped
    /// it whole before the batch, is planned again from the stock there
    /// was before the batch; for the stock that plan uses and other orders
    /// of the batch now hold, up to [`MAX_PARTNERS`] of those orders A are
    /// tried in turn: A's and B's plans are dropped, B is planned first and
    /// A second, and the pair is kept when both serve every line exactly
    /// as many units as before and together cost less. An order served in
    /// part is re-planned with at most the units of each product it had.
    /// So every line gets exactly the units first come, first served gives
    /// it; only where they ship from changes. Up to [`BATCH_ROUNDS`]
    /// rounds, each after the first looking only at the orders the one
    /// before changed; then the plans are recorded in allocation order.
    pub(super) fn allocate_batch_by_cost(&mut self, tx: &mut Tx, queue: &[OrderId]) {
        self.note_sourced(tx, queue);
        let mut scratch = std::mem::take(&mut self.sourcing_scratch);
        let mut out = std::mem::take(&mut scratch.planned);
        let mut promised = Promised::default();
        let mut plans: Vec<BatchPlan> = Vec::with_capacity(queue.len());
        for id in queue {
            let plan = self.batch_plan(id, &promised, None, &mut scratch, &mut out);
            promised.add(&plan.takes);
            plans.push(plan);
        }
        // Who holds what: (product slot, location slot) -> plans.
        let mut holders: FxMap<(usize, usize), Vec<usize>> = FxMap::default();
        for (k, plan) in plans.iter().enumerate() {
            if plan.cost.is_some() {
                for &(product, slot, _) in &plan.takes {
                    holders.entry((product, slot)).or_default().push(k);
                }
            }
        }
        let before_batch = Promised::default();
        // The first round looks at every order, later ones only at the
        // orders a trade of the round before changed.
        let mut look = vec![true; plans.len()];
        for _ in 0..BATCH_ROUNDS {
            let mut gained = false;
            let mut changed = vec![false; plans.len()];
            for b in 0..plans.len() {
                if !look[b] {
                    continue;
                }
                let Some(cost_b) = plans[b].cost.filter(|_| !plans[b].takes.is_empty()) else {
                    continue;
                };
                if !plans[b].promise_bound {
                    // Planned as if it were alone: nothing to gain.
                    continue;
                }
                // Only an order that ships in parts, or (served
                // completely) dearer than the cheapest location that could
                // have shipped it whole before the batch, may gain: then
                // its plan from the stock before the batch says what it
                // wants that others hold.
                let split = plans[b].takes.iter().any(|t| t.1 != plans[b].takes[0].1);
                if !split
                    && (!plans[b].complete
                        || self
                            .single_site_target(&queue[b], cost_b, &mut scratch)
                            .is_none())
                {
                    continue;
                }
                let ideal = self.replan(queue, &plans, b, &before_batch, &mut scratch, &mut out);
                if !ideal.serves_as(&plans[b]) || ideal.cost.is_none_or(|c| c >= cost_b) {
                    continue;
                }
                let mut wanted: Vec<(usize, usize)> = Vec::new();
                for &(product, slot, units) in &ideal.takes {
                    let own = plans[b]
                        .takes
                        .iter()
                        .filter(|t| (t.0, t.1) == (product, slot))
                        .map(|t| t.2)
                        .sum::<u64>();
                    let free = self.products.by_slot[product]
                        .cell(slot)
                        .map_or(0, StockCell::available)
                        .saturating_sub(promised.at(product, slot))
                        .saturating_add(own);
                    if free < units && !wanted.contains(&(product, slot)) {
                        wanted.push((product, slot));
                    }
                }
                let mut tried: Vec<usize> = Vec::new();
                'cells: for cell in wanted {
                    let mut holding = holders.get(&cell).cloned().unwrap_or_default();
                    holding.sort_unstable();
                    for a in holding {
                        if a == b || tried.contains(&a) || tried.len() >= MAX_PARTNERS {
                            continue;
                        }
                        tried.push(a);
                        let Some(cost_a) = plans[a].cost else {
                            continue;
                        };
                        promised.remove(&plans[a].takes);
                        promised.remove(&plans[b].takes);
                        let new_b =
                            self.replan(queue, &plans, b, &promised, &mut scratch, &mut out);
                        promised.add(&new_b.takes);
                        let new_a =
                            self.replan(queue, &plans, a, &promised, &mut scratch, &mut out);
                        let saved = match (new_a.cost, new_b.cost) {
                            (Some(x), Some(y))
                                if new_a.serves_as(&plans[a]) && new_b.serves_as(&plans[b]) =>
                            {
                                // Saturated costs cannot be compared: no trade.
                                cost_a
                                    .checked_add(cost_b)
                                    .and_then(|t| t.checked_sub(x))
                                    .and_then(|t| t.checked_sub(y))
                            }
                            _ => None,
                        };
                        let Some(saved) = saved.filter(|s| *s > Decimal::ZERO) else {
                            promised.remove(&new_b.takes);
                            promised.add(&plans[a].takes);
                            promised.add(&plans[b].takes);
                            continue;
                        };
                        promised.add(&new_a.takes);
                        for (k, new, partner) in [(a, new_a, b), (b, new_b, a)] {
                            for &(product, slot, _) in &plans[k].takes {
                                if let Some(v) = holders.get_mut(&(product, slot)) {
                                    v.retain(|&h| h != k);
                                }
                            }
                            for &(product, slot, _) in &new.takes {
                                holders.entry((product, slot)).or_default().push(k);
                            }
                            let mut new = new;
                            if let Some(EventKind::OrderAllocated {
                                explanation: Some(e),
                                ..
                            }) = &mut new.kind
                            {
                                add_note(
                                    e,
                                    format!(
                                        "batch: planned together with order {}, which saves {} of shipping.",
                                        queue[partner],
                                        saved.round_dp(2)
                                    ),
                                );
                            }
                            plans[k] = new;
                            changed[k] = true;
                        }
                        gained = true;
                        break 'cells;
                    }
                }
            }
            look = changed;
            if !gained {
                break;
            }
        }
        out.clear();
        scratch.planned = out;
        self.sourcing_scratch = scratch;
        for plan in plans {
            if let Some(kind) = plan.kind {
                self.emit(tx, kind);
            }
        }
    }

    /// The cheapest location that could ship all of order `id` alone from
    /// the stock there was before the batch for less than `below`, with
    /// that shipment's cost. Stock is read only where the price is right.
    fn single_site_target(
        &self,
        id: &OrderId,
        below: Decimal,
        scratch: &mut SourcingScratch,
    ) -> Option<(Decimal, usize)> {
        let order = self.orders.get(id)?;
        let slots = &mut scratch.slots;
        let (candidates, _) = self.sourcing_candidates(&[order], None, slots, false);
        let mut grams = 0u64;
        for i in 0..order.lines.len() {
            for (product, per) in order.part_slots(i) {
                let w = self.products.by_slot[product].product.weight_g.unwrap_or(0);
                grams =
                    grams.saturating_add(w.saturating_mul(per).saturating_mul(order.sourceable(i)));
            }
        }
        let mut priced: Vec<(Decimal, usize)> = candidates
            .iter()
            .zip(slots.iter())
            .filter_map(|(cand, &slot)| {
                let (per_shipment, per_kg) = cand.rate?;
                let cost = sourcing::shipment_cost(per_shipment, per_kg, grams);
                (cost < below).then_some((cost, slot))
            })
            .collect();
        priced.sort_unstable();
        priced.into_iter().find(|&(_, slot)| {
            (0..order.lines.len()).all(|i| {
                order.part_slots(i).all(|(product, per)| {
                    self.products.by_slot[product]
                        .cell(slot)
                        .map_or(0, StockCell::available)
                        >= order.sourceable(i).saturating_mul(per)
                })
            })
        })
    }

    /// Plans `queue[k]` again with `promised` taken out. An order its
    /// batch plan serves in part keeps the units of each product it was
    /// given (see [`BatchPlan::kept`]), so a trade never changes who gets
    /// how many.
    fn replan(
        &self,
        queue: &[OrderId],
        plans: &[BatchPlan],
        k: usize,
        promised: &Promised,
        scratch: &mut SourcingScratch,
        out: &mut Vec<EventKind>,
    ) -> BatchPlan {
        let keep = plans[k].kept(self.orders.get(&queue[k]));
        self.batch_plan(&queue[k], promised, keep.as_ref(), scratch, out)
    }

    /// Plans order `id` alone with the batch's `promised` units taken out,
    /// without recording anything.
    fn batch_plan(
        &self,
        id: &OrderId,
        promised: &Promised,
        keep: Option<&FxMap<usize, u64>>,
        scratch: &mut SourcingScratch,
        out: &mut Vec<EventKind>,
    ) -> BatchPlan {
        out.clear();
        let mode = PlanMode {
            promised: Some(promised),
            keep,
            ..PlanMode::default()
        };
        let cost = self.plan_unit(std::slice::from_ref(id), None, mode, scratch, out);
        let kind = out.pop();
        let complete = matches!(
            &kind,
            Some(EventKind::OrderAllocated { allocations, backorders, .. })
                if backorders.is_empty() && !allocations.is_empty()
        );
        let takes = if kind.is_some() {
            scratch.takes.clone()
        } else {
            Vec::new()
        };
        BatchPlan {
            kind,
            cost,
            complete,
            takes,
            promise_bound: scratch.promise_bound,
        }
    }
}

/// Rounds of pair trades over a batch (see
/// [`Engine::allocate_batch_by_cost`]): the first looks at every order,
/// the next ones only at the orders the round before changed. On the
/// `benches/peers` instances the second and third rounds save another
/// 0.2-0.7 % of shipping cost for about a quarter more time; later ones
/// find next to nothing.
const BATCH_ROUNDS: usize = 3;

/// Orders holding stock an order wants that are tried as its partner.
const MAX_PARTNERS: usize = 4;

/// One order's plan in a batch being improved, not recorded yet.
#[derive(Debug)]
struct BatchPlan {
    /// The allocation event to record (none when nothing would change).
    kind: Option<EventKind>,
    /// Its shipping cost.
    cost: Option<Decimal>,
    /// Whether it serves every open unit.
    complete: bool,
    /// Units it takes per (product slot, location slot).
    takes: Vec<(usize, usize, u64)>,
    /// Whether other plans of the batch left it less stock than it
    /// needed somewhere; if not, it is the plan it would have alone.
    promise_bound: bool,
}

impl BatchPlan {
    /// Whether this plan serves every line of the order exactly as many
    /// units as `other` does, and some.
    fn serves_as(&self, other: &BatchPlan) -> bool {
        match (&self.kind, &other.kind) {
            (
                Some(EventKind::OrderAllocated {
                    allocations,
                    backorders,
                    ..
                }),
                Some(EventKind::OrderAllocated {
                    backorders: theirs, ..
                }),
            ) => !allocations.is_empty() && backorders == theirs,
            _ => false,
        }
    }

    /// For a plan that serves `order` in part, the units of each of its
    /// products the plan takes (none of a line's product it leaves
    /// backordered): re-planned, the order takes no more than that.
    fn kept(&self, order: Option<&Order>) -> Option<FxMap<usize, u64>> {
        if self.complete {
            return None;
        }
        let mut units: FxMap<usize, u64> = FxMap::default();
        if let Some(order) = order {
            for i in 0..order.lines.len() {
                for (product, _) in order.part_slots(i) {
                    units.insert(product, 0);
                }
            }
        }
        for &(product, _, n) in &self.takes {
            *units.entry(product).or_default() += n;
        }
        Some(units)
    }
}

/// Units promised by a batch's plans not recorded yet: per product slot,
/// (location slot, units). Planning looks it up once per product.
#[derive(Debug, Default)]
pub(super) struct Promised(FxMap<usize, Vec<(usize, u64)>>);

impl Promised {
    /// What is promised of `product`, per location slot.
    pub(super) fn of(&self, product: usize) -> &[(usize, u64)] {
        self.0.get(&product).map_or(&[], Vec::as_slice)
    }

    /// Units of `product` promised at location `slot`.
    fn at(&self, product: usize, slot: usize) -> u64 {
        self.of(product)
            .iter()
            .find(|p| p.0 == slot)
            .map_or(0, |p| p.1)
    }

    /// Promises a plan's units.
    fn add(&mut self, takes: &[(usize, usize, u64)]) {
        for &(product, slot, units) in takes {
            let at = self.0.entry(product).or_default();
            match at.iter_mut().find(|p| p.0 == slot) {
                Some(p) => p.1 = p.1.saturating_add(units),
                None => at.push((slot, units)),
            }
        }
    }

    /// Takes a plan's units back.
    fn remove(&mut self, takes: &[(usize, usize, u64)]) {
        for &(product, slot, units) in takes {
            if let Some(p) = self
                .0
                .get_mut(&product)
                .and_then(|at| at.iter_mut().find(|p| p.0 == slot))
            {
                p.1 = p.1.saturating_sub(units);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partly_served_order_keeps_what_it_took_and_none_of_a_backordered_line() {
        let mut engine = Engine::new(Config {
            require_payment: false,
            ..Config::default()
        });
        let at = chrono::DateTime::UNIX_EPOCH;
        for json in [
            r#"{"type":"define_product","sku":"A","name":"A"}"#,
            r#"{"type":"define_product","sku":"B","name":"B"}"#,
            r#"{"type":"place_order","order_id":"O","channel":"web","customer_id":"C",
                "ship_to":{"name":"N","line1":"1 Main St","city":"Town","postal_code":"10001","country":"US"},
                "lines":[{"line_id":"1","sku":"A","quantity":2,"unit_price":{"amount":"1","currency":"USD"}},
                         {"line_id":"2","sku":"B","quantity":1,"unit_price":{"amount":"1","currency":"USD"}}]}"#,
        ] {
            let command: Command = serde_json::from_str(json).unwrap();
            engine.execute(command, at).unwrap();
        }
        let (a, b) = (
            engine.products.slot("A").unwrap(),
            engine.products.slot("B").unwrap(),
        );
        let order = engine.orders.get(&OrderId::new("O"));
        let mut plan = BatchPlan {
            kind: None,
            cost: None,
            complete: false,
            takes: vec![(a, 0, 1), (a, 1, 1)],
            promise_bound: true,
        };
        let kept = plan.kept(order).unwrap();
        // Line 2 (B) was left backordered: re-planned, it must stay so.
        assert_eq!((kept.get(&a), kept.get(&b)), (Some(&2), Some(&0)));
        plan.complete = true;
        assert_eq!(plan.kept(order), None);
    }
}
