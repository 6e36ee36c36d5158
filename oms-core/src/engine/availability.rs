//! `availability_changed`: what each defined channel may sell of a SKU,
//! reported at the end of every command that changed it.
//!
//! The figure before the command is taken the first time one of its events
//! touches a product, the figure after once at the end; nothing is cached
//! between commands, so replaying a log needs no extra state.

use super::*;

impl Engine {
    /// Before `kind` is folded: remembers the channel figures of each
    /// product it may change, unless this command already touched it.
    pub(super) fn note_availability(&self, tx: &mut Tx, kind: &EventKind) {
        let mut products = Vec::new();
        self.products_changed_by(kind, &mut products);
        // A component's change is also a change of every kit made of it.
        let kits: Vec<usize> = self
            .products
            .kit_slots
            .iter()
            .copied()
            .filter(|&k| {
                self.products.by_slot[k].product.components.iter().any(|c| {
                    self.products
                        .slot(&c.sku)
                        .is_some_and(|s| products.contains(&s))
                })
            })
            .collect();
        products.extend(kits);
        for p in products {
            if tx.availability.iter().any(|(q, _)| *q == p) {
                continue;
            }
            let before = self.channel_figures(p);
            tx.availability.push((p, before));
        }
    }

    /// At the end of a command: one `availability_changed` per product and
    /// channel whose figure differs from before, in first-touch order.
    pub(super) fn emit_availability_changes(&mut self, tx: &mut Tx) {
        for (p, before) in std::mem::take(&mut tx.availability) {
            let sku = self.products.by_slot[p].product.sku.clone();
            for (channel, available) in self.channel_figures(p) {
                let was = before.iter().find(|(c, _)| *c == channel).map(|b| b.1);
                if was != Some(available) {
                    self.events_applied += 1;
                    tx.events.push(Event {
                        schema_version: SCHEMA_VERSION,
                        at: tx.at,
                        idempotency: None,
                        kind: EventKind::AvailabilityChanged {
                            channel,
                            sku: sku.clone(),
                            available,
                        },
                    });
                }
            }
        }
    }

    /// Each defined channel's figure for product `p`, by channel.
    fn channel_figures(&self, p: usize) -> Vec<(Channel, u64)> {
        let sku = self.products.by_slot[p].product.sku.as_str();
        self.channels
            .keys()
            .map(|c| {
                (
                    c.clone(),
                    self.channel_available(c.as_str(), sku).unwrap_or(0),
                )
            })
            .collect()
    }

    /// The products whose availability `kind` may change (kits expanded to
    /// their components).
    fn products_changed_by(&self, kind: &EventKind, out: &mut Vec<usize>) {
        let add = |sku: &str, out: &mut Vec<usize>| {
            if let Some(slot) = self.products.slot(sku) {
                out.push(slot);
                for c in self.products.by_slot[slot].product.components.iter() {
                    if let Some(s) = self.products.slot(&c.sku) {
                        out.push(s);
                    }
                }
            }
        };
        match kind {
            EventKind::StockReceived { sku, .. }
            | EventKind::StockAdjusted { sku, .. }
            | EventKind::SafetyStockSet { sku, .. }
            | EventKind::StockRestocked { sku, .. } => add(sku.as_str(), out),
            EventKind::ProductDefined { product } => add(product.sku.as_str(), out),
            EventKind::OrderPlaced { order, .. } => {
                for line in &order.lines {
                    add(line.sku.as_str(), out);
                }
            }
            EventKind::StockHeld { hold } => add(hold.sku.as_str(), out),
            EventKind::StockHoldConverted { hold_id, .. }
            | EventKind::StockHoldReleased { hold_id, .. } => {
                if let Some(h) = self.stock_holds.get(hold_id) {
                    add(h.sku.as_str(), out);
                }
            }
            EventKind::OrderAllocated { order_id, .. }
            | EventKind::AllocationReleased { order_id, .. }
            | EventKind::OrderShipped { order_id, .. }
            | EventKind::OrderCancelled { order_id, .. }
            | EventKind::LineCancelled { order_id, .. } => {
                if let Some(o) = self.orders.get(order_id) {
                    for line in &o.placement.lines {
                        add(line.sku.as_str(), out);
                    }
                }
            }
            EventKind::LocationDefined { location } => {
                // Pausing or un-pausing changes every product stocked there.
                if let Some(slot) = self.locations.slot(location.location_id.as_str()) {
                    out.extend((0..self.products.by_slot.len()).filter(|&p| {
                        self.products.by_slot[p]
                            .cell(slot)
                            .is_some_and(|c| !c.is_empty())
                    }));
                }
            }
            EventKind::ChannelDefined { .. } => out.extend(0..self.products.by_slot.len()),
            // Dropship POs move units of open demand in and out of `dropship`.
            EventKind::PoCreated { po } if po.dropship.is_some() => {
                for l in &po.lines {
                    add(l.sku.as_str(), out);
                }
            }
            EventKind::PoCancelled { po_id, .. }
            | EventKind::PoRejected { po_id, .. }
            | EventKind::PoClosed { po_id, .. } => {
                if let Some(po) = self
                    .purchasing
                    .pos
                    .get(po_id)
                    .filter(|p| p.dropship.is_some())
                {
                    for l in &po.lines {
                        add(l.sku.as_str(), out);
                    }
                }
            }
            // Picking moves reservations between counters of a line; the
            // stock and reservation changes are events of their own.
            EventKind::LayoutSet { .. }
            | EventKind::BinDefined { .. }
            | EventKind::WaveReleased { .. }
            | EventKind::PickConfirmed { .. }
            | EventKind::PickScanRejected { .. }
            | EventKind::PickShorted { .. }
            | EventKind::TaskCompleted { .. }
            | EventKind::PaymentRecorded { .. }
            | EventKind::HoldPlaced { .. }
            | EventKind::HoldReleased { .. }
            | EventKind::ShipmentDelivered { .. }
            | EventKind::ShipmentStatusChanged { .. }
            | EventKind::OrderPacked { .. }
            | EventKind::ShipmentException { .. }
            | EventKind::SourcingPolicySet { .. }
            | EventKind::OrdersMerged { .. }
            | EventKind::OrdersUnmerged { .. }
            | EventKind::OrderSplit { .. }
            | EventKind::AvailabilityChanged { .. }
            | EventKind::OrderStatusChanged { .. }
            | EventKind::SupplierDefined { .. }
            | EventKind::SupplierItemSet { .. }
            | EventKind::PoCreated { .. }
            | EventKind::PoAmended { .. }
            | EventKind::PoSubmitted { .. }
            | EventKind::PoApproved { .. }
            | EventKind::PoSent { .. }
            | EventKind::PoReceived { .. }
            | EventKind::PoLate { .. }
            | EventKind::DropshipConfirmed { .. }
            | EventKind::ReplenishmentSet { .. }
            | EventKind::CrossDocked { .. }
            // Returns move stock only through `stock_restocked`.
            | EventKind::ReturnRequested { .. }
            | EventKind::ReturnAuthorized { .. }
            | EventKind::ReturnRejected { .. }
            | EventKind::ReturnShipped { .. }
            | EventKind::ReturnReceived { .. }
            | EventKind::ReturnInspected { .. }
            | EventKind::ReturnResolved { .. }
            | EventKind::ReturnClosed { .. }
            | EventKind::ReturnCancelled { .. } => {}
        }
        out.sort_unstable();
        out.dedup();
    }
}
