//! The sourcing policy: ordered rules, limits, and the cost table that the
//! `lowest_cost` rule reads. Plain, serializable data, set with the
//! `set_sourcing_policy` command and kept in the engine's [`crate::Config`].

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use rust_decimal::Decimal;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{OmsError, Result};
use crate::ids::{check_id, LocationId};
use crate::money::{Currency, Money};

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// How allocation chooses locations: rules applied in order (each breaks
/// the ties the rules before it left), then the location id.
///
/// The default is the engine's documented behaviour: `ship_complete`,
/// `fewest_shipments`, `nearest`, `location_priority`.
///
/// ```
/// use oms_core::sourcing::{Rule, SourcingPolicy};
/// let p: SourcingPolicy = serde_json::from_str(
///     r#"{"rules": ["ship_complete", "nearest"], "max_shipments": 2}"#).unwrap();
/// assert_eq!(p.rules, vec![Rule::ShipComplete, Rule::Nearest]);
/// assert!(p.allow_partial);
/// assert_eq!(SourcingPolicy::default().rules.len(), 4);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourcingPolicy {
    /// Rules in order of importance; each a name (`"nearest"`) or an object
    /// with parameters (`{"lowest_cost": {...}}`). Each rule at most once.
    pub rules: Vec<Rule>,
    /// Most locations one order may ship from, counting those it already
    /// holds stock at (optional; no limit when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_shipments: Option<u32>,
    /// Whether an order may take what is there now and backorder the rest
    /// (default true). When false, an order is allocated completely or not at all.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub allow_partial: bool,
    /// Under scarcity, a batch `allocate` splits a SKU's stock among the
    /// competing orders of one priority class in proportion to what they
    /// ask, instead of first come, first served (default false).
    #[serde(default, skip_serializing_if = "crate::util::is_false")]
    pub fair_share: bool,
}

impl Default for SourcingPolicy {
    fn default() -> Self {
        SourcingPolicy {
            rules: vec![
                Rule::ShipComplete,
                Rule::FewestShipments,
                Rule::Nearest,
                Rule::LocationPriority,
            ],
            max_shipments: None,
            allow_partial: true,
            fair_share: false,
        }
    }
}

impl SourcingPolicy {
    /// Checks the policy: each rule once, `max_shipments` at least 1, a
    /// consistent cost table.
    pub fn check(&self) -> Result<()> {
        let mut seen = BTreeSet::new();
        for (i, rule) in self.rules.iter().enumerate() {
            if !seen.insert(rule.name()) {
                return Err(OmsError::validation(
                    format!("rules[{i}]"),
                    format!("{} appears more than once", rule.name()),
                ));
            }
            if let Rule::LowestCost(table) = rule {
                table
                    .check()
                    .map_err(|e| e.within(|| format!("rules[{i}].lowest_cost")))?;
            }
        }
        if self.max_shipments == Some(0) {
            return Err(OmsError::validation(
                "max_shipments",
                "must be at least 1 (omit it for no limit)",
            ));
        }
        Ok(())
    }

    /// The cost table of the `lowest_cost` rule, if the policy has one.
    pub fn cost_table(&self) -> Option<&CostTable> {
        self.rules.iter().find_map(|r| match r {
            Rule::LowestCost(t) => Some(t),
            _ => None,
        })
    }

    /// Whether the policy uses rule `name`.
    pub fn uses(&self, name: RuleName) -> bool {
        self.rules.iter().any(|r| r.name() == name)
    }
}

/// One sourcing rule. Every rule ranks the candidate locations; the
/// eligibility filters (fulfilling, not paused, serves the channel and
/// the destination, has stock) always apply before any rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// Prefer a location that can ship every remaining unit by itself.
    ShipComplete,
    /// Prefer the location that covers the most remaining units, so the
    /// order splits into as few shipments as possible.
    FewestShipments,
    /// Prefer the location nearest the ship-to: great-circle distance when
    /// both have coordinates, otherwise the longest shared postal-code
    /// prefix within the same country.
    Nearest,
    /// Prefer the lowest shipping cost per unit from the cost table
    /// (per shipment plus per kg, by the ship-to's zone); locations
    /// without a rate for the zone rank last.
    LowestCost(CostTable),
    /// Prefer the location left with the most stock of the order's items
    /// after the allocation (the most days of cover at equal demand).
    StockBalance,
    /// Prefer the location with the lowest `priority` number; locations
    /// without one rank last.
    LocationPriority,
}

/// The name of a rule, and the other reasons a location can win a choice.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RuleName {
    /// [`Rule::ShipComplete`].
    ShipComplete,
    /// [`Rule::FewestShipments`].
    FewestShipments,
    /// [`Rule::Nearest`].
    Nearest,
    /// [`Rule::LowestCost`].
    LowestCost,
    /// [`Rule::StockBalance`].
    StockBalance,
    /// [`Rule::LocationPriority`].
    LocationPriority,
    /// Every rule tied: the lower location id won.
    LocationId,
    /// No other location could supply anything.
    OnlyCandidate,
}

impl RuleName {
    /// The rule's name as written in a policy.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleName::ShipComplete => "ship_complete",
            RuleName::FewestShipments => "fewest_shipments",
            RuleName::Nearest => "nearest",
            RuleName::LowestCost => "lowest_cost",
            RuleName::StockBalance => "stock_balance",
            RuleName::LocationPriority => "location_priority",
            RuleName::LocationId => "location_id",
            RuleName::OnlyCandidate => "only_candidate",
        }
    }
}

impl fmt::Display for RuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Rule {
    /// The rule's name.
    pub fn name(&self) -> RuleName {
        match self {
            Rule::ShipComplete => RuleName::ShipComplete,
            Rule::FewestShipments => RuleName::FewestShipments,
            Rule::Nearest => RuleName::Nearest,
            Rule::LowestCost(_) => RuleName::LowestCost,
            Rule::StockBalance => RuleName::StockBalance,
            Rule::LocationPriority => RuleName::LocationPriority,
        }
    }
}

/// Rules without parameters are written as their name; `lowest_cost` as
/// `{"lowest_cost": {cost table}}`.
impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Rule::LowestCost(table) => {
                use serde::ser::SerializeMap;
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("lowest_cost", table)?;
                map.end()
            }
            other => s.serialize_str(other.name().as_str()),
        }
    }
}

/// A rule as written: a name, or an object with one key (the name) whose
/// value holds the parameters.
#[derive(Deserialize)]
#[serde(untagged)]
enum RuleInput {
    Name(String),
    WithParameters(std::collections::BTreeMap<String, serde_json::Value>),
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Rule, D::Error> {
        const EXPECTED: &str = "a rule name (ship_complete, fewest_shipments, nearest, \
             lowest_cost, stock_balance, location_priority) or an object with one of them as its only key";
        let input = RuleInput::deserialize(d)
            .map_err(|_| D::Error::custom(format!("expected {EXPECTED}")))?;
        let (name, parameters) = match input {
            RuleInput::Name(name) => (name, None),
            RuleInput::WithParameters(map) if map.len() == 1 => {
                let (name, value) = map.into_iter().next().unwrap_or_default();
                (name, Some(value))
            }
            RuleInput::WithParameters(_) => {
                return Err(D::Error::custom(format!("expected {EXPECTED}")))
            }
        };
        let no_parameters = |rule: Rule| match &parameters {
            None | Some(serde_json::Value::Null) => Ok(rule),
            Some(serde_json::Value::Object(m)) if m.is_empty() => Ok(rule),
            Some(_) => Err(D::Error::custom(format!("{name} takes no parameters"))),
        };
        match name.as_str() {
            "ship_complete" => no_parameters(Rule::ShipComplete),
            "fewest_shipments" => no_parameters(Rule::FewestShipments),
            "nearest" => no_parameters(Rule::Nearest),
            "stock_balance" => no_parameters(Rule::StockBalance),
            "location_priority" => no_parameters(Rule::LocationPriority),
            "lowest_cost" => match parameters {
                Some(value) => CostTable::deserialize(value)
                    .map(Rule::LowestCost)
                    .map_err(|e| D::Error::custom(format!("lowest_cost: {e}"))),
                None => Err(D::Error::custom(
                    "lowest_cost needs a cost table: {\"lowest_cost\": {\"zones\": [...], \"rates\": [...]}}",
                )),
            },
            other => Err(D::Error::custom(format!(
                "unknown rule {other:?}; expected {EXPECTED}"
            ))),
        }
    }
}

impl JsonSchema for Rule {
    fn schema_name() -> Cow<'static, str> {
        "Rule".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let table = generator.subschema_for::<CostTable>();
        json_schema!({
            "description": "A sourcing rule: its name, or {\"lowest_cost\": cost table}.",
            "oneOf": [
                {
                    "type": "string",
                    "enum": ["ship_complete", "fewest_shipments", "nearest", "lowest_cost",
                             "stock_balance", "location_priority"]
                },
                {
                    "type": "object",
                    "properties": { "lowest_cost": table },
                    "required": ["lowest_cost"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// Shipping costs: zones that ship-to addresses fall into, and a rate per
/// location and zone.
///
/// ```
/// use oms_core::sourcing::CostTable;
/// let t: CostTable = serde_json::from_str(r#"{
///   "zones": [{"zone": "west", "country": "US", "postal_prefixes": ["9"]},
///             {"zone": "us", "country": "US"}],
///   "rates": [{"location_id": "WH1", "zone": "west",
///              "per_shipment": {"amount": "5.00", "currency": "USD"},
///              "per_kg": {"amount": "0.50", "currency": "USD"}}]}"#).unwrap();
/// assert!(t.check().is_ok());
/// assert_eq!(t.zone_of("US", "94103"), Some(0));
/// assert_eq!(t.zone_of("US", "10001"), Some(1));
/// assert_eq!(t.zone_of("FR", "75001"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CostTable {
    /// Zones, matched in order: the first whose country and postal prefixes fit the ship-to.
    pub zones: Vec<Zone>,
    /// Rates per location and zone; a location without a rate for the
    /// ship-to's zone ranks last under `lowest_cost`.
    pub rates: Vec<Rate>,
    /// Added to each shipment beyond an order's first, so that
    /// `lowest_cost` weighs what splitting an order costs beyond the
    /// parcels themselves (optional; in the rates' currency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_penalty: Option<Money>,
}

/// A shipping zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    /// The zone's name, used by rates.
    pub zone: String,
    /// ISO country code the zone covers (optional: any country).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Postal-code prefixes the zone covers (optional: every postal code).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub postal_prefixes: Vec<String>,
}

/// What shipping one parcel from a location to a zone costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    /// The location shipped from.
    pub location_id: LocationId,
    /// The zone shipped to.
    pub zone: String,
    /// Cost per shipment (not negative).
    pub per_shipment: Money,
    /// Cost per kilogram of product weight (not negative), in the same currency.
    pub per_kg: Money,
}

impl CostTable {
    /// Checks that zones are named once, rates refer to known zones, name
    /// each location and zone once, and share one currency.
    pub fn check(&self) -> Result<()> {
        let mut zones = BTreeSet::new();
        for (i, z) in self.zones.iter().enumerate() {
            if z.zone.is_empty() || !zones.insert(z.zone.as_str()) {
                return Err(OmsError::validation(
                    format!("zones[{i}].zone"),
                    format!("zone {:?} is empty or named twice", z.zone),
                ));
            }
        }
        let mut pairs = BTreeSet::new();
        let mut currency: Option<Currency> = None;
        if let Some(p) = self.split_penalty {
            if p.amount.is_sign_negative() && !p.amount.is_zero() {
                return Err(OmsError::validation(
                    "split_penalty",
                    "must not be negative",
                ));
            }
            currency = Some(p.currency);
        }
        for (i, r) in self.rates.iter().enumerate() {
            let field = |f: &str| format!("rates[{i}].{f}");
            check_id(&field("location_id"), r.location_id.as_str())?;
            if !zones.contains(r.zone.as_str()) {
                return Err(OmsError::validation(
                    field("zone"),
                    format!("no zone is named {:?}", r.zone),
                ));
            }
            if !pairs.insert((r.location_id.as_str(), r.zone.as_str())) {
                return Err(OmsError::validation(
                    field("zone"),
                    format!("{} already has a rate for {:?}", r.location_id, r.zone),
                ));
            }
            for (name, m) in [("per_shipment", r.per_shipment), ("per_kg", r.per_kg)] {
                if m.amount.is_sign_negative() && !m.amount.is_zero() {
                    return Err(OmsError::validation(field(name), "must not be negative"));
                }
                match currency {
                    None => currency = Some(m.currency),
                    Some(c) if c != m.currency => {
                        return Err(OmsError::validation(
                            field(name),
                            format!("every amount is in {c}, not {}", m.currency),
                        ))
                    }
                    Some(_) => {}
                }
            }
        }
        Ok(())
    }

    /// The index of the first zone that covers a ship-to.
    pub fn zone_of(&self, country: &str, postal_code: &str) -> Option<usize> {
        self.zones.iter().position(|z| {
            z.country
                .as_deref()
                .is_none_or(|c| c.eq_ignore_ascii_case(country))
                && (z.postal_prefixes.is_empty()
                    || z.postal_prefixes
                        .iter()
                        .any(|p| postal_code.starts_with(p.as_str())))
        })
    }

    /// The rate from `location_id` to zone number `zone`.
    pub fn rate(&self, location_id: &str, zone: usize) -> Option<&Rate> {
        let name = self.zones.get(zone)?.zone.as_str();
        self.rates
            .iter()
            .find(|r| r.location_id.as_str() == location_id && r.zone == name)
    }

    /// The cost of one shipment of `grams` at `rate`.
    /// Saturates at `Decimal::MAX` rather than overflow.
    pub fn shipment_cost(rate: &Rate, grams: u64) -> Decimal {
        shipment_cost(rate.per_shipment.amount, rate.per_kg.amount, grams)
    }
}

/// `per_shipment + per_kg × grams / 1000`, saturating at `Decimal::MAX`.
pub(crate) fn shipment_cost(per_shipment: Decimal, per_kg: Decimal, grams: u64) -> Decimal {
    let kg = Decimal::new(i64::try_from(grams).unwrap_or(i64::MAX), 3);
    per_kg
        .checked_mul(kg)
        .and_then(|c| c.checked_add(per_shipment))
        .unwrap_or(Decimal::MAX)
}
