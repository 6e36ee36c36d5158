//! Records and enums that cross the boundary, and their conversions to and
//! from the core's types. Conversion only: every check is the core's.
//!
//! Conventions: money is a decimal string plus an ISO 4217 code ([`Money`]),
//! never a float; times are RFC 3339 strings (`2026-11-22T09:00:00Z`);
//! quantities are unsigned 64-bit integers (Kotlin `ULong`, Swift `UInt64`).

use chrono::{DateTime, SecondsFormat, Utc};
use oms_core as core_;

use crate::OmsFfiError;

/// Parses an RFC 3339 time (any offset; stored as UTC). Anything else is a
/// `validation` error about the field `at`.
pub(crate) fn parse_time(at: &str) -> Result<DateTime<Utc>, OmsFfiError> {
    parse_time_field("at", at)
}

/// [`parse_time`] for a time in the field `field`.
pub(crate) fn parse_time_field(field: &str, at: &str) -> Result<DateTime<Utc>, OmsFfiError> {
    DateTime::parse_from_rfc3339(at)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| OmsFfiError::validation(field, format!("{at:?} is not an RFC 3339 time: {e}")))
}

/// Parses a `YYYY-MM-DD` date in the field `field`.
pub(crate) fn parse_date(field: &str, s: &str) -> Result<chrono::NaiveDate, OmsFfiError> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| {
        OmsFfiError::validation(field, format!("{s:?} is not a date like 2026-12-01: {e}"))
    })
}

/// Formats a time as RFC 3339 in UTC, as the core's JSON does.
pub(crate) fn format_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// An amount of money: a decimal string (e.g. `"19.99"`) and an ISO 4217
/// currency code (e.g. `"USD"`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Money {
    /// The amount as a decimal string, e.g. `"19.99"`.
    pub amount: String,
    /// Three upper-case letters, e.g. `"USD"`.
    pub currency: String,
}

impl Money {
    pub(crate) fn into_core(self) -> Result<core_::Money, OmsFfiError> {
        Ok(core_::Money::parse(&self.amount, &self.currency)?)
    }
}

impl From<core_::Money> for Money {
    fn from(m: core_::Money) -> Self {
        Money {
            amount: m.amount.to_string(),
            currency: m.currency.as_str().to_string(),
        }
    }
}

pub(crate) fn money_opt(m: Option<Money>) -> Result<Option<core_::Money>, OmsFfiError> {
    m.map(Money::into_core).transpose()
}

/// A postal address with optional coordinates.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Address {
    /// The recipient's name.
    pub name: String,
    /// First address line, e.g. street and number.
    pub line1: String,
    /// City or town.
    pub city: String,
    /// Postal or ZIP code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, e.g. `US`.
    pub country: String,
    /// Second address line.
    #[uniffi(default)]
    pub line2: Option<String>,
    /// State, province or region.
    #[uniffi(default)]
    pub region: Option<String>,
    /// Latitude in degrees, given together with `lon`.
    #[uniffi(default)]
    pub lat: Option<f64>,
    /// Longitude in degrees, given together with `lat`.
    #[uniffi(default)]
    pub lon: Option<f64>,
}

impl From<Address> for core_::Address {
    fn from(a: Address) -> Self {
        core_::AddressParts {
            name: a.name,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
            lat: a.lat,
            lon: a.lon,
        }
        .into()
    }
}

impl From<core_::AddressParts> for Address {
    fn from(a: core_::AddressParts) -> Self {
        Address {
            name: a.name,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
            lat: a.lat,
            lon: a.lon,
        }
    }
}

/// Converts between a binding enum and the core's, variant by variant.
macro_rules! mirror_enum {
    ($ours:ident, $theirs:path, [$($v:ident),* $(,)?]) => {
        impl From<$ours> for $theirs {
            fn from(v: $ours) -> Self {
                match v { $($ours::$v => <$theirs>::$v,)* }
            }
        }
        impl From<$theirs> for $ours {
            fn from(v: $theirs) -> Self {
                match v { $(<$theirs>::$v => $ours::$v,)* }
            }
        }
    };
}
pub(crate) use mirror_enum;

/// An order's status, derived from its lines and holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum OrderStatus {
    /// Releasable, not (fully) allocated yet.
    Ready,
    /// Every open unit is allocated.
    Allocated,
    /// Some open unit could not be allocated.
    Backordered,
    /// Some units are shipped.
    PartiallyShipped,
    /// The order has at least one hold.
    OnHold,
    /// Every non-cancelled unit is shipped.
    Shipped,
    /// Every non-cancelled unit is delivered.
    Delivered,
    /// Every unit is cancelled.
    Cancelled,
    /// Some units are on open pick tasks, or picked while others are not.
    Picking,
    /// Every unshipped unit is picked: ready to pack and ship.
    Picked,
    /// Parcels are packed (`pack`) and wait to ship.
    Packed,
    /// Every non-cancelled unit shipped, and some came back.
    PartiallyReturned,
    /// Every non-cancelled unit shipped, and every shipped unit came back.
    Returned,
}
mirror_enum!(
    OrderStatus,
    core_::OrderStatus,
    [
        Ready,
        Allocated,
        Backordered,
        Picking,
        Picked,
        Packed,
        PartiallyShipped,
        OnHold,
        Shipped,
        Delivered,
        Cancelled,
        PartiallyReturned,
        Returned
    ]
);

/// An order's payment status, derived from its payments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum PaymentStatus {
    /// No payment covers the total yet.
    Unpaid,
    /// Authorized plus captured amounts cover the total.
    Authorized,
    /// Captured amounts cover the total.
    Paid,
    /// Part of the captured amount was refunded.
    PartiallyRefunded,
    /// Everything captured was refunded.
    Refunded,
    /// The latest payment record failed and payments do not cover the total.
    Failed,
}
mirror_enum!(
    PaymentStatus,
    core_::PaymentStatus,
    [
        Unpaid,
        Authorized,
        Paid,
        PartiallyRefunded,
        Refunded,
        Failed
    ]
);

/// What a payment record says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum PaymentKind {
    /// The amount was authorized.
    Authorized,
    /// The amount was captured (collected).
    Captured,
    /// A payment attempt failed; the amount is not counted.
    Failed,
    /// The amount was refunded to the customer.
    Refunded,
}
mirror_enum!(
    PaymentKind,
    core_::PaymentKind,
    [Authorized, Captured, Failed, Refunded]
);

/// How urgently an order should be allocated and shipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Priority {
    /// Allocated before every standard order.
    Rush,
    /// The default.
    Standard,
}
mirror_enum!(Priority, core_::Priority, [Rush, Standard]);

/// A customer's tier: VIP orders are allocated before standard ones of the same priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum CustomerTier {
    /// Served first within a priority.
    Vip,
    /// The default.
    Standard,
}
mirror_enum!(CustomerTier, core_::CustomerTier, [Vip, Standard]);

/// What kind of place a location is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum LocationKind {
    /// A warehouse or distribution centre.
    Warehouse,
    /// A retail store.
    Store,
    /// A supplier that ships on the shop's behalf.
    Dropship,
}
mirror_enum!(
    LocationKind,
    core_::LocationKind,
    [Warehouse, Store, Dropship]
);

/// A place that holds stock: the input of `define_location` and the result
/// of `location`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Location {
    /// The location's id; an existing id updates that location.
    pub location_id: String,
    /// Display name.
    pub name: String,
    /// Warehouse, store or dropship partner.
    pub kind: LocationKind,
    /// Whether allocation may reserve stock here (default true).
    #[uniffi(default = true)]
    pub fulfills_orders: bool,
    /// Latitude in degrees, given together with `lon`.
    #[uniffi(default)]
    pub lat: Option<f64>,
    /// Longitude in degrees, given together with `lat`.
    #[uniffi(default)]
    pub lon: Option<f64>,
    /// Sourcing preference under `location_priority`: lower first.
    #[uniffi(default)]
    pub priority: Option<u32>,
    /// A paused location gets no new allocations (default false).
    #[uniffi(default = false)]
    pub paused: bool,
    /// ISO country code of the location.
    #[uniffi(default)]
    pub country: Option<String>,
    /// Postal code of the location.
    #[uniffi(default)]
    pub postal_code: Option<String>,
    /// Destinations it ships to (`US`, `US-CA`); absent: everywhere.
    #[uniffi(default)]
    pub ships_to: Option<Vec<String>>,
}

impl From<Location> for core_::DefineLocation {
    fn from(l: Location) -> Self {
        core_::DefineLocation {
            location_id: l.location_id.into(),
            name: l.name,
            kind: l.kind.into(),
            lat: l.lat,
            lon: l.lon,
            fulfills_orders: l.fulfills_orders,
            priority: l.priority,
            paused: l.paused,
            country: l.country,
            postal_code: l.postal_code,
            ships_to: l.ships_to,
        }
    }
}

impl From<core_::Location> for Location {
    fn from(l: core_::Location) -> Self {
        Location {
            location_id: l.location_id.to_string(),
            name: l.name,
            kind: l.kind.into(),
            fulfills_orders: l.fulfills_orders,
            lat: l.lat,
            lon: l.lon,
            priority: l.priority,
            paused: l.paused,
            country: l.country,
            postal_code: l.postal_code,
            ships_to: l.ships_to,
        }
    }
}

/// Outer dimensions in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Dims {
    /// Length in millimetres.
    pub length: u32,
    /// Width in millimetres.
    pub width: u32,
    /// Height in millimetres.
    pub height: u32,
}

impl From<Dims> for core_::Dims {
    fn from(d: Dims) -> Self {
        core_::Dims {
            length: d.length,
            width: d.width,
            height: d.height,
        }
    }
}

impl From<core_::Dims> for Dims {
    fn from(d: core_::Dims) -> Self {
        Dims {
            length: d.length,
            width: d.width,
            height: d.height,
        }
    }
}

/// One component of a kit: `quantity` units of `sku` per kit unit.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Component {
    /// SKU of the component (a product that is not a kit).
    pub sku: String,
    /// Units per kit unit.
    pub quantity: u64,
}

impl From<Component> for core_::Component {
    fn from(c: Component) -> Self {
        core_::Component {
            sku: c.sku.into(),
            quantity: c.quantity,
        }
    }
}

impl From<core_::Component> for Component {
    fn from(c: core_::Component) -> Self {
        Component {
            sku: c.sku.to_string(),
            quantity: c.quantity,
        }
    }
}

/// A product (SKU): the input of `define_product` and the result of
/// `product`. With `components` it is a kit.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Product {
    /// The SKU; an existing SKU updates that product.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// GTIN-8, -12, -13 or -14 barcode number.
    #[uniffi(default)]
    pub gtin: Option<String>,
    /// Free-text description.
    #[uniffi(default)]
    pub description: Option<String>,
    /// Shipping weight in grams.
    #[uniffi(default)]
    pub weight_g: Option<u64>,
    /// Outer dimensions in millimetres.
    #[uniffi(default)]
    pub dims_mm: Option<Dims>,
    /// List price.
    #[uniffi(default)]
    pub price: Option<Money>,
    /// Components per kit unit; empty for a plain product.
    #[uniffi(default)]
    pub components: Vec<Component>,
    /// Always sourced from a dropship supplier; the shop holds no stock of it.
    #[uniffi(default)]
    pub dropship_only: bool,
    /// How a unit packs (`pack` reads it with `dimsMm` and `weightG`).
    #[uniffi(default)]
    pub packing: Option<crate::packing::PackingRules>,
    /// Never accepted back by `request_return`.
    #[uniffi(default)]
    pub non_returnable: bool,
}

impl Product {
    pub(crate) fn into_command(self) -> Result<core_::DefineProduct, OmsFfiError> {
        Ok(core_::DefineProduct {
            sku: self.sku.into(),
            name: self.name,
            gtin: self.gtin,
            description: self.description,
            weight_g: self.weight_g,
            dims_mm: self.dims_mm.map(Into::into),
            price: money_opt(self.price)?,
            components: (!self.components.is_empty())
                .then(|| self.components.into_iter().map(Into::into).collect()),
            dropship_only: self.dropship_only,
            packing: self.packing.map(Into::into),
            non_returnable: self.non_returnable,
        })
    }
}

impl From<core_::Product> for Product {
    fn from(p: core_::Product) -> Self {
        Product {
            sku: p.sku.to_string(),
            name: p.name,
            gtin: p.gtin,
            description: p.description,
            weight_g: p.weight_g,
            dims_mm: p.dims_mm.map(Into::into),
            price: p.price.map(Into::into),
            components: p.components.iter().cloned().map(Into::into).collect(),
            dropship_only: p.dropship_only,
            packing: p.packing.map(Into::into),
            non_returnable: p.non_returnable,
        }
    }
}

/// Input of `receive_stock`: units arriving at a location.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReceiveStock {
    /// The product received (not a kit).
    pub sku: String,
    /// The location the units arrive at.
    pub location_id: String,
    /// Units received (at least 1).
    pub quantity: u64,
    /// A purchase order or delivery note number.
    #[uniffi(default)]
    pub reference: Option<String>,
}

impl From<ReceiveStock> for core_::ReceiveStock {
    fn from(r: ReceiveStock) -> Self {
        core_::ReceiveStock {
            sku: r.sku.into(),
            location_id: r.location_id.into(),
            quantity: r.quantity,
            reference: r.reference,
        }
    }
}

/// One line of a new order.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OrderLine {
    /// The line's id, unique within the order.
    pub line_id: String,
    /// The product ordered.
    pub sku: String,
    /// Units ordered (at least 1).
    pub quantity: u64,
    /// Price of one unit.
    pub unit_price: Money,
}

/// Input of `place_order`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PlaceOrder {
    /// The engine's id for the order.
    pub order_id: String,
    /// The sales channel, e.g. `web`.
    pub channel: String,
    /// The customer's id.
    pub customer_id: String,
    /// Where to ship.
    pub ship_to: Address,
    /// The order lines (1 to 1,000).
    pub lines: Vec<OrderLine>,
    /// `Rush`, or `Standard` (the default, also when absent).
    #[uniffi(default)]
    pub priority: Option<Priority>,
    /// The order's id in its channel.
    #[uniffi(default)]
    pub channel_order_id: Option<String>,
    /// Shipping charged to the customer (default zero).
    #[uniffi(default)]
    pub shipping_price: Option<Money>,
    /// `Vip`, or `Standard` (the default, also when absent).
    #[uniffi(default)]
    pub customer_tier: Option<CustomerTier>,
    /// The carrier cutoff the order must make, RFC 3339 (optional): waves
    /// release the earliest cutoffs first.
    #[uniffi(default)]
    pub ship_by: Option<String>,
    /// The delivery date promised to the customer, `YYYY-MM-DD`
    /// (optional): a `ship` without carrier chooses the cheapest service
    /// arriving by it.
    #[uniffi(default)]
    pub deliver_by: Option<String>,
    /// An order-level discount (optional): taken off the total, shared
    /// across the lines by value when a return is refunded.
    #[uniffi(default)]
    pub discount: Option<Money>,
}

impl PlaceOrder {
    pub(crate) fn into_command(self) -> Result<core_::PlaceOrder, OmsFfiError> {
        let lines = self
            .lines
            .into_iter()
            .map(|l| {
                Ok(core_::OrderLineInput {
                    line_id: l.line_id.into(),
                    sku: l.sku.into(),
                    quantity: l.quantity,
                    unit_price: l.unit_price.into_core()?,
                })
            })
            .collect::<Result<_, OmsFfiError>>()?;
        Ok(core_::PlaceOrder {
            order_id: self.order_id.into(),
            channel: self.channel.into(),
            channel_order_id: self.channel_order_id.map(Into::into),
            customer_id: self.customer_id.into(),
            ship_to: self.ship_to.into(),
            lines,
            priority: self.priority.map(Into::into).unwrap_or_default(),
            customer_tier: self.customer_tier.map(Into::into).unwrap_or_default(),
            shipping_price: money_opt(self.shipping_price)?,
            discount: money_opt(self.discount)?,
            ship_by: self
                .ship_by
                .map(|t| parse_time_field("ship_by", &t))
                .transpose()?,
            deliver_by: self
                .deliver_by
                .map(|d| parse_date("deliver_by", &d))
                .transpose()?,
        })
    }
}

/// Input of `record_payment`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordPayment {
    /// The order the payment is for.
    pub order_id: String,
    /// Authorized, captured, failed or refunded.
    pub kind: PaymentKind,
    /// Positive amount in the order's currency.
    pub amount: Money,
    /// The payment provider's reference.
    #[uniffi(default)]
    pub reference: Option<String>,
    /// For a refund: the resolved RMA it pays out.
    #[uniffi(default)]
    pub rma_id: Option<String>,
}

impl RecordPayment {
    pub(crate) fn into_command(self) -> Result<core_::RecordPayment, OmsFfiError> {
        Ok(core_::RecordPayment {
            order_id: self.order_id.into(),
            kind: self.kind.into(),
            amount: self.amount.into_core()?,
            reference: self.reference,
            rma_id: self.rma_id.map(Into::into),
        })
    }
}

/// Units of one order line in a shipment.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ShipLine {
    /// The order line.
    pub line_id: String,
    /// Units (at least 1).
    pub quantity: u64,
}

impl From<ShipLine> for core_::ShipLine {
    fn from(l: ShipLine) -> Self {
        core_::ShipLine {
            line_id: l.line_id.into(),
            quantity: l.quantity,
        }
    }
}

impl From<&core_::ShipLine> for ShipLine {
    fn from(l: &core_::ShipLine) -> Self {
        ShipLine {
            line_id: l.line_id.to_string(),
            quantity: l.quantity,
        }
    }
}

/// Input of `ship`: allocated units of an order leaving one location.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Ship {
    /// The order shipped.
    pub order_id: String,
    /// The shipment's id, unique across the engine.
    pub shipment_id: String,
    /// The location the units leave from.
    pub location_id: String,
    /// The carrier, e.g. `UPS`; empty: the engine chooses the carrier and
    /// service from the config's `shipping` (the order must be packed).
    #[uniffi(default = "")]
    pub carrier: String,
    /// Units per order line; empty: the parcels packed at the location.
    #[uniffi(default)]
    pub lines: Vec<ShipLine>,
    /// The carrier's service level.
    #[uniffi(default)]
    pub service: Option<String>,
    /// The carrier's tracking number.
    #[uniffi(default)]
    pub tracking_number: Option<String>,
}

impl From<Ship> for core_::Ship {
    fn from(s: Ship) -> Self {
        core_::Ship {
            order_id: s.order_id.into(),
            shipment_id: s.shipment_id.into(),
            location_id: s.location_id.into(),
            carrier: s.carrier.into(),
            service: s.service.map(Into::into),
            tracking_number: s.tracking_number.map(Into::into),
            lines: s.lines.into_iter().map(Into::into).collect(),
        }
    }
}

/// One recorded event.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Event {
    /// The event's `type` tag, e.g. `order_shipped`.
    pub kind: String,
    /// The order it is about, if any.
    pub order_id: Option<String>,
    /// When it happened (the command's time), RFC 3339 UTC.
    pub at: String,
    /// The whole event as JSON, as the core writes it: store this, and feed
    /// it back to `apply_events` / `replay`.
    pub json: String,
}

impl Event {
    pub(crate) fn from_core(e: &core_::Event) -> Result<Self, OmsFfiError> {
        Ok(Event {
            kind: e.name().to_string(),
            order_id: e.kind.order_id().map(|id| id.to_string()),
            at: format_time(e.at),
            json: serde_json::to_string(e)
                .map_err(|err| OmsFfiError::internal(format!("event to JSON: {err}")))?,
        })
    }
}

/// The one-paragraph answer to "why did this order ship from there?" for
/// an `order_allocated` event given as its JSON (an [`Event`]'s `json`):
/// the core's `Explanation::summary()`, e.g. `"WH2 took 3 units: it beat
/// WH1 on nearest."`. `None` for any other event, or an `order_allocated`
/// without an explanation (logs from before sourcing policies); JSON that is
/// not an event is a `validation` error.
#[uniffi::export]
pub fn explanation_summary(event_json: String) -> Result<Option<String>, OmsFfiError> {
    let event = core_::Event::from_json(&event_json)?;
    Ok(match event.kind {
        core_::EventKind::OrderAllocated {
            explanation: Some(explanation),
            ..
        } => Some(explanation.summary()),
        _ => None,
    })
}

/// Units of a line reserved at one location.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LocationQuantity {
    /// The location.
    pub location_id: String,
    /// Units there.
    pub quantity: u64,
}

/// One order line as a query returns it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LineRecord {
    /// The line's id.
    pub line_id: String,
    /// The product ordered.
    pub sku: String,
    /// Units ordered.
    pub quantity: u64,
    /// Price of one unit.
    pub unit_price: Money,
    /// Reserved, unshipped units.
    pub allocated: u64,
    /// Open units the last allocation could not reserve.
    pub backordered: u64,
    /// Units shipped.
    pub shipped: u64,
    /// Units whose delivery was confirmed.
    pub delivered: u64,
    /// Units cancelled.
    pub cancelled: u64,
    /// Units on open dropship POs: the supplier ships them to the customer.
    pub dropship: u64,
    /// Where the allocated units are reserved.
    pub allocations: Vec<LocationQuantity>,
    /// Reserved units on open pick tasks, per location.
    pub picking: Vec<LocationQuantity>,
    /// Units picked and not shipped yet, per location.
    pub picked: Vec<LocationQuantity>,
    /// For a kit line, its components per kit unit as placed.
    pub components: Vec<Component>,
    /// Units on open RMAs.
    pub return_requested: u64,
    /// Units that came back.
    pub returned: u64,
}

fn location_quantities(v: Vec<core_::order::LocationQuantity>) -> Vec<LocationQuantity> {
    v.into_iter()
        .map(|a| LocationQuantity {
            location_id: a.location_id.to_string(),
            quantity: a.quantity,
        })
        .collect()
}

impl From<core_::LineView> for LineRecord {
    fn from(l: core_::LineView) -> Self {
        LineRecord {
            line_id: l.line_id.to_string(),
            sku: l.sku.to_string(),
            quantity: l.quantity,
            unit_price: l.unit_price.into(),
            allocated: l.allocated,
            backordered: l.backordered,
            shipped: l.shipped,
            delivered: l.delivered,
            cancelled: l.cancelled,
            dropship: l.dropship,
            allocations: location_quantities(l.allocations),
            picking: location_quantities(l.picking),
            picked: location_quantities(l.picked),
            components: l.components.into_iter().map(Into::into).collect(),
            return_requested: l.return_requested,
            returned: l.returned,
        }
    }
}

/// An order as a query returns it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OrderRecord {
    /// The engine's id of the order.
    pub order_id: String,
    /// The sales channel.
    pub channel: String,
    /// The order's id in its channel.
    pub channel_order_id: Option<String>,
    /// The customer's id.
    pub customer_id: String,
    /// The shipping address.
    pub ship_to: Address,
    /// Rush or standard.
    pub priority: Priority,
    /// VIP or standard.
    pub customer_tier: CustomerTier,
    /// The number of events recorded about the order so far (status
    /// changes excepted): it changes whenever the order does, so a host can
    /// tell whether its copy is stale.
    pub version: u64,
    /// The orders merged with this one by `merge_orders` (the one merged
    /// into first), sourced together; empty when not merged.
    pub merge_group: Vec<String>,
    /// The line ids of each shipment group after `split_order`, each sourced
    /// on its own; empty when the order was never split.
    pub shipment_groups: Vec<Vec<String>>,
    /// When the order was placed, RFC 3339 UTC.
    pub placed_at: String,
    /// The derived order status.
    pub status: OrderStatus,
    /// The derived payment status.
    pub payment_status: PaymentStatus,
    /// The order's holds, sorted by name.
    pub holds: Vec<String>,
    /// The lines, in placement order.
    pub lines: Vec<LineRecord>,
    /// Shipping charged (zero when none was given).
    pub shipping_price: Money,
    /// The order discount (zero when none was given).
    pub discount: Money,
    /// Non-cancelled lines plus shipping, less the discount.
    pub total: Money,
    /// Sum of the authorized payments.
    pub authorized: Money,
    /// Sum of the captured payments.
    pub captured: Money,
    /// Sum of the refunds.
    pub refunded: Money,
    /// The order's shipment ids, in the order they were recorded.
    pub shipments: Vec<String>,
    /// The order's RMA ids, in the order they were requested.
    pub returns: Vec<String>,
}

impl From<core_::OrderView> for OrderRecord {
    fn from(o: core_::OrderView) -> Self {
        OrderRecord {
            order_id: o.order_id.to_string(),
            channel: o.channel.to_string(),
            channel_order_id: o.channel_order_id.map(|c| c.to_string()),
            customer_id: o.customer_id.to_string(),
            ship_to: o.ship_to.into(),
            priority: o.priority.into(),
            customer_tier: o.customer_tier.into(),
            version: o.version,
            merge_group: o.merge_group.iter().map(ToString::to_string).collect(),
            shipment_groups: o
                .shipment_groups
                .iter()
                .map(|g| g.iter().map(ToString::to_string).collect())
                .collect(),
            placed_at: format_time(o.placed_at),
            status: o.status.into(),
            payment_status: o.payment_status.into(),
            holds: o.holds.iter().map(ToString::to_string).collect(),
            lines: o.lines.into_iter().map(Into::into).collect(),
            shipping_price: o.shipping_price.into(),
            discount: o.discount.into(),
            total: o.total.into(),
            authorized: o.authorized.into(),
            captured: o.captured.into(),
            refunded: o.refunded.into(),
            shipments: o.shipments.iter().map(ToString::to_string).collect(),
            returns: o.returns.iter().map(ToString::to_string).collect(),
        }
    }
}

/// How many orders have one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct OrderCount {
    /// The status.
    pub status: OrderStatus,
    /// Orders with it.
    pub count: u64,
}

/// Stock of one SKU at one location.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StockLevelRecord {
    /// The product.
    pub sku: String,
    /// The location.
    pub location_id: String,
    /// Physical sellable units.
    pub on_hand: u64,
    /// Units promised to orders.
    pub reserved: u64,
    /// Units kept back from allocation and sale.
    pub safety_stock: u64,
    /// `on_hand - reserved - safety_stock`, never below 0.
    pub available: u64,
    /// Units received (all time).
    pub received: u64,
    /// Units added by adjustments and counts (all time).
    pub adjusted_in: u64,
    /// Units removed by adjustments and counts (all time).
    pub adjusted_out: u64,
    /// Units shipped from this location (all time).
    pub shipped: u64,
    /// Units that arrived damaged (all time): never on hand or available.
    pub damaged: u64,
    /// Units that came back from customers (all time), refurbishing ones included.
    pub returned: u64,
    /// Returned units waiting for refurbishment: never on hand or available.
    pub refurbishing: u64,
    /// Open units of sent purchase orders bound here.
    pub incoming: u64,
}

impl From<core_::StockLevel> for StockLevelRecord {
    fn from(s: core_::StockLevel) -> Self {
        StockLevelRecord {
            sku: s.sku.to_string(),
            location_id: s.location_id.to_string(),
            on_hand: s.on_hand,
            reserved: s.reserved,
            safety_stock: s.safety_stock,
            available: s.available,
            received: s.received,
            adjusted_in: s.adjusted_in,
            adjusted_out: s.adjusted_out,
            shipped: s.shipped,
            damaged: s.damaged,
            returned: s.returned,
            refurbishing: s.refurbishing,
            incoming: s.incoming,
        }
    }
}

/// A shipment: units of an order's lines that left one location together.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ShipmentRecord {
    /// The shipment's id.
    pub shipment_id: String,
    /// The order shipped.
    pub order_id: String,
    /// The location the units left from; none for a dropship shipment.
    pub location_id: Option<String>,
    /// The dropship PO whose supplier shipped the units; none for a shipment from a location.
    pub po_id: Option<String>,
    /// The carrier.
    pub carrier: String,
    /// The carrier's service level.
    pub service: Option<String>,
    /// The carrier's tracking number.
    pub tracking_number: Option<String>,
    /// Units per order line.
    pub lines: Vec<ShipLine>,
    /// When the units were shipped, RFC 3339 UTC.
    pub shipped_at: String,
    /// When delivery was confirmed, RFC 3339 UTC; absent until then.
    pub delivered_at: Option<String>,
    /// The carrier's last reported status; absent until the first report.
    pub tracking_status: Option<TrackingStatus>,
    /// The parcels, when shipped as packed.
    pub parcels: Vec<PackedParcel>,
    /// The service the engine chose, when `ship` named no carrier.
    pub choice: Option<ChosenService>,
}

/// The service `ship` chose: cost, dates, and why.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChosenService {
    /// The service.
    pub service_id: String,
    /// What the parcels cost by it.
    pub cost: Money,
    /// Ship date, `YYYY-MM-DD`.
    pub ship_date: String,
    /// Expected delivery date, `YYYY-MM-DD`.
    pub delivery_date: String,
    /// Whether that is by the order's `deliverBy`.
    pub meets_promise: bool,
    /// Why this service.
    pub reason: String,
}

impl From<core_::order::ChosenService> for ChosenService {
    fn from(c: core_::order::ChosenService) -> Self {
        ChosenService {
            service_id: c.service_id.to_string(),
            cost: c.cost.into(),
            ship_date: c.ship_date.to_string(),
            delivery_date: c.delivery_date.to_string(),
            meets_promise: c.meets_promise,
            reason: c.reason,
        }
    }
}

/// A parcel packed by hand, for `pack`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ParcelInput {
    /// Units per order line.
    pub lines: Vec<ShipLine>,
    /// A carton of the config's `cartons`; null: the unit's own box.
    #[uniffi(default)]
    pub carton_id: Option<String>,
}

/// A packed parcel: its carton (none: the unit's own box) and units, with
/// gross grams and outer size where known.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PackedParcel {
    /// The carton; none when the unit ships in its own box.
    pub carton_id: Option<String>,
    /// Units per order line.
    pub lines: Vec<ShipLine>,
    /// Gross grams, when known.
    pub weight: Option<u64>,
    /// Outer size, when known.
    pub dims: Option<Dims>,
}

impl From<core_::order::PackedParcel> for PackedParcel {
    fn from(p: core_::order::PackedParcel) -> Self {
        PackedParcel {
            carton_id: p.carton_id.map(|c| c.to_string()),
            lines: p.lines.iter().map(Into::into).collect(),
            weight: p.weight,
            dims: p.dims.map(Into::into),
        }
    }
}

/// Where a shipment is, as the carrier reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum TrackingStatus {
    /// On its way.
    InTransit,
    /// On the delivery vehicle.
    OutForDelivery,
    /// Handed over; final.
    Delivered,
    /// Held up; it may move on again.
    Exception,
    /// Coming back to the shipper; final.
    ReturnedToSender,
}

mirror_enum!(
    TrackingStatus,
    core_::TrackingStatus,
    [
        InTransit,
        OutForDelivery,
        Delivered,
        Exception,
        ReturnedToSender
    ]
);

impl From<core_::Shipment> for ShipmentRecord {
    fn from(s: core_::Shipment) -> Self {
        ShipmentRecord {
            shipment_id: s.shipment_id.to_string(),
            order_id: s.order_id.to_string(),
            location_id: s.location_id.map(|l| l.to_string()),
            po_id: s.po_id.map(|p| p.to_string()),
            carrier: s.carrier.to_string(),
            service: s.service.as_deref().map(str::to_string),
            tracking_number: s.tracking_number.as_deref().map(str::to_string),
            lines: s.lines.iter().map(Into::into).collect(),
            shipped_at: format_time(s.shipped_at),
            delivered_at: s.delivered_at.map(format_time),
            tracking_status: s.tracking_status.map(Into::into),
            parcels: s.parcels.into_iter().map(Into::into).collect(),
            choice: s.choice.map(Into::into),
        }
    }
}

/// Parses a plain decimal string (digits, one point, optional sign; no
/// exponent), naming `field` on error. The result is normalized (`"3.20"`
/// is 3.2), as the core normalizes the numbers it reads from JSON, so the
/// typed and the JSON paths store the same value.
pub(crate) fn parse_plain_decimal(
    field: &str,
    s: &str,
) -> Result<rust_decimal::Decimal, OmsFfiError> {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'));
    let parsed = plain
        .then(|| rust_decimal::Decimal::from_str_exact(s).ok())
        .flatten();
    parsed.map(|d| d.normalize()).ok_or_else(|| {
        OmsFfiError::validation(field, format!("{s:?} is not a decimal string like \"3.5\""))
    })
}

/// What a channel keeps back from what it may sell: `units`, plus
/// `percent` of the stock (rounded up, so a channel never oversells).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChannelBuffer {
    /// Units kept back.
    #[uniffi(default)]
    pub units: Option<u64>,
    /// Percent of the channel's stock kept back, 0 to 100, as a decimal
    /// string (e.g. `"3.2"`), never a float.
    #[uniffi(default)]
    pub percent: Option<String>,
}

impl ChannelBuffer {
    fn into_core(self) -> Result<core_::Buffer, OmsFfiError> {
        Ok(core_::Buffer {
            units: self.units,
            percent: self
                .percent
                .map(|p| parse_plain_decimal("buffer.percent", &p))
                .transpose()?,
        })
    }
}

impl From<core_::Buffer> for ChannelBuffer {
    fn from(b: core_::Buffer) -> Self {
        ChannelBuffer {
            units: b.units,
            percent: b.percent.map(|p| p.to_string()),
        }
    }
}

/// A sales channel: the locations it sells from and its buffer. The input
/// of `define_channel` and the result of `channel` / `channels`. Orders may
/// name channels never defined: those sell from every fulfilling location
/// with no buffer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChannelDef {
    /// The channel, e.g. `web`, `amazon`, `pos`; an existing one is redefined.
    pub channel: String,
    /// The locations whose stock the channel sells and ships from; absent:
    /// every fulfilling location.
    #[uniffi(default)]
    pub location_ids: Option<Vec<String>>,
    /// What the channel keeps back; absent: nothing.
    #[uniffi(default)]
    pub buffer: Option<ChannelBuffer>,
}

impl ChannelDef {
    pub(crate) fn into_command(self) -> Result<core_::DefineChannel, OmsFfiError> {
        Ok(core_::DefineChannel(core_::ChannelDef {
            channel: self.channel.into(),
            location_ids: self
                .location_ids
                .map(|ids| ids.into_iter().map(Into::into).collect()),
            buffer: self.buffer.map(ChannelBuffer::into_core).transpose()?,
        }))
    }
}

impl From<core_::ChannelDef> for ChannelDef {
    fn from(c: core_::ChannelDef) -> Self {
        ChannelDef {
            channel: c.channel.to_string(),
            location_ids: c
                .location_ids
                .map(|ids| ids.iter().map(ToString::to_string).collect()),
            buffer: c.buffer.map(Into::into),
        }
    }
}

/// [`Money::into_core`], naming where the money sits (e.g.
/// `rules[0].lowest_cost.rates[1].per_kg`) in a validation error.
fn money_at(m: Money, path: impl FnOnce() -> String) -> Result<core_::Money, OmsFfiError> {
    core_::Money::parse(&m.amount, &m.currency).map_err(|e| match e {
        core_::OmsError::Validation { field, message } => {
            OmsFfiError::validation(&format!("{}.{field}", path()), message)
        }
        other => other.into(),
    })
}

/// A shipping zone of a [`CostTable`]: the ship-to addresses it covers.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ShippingZone {
    /// The zone's name, used by rates.
    pub zone: String,
    /// ISO country code the zone covers; absent: any country.
    #[uniffi(default)]
    pub country: Option<String>,
    /// Postal-code prefixes the zone covers; empty: every postal code.
    #[uniffi(default)]
    pub postal_prefixes: Vec<String>,
}

impl From<ShippingZone> for core_::sourcing::Zone {
    fn from(z: ShippingZone) -> Self {
        core_::sourcing::Zone {
            zone: z.zone,
            country: z.country,
            postal_prefixes: z.postal_prefixes,
        }
    }
}

impl From<core_::sourcing::Zone> for ShippingZone {
    fn from(z: core_::sourcing::Zone) -> Self {
        ShippingZone {
            zone: z.zone,
            country: z.country,
            postal_prefixes: z.postal_prefixes,
        }
    }
}

/// What shipping one parcel from a location to a zone costs.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ShippingRate {
    /// The location shipped from.
    pub location_id: String,
    /// The zone shipped to (a [`ShippingZone`]'s name).
    pub zone: String,
    /// Cost per shipment (not negative).
    pub per_shipment: Money,
    /// Cost per kilogram of product weight (not negative), in the same currency.
    pub per_kg: Money,
}

/// Shipping costs that the `LowestCost` sourcing rule reads: zones that
/// ship-to addresses fall into (the first that fits), and a rate per
/// location and zone.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CostTable {
    /// Zones, matched in order.
    pub zones: Vec<ShippingZone>,
    /// Rates per location and zone; a location without a rate for the
    /// ship-to's zone ranks last under `LowestCost`.
    pub rates: Vec<ShippingRate>,
    /// Added to each shipment beyond an order's first, in the rates' currency.
    #[uniffi(default)]
    pub split_penalty: Option<Money>,
}

impl CostTable {
    /// The core's table; `path` names the table in validation errors.
    fn into_core(self, path: &str) -> Result<core_::sourcing::CostTable, OmsFfiError> {
        let rates = self
            .rates
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let at = |f: &str| format!("{path}.rates[{i}].{f}");
                Ok(core_::sourcing::Rate {
                    location_id: r.location_id.into(),
                    zone: r.zone,
                    per_shipment: money_at(r.per_shipment, || at("per_shipment"))?,
                    per_kg: money_at(r.per_kg, || at("per_kg"))?,
                })
            })
            .collect::<Result<_, OmsFfiError>>()?;
        Ok(core_::sourcing::CostTable {
            zones: self.zones.into_iter().map(Into::into).collect(),
            rates,
            split_penalty: self
                .split_penalty
                .map(|m| money_at(m, || format!("{path}.split_penalty")))
                .transpose()?,
        })
    }
}

impl From<core_::sourcing::CostTable> for CostTable {
    fn from(t: core_::sourcing::CostTable) -> Self {
        CostTable {
            zones: t.zones.into_iter().map(Into::into).collect(),
            rates: t
                .rates
                .into_iter()
                .map(|r| ShippingRate {
                    location_id: r.location_id.to_string(),
                    zone: r.zone,
                    per_shipment: r.per_shipment.into(),
                    per_kg: r.per_kg.into(),
                })
                .collect(),
            split_penalty: t.split_penalty.map(Into::into),
        }
    }
}

/// One sourcing rule. Each ranks the eligible locations and only breaks
/// the ties the rules before it left; the location id breaks the last.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SourcingRule {
    /// Prefer a location that can ship every remaining unit by itself.
    ShipComplete,
    /// Prefer the location that covers the most remaining units (fewest shipments).
    FewestShipments,
    /// Prefer the location nearest the ship-to: great-circle distance when
    /// both have coordinates, else the longest shared postal-code prefix
    /// within the same country.
    Nearest,
    /// Prefer the lowest shipping cost from the cost table.
    LowestCost {
        /// The zones and rates costs are computed from.
        table: CostTable,
    },
    /// Prefer the location left with the most stock of the order's items.
    StockBalance,
    /// Prefer the location with the lowest `priority` number (unset ranks last).
    LocationPriority,
}

impl SourcingRule {
    fn into_core(self, i: usize) -> Result<core_::Rule, OmsFfiError> {
        Ok(match self {
            SourcingRule::ShipComplete => core_::Rule::ShipComplete,
            SourcingRule::FewestShipments => core_::Rule::FewestShipments,
            SourcingRule::Nearest => core_::Rule::Nearest,
            SourcingRule::LowestCost { table } => {
                core_::Rule::LowestCost(table.into_core(&format!("rules[{i}].lowest_cost"))?)
            }
            SourcingRule::StockBalance => core_::Rule::StockBalance,
            SourcingRule::LocationPriority => core_::Rule::LocationPriority,
        })
    }
}

impl From<core_::Rule> for SourcingRule {
    fn from(r: core_::Rule) -> Self {
        match r {
            core_::Rule::ShipComplete => SourcingRule::ShipComplete,
            core_::Rule::FewestShipments => SourcingRule::FewestShipments,
            core_::Rule::Nearest => SourcingRule::Nearest,
            core_::Rule::LowestCost(table) => SourcingRule::LowestCost {
                table: table.into(),
            },
            core_::Rule::StockBalance => SourcingRule::StockBalance,
            core_::Rule::LocationPriority => SourcingRule::LocationPriority,
        }
    }
}

/// How allocation chooses locations: the input of `set_sourcing_policy`
/// and the result of `sourcing_policy`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SourcingPolicy {
    /// Rules in order of importance, each at most once.
    pub rules: Vec<SourcingRule>,
    /// Most locations one order may ship from; absent: no limit.
    #[uniffi(default)]
    pub max_shipments: Option<u32>,
    /// Whether an order may take what is there and backorder the rest
    /// (default true); when false, all or nothing.
    #[uniffi(default = true)]
    pub allow_partial: bool,
    /// Under scarcity, a batch `allocate` splits a SKU's stock among the
    /// competing orders in proportion to what they ask (default false).
    #[uniffi(default = false)]
    pub fair_share: bool,
}

impl SourcingPolicy {
    pub(crate) fn into_command(self) -> Result<core_::SetSourcingPolicy, OmsFfiError> {
        let rules = self
            .rules
            .into_iter()
            .enumerate()
            .map(|(i, r)| r.into_core(i))
            .collect::<Result<_, OmsFfiError>>()?;
        Ok(core_::SetSourcingPolicy(core_::SourcingPolicy {
            rules,
            max_shipments: self.max_shipments,
            allow_partial: self.allow_partial,
            fair_share: self.fair_share,
        }))
    }
}

impl From<core_::SourcingPolicy> for SourcingPolicy {
    fn from(p: core_::SourcingPolicy) -> Self {
        SourcingPolicy {
            rules: p.rules.into_iter().map(Into::into).collect(),
            max_shipments: p.max_shipments,
            allow_partial: p.allow_partial,
            fair_share: p.fair_share,
        }
    }
}

/// Stock held softly for a checkout: the input of `hold_stock` and the
/// result of `stock_holds`. It lowers what every channel may sell until it
/// is converted into an order, released, or expires.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StockHold {
    /// The hold's id; holding again with the same payload records nothing.
    pub hold_id: String,
    /// The product held (a kit holds its components).
    pub sku: String,
    /// Units held (at least 1).
    pub quantity: u64,
    /// The channel selling it: its sellable stock must cover the hold.
    pub channel: String,
    /// When the hold lapses, RFC 3339; after the command's time.
    pub expires_at: String,
}

impl StockHold {
    pub(crate) fn into_command(self) -> Result<core_::HoldStock, OmsFfiError> {
        Ok(core_::HoldStock(core_::StockHold {
            hold_id: self.hold_id.into(),
            sku: self.sku.into(),
            quantity: self.quantity,
            channel: self.channel.into(),
            expires_at: parse_time_field("expires_at", &self.expires_at)?,
        }))
    }
}

impl From<core_::StockHold> for StockHold {
    fn from(h: core_::StockHold) -> Self {
        StockHold {
            hold_id: h.hold_id.to_string(),
            sku: h.sku.to_string(),
            quantity: h.quantity,
            channel: h.channel.to_string(),
            expires_at: format_time(h.expires_at),
        }
    }
}
