//! Warehouse picking: the floor ([`Layout`]), pick routes over it
//! ([`optimal_route`]). Pure functions: data in, plans out; the engine is
//! not needed to call them.

pub mod layout;
pub mod routing;

pub use layout::{Block, Depot, Layout, Slot, MAX_AISLES, MAX_BLOCKS};
pub use routing::{optimal_route, Route, Waypoint};
