//! Money: a `rust_decimal::Decimal` amount with an ISO 4217 currency code.
//!
//! Amounts cross every boundary as decimal strings (`{"amount": "19.99",
//! "currency": "USD"}`), never as floats. Arithmetic is checked: mixing
//! currencies or overflowing is an error, never a panic.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{OmsError, Result};

/// An ISO 4217 currency code: three upper-case ASCII letters.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// US dollars, the default currency of a new engine.
    pub const USD: Currency = Currency(*b"USD");

    /// Parses a currency code such as `"EUR"`.
    ///
    /// ```
    /// use oms_core::Currency;
    /// assert_eq!(Currency::new("EUR").unwrap().as_str(), "EUR");
    /// assert!(Currency::new("eur").is_err());
    /// ```
    pub fn new(code: &str) -> Result<Self> {
        let b = code.as_bytes();
        if b.len() == 3 && b.iter().all(|c| c.is_ascii_uppercase()) {
            Ok(Currency([b[0], b[1], b[2]]))
        } else {
            Err(OmsError::validation(
                "currency",
                format!("{code:?} is not an ISO 4217 code (three upper-case letters)"),
            ))
        }
    }

    /// Digits after the decimal point of the currency's minor unit (ISO
    /// 4217): 0 for JPY, KRW and the like, 3 for BHD, KWD and the like, 2
    /// for every other code. Refunds are rounded to it.
    ///
    /// ```
    /// use oms_core::Currency;
    /// assert_eq!(Currency::new("JPY").unwrap().minor_units(), 0);
    /// assert_eq!(Currency::USD.minor_units(), 2);
    /// assert_eq!(Currency::new("KWD").unwrap().minor_units(), 3);
    /// ```
    pub fn minor_units(&self) -> u32 {
        const ZERO: &[&[u8; 3]] = &[
            b"BIF", b"CLP", b"DJF", b"GNF", b"ISK", b"JPY", b"KMF", b"KRW", b"PYG", b"RWF", b"UGX",
            b"UYI", b"VND", b"VUV", b"XAF", b"XOF", b"XPF",
        ];
        const THREE: &[&[u8; 3]] = &[b"BHD", b"IQD", b"JOD", b"KWD", b"LYD", b"OMR", b"TND"];
        if ZERO.contains(&&self.0) {
            0
        } else if THREE.contains(&&self.0) {
            3
        } else {
            2
        }
    }

    /// The code as a string slice.
    pub fn as_str(&self) -> &str {
        // Only ever built from three ASCII upper-case letters.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency::USD
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl FromStr for Currency {
    type Err = OmsError;
    fn from_str(s: &str) -> Result<Self> {
        Currency::new(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s: Cow<'de, str> = Deserialize::deserialize(d)?;
        Currency::new(&s).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Currency {
    fn schema_name() -> Cow<'static, str> {
        "Currency".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "description": "ISO 4217 currency code"
        })
    }
}

/// An amount of money in one currency.
///
/// ```
/// use oms_core::Money;
/// let price = Money::parse("19.99", "USD").unwrap();
/// let total = price.times(3).unwrap();
/// assert_eq!(total.to_string(), "59.97 USD");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    description = "An amount of money: a decimal string (never a float) and an ISO 4217 currency code."
)]
pub struct Money {
    /// The amount as a decimal string, e.g. `"19.99"`.
    #[serde(with = "decimal_string")]
    #[schemars(with = "DecimalString")]
    pub amount: Decimal,
    /// ISO 4217 currency code.
    pub currency: Currency,
}

impl Money {
    /// Money from an amount and a currency.
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }

    /// Parses an amount string and a currency code.
    pub fn parse(amount: &str, currency: &str) -> Result<Self> {
        Ok(Money {
            amount: parse_decimal("amount", amount)?,
            currency: Currency::new(currency)?,
        })
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Self {
        Money {
            amount: Decimal::ZERO,
            currency,
        }
    }

    /// `self + other`, refusing mixed currencies and overflow.
    pub fn checked_add(self, other: Money) -> Result<Money> {
        if self.currency != other.currency {
            return Err(OmsError::validation(
                "currency",
                format!(
                    "cannot add {} to {}: currencies differ",
                    other.currency, self.currency
                ),
            ));
        }
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or_else(|| OmsError::validation("amount", "amount overflows"))?;
        Ok(Money { amount, ..self })
    }

    /// `self × quantity`, refusing overflow.
    pub fn times(self, quantity: u64) -> Result<Money> {
        let amount = self
            .amount
            .checked_mul(Decimal::from(quantity))
            .ok_or_else(|| OmsError::validation("amount", "amount overflows"))?;
        Ok(Money { amount, ..self })
    }
}

/// Splits `total` into parts proportional to `weights`, each rounded to
/// `scale` decimal places, so that the parts add up to `total` exactly:
/// every part is first rounded towards zero, then the units left over go
/// one each to the parts with the largest remainders (ties to the earlier
/// part). Zero weights get zero; all-zero weights give all-zero parts
/// (and then the parts add up to zero, not `total`).
///
/// ```
/// use oms_core::money::split_fairly;
/// use rust_decimal::Decimal;
/// let d = |s: &str| s.parse::<Decimal>().unwrap();
/// let parts = split_fairly(d("10.00"), &[d("1"), d("1"), d("1")], 2);
/// assert_eq!(parts, vec![d("3.34"), d("3.33"), d("3.33")]);
/// ```
pub fn split_fairly(total: Decimal, weights: &[Decimal], scale: u32) -> Vec<Decimal> {
    use rust_decimal::RoundingStrategy::ToZero;
    let sum: Decimal = weights
        .iter()
        .filter(|w| **w > Decimal::ZERO)
        .fold(Decimal::ZERO, |s, w| s.saturating_add(*w));
    if sum.is_zero() || total.is_zero() {
        return vec![Decimal::ZERO; weights.len()];
    }
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let w = (*w).max(Decimal::ZERO);
        let exact = total
            .checked_mul(w)
            .and_then(|x| x.checked_div(sum))
            .unwrap_or_else(|| total / sum * w);
        let part = exact.round_dp_with_strategy(scale, ToZero);
        remainders.push((exact - part, i));
        parts.push(part);
    }
    let unit = if total < Decimal::ZERO {
        -Decimal::new(1, scale)
    } else {
        Decimal::new(1, scale)
    };
    // Each part lost less than one unit: at most one more unit per part.
    let mut left = total - parts.iter().copied().sum::<Decimal>();
    remainders.sort_by(|a, b| b.0.abs().cmp(&a.0.abs()).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if left.abs() < unit.abs() {
            break;
        }
        if weights[i] > Decimal::ZERO {
            parts[i] += unit;
            left -= unit;
        }
    }
    parts
}

/// Checks amounts one after another: none negative, and all in the
/// currency of the first (`what` names them in the message, e.g. "every
/// price").
#[derive(Debug, Default)]
pub(crate) struct OneCurrency(Option<Currency>);

impl OneCurrency {
    pub(crate) fn check(
        &mut self,
        field: impl FnOnce() -> String,
        m: &Money,
        what: &str,
    ) -> Result<()> {
        if m.amount < Decimal::ZERO {
            return Err(OmsError::validation(field(), "must not be negative"));
        }
        match self.0 {
            Some(c) if c != m.currency => Err(OmsError::validation(
                field(),
                format!("is in {}; {what} must be in {c}", m.currency),
            )),
            _ => {
                self.0 = Some(m.currency);
                Ok(())
            }
        }
    }

    /// The currency of the amounts checked, if any.
    pub(crate) fn currency(&self) -> Option<Currency> {
        self.0
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// Parses a plain decimal string (no exponent, no float), naming `field` on error.
pub(crate) fn parse_decimal(field: &str, s: &str) -> Result<Decimal> {
    let plain = !s.is_empty()
        && s.trim() == s
        && s.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '+');
    if !plain {
        return Err(OmsError::validation(
            field,
            format!("{s:?} is not a decimal string like \"19.99\""),
        ));
    }
    Decimal::from_str_exact(s).map_err(|e| {
        OmsError::validation(field, format!("{s:?} is not a valid decimal amount: {e}"))
    })
}

/// Schema stand-in for a decimal carried as a string.
#[allow(dead_code)]
struct DecimalString;

impl JsonSchema for DecimalString {
    fn schema_name() -> Cow<'static, str> {
        "DecimalString".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[+-]?[0-9]*(\\.[0-9]+)?$",
            "description": "A decimal amount as a string, e.g. \"19.99\"; never a float"
        })
    }
}

/// Serde adapter: `Decimal` as a string, refusing JSON numbers (floats lose cents).
pub(crate) mod decimal_string {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Decimal, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a decimal amount as a string, e.g. \"19.99\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Decimal, E> {
                parse_decimal("amount", v).map_err(|e| E::custom(e.to_string()))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_round_trips_as_decimal_string() {
        let m = Money::parse("19.99", "USD").unwrap();
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"19.99","currency":"USD"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
    }

    #[test]
    fn floats_and_bad_currencies_are_refused() {
        assert!(serde_json::from_str::<Money>(r#"{"amount":19.99,"currency":"USD"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1e3","currency":"USD"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1","currency":"usd"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":"","currency":"USD"}"#).is_err());
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies_and_overflow() {
        let usd = Money::parse("1", "USD").unwrap();
        let eur = Money::parse("1", "EUR").unwrap();
        assert!(usd.checked_add(eur).is_err());
        let huge = Money::new(Decimal::MAX, Currency::USD);
        assert!(huge.times(2).is_err());
        assert!(huge.checked_add(usd).is_err());
    }
}
