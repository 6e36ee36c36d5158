//! The Python binding of `oms-core`: the native module `oms_engine._oms`.
//!
//! Conversion only. Commands arrive as Python dicts in the core's JSON
//! contract and leave as events in the same shape; every rule lives in the
//! core. The pure-Python package `oms_engine` (in `python/`) adds the
//! exception classes and typed conveniences on top of [`engine::EngineCore`].
//!
//! The engine sits behind a `Mutex`, so one engine may be shared between
//! threads; the GIL is released while the core runs.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod bulk;
mod convert;
mod engine;
mod errors;
mod pyde;
mod pyser;

use oms_core::packing;
use pyo3::prelude::*;

/// The JSON Schema of commands, as a dict.
#[pyfunction]
fn command_schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    convert::schema_to_py(py, &oms_core::schema::command_schema())
}

/// The JSON Schema of events, as a dict.
#[pyfunction]
fn event_schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    convert::schema_to_py(py, &oms_core::schema::event_schema())
}

/// The JSON Schema of the engine config, as a dict.
#[pyfunction]
fn config_schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    convert::schema_to_py(py, &oms_core::schema::config_schema())
}

/// Per supplier, what an event history shows of it: on-time rate, fill
/// rate, average lead time and damage rate, each with the counts behind it
/// (see `oms_core::purchasing::performance`).
#[pyfunction]
fn supplier_performance<'py>(
    py: Python<'py>,
    events: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let keys = pyde::Keys::for_batch();
    let mut log = Vec::new();
    for (i, event) in events.try_iter()?.enumerate() {
        log.push(engine::event_from(&event?, i, &keys)?);
    }
    let records = py.detach(move || oms_core::purchasing::performance::supplier_performance(&log));
    pyser::to_py(py, &records)
}

/// Reads a floor layout and the list `items` (named `what` in errors),
/// runs `plan` on them without the GIL, and returns its result as Python data.
fn on_floor<'py, T, R>(
    py: Python<'py>,
    layout: &Bound<'py, PyAny>,
    items: &Bound<'py, PyAny>,
    what: &str,
    plan: impl FnOnce(&oms_core::picking::Layout, &[T]) -> oms_core::Result<R> + Send,
) -> PyResult<Bound<'py, PyAny>>
where
    T: serde::de::DeserializeOwned + Send,
    R: serde::Serialize + Send,
{
    let keys = pyde::Keys::none();
    let layout: oms_core::picking::Layout = engine::read(layout, "layout", None, &keys)?;
    let items: Vec<T> = engine::read(items, what, None, &keys)?;
    let result = py
        .detach(move || plan(&layout, &items))
        .map_err(|e| errors::to_py_err(py, &e, None))?;
    pyser::to_py(py, &result)
}

/// The shortest pick route on a warehouse floor: `layout` and `picks` as
/// dicts in the core's JSON shape (`oms_core::picking::Layout`, a list of
/// `Slot`s); the result is the route as a dict (`order`, `distance`, `path`).
#[pyfunction]
fn optimal_route<'py>(
    py: Python<'py>,
    layout: &Bound<'py, PyAny>,
    picks: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    on_floor(py, layout, picks, "picks", oms_core::picking::optimal_route)
}

/// A route by local search (2-opt and Or-opt on shortest walking
/// distances) on any floor; same shapes as [`optimal_route`], which uses it
/// beyond four blocks.
#[pyfunction]
fn improved_route<'py>(
    py: Python<'py>,
    layout: &Bound<'py, PyAny>,
    picks: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    on_floor(
        py,
        layout,
        picks,
        "picks",
        oms_core::picking::improved_route,
    )
}

/// The route a classic heuristic walks (`s_shape`, `return`, `midpoint`,
/// `largest_gap`, `combined`) on any floor (several blocks: Roodbergen and
/// de Koster's block-by-block walks); same shapes as [`optimal_route`].
#[pyfunction]
fn heuristic_route<'py>(
    py: Python<'py>,
    layout: &Bound<'py, PyAny>,
    picks: &Bound<'py, PyAny>,
    heuristic: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let heuristic: oms_core::picking::Heuristic =
        engine::read(heuristic, "heuristic", None, &pyde::Keys::none())?;
    on_floor(py, layout, picks, "picks", move |l, p| {
        oms_core::picking::heuristic_route(l, p, heuristic)
    })
}

/// A route that also chooses each article's bins (scattered storage):
/// `articles` as a list of `{quantity, stock: [{slot, units}]}`; the
/// result is `{visits, route, exact}`.
#[pyfunction]
fn scattered_route<'py>(
    py: Python<'py>,
    layout: &Bound<'py, PyAny>,
    articles: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    on_floor(
        py,
        layout,
        articles,
        "articles",
        oms_core::picking::scattered_route,
    )
}

/// Order batching under a cart's capacity: `orders` as a list of
/// `{picks, items?, volume?, weight?}`, `cart` as `{max_items?, max_volume?,
/// max_weight?, max_orders?}`, `options` as `{method?, iterations?, seed?}`;
/// the result is `{batches: [{orders, stops, distance, path}], distance}`.
#[pyfunction]
#[pyo3(signature = (layout, orders, cart, options=None))]
fn batch_orders<'py>(
    py: Python<'py>,
    layout: &Bound<'py, PyAny>,
    orders: &Bound<'py, PyAny>,
    cart: &Bound<'py, PyAny>,
    options: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let keys = pyde::Keys::none();
    let cart: oms_core::picking::Cart = engine::read(cart, "cart", None, &keys)?;
    let options: oms_core::picking::BatchOptions = match options {
        Some(o) => engine::read(o, "options", None, &keys)?,
        None => oms_core::picking::BatchOptions::default(),
    };
    on_floor(py, layout, orders, "orders", move |l, o| {
        oms_core::picking::batch_orders(l, o, &cart, &options)
    })
}

/// Loads as much volume of `items` into `container` as it can: `container`
/// as `{dims: {length, width, height}, max_weight?}`, `items` as a list of
/// `{dims, weight?, quantity, orientation}`, `options` as `{tries?, seed?}`;
/// the result is `{placed: [{item, x, y, z, axes}], volume, weight}`.
#[pyfunction]
#[pyo3(signature = (container, items, options=None))]
fn load_container<'py>(
    py: Python<'py>,
    container: &Bound<'py, PyAny>,
    items: &Bound<'py, PyAny>,
    options: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let keys = pyde::Keys::none();
    let container: packing::Container = engine::read(container, "container", None, &keys)?;
    let items: Vec<packing::ItemType> = engine::read(items, "items", None, &keys)?;
    let options: packing::LoadOptions = match options {
        Some(o) => engine::read(o, "options", None, &keys)?,
        None => packing::LoadOptions::default(),
    };
    let load = py
        .detach(move || packing::load_container(&container, &items, &options))
        .map_err(|e| errors::to_py_err(py, &e, None))?;
    pyser::to_py(py, &load)
}

/// Checks a load (`oms_core::packing::validate_load`): raises `ValidationError`
/// naming the first unit out of the container, overlapping another, turned
/// as its item forbids, beyond its quantity, or over the weight limit.
#[pyfunction]
fn validate_load<'py>(
    py: Python<'py>,
    container: &Bound<'py, PyAny>,
    items: &Bound<'py, PyAny>,
    placed: &Bound<'py, PyAny>,
) -> PyResult<()> {
    let keys = pyde::Keys::none();
    let container: packing::Container = engine::read(container, "container", None, &keys)?;
    let items: Vec<packing::ItemType> = engine::read(items, "items", None, &keys)?;
    let placed: Vec<packing::Placed> = engine::read(placed, "placed", None, &keys)?;
    packing::validate_load(&container, &items, &placed).map_err(|e| errors::to_py_err(py, &e, None))
}

/// The native module; `oms_engine` re-exports what users need.
#[pymodule]
fn _oms(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<engine::EngineCore>()?;
    m.add_function(wrap_pyfunction!(command_schema, m)?)?;
    m.add_function(wrap_pyfunction!(event_schema, m)?)?;
    m.add_function(wrap_pyfunction!(config_schema, m)?)?;
    m.add_function(wrap_pyfunction!(supplier_performance, m)?)?;
    m.add_function(wrap_pyfunction!(optimal_route, m)?)?;
    m.add_function(wrap_pyfunction!(heuristic_route, m)?)?;
    m.add_function(wrap_pyfunction!(improved_route, m)?)?;
    m.add_function(wrap_pyfunction!(scattered_route, m)?)?;
    m.add_function(wrap_pyfunction!(batch_orders, m)?)?;
    m.add_function(wrap_pyfunction!(load_container, m)?)?;
    m.add_function(wrap_pyfunction!(validate_load, m)?)?;
    m.add("SCHEMA_VERSION", oms_core::SCHEMA_VERSION)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
