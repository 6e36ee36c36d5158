//! Shared pieces of the conversions: Python classes tested against,
//! aware datetimes to UTC, type names for messages.

use chrono::{DateTime, SecondsFormat, Utc};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

/// Python classes the conversions test against, imported once.
pub(crate) struct Classes {
    pub(crate) decimal: Py<PyType>,
    pub(crate) datetime: Py<PyType>,
    pub(crate) date: Py<PyType>,
    /// 1970-01-01T00:00:00Z, to turn aware datetimes into timestamps exactly.
    pub(crate) epoch: Py<PyAny>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

pub(crate) fn classes(py: Python<'_>) -> PyResult<&'static Classes> {
    CLASSES.get_or_try_init(py, || {
        let decimal = py.import("decimal")?;
        let datetime = py.import("datetime")?;
        Ok(Classes {
            decimal: decimal.getattr("Decimal")?.cast_into::<PyType>()?.unbind(),
            datetime: datetime
                .getattr("datetime")?
                .cast_into::<PyType>()?
                .unbind(),
            date: datetime.getattr("date")?.cast_into::<PyType>()?.unbind(),
            epoch: datetime
                .getattr("datetime")?
                .call1((
                    1970,
                    1,
                    1,
                    0,
                    0,
                    0,
                    0,
                    datetime.getattr("timezone")?.getattr("utc")?,
                ))?
                .unbind(),
        })
    })
}

/// The name of an object's type, for messages.
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

/// A time as the core writes it: RFC 3339 in UTC.
pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Parses one of the core's schema strings into a dict.
pub(crate) fn schema_to_py<'py>(py: Python<'py>, schema: &str) -> PyResult<Bound<'py, PyAny>> {
    let json: serde_json::Value =
        serde_json::from_str(schema).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    crate::pyser::to_py(py, &json)
}

/// An aware `datetime` as UTC. Naive datetimes are a `ValueError`: the
/// engine would have to guess their zone; anything else is a `TypeError`.
pub(crate) fn utc_time(obj: &Bound<'_, PyAny>) -> PyResult<DateTime<Utc>> {
    let classes = classes(obj.py())?;
    if !obj.is_instance(classes.datetime.bind(obj.py()))? {
        return Err(PyTypeError::new_err(format!(
            "at must be a datetime.datetime, got {}",
            type_name(obj)
        )));
    }
    utc_time_with(obj, classes)
}

pub(crate) fn utc_time_with(obj: &Bound<'_, PyAny>, classes: &Classes) -> PyResult<DateTime<Utc>> {
    let py = obj.py();
    if !obj.getattr("tzinfo")?.is_none() {
        // Aware minus aware is an exact timedelta, whatever the zones.
        if let Ok(delta) = obj.sub(classes.epoch.bind(py)) {
            let days: i64 = delta.getattr("days")?.extract()?;
            let seconds: i64 = delta.getattr("seconds")?.extract()?;
            let micros: u32 = delta.getattr("microseconds")?.extract()?;
            return DateTime::from_timestamp(days * 86_400 + seconds, micros * 1_000)
                .ok_or_else(|| PyValueError::new_err(format!("datetime {obj} is out of range")));
        }
    }
    // No tzinfo, or one whose utcoffset() is None: Python calls that naive too.
    Err(PyValueError::new_err(format!(
        "datetime {obj} is naive: pass a timezone-aware datetime, e.g. datetime.now(timezone.utc)"
    )))
}
