//! Zones, quotes and the choice of a service.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::address::is_po_box;
use super::{Service, ShippingConfig};
use crate::catalog::{haversine_km, Dims, Location};
use crate::error::{OmsError, Result};
use crate::ids::{LocationId, ServiceId};
use crate::money::Money;
use crate::order::Address;

/// A parcel as carriers see it: outer dimensions and gross weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParcelSpec {
    /// Outer length, width and height in millimetres.
    pub dims: Dims,
    /// Gross grams.
    pub weight: u64,
}

/// What to ship, where to, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentRequest {
    /// The delivery address.
    pub destination: Address,
    /// The parcels (none for a promise before packing: no weight or size
    /// limit applies, and the cost is the zone's first break).
    #[serde(default)]
    pub parcels: Vec<ParcelSpec>,
    /// When the order is (or would be) placed.
    pub at: DateTime<Utc>,
    /// The date promised to the customer (optional).
    #[serde(default)]
    pub deliver_by: Option<NaiveDate>,
    /// Whether the address is residential: adds services' residential
    /// surcharge (default false).
    #[serde(default)]
    pub residential: bool,
}

/// One service's answer for a request: its price and dates, or why it
/// cannot take the shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Quote {
    /// The service.
    pub service_id: ServiceId,
    /// Its carrier.
    pub carrier: String,
    /// The zone of the destination, when one was found.
    pub zone: Option<String>,
    /// The price of all parcels, surcharges included.
    pub cost: Option<Money>,
    /// When the parcels leave.
    pub ship_date: Option<NaiveDate>,
    /// When they arrive.
    pub delivery_date: Option<NaiveDate>,
    /// Why the service cannot take them; none when it can.
    pub refused: Option<String>,
}

/// The chosen service, and every quote it was chosen from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceChoice {
    /// The service chosen.
    pub service_id: ServiceId,
    /// Its carrier.
    pub carrier: String,
    /// The destination's zone.
    pub zone: String,
    /// What the parcels cost by it.
    pub cost: Money,
    /// When they leave.
    pub ship_date: NaiveDate,
    /// When they arrive.
    pub delivery_date: NaiveDate,
    /// Whether they arrive by the promised date (true with no promise).
    pub meets_promise: bool,
    /// Why this service, for a person.
    pub reason: String,
    /// Every service's quote, in config order.
    pub quotes: Vec<Quote>,
}

/// The destination's zone from `origin`: the longest matching postal
/// prefix rule (for this origin or any; this origin's on a tie), else the narrowest distance band
/// covering the great-circle distance when both ends have coordinates.
pub fn zone(config: &ShippingConfig, origin: &Location, destination: &Address) -> Option<String> {
    let applies = |o: &Option<LocationId>| o.as_ref().is_none_or(|o| *o == origin.location_id);
    let postal = squeeze(destination.postal_code());
    // (prefix length, for this origin): longer wins, then origin-specific.
    let mut best: Option<((usize, bool), &str)> = None;
    for rule in &config.zones {
        if !applies(&rule.origin) || rule.country != destination.country() {
            continue;
        }
        let prefix = rule
            .postal_prefix
            .as_deref()
            .map(squeeze)
            .unwrap_or_default();
        let key = (prefix.len(), rule.origin.is_some());
        if postal.starts_with(&prefix) && best.is_none_or(|(k, _)| key > k) {
            best = Some((key, &rule.zone));
        }
    }
    if let Some((_, zone)) = best {
        return Some(zone.to_string());
    }
    let (Some(lat), Some(lon), Some(dlat), Some(dlon)) =
        (origin.lat, origin.lon, destination.lat(), destination.lon())
    else {
        return None;
    };
    let km = haversine_km(lat, lon, dlat, dlon);
    config
        .distance_bands
        .iter()
        .filter(|b| applies(&b.origin) && f64::from(b.up_to_km) >= km)
        .min_by_key(|b| b.up_to_km)
        .map(|b| b.zone.clone())
}

fn squeeze(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// `service`'s price and dates for `request` from `origin` (see the
/// module doc), or why it cannot take it. Fails only on a date out of
/// range or a price that overflows.
pub fn quote(
    config: &ShippingConfig,
    service: &Service,
    origin: &Location,
    request: &ShipmentRequest,
) -> Result<Quote> {
    let zone = zone(config, origin, &request.destination);
    quote_in(config, service, origin, request, zone.as_deref())
}

/// [`quote`] with the destination's zone found once for every service.
fn quote_in(
    config: &ShippingConfig,
    service: &Service,
    origin: &Location,
    request: &ShipmentRequest,
    zone: Option<&str>,
) -> Result<Quote> {
    let mut q = Quote {
        service_id: service.service_id.clone(),
        carrier: service.carrier.clone(),
        zone: None,
        cost: None,
        ship_date: None,
        delivery_date: None,
        refused: None,
    };
    let refuse = |mut q: Quote, why: String| {
        q.refused = Some(why);
        Ok(q)
    };
    let dest = &request.destination;
    let Some(zone) = zone.map(str::to_string) else {
        return refuse(
            q,
            format!(
                "no zone for {} {} from {}",
                dest.country(),
                dest.postal_code(),
                origin.location_id
            ),
        );
    };
    q.zone = Some(zone.clone());
    let Some(&transit) = service.transit_days.get(&zone) else {
        return refuse(q, format!("does not serve zone {zone}"));
    };
    let breaks = match service.rates.get(&zone) {
        Some(b) if !b.is_empty() => b,
        _ => return refuse(q, format!("has no rates for zone {zone}")),
    };
    if !service.po_box && (is_po_box(dest.line1()) || dest.line2().is_some_and(is_po_box)) {
        return refuse(q, "does not deliver to PO boxes".into());
    }
    let currency = breaks[0].price.currency;
    let overflow = || OmsError::validation("services", "price overflows");
    let mut cost = if request.parcels.is_empty() {
        breaks[0].price.amount
    } else {
        Decimal::ZERO
    };
    for (k, p) in request.parcels.iter().enumerate() {
        let mut sides = [p.dims.length, p.dims.width, p.dims.height];
        sides.sort_unstable();
        let [short, middle, long] = sides;
        if let Some(max) = service.max_length.filter(|&m| long > m) {
            return refuse(q, format!("parcel {k}: {long} mm long, over its {max} mm"));
        }
        let girth = u64::from(long) + 2 * (u64::from(short) + u64::from(middle));
        if let Some(max) = service
            .max_length_and_girth
            .filter(|&m| girth > u64::from(m))
        {
            return refuse(
                q,
                format!("parcel {k}: length and girth {girth} mm, over its {max} mm"),
            );
        }
        let volume = u64::from(long) * u64::from(middle) * u64::from(short);
        let dim = service
            .dim_divisor
            .map_or(0, |d| volume.div_ceil(u64::from(d)));
        let billable = p.weight.max(dim);
        if let Some(max) = service.max_weight.filter(|&m| billable > m) {
            return refuse(
                q,
                format!("parcel {k}: bills {billable} g, over its {max} g"),
            );
        }
        let Some(rate) = breaks.iter().find(|b| b.up_to >= billable) else {
            return refuse(
                q,
                format!("parcel {k}: bills {billable} g, above zone {zone}'s last break"),
            );
        };
        cost = cost.checked_add(rate.price.amount).ok_or_else(overflow)?;
        if let Some(o) = service.oversize.filter(|o| long > o.longer_than) {
            cost = cost.checked_add(o.price.amount).ok_or_else(overflow)?;
        }
        if let (true, Some(r)) = (request.residential, service.residential) {
            cost = cost.checked_add(r.amount).ok_or_else(overflow)?;
        }
    }
    let offset = config
        .utc_offsets
        .get(&origin.location_id)
        .copied()
        .unwrap_or(0);
    let ship = config.calendar.ship_date(
        request.at,
        offset,
        service.cutoff_at(&origin.location_id),
        config.handling_days,
    )?;
    q.cost = Some(Money::new(cost, currency));
    q.ship_date = Some(ship);
    q.delivery_date = Some(config.calendar.add_business_days(ship, transit)?);
    Ok(q)
}

/// The service for `request` from `origin`: the cheapest arriving by
/// `deliver_by` (the earlier, then the first listed, on a tie), or the
/// fastest when none arrives in time (the cheaper, then the first
/// listed, on a tie), or the cheapest when nothing was promised. Fails
/// when the config is invalid or no service can take the parcels,
/// giving each service's reason.
pub fn select_service(
    config: &ShippingConfig,
    origin: &Location,
    request: &ShipmentRequest,
) -> Result<ServiceChoice> {
    config.check()?;
    let zone = zone(config, origin, &request.destination);
    let quotes = config
        .services
        .iter()
        .map(|s| quote_in(config, s, origin, request, zone.as_deref()))
        .collect::<Result<Vec<_>>>()?;
    // (cost, delivery, index, ship date, zone) of each service that can ship.
    let able: Vec<(Money, NaiveDate, usize, NaiveDate, &str)> = quotes
        .iter()
        .enumerate()
        .filter_map(|(i, q)| {
            Some((
                q.cost?,
                q.delivery_date?,
                i,
                q.ship_date?,
                q.zone.as_deref()?,
            ))
        })
        .collect();
    let in_time: Vec<_> = able
        .iter()
        .filter(|a| request.deliver_by.is_none_or(|by| a.1 <= by))
        .collect();
    let cheapest = in_time.iter().min_by_key(|a| (a.0.amount, a.1, a.2));
    let fastest = able.iter().min_by_key(|a| (a.1, a.0.amount, a.2));
    let (chosen, meets, reason) = match (cheapest, fastest, request.deliver_by) {
        (Some(&&a), _, Some(by)) => (
            a,
            true,
            format!(
                "cheapest of {} arriving by {by} ({} can ship)",
                services(in_time.len()),
                able.len()
            ),
        ),
        (Some(&&a), _, None) => (
            a,
            true,
            format!("cheapest of {}; no date promised", services(able.len())),
        ),
        (None, Some(&a), by) => (
            a,
            false,
            format!(
                "no service arrives by {}; the fastest arrives {}",
                by.map(|d| d.to_string()).unwrap_or_default(),
                a.1
            ),
        ),
        (None, None, _) => {
            let why: Vec<String> = quotes
                .iter()
                .map(|q| format!("{}: {}", q.service_id, q.refused.as_deref().unwrap_or("")))
                .collect();
            return Err(OmsError::validation(
                "services",
                if why.is_empty() {
                    "no service is configured".to_string()
                } else {
                    format!("no service can take the shipment ({})", why.join("; "))
                },
            ));
        }
    };
    let (cost, delivery_date, i, ship_date, zone) = chosen;
    let zone = zone.to_string();
    Ok(ServiceChoice {
        service_id: quotes[i].service_id.clone(),
        carrier: quotes[i].carrier.clone(),
        zone,
        cost,
        ship_date,
        delivery_date,
        meets_promise: meets,
        reason,
        quotes,
    })
}

fn services(n: usize) -> String {
    format!("{n} service{}", if n == 1 { "" } else { "s" })
}

/// The earliest delivery date to `destination` for an order placed `at`,
/// over every origin and service that can take `parcels` (empty: no
/// limits), for a product page or checkout before the order exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Promise {
    /// The date it arrives by.
    pub arrives_by: NaiveDate,
    /// When it would leave.
    pub ship_date: NaiveDate,
    /// From where.
    pub location_id: LocationId,
    /// By which service.
    pub service_id: ServiceId,
    /// At what cost.
    pub cost: Money,
}

/// The earliest-arriving origin and service for `request` among
/// `origins` (the cheaper, then the first listed, on a tie); see
/// [`Promise`]. Fails when none can ship there.
pub fn delivery_promise(
    config: &ShippingConfig,
    origins: &[&Location],
    request: &ShipmentRequest,
) -> Result<Promise> {
    config.check()?;
    let mut best: Option<(NaiveDate, Decimal, Promise)> = None;
    for origin in origins {
        let zone = zone(config, origin, &request.destination);
        for service in &config.services {
            let q = quote_in(config, service, origin, request, zone.as_deref())?;
            let (Some(cost), Some(ship), Some(arrives)) = (q.cost, q.ship_date, q.delivery_date)
            else {
                continue;
            };
            if best
                .as_ref()
                .is_none_or(|(d, c, _)| (arrives, cost.amount) < (*d, *c))
            {
                best = Some((
                    arrives,
                    cost.amount,
                    Promise {
                        arrives_by: arrives,
                        ship_date: ship,
                        location_id: origin.location_id.clone(),
                        service_id: service.service_id.clone(),
                        cost,
                    },
                ));
            }
        }
    }
    best.map(|(_, _, p)| p).ok_or_else(|| {
        OmsError::validation(
            "destination",
            format!(
                "no location and service can ship to {} {}",
                request.destination.country(),
                request.destination.postal_code()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::LocationKind;
    use crate::order::AddressParts;

    fn config() -> ShippingConfig {
        serde_json::from_value(serde_json::json!({
            "zones": [
                {"country": "US", "zone": "2"},
                {"country": "US", "postal_prefix": "9", "zone": "8"},
                {"country": "US", "postal_prefix": "07", "zone": "1"},
                {"origin": "CA-WH", "country": "US", "postal_prefix": "9", "zone": "2"}
            ],
            "distance_bands": [
                {"up_to_km": 500, "zone": "near"},
                {"up_to_km": 3000, "zone": "far"}
            ],
            "services": [
                {"service_id": "ground", "carrier": "UPS", "name": "Ground",
                 "transit_days": {"1": 1, "2": 2, "8": 5, "near": 2, "far": 4},
                 "dim_divisor": 5000, "max_weight": 30000, "max_length": 1000,
                 "rates": {"1": [{"up_to": 1000, "price": {"amount": "6", "currency": "USD"}},
                                 {"up_to": 30000, "price": {"amount": "12", "currency": "USD"}}],
                           "2": [{"up_to": 30000, "price": {"amount": "9", "currency": "USD"}}],
                           "8": [{"up_to": 30000, "price": {"amount": "14", "currency": "USD"}}],
                           "near": [{"up_to": 30000, "price": {"amount": "7", "currency": "USD"}}],
                           "far": [{"up_to": 30000, "price": {"amount": "10", "currency": "USD"}}]},
                 "oversize": {"longer_than": 800, "price": {"amount": "20", "currency": "USD"}},
                 "residential": {"amount": "4.50", "currency": "USD"}},
                {"service_id": "2day", "carrier": "FedEx", "name": "2Day",
                 "transit_days": {"1": 2, "2": 2, "8": 2},
                 "cutoffs": {"NJ": "15:00"},
                 "rates": {"1": [{"up_to": 10000, "price": {"amount": "15", "currency": "USD"}}],
                           "2": [{"up_to": 10000, "price": {"amount": "18", "currency": "USD"}}],
                           "8": [{"up_to": 10000, "price": {"amount": "22", "currency": "USD"}}]},
                 "po_box": true}
            ],
            "calendar": {"holidays": ["2026-11-26"]},
            "utc_offsets": {"NJ": -300}
        }))
        .unwrap()
    }

    fn nj() -> Location {
        let mut l = Location::new("NJ", "Newark", LocationKind::Warehouse);
        (l.lat, l.lon) = (Some(40.73), Some(-74.17));
        l
    }

    fn to(postal: &str, line1: &str, coords: Option<(f64, f64)>) -> Address {
        Address::from(AddressParts {
            name: "Ada".into(),
            line1: line1.into(),
            line2: None,
            city: "X".into(),
            region: Some("XX".into()),
            postal_code: postal.into(),
            country: if postal.is_empty() { "CA" } else { "US" }.into(),
            lat: coords.map(|c| c.0),
            lon: coords.map(|c| c.1),
        })
    }

    fn request(
        dest: Address,
        parcels: &[(u32, u64)],
        at: &str,
        by: Option<&str>,
    ) -> ShipmentRequest {
        ShipmentRequest {
            destination: dest,
            parcels: parcels
                .iter()
                .map(|&(side, weight)| ParcelSpec {
                    dims: Dims {
                        length: side,
                        width: 200,
                        height: 100,
                    },
                    weight,
                })
                .collect(),
            at: at.parse().unwrap(),
            deliver_by: by.map(|d| d.parse().unwrap()),
            residential: false,
        }
    }

    #[test]
    fn zones_by_longest_prefix_origin_and_distance() {
        let c = config();
        assert_eq!(
            zone(&c, &nj(), &to("07102", "1 St", None)).as_deref(),
            Some("1")
        );
        assert_eq!(
            zone(&c, &nj(), &to("95112", "1 St", None)).as_deref(),
            Some("8")
        );
        assert_eq!(
            zone(&c, &nj(), &to("60601", "1 St", None)).as_deref(),
            Some("2")
        );
        let ca = Location::new("CA-WH", "Fresno", LocationKind::Warehouse);
        assert_eq!(
            zone(&c, &ca, &to("95112", "1 St", None)).as_deref(),
            Some("2")
        );
        // Canada has no rule: by distance bands. Toronto is about 550 km
        // from Newark, a point 250 km north is near, Vancouver beyond the
        // last band.
        let toronto = to("", "1 St", Some((43.65, -79.38)));
        assert_eq!(zone(&c, &nj(), &toronto).as_deref(), Some("far"));
        let north = to("", "1 St", Some((42.98, -74.17)));
        assert_eq!(zone(&c, &nj(), &north).as_deref(), Some("near"));
        assert_eq!(
            zone(&c, &nj(), &to("", "1 St", Some((49.28, -123.12)))),
            None
        );
    }

    #[test]
    fn cheapest_in_time_else_fastest() {
        let c = config();
        // Friday 20 Nov, 12:00 in Newark (17:00 UTC): both services ship today.
        let at = "2026-11-20T17:00:00Z";
        let west = to("95112", "1 St", None);
        let choice =
            select_service(&c, &nj(), &request(west.clone(), &[(300, 2000)], at, None)).unwrap();
        assert_eq!(
            (choice.service_id.as_str(), choice.cost.to_string().as_str()),
            ("ground", "14 USD")
        );
        assert_eq!(choice.delivery_date.to_string(), "2026-11-30"); // 5 days, skipping Thanksgiving
        let by_25 = request(west.clone(), &[(300, 2000)], at, Some("2026-11-25"));
        let choice = select_service(&c, &nj(), &by_25).unwrap();
        assert_eq!(choice.service_id.as_str(), "2day");
        assert!(choice.meets_promise, "{}", choice.reason);
        // Nothing arrives by Monday: the fastest, flagged.
        let by_23 = request(west.clone(), &[(300, 2000)], at, Some("2026-11-23"));
        let choice = select_service(&c, &nj(), &by_23).unwrap();
        assert_eq!(choice.service_id.as_str(), "2day");
        assert!(!choice.meets_promise);
        assert!(choice.reason.contains("no service arrives by 2026-11-23"));
        // 16:00 in Newark is past 2Day's 15:00 cutoff there: it ships Monday.
        let late = request(west, &[(300, 2000)], "2026-11-20T21:00:00Z", None);
        let q = quote(&c, &c.services[1], &nj(), &late).unwrap();
        assert_eq!(q.ship_date.unwrap().to_string(), "2026-11-23");
    }

    #[test]
    fn weights_sizes_surcharges_and_po_boxes() {
        let c = config();
        let at = "2026-11-20T17:00:00Z";
        let near = to("07102", "1 St", None);
        // 400 × 200 × 100 mm is 1,600 g by volume: the second break.
        let q = quote(
            &c,
            &c.services[0],
            &nj(),
            &request(near.clone(), &[(400, 500)], at, None),
        )
        .unwrap();
        assert_eq!(q.cost.unwrap().to_string(), "12 USD");
        // Oversize and residential surcharges.
        let mut r = request(near.clone(), &[(900, 500)], at, None);
        r.residential = true;
        let q = quote(&c, &c.services[0], &nj(), &r).unwrap();
        assert_eq!(q.cost.unwrap().to_string(), "36.50 USD");
        // Over 1 m: ground refuses, 2Day takes it.
        let long = request(near.clone(), &[(1200, 500)], at, None);
        let choice = select_service(&c, &nj(), &long).unwrap();
        assert_eq!(choice.service_id.as_str(), "2day");
        assert!(choice.quotes[0]
            .refused
            .as_deref()
            .unwrap()
            .contains("1200 mm long"));
        // Too heavy for both: the error gives each reason.
        let heavy = request(near, &[(300, 40_000)], at, None);
        let e = select_service(&c, &nj(), &heavy).unwrap_err().to_string();
        assert!(
            e.contains("ground: parcel 0: bills 40000 g, over its 30000 g"),
            "{e}"
        );
        assert!(
            e.contains("2day: parcel 0: bills 40000 g, above zone 1's last break"),
            "{e}"
        );
        // Only 2Day delivers to PO boxes.
        let po = request(to("07102", "PO Box 9", None), &[(300, 500)], at, None);
        let choice = select_service(&c, &nj(), &po).unwrap();
        assert_eq!(choice.service_id.as_str(), "2day");
    }

    #[test]
    fn promise_takes_the_earliest_origin_and_service() {
        let c = config();
        let ca = Location::new("CA-WH", "Fresno", LocationKind::Warehouse);
        let r = request(to("95112", "1 St", None), &[], "2026-11-20T17:00:00Z", None);
        // From Newark ground takes 5 days, 2Day 2; from Fresno (zone 2)
        // ground takes 2 for 9 USD, 2Day 2 for 18: Fresno by ground.
        let p = delivery_promise(&c, &[&nj(), &ca], &r).unwrap();
        assert_eq!(
            (
                p.location_id.as_str(),
                p.service_id.as_str(),
                p.arrives_by.to_string().as_str()
            ),
            ("CA-WH", "ground", "2026-11-24")
        );
        assert_eq!(p.cost.to_string(), "9 USD");
        let nowhere = request(to("", "1 St", None), &[], "2026-11-20T17:00:00Z", None);
        assert!(delivery_promise(&c, &[&nj()], &nowhere).is_err());
    }
}
