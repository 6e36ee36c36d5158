//! `EngineCore`: the core engine behind a lock, with conversions at the edges.

use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};
use oms_core::picking::TaskStatus;
use oms_core::purchasing::PoStatus;
use oms_core::{Command, CommandOptions, Config, Engine, Event, OmsError, OrderStatus};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple, PyType};

use crate::bulk::{self, events_to_py};
use crate::convert::{type_name, utc_time};
use crate::errors::{poisoned, to_py_err};
use crate::pyde::{command_from_py, from_py, FromPyError, Keys};
use crate::pyser::to_py;

/// The engine: commands as dicts in, events as dicts out.
///
/// Safe to share between threads: calls are serialized by an internal
/// lock and the GIL is released while the core works.
#[pyclass(module = "oms_engine._oms", name = "EngineCore", subclass, frozen)]
pub struct EngineCore {
    engine: Mutex<Engine>,
}

/// A core call's outcome before it is converted under the GIL.
type Core<T> = Result<T, OmsError>;

impl EngineCore {
    /// Runs `f` on the engine with the GIL released.
    fn with<R: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Engine) -> R + Send,
    ) -> PyResult<R> {
        py.detach(|| match self.engine.lock() {
            Ok(mut e) => Ok(f(&mut e)),
            Err(_) => Err(()),
        })
        .map_err(|()| poisoned())
    }

    /// Runs a query and converts its result (or error) to Python.
    fn query<'py, T: serde::Serialize + Send>(
        &self,
        py: Python<'py>,
        f: impl FnOnce(&Engine) -> Core<T> + Send,
    ) -> PyResult<Bound<'py, PyAny>> {
        let value = self
            .with(py, |e| f(e))?
            .map_err(|e| to_py_err(py, &e, None))?;
        to_py(py, &value)
    }

    /// A new instance of `cls` (this class or a Python subclass) holding `engine`.
    /// An instance of `cls` replayed from `log` (without the GIL).
    fn replayed<'py>(
        cls: &Bound<'py, PyType>,
        config: Config,
        log: Vec<oms_core::Event>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = cls.py();
        let engine = py
            .detach(move || Engine::replay(config, &log))
            .map_err(|e| to_py_err(py, &e, None))?;
        Self::instance(cls, engine)
    }

    fn instance<'py>(cls: &Bound<'py, PyType>, engine: Engine) -> PyResult<Bound<'py, PyAny>> {
        let obj = cls.call0()?;
        {
            let core = obj.cast::<EngineCore>()?;
            *core.get().engine.lock().map_err(|_| poisoned())? = engine;
        }
        Ok(obj)
    }
}

/// Reads a core type from a Python object. Objects JSON cannot hold are
/// `TypeError`/`ValueError`; values the type refuses are the core's
/// `validation` error for `field`. `prefix` (e.g. `commands[3]`) starts messages.
pub(crate) fn read<'py, T: serde::de::DeserializeOwned>(
    obj: &Bound<'py, PyAny>,
    field: &str,
    prefix: Option<&str>,
    keys: &Keys<'py>,
) -> PyResult<T> {
    from_py(obj, prefix.unwrap_or(field), keys).map_err(|e| read_error(obj.py(), e, field, prefix))
}

/// A failed read as a Python exception: Python-level problems as they are,
/// values the core refuses as its `validation` error for `field`.
fn read_error(py: Python<'_>, e: FromPyError, field: &str, prefix: Option<&str>) -> PyErr {
    match e {
        FromPyError::Python(e) => e,
        FromPyError::Invalid(message) => {
            to_py_err(py, &OmsError::validation(field, message), prefix)
        }
    }
}

fn config_from(config: Option<&Bound<'_, PyAny>>) -> PyResult<Config> {
    match config {
        None => Ok(Config::default()),
        Some(c) if c.is_none() => Ok(Config::default()),
        Some(c) => {
            if !c.is_instance_of::<PyDict>() {
                return Err(PyTypeError::new_err(format!(
                    "config must be a dict, got {}",
                    type_name(c)
                )));
            }
            read(c, "config", None, &Keys::none())
        }
    }
}

/// A command from a dict; `prefix` (e.g. `commands[3]`) starts error messages.
fn command_from<'py>(
    obj: &Bound<'py, PyAny>,
    prefix: Option<&str>,
    keys: &Keys<'py>,
) -> PyResult<Options> {
    let what = prefix.unwrap_or("command");
    let Ok(dict) = obj.cast::<PyDict>() else {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a dict, got {}",
            type_name(obj)
        )));
    };
    let options = options_from(dict, what)?;
    let command =
        command_from_py(obj, what, keys).map_err(|e| read_error(obj.py(), e, "command", prefix))?;
    Ok((command, options))
}

/// A command with its options (boxed: most commands have none).
pub(crate) type Options = (Command, Option<Box<CommandOptions>>);

/// The `idempotency_key` and `expected_version` keys of a command dict.
fn options_from(dict: &Bound<'_, PyDict>, what: &str) -> PyResult<Option<Box<CommandOptions>>> {
    let py = dict.py();
    let key = dict.get_item("idempotency_key")?.filter(|v| !v.is_none());
    let version = dict.get_item("expected_version")?.filter(|v| !v.is_none());
    if key.is_none() && version.is_none() {
        return Ok(None);
    }
    let idempotency_key = key
        .map(|k| match k.cast::<PyString>() {
            Ok(s) => Ok(s.to_cow()?.into_owned()),
            Err(_) => Err(PyTypeError::new_err(format!(
                "{what}: idempotency_key must be a str, got {}",
                type_name(&k)
            ))),
        })
        .transpose()?;
    let expected_version = version
        .map(|v| {
            if !v.is_instance_of::<pyo3::types::PyInt>()
                || v.is_instance_of::<pyo3::types::PyBool>()
            {
                return Err(PyTypeError::new_err(format!(
                    "{what}: expected_version must be an int, got {}",
                    type_name(&v)
                )));
            }
            v.extract::<u64>().map_err(|_| {
                to_py_err(
                    py,
                    &OmsError::validation(
                        "expected_version",
                        format!("{v} is not a version (0 or more)"),
                    ),
                    None,
                )
            })
        })
        .transpose()?;
    Ok(Some(Box::new(CommandOptions {
        idempotency_key,
        expected_version,
    })))
}

pub(crate) fn event_from<'py>(
    obj: &Bound<'py, PyAny>,
    index: usize,
    keys: &Keys<'py>,
) -> PyResult<Event> {
    if !obj.is_instance_of::<PyDict>() {
        return Err(PyTypeError::new_err(format!(
            "events[{index}] must be a dict, got {}",
            type_name(obj)
        )));
    }
    read(obj, "event", Some(&format!("events[{index}]")), keys)
}

/// The last `at` read by a bulk load: loads often give many commands the
/// same datetime object, which is immutable, so it is converted once.
#[derive(Default)]
struct LastTime<'py>(Option<(Bound<'py, PyAny>, DateTime<Utc>)>);

impl<'py> LastTime<'py> {
    fn read(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<DateTime<Utc>> {
        if let Some((last, t)) = &self.0 {
            if last.is(obj) {
                return Ok(*t);
            }
        }
        let t = utc_time(obj)?;
        self.0 = Some((obj.clone(), t));
        Ok(t)
    }
}

/// One `execute_many` item: a `(command, at)` pair.
fn pair_from<'py>(
    item: &Bound<'py, PyAny>,
    index: usize,
    last: &mut LastTime<'py>,
    keys: &Keys<'py>,
) -> PyResult<(Options, DateTime<Utc>)> {
    // Messages name the item; the name is only built when something is wrong.
    let prefix = || format!("commands[{index}]");
    let pair = item
        .cast::<PyTuple>()
        .ok()
        .filter(|t| t.len() == 2)
        .ok_or_else(|| {
            PyTypeError::new_err(format!(
                "{}: expected a (command, at) tuple, got {}",
                prefix(),
                type_name(item)
            ))
        })?;
    let command = pair.get_item(0)?;
    let command = match command_from(&command, None, keys) {
        Ok(c) => c,
        // Reading is pure: reading again words the same error with the item's name.
        Err(_) => command_from(&command, Some(&prefix()), keys)?,
    };
    let at = last.read(&pair.get_item(1)?).map_err(|e| {
        let py = item.py();
        PyErr::from_type(e.get_type(py), format!("{}: {}", prefix(), e.value(py)))
    })?;
    Ok((command, at))
}

/// Pauses Python's cyclic garbage collector for a bulk conversion.
///
/// Converting a million commands and events allocates millions of dicts;
/// each allocation burst would trigger collections that traverse every
/// live object (including the caller's input) and find nothing, since
/// converted values hold no cycles. Restored on drop, also on error.
struct GcPause<'py> {
    gc: Option<Bound<'py, PyModule>>,
}

impl<'py> GcPause<'py> {
    fn new(py: Python<'py>) -> PyResult<Self> {
        let gc = py.import("gc")?;
        if gc.call_method0("isenabled")?.is_truthy()? {
            gc.call_method0("disable")?;
            return Ok(GcPause { gc: Some(gc) });
        }
        Ok(GcPause { gc: None })
    }
}

impl Drop for GcPause<'_> {
    fn drop(&mut self) {
        if let Some(gc) = &self.gc {
            // Failing to re-enable would only leave collection paused; nothing to report to.
            let _ = gc.call_method0("enable");
        }
    }
}

#[pymethods]
impl EngineCore {
    #[new]
    #[pyo3(signature = (config=None))]
    fn new(config: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        Ok(EngineCore {
            engine: Mutex::new(Engine::new(config_from(config)?)),
        })
    }

    /// Validates and executes one command; returns its events.
    fn execute<'py>(
        &self,
        py: Python<'py>,
        command: &Bound<'py, PyAny>,
        at: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let (command, options) = command_from(command, None, &Keys::none())?;
        let at = utc_time(at)?;
        let events = self
            .with(py, move |e| match options {
                None => e.execute(command, at),
                Some(o) => e.execute_with(command, &o, at),
            })?
            .map_err(|e| to_py_err(py, &e, None))?;
        let out = PyList::empty(py);
        // A batch allocation builds thousands of dicts: without a pause the
        // cyclic GC would walk them again and again (nothing here has cycles).
        let _pause = if events.len() > 64 {
            Some(GcPause::new(py)?)
        } else {
            None
        };
        events_to_py(py, &events, &out)?;
        Ok(out)
    }

    /// Executes `(command, at)` pairs in order, each atomically, and returns
    /// all their events. Stops at the first failure, raising it with
    /// `index` (which pair failed) and `events` (what the earlier ones
    /// recorded; those commands stay applied). With `collect_events=False`
    /// the events are not turned into dicts and the list is empty: for bulk
    /// loads that only need the resulting state.
    #[pyo3(signature = (commands, collect_events=true))]
    fn execute_many<'py>(
        &self,
        py: Python<'py>,
        commands: &Bound<'py, PyAny>,
        collect_events: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let mut last = LastTime::default();
        let keys = Keys::for_batch();
        let reader = bulk::Reader::new(commands.try_iter()?, move |item, index| {
            pair_from(item, index, &mut last, &keys)
        });
        let _pause = GcPause::new(py)?;
        bulk::execute_many(py, &self.engine, reader, collect_events)
    }

    /// Folds one recorded event into the state (e.g. to follow another
    /// engine); raises `ConflictError` if it does not fit, changing nothing.
    fn apply(&self, py: Python<'_>, event: &Bound<'_, PyAny>) -> PyResult<()> {
        let event = event_from(event, 0, &Keys::none())?;
        self.with(py, move |e| e.try_apply(&event))?
            .map_err(|e| to_py_err(py, &e, None))
    }

    /// Executes a commands table (one command per row: `type`, `at` and
    /// the command's fields as columns) in row order, each row atomically;
    /// returns the events table. `on_error="raise"` stops at the first
    /// failing row (rows before it stay applied) and raises its error
    /// naming the row; `"record"` records the error in the row's `error`
    /// and `error_code` columns and goes on. The events table's columns are
    /// described in [`crate::events`] (its KPI columns after `error_code`).
    #[pyo3(signature = (commands, *, on_error="raise"))]
    fn execute_table(
        &self,
        py: Python<'_>,
        commands: &Bound<'_, PyAny>,
        on_error: &str,
    ) -> PyResult<crate::table::Table> {
        let record = match on_error {
            "raise" => false,
            "record" => true,
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "on_error must be \"raise\" or \"record\", not {other:?}"
                )))
            }
        };
        let parsed = crate::tables::commands_from_table(py, commands)?;
        let rows = self.with(py, move |engine| {
            let mut rows: Vec<crate::events::RowOutcome> = Vec::with_capacity(parsed.len());
            for (row, p) in parsed.into_iter().enumerate() {
                let (at, result) = match p {
                    Ok((command, at)) => (at, engine.execute(command, at)),
                    Err(e) => (chrono::DateTime::<chrono::Utc>::UNIX_EPOCH, Err(e)),
                };
                let failed = result.is_err();
                rows.push((row as u32, at, result));
                if failed && !record {
                    break;
                }
            }
            rows
        })?;
        if !record {
            if let Some((row, _, Err(e))) = rows.last() {
                return Err(to_py_err(py, e, Some(&format!("commands[{row}]"))));
            }
        }
        Ok(py.detach(|| crate::events::events_table(&rows)))
    }

    /// Rebuilds an engine from an events table (its `event` column, in row
    /// order; rows without an event are skipped).
    #[classmethod]
    #[pyo3(signature = (events, config=None))]
    fn replay_table<'py>(
        cls: &Bound<'py, PyType>,
        events: &Bound<'py, PyAny>,
        config: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = cls.py();
        let config = config_from(config)?;
        let log = crate::events::events_from_table(py, events)?;
        Self::replayed(cls, config, log)
    }

    /// Rebuilds an engine from recorded events.
    #[classmethod]
    #[pyo3(signature = (events, config=None))]
    fn replay<'py>(
        cls: &Bound<'py, PyType>,
        events: &Bound<'py, PyAny>,
        config: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = cls.py();
        let config = config_from(config)?;
        let _pause = GcPause::new(py)?;
        let mut log = Vec::new();
        let keys = Keys::for_batch();
        for (i, event) in events.try_iter()?.enumerate() {
            log.push(event_from(&event?, i, &keys)?);
        }
        Self::replayed(cls, config, log)
    }

    /// The whole state as deterministic bytes (JSON), config included.
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.with(py, |e| e.snapshot())?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// An engine restored from [`snapshot`](Self::snapshot) bytes.
    #[classmethod]
    fn from_snapshot<'py>(
        cls: &Bound<'py, PyType>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = cls.py();
        let bytes = data.cast::<PyBytes>().map_err(|_| {
            PyTypeError::new_err(format!("data must be bytes, got {}", type_name(data)))
        })?;
        let bytes = bytes.as_bytes().to_vec();
        let engine = py
            .detach(move || Engine::from_snapshot(&bytes))
            .map_err(|e| to_py_err(py, &e, None))?;
        Self::instance(cls, engine)
    }

    /// Pickling goes through the snapshot, so it round-trips exactly.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let restore = slf.get_type().getattr("from_snapshot")?;
        let bytes = slf.get().snapshot(py)?;
        PyTuple::new(py, [restore, PyTuple::new(py, [bytes])?.into_any()])
    }

    /// The engine's config as a dict.
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| Ok(e.config().clone()))
    }

    /// How many events the engine has recorded or applied.
    fn events_applied(&self, py: Python<'_>) -> PyResult<u64> {
        self.with(py, |e| e.events_applied())
    }

    /// One order as a dict; `NotFoundError` if unknown.
    fn order<'py>(&self, py: Python<'py>, order_id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.order(order_id))
    }

    /// Orders, optionally only those with `status`, ordered by id.
    #[pyo3(signature = (status=None))]
    fn orders<'py>(&self, py: Python<'py>, status: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        let status = match status {
            None => None,
            Some(s) => Some(OrderStatus::parse(s).map_err(|e| to_py_err(py, &e, None))?),
        };
        self.query(py, move |e| Ok(e.orders(status)))
    }

    /// How many orders are in each status.
    fn order_counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| Ok(e.order_counts()))
    }

    /// Stock of one SKU at one location.
    fn stock<'py>(
        &self,
        py: Python<'py>,
        sku: &str,
        location_id: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.stock(sku, location_id))
    }

    /// Stock of one SKU at every location that has a record of it.
    fn stock_levels<'py>(&self, py: Python<'py>, sku: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.stock_levels(sku))
    }

    /// Units of `sku` free to promise, at one location or over all.
    #[pyo3(signature = (sku, location_id=None))]
    fn available(&self, py: Python<'_>, sku: &str, location_id: Option<&str>) -> PyResult<u64> {
        self.with(py, |e| e.available(sku, location_id))?
            .map_err(|e| to_py_err(py, &e, None))
    }

    /// One product as a dict.
    fn product<'py>(&self, py: Python<'py>, sku: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.product(sku))
    }

    /// Every product, ordered by SKU.
    fn products<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| Ok(e.products()))
    }

    /// One location as a dict.
    fn location<'py>(&self, py: Python<'py>, location_id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.location(location_id))
    }

    /// Every location, ordered by id.
    fn locations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| Ok(e.locations()))
    }

    /// One shipment as a dict.
    fn shipment<'py>(&self, py: Python<'py>, shipment_id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.shipment(shipment_id))
    }

    /// A packed order's labels before it ships, one per parcel, by the
    /// service chosen when it was packed.
    fn packed_labels<'py>(&self, py: Python<'py>, order_id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.packed_labels(order_id))
    }

    /// A shipment's labels, one per parcel: `[{zpl, barcode, header,
    /// from_lines, to_lines, details}]`.
    fn shipment_labels<'py>(
        &self,
        py: Python<'py>,
        shipment_id: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.shipment_labels(shipment_id))
    }

    /// One RMA as a dict: `{rma_id, order_id, status, resolution, lines,
    /// refund, refunded, ...}`; `NotFoundError` for an unknown id.
    fn rma<'py>(&self, py: Python<'py>, rma_id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.rma(rma_id))
    }

    /// Every RMA by id, or one order's in the order they were requested.
    #[pyo3(signature = (order_id=None))]
    fn rmas<'py>(&self, py: Python<'py>, order_id: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.rmas(order_id))
    }

    /// A customer as their orders describe them at `at` (an aware
    /// datetime): order count, lifetime spend, purchase frequency, return
    /// rate, tier and milestones.
    fn customer<'py>(
        &self,
        py: Python<'py>,
        customer_id: &str,
        at: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let at = utc_time(at)?;
        self.query(py, move |e| e.customer(customer_id, at))
    }

    /// What a channel may sell of a SKU now (stock at its locations, less
    /// open demand and cart holds, less its buffer).
    fn channel_available(&self, py: Python<'_>, channel: &str, sku: &str) -> PyResult<u64> {
        self.with(py, |e| e.channel_available(channel, sku))?
            .map_err(|e| to_py_err(py, &e, None))
    }

    /// A channel's definition; `NotFoundError` for a channel never defined.
    fn channel<'py>(&self, py: Python<'py>, channel: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.channel(channel))
    }

    /// Every defined channel, by name.
    fn channels<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| Ok(e.channels()))
    }

    /// The sourcing policy in force.
    fn sourcing_policy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| Ok(e.sourcing_policy().clone()))
    }

    /// Every cart hold in force, by id.
    fn stock_holds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| Ok(e.stock_holds()))
    }

    /// When the next cart hold lapses (an aware UTC datetime), or `None`.
    fn next_hold_expiry(&self, py: Python<'_>) -> PyResult<Option<DateTime<Utc>>> {
        self.with(py, |e| e.next_hold_expiry())
    }

    /// One purchase order with its lines and totals; `NotFoundError` if unknown.
    fn purchase_order<'py>(&self, py: Python<'py>, po_id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.purchase_order(po_id))
    }

    /// Purchase orders, optionally only those with `status`, ordered by id.
    #[pyo3(signature = (status=None))]
    fn purchase_orders<'py>(
        &self,
        py: Python<'py>,
        status: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let status = match status {
            None => None,
            Some(s) => Some(PoStatus::parse(s).map_err(|e| to_py_err(py, &e, None))?),
        };
        self.query(py, move |e| e.purchase_orders(status))
    }

    /// The purchase orders late at `at` (an aware datetime): open units
    /// expected before its day.
    fn late_purchase_orders<'py>(
        &self,
        py: Python<'py>,
        at: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let at = utc_time(at)?;
        self.query(py, move |e| e.late_purchase_orders(at))
    }

    /// Units of `sku` that can be promised by `by_date` (a `datetime.date`):
    /// available now plus the promisable share of sent POs expected by then.
    fn available_to_promise(&self, py: Python<'_>, sku: &str, by_date: NaiveDate) -> PyResult<u64> {
        self.with(py, |e| e.available_to_promise(sku, by_date))?
            .map_err(|e| to_py_err(py, &e, None))
    }

    /// "Arrives by" for one unit of each SKU to `destination` (an address
    /// dict) for an order placed `at`: `{arrives_by, ship_date,
    /// location_id, service_id, cost}`.
    fn delivery_promise<'py>(
        &self,
        py: Python<'py>,
        skus: Vec<String>,
        destination: &Bound<'py, PyAny>,
        at: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let at = utc_time(at)?;
        let destination: oms_core::Address = read(destination, "destination", None, &Keys::none())?;
        let skus: Vec<oms_core::Sku> = skus.into_iter().map(oms_core::Sku::from).collect();
        self.query(py, move |e| e.delivery_promise(&skus, &destination, at))
    }

    /// What to order at `at` (an aware datetime), per SKU and location,
    /// each with its explanation.
    fn replenishment_suggestions<'py>(
        &self,
        py: Python<'py>,
        at: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let at = utc_time(at)?;
        self.query(py, move |e| Ok(e.replenishment_suggestions(at)))
    }

    /// One supplier as a dict; `NotFoundError` if unknown.
    fn supplier<'py>(&self, py: Python<'py>, supplier_id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| e.supplier(supplier_id))
    }

    /// What every supplier sells of `sku`, by supplier id.
    fn supplier_items<'py>(&self, py: Python<'py>, sku: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| Ok(e.supplier_items(sku)))
    }

    /// A location's floor plan as a dict, or `None` if it has none.
    fn layout<'py>(&self, py: Python<'py>, location_id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| Ok(e.layout(location_id).cloned()))
    }

    /// A location's bins, by id.
    fn bins<'py>(&self, py: Python<'py>, location_id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| {
            Ok(e.bins(location_id).into_iter().cloned().collect::<Vec<_>>())
        })
    }

    /// A released wave as a dict; `NotFoundError` if unknown.
    fn wave<'py>(&self, py: Python<'py>, wave_id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| {
            e.wave(wave_id).cloned().ok_or_else(|| OmsError::NotFound {
                kind: "wave".into(),
                id: wave_id.into(),
            })
        })
    }

    /// A pick task as a dict; `NotFoundError` if unknown.
    fn pick_task<'py>(&self, py: Python<'py>, task_id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| {
            e.pick_task(task_id)
                .cloned()
                .ok_or_else(|| OmsError::NotFound {
                    kind: "pick task".into(),
                    id: task_id.into(),
                })
        })
    }

    /// Pick tasks by id, optionally only at `location_id` or in `status`
    /// (`open` or `completed`).
    #[pyo3(signature = (location_id=None, status=None))]
    fn pick_tasks<'py>(
        &self,
        py: Python<'py>,
        location_id: Option<&str>,
        status: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let status: Option<TaskStatus> = match status {
            None => None,
            Some(s) => Some(
                serde_json::from_value(serde_json::Value::String(s.into())).map_err(|_| {
                    to_py_err(
                        py,
                        &OmsError::validation("status", format!("{s:?} is not open or completed")),
                        None,
                    )
                })?,
            ),
        };
        self.query(py, move |e| {
            Ok(e.pick_tasks(location_id, status)
                .into_iter()
                .cloned()
                .collect::<Vec<_>>())
        })
    }

    /// The next task for a picker at `location_id` (the first open task
    /// nothing was picked on yet), or `None`.
    fn next_pick_task<'py>(
        &self,
        py: Python<'py>,
        location_id: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, |e| Ok(e.next_pick_task(location_id).cloned()))
    }

    /// Scans checked and refused, and the accuracy, over every task (or one location's).
    #[pyo3(signature = (location_id=None))]
    fn picking_accuracy<'py>(
        &self,
        py: Python<'py>,
        location_id: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, move |e| Ok(e.picking_accuracy(location_id)))
    }

    /// Recomputes every derived number; `None` if consistent, else what is wrong.
    fn check_invariants(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.with(py, |e| e.check_invariants().err())
    }
}
