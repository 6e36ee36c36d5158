//! Newtype ids. Each wraps an `Arc<str>` so that cloning an id into an event
//! or an index is a reference-count bump, not a copy.
//!
//! Ids are checked when a command is validated ([`check_id`], [`check_sku`]),
//! not when they are deserialized, so a bad id gets a `validation` error that
//! names the field.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::sync::Arc;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};

use crate::error::{OmsError, Result};

/// Longest accepted id (other than SKUs, which allow 64).
pub const MAX_ID_LEN: usize = 128;
/// Longest accepted SKU.
pub const MAX_SKU_LEN: usize = 64;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $pattern:literal, $max:expr) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Arc<str>);

        impl $name {
            /// Wraps a string without checking it (commands check ids when validated).
            pub fn new(value: impl AsRef<str>) -> Self {
                $name(Arc::from(value.as_ref()))
            }
            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
            #[allow(dead_code)]
            pub(crate) fn arc(&self) -> &Arc<str> {
                &self.0
            }
            #[allow(dead_code)]
            pub(crate) fn from_arc(value: Arc<str>) -> Self {
                $name(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                $name::new(value)
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                $name(Arc::from(value))
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:?}", &*self.0)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "minLength": 1,
                    "maxLength": $max,
                    "pattern": $pattern
                })
            }
        }
    };
}

id_type!(
    /// A stock-keeping unit: 1–64 characters of `A-Za-z0-9._-`.
    Sku, "^[A-Za-z0-9._-]{1,64}$", 64
);
id_type!(
    /// A warehouse, store or dropship location.
    LocationId, "^[^\\u0000-\\u001f\\u007f]+$", 128
);
id_type!(
    /// The engine's id of a customer order.
    OrderId, "^[^\\u0000-\\u001f\\u007f]+$", 128
);
id_type!(
    /// An order line's id, unique within its order.
    LineId, "^[^\\u0000-\\u001f\\u007f]+$", 128
);
id_type!(
    /// A shipment (parcel group) id, unique across the engine.
    ShipmentId, "^[^\\u0000-\\u001f\\u007f]+$", 128
);
id_type!(
    /// The order's id in its sales channel (used to spot redeliveries).
    ChannelOrderId, "^[^\\u0000-\\u001f\\u007f]+$", 128
);
id_type!(
    /// A customer id, as the host knows it.
    CustomerId, "^[^\\u0000-\\u001f\\u007f]+$", 128
);
id_type!(
    /// A sales channel, e.g. `web`, `amazon`, `pos`.
    Channel, "^[^\\u0000-\\u001f\\u007f]+$", 128
);
id_type!(
    /// A hold's name, e.g. `awaiting_payment`, `fraud_check`.
    Hold, "^[^\\u0000-\\u001f\\u007f]+$", 128
);

id_type!(
    /// A cart hold's id (`hold_stock`), unique across the engine.
    StockHoldId, "^[^\\u0000-\\u001f\\u007f]+$", 128
);

id_type!(
    /// A supplier (vendor) the shop buys from.
    SupplierId, "^[^\\u0000-\\u001f\\u007f]+$", 128
);

id_type!(
    /// A purchase order's id, unique across the engine.
    PoId, "^[^\\u0000-\\u001f\\u007f]+$", 128
);

id_type!(
    /// A goods receipt against a purchase order, unique within the PO.
    ReceiptId, "^[^\\u0000-\\u001f\\u007f]+$", 128
);

id_type!(
    /// A storage bin at a location (`define_bin`), unique within the location.
    BinId, "^[^\\u0000-\\u001f\\u007f]+$", 128
);

id_type!(
    /// A pick wave (`release_wave`), unique across the engine.
    WaveId, "^[^\\u0000-\\u001f\\u007f]+$", 128
);

id_type!(
    /// A carton (shipping box) of the packing station's catalog.
    CartonId, "^[^\\u0000-\\u001f\\u007f]+$", 128
);

id_type!(
    /// A carrier's shipping service, e.g. `ups-ground`.
    ServiceId, "^[^\\u0000-\\u001f\\u007f]+$", 128
);

id_type!(
    /// A pick task: `{wave_id}-{n}`, one picker's (or cart's) tour.
    TaskId, "^[^\\u0000-\\u001f\\u007f]+$", 128
);

id_type!(
    /// A return merchandise authorization (`request_return`), unique across the engine.
    RmaId, "^[^\\u0000-\\u001f\\u007f]+$", 128
);

impl Hold {
    /// Placed on new orders when `require_payment` is set; lifted by payment.
    pub const AWAITING_PAYMENT: &'static str = "awaiting_payment";
    /// Placed on orders above `high_value_threshold`; lifted only by `release_hold`.
    pub const HIGH_VALUE_REVIEW: &'static str = "high_value_review";
    /// Placed on new orders whose ship-to address fails
    /// `shipping::check_address` when the config has `shipping`; lifted by
    /// `release_hold` once the address is confirmed.
    pub const ADDRESS_INVALID: &'static str = "address_invalid";
}

/// Checks a general id: 1–128 characters, no control characters, no
/// surrounding whitespace.
pub fn check_id(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(OmsError::validation(field, "must not be empty"));
    }
    if value.len() > MAX_ID_LEN {
        return Err(OmsError::validation(
            field,
            format!("{:?}… is longer than {MAX_ID_LEN} bytes", prefix(value)),
        ));
    }
    if has_control(value) {
        return Err(OmsError::validation(
            field,
            format!("{value:?} contains control characters"),
        ));
    }
    if value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
        return Err(OmsError::validation(
            field,
            format!("{value:?} has leading or trailing whitespace"),
        ));
    }
    Ok(())
}

/// Checks a SKU: 1–64 characters of `A-Za-z0-9._-`.
///
/// ```
/// use oms_core::check_sku;
/// assert!(check_sku("sku", "TSHIRT-RED.M_2").is_ok());
/// assert!(check_sku("sku", "t shirt").is_err());
/// ```
pub fn check_sku(field: &str, value: &str) -> Result<()> {
    if value.is_empty() || value.len() > MAX_SKU_LEN {
        return Err(OmsError::validation(
            field,
            format!(
                "{:?} must be 1–{MAX_SKU_LEN} characters long",
                prefix(value)
            ),
        ));
    }
    let ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    if !value.bytes().all(ok) {
        let bad = value
            .chars()
            .find(|&c| !(c.is_ascii() && ok(c as u8)))
            .unwrap_or('?');
        return Err(OmsError::validation(
            field,
            format!("{value:?} contains {bad:?}; a SKU may only use A-Z a-z 0-9 . _ -"),
        ));
    }
    Ok(())
}

/// Checks free text (names, reasons, address fields): 1–`max` bytes, no
/// control characters.
pub fn check_text(field: &str, value: &str, max: usize) -> Result<()> {
    if value.len() > max {
        return Err(OmsError::validation(
            field,
            format!("{:?}… is longer than {max} bytes", prefix(value)),
        ));
    }
    // One pass for the common case: printable ASCII with something besides spaces.
    let printable = value.bytes().all(|b| (0x20..0x7f).contains(&b));
    if printable && value.bytes().any(|b| b != b' ') {
        return Ok(());
    }
    if value.trim().is_empty() {
        return Err(OmsError::validation(field, "must not be empty"));
    }
    if has_control(value) {
        return Err(OmsError::validation(
            field,
            format!("{:?} contains control characters", prefix(value)),
        ));
    }
    Ok(())
}

/// Whether `value` has a control character (one pass for printable ASCII).
fn has_control(value: &str) -> bool {
    if value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        false
    } else {
        value.chars().any(char::is_control)
    }
}

fn prefix(value: &str) -> &str {
    let mut end = value.len().min(32);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked() {
        assert!(check_id("order_id", "SO-1").is_ok());
        assert!(check_id("order_id", "").is_err());
        assert!(check_id("order_id", " SO-1").is_err());
        assert!(check_id("order_id", "a\u{0}b").is_err());
        assert!(check_id("order_id", &"x".repeat(129)).is_err());
        assert!(check_sku("sku", &"x".repeat(64)).is_ok());
        assert!(check_sku("sku", &"x".repeat(65)).is_err());
        assert!(check_sku("sku", "é").is_err());
        // Long multi-byte input never panics when quoted in a message.
        assert!(check_id("order_id", &"é".repeat(100)).is_err());
    }

    #[test]
    fn ids_borrow_as_str() {
        let mut m = std::collections::BTreeMap::new();
        m.insert(Sku::new("A"), 1);
        assert_eq!(m.get("A"), Some(&1));
        assert_eq!(serde_json::to_string(&Sku::new("A")).unwrap(), "\"A\"");
    }
}
