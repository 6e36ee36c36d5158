//! Read-only queries.

use super::*;

impl Engine {
    /// One order, with its derived status and per-line quantities.
    pub fn order(&self, order_id: &str) -> Result<OrderView> {
        self.orders
            .get_str(order_id)
            .map(|o| o.view())
            .ok_or_else(|| OmsError::not_found("order", order_id))
    }

    /// Orders sorted by id, optionally only those with `status`.
    pub fn orders(&self, status: Option<OrderStatus>) -> Vec<OrderView> {
        let mut orders: Vec<&Order> = self
            .orders
            .values()
            .filter(|o| status.is_none_or(|s| o.cached_status == s))
            .collect();
        orders.sort_by(|a, b| a.order_id().cmp(b.order_id()));
        orders.into_iter().map(Order::view).collect()
    }

    /// Number of orders per status (every status listed, zeros included).
    pub fn order_counts(&self) -> BTreeMap<OrderStatus, usize> {
        let mut counts: BTreeMap<OrderStatus, usize> =
            OrderStatus::ALL.iter().map(|s| (*s, 0)).collect();
        for o in self.orders.values() {
            *counts.entry(o.cached_status).or_default() += 1;
        }
        counts
    }

    /// A product by SKU.
    pub fn product(&self, sku: &str) -> Result<Product> {
        self.products
            .get(sku)
            .map(|e| e.product.clone())
            .ok_or_else(|| OmsError::not_found("product", sku))
    }

    /// Every product, sorted by SKU.
    pub fn products(&self) -> Vec<Product> {
        let mut p: Vec<Product> = self.products.values().map(|e| e.product.clone()).collect();
        p.sort_by(|a, b| a.sku.cmp(&b.sku));
        p
    }

    /// A location by id.
    pub fn location(&self, location_id: &str) -> Result<Location> {
        self.locations
            .get(location_id)
            .cloned()
            .ok_or_else(|| OmsError::not_found("location", location_id))
    }

    /// Every location, sorted by id.
    pub fn locations(&self) -> Vec<Location> {
        self.locations.sorted().into_iter().cloned().collect()
    }

    /// A shipment by id.
    pub fn shipment(&self, shipment_id: &str) -> Result<Shipment> {
        self.shipments
            .get(shipment_id)
            .cloned()
            .ok_or_else(|| OmsError::not_found("shipment", shipment_id))
    }

    /// The stock of one SKU at one location. For a kit, the buckets are
    /// derived from its components (whole kits only; movements are zero).
    pub fn stock(&self, sku: &str, location_id: &str) -> Result<StockLevel> {
        let entry = self
            .products
            .get(sku)
            .ok_or_else(|| OmsError::not_found("product", sku))?;
        let slot = self
            .locations
            .slot(location_id)
            .ok_or_else(|| OmsError::not_found("location", location_id))?;
        let location = self.locations.by_slot[slot].location_id.clone();
        if entry.product.is_kit() {
            let kits = |f: &dyn Fn(&StockCell) -> u64| -> u64 {
                entry
                    .product
                    .components
                    .iter()
                    .map(|c| {
                        self.products
                            .get(&c.sku)
                            .and_then(|e| e.cell(slot))
                            .map_or(0, f)
                            / c.quantity.max(1)
                    })
                    .min()
                    .unwrap_or(0)
            };
            return Ok(StockLevel {
                sku: entry.product.sku.clone(),
                location_id: location,
                on_hand: kits(&StockCell::on_hand),
                reserved: 0,
                safety_stock: 0,
                available: kits(&StockCell::available),
                received: 0,
                adjusted_in: 0,
                adjusted_out: 0,
                shipped: 0,
                damaged: 0,
                returned: 0,
                refurbishing: 0,
                incoming: 0,
            });
        }
        let cell = entry.cell(slot).copied().unwrap_or_default();
        let incoming = self.purchasing.incoming(&entry.product.sku, &location);
        Ok(StockLevel {
            incoming,
            ..StockLevel::from_cell(entry.product.sku.clone(), location, &cell)
        })
    }

    /// Stock of one SKU at every location, sorted by location id.
    pub fn stock_levels(&self, sku: &str) -> Result<Vec<StockLevel>> {
        self.locations
            .sorted()
            .into_iter()
            .map(|l| self.stock(sku, l.location_id.as_str()))
            .collect()
    }

    /// Sellable units. With a location: what allocation may still reserve
    /// there. Without: the sum over fulfilling locations minus open demand
    /// that is not yet allocated, so selling on several channels between
    /// allocation runs cannot oversell. Never below zero. Kits count whole
    /// kits buildable from their components.
    ///
    /// ```
    /// use oms_core::{Engine, Config, Command};
    /// # use chrono::{TimeZone, Utc};
    /// # let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let mut e = Engine::new(Config { require_payment: false, ..Config::default() });
    /// for json in [
    ///     r#"{"type":"define_location","location_id":"W1","name":"Main","kind":"warehouse"}"#,
    ///     r#"{"type":"define_product","sku":"SHIRT","name":"Shirt"}"#,
    ///     r#"{"type":"receive_stock","sku":"SHIRT","location_id":"W1","quantity":500}"#,
    /// ] { e.execute(Command::from_json(json).unwrap(), at).unwrap(); }
    /// let order = |id: &str, channel: &str, qty: u64| Command::from_json(&format!(
    ///     r#"{{"type":"place_order","order_id":"{id}","channel":"{channel}","customer_id":"c",
    ///        "ship_to":{{"name":"A","line1":"1 Road","city":"X","postal_code":"1","country":"US"}},
    ///        "lines":[{{"line_id":"1","sku":"SHIRT","quantity":{qty},
    ///                   "unit_price":{{"amount":"10","currency":"USD"}}}}]}}"#)).unwrap();
    /// e.execute(order("A", "etsy", 6), at).unwrap();
    /// e.execute(order("B", "ebay", 10), at).unwrap();
    /// assert_eq!(e.available("SHIRT", None).unwrap(), 484);
    /// ```
    pub fn available(&self, sku: &str, location_id: Option<&str>) -> Result<u64> {
        let entry = self
            .products
            .get(sku)
            .ok_or_else(|| OmsError::not_found("product", sku))?;
        if let Some(loc) = location_id {
            return Ok(self.stock(sku, loc)?.available);
        }
        if entry.product.is_kit() {
            // Whole kits per location, capped by what open demand leaves of each component.
            let buildable: u64 = self
                .locations
                .fulfilling
                .iter()
                .map(|&slot| {
                    let id = self.locations.by_slot[slot].location_id.as_str();
                    self.stock(sku, id).map_or(0, |s| s.available)
                })
                .sum();
            let unclaimed = entry
                .product
                .components
                .iter()
                .map(|c| self.network_available(&c.sku) / c.quantity.max(1))
                .min()
                .unwrap_or(0);
            return Ok(buildable.min(unclaimed));
        }
        Ok(self.network_available(&entry.product.sku))
    }

    /// What a sales channel may sell of a SKU now: the available stock at
    /// the channel's fulfilling, unpaused locations, less every open
    /// unallocated order unit and cart hold of the SKU (from any channel:
    /// stock is shared), less the channel's buffer; never negative. A channel never
    /// defined sells from every location with no buffer.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use oms_core::{Command, Config, Engine};
    /// let mut e = Engine::new(Config::default());
    /// let at = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
    /// for json in [
    ///     r#"{"type":"define_location","location_id":"W1","name":"Main","kind":"warehouse"}"#,
    ///     r#"{"type":"define_location","location_id":"S1","name":"Store","kind":"store"}"#,
    ///     r#"{"type":"define_product","sku":"SHIRT","name":"Shirt"}"#,
    ///     r#"{"type":"receive_stock","sku":"SHIRT","location_id":"W1","quantity":500}"#,
    ///     r#"{"type":"receive_stock","sku":"SHIRT","location_id":"S1","quantity":20}"#,
    ///     r#"{"type":"define_channel","channel":"amazon","location_ids":["W1"],"buffer":{"percent":3.2}}"#,
    /// ] { e.execute(Command::from_json(json).unwrap(), at).unwrap(); }
    /// assert_eq!(e.channel_available("amazon", "SHIRT").unwrap(), 484); // 500 - 16
    /// assert_eq!(e.channel_available("web", "SHIRT").unwrap(), 520); // undefined: everything
    /// ```
    pub fn channel_available(&self, channel: &str, sku: &str) -> Result<u64> {
        let slot = self
            .products
            .slot(sku)
            .ok_or_else(|| OmsError::not_found("product", sku))?;
        let def = self.channels.get(channel);
        let entry = &self.products.by_slot[slot];
        let stock = if entry.product.is_kit() {
            let buildable: u64 = self
                .locations
                .fulfilling
                .iter()
                .filter(|&&s| {
                    let l = &self.locations.by_slot[s];
                    !l.paused && def.is_none_or(|c| c.uses(l.location_id.as_str()))
                })
                .map(|&s| {
                    let id = self.locations.by_slot[s].location_id.as_str();
                    self.stock(sku, id).map_or(0, |level| level.available)
                })
                .sum();
            let unclaimed = entry
                .product
                .components
                .iter()
                .map(|c| {
                    let p = self.products.slot(&c.sku).unwrap_or(0);
                    let e = &self.products.by_slot[p];
                    let free = self
                        .usable_stock(p, def)
                        .saturating_sub(e.demand.saturating_add(e.held));
                    free / c.quantity.max(1)
                })
                .min()
                .unwrap_or(0);
            buildable.min(unclaimed)
        } else {
            self.usable_stock(slot, def)
                .saturating_sub(entry.demand.saturating_add(entry.held))
        };
        Ok(def
            .and_then(|d| d.buffer)
            .map_or(stock, |b| b.sellable(stock)))
    }

    /// A channel's definition; `not_found` for a channel never defined.
    pub fn channel(&self, channel: &str) -> Result<ChannelDef> {
        self.channels
            .get(channel)
            .cloned()
            .ok_or_else(|| OmsError::not_found("channel", channel))
    }

    /// Every defined channel, sorted by name.
    pub fn channels(&self) -> Vec<ChannelDef> {
        self.channels.values().cloned().collect()
    }

    /// The sourcing policy in force.
    pub fn sourcing_policy(&self) -> &SourcingPolicy {
        &self.config.sourcing
    }

    /// Available at fulfilling, unpaused locations, less open unallocated demand and cart holds.
    pub(super) fn network_available(&self, sku: &Sku) -> u64 {
        let Some(slot) = self.products.slot(sku) else {
            return 0;
        };
        let e = &self.products.by_slot[slot];
        self.usable_stock(slot, None)
            .saturating_sub(e.demand.saturating_add(e.held))
    }
}
