//! Container loading: the core's `packing` module, converted.

use oms_core::packing as pa_;

use crate::types::{mirror_enum, Dims};
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
    #[uniffi(default = 24)]
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
        placed: load
            .placed
            .into_iter()
            .map(|p| Placed {
                item: p.item as u64,
                x: p.x,
                y: p.y,
                z: p.z,
                axes: p.axes.into(),
            })
            .collect(),
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
    let placed: Vec<pa_::Placed> = placed
        .into_iter()
        .map(|p| pa_::Placed {
            item: usize::try_from(p.item).unwrap_or(usize::MAX),
            x: p.x,
            y: p.y,
            z: p.z,
            axes: p.axes.into(),
        })
        .collect();
    Ok(pa_::validate_load(
        &core_container(container),
        &core_items(items),
        &placed,
    )?)
}
