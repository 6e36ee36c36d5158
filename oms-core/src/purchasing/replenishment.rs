//! Replenishment: when to reorder a SKU at a location, and how much, from
//! its demand, its inventory position and what a supplier sells. Pure
//! functions over plain data; the engine gathers the inputs.
//!
//! - **Reorder point** (the default): order when the inventory position
//!   is at or below `ROP = d·L + z·σ_d·√L` (d: mean daily demand, σ_d: its
//!   standard deviation, L: lead time in days, z: the service level's
//!   safety factor). The quantity is the EOQ `√(2·D·S/H)` (D: yearly
//!   demand, S: cost of one order, H: cost of holding a unit a year) when
//!   both costs are known, else what brings the position back to the ROP
//!   plus `review_days` of demand; never less than what reaches the ROP.
//! - **Min/max**: order up to `max` when the position is at or below `min`.
//!
//! Either way the quantity is then raised to the supplier's MOQ and to
//! whole cases. Statistics are `f64` (deterministic: IEEE 754 rounds
//! `+ − × ÷ √` exactly); quantities are whole units, rounded up.
//!
//! ```
//! use oms_core::purchasing::replenishment::DemandStats;
//! let d = DemandStats::from_daily(&[10, 12, 8, 10]);
//! assert_eq!((d.days, d.units, d.per_day), (4, 40, 10.0));
//! assert!((d.std_dev - (8.0f64 / 3.0).sqrt()).abs() < 1e-12); // sample standard deviation
//! ```

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::SupplierItem;
use crate::error::{OmsError, Result};
use crate::ids::{LocationId, Sku, SupplierId};
use crate::money::Money;

/// Daily demand over a window of days.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DemandStats {
    /// Days in the window.
    pub days: u32,
    /// Units demanded over the window.
    pub units: u64,
    /// Mean units per day.
    pub per_day: f64,
    /// Sample standard deviation of the daily units (0 for fewer than 2 days).
    pub std_dev: f64,
}

impl DemandStats {
    /// From the units of each day of the window (days without demand as 0).
    pub fn from_daily(daily: &[u64]) -> DemandStats {
        let days = u32::try_from(daily.len()).unwrap_or(u32::MAX);
        let units = daily.iter().fold(0u64, |a, &d| a.saturating_add(d));
        let squares = daily.iter().fold(0u128, |a, &d| {
            a.saturating_add(u128::from(d) * u128::from(d))
        });
        DemandStats::from_sums(days, units, squares)
    }

    /// From the window's length, the sum of its daily units and the sum
    /// of their squares: days without demand need not be listed.
    pub fn from_sums(days: u32, units: u64, squares: u128) -> DemandStats {
        if days == 0 {
            return DemandStats {
                days,
                units,
                per_day: 0.0,
                std_dev: 0.0,
            };
        }
        let n = f64::from(days);
        let mean = units as f64 / n;
        let std_dev = if days < 2 {
            0.0
        } else {
            // Σ(x−m)² = Σx² − n·m², clamped against rounding below zero.
            let spread = (squares as f64 - n * mean * mean).max(0.0);
            (spread / (n - 1.0)).sqrt()
        };
        DemandStats {
            days,
            units,
            per_day: mean,
            std_dev,
        }
    }
}

/// How an item is replenished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReorderMethod {
    /// Reorder point with safety stock, EOQ quantities (see the module).
    #[default]
    ReorderPoint,
    /// Order up to `max` at or below `min`.
    MinMax,
}

/// The parameters of replenishment: the engine's defaults
/// (`Config.replenishment`), or one SKU at one location's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ReorderSettings {
    /// `reorder_point` (default) or `min_max`.
    pub method: ReorderMethod,
    /// The safety factor z of the service level (default 1.65, about 95 %).
    pub service_level_z: f64,
    /// Days of order history the demand is measured over (default 90).
    pub window_days: u32,
    /// Without EOQ costs, an order also covers this many days of demand
    /// (default 14).
    pub review_days: u32,
    /// The cost of placing one order (EOQ's S; optional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordering_cost: Option<Money>,
    /// The yearly cost of holding a unit, in percent of its cost (EOQ's H;
    /// optional).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::channel::percent_out",
        deserialize_with = "crate::channel::percent_in"
    )]
    #[schemars(with = "Option<f64>")]
    pub holding_cost_percent: Option<Decimal>,
    /// `min_max`: reorder at or below this position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    /// `min_max`: order up to this position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
    /// Mean daily demand to use instead of the order history (optional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demand_per_day: Option<f64>,
    /// Its standard deviation (optional; 0 when only `demand_per_day` is given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demand_std_dev: Option<f64>,
}

impl Default for ReorderSettings {
    fn default() -> Self {
        ReorderSettings {
            method: ReorderMethod::ReorderPoint,
            service_level_z: 1.65,
            window_days: 90,
            review_days: 14,
            ordering_cost: None,
            holding_cost_percent: None,
            min: None,
            max: None,
            demand_per_day: None,
            demand_std_dev: None,
        }
    }
}

impl ReorderSettings {
    /// Checks ranges: finite non-negative numbers, a window of 1 to 3,650
    /// days, and `min <= max` given together for `min_max`.
    pub fn check(&self) -> Result<()> {
        let numbers = [
            ("service_level_z", Some(self.service_level_z)),
            ("demand_per_day", self.demand_per_day),
            ("demand_std_dev", self.demand_std_dev),
        ];
        for (field, v) in numbers {
            if let Some(v) = v {
                if !(0.0..=1e12).contains(&v) {
                    return Err(OmsError::validation(
                        field,
                        format!("{v} is not a number from 0 to 10^12"),
                    ));
                }
            }
        }
        if !(1..=3_650).contains(&self.window_days) || self.review_days > 3_650 {
            return Err(OmsError::validation(
                "window_days",
                "window_days is 1 to 3650 and review_days at most 3650",
            ));
        }
        if let Some(c) = &self.ordering_cost {
            if c.amount.is_sign_negative() && !c.amount.is_zero() {
                return Err(OmsError::validation("ordering_cost", "is negative"));
            }
        }
        if let Some(h) = self.holding_cost_percent {
            if h <= Decimal::ZERO || h > Decimal::ONE_THOUSAND {
                return Err(OmsError::validation(
                    "holding_cost_percent",
                    format!("{h} is not above 0 and at most 1000"),
                ));
            }
        }
        if self.method == ReorderMethod::MinMax {
            match (self.min, self.max) {
                (Some(min), Some(max)) if min <= max => {}
                _ => {
                    return Err(OmsError::validation(
                        "min",
                        "min_max needs min and max, min not above max",
                    ))
                }
            }
        }
        Ok(())
    }
}

/// Where a SKU stands at a location: what is there, promised, coming and owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Position {
    /// Sellable units on hand.
    pub on_hand: u64,
    /// Of those, units promised to orders.
    pub reserved: u64,
    /// Open units of purchase orders not over (drafts included): on order.
    pub incoming: u64,
    /// Open order units not allocated anywhere, charged to this location.
    pub backordered: u64,
}

impl Position {
    /// The inventory position: on hand − reserved + incoming − backordered
    /// (may be negative).
    pub fn net(&self) -> i128 {
        i128::from(self.on_hand) - i128::from(self.reserved) + i128::from(self.incoming)
            - i128::from(self.backordered)
    }
}

/// One SKU at one location with one candidate supplier item.
#[derive(Debug, Clone, Copy)]
pub struct ItemInput<'a> {
    /// The SKU.
    pub sku: &'a Sku,
    /// The location to replenish.
    pub location_id: &'a LocationId,
    /// Its position there.
    pub position: Position,
    /// Demand measured from the order history (used unless the settings
    /// give `demand_per_day`).
    pub history: DemandStats,
    /// The parameters.
    pub settings: &'a ReorderSettings,
    /// What the supplier sells.
    pub item: &'a SupplierItem,
    /// The lead time in days (the item's, else its supplier's).
    pub lead_time_days: u32,
}

/// Where the demand of a suggestion came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DemandSource {
    /// The engine's order history over `window_days`.
    History,
    /// `demand_per_day` (and `demand_std_dev`) from the settings.
    Explicit,
}

/// Why a suggestion says what it says: its inputs and each step's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SuggestionExplanation {
    /// The method used.
    pub method: ReorderMethod,
    /// The position's parts.
    pub position: Position,
    /// The inventory position (on hand − reserved + incoming − backordered).
    pub inventory_position: i64,
    /// Where the demand figures come from.
    pub demand_source: DemandSource,
    /// Mean daily demand d.
    pub demand_per_day: f64,
    /// Its standard deviation σ_d.
    pub demand_std_dev: f64,
    /// Lead time L in days.
    pub lead_time_days: u32,
    /// `reorder_point`: z.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_level_z: Option<f64>,
    /// `reorder_point`: z·σ_d·√L.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safety_stock: Option<f64>,
    /// The position at or below which to order: the ROP (d·L + safety
    /// stock, rounded up) or `min`.
    pub reorder_at: i64,
    /// `reorder_point` with both costs: √(2·D·S/H), rounded up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eoq: Option<u64>,
    /// The quantity before MOQ and case rounding.
    pub needed: u64,
    /// The formula with the numbers in it.
    pub formula: String,
}

/// A suggested purchase: order `quantity` of `sku` for `location_id`
/// from `supplier_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Suggestion {
    /// The SKU.
    pub sku: Sku,
    /// The location it is for.
    pub location_id: LocationId,
    /// The supplier chosen.
    pub supplier_id: SupplierId,
    /// Units to order (MOQ and whole cases honoured).
    pub quantity: u64,
    /// The unit cost at that quantity.
    pub unit_cost: Money,
    /// The lead time in days.
    pub lead_time_days: u32,
    /// How it was worked out.
    pub explanation: SuggestionExplanation,
}

/// Rounds for explanations: four decimals are plenty for people.
fn shown(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Whole units, rounded up, saturating.
fn units_up(x: f64) -> u64 {
    if x.is_nan() || x <= 0.0 {
        0
    } else if x >= u64::MAX as f64 {
        u64::MAX
    } else {
        x.ceil() as u64
    }
}

/// What to order of one SKU at one location from one supplier item, or
/// `None` when the position is above the reorder level or nothing is
/// needed.
///
/// ```
/// use oms_core::purchasing::replenishment::*;
/// use oms_core::purchasing::SupplierItem;
/// let item: SupplierItem = serde_json::from_str(r#"{"supplier_id":"ACME","sku":"MUG",
///     "unit_cost":{"amount":"2.00","currency":"USD"},"case_pack":12}"#).unwrap();
/// let settings = ReorderSettings::default(); // z = 1.65, 14 review days
/// let s = suggest(&ItemInput {
///     sku: &"MUG".into(), location_id: &"WH1".into(),
///     position: Position { on_hand: 50, ..Default::default() },
///     history: DemandStats::from_daily(&[10, 12, 8, 10]),
///     settings: &settings, item: &item, lead_time_days: 9,
/// }).unwrap();
/// // ROP = 10·9 + 1.65·1.633·3 = 98.08 → 99; 99 − 50 + 14·10 = 189 → 16 cases of 12
/// assert_eq!((s.explanation.reorder_at, s.explanation.needed, s.quantity), (99, 189, 192));
/// ```
pub fn suggest(input: &ItemInput<'_>) -> Option<Suggestion> {
    let st = input.settings;
    let (source, d, sigma) = match st.demand_per_day {
        Some(d) => (DemandSource::Explicit, d, st.demand_std_dev.unwrap_or(0.0)),
        None => (
            DemandSource::History,
            input.history.per_day,
            input.history.std_dev,
        ),
    };
    let position = input.position.net();
    let shown_position = i64::try_from(position).unwrap_or(i64::MIN);
    let lead = f64::from(input.lead_time_days);
    let (reorder_at, needed, z, safety, eoq, formula) = match st.method {
        ReorderMethod::MinMax => {
            let (min, max) = (st.min.unwrap_or(0), st.max.unwrap_or(0));
            if position > i128::from(min) {
                return None;
            }
            let needed = u64::try_from(i128::from(max) - position).unwrap_or(u64::MAX);
            let formula = format!(
                "position {position} <= min {min}: order max {max} - {position} = {needed}"
            );
            (
                i64::try_from(min).unwrap_or(i64::MAX),
                needed,
                None,
                None,
                None,
                formula,
            )
        }
        ReorderMethod::ReorderPoint => {
            let z = st.service_level_z;
            let safety = z * sigma * lead.sqrt();
            let rop = units_up(d * lead + safety);
            if position > i128::from(rop) {
                return None;
            }
            let to_rop = u64::try_from(i128::from(rop) - position).unwrap_or(u64::MAX);
            let unit_cost = input.item.unit_cost.amount.to_f64().unwrap_or(0.0);
            let eoq = match (&st.ordering_cost, st.holding_cost_percent) {
                (Some(s), Some(h)) if unit_cost > 0.0 => {
                    let s = s.amount.to_f64().unwrap_or(0.0);
                    let h = unit_cost * h.to_f64().unwrap_or(0.0) / 100.0;
                    Some(units_up((2.0 * d * 365.0 * s / h).sqrt()))
                }
                _ => None,
            };
            let (needed, how) = match eoq {
                Some(q) => (
                    q.max(to_rop),
                    format!(
                        "max(EOQ √(2·{:.4}·365·S/H) = {q}, ROP − position = {to_rop})",
                        shown(d)
                    ),
                ),
                None => {
                    let cycle = units_up(d * f64::from(st.review_days));
                    (
                        to_rop.saturating_add(cycle),
                        format!(
                            "ROP − position {to_rop} + {} review days × {:.4} = {}",
                            st.review_days,
                            shown(d),
                            to_rop.saturating_add(cycle)
                        ),
                    )
                }
            };
            let formula = format!(
                "ROP = d·L + z·σ·√L = {:.4}·{} + {z}·{:.4}·√{} = {:.4} → {rop}; position {position} <= {rop}: order {how}",
                shown(d),
                input.lead_time_days,
                shown(sigma),
                input.lead_time_days,
                shown(d * lead + safety),
            );
            (
                i64::try_from(rop).unwrap_or(i64::MAX),
                needed,
                Some(z),
                Some(shown(safety)),
                eoq,
                formula,
            )
        }
    };
    let quantity = input.item.order_quantity(needed);
    if quantity == 0 {
        return None;
    }
    Some(Suggestion {
        sku: input.sku.clone(),
        location_id: input.location_id.clone(),
        supplier_id: input.item.supplier_id.clone(),
        quantity,
        unit_cost: input.item.unit_cost_for(quantity),
        lead_time_days: input.lead_time_days,
        explanation: SuggestionExplanation {
            method: st.method,
            position: input.position,
            inventory_position: shown_position,
            demand_source: source,
            demand_per_day: shown(d),
            demand_std_dev: shown(sigma),
            lead_time_days: input.lead_time_days,
            service_level_z: z,
            safety_stock: safety,
            reorder_at,
            eoq,
            needed,
            formula,
        },
    })
}

/// The suggestion from the best of several supplier items for the same
/// SKU and location (each with its lead time): the lowest unit cost at
/// its quantity, then the shortest lead time, then the supplier id. Costs
/// are compared within a currency; suppliers in `currency` come first.
/// Each candidate stands in for `base`'s item and lead time.
pub fn best_suggestion<'a>(
    base: &ItemInput<'a>,
    candidates: impl IntoIterator<Item = (&'a SupplierItem, u32)>,
    currency: crate::money::Currency,
) -> Option<Suggestion> {
    candidates
        .into_iter()
        .filter_map(|(item, lead)| {
            suggest(&ItemInput {
                item,
                lead_time_days: lead,
                ..*base
            })
        })
        .min_by(|a, b| {
            let key = |s: &Suggestion| {
                (
                    s.unit_cost.currency != currency,
                    s.unit_cost.currency.as_str().to_string(),
                    s.unit_cost.amount,
                    s.lead_time_days,
                    s.supplier_id.clone(),
                )
            };
            key(a).cmp(&key(b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(extra: &str) -> SupplierItem {
        serde_json::from_str(&format!(
            r#"{{"supplier_id":"ACME","sku":"MUG","unit_cost":{{"amount":"2.00","currency":"USD"}}{extra}}}"#
        ))
        .unwrap()
    }

    fn settings(json: &str) -> ReorderSettings {
        let s: ReorderSettings = serde_json::from_str(json).unwrap();
        s.check().unwrap();
        s
    }

    /// Hand-worked examples: (what, settings, supplier item extras,
    /// daily demand, position (on hand, reserved, incoming, backordered),
    /// lead time, expected (reorder at, needed, quantity) or None).
    #[allow(clippy::type_complexity)]
    const CASES: &[(
        &str,
        &str,
        &str,
        &[u64],
        (u64, u64, u64, u64),
        u32,
        Option<(i64, u64, u64)>,
    )] = &[
        (
            // d = 10, σ = √(8/3) = 1.63299; ROP = 90 + 1.65·1.63299·3 = 98.083 → 99;
            // 99 − 50 + 14·10 = 189 → 16 cases of 12 = 192.
            "reorder point, cycle stock, case pack",
            "{}",
            r#","case_pack":12"#,
            &[10, 12, 8, 10],
            (50, 0, 0, 0),
            9,
            Some((99, 189, 192)),
        ),
        (
            // Position 60 − 20 reserved + 30 incoming − 5 backordered = 65 <= 99:
            // 34 + 140 = 174, MOQ 200.
            "every part of the position counts; MOQ",
            "{}",
            r#","moq":200"#,
            &[10, 12, 8, 10],
            (60, 20, 30, 5),
            9,
            Some((99, 174, 200)),
        ),
        (
            "above the reorder point: nothing",
            "{}",
            "",
            &[10, 12, 8, 10],
            (100, 0, 0, 0),
            9,
            None,
        ),
        (
            // D = 3650/yr, S = 50, H = 25 % of 2.00 = 0.50: EOQ = √730000 = 854.4 → 855.
            "EOQ when both costs are known",
            r#"{"ordering_cost":{"amount":"50","currency":"USD"},"holding_cost_percent":25}"#,
            "",
            &[10, 12, 8, 10],
            (50, 0, 0, 0),
            9,
            Some((99, 855, 855)),
        ),
        (
            // Explicit d = 4, σ = 2, L = 16, z = 2: ROP = 64 + 2·2·4 = 80;
            // position −10 (backorders): 90 + 14·4 = 146.
            "explicit demand beats the history; negative position",
            r#"{"demand_per_day":4,"demand_std_dev":2,"service_level_z":2}"#,
            "",
            &[100, 100],
            (0, 0, 0, 10),
            16,
            Some((80, 146, 146)),
        ),
        (
            // Min 20, max 100, position 15: 85 → cases of 10: 90.
            "min/max below min",
            r#"{"method":"min_max","min":20,"max":100}"#,
            r#","case_pack":10"#,
            &[],
            (15, 0, 0, 0),
            5,
            Some((20, 85, 90)),
        ),
        (
            "min/max at min orders",
            r#"{"method":"min_max","min":20,"max":100}"#,
            "",
            &[],
            (20, 0, 0, 0),
            5,
            Some((20, 80, 80)),
        ),
        (
            "min/max above min: nothing",
            r#"{"method":"min_max","min":20,"max":100}"#,
            "",
            &[],
            (21, 0, 0, 0),
            5,
            None,
        ),
        (
            "no demand, nothing on hand: nothing to order",
            "{}",
            "",
            &[0, 0, 0],
            (0, 0, 0, 0),
            7,
            None,
        ),
    ];

    #[test]
    fn hand_worked_examples() {
        for (what, s, extra, daily, (on_hand, reserved, incoming, backordered), lead, want) in CASES
        {
            let settings = settings(s);
            let item = item(extra);
            let got = suggest(&ItemInput {
                sku: &"MUG".into(),
                location_id: &"WH1".into(),
                position: Position {
                    on_hand: *on_hand,
                    reserved: *reserved,
                    incoming: *incoming,
                    backordered: *backordered,
                },
                history: DemandStats::from_daily(daily),
                settings: &settings,
                item: &item,
                lead_time_days: *lead,
            });
            let got = got.map(|s| (s.explanation.reorder_at, s.explanation.needed, s.quantity));
            assert_eq!(got, *want, "{what}");
        }
    }

    #[test]
    fn demand_from_sums_equals_demand_from_days() {
        let daily = [0, 3, 0, 0, 7, 1, 0, 0, 0, 2];
        let sums = DemandStats::from_sums(10, 13, 9 + 49 + 1 + 4);
        assert_eq!(DemandStats::from_daily(&daily), sums);
        // Mean 1.3; Σ(x−m)² = 63 − 16.9 = 46.1; / 9 = 5.1222; √ = 2.26323.
        assert!((sums.std_dev - 2.263_23).abs() < 1e-5, "{}", sums.std_dev);
        assert_eq!(DemandStats::from_daily(&[5]).std_dev, 0.0);
        assert_eq!(DemandStats::from_daily(&[]).per_day, 0.0);
    }

    #[test]
    fn the_cheapest_supplier_wins_then_the_fastest() {
        let settings = ReorderSettings::default();
        let a = item("");
        let b: SupplierItem = serde_json::from_str(
            r#"{"supplier_id":"BETA","sku":"MUG","unit_cost":{"amount":"1.90","currency":"USD"}}"#,
        )
        .unwrap();
        let c: SupplierItem = serde_json::from_str(
            r#"{"supplier_id":"CHEAP","sku":"MUG","unit_cost":{"amount":"0.50","currency":"EUR"}}"#,
        )
        .unwrap();
        let base = ItemInput {
            sku: &"MUG".into(),
            location_id: &"WH1".into(),
            position: Position::default(),
            history: DemandStats::from_daily(&[10; 30]),
            settings: &settings,
            item: &a,
            lead_time_days: 0,
        };
        let usd = crate::money::Currency::USD;
        let best = best_suggestion(&base, [(&a, 5), (&b, 20), (&c, 1)], usd).unwrap();
        assert_eq!(best.supplier_id.as_str(), "BETA"); // cheaper in USD; EUR not compared
        let b_same: SupplierItem = serde_json::from_str(
            r#"{"supplier_id":"BETA","sku":"MUG","unit_cost":{"amount":"2.00","currency":"USD"}}"#,
        )
        .unwrap();
        let best = best_suggestion(&base, [(&b_same, 20), (&a, 5)], usd).unwrap();
        assert_eq!(best.supplier_id.as_str(), "ACME"); // same cost, shorter lead time
    }

    proptest::proptest! {
        /// Whatever the inputs: a suggestion honours MOQ and whole cases
        /// and lifts the position to the reorder level (min/max: to at
        /// least `max`); without one, min/max is above `min` (or at
        /// `max`), and far enough short there always is one.
        #[test]
        fn suggestions_lift_the_position_and_honour_packs(
            daily in proptest::collection::vec(0u64..50, 0..40),
            on_hand in 0u64..500, reserved in 0u64..500, incoming in 0u64..500, backordered in 0u64..200,
            lead in 0u32..60, z in 0.0f64..3.0, review in 0u32..30,
            case in proptest::option::of(1u64..24), moq in proptest::option::of(1u64..100),
            min_max in proptest::option::of((0u64..300, 0u64..300)),
            eoq in proptest::bool::ANY,
        ) {
            let reserved = reserved.min(on_hand);
            let mut settings = ReorderSettings { service_level_z: z, review_days: review, ..Default::default() };
            if let Some((a, b)) = min_max {
                settings.method = ReorderMethod::MinMax;
                settings.min = Some(a.min(b));
                settings.max = Some(a.max(b));
            }
            if eoq {
                settings.ordering_cost = Some(Money::parse("40", "USD").unwrap());
                settings.holding_cost_percent = Some(Decimal::from(20));
            }
            settings.check().unwrap();
            let mut item = item("");
            item.case_pack = case;
            item.moq = moq;
            let position = Position { on_hand, reserved, incoming, backordered };
            let input = ItemInput {
                sku: &"MUG".into(), location_id: &"WH1".into(), position,
                history: DemandStats::from_daily(&daily), settings: &settings, item: &item,
                lead_time_days: lead,
            };
            let net = position.net();
            match suggest(&input) {
                Some(s) => {
                    let e = &s.explanation;
                    proptest::prop_assert!(net <= i128::from(e.reorder_at));
                    proptest::prop_assert!(s.quantity >= e.needed && s.quantity >= moq.unwrap_or(0));
                    proptest::prop_assert_eq!(s.quantity % case.unwrap_or(1), 0);
                    let after = net + i128::from(s.quantity);
                    match settings.method {
                        ReorderMethod::MinMax => proptest::prop_assert!(after >= i128::from(settings.max.unwrap())),
                        ReorderMethod::ReorderPoint => proptest::prop_assert!(after >= i128::from(e.reorder_at)),
                    }
                }
                None => {
                    if let ReorderMethod::MinMax = settings.method {
                        // Above min, or already at max (min = max).
                        proptest::prop_assert!(
                            net > i128::from(settings.min.unwrap()) || net == i128::from(settings.max.unwrap())
                        );
                    }
                    // Far enough short, something is always ordered.
                    let short = Position { backordered: backordered + 10_000, ..position };
                    let ordered = suggest(&ItemInput { position: short, ..input });
                    proptest::prop_assert!(ordered.is_some());
                }
            }
        }
    }

    #[test]
    fn settings_out_of_range_are_refused() {
        for bad in [
            r#"{"service_level_z":-1}"#,
            r#"{"window_days":0}"#,
            r#"{"method":"min_max","min":5}"#,
            r#"{"method":"min_max","min":5,"max":4}"#,
            r#"{"holding_cost_percent":0}"#,
        ] {
            let s: ReorderSettings = serde_json::from_str(bad).unwrap();
            assert!(s.check().is_err(), "{bad}");
        }
    }
}
