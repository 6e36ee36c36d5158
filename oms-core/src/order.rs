//! Customer orders: their lines, holds, payments, and the derived status.
//!
//! An order's status is never stored: it is derived from its lines and holds
//! by [`Order::status`], following the rules in [`STATUS_RULES`], and which
//! actions each status allows is the data table [`ORDER_ACTIONS`].

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::Component;
use crate::command::PlaceOrder;
use crate::ids::{
    Channel, ChannelOrderId, CustomerId, Hold, LineId, LocationId, OrderId, RmaId, ShipmentId, Sku,
};
use crate::money::{Currency, Money};

/// How urgently an order should be allocated and shipped.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Allocated before every standard order.
    Rush,
    /// The default.
    #[default]
    Standard,
}

/// A customer's tier; `vip` orders are allocated before `standard` ones
/// of the same priority.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CustomerTier {
    /// Served first within a priority.
    Vip,
    /// The default.
    #[default]
    Standard,
}

impl CustomerTier {
    /// Whether this is the default tier (omitted in JSON).
    pub fn is_standard(&self) -> bool {
        *self == CustomerTier::Standard
    }
}

/// The fields of a postal address, as they appear in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressParts {
    /// The recipient's name.
    pub name: String,
    /// First address line, e.g. street and number.
    pub line1: String,
    /// Second address line (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// City or town.
    pub city: String,
    /// State, province or region (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Postal or ZIP code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, e.g. `US`.
    pub country: String,
    /// Latitude in degrees (-90 to 90), given together with `lon` (optional); lets allocation prefer the nearest location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude in degrees (-180 to 180), given together with `lat` (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

/// A postal address with optional coordinates.
///
/// Stored compactly (one text buffer and field offsets), since every order
/// keeps one for its whole life; it serializes as the plain object
/// [`AddressParts`]. Empty optional fields read as `None`.
///
/// ```
/// use oms_core::{Address, AddressParts};
/// let a = Address::from(AddressParts {
///     name: "Ada".into(), line1: "1 Main St".into(), line2: None, city: "Springfield".into(),
///     region: Some("IL".into()), postal_code: "62701".into(), country: "US".into(),
///     lat: None, lon: None,
/// });
/// assert_eq!((a.city(), a.region(), a.line2()), ("Springfield", Some("IL"), None));
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "AddressParts", into = "AddressParts")]
pub struct Address {
    text: Box<str>,
    /// End offsets of name, line1, line2, city, region, postal_code in `text`; country follows.
    ends: [u32; 6],
    coordinates: Option<(f64, f64)>,
}

impl Address {
    fn field(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = if i < 6 {
            self.ends[i] as usize
        } else {
            self.text.len()
        };
        self.text.get(start..end).unwrap_or("")
    }
    fn optional(&self, i: usize) -> Option<&str> {
        Some(self.field(i)).filter(|s| !s.is_empty())
    }
    /// The recipient's name.
    pub fn name(&self) -> &str {
        self.field(0)
    }
    /// The first address line.
    pub fn line1(&self) -> &str {
        self.field(1)
    }
    /// The second address line, if any.
    pub fn line2(&self) -> Option<&str> {
        self.optional(2)
    }
    /// The city or town.
    pub fn city(&self) -> &str {
        self.field(3)
    }
    /// The state, province or region, if any.
    pub fn region(&self) -> Option<&str> {
        self.optional(4)
    }
    /// The postal or ZIP code.
    pub fn postal_code(&self) -> &str {
        self.field(5)
    }
    /// ISO 3166-1 alpha-2 country code.
    pub fn country(&self) -> &str {
        self.field(6)
    }
    /// Latitude in degrees, if given.
    pub fn lat(&self) -> Option<f64> {
        self.coordinates.map(|c| c.0)
    }
    /// Longitude in degrees, if given.
    pub fn lon(&self) -> Option<f64> {
        self.coordinates.map(|c| c.1)
    }
    /// The plain fields.
    pub fn parts(&self) -> AddressParts {
        AddressParts {
            name: self.name().into(),
            line1: self.line1().into(),
            line2: self.line2().map(Into::into),
            city: self.city().into(),
            region: self.region().map(Into::into),
            postal_code: self.postal_code().into(),
            country: self.country().into(),
            lat: self.lat(),
            lon: self.lon(),
        }
    }
}

impl Address {
    /// The address as consolidation compares it: street lines, city,
    /// region, postal code and country, each reduced to lowercase letters
    /// and digits (so `"1 Main St."` and `"1 main st"` match); the
    /// recipient's name and coordinates are left out.
    ///
    /// ```
    /// use oms_core::{Address, AddressParts};
    /// let a = |line1: &str, postal: &str| Address::from(AddressParts {
    ///     name: "Ada".into(), line1: line1.into(), line2: None, city: "Springfield".into(),
    ///     region: None, postal_code: postal.into(), country: "US".into(), lat: None, lon: None,
    /// });
    /// assert_eq!(a("1 Main St.", "62701").normalized(), a("1  main st", "62 701").normalized());
    /// assert_ne!(a("1 Main St", "62701").normalized(), a("2 Main St", "62701").normalized());
    /// ```
    pub fn normalized(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        for i in 1..7 {
            out.extend(
                self.field(i)
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .flat_map(char::to_lowercase),
            );
            out.push('|');
        }
        out
    }
}

impl From<AddressParts> for Address {
    fn from(p: AddressParts) -> Address {
        let fields = [
            p.name.as_str(),
            p.line1.as_str(),
            p.line2.as_deref().unwrap_or(""),
            p.city.as_str(),
            p.region.as_deref().unwrap_or(""),
            p.postal_code.as_str(),
            p.country.as_str(),
        ];
        let mut text = String::with_capacity(fields.iter().map(|f| f.len()).sum());
        let mut ends = [0u32; 6];
        for (i, f) in fields.iter().enumerate() {
            text.push_str(f);
            if i < 6 {
                // Offsets saturate; validation refuses fields this long anyway.
                ends[i] = u32::try_from(text.len()).unwrap_or(u32::MAX);
            }
        }
        // Half-given coordinates are kept as `lat` only and refused by validation.
        let coordinates = match (p.lat, p.lon) {
            (Some(a), Some(b)) => Some((a, b)),
            (Some(a), None) => Some((a, f64::NAN)),
            (None, Some(b)) => Some((f64::NAN, b)),
            (None, None) => None,
        };
        Address {
            text: text.into_boxed_str(),
            ends,
            coordinates,
        }
    }
}

impl From<Address> for AddressParts {
    fn from(a: Address) -> AddressParts {
        a.parts()
    }
}

impl std::fmt::Debug for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.parts().fmt(f)
    }
}

impl JsonSchema for Address {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        AddressParts::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        AddressParts::json_schema(generator)
    }
}

/// An order's status, derived from its lines and holds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Releasable, not (fully) allocated yet.
    Ready,
    /// Every open unit is allocated.
    Allocated,
    /// Some open unit could not be allocated.
    Backordered,
    /// Some units are on open pick tasks, or picked while others are not.
    Picking,
    /// Every unshipped unit is picked: ready to pack and ship.
    Picked,
    /// Parcels are packed (`pack`) and wait to ship.
    Packed,
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
    /// Every non-cancelled unit shipped, and some came back (`receive_return`).
    PartiallyReturned,
    /// Every non-cancelled unit shipped, and every shipped unit came back.
    Returned,
}

impl OrderStatus {
    /// Every status, in the order of [`STATUS_RULES`].
    pub const ALL: [OrderStatus; 13] = [
        OrderStatus::Cancelled,
        OrderStatus::Returned,
        OrderStatus::PartiallyReturned,
        OrderStatus::Delivered,
        OrderStatus::Shipped,
        OrderStatus::OnHold,
        OrderStatus::Packed,
        OrderStatus::Picked,
        OrderStatus::Picking,
        OrderStatus::PartiallyShipped,
        OrderStatus::Backordered,
        OrderStatus::Allocated,
        OrderStatus::Ready,
    ];

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Ready => "ready",
            OrderStatus::Allocated => "allocated",
            OrderStatus::Backordered => "backordered",
            OrderStatus::Picking => "picking",
            OrderStatus::Picked => "picked",
            OrderStatus::Packed => "packed",
            OrderStatus::PartiallyShipped => "partially_shipped",
            OrderStatus::OnHold => "on_hold",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::PartiallyReturned => "partially_returned",
            OrderStatus::Returned => "returned",
        }
    }

    /// Parses a status from its snake_case name; anything else is a
    /// `validation` error listing the names.
    ///
    /// ```
    /// use oms_core::OrderStatus;
    /// assert_eq!(OrderStatus::parse("on_hold").unwrap(), OrderStatus::OnHold);
    /// assert_eq!(OrderStatus::parse("lost").unwrap_err().code().as_str(), "validation");
    /// ```
    pub fn parse(name: &str) -> crate::Result<OrderStatus> {
        // The frequent ones first: a KPI run parses one per status change.
        let known = match name {
            "shipped" => Some(OrderStatus::Shipped),
            "delivered" => Some(OrderStatus::Delivered),
            "allocated" => Some(OrderStatus::Allocated),
            _ => OrderStatus::ALL.into_iter().find(|s| s.as_str() == name),
        };
        known.ok_or_else(|| {
            let names: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
            crate::OmsError::validation(
                "status",
                format!("unknown order status {name:?}; one of {}", names.join(", ")),
            )
        })
    }

    /// Whether `action` is allowed in this status, per [`ORDER_ACTIONS`].
    pub fn allows(self, action: OrderAction) -> bool {
        ORDER_ACTIONS
            .iter()
            .any(|(a, statuses)| *a == action && statuses.contains(&self))
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the status is derived: the first rule that applies wins.
pub const STATUS_RULES: &[(OrderStatus, &str)] = &[
    (OrderStatus::Cancelled, "every unit is cancelled"),
    (
        OrderStatus::Returned,
        "every non-cancelled unit shipped and every shipped unit came back",
    ),
    (
        OrderStatus::PartiallyReturned,
        "every non-cancelled unit shipped and some came back",
    ),
    (
        OrderStatus::Delivered,
        "every non-cancelled unit is delivered",
    ),
    (OrderStatus::Shipped, "every non-cancelled unit is shipped"),
    (OrderStatus::OnHold, "the order has at least one hold"),
    (
        OrderStatus::Packed,
        "parcels are packed (pack) and wait to ship",
    ),
    (
        OrderStatus::Picked,
        "every unshipped, uncancelled unit is picked (pick tasks complete)",
    ),
    (
        OrderStatus::Picking,
        "some units are on open pick tasks or picked",
    ),
    (OrderStatus::PartiallyShipped, "some units are shipped"),
    (
        OrderStatus::Backordered,
        "some open unit could not be allocated",
    ),
    (OrderStatus::Allocated, "every open unit is allocated"),
    (OrderStatus::Ready, "releasable, not (fully) allocated yet"),
];

/// Actions on an existing order, checked against [`ORDER_ACTIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderAction {
    /// Putting a hold on the order (`place_hold`).
    PlaceHold,
    /// Lifting a hold (`release_hold`).
    ReleaseHold,
    /// Reserving stock for the order (`allocate`).
    Allocate,
    /// Shipping units (`ship`).
    Ship,
    /// Packing ready units into parcels (`pack`).
    Pack,
    /// Cancelling the order or units of a line (`cancel_order`, `cancel_line`).
    Cancel,
    /// Recording a payment (`record_payment`).
    RecordPayment,
    /// Changing how the order ships together: `merge_orders`,
    /// `unmerge_orders`, `split_order` (also refused once a unit shipped).
    Consolidate,
    /// Opening an RMA for shipped units (`request_return`).
    Return,
}

impl OrderAction {
    /// The command that performs the action.
    pub fn command(self) -> &'static str {
        match self {
            OrderAction::PlaceHold => "place_hold",
            OrderAction::ReleaseHold => "release_hold",
            OrderAction::Allocate => "allocate",
            OrderAction::Ship => "ship",
            OrderAction::Pack => "pack",
            OrderAction::Cancel => "cancel_order/cancel_line",
            OrderAction::RecordPayment => "record_payment",
            OrderAction::Consolidate => "merge_orders/unmerge_orders/split_order",
            OrderAction::Return => "request_return",
        }
    }
}

use OrderStatus as S;

/// Which statuses allow each action. Anything not listed is an
/// `invalid_transition` error naming the order's status.
///
/// | action | allowed in |
/// |---|---|
/// | place_hold | ready, allocated, backordered, picking, picked, packed, partially_shipped, on_hold |
/// | release_hold | every status (the hold must be present) |
/// | allocate | ready, allocated, backordered, partially_shipped |
/// | ship | ready, allocated, backordered, picking, picked, packed, partially_shipped (units must be allocated at the location and not on an open pick task) |
/// | pack | allocated, backordered, picking, picked, packed, partially_shipped (the units allocated at the location and not on an open pick task) |
/// | cancel_order, cancel_line | ready, allocated, backordered, picking, picked, packed, partially_shipped, on_hold (no unit of the line on an open pick task) |
/// | record_payment | every status |
/// | merge_orders, unmerge_orders, split_order | ready, allocated, backordered, on_hold (and no unit shipped or being picked) |
/// | request_return | allocated, backordered, picking, picked, packed, partially_shipped, on_hold, shipped, delivered, partially_returned (units must be delivered, or shipped by policy) |
///
/// `allocate` (and `reallocate`) are refused while units are being
/// picked: re-sourcing would move reservations a picker is walking to.
pub const ORDER_ACTIONS: &[(OrderAction, &[OrderStatus])] = &[
    (
        OrderAction::PlaceHold,
        &[
            S::Ready,
            S::Allocated,
            S::Backordered,
            S::Picking,
            S::Picked,
            S::Packed,
            S::PartiallyShipped,
            S::OnHold,
        ],
    ),
    (OrderAction::ReleaseHold, &OrderStatus::ALL),
    (
        OrderAction::Allocate,
        &[S::Ready, S::Allocated, S::Backordered, S::PartiallyShipped],
    ),
    (
        OrderAction::Ship,
        &[
            S::Ready,
            S::Allocated,
            S::Backordered,
            S::Picking,
            S::Picked,
            S::Packed,
            S::PartiallyShipped,
        ],
    ),
    (
        OrderAction::Pack,
        &[
            S::Allocated,
            S::Backordered,
            S::Picking,
            S::Picked,
            S::Packed,
            S::PartiallyShipped,
        ],
    ),
    (
        OrderAction::Cancel,
        &[
            S::Ready,
            S::Allocated,
            S::Backordered,
            S::Picking,
            S::Picked,
            S::Packed,
            S::PartiallyShipped,
            S::OnHold,
        ],
    ),
    (OrderAction::RecordPayment, &OrderStatus::ALL),
    (
        OrderAction::Consolidate,
        &[S::Ready, S::Allocated, S::Backordered, S::OnHold],
    ),
    (
        OrderAction::Return,
        &[
            S::Allocated,
            S::Backordered,
            S::Picking,
            S::Picked,
            S::Packed,
            S::PartiallyShipped,
            S::OnHold,
            S::Shipped,
            S::Delivered,
            S::PartiallyReturned,
        ],
    ),
];

/// What a payment record says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    /// The amount was authorized (reserved on the customer's payment method).
    Authorized,
    /// The amount was captured (collected).
    Captured,
    /// A payment attempt failed; the amount is not counted.
    Failed,
    /// The amount was refunded to the customer.
    Refunded,
}

/// An order's payment status, derived from its payment totals.
///
/// The first that applies: `refunded` (refunds reach what was captured),
/// `partially_refunded` (some refund), `paid` (captured covers the total),
/// `authorized` (authorized plus captured covers the total), `failed` (the
/// last payment record failed), `unpaid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
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

/// Running payment totals of an order, in the order's currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentTotals {
    /// Sum of the `authorized` payment records.
    pub authorized: Decimal,
    /// Sum of the `captured` payment records.
    pub captured: Decimal,
    /// Sum of the `refunded` payment records.
    pub refunded: Decimal,
    /// Whether the latest payment record was a failure.
    pub last_failed: bool,
}

/// Authorized plus captured, saturating (totals from a foreign log may be absurd).
fn paid_in(p: &PaymentTotals) -> Decimal {
    p.authorized.saturating_add(p.captured)
}

/// Units of a line reserved at one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationQuantity {
    /// The location.
    pub location_id: LocationId,
    /// The number of units at that location.
    pub quantity: u64,
}

/// A line's reservations per location, in allocation order. Most lines
/// reserve at one location, which is stored inline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allocations(AllocationsRepr);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum AllocationsRepr {
    #[default]
    None,
    One(LocationQuantity),
    Many(Vec<LocationQuantity>),
}

impl Allocations {
    /// The reservations as a slice.
    pub fn as_slice(&self) -> &[LocationQuantity] {
        match &self.0 {
            AllocationsRepr::None => &[],
            AllocationsRepr::One(a) => std::slice::from_ref(a),
            AllocationsRepr::Many(v) => v,
        }
    }

    /// Whether the line holds no reservation.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// Reserved units across locations.
    pub fn total(&self) -> u64 {
        self.as_slice()
            .iter()
            .fold(0u64, |t, a| t.saturating_add(a.quantity))
    }

    /// Reserved units at `location`.
    pub fn at(&self, location: &LocationId) -> u64 {
        self.as_slice()
            .iter()
            .find(|a| &a.location_id == location)
            .map_or(0, |a| a.quantity)
    }

    /// Adds `quantity` at `location`.
    pub(crate) fn add(&mut self, location: &LocationId, quantity: u64) {
        match &mut self.0 {
            AllocationsRepr::None => {
                self.0 = AllocationsRepr::One(LocationQuantity {
                    location_id: location.clone(),
                    quantity,
                })
            }
            AllocationsRepr::One(a) if &a.location_id == location => {
                a.quantity = a.quantity.saturating_add(quantity)
            }
            AllocationsRepr::One(a) => {
                let first = a.clone();
                self.0 = AllocationsRepr::Many(vec![
                    first,
                    LocationQuantity {
                        location_id: location.clone(),
                        quantity,
                    },
                ]);
            }
            AllocationsRepr::Many(v) => match v.iter_mut().find(|a| &a.location_id == location) {
                Some(a) => a.quantity = a.quantity.saturating_add(quantity),
                None => v.push(LocationQuantity {
                    location_id: location.clone(),
                    quantity,
                }),
            },
        }
    }

    /// Removes up to `quantity` at `location`.
    pub(crate) fn remove(&mut self, location: &LocationId, quantity: u64) {
        match &mut self.0 {
            AllocationsRepr::None => {}
            AllocationsRepr::One(a) => {
                if &a.location_id == location {
                    a.quantity = a.quantity.saturating_sub(quantity);
                    if a.quantity == 0 {
                        self.0 = AllocationsRepr::None;
                    }
                }
            }
            AllocationsRepr::Many(v) => {
                if let Some(a) = v.iter_mut().find(|a| &a.location_id == location) {
                    a.quantity = a.quantity.saturating_sub(quantity);
                }
                v.retain(|a| a.quantity > 0);
                if v.len() <= 1 {
                    *self = Allocations::from(std::mem::take(v));
                }
            }
        }
    }
}

impl From<Vec<LocationQuantity>> for Allocations {
    fn from(mut v: Vec<LocationQuantity>) -> Allocations {
        Allocations(match v.len() {
            0 => AllocationsRepr::None,
            1 => AllocationsRepr::One(v.remove(0)),
            _ => {
                v.shrink_to_fit();
                AllocationsRepr::Many(v)
            }
        })
    }
}

impl Serialize for Allocations {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Allocations {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<LocationQuantity>::deserialize(d).map(Allocations::from)
    }
}

/// The progress of one order line. Quantity, SKU and price live in the
/// placement; this holds what changed since.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineState {
    /// Reserved, unshipped units per location.
    #[serde(default, skip_serializing_if = "Allocations::is_empty")]
    pub allocations: Allocations,
    /// Units shipped.
    #[serde(default)]
    pub shipped: u64,
    /// Units whose delivery was confirmed.
    #[serde(default)]
    pub delivered: u64,
    /// Units cancelled.
    #[serde(default)]
    pub cancelled: u64,
    /// Units on open dropship PO lines: sourced from a supplier that
    /// ships them to the customer, not yet confirmed shipped.
    #[serde(default, skip_serializing_if = "crate::util::is_zero")]
    pub dropship: u64,
    /// Reserved units on open pick tasks, per location.
    #[serde(default, skip_serializing_if = "Allocations::is_empty")]
    pub picking: Allocations,
    /// Reserved units picked (their pick tasks complete), not shipped yet, per location.
    #[serde(default, skip_serializing_if = "Allocations::is_empty")]
    pub picked: Allocations,
    /// Units on open RMAs (requested, authorized or in transit).
    #[serde(default, skip_serializing_if = "crate::util::is_zero")]
    pub return_requested: u64,
    /// Units that came back (`receive_return`).
    #[serde(default, skip_serializing_if = "crate::util::is_zero")]
    pub returned: u64,
    /// Returned units credited by resolved RMAs (refund, credit or exchange).
    #[serde(default, skip_serializing_if = "crate::util::is_zero")]
    pub credited: u64,
    /// The engine's slot of the line's product (derived, not stored).
    #[serde(skip)]
    pub(crate) product: u32,
}

impl LineState {
    /// Reserved, unshipped units across locations.
    pub fn allocated(&self) -> u64 {
        self.allocations.total()
    }

    /// Reserved units at `location`.
    pub fn allocated_at(&self, location: &LocationId) -> u64 {
        self.allocations.at(location)
    }

    /// Reserved units at `location` that no pick task holds or has picked.
    pub fn unpicked_at(&self, location: &LocationId) -> u64 {
        self.allocated_at(location)
            .saturating_sub(self.picking.at(location))
            .saturating_sub(self.picked.at(location))
    }

    /// After reservations at `location` shrank: picked units are reserved
    /// units, so at most what is reserved and not on a task stays picked.
    pub(crate) fn settle_picked(&mut self, location: &LocationId) {
        let room = self
            .allocated_at(location)
            .saturating_sub(self.picking.at(location));
        let picked = self.picked.at(location);
        if picked > room {
            self.picked.remove(location, picked - room);
        }
    }
}

/// The components of a kit line, fixed when the order was placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KitLine {
    /// Index of the line in the order.
    pub line: u32,
    /// The kit's components per kit unit, as defined when the order was placed.
    pub components: Arc<[Component]>,
    /// The engine's slots of the components, in the same order (derived, not stored).
    #[serde(skip)]
    pub(crate) slots: Box<[u32]>,
}

/// A customer order as the engine holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    /// The command that placed the order, kept whole (idempotency checks compare against it).
    pub placement: Arc<PlaceOrder>,
    /// When the order was placed.
    pub placed_at: DateTime<Utc>,
    /// The progress of each line, in placement order.
    pub lines: Box<[LineState]>,
    /// Kit lines and their components (empty for orders without kits).
    #[serde(default, skip_serializing_if = "<[KitLine]>::is_empty")]
    pub kits: Box<[KitLine]>,
    /// Whether allocation has run for the order: from then on, its open
    /// units without a reservation count as backordered.
    #[serde(default)]
    pub allocation_attempted: bool,
    /// Holds, kept sorted.
    #[serde(default, skip_serializing_if = "<[Hold]>::is_empty")]
    pub holds: Box<[Hold]>,
    /// Running payment totals.
    #[serde(default)]
    pub payments: PaymentTotals,
    /// Shipments in the order they were recorded.
    #[serde(default, skip_serializing_if = "<[ShipmentId]>::is_empty")]
    pub shipments: Box<[ShipmentId]>,
    /// Events folded about this order so far (status changes, which are
    /// informational, excepted): a version for optimistic concurrency.
    #[serde(default)]
    pub version: u64,
    /// The shipment group of each line after `split_order` (empty: the
    /// order is one group). Each group is sourced on its own.
    #[serde(default, skip_serializing_if = "<[u32]>::is_empty")]
    pub shipment_groups: Box<[u32]>,
    /// The orders merged with this one by `merge_orders`, the one merged
    /// into first (absent when not merged). They are sourced together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_group: Option<Arc<[OrderId]>>,
    /// Parcels packed and waiting to ship (`pack`); cleared by a shipment
    /// or any change to the order's reservations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packed: Option<Arc<Packing>>,
    /// The order's RMAs, in the order they were requested.
    #[serde(default, skip_serializing_if = "<[RmaId]>::is_empty")]
    pub returns: Box<[RmaId]>,
    /// Whether the placement's `customer_tier` came from
    /// `Config.customer_tiers` rather than the command.
    #[serde(default, skip_serializing_if = "crate::util::is_false")]
    pub tier_from_rules: bool,
    /// The milestones whose gift lines the engine added (the last lines).
    #[serde(default, skip_serializing_if = "<[String]>::is_empty")]
    pub milestones: Box<[String]>,
    /// Whether the order sits in the engine's allocation queue (derived, not stored).
    #[serde(skip)]
    pub(crate) queued: bool,
    /// [`Order::status`] as of the end of the last command or applied event
    /// (derived, not stored): commands check and compare it without
    /// walking the lines again.
    #[serde(skip, default = "unrefreshed")]
    pub(crate) cached_status: OrderStatus,
}

/// The cached status of an order not yet refreshed (a snapshot being restored).
fn unrefreshed() -> OrderStatus {
    OrderStatus::Ready
}

impl Order {
    /// The `place_order` command as the host sent it: the placement less
    /// what the engine added (gift lines, a tier from the rules).
    pub fn as_commanded(&self) -> PlaceOrder {
        let mut c = (*self.placement).clone();
        let keep = c.lines.len().saturating_sub(self.milestones.len());
        c.lines.truncate(keep);
        if self.tier_from_rules {
            c.customer_tier = CustomerTier::Standard;
        }
        c
    }

    /// The order's id.
    pub fn order_id(&self) -> &OrderId {
        &self.placement.order_id
    }

    /// The order's currency (that of its first line; all lines share it).
    pub fn currency(&self) -> Currency {
        self.placement
            .lines
            .first()
            .map_or(Currency::USD, |l| l.unit_price.currency)
    }

    /// Units of line `i` that are neither cancelled nor shipped.
    pub fn open(&self, i: usize) -> u64 {
        let l = &self.lines[i];
        self.placement.lines[i]
            .quantity
            .saturating_sub(l.cancelled.saturating_add(l.shipped))
    }

    /// Open units of line `i` that stock may serve: all but those on a
    /// dropship PO (re-sourcing plans these as if its reservations were free).
    pub fn sourceable(&self, i: usize) -> u64 {
        self.open(i).saturating_sub(self.lines[i].dropship)
    }

    /// Open units of line `i` that hold no reservation and are on no dropship PO.
    pub fn unallocated(&self, i: usize) -> u64 {
        let l = &self.lines[i];
        self.open(i)
            .saturating_sub(l.allocated().saturating_add(l.dropship))
    }

    /// Open units of line `i` that the last allocation could not reserve.
    pub fn backordered(&self, i: usize) -> u64 {
        if self.allocation_attempted {
            self.unallocated(i)
        } else {
            0
        }
    }

    /// For a kit line: its components per kit unit; empty otherwise.
    pub fn components(&self, i: usize) -> &[Component] {
        self.kits
            .iter()
            .find(|k| k.line as usize == i)
            .map_or(&[], |k| &k.components)
    }

    /// The (product slot, units per line unit) pairs that line `i` draws
    /// from stock: its own product, or a kit's components.
    pub(crate) fn part_slots(&self, i: usize) -> impl Iterator<Item = (usize, u64)> + '_ {
        let kit = self.kits.iter().find(|k| k.line as usize == i);
        let own = kit.is_none().then(|| (self.lines[i].product as usize, 1));
        let components = kit.into_iter().flat_map(|k| {
            k.slots
                .iter()
                .zip(k.components.iter())
                .map(|(&s, c)| (s as usize, c.quantity))
        });
        own.into_iter().chain(components)
    }

    /// Whether any line has open units without a reservation.
    pub fn has_unallocated(&self) -> bool {
        self.placement
            .lines
            .iter()
            .zip(self.lines.iter())
            .any(|(spec, l)| {
                spec.quantity
                    > l.cancelled
                        .saturating_add(l.shipped)
                        .saturating_add(l.allocations.total())
                        .saturating_add(l.dropship)
            })
    }

    /// Position of a line by id.
    pub fn line_index(&self, line_id: &str) -> Option<usize> {
        self.placement
            .lines
            .iter()
            .position(|l| l.line_id.as_str() == line_id)
    }

    /// The shipment group of line `i` (0 for an order never split).
    pub fn shipment_group(&self, i: usize) -> u32 {
        self.shipment_groups.get(i).copied().unwrap_or(0)
    }

    /// The number of shipment groups (1 for an order never split).
    pub fn shipment_group_count(&self) -> u32 {
        self.shipment_groups.iter().max().map_or(1, |g| g + 1)
    }

    /// The line ids of each shipment group (empty for an order never split).
    pub fn shipment_group_lines(&self) -> Vec<Vec<LineId>> {
        if self.shipment_groups.is_empty() {
            return Vec::new();
        }
        let mut groups = vec![Vec::new(); self.shipment_group_count() as usize];
        for (spec, &g) in self.placement.lines.iter().zip(self.shipment_groups.iter()) {
            groups[g as usize].push(spec.line_id.clone());
        }
        groups
    }

    /// Whether any unit of the order has shipped.
    pub fn has_shipped(&self) -> bool {
        self.lines.iter().any(|l| l.shipped > 0)
    }

    /// Whether the order has the hold named `hold`.
    pub fn has_hold(&self, hold: &str) -> bool {
        self.holds.iter().any(|h| h.as_str() == hold)
    }

    /// The order discount (zero when none was given).
    pub fn discount(&self) -> Decimal {
        self.placement.discount.map_or(Decimal::ZERO, |m| m.amount)
    }

    /// Sum of the non-cancelled units' prices plus shipping, less the
    /// discount (never below zero).
    pub fn total(&self) -> Decimal {
        let mut total = self
            .placement
            .shipping_price
            .map_or(Decimal::ZERO, |m| m.amount);
        for (spec, line) in self.placement.lines.iter().zip(&self.lines) {
            let units = spec.quantity.saturating_sub(line.cancelled);
            // Checked when the order was placed: the full-quantity total fits.
            let line = spec
                .unit_price
                .amount
                .checked_mul(Decimal::from(units))
                .unwrap_or(Decimal::MAX);
            total = total.saturating_add(line);
        }
        (total - self.discount()).max(Decimal::ZERO)
    }

    /// The derived status; see [`STATUS_RULES`].
    pub fn status(&self) -> OrderStatus {
        // One pass over the lines; this runs several times per command.
        let (mut live, mut shipped, mut delivered) = (0u64, 0u64, 0u64);
        let (mut unallocated, mut allocated) = (false, false);
        let (mut picking, mut picked, mut returned) = (0u64, 0u64, 0u64);
        for (spec, line) in self.placement.lines.iter().zip(self.lines.iter()) {
            let l = spec.quantity.saturating_sub(line.cancelled);
            live = live.saturating_add(l);
            shipped = shipped.saturating_add(line.shipped);
            delivered = delivered.saturating_add(line.delivered);
            picking = picking.saturating_add(line.picking.total());
            picked = picked.saturating_add(line.picked.total());
            returned = returned.saturating_add(line.returned);
            // Units on a dropship PO are sourced as surely as reserved ones.
            let reserved = line.allocations.total().saturating_add(line.dropship);
            allocated |= reserved > 0;
            unallocated |= l.saturating_sub(line.shipped) > reserved;
        }
        if live == 0 {
            OrderStatus::Cancelled
        } else if returned > 0 && shipped >= live {
            if returned >= shipped {
                OrderStatus::Returned
            } else {
                OrderStatus::PartiallyReturned
            }
        } else if delivered >= live {
            OrderStatus::Delivered
        } else if shipped >= live {
            OrderStatus::Shipped
        } else if !self.holds.is_empty() {
            OrderStatus::OnHold
        } else if self.packed.is_some() {
            OrderStatus::Packed
        } else if picking == 0 && picked > 0 && picked >= live.saturating_sub(shipped) {
            OrderStatus::Picked
        } else if picking > 0 || picked > 0 {
            OrderStatus::Picking
        } else if shipped > 0 {
            OrderStatus::PartiallyShipped
        } else if unallocated && self.allocation_attempted {
            OrderStatus::Backordered
        } else if allocated && !unallocated {
            OrderStatus::Allocated
        } else {
            OrderStatus::Ready
        }
    }

    /// The derived payment status; see [`PaymentStatus`].
    pub fn payment_status(&self) -> PaymentStatus {
        let p = &self.payments;
        let total = self.total();
        if p.refunded > Decimal::ZERO && p.refunded >= p.captured {
            PaymentStatus::Refunded
        } else if p.refunded > Decimal::ZERO {
            PaymentStatus::PartiallyRefunded
        } else if p.captured > Decimal::ZERO && p.captured >= total {
            PaymentStatus::Paid
        } else if paid_in(p) > Decimal::ZERO && paid_in(p) >= total {
            PaymentStatus::Authorized
        } else if p.last_failed {
            PaymentStatus::Failed
        } else {
            PaymentStatus::Unpaid
        }
    }

    /// Whether authorized plus captured amounts cover the current total.
    pub fn payment_covers_total(&self) -> bool {
        paid_in(&self.payments) >= self.total()
    }

    /// Releasable: no holds, not finished.
    pub fn is_releasable(&self) -> bool {
        self.holds.is_empty()
            && !matches!(
                self.status(),
                OrderStatus::Cancelled
                    | OrderStatus::Shipped
                    | OrderStatus::Delivered
                    | OrderStatus::PartiallyReturned
                    | OrderStatus::Returned
            )
    }

    /// Reserved units on open pick tasks, over every line and location.
    pub fn units_in_picking(&self) -> u64 {
        self.lines
            .iter()
            .fold(0u64, |t, l| t.saturating_add(l.picking.total()))
    }

    /// Releasable with open units that hold no reservation: waiting for allocation.
    pub fn is_pending(&self) -> bool {
        self.holds.is_empty() && self.has_unallocated()
    }

    /// The read-only view returned by queries.
    pub fn view(&self) -> OrderView {
        let currency = self.currency();
        let lines = self
            .placement
            .lines
            .iter()
            .zip(self.lines.iter())
            .enumerate()
            .map(|(i, (spec, l))| LineView {
                line_id: spec.line_id.clone(),
                sku: spec.sku.clone(),
                quantity: spec.quantity,
                unit_price: spec.unit_price,
                allocated: l.allocated(),
                backordered: self.backordered(i),
                shipped: l.shipped,
                delivered: l.delivered,
                cancelled: l.cancelled,
                dropship: l.dropship,
                components: self.components(i).to_vec(),
                allocations: l.allocations.as_slice().to_vec(),
                picking: l.picking.as_slice().to_vec(),
                picked: l.picked.as_slice().to_vec(),
                return_requested: l.return_requested,
                returned: l.returned,
            })
            .collect();
        let p = &self.placement;
        OrderView {
            order_id: p.order_id.clone(),
            channel: p.channel.clone(),
            channel_order_id: p.channel_order_id.clone(),
            customer_id: p.customer_id.clone(),
            ship_to: p.ship_to.parts(),
            priority: p.priority,
            customer_tier: p.customer_tier,
            version: self.version,
            merge_group: self
                .merge_group
                .as_deref()
                .map_or_else(Vec::new, <[_]>::to_vec),
            shipment_groups: self.shipment_group_lines(),
            placed_at: self.placed_at,
            status: self.status(),
            payment_status: self.payment_status(),
            holds: self.holds.to_vec(),
            lines,
            shipping_price: p.shipping_price.unwrap_or(Money::zero(currency)),
            discount: Money::new(self.discount(), currency),
            returns: self.returns.to_vec(),
            total: Money::new(self.total(), currency),
            authorized: Money::new(self.payments.authorized, currency),
            captured: Money::new(self.payments.captured, currency),
            refunded: Money::new(self.payments.refunded, currency),
            shipments: self.shipments.to_vec(),
        }
    }
}

/// One line as a query returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LineView {
    /// The line's id.
    pub line_id: LineId,
    /// The product ordered.
    pub sku: Sku,
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
    #[serde(default)]
    pub dropship: u64,
    /// Units on open RMAs (requested, authorized or in transit).
    #[serde(default)]
    pub return_requested: u64,
    /// Units that came back.
    #[serde(default)]
    pub returned: u64,
    /// Where the allocated units are reserved.
    pub allocations: Vec<LocationQuantity>,
    /// Reserved units on open pick tasks, per location.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub picking: Vec<LocationQuantity>,
    /// Units picked and not shipped yet, per location.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub picked: Vec<LocationQuantity>,
    /// For a kit line, its components per kit unit as placed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
}

/// An order as a query returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OrderView {
    /// The engine's id of the order.
    pub order_id: OrderId,
    /// The sales channel.
    pub channel: Channel,
    /// The order's id in its channel, or null.
    pub channel_order_id: Option<ChannelOrderId>,
    /// The customer's id.
    pub customer_id: CustomerId,
    /// The shipping address.
    pub ship_to: AddressParts,
    /// `rush` or `standard`.
    pub priority: Priority,
    /// `vip` or `standard`.
    pub customer_tier: CustomerTier,
    /// The number of events recorded about the order so far (status
    /// changes excepted): it changes whenever the order does.
    pub version: u64,
    /// The orders merged with this one by `merge_orders` (the one merged
    /// into first), sourced and shipped together; empty when not merged.
    #[serde(default)]
    pub merge_group: Vec<OrderId>,
    /// The line ids of each shipment group after `split_order`, each
    /// sourced on its own; empty when the order was never split.
    #[serde(default)]
    pub shipment_groups: Vec<Vec<LineId>>,
    /// When the order was placed (RFC 3339, UTC).
    pub placed_at: DateTime<Utc>,
    /// The derived order status.
    pub status: OrderStatus,
    /// The derived payment status.
    pub payment_status: PaymentStatus,
    /// The order's holds, sorted by name.
    pub holds: Vec<Hold>,
    /// The lines, in placement order.
    pub lines: Vec<LineView>,
    /// Shipping charged (zero when none was given).
    pub shipping_price: Money,
    /// The order discount (zero when none was given).
    pub discount: Money,
    /// The order's RMAs, in the order they were requested.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub returns: Vec<RmaId>,
    /// Non-cancelled lines plus shipping.
    pub total: Money,
    /// Sum of the authorized payments.
    pub authorized: Money,
    /// Sum of the captured payments.
    pub captured: Money,
    /// Sum of the refunds.
    pub refunded: Money,
    /// The order's shipments, in the order they were recorded.
    pub shipments: Vec<ShipmentId>,
}

/// A shipment: units of an order's lines that left one location together,
/// or that a dropship supplier shipped (`po_id`, no `location_id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Shipment {
    /// The shipment's id.
    pub shipment_id: ShipmentId,
    /// The order shipped.
    pub order_id: OrderId,
    /// The location the units left from; none for a dropship shipment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<LocationId>,
    /// The dropship PO whose supplier shipped the units (none for a shipment from a location).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub po_id: Option<crate::ids::PoId>,
    /// The carrier.
    pub carrier: Arc<str>,
    /// The carrier's service level (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Arc<str>>,
    /// The carrier's tracking number (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<Arc<str>>,
    /// Units shipped per order line.
    pub lines: Arc<[crate::command::ShipLine]>,
    /// When the units were shipped (RFC 3339, UTC).
    pub shipped_at: DateTime<Utc>,
    /// When delivery was confirmed (RFC 3339, UTC); absent until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
    /// The carrier's last reported status (`record_tracking_event`);
    /// absent until the first report. `confirm_delivery` sets `delivered`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_status: Option<TrackingStatus>,
    /// The parcels, when the order was shipped as packed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parcels: Vec<PackedParcel>,
    /// The service the engine chose, when `ship` named no carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<ChosenService>,
}

/// A packed parcel: its carton (none: the unit's own box), its units, and
/// its gross weight and outer size where the catalog knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackedParcel {
    /// The carton; none when the unit ships in its own box.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carton_id: Option<crate::ids::CartonId>,
    /// Units per order line.
    pub lines: Vec<crate::command::ShipLine>,
    /// Gross grams (units plus tare), when every unit's weight is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u64>,
    /// Outer millimetres, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dims: Option<crate::catalog::Dims>,
}

/// The service `ship` chose: its cost and dates, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChosenService {
    /// The service.
    pub service_id: crate::ids::ServiceId,
    /// What the parcels cost by it.
    pub cost: Money,
    /// The ship date.
    pub ship_date: chrono::NaiveDate,
    /// The expected delivery date.
    pub delivery_date: chrono::NaiveDate,
    /// Whether that is by the order's `deliver_by` (true with none).
    pub meets_promise: bool,
    /// Why this service.
    pub reason: String,
}

/// An order's packed parcels at one location, waiting to ship.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Packing {
    /// Where they wait.
    pub location_id: LocationId,
    /// The parcels.
    pub parcels: Vec<PackedParcel>,
    /// The service the engine would ship them by, chosen when packed
    /// (with `shipping` in the config and every parcel's size and weight
    /// known); it prints the labels before the order ships.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<ChosenService>,
    /// That service's carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
}

/// Where a shipment is, as the carrier reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrackingStatus {
    /// On its way.
    InTransit,
    /// On the delivery vehicle.
    OutForDelivery,
    /// Handed over: its order lines are delivered. Final.
    Delivered,
    /// Held up (damaged, wrong address, customs…); the host may tell the
    /// customer. It may move on again.
    Exception,
    /// Coming back to the shipper. Final.
    ReturnedToSender,
}

impl TrackingStatus {
    /// The statuses after which no other may be reported: the transition
    /// table is "any status may follow any other, except after these".
    pub const FINAL: [TrackingStatus; 2] =
        [TrackingStatus::Delivered, TrackingStatus::ReturnedToSender];

    /// Whether `next` may follow `self`: anything may, unless `self` is
    /// final; the same status again is a repeat (recorded as nothing).
    pub fn may_become(self, next: TrackingStatus) -> bool {
        self == next || !Self::FINAL.contains(&self)
    }

    /// The snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TrackingStatus::InTransit => "in_transit",
            TrackingStatus::OutForDelivery => "out_for_delivery",
            TrackingStatus::Delivered => "delivered",
            TrackingStatus::Exception => "exception",
            TrackingStatus::ReturnedToSender => "returned_to_sender",
        }
    }
}

impl std::fmt::Display for TrackingStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(id: &str) -> LocationId {
        LocationId::new(id)
    }

    #[test]
    fn allocations_stay_inline_for_one_location_and_merge_per_location() {
        let mut a = Allocations::default();
        assert!(a.is_empty());
        a.add(&loc("W1"), 2);
        a.add(&loc("W1"), 3);
        assert_eq!(a.as_slice().len(), 1);
        assert_eq!(a.at(&loc("W1")), 5);
        a.add(&loc("W2"), 1);
        assert_eq!((a.total(), a.at(&loc("W2"))), (6, 1));
        a.remove(&loc("W1"), 5);
        assert_eq!(
            a.as_slice(),
            &[LocationQuantity {
                location_id: loc("W2"),
                quantity: 1
            }]
        );
        a.remove(&loc("W2"), 9);
        assert!(a.is_empty());
        let json = serde_json::to_string(&Allocations::from(vec![LocationQuantity {
            location_id: loc("W1"),
            quantity: 4,
        }]))
        .unwrap();
        assert_eq!(json, r#"[{"location_id":"W1","quantity":4}]"#);
    }

    #[test]
    fn address_round_trips_through_its_compact_form() {
        let parts = AddressParts {
            name: "Ada Lovelace".into(),
            line1: "12 St James's Square".into(),
            line2: None,
            city: "London".into(),
            region: Some("Greater London".into()),
            postal_code: "SW1Y 4JH".into(),
            country: "GB".into(),
            lat: Some(51.507),
            lon: Some(-0.134),
        };
        let a = Address::from(parts.clone());
        assert_eq!(a.parts(), parts);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Address>(&json).unwrap(), a);
        assert!(!json.contains("line2"));
    }

    #[test]
    fn status_rules_and_action_table_cover_every_status() {
        let listed: Vec<OrderStatus> = STATUS_RULES.iter().map(|(s, _)| *s).collect();
        assert_eq!(listed, OrderStatus::ALL.to_vec());
        assert!(OrderStatus::OnHold.allows(OrderAction::PlaceHold));
        assert!(!OrderStatus::OnHold.allows(OrderAction::Allocate));
        assert!(!OrderStatus::Shipped.allows(OrderAction::Cancel));
        assert!(OrderStatus::Cancelled.allows(OrderAction::RecordPayment));
        for s in OrderStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
