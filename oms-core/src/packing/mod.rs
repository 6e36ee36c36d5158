//! Packing: boxes into a container, and an order's units into cartons,
//! in integer millimetres and grams.
//!
//! [`cartonize`] chooses the cartons for an order's units (fewest parcels,
//! then the cheapest to ship, then the smallest) and [`validate`] checks
//! such a plan; see the `cartonize` module doc for the rules.
//!
//! [`load_container`] fills one container with as much volume as it can
//! from a list of item types (the container-loading problem of the
//! Bischoff–Ratcliff instances), and [`validate_load`] checks any load: every
//! item inside, no two overlapping, each turned only as its type allows,
//! the weight within the limit. Both are pure functions of their input.
//!
//! ```
//! use oms_core::packing::{load_container, validate_load, Container, ItemType, LoadOptions, Orientation};
//! use oms_core::Dims;
//! let container = Container { dims: Dims { length: 400, width: 300, height: 200 }, max_weight: None };
//! let items = [ItemType {
//!     dims: Dims { length: 200, width: 150, height: 100 },
//!     weight: 500,
//!     quantity: 10,
//!     orientation: Orientation::Any,
//! }];
//! let load = load_container(&container, &items, &LoadOptions::default()).unwrap();
//! assert_eq!(load.placed.len(), 8); // 2 × 2 × 2 fill the container
//! assert_eq!(load.volume, 400 * 300 * 200);
//! assert!(validate_load(&container, &items, &load.placed).is_ok());
//! ```

mod cartonize;
mod loading;

pub use cartonize::{
    cartonize, check_cartons, validate, Carton, CartonPlan, CartonizeOptions, PackItem,
    PackingRules, Parcel, WeightBreak,
};

pub use loading::{
    load_container, validate_load, Axes, Container, ItemType, Load, LoadOptions, Orientation,
    Placed, MAX_ITEMS,
};
