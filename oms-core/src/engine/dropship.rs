//! Dropship in the engine. When allocation leaves units of an order line
//! unreserved (no location can ship them, or the product is
//! `dropship_only` and no location holds any), and a supplier item with
//! `dropship` set sells the SKU, the units go to a dropship PO: one per
//! supplier and order, shipping to the order's `ship_to`, each PO line
//! linked to its order line. The order counts those units `dropship`
//! (sourced, not backordered). `confirm_dropship` ships them without
//! stock; `cancel_po`, `reject_po` or `close_po` hand the open ones back
//! to the order as unallocated. The PO itself follows the usual lifecycle
//! ([`crate::purchasing::PO_TRANSITIONS`]).

use chrono::Days;

use super::purchasing::arriving_line;
use super::*;
use crate::ids::{PoId, ShipmentId, SupplierId};
use crate::purchasing::{Dropship, PoLine, PoStatus, PurchaseOrder, SupplierItem};

impl Engine {
    /// Remembers that allocation planned `orders` in this command, for the
    /// dropship pass (only while some supplier item is a dropship one).
    pub(super) fn note_sourced(&self, tx: &mut Tx, orders: &[OrderId]) {
        if !self.purchasing.dropship_items.is_empty() {
            tx.sourced.extend(orders.iter().cloned());
        }
    }

    /// The dropship pass, last in every command that allocated: each
    /// planned order, in the order allocation took them, gets its dropship
    /// POs (created, then submitted: approved at once within
    /// `po_approval_threshold`).
    pub(super) fn dropship_sourced(&mut self, tx: &mut Tx) {
        if tx.sourced.is_empty() {
            return;
        }
        let sourced = std::mem::take(&mut tx.sourced);
        let mut seen = FxSet::default();
        for order_id in sourced {
            if !seen.insert(order_id.clone()) {
                continue;
            }
            for po in self.dropship_plan(&order_id, tx.at) {
                let po_id = po.po_id.clone();
                let Ok(totals) = po.totals() else {
                    continue;
                };
                let total = totals.ordered;
                self.emit(tx, EventKind::PoCreated { po });
                let needs_approval = self.needs_approval(&total);
                self.emit(
                    tx,
                    EventKind::PoSubmitted {
                        po_id: po_id.clone(),
                        total,
                        needs_approval,
                    },
                );
                if !needs_approval {
                    self.emit(
                        tx,
                        EventKind::PoApproved {
                            po_id,
                            approved_by: None,
                        },
                    );
                }
            }
        }
    }

    /// The dropship POs for an order's unallocated units, one per supplier
    /// (by supplier id); none while the order is held or over.
    fn dropship_plan(&self, order_id: &OrderId, at: DateTime<Utc>) -> Vec<PurchaseOrder> {
        let Some(order) = self.orders.get(order_id) else {
            return Vec::new();
        };
        if !order.is_releasable() {
            return Vec::new();
        }
        let mut by_supplier: BTreeMap<&SupplierId, Vec<PoLine>> = BTreeMap::new();
        for (i, spec) in order.placement.lines.iter().enumerate() {
            let units = order.unallocated(i);
            // Kit lines are sourced by their components, which stock serves.
            if units == 0 || !order.components(i).is_empty() {
                continue;
            }
            let Some((item, days)) = self.dropship_item(&spec.sku, units, order.currency()) else {
                continue;
            };
            let Some(expected_date) = at.date_naive().checked_add_days(Days::new(days.into()))
            else {
                continue;
            };
            by_supplier
                .entry(&item.supplier_id)
                .or_default()
                .push(PoLine {
                    line_id: spec.line_id.clone(),
                    sku: spec.sku.clone(),
                    quantity: units,
                    unit_cost: item.unit_cost_for(units),
                    expected_date,
                    received: 0,
                    damaged: 0,
                    cancelled: 0,
                    order_line_id: Some(spec.line_id.clone()),
                });
        }
        let mut n = 0;
        let mut pos = Vec::with_capacity(by_supplier.len());
        for (supplier_id, lines) in by_supplier {
            let Some(supplier) = self.purchasing.suppliers.get(supplier_id) else {
                continue;
            };
            let po_id = loop {
                n += 1;
                let id = PoId::new(format!(
                    "{}{}-{n}",
                    self.config.dropship_po_prefix, order_id
                ));
                if !self.purchasing.pos.contains_key(&id) {
                    break id;
                }
            };
            pos.push(PurchaseOrder {
                po_id,
                supplier_id: supplier_id.clone(),
                location_id: None,
                dropship: Some(Dropship {
                    order_id: order_id.clone(),
                    ship_to: order.placement.ship_to.clone(),
                }),
                currency: supplier.currency,
                status: PoStatus::Draft,
                lines,
                billing: None,
                notes: None,
                receipts: Vec::new(),
                shipments: Vec::new(),
                reported_late: false,
            });
        }
        pos
    }

    /// The supplier item that dropships `units` of `sku` for an order in
    /// `currency`, with its lead time: suppliers in the order's currency
    /// first, then the lowest unit cost for that quantity, the shortest
    /// lead time, the supplier id.
    fn dropship_item(
        &self,
        sku: &Sku,
        units: u64,
        currency: Currency,
    ) -> Option<(&SupplierItem, u32)> {
        let from = (sku.clone(), SupplierId::new(""));
        self.purchasing
            .dropship_items
            .range(from..)
            .take_while(|(s, _)| s == sku)
            .filter_map(|(_, supplier_id)| {
                let supplier = self.purchasing.suppliers.get(supplier_id)?;
                let item = self
                    .purchasing
                    .items
                    .get(&(supplier_id.clone(), sku.clone()))?;
                let days = item.lead_time_days.unwrap_or(supplier.lead_time_days);
                let cost = item.unit_cost_for(units).amount;
                Some((
                    (supplier.currency != currency, cost, days, supplier_id),
                    item,
                ))
            })
            .min_by(|a, b| a.0.cmp(&b.0))
            .map(|((_, _, days, _), item)| (item, days))
    }

    pub(super) fn confirm_dropship(&mut self, c: ConfirmDropship, tx: &mut Tx) -> Result<()> {
        let po = self.po(&c.po_id)?;
        let Some(dropship) = &po.dropship else {
            return Err(OmsError::validation(
                "po_id",
                format!(
                    "{} is not a dropship PO; goods for a location arrive with receive_po",
                    c.po_id
                ),
            ));
        };
        if !po.status.is_incoming() {
            // Names the move a confirmation would make.
            po.status.check_transition(
                PoStatus::PartiallyReceived,
                "confirm_dropship",
                &c.po_id,
            )?;
        }
        check_text("carrier", &c.carrier, MAX_NAME)?;
        check_text("tracking_number", &c.tracking_number, MAX_NAME)?;
        if let Some(s) = &c.service {
            check_text("service", s, MAX_NAME)?;
        }
        if c.lines.is_empty() || c.lines.len() > MAX_LINES {
            return Err(OmsError::validation(
                "lines",
                format!("a shipment has 1 to {MAX_LINES} lines"),
            ));
        }
        let shipment_id = match &c.shipment_id {
            Some(id) => {
                check_id("shipment_id", id.as_str())?;
                id.clone()
            }
            None => ShipmentId::new(format!("{}-{}", c.po_id, po.shipments.len() + 1)),
        };
        if self.shipments.contains_key(&shipment_id) {
            return Err(OmsError::duplicate(
                "shipment",
                &shipment_id,
                "already recorded",
            ));
        }
        let mut after = po.clone();
        for (i, s) in c.lines.iter().enumerate() {
            let earlier = c.lines[..i].iter().map(|o| &o.line_id);
            let line = arriving_line(&mut after, &s.line_id, s.quantity, earlier, i)?;
            if s.quantity > line.open() {
                return Err(OmsError::validation(
                    format!("lines[{i}].quantity"),
                    format!(
                        "line {} has {} units open; {} cannot ship",
                        line.line_id,
                        line.open(),
                        s.quantity
                    ),
                ));
            }
            line.received += s.quantity;
        }
        let status = if after.nothing_open() {
            PoStatus::Received
        } else {
            PoStatus::PartiallyReceived
        };
        if status != po.status {
            po.status
                .check_transition(status, "confirm_dropship", &c.po_id)?;
        }
        let order_id = dropship.order_id.clone();
        self.emit(
            tx,
            EventKind::DropshipConfirmed {
                po_id: c.po_id,
                order_id,
                shipment_id,
                carrier: c.carrier,
                service: c.service,
                tracking_number: c.tracking_number,
                lines: c.lines,
                status,
            },
        );
        Ok(())
    }

    /// Folds `dropship_confirmed`: the PO's lines count the units
    /// received, the order's lines shipped, and the shipment is recorded.
    pub(super) fn fold_dropship_confirmed(
        &mut self,
        kind: &EventKind,
        at: DateTime<Utc>,
        origin: Origin,
    ) -> Result<()> {
        let EventKind::DropshipConfirmed {
            po_id,
            order_id,
            shipment_id,
            carrier,
            service,
            tracking_number,
            lines,
            status,
        } = kind
        else {
            return Ok(());
        };
        if origin == Origin::Log {
            let po = self
                .purchasing
                .pos
                .get(po_id)
                .ok_or_else(|| OmsError::not_found("purchase order", po_id))?;
            let order = self
                .orders
                .get(order_id)
                .ok_or_else(|| OmsError::not_found("order", order_id))?;
            let fits = po
                .dropship
                .as_ref()
                .is_some_and(|d| &d.order_id == order_id)
                && (po.status == *status || po.status.can_become(*status))
                && !self.shipments.contains_key(shipment_id)
                && lines.iter().enumerate().all(|(n, s)| {
                    let on_po = po
                        .line(s.line_id.as_str())
                        .is_some_and(|l| s.quantity <= l.open());
                    let on_order = order
                        .line_index(s.line_id.as_str())
                        .is_some_and(|i| s.quantity <= order.lines[i].dropship);
                    on_po && on_order && !lines[..n].iter().any(|o| o.line_id == s.line_id)
                });
            if !fits {
                return Err(OmsError::conflict(format!(
                    "dropship confirmation {shipment_id} does not fit PO {po_id} and order {order_id}"
                )));
            }
        }
        self.purchasing.update(po_id, |po| {
            for s in lines.iter() {
                if let Some(l) = po.lines.iter_mut().find(|l| l.line_id == s.line_id) {
                    l.received = l.received.saturating_add(s.quantity);
                }
            }
            po.shipments.push(shipment_id.clone());
            po.status = *status;
            Ok(())
        })?;
        let order = self.order_mut(order_id)?;
        for s in lines.iter() {
            if let Some(i) = order.line_index(s.line_id.as_str()) {
                let line = &mut order.lines[i];
                line.dropship = line.dropship.saturating_sub(s.quantity);
                line.shipped = line.shipped.saturating_add(s.quantity);
            }
        }
        order.shipments =
            crate::util::inserted(&order.shipments, order.shipments.len(), shipment_id.clone());
        self.shipments.insert(Shipment {
            shipment_id: shipment_id.clone(),
            order_id: order_id.clone(),
            location_id: None,
            po_id: Some(po_id.clone()),
            carrier: carrier.clone(),
            service: service.clone(),
            tracking_number: Some(tracking_number.clone()),
            lines: lines.clone(),
            shipped_at: at,
            delivered_at: None,
            tracking_status: None,
            parcels: Vec::new(),
            choice: None,
        });
        Ok(())
    }

    /// The order-side half of a purchasing event about a dropship PO,
    /// folded before the PO changes: `po_created` gives the order's lines
    /// their `dropship` units; `po_cancelled`, `po_rejected` and
    /// `po_closed` hand the PO's open units back as unallocated. Returns
    /// the order touched.
    pub(super) fn fold_dropship_lines(
        &mut self,
        kind: &EventKind,
        origin: Origin,
    ) -> Result<Option<OrderId>> {
        let (po, sign, to) = match kind {
            EventKind::PoCreated { po } if po.dropship.is_some() => {
                if origin == Origin::Log && self.purchasing.pos.contains_key(&po.po_id) {
                    return Err(OmsError::duplicate(
                        "purchase order",
                        &po.po_id,
                        "already exists",
                    ));
                }
                (po, true, None)
            }
            EventKind::PoCancelled { po_id, .. } => match self.dropship_po(po_id) {
                Some(po) => (po, false, Some(PoStatus::Cancelled)),
                None => return Ok(None),
            },
            EventKind::PoRejected { po_id, .. } => match self.dropship_po(po_id) {
                Some(po) => (po, false, Some(PoStatus::Rejected)),
                None => return Ok(None),
            },
            EventKind::PoClosed { po_id, .. } => match self.dropship_po(po_id) {
                Some(po) => (po, false, Some(PoStatus::Closed)),
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        let Some(dropship) = &po.dropship else {
            return Ok(None);
        };
        let order_id = dropship.order_id.clone();
        // Units per order line: open ones, all of them still with the order.
        let mut moves: Vec<(LineId, u64)> = Vec::with_capacity(po.lines.len());
        for l in &po.lines {
            if let Some(line) = &l.order_line_id {
                moves.push((line.clone(), l.open()));
            }
        }
        if origin == Origin::Log {
            let order = self
                .orders
                .get(&order_id)
                .ok_or_else(|| OmsError::not_found("order", &order_id))?;
            let fits = to.is_none_or(|to| po.status.can_become(to))
                && moves.iter().enumerate().all(|(n, (line, units))| {
                    let fits = order.line_index(line.as_str()).is_some_and(|i| {
                        if sign {
                            *units <= order.unallocated(i) && order.components(i).is_empty()
                        } else {
                            *units <= order.lines[i].dropship
                        }
                    });
                    fits && !moves[..n].iter().any(|(o, _)| o == line)
                });
            if !fits {
                return Err(OmsError::conflict(format!(
                    "dropship PO {} does not fit order {order_id}",
                    po.po_id
                )));
            }
        }
        let (order, products, _) = self.order_and_ledger(&order_id)?;
        for (line, units) in moves {
            let Some(i) = order.line_index(line.as_str()) else {
                continue;
            };
            let e = &mut products.by_slot[order.lines[i].product as usize];
            let l = &mut order.lines[i];
            if sign {
                l.dropship = l.dropship.saturating_add(units);
                e.demand = e.demand.saturating_sub(units);
            } else {
                l.dropship = l.dropship.saturating_sub(units);
                e.demand = e.demand.saturating_add(units);
            }
        }
        Ok(Some(order_id))
    }

    /// Notes the order a dropship PO serves as changed by this command
    /// (a no-op for other POs).
    pub(super) fn touch_dropship_order(&self, tx: &mut Tx, po_id: &PoId) {
        if let Some(d) = self.dropship_po(po_id).and_then(|po| po.dropship.as_ref()) {
            self.touch(tx, &d.order_id);
        }
    }

    /// Checks that every order line's `dropship` units are the open units
    /// of the open dropship POs linked to it, and that those POs' lines
    /// name lines of their order.
    pub(super) fn check_dropship(&self) -> std::result::Result<(), String> {
        let mut linked: BTreeMap<(&OrderId, &LineId), u64> = BTreeMap::new();
        for po in self.purchasing.pos.values() {
            let Some(d) = &po.dropship else {
                continue;
            };
            let order = self.orders.get(&d.order_id).ok_or_else(|| {
                format!(
                    "dropship PO {} serves unknown order {}",
                    po.po_id, d.order_id
                )
            })?;
            for l in &po.lines {
                let line = l
                    .order_line_id
                    .as_ref()
                    .filter(|id| order.line_index(id.as_str()).is_some())
                    .ok_or_else(|| {
                        format!(
                            "dropship PO {} line {} names no order line",
                            po.po_id, l.line_id
                        )
                    })?;
                if po.status.is_open() {
                    *linked.entry((&d.order_id, line)).or_default() += l.open();
                }
            }
        }
        for o in self.orders.values() {
            for (spec, line) in o.placement.lines.iter().zip(o.lines.iter()) {
                let expect = linked
                    .get(&(o.order_id(), &spec.line_id))
                    .copied()
                    .unwrap_or(0);
                if line.dropship != expect {
                    return Err(format!(
                        "order {} line {}: {} dropship units but its open dropship PO lines hold {expect}",
                        o.order_id(),
                        spec.line_id,
                        line.dropship
                    ));
                }
            }
        }
        Ok(())
    }

    /// The PO `po_id` if it is a dropship PO.
    fn dropship_po(&self, po_id: &PoId) -> Option<&PurchaseOrder> {
        self.purchasing
            .pos
            .get(po_id)
            .filter(|po| po.dropship.is_some())
    }

    /// The error for a cancellation that would take units a dropship
    /// supplier holds: the supplier must be told, so the shop cancels or
    /// closes the PO first (which hands the units back to the order).
    pub(super) fn dropship_units_error(&self, order: &Order, command: &str) -> OmsError {
        let order_id = order.order_id();
        let pos: Vec<&str> = self
            .purchasing
            .pos
            .values()
            .filter(|po| {
                po.status.is_open()
                    && po
                        .dropship
                        .as_ref()
                        .is_some_and(|d| &d.order_id == order_id)
            })
            .map(|po| po.po_id.as_str())
            .collect();
        OmsError::transition(
            "order",
            order_id,
            order.status(),
            format!(
                "{command}: units are on dropship PO {}; cancel_po or close_po it first",
                pos.join(", ")
            ),
        )
    }
}
