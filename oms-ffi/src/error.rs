//! The one public error of the bindings: the core's stable codes, plus
//! `internal` for the binding's own failures.

use oms_core::{ErrorCode, OmsError};

/// An error from the engine, with the core's stable `code`.
///
/// Kotlin sees it as the exception `OmsFfiException` with one subclass per
/// variant, Swift as `enum OmsFfiError: Error`. Every variant carries:
///
/// * `code`: the stable snake_case code (`validation`, `not_found`,
///   `invalid_transition`, `insufficient_stock`, `duplicate`, `conflict`,
///   or `internal`), for hosts that branch on a string;
/// * `reason`: a message for a person, naming the id involved (the field is
///   not called `message` because a Kotlin exception already has one);
/// * `details_json`: the error's structured fields as a JSON object,
///   including `code` (e.g. `{"code":"not_found","kind":"order","id":"SO-9"}`).
///
/// Bad input at the boundary (malformed command, event or config JSON, an
/// amount that is not a decimal, a time that is not RFC 3339) is a
/// `Validation` error, as the core reports malformed input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[non_exhaustive]
pub enum OmsFfiError {
    /// Malformed or out-of-range input (`validation`).
    #[error("{reason}")]
    Validation {
        /// Always `validation`.
        code: String,
        /// What is wrong, and in which field.
        reason: String,
        /// `{"code", "field", "message"}` as JSON.
        details_json: String,
    },
    /// An id the engine does not know (`not_found`).
    #[error("{reason}")]
    NotFound {
        /// Always `not_found`.
        code: String,
        /// Which kind of thing with which id was not found.
        reason: String,
        /// `{"code", "kind", "id"}` as JSON.
        details_json: String,
    },
    /// An action the current state does not allow (`invalid_transition`).
    #[error("{reason}")]
    InvalidTransition {
        /// Always `invalid_transition`.
        code: String,
        /// The entity, its state, and why the action is not allowed.
        reason: String,
        /// `{"code", "kind", "id", "state", "message"}` as JSON.
        details_json: String,
    },
    /// Taking more stock than there is (`insufficient_stock`).
    #[error("{reason}")]
    InsufficientStock {
        /// Always `insufficient_stock`.
        code: String,
        /// The SKU, the location, and the figures.
        reason: String,
        /// `{"code", "sku", "location_id", "requested", "available", "message"}` as JSON.
        details_json: String,
    },
    /// An id reused for something different (`duplicate`).
    #[error("{reason}")]
    Duplicate {
        /// Always `duplicate`.
        code: String,
        /// The reused id and how it clashes.
        reason: String,
        /// `{"code", "kind", "id", "message"}` as JSON.
        details_json: String,
    },
    /// Data that contradicts the engine's state, e.g. an event log or a
    /// snapshot that does not fit (`conflict`).
    #[error("{reason}")]
    Conflict {
        /// Always `conflict`.
        code: String,
        /// What contradicts the engine's state.
        reason: String,
        /// `{"code", "message"}` as JSON.
        details_json: String,
    },
    /// A failure of the binding itself, not of the input: the engine's lock
    /// was poisoned, or events could not be serialized (`internal`). Never
    /// expected; the engine object should be discarded.
    #[error("{reason}")]
    Internal {
        /// Always `internal`.
        code: String,
        /// What failed.
        reason: String,
        /// `{"code", "message"}` as JSON.
        details_json: String,
    },
}

impl OmsFfiError {
    /// The stable code, e.g. `"not_found"`.
    pub fn code(&self) -> &str {
        match self {
            OmsFfiError::Validation { code, .. }
            | OmsFfiError::NotFound { code, .. }
            | OmsFfiError::InvalidTransition { code, .. }
            | OmsFfiError::InsufficientStock { code, .. }
            | OmsFfiError::Duplicate { code, .. }
            | OmsFfiError::Conflict { code, .. }
            | OmsFfiError::Internal { code, .. } => code,
        }
    }

    /// The structured details as JSON text.
    pub fn details_json(&self) -> &str {
        match self {
            OmsFfiError::Validation { details_json, .. }
            | OmsFfiError::NotFound { details_json, .. }
            | OmsFfiError::InvalidTransition { details_json, .. }
            | OmsFfiError::InsufficientStock { details_json, .. }
            | OmsFfiError::Duplicate { details_json, .. }
            | OmsFfiError::Conflict { details_json, .. }
            | OmsFfiError::Internal { details_json, .. } => details_json,
        }
    }

    /// A failure of the binding itself (see [`OmsFfiError::Internal`]).
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        let message = message.into();
        let details = serde_json::json!({ "code": "internal", "message": message });
        OmsFfiError::Internal {
            code: "internal".into(),
            reason: message,
            details_json: details.to_string(),
        }
    }

    /// A `validation` error about `field`, shaped like the core's.
    pub(crate) fn validation(field: &str, message: impl Into<String>) -> Self {
        OmsError::validation(field, message).into()
    }
}

impl From<OmsError> for OmsFfiError {
    fn from(e: OmsError) -> Self {
        let code = e.code();
        let (code_str, reason, details_json) = (
            code.as_str().to_string(),
            e.to_string(),
            e.details().to_string(),
        );
        match code {
            ErrorCode::Validation => OmsFfiError::Validation {
                code: code_str,
                reason,
                details_json,
            },
            ErrorCode::NotFound => OmsFfiError::NotFound {
                code: code_str,
                reason,
                details_json,
            },
            ErrorCode::InvalidTransition => OmsFfiError::InvalidTransition {
                code: code_str,
                reason,
                details_json,
            },
            ErrorCode::InsufficientStock => OmsFfiError::InsufficientStock {
                code: code_str,
                reason,
                details_json,
            },
            ErrorCode::Duplicate => OmsFfiError::Duplicate {
                code: code_str,
                reason,
                details_json,
            },
            ErrorCode::Conflict => OmsFfiError::Conflict {
                code: code_str,
                reason,
                details_json,
            },
        }
    }
}
