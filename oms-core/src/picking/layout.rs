//! A warehouse floor as routing sees it: parallel aisles crossed by cross
//! aisles, which split the aisles into blocks; bins along the aisles; a
//! depot on a cross aisle. Walking follows aisles and cross aisles, never
//! through racks, so the distance between two points is exact.
//!
//! ```text
//!  cross aisle 2 (back)   ──┬────┬────┬──   ┐
//!                           │    │    │     │ block 1: bays 0.. from cross aisle 1
//!  cross aisle 1 (middle) ──┼────┼────┼──   ┘
//!                           │    │    │     │ block 0
//!  cross aisle 0 (front)  ──┴──D─┴────┴──   (D: a depot at aisle 1, cross aisle 0)
//!                        aisle 0  1    2
//! ```
//!
//! Distances are whole units the host chooses (centimetres, say). Cross
//! aisles are lines: their width is part of the blocks' offsets.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{OmsError, Result};

/// One block: a band of the warehouse between two cross aisles, with
/// `bays` storage positions along each aisle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Block {
    /// Bays (storage positions) along each aisle in this block, at least 1.
    pub bays: u32,
    /// Distance between neighbouring bays' centres.
    pub bay_pitch: u64,
    /// Distance from the cross aisle in front (its centre line) to the
    /// first bay's centre.
    pub front_offset: u64,
    /// Distance from the last bay's centre to the cross aisle behind.
    pub back_offset: u64,
}

impl Block {
    /// The length of one aisle through this block, cross aisle to cross aisle.
    pub fn length(&self) -> u64 {
        self.front_offset
            .saturating_add(u64::from(self.bays.saturating_sub(1)).saturating_mul(self.bay_pitch))
            .saturating_add(self.back_offset)
    }

    /// The distance of bay `bay` from the cross aisle in front.
    pub fn position(&self, bay: u32) -> u64 {
        self.front_offset
            .saturating_add(u64::from(bay).saturating_mul(self.bay_pitch))
    }
}

/// Where pickers start and end: a point on a cross aisle, level with an aisle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Depot {
    /// The aisle it faces (0-based, left to right).
    pub aisle: u32,
    /// The cross aisle it is on: 0 the front, `blocks.len()` the back.
    pub cross_aisle: u32,
}

/// A warehouse floor: `aisles` parallel aisles `aisle_pitch` apart, split
/// into `blocks` (front to back) by `blocks.len() + 1` cross aisles.
///
/// ```
/// use oms_core::picking::{Block, Depot, Layout};
/// let layout = Layout::single_block(10, 3, 30, 1, 1, Depot { aisle: 0, cross_aisle: 0 });
/// assert!(layout.check().is_ok());
/// assert_eq!(layout.blocks[0].length(), 31);
/// assert_eq!(layout.blocks[0].position(29), 30);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// Number of aisles, at least 1.
    pub aisles: u32,
    /// Distance between neighbouring aisles' centre lines.
    pub aisle_pitch: u64,
    /// The blocks, front to back: one for a warehouse with a front and a
    /// back cross aisle only, two with a middle cross aisle, and so on.
    pub blocks: Vec<Block>,
    /// Where routes start and end.
    pub depot: Depot,
}

/// The most aisles a layout may have.
pub const MAX_AISLES: u32 = 10_000;
/// The most blocks a layout may have.
pub const MAX_BLOCKS: usize = 16;
/// The most blocks on which [`super::optimal_route`] is exact; beyond,
/// it routes by local search ([`super::improved_route`]).
pub const MAX_EXACT_BLOCKS: usize = 4;

impl Layout {
    /// A layout of one block with the depot given.
    pub fn single_block(
        aisles: u32,
        aisle_pitch: u64,
        bays: u32,
        bay_pitch: u64,
        offset: u64,
        depot: Depot,
    ) -> Layout {
        Layout {
            aisles,
            aisle_pitch,
            blocks: vec![Block {
                bays,
                bay_pitch,
                front_offset: offset,
                back_offset: offset,
            }],
            depot,
        }
    }

    /// The number of cross aisles: one more than the blocks.
    pub fn cross_aisles(&self) -> u32 {
        self.blocks.len() as u32 + 1
    }

    /// Checks that the layout is usable: at least one aisle and block, at
    /// most [`MAX_AISLES`] and [`MAX_BLOCKS`], every block with a bay, the
    /// depot on the floor, distances that cannot overflow: every aisle and
    /// cross aisle walked end to end, `aisles × (total aisle length + cross
    /// aisles × aisle pitch)`, stays under 2^44 distance units (in
    /// millimetres, 17 million km), so any route length fits the router's
    /// arithmetic.
    pub fn check(&self) -> Result<()> {
        if self.aisles == 0 || self.aisles > MAX_AISLES {
            return Err(OmsError::validation(
                "aisles",
                format!("{} is not between 1 and {MAX_AISLES}", self.aisles),
            ));
        }
        if self.blocks.is_empty() || self.blocks.len() > MAX_BLOCKS {
            return Err(OmsError::validation(
                "blocks",
                format!("a layout has 1 to {MAX_BLOCKS} blocks"),
            ));
        }
        // Keeps every route length far from overflow.
        const MAX_DISTANCE: u64 = 1 << 40;
        if self.aisle_pitch > MAX_DISTANCE {
            return Err(OmsError::validation("aisle_pitch", "too large"));
        }
        for (i, b) in self.blocks.iter().enumerate() {
            if b.bays == 0 {
                return Err(OmsError::validation(
                    format!("blocks[{i}].bays"),
                    "a block has at least one bay",
                ));
            }
            if b.bay_pitch > MAX_DISTANCE
                || b.front_offset > MAX_DISTANCE
                || b.back_offset > MAX_DISTANCE
                || b.length() > MAX_DISTANCE
            {
                return Err(OmsError::validation(
                    format!("blocks[{i}]"),
                    "distances too large",
                ));
            }
        }
        let length: u128 = self.blocks.iter().map(|b| u128::from(b.length())).sum();
        let across = u128::from(self.cross_aisles()) * u128::from(self.aisle_pitch);
        if u128::from(self.aisles) * (length + across) >= 1 << 44 {
            return Err(OmsError::validation(
                "layout",
                "the floor is too large: aisles × (total aisle length + cross aisles × aisle pitch) must stay under 2^44",
            ));
        }
        if self.depot.aisle >= self.aisles || self.depot.cross_aisle > self.blocks.len() as u32 {
            return Err(OmsError::validation(
                "depot",
                format!(
                    "aisle {} on cross aisle {} is not on a floor of {} aisles and {} cross aisles",
                    self.depot.aisle,
                    self.depot.cross_aisle,
                    self.aisles,
                    self.cross_aisles()
                ),
            ));
        }
        Ok(())
    }

    /// Checks that `slot` is on the floor.
    pub fn check_slot(&self, slot: &Slot, field: &str) -> Result<()> {
        let block = self.blocks.get(slot.block as usize);
        match block {
            Some(b) if slot.aisle < self.aisles && slot.bay < b.bays => Ok(()),
            _ => Err(OmsError::validation(
                field,
                format!(
                    "block {}, aisle {}, bay {} is not on the floor",
                    slot.block, slot.aisle, slot.bay
                ),
            )),
        }
    }

    /// The walking distance between two slots (or a slot and itself: 0).
    ///
    /// ```
    /// use oms_core::picking::{Depot, Layout, Slot};
    /// let l = Layout::single_block(5, 3, 30, 1, 1, Depot { aisle: 0, cross_aisle: 0 });
    /// let s = |aisle, bay| Slot { block: 0, aisle, bay };
    /// assert_eq!(l.distance(&s(2, 4), &s(2, 10)), 6);
    /// // Another aisle: out by the nearer cross aisle and in again.
    /// assert_eq!(l.distance(&s(0, 4), &s(1, 10)), 5 + 3 + 11);
    /// ```
    pub fn distance(&self, a: &Slot, b: &Slot) -> u64 {
        let (pa, pb) = (self.point(a), self.point(b));
        self.point_distance(&pa, &pb)
    }

    /// A slot as a point: its aisle and its distance from the front cross aisle.
    pub(crate) fn point(&self, s: &Slot) -> Point {
        let b = &self.blocks[s.block as usize];
        Point {
            aisle: s.aisle,
            y: self.cross_aisle_y(s.block as usize) + b.position(s.bay),
        }
    }

    /// The depot as a point.
    pub(crate) fn depot_point(&self) -> Point {
        Point {
            aisle: self.depot.aisle,
            y: self.cross_aisle_y(self.depot.cross_aisle as usize),
        }
    }

    /// The distance of cross aisle `k` from the front one.
    pub(crate) fn cross_aisle_y(&self, k: usize) -> u64 {
        self.blocks.iter().take(k).map(Block::length).sum()
    }

    /// The distance of every cross aisle from the front one, front to back.
    pub(crate) fn cross_aisle_ys(&self) -> impl Iterator<Item = u64> + '_ {
        std::iter::once(0).chain(self.blocks.iter().scan(0, |y, b| {
            *y += b.length();
            Some(*y)
        }))
    }

    /// The walking distance between two points.
    pub(crate) fn point_distance(&self, a: &Point, b: &Point) -> u64 {
        if a.aisle == b.aisle {
            // Along the aisle: cross aisles are passable, racks are not.
            return a.y.abs_diff(b.y);
        }
        let across = u64::from(a.aisle.abs_diff(b.aisle)) * self.aisle_pitch;
        // Out of one aisle and into the other by the best cross aisle.
        self.cross_aisle_ys()
            .map(|c| a.y.abs_diff(c) + b.y.abs_diff(c))
            .min()
            .unwrap_or(0)
            + across
    }
}

/// A storage position on the floor: a bay of an aisle in a block. The
/// side of the aisle and the shelf level do not change walking distance.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Slot {
    /// The block (0 the front one).
    pub block: u32,
    /// The aisle (0-based, left to right).
    pub aisle: u32,
    /// The bay, counted from the block's front cross aisle.
    pub bay: u32,
}

/// A point on the floor: an aisle and a distance from the front cross aisle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Point {
    pub(crate) aisle: u32,
    pub(crate) y: u64,
}
