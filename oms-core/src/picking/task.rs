//! Pick work in the engine: bins on a location's floor, waves and the
//! pick tasks they release. These are the records; the rules that change
//! them live in the engine (`release_wave`, `confirm_pick`, `short_pick`,
//! `complete_task`).
//!
//! A task is one picker's tour (one cart): its stops are in walking order
//! along the exact route, each a quantity of a SKU from a bin for one order
//! line. A stop is *done* when its units are all picked or reported short.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::layout::Slot;
use super::routing::Waypoint;
use crate::ids::{BinId, LineId, LocationId, OrderId, Sku, TaskId, WaveId};

/// Which side of the aisle a bin faces; it does not change walking distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The left side, walking from the front cross aisle.
    Left,
    /// The right side.
    Right,
}

/// A storage bin at a location, on the location's floor (`set_layout`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bin {
    /// The location.
    pub location_id: LocationId,
    /// The bin's name, as printed on its label.
    pub bin_id: BinId,
    /// Where it is: block, aisle and bay.
    pub slot: Slot,
    /// The side of the aisle (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<Side>,
    /// The shelf level, 0 the floor (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u32>,
    /// The pick zone (optional: zone picking puts bins without one in the
    /// zone named after their block, `block-{n}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// The SKU picked from this bin (optional). A SKU has one pick bin per
    /// location: assigning it here takes it off its previous bin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<Sku>,
}

impl Bin {
    /// The zone zone picking uses.
    pub fn zone_name(&self) -> String {
        self.zone
            .clone()
            .unwrap_or_else(|| format!("block-{}", self.slot.block))
    }
}

/// How a wave's orders are split into tasks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PickMethod {
    /// A task per order.
    #[default]
    SingleOrder,
    /// Orders batched onto carts (pick, then sort at packing).
    Batch,
    /// Orders batched onto carts with a tote per order: stops name the tote.
    Cluster,
    /// A task per zone (batched under the cart's capacity): orders are
    /// consolidated at the pack station.
    Zone,
}

/// Where a task stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Released; stops to pick.
    #[default]
    Open,
    /// Every stop done and the task closed.
    Completed,
}

/// A stop of a pick task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PickStop {
    /// The bin to pick from.
    pub bin_id: BinId,
    /// The SKU to pick (a kit line's component for kit lines).
    pub sku: Sku,
    /// Units of `sku` to pick.
    pub quantity: u64,
    /// The order the units are for.
    pub order_id: OrderId,
    /// The order line.
    pub line_id: LineId,
    /// Units of `sku` per line unit (a kit's component quantity; 1 otherwise).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub per: u64,
    /// The tote the units go in (cluster picking: one tote per order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tote: Option<u32>,
    /// Units picked so far.
    #[serde(default)]
    pub picked: u64,
    /// Units the picker could not find (`short_pick`).
    #[serde(default)]
    pub short: u64,
}

fn one() -> u64 {
    1
}

fn is_one(v: &u64) -> bool {
    *v == 1
}

impl PickStop {
    /// Units still to pick or report short.
    pub fn remaining(&self) -> u64 {
        self.quantity.saturating_sub(self.picked + self.short)
    }

    /// Line units this stop's shortfall costs the line.
    pub fn lost_line_units(&self) -> u64 {
        self.short.div_ceil(self.per.max(1))
    }

    /// Line units the stop is for.
    pub fn line_units(&self) -> u64 {
        self.quantity / self.per.max(1)
    }
}

/// One picker's tour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PickTask {
    /// `{wave_id}-{n}`, n from 1.
    pub task_id: TaskId,
    /// The wave that released it.
    pub wave_id: WaveId,
    /// The location picked in.
    pub location_id: LocationId,
    /// The zone, for zone picking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// The stops in walking order.
    pub stops: Vec<PickStop>,
    /// The tour's walking distance, depot to depot, in the layout's unit.
    pub distance: u64,
    /// The tour's turning points, depot to depot.
    pub path: Vec<Waypoint>,
    /// Open or completed.
    #[serde(default)]
    pub status: TaskStatus,
    /// Scans that matched the stop's product (`confirm_pick` with a code).
    #[serde(default)]
    pub scans: u64,
    /// Scans of a wrong item, refused.
    #[serde(default)]
    pub rejected_scans: u64,
}

impl PickTask {
    /// Whether every stop is picked or reported short.
    pub fn is_done(&self) -> bool {
        self.stops.iter().all(|s| s.remaining() == 0)
    }

    /// The index of the first stop not done, the picker's next.
    pub fn next_stop(&self) -> Option<usize> {
        self.stops.iter().position(|s| s.remaining() > 0)
    }

    /// Line units lost to shortfalls for (`order_id`, `line_id`): the
    /// largest over the line's stops (a kit unit is lost once).
    pub fn lost(&self, order_id: &OrderId, line_id: &LineId) -> u64 {
        self.stops
            .iter()
            .filter(|s| &s.order_id == order_id && &s.line_id == line_id)
            .map(PickStop::lost_line_units)
            .max()
            .unwrap_or(0)
    }

    /// Each (order, line) of the task once, with its line units, in stop order.
    pub fn lines(&self) -> Vec<(OrderId, LineId, u64)> {
        let mut out: Vec<(OrderId, LineId, u64)> = Vec::new();
        for s in &self.stops {
            if !out
                .iter()
                .any(|(o, l, _)| o == &s.order_id && l == &s.line_id)
            {
                out.push((s.order_id.clone(), s.line_id.clone(), s.line_units()));
            }
        }
        out
    }
}

/// A released wave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Wave {
    /// The wave's id.
    pub wave_id: WaveId,
    /// The location.
    pub location_id: LocationId,
    /// How its orders were split into tasks.
    pub method: PickMethod,
    /// Its orders, in release order.
    pub order_ids: Vec<OrderId>,
    /// Its tasks.
    pub task_ids: Vec<TaskId>,
    /// When it was released.
    pub released_at: DateTime<Utc>,
}

/// Picking accuracy: scans checked against the product, and the wrong ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PickAccuracy {
    /// Scans that matched.
    pub scans: u64,
    /// Scans of a wrong item, refused.
    pub rejected_scans: u64,
    /// `scans / (scans + rejected_scans)`, 1 when nothing was scanned.
    pub accuracy: f64,
}
