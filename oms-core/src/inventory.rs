//! The stock ledger: one cell of named buckets per SKU × location.
//!
//! On-hand is not a counter of its own: it is derived from the movement
//! buckets (`received + adjusted_in + returned - adjusted_out - shipped -
//! damaged - refurbishing`), so units are conserved by construction and
//! there are never two counters to keep in sync. `reserved` and
//! `safety_stock` are the only other buckets.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::{LocationId, Sku};

/// The buckets of one SKU at one location. Changed only by applying events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockCell {
    /// Units received into this location (all time).
    #[serde(default, skip_serializing_if = "crate::util::is_zero")]
    pub received: u64,
    /// Units added by adjustments and counts (all time).
    #[serde(default, skip_serializing_if = "crate::util::is_zero")]
    pub adjusted_in: u64,
    /// Units removed by adjustments and counts (all time).
    #[serde(default, skip_serializing_if = "crate::util::is_zero")]
    pub adjusted_out: u64,
    /// Units shipped from this location (all time).
    #[serde(default, skip_serializing_if = "crate::util::is_zero")]
    pub shipped: u64,
    /// Units on hand that are promised to orders.
    #[serde(default, skip_serializing_if = "crate::util::is_zero")]
    pub reserved: u64,
    /// Units kept back from allocation and from sale.
    #[serde(default, skip_serializing_if = "crate::util::is_zero")]
    pub safety_stock: u64,
    /// Units that arrived damaged (all time; part of `received`): kept
    /// apart, never on hand, never available.
    #[serde(default, skip_serializing_if = "crate::util::is_zero")]
    pub damaged: u64,
    /// Units that came back from customers into this location (all time;
    /// `stock_restocked`), refurbishing ones included.
    #[serde(default, skip_serializing_if = "crate::util::is_zero")]
    pub returned: u64,
    /// Of the returned units, those waiting for refurbishment: kept apart,
    /// never on hand, never available.
    #[serde(default, skip_serializing_if = "crate::util::is_zero")]
    pub refurbishing: u64,
}

impl StockCell {
    /// Physical sellable units at the location.
    pub fn on_hand(&self) -> u64 {
        (self.received + self.adjusted_in + self.returned)
            .saturating_sub(self.adjusted_out + self.shipped + self.damaged + self.refurbishing)
    }

    /// Units allocation may still reserve: `on_hand - reserved - safety_stock`, never below 0.
    pub fn available(&self) -> u64 {
        self.on_hand()
            .saturating_sub(self.reserved)
            .saturating_sub(self.safety_stock)
    }

    /// Units that may leave the location without touching reservations.
    pub fn unreserved(&self) -> u64 {
        self.on_hand().saturating_sub(self.reserved)
    }

    /// The ledger's invariants: movements never take more out than came in,
    /// and reservations never exceed what is on hand.
    pub fn check(&self) -> Result<(), String> {
        let inflow = self
            .received
            .checked_add(self.adjusted_in)
            .and_then(|i| i.checked_add(self.returned));
        let outflow = self
            .adjusted_out
            .checked_add(self.shipped)
            .and_then(|o| o.checked_add(self.damaged))
            .and_then(|o| o.checked_add(self.refurbishing));
        match (inflow, outflow) {
            (Some(i), Some(o)) if o <= i => {}
            _ => return Err(format!("outflow exceeds inflow: {self:?}")),
        }
        if self.reserved > self.on_hand() {
            return Err(format!("reserved exceeds on hand: {self:?}"));
        }
        Ok(())
    }

    /// Whether the cell has never been touched.
    pub fn is_empty(&self) -> bool {
        *self == StockCell::default()
    }
}

/// The answer to a stock query for one SKU at one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StockLevel {
    /// The product.
    pub sku: Sku,
    /// The location.
    pub location_id: LocationId,
    /// Physical sellable units.
    pub on_hand: u64,
    /// Units promised to orders.
    pub reserved: u64,
    /// Units kept back from allocation and sale.
    pub safety_stock: u64,
    /// `on_hand - reserved - safety_stock`, never below 0.
    pub available: u64,
    /// All-time movements, for audits: received, adjusted in/out, shipped.
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
    #[serde(default)]
    pub returned: u64,
    /// Returned units waiting for refurbishment: never on hand or available.
    #[serde(default)]
    pub refurbishing: u64,
    /// Units on their way here: the open units of sent purchase orders.
    pub incoming: u64,
}

impl StockLevel {
    pub(crate) fn from_cell(sku: Sku, location_id: LocationId, c: &StockCell) -> Self {
        StockLevel {
            sku,
            location_id,
            on_hand: c.on_hand(),
            reserved: c.reserved,
            safety_stock: c.safety_stock,
            available: c.available(),
            received: c.received,
            adjusted_in: c.adjusted_in,
            adjusted_out: c.adjusted_out,
            shipped: c.shipped,
            damaged: c.damaged,
            returned: c.returned,
            refurbishing: c.refurbishing,
            incoming: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_hand_and_available_derive_from_buckets() {
        let c = StockCell {
            received: 10,
            adjusted_in: 2,
            adjusted_out: 1,
            shipped: 3,
            reserved: 4,
            safety_stock: 2,
            damaged: 0,
            returned: 0,
            refurbishing: 0,
        };
        assert_eq!(c.on_hand(), 8);
        // Returned units are on hand, refurbishing ones are not.
        let r = StockCell {
            returned: 3,
            refurbishing: 1,
            ..c
        };
        assert_eq!(r.on_hand(), 10);
        // Damaged units are never on hand.
        let d = StockCell { damaged: 3, ..c };
        assert_eq!((d.on_hand(), d.available()), (5, 0));
        assert!(d.check().is_ok());
        assert!(StockCell { damaged: 9, ..c }.check().is_err());
        assert_eq!(c.available(), 2);
        assert_eq!(c.unreserved(), 4);
        assert!(c.check().is_ok());
        let bad = StockCell { reserved: 9, ..c };
        assert!(bad.check().is_err());
        let safety_above = StockCell {
            safety_stock: 50,
            ..c
        };
        assert_eq!(safety_above.available(), 0);
    }
}
