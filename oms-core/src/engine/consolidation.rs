//! Order consolidation: merging orders of one customer to one address
//! into a shipment group (`merge_orders`, undone by `unmerge_orders`) and
//! splitting an order into shipment groups (`split_order`). Both change
//! what allocation sources as one unit (see [`Engine::sourcing_units`]);
//! both are allowed until a unit ships.

use super::fold::shipment_groups_of;
use super::*;

impl Engine {
    /// An order whose grouping may still change: its status allows
    /// [`OrderAction::Consolidate`] and no unit of it shipped.
    fn order_to_regroup(&self, order_id: &OrderId) -> Result<&Order> {
        let order = self.order_for(order_id, OrderAction::Consolidate)?;
        if order.has_shipped() {
            return Err(OmsError::transition(
                "order",
                order_id,
                order.cached_status,
                "units of the order have shipped; its grouping can no longer change",
            ));
        }
        Ok(order)
    }

    pub(super) fn merge_orders(&mut self, c: MergeOrders, tx: &mut Tx) -> Result<()> {
        // The named orders and every order of the groups they are in.
        let mut ids: Vec<OrderId> = Vec::new();
        let mut groups: Vec<OrderId> = Vec::new();
        for id in &c.order_ids {
            let order = self.order_to_regroup(id)?;
            let group = match &order.merge_group {
                Some(g) => g.to_vec(),
                None => vec![order.order_id().clone()],
            };
            if !groups.contains(&group[0]) {
                groups.push(group[0].clone());
            }
            for member in group {
                if !ids.contains(&member) {
                    ids.push(member);
                }
            }
        }
        let mut orders: Vec<&Order> = Vec::with_capacity(ids.len());
        for id in &ids {
            let order = self.order_to_regroup(id)?;
            if !order.shipment_groups.is_empty() {
                return Err(OmsError::validation(
                    "order_ids",
                    format!(
                        "order {id} is split into shipment groups; give it one group \
                         (split_order) before merging it"
                    ),
                ));
            }
            orders.push(order);
        }
        if groups.len() < 2 {
            return Err(OmsError::validation(
                "order_ids",
                "name at least two orders that are not already merged together",
            ));
        }
        let first = orders[0];
        let address = first.placement.ship_to.normalized();
        for o in &orders[1..] {
            if o.placement.customer_id != first.placement.customer_id {
                return Err(OmsError::validation(
                    "order_ids",
                    format!(
                        "orders {} and {} belong to different customers ({} and {})",
                        first.order_id(),
                        o.order_id(),
                        first.placement.customer_id,
                        o.placement.customer_id
                    ),
                ));
            }
            if o.placement.ship_to.normalized() != address {
                return Err(OmsError::validation(
                    "order_ids",
                    format!(
                        "orders {} and {} ship to different addresses",
                        first.order_id(),
                        o.order_id()
                    ),
                ));
            }
        }
        // The group's name first, then the others in placement order.
        orders.sort_by(|a, b| (a.placed_at, a.order_id()).cmp(&(b.placed_at, b.order_id())));
        let into = match &c.into_order_id {
            Some(into) => orders
                .iter()
                .position(|o| o.order_id() == into)
                .ok_or_else(|| {
                    OmsError::validation(
                        "into_order_id",
                        format!("{into} is not one of the orders being merged"),
                    )
                })?,
            None => 0,
        };
        let lead = orders.remove(into);
        orders.insert(0, lead);
        let order_ids: Vec<OrderId> = orders.iter().map(|o| o.order_id().clone()).collect();
        let into_order_id = order_ids[0].clone();
        self.emit(
            tx,
            EventKind::OrdersMerged {
                into_order_id,
                order_ids: order_ids.clone(),
            },
        );
        self.regroup_reservations(tx, &order_ids[0]);
        Ok(())
    }

    pub(super) fn unmerge_orders(&mut self, c: UnmergeOrders, tx: &mut Tx) -> Result<()> {
        let order = self.order_to_regroup(&c.order_id)?;
        let Some(group) = order.merge_group.clone() else {
            return Err(OmsError::validation(
                "order_id",
                format!("order {} is not merged with other orders", c.order_id),
            ));
        };
        for id in group.iter() {
            if self.orders.get(id).is_some_and(Order::has_shipped) {
                return Err(OmsError::transition(
                    "order",
                    id,
                    self.orders
                        .get(id)
                        .map_or(OrderStatus::Shipped, |o| o.cached_status),
                    "units of the merge group have shipped; it can no longer be dissolved",
                ));
            }
        }
        self.emit(
            tx,
            EventKind::OrdersUnmerged {
                into_order_id: group[0].clone(),
                order_ids: group.to_vec(),
            },
        );
        Ok(())
    }

    pub(super) fn split_order(&mut self, c: SplitOrder, tx: &mut Tx) -> Result<()> {
        let order = self.order_to_regroup(&c.order_id)?;
        if let Some(group) = &order.merge_group {
            return Err(OmsError::validation(
                "order_id",
                format!(
                    "order {} is merged into {}; unmerge it (unmerge_orders) before splitting it",
                    c.order_id, group[0]
                ),
            ));
        }
        let per_line = shipment_groups_of(order, &c.groups)?;
        if per_line == order.shipment_groups {
            return Ok(());
        }
        let order_id = order.order_id().clone();
        self.emit(
            tx,
            EventKind::OrderSplit {
                order_id: order_id.clone(),
                groups: c.groups,
            },
        );
        self.regroup_reservations(tx, &order_id);
        Ok(())
    }

    /// After a merge or split: re-plans the reservations of the order's
    /// units for the new grouping, then (with `auto_allocate`) allocates
    /// what is still open.
    fn regroup_reservations(&mut self, tx: &mut Tx, order_id: &OrderId) {
        let holds = |o: &&Order| o.lines.iter().any(|l| !l.allocations.is_empty());
        if self.unit_orders(order_id).iter().any(holds) {
            self.reallocate_and_refill(tx, order_id);
        }
        if self.config.auto_allocate
            && self
                .unit_orders(order_id)
                .iter()
                .any(|o| o.is_releasable() && o.has_unallocated())
        {
            self.allocate_order(tx, order_id);
        }
    }
}
