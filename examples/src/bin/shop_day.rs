//! One simulated day of a small shop, driven entirely through `oms-core`.
//!
//! ```text
//! cargo run --release -p oms-examples --bin shop_day -- [SEED]
//! ```
//!
//! The shop has two warehouses and a store, a few hundred SKUs (some of them
//! kits) and sells on several channels. Over the day a few thousand orders
//! arrive; payments succeed, fail and are retried; risky orders are held and
//! reviewed; allocation runs every few minutes and pick/pack waves ship what
//! it reserved; trucks bring replenishment; customers cancel; parcels are
//! delivered. Channels redeliver some orders, which the engine ignores.
//!
//! Everything is derived from the seed (default 42) through a small PRNG in
//! this file, and time is a fixed date plus simulated minutes, so the same
//! seed always prints the same report. At the end the program checks the
//! engine's invariants and that replaying the event log rebuilds a
//! byte-identical snapshot.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::process::ExitCode;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use oms_core::event::HoldReleasedBy;
use oms_core::{
    Address, AddressParts, AdjustStock, Allocate, CancelLine, CancelOrder, Channel, ChannelOrderId,
    Command, Component, Config, ConfirmDelivery, CountStock, Currency, CustomerId, DefineLocation,
    DefineProduct, Engine, ErrorCode, Event, EventKind, Hold, LineId, LocationId, LocationKind,
    Money, OrderId, OrderLineInput, OrderStatus, OrderView, PaymentKind, PlaceHold, PlaceOrder,
    Priority, ReceiveStock, RecordPayment, ReleaseHold, SetSafetyStock, Ship, ShipLine, ShipmentId,
    Sku, StockLevel,
};
use rust_decimal::Decimal;

// ---------------------------------------------------------------------------
// The shape of the day
// ---------------------------------------------------------------------------

const DEFAULT_SEED: u64 = 42;
const ORDERS: usize = 3_000;
/// Plain products; kits come on top (300 SKUs in all).
const STOCKED_SKUS: usize = 288;
const KITS: usize = 12;

/// Minutes since midnight.
const fn hm(hour: u32, minute: u32) -> u32 {
    hour * 60 + minute
}
const OPENING_STOCK: u32 = hm(5, 0);
const ORDER_HOURS: Range<u32> = hm(6, 0)..hm(22, 0);
const STORE_HOURS: Range<u32> = hm(9, 0)..hm(19, 0);
const SHIPPING_HOURS: Range<u32> = hm(7, 0)..hm(21, 0);
const EAST_TRUCK: u32 = hm(11, 0);
const CYCLE_COUNT: u32 = hm(13, 0);
const DAMAGE_CHECK: u32 = hm(14, 0);
const WEST_TRUCK: u32 = hm(15, 30);
const RELEASE_SAFETY: u32 = hm(18, 0);
const EVENING_TRUCK: u32 = hm(19, 0);
const END_OF_DAY: u32 = hm(24, 0);
const ALLOCATE_EVERY: u32 = 15;
const WAVE_EVERY: u32 = 30;
/// Unpaid web orders are cancelled this many minutes after placement.
const PAYMENT_TIMEOUT: u32 = 180;
const HIGH_VALUE_USD: i64 = 400;

const STORE: &str = "STORE";
const WH_EAST: &str = "WH-EAST";
const WH_WEST: &str = "WH-WEST";
const FRAUD_CHECK: &str = "fraud_check";

/// The store has no coordinates on purpose: allocation ranks locations by
/// distance to the ship-to and puts unknown distances last, so web orders
/// ship from the nearest warehouse and fall back to the store. Counter sales
/// carry no coordinates at all, which leaves the id order — and `STORE`
/// sorts before `WH-*`, so they take stock from the store.
const LOCATIONS: [Site; 3] = [
    Site {
        id: WH_EAST,
        name: "East DC, Edison NJ",
        kind: LocationKind::Warehouse,
        coordinates: Some((40.52, -74.41)),
    },
    Site {
        id: WH_WEST,
        name: "West DC, Reno NV",
        kind: LocationKind::Warehouse,
        coordinates: Some((39.53, -119.81)),
    },
    Site {
        id: STORE,
        name: "Flagship store, Chicago",
        kind: LocationKind::Store,
        coordinates: None,
    },
];

struct Site {
    id: &'static str,
    name: &'static str,
    kind: LocationKind,
    /// Latitude and longitude.
    coordinates: Option<(f64, f64)>,
}

/// City, region, postal code, latitude, longitude.
const CITIES: [(&str, &str, &str, f64, f64); 10] = [
    ("New York", "NY", "10001", 40.75, -73.99),
    ("Boston", "MA", "02108", 42.36, -71.06),
    ("Philadelphia", "PA", "19103", 39.95, -75.17),
    ("Atlanta", "GA", "30303", 33.75, -84.39),
    ("Chicago", "IL", "60601", 41.88, -87.62),
    ("Denver", "CO", "80202", 39.75, -104.99),
    ("Austin", "TX", "78701", 30.27, -97.74),
    ("Los Angeles", "CA", "90012", 34.05, -118.24),
    ("San Francisco", "CA", "94103", 37.77, -122.41),
    ("Seattle", "WA", "98101", 47.61, -122.33),
];

// ---------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------

/// SplitMix64: tiny, fast and good enough for a simulation.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (multiply-shift; the bias is negligible here).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(u64::from(hi - lo + 1)) as u32
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

// ---------------------------------------------------------------------------
// Catalog
// ---------------------------------------------------------------------------

struct Item {
    sku: Sku,
    price: Decimal,
    /// Units the day is expected to sell (plain products only).
    expected: u64,
    /// Stocked well below demand, so that backorders happen.
    scarce: bool,
}

struct Catalog {
    /// Plain products, most popular first.
    items: Vec<Item>,
    kits: Vec<(Item, Vec<Component>)>,
    /// Running sums of the popularity weights of `items`, for weighted picks.
    cumulative: Vec<f64>,
}

impl Catalog {
    fn generate(rng: &mut SplitMix64) -> Catalog {
        // Zipf-like popularity: item i sells in proportion to 1 / (i + 10).
        let weights: Vec<f64> = (0..STOCKED_SKUS).map(|i| 1.0 / (i as f64 + 10.0)).collect();
        let total: f64 = weights.iter().sum();
        // Rough units sold per day: orders × 1.75 lines × 1.3 units.
        let units_per_day = ORDERS as f64 * 1.75 * 1.3;
        let mut cumulative = Vec::with_capacity(STOCKED_SKUS);
        let mut running = 0.0;
        let items = weights
            .iter()
            .enumerate()
            .map(|(i, w)| {
                running += w;
                cumulative.push(running);
                Item {
                    sku: Sku::new(format!("SKU-{:04}", i + 1)),
                    price: Decimal::new(i64::from(rng.between(3, 119)) * 100 + 99, 2),
                    expected: (units_per_day * w / total).ceil() as u64,
                    scarce: i < 120 && rng.chance(0.12),
                }
            })
            .collect::<Vec<_>>();
        let kits = (0..KITS)
            .map(|k| {
                let mut components: Vec<Component> = Vec::new();
                let parts = rng.between(2, 3) as usize;
                while components.len() < parts {
                    let sku = items[rng.between(20, 200) as usize].sku.clone();
                    if components.iter().all(|c| c.sku != sku) {
                        let quantity = u64::from(rng.between(1, 2));
                        components.push(Component { sku, quantity });
                    }
                }
                // Bundles sell at 15% off the sum of their parts.
                let parts_price: Decimal = components
                    .iter()
                    .map(|c| price_of(&items, &c.sku) * Decimal::from(c.quantity))
                    .sum();
                let price = (parts_price * Decimal::new(85, 2)).round_dp(2);
                let sku = Sku::new(format!("KIT-{:02}", k + 1));
                let item = Item {
                    sku,
                    price,
                    expected: 0,
                    scarce: false,
                };
                (item, components)
            })
            .collect();
        Catalog {
            items,
            kits,
            cumulative,
        }
    }

    /// A plain product, weighted by popularity.
    fn popular(&self, rng: &mut SplitMix64) -> &Item {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let target = rng.unit() * total;
        let i = self.cumulative.partition_point(|&c| c <= target);
        &self.items[i.min(self.items.len() - 1)]
    }
}

fn price_of(items: &[Item], sku: &Sku) -> Decimal {
    items
        .iter()
        .find(|i| &i.sku == sku)
        .map_or(Decimal::ZERO, |i| i.price)
}

fn us_address(
    name: &str,
    line1: &str,
    city: &str,
    region: &str,
    postal_code: &str,
    coordinates: Option<(f64, f64)>,
) -> Address {
    AddressParts {
        name: name.into(),
        line1: line1.into(),
        line2: None,
        city: city.into(),
        region: Some(region.into()),
        postal_code: postal_code.into(),
        country: "US".into(),
        lat: coordinates.map(|c| c.0),
        lon: coordinates.map(|c| c.1),
    }
    .into()
}

fn has_hold(order: &OrderView, hold: &str) -> bool {
    order.holds.iter().any(|h| h.as_str() == hold)
}

fn usd(amount: Decimal) -> Money {
    Money::new(amount, Currency::USD)
}

// ---------------------------------------------------------------------------
// The simulation
// ---------------------------------------------------------------------------

/// Something that happens at a later minute.
enum Task {
    NewOrder,
    Pay {
        order_id: OrderId,
        retry: bool,
    },
    PaymentTimeout(OrderId),
    /// A channel delivers an order webhook again.
    Redeliver {
        placement: Box<PlaceOrder>,
        kind: Redelivery,
    },
    ReviewHighValue(OrderId),
    FraudHold(OrderId),
    FraudDecision(OrderId),
    CustomerCancel(OrderId),
    CustomerCancelLine(OrderId),
    Deliver(ShipmentId),
}

#[derive(Clone, Copy)]
enum Redelivery {
    /// The identical command again.
    SameId,
    /// The same channel order imported again under a fresh order id.
    NewId,
    /// A buggy connector changed the payload: must be refused.
    Changed,
}

/// Counters of things the event log cannot show (no-ops leave no events).
#[derive(Default)]
struct Tally {
    redelivered_same_id: usize,
    redelivered_new_id: usize,
    redelivered_changed: usize,
    counter_sales: usize,
    payment_declined: usize,
    payment_recovered: usize,
    checkout_abandoned: usize,
    duplicate_scans: usize,
}

struct Sim {
    engine: Engine,
    rng: SplitMix64,
    catalog: Catalog,
    midnight: DateTime<Utc>,
    minute: u32,
    /// Every event in execution order: replaying it rebuilds the engine.
    log: Vec<Event>,
    /// Pending tasks by (minute, sequence number), so ties run in the order scheduled.
    agenda: BTreeMap<(u32, u64), Task>,
    scheduled: u64,
    next_order: u32,
    next_shipment: u32,
    /// Orders with reservations, with the minute they were allocated; the
    /// next pick/pack wave after that minute ships them.
    picking: BTreeMap<OrderId, u32>,
    /// SKUs whose warehouse safety stock is lifted in the evening.
    wholesale_reserve: Vec<Sku>,
    tally: Tally,
    /// Expected errors by (code, command).
    errors: BTreeMap<(&'static str, &'static str), usize>,
    unexpected: Vec<String>,
}

impl Sim {
    fn new(seed: u64, config: Config) -> Sim {
        let mut rng = SplitMix64(seed);
        let catalog = Catalog::generate(&mut rng);
        let midnight = Utc
            .with_ymd_and_hms(2026, 11, 20, 0, 0, 0)
            .single()
            .expect("a valid, unambiguous UTC date");
        Sim {
            engine: Engine::new(config),
            rng,
            catalog,
            midnight,
            minute: 0,
            log: Vec::new(),
            agenda: BTreeMap::new(),
            scheduled: 0,
            next_order: 1,
            next_shipment: 1,
            picking: BTreeMap::new(),
            wholesale_reserve: Vec::new(),
            tally: Tally::default(),
            errors: BTreeMap::new(),
            unexpected: Vec::new(),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.midnight + TimeDelta::minutes(i64::from(self.minute))
    }

    /// Executes a command now. Errors whose code is in `expected` are counted;
    /// any other error is recorded as unexpected. Returns the events on success.
    fn exec(&mut self, command: impl Into<Command>, expected: &[ErrorCode]) -> Option<Vec<Event>> {
        let command = command.into();
        let name = command.name();
        match self.engine.execute(command, self.now()) {
            Ok(events) => {
                self.log.extend_from_slice(&events);
                Some(events)
            }
            Err(e) if expected.contains(&e.code()) => {
                *self.errors.entry((e.code().as_str(), name)).or_default() += 1;
                None
            }
            Err(e) => {
                let at = clock(self.minute);
                self.unexpected.push(format!("{at} {name}: {e}"));
                None
            }
        }
    }

    fn schedule(&mut self, after: u32, task: Task) {
        self.scheduled += 1;
        self.agenda
            .insert((self.minute + after, self.scheduled), task);
    }

    fn view(&self, order_id: &OrderId) -> Option<OrderView> {
        self.engine.order(order_id.as_str()).ok()
    }

    fn run(&mut self) {
        self.define_catalog();
        // Order arrivals peak in the afternoon: the mean of two uniform
        // draws over the ordering hours gives a triangular distribution.
        let span = f64::from(ORDER_HOURS.end - ORDER_HOURS.start);
        for _ in 0..ORDERS {
            let offset = (self.rng.unit() + self.rng.unit()) / 2.0 * span;
            self.schedule(ORDER_HOURS.start + offset as u32, Task::NewOrder);
        }
        for minute in 0..END_OF_DAY {
            self.minute = minute;
            while let Some(entry) = self.agenda.first_entry() {
                if entry.key().0 > minute {
                    break;
                }
                let task = entry.remove();
                self.run_task(task);
            }
            self.routine(minute);
        }
        // Tasks still on the agenda (mostly deliveries) belong to tomorrow.
    }

    /// The shop's clockwork: receipts, counts, allocation and shipping waves.
    fn routine(&mut self, minute: u32) {
        match minute {
            OPENING_STOCK => self.receive_opening_stock(),
            EAST_TRUCK => self.replenish(WH_EAST, "PO-EAST-1100"),
            WEST_TRUCK => self.replenish(WH_WEST, "PO-WEST-1530"),
            EVENING_TRUCK => self.replenish(WH_EAST, "PO-EAST-1900"),
            CYCLE_COUNT => self.cycle_count(WH_EAST),
            DAMAGE_CHECK => self.damage_check(),
            RELEASE_SAFETY => {
                // Evening push: wholesale no longer needs its reserve, so the
                // units become available to backordered web orders.
                for sku in self.wholesale_reserve.clone() {
                    let location_id = LocationId::new(WH_EAST);
                    self.exec(
                        SetSafetyStock {
                            sku,
                            location_id,
                            quantity: 0,
                        },
                        &[],
                    );
                }
            }
            _ => {}
        }
        // Ship first: a wave takes only orders allocated by an earlier run.
        if SHIPPING_HOURS.contains(&minute) && minute % WAVE_EVERY == 0 {
            self.ship_wave();
        }
        if minute >= ORDER_HOURS.start && minute % ALLOCATE_EVERY == 0 {
            self.allocation_run();
        }
    }

    fn run_task(&mut self, task: Task) {
        match task {
            Task::NewOrder => self.new_order(),
            Task::Pay { order_id, retry } => self.pay(order_id, retry),
            Task::PaymentTimeout(order_id) => {
                let unpaid = self.view(&order_id).is_some_and(|v| {
                    v.status != OrderStatus::Cancelled && has_hold(&v, Hold::AWAITING_PAYMENT)
                });
                if unpaid {
                    self.cancel(&order_id, "payment_timeout");
                }
            }
            Task::Redeliver { placement, kind } => self.redeliver(*placement, kind),
            Task::ReviewHighValue(order_id) => {
                if self.rng.chance(0.85) {
                    let hold = Hold::new(Hold::HIGH_VALUE_REVIEW);
                    self.exec(
                        ReleaseHold { order_id, hold },
                        &[ErrorCode::InvalidTransition],
                    );
                } else {
                    self.cancel(&order_id, "failed_review");
                }
            }
            Task::FraudHold(order_id) => {
                let hold = PlaceHold {
                    order_id: order_id.clone(),
                    hold: Hold::new(FRAUD_CHECK),
                    note: Some("velocity rule: several cards in ten minutes".into()),
                };
                // Too late once the order has shipped or was cancelled.
                if self.exec(hold, &[ErrorCode::InvalidTransition]).is_some() {
                    let after = self.rng.between(30, 150);
                    self.schedule(after, Task::FraudDecision(order_id));
                }
            }
            Task::FraudDecision(order_id) => {
                if self.rng.chance(0.7) {
                    let hold = Hold::new(FRAUD_CHECK);
                    self.exec(
                        ReleaseHold { order_id, hold },
                        &[ErrorCode::InvalidTransition],
                    );
                } else {
                    self.cancel(&order_id, "fraud_confirmed");
                }
            }
            Task::CustomerCancel(order_id) => self.cancel(&order_id, "customer_request"),
            Task::CustomerCancelLine(order_id) => {
                let Some(v) = self.view(&order_id) else {
                    return;
                };
                let line = &v.lines[self.rng.below(v.lines.len() as u64) as usize];
                let cancel = CancelLine {
                    order_id: order_id.clone(),
                    line_id: line.line_id.clone(),
                    quantity: 1,
                    reason: "customer_request".into(),
                };
                // Refused when the line has already shipped or was cancelled.
                if self.exec(cancel, &[ErrorCode::InvalidTransition]).is_some() {
                    self.refund_overpayment(&order_id);
                }
            }
            Task::Deliver(shipment_id) => {
                // A carrier scan for a label we never printed is `not_found`.
                let events = self.exec(ConfirmDelivery { shipment_id }, &[ErrorCode::NotFound]);
                if events.is_some_and(|e| e.is_empty()) {
                    self.tally.duplicate_scans += 1;
                }
            }
        }
    }

    // -- catalog and stock ----------------------------------------------------

    fn define_catalog(&mut self) {
        for site in LOCATIONS {
            self.exec(
                DefineLocation {
                    lat: site.coordinates.map(|c| c.0),
                    lon: site.coordinates.map(|c| c.1),
                    ..DefineLocation::new(site.id, site.name, site.kind)
                },
                &[],
            );
        }
        let mut products = Vec::new();
        for (n, item) in self.catalog.items.iter().enumerate() {
            products.push(DefineProduct {
                sku: item.sku.clone(),
                name: format!("Product {}", n + 1),
                gtin: None,
                description: None,
                weight_g: Some(100 + 37 * (n as u64 % 40)),
                dims_mm: None,
                price: Some(usd(item.price)),
                components: None,
                dropship_only: false,
                non_returnable: false,
                packing: None,
            });
        }
        // Kits after their components: a kit may only name known products.
        for (n, (kit, components)) in self.catalog.kits.iter().enumerate() {
            products.push(DefineProduct {
                sku: kit.sku.clone(),
                name: format!("Gift bundle {}", n + 1),
                gtin: None,
                description: Some("Ships as its component products".into()),
                weight_g: None,
                dims_mm: None,
                price: Some(usd(kit.price)),
                components: Some(components.clone()),
                dropship_only: false,
                non_returnable: false,
                packing: None,
            });
        }
        for product in products {
            self.exec(product, &[]);
        }
    }

    fn receive_opening_stock(&mut self) {
        let mut receipts = Vec::new();
        let mut safety = Vec::new();
        for (n, item) in self.catalog.items.iter().enumerate() {
            // Days of cover: most SKUs are comfortable, scarce ones are not.
            let cover = if item.scarce {
                0.05 + 0.25 * self.rng.unit()
            } else {
                0.9 + 0.9 * self.rng.unit()
            };
            let units = (item.expected as f64 * cover).ceil() as u64;
            let east = (units as f64 * (0.4 + 0.3 * self.rng.unit())).round() as u64;
            receipts.push((item.sku.clone(), WH_EAST, east));
            receipts.push((item.sku.clone(), WH_WEST, units - east));
            if self.rng.chance(0.3) {
                receipts.push((item.sku.clone(), STORE, u64::from(self.rng.between(2, 10))));
                // One unit of everything in the store stays on display.
                safety.push((item.sku.clone(), STORE, 1));
            }
            // The most popular SKUs keep a few units back for wholesale.
            if n < 12 {
                safety.push((item.sku.clone(), WH_EAST, 5));
                self.wholesale_reserve.push(item.sku.clone());
            }
        }
        for (sku, location, quantity) in receipts {
            if quantity > 0 {
                self.receive(sku, location, quantity, "OPENING");
            }
        }
        for (sku, location, quantity) in safety {
            let location_id = LocationId::new(location);
            self.exec(
                SetSafetyStock {
                    sku,
                    location_id,
                    quantity,
                },
                &[],
            );
        }
    }

    /// A truck with a purchase order: the units backordered so far, plus a
    /// top-up of scarce SKUs and of anything running low at `location`.
    fn replenish(&mut self, location: &str, po: &str) {
        let mut backlog: BTreeMap<Sku, u64> = BTreeMap::new();
        for order in self.engine.orders(None) {
            for line in order.lines.iter().filter(|l| l.backordered > 0) {
                // A kit is ordered from the supplier as its components.
                let components = self.engine.product(line.sku.as_str()).map(|p| p.components);
                match components {
                    Ok(parts) if !parts.is_empty() => {
                        for c in parts.iter() {
                            *backlog.entry(c.sku.clone()).or_default() +=
                                line.backordered * c.quantity;
                        }
                    }
                    _ => *backlog.entry(line.sku.clone()).or_default() += line.backordered,
                }
            }
        }
        let mut lines = Vec::new();
        for item in &self.catalog.items {
            let available = self
                .engine
                .stock(item.sku.as_str(), location)
                .map_or(0, |s| s.available);
            let top_up = if item.scarce {
                item.expected * 3 / 4 + 4
            } else if available < (item.expected / 8).max(2) {
                item.expected / 2 + 4
            } else {
                0
            };
            let quantity = backlog.get(&item.sku).copied().unwrap_or(0) + top_up;
            if quantity > 0 {
                lines.push((item.sku.clone(), quantity));
            }
        }
        for (sku, quantity) in lines {
            self.receive(sku, location, quantity, po);
        }
    }

    /// Books a receipt of `quantity` units of `sku` at `location`.
    fn receive(&mut self, sku: Sku, location: &str, quantity: u64, reference: &str) {
        self.exec(
            ReceiveStock {
                sku,
                location_id: LocationId::new(location),
                quantity,
                reference: Some(reference.to_string()),
            },
            &[],
        );
    }

    /// Counts a few SKUs; the count is usually a little off from the books.
    fn cycle_count(&mut self, location: &str) {
        for _ in 0..8 {
            let sku = self.catalog.items[self.rng.below(100) as usize].sku.clone();
            let Ok(level) = self.engine.stock(sku.as_str(), location) else {
                continue;
            };
            // Off by -2..=1 units. Units picked for orders are on the pick
            // carts, so at least the reserved units are always found.
            let drift = i64::from(self.rng.between(0, 3)) - 2;
            let counted = level
                .on_hand
                .saturating_add_signed(drift)
                .max(level.reserved);
            let location_id = LocationId::new(location);
            self.exec(
                CountStock {
                    sku,
                    location_id,
                    counted,
                },
                &[],
            );
        }
    }

    /// Damaged units written off at the west DC, and a stray unit found in the store.
    fn damage_check(&mut self) {
        for _ in 0..5 {
            let sku = self.catalog.items[self.rng.below(150) as usize].sku.clone();
            let adjust = AdjustStock {
                sku,
                location_id: LocationId::new(WH_WEST),
                delta: -i64::from(self.rng.between(1, 2)),
                reason: "damaged".into(),
            };
            // Refused when every remaining unit is reserved for orders.
            self.exec(adjust, &[ErrorCode::InsufficientStock]);
        }
        let sku = self.catalog.items[self.rng.below(50) as usize].sku.clone();
        let location_id = LocationId::new(STORE);
        self.exec(
            AdjustStock {
                sku,
                location_id,
                delta: 2,
                reason: "found".into(),
            },
            &[],
        );
    }

    // -- orders -------------------------------------------------------------------

    /// Between one and four distinct lines; `in_store` picks only what the
    /// store can hand over right now.
    fn pick_lines(&mut self, in_store: bool) -> Vec<OrderLineInput> {
        let wanted = match self.rng.below(100) {
            0..50 => 1,
            50..80 => 2,
            80..95 => 3,
            _ => 4,
        };
        let mut lines: Vec<OrderLineInput> = Vec::new();
        for _ in 0..wanted * 5 {
            if lines.len() == wanted {
                break;
            }
            let item = if self.rng.chance(0.05) {
                &self.catalog.kits[self.rng.below(KITS as u64) as usize].0
            } else {
                self.catalog.popular(&mut self.rng)
            };
            let (sku, price) = (item.sku.clone(), item.price);
            let quantity = match self.rng.below(100) {
                0..75 => 1,
                75..95 => 2,
                _ => 3,
            };
            if lines.iter().any(|l| l.sku == sku) {
                continue;
            }
            if in_store
                && self
                    .engine
                    .available(sku.as_str(), Some(STORE))
                    .unwrap_or(0)
                    < quantity
            {
                continue;
            }
            lines.push(OrderLineInput {
                line_id: LineId::new((lines.len() + 1).to_string()),
                sku,
                quantity,
                unit_price: usd(price),
            });
        }
        lines
    }

    fn new_order(&mut self) {
        let n = self.next_order;
        self.next_order += 1;
        let order_id = OrderId::new(format!("SO-{n:05}"));
        let channel = match self.rng.below(100) {
            0..40 => "web",
            40..65 => "amazon",
            65..75 => "etsy",
            75..85 => "ebay",
            _ if STORE_HOURS.contains(&self.minute) => "pos",
            _ => "web",
        };
        // A counter sale needs stock in the store; without it the customer
        // orders on the web shop instead.
        if channel == "pos" && self.counter_sale(&order_id) {
            return;
        }
        let channel = if channel == "pos" { "web" } else { channel };

        let customer = self.rng.below(1_800);
        let (city, region, postal_code, lat, lon) = CITIES[customer as usize % CITIES.len()];
        let lines = self.pick_lines(false);
        let subtotal: Decimal = lines
            .iter()
            .map(|l| l.unit_price.amount * Decimal::from(l.quantity))
            .sum();
        let rush = channel == "web" && self.rng.chance(0.06);
        let shipping = match channel {
            "amazon" => None,
            _ if rush => Some(Decimal::new(1499, 2)),
            _ if subtotal < Decimal::from(50) => Some(Decimal::new(599, 2)),
            _ => None,
        };
        let prefix = match channel {
            "amazon" => "114-",
            "etsy" => "E",
            "ebay" => "B",
            _ => "W",
        };
        let placement = PlaceOrder {
            order_id: order_id.clone(),
            channel: Channel::new(channel),
            channel_order_id: Some(ChannelOrderId::new(format!(
                "{prefix}{:07}",
                1_000_000 + n * 7
            ))),
            customer_id: CustomerId::new(format!("C-{customer:04}")),
            ship_to: us_address(
                &format!("Customer {customer}"),
                &format!("{} Elm Street", 1 + customer % 97),
                city,
                region,
                postal_code,
                Some((lat, lon)),
            ),
            lines,
            priority: if rush {
                Priority::Rush
            } else {
                Priority::Standard
            },
            customer_tier: Default::default(),
            ship_by: None,
            deliver_by: None,
            shipping_price: shipping.map(usd),
            discount: None,
        };
        let redelivery = match self.rng.below(1_000) {
            0..15 => Some(Redelivery::SameId),
            15..25 => Some(Redelivery::NewId),
            25..28 => Some(Redelivery::Changed),
            _ => None,
        };
        let copy = redelivery.map(|_| Box::new(placement.clone()));
        if self.exec(placement, &[]).is_none() {
            return;
        }

        if channel == "amazon" {
            // The marketplace collects the money and settles immediately.
            self.record_payment(&order_id, PaymentKind::Captured, None);
        } else {
            let after = self.rng.between(1, 4);
            let pay = Task::Pay {
                order_id: order_id.clone(),
                retry: false,
            };
            self.schedule(after, pay);
            self.schedule(PAYMENT_TIMEOUT, Task::PaymentTimeout(order_id.clone()));
        }
        // Orders above the configured threshold wait for a reviewer.
        let placed = self.view(&order_id);
        if placed.is_some_and(|v| has_hold(&v, Hold::HIGH_VALUE_REVIEW)) {
            let after = self.rng.between(20, 120);
            self.schedule(after, Task::ReviewHighValue(order_id.clone()));
        }
        if self.rng.chance(0.012) {
            let after = self.rng.between(2, 40);
            self.schedule(after, Task::FraudHold(order_id.clone()));
        }
        // Customers change their minds soon after ordering, often before the
        // parcel leaves; later requests are refused once it has shipped.
        if self.rng.chance(0.025) {
            let after = self.rng.between(5, 90);
            self.schedule(after, Task::CustomerCancel(order_id.clone()));
        }
        if self.rng.chance(0.03) {
            let after = self.rng.between(5, 120);
            self.schedule(after, Task::CustomerCancelLine(order_id.clone()));
        }
        if let (Some(kind), Some(placement)) = (redelivery, copy) {
            let after = self.rng.between(1, 20);
            self.schedule(after, Task::Redeliver { placement, kind });
        }
    }

    fn redeliver(&mut self, mut placement: PlaceOrder, kind: Redelivery) {
        let expected: &[ErrorCode] = match kind {
            Redelivery::SameId => {
                self.tally.redelivered_same_id += 1;
                &[]
            }
            Redelivery::NewId => {
                // The engine recognises the channel's order id.
                self.tally.redelivered_new_id += 1;
                placement.order_id = OrderId::new(format!("{}-R", placement.order_id));
                &[]
            }
            Redelivery::Changed => {
                self.tally.redelivered_changed += 1;
                placement.lines[0].quantity += 1;
                &[ErrorCode::Duplicate]
            }
        };
        let order_id = placement.order_id.clone();
        if let Some(events) = self.exec(placement, expected) {
            if !events.is_empty() {
                let at = clock(self.minute);
                let n = events.len();
                self.unexpected
                    .push(format!("{at} redelivery of {order_id} recorded {n} events"));
            }
        }
    }

    /// A sale at the store counter: paid, picked off the shelf, handed over.
    fn counter_sale(&mut self, order_id: &OrderId) -> bool {
        let lines = self.pick_lines(true);
        if lines.is_empty() {
            return false;
        }
        let placement = PlaceOrder {
            order_id: order_id.clone(),
            channel: Channel::new("pos"),
            channel_order_id: None,
            customer_id: CustomerId::new("WALK-IN"),
            ship_to: us_address(
                "Walk-in customer",
                "Flagship store",
                "Chicago",
                "IL",
                "60601",
                None,
            ),
            lines,
            priority: Priority::Rush,
            customer_tier: Default::default(),
            ship_by: None,
            deliver_by: None,
            shipping_price: None,
            discount: None,
        };
        if self.exec(placement, &[]).is_none() {
            return true;
        }
        self.tally.counter_sales += 1;
        self.record_payment(order_id, PaymentKind::Captured, None);
        // A big basket triggers the review hold; the manager on duty clears it.
        let view = self.view(order_id);
        if view.is_some_and(|v| has_hold(&v, Hold::HIGH_VALUE_REVIEW)) {
            let hold = Hold::new(Hold::HIGH_VALUE_REVIEW);
            self.exec(
                ReleaseHold {
                    order_id: order_id.clone(),
                    hold,
                },
                &[],
            );
        }
        let allocate = Allocate {
            order_id: Some(order_id.clone()),
        };
        self.exec(allocate, &[]);
        self.ship_order(order_id);
        true
    }

    // -- payments -----------------------------------------------------------------

    /// Records a payment of `amount` (default: the order total).
    fn record_payment(&mut self, order_id: &OrderId, kind: PaymentKind, amount: Option<Decimal>) {
        let Some(v) = self.view(order_id) else { return };
        let amount = Money::new(amount.unwrap_or(v.total.amount), v.total.currency);
        let reference = Some(format!("PAY-{order_id}-{}", self.log.len()));
        let payment = RecordPayment {
            order_id: order_id.clone(),
            kind,
            amount,
            reference,
            rma_id: None,
        };
        self.exec(payment, &[]);
    }

    /// The card payment of a web order: usually authorized, sometimes
    /// declined (and retried), sometimes the customer walks away.
    fn pay(&mut self, order_id: OrderId, retry: bool) {
        if self
            .view(&order_id)
            .is_none_or(|v| v.status == OrderStatus::Cancelled)
        {
            return;
        }
        let roll = self.rng.below(100);
        let (kind, try_again) = match (retry, roll) {
            (true, 0..80) => (PaymentKind::Authorized, false),
            (true, _) => (PaymentKind::Failed, false),
            (false, 0..86) => (PaymentKind::Authorized, false),
            (false, 86..94) => (PaymentKind::Failed, true),
            (false, 94..97) => (PaymentKind::Failed, false),
            (false, _) => {
                self.tally.checkout_abandoned += 1;
                return;
            }
        };
        match kind {
            PaymentKind::Failed => self.tally.payment_declined += 1,
            _ if retry => self.tally.payment_recovered += 1,
            _ => {}
        }
        self.record_payment(&order_id, kind, None);
        if try_again {
            let after = self.rng.between(10, 90);
            self.schedule(
                after,
                Task::Pay {
                    order_id,
                    retry: true,
                },
            );
        }
    }

    /// Card orders are charged as they ship: captures the shipped value
    /// (shipping comes with the first parcel), never more than the total.
    fn capture(&mut self, order_id: &OrderId, shipped_value: Decimal) {
        let Some(v) = self.view(order_id) else { return };
        if v.authorized.amount.is_zero() {
            return; // Marketplace and counter orders were captured when placed.
        }
        let first_parcel = v.captured.amount.is_zero();
        let shipping = if first_parcel {
            v.shipping_price.amount
        } else {
            Decimal::ZERO
        };
        let outstanding = v.total.amount - v.captured.amount;
        let amount = (shipped_value + shipping).min(outstanding);
        if amount > Decimal::ZERO {
            self.record_payment(order_id, PaymentKind::Captured, Some(amount));
        }
    }

    /// After a cancellation, refunds what was captured beyond what is still owed.
    fn refund_overpayment(&mut self, order_id: &OrderId) {
        let Some(v) = self.view(order_id) else { return };
        let owed = if v.status == OrderStatus::Cancelled {
            Decimal::ZERO
        } else {
            v.total.amount
        };
        let excess = v.captured.amount - v.refunded.amount - owed;
        if excess > Decimal::ZERO {
            self.record_payment(order_id, PaymentKind::Refunded, Some(excess));
        }
    }

    fn cancel(&mut self, order_id: &OrderId, reason: &str) {
        let cancel = CancelOrder {
            order_id: order_id.clone(),
            reason: reason.into(),
        };
        // Refused once everything has shipped (or it was already cancelled).
        if self.exec(cancel, &[ErrorCode::InvalidTransition]).is_some() {
            self.refund_overpayment(order_id);
        }
    }

    // -- fulfilment ---------------------------------------------------------------

    fn allocation_run(&mut self) {
        let minute = self.minute;
        let Some(events) = self.exec(Allocate::default(), &[]) else {
            return;
        };
        for event in events {
            if let EventKind::OrderAllocated {
                order_id,
                allocations,
                ..
            } = event.kind
            {
                if !allocations.is_empty() {
                    self.picking.entry(order_id).or_insert(minute);
                }
            }
        }
    }

    fn ship_wave(&mut self) {
        let due: Vec<OrderId> = self
            .picking
            .iter()
            .filter(|(_, &allocated_at)| allocated_at < self.minute)
            .map(|(id, _)| id.clone())
            .collect();
        for order_id in due {
            if self.ship_order(&order_id) {
                self.picking.remove(&order_id);
            }
        }
    }

    /// Ships every reservation of an order, one parcel per location, reading
    /// where units are reserved from the order's lines. Returns false when the
    /// order is on hold and must wait for a later wave.
    fn ship_order(&mut self, order_id: &OrderId) -> bool {
        let Some(view) = self.view(order_id) else {
            return true;
        };
        if !view.holds.is_empty() {
            return false;
        }
        let mut parcels: BTreeMap<LocationId, Vec<ShipLine>> = BTreeMap::new();
        let mut value: BTreeMap<LocationId, Decimal> = BTreeMap::new();
        for line in &view.lines {
            for a in &line.allocations {
                parcels
                    .entry(a.location_id.clone())
                    .or_default()
                    .push(ShipLine {
                        line_id: line.line_id.clone(),
                        quantity: a.quantity,
                    });
                *value.entry(a.location_id.clone()).or_default() +=
                    line.unit_price.amount * Decimal::from(a.quantity);
            }
        }
        let counter = view.channel.as_str() == "pos";
        // A dock with no reservation for this order, for misrouted scans.
        let wrong_dock = LOCATIONS
            .iter()
            .map(|site| site.id)
            .find(|l| !parcels.keys().any(|p| p.as_str() == *l));
        for (location_id, lines) in parcels {
            let shipment_id = ShipmentId::new(format!("SH-{:05}", self.next_shipment));
            self.next_shipment += 1;
            let carrier = match location_id.as_str() {
                _ if counter => "counter",
                WH_EAST => "UPS",
                WH_WEST => "FedEx",
                _ => "USPS",
            };
            let ship = Ship {
                order_id: order_id.clone(),
                shipment_id: shipment_id.clone(),
                location_id: location_id.clone(),
                carrier: carrier.into(),
                service: (!counter).then(|| match view.priority {
                    Priority::Rush => "next_day".into(),
                    Priority::Standard => "ground".into(),
                }),
                tracking_number: (!counter)
                    .then(|| format!("1Z{:012X}", self.rng.next_u64() >> 16).into()),
                lines: lines.into(),
            };
            // Now and then a parcel is scanned out at the wrong dock; nothing
            // is reserved there, so the engine refuses it.
            if !counter && self.rng.chance(0.01) {
                if let Some(wrong) = wrong_dock {
                    let mut misrouted = ship.clone();
                    misrouted.location_id = LocationId::new(wrong);
                    self.exec(misrouted, &[ErrorCode::InsufficientStock]);
                }
            }
            if self.exec(ship, &[]).is_none() {
                return false;
            }
            self.capture(order_id, value[&location_id]);
            if counter {
                self.exec(ConfirmDelivery { shipment_id }, &[]);
                continue;
            }
            let after = self.rng.between(180, 900);
            self.schedule(after, Task::Deliver(shipment_id.clone()));
            if self.rng.chance(0.03) {
                // The carrier's tracking feed repeats a delivery scan.
                let after = after + self.rng.between(1, 30);
                self.schedule(after, Task::Deliver(shipment_id.clone()));
            }
            if self.rng.chance(0.005) {
                // A scan with a mistyped label.
                let typo = ShipmentId::new(format!("{shipment_id}X"));
                self.schedule(after, Task::Deliver(typo));
            }
        }
        true
    }
}

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

/// Figures read from the event log.
#[derive(Default)]
struct LogFigures {
    by_type: BTreeMap<&'static str, usize>,
    lines_ordered: usize,
    units_ordered: u64,
    units_cancelled: u64,
    line_units_shipped: u64,
    opening_units: u64,
    replenished_units: u64,
    replenishment_receipts: usize,
    cycle_count_delta: i64,
    other_adjustments: i64,
    shipments: BTreeMap<String, usize>,
    payments: BTreeMap<&'static str, (usize, Decimal)>,
    holds_placed: BTreeMap<String, usize>,
    holds_released: BTreeMap<String, usize>,
    released_by_payment: usize,
    cancelled_orders: BTreeMap<String, usize>,
    cancelled_lines: usize,
    /// Units allocated / backordered by each order's first allocation.
    first_allocated: u64,
    first_backordered: u64,
    backordered_lines: usize,
    backorder_units_filled: u64,
    /// Backordered lines whose every waiting unit was allocated later.
    backordered_lines_filled: usize,
}

impl LogFigures {
    fn from_log(log: &[Event]) -> LogFigures {
        let mut f = LogFigures::default();
        let mut allocated_once: BTreeSet<&OrderId> = BTreeSet::new();
        // Open backordered units per (order, line), as of the latest allocation.
        let mut waiting: BTreeMap<(&OrderId, &str), u64> = BTreeMap::new();
        for event in log {
            *f.by_type.entry(event.name()).or_default() += 1;
            match &event.kind {
                EventKind::OrderPlaced { order, .. } => {
                    f.lines_ordered += order.lines.len();
                    f.units_ordered += order.lines.iter().map(|l| l.quantity).sum::<u64>();
                }
                EventKind::StockReceived {
                    quantity,
                    reference,
                    ..
                } => {
                    if reference.as_deref() == Some("OPENING") {
                        f.opening_units += quantity;
                    } else {
                        f.replenished_units += quantity;
                        f.replenishment_receipts += 1;
                    }
                }
                EventKind::StockAdjusted { delta, counted, .. } => match counted {
                    Some(_) => f.cycle_count_delta += delta,
                    None => f.other_adjustments += delta,
                },
                EventKind::PaymentRecorded { kind, amount, .. } => {
                    let entry = f.payments.entry(payment_kind(*kind)).or_default();
                    entry.0 += 1;
                    entry.1 += amount.amount;
                }
                EventKind::HoldPlaced { hold, .. } => {
                    *f.holds_placed.entry(hold.to_string()).or_default() += 1;
                }
                EventKind::HoldReleased {
                    hold, released_by, ..
                } => match released_by {
                    HoldReleasedBy::Payment => f.released_by_payment += 1,
                    HoldReleasedBy::Manual => {
                        *f.holds_released.entry(hold.to_string()).or_default() += 1;
                    }
                },
                EventKind::OrderAllocated {
                    order_id,
                    allocations,
                    backorders,
                    ..
                } => {
                    let allocated: u64 = allocations.iter().map(|a| a.quantity).sum();
                    if allocated_once.insert(order_id) {
                        f.first_allocated += allocated;
                        f.first_backordered += backorders.iter().map(|b| b.quantity).sum::<u64>();
                    }
                    for a in allocations {
                        let key = (order_id, a.line_id.as_str());
                        if let Some(w) = waiting.get_mut(&key) {
                            let filled = a.quantity.min(*w);
                            f.backorder_units_filled += filled;
                            *w -= filled;
                            if filled > 0 && *w == 0 {
                                f.backordered_lines_filled += 1;
                            }
                        }
                    }
                    for b in backorders {
                        waiting.insert((order_id, b.line_id.as_str()), b.quantity);
                    }
                }
                EventKind::OrderShipped {
                    location_id, lines, ..
                } => {
                    *f.shipments.entry(location_id.to_string()).or_default() += 1;
                    f.line_units_shipped += lines.iter().map(|l| l.quantity).sum::<u64>();
                }
                EventKind::OrderCancelled { reason, lines, .. } => {
                    *f.cancelled_orders.entry(reason.clone()).or_default() += 1;
                    f.units_cancelled += lines.iter().map(|l| l.quantity).sum::<u64>();
                }
                EventKind::LineCancelled { cancellation, .. } => {
                    f.cancelled_lines += 1;
                    f.units_cancelled += cancellation.quantity;
                }
                _ => {}
            }
        }
        f.backordered_lines = waiting.len();
        f
    }

    fn paid(&self, kind: PaymentKind) -> (usize, Decimal) {
        self.payments
            .get(payment_kind(kind))
            .copied()
            .unwrap_or_default()
    }
}

fn payment_kind(kind: PaymentKind) -> &'static str {
    match kind {
        PaymentKind::Authorized => "authorized",
        PaymentKind::Captured => "captured",
        PaymentKind::Failed => "failed",
        PaymentKind::Refunded => "refunded",
    }
}

fn clock(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Inserts thousands separators into the integer part of a number.
fn grouped(number: impl std::fmt::Display) -> String {
    let text = number.to_string();
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut out = String::from(sign);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(frac) = frac {
        out.push('.');
        out.push_str(frac);
    }
    out
}

fn dollars(amount: Decimal) -> String {
    format!("${}", grouped(format!("{:.2}", amount.round_dp(2))))
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "n/a".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// Joins `(name, count)` pairs as `name count · name count`.
fn listing<'a>(pairs: impl IntoIterator<Item = (&'a str, usize)>) -> String {
    let parts: Vec<String> = pairs
        .into_iter()
        .map(|(k, v)| format!("{k} {}", grouped(v)))
        .collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(" · ")
    }
}

fn print_report(sim: &Sim, seed: u64, figures: &LogFigures, replay: &str) {
    let engine = &sim.engine;
    let t = &sim.tally;
    let rule = "─".repeat(78);
    println!(
        "Shop day · seed {seed} · {} (simulated 00:00–24:00 UTC)",
        sim.midnight.date_naive()
    );
    println!("{rule}");
    let kits = sim.catalog.kits.len();
    let scarce = sim.catalog.items.iter().filter(|i| i.scarce).count();
    let skus = sim.catalog.items.len() + kits;
    println!(
        "Catalog     {skus} SKUs ({kits} kits, {scarce} scarce) · {} locations · channels web, amazon, etsy, ebay, pos",
        LOCATIONS.len()
    );
    let counts = engine.order_counts();
    println!(
        "Orders      {} placed ({} counter sales) · {} lines · {} units",
        grouped(counts.values().sum::<usize>()),
        grouped(t.counter_sales),
        grouped(figures.lines_ordered),
        grouped(figures.units_ordered),
    );
    println!(
        "Redelivery  {} same id + {} new id ignored (0 events) · {} changed payloads refused",
        t.redelivered_same_id, t.redelivered_new_id, t.redelivered_changed
    );

    println!("\nOrders by status");
    let statuses: Vec<(&str, usize)> = OrderStatus::ALL
        .iter()
        .rev()
        .map(|s| (s.as_str(), counts.get(s).copied().unwrap_or(0)))
        .collect();
    println!("  {}", listing(statuses[..4].iter().copied()));
    println!("  {}", listing(statuses[4..].iter().copied()));

    println!("\nStock (units)   received  adjusted   shipped  reserved    safety   on hand");
    let products = engine.products();
    let mut total = StockTotals::default();
    for location in engine.locations() {
        let mut here = StockTotals::default();
        for p in products.iter().filter(|p| !p.is_kit()) {
            if let Ok(level) = engine.stock(p.sku.as_str(), location.location_id.as_str()) {
                here.add(&level);
                total.add(&level);
            }
        }
        // `{:<13}` pads a `&str`; ids print without honouring the width.
        println!("  {:<13}{}", location.location_id.as_str(), here.row());
    }
    println!("  {:<13}{}", "total", total.row());
    println!(
        "  opening {} · replenishment {} in {} receipts · cycle counts {:+} · damaged/found {:+}",
        grouped(figures.opening_units),
        grouped(figures.replenished_units),
        figures.replenishment_receipts,
        figures.cycle_count_delta,
        figures.other_adjustments,
    );

    let shipments: usize = figures.shipments.values().sum();
    let by_location = listing(figures.shipments.iter().map(|(k, v)| (k.as_str(), *v)));
    println!("\nShipments   {} ({by_location})", grouped(shipments));
    println!(
        "Deliveries  {} confirmed · {} repeated scans ignored · rest in transit",
        grouped(
            figures
                .by_type
                .get("shipment_delivered")
                .copied()
                .unwrap_or(0)
        ),
        t.duplicate_scans,
    );

    let (authorizations, authorized) = figures.paid(PaymentKind::Authorized);
    let (captures, captured) = figures.paid(PaymentKind::Captured);
    let (refunds, refunded) = figures.paid(PaymentKind::Refunded);
    println!(
        "\nPayments    authorized {} ({}) · captured {} ({}) · refunded {} ({})",
        dollars(authorized),
        grouped(authorizations),
        dollars(captured),
        grouped(captures),
        dollars(refunded),
        grouped(refunds),
    );
    println!(
        "            revenue captured, net of refunds: {}",
        dollars(captured - refunded)
    );
    println!(
        "            cards: {} declined · {} recovered on retry · {} checkouts abandoned",
        t.payment_declined, t.payment_recovered, t.checkout_abandoned,
    );
    let held = |name: &str| figures.holds_placed.get(name).copied().unwrap_or(0);
    let released = |name: &str| figures.holds_released.get(name).copied().unwrap_or(0);
    println!(
        "Holds       awaiting_payment {} ({} lifted by payment)",
        grouped(held(Hold::AWAITING_PAYMENT)),
        grouped(figures.released_by_payment),
    );
    println!(
        "            high_value_review {} ({} released) · fraud_check {} ({} released)",
        held(Hold::HIGH_VALUE_REVIEW),
        released(Hold::HIGH_VALUE_REVIEW),
        held(FRAUD_CHECK),
        released(FRAUD_CHECK),
    );
    let reasons = listing(
        figures
            .cancelled_orders
            .iter()
            .map(|(k, v)| (k.as_str(), *v)),
    );
    println!("Cancelled   orders: {reasons}");
    println!(
        "            lines: {} · units cancelled in all: {}",
        figures.cancelled_lines,
        grouped(figures.units_cancelled),
    );

    println!(
        "\nBackorders  {} lines backordered · {} filled later ({} units)",
        grouped(figures.backordered_lines),
        grouped(figures.backordered_lines_filled),
        grouped(figures.backorder_units_filled),
    );
    let first_total = figures.first_allocated + figures.first_backordered;
    let net_units = figures.units_ordered - figures.units_cancelled;
    println!(
        "Fill rate   {} of units allocated on first try · {} of non-cancelled units shipped today",
        percent(figures.first_allocated, first_total),
        percent(figures.line_units_shipped, net_units),
    );

    let total_events: usize = figures.by_type.values().sum();
    println!("\nEvents by type ({} in all)", grouped(total_events));
    let mut by_count: Vec<(&str, usize)> = figures.by_type.iter().map(|(k, v)| (*k, *v)).collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for pair in by_count.chunks(2) {
        let cells: Vec<String> = pair
            .iter()
            .map(|(name, n)| format!("{name:<22}{:>7}", grouped(n)))
            .collect();
        println!("  {}", cells.join("     "));
    }

    println!("\nErrors      expected, by code (command):");
    let mut by_code: BTreeMap<&str, Vec<(&str, usize)>> = BTreeMap::new();
    for (&(code, command), &n) in &sim.errors {
        by_code.entry(code).or_default().push((command, n));
    }
    if by_code.is_empty() {
        println!("  none");
    }
    for (code, commands) in by_code {
        let n: usize = commands.iter().map(|c| c.1).sum();
        println!("  {code:<20}{n:>5}   ({})", listing(commands));
    }
    match sim.unexpected.len() {
        0 => println!("            unexpected: none"),
        n => {
            println!("            unexpected: {n}");
            for e in sim.unexpected.iter().take(10) {
                println!("  ! {e}");
            }
        }
    }
    println!("\nChecks      {replay}");
}

/// Unit counts summed over stock levels.
#[derive(Default)]
struct StockTotals {
    received: u64,
    adjusted: i64,
    shipped: u64,
    reserved: u64,
    safety: u64,
    on_hand: u64,
}

impl StockTotals {
    fn add(&mut self, s: &StockLevel) {
        self.received += s.received;
        self.adjusted += s.adjusted_in as i64 - s.adjusted_out as i64;
        self.shipped += s.shipped;
        self.reserved += s.reserved;
        self.safety += s.safety_stock;
        self.on_hand += s.on_hand;
    }

    fn row(&self) -> String {
        let adjusted = match self.adjusted {
            0 => "0".to_string(),
            n => format!("{n:+}"),
        };
        format!(
            "{:>9} {adjusted:>9} {:>9} {:>9} {:>9} {:>9}",
            grouped(self.received),
            grouped(self.shipped),
            grouped(self.reserved),
            grouped(self.safety),
            grouped(self.on_hand),
        )
    }
}

fn main() -> ExitCode {
    let seed = match std::env::args().nth(1).map(|s| s.parse::<u64>()) {
        None => DEFAULT_SEED,
        Some(Ok(seed)) => seed,
        Some(Err(_)) => {
            eprintln!(
                "usage: shop_day [SEED]   (SEED: an unsigned integer, default {DEFAULT_SEED})"
            );
            return ExitCode::from(2);
        }
    };
    let config = Config {
        high_value_threshold: Some(usd(Decimal::from(HIGH_VALUE_USD))),
        ..Config::default()
    };
    let mut sim = Sim::new(seed, config.clone());
    sim.run();

    let figures = LogFigures::from_log(&sim.log);
    let invariants = sim.engine.check_invariants();
    let replayed = Engine::replay(config, &sim.log);
    let live = sim.engine.snapshot();
    let replay_ok = replayed.as_ref().is_ok_and(|r| r.snapshot() == live);
    let invariants_text = match &invariants {
        Ok(()) => "invariants ok".to_string(),
        Err(e) => format!("INVARIANT VIOLATED: {e}"),
    };
    let replay_text = match &replayed {
        Ok(_) if replay_ok => format!(
            "replay of {} events → identical snapshot ({} bytes)",
            grouped(sim.log.len()),
            grouped(live.len())
        ),
        Ok(_) => "replay → SNAPSHOT DIFFERS".to_string(),
        Err(e) => format!("replay failed: {e}"),
    };
    print_report(
        &sim,
        seed,
        &figures,
        &format!("{invariants_text} · {replay_text}"),
    );

    assert!(replay_ok, "the replayed engine must equal the live one");
    if invariants.is_err() || !sim.unexpected.is_empty() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
