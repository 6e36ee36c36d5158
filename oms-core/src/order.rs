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
use crate::ids::{Channel, CustomerId, Hold, LineId, LocationId, OrderId, ShipmentId, Sku};
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

/// A postal address with optional coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub name: String,
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    pub city: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, e.g. `US`.
    pub country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

/// An order's status, derived from its lines and holds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Ready,
    Allocated,
    Backordered,
    PartiallyShipped,
    OnHold,
    Shipped,
    Delivered,
    Cancelled,
}

impl OrderStatus {
    /// Every status, in the order of [`STATUS_RULES`].
    pub const ALL: [OrderStatus; 8] = [
        OrderStatus::Cancelled,
        OrderStatus::Delivered,
        OrderStatus::Shipped,
        OrderStatus::OnHold,
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
            OrderStatus::PartiallyShipped => "partially_shipped",
            OrderStatus::OnHold => "on_hold",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
        }
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
        OrderStatus::Delivered,
        "every non-cancelled unit is delivered",
    ),
    (OrderStatus::Shipped, "every non-cancelled unit is shipped"),
    (OrderStatus::OnHold, "the order has at least one hold"),
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
    PlaceHold,
    ReleaseHold,
    Allocate,
    Ship,
    Cancel,
    RecordPayment,
}

impl OrderAction {
    /// The command that performs the action.
    pub fn command(self) -> &'static str {
        match self {
            OrderAction::PlaceHold => "place_hold",
            OrderAction::ReleaseHold => "release_hold",
            OrderAction::Allocate => "allocate",
            OrderAction::Ship => "ship",
            OrderAction::Cancel => "cancel_order/cancel_line",
            OrderAction::RecordPayment => "record_payment",
        }
    }
}

use OrderStatus as S;

/// Which statuses allow each action. Anything not listed is an
/// `invalid_transition` error naming the order's status.
///
/// | action | allowed in |
/// |---|---|
/// | place_hold | ready, allocated, backordered, partially_shipped, on_hold |
/// | release_hold | every status (the hold must be present) |
/// | allocate | ready, allocated, backordered, partially_shipped |
/// | ship | ready, allocated, backordered, partially_shipped (units must be allocated at the location) |
/// | cancel_order, cancel_line | ready, allocated, backordered, partially_shipped, on_hold |
/// | record_payment | every status |
pub const ORDER_ACTIONS: &[(OrderAction, &[OrderStatus])] = &[
    (
        OrderAction::PlaceHold,
        &[
            S::Ready,
            S::Allocated,
            S::Backordered,
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
        &[S::Ready, S::Allocated, S::Backordered, S::PartiallyShipped],
    ),
    (
        OrderAction::Cancel,
        &[
            S::Ready,
            S::Allocated,
            S::Backordered,
            S::PartiallyShipped,
            S::OnHold,
        ],
    ),
    (OrderAction::RecordPayment, &OrderStatus::ALL),
];

/// What a payment record says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    Authorized,
    Captured,
    Failed,
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
    Unpaid,
    Authorized,
    Paid,
    PartiallyRefunded,
    Refunded,
    Failed,
}

/// Running payment totals of an order, in the order's currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentTotals {
    pub authorized: Decimal,
    pub captured: Decimal,
    pub refunded: Decimal,
    /// Whether the latest payment record was a failure.
    pub last_failed: bool,
}

/// Units of a line reserved at one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationQuantity {
    pub location_id: LocationId,
    pub quantity: u64,
}

/// The progress of one order line. Quantity, SKU and price live in the
/// placement; this holds what changed since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineState {
    /// Reserved, unshipped units per location, in allocation order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allocations: Vec<LocationQuantity>,
    #[serde(default)]
    pub backordered: u64,
    #[serde(default)]
    pub shipped: u64,
    #[serde(default)]
    pub delivered: u64,
    #[serde(default)]
    pub cancelled: u64,
    /// For kit lines: the components per kit unit, fixed when the order was placed.
    #[serde(default, skip_serializing_if = "<[Component]>::is_empty")]
    pub components: Arc<[Component]>,
}

impl LineState {
    /// Reserved, unshipped units across locations.
    pub fn allocated(&self) -> u64 {
        self.allocations.iter().map(|a| a.quantity).sum()
    }

    /// Reserved units at `location`.
    pub fn allocated_at(&self, location: &LocationId) -> u64 {
        self.allocations
            .iter()
            .find(|a| &a.location_id == location)
            .map_or(0, |a| a.quantity)
    }
}

/// A customer order as the engine holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    /// The command that placed the order, kept whole (idempotency checks compare against it).
    pub placement: Arc<PlaceOrder>,
    pub placed_at: DateTime<Utc>,
    pub lines: Vec<LineState>,
    /// Holds, kept sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holds: Vec<Hold>,
    #[serde(default)]
    pub payments: PaymentTotals,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipments: Vec<ShipmentId>,
}

impl Order {
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
            .saturating_sub(l.cancelled + l.shipped)
    }

    /// Open units of line `i` that hold no reservation.
    pub fn unallocated(&self, i: usize) -> u64 {
        self.open(i).saturating_sub(self.lines[i].allocated())
    }

    /// Whether any line has open units without a reservation.
    pub fn has_unallocated(&self) -> bool {
        (0..self.lines.len()).any(|i| self.unallocated(i) > 0)
    }

    /// Position of a line by id.
    pub fn line_index(&self, line_id: &str) -> Option<usize> {
        self.placement
            .lines
            .iter()
            .position(|l| l.line_id.as_str() == line_id)
    }

    pub fn has_hold(&self, hold: &str) -> bool {
        self.holds.iter().any(|h| h.as_str() == hold)
    }

    /// Sum of the non-cancelled units' prices plus shipping.
    pub fn total(&self) -> Decimal {
        let mut total = self
            .placement
            .shipping_price
            .map_or(Decimal::ZERO, |m| m.amount);
        for (spec, line) in self.placement.lines.iter().zip(&self.lines) {
            let units = spec.quantity.saturating_sub(line.cancelled);
            // Checked when the order was placed: the full-quantity total fits.
            total = total.saturating_add(spec.unit_price.amount * Decimal::from(units));
        }
        total
    }

    /// The derived status; see [`STATUS_RULES`].
    pub fn status(&self) -> OrderStatus {
        let (mut live, mut cancelled_all, mut shipped, mut delivered) = (0u64, true, 0u64, 0u64);
        let (mut backordered, mut unallocated, mut allocated) = (false, false, false);
        for (i, (spec, line)) in self.placement.lines.iter().zip(&self.lines).enumerate() {
            let l = spec.quantity.saturating_sub(line.cancelled);
            if l > 0 {
                cancelled_all = false;
            }
            live += l;
            shipped += line.shipped;
            delivered += line.delivered;
            backordered |= line.backordered > 0;
            unallocated |= self.unallocated(i) > 0;
            allocated |= !line.allocations.is_empty();
        }
        if cancelled_all {
            OrderStatus::Cancelled
        } else if delivered >= live {
            OrderStatus::Delivered
        } else if shipped >= live {
            OrderStatus::Shipped
        } else if !self.holds.is_empty() {
            OrderStatus::OnHold
        } else if shipped > 0 {
            OrderStatus::PartiallyShipped
        } else if backordered {
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
        } else if p.authorized + p.captured > Decimal::ZERO && p.authorized + p.captured >= total {
            PaymentStatus::Authorized
        } else if p.last_failed {
            PaymentStatus::Failed
        } else {
            PaymentStatus::Unpaid
        }
    }

    /// Whether authorized plus captured amounts cover the current total.
    pub fn payment_covers_total(&self) -> bool {
        self.payments.authorized + self.payments.captured >= self.total()
    }

    /// Releasable: no holds, not finished.
    pub fn is_releasable(&self) -> bool {
        self.holds.is_empty()
            && !matches!(
                self.status(),
                OrderStatus::Cancelled | OrderStatus::Shipped | OrderStatus::Delivered
            )
    }

    /// The read-only view returned by queries.
    pub fn view(&self) -> OrderView {
        let currency = self.currency();
        let lines = self
            .placement
            .lines
            .iter()
            .zip(&self.lines)
            .map(|(spec, l)| LineView {
                line_id: spec.line_id.clone(),
                sku: spec.sku.clone(),
                quantity: spec.quantity,
                unit_price: spec.unit_price,
                allocated: l.allocated(),
                backordered: l.backordered,
                shipped: l.shipped,
                delivered: l.delivered,
                cancelled: l.cancelled,
                allocations: l.allocations.clone(),
            })
            .collect();
        let p = &self.placement;
        OrderView {
            order_id: p.order_id.clone(),
            channel: p.channel.clone(),
            channel_order_id: p.channel_order_id.clone(),
            customer_id: p.customer_id.clone(),
            ship_to: p.ship_to.clone(),
            priority: p.priority,
            placed_at: self.placed_at,
            status: self.status(),
            payment_status: self.payment_status(),
            holds: self.holds.clone(),
            lines,
            shipping_price: p.shipping_price.unwrap_or(Money::zero(currency)),
            total: Money::new(self.total(), currency),
            authorized: Money::new(self.payments.authorized, currency),
            captured: Money::new(self.payments.captured, currency),
            refunded: Money::new(self.payments.refunded, currency),
            shipments: self.shipments.clone(),
        }
    }
}

/// One line as a query returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LineView {
    pub line_id: LineId,
    pub sku: Sku,
    pub quantity: u64,
    pub unit_price: Money,
    /// Reserved, unshipped units.
    pub allocated: u64,
    /// Open units the last allocation could not reserve.
    pub backordered: u64,
    pub shipped: u64,
    pub delivered: u64,
    pub cancelled: u64,
    /// Where the allocated units are reserved.
    pub allocations: Vec<LocationQuantity>,
}

/// An order as a query returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OrderView {
    pub order_id: OrderId,
    pub channel: Channel,
    pub channel_order_id: Option<String>,
    pub customer_id: CustomerId,
    pub ship_to: Address,
    pub priority: Priority,
    pub placed_at: DateTime<Utc>,
    pub status: OrderStatus,
    pub payment_status: PaymentStatus,
    pub holds: Vec<Hold>,
    pub lines: Vec<LineView>,
    pub shipping_price: Money,
    /// Non-cancelled lines plus shipping.
    pub total: Money,
    pub authorized: Money,
    pub captured: Money,
    pub refunded: Money,
    pub shipments: Vec<ShipmentId>,
}

/// A shipment: units of an order's lines that left one location together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Shipment {
    pub shipment_id: ShipmentId,
    pub order_id: OrderId,
    pub location_id: LocationId,
    pub carrier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    pub lines: Vec<crate::command::ShipLine>,
    pub shipped_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
}
