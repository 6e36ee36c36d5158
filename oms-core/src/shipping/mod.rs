//! Shipping: carriers' services, zones and rates, ship and delivery dates,
//! service selection, address checks and labels. All pure functions of a
//! [`ShippingConfig`] and their arguments; time comes in as `at`.
//!
//! - [`zone`] finds the zone between a location and an address: the
//!   longest matching postal prefix rule, else the first distance band
//!   that covers the great-circle distance.
//! - [`quote`] prices parcels on one service and dates their delivery:
//!   the ship date is the first business day at the location whose pickup
//!   cutoff has not passed (after `handling_days`), and delivery follows
//!   the service's transit days for the zone, counting business days of
//!   the [`Calendar`] (weekends and holidays skipped).
//! - [`select_service`] picks the cheapest service arriving by the promised
//!   date, or the fastest when none does, and says why.
//! - [`check_address`] finds what is missing or malformed in an address,
//!   and [`label`] writes a parcel's label as ZPL.
//!
//! ```
//! use oms_core::shipping::{select_service, ShipmentRequest, ShippingConfig};
//! use oms_core::{Dims, Location, LocationKind};
//! let config: ShippingConfig = serde_json::from_str(r#"{
//!   "zones": [{"country": "US", "postal_prefix": "9", "zone": "far"},
//!             {"country": "US", "zone": "near"}],
//!   "services": [
//!     {"service_id": "ground", "carrier": "UPS", "name": "Ground",
//!      "transit_days": {"near": 2, "far": 5}, "cutoff": "17:00",
//!      "rates": {"near": [{"up_to": 5000, "price": {"amount": "8.00", "currency": "USD"}}],
//!                "far": [{"up_to": 5000, "price": {"amount": "11.00", "currency": "USD"}}]}},
//!     {"service_id": "air", "carrier": "UPS", "name": "Next Day Air",
//!      "transit_days": {"near": 1, "far": 1}, "cutoff": "17:00",
//!      "rates": {"near": [{"up_to": 5000, "price": {"amount": "25.00", "currency": "USD"}}],
//!                "far": [{"up_to": 5000, "price": {"amount": "31.00", "currency": "USD"}}]}}
//!   ]
//! }"#).unwrap();
//! let origin = Location::new("NJ", "Newark", LocationKind::Warehouse);
//! let request: ShipmentRequest = serde_json::from_str(r#"{
//!   "destination": {"name": "Ada", "line1": "1 Main St", "city": "San Jose",
//!                   "region": "CA", "postal_code": "95112", "country": "US"},
//!   "parcels": [{"dims": {"length": 300, "width": 200, "height": 150}, "weight": 1200}],
//!   "at": "2026-11-20T15:00:00Z",
//!   "deliver_by": "2026-11-26"
//! }"#).unwrap();
//! // Friday 15:00 ships today; ground takes five business days (Friday 27th).
//! let choice = select_service(&config, &origin, &request).unwrap();
//! assert_eq!(choice.service_id.as_str(), "air");
//! assert!(choice.meets_promise);
//! assert_eq!(choice.delivery_date.to_string(), "2026-11-23");
//! assert_eq!(choice.reason, "cheapest of 1 service arriving by 2026-11-26 (2 can ship)");
//! ```

mod address;
mod calendar;
mod label;
mod selection;

use std::collections::BTreeMap;

use chrono::NaiveTime;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{OmsError, Result};
use crate::ids::{LocationId, ServiceId};
use crate::money::{Money, OneCurrency};
use crate::packing::WeightBreak;

pub use address::{check_address, is_po_box, AddressProblem};
pub use calendar::Calendar;
pub use label::{label, Label, LabelInput};
pub use selection::{
    delivery_promise, quote, select_service, zone, ParcelSpec, Promise, Quote, ServiceChoice,
    ShipmentRequest,
};

/// Everything shipping needs: zones, services and the calendar.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShippingConfig {
    /// Postal-prefix zone rules; the longest matching prefix wins.
    #[serde(default)]
    pub zones: Vec<ZoneRule>,
    /// Distance bands, used when no rule matches and both ends have
    /// coordinates; the first band that covers the distance wins.
    #[serde(default)]
    pub distance_bands: Vec<DistanceBand>,
    /// The services, in order of preference on a tie.
    #[serde(default)]
    pub services: Vec<Service>,
    /// Business days: weekends and holidays are neither ship nor transit days.
    #[serde(default)]
    pub calendar: Calendar,
    /// Business days between an order and its earliest ship date, for
    /// picking and packing (default 0: ships the day it is placed when
    /// before the cutoff).
    #[serde(default)]
    pub handling_days: u32,
    /// Each location's offset from UTC in minutes, for its cutoffs and
    /// dates (default 0: UTC).
    #[serde(default)]
    pub utc_offsets: BTreeMap<LocationId, i32>,
    /// The sender's address printed on labels, per location (optional;
    /// else the location's name, postal code and country).
    #[serde(default)]
    pub return_addresses: BTreeMap<LocationId, crate::order::Address>,
}

/// A postal-prefix rule: destinations in `country` whose postal code
/// starts with `postal_prefix` are in `zone`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneRule {
    /// The shipping location it applies to (optional; every location).
    #[serde(default)]
    pub origin: Option<LocationId>,
    /// ISO 3166-1 alpha-2 country of the destination.
    pub country: String,
    /// Leading characters of the postal code, compared without spaces and
    /// case (optional; the whole country).
    #[serde(default)]
    pub postal_prefix: Option<String>,
    /// The zone's name, as services' transit days and rates use it.
    pub zone: String,
}

/// A distance band: destinations up to `up_to_km` away are in `zone`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DistanceBand {
    /// The shipping location it applies to (optional; every location).
    #[serde(default)]
    pub origin: Option<LocationId>,
    /// The farthest great-circle kilometres it covers.
    pub up_to_km: u32,
    /// The zone's name.
    pub zone: String,
}

/// A carrier's service: where it goes how fast, what it takes, what it
/// costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Unique within the config.
    pub service_id: ServiceId,
    /// The carrier's name, e.g. `UPS`.
    pub carrier: String,
    /// The service's name, e.g. `Ground`.
    pub name: String,
    /// Business days in transit per zone; a zone not listed is not served.
    pub transit_days: BTreeMap<String, u32>,
    /// The latest local time a parcel is picked up the same day (default
    /// `cutoff`, else 17:00), per location.
    #[serde(default)]
    pub cutoffs: BTreeMap<LocationId, NaiveTime>,
    /// The pickup cutoff at locations not in `cutoffs` (optional; 17:00).
    #[serde(default)]
    pub cutoff: Option<NaiveTime>,
    /// The heaviest billable grams per parcel (optional; no limit).
    #[serde(default)]
    pub max_weight: Option<u64>,
    /// The longest side a parcel may have, in millimetres (optional).
    #[serde(default)]
    pub max_length: Option<u32>,
    /// The most length plus girth (2 × (width + height)) a parcel may
    /// have, in millimetres (optional).
    #[serde(default)]
    pub max_length_and_girth: Option<u32>,
    /// Dimensional-weight divisor in cm³ per kg (optional; none).
    #[serde(default)]
    pub dim_divisor: Option<u32>,
    /// Rates per zone by billable weight, breaks in increasing `up_to`; a
    /// parcel above a zone's last break cannot go by this service.
    pub rates: BTreeMap<String, Vec<WeightBreak>>,
    /// Added per parcel whose longest side is over `longer_than` mm.
    #[serde(default)]
    pub oversize: Option<Oversize>,
    /// Added per parcel to a residential address (optional).
    #[serde(default)]
    pub residential: Option<Money>,
    /// Whether it delivers to PO boxes (default false).
    #[serde(default)]
    pub po_box: bool,
}

/// The oversize surcharge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Oversize {
    /// Parcels whose longest side exceeds this many millimetres pay it.
    pub longer_than: u32,
    /// The surcharge per parcel.
    pub price: Money,
}

/// The default pickup cutoff: 17:00 local time.
fn default_cutoff() -> NaiveTime {
    NaiveTime::from_hms_opt(17, 0, 0).unwrap_or(NaiveTime::MIN)
}

impl Service {
    /// The pickup cutoff at `location`.
    pub fn cutoff_at(&self, location: &LocationId) -> NaiveTime {
        self.cutoffs
            .get(location)
            .copied()
            .or(self.cutoff)
            .unwrap_or_else(default_cutoff)
    }
}

impl ShippingConfig {
    /// Checks the config: services unique, every price in one currency
    /// and not negative, breaks increasing, divisors positive, offsets
    /// within ±18 h. The error names the field.
    pub fn check(&self) -> Result<()> {
        let mut prices = OneCurrency::default();
        let mut price =
            |field: &dyn Fn() -> String, m: &Money| prices.check(field, m, "every price");
        for (i, s) in self.services.iter().enumerate() {
            let at = |f: &str| format!("services[{i}].{f}");
            if self.services[..i]
                .iter()
                .any(|o| o.service_id == s.service_id)
            {
                return Err(OmsError::validation(
                    at("service_id"),
                    format!("{} is listed twice", s.service_id),
                ));
            }
            if s.dim_divisor == Some(0) {
                return Err(OmsError::validation(at("dim_divisor"), "at least 1"));
            }
            for (zone, breaks) in &s.rates {
                for (k, b) in breaks.iter().enumerate() {
                    price(&|| at(&format!("rates.{zone}[{k}].price")), &b.price)?;
                    if k > 0 && b.up_to <= breaks[k - 1].up_to {
                        return Err(OmsError::validation(
                            at(&format!("rates.{zone}[{k}].up_to")),
                            "breaks must be in increasing up_to",
                        ));
                    }
                }
            }
            if let Some(o) = &s.oversize {
                price(&|| at("oversize.price"), &o.price)?;
            }
            if let Some(r) = &s.residential {
                price(&|| at("residential"), r)?;
            }
        }
        for (location, &minutes) in &self.utc_offsets {
            if minutes.abs() > 18 * 60 {
                return Err(OmsError::validation(
                    format!("utc_offsets.{location}"),
                    format!("{minutes} minutes is not within ±18 hours"),
                ));
            }
        }
        self.calendar.check()
    }
}
