//! The catalog: locations (warehouses, stores, dropship partners) and
//! products, including kits whose stock derives from their components.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{OmsError, Result};
use crate::ids::{LocationId, Sku};
use crate::money::Money;

fn yes() -> bool {
    true
}

/// What kind of place a location is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    /// A warehouse or distribution centre.
    Warehouse,
    /// A retail store (ship-from-store, pickup).
    Store,
    /// A supplier that ships on the shop's behalf.
    Dropship,
}

/// A place that holds stock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// The location's id, unique across the engine.
    pub location_id: LocationId,
    /// Display name of the location.
    pub name: String,
    /// What kind of place this is.
    pub kind: LocationKind,
    /// Latitude in degrees (-90 to 90), given together with `lon` (optional); lets allocation prefer the nearest location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude in degrees (-180 to 180), given together with `lat` (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// Whether allocation may reserve stock here for customer orders (default true).
    #[serde(default = "yes")]
    pub fulfills_orders: bool,
    /// Sourcing preference under `location_priority`: lower first (optional; unset ranks last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    /// A paused location keeps its stock and reservations but gets no new allocations.
    #[serde(default, skip_serializing_if = "crate::util::is_false")]
    pub paused: bool,
    /// ISO country code of the location (optional); with `postal_code`,
    /// `nearest` ranks it when coordinates are missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Postal code of the location (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Destinations it ships to: country codes (`US`) or country-region
    /// pairs (`US-CA`) (optional: everywhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ships_to: Option<Vec<String>>,
}

impl Location {
    /// Whether the location ships to `country` (and `region`, if given).
    ///
    /// ```
    /// use oms_core::{Location, LocationKind};
    /// let mut l = Location::new("WH1", "Main", LocationKind::Warehouse);
    /// assert!(l.ships_to("FR", None));
    /// l.ships_to = Some(vec!["US-CA".into(), "CA".into()]);
    /// assert!(l.ships_to("us", Some("ca")));
    /// assert!(!l.ships_to("US", Some("NY")));
    /// assert!(l.ships_to("CA", Some("QC")));
    /// ```
    pub fn ships_to(&self, country: &str, region: Option<&str>) -> bool {
        let Some(list) = &self.ships_to else {
            return true;
        };
        list.iter().any(|d| match d.split_once('-') {
            None => d.eq_ignore_ascii_case(country),
            Some((c, r)) => {
                c.eq_ignore_ascii_case(country) && region.is_some_and(|x| r.eq_ignore_ascii_case(x))
            }
        })
    }

    /// A fulfilling location with nothing optional set.
    pub fn new(location_id: &str, name: &str, kind: LocationKind) -> Location {
        Location {
            location_id: location_id.into(),
            name: name.into(),
            kind,
            lat: None,
            lon: None,
            fulfills_orders: true,
            priority: None,
            paused: false,
            country: None,
            postal_code: None,
            ships_to: None,
        }
    }
}

/// Outer dimensions in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dims {
    /// Length in millimetres (at least 1).
    pub length: u32,
    /// Width in millimetres (at least 1).
    pub width: u32,
    /// Height in millimetres (at least 1).
    pub height: u32,
}

/// One component of a kit: `quantity` units of `sku` per kit unit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// SKU of the component: a defined product that is not itself a kit.
    pub sku: Sku,
    /// Units of the component in one kit unit (1 to 1,000,000).
    pub quantity: u64,
}

/// A product (SKU). A product with components is a kit: it holds no stock of
/// its own and its availability is derived from its components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// The product's SKU, unique across the catalog.
    pub sku: Sku,
    /// Display name of the product.
    pub name: String,
    /// GTIN-8, -12, -13 or -14 barcode number with a valid check digit (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
    /// Free-text description (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Shipping weight in grams (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_g: Option<u64>,
    /// Outer dimensions in millimetres (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dims_mm: Option<Dims>,
    /// List price, not negative (optional; orders carry their own unit prices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Money>,
    /// Components per kit unit; empty (omitted in JSON) for a plain product.
    #[serde(default, skip_serializing_if = "<[Component]>::is_empty")]
    pub components: Arc<[Component]>,
    /// Always sourced from a dropship supplier: the shop holds no stock
    /// of it (stock commands refuse it) and allocation sends its lines to
    /// a dropship PO (default false).
    #[serde(default, skip_serializing_if = "crate::util::is_false")]
    pub dropship_only: bool,
    /// How a unit packs: orientation, fragile, hazmat, ships in its own
    /// box (optional; any way, no flags). `pack` reads it with `dims_mm`
    /// and `weight_g`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packing: Option<crate::packing::PackingRules>,
    /// Never accepted back by `request_return` (optional, default false).
    #[serde(default, skip_serializing_if = "crate::util::is_false")]
    pub non_returnable: bool,
}

impl Product {
    /// Whether this product is a kit (has components).
    pub fn is_kit(&self) -> bool {
        !self.components.is_empty()
    }
}

/// Checks a GTIN-8/12/13/14: digits only, valid GS1 mod-10 check digit.
///
/// ```
/// use oms_core::catalog::check_gtin;
/// assert!(check_gtin("gtin", "4006381333931").is_ok());
/// assert!(check_gtin("gtin", "4006381333932").is_err());
/// ```
pub fn check_gtin(field: &str, gtin: &str) -> Result<()> {
    if !matches!(gtin.len(), 8 | 12 | 13 | 14) || !gtin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(OmsError::validation(
            field,
            format!("{gtin:?} is not a GTIN-8, -12, -13 or -14 (8, 12, 13 or 14 digits)"),
        ));
    }
    let digits: Vec<u32> = gtin.bytes().map(|b| u32::from(b - b'0')).collect();
    let (body, check) = digits.split_at(digits.len() - 1);
    // GS1: weights 3,1,3,1… from the rightmost digit of the body.
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    let expected = (10 - sum % 10) % 10;
    if expected != check[0] {
        return Err(OmsError::validation(
            field,
            format!(
                "{gtin:?} has check digit {} but its digits give {expected}",
                check[0]
            ),
        ));
    }
    Ok(())
}

/// Checks an optional latitude/longitude pair (both or neither, finite, in range).
pub fn check_coordinates(field: &str, lat: Option<f64>, lon: Option<f64>) -> Result<()> {
    let name = |part: &str| {
        if field.is_empty() {
            part.to_string()
        } else {
            format!("{field}.{part}")
        }
    };
    match (lat, lon) {
        (None, None) => Ok(()),
        (Some(lat), Some(lon)) => {
            if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
                return Err(OmsError::validation(
                    name("lat"),
                    format!("{lat} is not a latitude in [-90, 90]"),
                ));
            }
            if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
                return Err(OmsError::validation(
                    name("lon"),
                    format!("{lon} is not a longitude in [-180, 180]"),
                ));
            }
            Ok(())
        }
        _ => Err(OmsError::validation(
            name("lat"),
            "lat and lon must be given together",
        )),
    }
}

/// Great-circle distance in kilometres (haversine, mean Earth radius).
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    haversine_km_cos(
        (lat1, lon1, lat1.to_radians().cos()),
        (lat2, lon2, lat2.to_radians().cos()),
    )
}

/// [`haversine_km`] for points given as (lat, lon, cos of lat in radians),
/// for callers that measure one point against many: the same result.
pub(crate) fn haversine_km_cos(a: (f64, f64, f64), b: (f64, f64, f64)) -> f64 {
    const R: f64 = 6371.0088;
    let dp = (b.0 - a.0).to_radians();
    let dl = (b.1 - a.1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + a.2 * b.2 * (dl / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtin_check_digits() {
        for ok in [
            "96385074",
            "036000291452",
            "4006381333931",
            "10614141000415",
        ] {
            assert!(check_gtin("gtin", ok).is_ok(), "{ok}");
        }
        for bad in [
            "96385075",
            "03600029145",
            "400638133393X",
            "",
            "123456789012345",
        ] {
            assert!(check_gtin("gtin", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn haversine_matches_known_distance() {
        // Paris → London ≈ 343.5 km.
        let d = haversine_km(48.8566, 2.3522, 51.5074, -0.1278);
        assert!((d - 343.5).abs() < 1.0, "{d}");
    }

    #[test]
    fn coordinates_are_checked() {
        assert!(check_coordinates("x", Some(1.0), Some(2.0)).is_ok());
        assert!(check_coordinates("x", Some(91.0), Some(2.0)).is_err());
        assert!(check_coordinates("x", Some(f64::NAN), Some(2.0)).is_err());
        assert!(check_coordinates("x", Some(1.0), None).is_err());
    }
}
