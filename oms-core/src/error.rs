//! The one error type of the engine, with stable snake_case codes.
//!
//! Every variant names what was wrong and with which id, so a host can show
//! the message to a person and branch on [`OmsError::code`] in code.

use serde::Serialize;

/// Stable error codes shared by every language binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Malformed or out-of-range input.
    Validation,
    /// An id that the engine does not know.
    NotFound,
    /// An action that the current state of an entity does not allow.
    InvalidTransition,
    /// Taking more stock than is there.
    InsufficientStock,
    /// An id reused for something different.
    Duplicate,
    /// Data that contradicts the engine's state (e.g. an event log that does not fit).
    Conflict,
}

impl ErrorCode {
    /// The stable code as a string, e.g. `"not_found"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Validation => "validation",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::InsufficientStock => "insufficient_stock",
            ErrorCode::Duplicate => "duplicate",
            ErrorCode::Conflict => "conflict",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can go wrong when executing a command or restoring state.
///
/// Serializes as `{"code": "...", ...fields}`; bindings expose the fields as
/// structured details.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OmsError {
    /// Malformed or out-of-range input in `field`.
    #[error("invalid {field}: {message}")]
    Validation {
        /// The input field at fault, as a path such as `lines[1].quantity`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// No `kind` with this id exists.
    #[error("{kind} {id:?} not found")]
    NotFound {
        /// What kind of thing the id names, e.g. `order`, `product` or `order line`.
        kind: String,
        /// The id that was not found (for an order line, `order_id/line_id`).
        id: String,
    },
    /// The `kind` with this id is in `state`, which does not allow the action.
    #[error("{kind} {id:?} ({state}): {message}")]
    InvalidTransition {
        /// What kind of thing the id names, e.g. `order` or `order line`.
        kind: String,
        /// Its id (for an order line, `order_id/line_id`).
        id: String,
        /// Its current state, e.g. the order status `on_hold`.
        state: String,
        /// Why the action is not allowed.
        message: String,
    },
    /// Fewer units of `sku` at `location_id` than the command needs.
    #[error("insufficient stock of {sku:?} at {location_id:?}: {message} (requested {requested}, available {available})")]
    InsufficientStock {
        /// The SKU that is short.
        sku: String,
        /// The location where it is short.
        location_id: String,
        /// Units the command needs.
        requested: u64,
        /// Units there are for it (e.g. unreserved on hand, or allocated at the location).
        available: u64,
        /// What the units were needed for, with the relevant stock figures.
        message: String,
    },
    /// The id of a `kind` is already used for something different.
    #[error("duplicate {kind} {id:?}: {message}")]
    Duplicate {
        /// What kind of thing the id names, e.g. `order`, `channel order` or `shipment`.
        kind: String,
        /// The reused id (for a channel order, `channel/channel_order_id`).
        id: String,
        /// How it clashes with what is already recorded.
        message: String,
    },
    /// The input contradicts the engine's state.
    #[error("conflict: {message}")]
    Conflict {
        /// What contradicts the engine's state.
        message: String,
    },
}

impl OmsError {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            OmsError::Validation { .. } => ErrorCode::Validation,
            OmsError::NotFound { .. } => ErrorCode::NotFound,
            OmsError::InvalidTransition { .. } => ErrorCode::InvalidTransition,
            OmsError::InsufficientStock { .. } => ErrorCode::InsufficientStock,
            OmsError::Duplicate { .. } => ErrorCode::Duplicate,
            OmsError::Conflict { .. } => ErrorCode::Conflict,
        }
    }

    /// The error's fields as a JSON object (including `code`), for bindings.
    pub fn details(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Names the subject of a validation error in its message, e.g.
    /// `order "SO-1": 0 is not between 1 and …`, unless it already does.
    #[cold]
    pub(crate) fn about(self, kind: &str, id: &str) -> Self {
        match self {
            OmsError::Validation { field, message } if !id.is_empty() && !message.contains(id) => {
                OmsError::Validation {
                    field,
                    message: format!("{kind} {id:?}: {message}"),
                }
            }
            other => other,
        }
    }

    /// Prefixes the field of a validation error with `path` (e.g.
    /// `lines[2]`), built only when there is an error to report.
    pub(crate) fn within(self, path: impl FnOnce() -> String) -> Self {
        match self {
            OmsError::Validation { field, message } => OmsError::Validation {
                field: format!("{}.{field}", path()),
                message,
            },
            other => other,
        }
    }

    /// A `validation` error for `field`. Public so that hosts and bindings
    /// that parse their own input report it the way the core does.
    #[cold]
    #[inline(never)]
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        OmsError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn not_found(kind: &str, id: impl std::fmt::Display) -> Self {
        OmsError::NotFound {
            kind: kind.to_string(),
            id: id.to_string(),
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn transition(
        kind: &str,
        id: impl std::fmt::Display,
        state: impl std::fmt::Display,
        message: impl Into<String>,
    ) -> Self {
        OmsError::InvalidTransition {
            kind: kind.to_string(),
            id: id.to_string(),
            state: state.to_string(),
            message: message.into(),
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn duplicate(
        kind: &str,
        id: impl std::fmt::Display,
        message: impl Into<String>,
    ) -> Self {
        OmsError::Duplicate {
            kind: kind.to_string(),
            id: id.to_string(),
            message: message.into(),
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        OmsError::Conflict {
            message: message.into(),
        }
    }
}

/// Result alias used throughout the crate.
pub type Result<T, E = OmsError> = std::result::Result<T, E>;
