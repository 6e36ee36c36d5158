//! Purchasing: suppliers, what they sell, and purchase orders (POs) with
//! their lifecycle. Plain data and the rules about it; the engine checks
//! commands against them and records the events.
//!
//! A PO moves through [`PO_TRANSITIONS`]:
//!
//! ```text
//! draft → submitted → approved → sent → partially_received → received → closed
//!                   ↘ rejected          ↘ received            ↗ (close_po: short)
//! draft | submitted | approved | sent (nothing received) → cancelled
//! approved | sent → submitted (amend_po: back through approval)
//! ```
//!
//! A dropship PO (allocation makes one when no location can ship an order
//! line, see [`Dropship`]) follows the same table; its supplier ships to
//! the customer, so `confirm_dropship` takes the place of `receive_po`.
//!
//! ```
//! use oms_core::purchasing::PoStatus;
//! assert!(PoStatus::Approved.can_become(PoStatus::Sent));
//! assert!(!PoStatus::Draft.can_become(PoStatus::Sent));
//! ```

pub mod performance;
pub mod replenishment;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{OmsError, Result};
use crate::ids::{LineId, LocationId, OrderId, PoId, ReceiptId, ShipmentId, Sku, SupplierId};
use crate::money::{Currency, Money};
use crate::order::Address;

/// A supplier (`define_supplier`): who the shop buys from, in which
/// currency, and how long deliveries take by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Supplier {
    /// The supplier's id.
    pub supplier_id: SupplierId,
    /// Its name.
    pub name: String,
    /// The currency its POs are in; every cost from it is in this currency.
    pub currency: Currency,
    /// Days from sending a PO to its arrival, unless an item says otherwise.
    pub lead_time_days: u32,
    /// The smallest PO total it accepts (optional): `submit_po` refuses less.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_order_value: Option<Money>,
    /// Payment terms, e.g. `net 30` (optional, informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_terms: Option<String>,
    /// How many percent more than ordered a receipt may bring per line
    /// (optional, default 0, at most 100); beyond it `receive_po` refuses.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::channel::percent_out",
        deserialize_with = "crate::channel::percent_in"
    )]
    #[schemars(with = "Option<f64>")]
    pub over_receipt_tolerance_percent: Option<Decimal>,
    /// The supplier's address (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Who to contact there (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

/// A person to contact at a supplier; every field optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Their name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Their e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Their phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl Supplier {
    /// The most units a PO line of `ordered` may receive in all.
    ///
    /// ```
    /// # use oms_core::purchasing::Supplier;
    /// # let mut s: Supplier = serde_json::from_str(r#"{"supplier_id":"S","name":"S","currency":"USD","lead_time_days":3}"#).unwrap();
    /// assert_eq!(s.receivable(100), 100);
    /// s.over_receipt_tolerance_percent = Some("2.5".parse().unwrap());
    /// assert_eq!(s.receivable(100), 102); // 2.5 % of 100, rounded down
    /// ```
    pub fn receivable(&self, ordered: u64) -> u64 {
        let extra = self.over_receipt_tolerance_percent.map_or(0, |p| {
            let units = (Decimal::from(ordered) * p / Decimal::ONE_HUNDRED).floor();
            u64::try_from(units).unwrap_or(u64::MAX)
        });
        ordered.saturating_add(extra)
    }
}

/// What a supplier sells of one SKU (`set_supplier_item`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierItem {
    /// The supplier.
    pub supplier_id: SupplierId,
    /// Our SKU.
    pub sku: Sku,
    /// The supplier's own code for it (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier_sku: Option<String>,
    /// Cost per unit, in the supplier's currency.
    pub unit_cost: Money,
    /// Units per case: quantities ordered are whole cases (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_pack: Option<u64>,
    /// The minimum order quantity (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moq: Option<u64>,
    /// Lower unit costs from a quantity on (optional).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub price_breaks: Vec<PriceBreak>,
    /// Days from sending a PO to its arrival for this item (optional;
    /// the supplier's `lead_time_days` otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_time_days: Option<u32>,
    /// Whether the supplier ships this item straight to customers.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dropship: bool,
}

/// From `min_quantity` units on, each costs `unit_cost`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceBreak {
    /// The smallest quantity the price applies to.
    pub min_quantity: u64,
    /// The unit cost from there on.
    pub unit_cost: Money,
}

impl SupplierItem {
    /// The unit cost of a line of `quantity` units: the price break with
    /// the largest `min_quantity` not above it, else `unit_cost`.
    ///
    /// ```
    /// # use oms_core::purchasing::SupplierItem;
    /// let item: SupplierItem = serde_json::from_str(r#"{"supplier_id":"S","sku":"A",
    ///     "unit_cost":{"amount":"2.00","currency":"USD"},
    ///     "price_breaks":[{"min_quantity":100,"unit_cost":{"amount":"1.80","currency":"USD"}},
    ///                     {"min_quantity":500,"unit_cost":{"amount":"1.50","currency":"USD"}}]}"#).unwrap();
    /// assert_eq!(item.unit_cost_for(99).amount.to_string(), "2.00");
    /// assert_eq!(item.unit_cost_for(100).amount.to_string(), "1.80");
    /// assert_eq!(item.unit_cost_for(750).amount.to_string(), "1.50");
    /// ```
    pub fn unit_cost_for(&self, quantity: u64) -> Money {
        self.price_breaks
            .iter()
            .filter(|b| b.min_quantity <= quantity)
            .max_by_key(|b| b.min_quantity)
            .map_or(self.unit_cost, |b| b.unit_cost)
    }

    /// The quantity to order to get at least `need` units: at least the
    /// MOQ, rounded up to whole cases. 0 for no need.
    ///
    /// ```
    /// # use oms_core::purchasing::SupplierItem;
    /// let item: SupplierItem = serde_json::from_str(r#"{"supplier_id":"S","sku":"A",
    ///     "unit_cost":{"amount":"2.00","currency":"USD"},"case_pack":12,"moq":30}"#).unwrap();
    /// assert_eq!(item.order_quantity(0), 0);
    /// assert_eq!(item.order_quantity(5), 36); // the MOQ of 30, in cases of 12
    /// assert_eq!(item.order_quantity(37), 48);
    /// ```
    pub fn order_quantity(&self, need: u64) -> u64 {
        if need == 0 {
            return 0;
        }
        let units = need.max(self.moq.unwrap_or(0));
        match self.case_pack {
            Some(pack) if pack > 1 => units.div_ceil(pack).saturating_mul(pack),
            _ => units,
        }
    }
}

/// Who is billed for a PO (optional on `create_po`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Billing {
    /// The billed party's name.
    pub name: String,
    /// Their billing address (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// A tax or VAT id (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_id: Option<String>,
    /// An account or cost-centre reference (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// A PO's status. See [`PO_TRANSITIONS`] for how it changes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PoStatus {
    /// Being written; may be amended freely.
    Draft,
    /// Waiting for approval.
    Submitted,
    /// Approved, not sent to the supplier yet.
    Approved,
    /// Sent to the supplier: its open units are `incoming`.
    Sent,
    /// Some units arrived, some are still open.
    PartiallyReceived,
    /// Every unit arrived (or the rest was cancelled).
    Received,
    /// Done: nothing more is expected.
    Closed,
    /// Called off before anything arrived.
    Cancelled,
    /// Refused by the approver.
    Rejected,
}

impl PoStatus {
    /// Every status.
    pub const ALL: [PoStatus; 9] = [
        PoStatus::Draft,
        PoStatus::Submitted,
        PoStatus::Approved,
        PoStatus::Sent,
        PoStatus::PartiallyReceived,
        PoStatus::Received,
        PoStatus::Closed,
        PoStatus::Cancelled,
        PoStatus::Rejected,
    ];

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PoStatus::Draft => "draft",
            PoStatus::Submitted => "submitted",
            PoStatus::Approved => "approved",
            PoStatus::Sent => "sent",
            PoStatus::PartiallyReceived => "partially_received",
            PoStatus::Received => "received",
            PoStatus::Closed => "closed",
            PoStatus::Cancelled => "cancelled",
            PoStatus::Rejected => "rejected",
        }
    }

    /// Parses a status from its snake_case name; anything else is a
    /// `validation` error listing the names.
    ///
    /// ```
    /// use oms_core::purchasing::PoStatus;
    /// assert_eq!(PoStatus::parse("sent").unwrap(), PoStatus::Sent);
    /// assert_eq!(PoStatus::parse("lost").unwrap_err().code().as_str(), "validation");
    /// ```
    pub fn parse(name: &str) -> Result<PoStatus> {
        PoStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = PoStatus::ALL.iter().map(|s| s.as_str()).collect();
                OmsError::validation(
                    "status",
                    format!(
                        "unknown purchase order status {name:?}; one of {}",
                        names.join(", ")
                    ),
                )
            })
    }

    /// Whether [`PO_TRANSITIONS`] lists `self → to`.
    pub fn can_become(self, to: PoStatus) -> bool {
        PO_TRANSITIONS.iter().any(|t| t.0 == self && t.1 == to)
    }

    /// `Ok` when [`PO_TRANSITIONS`] lets command `by` take a PO from
    /// `self` to `to`, else an `invalid_transition` error naming the
    /// command and both states. (The pair alone is not enough: `sent →
    /// submitted` is `amend_po`'s, never `submit_po`'s.)
    ///
    /// ```
    /// use oms_core::purchasing::PoStatus;
    /// let po = "PO-1".into();
    /// assert!(PoStatus::Sent.check_transition(PoStatus::Submitted, "amend_po", &po).is_ok());
    /// let e = PoStatus::Sent.check_transition(PoStatus::Submitted, "submit_po", &po).unwrap_err();
    /// assert!(e.to_string().contains("submit_po: cannot go from sent to submitted"));
    /// ```
    pub fn check_transition(self, to: PoStatus, by: &str, po_id: &PoId) -> Result<()> {
        if PO_TRANSITIONS.contains(&(self, to, by)) {
            return Ok(());
        }
        Err(OmsError::transition(
            "purchase order",
            po_id,
            self,
            format!("{by}: cannot go from {self} to {to}"),
        ))
    }

    /// Whether the PO is not over: its open units are on order (drafts
    /// included), which replenishment counts so as not to order twice.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            PoStatus::Received | PoStatus::Closed | PoStatus::Cancelled | PoStatus::Rejected
        )
    }

    /// Whether the PO's open units are on their way (`incoming`).
    pub fn is_incoming(self) -> bool {
        matches!(self, PoStatus::Sent | PoStatus::PartiallyReceived)
    }

    /// Whether the PO may still be changed with `amend_po`: before any
    /// receipt, and not once it is over.
    pub fn is_amendable(self) -> bool {
        matches!(
            self,
            PoStatus::Draft | PoStatus::Submitted | PoStatus::Approved | PoStatus::Sent
        )
    }
}

impl std::fmt::Display for PoStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

use PoStatus as P;

/// Every PO status change there is: (from, to, the command that makes it).
/// Anything else is an `invalid_transition` error naming both states.
///
/// | from | to | by |
/// |---|---|---|
/// | draft | submitted | `submit_po` |
/// | submitted | approved | `approve_po`, or `submit_po` at once when the total is within `po_approval_threshold` |
/// | submitted | rejected | `reject_po` |
/// | approved | sent | `send_po` |
/// | sent | partially_received | `receive_po`, `confirm_dropship` (some units still open) |
/// | sent | received | `receive_po`, `confirm_dropship` (nothing left open) |
/// | partially_received | received | `receive_po`, `confirm_dropship` (nothing left open) |
/// | partially_received | closed | `close_po` (the rest is cancelled) |
/// | received | closed | `close_po` |
/// | approved, sent | submitted | `amend_po` (back through approval) |
/// | draft, submitted, approved, sent | cancelled | `cancel_po` (nothing received) |
pub const PO_TRANSITIONS: &[(PoStatus, PoStatus, &str)] = &[
    (P::Draft, P::Submitted, "submit_po"),
    (P::Submitted, P::Approved, "approve_po"),
    (P::Submitted, P::Rejected, "reject_po"),
    (P::Approved, P::Sent, "send_po"),
    (P::Sent, P::PartiallyReceived, "receive_po"),
    (P::Sent, P::Received, "receive_po"),
    (P::PartiallyReceived, P::Received, "receive_po"),
    (P::Sent, P::PartiallyReceived, "confirm_dropship"),
    (P::Sent, P::Received, "confirm_dropship"),
    (P::PartiallyReceived, P::Received, "confirm_dropship"),
    (P::PartiallyReceived, P::Closed, "close_po"),
    (P::Received, P::Closed, "close_po"),
    (P::Approved, P::Submitted, "amend_po"),
    (P::Sent, P::Submitted, "amend_po"),
    (P::Draft, P::Cancelled, "cancel_po"),
    (P::Submitted, P::Cancelled, "cancel_po"),
    (P::Approved, P::Cancelled, "cancel_po"),
    (P::Sent, P::Cancelled, "cancel_po"),
];

/// One PO line as recorded: what was ordered, at what cost, for when,
/// and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PoLine {
    /// The line's id, unique within the PO.
    pub line_id: LineId,
    /// Our SKU.
    pub sku: Sku,
    /// Units ordered.
    pub quantity: u64,
    /// Cost per unit, in the PO's currency.
    pub unit_cost: Money,
    /// When the units are expected at the PO's location.
    pub expected_date: NaiveDate,
    /// Units that arrived, damaged ones included.
    #[serde(default)]
    pub received: u64,
    /// Of `received`, the damaged units.
    #[serde(default)]
    pub damaged: u64,
    /// Units no longer expected (`close_po` short, `cancel_po`).
    #[serde(default)]
    pub cancelled: u64,
    /// On a dropship PO: the order line these units ship to (the order is
    /// the PO's [`Dropship::order_id`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_line_id: Option<LineId>,
}

impl PoLine {
    /// Units still expected: ordered − received − cancelled, never below 0
    /// (an over-receipt within tolerance leaves nothing open).
    pub fn open(&self) -> u64 {
        self.quantity
            .saturating_sub(self.received)
            .saturating_sub(self.cancelled)
    }

    /// quantity × unit cost.
    pub fn total(&self) -> Result<Money> {
        self.unit_cost.times(self.quantity)
    }
}

/// A purchase order's totals in its currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PoTotals {
    /// Σ quantity × unit cost over the lines.
    pub ordered: Money,
    /// Σ received × unit cost (damaged units included).
    pub received: Money,
    /// Σ open × unit cost: what is still to come.
    pub open: Money,
}

/// Totals of `lines` in `currency`, exactly (no rounding).
///
/// ```
/// # use oms_core::purchasing::{totals, PoLine};
/// # use oms_core::{Currency, Money};
/// let line: PoLine = serde_json::from_str(r#"{"line_id":"1","sku":"A","quantity":3,
///     "unit_cost":{"amount":"1.10","currency":"USD"},"expected_date":"2026-03-01","received":1}"#).unwrap();
/// let t = totals(&[line], Currency::USD).unwrap();
/// assert_eq!(t.ordered.amount.to_string(), "3.30");
/// assert_eq!(t.received.amount.to_string(), "1.10");
/// assert_eq!(t.open.amount.to_string(), "2.20");
/// ```
pub fn totals(lines: &[PoLine], currency: Currency) -> Result<PoTotals> {
    let mut t = PoTotals {
        ordered: Money::zero(currency),
        received: Money::zero(currency),
        open: Money::zero(currency),
    };
    for l in lines {
        t.ordered = t.ordered.checked_add(l.total()?)?;
        t.received = t.received.checked_add(l.unit_cost.times(l.received)?)?;
        t.open = t.open.checked_add(l.unit_cost.times(l.open())?)?;
    }
    Ok(t)
}

/// A goods receipt recorded on a PO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLine {
    /// The PO line.
    pub line_id: LineId,
    /// Units that arrived, damaged ones included.
    pub quantity: u64,
    /// Of those, the damaged units (optional, default 0): they go to the
    /// `damaged` stock bucket, never available.
    #[serde(default, skip_serializing_if = "crate::util::is_zero")]
    pub damaged: u64,
}

/// Received units that went straight to a waiting order (`cross_docked`):
/// the warehouse ships them from the dock without putting them away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrossDock {
    /// The order.
    pub order_id: OrderId,
    /// Its line.
    pub line_id: LineId,
    /// The product received (a kit line's component).
    pub sku: Sku,
    /// Units of it.
    pub quantity: u64,
}

/// What makes a PO a dropship PO: the customer order whose lines it
/// sources, and the address the supplier ships to (the order's `ship_to`).
/// Each of its lines names an order line (`order_line_id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dropship {
    /// The customer order.
    pub order_id: OrderId,
    /// Where the supplier ships to.
    pub ship_to: Address,
}

/// A purchase order as the engine keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrder {
    /// The PO's id.
    pub po_id: PoId,
    /// The supplier it goes to.
    pub supplier_id: SupplierId,
    /// Where the goods are to arrive; none for a dropship PO, whose
    /// supplier ships to the customer (see `dropship`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<LocationId>,
    /// For a dropship PO: the customer order it serves and where to ship.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropship: Option<Dropship>,
    /// The supplier's currency, which every cost of the PO is in.
    pub currency: Currency,
    /// Where it is in its lifecycle.
    pub status: PoStatus,
    /// Its lines.
    pub lines: Vec<PoLine>,
    /// Who is billed (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<Billing>,
    /// Free text for the supplier or the buyer (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The receipts recorded against it, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub receipts: Vec<ReceiptId>,
    /// For a dropship PO: the shipments its supplier confirmed, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipments: Vec<ShipmentId>,
    /// Whether it has been reported late (`po_late`) since its expected
    /// dates last changed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reported_late: bool,
}

impl PurchaseOrder {
    /// The line with `line_id`.
    pub fn line(&self, line_id: &str) -> Option<&PoLine> {
        self.lines.iter().find(|l| l.line_id.as_str() == line_id)
    }

    /// Its totals.
    pub fn totals(&self) -> Result<PoTotals> {
        totals(&self.lines, self.currency)
    }

    /// Whether any unit has arrived.
    pub fn has_receipts(&self) -> bool {
        self.lines.iter().any(|l| l.received > 0)
    }

    /// Whether no unit is open any more.
    pub fn nothing_open(&self) -> bool {
        self.lines.iter().all(|l| l.open() == 0)
    }

    /// The earliest expected date of a line with open units.
    pub fn next_expected(&self) -> Option<NaiveDate> {
        self.lines
            .iter()
            .filter(|l| l.open() > 0)
            .map(|l| l.expected_date)
            .min()
    }
}

/// A PO as the `purchase_order` query answers: the PO and its totals.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct PurchaseOrderView {
    /// The PO.
    #[serde(flatten)]
    pub po: PurchaseOrder,
    /// Its totals.
    pub totals: PoTotals,
}

impl PurchaseOrderView {
    pub(crate) fn of(po: &PurchaseOrder) -> Result<Self> {
        Ok(PurchaseOrderView {
            po: po.clone(),
            totals: po.totals()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_name_only_listed_rows() {
        let id = PoId::new("PO-1");
        let commands: std::collections::BTreeSet<&str> =
            PO_TRANSITIONS.iter().map(|t| t.2).collect();
        for from in PoStatus::ALL {
            for to in PoStatus::ALL {
                for by in &commands {
                    let listed = PO_TRANSITIONS.contains(&(from, to, by));
                    assert_eq!(from.check_transition(to, by, &id).is_ok(), listed);
                    if listed {
                        continue;
                    }
                    let e = from.check_transition(to, by, &id).unwrap_err();
                    assert_eq!(e.code().as_str(), "invalid_transition");
                    assert!(
                        e.to_string().contains(&format!("from {from} to {to}")),
                        "{e}"
                    );
                }
            }
        }
        // Terminal states go nowhere.
        for end in [P::Closed, P::Cancelled, P::Rejected] {
            assert!(PoStatus::ALL.iter().all(|&to| !end.can_become(to)));
        }
    }

    #[test]
    fn open_units_never_go_below_zero() {
        let mut line: PoLine = serde_json::from_str(
            r#"{"line_id":"1","sku":"A","quantity":10,"unit_cost":{"amount":"1","currency":"USD"},"expected_date":"2026-01-05"}"#,
        )
        .unwrap();
        assert_eq!(line.open(), 10);
        line.received = 4;
        line.cancelled = 6;
        assert_eq!(line.open(), 0);
        line.received = 11;
        assert_eq!(line.open(), 0);
    }
}
