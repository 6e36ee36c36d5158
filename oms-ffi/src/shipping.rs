//! Shipping across the boundary: service selection, delivery promises,
//! address checks and labels. The `ShippingConfig` crosses as the core's
//! JSON (like the engine's config): it is set up once, by the host, and
//! its nested maps of zones to rates read more plainly as JSON than as
//! records. Requests and answers are typed.

use oms_core::shipping as sh_;

use crate::types::{parse_date, parse_time_field, Address, Dims, Location, Money};
use crate::OmsFfiError;

type Result<T, E = OmsFfiError> = std::result::Result<T, E>;

fn config(json: &str) -> Result<sh_::ShippingConfig> {
    let config: sh_::ShippingConfig = serde_json::from_str(json)
        .map_err(|e| OmsFfiError::validation("config_json", e.to_string()))?;
    config.check()?;
    Ok(config)
}

/// A parcel as carriers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ParcelSpec {
    /// Outer dimensions in millimetres.
    pub dims: Dims,
    /// Gross grams.
    pub weight: u64,
}

/// What to ship, where to, when.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ShipmentRequest {
    /// The delivery address.
    pub destination: Address,
    /// When the order is (or would be) placed, RFC 3339.
    pub at: String,
    /// The parcels (empty before packing: no limits apply).
    #[uniffi(default = [])]
    pub parcels: Vec<ParcelSpec>,
    /// The promised delivery date, `YYYY-MM-DD`.
    #[uniffi(default = None)]
    pub deliver_by: Option<String>,
    /// Whether the address is residential.
    #[uniffi(default = false)]
    pub residential: bool,
}

fn request(r: ShipmentRequest) -> Result<sh_::ShipmentRequest> {
    Ok(sh_::ShipmentRequest {
        destination: r.destination.into(),
        parcels: r
            .parcels
            .into_iter()
            .map(|p| sh_::ParcelSpec {
                dims: p.dims.into(),
                weight: p.weight,
            })
            .collect(),
        at: parse_time_field("at", &r.at)?,
        deliver_by: r
            .deliver_by
            .map(|d| parse_date("deliver_by", &d))
            .transpose()?,
        residential: r.residential,
    })
}

/// One service's price and dates, or why it refused.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Quote {
    /// The service.
    pub service_id: String,
    /// Its carrier.
    pub carrier: String,
    /// The destination's zone, when found.
    pub zone: Option<String>,
    /// The price of all parcels.
    pub cost: Option<Money>,
    /// Ship date, `YYYY-MM-DD`.
    pub ship_date: Option<String>,
    /// Delivery date, `YYYY-MM-DD`.
    pub delivery_date: Option<String>,
    /// Why it cannot take the parcels; none when it can.
    pub refused: Option<String>,
}

/// The chosen service and every quote.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ServiceChoice {
    /// The service chosen.
    pub service_id: String,
    /// Its carrier.
    pub carrier: String,
    /// The destination's zone.
    pub zone: String,
    /// What the parcels cost by it.
    pub cost: Money,
    /// Ship date, `YYYY-MM-DD`.
    pub ship_date: String,
    /// Delivery date, `YYYY-MM-DD`.
    pub delivery_date: String,
    /// Whether it arrives by the promised date.
    pub meets_promise: bool,
    /// Why this service.
    pub reason: String,
    /// Every service's quote.
    pub quotes: Vec<Quote>,
}

/// The earliest delivery over origins and services.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Promise {
    /// Arrives by, `YYYY-MM-DD`.
    pub arrives_by: String,
    /// Ships on, `YYYY-MM-DD`.
    pub ship_date: String,
    /// From where.
    pub location_id: String,
    /// By which service.
    pub service_id: String,
    /// At what cost.
    pub cost: Money,
}

/// One thing wrong with an address.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AddressProblem {
    /// The field at fault.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// What goes on a parcel's label.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LabelInput {
    /// The shipment.
    pub shipment_id: String,
    /// The carrier's name.
    pub carrier: String,
    /// The service's name.
    pub service: String,
    /// The sender.
    pub from: Address,
    /// The recipient.
    pub to: Address,
    /// This parcel's number, from 1.
    pub parcel: u32,
    /// Parcels in the shipment.
    pub parcels: u32,
    /// Gross grams.
    pub weight: u64,
    /// Ship date, `YYYY-MM-DD`.
    pub ship_date: String,
    /// The carrier's tracking number.
    #[uniffi(default = None)]
    pub tracking_number: Option<String>,
    /// A reference for the packer, e.g. the order id.
    #[uniffi(default = None)]
    pub reference: Option<String>,
}

/// A label: ZPL and the text it prints.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Label {
    /// ZPL II from `^XA` to `^XZ`.
    pub zpl: String,
    /// What the barcode encodes.
    pub barcode: String,
    /// Carrier and service.
    pub header: String,
    /// The sender's lines.
    pub from_lines: Vec<String>,
    /// The recipient's lines.
    pub to_lines: Vec<String>,
    /// Ship date, weight and parcel count.
    pub details: String,
}

fn date(d: Option<chrono::NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// The cheapest service arriving by `deliverBy`, else the fastest
/// (`meetsPromise` false), with the reason and every quote.
#[uniffi::export]
pub fn select_service(
    config_json: String,
    origin: Location,
    request: ShipmentRequest,
) -> Result<ServiceChoice> {
    let c = sh_::select_service(
        &config(&config_json)?,
        &origin.into(),
        &self::request(request)?,
    )?;
    Ok(ServiceChoice {
        service_id: c.service_id.to_string(),
        carrier: c.carrier,
        zone: c.zone,
        cost: c.cost.into(),
        ship_date: c.ship_date.to_string(),
        delivery_date: c.delivery_date.to_string(),
        meets_promise: c.meets_promise,
        reason: c.reason,
        quotes: c
            .quotes
            .into_iter()
            .map(|q| Quote {
                service_id: q.service_id.to_string(),
                carrier: q.carrier,
                zone: q.zone,
                cost: q.cost.map(Into::into),
                ship_date: date(q.ship_date),
                delivery_date: date(q.delivery_date),
                refused: q.refused,
            })
            .collect(),
    })
}

impl From<sh_::Promise> for Promise {
    fn from(p: sh_::Promise) -> Self {
        Promise {
            arrives_by: p.arrives_by.to_string(),
            ship_date: p.ship_date.to_string(),
            location_id: p.location_id.to_string(),
            service_id: p.service_id.to_string(),
            cost: p.cost.into(),
        }
    }
}

/// The earliest "arrives by" over `origins` and services, before the
/// order exists.
#[uniffi::export]
pub fn delivery_promise(
    config_json: String,
    origins: Vec<Location>,
    request: ShipmentRequest,
) -> Result<Promise> {
    let origins: Vec<oms_core::Location> = origins.into_iter().map(Into::into).collect();
    let refs: Vec<&oms_core::Location> = origins.iter().collect();
    Ok(sh_::delivery_promise(&config(&config_json)?, &refs, &self::request(request)?)?.into())
}

/// What is wrong with `address` for shipping; empty when it is fine. PO
/// boxes count only when no service of the config delivers to them.
#[uniffi::export(default(config_json = None))]
pub fn check_address(address: Address, config_json: Option<String>) -> Result<Vec<AddressProblem>> {
    let config = match config_json {
        Some(json) => config(&json)?,
        None => sh_::ShippingConfig::default(),
    };
    Ok(sh_::check_address(&address.into(), &config.services)
        .into_iter()
        .map(|p| AddressProblem {
            field: p.field,
            message: p.message,
        })
        .collect())
}

impl From<sh_::Label> for Label {
    fn from(l: sh_::Label) -> Self {
        Label {
            zpl: l.zpl,
            barcode: l.barcode,
            header: l.header,
            from_lines: l.from_lines,
            to_lines: l.to_lines,
            details: l.details,
        }
    }
}

/// A parcel's 4 × 6 inch label as ZPL and the fields it prints.
#[uniffi::export]
pub fn shipping_label(input: LabelInput) -> Result<Label> {
    let l = sh_::label(&sh_::LabelInput {
        shipment_id: input.shipment_id.into(),
        tracking_number: input.tracking_number,
        carrier: input.carrier,
        service: input.service,
        from: input.from.into(),
        to: input.to.into(),
        parcel: input.parcel,
        parcels: input.parcels,
        weight: input.weight,
        ship_date: parse_date("ship_date", &input.ship_date)?,
        reference: input.reference,
    });
    Ok(l.into())
}
