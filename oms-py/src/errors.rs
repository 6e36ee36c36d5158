//! The core's errors as Python exceptions: one class per stable code.
//!
//! The classes are defined in Python (`oms_engine/_errors.py`) so that
//! `ValidationError` can also be a `ValueError` and `NotFoundError` a
//! `KeyError`; this module only picks the class and fills in `code`,
//! `details` and, for `execute_many`, the failing `index`.

use oms_core::{ErrorCode, OmsError};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use crate::pyser::to_py;

/// Exception classes in the order of [`slot`].
static CLASSES: PyOnceLock<[Py<PyType>; 6]> = PyOnceLock::new();

fn slot(code: ErrorCode) -> usize {
    match code {
        ErrorCode::Validation => 0,
        ErrorCode::NotFound => 1,
        ErrorCode::InvalidTransition => 2,
        ErrorCode::InsufficientStock => 3,
        ErrorCode::Duplicate => 4,
        ErrorCode::Conflict => 5,
    }
}

fn classes(py: Python<'_>) -> PyResult<&'static [Py<PyType>; 6]> {
    CLASSES.get_or_try_init(py, || {
        let m = py.import("oms_engine._errors")?;
        let class = |name: &str| -> PyResult<Py<PyType>> {
            Ok(m.getattr(name)?.cast_into::<PyType>()?.unbind())
        };
        Ok([
            class("ValidationError")?,
            class("NotFoundError")?,
            class("InvalidTransitionError")?,
            class("InsufficientStockError")?,
            class("DuplicateError")?,
            class("ConflictError")?,
        ])
    })
}

/// The Python exception for a core error, its message prefixed by `prefix` if given.
pub(crate) fn to_py_err(py: Python<'_>, e: &OmsError, prefix: Option<&str>) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let class = classes(py)?[slot(e.code())].bind(py);
        let message = match prefix {
            Some(p) => format!("{p}: {e}"),
            None => e.to_string(),
        };
        let details = to_py(py, &e.details())?;
        let instance = class.call1((message, e.code().as_str(), details))?;
        Ok(PyErr::from_value(instance))
    };
    build().unwrap_or_else(|err| err)
}

/// The engine lock was poisoned by a panic in an earlier call.
pub(crate) fn poisoned() -> PyErr {
    PyRuntimeError::new_err(
        "the engine is unusable: an earlier call panicked while holding it (please report this)",
    )
}
