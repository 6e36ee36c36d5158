//! Commands: what a host asks the engine to do. Each is validated completely
//! before anything changes; see [`crate::Engine::execute`].
//!
//! JSON form: internally tagged, `{"type": "place_order", ...}`. Unknown
//! fields are refused so that a typo never silently drops data.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::{Component, Dims, Location};
use crate::channel::ChannelDef;
use crate::error::{OmsError, Result};
use crate::holds::StockHold;
use crate::ids::{
    BinId, Channel, ChannelOrderId, CustomerId, Hold, LineId, LocationId, OrderId, PoId, ReceiptId,
    RmaId, ShipmentId, Sku, StockHoldId, SupplierId, TaskId, WaveId,
};
use crate::money::Money;
use crate::order::{Address, CustomerTier, PaymentKind, Priority};
use crate::picking::{BatchOptions, Cart, Heuristic, Layout, PickMethod, Side, WaveRules};
use crate::purchasing::replenishment::ReorderSettings;
use crate::purchasing::{Billing, ReceiptLine, Supplier, SupplierItem};
use crate::returns::{
    ExchangeLineInput, InspectionLine, Resolution, ReturnLineInput, ReturnQuantity,
};
use crate::sourcing::SourcingPolicy;
use chrono::NaiveDate;

/// Every command the engine understands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// Creates or updates a location.
    DefineLocation(DefineLocation),
    /// Creates or updates a product (upsert). With `components` it is a kit.
    DefineProduct(DefineProduct),
    /// Puts units into stock at a location.
    ReceiveStock(ReceiveStock),
    /// Changes on-hand by `delta` for a reason (`damaged`, `found`, `correction`, …).
    AdjustStock(AdjustStock),
    /// A cycle count: emits the adjustment that makes on-hand equal `counted`.
    CountStock(CountStock),
    /// Sets how many units at a location are kept back from allocation and sale.
    SetSafetyStock(SetSafetyStock),
    /// Places a customer order.
    PlaceOrder(PlaceOrder),
    /// Records a payment event from a payment provider.
    RecordPayment(RecordPayment),
    /// Puts a named hold on an order; held orders are never allocated or shipped.
    PlaceHold(PlaceHold),
    /// Lifts a named hold from an order.
    ReleaseHold(ReleaseHold),
    /// Allocates one order, or (without `order_id`) every releasable order in
    /// priority order: rush first, then oldest placement, then order id.
    Allocate(Allocate),
    /// Ships allocated units of an order from one location.
    Ship(Ship),
    /// Confirms that a shipment reached the customer.
    ConfirmDelivery(ConfirmDelivery),
    /// Records a carrier's tracking status for a shipment.
    RecordTrackingEvent(RecordTrackingEvent),
    /// Packs an order's ready units at a location into parcels.
    Pack(Pack),
    /// Cancels every open (unshipped) unit of an order.
    CancelOrder(CancelOrder),
    /// Cancels `quantity` open units of one line.
    CancelLine(CancelLine),
    /// Moves an order's reservations to the source the policy now prefers.
    Reallocate(Reallocate),
    /// Defines a sales channel: the locations it sells from and its buffer.
    DefineChannel(DefineChannel),
    /// Holds stock softly for a checkout until `expires_at`.
    HoldStock(HoldStock),
    /// Turns a cart hold into the claim of the order placed at checkout.
    ConvertHold(ConvertHold),
    /// Ends a cart hold early (the cart was abandoned or emptied).
    ReleaseStockHold(ReleaseStockHold),
    /// Ends every cart hold whose `expires_at` is not after the command's time.
    ExpireHolds(ExpireHolds),
    /// Replaces the sourcing policy that allocation follows.
    SetSourcingPolicy(SetSourcingPolicy),
    /// Merges orders of one customer to one address into a shipment group.
    MergeOrders(MergeOrders),
    /// Dissolves the merge group an order belongs to.
    UnmergeOrders(UnmergeOrders),
    /// Splits an order's lines into shipment groups sourced separately.
    SplitOrder(SplitOrder),
    /// Creates or updates a supplier.
    DefineSupplier(DefineSupplier),
    /// Creates or updates what a supplier sells of one SKU, at what cost.
    SetSupplierItem(SetSupplierItem),
    /// Creates a draft purchase order.
    CreatePo(CreatePo),
    /// Changes a PO before anything arrived; an approved or sent PO goes
    /// back through approval.
    AmendPo(AmendPo),
    /// Submits a draft PO for approval; within `po_approval_threshold` it
    /// is approved at once.
    SubmitPo(SubmitPo),
    /// Approves a submitted PO.
    ApprovePo(ApprovePo),
    /// Rejects a submitted PO.
    RejectPo(RejectPo),
    /// Marks an approved PO as sent to the supplier: its units become `incoming`.
    SendPo(SendPo),
    /// Records a goods receipt against a sent PO.
    ReceivePo(ReceivePo),
    /// Closes a PO, cancelling whatever is still open.
    ClosePo(ClosePo),
    /// Cancels a PO nothing of which has arrived.
    CancelPo(CancelPo),
    /// A dropship supplier shipped units of a dropship PO to the customer:
    /// ships those order lines, with no stock moving.
    ConfirmDropship(ConfirmDropship),
    /// Sets (or, without `settings`, clears) how a SKU is replenished at a location.
    SetReplenishment(SetReplenishment),
    /// Turns the replenishment suggestions of the command's time into
    /// draft POs, one per supplier and location.
    CreateReplenishmentPos(CreateReplenishmentPos),
    /// Sets a location's floor plan, which pick routes walk.
    SetLayout(SetLayout),
    /// Defines (or redefines) a bin on a location's floor, optionally the
    /// pick bin of a SKU.
    DefineBin(DefineBin),
    /// Releases allocated orders at a location to the floor as pick tasks.
    ReleaseWave(ReleaseWave),
    /// A picker took units at a stop of a task, optionally checked by a scan.
    ConfirmPick(ConfirmPick),
    /// A picker found fewer units at a stop than the task asks for.
    ShortPick(ShortPick),
    /// Closes a task whose stops are all done; its units count as picked.
    CompleteTask(CompleteTask),
    /// Asks to return shipped units of an order (opens an RMA).
    RequestReturn(RequestReturn),
    /// Agrees to a requested return.
    AuthorizeReturn(AuthorizeReturn),
    /// Refuses a requested return.
    RejectReturn(RejectReturn),
    /// The customer sent the units back: the RMA is in transit.
    RecordReturnShipment(RecordReturnShipment),
    /// The returned units arrived at a location.
    ReceiveReturn(ReceiveReturn),
    /// Decides what becomes of each returned unit (restocking moves stock).
    InspectReturn(InspectReturn),
    /// Works out the refund, store credit or exchange order.
    ResolveReturn(ResolveReturn),
    /// Closes a resolved RMA.
    CloseReturn(CloseReturn),
    /// Withdraws an RMA before its units arrived.
    CancelReturn(CancelReturn),
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

    /// Parses a command whose JSON object may also carry the
    /// [`CommandOptions`] keys `idempotency_key` and `expected_version`.
    ///
    /// ```
    /// use oms_core::Command;
    /// let (c, o) = Command::from_json_with_options(
    ///     r#"{"type":"allocate","order_id":"SO-1","idempotency_key":"k1","expected_version":3}"#).unwrap();
    /// assert_eq!(c.name(), "allocate");
    /// assert_eq!((o.idempotency_key.as_deref(), o.expected_version), (Some("k1"), Some(3)));
    /// ```
    pub fn from_json_with_options(json: &str) -> Result<(Command, CommandOptions)> {
        let value: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| OmsError::validation("command", e.to_string()))?;
        Command::from_value_with_options(value)
    }

    /// [`Command::from_json_with_options`] for a JSON value.
    pub fn from_value_with_options(
        mut value: serde_json::Value,
    ) -> Result<(Command, CommandOptions)> {
        let mut options = CommandOptions::default();
        if let Some(map) = value.as_object_mut() {
            let mut envelope = serde_json::Map::new();
            for key in CommandOptions::KEYS {
                if let Some(v) = map.remove(*key) {
                    envelope.insert((*key).to_string(), v);
                }
            }
            options = serde_json::from_value(serde_json::Value::Object(envelope))
                .map_err(|e| OmsError::validation("command", e.to_string()))?;
        }
        Ok((Command::from_value(value)?, options))
    }

    /// What the command is about: the kind of thing and its id (e.g.
    /// `("order", "SO-1")`), used to name it in validation errors. `None`
    /// for a batch `allocate`.
    pub fn subject(&self) -> Option<(&'static str, Arc<str>)> {
        let (kind, id) = match self {
            Command::DefineLocation(c) => ("location", c.location_id.arc()),
            Command::DefineProduct(c) => ("product", c.sku.arc()),
            Command::ReceiveStock(c) => ("product", c.sku.arc()),
            Command::AdjustStock(c) => ("product", c.sku.arc()),
            Command::CountStock(c) => ("product", c.sku.arc()),
            Command::SetSafetyStock(c) => ("product", c.sku.arc()),
            Command::PlaceOrder(c) => ("order", c.order_id.arc()),
            Command::RecordPayment(c) => ("order", c.order_id.arc()),
            Command::PlaceHold(c) => ("order", c.order_id.arc()),
            Command::ReleaseHold(c) => ("order", c.order_id.arc()),
            Command::Allocate(c) => ("order", c.order_id.as_ref()?.arc()),
            Command::Ship(c) => ("shipment", c.shipment_id.arc()),
            Command::ConfirmDelivery(c) => ("shipment", c.shipment_id.arc()),
            Command::RecordTrackingEvent(c) => ("shipment", c.shipment_id.arc()),
            Command::Pack(c) => ("order", c.order_id.arc()),
            Command::CancelOrder(c) => ("order", c.order_id.arc()),
            Command::CancelLine(c) => ("order", c.order_id.arc()),
            Command::Reallocate(c) => ("order", c.order_id.arc()),
            Command::DefineChannel(c) => ("channel", c.0.channel.arc()),
            Command::SetSourcingPolicy(_) => return None,
            Command::HoldStock(c) => ("stock hold", c.0.hold_id.arc()),
            Command::ConvertHold(c) => ("stock hold", c.hold_id.arc()),
            Command::ReleaseStockHold(c) => ("stock hold", c.hold_id.arc()),
            Command::ExpireHolds(_) => return None,
            Command::MergeOrders(c) => (
                "order",
                c.into_order_id.as_ref().or(c.order_ids.first())?.arc(),
            ),
            Command::UnmergeOrders(c) => ("order", c.order_id.arc()),
            Command::SplitOrder(c) => ("order", c.order_id.arc()),
            Command::DefineSupplier(c) => ("supplier", c.0.supplier_id.arc()),
            Command::SetSupplierItem(c) => ("supplier", c.0.supplier_id.arc()),
            Command::CreatePo(c) => ("purchase order", c.po_id.arc()),
            Command::AmendPo(c) => ("purchase order", c.po_id.arc()),
            Command::SubmitPo(c) => ("purchase order", c.po_id.arc()),
            Command::ApprovePo(c) => ("purchase order", c.po_id.arc()),
            Command::RejectPo(c) => ("purchase order", c.po_id.arc()),
            Command::SendPo(c) => ("purchase order", c.po_id.arc()),
            Command::ReceivePo(c) => ("purchase order", c.po_id.arc()),
            Command::ClosePo(c) => ("purchase order", c.po_id.arc()),
            Command::CancelPo(c) => ("purchase order", c.po_id.arc()),
            Command::ConfirmDropship(c) => ("purchase order", c.po_id.arc()),
            Command::SetReplenishment(c) => ("product", c.sku.arc()),
            Command::CreateReplenishmentPos(_) => return None,
            Command::SetLayout(c) => ("location", c.location_id.arc()),
            Command::DefineBin(c) => ("location", c.location_id.arc()),
            Command::ReleaseWave(c) => ("wave", c.wave_id.arc()),
            Command::ConfirmPick(c) => ("pick task", c.task_id.arc()),
            Command::ShortPick(c) => ("pick task", c.task_id.arc()),
            Command::CompleteTask(c) => ("pick task", c.task_id.arc()),
            Command::RequestReturn(c) => ("rma", c.rma_id.arc()),
            Command::AuthorizeReturn(c) => ("rma", c.rma_id.arc()),
            Command::RejectReturn(c) => ("rma", c.rma_id.arc()),
            Command::RecordReturnShipment(c) => ("rma", c.rma_id.arc()),
            Command::ReceiveReturn(c) => ("rma", c.rma_id.arc()),
            Command::InspectReturn(c) => ("rma", c.rma_id.arc()),
            Command::ResolveReturn(c) => ("rma", c.rma_id.arc()),
            Command::CloseReturn(c) => ("rma", c.rma_id.arc()),
            Command::CancelReturn(c) => ("rma", c.rma_id.arc()),
        };
        Some((kind, id.clone()))
    }
}

/// What any command may carry besides its own fields (in JSON, as keys
/// of the command object).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandOptions {
    /// The host's key for the command: a repeat with the same key and the
    /// same payload records nothing; with another payload it is a
    /// `duplicate` error. Keys are remembered for the engine's lifetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// For a command about one order: the order's `version` the host last
    /// saw (0 for an order not placed yet); any other version is a `conflict`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
}

impl CommandOptions {
    /// The JSON keys of the options.
    pub const KEYS: &'static [&'static str] = &["idempotency_key", "expected_version"];

    /// Whether no option is set.
    pub fn is_empty(&self) -> bool {
        self.idempotency_key.is_none() && self.expected_version.is_none()
    }
}

/// Creates or updates a location: the command carries the location as it
/// is to be defined (`fulfills_orders` defaults to true), and an identical
/// repeat records nothing. Build one with struct update syntax:
/// `DefineLocation { lat: Some(..), ..DefineLocation::new(..) }`.
pub type DefineLocation = Location;

/// Creates or updates a product (upsert). With `components` it is a kit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefineProduct {
    /// The product's SKU; an existing SKU updates that product.
    pub sku: Sku,
    /// Display name of the product.
    pub name: String,
    /// GTIN-8, -12, -13 or -14 barcode number with a valid check digit (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
    /// Free-text description (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Shipping weight in grams (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_g: Option<u64>,
    /// Outer dimensions in millimetres, each at least 1 (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dims_mm: Option<Dims>,
    /// List price, not negative (optional; orders carry their own unit prices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Money>,
    /// Components per kit unit (at most 100, none of them a kit); omitted or empty for a plain product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<Component>>,
    /// Always sourced from a dropship supplier; the shop holds no stock of
    /// it (optional, default false; not for a kit, nor for a product with stock records).
    #[serde(default, skip_serializing_if = "crate::util::is_false")]
    pub dropship_only: bool,
    /// How a unit packs: `{orientation, fragile, hazmat, own_box}`, each
    /// optional (default: any way, no flags).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packing: Option<crate::packing::PackingRules>,
    /// Never accepted back by `request_return` (optional, default false).
    #[serde(default, skip_serializing_if = "crate::util::is_false")]
    pub non_returnable: bool,
}

/// Puts units into stock at a location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveStock {
    /// The product received (not a kit: kits hold no stock of their own).
    pub sku: Sku,
    /// The location the units arrive at.
    pub location_id: LocationId,
    /// Units received (at least 1).
    pub quantity: u64,
    /// Free-text reference, e.g. a purchase order or delivery note number (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// Changes on-hand by `delta` for a reason (`damaged`, `found`, `correction`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustStock {
    /// The product to adjust (not a kit).
    pub sku: Sku,
    /// The location whose stock changes.
    pub location_id: LocationId,
    /// Units to add (positive) or remove (negative); not zero, and no more than are on hand.
    /// When on-hand falls below what is reserved, the lowest-priority
    /// reservations there are released and their orders re-sourced or backordered.
    pub delta: i64,
    /// Why, e.g. `damaged`, `found` or `correction`.
    pub reason: String,
}

/// A cycle count: emits the adjustment that makes on-hand equal `counted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountStock {
    /// The product counted (not a kit).
    pub sku: Sku,
    /// The location counted.
    pub location_id: LocationId,
    /// Units physically counted: the count always wins. Below what is
    /// reserved there, the lowest-priority reservations are released and
    /// their orders re-sourced or backordered.
    pub counted: u64,
}

/// Sets how many units at a location are kept back from allocation and sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetSafetyStock {
    /// The product (not a kit).
    pub sku: Sku,
    /// The location the safety stock applies to.
    pub location_id: LocationId,
    /// Units to keep back; 0 removes the safety stock.
    pub quantity: u64,
}

/// One line of a new order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineInput {
    /// The line's id, unique within the order.
    pub line_id: LineId,
    /// The product ordered; ordering a kit orders whole kits.
    pub sku: Sku,
    /// Units ordered (at least 1).
    pub quantity: u64,
    /// Price of one unit, not negative; every line and the shipping price share one currency.
    pub unit_price: Money,
}

/// Places a customer order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrder {
    /// The engine's id for the order; placing it again with the same payload records nothing.
    pub order_id: OrderId,
    /// The sales channel the order came from, e.g. `web`.
    pub channel: Channel,
    /// The order's id in its channel (optional); a redelivery under a new `order_id` is recognized by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_order_id: Option<ChannelOrderId>,
    /// The customer's id, as the host knows it.
    pub customer_id: CustomerId,
    /// Where to ship; its coordinates, if given, let allocation prefer the nearest location.
    pub ship_to: Address,
    /// The order lines (1 to 1,000).
    pub lines: Vec<OrderLineInput>,
    /// `rush` or `standard` (default `standard`).
    #[serde(default)]
    pub priority: Priority,
    /// The customer's tier: `vip` orders are allocated before `standard`
    /// ones of the same priority (optional, default `standard`).
    #[serde(default, skip_serializing_if = "CustomerTier::is_standard")]
    pub customer_tier: CustomerTier,
    /// Shipping charged to the customer, in the order's currency (optional, default zero).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_price: Option<Money>,
    /// An order-level discount, in the order's currency (optional): taken
    /// off the total, and shared across the lines by value when a return
    /// is refunded. No more than the lines' total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Money>,
    /// The carrier cutoff the order must make (optional): waves release
    /// the earliest cutoffs first (see `release_wave`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_by: Option<chrono::DateTime<chrono::Utc>>,
    /// The delivery date promised to the customer (optional): when `ship`
    /// chooses the service, the cheapest arriving by it wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliver_by: Option<NaiveDate>,
}

/// Records a payment event from a payment provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordPayment {
    /// The order the payment is for.
    pub order_id: OrderId,
    /// What happened: `authorized`, `captured`, `failed` or `refunded`.
    pub kind: PaymentKind,
    /// Positive amount in the order's currency; refunds in total never exceed what was
    /// captured, and a refund without `rma_id` leaves room for what resolved RMAs owe.
    pub amount: Money,
    /// The payment provider's reference (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// For a refund: the resolved RMA it pays out (optional); no more than
    /// the RMA still owes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rma_id: Option<RmaId>,
}

/// Puts a named hold on an order; held orders are never allocated or shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceHold {
    /// The order to hold.
    pub order_id: OrderId,
    /// The hold's name, e.g. `fraud_check`; the order must not have it already.
    pub hold: Hold,
    /// Why the hold is placed (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Lifts a named hold from an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseHold {
    /// The held order.
    pub order_id: OrderId,
    /// The name of the hold to lift; the order must have it.
    pub hold: Hold,
}

/// Allocates one order, or (without `order_id`) every releasable order in
/// priority order: rush first, then oldest placement, then order id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Allocate {
    /// The order to allocate; omit to allocate every releasable order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<OrderId>,
}

/// Units of one order line in a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipLine {
    /// The order line shipped.
    pub line_id: LineId,
    /// Units shipped (at least 1); no more than are allocated to the line at the shipping location.
    pub quantity: u64,
}

/// Ships allocated units of an order from one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ship {
    /// The order shipped.
    pub order_id: OrderId,
    /// The shipment's id, unique across the engine; repeating an identical `ship` records nothing.
    pub shipment_id: ShipmentId,
    /// The location the units leave from.
    pub location_id: LocationId,
    /// The carrier, e.g. `UPS`. Omitted or empty: the engine chooses the
    /// carrier and service with [`crate::shipping::select_service`] from
    /// the config's `shipping`, for the packed parcels, by the order's
    /// `deliver_by` (the order must be packed, with weights and sizes).
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub carrier: Arc<str>,
    /// The carrier's service level (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Arc<str>>,
    /// The carrier's tracking number (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<Arc<str>>,
    /// Units shipped per order line (1 to 1,000 lines, each listed once);
    /// omitted or empty: the parcels the order is packed in at this location.
    #[serde(default, skip_serializing_if = "<[ShipLine]>::is_empty")]
    pub lines: Arc<[ShipLine]>,
}

/// Confirms that a shipment reached the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmDelivery {
    /// The delivered shipment; confirming it again records nothing.
    pub shipment_id: ShipmentId,
}

/// Packs an order's ready units (allocated at the location, not on an
/// open pick task, not shipped) into parcels: `{order_id, location_id?,
/// parcels?}`. Without `parcels` the engine chooses the cartons from the
/// config's `cartons` ([`crate::packing::cartonize`]; every product packed
/// needs `dims_mm` and `weight_g`); with them, the host's parcels must
/// hold exactly the ready units. The order becomes `packed`, and a `ship`
/// without `lines` ships the parcels. Packing again replaces the parcels;
/// anything that changes the order's reservations unpacks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    /// The order.
    pub order_id: OrderId,
    /// Where it is packed (optional when its ready units are at one location).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<LocationId>,
    /// The parcels as packed by hand (optional; the engine chooses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parcels: Option<Vec<ParcelInput>>,
}

/// A parcel given to `pack`: its carton (none: the unit's own box) and units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParcelInput {
    /// A carton of the config's `cartons` (optional: ships in its own box).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carton_id: Option<crate::ids::CartonId>,
    /// Units per order line.
    pub lines: Vec<ShipLine>,
}

/// Records a carrier's tracking status for a shipment:
/// `{shipment_id, status, at, message?}`. `delivered` delivers the
/// shipment's order lines (as `confirm_delivery` does); `exception` also
/// records `shipment_exception`. Reporting the current status again
/// records nothing; after `delivered` or `returned_to_sender` any other
/// status is an `invalid_transition`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordTrackingEvent {
    /// The shipment.
    pub shipment_id: ShipmentId,
    /// What the carrier reports.
    pub status: crate::order::TrackingStatus,
    /// When the carrier saw it (the command's own time is when it was recorded).
    pub at: chrono::DateTime<chrono::Utc>,
    /// The carrier's text, e.g. the exception's cause (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Cancels every open (unshipped) unit of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelOrder {
    /// The order to cancel.
    pub order_id: OrderId,
    /// Why the order is cancelled.
    pub reason: String,
}

/// Cancels `quantity` open units of one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelLine {
    /// The order the line belongs to.
    pub order_id: OrderId,
    /// The line to cancel units of.
    pub line_id: LineId,
    /// Open units to cancel (at least 1); unallocated units go first, then reservations, latest first.
    pub quantity: u64,
    /// Why the units are cancelled.
    pub reason: String,
}

/// Moves an order's reservations to the source the sourcing policy
/// prefers now (e.g. after stock arrived nearer, or a split can become one
/// shipment). Plans the order's open units as if its own reservations
/// were free; changes nothing when that plan is what it holds already or
/// would reserve fewer units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reallocate {
    /// The order to re-source.
    pub order_id: OrderId,
}

/// Defines a sales channel (an upsert): `{channel, location_ids?, buffer?}`.
/// Orders may name channels never defined: those sell from every
/// fulfilling location with no buffer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct DefineChannel(pub ChannelDef);

/// Replaces the sourcing policy: `{rules, max_shipments?, allow_partial?, fair_share?}`.
/// See [`SourcingPolicy`]; it applies to every allocation from now on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct SetSourcingPolicy(pub SourcingPolicy);

/// Holds stock for a checkout: `{hold_id, sku, quantity, channel, expires_at}`.
/// The channel's sellable stock must cover it; see [`crate::holds`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct HoldStock(pub StockHold);

/// Turns a cart hold into the claim of the order placed at checkout: the
/// hold ends, the order's own demand takes its place, and a releasable
/// order is allocated at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertHold {
    /// The hold.
    pub hold_id: StockHoldId,
    /// The order; it must have a line of the held SKU.
    pub order_id: OrderId,
}

/// Ends a cart hold early.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseStockHold {
    /// The hold.
    pub hold_id: StockHoldId,
}

/// Ends every cart hold that has expired by the command's time; the
/// engine has no clock, so hosts call this (see `next_hold_expiry`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpireHolds {}

/// Merges orders into one shipment group: `{order_ids, into_order_id?}`.
///
/// The orders must belong to one customer, ship to the same address (as
/// [`crate::Address::normalized`] compares it), have no unit shipped and
/// not be split. They stay separate orders (each keeps its channel ids,
/// payments and status) but are sourced as one: ship-complete, fewest
/// shipments and `max_shipments` apply to their lines together, so they
/// leave from one location when stock allows. Their reservations are
/// re-planned together at once. An order already in a merge group brings
/// its whole group along. Undo with [`UnmergeOrders`] until a unit ships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeOrders {
    /// The orders to merge (at least two, counting the groups they bring).
    pub order_ids: Vec<OrderId>,
    /// The order that names the group, one of `order_ids` (default: the
    /// earliest placed, then the smallest id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub into_order_id: Option<OrderId>,
}

/// Dissolves the merge group `order_id` belongs to: its orders are sourced
/// one by one again. Reservations stay where they are. Refused once a
/// unit of the group shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnmergeOrders {
    /// Any order of the group.
    pub order_id: OrderId,
}

/// Splits an order's lines into shipment groups: `{order_id, groups}`,
/// each group a list of line ids, every line in exactly one group.
///
/// Each group is sourced on its own (ship-complete and `max_shipments`
/// apply per group), so a ship-complete policy can ship an in-stock group
/// while another waits. The order's reservations are re-planned per group
/// at once. One group holding every line undoes a split. Refused once a
/// unit shipped, and for a merged order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitOrder {
    /// The order to split.
    pub order_id: OrderId,
    /// The shipment groups: line ids, every line of the order exactly once.
    pub groups: Vec<Vec<LineId>>,
}

/// The variants with their `type` tags: conversions from each command
/// struct, [`Command::name`], [`Command::NAMES`] and [`Command::deserialize_named`].
/// `define_supplier`: the [`Supplier`] itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct DefineSupplier(pub Supplier);

/// `set_supplier_item`: the [`SupplierItem`] itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct SetSupplierItem(pub SupplierItem);

/// A PO line as a command gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PoLineInput {
    /// The line's id, unique within the PO.
    pub line_id: LineId,
    /// Our SKU (a defined product, not a kit).
    pub sku: Sku,
    /// Units to order, at least 1.
    pub quantity: u64,
    /// Cost per unit in the supplier's currency (optional: the supplier
    /// item's cost for this quantity, price breaks included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_cost: Option<Money>,
    /// When the units should arrive (optional: the command's date plus
    /// the item's or the supplier's lead time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_date: Option<NaiveDate>,
}

/// `create_po`: a draft purchase order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePo {
    /// The PO's id, unique across the engine.
    pub po_id: PoId,
    /// The supplier (defined with `define_supplier`).
    pub supplier_id: SupplierId,
    /// Where the goods are to arrive.
    pub location_id: LocationId,
    /// At least one line.
    pub lines: Vec<PoLineInput>,
    /// Who is billed (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<Billing>,
    /// Free text (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// `amend_po`: what to change; omitted fields stay as they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendPo {
    /// The PO.
    pub po_id: PoId,
    /// The PO's new lines, replacing all of the old ones (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<PoLineInput>>,
    /// A new ship-to location (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<LocationId>,
    /// New billing details (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<Billing>,
    /// New notes (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// `submit_po`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitPo {
    /// The PO, in `draft`.
    pub po_id: PoId,
}

/// `approve_po`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovePo {
    /// The PO, in `submitted`.
    pub po_id: PoId,
    /// Who approved it (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
}

/// `reject_po`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectPo {
    /// The PO, in `submitted`.
    pub po_id: PoId,
    /// Why.
    pub reason: String,
}

/// `send_po`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendPo {
    /// The PO, in `approved`.
    pub po_id: PoId,
}

/// `receive_po`: a goods receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceivePo {
    /// The PO, in `sent` or `partially_received`.
    pub po_id: PoId,
    /// The receipt's id, unique within the PO.
    pub receipt_id: ReceiptId,
    /// Where the goods arrived (usually the PO's location).
    pub location_id: LocationId,
    /// What arrived, per PO line; each line at most once.
    pub lines: Vec<ReceiptLine>,
}

/// `close_po`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosePo {
    /// The PO, in `partially_received` or `received`.
    pub po_id: PoId,
    /// Why (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `cancel_po`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelPo {
    /// The PO: nothing of it received yet.
    pub po_id: PoId,
    /// Why.
    pub reason: String,
}

/// `confirm_dropship`: the supplier of a dropship PO shipped units to the
/// customer. Records a shipment of the PO's order (no location, no stock
/// moves) and counts the units received on the PO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmDropship {
    /// The dropship PO, in `sent` or `partially_received`.
    pub po_id: PoId,
    /// The carrier's tracking number.
    pub tracking_number: Arc<str>,
    /// The carrier, e.g. `UPS`.
    pub carrier: Arc<str>,
    /// Units shipped per PO line (a dropship PO's line ids are its order's
    /// line ids); each line once, at most its open units.
    pub lines: Arc<[ShipLine]>,
    /// The shipment's id, unique across the engine (optional: `{po_id}-{n}`
    /// for the PO's n-th confirmation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment_id: Option<ShipmentId>,
    /// The carrier's service level (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Arc<str>>,
}

/// `set_layout`: the floor plan of a location (a warehouse or store),
/// which pick routes walk. Replacing it keeps the bins, which must all
/// stay on the new floor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetLayout {
    /// The location.
    pub location_id: LocationId,
    /// Its floor: aisles, blocks, cross aisles and the depot.
    pub layout: Layout,
}

/// `define_bin`: a storage bin on a location's floor, mapped to
/// (block, aisle, bay, side, level) so pick distances are exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefineBin {
    /// The location; it must have a layout (`set_layout`).
    pub location_id: LocationId,
    /// The bin's name, unique within the location.
    pub bin_id: BinId,
    /// The block (0 the front one).
    pub block: u32,
    /// The aisle (0-based, left to right).
    pub aisle: u32,
    /// The bay, counted from the block's front cross aisle.
    pub bay: u32,
    /// The side of the aisle (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<Side>,
    /// The shelf level (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u32>,
    /// The pick zone (optional; zone picking defaults to `block-{n}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// The SKU picked from this bin (optional; a product, not a kit). A
    /// SKU has one pick bin per location: this takes it off its old bin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<Sku>,
}

/// `release_wave`: sends allocated orders at a location to the floor as
/// pick tasks, one per picker or cart, each an ordered list of stops along
/// the exact shortest route.
///
/// The orders are `order_ids`, or, without them, the releasable orders
/// with reserved units at the location not yet on a task, chosen by
/// `selection` (the first wave [`crate::picking::plan_waves`] plans).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseWave {
    /// The wave's id, unique across the engine; tasks are `{wave_id}-{n}`.
    pub wave_id: WaveId,
    /// The location picked in; it needs a layout and a bin for every SKU picked.
    pub location_id: LocationId,
    /// `single_order` (default), `batch`, `cluster` or `zone`.
    #[serde(default)]
    pub method: PickMethod,
    /// The orders (optional; each must have reserved units at the
    /// location not yet on a task).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_ids: Option<Vec<OrderId>>,
    /// How to choose orders when `order_ids` is absent (optional: every
    /// candidate, in cutoff and priority order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<WaveRules>,
    /// What a cart holds, for `batch`, `cluster` and `zone` (optional: no
    /// limit; `cluster` counts a tote per order in `max_orders`). Volume is
    /// in cm³ and weight in grams, from the products' `dims_mm` and `weight_g`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cart: Option<Cart>,
    /// The batching method and effort (optional: iterated local search).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batching: Option<BatchOptions>,
    /// Walk every task by this classic heuristic (`s_shape`, `return`,
    /// `midpoint`, `largest_gap`, `combined`), the walk the pickers know,
    /// instead of the shortest route (optional: the shortest). Batches are
    /// still formed on shortest route lengths; each task's stops, distance
    /// and path are then the heuristic's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heuristic: Option<Heuristic>,
}

/// `confirm_pick`: units taken at a stop. With `scanned_code`, the code
/// must be the product's GTIN or SKU: a wrong item records
/// `pick_scan_rejected` (counted for picking accuracy) and picks nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmPick {
    /// The open task.
    pub task_id: TaskId,
    /// The stop's index in the task's `stops` (0-based).
    pub stop: u32,
    /// Units taken, at least 1 and at most the stop's remaining units.
    pub quantity: u64,
    /// The barcode the picker scanned (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanned_code: Option<String>,
}

/// `short_pick`: the picker found only `quantity_found` of the stop's
/// remaining units. Those are picked; the rest are taken off stock at the
/// location (the bin was wrong), their reservations released, and the
/// order line sourced again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShortPick {
    /// The open task.
    pub task_id: TaskId,
    /// The stop's index in the task's `stops` (0-based).
    pub stop: u32,
    /// Units found, fewer than the stop's remaining units.
    pub quantity_found: u64,
}

/// `complete_task`: closes an open task whose stops are all picked or
/// reported short; its units count as picked on their order lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteTask {
    /// The task.
    pub task_id: TaskId,
}

/// `request_return {rma_id, order_id, lines [{line_id, quantity, reason}],
/// resolution}`: opens an RMA for shipped units. Only delivered units (or
/// shipped ones, when `Config.returns.allow_shipped`) within the return
/// window may be returned, never more than shipped less already returned
/// or requested, and never a non-returnable product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestReturn {
    /// The RMA's id, unique across the engine; repeating an identical request records nothing.
    pub rma_id: RmaId,
    /// The order the units came from.
    pub order_id: OrderId,
    /// Units to return per order line (1 to 1,000 lines, each listed once).
    pub lines: Vec<ReturnLineInput>,
    /// `refund`, `exchange` or `store_credit`.
    pub resolution: Resolution,
    /// For an exchange: the units wanted instead (optional: the same SKUs
    /// and quantities as received back).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exchange_lines: Vec<ExchangeLineInput>,
    /// For an exchange: the replacement order's id (optional:
    /// `{Config.returns.exchange_order_prefix}{rma_id}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_order_id: Option<OrderId>,
    /// A note (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `authorize_return {rma_id}`: the shop agrees to a requested return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorizeReturn {
    /// The RMA.
    pub rma_id: RmaId,
}

/// `reject_return {rma_id, reason}`: the shop refuses a requested return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectReturn {
    /// The RMA.
    pub rma_id: RmaId,
    /// Why.
    pub reason: String,
}

/// `record_return_shipment {rma_id, carrier?, tracking_number?}`: the
/// customer sent an authorized return; it is `in_transit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordReturnShipment {
    /// The RMA.
    pub rma_id: RmaId,
    /// The carrier (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// The tracking number (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
}

/// `receive_return {rma_id, location_id, lines?}`: the returned units
/// arrived. Without `lines`, every requested unit arrived; with them, no
/// line more than requested (units that never came are dropped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveReturn {
    /// The RMA.
    pub rma_id: RmaId,
    /// Where they arrived.
    pub location_id: LocationId,
    /// Units that arrived per line (optional).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<ReturnQuantity>,
}

/// `inspect_return {rma_id, lines [{line_id, quantity, disposition,
/// location_id?}]}`: the disposition of every received unit (the
/// quantities of each line add up to what was received). Restocked and
/// refurbished units move into a location's stock (`stock_restocked`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectReturn {
    /// The RMA.
    pub rma_id: RmaId,
    /// Dispositions (a line may be split over several).
    pub lines: Vec<InspectionLine>,
}

/// `resolve_return {rma_id}`: works out what the inspected return gives
/// back ([`crate::returns::refund`]) and, for an exchange, places the
/// replacement order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveReturn {
    /// The RMA.
    pub rma_id: RmaId,
}

/// `close_return {rma_id}`: nothing is left to do on a resolved RMA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseReturn {
    /// The RMA.
    pub rma_id: RmaId,
}

/// `cancel_return {rma_id, reason?}`: withdraws an RMA before its units arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelReturn {
    /// The RMA.
    pub rma_id: RmaId,
    /// Why (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `set_replenishment`: a SKU's replenishment settings at one location,
/// in place of `Config.replenishment`; without `settings`, back to those.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetReplenishment {
    /// The SKU (a product, not a kit).
    pub sku: Sku,
    /// The location.
    pub location_id: LocationId,
    /// The settings (optional: none clears them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<ReorderSettings>,
}

/// `create_replenishment_pos`: draft POs from `replenishment_suggestions`
/// at the command's time, one per supplier and location (split every
/// 1,000 lines), named `{po_id_prefix}{supplier_id}-{location_id}-{n}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReplenishmentPos {
    /// The start of the new POs' ids, e.g. `RP-2026-11-23-`.
    pub po_id_prefix: String,
    /// Only suggestions for this location (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<LocationId>,
    /// Only suggestions from this supplier (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier_id: Option<SupplierId>,
}

macro_rules! commands {
    ($($t:ident = $name:literal),* $(,)?) => {
        $(
            impl From<$t> for Command {
                fn from(c: $t) -> Command {
                    Command::$t(c)
                }
            }
        )*

        impl Command {
            /// Every command's `type` tag, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($name),*];

            /// The command's `type` tag.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Command::$t(_) => $name,)*
                }
            }

            /// Deserializes the command whose `type` tag is `name` from a
            /// deserializer of its other fields; `Ok(None)` for an unknown
            /// name. Bindings that can read the tag first use this to skip
            /// serde's buffering of internally tagged enums; the result is
            /// the same as deserializing the whole object.
            ///
            /// ```
            /// use oms_core::Command;
            /// let fields = serde_json::json!({"order_id": "SO-1"});
            /// let c = Command::deserialize_named("allocate", fields).unwrap().unwrap();
            /// assert_eq!(c, Command::from_json(r#"{"type":"allocate","order_id":"SO-1"}"#).unwrap());
            /// ```
            pub fn deserialize_named<'de, D: serde::Deserializer<'de>>(
                name: &str,
                fields: D,
            ) -> std::result::Result<Option<Command>, D::Error> {
                Ok(Some(match name {
                    $($name => Command::$t($t::deserialize(fields)?),)*
                    _ => return Ok(None),
                }))
            }
        }
    };
}

commands!(
    DefineLocation = "define_location",
    DefineProduct = "define_product",
    ReceiveStock = "receive_stock",
    AdjustStock = "adjust_stock",
    CountStock = "count_stock",
    SetSafetyStock = "set_safety_stock",
    PlaceOrder = "place_order",
    RecordPayment = "record_payment",
    PlaceHold = "place_hold",
    ReleaseHold = "release_hold",
    Allocate = "allocate",
    Ship = "ship",
    ConfirmDelivery = "confirm_delivery",
    RecordTrackingEvent = "record_tracking_event",
    Pack = "pack",
    CancelOrder = "cancel_order",
    CancelLine = "cancel_line",
    Reallocate = "reallocate",
    DefineChannel = "define_channel",
    SetSourcingPolicy = "set_sourcing_policy",
    HoldStock = "hold_stock",
    ConvertHold = "convert_hold",
    ReleaseStockHold = "release_stock_hold",
    ExpireHolds = "expire_holds",
    MergeOrders = "merge_orders",
    UnmergeOrders = "unmerge_orders",
    SplitOrder = "split_order",
    DefineSupplier = "define_supplier",
    SetSupplierItem = "set_supplier_item",
    CreatePo = "create_po",
    AmendPo = "amend_po",
    SubmitPo = "submit_po",
    ApprovePo = "approve_po",
    RejectPo = "reject_po",
    SendPo = "send_po",
    ReceivePo = "receive_po",
    ClosePo = "close_po",
    CancelPo = "cancel_po",
    ConfirmDropship = "confirm_dropship",
    SetReplenishment = "set_replenishment",
    CreateReplenishmentPos = "create_replenishment_pos",
    SetLayout = "set_layout",
    DefineBin = "define_bin",
    ReleaseWave = "release_wave",
    ConfirmPick = "confirm_pick",
    ShortPick = "short_pick",
    CompleteTask = "complete_task",
    RequestReturn = "request_return",
    AuthorizeReturn = "authorize_return",
    RejectReturn = "reject_return",
    RecordReturnShipment = "record_return_shipment",
    ReceiveReturn = "receive_return",
    InspectReturn = "inspect_return",
    ResolveReturn = "resolve_return",
    CloseReturn = "close_return",
    CancelReturn = "cancel_return",
);

#[cfg(test)]
mod tests {
    use super::*;

    /// One valid JSON object per command type.
    const SAMPLES: &[&str] = &[
        r#"{"type":"define_location","location_id":"WH1","name":"Main","kind":"store","lat":1.5,"lon":2.0}"#,
        r#"{"type":"define_product","sku":"KIT","name":"Kit","price":{"amount":"9.99","currency":"EUR"},"components":[{"sku":"A","quantity":2}],"dims_mm":{"length":1,"width":2,"height":3}}"#,
        r#"{"type":"receive_stock","sku":"A","location_id":"WH1","quantity":5,"reference":"PO-1"}"#,
        r#"{"type":"adjust_stock","sku":"A","location_id":"WH1","delta":-2,"reason":"damaged"}"#,
        r#"{"type":"count_stock","sku":"A","location_id":"WH1","counted":3}"#,
        r#"{"type":"set_safety_stock","sku":"A","location_id":"WH1","quantity":1}"#,
        r#"{"type":"place_order","order_id":"SO-1","channel":"web","channel_order_id":"W-1","customer_id":"C1","priority":"rush",
            "ship_to":{"name":"Ada","line1":"1 Main St","city":"X","postal_code":"1","country":"US","lat":1.0,"lon":2.0},
            "lines":[{"line_id":"1","sku":"A","quantity":2,"unit_price":{"amount":"1.50","currency":"USD"}}],
            "shipping_price":{"amount":"4.95","currency":"USD"}}"#,
        r#"{"type":"record_payment","order_id":"SO-1","kind":"authorized","amount":{"amount":"7.95","currency":"USD"},"reference":"ch_1"}"#,
        r#"{"type":"place_hold","order_id":"SO-1","hold":"fraud_review","note":"check"}"#,
        r#"{"type":"release_hold","order_id":"SO-1","hold":"fraud_review"}"#,
        r#"{"type":"allocate"}"#,
        r#"{"type":"ship","order_id":"SO-1","shipment_id":"P1","location_id":"WH1","carrier":"UPS","service":"ground","tracking_number":"1Z","lines":[{"line_id":"1","quantity":2}]}"#,
        r#"{"type":"confirm_delivery","shipment_id":"P1"}"#,
        r#"{"type":"record_tracking_event","shipment_id":"P1","status":"exception","at":"2026-01-02T08:00:00Z","message":"address unknown"}"#,
        r#"{"type":"pack","order_id":"SO-1","location_id":"WH1","parcels":[{"carton_id":"M","lines":[{"line_id":"1","quantity":2}]}]}"#,
        r#"{"type":"cancel_order","order_id":"SO-1","reason":"asked"}"#,
        r#"{"type":"cancel_line","order_id":"SO-1","line_id":"1","quantity":1,"reason":"asked"}"#,
        r#"{"type":"reallocate","order_id":"SO-1"}"#,
        r#"{"type":"define_channel","channel":"amazon","location_ids":["WH1"],"buffer":{"units":2,"percent":3.2}}"#,
        r#"{"type":"set_sourcing_policy","rules":["ship_complete",{"lowest_cost":{"zones":[{"zone":"all"}],"rates":[]}}],"max_shipments":2,"allow_partial":false,"fair_share":true}"#,
        r#"{"type":"hold_stock","hold_id":"H1","sku":"A","quantity":2,"channel":"web","expires_at":"2026-01-01T00:15:00Z"}"#,
        r#"{"type":"convert_hold","hold_id":"H1","order_id":"SO-1"}"#,
        r#"{"type":"release_stock_hold","hold_id":"H1"}"#,
        r#"{"type":"expire_holds"}"#,
        r#"{"type":"merge_orders","order_ids":["SO-1","SO-2"],"into_order_id":"SO-2"}"#,
        r#"{"type":"unmerge_orders","order_id":"SO-1"}"#,
        r#"{"type":"split_order","order_id":"SO-1","groups":[["1"],["2","3"]]}"#,
        r#"{"type":"define_supplier","supplier_id":"ACME","name":"Acme","currency":"USD","lead_time_days":7,"min_order_value":{"amount":"100","currency":"USD"},"payment_terms":"net 30","over_receipt_tolerance_percent":2.5,"contact":{"email":"buy@acme.test"}}"#,
        r#"{"type":"set_supplier_item","supplier_id":"ACME","sku":"A","supplier_sku":"AC-1","unit_cost":{"amount":"1.20","currency":"USD"},"case_pack":12,"moq":24,"price_breaks":[{"min_quantity":120,"unit_cost":{"amount":"1.00","currency":"USD"}}],"lead_time_days":5,"dropship":true}"#,
        r#"{"type":"create_po","po_id":"PO-1","supplier_id":"ACME","location_id":"WH1","lines":[{"line_id":"1","sku":"A","quantity":24,"unit_cost":{"amount":"1.20","currency":"USD"},"expected_date":"2026-02-01"}],"billing":{"name":"Shop Inc"},"notes":"rush"}"#,
        r#"{"type":"amend_po","po_id":"PO-1","lines":[{"line_id":"1","sku":"A","quantity":36}],"notes":"more"}"#,
        r#"{"type":"submit_po","po_id":"PO-1"}"#,
        r#"{"type":"approve_po","po_id":"PO-1","approved_by":"ann"}"#,
        r#"{"type":"reject_po","po_id":"PO-1","reason":"too dear"}"#,
        r#"{"type":"send_po","po_id":"PO-1"}"#,
        r#"{"type":"receive_po","po_id":"PO-1","receipt_id":"R1","location_id":"WH1","lines":[{"line_id":"1","quantity":10,"damaged":1}]}"#,
        r#"{"type":"close_po","po_id":"PO-1","reason":"short"}"#,
        r#"{"type":"cancel_po","po_id":"PO-1","reason":"not needed"}"#,
        r#"{"type":"confirm_dropship","po_id":"DS-SO-1-1","tracking_number":"1Z9","carrier":"UPS","lines":[{"line_id":"1","quantity":2}],"shipment_id":"SO-1-D1","service":"ground"}"#,
        r#"{"type":"set_replenishment","sku":"A","location_id":"WH1","settings":{"method":"min_max","min":5,"max":20}}"#,
        r#"{"type":"create_replenishment_pos","po_id_prefix":"RP-","location_id":"WH1","supplier_id":"ACME"}"#,
        r#"{"type":"set_layout","location_id":"WH1","layout":{"aisles":10,"aisle_pitch":300,"blocks":[{"bays":20,"bay_pitch":100,"front_offset":150,"back_offset":150}],"depot":{"aisle":0,"cross_aisle":0}}}"#,
        r#"{"type":"define_bin","location_id":"WH1","bin_id":"A-01-03","block":0,"aisle":1,"bay":3,"side":"left","level":2,"zone":"ambient","sku":"A"}"#,
        r#"{"type":"release_wave","wave_id":"W1","location_id":"WH1","method":"cluster","order_ids":["SO-1"],"cart":{"max_items":40,"max_orders":8},"batching":{"method":"savings"}}"#,
        r#"{"type":"confirm_pick","task_id":"W1-1","stop":0,"quantity":2,"scanned_code":"0012345678905"}"#,
        r#"{"type":"short_pick","task_id":"W1-1","stop":1,"quantity_found":0}"#,
        r#"{"type":"complete_task","task_id":"W1-1"}"#,
        r#"{"type":"request_return","rma_id":"RMA-1","order_id":"SO-1","lines":[{"line_id":"1","quantity":1,"reason":"size_fit","note":"too small"}],"resolution":"exchange","exchange_lines":[{"sku":"A","quantity":1}],"exchange_order_id":"EX-1","note":"web form"}"#,
        r#"{"type":"authorize_return","rma_id":"RMA-1"}"#,
        r#"{"type":"reject_return","rma_id":"RMA-1","reason":"outside the window"}"#,
        r#"{"type":"record_return_shipment","rma_id":"RMA-1","carrier":"UPS","tracking_number":"1ZR"}"#,
        r#"{"type":"receive_return","rma_id":"RMA-1","location_id":"WH1","lines":[{"line_id":"1","quantity":1}]}"#,
        r#"{"type":"inspect_return","rma_id":"RMA-1","lines":[{"line_id":"1","quantity":1,"disposition":"restock","location_id":"WH1"}]}"#,
        r#"{"type":"resolve_return","rma_id":"RMA-1"}"#,
        r#"{"type":"close_return","rma_id":"RMA-1"}"#,
        r#"{"type":"cancel_return","rma_id":"RMA-1","reason":"kept it"}"#,
    ];

    #[test]
    fn deserialize_named_agrees_with_the_tagged_form_for_every_command() {
        assert_eq!(SAMPLES.len(), Command::NAMES.len());
        for (sample, name) in SAMPLES.iter().zip(Command::NAMES) {
            let whole = Command::from_json(sample).unwrap();
            assert_eq!(whole.name(), *name);
            let mut fields: serde_json::Value = serde_json::from_str(sample).unwrap();
            fields.as_object_mut().unwrap().remove("type");
            let named = Command::deserialize_named(name, fields.clone()).unwrap();
            assert_eq!(named.as_ref(), Some(&whole), "{name}");
            // Unknown fields are refused the same way on both paths.
            fields
                .as_object_mut()
                .unwrap()
                .insert("typo".into(), 1.into());
            assert!(Command::deserialize_named(name, fields).is_err(), "{name}");
        }
        assert_eq!(
            Command::deserialize_named("nope", serde_json::json!({})).unwrap(),
            None
        );
    }
}
