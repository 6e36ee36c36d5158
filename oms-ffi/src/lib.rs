//! Mobile bindings of `oms-core` through [uniffi](https://mozilla.github.io/uniffi-rs/):
//! Kotlin (Android, JVM), Swift (iOS) and Python, generated from this crate.
//!
//! Thin by design: conversion only, every rule lives in the core.
//!
//! * [`Engine`]: the core engine behind a `Mutex`, safe to share between
//!   threads. [`Engine::execute_json`] runs any command in the core's JSON
//!   form; typed methods (`place_order`, `ship`, …) take records and run
//!   the same core command; queries return records.
//! * Money crosses as [`Money`] (a decimal string and a currency code),
//!   times as RFC 3339 strings, events as [`Event`] (type, order id, time,
//!   and the full JSON to store and replay).
//! * Sourcing crosses typed ([`SourcingPolicy`], [`ChannelDef`],
//!   [`StockHold`]); each allocation's explanation stays in the event's
//!   JSON, and [`explanation_summary`] turns it into a sentence.
//! * Pick routes: [`optimal_route`] on a floor [`Layout`].
//! * Container loading: [`load_container`] and [`validate_load`];
//!   cartonization: [`cartonize`] and [`validate_plan`].
//! * Shipping: [`select_service`], [`delivery_promise`], [`check_address`]
//!   and [`shipping_label`]; the shipping config crosses as JSON.
//! * Returns: `request_return` … `close_return` with typed records, the
//!   [`RmaRecord`] query, and the [`CustomerRecord`] view.
//! * KPIs: [`kpis`] over an event log and [`merge_kpis`] for shards.
//! * Errors are [`OmsFfiError`], one variant per stable core code plus
//!   `Internal`; nothing panics across the boundary.
//!
//! See `README.md` beside this crate for generating bindings and the
//! Android and iOS build steps.

// Holds for this crate's own code; the `extern "C"` scaffolding that uniffi's
// macros generate is not linted here (its spans come from the macro crate).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod engine;
mod error;
mod kpi;
mod packing;
mod picking;
mod purchasing;
mod returns;
mod shipping;
mod simulation;
#[cfg(test)]
mod tests;
mod types;

pub use engine::Engine;
pub use error::OmsFfiError;
pub use kpi::{kpis, kpis_by, merge_kpis, KpiGroupRecord, KpiRecord, KpiReportRecord, KpiUnit};
pub use oms_core;
pub use packing::{
    cartonize, load_container, validate_load, validate_plan, Axes, Carton, CartonPlan,
    CartonizeOptions, Container, ItemType, Load, LoadOptions, Orientation, PackItem, PackingRules,
    Parcel, Placed, WeightBreak,
};
pub use picking::{
    batch_orders, heuristic_route, improved_route, optimal_route, Batch, BatchMethod, BatchOptions,
    BatchOrder, BatchPlan, BatchStop, Bin, Block, Cart, Depot, Heuristic, Layout, PickAccuracy,
    PickMethod, PickStop, PickTaskRecord, ReleaseWave, Route, Side, Slot, TaskStatus, WaveRules,
    Waypoint,
};
pub use purchasing::supplier_performance;
pub use purchasing::{
    AmendPo, Billing, CreatePo, PoLineInput, PoLineRecord, PoStatus, PriceBreak,
    PurchaseOrderRecord, ReceiptLine, ReceivePo, ReorderMethod, ReorderSettings,
    ReplenishmentSuggestion, Supplier, SupplierItem,
};
pub use returns::{
    CustomerRecord, Disposition, ExchangeLine, InspectionLine, LineRefund, RefundBreakdown,
    RequestReturn, Resolution, ReturnLine, ReturnQuantity, ReturnReason, RmaLineRecord, RmaRecord,
    RmaStatus,
};
pub use shipping::{
    check_address, delivery_promise, select_service, shipping_label, AddressProblem, Label,
    LabelInput, ParcelSpec, Promise, Quote, ServiceChoice, ShipmentRequest,
};
pub use simulation::{
    simulate, SimAllocation, SimBackorder, SimLocation, SimOrderLine, SimShipment, SimStock,
    SimulationRecord,
};
pub use types::explanation_summary;
pub use types::{
    Address, ChannelBuffer, ChannelDef, ChosenService, Component, CostTable, CustomerTier, Dims,
    Event, LineRecord, Location, LocationKind, LocationQuantity, Money, OrderCount, OrderLine,
    OrderRecord, OrderStatus, PackedParcel, ParcelInput, PaymentKind, PaymentStatus, PlaceOrder,
    Priority, Product, ReceiveStock, RecordPayment, Ship, ShipLine, ShipmentRecord, ShippingRate,
    ShippingZone, SourcingPolicy, SourcingRule, StockHold, StockLevelRecord, TrackingStatus,
};

uniffi::setup_scaffolding!();
