//! Warehouse picking for Kotlin and Swift: pick routes on a floor layout,
//! order batching, and pick tasks in the engine for a picker's handheld.
//! Conversion only; the rules are `oms_core::picking`'s.

use oms_core as core_;
use oms_core::picking as pk_;

use crate::engine::Engine;
use crate::types::{mirror_enum, parse_time_field, Event};
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
/// floors of up to 4 blocks (beyond, the local search of `improvedRoute`).
#[uniffi::export]
pub fn optimal_route(layout: Layout, picks: Vec<Slot>) -> Result<Route> {
    Ok(pk_::optimal_route(&layout.into(), &slots(picks))?.into())
}

/// A route by local search (2-opt and Or-opt on shortest walking
/// distances) on any floor: fast, usually optimal.
#[uniffi::export]
pub fn improved_route(layout: Layout, picks: Vec<Slot>) -> Result<Route> {
    Ok(pk_::improved_route(&layout.into(), &slots(picks))?.into())
}

/// The walk a classic heuristic takes, on any floor (several blocks are
/// walked block by block from the farthest).
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

impl From<pk_::Layout> for Layout {
    fn from(l: pk_::Layout) -> Self {
        Layout {
            aisles: l.aisles,
            aisle_pitch: l.aisle_pitch,
            blocks: l
                .blocks
                .into_iter()
                .map(|b| Block {
                    bays: b.bays,
                    bay_pitch: b.bay_pitch,
                    front_offset: b.front_offset,
                    back_offset: b.back_offset,
                })
                .collect(),
            depot: Depot {
                aisle: l.depot.aisle,
                cross_aisle: l.depot.cross_aisle,
            },
        }
    }
}

fn slot_back(s: pk_::Slot) -> Slot {
    Slot {
        block: s.block,
        aisle: s.aisle,
        bay: s.bay,
    }
}

fn waypoints(path: Vec<pk_::Waypoint>) -> Vec<Waypoint> {
    path.into_iter()
        .map(|w| Waypoint {
            aisle: w.aisle,
            y: w.y,
        })
        .collect()
}

// ----------------------------------------------------------------------
// Batching
// ----------------------------------------------------------------------

/// What a cart holds per tour; a limit left out does not apply.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct Cart {
    /// The most items (units) per tour.
    #[uniffi(default)]
    pub max_items: Option<u64>,
    /// The most volume per tour (cm³ in waves).
    #[uniffi(default)]
    pub max_volume: Option<u64>,
    /// The most weight per tour (grams in waves).
    #[uniffi(default)]
    pub max_weight: Option<u64>,
    /// The most orders per tour: the cart's totes.
    #[uniffi(default)]
    pub max_orders: Option<u32>,
}

impl From<Cart> for pk_::Cart {
    fn from(c: Cart) -> Self {
        pk_::Cart {
            max_items: c.max_items,
            max_volume: c.max_volume,
            max_weight: c.max_weight,
            max_orders: c.max_orders,
        }
    }
}

/// An order to batch: its picks and what it loads on the cart.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BatchOrder {
    /// The bins to visit.
    pub picks: Vec<Slot>,
    /// Items (units).
    #[uniffi(default = 0)]
    pub items: u64,
    /// Volume.
    #[uniffi(default = 0)]
    pub volume: u64,
    /// Weight.
    #[uniffi(default = 0)]
    pub weight: u64,
}

/// How orders are batched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum BatchMethod {
    /// One tour per order.
    SingleOrder,
    /// First come, first served.
    Fcfs,
    /// Seed orders, each joined by the orders that add least.
    Seed,
    /// Clarke–Wright savings.
    Savings,
    /// Iterated local search from the better of seed and savings.
    Ils,
}

mirror_enum!(
    BatchMethod,
    pk_::BatchMethod,
    [SingleOrder, Fcfs, Seed, Savings, Ils]
);

/// A batching method and its effort.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BatchOptions {
    /// The method.
    pub method: BatchMethod,
    /// Perturbations the iterated local search tries (default 300).
    #[uniffi(default = 300)]
    pub iterations: u32,
    /// Seeds the search's generator.
    #[uniffi(default = 0)]
    pub seed: u64,
}

impl From<BatchOptions> for pk_::BatchOptions {
    fn from(o: BatchOptions) -> Self {
        pk_::BatchOptions {
            method: o.method.into(),
            iterations: o.iterations,
            seed: o.seed,
        }
    }
}

/// A stop of a batch's tour: pick `pick` of order `order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct BatchStop {
    /// The order (index into the input).
    pub order: u64,
    /// The pick (index into that order's picks).
    pub pick: u64,
}

/// One tour of a batch plan.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Batch {
    /// The orders (indices into the input), ascending.
    pub orders: Vec<u64>,
    /// The picks in walking order.
    pub stops: Vec<BatchStop>,
    /// The walking distance, depot to depot.
    pub distance: u64,
    /// The turning points, depot to depot.
    pub path: Vec<Waypoint>,
}

/// Tours covering every order once.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BatchPlan {
    /// The tours.
    pub batches: Vec<Batch>,
    /// Their total walking distance.
    pub distance: u64,
}

/// Groups orders into picking tours under the cart's capacity, each tour
/// costed by the exact router (default: iterated local search).
#[uniffi::export(default(options = None))]
pub fn batch_orders(
    layout: Layout,
    orders: Vec<BatchOrder>,
    cart: Cart,
    options: Option<BatchOptions>,
) -> Result<BatchPlan> {
    let orders: Vec<pk_::BatchOrder> = orders
        .into_iter()
        .map(|o| pk_::BatchOrder {
            picks: slots(o.picks),
            items: o.items,
            volume: o.volume,
            weight: o.weight,
        })
        .collect();
    let options = options.map(Into::into).unwrap_or_default();
    let plan = pk_::batch_orders(&layout.into(), &orders, &cart.into(), &options)?;
    Ok(BatchPlan {
        distance: plan.distance,
        batches: plan
            .batches
            .into_iter()
            .map(|b| Batch {
                orders: b.orders.into_iter().map(|o| o as u64).collect(),
                stops: b
                    .stops
                    .into_iter()
                    .map(|s| BatchStop {
                        order: s.order as u64,
                        pick: s.pick as u64,
                    })
                    .collect(),
                distance: b.distance,
                path: waypoints(b.path),
            })
            .collect(),
    })
}

// ----------------------------------------------------------------------
// Pick work in the engine
// ----------------------------------------------------------------------

/// Which side of the aisle a bin faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Side {
    /// Left, walking from the front.
    Left,
    /// Right.
    Right,
}

mirror_enum!(Side, pk_::Side, [Left, Right]);

/// How a wave's orders are split into tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum PickMethod {
    /// A task per order.
    SingleOrder,
    /// Orders batched onto carts.
    Batch,
    /// Orders batched onto carts, a tote per order.
    Cluster,
    /// A task per zone.
    Zone,
}

mirror_enum!(
    PickMethod,
    pk_::PickMethod,
    [SingleOrder, Batch, Cluster, Zone]
);

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum TaskStatus {
    /// Released; stops to pick.
    Open,
    /// Closed.
    Completed,
}

mirror_enum!(TaskStatus, pk_::TaskStatus, [Open, Completed]);

/// A bin on a location's floor: the input of `defineBin` and the result of `bins`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Bin {
    /// The location (it needs a layout).
    pub location_id: String,
    /// The bin's name.
    pub bin_id: String,
    /// Where it is.
    pub slot: Slot,
    /// The SKU picked from it.
    #[uniffi(default)]
    pub sku: Option<String>,
    /// The pick zone (default `block-{n}` for zone picking).
    #[uniffi(default)]
    pub zone: Option<String>,
    /// The side of the aisle.
    #[uniffi(default)]
    pub side: Option<Side>,
    /// The shelf level.
    #[uniffi(default)]
    pub level: Option<u32>,
}

/// How `releaseWave` chooses orders when none are named.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct WaveRules {
    /// The most orders.
    #[uniffi(default)]
    pub max_orders: Option<u32>,
    /// The most units.
    #[uniffi(default)]
    pub max_units: Option<u64>,
    /// The most units per zone.
    #[uniffi(default)]
    pub max_zone_units: Option<u64>,
    /// Only orders due (`ship_by`) at or before this, RFC 3339.
    #[uniffi(default)]
    pub ship_by_until: Option<String>,
    /// Only rush orders.
    #[uniffi(default = false)]
    pub rush_only: bool,
}

/// `releaseWave`: allocated orders at a location to the floor as pick tasks.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReleaseWave {
    /// The wave's id; tasks are `{waveId}-{n}`.
    pub wave_id: String,
    /// The location.
    pub location_id: String,
    /// How orders are split into tasks.
    pub method: PickMethod,
    /// The orders (default: chosen by `selection`).
    #[uniffi(default)]
    pub order_ids: Option<Vec<String>>,
    /// How to choose orders when none are named.
    #[uniffi(default)]
    pub selection: Option<WaveRules>,
    /// What a cart holds.
    #[uniffi(default)]
    pub cart: Option<Cart>,
    /// The batching method and effort.
    #[uniffi(default)]
    pub batching: Option<BatchOptions>,
    /// Walk every task by this classic heuristic instead of the shortest
    /// route (default: the shortest).
    #[uniffi(default)]
    pub heuristic: Option<Heuristic>,
}

/// A stop of a pick task.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PickStop {
    /// The bin to pick from.
    pub bin_id: String,
    /// The SKU.
    pub sku: String,
    /// Units to pick.
    pub quantity: u64,
    /// The order.
    pub order_id: String,
    /// The order line.
    pub line_id: String,
    /// The tote (cluster picking).
    pub tote: Option<u32>,
    /// Units picked so far.
    pub picked: u64,
    /// Units reported short.
    pub short: u64,
    /// Units still to pick or report short.
    pub remaining: u64,
}

/// One picker's tour.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PickTaskRecord {
    /// `{waveId}-{n}`.
    pub task_id: String,
    /// The wave.
    pub wave_id: String,
    /// The location.
    pub location_id: String,
    /// The zone (zone picking).
    pub zone: Option<String>,
    /// The stops in walking order.
    pub stops: Vec<PickStop>,
    /// The index of the next stop to work, if any.
    pub next_stop: Option<u32>,
    /// The walking distance, depot to depot.
    pub distance: u64,
    /// The turning points, depot to depot.
    pub path: Vec<Waypoint>,
    /// Open or completed.
    pub status: TaskStatus,
    /// Scans that matched.
    pub scans: u64,
    /// Scans of a wrong item.
    pub rejected_scans: u64,
}

impl From<&pk_::PickTask> for PickTaskRecord {
    fn from(t: &pk_::PickTask) -> Self {
        PickTaskRecord {
            task_id: t.task_id.to_string(),
            wave_id: t.wave_id.to_string(),
            location_id: t.location_id.to_string(),
            zone: t.zone.clone(),
            stops: t
                .stops
                .iter()
                .map(|s| PickStop {
                    bin_id: s.bin_id.to_string(),
                    sku: s.sku.to_string(),
                    quantity: s.quantity,
                    order_id: s.order_id.to_string(),
                    line_id: s.line_id.to_string(),
                    tote: s.tote,
                    picked: s.picked,
                    short: s.short,
                    remaining: s.remaining(),
                })
                .collect(),
            next_stop: t.next_stop().map(|k| k as u32),
            distance: t.distance,
            path: waypoints(t.path.clone()),
            status: t.status.into(),
            scans: t.scans,
            rejected_scans: t.rejected_scans,
        }
    }
}

/// Scans checked and refused.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PickAccuracy {
    /// Scans that matched.
    pub scans: u64,
    /// Scans of a wrong item.
    pub rejected_scans: u64,
    /// `scans / (scans + rejectedScans)`, 1 when nothing was scanned.
    pub accuracy: f64,
}

#[uniffi::export]
impl Engine {
    /// Sets a location's floor plan.
    pub fn set_layout(
        &self,
        location_id: String,
        layout: Layout,
        at: String,
    ) -> Result<Vec<Event>> {
        let command = core_::SetLayout {
            location_id: location_id.into(),
            layout: layout.into(),
        };
        self.run(command, &at)
    }

    /// Defines (or redefines) a bin; with `sku`, the SKU's pick bin there.
    pub fn define_bin(&self, bin: Bin, at: String) -> Result<Vec<Event>> {
        let command = core_::DefineBin {
            location_id: bin.location_id.into(),
            bin_id: bin.bin_id.into(),
            block: bin.slot.block,
            aisle: bin.slot.aisle,
            bay: bin.slot.bay,
            side: bin.side.map(Into::into),
            level: bin.level,
            zone: bin.zone,
            sku: bin.sku.map(Into::into),
        };
        self.run(command, &at)
    }

    /// Releases allocated orders to the floor as pick tasks.
    pub fn release_wave(&self, wave: ReleaseWave, at: String) -> Result<Vec<Event>> {
        let selection = match wave.selection {
            None => None,
            Some(r) => Some(pk_::WaveRules {
                max_orders: r.max_orders,
                max_units: r.max_units,
                max_zone_units: r.max_zone_units,
                ship_by_until: r
                    .ship_by_until
                    .map(|t| parse_time_field("selection.ship_by_until", &t))
                    .transpose()?,
                rush_only: r.rush_only,
            }),
        };
        let command = core_::ReleaseWave {
            wave_id: wave.wave_id.into(),
            location_id: wave.location_id.into(),
            method: wave.method.into(),
            order_ids: wave
                .order_ids
                .map(|ids| ids.into_iter().map(Into::into).collect()),
            selection,
            cart: wave.cart.map(Into::into),
            batching: wave.batching.map(Into::into),
            heuristic: wave.heuristic.map(Into::into),
        };
        self.run(command, &at)
    }

    /// Records units taken at a stop; a `scannedCode` that is neither the
    /// product's GTIN nor its SKU picks nothing and records
    /// `pick_scan_rejected`.
    #[uniffi::method(default(scanned_code = None))]
    pub fn confirm_pick(
        &self,
        task_id: String,
        stop: u32,
        quantity: u64,
        at: String,
        scanned_code: Option<String>,
    ) -> Result<Vec<Event>> {
        let command = core_::ConfirmPick {
            task_id: task_id.into(),
            stop,
            quantity,
            scanned_code,
        };
        self.run(command, &at)
    }

    /// The picker found only `quantityFound` units at a stop.
    pub fn short_pick(
        &self,
        task_id: String,
        stop: u32,
        quantity_found: u64,
        at: String,
    ) -> Result<Vec<Event>> {
        let command = core_::ShortPick {
            task_id: task_id.into(),
            stop,
            quantity_found,
        };
        self.run(command, &at)
    }

    /// Closes a task whose stops are all picked or reported short.
    pub fn complete_task(&self, task_id: String, at: String) -> Result<Vec<Event>> {
        let command = core_::CompleteTask {
            task_id: task_id.into(),
        };
        self.run(command, &at)
    }

    /// A location's floor plan, if it has one.
    pub fn layout(&self, location_id: String) -> Result<Option<Layout>> {
        Ok(self.lock()?.layout(&location_id).cloned().map(Into::into))
    }

    /// A location's bins, by id.
    pub fn bins(&self, location_id: String) -> Result<Vec<Bin>> {
        Ok(self
            .lock()?
            .bins(&location_id)
            .into_iter()
            .map(|b| Bin {
                location_id: b.location_id.to_string(),
                bin_id: b.bin_id.to_string(),
                slot: slot_back(b.slot),
                sku: b.sku.as_ref().map(ToString::to_string),
                zone: b.zone.clone(),
                side: b.side.map(Into::into),
                level: b.level,
            })
            .collect())
    }

    /// One pick task.
    pub fn pick_task(&self, task_id: String) -> Result<PickTaskRecord> {
        match self.lock()?.pick_task(&task_id) {
            Some(t) => Ok(t.into()),
            None => Err(OmsFfiError::from(oms_core::OmsError::NotFound {
                kind: "pick task".into(),
                id: task_id,
            })),
        }
    }

    /// Pick tasks by id, optionally only at a location or in a status.
    #[uniffi::method(default(location_id = None, status = None))]
    pub fn pick_tasks(
        &self,
        location_id: Option<String>,
        status: Option<TaskStatus>,
    ) -> Result<Vec<PickTaskRecord>> {
        let engine = self.lock()?;
        let tasks = engine.pick_tasks(location_id.as_deref(), status.map(Into::into));
        Ok(tasks.into_iter().map(Into::into).collect())
    }

    /// The next task for a picker at a location: the first open task
    /// nothing was picked on yet.
    pub fn next_pick_task(&self, location_id: String) -> Result<Option<PickTaskRecord>> {
        Ok(self.lock()?.next_pick_task(&location_id).map(Into::into))
    }

    /// Scans checked and refused, over every task (or one location's).
    #[uniffi::method(default(location_id = None))]
    pub fn picking_accuracy(&self, location_id: Option<String>) -> Result<PickAccuracy> {
        let a = self.lock()?.picking_accuracy(location_id.as_deref());
        Ok(PickAccuracy {
            scans: a.scans,
            rejected_scans: a.rejected_scans,
            accuracy: a.accuracy,
        })
    }
}
