//! Command handlers: validate completely, then record events.

use super::*;
use crate::order::TrackingStatus;

impl Engine {
    pub(super) fn define_location(&mut self, c: DefineLocation, tx: &mut Tx) -> Result<()> {
        check_id("location_id", c.location_id.as_str())?;
        check_text("name", &c.name, MAX_NAME)?;
        check_coordinates("", c.lat, c.lon)?;
        if let Some(country) = &c.country {
            check_country("country", country)?;
        }
        if let Some(p) = &c.postal_code {
            check_text("postal_code", p, 32)?;
        }
        if let Some(list) = &c.ships_to {
            for (i, d) in list.iter().enumerate() {
                let field = format!("ships_to[{i}]");
                match d.split_once('-') {
                    None => check_country(&field, d)?,
                    Some((country, region)) => {
                        check_country(&field, country)?;
                        check_text(&field, region, MAX_NAME)?;
                    }
                }
            }
        }
        if self.locations.get(c.location_id.as_str()) == Some(&c) {
            return Ok(());
        }
        self.emit(tx, EventKind::LocationDefined { location: c });
        Ok(())
    }

    pub(super) fn define_channel(&mut self, c: DefineChannel, tx: &mut Tx) -> Result<()> {
        let channel = c.0;
        channel.check()?;
        self.check_channel_locations(&channel)?;
        if self.channels.get(&channel.channel) == Some(&channel) {
            return Ok(());
        }
        self.emit(tx, EventKind::ChannelDefined { channel });
        Ok(())
    }

    /// A channel may only list defined locations.
    pub(super) fn check_channel_locations(&self, channel: &ChannelDef) -> Result<()> {
        for id in channel.location_ids.iter().flatten() {
            if !self.locations.contains(id.as_str()) {
                return Err(OmsError::not_found("location", id));
            }
        }
        Ok(())
    }

    pub(super) fn set_sourcing_policy(&mut self, c: SetSourcingPolicy, tx: &mut Tx) -> Result<()> {
        let policy = c.0;
        policy.check()?;
        if self.config.sourcing == policy {
            return Ok(());
        }
        self.emit(tx, EventKind::SourcingPolicySet { policy });
        Ok(())
    }

    pub(super) fn define_product(&mut self, c: DefineProduct, tx: &mut Tx) -> Result<()> {
        check_sku("sku", c.sku.as_str())?;
        check_text("name", &c.name, MAX_NAME)?;
        if let Some(g) = &c.gtin {
            check_gtin("gtin", g)?;
        }
        if let Some(d) = &c.description {
            check_description(d)?;
        }
        if let Some(w) = c.weight_g {
            if w > MAX_QUANTITY {
                return Err(OmsError::validation(
                    "weight_g",
                    format!("{w} g is implausibly large"),
                ));
            }
        }
        if let Some(d) = c.dims_mm {
            if d.length == 0 || d.width == 0 || d.height == 0 {
                return Err(OmsError::validation(
                    "dims_mm",
                    "every dimension must be at least 1 mm",
                ));
            }
        }
        if let Some(p) = &c.price {
            if p.amount.is_sign_negative() {
                return Err(OmsError::validation("price", format!("{p} is negative")));
            }
        }
        let components = c.components.unwrap_or_default();
        if components.len() > MAX_COMPONENTS {
            return Err(OmsError::validation(
                "components",
                format!("a kit has at most {MAX_COMPONENTS} components"),
            ));
        }
        for (i, comp) in components.iter().enumerate() {
            let field = format!("components[{i}]");
            check_sku(&format!("{field}.sku"), comp.sku.as_str())?;
            if comp.quantity == 0 || comp.quantity > 1_000_000 {
                return Err(OmsError::validation(
                    format!("{field}.quantity"),
                    format!("{} is not between 1 and 1000000", comp.quantity),
                ));
            }
            if comp.sku == c.sku {
                return Err(OmsError::validation(field, "a kit cannot contain itself"));
            }
            if components[..i].iter().any(|o| o.sku == comp.sku) {
                return Err(OmsError::validation(
                    field,
                    format!("component {} is listed twice", comp.sku),
                ));
            }
            match self.products.get(&comp.sku) {
                None => return Err(OmsError::not_found("product", &comp.sku)),
                Some(e) if e.product.is_kit() => {
                    return Err(OmsError::validation(
                        field,
                        format!("{} is itself a kit; kits cannot nest", comp.sku),
                    ))
                }
                Some(_) => {}
            }
        }
        if c.dropship_only {
            if !components.is_empty() {
                return Err(OmsError::validation(
                    "dropship_only",
                    "a kit cannot be dropship-only; mark its components",
                ));
            }
            if let Some(e) = self.products.get(&c.sku) {
                if e.stock.iter().any(|cell| cell.on_hand() > 0) {
                    return Err(OmsError::conflict(format!(
                        "product {} has stock on hand; a dropship-only product holds none",
                        c.sku
                    )));
                }
            }
        }
        if !components.is_empty() {
            if let Some(e) = self.products.get(&c.sku) {
                if e.stock.iter().any(|cell| !cell.is_empty()) {
                    return Err(OmsError::conflict(format!(
                        "product {} has stock records; a kit holds no stock of its own",
                        c.sku
                    )));
                }
            }
            // The product must not already be a component of another kit.
            let mut parents: Vec<&Sku> = self
                .products
                .values()
                .filter(|e| e.product.components.iter().any(|k| k.sku == c.sku))
                .map(|e| &e.product.sku)
                .collect();
            parents.sort();
            if let Some(parent) = parents.first() {
                return Err(OmsError::validation(
                    "components",
                    format!("{} is a component of kit {parent}; kits cannot nest", c.sku),
                ));
            }
        }
        let product = Product {
            sku: c.sku,
            name: c.name,
            gtin: c.gtin,
            description: c.description,
            weight_g: c.weight_g,
            dims_mm: c.dims_mm,
            price: c.price,
            components: components.into(),
            dropship_only: c.dropship_only,
            packing: c.packing,
            non_returnable: c.non_returnable,
        };
        if self.products.get(&product.sku).map(|e| &e.product) == Some(&product) {
            return Ok(());
        }
        self.emit(tx, EventKind::ProductDefined { product });
        Ok(())
    }

    /// Looks up a stockable (non-kit) product and a location for a stock
    /// command; returns the product's slot.
    pub(super) fn stock_target(&self, sku: &Sku, location_id: &LocationId) -> Result<usize> {
        check_sku("sku", sku.as_str())?;
        check_id("location_id", location_id.as_str())?;
        let slot = self
            .products
            .slot(sku)
            .ok_or_else(|| OmsError::not_found("product", sku))?;
        let entry = &self.products.by_slot[slot];
        if !self.locations.contains(location_id.as_str()) {
            return Err(OmsError::not_found("location", location_id));
        }
        if entry.product.is_kit() {
            return Err(OmsError::validation(
                "sku",
                format!("{sku} is a kit; its stock is derived from its components"),
            ));
        }
        if entry.product.dropship_only {
            return Err(OmsError::validation(
                "sku",
                format!("{sku} is dropship-only; the shop holds no stock of it"),
            ));
        }
        Ok(slot)
    }

    /// Refuses a receipt of `quantity` units that would take the all-time
    /// `received` counter of `product` at `location_id` near overflow.
    pub(super) fn check_receivable(
        &self,
        field: &str,
        product: usize,
        location_id: &LocationId,
        quantity: u64,
    ) -> Result<()> {
        let received = self
            .cell(&self.products.by_slot[product], location_id.as_str())
            .map_or(0, |s| s.received);
        if received
            .checked_add(quantity)
            .is_none_or(|t| t > u64::MAX / 4)
        {
            return Err(OmsError::validation(field, "total received would overflow"));
        }
        Ok(())
    }

    pub(super) fn receive_stock(&mut self, c: ReceiveStock, tx: &mut Tx) -> Result<()> {
        let product = self.stock_target(&c.sku, &c.location_id)?;
        check_quantity("quantity", c.quantity, 1)?;
        if let Some(r) = &c.reference {
            check_text("reference", r, MAX_NAME)?;
        }
        self.check_receivable("quantity", product, &c.location_id, c.quantity)?;
        let kind = EventKind::StockReceived {
            sku: c.sku,
            location_id: c.location_id,
            quantity: c.quantity,
            reference: c.reference,
            damaged: 0,
        };
        self.record_stock_change(tx, product, true, kind);
        Ok(())
    }

    pub(super) fn adjust_stock(&mut self, c: AdjustStock, tx: &mut Tx) -> Result<()> {
        let product = self.stock_target(&c.sku, &c.location_id)?;
        let entry = &self.products.by_slot[product];
        check_text("reason", &c.reason, MAX_NAME)?;
        if c.delta == 0 {
            return Err(OmsError::validation("delta", "must not be zero"));
        }
        check_quantity("delta", c.delta.unsigned_abs(), 1)?;
        let cell = self
            .cell(entry, c.location_id.as_str())
            .copied()
            .unwrap_or_default();
        if c.delta < 0 {
            self.check_picking_stock(
                &c.sku,
                &c.location_id,
                cell.on_hand().saturating_sub(c.delta.unsigned_abs()),
            )?;
        }
        if c.delta < 0 && c.delta.unsigned_abs() > cell.on_hand() {
            return Err(OmsError::InsufficientStock {
                sku: c.sku.to_string(),
                location_id: c.location_id.to_string(),
                requested: c.delta.unsigned_abs(),
                available: cell.on_hand(),
                message: format!("on-hand ({}) cannot drop below zero", cell.on_hand()),
            });
        }
        let grew = c.delta > 0;
        let on_hand = cell.on_hand().saturating_add_signed(c.delta);
        let slot = self.locations.slot(c.location_id.as_str()).unwrap_or(0);
        let kind = EventKind::StockAdjusted {
            sku: c.sku,
            location_id: c.location_id,
            delta: c.delta,
            reason: c.reason,
            counted: None,
        };
        self.record_on_hand_change(tx, product, slot, on_hand, grew, kind);
        Ok(())
    }

    pub(super) fn count_stock(&mut self, c: CountStock, tx: &mut Tx) -> Result<()> {
        let product = self.stock_target(&c.sku, &c.location_id)?;
        let entry = &self.products.by_slot[product];
        check_quantity("counted", c.counted, 0)?;
        let cell = self
            .cell(entry, c.location_id.as_str())
            .copied()
            .unwrap_or_default();
        self.check_picking_stock(&c.sku, &c.location_id, c.counted)?;
        let delta = i128::from(c.counted) - i128::from(cell.on_hand());
        let delta = i64::try_from(delta)
            .map_err(|_| OmsError::validation("counted", "difference to on-hand is too large"))?;
        let slot = self.locations.slot(c.location_id.as_str()).unwrap_or(0);
        let kind = EventKind::StockAdjusted {
            sku: c.sku,
            location_id: c.location_id,
            delta,
            reason: "cycle_count".to_string(),
            counted: Some(c.counted),
        };
        self.record_on_hand_change(tx, product, slot, c.counted, delta > 0, kind);
        Ok(())
    }

    /// On-hand of `sku` at `location` may not drop below the units on open
    /// pick tasks there: a picker is on the way to them (`short_pick`
    /// reports units that are not there).
    fn check_picking_stock(&self, sku: &Sku, location: &LocationId, on_hand: u64) -> Result<()> {
        let picking = self.floors.on_open_tasks(location, sku);
        if on_hand < picking {
            return Err(OmsError::InsufficientStock {
                sku: sku.to_string(),
                location_id: location.to_string(),
                requested: picking,
                available: on_hand,
                message: format!(
                    "{picking} units are on open pick tasks; report missing ones with short_pick"
                ),
            });
        }
        Ok(())
    }

    /// Records a stock change and, when it made units available, offers
    /// them to waiting orders.
    pub(super) fn record_stock_change(
        &mut self,
        tx: &mut Tx,
        product: usize,
        freed: bool,
        kind: EventKind,
    ) {
        self.emit(tx, kind);
        if freed {
            self.fill_backorders(tx, &[product]);
        }
    }

    /// Records a change of on-hand of `product` at location `slot` to
    /// `on_hand` (an adjustment or a count). Below what is reserved there,
    /// reservations give way first (see [`Engine::release_for_shortage`])
    /// and their orders are sourced again afterwards.
    pub(super) fn record_on_hand_change(
        &mut self,
        tx: &mut Tx,
        product: usize,
        slot: usize,
        on_hand: u64,
        freed: bool,
        kind: EventKind,
    ) {
        let released = self.release_for_shortage(tx, product, slot, on_hand);
        self.record_stock_change(tx, product, freed, kind);
        for order_id in released {
            if self.config.sourcing.allow_partial {
                self.allocate_order(tx, &order_id);
            } else {
                self.resource_completely(tx, &order_id);
            }
        }
    }

    /// Under a policy without `allow_partial`, an order that lost part of
    /// its reservations is sourced again as a whole, or, when it cannot
    /// be completed now, gives back what it still holds: a ship-complete
    /// order must not sit on stock it cannot ship.
    fn resource_completely(&mut self, tx: &mut Tx, order_id: &OrderId) {
        // Even when something moved: with shipment groups, one group may
        // have been completed while another still cannot be.
        self.reallocate_order(tx, order_id);
        // Being picked: it keeps what it holds (see `reallocate_order`).
        if self.unit_in_picking(order_id) {
            return;
        }
        // What cannot be completed gives back what it holds: every order
        // of a merge group, or the order's incomplete shipment groups.
        let unit: Vec<(OrderId, Vec<LineAllocation>)> = match self.sourcing_units(order_id) {
            allocation::Units::Merged(_) => {
                let orders = self.unit_orders(order_id);
                if orders.iter().any(|o| o.has_unallocated()) {
                    orders
                        .iter()
                        .map(|o| (o.order_id().clone(), allocation::reservations(o)))
                        .collect()
                } else {
                    Vec::new()
                }
            }
            allocation::Units::Unknown => Vec::new(),
            _ => {
                let Some(order) = self.orders.get(order_id) else {
                    return;
                };
                let incomplete: Vec<u32> = (0..order.lines.len())
                    .filter(|&i| order.unallocated(i) > 0)
                    .map(|i| order.shipment_group(i))
                    .collect();
                let mut held = allocation::reservations(order);
                held.retain(|a| {
                    order
                        .line_index(a.line_id.as_str())
                        .is_some_and(|i| incomplete.contains(&order.shipment_group(i)))
                });
                vec![(order_id.clone(), held)]
            }
        };
        for (id, releases) in unit {
            if !releases.is_empty() {
                self.emit_release(tx, &id, releases, ReleaseReason::StockShort);
            }
        }
    }

    pub(super) fn reallocate(&mut self, c: Reallocate, tx: &mut Tx) -> Result<()> {
        let order_id = self
            .order_for(&c.order_id, OrderAction::Allocate)?
            .order_id()
            .clone();
        self.reallocate_and_refill(tx, &order_id);
        Ok(())
    }

    /// [`Engine::reallocate_order`], then offers what its unit left behind
    /// to waiting orders.
    pub(super) fn reallocate_and_refill(&mut self, tx: &mut Tx, order_id: &OrderId) {
        let products: Vec<usize> = self.unit_products(order_id);
        if self.reallocate_order(tx, order_id) {
            self.fill_backorders(tx, &products);
        }
    }

    /// The product slots the lines of an order's merge group (or the order) draw from.
    fn unit_products(&self, order_id: &OrderId) -> Vec<usize> {
        let mut products: Vec<usize> = self
            .unit_orders(order_id)
            .iter()
            .flat_map(|o| (0..o.lines.len()).flat_map(|i| o.part_slots(i).map(|(p, _)| p)))
            .collect();
        products.sort_unstable();
        products.dedup();
        products
    }

    pub(super) fn set_safety_stock(&mut self, c: SetSafetyStock, tx: &mut Tx) -> Result<()> {
        let product = self.stock_target(&c.sku, &c.location_id)?;
        let entry = &self.products.by_slot[product];
        check_quantity("quantity", c.quantity, 0)?;
        let current = self
            .cell(entry, c.location_id.as_str())
            .map_or(0, |s| s.safety_stock);
        if current == c.quantity {
            return Ok(());
        }
        let kind = EventKind::SafetyStockSet {
            sku: c.sku,
            location_id: c.location_id,
            quantity: c.quantity,
        };
        self.record_stock_change(tx, product, c.quantity < current, kind);
        Ok(())
    }

    pub(super) fn place_order(&mut self, mut c: PlaceOrder, tx: &mut Tx) -> Result<()> {
        check_id("order_id", c.order_id.as_str())?;
        check_id("channel", c.channel.as_str())?;
        if let Some(coid) = &c.channel_order_id {
            check_id("channel_order_id", coid.as_str())?;
        }
        check_id("customer_id", c.customer_id.as_str())?;
        check_address(&c.ship_to).map_err(|e| e.within(|| "ship_to".into()))?;
        if c.lines.is_empty() || c.lines.len() > MAX_LINES {
            return Err(OmsError::validation(
                "lines",
                format!("an order has 1–{MAX_LINES} lines, got {}", c.lines.len()),
            ));
        }
        let currency = c.lines[0].unit_price.currency;
        let mut total = Money::zero(currency);
        let mut skus = Vec::with_capacity(c.lines.len());
        for (i, line) in c.lines.iter().enumerate() {
            let sku = self
                .check_order_line(&c.lines[..i], line, currency)
                .map_err(|e| e.within(|| format!("lines[{i}]")))?;
            skus.push(sku.clone());
            total = total
                .checked_add(line.unit_price.times(line.quantity)?)
                .map_err(|e| {
                    OmsError::validation(format!("lines[{i}].unit_price"), e.to_string())
                })?;
        }
        if let Some(d) = &c.discount {
            check_price("discount", d, currency)?;
            if d.amount > total.amount {
                return Err(OmsError::validation(
                    "discount",
                    format!("{d} exceeds the lines' total {total}"),
                ));
            }
        }
        if let Some(s) = &c.shipping_price {
            check_price("shipping_price", s, currency)?;
            total = total.checked_add(*s)?;
        }
        if let Some(d) = &c.discount {
            total.amount -= d.amount;
        }

        // Redelivery of the same order is a no-op; a different order under a used id is not.
        if let Some(existing) = self.orders.get(&c.order_id) {
            if existing.as_commanded() == c {
                return Ok(());
            }
            return Err(OmsError::duplicate(
                "order",
                &c.order_id,
                "an order with this id but a different payload exists",
            ));
        }
        if let Some(coid) = &c.channel_order_id {
            if let Some(existing) = self
                .orders
                .by_channel_order(c.channel.as_str(), coid.as_str())
                .map(Order::as_commanded)
            {
                let other = &existing.order_id;
                let mut same = c.clone();
                same.order_id = other.clone();
                if existing == same {
                    return Ok(());
                }
                return Err(OmsError::duplicate(
                    "channel order",
                    format!("{}/{coid}", c.channel),
                    format!("already placed as order {other} with a different payload"),
                ));
            }
        }

        let order_id = c.order_id.clone();
        let mut holds: Vec<(Hold, Option<String>)> = Vec::new();
        if self.config.require_payment && !total.amount.is_zero() {
            holds.push((self.awaiting_payment.clone(), None));
        }
        if let Some(threshold) = &self.config.high_value_threshold {
            if threshold.currency == currency && total.amount > threshold.amount {
                holds.push((
                    self.high_value_review.clone(),
                    Some(format!("total {total} exceeds {threshold}")),
                ));
            }
        }
        if let Some(shipping) = &self.config.shipping {
            let problems = crate::shipping::check_address(&c.ship_to, &shipping.services);
            if !problems.is_empty() {
                let note: Vec<String> = problems
                    .iter()
                    .map(|p| format!("{}: {}", p.field, p.message))
                    .collect();
                holds.push((Hold::new(Hold::ADDRESS_INVALID), Some(note.join("; "))));
            }
        }
        // Share the catalog's SKU strings (found while validating).
        for (line, sku) in c.lines.iter_mut().zip(skus) {
            line.sku = sku;
        }
        let (tier_from_rules, milestones) = self.customer_rules(&mut c, currency);
        let order = Arc::new(self.interned(c));
        self.emit(
            tx,
            EventKind::OrderPlaced {
                order,
                tier_from_rules,
                milestones,
            },
        );
        for (hold, note) in holds {
            self.emit(
                tx,
                EventKind::HoldPlaced {
                    order_id: order_id.clone(),
                    hold,
                    note,
                },
            );
        }
        self.auto_allocate_order(tx, &order_id);
        Ok(())
    }

    pub(super) fn check_order_line(
        &self,
        earlier: &[OrderLineInput],
        line: &OrderLineInput,
        currency: Currency,
    ) -> Result<&Sku> {
        check_id("line_id", line.line_id.as_str())?;
        check_sku("sku", line.sku.as_str())?;
        check_quantity("quantity", line.quantity, 1)?;
        if earlier.iter().any(|o| o.line_id == line.line_id) {
            return Err(OmsError::validation(
                "line_id",
                format!("line id {} is used twice", line.line_id),
            ));
        }
        check_price("unit_price", &line.unit_price, currency)?;
        let entry = self
            .products
            .get(&line.sku)
            .ok_or_else(|| OmsError::not_found("product", &line.sku))?;
        for comp in entry.product.components.iter() {
            if line
                .quantity
                .checked_mul(comp.quantity)
                .is_none_or(|q| q > MAX_QUANTITY)
            {
                return Err(OmsError::validation(
                    "quantity",
                    format!("{} kits need too many units of {}", line.quantity, comp.sku),
                ));
            }
        }
        Ok(&entry.product.sku)
    }

    /// Looks up an order and checks that its status allows `action`.
    pub(super) fn order_for(&self, order_id: &OrderId, action: OrderAction) -> Result<&Order> {
        check_id("order_id", order_id.as_str())?;
        let order = self
            .orders
            .get(order_id)
            .ok_or_else(|| OmsError::not_found("order", order_id))?;
        let status = order.cached_status;
        if !status.allows(action) {
            let why = match status {
                OrderStatus::OnHold => format!(
                    "{} is not allowed while the order has holds ({})",
                    action.command(),
                    join(&order.holds)
                ),
                _ => format!("{} is not allowed for a {status} order", action.command()),
            };
            return Err(OmsError::transition("order", order_id, status, why));
        }
        // Re-sourcing or regrouping would move units a picker is walking to.
        if matches!(action, OrderAction::Allocate | OrderAction::Consolidate)
            && order.units_in_picking() > 0
        {
            return Err(Engine::picking_error(order, action));
        }
        Ok(order)
    }

    pub(super) fn record_payment(&mut self, c: RecordPayment, tx: &mut Tx) -> Result<()> {
        let order = self.order_for(&c.order_id, OrderAction::RecordPayment)?;
        // The engine's own id: later lookups compare pointers, not bytes.
        let order_id = order.order_id().clone();
        let currency = order.currency();
        if c.amount.currency != currency {
            return Err(OmsError::validation(
                "amount.currency",
                format!(
                    "{} differs from the order's currency {currency}",
                    c.amount.currency
                ),
            ));
        }
        if c.amount.amount <= Decimal::ZERO {
            return Err(OmsError::validation(
                "amount",
                format!("{} is not positive", c.amount),
            ));
        }
        if let Some(r) = &c.reference {
            check_text("reference", r, MAX_NAME)?;
        }
        if let Some(rma_id) = &c.rma_id {
            self.check_rma_refund(&order_id, rma_id, c.kind, c.amount.amount)?;
        }
        let p = &order.payments;
        let grown = match c.kind {
            PaymentKind::Authorized => p.authorized.checked_add(c.amount.amount),
            PaymentKind::Captured => p.captured.checked_add(c.amount.amount),
            PaymentKind::Refunded => p.refunded.checked_add(c.amount.amount),
            PaymentKind::Failed => Some(Decimal::ZERO),
        };
        let Some(grown) = grown else {
            return Err(OmsError::validation("amount", "payment total overflows"));
        };
        if c.kind == PaymentKind::Refunded && c.rma_id.is_none() && !order.returns.is_empty() {
            // What resolved RMAs owe (paid or not) is spoken for.
            let room = self.refund_ledger(order).room(&order.payments);
            if c.amount.amount > room {
                return Err(OmsError::validation(
                    "amount",
                    format!(
                        "refund of {} exceeds what is left to refund: {room} {currency} once the order's RMAs are paid (refund them with rma_id)",
                        c.amount
                    ),
                ));
            }
        }
        if c.kind == PaymentKind::Refunded && grown > p.captured {
            return Err(OmsError::validation(
                "amount",
                format!(
                    "refund of {} exceeds what is left to refund: captured {} {currency}, already refunded {} {currency}",
                    c.amount, p.captured, p.refunded
                ),
            ));
        }
        self.emit(
            tx,
            EventKind::PaymentRecorded {
                order_id: order_id.clone(),
                kind: c.kind,
                amount: c.amount,
                reference: c.reference,
                rma_id: c.rma_id,
            },
        );
        self.release_paid_hold(tx, &order_id);
        Ok(())
    }

    /// Lifts `awaiting_payment` once authorized plus captured cover the total.
    pub(super) fn release_paid_hold(&mut self, tx: &mut Tx, order_id: &OrderId) {
        let Some(order) = self.orders.get(order_id) else {
            return;
        };
        if order.has_hold(Hold::AWAITING_PAYMENT) && order.payment_covers_total() {
            self.emit(
                tx,
                EventKind::HoldReleased {
                    order_id: order_id.clone(),
                    hold: self.awaiting_payment.clone(),
                    released_by: HoldReleasedBy::Payment,
                },
            );
            self.auto_allocate_order(tx, order_id);
        }
    }

    pub(super) fn place_hold(&mut self, c: PlaceHold, tx: &mut Tx) -> Result<()> {
        check_id("hold", c.hold.as_str())?;
        if let Some(n) = &c.note {
            check_text("note", n, MAX_TEXT)?;
        }
        let order = self.order_for(&c.order_id, OrderAction::PlaceHold)?;
        // The engine's own id: later lookups compare pointers, not bytes.
        let order_id = order.order_id().clone();
        if order.has_hold(c.hold.as_str()) {
            return Err(OmsError::transition(
                "order",
                &c.order_id,
                order.status(),
                format!("the order already has hold {}", c.hold),
            ));
        }
        self.emit(
            tx,
            EventKind::HoldPlaced {
                order_id: order_id.clone(),
                hold: c.hold,
                note: c.note,
            },
        );
        Ok(())
    }

    pub(super) fn release_hold(&mut self, c: ReleaseHold, tx: &mut Tx) -> Result<()> {
        check_id("hold", c.hold.as_str())?;
        let order = self.order_for(&c.order_id, OrderAction::ReleaseHold)?;
        // The engine's own id: later lookups compare pointers, not bytes.
        let order_id = order.order_id().clone();
        if !order.has_hold(c.hold.as_str()) {
            return Err(OmsError::transition(
                "order",
                &c.order_id,
                order.status(),
                format!(
                    "the order does not have hold {} (holds: {})",
                    c.hold,
                    join(&order.holds)
                ),
            ));
        }
        self.emit(
            tx,
            EventKind::HoldReleased {
                order_id: order_id.clone(),
                hold: c.hold,
                released_by: HoldReleasedBy::Manual,
            },
        );
        self.auto_allocate_order(tx, &order_id);
        Ok(())
    }

    pub(super) fn allocate(&mut self, c: Allocate, tx: &mut Tx) -> Result<()> {
        match c.order_id {
            Some(order_id) => {
                let order_id = self
                    .order_for(&order_id, OrderAction::Allocate)?
                    .order_id()
                    .clone();
                self.allocate_order(tx, &order_id);
            }
            None => self.allocate_queue(tx),
        }
        Ok(())
    }

    pub(super) fn ship(&mut self, mut c: Ship, tx: &mut Tx) -> Result<()> {
        check_id("shipment_id", c.shipment_id.as_str())?;
        check_id("location_id", c.location_id.as_str())?;
        // Empty: the engine chooses (below).
        if !c.carrier.is_empty() {
            check_text("carrier", &c.carrier, MAX_NAME)?;
        }
        if let Some(s) = &c.service {
            check_text("service", s, MAX_NAME)?;
        }
        if let Some(t) = &c.tracking_number {
            check_text("tracking_number", t, MAX_NAME)?;
        }
        if let Some(existing) = self.shipments.get(&c.shipment_id) {
            let same = existing.order_id == c.order_id
                && existing.location_id.as_ref() == Some(&c.location_id)
                && ((existing.carrier == c.carrier && existing.service == c.service)
                    || (c.carrier.is_empty() && c.service.is_none() && existing.choice.is_some()))
                && existing.tracking_number == c.tracking_number
                && (existing.lines == c.lines
                    || (c.lines.is_empty() && !existing.parcels.is_empty()));
            if same {
                return Ok(());
            }
            return Err(OmsError::duplicate(
                "shipment",
                &c.shipment_id,
                format!(
                    "already recorded for order {} with a different payload",
                    existing.order_id
                ),
            ));
        }
        let order = self.order_for(&c.order_id, OrderAction::Ship)?;
        // The engine's own id: later lookups compare pointers, not bytes.
        let order_id = order.order_id().clone();
        if !self.locations.contains(c.location_id.as_str()) {
            return Err(OmsError::not_found("location", &c.location_id));
        }
        // No lines: the parcels packed at this location.
        let mut parcels = Vec::new();
        if c.lines.is_empty() {
            let Some(packed) = order
                .packed
                .as_deref()
                .filter(|p| p.location_id == c.location_id)
            else {
                return Err(OmsError::validation(
                    "lines",
                    format!(
                        "none given, and order {order_id} is not packed at {}",
                        c.location_id
                    ),
                ));
            };
            let mut lines: Vec<ShipLine> = Vec::new();
            for l in packed.parcels.iter().flat_map(|p| &p.lines) {
                match lines.iter_mut().find(|s| s.line_id == l.line_id) {
                    Some(s) => s.quantity = s.quantity.saturating_add(l.quantity),
                    None => lines.push(l.clone()),
                }
            }
            c.lines = lines.into();
            parcels = packed.parcels.clone();
        }
        let choice = if c.carrier.is_empty() {
            let chosen = self.choose_service(order, &c.location_id, &parcels, tx.at)?;
            c.carrier = Arc::from(chosen.1.as_str());
            c.service = Some(Arc::from(chosen.0.service_id.as_str()));
            Some(chosen.0)
        } else {
            None
        };
        if c.lines.is_empty() || c.lines.len() > MAX_LINES {
            return Err(OmsError::validation(
                "lines",
                format!("a shipment has 1–{MAX_LINES} lines, got {}", c.lines.len()),
            ));
        }
        for (n, sl) in c.lines.iter().enumerate() {
            check_quantity("quantity", sl.quantity, 1)
                .map_err(|e| e.within(|| format!("lines[{n}]")))?;
            if c.lines[..n].iter().any(|o| o.line_id == sl.line_id) {
                return Err(OmsError::validation(
                    format!("lines[{n}].line_id"),
                    format!("line {} is listed twice", sl.line_id),
                ));
            }
            let i = order.line_index(sl.line_id.as_str()).ok_or_else(|| {
                OmsError::not_found("order line", format!("{}/{}", c.order_id, sl.line_id))
            })?;
            // Units on an open pick task ship once the task is complete.
            let allocated = order.lines[i]
                .allocated_at(&c.location_id)
                .saturating_sub(order.lines[i].picking.at(&c.location_id));
            if sl.quantity > allocated {
                return Err(OmsError::InsufficientStock {
                    sku: order.placement.lines[i].sku.to_string(),
                    location_id: c.location_id.to_string(),
                    requested: sl.quantity,
                    available: allocated,
                    message: format!(
                        "line {} of order {} has {allocated} units allocated at this location and not on an open pick task",
                        sl.line_id, c.order_id
                    ),
                });
            }
        }
        self.emit(
            tx,
            EventKind::OrderShipped {
                order_id: order_id.clone(),
                shipment_id: c.shipment_id,
                location_id: c.location_id,
                carrier: c.carrier,
                service: c.service,
                tracking_number: c.tracking_number,
                lines: c.lines,
                parcels,
                choice,
            },
        );
        Ok(())
    }

    pub(super) fn confirm_delivery(&mut self, c: ConfirmDelivery, tx: &mut Tx) -> Result<()> {
        check_id("shipment_id", c.shipment_id.as_str())?;
        let shipment = self
            .shipments
            .get(&c.shipment_id)
            .ok_or_else(|| OmsError::not_found("shipment", &c.shipment_id))?;
        if shipment.delivered_at.is_some() {
            return Ok(());
        }
        let order_id = shipment.order_id.clone();
        self.emit(
            tx,
            EventKind::ShipmentDelivered {
                shipment_id: c.shipment_id,
                order_id,
            },
        );
        Ok(())
    }

    pub(super) fn record_tracking_event(
        &mut self,
        c: RecordTrackingEvent,
        tx: &mut Tx,
    ) -> Result<()> {
        check_id("shipment_id", c.shipment_id.as_str())?;
        if let Some(m) = &c.message {
            check_text("message", m, MAX_NAME)?;
        }
        let shipment = self
            .shipments
            .get(&c.shipment_id)
            .ok_or_else(|| OmsError::not_found("shipment", &c.shipment_id))?;
        let from = shipment.tracking_status;
        if from == Some(c.status) {
            return Ok(());
        }
        if let Some(from) = from.filter(|f| !f.may_become(c.status)) {
            return Err(OmsError::transition(
                "shipment",
                &c.shipment_id,
                from,
                format!("a {from} shipment cannot become {}", c.status),
            ));
        }
        let order = self
            .orders
            .get(&shipment.order_id)
            .ok_or_else(|| OmsError::not_found("order", &shipment.order_id))?;
        let placement = &order.placement;
        let (order_id, customer_id) = (order.order_id().clone(), placement.customer_id.clone());
        let changed = EventKind::ShipmentStatusChanged {
            shipment_id: c.shipment_id.clone(),
            order_id: order_id.clone(),
            channel: placement.channel.clone(),
            channel_order_id: placement.channel_order_id.clone(),
            carrier: shipment.carrier.clone(),
            tracking_number: shipment.tracking_number.clone(),
            from,
            to: c.status,
            reported_at: c.at,
            message: c.message.clone(),
        };
        let delivered = shipment.delivered_at.is_none() && c.status == TrackingStatus::Delivered;
        self.emit(tx, changed);
        match c.status {
            TrackingStatus::Delivered if delivered => self.emit(
                tx,
                EventKind::ShipmentDelivered {
                    shipment_id: c.shipment_id,
                    order_id,
                },
            ),
            TrackingStatus::Exception => self.emit(
                tx,
                EventKind::ShipmentException {
                    shipment_id: c.shipment_id,
                    order_id,
                    customer_id,
                    message: c.message,
                },
            ),
            _ => {}
        }
        Ok(())
    }

    pub(super) fn cancel_order(&mut self, c: CancelOrder, tx: &mut Tx) -> Result<()> {
        check_text("reason", &c.reason, MAX_NAME)?;
        let order = self.order_for(&c.order_id, OrderAction::Cancel)?;
        // The engine's own id: later lookups compare pointers, not bytes.
        let order_id = order.order_id().clone();
        if order.lines.iter().any(|l| l.dropship > 0) {
            return Err(self.dropship_units_error(order, "cancel_order"));
        }
        if order.units_in_picking() > 0 {
            return Err(Engine::picking_error(order, OrderAction::Cancel));
        }
        let mut lines = Vec::new();
        let mut freed = Vec::new();
        for i in 0..order.lines.len() {
            let open = order.open(i);
            if open == 0 {
                continue;
            }
            let released = order.lines[i].allocations.as_slice().to_vec();
            if !released.is_empty() {
                freed.extend(order.part_slots(i).map(|(p, _)| p));
            }
            lines.push(LineCancellation {
                line_id: order.placement.lines[i].line_id.clone(),
                quantity: open,
                released,
            });
        }
        self.emit(
            tx,
            EventKind::OrderCancelled {
                order_id: order_id.clone(),
                reason: c.reason,
                lines,
            },
        );
        self.fill_backorders(tx, &freed);
        Ok(())
    }

    pub(super) fn cancel_line(&mut self, c: CancelLine, tx: &mut Tx) -> Result<()> {
        check_text("reason", &c.reason, MAX_NAME)?;
        check_quantity("quantity", c.quantity, 1)?;
        let order = self.order_for(&c.order_id, OrderAction::Cancel)?;
        // The engine's own id: later lookups compare pointers, not bytes.
        let order_id = order.order_id().clone();
        let i = order.line_index(c.line_id.as_str()).ok_or_else(|| {
            OmsError::not_found("order line", format!("{}/{}", c.order_id, c.line_id))
        })?;
        if order.lines[i].picking.total() > 0 {
            return Err(Engine::picking_error(order, OrderAction::Cancel));
        }
        let open = order.open(i);
        if c.quantity > open {
            let l = &order.lines[i];
            return Err(OmsError::transition(
                "order line",
                format!("{}/{}", c.order_id, c.line_id),
                order.status(),
                format!(
                    "cannot cancel {} units: {open} are open ({} shipped, {} already cancelled)",
                    c.quantity, l.shipped, l.cancelled
                ),
            ));
        }
        if c.quantity
            > order
                .unallocated(i)
                .saturating_add(order.lines[i].allocated())
        {
            return Err(self.dropship_units_error(order, "cancel_line"));
        }
        // Unallocated units go first; then reservations, latest first.
        let mut rest = c.quantity.saturating_sub(order.unallocated(i));
        let mut released = Vec::new();
        for a in order.lines[i].allocations.as_slice().iter().rev() {
            if rest == 0 {
                break;
            }
            let q = rest.min(a.quantity);
            released.push(LocationQuantity {
                location_id: a.location_id.clone(),
                quantity: q,
            });
            rest -= q;
        }
        let freed: Vec<usize> = if released.is_empty() {
            Vec::new()
        } else {
            order.part_slots(i).map(|(p, _)| p).collect()
        };
        self.emit(
            tx,
            EventKind::LineCancelled {
                order_id: order_id.clone(),
                reason: c.reason,
                cancellation: LineCancellation {
                    line_id: c.line_id,
                    quantity: c.quantity,
                    released,
                },
            },
        );
        self.release_paid_hold(tx, &order_id);
        self.fill_backorders(tx, &freed);
        Ok(())
    }
}

fn join(holds: &[Hold]) -> String {
    holds
        .iter()
        .map(Hold::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn check_quantity(field: &str, q: u64, min: u64) -> Result<()> {
    if q < min || q > MAX_QUANTITY {
        return Err(OmsError::validation(
            field,
            format!("{q} is not between {min} and {MAX_QUANTITY}"),
        ));
    }
    Ok(())
}

fn check_price(field: &str, price: &Money, currency: Currency) -> Result<()> {
    check_money(field, price, currency, "the order's")
}

/// Money in `currency` (`whose` currency, for the message) and not negative.
pub(super) fn check_money(field: &str, m: &Money, currency: Currency, whose: &str) -> Result<()> {
    if m.currency != currency {
        return Err(OmsError::validation(
            format!("{field}.currency"),
            format!("{} differs from {whose} currency {currency}", m.currency),
        ));
    }
    if m.amount.is_sign_negative() && !m.amount.is_zero() {
        return Err(OmsError::validation(field, format!("{m} is negative")));
    }
    Ok(())
}

fn check_description(d: &str) -> Result<()> {
    if d.len() > MAX_TEXT {
        return Err(OmsError::validation(
            "description",
            format!("longer than {MAX_TEXT} bytes"),
        ));
    }
    if d.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(OmsError::validation(
            "description",
            "contains control characters",
        ));
    }
    Ok(())
}

pub(super) fn check_address(a: &Address) -> Result<()> {
    check_text("name", a.name(), MAX_NAME)?;
    check_text("line1", a.line1(), MAX_NAME)?;
    if let Some(l) = a.line2() {
        check_text("line2", l, MAX_NAME)?;
    }
    check_text("city", a.city(), MAX_NAME)?;
    if let Some(r) = a.region() {
        check_text("region", r, MAX_NAME)?;
    }
    check_text("postal_code", a.postal_code(), 32)?;
    check_country("country", a.country())?;
    match (a.lat(), a.lon()) {
        (Some(lat), Some(lon)) if lat.is_nan() != lon.is_nan() => Err(OmsError::validation(
            "lat",
            "lat and lon must be given together",
        )),
        (lat, lon) => check_coordinates("", lat, lon),
    }
}

/// An ISO 3166-1 alpha-2 country code: two upper-case letters.
fn check_country(field: &str, country: &str) -> Result<()> {
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(OmsError::validation(
            field,
            format!("{country:?} is not an ISO 3166-1 alpha-2 code like \"US\""),
        ));
    }
    Ok(())
}
