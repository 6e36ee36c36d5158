//! The engine: the only place where commands meet state.
//!
//! `execute` validates a command completely against the current state, then
//! records events and folds each into the state with the same code that
//! `apply` and `replay` use. A command that fails returns an error and changes
//! nothing. Follow-up work that cannot fail (lifting `awaiting_payment` after
//! a payment, `auto_allocate`) runs after the command's own events.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::{check_coordinates, check_gtin, haversine_km, Location, Product};
use crate::command::*;
use crate::error::{OmsError, Result};
use crate::event::{
    Event, EventKind, HoldReleasedBy, LineAllocation, LineCancellation, LineQuantity,
    SCHEMA_VERSION,
};
use crate::ids::{
    check_id, check_sku, check_text, Channel, ChannelOrderId, CustomerId, Hold, LineId, LocationId,
    OrderId, ShipmentId, Sku,
};
use crate::inventory::{StockCell, StockLevel};
use crate::money::{Currency, Money};
use crate::order::{
    Address, KitLine, LineState, LocationQuantity, Order, OrderAction, OrderStatus, OrderView,
    PaymentKind, PaymentTotals, Priority, Shipment,
};
use crate::sourcing::{first_complete, plan_allocation, LineNeed};
use crate::util::{FxMap, FxSet};

/// Largest quantity one command may move; keeps every sum far from `u64::MAX`.
pub const MAX_QUANTITY: u64 = 1_000_000_000_000;
/// Most lines in one order or shipment.
pub const MAX_LINES: usize = 1_000;
/// Most components in one kit.
pub const MAX_COMPONENTS: usize = 100;
const MAX_NAME: usize = 500;
const MAX_TEXT: usize = 5_000;

/// Engine settings. Every field is optional in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The shop's default currency (default `USD`).
    pub currency: Currency,
    /// New orders get the hold `awaiting_payment` until authorized plus
    /// captured payments cover their total (default true; orders totalling
    /// zero are not held).
    pub require_payment: bool,
    /// Orders whose total exceeds this (same currency only) get the hold
    /// `high_value_review`, lifted only by `release_hold`.
    pub high_value_threshold: Option<Money>,
    /// Allocate orders as soon as they become releasable and fill
    /// backorders when stock arrives or is freed (default false).
    pub auto_allocate: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            currency: Currency::USD,
            require_payment: true,
            high_value_threshold: None,
            auto_allocate: false,
        }
    }
}

impl Config {
    /// Parses a config from JSON text; malformed input is a `validation` error.
    pub fn from_json(json: &str) -> Result<Config> {
        serde_json::from_str(json).map_err(|e| OmsError::validation("config", e.to_string()))
    }
}

/// A product with its stock per location and its unallocated open demand.
#[derive(Debug, Clone, PartialEq)]
struct ProductEntry {
    product: Product,
    /// Stock cells indexed by location slot (see [`Sites`]); grows on demand.
    stock: Vec<StockCell>,
    /// Open order units (incl. kit components) not yet allocated.
    demand: u64,
}

impl ProductEntry {
    fn cell(&self, slot: usize) -> Option<&StockCell> {
        self.stock.get(slot)
    }

    fn cell_mut(&mut self, slot: usize) -> &mut StockCell {
        if self.stock.len() <= slot {
            self.stock.resize(slot + 1, StockCell::default());
        }
        &mut self.stock[slot]
    }
}

/// The products, each with a dense slot number (its definition order) that
/// order lines remember, so the hot paths reach stock by index, not by hash.
#[derive(Debug, Clone, Default)]
struct ProductTable {
    by_slot: Vec<ProductEntry>,
    slot_of: FxMap<Sku, usize>,
}

impl ProductTable {
    fn slot<Q: AsRef<str> + ?Sized>(&self, sku: &Q) -> Option<usize> {
        self.slot_of.get(sku.as_ref()).copied()
    }
    fn get<Q: AsRef<str> + ?Sized>(&self, sku: &Q) -> Option<&ProductEntry> {
        self.slot(sku).map(|s| &self.by_slot[s])
    }
    fn get_mut<Q: AsRef<str> + ?Sized>(&mut self, sku: &Q) -> Option<&mut ProductEntry> {
        self.slot(sku).map(|s| &mut self.by_slot[s])
    }
    fn contains_key<Q: AsRef<str> + ?Sized>(&self, sku: &Q) -> bool {
        self.slot(sku).is_some()
    }
    /// Adds a product, or replaces the definition of an existing one (keeping its stock).
    fn upsert(&mut self, product: Product) {
        match self.slot(product.sku.as_str()) {
            Some(s) => self.by_slot[s].product = product,
            None => self.push(ProductEntry {
                product,
                stock: Vec::new(),
                demand: 0,
            }),
        }
    }
    /// Adds a product that is not in the table yet.
    fn push(&mut self, entry: ProductEntry) {
        self.slot_of
            .insert(entry.product.sku.clone(), self.by_slot.len());
        self.by_slot.push(entry);
    }
    fn values(&self) -> impl Iterator<Item = &ProductEntry> {
        self.by_slot.iter()
    }
    fn values_mut(&mut self) -> impl Iterator<Item = &mut ProductEntry> {
        self.by_slot.iter_mut()
    }
}

/// The locations, each with a dense slot number (its definition order) so
/// that stock cells are an array lookup rather than a string search.
#[derive(Debug, Clone, Default)]
struct Sites {
    by_slot: Vec<Location>,
    slot_of: FxMap<LocationId, usize>,
    /// Slots of fulfilling locations, sorted by location id (the tie-break order).
    fulfilling: Vec<usize>,
}

impl Sites {
    fn slot(&self, id: &str) -> Option<usize> {
        self.slot_of.get(id).copied()
    }

    fn get(&self, id: &str) -> Option<&Location> {
        self.slot(id).map(|s| &self.by_slot[s])
    }

    fn contains(&self, id: &str) -> bool {
        self.slot_of.contains_key(id)
    }

    fn upsert(&mut self, location: Location) {
        match self.slot(location.location_id.as_str()) {
            Some(s) => self.by_slot[s] = location,
            None => {
                self.slot_of
                    .insert(location.location_id.clone(), self.by_slot.len());
                self.by_slot.push(location);
            }
        }
        let mut fulfilling: Vec<usize> = (0..self.by_slot.len())
            .filter(|&s| self.by_slot[s].fulfills_orders)
            .collect();
        fulfilling.sort_by(|&a, &b| {
            self.by_slot[a]
                .location_id
                .cmp(&self.by_slot[b].location_id)
        });
        self.fulfilling = fulfilling;
    }

    /// Every location, sorted by id.
    fn sorted(&self) -> Vec<&Location> {
        let mut all: Vec<&Location> = self.by_slot.iter().collect();
        all.sort_by(|a, b| a.location_id.cmp(&b.location_id));
        all
    }
}

/// Allocation order: rush first, then oldest placement, then order id.
type PendingKey = (Priority, DateTime<Utc>, OrderId);

fn pending_key(o: &Order) -> PendingKey {
    (o.placement.priority, o.placed_at, o.order_id().clone())
}

/// Releasable orders with unallocated units, in allocation order.
///
/// Holds a sentinel entry that sorts last, so that the tree keeps its root
/// node when the queue empties: an order queued and dequeued again must not
/// cost an allocation each time.
#[derive(Debug, Clone)]
struct AllocationQueue(BTreeSet<(bool, PendingKey)>);

impl AllocationQueue {
    fn new() -> Self {
        let sentinel = (
            Priority::Standard,
            DateTime::<Utc>::MAX_UTC,
            OrderId::new(""),
        );
        AllocationQueue(BTreeSet::from([(true, sentinel)]))
    }
    fn insert(&mut self, key: PendingKey) {
        self.0.insert((false, key));
    }
    fn remove(&mut self, key: PendingKey) {
        self.0.remove(&(false, key));
    }
    fn contains(&self, key: PendingKey) -> bool {
        self.0.contains(&(false, key))
    }
    fn len(&self) -> usize {
        self.0.len() - 1
    }
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn clear(&mut self) {
        *self = AllocationQueue::new();
    }
    /// Queued order ids, in allocation order.
    fn iter(&self) -> impl Iterator<Item = &OrderId> {
        self.0.iter().filter(|(s, _)| !s).map(|(_, k)| &k.2)
    }
}

/// Events being recorded by one `execute` call.
struct Tx {
    at: DateTime<Utc>,
    events: Vec<Event>,
    /// Orders touched, with their status before the command, in first-touch order.
    touched: Vec<(OrderId, Option<OrderStatus>)>,
    touched_set: FxSet<OrderId>,
}

/// The order management engine. Sans-IO and deterministic: time and ids come
/// in with each command.
///
/// Not internally synchronized: share it across threads behind a `Mutex`
/// (the bindings do).
#[derive(Debug, Clone)]
pub struct Engine {
    config: Config,
    locations: Sites,
    products: ProductTable,
    orders: FxMap<OrderId, Box<Order>>,
    channel_orders: FxMap<(Channel, ChannelOrderId), OrderId>,
    /// Interned channel, customer and line-id strings, so that a million
    /// orders from one channel share one `"web"`. A cache: not snapshotted.
    names: FxSet<Arc<str>>,
    shipments: FxMap<ShipmentId, Shipment>,
    /// Releasable orders with unallocated units, in allocation order.
    pending: AllocationQueue,
    events_applied: u64,
    /// The system holds, built once so that holding a million orders
    /// allocates no strings.
    awaiting_payment: Hold,
    high_value_review: Hold,
    /// Reused by `execute` for the orders a command touches.
    touched_scratch: Vec<(OrderId, Option<OrderStatus>)>,
}

impl Engine {
    /// A new, empty engine.
    pub fn new(config: Config) -> Engine {
        Engine {
            config,
            locations: Sites::default(),
            products: ProductTable::default(),
            orders: FxMap::default(),
            channel_orders: FxMap::default(),
            names: FxSet::default(),
            shipments: FxMap::default(),
            pending: AllocationQueue::new(),
            events_applied: 0,
            awaiting_payment: Hold::new(Hold::AWAITING_PAYMENT),
            high_value_review: Hold::new(Hold::HIGH_VALUE_REVIEW),
            touched_scratch: Vec::new(),
        }
    }

    /// The engine's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Number of events folded into this state so far.
    pub fn events_applied(&self) -> u64 {
        self.events_applied
    }

    // ------------------------------------------------------------------
    // Commands
    // ------------------------------------------------------------------

    /// Validates and executes one command at time `at`, returning the events
    /// it recorded (possibly none, for an idempotent repeat). On error the
    /// state is unchanged.
    pub fn execute(&mut self, command: Command, at: DateTime<Utc>) -> Result<Vec<Event>> {
        let mut tx = Tx {
            at,
            events: Vec::with_capacity(4),
            // Reuse the engine's scratch list: no allocation per command.
            touched: std::mem::take(&mut self.touched_scratch),
            touched_set: FxSet::default(),
        };
        let result = self.dispatch(command, &mut tx);
        if result.is_ok() {
            self.emit_status_changes(&mut tx);
        }
        let mut scratch = std::mem::take(&mut tx.touched);
        scratch.clear();
        self.touched_scratch = scratch;
        result.map(|()| tx.events)
    }

    fn dispatch(&mut self, command: Command, tx: &mut Tx) -> Result<()> {
        match command {
            Command::DefineLocation(c) => self.define_location(c, tx)?,
            Command::DefineProduct(c) => self.define_product(c, tx)?,
            Command::ReceiveStock(c) => self.receive_stock(c, tx)?,
            Command::AdjustStock(c) => self.adjust_stock(c, tx)?,
            Command::CountStock(c) => self.count_stock(c, tx)?,
            Command::SetSafetyStock(c) => self.set_safety_stock(c, tx)?,
            Command::PlaceOrder(c) => self.place_order(c, tx)?,
            Command::RecordPayment(c) => self.record_payment(c, tx)?,
            Command::PlaceHold(c) => self.place_hold(c, tx)?,
            Command::ReleaseHold(c) => self.release_hold(c, tx)?,
            Command::Allocate(c) => self.allocate(c, tx)?,
            Command::Ship(c) => self.ship(c, tx)?,
            Command::ConfirmDelivery(c) => self.confirm_delivery(c, tx)?,
            Command::CancelOrder(c) => self.cancel_order(c, tx)?,
            Command::CancelLine(c) => self.cancel_line(c, tx)?,
        }
        Ok(())
    }

    /// Records one event and folds it into the state.
    fn emit(&mut self, tx: &mut Tx, kind: EventKind) {
        if let Some(id) = kind.order_id() {
            // Most commands touch one order: a short linear scan, a set for batches.
            let seen = if tx.touched.len() < 16 {
                tx.touched.iter().any(|(t, _)| t == id)
            } else {
                if tx.touched_set.is_empty() {
                    tx.touched_set = tx.touched.iter().map(|(t, _)| t.clone()).collect();
                }
                tx.touched_set.contains(id)
            };
            if !seen {
                let before = self.orders.get(id).map(|o| o.status());
                if !tx.touched_set.is_empty() {
                    tx.touched_set.insert(id.clone());
                }
                tx.touched.push((id.clone(), before));
            }
        }
        let event = Event {
            schema_version: SCHEMA_VERSION,
            at: tx.at,
            kind,
        };
        let applied = self.try_apply(&event);
        debug_assert!(
            applied.is_ok(),
            "engine emitted an event it cannot apply: {applied:?}"
        );
        tx.events.push(event);
    }

    fn emit_status_changes(&mut self, tx: &mut Tx) {
        for (order_id, from) in tx.touched.drain(..) {
            let Some(to) = self.orders.get(&order_id).map(|o| o.status()) else {
                continue;
            };
            if from != Some(to) {
                // Informational: folding it changes nothing but the event count.
                self.events_applied += 1;
                tx.events.push(Event {
                    schema_version: SCHEMA_VERSION,
                    at: tx.at,
                    kind: EventKind::OrderStatusChanged { order_id, from, to },
                });
            }
        }
    }

    fn define_location(&mut self, c: DefineLocation, tx: &mut Tx) -> Result<()> {
        check_id("location_id", c.location_id.as_str())?;
        check_text("name", &c.name, MAX_NAME)?;
        check_coordinates("", c.lat, c.lon)?;
        let location = Location {
            location_id: c.location_id,
            name: c.name,
            kind: c.kind,
            lat: c.lat,
            lon: c.lon,
            fulfills_orders: c.fulfills_orders,
        };
        if self.locations.get(location.location_id.as_str()) == Some(&location) {
            return Ok(());
        }
        self.emit(tx, EventKind::LocationDefined { location });
        Ok(())
    }

    fn define_product(&mut self, c: DefineProduct, tx: &mut Tx) -> Result<()> {
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
        };
        if self.products.get(&product.sku).map(|e| &e.product) == Some(&product) {
            return Ok(());
        }
        self.emit(tx, EventKind::ProductDefined { product });
        Ok(())
    }

    /// Looks up a stockable (non-kit) product and a location for a stock command.
    fn stock_target(&self, sku: &Sku, location_id: &LocationId) -> Result<&ProductEntry> {
        check_sku("sku", sku.as_str())?;
        check_id("location_id", location_id.as_str())?;
        let entry = self
            .products
            .get(sku)
            .ok_or_else(|| OmsError::not_found("product", sku))?;
        if !self.locations.contains(location_id.as_str()) {
            return Err(OmsError::not_found("location", location_id));
        }
        if entry.product.is_kit() {
            return Err(OmsError::validation(
                "sku",
                format!("{sku} is a kit; its stock is derived from its components"),
            ));
        }
        Ok(entry)
    }

    fn receive_stock(&mut self, c: ReceiveStock, tx: &mut Tx) -> Result<()> {
        let entry = self.stock_target(&c.sku, &c.location_id)?;
        check_quantity("quantity", c.quantity, 1)?;
        if let Some(r) = &c.reference {
            check_text("reference", r, MAX_NAME)?;
        }
        let received = self
            .cell(entry, c.location_id.as_str())
            .map_or(0, |s| s.received);
        if received
            .checked_add(c.quantity)
            .is_none_or(|t| t > u64::MAX / 4)
        {
            return Err(OmsError::validation(
                "quantity",
                "total received would overflow",
            ));
        }
        let sku = c.sku.clone();
        self.emit(
            tx,
            EventKind::StockReceived {
                sku: c.sku,
                location_id: c.location_id,
                quantity: c.quantity,
                reference: c.reference,
            },
        );
        self.fill_backorders(tx, &[sku]);
        Ok(())
    }

    fn adjust_stock(&mut self, c: AdjustStock, tx: &mut Tx) -> Result<()> {
        let entry = self.stock_target(&c.sku, &c.location_id)?;
        check_text("reason", &c.reason, MAX_NAME)?;
        if c.delta == 0 {
            return Err(OmsError::validation("delta", "must not be zero"));
        }
        check_quantity("delta", c.delta.unsigned_abs(), 1)?;
        let cell = self
            .cell(entry, c.location_id.as_str())
            .copied()
            .unwrap_or_default();
        if c.delta < 0 && c.delta.unsigned_abs() > cell.unreserved() {
            return Err(OmsError::InsufficientStock {
                sku: c.sku.to_string(),
                location_id: c.location_id.to_string(),
                requested: c.delta.unsigned_abs(),
                available: cell.unreserved(),
                message: format!(
                    "on-hand ({}) cannot drop below reserved ({}) or zero",
                    cell.on_hand(),
                    cell.reserved
                ),
            });
        }
        let (sku, grew) = (c.sku.clone(), c.delta > 0);
        self.emit(
            tx,
            EventKind::StockAdjusted {
                sku: c.sku,
                location_id: c.location_id,
                delta: c.delta,
                reason: c.reason,
                counted: None,
            },
        );
        if grew {
            self.fill_backorders(tx, &[sku]);
        }
        Ok(())
    }

    fn count_stock(&mut self, c: CountStock, tx: &mut Tx) -> Result<()> {
        let entry = self.stock_target(&c.sku, &c.location_id)?;
        check_quantity("counted", c.counted, 0)?;
        let cell = self
            .cell(entry, c.location_id.as_str())
            .copied()
            .unwrap_or_default();
        if c.counted < cell.reserved {
            return Err(OmsError::InsufficientStock {
                sku: c.sku.to_string(),
                location_id: c.location_id.to_string(),
                requested: cell.reserved,
                available: c.counted,
                message: format!(
                    "counted {} is below the {} units reserved for orders",
                    c.counted, cell.reserved
                ),
            });
        }
        let delta = i128::from(c.counted) - i128::from(cell.on_hand());
        let delta = i64::try_from(delta)
            .map_err(|_| OmsError::validation("counted", "difference to on-hand is too large"))?;
        let sku = c.sku.clone();
        self.emit(
            tx,
            EventKind::StockAdjusted {
                sku: c.sku,
                location_id: c.location_id,
                delta,
                reason: "cycle_count".to_string(),
                counted: Some(c.counted),
            },
        );
        if delta > 0 {
            self.fill_backorders(tx, &[sku]);
        }
        Ok(())
    }

    fn set_safety_stock(&mut self, c: SetSafetyStock, tx: &mut Tx) -> Result<()> {
        let entry = self.stock_target(&c.sku, &c.location_id)?;
        check_quantity("quantity", c.quantity, 0)?;
        let current = self
            .cell(entry, c.location_id.as_str())
            .map_or(0, |s| s.safety_stock);
        if current == c.quantity {
            return Ok(());
        }
        let sku = c.sku.clone();
        self.emit(
            tx,
            EventKind::SafetyStockSet {
                sku: c.sku,
                location_id: c.location_id,
                quantity: c.quantity,
            },
        );
        if c.quantity < current {
            self.fill_backorders(tx, &[sku]);
        }
        Ok(())
    }

    fn place_order(&mut self, mut c: PlaceOrder, tx: &mut Tx) -> Result<()> {
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
        if let Some(s) = &c.shipping_price {
            check_price("shipping_price", s, currency)?;
            total = total.checked_add(*s)?;
        }

        // Redelivery of the same order is a no-op; a different order under a used id is not.
        if let Some(existing) = self.orders.get(&c.order_id) {
            if *existing.placement == c {
                return Ok(());
            }
            return Err(OmsError::duplicate(
                "order",
                &c.order_id,
                "an order with this id but a different payload exists",
            ));
        }
        if let Some(coid) = &c.channel_order_id {
            let key = (c.channel.clone(), coid.clone());
            if let Some(other) = self.channel_orders.get(&key) {
                let existing = &self.orders[other].placement;
                let mut same = c.clone();
                same.order_id = other.clone();
                if **existing == same {
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
        // Share the catalog's SKU strings (found while validating).
        for (line, sku) in c.lines.iter_mut().zip(skus) {
            line.sku = sku;
        }
        let order = Arc::new(self.interned(c));
        self.emit(tx, EventKind::OrderPlaced { order });
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

    fn check_order_line(
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
    fn order_for(&self, order_id: &OrderId, action: OrderAction) -> Result<&Order> {
        check_id("order_id", order_id.as_str())?;
        let order = self
            .orders
            .get(order_id)
            .ok_or_else(|| OmsError::not_found("order", order_id))?;
        let status = order.status();
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
        Ok(order)
    }

    fn record_payment(&mut self, c: RecordPayment, tx: &mut Tx) -> Result<()> {
        let order = self.order_for(&c.order_id, OrderAction::RecordPayment)?;
        // The engine's own id: later lookups compare pointers, not bytes.
        let canonical = order.order_id().clone();
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
        if c.kind == PaymentKind::Refunded && grown > p.captured {
            return Err(OmsError::validation(
                "amount",
                format!(
                    "refund of {} exceeds what is left to refund: captured {} {currency}, already refunded {} {currency}",
                    c.amount, p.captured, p.refunded
                ),
            ));
        }
        let order_id = canonical.clone();
        self.emit(
            tx,
            EventKind::PaymentRecorded {
                order_id: canonical.clone(),
                kind: c.kind,
                amount: c.amount,
                reference: c.reference,
            },
        );
        self.release_paid_hold(tx, &order_id);
        Ok(())
    }

    /// Lifts `awaiting_payment` once authorized plus captured cover the total.
    fn release_paid_hold(&mut self, tx: &mut Tx, order_id: &OrderId) {
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

    fn place_hold(&mut self, c: PlaceHold, tx: &mut Tx) -> Result<()> {
        check_id("hold", c.hold.as_str())?;
        if let Some(n) = &c.note {
            check_text("note", n, MAX_TEXT)?;
        }
        let order = self.order_for(&c.order_id, OrderAction::PlaceHold)?;
        // The engine's own id: later lookups compare pointers, not bytes.
        let canonical = order.order_id().clone();
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
                order_id: canonical.clone(),
                hold: c.hold,
                note: c.note,
            },
        );
        Ok(())
    }

    fn release_hold(&mut self, c: ReleaseHold, tx: &mut Tx) -> Result<()> {
        check_id("hold", c.hold.as_str())?;
        let order = self.order_for(&c.order_id, OrderAction::ReleaseHold)?;
        // The engine's own id: later lookups compare pointers, not bytes.
        let canonical = order.order_id().clone();
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
        let order_id = canonical.clone();
        self.emit(
            tx,
            EventKind::HoldReleased {
                order_id: canonical.clone(),
                hold: c.hold,
                released_by: HoldReleasedBy::Manual,
            },
        );
        self.auto_allocate_order(tx, &order_id);
        Ok(())
    }

    fn allocate(&mut self, c: Allocate, tx: &mut Tx) -> Result<()> {
        match c.order_id {
            Some(order_id) => {
                let order_id = self
                    .order_for(&order_id, OrderAction::Allocate)?
                    .order_id()
                    .clone();
                if let Some(kind) = self.plan_order_allocation(&order_id) {
                    self.emit(tx, kind);
                }
            }
            None => {
                let queue: Vec<OrderId> = self.pending.iter().cloned().collect();
                for order_id in queue {
                    if let Some(kind) = self.plan_order_allocation(&order_id) {
                        self.emit(tx, kind);
                    }
                }
            }
        }
        Ok(())
    }

    /// With `auto_allocate`, allocates an order that has just become releasable.
    fn auto_allocate_order(&mut self, tx: &mut Tx, order_id: &OrderId) {
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

    /// With `auto_allocate`, offers newly available stock of `skus` to
    /// waiting orders in allocation order.
    fn fill_backorders(&mut self, tx: &mut Tx, skus: &[Sku]) {
        if !self.config.auto_allocate || self.pending.is_empty() {
            return;
        }
        let arrived: Vec<usize> = skus.iter().filter_map(|s| self.products.slot(s)).collect();
        let waiting: Vec<OrderId> = self
            .pending
            .iter()
            .filter(|k| {
                self.orders.get(*k).is_some_and(|o| {
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
    fn plan_order_allocation(&self, order_id: &OrderId) -> Option<EventKind> {
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
    fn candidates(&self, ship_to: &Address) -> std::borrow::Cow<'_, [usize]> {
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

    fn ship(&mut self, c: Ship, tx: &mut Tx) -> Result<()> {
        check_id("shipment_id", c.shipment_id.as_str())?;
        check_id("location_id", c.location_id.as_str())?;
        check_text("carrier", &c.carrier, MAX_NAME)?;
        if let Some(s) = &c.service {
            check_text("service", s, MAX_NAME)?;
        }
        if let Some(t) = &c.tracking_number {
            check_text("tracking_number", t, MAX_NAME)?;
        }
        if let Some(existing) = self.shipments.get(&c.shipment_id) {
            let same = existing.order_id == c.order_id
                && existing.location_id == c.location_id
                && existing.carrier == c.carrier
                && existing.service == c.service
                && existing.tracking_number == c.tracking_number
                && existing.lines == c.lines;
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
        let canonical = order.order_id().clone();
        if !self.locations.contains(c.location_id.as_str()) {
            return Err(OmsError::not_found("location", &c.location_id));
        }
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
            let allocated = order.lines[i].allocated_at(&c.location_id);
            if sl.quantity > allocated {
                return Err(OmsError::InsufficientStock {
                    sku: order.placement.lines[i].sku.to_string(),
                    location_id: c.location_id.to_string(),
                    requested: sl.quantity,
                    available: allocated,
                    message: format!(
                        "line {} of order {} has {allocated} units allocated at this location",
                        sl.line_id, c.order_id
                    ),
                });
            }
        }
        self.emit(
            tx,
            EventKind::OrderShipped {
                order_id: canonical.clone(),
                shipment_id: c.shipment_id,
                location_id: c.location_id,
                carrier: c.carrier,
                service: c.service,
                tracking_number: c.tracking_number,
                lines: c.lines,
            },
        );
        Ok(())
    }

    fn confirm_delivery(&mut self, c: ConfirmDelivery, tx: &mut Tx) -> Result<()> {
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

    fn cancel_order(&mut self, c: CancelOrder, tx: &mut Tx) -> Result<()> {
        check_text("reason", &c.reason, MAX_NAME)?;
        let order = self.order_for(&c.order_id, OrderAction::Cancel)?;
        // The engine's own id: later lookups compare pointers, not bytes.
        let canonical = order.order_id().clone();
        let mut lines = Vec::new();
        let mut freed = Vec::new();
        for i in 0..order.lines.len() {
            let open = order.open(i);
            if open == 0 {
                continue;
            }
            let released = order.lines[i].allocations.as_slice().to_vec();
            if !released.is_empty() {
                freed.extend(line_skus(order, i));
            }
            lines.push(LineCancellation {
                line_id: order.placement.lines[i].line_id.clone(),
                quantity: open,
                released,
            });
        }
        let order_id = canonical.clone();
        self.emit(
            tx,
            EventKind::OrderCancelled {
                order_id: canonical.clone(),
                reason: c.reason,
                lines,
            },
        );
        let _ = order_id;
        self.fill_backorders(tx, &freed);
        Ok(())
    }

    fn cancel_line(&mut self, c: CancelLine, tx: &mut Tx) -> Result<()> {
        check_text("reason", &c.reason, MAX_NAME)?;
        check_quantity("quantity", c.quantity, 1)?;
        let order = self.order_for(&c.order_id, OrderAction::Cancel)?;
        // The engine's own id: later lookups compare pointers, not bytes.
        let canonical = order.order_id().clone();
        let i = order.line_index(c.line_id.as_str()).ok_or_else(|| {
            OmsError::not_found("order line", format!("{}/{}", c.order_id, c.line_id))
        })?;
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
        let freed = if released.is_empty() {
            Vec::new()
        } else {
            line_skus(order, i)
        };
        let order_id = canonical.clone();
        self.emit(
            tx,
            EventKind::LineCancelled {
                order_id: canonical.clone(),
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

    // ------------------------------------------------------------------
    // Folding events into state
    // ------------------------------------------------------------------

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
        self.fold(&event.kind, event.at)?;
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

    fn fold(&mut self, kind: &EventKind, at: DateTime<Utc>) -> Result<()> {
        match kind {
            EventKind::LocationDefined { location } => {
                self.locations.upsert(location.clone());
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
                ..
            } => {
                let cell = self.cell_for_event(sku, location_id)?;
                cell.received = cell
                    .received
                    .checked_add(*quantity)
                    .ok_or_else(|| OmsError::conflict("received overflows"))?;
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
                    cell.adjusted_out += d;
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
            EventKind::OrderPlaced { order } => self.fold_order_placed(order, at)?,
            EventKind::PaymentRecorded {
                order_id,
                kind,
                amount,
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
            }
            EventKind::HoldPlaced { order_id, hold, .. } => {
                let o = self.order_mut(order_id)?;
                if let Err(i) = o.holds.binary_search(hold) {
                    let mut holds = std::mem::take(&mut o.holds).into_vec();
                    holds.insert(i, hold.clone());
                    o.holds = holds.into_boxed_slice();
                }
                self.refresh_pending(order_id);
            }
            EventKind::HoldReleased { order_id, hold, .. } => {
                let o = self.order_mut(order_id)?;
                o.holds = o.holds.iter().filter(|h| *h != hold).cloned().collect();
                self.refresh_pending(order_id);
            }
            EventKind::OrderAllocated {
                order_id,
                allocations,
                ..
            } => self.fold_allocated(order_id, allocations)?,
            EventKind::OrderShipped {
                order_id,
                shipment_id,
                location_id,
                carrier,
                service,
                tracking_number,
                lines,
            } => {
                if self.shipments.contains_key(shipment_id) {
                    return Err(OmsError::duplicate(
                        "shipment",
                        shipment_id,
                        "already recorded",
                    ));
                }
                self.fold_shipped(order_id, location_id, lines)?;
                let order = self.order_mut(order_id)?;
                let mut ids = std::mem::take(&mut order.shipments).into_vec();
                ids.push(shipment_id.clone());
                order.shipments = ids.into_boxed_slice();
                self.shipments.insert(
                    shipment_id.clone(),
                    Shipment {
                        shipment_id: shipment_id.clone(),
                        order_id: order_id.clone(),
                        location_id: location_id.clone(),
                        carrier: carrier.clone(),
                        service: service.clone(),
                        tracking_number: tracking_number.clone(),
                        lines: lines.clone(),
                        shipped_at: at,
                        delivered_at: None,
                    },
                );
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
                let mut idx = Vec::with_capacity(s.lines.len());
                for l in s.lines.iter() {
                    let i = order
                        .line_index(l.line_id.as_str())
                        .ok_or_else(|| OmsError::not_found("order line", &l.line_id))?;
                    idx.push((i, l.quantity));
                }
                for (i, q) in idx {
                    order.lines[i].delivered += q;
                }
                if let Some(s) = self.shipments.get_mut(shipment_id) {
                    s.delivered_at = Some(at);
                }
            }
            EventKind::OrderCancelled {
                order_id, lines, ..
            } => {
                self.fold_cancelled(order_id, lines)?;
            }
            EventKind::LineCancelled {
                order_id,
                cancellation,
                ..
            } => {
                self.fold_cancelled(order_id, std::slice::from_ref(cancellation))?;
            }
            EventKind::OrderStatusChanged { order_id, .. } => {
                if !self.orders.contains_key(order_id) {
                    return Err(OmsError::not_found("order", order_id));
                }
            }
        }
        Ok(())
    }

    fn cell_for_event(&mut self, sku: &Sku, location_id: &LocationId) -> Result<&mut StockCell> {
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
    fn cell<'a>(&self, entry: &'a ProductEntry, location: &str) -> Option<&'a StockCell> {
        self.locations.slot(location).and_then(|s| entry.cell(s))
    }

    fn order_mut(&mut self, order_id: &OrderId) -> Result<&mut Order> {
        self.orders
            .get_mut(order_id)
            .map(|o| &mut **o)
            .ok_or_else(|| OmsError::not_found("order", order_id))
    }

    fn intern(&mut self, s: &Arc<str>) -> Arc<str> {
        match self.names.get(s) {
            Some(shared) => shared.clone(),
            None => {
                self.names.insert(s.clone());
                s.clone()
            }
        }
    }

    /// The placement with its repeated strings shared: channel, customer
    /// and line ids from the name pool (SKUs are the catalog's already).
    fn interned(&mut self, mut p: PlaceOrder) -> PlaceOrder {
        p.channel = Channel::from_arc(self.intern(p.channel.arc()));
        p.customer_id = CustomerId::from_arc(self.intern(p.customer_id.arc()));
        for l in &mut p.lines {
            l.line_id = LineId::from_arc(self.intern(l.line_id.arc()));
        }
        p.lines.shrink_to_fit();
        p
    }

    fn refresh_pending(&mut self, order_id: &OrderId) {
        let Some(o) = self.orders.get_mut(order_id) else {
            return;
        };
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
    }

    fn fold_order_placed(&mut self, placement: &Arc<PlaceOrder>, at: DateTime<Utc>) -> Result<()> {
        if self.orders.contains_key(&placement.order_id) {
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
            queued: false,
        };
        self.link_products(&mut order, true)?;
        for (i, spec) in placement.lines.iter().enumerate() {
            for (slot, per) in order.part_slots(i) {
                let e = &mut self.products.by_slot[slot];
                e.demand = e.demand.saturating_add(spec.quantity.saturating_mul(per));
            }
        }
        if let Some(coid) = &placement.channel_order_id {
            self.channel_orders.insert(
                (placement.channel.clone(), coid.clone()),
                placement.order_id.clone(),
            );
        }
        self.orders
            .insert(placement.order_id.clone(), Box::new(order));
        self.refresh_pending(&placement.order_id);
        Ok(())
    }

    /// Points an order's lines (and kit components) at their product slots.
    /// A new order takes its kits from the catalog; a restored one keeps
    /// the kits it was placed with.
    fn link_products(&self, order: &mut Order, new: bool) -> Result<()> {
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

    fn fold_allocated(&mut self, order_id: &OrderId, allocations: &[LineAllocation]) -> Result<()> {
        // Borrow the parts of the engine separately: the order is read while
        // the ledger changes, without cloning ids.
        let Engine {
            orders,
            products,
            locations,
            ..
        } = self;
        let order = orders
            .get_mut(order_id)
            .ok_or_else(|| OmsError::not_found("order", order_id))?;
        // Check everything first so a bad event changes nothing.
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
                Some(p) => p.1 += a.quantity,
                None => per_line.push((i, a.quantity)),
            }
            for (product, per) in order.part_slots(i) {
                let need = a.quantity.saturating_mul(per);
                match per_cell
                    .iter_mut()
                    .find(|(p, l, _)| *p == product && *l == slot)
                {
                    Some(p) => p.2 += need,
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
        // Apply.
        for &(product, slot, need) in &per_cell {
            let e = &mut products.by_slot[product];
            e.cell_mut(slot).reserved += need;
            e.demand = e.demand.saturating_sub(need);
        }
        for a in allocations {
            if let Some(i) = order.line_index(a.line_id.as_str()) {
                order.lines[i].allocations.add(&a.location_id, a.quantity);
            }
        }
        // From now on every open unit without a reservation is backordered.
        order.allocation_attempted = true;
        self.refresh_pending(order_id);
        Ok(())
    }

    fn fold_shipped(
        &mut self,
        order_id: &OrderId,
        location_id: &LocationId,
        lines: &[ShipLine],
    ) -> Result<()> {
        let Engine {
            orders,
            products,
            locations,
            ..
        } = self;
        let slot = locations
            .slot(location_id.as_str())
            .ok_or_else(|| OmsError::not_found("location", location_id))?;
        let order = orders
            .get_mut(order_id)
            .ok_or_else(|| OmsError::not_found("order", order_id))?;
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
        for l in lines {
            let Some(i) = order.line_index(l.line_id.as_str()) else {
                continue;
            };
            for (product, per) in order.part_slots(i) {
                let n = l.quantity.saturating_mul(per);
                let cell = products.by_slot[product].cell_mut(slot);
                cell.reserved = cell.reserved.saturating_sub(n);
                cell.shipped += n;
            }
            let line = &mut order.lines[i];
            line.shipped += l.quantity;
            line.allocations.remove(location_id, l.quantity);
        }
        self.refresh_pending(order_id);
        Ok(())
    }

    fn fold_cancelled(&mut self, order_id: &OrderId, lines: &[LineCancellation]) -> Result<()> {
        let Engine {
            orders,
            products,
            locations,
            ..
        } = self;
        let order = orders
            .get_mut(order_id)
            .ok_or_else(|| OmsError::not_found("order", order_id))?;
        for (n, l) in lines.iter().enumerate() {
            let i = order
                .line_index(l.line_id.as_str())
                .ok_or_else(|| OmsError::not_found("order line", &l.line_id))?;
            let released: u64 = l.released.iter().map(|r| r.quantity).sum();
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
        for l in lines {
            let Some(i) = order.line_index(l.line_id.as_str()) else {
                continue;
            };
            let released: u64 = l.released.iter().map(|r| r.quantity).sum();
            let unallocated = l.quantity - released;
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
            line.cancelled += l.quantity;
            for r in &l.released {
                line.allocations.remove(&r.location_id, r.quantity);
            }
        }
        self.refresh_pending(order_id);
        Ok(())
    }

    // ------------------------------------------------------------------
    // Queries
    // ------------------------------------------------------------------

    /// One order, with its derived status and per-line quantities.
    pub fn order(&self, order_id: &str) -> Result<OrderView> {
        self.orders
            .get(order_id)
            .map(|o| o.view())
            .ok_or_else(|| OmsError::not_found("order", order_id))
    }

    /// Orders sorted by id, optionally only those with `status`.
    pub fn orders(&self, status: Option<OrderStatus>) -> Vec<OrderView> {
        let mut ids: Vec<&OrderId> = self
            .orders
            .iter()
            .filter(|(_, o)| status.is_none_or(|s| o.status() == s))
            .map(|(id, _)| id)
            .collect();
        ids.sort();
        ids.into_iter().map(|id| self.orders[id].view()).collect()
    }

    /// Number of orders per status (every status listed, zeros included).
    pub fn order_counts(&self) -> BTreeMap<OrderStatus, usize> {
        let mut counts: BTreeMap<OrderStatus, usize> =
            OrderStatus::ALL.iter().map(|s| (*s, 0)).collect();
        for o in self.orders.values() {
            *counts.entry(o.status()).or_default() += 1;
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
            });
        }
        let cell = entry.cell(slot).copied().unwrap_or_default();
        Ok(StockLevel::from_cell(
            entry.product.sku.clone(),
            location,
            &cell,
        ))
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

    fn network_available(&self, sku: &Sku) -> u64 {
        let Some(entry) = self.products.get(sku) else {
            return 0;
        };
        let physical: u64 = self
            .locations
            .fulfilling
            .iter()
            .filter_map(|&slot| entry.cell(slot))
            .map(StockCell::available)
            .sum();
        physical.saturating_sub(entry.demand)
    }

    // ------------------------------------------------------------------
    // Snapshots and invariants
    // ------------------------------------------------------------------

    /// Serializes the whole state deterministically: the same state gives
    /// the same bytes.
    pub fn snapshot(&self) -> Vec<u8> {
        let mut products: Vec<ProductSnapshot> = self
            .products
            .values()
            .map(|e| ProductSnapshot {
                product: e.product.clone(),
                stock: {
                    let mut cells: Vec<(LocationId, StockCell)> = e
                        .stock
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| !c.is_empty())
                        .map(|(slot, c)| (self.locations.by_slot[slot].location_id.clone(), *c))
                        .collect();
                    cells.sort_by(|a, b| a.0.cmp(&b.0));
                    cells
                },
            })
            .collect();
        products.sort_by(|a, b| a.product.sku.cmp(&b.product.sku));
        let mut orders: Vec<&Order> = self.orders.values().map(|o| &**o).collect();
        orders.sort_by(|a, b| a.order_id().cmp(b.order_id()));
        let mut shipments: Vec<&Shipment> = self.shipments.values().collect();
        shipments.sort_by(|a, b| a.shipment_id.cmp(&b.shipment_id));
        let snapshot = SnapshotRef {
            schema_version: SCHEMA_VERSION,
            config: &self.config,
            events_applied: self.events_applied,
            locations: self.locations.sorted(),
            products,
            orders,
            shipments,
        };
        // Serializing plain data to a Vec cannot fail.
        serde_json::to_vec(&snapshot).unwrap_or_default()
    }

    /// Restores an engine from [`Engine::snapshot`] bytes. Malformed bytes
    /// are a `validation` error; a snapshot whose parts contradict each
    /// other is a `conflict`.
    pub fn from_snapshot(bytes: &[u8]) -> Result<Engine> {
        let s: Snapshot = serde_json::from_slice(bytes)
            .map_err(|e| OmsError::validation("snapshot", e.to_string()))?;
        if s.schema_version == 0 || s.schema_version > SCHEMA_VERSION {
            return Err(OmsError::validation(
                "snapshot",
                format!(
                    "schema_version {} is not supported (this engine writes {SCHEMA_VERSION})",
                    s.schema_version
                ),
            ));
        }
        let mut e = Engine::new(s.config);
        e.events_applied = s.events_applied;
        for l in s.locations {
            if e.locations.contains(l.location_id.as_str()) {
                return Err(OmsError::conflict(format!(
                    "location {} appears twice",
                    l.location_id
                )));
            }
            e.locations.upsert(l);
        }
        for p in s.products {
            let sku = p.product.sku.clone();
            if e.products.contains_key(&sku) {
                return Err(OmsError::conflict(format!("product {sku} appears twice")));
            }
            let mut entry = ProductEntry {
                product: p.product,
                stock: Vec::new(),
                demand: 0,
            };
            for (location_id, cell) in p.stock {
                let slot = e.locations.slot(location_id.as_str()).ok_or_else(|| {
                    OmsError::conflict(format!("stock at unknown location {location_id}"))
                })?;
                *entry.cell_mut(slot) = cell;
            }
            e.products.push(entry);
        }
        for mut o in s.orders {
            let id = o.order_id().clone();
            if o.lines.len() != o.placement.lines.len()
                || o.kits.iter().any(|k| k.line as usize >= o.lines.len())
            {
                return Err(OmsError::conflict(format!(
                    "order {id} has mismatched lines"
                )));
            }
            e.link_products(&mut o, false)
                .map_err(|err| OmsError::conflict(format!("order {id}: {err}")))?;
            if let Some(coid) = &o.placement.channel_order_id {
                e.channel_orders
                    .insert((o.placement.channel.clone(), coid.clone()), id.clone());
            }
            if e.orders.insert(id.clone(), Box::new(o)).is_some() {
                return Err(OmsError::conflict(format!("order {id} appears twice")));
            }
        }
        for s in s.shipments {
            e.shipments.insert(s.shipment_id.clone(), s);
        }
        e.rebuild_indexes();
        e.check_invariants().map_err(OmsError::conflict)?;
        Ok(e)
    }

    /// Recomputes the derived indexes (open demand, pending queue) from orders.
    fn rebuild_indexes(&mut self) {
        for p in self.products.values_mut() {
            p.demand = 0;
        }
        let Engine {
            orders, products, ..
        } = self;
        for o in orders.values() {
            for i in 0..o.lines.len() {
                let unallocated = o.unallocated(i);
                for (product, per) in o.part_slots(i) {
                    let e = &mut products.by_slot[product];
                    e.demand = e.demand.saturating_add(unallocated.saturating_mul(per));
                }
            }
        }
        let ids: Vec<OrderId> = self.orders.keys().cloned().collect();
        self.pending.clear();
        for id in ids {
            self.refresh_pending(&id);
        }
    }

    /// Checks every invariant of the state: stock cells are consistent,
    /// reservations equal the order lines' allocations, line quantities add
    /// up, derived indexes match. Returns the first violation found.
    pub fn check_invariants(&self) -> std::result::Result<(), String> {
        let mut reserved: BTreeMap<(Sku, LocationId), u64> = BTreeMap::new();
        let mut demand: BTreeMap<Sku, u64> = BTreeMap::new();
        for o in self.orders.values() {
            for (i, (spec, line)) in o.placement.lines.iter().zip(&o.lines).enumerate() {
                let accounted = line.cancelled + line.shipped + line.allocated();
                if accounted > spec.quantity {
                    return Err(format!(
                        "order {} line {}: cancelled + shipped + allocated = {accounted} exceeds quantity {}",
                        o.order_id(), spec.line_id, spec.quantity
                    ));
                }
                if line.delivered > line.shipped {
                    return Err(format!(
                        "order {} line {}: counters out of range",
                        o.order_id(),
                        spec.line_id
                    ));
                }
                if self.products.slot(&spec.sku) != Some(line.product as usize) {
                    return Err(format!(
                        "order {} line {} does not point at product {}",
                        o.order_id(),
                        spec.line_id,
                        spec.sku
                    ));
                }
                let comps: Vec<(Sku, u64)> = if o.components(i).is_empty() {
                    vec![(spec.sku.clone(), 1)]
                } else {
                    o.components(i)
                        .iter()
                        .map(|c| (c.sku.clone(), c.quantity))
                        .collect()
                };
                for (sku, per) in comps {
                    for a in line.allocations.as_slice() {
                        if !self.locations.contains(a.location_id.as_str()) {
                            return Err(format!(
                                "allocation at unknown location {}",
                                a.location_id
                            ));
                        }
                        *reserved
                            .entry((sku.clone(), a.location_id.clone()))
                            .or_default() += a.quantity * per;
                    }
                    *demand.entry(sku).or_default() += o.unallocated(i) * per;
                }
            }
            let key = pending_key(o);
            let should = o.is_pending();
            if should != self.pending.contains(key) {
                return Err(format!(
                    "pending queue out of date for order {}",
                    o.order_id()
                ));
            }
        }
        if self.pending.len() > self.orders.len() {
            return Err("pending queue holds unknown orders".into());
        }
        for e in self.products.values() {
            if e.product.is_kit() && e.stock.iter().any(|c| !c.is_empty()) {
                return Err(format!("kit {} holds stock of its own", e.product.sku));
            }
            for (slot, cell) in e.stock.iter().enumerate() {
                let loc = &self.locations.by_slot[slot].location_id;
                cell.check()
                    .map_err(|m| format!("{} at {loc}: {m}", e.product.sku))?;
                let expect = reserved
                    .get(&(e.product.sku.clone(), loc.clone()))
                    .copied()
                    .unwrap_or(0);
                if cell.reserved != expect {
                    return Err(format!(
                        "{} at {loc}: reserved {} but order lines hold {expect}",
                        e.product.sku, cell.reserved
                    ));
                }
            }
            let expect = demand.get(&e.product.sku).copied().unwrap_or(0);
            if e.demand != expect {
                return Err(format!(
                    "{}: open demand {} but orders need {expect}",
                    e.product.sku, e.demand
                ));
            }
        }
        for ((sku, loc), n) in &reserved {
            let held = self
                .products
                .get(sku)
                .and_then(|e| self.cell(e, loc.as_str()))
                .map_or(0, |c| c.reserved);
            if held != *n {
                return Err(format!(
                    "{sku} at {loc}: orders hold {n} but the ledger reserves {held}"
                ));
            }
        }
        for s in self.shipments.values() {
            if !self.orders.contains_key(&s.order_id) {
                return Err(format!(
                    "shipment {} references unknown order {}",
                    s.shipment_id, s.order_id
                ));
            }
        }
        Ok(())
    }
}

/// The (SKU, units per line unit) pairs that line `i` draws from stock.
fn parts(order: &Order, i: usize) -> impl Iterator<Item = (&Sku, u64)> + '_ {
    let components = order.components(i);
    let own = components
        .is_empty()
        .then(|| (&order.placement.lines[i].sku, 1));
    own.into_iter()
        .chain(components.iter().map(|c| (&c.sku, c.quantity)))
}

/// The stockable SKUs behind line `i`.
fn line_skus(order: &Order, i: usize) -> Vec<Sku> {
    parts(order, i).map(|(s, _)| s.clone()).collect()
}

fn join(holds: &[Hold]) -> String {
    holds
        .iter()
        .map(Hold::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_quantity(field: &str, q: u64, min: u64) -> Result<()> {
    if q < min || q > MAX_QUANTITY {
        return Err(OmsError::validation(
            field,
            format!("{q} is not between {min} and {MAX_QUANTITY}"),
        ));
    }
    Ok(())
}

fn check_price(field: &str, price: &Money, currency: Currency) -> Result<()> {
    if price.currency != currency {
        return Err(OmsError::validation(
            format!("{field}.currency"),
            format!(
                "{} differs from the order's currency {currency}",
                price.currency
            ),
        ));
    }
    if price.amount.is_sign_negative() && !price.amount.is_zero() {
        return Err(OmsError::validation(field, format!("{price} is negative")));
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

fn check_address(a: &Address) -> Result<()> {
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
    let country = a.country();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(OmsError::validation(
            "country",
            format!("{country:?} is not an ISO 3166-1 alpha-2 code like \"US\""),
        ));
    }
    match (a.lat(), a.lon()) {
        (Some(lat), Some(lon)) if lat.is_nan() != lon.is_nan() => Err(OmsError::validation(
            "lat",
            "lat and lon must be given together",
        )),
        (lat, lon) => check_coordinates("", lat, lon),
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductSnapshot {
    product: Product,
    #[serde(default)]
    stock: Vec<(LocationId, StockCell)>,
}

#[derive(Serialize)]
struct SnapshotRef<'a> {
    schema_version: u16,
    config: &'a Config,
    events_applied: u64,
    locations: Vec<&'a Location>,
    products: Vec<ProductSnapshot>,
    orders: Vec<&'a Order>,
    shipments: Vec<&'a Shipment>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Snapshot {
    schema_version: u16,
    config: Config,
    events_applied: u64,
    locations: Vec<Location>,
    products: Vec<ProductSnapshot>,
    orders: Vec<Order>,
    shipments: Vec<Shipment>,
}
