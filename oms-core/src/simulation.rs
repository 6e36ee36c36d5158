//! What-if simulation: replaying an order history against stock under a
//! sourcing policy, in bulk, without an engine.
//!
//! A [`Simulation`] is filled row by row (locations, stock snapshots and
//! receipts, order lines: the shape of the tables a data team keeps) and
//! [`Simulation::run`] replays it and returns an [`Outcome`]: every
//! allocation, the shipments they make, the backorders left open and a
//! [`KpiReport`]. It is a pure function of its rows: the order the rows
//! come in does not matter, because everything is sorted on stable keys
//! first.
//!
//! # The replay
//!
//! - Time moves through order placements and stock receipts. At one
//!   instant receipts come first (stock received at 09:00 can serve an
//!   order placed at 09:00), then orders by (placed_at, priority (rush
//!   first), order_id).
//! - An order's lines are sorted by (SKU, quantity, unit price) and
//!   numbered from 1; rows of one order must agree on everything but SKU,
//!   quantity and price.
//! - Each order is sourced by [`crate::sourcing`]'s planner, exactly as the
//!   engine would under the same policy, over the locations of the order's
//!   `network` (locations and orders without one form one network of their
//!   own) that hold stock of any of its SKUs, ranked by the policy's rules
//!   (distance from coordinates, or shared postal prefix in the same
//!   country; location priority; the policy's cost table by the ship-to's
//!   country and postal code; no weights, so per-kg rates play no part).
//! - Each location an order takes stock from at one instant makes one
//!   shipment, shipped at that instant (the simulation has no pick, pack
//!   or transit time).
//! - What the plan leaves open waits as a backorder. A receipt serves the
//!   waiting lines of its SKU in its network in the engine's backorder
//!   order (rush first, then oldest placement, then order id, then line)
//!   from the location that received it.
//!
//! Networks never share stock, so a simulation of a set of networks equals
//! the simulations of each network put together: which is what lets
//! `oms_engine.spark` run one network per task. Partition only on a key
//! that contains all competition for stock.
//!
//! # KPIs
//!
//! The report's window is the whole run. Names shared with [`crate::kpi`]
//! mean the same there (`orders_by_channel`, `sales_by_channel` = Σ
//! quantity × unit price, `fill_rate_lines`, `fill_rate_units`,
//! `backorder_rate`); the simulation adds:
//!
//! - `split_shipment_rate`: orders shipped from more than one location (at
//!   any time in the run) / orders with any shipment.
//! - `average_distance_km` (km): Σ units × km from the location / units
//!   allocated where both ends have coordinates.
//! - `backorder_fill_rate`: backordered units later served by a receipt /
//!   units backordered at placement.
//! - `backorder_wait_time` (hours): Σ units × hours from placement to the
//!   receipt that served them (each allocation's hours rounded to 6
//!   decimals) / units served from backorder.
//! - `units_unfilled` (count): units still backordered at the end.
//!
//! Every figure keeps its numerator and denominator, so the reports of
//! separate networks add up with [`crate::kpi::merge`].
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use oms_core::money::Currency;
//! use oms_core::simulation::{LocationRow, OrderLineRow, ShipTo, Simulation, StockRow};
//! use oms_core::SourcingPolicy;
//! let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
//! let mut sim = Simulation::new(&SourcingPolicy::default()).unwrap();
//! for (id, lat) in [("EAST", 40.7), ("WEST", 34.0)] {
//!     sim.add_location(LocationRow { location_id: id, latitude: Some(lat), longitude: Some(-74.0), ..Default::default() }).unwrap();
//! }
//! sim.add_stock(StockRow { location_id: "EAST", sku: "MUG", quantity: 5, at: None }).unwrap();
//! sim.add_stock(StockRow { location_id: "WEST", sku: "MUG", quantity: 5, at: None }).unwrap();
//! sim.add_order_line(OrderLineRow {
//!     placed_at: at, order_id: "SO-1", customer_id: "C1", channel: "web", sku: "MUG", quantity: 7,
//!     unit_price: "9.50".parse().unwrap(), currency: Currency::new("USD").unwrap(),
//!     ship_to: ShipTo { latitude: Some(35.0), longitude: Some(-74.0), ..Default::default() },
//!     priority: Default::default(), network: None,
//! }).unwrap();
//! let outcome = sim.run(&mut |_| true).unwrap();
//! // WEST is nearer: 5 from there, the other 2 from EAST; two shipments.
//! let from: Vec<(&str, u64)> = outcome.allocations.iter()
//!     .map(|a| (outcome.locations[a.location as usize].as_str(), a.quantity)).collect();
//! assert_eq!(from, [("WEST", 5), ("EAST", 2)]);
//! assert_eq!(outcome.shipments.len(), 2);
//! assert_eq!(outcome.kpis.get("split_shipment_rate", None).unwrap().value, Some(1.into()));
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::catalog::haversine_km_cos;
use crate::error::{OmsError, Result};
use crate::ids::{LocationId, OrderId, Sku};
use crate::kpi::{Kpi, KpiReport, KpiUnit, Window};
use crate::money::Currency;
use crate::order::Priority;
use crate::sourcing::{
    Candidate, Distance, LineNeed, Planner, Request, RuleName, SourcingPolicy, Workspace,
};
use crate::util::{FxMap, Names};

/// One location (a row of the locations table).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LocationRow<'a> {
    /// The location's id (unique).
    pub location_id: &'a str,
    /// Latitude in degrees, with `longitude`, for `nearest`.
    pub latitude: Option<f64>,
    /// Longitude in degrees.
    pub longitude: Option<f64>,
    /// ISO country code, with `postal_code`: the distance when coordinates are missing.
    pub country: Option<&'a str>,
    /// Postal code.
    pub postal_code: Option<&'a str>,
    /// Rank for `location_priority`, lower first.
    pub priority: Option<u32>,
    /// The fulfillment network (region) whose orders it serves.
    pub network: Option<&'a str>,
}

/// Stock on hand at the start (`at` absent) or a receipt at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockRow<'a> {
    /// A location given to [`Simulation::add_location`].
    pub location_id: &'a str,
    /// The SKU.
    pub sku: &'a str,
    /// Units.
    pub quantity: u64,
    /// When a receipt arrives; absent for the opening snapshot.
    pub at: Option<DateTime<Utc>>,
}

/// Where an order ships to: coordinates, or a country and postal code.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ShipTo<'a> {
    /// Latitude in degrees.
    pub latitude: Option<f64>,
    /// Longitude in degrees.
    pub longitude: Option<f64>,
    /// ISO country code.
    pub country: Option<&'a str>,
    /// Postal code.
    pub postal_code: Option<&'a str>,
}

/// One order line (a row of the orders table).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderLineRow<'a> {
    /// When the order was placed.
    pub placed_at: DateTime<Utc>,
    /// The order.
    pub order_id: &'a str,
    /// The customer.
    pub customer_id: &'a str,
    /// The sales channel.
    pub channel: &'a str,
    /// The SKU.
    pub sku: &'a str,
    /// Units (positive).
    pub quantity: u64,
    /// Price of one unit (not negative).
    pub unit_price: Decimal,
    /// The price's currency.
    pub currency: Currency,
    /// The destination.
    pub ship_to: ShipTo<'a>,
    /// Rush orders are served first from backorder.
    pub priority: Priority,
    /// The fulfillment network it is sourced in.
    pub network: Option<&'a str>,
}

/// Units of one order line reserved at one location at one time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AllocationRow {
    /// Index into [`Outcome::orders`].
    pub order: u32,
    /// The line number (from 1, in the order's sorted lines).
    pub line: u32,
    /// Index into [`Outcome::skus`].
    pub sku: u32,
    /// Index into [`Outcome::locations`].
    pub location: u32,
    /// Units.
    pub quantity: u64,
    /// When (the placement, or the receipt that served a backorder).
    pub at: DateTime<Utc>,
    /// Whether this served a backorder.
    pub from_backorder: bool,
    /// Kilometres from the location to the ship-to, when both have coordinates.
    pub distance_km: Option<f64>,
    /// The index of its shipment in [`Outcome::shipments`].
    pub shipment: u32,
}

/// What one location ships to one order at one time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShipmentRow {
    /// Index into [`Outcome::orders`].
    pub order: u32,
    /// The shipment's number within its order, from 1.
    pub number: u32,
    /// Index into [`Outcome::locations`].
    pub location: u32,
    /// When it ships.
    pub at: DateTime<Utc>,
    /// Order lines in it.
    pub lines: u32,
    /// Units in it.
    pub units: u64,
    /// Kilometres from the location to the ship-to, when both have coordinates.
    pub distance_km: Option<f64>,
}

/// Units of an order line still waiting at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackorderRow {
    /// Index into [`Outcome::orders`].
    pub order: u32,
    /// The line number.
    pub line: u32,
    /// Index into [`Outcome::skus`].
    pub sku: u32,
    /// Units still open.
    pub quantity: u64,
}

/// Progress of a run, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Order lines replayed so far.
    pub lines_done: u64,
    /// Order lines in all.
    pub lines_total: u64,
}

/// What a run produced. Rows refer to orders, SKUs and locations by index
/// into the id lists (SKUs and locations sorted, orders in replay order).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Order ids in replay order (placed_at, rush first, order id).
    pub orders: Vec<OrderId>,
    /// SKUs, sorted.
    pub skus: Vec<Sku>,
    /// Location ids, sorted.
    pub locations: Vec<LocationId>,
    /// Allocations in the order they were made.
    pub allocations: Vec<AllocationRow>,
    /// Shipments in the order they were made.
    pub shipments: Vec<ShipmentRow>,
    /// Backorders still open at the end, by order and line.
    pub backorders: Vec<BackorderRow>,
    /// The run's KPIs (see the module docs).
    pub kpis: KpiReport,
}

/// Strings kept as given, in one buffer.
#[derive(Debug, Default)]
struct Texts {
    text: String,
    spans: Vec<(u32, u32)>,
}

impl Texts {
    fn push(&mut self, s: &str) -> u32 {
        let a = self.text.len() as u32;
        self.text.push_str(s);
        self.spans.push((a, self.text.len() as u32));
        (self.spans.len() - 1) as u32
    }

    fn text(&self, i: u32) -> &str {
        let (a, b) = self.spans[i as usize];
        &self.text[a as usize..b as usize]
    }
}

const NO_NETWORK: u32 = u32::MAX;

/// Latitude, longitude and the cosine of the latitude (for the haversine).
type Point = (f64, f64, f64);

#[derive(Debug, Clone)]
struct Location {
    lat_lon: Option<Point>,
    country: Option<Box<str>>,
    postal_code: Option<Box<str>>,
    priority: Option<u32>,
    network: u32,
}

#[derive(Debug, Clone)]
struct Order {
    placed_at: DateTime<Utc>,
    customer: u32,
    channel: u32,
    currency: Currency,
    priority: Priority,
    network: u32,
    lat_lon: Option<Point>,
    country: Option<Box<str>>,
    postal_code: Option<Box<str>>,
    /// The first row given, for error messages.
    row: u64,
}

#[derive(Debug, Clone, Copy)]
struct Line {
    order: u32,
    sku: u32,
    quantity: u64,
    unit_price: Decimal,
}

#[derive(Debug, Clone, Copy)]
struct Receipt {
    at: DateTime<Utc>,
    location: u32,
    sku: u32,
    quantity: u64,
}

/// The rows of one simulation, gathered before it runs.
#[derive(Debug)]
pub struct Simulation {
    planner: Planner,
    nearest: bool,
    locations: Names,
    location_rows: Vec<Location>,
    networks: Names,
    skus: Names,
    orders: Names,
    order_rows: Vec<Order>,
    /// Each order's customer, as its first row gave it (only compared).
    customers: Texts,
    channels: Names,
    lines: Vec<Line>,
    opening: Vec<(u32, u32, u64)>,
    receipts: Vec<Receipt>,
    /// The last order a line was added to (rows of an order usually come together).
    last_order: Option<(Box<str>, u32)>,
}

fn invalid(field: String, message: impl Into<String>) -> OmsError {
    OmsError::validation(field, message)
}

/// Checked coordinates; `field` names the row in an error (built only then).
fn coordinates(
    field: impl Fn() -> String,
    lat: Option<f64>,
    lon: Option<f64>,
) -> Result<Option<Point>> {
    match (lat, lon) {
        (None, None) => Ok(None),
        (Some(a), Some(b)) if (-90.0..=90.0).contains(&a) && (-180.0..=180.0).contains(&b) => {
            Ok(Some((a, b, a.to_radians().cos())))
        }
        (Some(_), Some(_)) => Err(invalid(
            format!("{}.latitude", field()),
            "latitude must be within ±90 and longitude within ±180 degrees",
        )),
        _ => Err(invalid(
            format!("{}.latitude", field()),
            "latitude and longitude must be given together",
        )),
    }
}

impl Simulation {
    /// An empty simulation under `policy` (checked).
    pub fn new(policy: &SourcingPolicy) -> Result<Simulation> {
        policy.check()?;
        let planner = Planner::new(policy);
        Ok(Simulation {
            nearest: planner.rules().contains(&RuleName::Nearest),
            planner,
            locations: Names::default(),
            location_rows: Vec::new(),
            networks: Names::default(),
            skus: Names::default(),
            orders: Names::default(),
            order_rows: Vec::new(),
            customers: Texts::default(),
            channels: Names::default(),
            lines: Vec::new(),
            opening: Vec::new(),
            receipts: Vec::new(),
            last_order: None,
        })
    }

    /// Adds a location; ids must be unique and not empty.
    pub fn add_location(&mut self, row: LocationRow<'_>) -> Result<()> {
        let i = self.location_rows.len();
        let field = format!("locations[{i}]");
        if row.location_id.is_empty() {
            return Err(invalid(format!("{field}.location_id"), "must not be empty"));
        }
        if self.locations.get(row.location_id).is_some() {
            return Err(OmsError::Duplicate {
                kind: "location".into(),
                id: row.location_id.into(),
                message: format!("{field} repeats a location id; ids must be unique"),
            });
        }
        let lat_lon = coordinates(|| field.clone(), row.latitude, row.longitude)?;
        self.locations.intern(row.location_id);
        self.location_rows.push(Location {
            lat_lon,
            country: row.country.map(Into::into),
            postal_code: row.postal_code.map(Into::into),
            priority: row.priority,
            network: row.network.map_or(NO_NETWORK, |n| self.networks.intern(n)),
        });
        Ok(())
    }

    /// Adds opening stock or a receipt at a known location.
    pub fn add_stock(&mut self, row: StockRow<'_>) -> Result<()> {
        let i = self.opening.len() + self.receipts.len();
        let Some(location) = self.locations.get(row.location_id) else {
            return Err(invalid(
                format!("stock[{i}].location_id"),
                format!("{:?} is not in the locations table", row.location_id),
            ));
        };
        if row.sku.is_empty() {
            return Err(invalid(format!("stock[{i}].sku"), "must not be empty"));
        }
        let sku = self.skus.intern(row.sku);
        match row.at {
            None => self.opening.push((location, sku, row.quantity)),
            Some(at) => self.receipts.push(Receipt {
                at,
                location,
                sku,
                quantity: row.quantity,
            }),
        }
        Ok(())
    }

    /// Adds an order line. The order's first row sets its placement,
    /// customer, channel, currency, ship-to, priority and network; later
    /// rows must agree.
    pub fn add_order_line(&mut self, row: OrderLineRow<'_>) -> Result<()> {
        let i = self.lines.len();
        let field = |c: &str| format!("orders[{i}].{c}");
        if row.order_id.is_empty() {
            return Err(invalid(field("order_id"), "must not be empty"));
        }
        if row.sku.is_empty() {
            return Err(invalid(field("sku"), "must not be empty"));
        }
        if row.quantity == 0 {
            return Err(invalid(field("quantity"), "must be positive"));
        }
        if row.unit_price.is_sign_negative() && !row.unit_price.is_zero() {
            return Err(invalid(field("unit_price"), "must not be negative"));
        }
        let lat_lon = coordinates(
            || format!("orders[{i}]"),
            row.ship_to.latitude,
            row.ship_to.longitude,
        )?;
        // Nothing can fail below this but a disagreeing row of a known
        // order, which changes nothing.
        // The order's index, interned now if new (one hash either way).
        let (order, new) = match &self.last_order {
            Some((id, o)) if **id == *row.order_id => (*o, false),
            _ => {
                let before = self.orders.len();
                let o = self.orders.intern(row.order_id);
                (o, o as usize == before)
            }
        };
        let known = (!new).then_some(order);
        let order = match known {
            Some(o) => {
                let first = &self.order_rows[o as usize];
                let disagree = if first.placed_at != row.placed_at {
                    Some("placed_at")
                } else if self.customers.text(first.customer) != row.customer_id {
                    Some("customer_id")
                } else if self.channels.name(first.channel) != row.channel {
                    Some("channel")
                } else if first.currency != row.currency {
                    Some("currency")
                } else if first.priority != row.priority {
                    Some("priority")
                } else if match row.network {
                    None => first.network != NO_NETWORK,
                    Some(n) => {
                        first.network == NO_NETWORK || self.networks.name(first.network) != n
                    }
                } {
                    Some("network")
                } else if first.lat_lon != lat_lon
                    || first.country.as_deref() != row.ship_to.country
                    || first.postal_code.as_deref() != row.ship_to.postal_code
                {
                    Some("ship-to")
                } else {
                    None
                };
                if let Some(what) = disagree {
                    return Err(invalid(
                        field(what),
                        format!(
                            "order {:?} has rows that disagree on {what} (its first is row {}); an order's rows must agree on all but sku, quantity and unit_price",
                            row.order_id, first.row
                        ),
                    ));
                }
                o
            }
            None => {
                let network = match row.network {
                    None => NO_NETWORK,
                    Some(n) => self.networks.intern_repeated(n),
                };
                let o = order;
                let customer = self.customers.push(row.customer_id);
                let channel = self.channels.intern_repeated(row.channel);
                self.order_rows.push(Order {
                    placed_at: row.placed_at,
                    customer,
                    channel,
                    currency: row.currency,
                    priority: row.priority,
                    network,
                    lat_lon,
                    country: row.ship_to.country.map(Into::into),
                    postal_code: row.ship_to.postal_code.map(Into::into),
                    row: i as u64,
                });
                o
            }
        };
        if !matches!(&self.last_order, Some((id, _)) if **id == *row.order_id) {
            self.last_order = Some((row.order_id.into(), order));
        }
        let sku = self.skus.intern(row.sku);
        self.lines.push(Line {
            order,
            sku,
            quantity: row.quantity,
            unit_price: row.unit_price,
        });
        Ok(())
    }

    /// Makes room for `lines` more order lines (about half as many
    /// orders), for a host that knows the table's length.
    pub fn reserve(&mut self, lines: usize) {
        self.lines.reserve(lines);
        self.order_rows.reserve(lines / 2);
        self.orders.reserve(lines / 2);
    }

    /// Replays everything. `progress` is called now and then (about every
    /// 16,384 lines, and at the end); returning `false` stops the run with
    /// an `interrupted` [`OmsError::Conflict`], so a host can answer Ctrl-C.
    pub fn run(self, progress: &mut dyn FnMut(Progress) -> bool) -> Result<Outcome> {
        Replay::new(self).run(progress)
    }
}

/// A backorder waiting for stock: served in (priority, order rank, line) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Waiting {
    rush_first: u8,
    rank: u32,
    line: u32,
}

/// The replay's state.
struct Replay {
    sim: Simulation,
    /// Location index → sorted position (= index into `Outcome::locations`).
    location_pos: Vec<u32>,
    sku_pos: Vec<u32>,
    /// Orders by rank: the replay order.
    by_rank: Vec<u32>,
    /// Order index → its rank (its position in `Outcome::orders`).
    rank_of: Vec<u32>,
    /// Order index → its lines' range in `lines` (sorted).
    line_range: Vec<(u32, u32)>,
    /// Per network (index, `NO_NETWORK` last), its locations sorted by id.
    network_locations: Vec<Vec<u32>>,
    /// Location index → its place in its network's list.
    place_in_network: Vec<u32>,
    /// (network, sku) → units per network location.
    stock: Cells,
    /// Open units per line (indexed like `lines`).
    open: Vec<u64>,
    out: Outcome,
    /// Per order: shipments made, and the last location shipped from.
    shipments_of: Vec<(u32, u32)>,
    split: Vec<bool>,
    totals: Totals,
}

#[derive(Debug, Default)]
struct Totals {
    orders: u64,
    lines: u64,
    lines_filled: u64,
    units: u64,
    units_placed: u64,
    orders_backordered: u64,
    units_backordered: u64,
    units_from_backorder: u64,
    wait_unit_hours: Decimal,
    km_units: Decimal,
    units_with_km: u64,
    by_channel: BTreeMap<u32, u64>,
    sales: BTreeMap<(u32, Currency), Decimal>,
}

impl Replay {
    fn new(mut sim: Simulation) -> Replay {
        let (location_names, location_rank) = sim.locations.sorted();
        let locations: Vec<LocationId> = location_names.into_iter().map(LocationId::new).collect();
        let (sku_names, sku_rank) = sim.skus.sorted();
        let skus: Vec<Sku> = sku_names.into_iter().map(Sku::new).collect();
        // Orders in replay order: placed_at, rush first, order id (ids are
        // compared only on ties, not sorted as a whole).
        let mut by_rank: Vec<u32> = (0..sim.order_rows.len() as u32).collect();
        by_rank.sort_unstable_by(|&a, &b| {
            let (x, y) = (&sim.order_rows[a as usize], &sim.order_rows[b as usize]);
            (x.placed_at, x.priority)
                .cmp(&(y.placed_at, y.priority))
                .then_with(|| sim.orders.name(a).cmp(sim.orders.name(b)))
        });
        let mut rank_of = vec![0u32; by_rank.len()];
        for (r, &o) in by_rank.iter().enumerate() {
            rank_of[o as usize] = r as u32;
        }
        // Lines grouped by order in replay order (a counting sort: each
        // order's place is known), then each order's few lines by (SKU,
        // quantity, price).
        let mut line_range = vec![(0u32, 0u32); by_rank.len()];
        {
            let mut count = vec![0u32; by_rank.len() + 1];
            for l in &sim.lines {
                count[rank_of[l.order as usize] as usize + 1] += 1;
            }
            for r in 1..count.len() {
                count[r] += count[r - 1];
            }
            for (r, &o) in by_rank.iter().enumerate() {
                line_range[o as usize] = (count[r], count[r + 1]);
            }
            let mut next: Vec<u32> = count[..by_rank.len()].to_vec();
            let mut sorted = vec![
                Line {
                    order: 0,
                    sku: 0,
                    quantity: 0,
                    unit_price: Decimal::ZERO,
                };
                sim.lines.len()
            ];
            for l in &sim.lines {
                let slot = &mut next[rank_of[l.order as usize] as usize];
                sorted[*slot as usize] = *l;
                *slot += 1;
            }
            for &(a, b) in &line_range {
                if b - a > 1 {
                    sorted[a as usize..b as usize].sort_unstable_by(|x, y| {
                        (sku_rank[x.sku as usize], x.quantity)
                            .cmp(&(sku_rank[y.sku as usize], y.quantity))
                            .then_with(|| x.unit_price.cmp(&y.unit_price))
                    });
                }
            }
            sim.lines = sorted;
        }
        // Networks and their locations, by location id.
        let networks = sim.networks.len() + 1;
        let mut network_locations: Vec<Vec<u32>> = vec![Vec::new(); networks];
        let net = |n: u32| {
            if n == NO_NETWORK {
                networks - 1
            } else {
                n as usize
            }
        };
        let mut locs: Vec<u32> = (0..sim.location_rows.len() as u32).collect();
        locs.sort_unstable_by_key(|&l| location_rank[l as usize]);
        let mut place_in_network = vec![0u32; locs.len()];
        for &l in &locs {
            let list = &mut network_locations[net(sim.location_rows[l as usize].network)];
            place_in_network[l as usize] = list.len() as u32;
            list.push(l);
        }
        let mut stock = Cells::new(networks, sim.skus.len());
        for &(l, sku, q) in &sim.opening {
            let n = net(sim.location_rows[l as usize].network);
            let slot = stock.slot(n as u32, sku, network_locations[n].len());
            let c = stock.at(slot, place_in_network[l as usize] as usize);
            *c = c.saturating_add(q);
        }
        sim.receipts.sort_unstable_by_key(|r| {
            (
                r.at,
                location_rank[r.location as usize],
                sku_rank[r.sku as usize],
                r.quantity,
            )
        });
        let out = Outcome {
            orders: by_rank
                .iter()
                .map(|&o| OrderId::new(sim.orders.name(o)))
                .collect(),
            skus,
            locations,
            allocations: Vec::with_capacity(sim.lines.len()),
            shipments: Vec::with_capacity(sim.order_rows.len()),
            backorders: Vec::new(),
            kpis: KpiReport::default(),
        };
        let open = sim.lines.iter().map(|l| l.quantity).collect();
        let orders = sim.order_rows.len();
        Replay {
            location_pos: location_rank,
            sku_pos: sku_rank,
            sim,
            by_rank,
            rank_of,
            line_range,
            network_locations,
            place_in_network,
            stock,
            open,
            out,
            shipments_of: vec![(0, u32::MAX); orders],
            split: vec![false; orders],
            totals: Totals::default(),
        }
    }
}

/// Stock and waiting backorders per (network, SKU) slot. A slot's units,
/// one per location of its network, sit together in one flat array, and
/// slots are found by a dense (network, SKU) index when that fits: the
/// replay reads them for every order, in no particular order.
#[derive(Debug, Default)]
struct Cells {
    /// `dense[network * skus + sku]` = slot + 1 (0: none), when networks × SKUs is small.
    dense: Vec<u32>,
    skus: usize,
    sparse: FxMap<(u32, u32), usize>,
    /// Where each slot's units start in `units`.
    starts: Vec<usize>,
    /// Units per slot and network location.
    units: Vec<u64>,
    /// Backorders waiting for the SKU in the network, in service order.
    waiting: Vec<Vec<Waiting>>,
}

/// Most entries of the dense slot index (64 MB).
const DENSE_SLOTS: usize = 1 << 24;

impl Cells {
    fn new(networks: usize, skus: usize) -> Cells {
        let dense = if networks.saturating_mul(skus) <= DENSE_SLOTS {
            vec![0; networks * skus]
        } else {
            Vec::new()
        };
        Cells {
            dense,
            skus,
            ..Cells::default()
        }
    }

    #[inline]
    fn find(&self, network: u32, sku: u32) -> Option<usize> {
        if self.dense.is_empty() {
            self.sparse.get(&(network, sku)).copied()
        } else {
            match self.dense[network as usize * self.skus + sku as usize] {
                0 => None,
                s => Some(s as usize - 1),
            }
        }
    }

    /// The slot, made (empty, for `len` locations) if new.
    fn slot(&mut self, network: u32, sku: u32, len: usize) -> usize {
        if let Some(s) = self.find(network, sku) {
            return s;
        }
        let s = self.starts.len();
        self.starts.push(self.units.len());
        self.units.resize(self.units.len() + len, 0);
        self.waiting.push(Vec::new());
        if self.dense.is_empty() {
            self.sparse.insert((network, sku), s);
        } else {
            self.dense[network as usize * self.skus + sku as usize] = s as u32 + 1;
        }
        s
    }

    /// Units of `slot` at the network's location number `place`.
    #[inline]
    fn at(&mut self, slot: usize, place: usize) -> &mut u64 {
        &mut self.units[self.starts[slot] + place]
    }

    #[inline]
    fn get(&self, slot: usize, place: usize) -> u64 {
        self.units[self.starts[slot] + place]
    }
}

/// Per-order buffers reused from one order to the next.
#[derive(Default)]
struct Scratch {
    slots: Vec<Option<usize>>,
    /// Per candidate, its distance when `nearest` measured it.
    km: Vec<Option<f64>>,
    items: Vec<u32>,
    parts: Vec<(usize, u64)>,
    needs: Vec<LineNeed>,
    places: Vec<u32>,
    available: Vec<u64>,
    weights: Vec<u64>,
    ws: Workspace,
}

/// Hours from `from` to `to`, rounded to 6 decimals.
fn hours(from: DateTime<Utc>, to: DateTime<Utc>) -> Decimal {
    (Decimal::from((to - from).num_seconds()) / Decimal::from(3600)).round_dp(6)
}

/// Kilometres to the metre, as a decimal (exact from here on, so sums of
/// shards add up).
fn km_decimal(km: f64) -> Decimal {
    Decimal::new((km * 1000.0).round() as i64, 3)
}

impl Replay {
    fn net(&self, n: u32) -> u32 {
        if n == NO_NETWORK {
            (self.network_locations.len() - 1) as u32
        } else {
            n
        }
    }

    fn km(&self, order: u32, location: u32) -> Option<f64> {
        let o = &self.sim.order_rows[order as usize];
        match (o.lat_lon, self.sim.location_rows[location as usize].lat_lon) {
            (Some(a), Some(b)) => Some(haversine_km_cos(a, b)),
            _ => None,
        }
    }

    fn run(mut self, progress: &mut dyn FnMut(Progress) -> bool) -> Result<Outcome> {
        let total = self.sim.lines.len() as u64;
        let mut scratch = Scratch::default();
        // The location ids, out of `self` while orders are placed, so that
        // one candidate list can borrow them for the whole run.
        let ids = std::mem::take(&mut self.out.locations);
        let mut candidates = Vec::new();
        let mut r = 0;
        let mut done = 0u64;
        let mut report_at = PROGRESS_EVERY;
        let interrupted = || OmsError::Conflict {
            message: "the simulation was interrupted".into(),
        };
        for rank in 0..self.by_rank.len() {
            let o = self.by_rank[rank];
            let at = self.sim.order_rows[o as usize].placed_at;
            while r < self.sim.receipts.len() && self.sim.receipts[r].at <= at {
                r = self.receive(r);
            }
            let (s, e) = self.line_range[o as usize];
            self.place(o, &mut scratch, &ids, &mut candidates);
            done += u64::from(e - s);
            if done >= report_at {
                report_at = done + PROGRESS_EVERY;
                if !progress(Progress {
                    lines_done: done,
                    lines_total: total,
                }) {
                    return Err(interrupted());
                }
            }
        }
        drop(candidates);
        self.out.locations = ids;
        while r < self.sim.receipts.len() {
            r = self.receive(r);
        }
        if !progress(Progress {
            lines_done: done,
            lines_total: total,
        }) {
            return Err(interrupted());
        }
        Ok(self.finish())
    }

    /// Sources one order at its placement.
    fn place<'l>(
        &mut self,
        o: u32,
        sc: &mut Scratch,
        ids: &'l [LocationId],
        candidates: &mut Vec<Candidate<'l>>,
    ) {
        let (s, e) = self.line_range[o as usize];
        let order = &self.sim.order_rows[o as usize];
        let at = order.placed_at;
        let n = self.net(order.network);
        let locs = &self.network_locations[n as usize];
        // The order's distinct SKUs (its lines are sorted by SKU).
        sc.items.clear();
        sc.parts.clear();
        sc.needs.clear();
        for (i, line) in self.sim.lines[s as usize..e as usize].iter().enumerate() {
            if sc.items.last() != Some(&line.sku) {
                sc.items.push(line.sku);
            }
            sc.parts.push((sc.items.len() - 1, 1));
            sc.needs.push(LineNeed {
                quantity: line.quantity,
                parts: i..i + 1,
            });
        }
        // Candidates: the network's locations holding any of them.
        sc.places.clear();
        sc.slots.clear();
        sc.slots
            .extend(sc.items.iter().map(|&sku| self.stock.find(n, sku)));
        let stock = &self.stock;
        for p in 0..locs.len() {
            if sc
                .slots
                .iter()
                .any(|c| c.is_some_and(|c| stock.get(c, p) > 0))
            {
                sc.places.push(p as u32);
            }
        }
        sc.available.clear();
        for c in &sc.slots {
            sc.available.extend(
                sc.places
                    .iter()
                    .map(|&p| c.map_or(0, |c| stock.get(c, p as usize))),
            );
        }
        let table = self.sim.planner.policy().cost_table();
        let zone = match (table, &order.country, &order.postal_code) {
            (Some(t), Some(c), Some(pc)) => t.zone_of(c, pc),
            _ => None,
        };
        sc.km.clear();
        candidates.clear();
        candidates.extend(sc.places.iter().map(|&p| {
            let l = locs[p as usize];
            let loc = &self.sim.location_rows[l as usize];
            let location_id = &ids[self.location_pos[l as usize] as usize];
            let km = match (order.lat_lon, loc.lat_lon) {
                (Some(a), Some(b)) if self.sim.nearest => Some(haversine_km_cos(a, b)),
                _ => None,
            };
            sc.km.push(km);
            let distance = if !self.sim.nearest {
                Distance::Unknown
            } else if let Some(km) = km {
                Distance::Km(km)
            } else {
                match (
                    &order.country,
                    &order.postal_code,
                    &loc.country,
                    &loc.postal_code,
                ) {
                    (Some(c), Some(pc), Some(lc), Some(lpc)) if c.eq_ignore_ascii_case(lc) => {
                        let shared = pc
                            .bytes()
                            .zip(lpc.bytes())
                            .take_while(|(x, y)| x.eq_ignore_ascii_case(y))
                            .count();
                        Distance::SharedPostalPrefix(shared as u32)
                    }
                    _ => Distance::Unknown,
                }
            };
            let rate = zone
                .and_then(|z| table.and_then(|t| t.rate(location_id.as_str(), z)))
                .map(|r| (r.per_shipment.amount, r.per_kg.amount));
            Candidate {
                location_id,
                distance,
                priority: loc.priority,
                rate,
                in_use: false,
            }
        }));
        sc.weights.clear();
        sc.weights.resize(sc.items.len(), 0);
        if !candidates.is_empty() {
            let req = Request {
                lines: &sc.needs,
                parts: &sc.parts,
                item_weights_g: &sc.weights,
                candidates,
                available: &sc.available,
                currency: self.sim.planner.cost_currency(),
                item_caps: None,
                split_penalty: self.sim.planner.split_penalty(),
            };
            self.sim.planner.plan_unexplained(&req, &mut sc.ws);
        }
        let assignments: &[crate::sourcing::Assignment] = if sc.places.is_empty() {
            &[]
        } else {
            sc.ws.assignments()
        };
        // Totals of the placement.
        let order = &self.sim.order_rows[o as usize];
        let (channel, currency) = (order.channel, order.currency);
        let t = &mut self.totals;
        t.orders += 1;
        *t.by_channel.entry(channel).or_insert(0) += 1;
        let sales = t.sales.entry((channel, currency)).or_insert(Decimal::ZERO);
        for line in &self.sim.lines[s as usize..e as usize] {
            *sales = sales.saturating_add(line.unit_price.saturating_mul(line.quantity.into()));
            t.lines += 1;
            t.units += line.quantity;
        }
        let mut current: Option<(usize, usize)> = None; // (candidate, shipment index)
        for a in assignments {
            let l = self.network_locations[n as usize][sc.places[a.candidate] as usize];
            let g = s as usize + a.line;
            let slot = sc.slots[sc.parts[a.line].0].expect("a candidate offered stock of this SKU");
            *self
                .stock
                .at(slot, self.place_in_network[l as usize] as usize) -= a.quantity;
            self.open[g] -= a.quantity;
            self.totals.units_placed += a.quantity;
            let shipment = match current {
                Some((c, i)) if c == a.candidate => i,
                _ => {
                    let km = match sc.km[a.candidate] {
                        Some(km) => Some(km),
                        None => self.km(o, l),
                    };
                    let i = self.new_shipment(o, l, at, km);
                    current = Some((a.candidate, i));
                    i
                }
            };
            self.allocate(o, g, l, a.quantity, at, false, shipment);
        }
        let mut backordered = false;
        for g in s as usize..e as usize {
            let open = self.open[g];
            if open == 0 {
                self.totals.lines_filled += 1;
                continue;
            }
            backordered = true;
            self.totals.units_backordered += open;
            let key = Waiting {
                rush_first: u8::from(self.sim.order_rows[o as usize].priority != Priority::Rush),
                rank: self.rank_of[o as usize],
                line: g as u32,
            };
            let len = self.network_locations[n as usize].len();
            let slot = self.stock.slot(n, self.sim.lines[g].sku, len);
            let queue = &mut self.stock.waiting[slot];
            let at = queue.partition_point(|w| *w < key);
            queue.insert(at, key);
        }
        if backordered {
            self.totals.orders_backordered += 1;
        }
    }

    fn new_shipment(
        &mut self,
        o: u32,
        l: u32,
        at: DateTime<Utc>,
        distance_km: Option<f64>,
    ) -> usize {
        let (made, last) = &mut self.shipments_of[o as usize];
        if *made > 0 && *last != l {
            self.split[o as usize] = true;
        }
        *made += 1;
        *last = l;
        let number = *made;
        self.out.shipments.push(ShipmentRow {
            order: self.rank_of[o as usize],
            number,
            location: self.location_pos[l as usize],
            at,
            lines: 0,
            units: 0,
            distance_km,
        });
        self.out.shipments.len() - 1
    }

    #[allow(clippy::too_many_arguments)]
    fn allocate(
        &mut self,
        o: u32,
        g: usize,
        l: u32,
        quantity: u64,
        at: DateTime<Utc>,
        from_backorder: bool,
        shipment: usize,
    ) {
        let line = &self.sim.lines[g];
        let (s, _) = self.line_range[o as usize];
        let ship = &mut self.out.shipments[shipment];
        ship.lines += 1;
        ship.units += quantity;
        let distance_km = ship.distance_km;
        if let Some(km) = distance_km {
            self.totals.km_units = self
                .totals
                .km_units
                .saturating_add(km_decimal(km).saturating_mul(quantity.into()));
            self.totals.units_with_km += quantity;
        }
        self.out.allocations.push(AllocationRow {
            order: self.rank_of[o as usize],
            line: g as u32 - s + 1,
            sku: self.sku_pos[line.sku as usize],
            location: self.location_pos[l as usize],
            quantity,
            at,
            from_backorder,
            distance_km,
            shipment: shipment as u32,
        });
    }

    /// Receives the receipts at `receipts[r]`'s instant and serves waiting
    /// backorders from them; returns the index after them.
    fn receive(&mut self, r: usize) -> usize {
        let at = self.sim.receipts[r].at;
        let mut end = r;
        while end < self.sim.receipts.len() && self.sim.receipts[end].at == at {
            end += 1;
        }
        // Book every receipt of the instant first.
        for i in r..end {
            let rc = self.sim.receipts[i];
            let n = self.net(self.sim.location_rows[rc.location as usize].network);
            let len = self.network_locations[n as usize].len();
            let slot = self.stock.slot(n, rc.sku, len);
            let c = self
                .stock
                .at(slot, self.place_in_network[rc.location as usize] as usize);
            *c = c.saturating_add(rc.quantity);
        }
        // Then serve, receipt by receipt (sorted by location and SKU).
        let mut shipments: FxMap<(u32, u32), usize> = FxMap::default();
        for i in r..end {
            let rc = self.sim.receipts[i];
            if i > r && {
                let p = self.sim.receipts[i - 1];
                p.location == rc.location && p.sku == rc.sku
            } {
                continue; // served with the one before
            }
            let n = self.net(self.sim.location_rows[rc.location as usize].network);
            let slot = self.stock.find(n, rc.sku).expect("booked above");
            let queue = std::mem::take(&mut self.stock.waiting[slot]);
            let place = self.place_in_network[rc.location as usize] as usize;
            let mut served = 0;
            for w in &queue {
                let have = self.stock.get(slot, place);
                if have == 0 {
                    break;
                }
                let g = w.line as usize;
                let quantity = have.min(self.open[g]);
                let o = self.sim.lines[g].order;
                *self.stock.at(slot, place) -= quantity;
                self.open[g] -= quantity;
                if self.open[g] == 0 {
                    served += 1;
                }
                let shipment = match shipments.get(&(o, rc.location)) {
                    Some(&i) => i,
                    None => {
                        let km = self.km(o, rc.location);
                        let i = self.new_shipment(o, rc.location, at, km);
                        shipments.insert((o, rc.location), i);
                        i
                    }
                };
                let placed = self.sim.order_rows[o as usize].placed_at;
                let t = &mut self.totals;
                t.units_from_backorder += quantity;
                t.wait_unit_hours = t
                    .wait_unit_hours
                    .saturating_add(hours(placed, at).saturating_mul(quantity.into()));
                self.allocate(o, g, rc.location, quantity, at, true, shipment);
            }
            let mut queue = queue;
            queue.drain(..served);
            self.stock.waiting[slot] = queue;
        }
        end
    }

    fn finish(mut self) -> Outcome {
        for (g, &open) in self.open.iter().enumerate() {
            if open > 0 {
                let line = &self.sim.lines[g];
                let (s, _) = self.line_range[line.order as usize];
                self.out.backorders.push(BackorderRow {
                    order: self.rank_of[line.order as usize],
                    line: g as u32 - s + 1,
                    sku: self.sku_pos[line.sku as usize],
                    quantity: open,
                });
            }
        }
        self.out
            .backorders
            .sort_unstable_by_key(|b| (b.order, b.line));
        let t = &self.totals;
        let shipped_orders = self.shipments_of.iter().filter(|s| s.0 > 0).count() as u64;
        let split = self.split.iter().filter(|&&s| s).count() as u64;
        let unfilled: u64 = self.open.iter().sum();
        let ratio = |name: &str, num: Decimal, den: Decimal, unit: KpiUnit| Kpi {
            name: name.into(),
            key: None,
            currency: None,
            value: crate::kpi::quotient(num, den),
            numerator: num,
            denominator: den,
            unit,
        };
        let d = Decimal::from;
        let mut kpis = vec![
            ratio(
                "fill_rate_lines",
                d(t.lines_filled),
                d(t.lines),
                KpiUnit::Ratio,
            ),
            ratio(
                "fill_rate_units",
                d(t.units_placed),
                d(t.units),
                KpiUnit::Ratio,
            ),
            ratio(
                "backorder_rate",
                d(t.orders_backordered),
                d(t.orders),
                KpiUnit::Ratio,
            ),
            ratio(
                "split_shipment_rate",
                d(split),
                d(shipped_orders),
                KpiUnit::Ratio,
            ),
            ratio(
                "average_distance_km",
                t.km_units,
                d(t.units_with_km),
                KpiUnit::Km,
            ),
            ratio(
                "backorder_fill_rate",
                d(t.units_from_backorder),
                d(t.units_backordered),
                KpiUnit::Ratio,
            ),
            ratio(
                "backorder_wait_time",
                t.wait_unit_hours,
                d(t.units_from_backorder),
                KpiUnit::Hours,
            ),
            ratio("units_unfilled", d(unfilled), Decimal::ONE, KpiUnit::Count),
        ];
        for (&channel, &orders) in &t.by_channel {
            let mut k = ratio("orders_by_channel", d(orders), Decimal::ONE, KpiUnit::Count);
            k.key = Some(self.sim.channels.name(channel).to_string());
            kpis.push(k);
        }
        for (&(channel, currency), &amount) in &t.sales {
            let mut k = ratio("sales_by_channel", amount, Decimal::ONE, KpiUnit::Money);
            k.key = Some(self.sim.channels.name(channel).to_string());
            k.currency = Some(currency);
            kpis.push(k);
        }
        kpis.sort_by(|a, b| (&a.name, &a.key, a.currency).cmp(&(&b.name, &b.key, b.currency)));
        self.out.kpis = KpiReport {
            window: Window::default(),
            kpis,
            histograms: BTreeMap::new(),
        };
        self.out
    }
}

/// Lines between progress reports.
const PROGRESS_EVERY: u64 = 16_384;
