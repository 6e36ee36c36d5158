//! Events: the facts the engine records. `execute` returns them; folding them
//! with [`crate::Engine::apply`] rebuilds the same state.
//!
//! JSON form: `{"type": "order_placed", "schema_version": 1, "at": "…", …}`.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::{Location, Product};
use crate::channel::ChannelDef;
use crate::command::{PlaceOrder, ShipLine};
use crate::holds::{HoldEnd, StockHold};
use crate::ids::{
    Channel, Hold, LineId, LocationId, OrderId, PoId, ReceiptId, RmaId, ShipmentId, Sku,
    StockHoldId, TaskId, WaveId,
};
use crate::money::Money;
use crate::order::{LocationQuantity, OrderStatus, PaymentKind};
use crate::picking::{Bin, Layout, PickMethod, PickTask};
use crate::purchasing::replenishment::ReorderSettings;
use crate::purchasing::{
    Billing, CrossDock, PoLine, PoStatus, PurchaseOrder, ReceiptLine, Supplier, SupplierItem,
};
use crate::returns::{
    Disposition, InspectionLine, RefundBreakdown, Resolution, ReturnQuantity, Rma,
};
use crate::sourcing::{Explanation, SourcingPolicy};

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
    /// On the first event of a command sent with an `idempotency_key`: the
    /// key and the command's fingerprint, so that replay remembers the key
    /// (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency: Option<Box<Idempotency>>,
    /// What happened: the `type` tag and the event's fields, flattened into this object.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// An idempotency key and the fingerprint of the command it was used for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Idempotency {
    /// The host's key.
    pub key: String,
    /// A hash of the command's JSON: a repeat must match it.
    pub fingerprint: u64,
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

    /// Parses an event from a JSON value (bindings convert host objects to one).
    pub fn from_value(value: serde_json::Value) -> crate::Result<Event> {
        serde_json::from_value(value)
            .map_err(|e| crate::OmsError::validation("event", e.to_string()))
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

/// Why reservations were released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseReason {
    /// On-hand dropped below what was reserved (damage, a count, a short
    /// pick): the physical count wins, lowest-priority orders give way.
    StockShort,
    /// `reallocate` moved the order's reservations to a better source (or
    /// `merge_orders`/`split_order` re-planned them for the new grouping).
    Reallocate,
    /// A picker could not find the units at their bin (`short_pick`).
    ShortPick,
}

/// Units of one line reserved at one location by an allocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LineAllocation {
    /// The order line.
    pub line_id: LineId,
    /// The location where the units are reserved.
    pub location_id: LocationId,
    /// Units reserved.
    pub quantity: u64,
}

/// Line units of an order line picked on a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PickedLine {
    /// The order.
    pub order_id: OrderId,
    /// The order line.
    pub line_id: LineId,
    /// Line units picked.
    pub quantity: u64,
}

/// A quantity of one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LineQuantity {
    /// The order line.
    pub line_id: LineId,
    /// The number of units.
    pub quantity: u64,
}

/// Units of one line cancelled, and the reservations that released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LineCancellation {
    /// The order line.
    pub line_id: LineId,
    /// Units cancelled.
    pub quantity: u64,
    /// Reservations released, per location (the rest of `quantity` was unallocated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub released: Vec<LocationQuantity>,
}

/// Every kind of event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A location was created or updated.
    LocationDefined {
        /// The location as now defined.
        location: Location,
    },
    /// A product was created or updated.
    ProductDefined {
        /// The product as now defined.
        product: Product,
    },
    /// Units arrived at a location.
    StockReceived {
        /// The product received.
        sku: Sku,
        /// The location the units arrived at.
        location_id: LocationId,
        /// Units received.
        quantity: u64,
        /// The reference given with the receipt (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        /// Of `quantity`, the units that arrived damaged (optional, from
        /// `receive_po`): they go to the `damaged` bucket, not on hand.
        #[serde(default, skip_serializing_if = "crate::util::is_zero")]
        damaged: u64,
    },
    /// On-hand changed by `delta`; a cycle count carries `counted` and reason `cycle_count`.
    StockAdjusted {
        /// The product adjusted.
        sku: Sku,
        /// The location whose stock changed.
        location_id: LocationId,
        /// Change to on-hand: positive adds units, negative removes them.
        delta: i64,
        /// Why, e.g. `damaged`; `cycle_count` for a count.
        reason: String,
        /// For a cycle count, the units counted (on-hand afterwards).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        counted: Option<u64>,
    },
    /// The safety stock of a product at a location was set.
    SafetyStockSet {
        /// The product.
        sku: Sku,
        /// The location.
        location_id: LocationId,
        /// Units now kept back from allocation and sale.
        quantity: u64,
    },
    /// The order exactly as placed.
    OrderPlaced {
        /// The `place_order` command that placed the order, with what the
        /// engine added: the tier `Config.customer_tiers` gave it, and the
        /// gift lines of `milestones` (the last lines).
        order: Arc<PlaceOrder>,
        /// Whether `customer_tier` is the tier rules' and not the command's.
        #[serde(default, skip_serializing_if = "crate::util::is_false")]
        tier_from_rules: bool,
        /// The milestones rewarded with a gift line, in the order of the
        /// lines added for them (`gift-{milestone_id}`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        milestones: Vec<String>,
    },
    /// A payment record was added to an order.
    PaymentRecorded {
        /// The order the payment is for.
        order_id: OrderId,
        /// What happened: `authorized`, `captured`, `failed` or `refunded`.
        kind: PaymentKind,
        /// The amount, in the order's currency.
        amount: Money,
        /// The payment provider's reference (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        /// The RMA a refund pays out (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rma_id: Option<RmaId>,
    },
    /// A hold was put on an order, by `place_hold` or automatically when it was placed.
    HoldPlaced {
        /// The held order.
        order_id: OrderId,
        /// The hold's name.
        hold: Hold,
        /// Why the hold was placed (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// A hold was lifted from an order.
    HoldReleased {
        /// The order.
        order_id: OrderId,
        /// The hold's name.
        hold: Hold,
        /// What lifted it: `manual` (`release_hold`) or `payment`.
        released_by: HoldReleasedBy,
    },
    /// New reservations; `backorders` lists each line's open units that
    /// remain unallocated after this allocation.
    OrderAllocated {
        /// The order allocated.
        order_id: OrderId,
        /// The new reservations, per line and location (added to any earlier ones).
        allocations: Vec<LineAllocation>,
        /// Per line, the open units still unallocated (omitted when none).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        backorders: Vec<LineQuantity>,
        /// Why these locations: the candidates, their scores and the rule
        /// that decided each choice (absent in logs from before sourcing policies).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        explanation: Option<Box<Explanation>>,
    },
    /// Units of an order left a location in a shipment.
    OrderShipped {
        /// The order shipped.
        order_id: OrderId,
        /// The shipment's id.
        shipment_id: ShipmentId,
        /// The location the units left from; their reservations there are used up.
        location_id: LocationId,
        /// The carrier.
        carrier: Arc<str>,
        /// The carrier's service level (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        service: Option<Arc<str>>,
        /// The carrier's tracking number (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tracking_number: Option<Arc<str>>,
        /// Units shipped per order line.
        lines: Arc<[ShipLine]>,
        /// The parcels, when the order was packed (`pack`) and shipped as packed.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        parcels: Vec<crate::order::PackedParcel>,
        /// How the engine chose the service, when the `ship` named no carrier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        choice: Option<crate::order::ChosenService>,
    },
    /// A shipment reached the customer; its units count as delivered.
    ShipmentDelivered {
        /// The delivered shipment.
        shipment_id: ShipmentId,
        /// The order the shipment belongs to.
        order_id: OrderId,
    },
    /// An order's ready units at a location were packed into parcels.
    OrderPacked {
        /// The order.
        order_id: OrderId,
        /// Where.
        location_id: LocationId,
        /// The parcels.
        parcels: Vec<crate::order::PackedParcel>,
        /// The service chosen for them when `shipping` is configured and
        /// one can take them (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        choice: Option<crate::order::ChosenService>,
        /// That service's carrier (optional, with `choice`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        carrier: Option<String>,
    },
    /// A shipment's tracking status changed (`record_tracking_event`), with
    /// what a sales channel needs to update the customer's order.
    ShipmentStatusChanged {
        /// The shipment.
        shipment_id: ShipmentId,
        /// Its order.
        order_id: OrderId,
        /// The order's sales channel.
        channel: Channel,
        /// The order's id in that channel (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel_order_id: Option<crate::ids::ChannelOrderId>,
        /// The carrier.
        carrier: Arc<str>,
        /// The carrier's tracking number (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tracking_number: Option<Arc<str>>,
        /// The status before (none for the first report).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<crate::order::TrackingStatus>,
        /// The status now.
        to: crate::order::TrackingStatus,
        /// When the carrier saw it.
        reported_at: DateTime<Utc>,
        /// The carrier's text (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// A shipment ran into trouble: the host may turn this into a message
    /// to the customer.
    ShipmentException {
        /// The shipment.
        shipment_id: ShipmentId,
        /// Its order.
        order_id: OrderId,
        /// Whom to tell.
        customer_id: crate::ids::CustomerId,
        /// The carrier's text (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// Every open unit of an order was cancelled.
    OrderCancelled {
        /// The order cancelled.
        order_id: OrderId,
        /// Why the order was cancelled.
        reason: String,
        /// Per line with open units: the units cancelled and the reservations released.
        lines: Vec<LineCancellation>,
    },
    /// Units of one order line were cancelled.
    LineCancelled {
        /// The order the line belongs to.
        order_id: OrderId,
        /// Why the units were cancelled.
        reason: String,
        /// The line, the units cancelled and the reservations released (flattened into the event).
        #[serde(flatten)]
        cancellation: LineCancellation,
    },
    /// Reservations of an order were given back: to make room for a stock
    /// drop (`stock_short`) or to move them (`reallocate`). The units count
    /// as backordered until allocated again.
    AllocationReleased {
        /// The order whose reservations were released.
        order_id: OrderId,
        /// Units released per line and location.
        releases: Vec<LineAllocation>,
        /// Why they were released.
        reason: ReleaseReason,
    },
    /// Stock was held for a checkout.
    StockHeld {
        /// The hold.
        hold: StockHold,
    },
    /// A cart hold became the claim of an order.
    StockHoldConverted {
        /// The hold, now ended.
        hold_id: StockHoldId,
        /// The order placed at checkout.
        order_id: OrderId,
    },
    /// A cart hold ended without an order.
    StockHoldReleased {
        /// The hold, now ended.
        hold_id: StockHoldId,
        /// `released` or `expired`.
        reason: HoldEnd,
    },
    /// A sales channel was defined or redefined.
    ChannelDefined {
        /// The channel as now defined.
        channel: ChannelDef,
    },
    /// The sourcing policy was replaced.
    SourcingPolicySet {
        /// The policy now in force.
        policy: SourcingPolicy,
    },
    /// Orders were merged into one shipment group (`merge_orders`) and are
    /// sourced together from now on.
    OrdersMerged {
        /// The order that names the group.
        into_order_id: OrderId,
        /// Every order of the group, `into_order_id` first.
        order_ids: Vec<OrderId>,
    },
    /// A merge group was dissolved (`unmerge_orders`).
    OrdersUnmerged {
        /// The order that named the group.
        into_order_id: OrderId,
        /// The orders that were in it, now sourced one by one.
        order_ids: Vec<OrderId>,
    },
    /// An order's lines were split into shipment groups, each sourced on
    /// its own (`split_order`); a single group means the order is whole again.
    OrderSplit {
        /// The order.
        order_id: OrderId,
        /// The line ids of each group, in the order given.
        groups: Vec<Vec<LineId>>,
    },
    /// Informational: what a defined channel may sell of a SKU changed
    /// (see `channel_available`); emitted at the end of the command.
    AvailabilityChanged {
        /// The channel.
        channel: Channel,
        /// The SKU.
        sku: Sku,
        /// What the channel may sell now.
        available: u64,
    },
    /// Informational: the derived status changed (`from` is absent for a new order).
    OrderStatusChanged {
        /// The order.
        order_id: OrderId,
        /// The previous status (absent for a new order).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<OrderStatus>,
        /// The new status.
        to: OrderStatus,
    },
    /// A supplier was defined or updated.
    SupplierDefined {
        /// The supplier as it now is.
        supplier: Supplier,
    },
    /// What a supplier sells of a SKU was set.
    SupplierItemSet {
        /// The item as it now is.
        item: SupplierItem,
    },
    /// A draft PO was created: the whole PO, costs and dates resolved.
    PoCreated {
        /// The PO, in `draft`.
        po: PurchaseOrder,
    },
    /// A PO was changed; an approved or sent one is `submitted` again.
    PoAmended {
        /// The PO.
        po_id: PoId,
        /// Its lines now, costs and dates resolved.
        lines: Vec<PoLine>,
        /// Its ship-to location now.
        location_id: LocationId,
        /// Its billing details now.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        billing: Option<Billing>,
        /// Its notes now.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notes: Option<String>,
        /// Its status after the change: an approved or sent PO is
        /// `submitted` again, others keep theirs.
        status: PoStatus,
    },
    /// A draft PO was submitted for approval.
    PoSubmitted {
        /// The PO.
        po_id: PoId,
        /// Its total.
        total: Money,
        /// Whether someone must approve it: the total is above
        /// `po_approval_threshold`, or the threshold is in another currency.
        needs_approval: bool,
    },
    /// A submitted PO was approved.
    PoApproved {
        /// The PO.
        po_id: PoId,
        /// Who approved it; none when approved at once within the threshold.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approved_by: Option<String>,
    },
    /// A submitted PO was rejected.
    PoRejected {
        /// The PO.
        po_id: PoId,
        /// Why.
        reason: String,
    },
    /// An approved PO was sent to the supplier.
    PoSent {
        /// The PO.
        po_id: PoId,
    },
    /// Goods arrived against a PO. The stock itself moves with the
    /// `stock_received` events recorded right after it.
    PoReceived {
        /// The PO.
        po_id: PoId,
        /// The receipt.
        receipt_id: ReceiptId,
        /// Where the goods arrived.
        location_id: LocationId,
        /// What arrived per line.
        lines: Vec<ReceiptLine>,
        /// The PO's status after the receipt.
        status: PoStatus,
    },
    /// A PO was closed; what was still open is cancelled.
    PoClosed {
        /// The PO.
        po_id: PoId,
        /// Units cancelled per line (lines with none left out).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        cancelled: Vec<LineQuantity>,
        /// Why (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A PO was cancelled before anything arrived.
    PoCancelled {
        /// The PO.
        po_id: PoId,
        /// Why.
        reason: String,
    },
    /// Units a receipt brought went straight to waiting orders, which were
    /// allocated them at the receiving location (informational: the
    /// allocations are the `order_allocated` events before it).
    CrossDocked {
        /// The PO.
        po_id: PoId,
        /// The receipt.
        receipt_id: ReceiptId,
        /// Where the goods arrived.
        location_id: LocationId,
        /// Units per order line, in allocation order.
        allocations: Vec<CrossDock>,
    },
    /// A dropship supplier shipped units of a dropship PO to the customer
    /// (`confirm_dropship`): the order lines count them shipped, the PO
    /// lines received; no stock moves.
    DropshipConfirmed {
        /// The dropship PO.
        po_id: PoId,
        /// The order it serves.
        order_id: OrderId,
        /// The shipment recorded for the order.
        shipment_id: ShipmentId,
        /// The carrier.
        carrier: Arc<str>,
        /// The carrier's service level (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        service: Option<Arc<str>>,
        /// The carrier's tracking number.
        tracking_number: Arc<str>,
        /// Units shipped per order line (= PO line).
        lines: Arc<[ShipLine]>,
        /// The PO's status after it.
        status: PoStatus,
    },
    /// A SKU's replenishment settings at a location were set or cleared.
    ReplenishmentSet {
        /// The SKU.
        sku: Sku,
        /// The location.
        location_id: LocationId,
        /// The settings; none: back to `Config.replenishment`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        settings: Option<ReorderSettings>,
    },
    /// A location's floor plan was set.
    LayoutSet {
        /// The location.
        location_id: LocationId,
        /// The floor.
        layout: Layout,
    },
    /// A bin was defined or redefined.
    BinDefined {
        /// The bin.
        bin: Bin,
    },
    /// Orders went to the floor as pick tasks.
    WaveReleased {
        /// The wave.
        wave_id: WaveId,
        /// The location.
        location_id: LocationId,
        /// How the orders were split into tasks.
        method: PickMethod,
        /// The orders, in release order.
        order_ids: Vec<OrderId>,
        /// The tasks, each with its stops in walking order.
        tasks: Vec<PickTask>,
    },
    /// Units were taken at a stop.
    PickConfirmed {
        /// The task.
        task_id: TaskId,
        /// The stop's index.
        stop: u32,
        /// The order the units are for.
        order_id: OrderId,
        /// The order line.
        line_id: LineId,
        /// The SKU.
        sku: Sku,
        /// Units taken.
        quantity: u64,
        /// The code scanned, if any (it matched).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scanned_code: Option<String>,
    },
    /// A scan at a stop was of the wrong item: nothing was picked.
    PickScanRejected {
        /// The task.
        task_id: TaskId,
        /// The stop's index.
        stop: u32,
        /// The SKU the stop asks for.
        sku: Sku,
        /// What was scanned.
        scanned_code: String,
    },
    /// A picker found fewer units than a stop asks for. `found` units are
    /// picked; `missing` are taken off stock (a `stock_adjusted` with
    /// reason `short_pick` follows), and `released` line units lose their
    /// reservation (an `allocation_released` with reason `short_pick`).
    PickShorted {
        /// The task.
        task_id: TaskId,
        /// The stop's index.
        stop: u32,
        /// The order the units were for.
        order_id: OrderId,
        /// The order line.
        line_id: LineId,
        /// The SKU.
        sku: Sku,
        /// The location.
        location_id: LocationId,
        /// Units found (and picked).
        found: u64,
        /// Units not found.
        missing: u64,
        /// Line units that leave the task (a kit unit missing a component counts whole).
        released: u64,
    },
    /// A task was closed; its units count as picked.
    TaskCompleted {
        /// The task.
        task_id: TaskId,
        /// The wave it belongs to.
        wave_id: WaveId,
        /// Line units picked per order line.
        picked: Vec<PickedLine>,
    },
    /// A return was requested: the RMA as opened (status `requested`).
    ReturnRequested {
        /// The new RMA.
        rma: Box<Rma>,
    },
    /// A requested return was authorized.
    ReturnAuthorized {
        /// The RMA.
        rma_id: RmaId,
        /// Its order.
        order_id: OrderId,
    },
    /// A requested return was rejected.
    ReturnRejected {
        /// The RMA.
        rma_id: RmaId,
        /// Its order.
        order_id: OrderId,
        /// Why.
        reason: String,
    },
    /// The customer sent the units: the RMA is in transit.
    ReturnShipped {
        /// The RMA.
        rma_id: RmaId,
        /// Its order.
        order_id: OrderId,
        /// The carrier (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        carrier: Option<String>,
        /// The tracking number (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tracking_number: Option<String>,
    },
    /// Returned units arrived; they count as `returned` on the order lines.
    ReturnReceived {
        /// The RMA.
        rma_id: RmaId,
        /// Its order.
        order_id: OrderId,
        /// Where.
        location_id: LocationId,
        /// Units that arrived per line (every line of the RMA, zeros included).
        lines: Vec<ReturnQuantity>,
    },
    /// Every received unit has a disposition.
    ReturnInspected {
        /// The RMA.
        rma_id: RmaId,
        /// Its order.
        order_id: OrderId,
        /// The dispositions, each with its location for restocked and
        /// refurbished units.
        lines: Vec<InspectionLine>,
    },
    /// Returned units went back into a location's stock: sellable
    /// (`restock`) or into the non-sellable `refurbishing` bucket.
    StockRestocked {
        /// The RMA they came back on.
        rma_id: RmaId,
        /// The product (a kit's components for a kit line).
        sku: Sku,
        /// The location.
        location_id: LocationId,
        /// Units.
        quantity: u64,
        /// `restock` or `refurbish`.
        disposition: Disposition,
    },
    /// What the return gives back was worked out.
    ReturnResolved {
        /// The RMA.
        rma_id: RmaId,
        /// Its order.
        order_id: OrderId,
        /// `refund`, `exchange` or `store_credit`.
        resolution: Resolution,
        /// The value of the returned units, line by line (for an exchange,
        /// the credit towards the replacement, any rest refunded).
        refund: RefundBreakdown,
        /// For an exchange: the replacement order.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exchange_order_id: Option<OrderId>,
        /// For an exchange: the part of the refund taken off the
        /// replacement order (its `discount`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exchange_credit: Option<Money>,
    },
    /// A resolved RMA was closed.
    ReturnClosed {
        /// The RMA.
        rma_id: RmaId,
        /// Its order.
        order_id: OrderId,
    },
    /// An RMA was withdrawn before its units arrived.
    ReturnCancelled {
        /// The RMA.
        rma_id: RmaId,
        /// Its order.
        order_id: OrderId,
        /// Why (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A PO was seen late for the first time: a line with open units was
    /// expected before the day (UTC) of the command that saw it.
    PoLate {
        /// The PO.
        po_id: PoId,
        /// The earliest expected date of its open lines.
        expected_date: NaiveDate,
        /// The lines with open units expected before that day.
        lines: Vec<LineId>,
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
            EventKind::ShipmentStatusChanged { .. } => "shipment_status_changed",
            EventKind::OrderPacked { .. } => "order_packed",
            EventKind::ShipmentException { .. } => "shipment_exception",
            EventKind::OrderCancelled { .. } => "order_cancelled",
            EventKind::LineCancelled { .. } => "line_cancelled",
            EventKind::AllocationReleased { .. } => "allocation_released",
            EventKind::ChannelDefined { .. } => "channel_defined",
            EventKind::StockHeld { .. } => "stock_held",
            EventKind::StockHoldConverted { .. } => "stock_hold_converted",
            EventKind::StockHoldReleased { .. } => "stock_hold_released",
            EventKind::SourcingPolicySet { .. } => "sourcing_policy_set",
            EventKind::OrdersMerged { .. } => "orders_merged",
            EventKind::OrdersUnmerged { .. } => "orders_unmerged",
            EventKind::OrderSplit { .. } => "order_split",
            EventKind::AvailabilityChanged { .. } => "availability_changed",
            EventKind::OrderStatusChanged { .. } => "order_status_changed",
            EventKind::SupplierDefined { .. } => "supplier_defined",
            EventKind::SupplierItemSet { .. } => "supplier_item_set",
            EventKind::PoCreated { .. } => "po_created",
            EventKind::PoAmended { .. } => "po_amended",
            EventKind::PoSubmitted { .. } => "po_submitted",
            EventKind::PoApproved { .. } => "po_approved",
            EventKind::PoRejected { .. } => "po_rejected",
            EventKind::PoSent { .. } => "po_sent",
            EventKind::PoReceived { .. } => "po_received",
            EventKind::PoClosed { .. } => "po_closed",
            EventKind::PoCancelled { .. } => "po_cancelled",
            EventKind::PoLate { .. } => "po_late",
            EventKind::LayoutSet { .. } => "layout_set",
            EventKind::BinDefined { .. } => "bin_defined",
            EventKind::WaveReleased { .. } => "wave_released",
            EventKind::PickConfirmed { .. } => "pick_confirmed",
            EventKind::PickScanRejected { .. } => "pick_scan_rejected",
            EventKind::PickShorted { .. } => "pick_shorted",
            EventKind::TaskCompleted { .. } => "task_completed",
            EventKind::ReplenishmentSet { .. } => "replenishment_set",
            EventKind::CrossDocked { .. } => "cross_docked",
            EventKind::DropshipConfirmed { .. } => "dropship_confirmed",
            EventKind::ReturnRequested { .. } => "return_requested",
            EventKind::ReturnAuthorized { .. } => "return_authorized",
            EventKind::ReturnRejected { .. } => "return_rejected",
            EventKind::ReturnShipped { .. } => "return_shipped",
            EventKind::ReturnReceived { .. } => "return_received",
            EventKind::ReturnInspected { .. } => "return_inspected",
            EventKind::StockRestocked { .. } => "stock_restocked",
            EventKind::ReturnResolved { .. } => "return_resolved",
            EventKind::ReturnClosed { .. } => "return_closed",
            EventKind::ReturnCancelled { .. } => "return_cancelled",
        }
    }

    /// The order the event is about, if any (a merge event is about
    /// several: see its `order_ids`).
    pub fn order_id(&self) -> Option<&OrderId> {
        match self {
            EventKind::OrderPlaced { order, .. } => Some(&order.order_id),
            EventKind::ReturnRequested { rma } => Some(&rma.order_id),
            EventKind::PaymentRecorded { order_id, .. }
            | EventKind::HoldPlaced { order_id, .. }
            | EventKind::HoldReleased { order_id, .. }
            | EventKind::OrderAllocated { order_id, .. }
            | EventKind::AllocationReleased { order_id, .. }
            | EventKind::StockHoldConverted { order_id, .. }
            | EventKind::OrderShipped { order_id, .. }
            | EventKind::ShipmentDelivered { order_id, .. }
            | EventKind::ShipmentStatusChanged { order_id, .. }
            | EventKind::OrderPacked { order_id, .. }
            | EventKind::ShipmentException { order_id, .. }
            | EventKind::OrderCancelled { order_id, .. }
            | EventKind::LineCancelled { order_id, .. }
            | EventKind::OrderSplit { order_id, .. }
            | EventKind::OrderStatusChanged { order_id, .. }
            | EventKind::DropshipConfirmed { order_id, .. }
            | EventKind::PickConfirmed { order_id, .. }
            | EventKind::PickShorted { order_id, .. }
            | EventKind::ReturnAuthorized { order_id, .. }
            | EventKind::ReturnRejected { order_id, .. }
            | EventKind::ReturnShipped { order_id, .. }
            | EventKind::ReturnReceived { order_id, .. }
            | EventKind::ReturnInspected { order_id, .. }
            | EventKind::ReturnResolved { order_id, .. }
            | EventKind::ReturnClosed { order_id, .. }
            | EventKind::ReturnCancelled { order_id, .. } => Some(order_id),
            EventKind::PoCreated { po } => po.dropship.as_ref().map(|d| &d.order_id),
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
