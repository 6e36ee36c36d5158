//! Allocation: which orders get stock, and from where. The decision
//! itself is the pure planner in [`crate::sourcing`]; this part gathers
//! its inputs from the engine and turns its plan into an event.

use super::*;

mod batch;

use batch::Promised;

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
            self.allocate_order(tx, order_id);
        }
    }

    /// With `auto_allocate`, offers newly available stock of the products
    /// in slots `arrived` to waiting orders in allocation order.
    pub(super) fn fill_backorders(&mut self, tx: &mut Tx, arrived: &[usize]) {
        if self.config.auto_allocate {
            self.allocate_waiting(tx, arrived);
        }
    }

    /// Allocates, in allocation order, every releasable order with
    /// unallocated units of a product in `arrived` (product slots).
    pub(super) fn allocate_waiting(&mut self, tx: &mut Tx, arrived: &[usize]) {
        if self.pending.is_empty() {
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
            self.allocate_order(tx, &order_id);
        }
    }

    /// Allocates an order's unallocated units under the sourcing policy,
    /// unit by unit (see [`Engine::sourcing_units`]); records nothing when
    /// nothing would change.
    pub(super) fn allocate_order(&mut self, tx: &mut Tx, order_id: &OrderId) {
        self.allocate_capped(tx, order_id, None);
    }

    /// [`Engine::allocate_order`] with fair-share caps: at most
    /// `caps[product slot]` units of a product for the unit.
    fn allocate_capped(
        &mut self,
        tx: &mut Tx,
        order_id: &OrderId,
        caps: Option<&FxMap<usize, u64>>,
    ) {
        self.sourcing_units(order_id)
            .each(order_id, |members, group| {
                self.allocate_unit(tx, members, group, caps)
            });
    }

    /// Whether some order sourced with `order_id` has units on open pick tasks.
    pub(super) fn unit_in_picking(&self, order_id: &OrderId) -> bool {
        self.unit_orders(order_id)
            .iter()
            .any(|o| o.units_in_picking() > 0)
    }

    /// The orders sourced together with `order_id`: its merge group, or
    /// the order alone.
    pub(super) fn unit_orders(&self, order_id: &OrderId) -> Vec<&Order> {
        match self.orders.get(order_id) {
            Some(o) => match &o.merge_group {
                Some(ids) => ids.iter().filter_map(|id| self.orders.get(id)).collect(),
                None => vec![o],
            },
            None => Vec::new(),
        }
    }

    /// How an order is sourced: whole, per shipment group, or with its merge group.
    pub(super) fn sourcing_units(&self, order_id: &OrderId) -> Units {
        match self.orders.get(order_id) {
            None => Units::Unknown,
            Some(o) => match &o.merge_group {
                Some(members) => Units::Merged(members.clone()),
                None if o.shipment_groups.is_empty() => Units::One,
                None => Units::Groups(o.shipment_group_count()),
            },
        }
    }

    /// Plans one unit and records its allocations (one event per order).
    fn allocate_unit(
        &mut self,
        tx: &mut Tx,
        members: &[OrderId],
        group: Option<u32>,
        caps: Option<&FxMap<usize, u64>>,
    ) {
        self.note_sourced(tx, members);
        let mut scratch = std::mem::take(&mut self.sourcing_scratch);
        let mut planned = std::mem::take(&mut scratch.planned);
        let mode = PlanMode {
            caps,
            ..PlanMode::default()
        };
        self.plan_unit(members, group, mode, &mut scratch, &mut planned);
        self.sourcing_scratch = scratch;
        for kind in planned.drain(..) {
            self.emit(tx, kind);
        }
        self.sourcing_scratch.planned = planned;
    }

    /// For `reallocate` (and re-sourcing after a stock drop, a merge or a
    /// split): each unit of the order planned as if its own reservations
    /// were free, and recorded (releases, then allocations) when that
    /// differs from what it holds and reserves no fewer units. Returns
    /// whether anything moved.
    pub(super) fn reallocate_order(&mut self, tx: &mut Tx, order_id: &OrderId) -> bool {
        // Units on open pick tasks keep their reservations: only what is
        // missing is sourced.
        if self.unit_in_picking(order_id) {
            self.allocate_order(tx, order_id);
            return false;
        }
        let mut moved = false;
        self.sourcing_units(order_id)
            .each(order_id, |members, group| {
                moved |= self.reallocate_unit(tx, members, group)
            });
        moved
    }

    /// [`Engine::reallocate_order`] for one unit.
    fn reallocate_unit(&mut self, tx: &mut Tx, members: &[OrderId], group: Option<u32>) -> bool {
        self.note_sourced(tx, members);
        let mut scratch = std::mem::take(&mut self.sourcing_scratch);
        let mut planned = std::mem::take(&mut scratch.planned);
        let mode = PlanMode {
            whole: true,
            ..PlanMode::default()
        };
        self.plan_unit(members, group, mode, &mut scratch, &mut planned);
        self.sourcing_scratch = scratch;
        let key = |a: &LineAllocation| (a.line_id.clone(), a.location_id.clone(), a.quantity);
        let (mut before, mut after) = (Vec::new(), Vec::new());
        let mut old = Vec::new();
        for id in members {
            // Held orders of a merge group keep what they hold.
            let Some(order) = self.orders.get(id).filter(|o| o.is_releasable()) else {
                continue;
            };
            let held = unit_reservations(order, group);
            before.extend(held.iter().map(|a| (id.clone(), key(a))));
            old.push((id.clone(), held));
        }
        for kind in &planned {
            if let EventKind::OrderAllocated {
                order_id,
                allocations,
                ..
            } = kind
            {
                after.extend(allocations.iter().map(|a| (order_id.clone(), key(a))));
            }
        }
        let total =
            |v: &[(OrderId, (LineId, LocationId, u64))]| v.iter().map(|(_, k)| k.2).sum::<u64>();
        before.sort();
        after.sort();
        let moved = !planned.is_empty() && before != after && total(&after) >= total(&before);
        if moved {
            for (id, held) in old {
                if !held.is_empty() {
                    self.emit_release(tx, &id, held, ReleaseReason::Reallocate);
                }
            }
            for kind in planned.drain(..) {
                self.emit(tx, kind);
            }
        }
        planned.clear();
        self.sourcing_scratch.planned = planned;
        moved
    }

    /// Plans the allocation of one unit: the lines of `members` (of
    /// shipment group `group`, if given) sourced as one request. Pushes
    /// an `order_allocated` per order whose allocation would change onto
    /// `out`. With `whole`, plans every open unit as if the unit's own
    /// reservations were free; with `caps`, at most `caps[product slot]`
    /// units of a product.
    fn plan_unit(
        &self,
        members: &[OrderId],
        group: Option<u32>,
        mode: PlanMode<'_>,
        scratch: &mut SourcingScratch,
        out: &mut Vec<EventKind>,
    ) -> Option<Decimal> {
        let PlanMode {
            caps: fair_caps,
            whole,
            promised,
            keep,
        } = mode;
        let caps = fair_caps.or(keep);
        // Held or finished orders of a merge group wait; the others go on.
        let releasable = |id: &OrderId| self.orders.get(id).filter(|o| o.is_releasable());
        let single: [&Order; 1];
        let many: Vec<&Order>;
        let orders: &[&Order] = if let [id] = members {
            match releasable(id) {
                Some(o) => {
                    single = [o];
                    &single
                }
                None => return None,
            }
        } else {
            many = members.iter().filter_map(releasable).collect();
            &many
        };
        if orders.is_empty() {
            return None;
        }
        let in_unit = |o: &Order, i: usize| group.is_none_or(|g| o.shipment_group(i) == g);
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
            promise_bound,
            takes,
            planned: _,
        } = scratch;
        // Items: the distinct stockable products the open lines draw from.
        items.clear();
        lines.clear();
        parts.clear();
        line_of_need.clear();
        for (k, order) in orders.iter().enumerate() {
            for i in 0..order.lines.len() {
                let quantity = if whole {
                    order.sourceable(i)
                } else {
                    order.unallocated(i)
                };
                if quantity == 0 || !in_unit(order, i) {
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
                line_of_need.push((k, i));
            }
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
        let (candidates, excluded) = self.sourcing_candidates(orders, group, slots, whole);
        let n = candidates.len();
        available.clear();
        available.resize(items.len() * n, 0);
        for (item, &product) in items.iter().enumerate() {
            let entry = &self.products.by_slot[product];
            for (c, &slot) in slots.iter().enumerate() {
                available[item * n + c] = entry.cell(slot).map_or(0, StockCell::available);
            }
        }
        *promise_bound = false;
        if let Some(promised) = promised {
            // Plans of the batch not recorded yet. They bind when a
            // location is left with less of an item than the unit needs
            // (or with less at all, when stock balance is scored): only
            // then can the plan differ from one made without them.
            let balance = self
                .planner
                .rules()
                .contains(&sourcing::RuleName::StockBalance);
            for (item, &product) in items.iter().enumerate() {
                let need = if balance {
                    u64::MAX
                } else {
                    lines
                        .iter()
                        .flat_map(|l| {
                            parts[l.parts.clone()]
                                .iter()
                                .filter(|p| p.0 == item)
                                .map(|p| l.quantity.saturating_mul(p.1))
                        })
                        .fold(0u64, u64::saturating_add)
                };
                for &(slot, units) in promised.of(product) {
                    if let Some(c) = slots.iter().position(|&s| s == slot) {
                        let cell = &mut available[item * n + c];
                        let left = cell.saturating_sub(units);
                        *promise_bound |= left < *cell && left < need;
                        *cell = left;
                    }
                }
            }
        }
        if whole {
            // The unit's own reservations count as free for it.
            for &(k, i) in line_of_need.iter() {
                let order = orders[k];
                for a in order.lines[i].allocations.as_slice() {
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
        let request = sourcing::Request {
            lines,
            parts,
            item_weights_g: weights,
            candidates: &candidates,
            available,
            currency: self.planner.cost_currency(),
            item_caps: caps.map(|_| &item_caps[..]),
            split_penalty: self.planner.split_penalty(),
        };
        let mut explanation = self.planner.plan_in(&request, workspace);
        let cost = if promised.is_some() {
            // What the plan takes, for the batch to promise.
            takes.clear();
            for a in workspace.assignments() {
                let (k, i) = line_of_need[a.line];
                for (product, per) in orders[k].part_slots(i) {
                    takes.push((product, slots[a.candidate], a.quantity.saturating_mul(per)));
                }
            }
            self.planner.cost_of(&request, workspace)
        } else {
            None
        };

        if fair_caps.is_some() {
            let caps = &item_caps[..];
            let capped: Vec<String> = items
                .iter()
                .zip(caps)
                .filter(|(_, &cap)| cap != u64::MAX)
                .map(|(&p, cap)| format!("{} at most {cap}", self.products.by_slot[p].product.sku))
                .collect();
            if !capped.is_empty() {
                add_note(
                    &mut explanation,
                    format!("fair share under scarcity: {}.", capped.join(", ")),
                );
            }
        }
        if orders.len() > 1 {
            let ids: Vec<&str> = orders.iter().map(|o| o.order_id().as_str()).collect();
            add_note(
                &mut explanation,
                format!(
                    "orders {} were sourced together (merge_orders).",
                    ids.join(", ")
                ),
            );
        } else if let Some(g) = group {
            let order = orders[0];
            let ids: Vec<&str> = (0..order.lines.len())
                .filter(|&i| order.shipment_group(i) == g)
                .map(|i| order.placement.lines[i].line_id.as_str())
                .collect();
            add_note(
                &mut explanation,
                format!(
                    "shipment group {} of {} (lines {}) was sourced on its own (split_order).",
                    g + 1,
                    order.shipment_group_count(),
                    ids.join(", ")
                ),
            );
        }
        if !excluded.is_empty() {
            let mut all = excluded;
            all.append(&mut explanation.excluded);
            all.sort_by(|a, b| a.location_id.cmp(&b.location_id));
            explanation.excluded = all;
        }

        let line_id = |n: usize| {
            let (k, i) = line_of_need[n];
            orders[k].placement.lines[i].line_id.clone()
        };
        let mut explanation = Some(Box::new(explanation));
        for (k, order) in orders.iter().enumerate() {
            let allocations: Vec<LineAllocation> = workspace
                .assignments()
                .iter()
                .filter(|a| line_of_need[a.line].0 == k)
                .map(|a| LineAllocation {
                    line_id: line_id(a.line),
                    location_id: candidates[a.candidate].location_id.clone(),
                    quantity: a.quantity,
                })
                .collect();
            let mut backorders = Vec::new();
            let mut unchanged = allocations.is_empty();
            let mut needed = false;
            for (n, &(m, i)) in line_of_need.iter().enumerate() {
                if m != k {
                    continue;
                }
                needed = true;
                let left = workspace.left()[n];
                if left > 0 {
                    backorders.push(LineQuantity {
                        line_id: line_id(n),
                        quantity: left,
                    });
                }
                unchanged &= order.backordered(i) == left;
            }
            if !needed || (unchanged && order.allocation_attempted && !whole) {
                continue;
            }
            // One order takes the explanation; a merge group's each a copy.
            let explanation = if orders.len() == 1 {
                explanation.take()
            } else {
                explanation.clone()
            };
            out.push(EventKind::OrderAllocated {
                order_id: order.order_id().clone(),
                allocations,
                backorders,
                explanation,
            });
        }
        cost
    }

    /// The locations that may source an order (sorted by id, with their
    /// slots) and the fulfilling ones filtered out, with the reason.
    fn sourcing_candidates(
        &self,
        orders: &[&Order],
        group: Option<u32>,
        slots: &mut Vec<usize>,
        whole: bool,
    ) -> (Vec<Candidate<'_>>, Vec<sourcing::Exclusion>) {
        use sourcing::ExclusionReason as Why;
        let policy = &self.config.sourcing;
        // A merge group shares one address; the first order's stands for it.
        let order = orders[0];
        let ship_to = &order.placement.ship_to;
        let channel = self.channels.get(order.placement.channel.as_str());
        let serves_channels = |location: &str| {
            orders[1..].iter().all(|o| {
                self.channels
                    .get(o.placement.channel.as_str())
                    .is_none_or(|c| c.uses(location))
            })
        };
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
            } else if channel.is_some_and(|c| !c.uses(l.location_id.as_str()))
                || (orders.len() > 1 && !serves_channels(l.location_id.as_str()))
            {
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
            // Counts against `max_shipments`: the unit already ships from here.
            let in_use = !whole
                && orders.iter().any(|o| match group {
                    None => o
                        .lines
                        .iter()
                        .any(|line| line.allocations.at(&l.location_id) > 0),
                    Some(g) => o.lines.iter().enumerate().any(|(i, line)| {
                        o.shipment_group(i) == g && line.allocations.at(&l.location_id) > 0
                    }),
                });
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
            if self.planner.rules().first() == Some(&sourcing::RuleName::LowestCost)
                && queue.len() > 1
                && queue
                    .iter()
                    .all(|id| matches!(self.sourcing_units(id), Units::One))
            {
                self.allocate_batch_by_cost(tx, &queue);
                return;
            }
            for order_id in queue {
                self.allocate_order(tx, &order_id);
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
            let class = &queue[start..end];
            let caps = self.fair_shares(class);
            for (k, order_id) in class.iter().enumerate() {
                match self.sourcing_units(order_id) {
                    Units::Merged(members) => {
                        let caps = merged_caps(class, &caps, &members);
                        self.allocate_capped(tx, order_id, caps.as_ref());
                    }
                    _ => self.allocate_capped(tx, order_id, caps.get(k)),
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
                    o.lines[i].allocated_at(&location_id) > o.lines[i].picking.at(&location_id)
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
                // Units on an open pick task stay: the picker is on the way.
                let held = order.lines[i]
                    .allocated_at(&location_id)
                    .saturating_sub(order.lines[i].picking.at(&location_id));
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

/// How [`Engine::plan_unit`] plans.
#[derive(Debug, Clone, Copy, Default)]
struct PlanMode<'a> {
    /// Fair-share caps: at most `caps[product slot]` units of a product.
    caps: Option<&'a FxMap<usize, u64>>,
    /// Every open unit, as if the unit's own reservations were free.
    whole: bool,
    /// Units promised by plans of a batch not recorded yet, per (product
    /// slot, location slot): not available. With it, the plan's shipping
    /// cost is returned.
    promised: Option<&'a Promised>,
    /// At most `keep[product slot]` units of a product, like `caps` but
    /// not reported as a fair share: a batch re-planning an order keeps
    /// the units it was given.
    keep: Option<&'a FxMap<usize, u64>>,
}

/// What one sourcing decision covers, for an order.
pub(super) enum Units {
    /// The order's lines together.
    One,
    /// Each of the order's shipment groups on its own (`split_order`).
    Groups(u32),
    /// The lines of every order in its merge group together (`merge_orders`).
    Merged(Arc<[OrderId]>),
    /// No such order.
    Unknown,
}

impl Units {
    /// Calls `f` with the orders and shipment group of each unit of
    /// `order_id`, in order.
    fn each(&self, order_id: &OrderId, mut f: impl FnMut(&[OrderId], Option<u32>)) {
        let alone = std::slice::from_ref(order_id);
        match self {
            Units::One => f(alone, None),
            Units::Groups(n) => (0..*n).for_each(|g| f(alone, Some(g))),
            Units::Merged(members) => f(members, None),
            Units::Unknown => {}
        }
    }
}

/// The fair-share caps of a merge group: the sum of its orders' caps in
/// `class`; uncapped when some of its orders are outside the class (their
/// stock was not shared out with it).
fn merged_caps(
    class: &[OrderId],
    caps: &[FxMap<usize, u64>],
    members: &[OrderId],
) -> Option<FxMap<usize, u64>> {
    let mut sum: FxMap<usize, u64> = FxMap::default();
    for id in members {
        let k = class.iter().position(|c| c == id)?;
        for (&product, &cap) in caps.get(k)? {
            let s = sum.entry(product).or_default();
            *s = s.saturating_add(cap);
        }
    }
    Some(sum)
}

/// Appends a sentence to an explanation's note.
fn add_note(explanation: &mut sourcing::Explanation, text: String) {
    explanation.note = Some(match explanation.note.take() {
        Some(n) => format!("{text} {n}"),
        None => text,
    });
}

/// The reservations of an order's lines in shipment group `group` (all
/// lines when `None`).
pub(super) fn unit_reservations(order: &Order, group: Option<u32>) -> Vec<LineAllocation> {
    let mut held = reservations(order);
    if let Some(g) = group {
        held.retain(|a| {
            order
                .line_index(a.line_id.as_str())
                .is_some_and(|i| order.shipment_group(i) == g)
        });
    }
    held
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
/// [`Engine::allocate_unit`]); nothing in them outlives a call.
#[derive(Debug, Default)]
pub(super) struct SourcingScratch {
    items: Vec<usize>,
    lines: Vec<LineNeed>,
    parts: Vec<(usize, u64)>,
    line_of_need: Vec<(usize, usize)>,
    weights: Vec<u64>,
    slots: Vec<usize>,
    available: Vec<u64>,
    item_caps: Vec<u64>,
    workspace: sourcing::Workspace,
    /// Whether the last plan made with `promised` units (see [`PlanMode`])
    /// had less stock somewhere because of them; when not, the plan from
    /// the stock before the batch is the same.
    promise_bound: bool,
    /// Units the last plan made with `promised` units takes, per
    /// (product slot, location slot).
    takes: Vec<(usize, usize, u64)>,
    /// Events planned for one unit, before they are recorded.
    planned: Vec<EventKind>,
}

/// A clone starts empty: the buffers hold nothing worth copying.
impl Clone for SourcingScratch {
    fn clone(&self) -> Self {
        SourcingScratch::default()
    }
}
