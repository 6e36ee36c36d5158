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
mod events;
mod pyde;
mod pyser;
mod table;
mod tables;

use oms_core::{packing, shipping};
use pyo3::prelude::*;
use serde::de::DeserializeOwned;

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
    let log = events_from(events)?;
    let records = py.detach(move || oms_core::purchasing::performance::supplier_performance(&log));
    pyser::to_py(py, &records)
}

/// Reads an iterable of event dicts (an error names the event's index).
fn events_from(events: &Bound<'_, PyAny>) -> PyResult<Vec<oms_core::Event>> {
    let keys = pyde::Keys::for_batch();
    let mut log = Vec::new();
    for (i, event) in events.try_iter()?.enumerate() {
        log.push(engine::event_from(&event?, i, &keys)?);
    }
    Ok(log)
}

/// KPIs of the event history for the window `[window_from, window_to)`
/// (aware datetimes; absent bounds are open): each figure with its
/// numerator and denominator (see `oms_core::kpi`).
#[pyfunction]
#[pyo3(signature = (events, window_from=None, window_to=None))]
fn kpis<'py>(
    py: Python<'py>,
    events: &Bound<'py, PyAny>,
    window_from: Option<&Bound<'py, PyAny>>,
    window_to: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let window = oms_core::kpi::Window {
        from: window_from.map(convert::utc_time).transpose()?,
        to: window_to.map(convert::utc_time).transpose()?,
    };
    let log = events_from(events)?;
    let report = py.detach(move || oms_core::kpi::compute(&log, &window));
    pyser::to_py(py, &report)
}

/// Adds up KPI reports of shards of one history (same window): numerators
/// and denominators summed, values and percentiles worked out again.
#[pyfunction]
fn merge_kpis<'py>(py: Python<'py>, reports: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let reports: Vec<oms_core::kpi::KpiReport> = arg(reports, "reports")?;
    let merged = py.detach(move || oms_core::kpi::merge(&reports));
    pyser::to_py(py, &merged)
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
    let layout: oms_core::picking::Layout = arg(layout, "layout")?;
    let items: Vec<T> = arg(items, what)?;
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
    let heuristic: oms_core::picking::Heuristic = arg(heuristic, "heuristic")?;
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
    let cart: oms_core::picking::Cart = arg(cart, "cart")?;
    let options: oms_core::picking::BatchOptions = arg_or_default(options, "options")?;
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
    let container: packing::Container = arg(container, "container")?;
    let items: Vec<packing::ItemType> = arg(items, "items")?;
    let options: packing::LoadOptions = arg_or_default(options, "options")?;
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
    let container: packing::Container = arg(container, "container")?;
    let items: Vec<packing::ItemType> = arg(items, "items")?;
    let placed: Vec<packing::Placed> = arg(placed, "placed")?;
    packing::validate_load(&container, &items, &placed).map_err(|e| errors::to_py_err(py, &e, None))
}

/// Reads argument `name` in the core's JSON shape.
pub(crate) fn arg<T: DeserializeOwned>(value: &Bound<'_, PyAny>, name: &str) -> PyResult<T> {
    engine::read(value, name, None, &pyde::Keys::none())
}

/// Reads an optional argument, or its default.
fn arg_or_default<T: DeserializeOwned + Default>(
    value: Option<&Bound<'_, PyAny>>,
    name: &str,
) -> PyResult<T> {
    value.map_or_else(|| Ok(T::default()), |v| arg(v, name))
}

/// Chooses cartons for an order's units (`oms_core::packing::cartonize`):
/// `{parcels: [{carton_id, placed, dims, weight, billable_weight, cost}], cost}`.
#[pyfunction]
#[pyo3(signature = (cartons, items, options=None))]
fn cartonize<'py>(
    py: Python<'py>,
    cartons: &Bound<'py, PyAny>,
    items: &Bound<'py, PyAny>,
    options: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cartons: Vec<packing::Carton> = arg(cartons, "cartons")?;
    let items: Vec<packing::PackItem> = arg(items, "items")?;
    let options: packing::CartonizeOptions = arg_or_default(options, "options")?;
    let plan = py
        .detach(move || packing::cartonize(&cartons, &items, &options))
        .map_err(|e| errors::to_py_err(py, &e, None))?;
    pyser::to_py(py, &plan)
}

/// Checks a carton plan (`oms_core::packing::validate`): raises
/// `ValidationError` naming the first parcel or item at fault.
#[pyfunction]
fn validate_plan(
    py: Python<'_>,
    cartons: &Bound<'_, PyAny>,
    items: &Bound<'_, PyAny>,
    plan: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let cartons: Vec<packing::Carton> = arg(cartons, "cartons")?;
    let items: Vec<packing::PackItem> = arg(items, "items")?;
    let plan: packing::CartonPlan = arg(plan, "plan")?;
    packing::validate(&cartons, &items, &plan).map_err(|e| errors::to_py_err(py, &e, None))
}

/// The service for a shipment (`oms_core::shipping::select_service`).
#[pyfunction]
fn select_service<'py>(
    py: Python<'py>,
    config: &Bound<'py, PyAny>,
    origin: &Bound<'py, PyAny>,
    request: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let config: shipping::ShippingConfig = arg(config, "config")?;
    let origin: oms_core::Location = arg(origin, "origin")?;
    let request: shipping::ShipmentRequest = arg(request, "request")?;
    let choice = shipping::select_service(&config, &origin, &request)
        .map_err(|e| errors::to_py_err(py, &e, None))?;
    pyser::to_py(py, &choice)
}

/// The earliest delivery over origins and services
/// (`oms_core::shipping::delivery_promise`).
#[pyfunction]
fn delivery_promise<'py>(
    py: Python<'py>,
    config: &Bound<'py, PyAny>,
    origins: &Bound<'py, PyAny>,
    request: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let config: shipping::ShippingConfig = arg(config, "config")?;
    let origins: Vec<oms_core::Location> = arg(origins, "origins")?;
    let request: shipping::ShipmentRequest = arg(request, "request")?;
    let refs: Vec<&oms_core::Location> = origins.iter().collect();
    let promise = shipping::delivery_promise(&config, &refs, &request)
        .map_err(|e| errors::to_py_err(py, &e, None))?;
    pyser::to_py(py, &promise)
}

/// What is wrong with an address (`oms_core::shipping::check_address`):
/// a list of `{field, message}`, empty when it is fine.
#[pyfunction]
#[pyo3(signature = (address, config=None))]
fn check_address<'py>(
    py: Python<'py>,
    address: &Bound<'py, PyAny>,
    config: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let address: oms_core::Address = arg(address, "address")?;
    let config: shipping::ShippingConfig = arg_or_default(config, "config")?;
    pyser::to_py(py, &shipping::check_address(&address, &config.services))
}

/// A parcel's label as ZPL and plain fields (`oms_core::shipping::label`).
#[pyfunction]
fn shipping_label<'py>(py: Python<'py>, input: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let input: shipping::LabelInput = arg(input, "input")?;
    pyser::to_py(py, &shipping::label(&input))
}

/// The native module; `oms_engine` re-exports what users need.
#[pymodule]
fn _oms(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<engine::EngineCore>()?;
    m.add_class::<table::Table>()?;
    m.add_function(wrap_pyfunction!(tables::simulate, m)?)?;
    m.add_function(wrap_pyfunction!(tables::kpis_table, m)?)?;
    m.add_function(wrap_pyfunction!(tables::merge_kpi_tables, m)?)?;
    m.add_function(wrap_pyfunction!(command_schema, m)?)?;
    m.add_function(wrap_pyfunction!(event_schema, m)?)?;
    m.add_function(wrap_pyfunction!(config_schema, m)?)?;
    m.add_function(wrap_pyfunction!(supplier_performance, m)?)?;
    m.add_function(wrap_pyfunction!(kpis, m)?)?;
    m.add_function(wrap_pyfunction!(merge_kpis, m)?)?;
    m.add_function(wrap_pyfunction!(optimal_route, m)?)?;
    m.add_function(wrap_pyfunction!(heuristic_route, m)?)?;
    m.add_function(wrap_pyfunction!(improved_route, m)?)?;
    m.add_function(wrap_pyfunction!(scattered_route, m)?)?;
    m.add_function(wrap_pyfunction!(batch_orders, m)?)?;
    m.add_function(wrap_pyfunction!(load_container, m)?)?;
    m.add_function(wrap_pyfunction!(validate_load, m)?)?;
    m.add_function(wrap_pyfunction!(cartonize, m)?)?;
    m.add_function(wrap_pyfunction!(validate_plan, m)?)?;
    m.add_function(wrap_pyfunction!(select_service, m)?)?;
    m.add_function(wrap_pyfunction!(delivery_promise, m)?)?;
    m.add_function(wrap_pyfunction!(check_address, m)?)?;
    m.add_function(wrap_pyfunction!(shipping_label, m)?)?;
    m.add("SCHEMA_VERSION", oms_core::SCHEMA_VERSION)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
