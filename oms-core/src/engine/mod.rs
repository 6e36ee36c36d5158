//! The engine: the only place where commands meet state.
//!
//! `execute` validates a command completely against the current state, then
//! records events and folds each into the state with the same code that
//! `apply` and `replay` use. A command that fails returns an error and changes
//! nothing. Follow-up work that cannot fail (lifting `awaiting_payment` after
//! a payment, `auto_allocate`) runs after the command's own events.

mod allocation;
mod availability;
mod commands;
mod consolidation;
mod customers;
mod dropship;
mod fold;
mod holds;
mod packing;
mod picking;
mod purchasing;
mod queries;
mod replenishment;
mod returns;
mod snapshot;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::{check_coordinates, check_gtin, haversine_km, Location, Product};
use crate::channel::ChannelDef;
use crate::command::*;
use crate::error::{OmsError, Result};
use crate::event::{
    Event, EventKind, HoldReleasedBy, LineAllocation, LineCancellation, LineQuantity,
    ReleaseReason, SCHEMA_VERSION,
};
use crate::holds::{HoldEnd, StockHold};
use crate::ids::{
    check_id, check_sku, check_text, Channel, Hold, LineId, LocationId, OrderId, Sku, StockHoldId,
};
use crate::inventory::{StockCell, StockLevel};
use crate::money::{Currency, Money};
use crate::order::{
    Address, CustomerTier, KitLine, LineState, LocationQuantity, Order, OrderAction, OrderStatus,
    OrderView, PaymentKind, PaymentTotals, Priority, Shipment,
};
use crate::purchasing::replenishment::ReorderSettings;
use crate::sourcing::{self, Candidate, Distance, LineNeed, Planner, SourcingPolicy};
use crate::util::{FxHasher, FxMap, FxSet};
use hashbrown::HashTable;
use std::hash::{Hash, Hasher};

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
    /// How allocation chooses locations (default: [`SourcingPolicy::default`]);
    /// `set_sourcing_policy` replaces it.
    pub sourcing: SourcingPolicy,
    /// Purchase orders with a total above this need `approve_po`; at or
    /// below it (in the same currency) `submit_po` approves them at once.
    /// A PO in another currency always needs approval. None (the
    /// default): every PO is approved on submission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub po_approval_threshold: Option<Money>,
    /// How many percent of the units on sent purchase orders
    /// `available_to_promise` may promise, 0 to 100 (default 100).
    #[serde(skip_serializing_if = "is_hundred")]
    pub incoming_promise_percent: u32,
    /// How SKUs are replenished unless `set_replenishment` says otherwise
    /// for a SKU at a location (see `purchasing::replenishment`).
    #[serde(skip_serializing_if = "is_default_reorder")]
    pub replenishment: ReorderSettings,
    /// The start of the ids of the dropship POs allocation creates:
    /// `{dropship_po_prefix}{order_id}-{n}` (default `DS-`).
    #[serde(skip_serializing_if = "is_default_dropship_prefix")]
    pub dropship_po_prefix: String,
    /// Zones, carriers' services and the shipping calendar (see
    /// [`crate::shipping`]). When set (even to `{}`), new orders get the
    /// hold `address_invalid` if [`crate::shipping::check_address`] finds a
    /// problem with their ship-to address; the note lists the problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping: Option<crate::shipping::ShippingConfig>,
    /// The cartons `pack` chooses from (see [`crate::packing::cartonize`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cartons: Vec<crate::packing::Carton>,
    /// The return policy: window, shipping refunds, restocking fees (see
    /// [`crate::returns::ReturnPolicy`]).
    #[serde(skip_serializing_if = "is_default_returns")]
    pub returns: crate::returns::ReturnPolicy,
    /// Tier rules: a customer whose earlier orders meet one gets its tier
    /// (`vip`: allocated just after rush orders) on new orders placed as
    /// `standard` (see [`crate::customers`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub customer_tiers: Vec<crate::customers::TierRule>,
    /// Spend milestones: the order after a customer's lifetime spend
    /// reaches one gets its gift line, free, once per milestone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<crate::customers::Milestone>,
}

fn is_default_returns(p: &crate::returns::ReturnPolicy) -> bool {
    *p == crate::returns::ReturnPolicy::default()
}

fn is_default_dropship_prefix(p: &String) -> bool {
    p == DEFAULT_DROPSHIP_PREFIX
}

const DEFAULT_DROPSHIP_PREFIX: &str = "DS-";

fn is_default_reorder(s: &ReorderSettings) -> bool {
    *s == ReorderSettings::default()
}

fn is_hundred(p: &u32) -> bool {
    *p == 100
}

impl Default for Config {
    fn default() -> Self {
        Config {
            currency: Currency::USD,
            require_payment: true,
            high_value_threshold: None,
            auto_allocate: false,
            sourcing: SourcingPolicy::default(),
            po_approval_threshold: None,
            incoming_promise_percent: 100,
            replenishment: ReorderSettings::default(),
            dropship_po_prefix: DEFAULT_DROPSHIP_PREFIX.into(),
            shipping: None,
            cartons: Vec::new(),
            returns: Default::default(),
            customer_tiers: Vec::new(),
            milestones: Vec::new(),
        }
    }
}

impl Config {
    /// Parses a config from JSON text; malformed input is a `validation` error.
    pub fn from_json(json: &str) -> Result<Config> {
        let config: Config = serde_json::from_str(json)
            .map_err(|e| OmsError::validation("config", e.to_string()))?;
        config.check()?;
        Ok(config)
    }

    /// Parses a config from a JSON value; malformed input is a `validation` error.
    pub fn from_value(value: serde_json::Value) -> Result<Config> {
        let config: Config = serde_json::from_value(value)
            .map_err(|e| OmsError::validation("config", e.to_string()))?;
        config.check()?;
        Ok(config)
    }

    /// Checks what the types alone cannot: a consistent sourcing policy.
    pub fn check(&self) -> Result<()> {
        self.sourcing
            .check()
            .map_err(|e| e.within(|| "sourcing".into()))?;
        self.replenishment
            .check()
            .map_err(|e| e.within(|| "replenishment".into()))?;
        if self.incoming_promise_percent > 100 {
            return Err(OmsError::validation(
                "incoming_promise_percent",
                format!(
                    "{} is not a percentage from 0 to 100",
                    self.incoming_promise_percent
                ),
            ));
        }
        if self.dropship_po_prefix.len() > 64
            || self.dropship_po_prefix.chars().any(char::is_control)
        {
            return Err(OmsError::validation(
                "dropship_po_prefix",
                "at most 64 bytes, none of them control characters",
            ));
        }
        if let Some(shipping) = &self.shipping {
            shipping
                .check()
                .map_err(|e| e.within(|| "shipping".into()))?;
        }
        crate::packing::check_cartons(&self.cartons).map_err(|e| e.within(|| "cartons".into()))?;
        self.returns
            .check()
            .map_err(|e| e.within(|| "returns".into()))?;
        crate::customers::check(&self.customer_tiers, &self.milestones)?;
        if let Some(t) = &self.po_approval_threshold {
            if t.amount.is_sign_negative() && !t.amount.is_zero() {
                return Err(OmsError::validation(
                    "po_approval_threshold.amount",
                    format!("{} is negative", t.amount),
                ));
            }
        }
        Ok(())
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
    /// Units (incl. kit components) under cart holds.
    held: u64,
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
    /// Slots of the kits, in slot order (few; scanned to find the kits of a component).
    kit_slots: Vec<usize>,
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
            Some(s) => {
                let kit = product.is_kit();
                self.by_slot[s].product = product;
                self.kit_slots.retain(|&k| k != s);
                if kit {
                    self.kit_slots.push(s);
                    self.kit_slots.sort_unstable();
                }
            }
            None => self.push(ProductEntry {
                product,
                stock: Vec::new(),
                demand: 0,
                held: 0,
            }),
        }
    }
    /// Adds a product that is not in the table yet.
    fn push(&mut self, entry: ProductEntry) {
        if entry.product.is_kit() {
            self.kit_slots.push(self.by_slot.len());
        }
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

/// The orders in placement order, found by id through an index that
/// remembers the last lookup: a command's events all carry the engine's own
/// `OrderId`, so after the first lookup the rest are a pointer comparison
/// instead of a hash and a string compare.
#[derive(Debug, Clone, Default)]
struct OrderTable {
    // Boxed: growing the table moves pointers, not orders, and spare
    // capacity costs a pointer per slot rather than a whole order.
    #[allow(clippy::vec_box)]
    by_slot: Vec<Box<Order>>,
    by_id: SlotIndex,
    by_channel_order: SlotIndex,
    /// Slots of each customer's orders, in placement order.
    by_customer: FxMap<crate::ids::CustomerId, Vec<u32>>,
    /// The slot of the last order looked up. A hit is confirmed by comparing
    /// the id's pointer with that order's own id, so a stale value is harmless;
    /// an atomic keeps the engine `Sync` for hosts that share it for reads.
    last: LastSlot,
}

/// Slots by the hash of a key that lives in the slot's own record (an
/// order's id, a shipment's id). Each entry keeps its hash, so growing the
/// index moves 16-byte entries and never re-reads the keys (re-hashing
/// string keys stored elsewhere cost a cache miss each); the caller
/// confirms a candidate slot against the record itself.
#[derive(Debug, Clone, Default)]
struct SlotIndex(HashTable<Indexed>);

/// An index entry: a key's hash and the slot of its record.
#[derive(Debug, Clone, Copy)]
struct Indexed {
    hash: u64,
    slot: u32,
}

impl SlotIndex {
    /// The slot whose key has `hash` and for which `is` holds.
    #[inline]
    fn find(&self, hash: u64, is: impl Fn(usize) -> bool) -> Option<usize> {
        self.0
            .find(hash, |e| e.hash == hash && is(e.slot as usize))
            .map(|e| e.slot as usize)
    }
    /// Adds a key known not to be in the index.
    #[inline]
    fn add(&mut self, hash: u64, slot: usize) {
        let slot = slot as u32;
        self.0
            .insert_unique(hash, Indexed { hash, slot }, |e| e.hash);
    }
    /// Points a key at `slot`, replacing the entry `is` confirms, if any.
    #[inline]
    fn set(&mut self, hash: u64, slot: usize, is: impl Fn(usize) -> bool) {
        match self
            .0
            .find_mut(hash, |e| e.hash == hash && is(e.slot as usize))
        {
            Some(e) => e.slot = slot as u32,
            None => self.add(hash, slot),
        }
    }
}

/// A command's fingerprint: the Fx hash of its JSON (deterministic).
fn command_fingerprint(command: &Command) -> u64 {
    let mut h = FxHasher::default();
    h.write(&serde_json::to_vec(command).unwrap_or_default());
    h.finish()
}

fn id_hash(id: &str) -> u64 {
    let mut h = FxHasher::default();
    id.hash(&mut h);
    h.finish()
}

fn channel_order_hash(channel: &str, channel_order_id: &str) -> u64 {
    let mut h = FxHasher::default();
    channel.hash(&mut h);
    channel_order_id.hash(&mut h);
    h.finish()
}

/// Whether `order` was placed under a channel's own order id.
fn placed_as(order: &Order, channel: &str, channel_order_id: &str) -> bool {
    order.placement.channel.as_str() == channel
        && order
            .placement
            .channel_order_id
            .as_ref()
            .map(|c| c.as_str())
            == Some(channel_order_id)
}

#[derive(Debug, Default)]
struct LastSlot(std::sync::atomic::AtomicU32);

impl Clone for LastSlot {
    fn clone(&self) -> Self {
        LastSlot(std::sync::atomic::AtomicU32::new(
            self.0.load(std::sync::atomic::Ordering::Relaxed),
        ))
    }
}

impl OrderTable {
    fn slot(&self, id: &OrderId) -> Option<usize> {
        use std::sync::atomic::Ordering::Relaxed;
        let last = self.last.0.load(Relaxed) as usize;
        if let Some(order) = self.by_slot.get(last) {
            if Arc::ptr_eq(order.order_id().arc(), id.arc()) {
                return Some(last);
            }
        }
        let slot = self.slot_of(id.as_str(), id_hash(id.as_str()))?;
        self.last.0.store(slot as u32, Relaxed);
        Some(slot)
    }
    fn slot_of(&self, id: &str, hash: u64) -> Option<usize> {
        let orders = &self.by_slot;
        self.by_id
            .find(hash, |s| orders[s].order_id().as_str() == id)
    }
    fn get(&self, id: &OrderId) -> Option<&Order> {
        self.slot(id).map(|s| &*self.by_slot[s])
    }
    fn get_mut(&mut self, id: &OrderId) -> Option<&mut Order> {
        self.slot(id).map(|s| &mut *self.by_slot[s])
    }
    fn get_str(&self, id: &str) -> Option<&Order> {
        self.slot_of(id, id_hash(id)).map(|s| &*self.by_slot[s])
    }
    fn contains_key(&self, id: &OrderId) -> bool {
        self.slot(id).is_some()
    }
    /// The order placed under a channel's own order id.
    fn by_channel_order(&self, channel: &str, channel_order_id: &str) -> Option<&Order> {
        let orders = &self.by_slot;
        self.by_channel_order
            .find(channel_order_hash(channel, channel_order_id), |s| {
                placed_as(&orders[s], channel, channel_order_id)
            })
            .map(|s| &*orders[s])
    }
    /// Adds an order that is not in the table yet; `false` if the id is taken.
    /// A channel order id already in use points at the new order from now on.
    fn insert(&mut self, order: Box<Order>) -> bool {
        let id = order.order_id().as_str();
        let hash = id_hash(id);
        if self.slot_of(id, hash).is_some() {
            return false;
        }
        let slot = self.by_slot.len();
        self.by_id.add(hash, slot);
        if let Some(coid) = &order.placement.channel_order_id {
            let (channel, coid) = (order.placement.channel.as_str(), coid.as_str());
            let orders = &self.by_slot;
            self.by_channel_order
                .set(channel_order_hash(channel, coid), slot, |s| {
                    placed_as(&orders[s], channel, coid)
                });
        }
        self.by_customer
            .entry(order.placement.customer_id.clone())
            .or_default()
            .push(slot as u32);
        self.by_slot.push(order);
        true
    }
    /// A customer's orders, in placement order.
    fn of_customer(&self, customer_id: &str) -> impl Iterator<Item = &Order> {
        self.by_customer
            .get(customer_id)
            .into_iter()
            .flatten()
            .map(|&s| &*self.by_slot[s as usize])
    }
    fn values(&self) -> impl Iterator<Item = &Order> {
        self.by_slot.iter().map(|o| &**o)
    }
    fn keys(&self) -> impl Iterator<Item = &OrderId> {
        self.by_slot.iter().map(|o| o.order_id())
    }
    fn len(&self) -> usize {
        self.by_slot.len()
    }
}

/// The shipments in the order they were recorded, indexed by id like the orders.
#[derive(Debug, Clone, Default)]
struct ShipmentTable {
    by_slot: Vec<Shipment>,
    by_id: SlotIndex,
}

impl ShipmentTable {
    fn slot(&self, id: &str) -> Option<usize> {
        let all = &self.by_slot;
        self.by_id
            .find(id_hash(id), |s| all[s].shipment_id.as_str() == id)
    }
    fn get<Q: AsRef<str> + ?Sized>(&self, id: &Q) -> Option<&Shipment> {
        self.slot(id.as_ref()).map(|s| &self.by_slot[s])
    }
    fn get_mut<Q: AsRef<str> + ?Sized>(&mut self, id: &Q) -> Option<&mut Shipment> {
        self.slot(id.as_ref()).map(|s| &mut self.by_slot[s])
    }
    fn contains_key<Q: AsRef<str> + ?Sized>(&self, id: &Q) -> bool {
        self.slot(id.as_ref()).is_some()
    }
    /// Records a shipment, replacing one with the same id.
    fn insert(&mut self, shipment: Shipment) {
        match self.slot(shipment.shipment_id.as_str()) {
            Some(s) => self.by_slot[s] = shipment,
            None => {
                self.by_id
                    .add(id_hash(shipment.shipment_id.as_str()), self.by_slot.len());
                self.by_slot.push(shipment);
            }
        }
    }
    fn values(&self) -> impl Iterator<Item = &Shipment> {
        self.by_slot.iter()
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

/// Allocation order: rush first, then VIP customers, then oldest
/// placement, then order id.
type PendingKey = (Priority, CustomerTier, DateTime<Utc>, OrderId);

fn pending_key(o: &Order) -> PendingKey {
    (
        o.placement.priority,
        o.placement.customer_tier,
        o.placed_at,
        o.order_id().clone(),
    )
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
            CustomerTier::Standard,
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
        self.0.iter().filter(|(s, _)| !s).map(|(_, k)| &k.3)
    }
}

/// Where an event being folded comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Built by `execute` from a command it has just validated.
    Execute,
    /// Read from a log (`apply`, `try_apply`, `replay`): checked first.
    Log,
}

/// Events being recorded by one `execute` call.
struct Tx {
    at: DateTime<Utc>,
    events: Vec<Event>,
    /// Products whose channel availability the command may change, with
    /// each defined channel's figure before it did (only when channels are defined).
    availability: Vec<(usize, Vec<(Channel, u64)>)>,
    /// Orders touched, with their status before the command, in first-touch order.
    touched: Vec<(OrderId, Option<OrderStatus>)>,
    touched_set: FxSet<OrderId>,
    /// Orders allocation planned in this command (only while some supplier
    /// item is a dropship one): the dropship pass looks at them last.
    sourced: Vec<OrderId>,
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
    orders: OrderTable,
    /// Interned channel and line-id strings, so that a million
    /// orders from one channel share one `"web"`. A cache: not snapshotted.
    names: FxSet<Arc<str>>,
    shipments: ShipmentTable,
    /// Releasable orders with unallocated units, in allocation order.
    pending: AllocationQueue,
    events_applied: u64,
    /// The system holds, built once so that holding a million orders
    /// allocates no strings.
    awaiting_payment: Hold,
    high_value_review: Hold,
    /// Reused by `execute` for the orders a command touches.
    touched_scratch: Vec<(OrderId, Option<OrderStatus>)>,
    /// Channel definitions (channels never defined use every location).
    channels: BTreeMap<Channel, ChannelDef>,
    /// The policy's shipping rates by zone and location slot, derived from
    /// the policy and the locations so that sourcing never searches the table.
    rates: Vec<Vec<Option<(Decimal, Decimal)>>>,
    /// The policy made ready to plan with (derived from `config.sourcing`).
    planner: Planner,
    /// Buffers reused by sourcing.
    sourcing_scratch: allocation::SourcingScratch,
    /// Cart holds in force, by id.
    stock_holds: BTreeMap<StockHoldId, StockHold>,
    /// Idempotency keys seen, with the fingerprint of their command.
    idempotency: BTreeMap<String, u64>,
    /// Suppliers, their items and purchase orders.
    purchasing: purchasing::Purchasing,
    /// Floors, bins, waves and pick tasks.
    floors: picking::Floors,
    /// RMAs, by id.
    returns: BTreeMap<crate::ids::RmaId, crate::returns::Rma>,
}

impl Engine {
    /// A new, empty engine.
    pub fn new(config: Config) -> Engine {
        Engine {
            config,
            locations: Sites::default(),
            products: ProductTable::default(),
            orders: OrderTable::default(),
            names: FxSet::default(),
            shipments: ShipmentTable::default(),
            pending: AllocationQueue::new(),
            events_applied: 0,
            awaiting_payment: Hold::new(Hold::AWAITING_PAYMENT),
            high_value_review: Hold::new(Hold::HIGH_VALUE_REVIEW),
            touched_scratch: Vec::new(),
            channels: BTreeMap::new(),
            rates: Vec::new(),
            planner: Planner::default(),
            sourcing_scratch: Default::default(),
            stock_holds: BTreeMap::new(),
            idempotency: BTreeMap::new(),
            purchasing: Default::default(),
            floors: Default::default(),
            returns: BTreeMap::new(),
        }
        .with_rates()
    }

    fn with_rates(mut self) -> Engine {
        self.refresh_rates();
        self
    }

    /// Rebuilds [`Engine::rates`] and the planner after the policy or a location changed.
    fn refresh_rates(&mut self) {
        if *self.planner.policy() != self.config.sourcing {
            self.planner = Planner::new(&self.config.sourcing);
        }
        self.rates = match self.config.sourcing.cost_table() {
            None => Vec::new(),
            Some(table) => (0..table.zones.len())
                .map(|zone| {
                    self.locations
                        .by_slot
                        .iter()
                        .map(|l| {
                            table
                                .rate(l.location_id.as_str(), zone)
                                .map(|r| (r.per_shipment.amount, r.per_kg.amount))
                        })
                        .collect()
                })
                .collect(),
        };
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

    /// [`Engine::execute`] with [`CommandOptions`]: an idempotency key
    /// (checked against the keys seen before; the first event records it)
    /// and an expected order version (checked before anything runs).
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use oms_core::{Command, CommandOptions, Config, Engine, ErrorCode};
    /// let mut e = Engine::new(Config::default());
    /// let at = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
    /// let json = r#"{"type":"define_location","location_id":"W1","name":"Main","kind":"warehouse"}"#;
    /// let key = CommandOptions { idempotency_key: Some("k1".into()), ..Default::default() };
    /// assert_eq!(e.execute_with(Command::from_json(json).unwrap(), &key, at).unwrap().len(), 1);
    /// assert!(e.execute_with(Command::from_json(json).unwrap(), &key, at).unwrap().is_empty());
    /// let other = r#"{"type":"define_location","location_id":"W2","name":"Main","kind":"warehouse"}"#;
    /// let err = e.execute_with(Command::from_json(other).unwrap(), &key, at).unwrap_err();
    /// assert_eq!(err.code(), ErrorCode::Duplicate);
    /// ```
    pub fn execute_with(
        &mut self,
        command: Command,
        options: &CommandOptions,
        at: DateTime<Utc>,
    ) -> Result<Vec<Event>> {
        let mut fingerprint = None;
        if let Some(key) = &options.idempotency_key {
            check_id("idempotency_key", key)?;
            let fp = command_fingerprint(&command);
            match self.idempotency.get(key.as_str()) {
                Some(&seen) if seen == fp => return Ok(Vec::new()),
                Some(_) => {
                    return Err(OmsError::duplicate(
                        "idempotency key",
                        key,
                        "already used for a different command",
                    ))
                }
                None => fingerprint = Some(fp),
            }
        }
        if let Some(expected) = options.expected_version {
            let Some(("order", id)) = command.subject() else {
                return Err(OmsError::validation(
                    "expected_version",
                    format!(
                        "applies to commands about one order, not {}",
                        command.name()
                    ),
                ));
            };
            let version = self.orders.get_str(&id).map_or(0, |o| o.version);
            if version != expected {
                return Err(OmsError::conflict(format!(
                    "order {id} is at version {version}, not the expected {expected}"
                )));
            }
        }
        let mut events = self.execute(command, at)?;
        if let (Some(key), Some(fp)) = (&options.idempotency_key, fingerprint) {
            if let Some(first) = events.first_mut() {
                first.idempotency = Some(Box::new(crate::event::Idempotency {
                    key: key.clone(),
                    fingerprint: fp,
                }));
                self.idempotency.insert(key.clone(), fp);
            }
        }
        Ok(events)
    }

    /// Validates and executes one command at time `at`, returning the events
    /// it recorded (possibly none, for an idempotent repeat). On error the
    /// state is unchanged.
    pub fn execute(&mut self, command: Command, at: DateTime<Utc>) -> Result<Vec<Event>> {
        let mut tx = Tx {
            at,
            events: Vec::with_capacity(4),
            availability: Vec::new(),
            // Reuse the engine's scratch list: no allocation per command.
            touched: std::mem::take(&mut self.touched_scratch),
            touched_set: FxSet::default(),
            sourced: Vec::new(),
        };
        // Kept (a reference count, no copy) to name the subject in validation errors.
        let subject = command.subject();
        let result = self.dispatch(command, &mut tx).map_err(|e| match subject {
            Some((kind, id)) => e.about(kind, &id),
            None => e,
        });
        if result.is_ok() {
            self.dropship_sourced(&mut tx);
            self.report_late_pos(&mut tx);
            self.emit_status_changes(&mut tx);
            self.emit_availability_changes(&mut tx);
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
            Command::RecordTrackingEvent(c) => self.record_tracking_event(c, tx)?,
            Command::Pack(c) => self.pack(c, tx)?,
            Command::CancelOrder(c) => self.cancel_order(c, tx)?,
            Command::CancelLine(c) => self.cancel_line(c, tx)?,
            Command::Reallocate(c) => self.reallocate(c, tx)?,
            Command::DefineChannel(c) => self.define_channel(c, tx)?,
            Command::SetSourcingPolicy(c) => self.set_sourcing_policy(c, tx)?,
            Command::HoldStock(c) => self.hold_stock(c, tx)?,
            Command::ConvertHold(c) => self.convert_hold(c, tx)?,
            Command::ReleaseStockHold(c) => self.release_stock_hold(c, tx)?,
            Command::ExpireHolds(_) => self.expire_holds(tx),
            Command::MergeOrders(c) => self.merge_orders(c, tx)?,
            Command::UnmergeOrders(c) => self.unmerge_orders(c, tx)?,
            Command::SplitOrder(c) => self.split_order(c, tx)?,
            Command::DefineSupplier(c) => self.define_supplier(c, tx)?,
            Command::SetSupplierItem(c) => self.set_supplier_item(c, tx)?,
            Command::CreatePo(c) => self.create_po(c, tx)?,
            Command::AmendPo(c) => self.amend_po(c, tx)?,
            Command::SubmitPo(c) => self.submit_po(c, tx)?,
            Command::ApprovePo(c) => self.approve_po(c, tx)?,
            Command::RejectPo(c) => self.reject_po(c, tx)?,
            Command::SendPo(c) => self.send_po(c, tx)?,
            Command::ReceivePo(c) => self.receive_po(c, tx)?,
            Command::ClosePo(c) => self.close_po(c, tx)?,
            Command::CancelPo(c) => self.cancel_po(c, tx)?,
            Command::ConfirmDropship(c) => self.confirm_dropship(c, tx)?,
            Command::SetReplenishment(c) => self.set_replenishment(c, tx)?,
            Command::CreateReplenishmentPos(c) => self.create_replenishment_pos(c, tx)?,
            Command::SetLayout(c) => self.set_layout(c, tx)?,
            Command::DefineBin(c) => self.define_bin(c, tx)?,
            Command::ReleaseWave(c) => self.release_wave(c, tx)?,
            Command::ConfirmPick(c) => self.confirm_pick(c, tx)?,
            Command::ShortPick(c) => self.short_pick(c, tx)?,
            Command::CompleteTask(c) => self.complete_task(c, tx)?,
            Command::RequestReturn(c) => self.request_return(c, tx)?,
            Command::AuthorizeReturn(c) => self.authorize_return(c, tx)?,
            Command::RejectReturn(c) => self.reject_return(c, tx)?,
            Command::RecordReturnShipment(c) => self.record_return_shipment(c, tx)?,
            Command::ReceiveReturn(c) => self.receive_return(c, tx)?,
            Command::InspectReturn(c) => self.inspect_return(c, tx)?,
            Command::ResolveReturn(c) => self.resolve_return(c, tx)?,
            Command::CloseReturn(c) => self.close_return(c, tx)?,
            Command::CancelReturn(c) => self.cancel_return(c, tx)?,
        }
        Ok(())
    }

    /// Records one event and folds it into the state.
    fn emit(&mut self, tx: &mut Tx, kind: EventKind) {
        if let Some(id) = kind.order_id() {
            self.touch(tx, id);
        }
        if !self.channels.is_empty() || matches!(kind, EventKind::ChannelDefined { .. }) {
            self.note_availability(tx, &kind);
        }
        // Recorded first and folded from the list: the event is moved once.
        tx.events.push(Event {
            schema_version: SCHEMA_VERSION,
            at: tx.at,
            idempotency: None,
            kind,
        });
        if let Some(event) = tx.events.last() {
            let applied = self.fold(&event.kind, event.at, Origin::Execute);
            self.events_applied += 1;
            debug_assert!(
                applied.is_ok(),
                "engine emitted an event it cannot apply: {applied:?}"
            );
        }
    }

    /// Notes that the command changes order `id`, with its status before.
    fn touch(&self, tx: &mut Tx, id: &OrderId) {
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
            let before = self.orders.get(id).map(|o| o.cached_status);
            if !tx.touched_set.is_empty() {
                tx.touched_set.insert(id.clone());
            }
            tx.touched.push((id.clone(), before));
        }
    }

    fn emit_status_changes(&mut self, tx: &mut Tx) {
        for (order_id, from) in tx.touched.drain(..) {
            let Some(to) = self.refresh_order(&order_id) else {
                continue;
            };
            if from != Some(to) {
                // Informational: folding it changes nothing but the event count.
                self.events_applied += 1;
                tx.events.push(Event {
                    schema_version: SCHEMA_VERSION,
                    at: tx.at,
                    idempotency: None,
                    kind: EventKind::OrderStatusChanged { order_id, from, to },
                });
            }
        }
    }
}
