//! Cart holds: stock kept softly for a checkout in progress.
//!
//! A hold is not tied to a location. It lowers what every channel may sell
//! (the network's available stock) until it is converted into an order,
//! released, or expires; allocation itself still sees the physical stock.
//! Time never advances by itself: `expire_holds` is called by the host,
//! which learns when from [`crate::Engine::next_hold_expiry`].

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::{Channel, OrderId, Sku, StockHoldId};

/// Stock held for a checkout (the `hold_stock` command and `stock_held` event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StockHold {
    /// The hold's id; holding again with the same payload records nothing.
    pub hold_id: StockHoldId,
    /// The product held (a kit holds its components).
    pub sku: Sku,
    /// Units held (at least 1).
    pub quantity: u64,
    /// The channel selling it: the channel's sellable stock must cover the hold.
    pub channel: Channel,
    /// When the hold lapses; after the command's time.
    pub expires_at: DateTime<Utc>,
}

/// Why a hold ended without becoming an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HoldEnd {
    /// `release_stock_hold`: the cart was abandoned or emptied.
    Released,
    /// `expire_holds` found it past `expires_at`.
    Expired,
}

/// Converts a hold into an order's claim on the stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldConversion {
    /// The hold.
    pub hold_id: StockHoldId,
    /// The order placed at checkout; it must have a line of the held SKU.
    pub order_id: OrderId,
}
