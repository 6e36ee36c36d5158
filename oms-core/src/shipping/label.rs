//! Shipping labels as data: ZPL text for a 4 × 6 inch thermal label at
//! 203 dpi, and the same content as plain fields.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::ShipmentId;
use crate::order::Address;

/// What goes on a parcel's label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelInput {
    /// The shipment.
    pub shipment_id: ShipmentId,
    /// The carrier's tracking number, as the host got it (optional; the
    /// barcode then carries the shipment id and parcel number).
    #[serde(default)]
    pub tracking_number: Option<String>,
    /// The carrier's name.
    pub carrier: String,
    /// The service's name.
    pub service: String,
    /// The sender's address.
    pub from: Address,
    /// The recipient's address.
    pub to: Address,
    /// This parcel's number, from 1.
    pub parcel: u32,
    /// How many parcels the shipment has.
    pub parcels: u32,
    /// Gross grams.
    pub weight: u64,
    /// The ship date.
    pub ship_date: NaiveDate,
    /// A reference printed for the packer, e.g. the order id (optional).
    #[serde(default)]
    pub reference: Option<String>,
}

/// A label: its ZPL and the text it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// ZPL II, from `^XA` to `^XZ`, UTF-8 (`^CI28`).
    pub zpl: String,
    /// What the Code 128 barcode encodes.
    pub barcode: String,
    /// Carrier and service, as printed on top.
    pub header: String,
    /// The sender's lines.
    pub from_lines: Vec<String>,
    /// The recipient's lines.
    pub to_lines: Vec<String>,
    /// Ship date, weight and parcel count, as printed.
    pub details: String,
}

fn lines(a: &Address) -> Vec<String> {
    let mut out = vec![a.name().to_string(), a.line1().to_string()];
    if let Some(l2) = a.line2() {
        out.push(l2.to_string());
    }
    let region = a.region().map(|r| format!(" {r}")).unwrap_or_default();
    out.push(format!("{}{region} {}", a.city(), a.postal_code()));
    out.push(a.country().to_string());
    out
}

/// Field data for `^FH`: ZPL's own `^`, `~` and the escape `_` as hex,
/// control characters dropped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '^' => out.push_str("_5E"),
            '~' => out.push_str("_7E"),
            '_' => out.push_str("_5F"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes the label for one parcel. Same input, same bytes.
///
/// ```
/// use oms_core::shipping::{label, LabelInput};
/// let input: LabelInput = serde_json::from_str(r#"{
///   "shipment_id": "SH-1", "tracking_number": "1Z999AA10123456784",
///   "carrier": "UPS", "service": "Ground",
///   "from": {"name": "Shop", "line1": "5 Dock Rd", "city": "Newark", "region": "NJ",
///            "postal_code": "07102", "country": "US"},
///   "to": {"name": "Ada", "line1": "1 Main St", "city": "Springfield", "region": "IL",
///          "postal_code": "62701", "country": "US"},
///   "parcel": 1, "parcels": 2, "weight": 1250, "ship_date": "2026-11-20"
/// }"#).unwrap();
/// let l = label(&input);
/// assert!(l.zpl.starts_with("^XA") && l.zpl.ends_with("^XZ\n"));
/// assert!(l.zpl.contains("^FD1Z999AA10123456784^FS"));
/// assert_eq!(l.to_lines[2], "Springfield IL 62701");
/// assert_eq!(l.details, "Ship 2026-11-20  1.25 kg  Parcel 1/2");
/// ```
pub fn label(input: &LabelInput) -> Label {
    let barcode = input
        .tracking_number
        .clone()
        .unwrap_or_else(|| format!("{}-{}", input.shipment_id, input.parcel));
    let header = format!("{} {}", input.carrier, input.service);
    let from_lines = lines(&input.from);
    let to_lines = lines(&input.to);
    let kg = format!("{}.{:02}", input.weight / 1000, (input.weight % 1000) / 10);
    let details = format!(
        "Ship {}  {kg} kg  Parcel {}/{}",
        input.ship_date, input.parcel, input.parcels
    );
    let mut zpl = String::from("^XA\n^CI28\n");
    let mut text = |x: u32, y: u32, size: u32, s: &str| {
        zpl.push_str(&format!(
            "^FO{x},{y}^A0N,{size},{size}^FH^FD{}^FS\n",
            escape(s)
        ));
    };
    text(40, 40, 44, &header);
    text(40, 110, 26, "FROM");
    for (i, l) in from_lines.iter().enumerate() {
        text(40, 140 + 30 * i as u32, 26, l);
    }
    text(40, 340, 30, "SHIP TO");
    for (i, l) in to_lines.iter().enumerate() {
        text(60, 380 + 48 * i as u32, 42, l);
    }
    text(40, 660, 30, &details);
    if let Some(r) = &input.reference {
        text(40, 700, 30, &format!("Ref {r}"));
    }
    zpl.push_str("^FO40,320^GB732,3,3^FS\n^FO40,640^GB732,3,3^FS\n");
    zpl.push_str(&format!(
        "^FO60,760^BY3^BCN,220,Y,N,N^FH^FD{}^FS\n^XZ\n",
        escape(&barcode)
    ));
    Label {
        zpl,
        barcode,
        header,
        from_lines,
        to_lines,
        details,
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn field_data_cannot_end_a_field() {
        assert_eq!(escape("a^FS~b_c\n"), "a_5EFS_7Eb_5Fc");
        assert_eq!(escape("Zoë"), "Zoë");
    }
}
