//! Warehouse picking for Kotlin and Swift: pick routes on a floor layout.
//! Conversion only; the rules are `oms_core::picking`'s.

use oms_core::picking as pk_;

use crate::types::mirror_enum;
use crate::OmsFfiError;

type Result<T, E = OmsFfiError> = std::result::Result<T, E>;

/// A band of the warehouse between two cross aisles.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Block {
    /// Storage positions along each aisle in this block, at least 1.
    pub bays: u32,
    /// Distance between neighbouring bays' centres.
    pub bay_pitch: u64,
    /// From the cross aisle in front to the first bay's centre.
    pub front_offset: u64,
    /// From the last bay's centre to the cross aisle behind.
    pub back_offset: u64,
}

/// Where routes start and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Depot {
    /// The aisle it faces (0-based).
    pub aisle: u32,
    /// The cross aisle: 0 the front, the number of blocks the back.
    pub cross_aisle: u32,
}

/// A warehouse floor: parallel aisles split into blocks by cross aisles.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Layout {
    /// Number of aisles.
    pub aisles: u32,
    /// Distance between neighbouring aisles' centre lines.
    pub aisle_pitch: u64,
    /// The blocks, front to back.
    pub blocks: Vec<Block>,
    /// Where routes start and end.
    pub depot: Depot,
}

/// A storage position: a bay of an aisle in a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Slot {
    /// The block (0 the front one).
    pub block: u32,
    /// The aisle (0-based).
    pub aisle: u32,
    /// The bay, counted from the block's front cross aisle.
    pub bay: u32,
}

/// A turning point of a walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Waypoint {
    /// The aisle.
    pub aisle: u32,
    /// The distance from the front cross aisle.
    pub y: u64,
}

/// A pick route.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Route {
    /// Indices into the picks given, in walking order.
    pub order: Vec<u64>,
    /// The walking distance, depot to depot.
    pub distance: u64,
    /// The turning points, depot to depot.
    pub path: Vec<Waypoint>,
}

/// A classic routing heuristic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Heuristic {
    /// Through every pick aisle, alternating direction.
    SShape,
    /// Into every pick aisle from the front and back out.
    Return,
    /// Each middle aisle split at its middle.
    Midpoint,
    /// Each middle aisle split at its largest gap.
    LargestGap,
    /// Through or back, aisle by aisle, chosen by dynamic programming.
    Combined,
}

mirror_enum!(
    Heuristic,
    pk_::Heuristic,
    [SShape, Return, Midpoint, LargestGap, Combined]
);

impl From<Layout> for pk_::Layout {
    fn from(l: Layout) -> Self {
        pk_::Layout {
            aisles: l.aisles,
            aisle_pitch: l.aisle_pitch,
            blocks: l
                .blocks
                .into_iter()
                .map(|b| pk_::Block {
                    bays: b.bays,
                    bay_pitch: b.bay_pitch,
                    front_offset: b.front_offset,
                    back_offset: b.back_offset,
                })
                .collect(),
            depot: pk_::Depot {
                aisle: l.depot.aisle,
                cross_aisle: l.depot.cross_aisle,
            },
        }
    }
}

/// A bin holding units of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Stocked {
    /// Where.
    pub slot: Slot,
    /// Units there.
    pub units: u64,
}

/// An article to pick: how many units, and the bins that hold it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Article {
    /// Units to pick, at least 1.
    pub quantity: u64,
    /// The bins holding it.
    pub stock: Vec<Stocked>,
}

/// A stop of a scattered-storage route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Visit {
    /// The article (its index in the input).
    pub article: u64,
    /// The bin.
    pub slot: Slot,
    /// Units taken there.
    pub quantity: u64,
}

/// A route that chose its bins.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScatteredRoute {
    /// The stops, in walking order.
    pub visits: Vec<Visit>,
    /// The walk through them.
    pub route: Route,
    /// Whether every combination of bins was tried (so it is optimal).
    pub exact: bool,
}

fn slot(s: Slot) -> pk_::Slot {
    pk_::Slot {
        block: s.block,
        aisle: s.aisle,
        bay: s.bay,
    }
}

/// The shortest route that picks every article, choosing among its bins.
#[uniffi::export]
pub fn scattered_route(layout: Layout, articles: Vec<Article>) -> Result<ScatteredRoute> {
    let articles: Vec<pk_::Article> = articles
        .into_iter()
        .map(|a| pk_::Article {
            quantity: a.quantity,
            stock: a
                .stock
                .into_iter()
                .map(|s| pk_::Stocked {
                    slot: slot(s.slot),
                    units: s.units,
                })
                .collect(),
        })
        .collect();
    let r = pk_::scattered_route(&layout.into(), &articles)?;
    Ok(ScatteredRoute {
        visits: r
            .visits
            .into_iter()
            .map(|v| Visit {
                article: v.article as u64,
                slot: Slot {
                    block: v.slot.block,
                    aisle: v.slot.aisle,
                    bay: v.slot.bay,
                },
                quantity: v.quantity,
            })
            .collect(),
        route: r.route.into(),
        exact: r.exact,
    })
}

fn slots(picks: Vec<Slot>) -> Vec<pk_::Slot> {
    picks.into_iter().map(slot).collect()
}

/// The shortest walk from the depot through every pick and back, exact for
/// floors of up to 4 blocks.
#[uniffi::export]
pub fn optimal_route(layout: Layout, picks: Vec<Slot>) -> Result<Route> {
    Ok(pk_::optimal_route(&layout.into(), &slots(picks))?.into())
}

/// The walk a classic heuristic takes (single-block floors).
#[uniffi::export]
pub fn heuristic_route(layout: Layout, picks: Vec<Slot>, heuristic: Heuristic) -> Result<Route> {
    Ok(pk_::heuristic_route(&layout.into(), &slots(picks), heuristic.into())?.into())
}

impl From<pk_::Route> for Route {
    fn from(route: pk_::Route) -> Route {
        Route {
            order: route.order.into_iter().map(|i| i as u64).collect(),
            distance: route.distance,
            path: route
                .path
                .into_iter()
                .map(|w| Waypoint {
                    aisle: w.aisle,
                    y: w.y,
                })
                .collect(),
        }
    }
}
