//! # oms-core
//!
//! A sans-IO, deterministic order management engine: catalog, stock ledger,
//! customer orders with holds and payments, allocation across locations,
//! shipping and delivery, with an event log that rebuilds the same state.
//!
//! * **Commands in, events out.** [`Engine::execute`] takes a [`Command`] and
//!   the time it happens, validates it completely, and returns the
//!   [`Event`]s it recorded. A failing command changes nothing.
//! * **No I/O, no clock.** Time and ids come in as arguments; the same inputs
//!   always give the same outputs and the same snapshot bytes.
//! * **Replayable.** [`Engine::replay`] folds an event log into an engine
//!   equal to the live one; [`Engine::snapshot`] / [`Engine::from_snapshot`]
//!   store and restore the whole state.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use oms_core::{Command, Config, Engine, OrderStatus};
//!
//! let at = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
//! let mut engine = Engine::new(Config::default());
//! let run = |engine: &mut Engine, json: &str| {
//!     engine.execute(Command::from_json(json).unwrap(), at).unwrap()
//! };
//! run(&mut engine, r#"{"type":"define_location","location_id":"WH1","name":"Main","kind":"warehouse"}"#);
//! run(&mut engine, r#"{"type":"define_product","sku":"MUG","name":"Mug"}"#);
//! run(&mut engine, r#"{"type":"receive_stock","sku":"MUG","location_id":"WH1","quantity":10}"#);
//! run(&mut engine, r#"{"type":"place_order","order_id":"SO-1","channel":"web","customer_id":"C1",
//!     "ship_to":{"name":"Ada","line1":"1 Main St","city":"Springfield","postal_code":"12345","country":"US"},
//!     "lines":[{"line_id":"1","sku":"MUG","quantity":2,"unit_price":{"amount":"9.50","currency":"USD"}}]}"#);
//! assert_eq!(engine.order("SO-1").unwrap().status, OrderStatus::OnHold); // awaiting_payment
//! run(&mut engine, r#"{"type":"record_payment","order_id":"SO-1","kind":"captured","amount":{"amount":"19.00","currency":"USD"}}"#);
//! run(&mut engine, r#"{"type":"allocate","order_id":"SO-1"}"#);
//! let events = run(&mut engine, r#"{"type":"ship","order_id":"SO-1","shipment_id":"SH-1","location_id":"WH1",
//!     "carrier":"UPS","lines":[{"line_id":"1","quantity":2}]}"#);
//! assert_eq!(events[0].name(), "order_shipped");
//! assert_eq!(engine.order("SO-1").unwrap().status, OrderStatus::Shipped);
//! assert_eq!(engine.stock("MUG", "WH1").unwrap().on_hand, 8);
//! ```
//!
//! Order statuses are derived, never stored: see [`order::STATUS_RULES`] and
//! the action table [`order::ORDER_ACTIONS`]. Errors carry stable codes:
//! see [`ErrorCode`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(missing_debug_implementations)]

pub mod catalog;
pub mod channel;
pub mod command;
pub mod customers;
mod engine;
pub mod error;
pub mod event;
pub mod holds;
pub mod ids;
pub mod inventory;
pub mod kpi;
pub mod money;
pub mod order;
pub mod packing;
pub mod picking;
pub mod purchasing;
pub mod returns;
pub mod schema;
pub mod shipping;
pub mod simulation;
pub mod sourcing;
mod util;

pub use catalog::{Component, Dims, Location, LocationKind, Product};
pub use channel::{Buffer, ChannelDef};
pub use command::*;
pub use engine::{Config, Engine, MAX_COMPONENTS, MAX_LINES, MAX_QUANTITY};
pub use error::{ErrorCode, OmsError, Result};
pub use event::{Event, EventKind, Idempotency, SCHEMA_VERSION};
pub use holds::{HoldEnd, StockHold};
pub use ids::{
    check_id, check_sku, BinId, CartonId, Channel, ChannelOrderId, CustomerId, Hold, LineId,
    LocationId, OrderId, PoId, ReceiptId, RmaId, ServiceId, ShipmentId, Sku, StockHoldId,
    SupplierId, TaskId, WaveId,
};
pub use inventory::{StockCell, StockLevel};
pub use money::{Currency, Money};
pub use order::{
    Address, AddressParts, CustomerTier, LineView, OrderStatus, OrderView, PaymentKind,
    PaymentStatus, Priority, Shipment, TrackingStatus,
};
pub use sourcing::{Explanation, Rule, SourcingPolicy};

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

#[cfg(test)]
mod thread_safety {
    /// Hosts share an engine behind a `Mutex` or an `RwLock`.
    #[test]
    fn engine_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<crate::Engine>();
    }
}
