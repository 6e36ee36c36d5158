//! Python objects to and from the core's JSON values.
//!
//! Dicts, lists, tuples, strings, ints, bools, floats and `None` map to
//! their JSON counterparts. `decimal.Decimal` becomes its plain decimal
//! string (the core's money format) and aware `datetime`s become RFC 3339
//! UTC strings, so hosts can pass their natural types. Anything else is a
//! `TypeError` naming where it was found.

use chrono::{DateTime, SecondsFormat, Utc};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use serde_json::{Map, Number, Value};

/// Python classes the conversions test against, imported once.
struct Classes {
    decimal: Py<PyType>,
    datetime: Py<PyType>,
    date: Py<PyType>,
    utc: Py<PyAny>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

fn classes(py: Python<'_>) -> PyResult<&'static Classes> {
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
            utc: datetime.getattr("timezone")?.getattr("utc")?.unbind(),
        })
    })
}

/// Where in a nested value something went wrong, e.g. `lines[0].unit_price`.
fn at_path(path: &[PathPart]) -> String {
    let mut s = String::new();
    for p in path {
        match p {
            PathPart::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            PathPart::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    if s.is_empty() {
        s.push_str("the value");
    }
    s
}

enum PathPart {
    Key(String),
    Index(usize),
}

/// Converts a Python object into a JSON value; `what` names the argument in errors.
pub(crate) fn to_json(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    let mut path = Vec::new();
    let classes = classes(obj.py())?;
    walk(obj, classes, &mut path).map_err(|e| {
        let place = if path.is_empty() {
            what.to_string()
        } else {
            format!("{what}: {}", at_path(&path))
        };
        let message = format!("{place}: {}", e.message);
        match e.kind {
            Bad::Type => PyTypeError::new_err(message),
            Bad::Value => PyValueError::new_err(message),
        }
    })
}

enum Bad {
    Type,
    Value,
}

struct Problem {
    kind: Bad,
    message: String,
}

impl From<PyErr> for Problem {
    fn from(e: PyErr) -> Self {
        Problem {
            kind: Bad::Type,
            message: e.to_string(),
        }
    }
}

fn walk(
    obj: &Bound<'_, PyAny>,
    classes: &Classes,
    path: &mut Vec<PathPart>,
) -> Result<Value, Problem> {
    let py = obj.py();
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    // bool before int: Python's bool is an int.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::Number(u.into()));
        }
        return Err(Problem {
            kind: Bad::Value,
            message: format!("integer {obj} is out of range"),
        });
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key = k.cast::<PyString>().map_err(|_| Problem {
                kind: Bad::Type,
                message: format!("keys must be str, got {}", type_name(&k)),
            })?;
            let key = key.to_cow()?.into_owned();
            path.push(PathPart::Key(key.clone()));
            let value = walk(&v, classes, path)?;
            path.pop();
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return walk_items(l.iter(), l.len(), classes, path);
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return walk_items(t.iter(), t.len(), classes, path);
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        return Number::from_f64(v).map(Value::Number).ok_or(Problem {
            kind: Bad::Value,
            message: format!("{v} is not a finite number"),
        });
    }
    if obj.is_instance(classes.decimal.bind(py))? {
        // Plain notation ("100", not "1E+2"): the core's money format.
        let text: String = py
            .import("builtins")?
            .getattr("format")?
            .call1((obj, "f"))?
            .extract()?;
        return Ok(Value::String(text));
    }
    if obj.is_instance(classes.datetime.bind(py))? {
        let t = utc_time_with(obj, classes).map_err(|e| Problem {
            kind: Bad::Value,
            message: e.to_string(),
        })?;
        return Ok(Value::String(
            t.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        ));
    }
    if obj.is_instance(classes.date.bind(py))? {
        return Ok(Value::String(obj.call_method0("isoformat")?.extract()?));
    }
    Err(Problem {
        kind: Bad::Type,
        message: format!(
            "{} is not supported (use dict, list, str, int, bool, float, None, Decimal or datetime)",
            type_name(obj)
        ),
    })
}

fn walk_items<'py>(
    items: impl Iterator<Item = Bound<'py, PyAny>>,
    len: usize,
    classes: &Classes,
    path: &mut Vec<PathPart>,
) -> Result<Value, Problem> {
    let mut out = Vec::with_capacity(len);
    for (i, item) in items.enumerate() {
        path.push(PathPart::Index(i));
        out.push(walk(&item, classes, path)?);
        path.pop();
    }
    Ok(Value::Array(out))
}

pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

/// Converts a JSON value into Python objects (dicts, lists, str, int, float, bool, None).
pub(crate) fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// Serializes a core value and converts it to Python objects.
pub(crate) fn serialize_to_py<'py, T: serde::Serialize>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    to_py(py, &json)
}

/// Parses one of the core's schema strings into a dict.
pub(crate) fn schema_to_py<'py>(py: Python<'py>, schema: &str) -> PyResult<Bound<'py, PyAny>> {
    let json: Value = serde_json::from_str(schema)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    to_py(py, &json)
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

fn utc_time_with(obj: &Bound<'_, PyAny>, classes: &Classes) -> PyResult<DateTime<Utc>> {
    let py = obj.py();
    let utc = classes.utc.bind(py);
    let tz = obj.getattr("tzinfo")?;
    if tz.is(utc) {
        return obj.extract();
    }
    if tz.is_none() || obj.call_method0("utcoffset")?.is_none() {
        return Err(PyValueError::new_err(format!(
            "datetime {obj} is naive: pass a timezone-aware datetime, e.g. datetime.now(timezone.utc)"
        )));
    }
    obj.call_method1("astimezone", (utc,))?.extract()
}
