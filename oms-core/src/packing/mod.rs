//! Packing: boxes into a container, in integer millimetres and grams.
//!
//! [`load_container`] fills one container with as much volume as it can
//! from a list of item types (the container-loading problem of the
//! Bischoff–Ratcliff instances), and [`validate`] checks any load: every
//! item inside, no two overlapping, each turned only as its type allows,
//! the weight within the limit. Both are pure functions of their input.
//!
//! ```
//! use oms_core::packing::{load_container, validate, Container, ItemType, LoadOptions, Orientation};
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
//! assert!(validate(&container, &items, &load.placed).is_ok());
//! ```

mod loading;

pub use loading::{
    load_container, validate, Axes, Container, ItemType, Load, LoadOptions, Orientation, Placed,
    MAX_ITEMS,
};
