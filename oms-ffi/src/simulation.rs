//! What-if simulation across the boundary: rows in, the core's
//! [`oms_core::simulation`] run, rows out. Conversion only.

use oms_core::money::Currency;
use oms_core::simulation as sim_;

use crate::kpi::KpiReportRecord;
use crate::types::{format_time, parse_plain_decimal, parse_time_field, Priority, SourcingPolicy};
use crate::OmsFfiError;

type Result<T> = std::result::Result<T, OmsFfiError>;

/// A location of the simulation.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SimLocation {
    /// Unique id.
    pub location_id: String,
    /// Latitude in degrees (with `longitude`).
    #[uniffi(default = None)]
    pub latitude: Option<f64>,
    /// Longitude in degrees.
    #[uniffi(default = None)]
    pub longitude: Option<f64>,
    /// ISO country code (with `postal_code`: the distance without coordinates).
    #[uniffi(default = None)]
    pub country: Option<String>,
    /// Postal code.
    #[uniffi(default = None)]
    pub postal_code: Option<String>,
    /// Rank for `location_priority`, lower first.
    #[uniffi(default = None)]
    pub priority: Option<u32>,
    /// The fulfillment network whose orders it serves.
    #[uniffi(default = None)]
    pub network: Option<String>,
}

/// Opening stock (`at` absent) or a receipt at `at` (RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SimStock {
    /// A location of the simulation.
    pub location_id: String,
    /// The SKU.
    pub sku: String,
    /// Units.
    pub quantity: u64,
    /// When a receipt arrives; absent for the opening stock.
    #[uniffi(default = None)]
    pub at: Option<String>,
}

/// One order line to replay.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SimOrderLine {
    /// When the order was placed, RFC 3339.
    pub placed_at: String,
    /// The order.
    pub order_id: String,
    /// The customer.
    pub customer_id: String,
    /// The sales channel.
    pub channel: String,
    /// The SKU.
    pub sku: String,
    /// Units (positive).
    pub quantity: u64,
    /// Price of one unit, a decimal string.
    pub unit_price: String,
    /// ISO currency code of the price.
    pub currency: String,
    /// Ship-to latitude.
    #[uniffi(default = None)]
    pub latitude: Option<f64>,
    /// Ship-to longitude.
    #[uniffi(default = None)]
    pub longitude: Option<f64>,
    /// Ship-to country.
    #[uniffi(default = None)]
    pub country: Option<String>,
    /// Ship-to postal code.
    #[uniffi(default = None)]
    pub postal_code: Option<String>,
    /// Rush orders are served first from backorder.
    #[uniffi(default = None)]
    pub priority: Option<Priority>,
    /// The network it is sourced in.
    #[uniffi(default = None)]
    pub network: Option<String>,
}

/// Units of an order line reserved at a location.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SimAllocation {
    /// The order.
    pub order_id: String,
    /// The line number in the order's sorted lines, from 1.
    pub line: u32,
    /// The SKU.
    pub sku: String,
    /// The location.
    pub location_id: String,
    /// Units.
    pub quantity: u64,
    /// When, RFC 3339.
    pub allocated_at: String,
    /// Whether a receipt served it from backorder.
    pub from_backorder: bool,
    /// Kilometres to the ship-to, when both have coordinates.
    pub distance_km: Option<f64>,
    /// Its shipment's number within the order.
    pub shipment: u32,
}

/// What one location ships to one order at one time.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SimShipment {
    /// The order.
    pub order_id: String,
    /// Its number within the order, from 1.
    pub shipment: u32,
    /// The location.
    pub location_id: String,
    /// When, RFC 3339.
    pub shipped_at: String,
    /// Order lines in it.
    pub lines: u32,
    /// Units in it.
    pub units: u64,
    /// Kilometres to the ship-to, when both have coordinates.
    pub distance_km: Option<f64>,
}

/// Units of an order line still open at the end.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SimBackorder {
    /// The order.
    pub order_id: String,
    /// The line number.
    pub line: u32,
    /// The SKU.
    pub sku: String,
    /// Units still open.
    pub quantity: u64,
}

/// What a simulation produced.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SimulationRecord {
    /// Allocations in the order they were made.
    pub allocations: Vec<SimAllocation>,
    /// Shipments in the order they were made.
    pub shipments: Vec<SimShipment>,
    /// Open backorders at the end.
    pub backorders: Vec<SimBackorder>,
    /// The run's KPIs.
    pub kpis: KpiReportRecord,
}

fn core(e: oms_core::OmsError) -> OmsFfiError {
    e.into()
}

/// Replays order lines against stock and receipts under a sourcing
/// policy (the engine's default when absent): see `oms_core::simulation`.
#[uniffi::export(default(policy = None))]
pub fn simulate(
    orders: Vec<SimOrderLine>,
    stock: Vec<SimStock>,
    locations: Vec<SimLocation>,
    policy: Option<SourcingPolicy>,
) -> Result<SimulationRecord> {
    let policy = match policy {
        Some(p) => p.into_command()?.0,
        None => oms_core::SourcingPolicy::default(),
    };
    let mut sim = sim_::Simulation::new(&policy).map_err(core)?;
    for l in &locations {
        sim.add_location(sim_::LocationRow {
            location_id: &l.location_id,
            latitude: l.latitude,
            longitude: l.longitude,
            country: l.country.as_deref(),
            postal_code: l.postal_code.as_deref(),
            priority: l.priority,
            network: l.network.as_deref(),
        })
        .map_err(core)?;
    }
    for (i, s) in stock.iter().enumerate() {
        let at = match &s.at {
            Some(at) => Some(parse_time_field(&format!("stock[{i}].at"), at)?),
            None => None,
        };
        sim.add_stock(sim_::StockRow {
            location_id: &s.location_id,
            sku: &s.sku,
            quantity: s.quantity,
            at,
        })
        .map_err(core)?;
    }
    for (i, o) in orders.iter().enumerate() {
        let currency = Currency::new(&o.currency).map_err(core)?;
        sim.add_order_line(sim_::OrderLineRow {
            placed_at: parse_time_field(&format!("orders[{i}].placed_at"), &o.placed_at)?,
            order_id: &o.order_id,
            customer_id: &o.customer_id,
            channel: &o.channel,
            sku: &o.sku,
            quantity: o.quantity,
            unit_price: parse_plain_decimal(&format!("orders[{i}].unit_price"), &o.unit_price)?,
            currency,
            ship_to: sim_::ShipTo {
                latitude: o.latitude,
                longitude: o.longitude,
                country: o.country.as_deref(),
                postal_code: o.postal_code.as_deref(),
            },
            priority: o.priority.map(Into::into).unwrap_or_default(),
            network: o.network.as_deref(),
        })
        .map_err(core)?;
    }
    let out = sim.run(&mut |_| true).map_err(core)?;
    let order = |i: u32| out.orders[i as usize].to_string();
    let sku = |i: u32| out.skus[i as usize].to_string();
    let location = |i: u32| out.locations[i as usize].to_string();
    Ok(SimulationRecord {
        allocations: out
            .allocations
            .iter()
            .map(|a| SimAllocation {
                order_id: order(a.order),
                line: a.line,
                sku: sku(a.sku),
                location_id: location(a.location),
                quantity: a.quantity,
                allocated_at: format_time(a.at),
                from_backorder: a.from_backorder,
                distance_km: a.distance_km,
                shipment: out.shipments[a.shipment as usize].number,
            })
            .collect(),
        shipments: out
            .shipments
            .iter()
            .map(|s| SimShipment {
                order_id: order(s.order),
                shipment: s.number,
                location_id: location(s.location),
                shipped_at: format_time(s.at),
                lines: s.lines,
                units: s.units,
                distance_km: s.distance_km,
            })
            .collect(),
        backorders: out
            .backorders
            .iter()
            .map(|b| SimBackorder {
                order_id: order(b.order),
                line: b.line,
                sku: sku(b.sku),
                quantity: b.quantity,
            })
            .collect(),
        kpis: KpiReportRecord::from_core(out.kpis.clone())?,
    })
}
