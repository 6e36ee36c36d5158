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

    /// Plans the allocation of an order's unallocated units; `None` when
    /// nothing would change.
    pub(super) fn plan_order_allocation(&self, order_id: &OrderId) -> Option<EventKind> {
        let order = self.orders.get(order_id)?;
        if !order.is_releasable() {
            return None;
        }
        // Items: distinct stockable SKUs the open lines need, with totals.
        let mut items: Vec<(usize, u64)> = Vec::with_capacity(order.lines.len());
        let mut open_lines = 0;
        for i in 0..order.lines.len() {
            let quantity = order.unallocated(i);
            if quantity == 0 {
                continue;
            }
            open_lines += 1;
            for (product, per) in order.part_slots(i) {
                let units = quantity.saturating_mul(per);
                match items.iter_mut().find(|(p, _)| *p == product) {
                    Some(item) => item.1 = item.1.saturating_add(units),
                    None => items.push((product, units)),
                }
            }
        }
        if open_lines == 0 {
            return None;
        }
        let candidates = self.candidates(&order.placement.ship_to);
        let available = |item: usize, c: usize| -> u64 {
            self.products.by_slot[items[item].0]
                .cell(candidates[c])
                .map_or(0, StockCell::available)
        };
        let location = |c: usize| self.locations.by_slot[candidates[c]].location_id.clone();

        // The common case: one location ships everything.
        let need = |item: usize| items[item].1;
        if let Some(c) = first_complete(items.len(), need, candidates.len(), available) {
            let allocations = (0..order.lines.len())
                .filter(|&i| order.unallocated(i) > 0)
                .map(|i| LineAllocation {
                    line_id: order.placement.lines[i].line_id.clone(),
                    location_id: location(c),
                    quantity: order.unallocated(i),
                })
                .collect();
            return Some(EventKind::OrderAllocated {
                order_id: order_id.clone(),
                allocations,
                backorders: Vec::new(),
            });
        }

        // Otherwise the general planner: split and backorder.
        let mut needs: Vec<LineNeed> = Vec::new();
        let mut line_of_need: Vec<usize> = Vec::new();
        for i in 0..order.lines.len() {
            let quantity = order.unallocated(i);
            if quantity == 0 {
                continue;
            }
            let parts = order
                .part_slots(i)
                .map(|(product, per)| {
                    (
                        items.iter().position(|(p, _)| *p == product).unwrap_or(0),
                        per,
                    )
                })
                .collect();
            needs.push(LineNeed { quantity, parts });
            line_of_need.push(i);
        }
        let matrix: Vec<Vec<u64>> = (0..items.len())
            .map(|item| (0..candidates.len()).map(|c| available(item, c)).collect())
            .collect();
        let plan = plan_allocation(&needs, &matrix);

        let mut allocations = Vec::with_capacity(plan.len());
        let mut left: Vec<u64> = needs.iter().map(|n| n.quantity).collect();
        for a in &plan {
            left[a.line] -= a.quantity;
            allocations.push(LineAllocation {
                line_id: order.placement.lines[line_of_need[a.line]].line_id.clone(),
                location_id: location(a.candidate),
                quantity: a.quantity,
            });
        }
        let mut backorders = Vec::new();
        let mut unchanged = allocations.is_empty();
        for (n, &i) in line_of_need.iter().enumerate() {
            if left[n] > 0 {
                backorders.push(LineQuantity {
                    line_id: order.placement.lines[i].line_id.clone(),
                    quantity: left[n],
                });
            }
            unchanged &= order.backordered(i) == left[n];
        }
        if unchanged && order.allocation_attempted {
            return None;
        }
        Some(EventKind::OrderAllocated {
            order_id: order_id.clone(),
            allocations,
            backorders,
        })
    }

    /// Slots of fulfilling locations in preference order: nearest to the
    /// ship-to first (when both have coordinates), then by id.
    pub(super) fn candidates(&self, ship_to: &Address) -> std::borrow::Cow<'_, [usize]> {
        let mut slots = std::borrow::Cow::Borrowed(self.locations.fulfilling.as_slice());
        if let (Some(a), Some(b)) = (ship_to.lat(), ship_to.lon()) {
            let distance = |slot: usize| {
                let l = &self.locations.by_slot[slot];
                match (l.lat, l.lon) {
                    (Some(x), Some(y)) => haversine_km(a, b, x, y),
                    _ => f64::INFINITY,
                }
            };
            // Stable sort keeps id order among equal (or unknown) distances.
            slots
                .to_mut()
                .sort_by(|&x, &y| distance(x).total_cmp(&distance(y)));
        }
        slots
    }
}
