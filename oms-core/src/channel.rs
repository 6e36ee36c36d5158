//! Sales channels: which locations sell into a channel, and the buffer
//! kept back from what a channel may sell.
//!
//! A channel need not be defined: orders may name any channel, and an
//! undefined channel uses every fulfilling location with no buffer.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{OmsError, Result};
use crate::ids::{Channel, LocationId};

/// A channel's definition (the `define_channel` command and its event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelDef {
    /// The channel, e.g. `web`, `amazon`, `pos`.
    pub channel: Channel,
    /// The locations whose stock the channel sells and ships from
    /// (optional: every fulfilling location).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_ids: Option<Vec<LocationId>>,
    /// Units kept back from what the channel may sell (optional: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer: Option<Buffer>,
}

/// What a channel keeps back: `units`, plus `percent` of the stock,
/// rounded up so a channel never oversells.
///
/// ```
/// use oms_core::channel::Buffer;
/// let b: Buffer = serde_json::from_str(r#"{"percent": 3.2}"#).unwrap();
/// assert_eq!(b.sellable(500), 484); // 3.2% of 500 = 16
/// let b: Buffer = serde_json::from_str(r#"{"units": 5, "percent": 10}"#).unwrap();
/// assert_eq!(b, serde_json::from_str(r#"{"units": 5, "percent": "10"}"#).unwrap());
/// assert_eq!(b.sellable(11), 4); // 11 - 5 - ceil(1.1)
/// assert_eq!(b.sellable(3), 0); // never negative
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Buffer {
    /// Units kept back (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<u64>,
    /// Percent of the channel's stock kept back, 0–100 (optional).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "percent_out",
        deserialize_with = "percent_in"
    )]
    #[schemars(with = "Option<f64>")]
    pub percent: Option<Decimal>,
}

impl Buffer {
    /// What may be sold of `stock` units.
    pub fn sellable(&self, stock: u64) -> u64 {
        let by_percent = self.percent.map_or(0, |p| {
            let kept = (Decimal::from(stock) * p / Decimal::ONE_HUNDRED).ceil();
            u64::try_from(kept).unwrap_or(u64::MAX)
        });
        stock
            .saturating_sub(self.units.unwrap_or(0))
            .saturating_sub(by_percent)
    }
}

impl ChannelDef {
    /// Checks ids, the buffer's range, and that no location is listed twice.
    pub fn check(&self) -> Result<()> {
        crate::ids::check_id("channel", self.channel.as_str())?;
        if let Some(ids) = &self.location_ids {
            for (i, id) in ids.iter().enumerate() {
                crate::ids::check_id(&format!("location_ids[{i}]"), id.as_str())?;
                if ids[..i].contains(id) {
                    return Err(OmsError::validation(
                        format!("location_ids[{i}]"),
                        format!("{id} is listed twice"),
                    ));
                }
            }
        }
        if let Some(p) = self.buffer.and_then(|b| b.percent) {
            if p.is_sign_negative() && !p.is_zero() || p > Decimal::ONE_HUNDRED {
                return Err(OmsError::validation(
                    "buffer.percent",
                    format!("{p} is not a percentage from 0 to 100"),
                ));
            }
        }
        Ok(())
    }

    /// Whether the channel sells from `location_id`.
    pub fn uses(&self, location_id: &str) -> bool {
        self.location_ids
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|l| l.as_str() == location_id))
    }
}

/// Percentages are JSON numbers, read through their shortest decimal form
/// so that `3.2` is exactly 3.2, not the nearest binary fraction; a plain
/// decimal string (`"3.2"`, as Python's `Decimal` arrives) is read as it is.
pub(crate) fn percent_in<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Decimal>, D::Error> {
    use serde::de::Error;
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Percent {
        Number(f64),
        Text(String),
    }
    let text = match Option::<Percent>::deserialize(d)? {
        None => return Ok(None),
        Some(Percent::Number(n)) if !n.is_finite() => {
            return Err(D::Error::custom("percent must be a finite number"))
        }
        Some(Percent::Number(n)) => format!("{n}"),
        Some(Percent::Text(t)) => t,
    };
    crate::money::parse_decimal("percent", &text)
        .map(|p| Some(p.normalize()))
        .map_err(|e| D::Error::custom(e.to_string()))
}

pub(crate) fn percent_out<S: Serializer>(
    p: &Option<Decimal>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    use rust_decimal::prelude::ToPrimitive;
    match p {
        Some(p) => s.serialize_f64(p.to_f64().unwrap_or(0.0)),
        None => s.serialize_none(),
    }
}
