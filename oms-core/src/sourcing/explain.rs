//! Why an allocation went where it did: the `explanation` that every
//! `order_allocated` event carries.

use std::fmt::Write as _;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RuleName;
use crate::ids::LocationId;
use crate::money::Money;

/// The record of one sourcing decision.
///
/// `candidates` lists every eligible location with the scores it had when
/// the first choice was made, best first; `excluded` the fulfilling
/// locations that could not take part and why, except those with none of
/// what the order needs, which `no_stock` names (ids only: with many
/// locations they are most of them); `chosen` each location
/// picked, in order, with the rule that decided against the runner-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Explanation {
    /// The policy's rules in the order they were applied (the location id breaks the last ties).
    pub rules: Arc<[RuleName]>,
    /// Eligible locations with their scores at the first choice, best first.
    pub candidates: Vec<CandidateScores>,
    /// Fulfilling locations left out, and why (omitted when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded: Vec<Exclusion>,
    /// Eligible locations with none of what the order still needs (or not
    /// one whole kit), by id (omitted when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub no_stock: Vec<LocationId>,
    /// The locations chosen, in the order they were chosen.
    pub chosen: Vec<Choice>,
    /// Anything else that shaped the result, e.g. `max_shipments` reached
    /// or a partial allocation refused (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One eligible location's scores. Only the scores of the policy's rules
/// are present; `units` and `ships_complete` always are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CandidateScores {
    /// The location.
    pub location_id: LocationId,
    /// Open units it could supply by itself (kit units count whole).
    pub units: u64,
    /// Whether it could supply every open unit by itself.
    pub ships_complete: bool,
    /// Great-circle distance to the ship-to in km (`nearest`, when both have coordinates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    /// Leading postal-code characters shared with the ship-to in the same
    /// country (`nearest`, without coordinates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_postal_prefix: Option<u32>,
    /// Shipping cost of what it would supply (`lowest_cost`; absent without a rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Money>,
    /// Fewest units of any of the order's items it would have left (`stock_balance`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units_left: Option<u64>,
    /// Its `priority` (`location_priority`; absent when it has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
}

/// A fulfilling location that could not take part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    /// The location.
    pub location_id: LocationId,
    /// Why it was left out.
    pub reason: ExclusionReason,
}

/// Why a location was not a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionReason {
    /// The location is paused.
    Paused,
    /// The order's channel does not use the location.
    Channel,
    /// The location does not ship to the order's country or region.
    Destination,
    /// It has none of what the order still needs (or not one whole kit).
    /// Explanations list such locations under `no_stock` now; this reason
    /// is read from events recorded before.
    NoStock,
    /// It would be one shipment more than `max_shipments` allows.
    MaxShipments,
}

/// One location chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// The location chosen.
    pub location_id: LocationId,
    /// Units reserved there (kit units count whole).
    pub units: u64,
    /// The first rule on which it beat the runner-up (`location_id` when
    /// every rule tied, `only_candidate` when there was no runner-up).
    pub won_by: RuleName,
    /// The next best location at that choice (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner_up: Option<LocationId>,
}

impl Explanation {
    /// A one-paragraph answer to "why did this order ship from there?".
    ///
    /// ```
    /// use oms_core::sourcing::{Choice, Explanation, RuleName};
    /// let e = Explanation {
    ///     rules: vec![RuleName::ShipComplete, RuleName::Nearest].into(),
    ///     candidates: vec![],
    ///     excluded: vec![],
    ///     no_stock: vec![],
    ///     chosen: vec![Choice { location_id: "WH2".into(), units: 3,
    ///         won_by: RuleName::Nearest, runner_up: Some("WH1".into()) }],
    ///     note: None,
    /// };
    /// assert_eq!(e.summary(), "WH2 took 3 units: it beat WH1 on nearest.");
    /// ```
    pub fn summary(&self) -> String {
        let mut text = String::new();
        if self.chosen.is_empty() {
            text.push_str("Nothing was allocated");
            if self.candidates.is_empty() {
                text.push_str(": no eligible location had stock.");
            } else {
                text.push('.');
            }
        }
        for (i, c) in self.chosen.iter().enumerate() {
            if i > 0 {
                text.push(' ');
            }
            let _ = write!(text, "{} took {} units", c.location_id, c.units);
            let _ = match (&c.runner_up, c.won_by) {
                (_, RuleName::OnlyCandidate) | (None, _) => {
                    write!(text, ": no other location could supply any.")
                }
                (Some(r), RuleName::LocationId) => {
                    write!(
                        text,
                        ": it tied with {r} on every rule and has the lower id."
                    )
                }
                (Some(r), rule) => write!(text, ": it beat {r} on {rule}."),
            };
        }
        if let Some(note) = &self.note {
            let _ = write!(text, " {note}");
        }
        text
    }
}
