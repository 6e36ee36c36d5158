//! Allocation: which orders get stock, and from where. The decision
//! itself is the pure planner in [`crate::sourcing`]; this part gathers
//! its inputs from the engine and turns its plan into an event.

use super::*;

impl Engine {
    /// With `auto_allocate`, allocates an order that has just become releasable.
    pub(super) fn auto_allocate_order(&mut self, tx: &mut Tx, order_id: &OrderId) {
        if !self.config.auto_allocate {
            return;
        }
        let releasable = self
            .orders
            .get(order_id)
            .is_some_and(|o| o.is_releasable() && o.has_unallocated());
        if releasable {
            if let Some(kind) = self.plan_order_allocation(order_id) {
                self.emit(tx, kind);
            }
        }
    }

    /// With `auto_allocate`, offers newly available stock of the products
    /// in slots `arrived` to waiting orders in allocation order.
    pub(super) fn fill_backorders(&mut self, tx: &mut Tx, arrived: &[usize]) {
        if !self.config.auto_allocate || self.pending.is_empty() {
            return;
        }
        let waiting: Vec<OrderId> = self
            .pending
            .iter()
            .filter(|k| {
                self.orders.get(k).is_some_and(|o| {
                    (0..o.lines.len()).any(|i| {
                        o.unallocated(i) > 0 && o.part_slots(i).any(|(p, _)| arrived.contains(&p))
                    })
                })
            })
            .cloned()
            .collect();
        for order_id in waiting {
            if let Some(kind) = self.plan_order_allocation(&order_id) {
                self.emit(tx, kind);
            }
        }
    }

    /// Plans the allocation of an order's unallocated units under the
    /// sourcing policy; `None` when nothing would change.
    pub(super) fn plan_order_allocation(&mut self, order_id: &OrderId) -> Option<EventKind> {
        self.plan_with_scratch(order_id, None)
    }

    /// Plans with the engine's reusable buffers (lent out for the call).
    fn plan_with_scratch(
        &mut self,
        order_id: &OrderId,
        caps: Option<&FxMap<usize, u64>>,
    ) -> Option<EventKind> {
        let mut scratch = std::mem::take(&mut self.sourcing_scratch);
        let kind = self.plan_capped_allocation(order_id, caps, false, &mut scratch);
        self.sourcing_scratch = scratch;
        kind
    }

    /// For `reallocate`: the order's open units planned as if its own
    /// reservations were free. `None` when that is what it holds already,
    /// or would reserve fewer units; else its current reservations (to
    /// release) and the new allocation.
    pub(super) fn plan_reallocation(
        &mut self,
        order_id: &OrderId,
    ) -> Option<(Vec<LineAllocation>, EventKind)> {
        let mut scratch = std::mem::take(&mut self.sourcing_scratch);
        let kind = self.plan_capped_allocation(order_id, None, true, &mut scratch);
        self.sourcing_scratch = scratch;
        let kind = kind?;
        let order = self.orders.get(order_id)?;
        let EventKind::OrderAllocated { allocations, .. } = &kind else {
            return None;
        };
        let old = reservations(order);
        let total = |v: &[LineAllocation]| v.iter().map(|a| a.quantity).sum::<u64>();
        let key = |a: &LineAllocation| (a.line_id.clone(), a.location_id.clone(), a.quantity);
        let mut before: Vec<_> = old.iter().map(key).collect();
        let mut after: Vec<_> = allocations.iter().map(key).collect();
        before.sort();
        after.sort();
        if before == after || total(allocations) < total(&old) {
            return None;
        }
        Some((old, kind))
    }

    /// [`Engine::plan_order_allocation`] with fair-share caps: at most
    /// `caps[product slot]` units of a product for this order.
    fn plan_capped_allocation(
        &self,
        order_id: &OrderId,
        caps: Option<&FxMap<usize, u64>>,
        whole: bool,
        scratch: &mut SourcingScratch,
    ) -> Option<EventKind> {
        let order = self.orders.get(order_id)?;
        if !order.is_releasable() {
            return None;
        }
        let SourcingScratch {
            items,
            lines,
            parts,
            line_of_need,
            weights,
            slots,
            available,
            item_caps,
            workspace,
        } = scratch;
        // Items: the distinct stockable products the open lines draw from.
        items.clear();
        lines.clear();
        parts.clear();
        line_of_need.clear();
        for i in 0..order.lines.len() {
            let quantity = if whole {
                order.open(i)
            } else {
                order.unallocated(i)
            };
            if quantity == 0 {
                continue;
            }
            let start = parts.len();
            for (product, per) in order.part_slots(i) {
                let item = match items.iter().position(|&p| p == product) {
                    Some(item) => item,
                    None => {
                        items.push(product);
                        items.len() - 1
                    }
                };
                parts.push((item, per));
            }
            lines.push(LineNeed {
                quantity,
                parts: start..parts.len(),
            });
            line_of_need.push(i);
        }
        if lines.is_empty() {
            return None;
        }
        weights.clear();
        weights.extend(
            items
                .iter()
                .map(|&p| self.products.by_slot[p].product.weight_g.unwrap_or(0)),
        );
        let (candidates, excluded) = self.sourcing_candidates(order, slots, whole);
        let n = candidates.len();
        available.clear();
        available.resize(items.len() * n, 0);
        for (item, &product) in items.iter().enumerate() {
            let entry = &self.products.by_slot[product];
            for (c, &slot) in slots.iter().enumerate() {
                available[item * n + c] = entry.cell(slot).map_or(0, StockCell::available);
            }
        }
        if whole {
            // The order's own reservations count as free for it.
            for (i, line) in order.lines.iter().enumerate() {
                for a in line.allocations.as_slice() {
                    let Some(slot) = self.locations.slot(a.location_id.as_str()) else {
                        continue;
                    };
                    let Some(c) = slots.iter().position(|&s| s == slot) else {
                        continue;
                    };
                    for (product, per) in order.part_slots(i) {
                        if let Some(item) = items.iter().position(|&p| p == product) {
                            let cell = &mut available[item * n + c];
                            *cell = cell.saturating_add(a.quantity.saturating_mul(per));
                        }
                    }
                }
            }
        }
        item_caps.clear();
        if let Some(caps) = caps {
            item_caps.extend(
                items
                    .iter()
                    .map(|p| caps.get(p).copied().unwrap_or(u64::MAX)),
            );
        }
        let mut explanation = self.planner.plan_in(
            &sourcing::Request {
                lines,
                parts,
                item_weights_g: weights,
                candidates: &candidates,
                available,
                currency: self.planner.cost_currency(),
                item_caps: caps.map(|_| &item_caps[..]),
                split_penalty: self.planner.split_penalty(),
            },
            workspace,
        );

        let line_id = |n: usize| order.placement.lines[line_of_need[n]].line_id.clone();
        let allocations: Vec<LineAllocation> = workspace
            .assignments()
            .iter()
            .map(|a| LineAllocation {
                line_id: line_id(a.line),
                location_id: candidates[a.candidate].location_id.clone(),
                quantity: a.quantity,
            })
            .collect();
        let mut backorders = Vec::new();
        let mut unchanged = allocations.is_empty();
        for (n, &i) in line_of_need.iter().enumerate() {
            let left = workspace.left()[n];
            if left > 0 {
                backorders.push(LineQuantity {
                    line_id: line_id(n),
                    quantity: left,
                });
            }
            unchanged &= order.backordered(i) == left;
        }
        if unchanged && order.allocation_attempted && !whole {
            return None;
        }
        if caps.is_some() {
            let caps = &item_caps[..];
            let capped: Vec<String> = items
                .iter()
                .zip(caps)
                .filter(|(_, &cap)| cap != u64::MAX)
                .map(|(&p, cap)| format!("{} at most {cap}", self.products.by_slot[p].product.sku))
                .collect();
            if !capped.is_empty() {
                let text = format!("fair share under scarcity: {}.", capped.join(", "));
                explanation.note = Some(match explanation.note.take() {
                    Some(n) => format!("{text} {n}"),
                    None => text,
                });
            }
        }
        if !excluded.is_empty() {
            let mut all = excluded;
            all.append(&mut explanation.excluded);
            all.sort_by(|a, b| a.location_id.cmp(&b.location_id));
            explanation.excluded = all;
        }
        Some(EventKind::OrderAllocated {
            order_id: order_id.clone(),
            allocations,
            backorders,
            explanation: Some(Box::new(explanation)),
        })
    }

    /// The locations that may source an order (sorted by id, with their
    /// slots) and the fulfilling ones filtered out, with the reason.
    fn sourcing_candidates(
        &self,
        order: &Order,
        slots: &mut Vec<usize>,
        whole: bool,
    ) -> (Vec<Candidate<'_>>, Vec<sourcing::Exclusion>) {
        use sourcing::ExclusionReason as Why;
        let policy = &self.config.sourcing;
        let ship_to = &order.placement.ship_to;
        let channel = self.channels.get(order.placement.channel.as_str());
        let zone = policy
            .cost_table()
            .and_then(|t| t.zone_of(ship_to.country(), ship_to.postal_code()));
        let nearest = policy.uses(sourcing::RuleName::Nearest);
        let here = ship_to.lat().zip(ship_to.lon());
        let fulfilling = &self.locations.fulfilling;
        let mut candidates = Vec::with_capacity(fulfilling.len());
        slots.clear();
        let mut excluded = Vec::new();
        for &slot in fulfilling {
            let l = &self.locations.by_slot[slot];
            let why = if l.paused {
                Some(Why::Paused)
            } else if channel.is_some_and(|c| !c.uses(l.location_id.as_str())) {
                Some(Why::Channel)
            } else if !l.ships_to(ship_to.country(), ship_to.region()) {
                Some(Why::Destination)
            } else {
                None
            };
            if let Some(reason) = why {
                excluded.push(sourcing::Exclusion {
                    location_id: l.location_id.clone(),
                    reason,
                });
                continue;
            }
            let distance = if !nearest {
                Distance::Unknown
            } else if let (Some((a, b)), Some(x), Some(y)) = (here, l.lat, l.lon) {
                Distance::Km(haversine_km(a, b, x, y))
            } else {
                match (&l.country, &l.postal_code) {
                    (Some(country), Some(postal)) if country == ship_to.country() => {
                        let shared = postal
                            .bytes()
                            .zip(ship_to.postal_code().bytes())
                            .take_while(|(x, y)| x.eq_ignore_ascii_case(y))
                            .count();
                        Distance::SharedPostalPrefix(shared as u32)
                    }
                    _ => Distance::Unknown,
                }
            };
            let in_use = !whole
                && order
                    .lines
                    .iter()
                    .any(|line| line.allocations.at(&l.location_id) > 0);
            candidates.push(Candidate {
                location_id: &l.location_id,
                distance,
                priority: l.priority,
                rate: zone.and_then(|z| self.rates.get(z)?.get(slot).copied().flatten()),
                in_use,
            });
            slots.push(slot);
        }
        (candidates, excluded)
    }

    /// Batch allocation: every queued order in allocation order. Under a
    /// `fair_share` policy each priority class (priority, then customer
    /// tier) first gets its scarce products shared out: a product is
    /// scarce when the class asks for more than every usable location
    /// holds, and then each order may take `floor(stock × its ask / the
    /// class's ask)`, the units left over going one each to the oldest
    /// orders first.
    pub(super) fn allocate_queue(&mut self, tx: &mut Tx) {
        let queue: Vec<OrderId> = self.pending.iter().cloned().collect();
        if !self.config.sourcing.fair_share {
            for order_id in queue {
                if let Some(kind) = self.plan_order_allocation(&order_id) {
                    self.emit(tx, kind);
                }
            }
            return;
        }
        let mut start = 0;
        while start < queue.len() {
            let class = self
                .orders
                .get(&queue[start])
                .map(|o| (o.placement.priority, o.placement.customer_tier));
            let mut end = start + 1;
            while end < queue.len()
                && self
                    .orders
                    .get(&queue[end])
                    .map(|o| (o.placement.priority, o.placement.customer_tier))
                    == class
            {
                end += 1;
            }
            let caps = self.fair_shares(&queue[start..end]);
            for (k, order_id) in queue[start..end].iter().enumerate() {
                if let Some(kind) = self.plan_with_scratch(order_id, caps.get(k)) {
                    self.emit(tx, kind);
                }
            }
            start = end;
        }
    }

    /// Per order of one priority class, the caps on its scarce products.
    fn fair_shares(&self, class: &[OrderId]) -> Vec<FxMap<usize, u64>> {
        // What each order asks of each product, in component units.
        let mut asks: Vec<FxMap<usize, u64>> = Vec::with_capacity(class.len());
        let mut total: FxMap<usize, u64> = FxMap::default();
        for order_id in class {
            let mut ask: FxMap<usize, u64> = FxMap::default();
            if let Some(o) = self.orders.get(order_id) {
                for i in 0..o.lines.len() {
                    let open = o.unallocated(i);
                    for (product, per) in o.part_slots(i) {
                        let units = open.saturating_mul(per);
                        *ask.entry(product).or_default() += units;
                        *total.entry(product).or_default() += units;
                    }
                }
            }
            asks.push(ask);
        }
        let mut caps: Vec<FxMap<usize, u64>> = vec![FxMap::default(); class.len()];
        // (product, asked, stock) for the products asked for beyond their stock.
        let mut scarce: Vec<(usize, u64, u64)> = total
            .into_iter()
            .filter_map(|(product, asked)| {
                let stock = self.usable_stock(product, None);
                (asked > stock).then_some((product, asked, stock))
            })
            .collect();
        scarce.sort_unstable();
        for (product, asked, stock) in scarce {
            let mut given = 0u64;
            for (k, ask) in asks.iter().enumerate() {
                if let Some(&a) = ask.get(&product) {
                    // floor(stock × a / asked), in u128 so it cannot overflow.
                    let share = (u128::from(stock) * u128::from(a) / u128::from(asked)) as u64;
                    caps[k].insert(product, share);
                    given += share;
                }
            }
            // Units lost to rounding go one each to the oldest orders.
            let mut spare = stock - given;
            for (k, ask) in asks.iter().enumerate() {
                if spare == 0 {
                    break;
                }
                if let (Some(&a), Some(cap)) = (ask.get(&product), caps[k].get_mut(&product)) {
                    if *cap < a {
                        *cap += 1;
                        spare -= 1;
                    }
                }
            }
        }
        caps
    }

    /// Units of product `slot` that allocation may use: available at
    /// fulfilling, unpaused locations (those of `channel`, if given).
    pub(super) fn usable_stock(&self, product: usize, channel: Option<&ChannelDef>) -> u64 {
        let entry = &self.products.by_slot[product];
        self.locations
            .fulfilling
            .iter()
            .filter(|&&slot| {
                let l = &self.locations.by_slot[slot];
                !l.paused && channel.is_none_or(|c| c.uses(l.location_id.as_str()))
            })
            .filter_map(|&slot| entry.cell(slot))
            .map(StockCell::available)
            .sum()
    }
    /// Records that `order_id` gives back `releases`.
    pub(super) fn emit_release(
        &mut self,
        tx: &mut Tx,
        order_id: &OrderId,
        releases: Vec<LineAllocation>,
        reason: ReleaseReason,
    ) {
        self.emit(
            tx,
            EventKind::AllocationReleased {
                order_id: order_id.clone(),
                releases,
                reason,
            },
        );
    }

    /// Before on-hand of `product` at location `slot` becomes `on_hand`:
    /// when that is below what is reserved there, releases reservations
    /// there until they fit, lowest priority first (standard before rush,
    /// standard tier before VIP, newest first). Returns the orders
    /// released, in allocation order, to be sourced again.
    ///
    /// Scans every order for reservations at the location: stock drops
    /// below reservations are rare, and the scan keeps no index to maintain.
    pub(super) fn release_for_shortage(
        &mut self,
        tx: &mut Tx,
        product: usize,
        slot: usize,
        on_hand: u64,
    ) -> Vec<OrderId> {
        let reserved = self.products.by_slot[product]
            .cell(slot)
            .map_or(0, |c| c.reserved);
        if reserved <= on_hand {
            return Vec::new();
        }
        let mut short = reserved - on_hand;
        let location_id = self.locations.by_slot[slot].location_id.clone();
        let mut holders: Vec<PendingKey> = self
            .orders
            .values()
            .filter(|o| {
                (0..o.lines.len()).any(|i| {
                    o.lines[i].allocated_at(&location_id) > 0
                        && o.part_slots(i).any(|(p, _)| p == product)
                })
            })
            .map(pending_key)
            .collect();
        holders.sort();
        let mut released = Vec::new();
        for key in holders.iter().rev() {
            if short == 0 {
                break;
            }
            let Some(order) = self.orders.get(&key.3) else {
                continue;
            };
            let mut releases = Vec::new();
            for i in 0..order.lines.len() {
                let held = order.lines[i].allocated_at(&location_id);
                let Some(per) = order
                    .part_slots(i)
                    .find(|&(p, _)| p == product)
                    .map(|(_, per)| per.max(1))
                else {
                    continue;
                };
                if held == 0 || short == 0 {
                    continue;
                }
                // Whole line units (kits): enough to cover the shortfall.
                let units = held.min(short.div_ceil(per));
                short = short.saturating_sub(units.saturating_mul(per));
                releases.push(LineAllocation {
                    line_id: order.placement.lines[i].line_id.clone(),
                    location_id: location_id.clone(),
                    quantity: units,
                });
            }
            if !releases.is_empty() {
                released.push(key.3.clone());
                self.emit_release(tx, &key.3, releases, ReleaseReason::StockShort);
            }
        }
        released.reverse();
        released
    }
}

/// Every reservation an order holds, per line and location.
pub(super) fn reservations(order: &Order) -> Vec<LineAllocation> {
    order
        .lines
        .iter()
        .zip(order.placement.lines.iter())
        .flat_map(|(line, spec)| {
            line.allocations.as_slice().iter().map(|a| LineAllocation {
                line_id: spec.line_id.clone(),
                location_id: a.location_id.clone(),
                quantity: a.quantity,
            })
        })
        .collect()
}

/// Buffers that sourcing reuses from one order to the next (see
/// [`Engine::plan_with_scratch`]); nothing in them outlives a call.
#[derive(Debug, Default)]
pub(super) struct SourcingScratch {
    items: Vec<usize>,
    lines: Vec<LineNeed>,
    parts: Vec<(usize, u64)>,
    line_of_need: Vec<usize>,
    weights: Vec<u64>,
    slots: Vec<usize>,
    available: Vec<u64>,
    item_caps: Vec<u64>,
    workspace: sourcing::Workspace,
}

/// A clone starts empty: the buffers hold nothing worth copying.
impl Clone for SourcingScratch {
    fn clone(&self) -> Self {
        SourcingScratch::default()
    }
}
