//! Commands: what a host asks the engine to do. Each is validated completely
//! before anything changes; see [`crate::Engine::execute`].
//!
//! JSON form: internally tagged, `{"type": "place_order", ...}`. Unknown
//! fields are refused so that a typo never silently drops data.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::{Component, Dims, LocationKind};
use crate::error::{OmsError, Result};
use crate::ids::{
    Channel, ChannelOrderId, CustomerId, Hold, LineId, LocationId, OrderId, ShipmentId, Sku,
};
use crate::money::Money;
use crate::order::{Address, PaymentKind, Priority};

/// Every command the engine understands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    DefineLocation(DefineLocation),
    DefineProduct(DefineProduct),
    ReceiveStock(ReceiveStock),
    AdjustStock(AdjustStock),
    CountStock(CountStock),
    SetSafetyStock(SetSafetyStock),
    PlaceOrder(PlaceOrder),
    RecordPayment(RecordPayment),
    PlaceHold(PlaceHold),
    ReleaseHold(ReleaseHold),
    Allocate(Allocate),
    Ship(Ship),
    ConfirmDelivery(ConfirmDelivery),
    CancelOrder(CancelOrder),
    CancelLine(CancelLine),
}

impl Command {
    /// Parses a command from JSON text; malformed input is a `validation` error.
    ///
    /// ```
    /// use oms_core::Command;
    /// let c = Command::from_json(r#"{"type":"allocate"}"#).unwrap();
    /// assert_eq!(c.name(), "allocate");
    /// assert_eq!(Command::from_json("{}").unwrap_err().code().as_str(), "validation");
    /// ```
    pub fn from_json(json: &str) -> Result<Command> {
        serde_json::from_str(json).map_err(|e| OmsError::validation("command", e.to_string()))
    }

    /// Parses a command from a JSON value.
    pub fn from_value(value: serde_json::Value) -> Result<Command> {
        serde_json::from_value(value).map_err(|e| OmsError::validation("command", e.to_string()))
    }

    /// The command's `type` tag.
    pub fn name(&self) -> &'static str {
        match self {
            Command::DefineLocation(_) => "define_location",
            Command::DefineProduct(_) => "define_product",
            Command::ReceiveStock(_) => "receive_stock",
            Command::AdjustStock(_) => "adjust_stock",
            Command::CountStock(_) => "count_stock",
            Command::SetSafetyStock(_) => "set_safety_stock",
            Command::PlaceOrder(_) => "place_order",
            Command::RecordPayment(_) => "record_payment",
            Command::PlaceHold(_) => "place_hold",
            Command::ReleaseHold(_) => "release_hold",
            Command::Allocate(_) => "allocate",
            Command::Ship(_) => "ship",
            Command::ConfirmDelivery(_) => "confirm_delivery",
            Command::CancelOrder(_) => "cancel_order",
            Command::CancelLine(_) => "cancel_line",
        }
    }
}

fn yes() -> bool {
    true
}

/// Creates or updates a location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefineLocation {
    pub location_id: LocationId,
    pub name: String,
    pub kind: LocationKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// Whether allocation may use this location's stock (default true).
    #[serde(default = "yes")]
    pub fulfills_orders: bool,
}

/// Creates or updates a product (upsert). With `components` it is a kit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefineProduct {
    pub sku: Sku,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_g: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dims_mm: Option<Dims>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<Component>>,
}

/// Puts units into stock at a location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveStock {
    pub sku: Sku,
    pub location_id: LocationId,
    pub quantity: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// Changes on-hand by `delta` for a reason (`damaged`, `found`, `correction`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustStock {
    pub sku: Sku,
    pub location_id: LocationId,
    pub delta: i64,
    pub reason: String,
}

/// A cycle count: emits the adjustment that makes on-hand equal `counted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountStock {
    pub sku: Sku,
    pub location_id: LocationId,
    pub counted: u64,
}

/// Sets how many units at a location are kept back from allocation and sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetSafetyStock {
    pub sku: Sku,
    pub location_id: LocationId,
    pub quantity: u64,
}

/// One line of a new order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineInput {
    pub line_id: LineId,
    pub sku: Sku,
    pub quantity: u64,
    pub unit_price: Money,
}

/// Places a customer order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrder {
    pub order_id: OrderId,
    pub channel: Channel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_order_id: Option<ChannelOrderId>,
    pub customer_id: CustomerId,
    pub ship_to: Address,
    pub lines: Vec<OrderLineInput>,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_price: Option<Money>,
}

/// Records a payment event from a payment provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordPayment {
    pub order_id: OrderId,
    pub kind: PaymentKind,
    pub amount: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// Puts a named hold on an order; held orders are never allocated or shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceHold {
    pub order_id: OrderId,
    pub hold: Hold,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Lifts a named hold from an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseHold {
    pub order_id: OrderId,
    pub hold: Hold,
}

/// Allocates one order, or (without `order_id`) every releasable order in
/// priority order: rush first, then oldest placement, then order id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Allocate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<OrderId>,
}

/// Units of one order line in a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipLine {
    pub line_id: LineId,
    pub quantity: u64,
}

/// Ships allocated units of an order from one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ship {
    pub order_id: OrderId,
    pub shipment_id: ShipmentId,
    pub location_id: LocationId,
    pub carrier: Arc<str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<Arc<str>>,
    pub lines: Arc<[ShipLine]>,
}

/// Confirms that a shipment reached the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmDelivery {
    pub shipment_id: ShipmentId,
}

/// Cancels every open (unshipped) unit of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelOrder {
    pub order_id: OrderId,
    pub reason: String,
}

/// Cancels `quantity` open units of one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelLine {
    pub order_id: OrderId,
    pub line_id: LineId,
    pub quantity: u64,
    pub reason: String,
}

macro_rules! into_command {
    ($($t:ident),*) => {$(
        impl From<$t> for Command {
            fn from(c: $t) -> Command {
                Command::$t(c)
            }
        }
    )*};
}

into_command!(
    DefineLocation,
    DefineProduct,
    ReceiveStock,
    AdjustStock,
    CountStock,
    SetSafetyStock,
    PlaceOrder,
    RecordPayment,
    PlaceHold,
    ReleaseHold,
    Allocate,
    Ship,
    ConfirmDelivery,
    CancelOrder,
    CancelLine
);
