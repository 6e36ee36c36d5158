//! Wave planning: which releasable orders go to the floor together.
//!
//! Orders are taken by carrier cutoff (`ship_by`, earliest first; orders
//! without one last), then rush before standard, then oldest, then as
//! given. A wave takes each order that fits its limits (first fit), so a
//! large order waiting for the next wave does not hold small ones back:
//! at most `max_orders` orders, `max_units` units, and `max_zone_units`
//! units in any one zone, which keeps the zones' pickers evenly loaded.
//! An order that alone exceeds a limit gets a wave of its own rather than
//! never being released.
//!
//! ```
//! use oms_core::picking::{plan_waves, WaveCandidate, WaveRules};
//! use chrono::{TimeZone, Utc};
//! let at = |h| Utc.with_ymd_and_hms(2026, 1, 1, h, 0, 0).unwrap();
//! let order = |ship_by: Option<u32>, rush, units| WaveCandidate {
//!     ship_by: ship_by.map(at),
//!     rush,
//!     placed_at: at(0),
//!     zones: vec![("A".into(), units)],
//! };
//! let orders = [order(None, false, 5), order(Some(15), false, 5), order(None, true, 5)];
//! let rules = WaveRules { max_orders: Some(2), ..WaveRules::default() };
//! // The 15:00 cutoff first, then rush.
//! assert_eq!(plan_waves(&orders, &rules), vec![vec![1, 2], vec![0]]);
//! ```

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An order that could join a wave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaveCandidate {
    /// The carrier cutoff the order must make, if any.
    pub ship_by: Option<DateTime<Utc>>,
    /// Rush orders go before standard ones of the same cutoff.
    pub rush: bool,
    /// When it was placed: older first.
    pub placed_at: DateTime<Utc>,
    /// Units to pick per zone.
    pub zones: Vec<(String, u64)>,
}

impl WaveCandidate {
    fn units(&self) -> u64 {
        self.zones.iter().map(|z| z.1).sum()
    }
}

/// Limits and filters of a wave; a limit left out does not apply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaveRules {
    /// The most orders per wave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_orders: Option<u32>,
    /// The most units per wave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_units: Option<u64>,
    /// The most units per zone per wave (zone workload balance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_zone_units: Option<u64>,
    /// Only orders whose `ship_by` is at or before this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_by_until: Option<DateTime<Utc>>,
    /// Only rush orders.
    #[serde(default, skip_serializing_if = "crate::util::is_false")]
    pub rush_only: bool,
}

/// Groups `candidates` into waves (indices), in release order.
pub fn plan_waves(candidates: &[WaveCandidate], rules: &WaveRules) -> Vec<Vec<usize>> {
    let mut queue: Vec<usize> = (0..candidates.len())
        .filter(|&i| {
            let c = &candidates[i];
            (!rules.rush_only || c.rush)
                && rules
                    .ship_by_until
                    .is_none_or(|until| c.ship_by.is_some_and(|s| s <= until))
        })
        .collect();
    queue.sort_by_key(|&i| {
        let c = &candidates[i];
        (c.ship_by.is_none(), c.ship_by, !c.rush, c.placed_at, i)
    });
    let mut waves = Vec::new();
    while !queue.is_empty() {
        let mut wave: Vec<usize> = Vec::new();
        let mut units = 0u64;
        let mut zones: Vec<(&str, u64)> = Vec::new();
        let mut left = Vec::new();
        for &i in &queue {
            let c = &candidates[i];
            let fits = rules
                .max_orders
                .is_none_or(|m| (wave.len() as u64) < u64::from(m.max(1)))
                && rules.max_units.is_none_or(|m| units + c.units() <= m)
                && rules.max_zone_units.is_none_or(|m| {
                    c.zones
                        .iter()
                        .all(|(z, u)| zones.iter().find(|e| e.0 == z).map_or(0, |e| e.1) + u <= m)
                });
            if fits || wave.is_empty() {
                wave.push(i);
                units += c.units();
                for (z, u) in &c.zones {
                    match zones.iter_mut().find(|e| e.0 == z) {
                        Some(e) => e.1 += u,
                        None => zones.push((z, *u)),
                    }
                }
            } else {
                left.push(i);
            }
        }
        waves.push(wave);
        queue = left;
    }
    waves
}
