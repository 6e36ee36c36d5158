//! Events: the facts the engine records. `execute` returns them; folding them
//! with [`crate::Engine::apply`] rebuilds the same state.
//!
//! JSON form: `{"type": "order_placed", "schema_version": 1, "at": "…", …}`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::{Location, Product};
use crate::command::{PlaceOrder, ShipLine};
use crate::ids::{Hold, LineId, LocationId, OrderId, ShipmentId, Sku};
use crate::money::Money;
use crate::order::{LocationQuantity, OrderStatus, PaymentKind};

/// Version of the event and snapshot formats. Bumped on any incompatible
/// change so that stored data can be upgraded.
pub const SCHEMA_VERSION: u16 = 1;

/// One recorded fact, stamped with the time of the command that caused it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Event {
    /// Format version of this event ([`SCHEMA_VERSION`] when written).
    pub schema_version: u16,
    /// The `at` of the command that produced the event.
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// The event's `type` tag, e.g. `"order_placed"`.
    pub fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// Parses an event from JSON text; malformed input is a `validation` error.
    pub fn from_json(json: &str) -> crate::Result<Event> {
        serde_json::from_str(json).map_err(|e| crate::OmsError::validation("event", e.to_string()))
    }
}

/// Why a hold was lifted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HoldReleasedBy {
    /// `release_hold`.
    Manual,
    /// A payment that covered the order total lifted `awaiting_payment`.
    Payment,
}

/// Units of one line reserved at one location by an allocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LineAllocation {
    pub line_id: LineId,
    pub location_id: LocationId,
    pub quantity: u64,
}

/// A quantity of one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LineQuantity {
    pub line_id: LineId,
    pub quantity: u64,
}

/// Units of one line cancelled, and the reservations that released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LineCancellation {
    pub line_id: LineId,
    pub quantity: u64,
    /// Reservations released, per location (the rest of `quantity` was unallocated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub released: Vec<LocationQuantity>,
}

/// Every kind of event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    LocationDefined {
        location: Location,
    },
    ProductDefined {
        product: Product,
    },
    StockReceived {
        sku: Sku,
        location_id: LocationId,
        quantity: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
    /// On-hand changed by `delta`; a cycle count carries `counted` and reason `cycle_count`.
    StockAdjusted {
        sku: Sku,
        location_id: LocationId,
        delta: i64,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        counted: Option<u64>,
    },
    SafetyStockSet {
        sku: Sku,
        location_id: LocationId,
        quantity: u64,
    },
    /// The order exactly as placed.
    OrderPlaced {
        order: Arc<PlaceOrder>,
    },
    PaymentRecorded {
        order_id: OrderId,
        kind: PaymentKind,
        amount: Money,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
    HoldPlaced {
        order_id: OrderId,
        hold: Hold,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    HoldReleased {
        order_id: OrderId,
        hold: Hold,
        released_by: HoldReleasedBy,
    },
    /// New reservations; `backorders` lists each line's open units that
    /// remain unallocated after this allocation.
    OrderAllocated {
        order_id: OrderId,
        allocations: Vec<LineAllocation>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        backorders: Vec<LineQuantity>,
    },
    OrderShipped {
        order_id: OrderId,
        shipment_id: ShipmentId,
        location_id: LocationId,
        carrier: Arc<str>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        service: Option<Arc<str>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tracking_number: Option<Arc<str>>,
        lines: Arc<[ShipLine]>,
    },
    ShipmentDelivered {
        shipment_id: ShipmentId,
        order_id: OrderId,
    },
    OrderCancelled {
        order_id: OrderId,
        reason: String,
        lines: Vec<LineCancellation>,
    },
    LineCancelled {
        order_id: OrderId,
        reason: String,
        #[serde(flatten)]
        cancellation: LineCancellation,
    },
    /// Informational: the derived status changed (`from` is absent for a new order).
    OrderStatusChanged {
        order_id: OrderId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<OrderStatus>,
        to: OrderStatus,
    },
}

impl EventKind {
    /// The `type` tag.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::LocationDefined { .. } => "location_defined",
            EventKind::ProductDefined { .. } => "product_defined",
            EventKind::StockReceived { .. } => "stock_received",
            EventKind::StockAdjusted { .. } => "stock_adjusted",
            EventKind::SafetyStockSet { .. } => "safety_stock_set",
            EventKind::OrderPlaced { .. } => "order_placed",
            EventKind::PaymentRecorded { .. } => "payment_recorded",
            EventKind::HoldPlaced { .. } => "hold_placed",
            EventKind::HoldReleased { .. } => "hold_released",
            EventKind::OrderAllocated { .. } => "order_allocated",
            EventKind::OrderShipped { .. } => "order_shipped",
            EventKind::ShipmentDelivered { .. } => "shipment_delivered",
            EventKind::OrderCancelled { .. } => "order_cancelled",
            EventKind::LineCancelled { .. } => "line_cancelled",
            EventKind::OrderStatusChanged { .. } => "order_status_changed",
        }
    }

    /// The order the event is about, if any.
    pub fn order_id(&self) -> Option<&OrderId> {
        match self {
            EventKind::OrderPlaced { order } => Some(&order.order_id),
            EventKind::PaymentRecorded { order_id, .. }
            | EventKind::HoldPlaced { order_id, .. }
            | EventKind::HoldReleased { order_id, .. }
            | EventKind::OrderAllocated { order_id, .. }
            | EventKind::OrderShipped { order_id, .. }
            | EventKind::ShipmentDelivered { order_id, .. }
            | EventKind::OrderCancelled { order_id, .. }
            | EventKind::LineCancelled { order_id, .. }
            | EventKind::OrderStatusChanged { order_id, .. } => Some(order_id),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_json_tags() {
        let kinds = [
            EventKind::ShipmentDelivered {
                shipment_id: ShipmentId::new("S"),
                order_id: OrderId::new("O"),
            },
            EventKind::OrderStatusChanged {
                order_id: OrderId::new("O"),
                from: None,
                to: OrderStatus::Ready,
            },
            EventKind::SafetyStockSet {
                sku: Sku::new("A"),
                location_id: LocationId::new("W"),
                quantity: 1,
            },
        ];
        for kind in kinds {
            let v = serde_json::to_value(&kind).unwrap();
            assert_eq!(v["type"], kind.name());
        }
    }

    #[test]
    fn events_from_a_newer_format_are_refused() {
        let json = r#"{"type":"order_status_changed","schema_version":99,"at":"2026-01-01T00:00:00Z","order_id":"O","to":"ready"}"#;
        let event = Event::from_json(json).unwrap();
        let mut engine = crate::Engine::new(crate::Config::default());
        assert_eq!(
            engine.try_apply(&event).unwrap_err().code(),
            crate::ErrorCode::Conflict
        );
        assert_eq!(engine.events_applied(), 0);
    }
}
