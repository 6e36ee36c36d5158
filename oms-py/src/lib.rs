//! Python binding of `oms-core` (distribution `oms-engine`, import `oms_engine`).
//!
//! Placeholder: the pyo3 layer is built in the bindings issue. Until then
//! this crate only re-exports the core so that the workspace layout is final.

#![forbid(unsafe_code)]

pub use oms_core;
