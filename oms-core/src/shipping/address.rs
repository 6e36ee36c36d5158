//! Address checks without a service call: required fields per country,
//! postal code formats of the main countries, PO boxes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Service;
use crate::order::Address;

/// One thing wrong with an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressProblem {
    /// The field at fault, e.g. `postal_code`.
    pub field: String,
    /// What is wrong, for a person.
    pub message: String,
}

/// Countries whose addresses need a region (state, province, prefecture).
const REGION_REQUIRED: [&str; 7] = ["US", "CA", "AU", "BR", "MX", "IN", "JP"];

/// Postal code shapes after removing spaces and hyphens and upper-casing:
/// `9` a digit, `A` a letter.
const POSTAL_FORMATS: [(&str, &[&str]); 24] = [
    ("US", &["99999", "999999999"]),
    ("CA", &["A9A9A9"]),
    (
        "GB",
        &["A99AA", "A999AA", "AA99AA", "AA999AA", "A9A9AA", "AA9A9AA"],
    ),
    ("DE", &["99999"]),
    ("FR", &["99999"]),
    ("IT", &["99999"]),
    ("ES", &["99999"]),
    ("NL", &["9999AA"]),
    ("BE", &["9999"]),
    ("AT", &["9999"]),
    ("CH", &["9999"]),
    ("DK", &["9999"]),
    ("NO", &["9999"]),
    ("SE", &["99999"]),
    ("FI", &["99999"]),
    ("PL", &["99999"]),
    ("PT", &["9999999"]),
    ("AU", &["9999"]),
    ("NZ", &["9999"]),
    ("JP", &["9999999"]),
    ("CN", &["999999"]),
    ("IN", &["999999"]),
    ("BR", &["99999999"]),
    ("MX", &["99999"]),
];

fn shape_matches(code: &str, shape: &str) -> bool {
    code.len() == shape.len()
        && code.bytes().zip(shape.bytes()).all(|(c, s)| match s {
            b'9' => c.is_ascii_digit(),
            b'A' => c.is_ascii_uppercase(),
            _ => c == s,
        })
}

/// Whether an address line names a PO box ("PO Box 12", "P.O. Box",
/// "Post Office Box", "Postfach"), in any case and spacing.
pub fn is_po_box(line: &str) -> bool {
    let squeezed: String = line
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    squeezed.starts_with("POBOX")
        || squeezed.starts_with("POSTOFFICEBOX")
        || squeezed.starts_with("POSTFACH")
        || squeezed.starts_with("BOITEPOSTALE")
}

/// What is wrong with `address` for shipping: empty required fields
/// (name, line 1, city, postal code; the region where the country needs
/// one), a country that is not two capital letters, a postal code not
/// in its country's format (for the countries listed in the README), and
/// a PO box when none of `services` delivers to one. Empty when it is
/// fine. Pure: no lookup of the street or city is made.
pub fn check_address(address: &Address, services: &[Service]) -> Vec<AddressProblem> {
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: String| {
        problems.push(AddressProblem {
            field: field.into(),
            message,
        })
    };
    for (field, value) in [
        ("name", address.name()),
        ("line1", address.line1()),
        ("city", address.city()),
        ("postal_code", address.postal_code()),
    ] {
        if value.trim().is_empty() {
            problem(field, "is required".into());
        }
    }
    let country = address.country();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        problem(
            "country",
            format!("{country:?} is not an ISO 3166-1 alpha-2 code such as \"US\""),
        );
    }
    if REGION_REQUIRED.contains(&country) && address.region().is_none_or(|r| r.trim().is_empty()) {
        problem("region", format!("is required in {country}"));
    }
    let code: String = address
        .postal_code()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .flat_map(char::to_uppercase)
        .collect();
    if let Some((_, shapes)) = POSTAL_FORMATS.iter().find(|(c, _)| *c == country) {
        if !code.is_empty() && !shapes.iter().any(|s| shape_matches(&code, s)) {
            problem(
                "postal_code",
                format!("{:?} is not a {country} postal code", address.postal_code()),
            );
        }
    }
    let po_box = is_po_box(address.line1()) || address.line2().is_some_and(is_po_box);
    if po_box && !services.iter().any(|s| s.po_box) {
        problem(
            "line1",
            "is a PO box, and no shipping service delivers to PO boxes".into(),
        );
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::AddressParts;

    fn addr(line1: &str, postal: &str, country: &str, region: Option<&str>) -> Address {
        Address::from(AddressParts {
            name: "Ada".into(),
            line1: line1.into(),
            line2: None,
            city: "Town".into(),
            region: region.map(Into::into),
            postal_code: postal.into(),
            country: country.into(),
            lat: None,
            lon: None,
        })
    }

    fn fields(a: &Address) -> Vec<String> {
        check_address(a, &[])
            .into_iter()
            .map(|p| p.field)
            .collect::<Vec<_>>()
    }

    #[test]
    fn formats_regions_and_po_boxes() {
        assert!(fields(&addr("1 Main St", "62701-1234", "US", Some("IL"))).is_empty());
        assert_eq!(
            fields(&addr("1 Main St", "6270", "US", Some("IL"))),
            ["postal_code"]
        );
        assert_eq!(fields(&addr("1 Main St", "62701", "US", None)), ["region"]);
        assert!(fields(&addr("10 Downing St", "SW1A 2AA", "GB", None)).is_empty());
        assert!(fields(&addr("1 Rue", "75001", "FR", None)).is_empty());
        assert!(fields(&addr("1 Weg", "1012 ab", "NL", None)).is_empty());
        assert!(fields(&addr("1 St", "K1A 0B1", "CA", Some("ON"))).is_empty());
        assert_eq!(
            fields(&addr("1 St", "", "usa", None)),
            ["postal_code", "country"]
        );
        // Unlisted countries take any postal code.
        assert!(fields(&addr("1 St", "anything", "ZZ", None)).is_empty());
        assert_eq!(
            fields(&addr("P.O. Box 12", "62701", "US", Some("IL"))),
            ["line1"]
        );
        assert!(is_po_box("po box 7"));
        assert!(is_po_box("Post Office Box 1"));
        assert!(!is_po_box("1 Box Hill Road"));
    }
}
