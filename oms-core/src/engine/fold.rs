//! Folding events into state: the one path that changes the engine,
//! shared by `execute`, `apply` and `replay`.

use super::*;
use crate::order::TrackingStatus;
use crate::util::inserted;

impl Engine {
    /// Folds an event into the state. Events that `execute` returned always
    /// fit; an event that does not fit the current state (from a foreign or
    /// corrupted log) is skipped whole. Use [`Engine::try_apply`] to learn why.
    pub fn apply(&mut self, event: &Event) {
        let _ = self.try_apply(event);
    }

    /// Folds an event into the state, or explains why it does not fit
    /// (`conflict`) and changes nothing.
    pub fn try_apply(&mut self, event: &Event) -> Result<()> {
        if event.schema_version == 0 || event.schema_version > SCHEMA_VERSION {
            return Err(OmsError::conflict(format!(
                "event schema_version {} is not supported (this engine writes {SCHEMA_VERSION})",
                event.schema_version
            )));
        }
        self.fold(&event.kind, event.at, Origin::Log)?;
        if let Some(i) = &event.idempotency {
            self.idempotency.insert(i.key.clone(), i.fingerprint);
        }
        self.events_applied += 1;
        Ok(())
    }

    /// Rebuilds an engine from its event log.
    pub fn replay<I, E>(config: Config, events: I) -> Result<Engine>
    where
        I: IntoIterator<Item = E>,
        E: std::borrow::Borrow<Event>,
    {
        let mut engine = Engine::new(config);
        for (n, event) in events.into_iter().enumerate() {
            let event = event.borrow();
            engine.try_apply(event).map_err(|e| {
                OmsError::conflict(format!("event {n} ({}) does not fit: {e}", event.name()))
            })?;
        }
        Ok(engine)
    }

    /// Folds one event. Events from a log are checked against the state
    /// first; events `execute` just built from a validated command are not
    /// checked twice (the property tests fold every one of them again as
    /// `Log` and compare).
    pub(super) fn fold(
        &mut self,
        kind: &EventKind,
        at: DateTime<Utc>,
        origin: Origin,
    ) -> Result<()> {
        match kind {
            EventKind::LocationDefined { location } => {
                self.locations.upsert(location.clone());
                if !self.rates.is_empty() {
                    self.refresh_rates();
                }
            }
            EventKind::ProductDefined { product } => {
                for c in product.components.iter() {
                    if !self.products.contains_key(&c.sku) {
                        return Err(OmsError::not_found("product", &c.sku));
                    }
                }
                self.products.upsert(product.clone());
            }
            EventKind::StockReceived {
                sku,
                location_id,
                quantity,
                damaged,
                ..
            } => {
                if damaged > quantity {
                    return Err(OmsError::conflict(format!(
                        "{damaged} damaged of {quantity} received"
                    )));
                }
                let cell = self.cell_for_event(sku, location_id)?;
                cell.received = cell
                    .received
                    .checked_add(*quantity)
                    .ok_or_else(|| OmsError::conflict("received overflows"))?;
                cell.damaged = cell.damaged.saturating_add(*damaged);
            }
            EventKind::StockAdjusted {
                sku,
                location_id,
                delta,
                ..
            } => {
                let cell = self.cell_for_event(sku, location_id)?;
                let d = delta.unsigned_abs();
                if *delta >= 0 {
                    cell.adjusted_in = cell
                        .adjusted_in
                        .checked_add(d)
                        .ok_or_else(|| OmsError::conflict("adjustment overflows"))?;
                } else if d <= cell.unreserved() {
                    cell.adjusted_out = cell.adjusted_out.saturating_add(d);
                } else {
                    return Err(OmsError::conflict(format!(
                        "adjusting {sku} at {location_id} by {delta} drops on-hand below reserved"
                    )));
                }
            }
            EventKind::SafetyStockSet {
                sku,
                location_id,
                quantity,
            } => {
                self.cell_for_event(sku, location_id)?.safety_stock = *quantity;
            }
            EventKind::OrderPlaced {
                order,
                tier_from_rules,
                milestones,
            } => {
                self.fold_order_placed(order, at, origin)?;
                if *tier_from_rules || !milestones.is_empty() {
                    let o = self.order_mut(&order.order_id)?;
                    o.tier_from_rules = *tier_from_rules;
                    o.milestones = milestones.clone().into_boxed_slice();
                }
            }
            EventKind::PaymentRecorded {
                order_id,
                kind,
                amount,
                rma_id,
                ..
            } => {
                let o = self.order_mut(order_id)?;
                let p = &mut o.payments;
                let add = |v: &mut Decimal| -> Result<()> {
                    *v = v
                        .checked_add(amount.amount)
                        .ok_or_else(|| OmsError::conflict("payment total overflows"))?;
                    Ok(())
                };
                match kind {
                    PaymentKind::Authorized => add(&mut p.authorized)?,
                    PaymentKind::Captured => add(&mut p.captured)?,
                    PaymentKind::Refunded => add(&mut p.refunded)?,
                    PaymentKind::Failed => {}
                }
                p.last_failed = *kind == PaymentKind::Failed;
                if let Some(rma_id) = rma_id {
                    self.fold_rma_refund(rma_id, amount.amount)?;
                }
            }
            EventKind::HoldPlaced { order_id, hold, .. } => {
                let o = self.order_mut(order_id)?;
                if let Err(i) = o.holds.binary_search(hold) {
                    o.holds = inserted(&o.holds, i, hold.clone());
                }
            }
            EventKind::HoldReleased { order_id, hold, .. } => {
                let o = self.order_mut(order_id)?;
                o.holds = o.holds.iter().filter(|h| *h != hold).cloned().collect();
            }
            EventKind::OrderAllocated {
                order_id,
                allocations,
                ..
            } => self.fold_allocated(order_id, allocations, origin)?,
            EventKind::OrderShipped {
                order_id,
                shipment_id,
                location_id,
                carrier,
                service,
                tracking_number,
                lines,
                parcels,
                choice,
            } => {
                if origin == Origin::Log && self.shipments.contains_key(shipment_id) {
                    return Err(OmsError::duplicate(
                        "shipment",
                        shipment_id,
                        "already recorded",
                    ));
                }
                self.fold_shipped(order_id, location_id, lines, origin)?;
                let order = self.order_mut(order_id)?;
                order.shipments =
                    inserted(&order.shipments, order.shipments.len(), shipment_id.clone());
                self.shipments.insert(Shipment {
                    shipment_id: shipment_id.clone(),
                    order_id: order_id.clone(),
                    location_id: Some(location_id.clone()),
                    po_id: None,
                    carrier: carrier.clone(),
                    service: service.clone(),
                    tracking_number: tracking_number.clone(),
                    lines: lines.clone(),
                    shipped_at: at,
                    delivered_at: None,
                    tracking_status: None,
                    parcels: parcels.clone(),
                    choice: choice.clone(),
                });
            }
            EventKind::OrderPacked {
                order_id,
                location_id,
                parcels,
                choice,
                carrier,
            } => {
                let order = self.order_mut(order_id)?;
                order.packed = Some(Arc::new(crate::order::Packing {
                    location_id: location_id.clone(),
                    parcels: parcels.clone(),
                    choice: choice.clone(),
                    carrier: carrier.clone(),
                }));
            }
            EventKind::ShipmentStatusChanged {
                shipment_id, to, ..
            } => {
                let s = self
                    .shipments
                    .get_mut(shipment_id)
                    .ok_or_else(|| OmsError::not_found("shipment", shipment_id))?;
                s.tracking_status = Some(*to);
            }
            EventKind::ShipmentException { shipment_id, .. } => {
                if !self.shipments.contains_key(shipment_id) {
                    return Err(OmsError::not_found("shipment", shipment_id));
                }
            }
            EventKind::ShipmentDelivered { shipment_id, .. } => {
                let s = self
                    .shipments
                    .get(shipment_id)
                    .ok_or_else(|| OmsError::not_found("shipment", shipment_id))?;
                if s.delivered_at.is_some() {
                    return Err(OmsError::conflict(format!(
                        "shipment {shipment_id} is already delivered"
                    )));
                }
                let order = self
                    .orders
                    .get_mut(&s.order_id)
                    .ok_or_else(|| OmsError::not_found("order", &s.order_id))?;
                if let Some(l) = s
                    .lines
                    .iter()
                    .find(|l| order.line_index(l.line_id.as_str()).is_none())
                {
                    return Err(OmsError::not_found("order line", &l.line_id));
                }
                for l in s.lines.iter() {
                    if let Some(i) = order.line_index(l.line_id.as_str()) {
                        order.lines[i].delivered =
                            order.lines[i].delivered.saturating_add(l.quantity);
                    }
                }
                if let Some(s) = self.shipments.get_mut(shipment_id) {
                    s.delivered_at = Some(at);
                    s.tracking_status = Some(TrackingStatus::Delivered);
                }
            }
            EventKind::OrderCancelled {
                order_id, lines, ..
            } => {
                self.fold_cancelled(order_id, lines, origin)?;
            }
            EventKind::LineCancelled {
                order_id,
                cancellation,
                ..
            } => {
                self.fold_cancelled(order_id, std::slice::from_ref(cancellation), origin)?;
            }
            // Informational (the status is derived): folding it only counts
            // it, so a replay does not look the order up once per change.
            EventKind::AllocationReleased {
                order_id, releases, ..
            } => self.fold_released(order_id, releases, origin)?,
            EventKind::StockHeld { hold } => self.fold_stock_held(hold, origin)?,
            EventKind::StockHoldConverted {
                hold_id, order_id, ..
            } => {
                if origin == Origin::Log && !self.orders.contains_key(order_id) {
                    return Err(OmsError::not_found("order", order_id));
                }
                self.fold_hold_ended(hold_id)?;
            }
            EventKind::StockHoldReleased { hold_id, .. } => self.fold_hold_ended(hold_id)?,
            EventKind::ChannelDefined { channel } => {
                if origin == Origin::Log {
                    channel
                        .check()
                        .map_err(|e| OmsError::conflict(e.to_string()))?;
                    self.check_channel_locations(channel)
                        .map_err(|e| OmsError::conflict(e.to_string()))?;
                }
                self.channels
                    .insert(channel.channel.clone(), channel.clone());
            }
            EventKind::SourcingPolicySet { policy } => {
                if origin == Origin::Log {
                    policy
                        .check()
                        .map_err(|e| OmsError::conflict(e.to_string()))?;
                }
                self.config.sourcing = policy.clone();
                self.refresh_rates();
            }
            EventKind::OrdersMerged { order_ids, .. } => {
                if origin == Origin::Log {
                    self.check_orders_exist(order_ids)?;
                }
                let group: Arc<[OrderId]> = order_ids.iter().cloned().collect();
                for id in order_ids {
                    let o = self.order_mut(id)?;
                    o.merge_group = Some(group.clone());
                    o.version += 1;
                }
            }
            EventKind::OrdersUnmerged { order_ids, .. } => {
                if origin == Origin::Log {
                    self.check_orders_exist(order_ids)?;
                }
                for id in order_ids {
                    let o = self.order_mut(id)?;
                    o.merge_group = None;
                    o.version += 1;
                }
            }
            EventKind::OrderSplit { order_id, groups } => {
                let o = self.order_mut(order_id)?;
                let per_line =
                    shipment_groups_of(o, groups).map_err(|e| OmsError::conflict(e.to_string()))?;
                o.shipment_groups = per_line;
            }
            EventKind::OrderStatusChanged { .. } | EventKind::AvailabilityChanged { .. } => {
                return Ok(())
            }
            EventKind::SupplierDefined { .. }
            | EventKind::SupplierItemSet { .. }
            | EventKind::PoCreated { .. }
            | EventKind::PoAmended { .. }
            | EventKind::PoSubmitted { .. }
            | EventKind::PoApproved { .. }
            | EventKind::PoRejected { .. }
            | EventKind::PoSent { .. }
            | EventKind::PoReceived { .. }
            | EventKind::PoClosed { .. }
            | EventKind::PoCancelled { .. }
            | EventKind::PoLate { .. }
            | EventKind::ReplenishmentSet { .. }
            | EventKind::CrossDocked { .. } => {
                // A dropship PO's order changes first: its checks need the PO as it was.
                let order_id = self.fold_dropship_lines(kind, origin)?;
                self.fold_purchasing(kind, origin)?;
                if let Some(id) = order_id {
                    self.order_changed(&id, origin);
                }
                return Ok(());
            }
            EventKind::DropshipConfirmed { .. } => {
                self.fold_dropship_confirmed(kind, at, origin)?
            }
            EventKind::LayoutSet { .. }
            | EventKind::BinDefined { .. }
            | EventKind::WaveReleased { .. }
            | EventKind::PickScanRejected { .. }
            | EventKind::TaskCompleted { .. } => {
                // Their orders (if any) change inside: they name several.
                self.fold_picking(kind, at, origin)?;
                return Ok(());
            }
            EventKind::PickConfirmed { .. } | EventKind::PickShorted { .. } => {
                self.fold_picking(kind, at, origin)?
            }
            EventKind::ReturnRequested { .. }
            | EventKind::ReturnAuthorized { .. }
            | EventKind::ReturnRejected { .. }
            | EventKind::ReturnShipped { .. }
            | EventKind::ReturnReceived { .. }
            | EventKind::ReturnInspected { .. }
            | EventKind::ReturnResolved { .. }
            | EventKind::ReturnClosed { .. }
            | EventKind::ReturnCancelled { .. } => self.fold_return(kind, at, origin)?,
            EventKind::StockRestocked {
                sku,
                location_id,
                quantity,
                disposition,
                ..
            } => self.fold_restocked(sku, location_id, *quantity, *disposition)?,
        }
        if let Some(order_id) = kind.order_id() {
            self.order_changed(order_id, origin);
        }
        Ok(())
    }

    /// After an event changed an order: its version goes up, and from a
    /// log its derived state is refreshed (`execute` refreshes once per
    /// touched order at the end of a command; a log is folded one event
    /// at a time).
    pub(super) fn order_changed(&mut self, order_id: &OrderId, origin: Origin) {
        if let Some(order) = self.orders.get_mut(order_id) {
            order.version += 1;
        }
        if origin == Origin::Log {
            self.refresh_order(order_id);
        }
    }

    /// For a merge event from a log: every order named exists.
    fn check_orders_exist(&self, order_ids: &[OrderId]) -> Result<()> {
        match order_ids.iter().find(|id| !self.orders.contains_key(id)) {
            Some(id) => Err(OmsError::not_found("order", id)),
            None => Ok(()),
        }
    }

    pub(super) fn cell_for_event(
        &mut self,
        sku: &Sku,
        location_id: &LocationId,
    ) -> Result<&mut StockCell> {
        let slot = self
            .locations
            .slot(location_id.as_str())
            .ok_or_else(|| OmsError::not_found("location", location_id))?;
        let entry = self
            .products
            .get_mut(sku)
            .ok_or_else(|| OmsError::not_found("product", sku))?;
        Ok(entry.cell_mut(slot))
    }

    /// The stock cell of a product at a location, if it was ever touched.
    pub(super) fn cell<'a>(
        &self,
        entry: &'a ProductEntry,
        location: &str,
    ) -> Option<&'a StockCell> {
        self.locations.slot(location).and_then(|s| entry.cell(s))
    }

    pub(super) fn order_mut(&mut self, order_id: &OrderId) -> Result<&mut Order> {
        self.orders
            .get_mut(order_id)
            .ok_or_else(|| OmsError::not_found("order", order_id))
    }

    pub(super) fn intern(&mut self, s: &Arc<str>) -> Arc<str> {
        match self.names.get(s) {
            Some(shared) => shared.clone(),
            None => {
                self.names.insert(s.clone());
                s.clone()
            }
        }
    }

    /// The placement with its repeated strings shared: channel and line ids
    /// from the name pool (SKUs are the catalog's already). Customer ids
    /// are not pooled: there are about as many as orders, so the pool would
    /// grow with every new customer and save no memory, and looking them up
    /// in it cost a quarter of placing an order.
    pub(super) fn interned(&mut self, mut p: PlaceOrder) -> PlaceOrder {
        p.channel = Channel::from_arc(self.intern(p.channel.arc()));
        for l in &mut p.lines {
            l.line_id = LineId::from_arc(self.intern(l.line_id.arc()));
        }
        p.lines.shrink_to_fit();
        p
    }

    /// Brings an order's derived state up to date after it changed: its
    /// cached status and its place in the allocation queue. Returns the status.
    pub(super) fn refresh_order(&mut self, order_id: &OrderId) -> Option<OrderStatus> {
        let o = self.orders.get_mut(order_id)?;
        let status = o.status();
        o.cached_status = status;
        // Open unallocated units imply the order is not finished. The order
        // remembers whether it is queued, so the queue is touched only on change.
        let pending = o.is_pending();
        if pending != o.queued {
            o.queued = pending;
            let key = pending_key(o);
            if pending {
                self.pending.insert(key);
            } else {
                self.pending.remove(key);
            }
        }
        Some(status)
    }

    pub(super) fn fold_order_placed(
        &mut self,
        placement: &Arc<PlaceOrder>,
        at: DateTime<Utc>,
        origin: Origin,
    ) -> Result<()> {
        if origin == Origin::Log && self.orders.contains_key(&placement.order_id) {
            return Err(OmsError::duplicate(
                "order",
                &placement.order_id,
                "already placed",
            ));
        }
        // `execute` interns placements before recording them; a placement
        // read from a log is kept as it is (replay speed over a few bytes).
        let mut order = Order {
            placement: placement.clone(),
            placed_at: at,
            lines: vec![LineState::default(); placement.lines.len()].into_boxed_slice(),
            kits: Box::default(),
            allocation_attempted: false,
            holds: Box::default(),
            payments: PaymentTotals::default(),
            shipments: Box::default(),
            version: 0,
            shipment_groups: Box::default(),
            merge_group: None,
            packed: None,
            returns: Box::default(),
            tier_from_rules: false,
            milestones: Box::default(),
            queued: false,
            cached_status: OrderStatus::Ready,
        };
        self.link_products(&mut order, true)?;
        for (i, spec) in placement.lines.iter().enumerate() {
            for (slot, per) in order.part_slots(i) {
                let e = &mut self.products.by_slot[slot];
                e.demand = e.demand.saturating_add(spec.quantity.saturating_mul(per));
            }
        }
        // New (checked above for a log, validated for a command): this adds it.
        self.orders.insert(Box::new(order));
        Ok(())
    }

    /// Points an order's lines (and kit components) at their product slots.
    /// A new order takes its kits from the catalog; a restored one keeps
    /// the kits it was placed with.
    pub(super) fn link_products(&self, order: &mut Order, new: bool) -> Result<()> {
        let mut kits = Vec::new();
        for (i, l) in order.placement.lines.iter().enumerate() {
            let slot = self
                .products
                .slot(&l.sku)
                .ok_or_else(|| OmsError::not_found("product", &l.sku))?;
            order.lines[i].product = slot as u32;
            // Kit components are fixed when the order is placed; a snapshot keeps them.
            let components = match order.kits.iter().find(|k| k.line as usize == i) {
                Some(k) => k.components.clone(),
                None if new => self.products.by_slot[slot].product.components.clone(),
                None => continue,
            };
            if !components.is_empty() {
                let slots = components
                    .iter()
                    .map(|c| {
                        self.products
                            .slot(&c.sku)
                            .map(|s| s as u32)
                            .ok_or_else(|| OmsError::not_found("product", &c.sku))
                    })
                    .collect::<Result<Box<[u32]>>>()?;
                kits.push(KitLine {
                    line: i as u32,
                    components,
                    slots,
                });
            }
        }
        order.kits = kits.into_boxed_slice();
        Ok(())
    }

    /// The order and the ledger borrowed apart, so a fold can read the
    /// order while stock changes, without cloning ids.
    pub(super) fn order_and_ledger(
        &mut self,
        order_id: &OrderId,
    ) -> Result<(&mut Order, &mut ProductTable, &Sites)> {
        let Engine {
            orders,
            products,
            locations,
            ..
        } = self;
        let order = orders
            .get_mut(order_id)
            .ok_or_else(|| OmsError::not_found("order", order_id))?;
        Ok((order, products, locations))
    }

    /// Gives reservations back: the inverse of [`Engine::fold_allocated`].
    pub(super) fn fold_released(
        &mut self,
        order_id: &OrderId,
        releases: &[LineAllocation],
        origin: Origin,
    ) -> Result<()> {
        let (order, products, locations) = self.order_and_ledger(order_id)?;
        // Moving the order's reservations or units unpacks it.
        order.packed = None;
        if origin == Origin::Log {
            // Checked on a copy of the allocations, so that two releases of
            // one line and location cannot add up past what it holds.
            let mut held: Vec<(usize, &LocationId, u64)> = Vec::new();
            for r in releases {
                let i = order
                    .line_index(r.line_id.as_str())
                    .ok_or_else(|| OmsError::not_found("order line", &r.line_id))?;
                let so_far = held
                    .iter()
                    .filter(|(l, loc, _)| *l == i && *loc == &r.location_id)
                    .map(|e| e.2)
                    .sum::<u64>();
                if !locations.contains(r.location_id.as_str())
                    || so_far.saturating_add(r.quantity)
                        > order.lines[i].allocated_at(&r.location_id)
                {
                    return Err(OmsError::conflict(format!(
                        "line {} does not hold {} units at {}",
                        r.line_id, r.quantity, r.location_id
                    )));
                }
                held.push((i, &r.location_id, r.quantity));
            }
        }
        for r in releases {
            let (Some(i), Some(slot)) = (
                order.line_index(r.line_id.as_str()),
                locations.slot(r.location_id.as_str()),
            ) else {
                continue;
            };
            for (product, per) in order.part_slots(i) {
                let units = r.quantity.saturating_mul(per);
                let e = &mut products.by_slot[product];
                let cell = e.cell_mut(slot);
                cell.reserved = cell.reserved.saturating_sub(units);
                e.demand = e.demand.saturating_add(units);
            }
            let line = &mut order.lines[i];
            line.allocations.remove(&r.location_id, r.quantity);
            line.settle_picked(&r.location_id);
        }
        Ok(())
    }

    pub(super) fn fold_allocated(
        &mut self,
        order_id: &OrderId,
        allocations: &[LineAllocation],
        origin: Origin,
    ) -> Result<()> {
        let (order, products, locations) = self.order_and_ledger(order_id)?;
        // Moving the order's reservations or units unpacks it.
        order.packed = None;
        if origin == Origin::Log {
            check_allocation(order, products, locations, allocations)?;
        }
        for a in allocations {
            let (Some(i), Some(slot)) = (
                order.line_index(a.line_id.as_str()),
                locations.slot(a.location_id.as_str()),
            ) else {
                continue;
            };
            for (product, per) in order.part_slots(i) {
                let need = a.quantity.saturating_mul(per);
                let e = &mut products.by_slot[product];
                let cell = e.cell_mut(slot);
                cell.reserved = cell.reserved.saturating_add(need);
                e.demand = e.demand.saturating_sub(need);
            }
            order.lines[i].allocations.add(&a.location_id, a.quantity);
        }
        // From now on every open unit without a reservation is backordered.
        order.allocation_attempted = true;
        Ok(())
    }

    pub(super) fn fold_shipped(
        &mut self,
        order_id: &OrderId,
        location_id: &LocationId,
        lines: &[ShipLine],
        origin: Origin,
    ) -> Result<()> {
        let (order, products, locations) = self.order_and_ledger(order_id)?;
        // Moving the order's reservations or units unpacks it.
        order.packed = None;
        let slot = locations
            .slot(location_id.as_str())
            .ok_or_else(|| OmsError::not_found("location", location_id))?;
        if origin == Origin::Log {
            for (n, l) in lines.iter().enumerate() {
                let i = order
                    .line_index(l.line_id.as_str())
                    .ok_or_else(|| OmsError::not_found("order line", &l.line_id))?;
                if lines[..n].iter().any(|o| o.line_id == l.line_id)
                    || l.quantity > order.lines[i].allocated_at(location_id)
                {
                    return Err(OmsError::conflict(format!(
                        "shipping {} of line {} exceeds what is allocated at {location_id}",
                        l.quantity, l.line_id
                    )));
                }
            }
        }
        for l in lines {
            let Some(i) = order.line_index(l.line_id.as_str()) else {
                continue;
            };
            for (product, per) in order.part_slots(i) {
                let n = l.quantity.saturating_mul(per);
                let cell = products.by_slot[product].cell_mut(slot);
                cell.reserved = cell.reserved.saturating_sub(n);
                cell.shipped = cell.shipped.saturating_add(n);
            }
            let line = &mut order.lines[i];
            line.shipped = line.shipped.saturating_add(l.quantity);
            line.allocations.remove(location_id, l.quantity);
            // Picked units are the ones that ship.
            let picked = line.picked.at(location_id).min(l.quantity);
            line.picked.remove(location_id, picked);
        }
        Ok(())
    }

    pub(super) fn fold_cancelled(
        &mut self,
        order_id: &OrderId,
        lines: &[LineCancellation],
        origin: Origin,
    ) -> Result<()> {
        let (order, products, locations) = self.order_and_ledger(order_id)?;
        // Moving the order's reservations or units unpacks it.
        order.packed = None;
        if origin == Origin::Log {
            for (n, l) in lines.iter().enumerate() {
                let i = order
                    .line_index(l.line_id.as_str())
                    .ok_or_else(|| OmsError::not_found("order line", &l.line_id))?;
                let released = l
                    .released
                    .iter()
                    .fold(0u64, |t, r| t.saturating_add(r.quantity));
                let fits = l.quantity <= order.open(i)
                    && released <= l.quantity
                    && l.quantity - released <= order.unallocated(i)
                    && l.released.iter().all(|r| {
                        locations.contains(r.location_id.as_str())
                            && r.quantity <= order.lines[i].allocated_at(&r.location_id)
                    });
                if !fits || lines[..n].iter().any(|o| o.line_id == l.line_id) {
                    return Err(OmsError::conflict(format!(
                        "cancelling {} units of line {} does not fit its open units",
                        l.quantity, l.line_id
                    )));
                }
            }
        }
        for l in lines {
            let Some(i) = order.line_index(l.line_id.as_str()) else {
                continue;
            };
            let released = l
                .released
                .iter()
                .fold(0u64, |t, r| t.saturating_add(r.quantity));
            let unallocated = l.quantity.saturating_sub(released);
            for (product, per) in order.part_slots(i) {
                let e = &mut products.by_slot[product];
                for r in &l.released {
                    if let Some(slot) = locations.slot(r.location_id.as_str()) {
                        let cell = e.cell_mut(slot);
                        cell.reserved =
                            cell.reserved.saturating_sub(r.quantity.saturating_mul(per));
                    }
                }
                e.demand = e.demand.saturating_sub(unallocated.saturating_mul(per));
            }
            let line = &mut order.lines[i];
            line.cancelled = line.cancelled.saturating_add(l.quantity);
            for r in &l.released {
                line.allocations.remove(&r.location_id, r.quantity);
                line.settle_picked(&r.location_id);
            }
        }
        Ok(())
    }
}

/// Checks an allocation event from a log against the state: every line and
/// location exists, no line gets more than its unallocated units, and no
/// cell reserves more than it has unreserved.
fn check_allocation(
    order: &Order,
    products: &ProductTable,
    locations: &Sites,
    allocations: &[LineAllocation],
) -> Result<()> {
    let mut per_line: Vec<(usize, u64)> = Vec::with_capacity(allocations.len());
    let mut per_cell: Vec<(usize, usize, u64)> = Vec::with_capacity(allocations.len());
    for a in allocations {
        let i = order
            .line_index(a.line_id.as_str())
            .ok_or_else(|| OmsError::not_found("order line", &a.line_id))?;
        let slot = locations
            .slot(a.location_id.as_str())
            .ok_or_else(|| OmsError::not_found("location", &a.location_id))?;
        match per_line.iter_mut().find(|(l, _)| *l == i) {
            Some(p) => p.1 = p.1.saturating_add(a.quantity),
            None => per_line.push((i, a.quantity)),
        }
        for (product, per) in order.part_slots(i) {
            let need = a.quantity.saturating_mul(per);
            match per_cell
                .iter_mut()
                .find(|(p, l, _)| *p == product && *l == slot)
            {
                Some(p) => p.2 = p.2.saturating_add(need),
                None => per_cell.push((product, slot, need)),
            }
        }
    }
    for &(i, q) in &per_line {
        if q > order.unallocated(i) {
            return Err(OmsError::conflict(format!(
                "allocating {q} units of line {} exceeds its {} unallocated units",
                order.placement.lines[i].line_id,
                order.unallocated(i)
            )));
        }
    }
    for &(product, slot, need) in &per_cell {
        let e = &products.by_slot[product];
        let free = e.cell(slot).map_or(0, StockCell::unreserved);
        if need > free {
            return Err(OmsError::conflict(format!(
                "reserving {need} of {} at {} exceeds the {free} unreserved units",
                e.product.sku, locations.by_slot[slot].location_id
            )));
        }
    }
    Ok(())
}

/// The shipment group of each line of `order` for `groups` of line ids
/// (empty for a single group); a `validation` error unless every line is
/// in exactly one non-empty group.
pub(super) fn shipment_groups_of(order: &Order, groups: &[Vec<LineId>]) -> Result<Box<[u32]>> {
    if groups.is_empty() {
        return Err(OmsError::validation("groups", "give at least one group"));
    }
    let mut per_line = vec![u32::MAX; order.lines.len()];
    for (g, group) in groups.iter().enumerate() {
        if group.is_empty() {
            return Err(OmsError::validation(
                "groups",
                format!("group {} is empty", g + 1),
            ));
        }
        for line_id in group {
            let i = order.line_index(line_id.as_str()).ok_or_else(|| {
                OmsError::validation("groups", format!("the order has no line {line_id}"))
            })?;
            if per_line[i] != u32::MAX {
                return Err(OmsError::validation(
                    "groups",
                    format!("line {line_id} is in more than one group"),
                ));
            }
            per_line[i] = g as u32;
        }
    }
    if let Some(i) = per_line.iter().position(|&g| g == u32::MAX) {
        return Err(OmsError::validation(
            "groups",
            format!(
                "line {} is in no group; every line must be in one",
                order.placement.lines[i].line_id
            ),
        ));
    }
    if groups.len() == 1 {
        return Ok(Box::default());
    }
    Ok(per_line.into_boxed_slice())
}
