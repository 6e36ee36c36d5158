//! Warehouse picking: the floor ([`Layout`]), exact pick routes over it
//! ([`optimal_route`]), routes that also choose among an article's bins
//! ([`scattered_route`]) and the classic heuristics by name
//! ([`heuristic_route`]), and order batching under a cart's capacity
//! ([`batch_orders`]), wave planning ([`plan_waves`]), and the records of
//! pick work in the engine ([`task`]). Pure functions: data in, plans out; the engine
//! is not needed to call them.

pub mod batching;
pub mod heuristics;
pub mod improve;
mod insertion;
pub mod layout;
pub mod routing;
pub mod scattered;
pub mod task;
pub mod waves;

pub use batching::{
    batch_orders, Batch, BatchMethod, BatchOptions, BatchOrder, BatchPlan, BatchStop, Cart,
    MAX_BATCH_ORDERS, MAX_ROUTES,
};
pub use heuristics::{heuristic_route, Heuristic};
pub use improve::{improved_route, MAX_IMPROVED_STOPS};
pub use layout::{Block, Depot, Layout, Slot, MAX_AISLES, MAX_BLOCKS, MAX_EXACT_BLOCKS};
pub use routing::{optimal_route, Route, Waypoint};
pub use scattered::{scattered_route, Article, ScatteredRoute, Stocked, Visit};
pub use task::{Bin, PickAccuracy, PickMethod, PickStop, PickTask, Side, TaskStatus, Wave};
pub use waves::{plan_waves, WaveCandidate, WaveRules};
