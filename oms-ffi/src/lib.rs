//! Mobile binding of `oms-core` through uniffi (Kotlin and Swift).
//!
//! Placeholder: the uniffi layer is built in the bindings issue. Until then
//! this crate only re-exports the core so that the workspace layout is final.

#![forbid(unsafe_code)]

pub use oms_core;
