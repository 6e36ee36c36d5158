//! Container loading: the core's `packing` module, converted.

use oms_core::packing as pa_;

use crate::types::{mirror_enum, money_opt, Dims, Money};
use crate::OmsFfiError;

type Result<T, E = OmsFfiError> = std::result::Result<T, E>;

/// What is loaded into: inner dimensions and the grams it may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Container {
    /// Inner length (x), width (y) and height (z), in millimetres.
    pub dims: Dims,
    /// The most grams of items it carries; none for no limit.
    #[uniffi(default = None)]
    pub max_weight: Option<u64>,
}

/// How an item may be turned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Orientation {
    /// Any of the six ways.
    Any,
    /// Its height stays vertical; it may turn about it.
    Upright,
    /// Exactly as given.
    Fixed,
    /// Each side that may be vertical.
    Vertical {
        /// Whether the length may be vertical.
        length: bool,
        /// Whether the width may be vertical.
        width: bool,
        /// Whether the height may be vertical.
        height: bool,
    },
}

impl From<Orientation> for pa_::Orientation {
    fn from(o: Orientation) -> Self {
        match o {
            Orientation::Any => pa_::Orientation::Any,
            Orientation::Upright => pa_::Orientation::Upright,
            Orientation::Fixed => pa_::Orientation::Fixed,
            Orientation::Vertical {
                length,
                width,
                height,
            } => pa_::Orientation::Vertical {
                length,
                width,
                height,
            },
        }
    }
}

impl From<pa_::Orientation> for Orientation {
    fn from(o: pa_::Orientation) -> Self {
        match o {
            pa_::Orientation::Any => Orientation::Any,
            pa_::Orientation::Upright => Orientation::Upright,
            pa_::Orientation::Fixed => Orientation::Fixed,
            pa_::Orientation::Vertical {
                length,
                width,
                height,
            } => Orientation::Vertical {
                length,
                width,
                height,
            },
        }
    }
}

/// Which item sides lie along the container's length, width and height.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Axes {
    /// As given.
    Lwh,
    /// Turned about the vertical.
    Wlh,
    /// Length along, height across, width up.
    Lhw,
    /// Height along, length across, width up.
    Hlw,
    /// Width along, height across, length up.
    Whl,
    /// Height along, width across, length up.
    Hwl,
}

mirror_enum!(Axes, pa_::Axes, [Lwh, Wlh, Lhw, Hlw, Whl, Hwl]);

/// A type of item to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ItemType {
    /// Length, width and height in millimetres.
    pub dims: Dims,
    /// Grams per unit.
    #[uniffi(default = 0)]
    pub weight: u64,
    /// Units available.
    pub quantity: u64,
    /// How a unit may be turned.
    pub orientation: Orientation,
}

/// One unit placed: its item index, lowest corner and how it is turned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Placed {
    /// The item type (its index in the input).
    pub item: u64,
    /// Its corner nearest the container's origin, in millimetres.
    pub x: u32,
    /// See `x`.
    pub y: u32,
    /// See `x`.
    pub z: u32,
    /// How it is turned.
    pub axes: Axes,
}

/// A load: units in loading order, their volume (mm³) and grams.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Load {
    /// The units placed, in the order they go in.
    pub placed: Vec<Placed>,
    /// Their volume in cubic millimetres.
    pub volume: u64,
    /// Their weight in grams.
    pub weight: u64,
}

/// How hard `loadContainer` tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct LoadOptions {
    /// Constructions in all (at least 1).
    #[uniffi(default = 16)]
    pub tries: u32,
    /// Seed of the randomised constructions.
    #[uniffi(default = 0)]
    pub seed: u64,
}

fn core_container(c: Container) -> pa_::Container {
    pa_::Container {
        dims: c.dims.into(),
        max_weight: c.max_weight,
    }
}

fn core_items(items: Vec<ItemType>) -> Vec<pa_::ItemType> {
    items
        .into_iter()
        .map(|i| pa_::ItemType {
            dims: i.dims.into(),
            weight: i.weight,
            quantity: i.quantity,
            orientation: i.orientation.into(),
        })
        .collect()
}

/// Fills `container` with as much volume of `items` as it can; the same
/// input gives the same load, and every load passes `validateLoad`.
#[uniffi::export(default(options = None))]
pub fn load_container(
    container: Container,
    items: Vec<ItemType>,
    options: Option<LoadOptions>,
) -> Result<Load> {
    let options = options.map_or_else(pa_::LoadOptions::default, |o| pa_::LoadOptions {
        tries: o.tries,
        seed: o.seed,
    });
    let load = pa_::load_container(&core_container(container), &core_items(items), &options)?;
    Ok(Load {
        placed: load.placed.into_iter().map(placed_from_core).collect(),
        volume: load.volume,
        weight: load.weight,
    })
}

/// Checks a load: fails naming the first unit out of the container,
/// overlapping another, turned as its item forbids, beyond its quantity,
/// or over the weight limit.
#[uniffi::export]
pub fn validate_load(
    container: Container,
    items: Vec<ItemType>,
    placed: Vec<Placed>,
) -> Result<()> {
    let placed: Vec<pa_::Placed> = placed.into_iter().map(placed_to_core).collect();
    Ok(pa_::validate_load(
        &core_container(container),
        &core_items(items),
        &placed,
    )?)
}

/// How a product packs: how a unit may turn, and which units it may
/// share a carton with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct PackingRules {
    /// How a unit may be turned.
    pub orientation: Orientation,
    /// Shares a carton only with other fragile units.
    #[uniffi(default = false)]
    pub fragile: bool,
    /// Shares a carton only with other hazmat units.
    #[uniffi(default = false)]
    pub hazmat: bool,
    /// Each unit ships alone in its own box.
    #[uniffi(default = false)]
    pub own_box: bool,
}

impl From<PackingRules> for pa_::PackingRules {
    fn from(r: PackingRules) -> Self {
        pa_::PackingRules {
            orientation: r.orientation.into(),
            fragile: r.fragile,
            hazmat: r.hazmat,
            own_box: r.own_box,
        }
    }
}

impl From<pa_::PackingRules> for PackingRules {
    fn from(r: pa_::PackingRules) -> Self {
        PackingRules {
            orientation: r.orientation.into(),
            fragile: r.fragile,
            hazmat: r.hazmat,
            own_box: r.own_box,
        }
    }
}

/// A shipping box the packing station may use.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Carton {
    /// Unique within the catalog.
    pub carton_id: String,
    /// Inner dimensions in millimetres.
    pub inner: Dims,
    /// What one carton costs.
    pub cost: Money,
    /// Outer dimensions, for dimensional weight (default: the inner ones).
    #[uniffi(default = None)]
    pub outer: Option<Dims>,
    /// The most grams of contents (default: no limit).
    #[uniffi(default = None)]
    pub max_weight: Option<u64>,
    /// The empty carton's grams.
    #[uniffi(default = 0)]
    pub tare_weight: u64,
    /// The locations that stock it (default: every location).
    #[uniffi(default = None)]
    pub locations: Option<Vec<String>>,
}

/// Units of one SKU to pack.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PackItem {
    /// The SKU.
    pub sku: String,
    /// Units to pack.
    pub quantity: u64,
    /// One unit's length, width and height in millimetres.
    pub dims: Dims,
    /// How a unit may be turned.
    pub orientation: Orientation,
    /// Grams per unit.
    #[uniffi(default = 0)]
    pub weight: u64,
    /// Shares a carton only with other fragile units.
    #[uniffi(default = false)]
    pub fragile: bool,
    /// Shares a carton only with other hazmat units.
    #[uniffi(default = false)]
    pub hazmat: bool,
    /// Each unit ships alone in its own box, with no carton.
    #[uniffi(default = false)]
    pub own_box: bool,
}

/// The price of a parcel billed up to `up_to` grams.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WeightBreak {
    /// The heaviest billable grams this price covers.
    pub up_to: u64,
    /// The price.
    pub price: Money,
}

/// Where and at what price `cartonize` packs.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CartonizeOptions {
    /// Only cartons stocked here (default: every carton).
    #[uniffi(default = None)]
    pub location: Option<String>,
    /// Dimensional-weight divisor in cm³ per kg (default: none).
    #[uniffi(default = None)]
    pub dim_divisor: Option<u32>,
    /// Rate by billable weight, breaks in increasing `upTo`.
    #[uniffi(default = [])]
    pub rates: Vec<WeightBreak>,
    /// Constructions per carton tried.
    #[uniffi(default = 4)]
    pub tries: u32,
    /// Seed of the randomised constructions.
    #[uniffi(default = 0)]
    pub seed: u64,
}

/// One parcel of a plan.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Parcel {
    /// The carton; none when the unit ships in its own box.
    pub carton_id: Option<String>,
    /// The units, by item index, inside the carton's room.
    pub placed: Vec<Placed>,
    /// Outer dimensions.
    pub dims: Dims,
    /// Gross grams.
    pub weight: u64,
    /// The larger of gross and dimensional weight.
    pub billable_weight: u64,
    /// Carton plus rate, when priced.
    pub cost: Option<Money>,
}

/// `cartonize`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CartonPlan {
    /// Own-box parcels first, then the packed groups.
    pub parcels: Vec<Parcel>,
    /// The parcels' total cost, when priced.
    pub cost: Option<Money>,
}

fn weight_break(b: WeightBreak) -> Result<pa_::WeightBreak> {
    Ok(pa_::WeightBreak {
        up_to: b.up_to,
        price: b.price.into_core()?,
    })
}

fn core_cartons(cartons: Vec<Carton>) -> Result<Vec<pa_::Carton>> {
    cartons
        .into_iter()
        .map(|c| {
            Ok(pa_::Carton {
                carton_id: c.carton_id.into(),
                inner: c.inner.into(),
                outer: c.outer.map(Into::into),
                max_weight: c.max_weight,
                tare_weight: c.tare_weight,
                cost: c.cost.into_core()?,
                locations: c.locations.map(|l| l.into_iter().map(Into::into).collect()),
            })
        })
        .collect()
}

fn core_pack_items(items: Vec<PackItem>) -> Vec<pa_::PackItem> {
    items
        .into_iter()
        .map(|i| pa_::PackItem {
            sku: i.sku.into(),
            quantity: i.quantity,
            dims: i.dims.into(),
            weight: i.weight,
            orientation: i.orientation.into(),
            fragile: i.fragile,
            hazmat: i.hazmat,
            own_box: i.own_box,
        })
        .collect()
}

fn placed_from_core(p: pa_::Placed) -> Placed {
    Placed {
        item: p.item as u64,
        x: p.x,
        y: p.y,
        z: p.z,
        axes: p.axes.into(),
    }
}

fn placed_to_core(p: Placed) -> pa_::Placed {
    pa_::Placed {
        item: usize::try_from(p.item).unwrap_or(usize::MAX),
        x: p.x,
        y: p.y,
        z: p.z,
        axes: p.axes.into(),
    }
}

/// Chooses cartons for an order's units: fewest parcels, then cheapest,
/// then smallest; fragile and hazmat units apart, own-box units alone.
/// Every plan passes `validatePlan`.
#[uniffi::export(default(options = None))]
pub fn cartonize(
    cartons: Vec<Carton>,
    items: Vec<PackItem>,
    options: Option<CartonizeOptions>,
) -> Result<CartonPlan> {
    let options = match options {
        None => pa_::CartonizeOptions::default(),
        Some(o) => pa_::CartonizeOptions {
            location: o.location.map(Into::into),
            dim_divisor: o.dim_divisor,
            rates: o
                .rates
                .into_iter()
                .map(weight_break)
                .collect::<Result<_>>()?,
            tries: o.tries,
            seed: o.seed,
        },
    };
    let plan = pa_::cartonize(&core_cartons(cartons)?, &core_pack_items(items), &options)?;
    Ok(CartonPlan {
        parcels: plan
            .parcels
            .into_iter()
            .map(|p| Parcel {
                carton_id: p.carton_id.map(|c| c.to_string()),
                placed: p.placed.into_iter().map(placed_from_core).collect(),
                dims: p.dims.into(),
                weight: p.weight,
                billable_weight: p.billable_weight,
                cost: p.cost.map(Into::into),
            })
            .collect(),
        cost: plan.cost.map(Into::into),
    })
}

/// Checks a carton plan: fails naming the first parcel or item at fault.
#[uniffi::export]
pub fn validate_plan(cartons: Vec<Carton>, items: Vec<PackItem>, plan: CartonPlan) -> Result<()> {
    let parcels = plan
        .parcels
        .into_iter()
        .map(|p| {
            Ok(pa_::Parcel {
                carton_id: p.carton_id.map(Into::into),
                placed: p.placed.into_iter().map(placed_to_core).collect(),
                dims: p.dims.into(),
                weight: p.weight,
                billable_weight: p.billable_weight,
                cost: money_opt(p.cost)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let plan = pa_::CartonPlan {
        parcels,
        cost: money_opt(plan.cost)?,
    };
    Ok(pa_::validate(
        &core_cartons(cartons)?,
        &core_pack_items(items),
        &plan,
    )?)
}
