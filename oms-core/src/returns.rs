//! Returns (RMAs): why units come back, what the customer gets for them,
//! and what happens to the units. Plain data and the rules about it; the
//! engine checks commands against them and records the events.
//!
//! An RMA moves through [`RMA_TRANSITIONS`]:
//!
//! ```text
//! requested → authorized → in_transit → received → inspected → resolved → closed
//!           ↘ rejected   ↘ cancelled  ↘ cancelled
//! requested → cancelled
//! ```
//!
//! Every other move is an `invalid_transition` error naming both states.
//!
//! ```
//! use oms_core::returns::RmaStatus;
//! assert!(RmaStatus::Requested.can_become(RmaStatus::Authorized));
//! assert!(!RmaStatus::Received.can_become(RmaStatus::Cancelled));
//! ```
//!
//! The money side is [`refund`]: what a return gives back, computed from
//! what the customer paid (unit prices less each line's share of the order
//! discount, shipping by policy, restocking fees by reason), never more
//! than is left of what was captured.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{OmsError, Result};
use crate::ids::{LineId, LocationId, OrderId, RmaId, Sku};
use crate::money::{split_fairly, Currency, Money};

/// Why the customer sends units back.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    /// Arrived damaged.
    Damaged,
    /// Does not work.
    Defective,
    /// Not what was ordered.
    WrongItem,
    /// Not as the listing described it.
    NotAsDescribed,
    /// Wrong size or fit.
    SizeFit,
    /// The customer changed their mind.
    NoLongerNeeded,
    /// Arrived too late to be of use.
    ArrivedLate,
    /// Anything else (say what in the line's `note`).
    Other,
}

impl ReturnReason {
    /// Every reason, in declaration order.
    pub const ALL: [ReturnReason; 8] = [
        ReturnReason::Damaged,
        ReturnReason::Defective,
        ReturnReason::WrongItem,
        ReturnReason::NotAsDescribed,
        ReturnReason::SizeFit,
        ReturnReason::NoLongerNeeded,
        ReturnReason::ArrivedLate,
        ReturnReason::Other,
    ];

    /// Reasons that are the shop's fault: never charged a restocking fee.
    pub const NO_FEE: [ReturnReason; 2] = [ReturnReason::Damaged, ReturnReason::WrongItem];

    /// The reason named `name` (its JSON name), if any.
    pub fn parse(name: &str) -> Option<ReturnReason> {
        ReturnReason::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnReason::Damaged => "damaged",
            ReturnReason::Defective => "defective",
            ReturnReason::WrongItem => "wrong_item",
            ReturnReason::NotAsDescribed => "not_as_described",
            ReturnReason::SizeFit => "size_fit",
            ReturnReason::NoLongerNeeded => "no_longer_needed",
            ReturnReason::ArrivedLate => "arrived_late",
            ReturnReason::Other => "other",
        }
    }
}

/// What the customer gets for the returned units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Money back to the payment method (`record_payment` `refunded`
    /// records it once paid out).
    Refund,
    /// A replacement order, priced at zero or at the difference.
    Exchange,
    /// Credit with the shop instead of money back.
    StoreCredit,
}

/// Where an RMA is in its lifecycle; see [`RMA_TRANSITIONS`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RmaStatus {
    /// The customer asked (`request_return`).
    Requested,
    /// The shop agreed (`authorize_return`).
    Authorized,
    /// The shop refused (`reject_return`); final.
    Rejected,
    /// The units are on their way back (`record_return_shipment`).
    InTransit,
    /// The units arrived (`receive_return`).
    Received,
    /// Each unit has a disposition (`inspect_return`).
    Inspected,
    /// The refund, credit or exchange is decided (`resolve_return`).
    Resolved,
    /// Nothing is left to do (`close_return`); final.
    Closed,
    /// Withdrawn before the units arrived (`cancel_return`); final.
    Cancelled,
}

use RmaStatus as R;

/// The moves an RMA may make; anything else is an `invalid_transition`
/// error naming both states.
///
/// | from | to |
/// |---|---|
/// | requested | authorized, rejected, cancelled |
/// | authorized | in_transit, cancelled |
/// | in_transit | received, cancelled |
/// | received | inspected |
/// | inspected | resolved |
/// | resolved | closed |
pub const RMA_TRANSITIONS: &[(RmaStatus, &[RmaStatus])] = &[
    (R::Requested, &[R::Authorized, R::Rejected, R::Cancelled]),
    (R::Authorized, &[R::InTransit, R::Cancelled]),
    (R::InTransit, &[R::Received, R::Cancelled]),
    (R::Received, &[R::Inspected]),
    (R::Inspected, &[R::Resolved]),
    (R::Resolved, &[R::Closed]),
];

impl RmaStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [RmaStatus; 9] = [
        R::Requested,
        R::Authorized,
        R::Rejected,
        R::InTransit,
        R::Received,
        R::Inspected,
        R::Resolved,
        R::Closed,
        R::Cancelled,
    ];

    /// Whether [`RMA_TRANSITIONS`] allows moving from `self` to `next`.
    pub fn can_become(self, next: RmaStatus) -> bool {
        RMA_TRANSITIONS
            .iter()
            .any(|(from, to)| *from == self && to.contains(&next))
    }

    /// Whether the units are still expected back: counted in the order
    /// lines' `return_requested`.
    pub fn is_open(self) -> bool {
        matches!(self, R::Requested | R::Authorized | R::InTransit)
    }

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            R::Requested => "requested",
            R::Authorized => "authorized",
            R::Rejected => "rejected",
            R::InTransit => "in_transit",
            R::Received => "received",
            R::Inspected => "inspected",
            R::Resolved => "resolved",
            R::Closed => "closed",
            R::Cancelled => "cancelled",
        }
    }
}

impl std::fmt::Display for RmaStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What becomes of returned units after inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Back to sellable stock at a location (a `stock_restocked` event).
    Restock,
    /// To the location's non-sellable `refurbishing` bucket (also a
    /// `stock_restocked` event): counted on the ledger, never available.
    Refurbish,
    /// Destroyed: the units leave the books.
    Scrap,
    /// Sent back to the supplier: the units leave the books.
    ReturnToVendor,
}

impl Disposition {
    /// Whether the units go back into a location's stock cell.
    pub fn stays_in_stock(self) -> bool {
        matches!(self, Disposition::Restock | Disposition::Refurbish)
    }
}

/// How shipping charged on the order is refunded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShippingRefund {
    /// Never.
    Never,
    /// In full, with the return that brings every charged unit back
    /// (the default).
    #[default]
    WhenFullyReturned,
    /// Pro rata to the value of the units returned.
    Prorated,
}

/// The shop's return policy (`Config.returns`). Every field is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ReturnPolicy {
    /// Days after delivery in which `request_return` is accepted (default 30).
    pub window_days: u32,
    /// Whether units shipped but not yet delivered may be returned, the
    /// window then counting from shipment (default false: only delivered).
    pub allow_shipped: bool,
    /// How shipping is refunded (default `when_fully_returned`).
    pub shipping_refund: ShippingRefund,
    /// Restocking fee in percent of the refunded price, per reason (default
    /// none). `damaged` and `wrong_item` may not carry one; exchanges and
    /// store credit never pay one.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<ReturnReason, f64>")]
    pub restocking_fee_percent: BTreeMap<ReturnReason, Decimal>,
    /// The start of the ids of exchange orders: `{exchange_order_prefix}{rma_id}`
    /// unless `request_return` names one (default `EX-`).
    pub exchange_order_prefix: String,
}

impl Default for ReturnPolicy {
    fn default() -> Self {
        ReturnPolicy {
            window_days: 30,
            allow_shipped: false,
            shipping_refund: ShippingRefund::default(),
            restocking_fee_percent: BTreeMap::new(),
            exchange_order_prefix: "EX-".into(),
        }
    }
}

impl ReturnPolicy {
    /// Checks what the types alone cannot.
    pub fn check(&self) -> Result<()> {
        for (reason, pct) in &self.restocking_fee_percent {
            let field = || format!("restocking_fee_percent.{}", reason.as_str());
            if ReturnReason::NO_FEE.contains(reason) && !pct.is_zero() {
                return Err(OmsError::validation(
                    field(),
                    format!("{} returns are never charged a fee", reason.as_str()),
                ));
            }
            if *pct < Decimal::ZERO || *pct > Decimal::ONE_HUNDRED {
                return Err(OmsError::validation(
                    field(),
                    format!("{pct} is not a percentage from 0 to 100"),
                ));
            }
        }
        if self.exchange_order_prefix.len() > 64
            || self.exchange_order_prefix.chars().any(char::is_control)
        {
            return Err(OmsError::validation(
                "exchange_order_prefix",
                "at most 64 bytes, none of them control characters",
            ));
        }
        Ok(())
    }

    /// The restocking fee percentage for `reason` (zero when none is set).
    pub fn fee_percent(&self, reason: ReturnReason) -> Decimal {
        if ReturnReason::NO_FEE.contains(&reason) {
            return Decimal::ZERO;
        }
        self.restocking_fee_percent
            .get(&reason)
            .copied()
            .unwrap_or(Decimal::ZERO)
    }
}

/// One line of a return request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineInput {
    /// The order line.
    pub line_id: LineId,
    /// Units to return (at least 1).
    pub quantity: u64,
    /// Why.
    pub reason: ReturnReason,
    /// The customer's words (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A unit count of one order line (receipts of returns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnQuantity {
    /// The order line.
    pub line_id: LineId,
    /// Units.
    pub quantity: u64,
}

/// The disposition of some returned units of one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionLine {
    /// The order line.
    pub line_id: LineId,
    /// Units (at least 1).
    pub quantity: u64,
    /// What becomes of them.
    pub disposition: Disposition,
    /// Where restocked or refurbished units go (optional: the location
    /// the return was received at).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<LocationId>,
}

/// A unit the customer wants instead, for an exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeLineInput {
    /// The product wanted.
    pub sku: Sku,
    /// Units (at least 1).
    pub quantity: u64,
    /// Price of one unit (optional: the returned line's price for the
    /// same SKU, else the catalog price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Money>,
}

/// One line of an RMA as the engine holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RmaLine {
    /// The order line.
    pub line_id: LineId,
    /// The line's SKU.
    pub sku: Sku,
    /// Units requested.
    pub quantity: u64,
    /// Why.
    pub reason: ReturnReason,
    /// The customer's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Units that arrived (set by `receive_return`).
    #[serde(default)]
    pub received: u64,
    /// Their dispositions (set by `inspect_return`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dispositions: Vec<InspectionLine>,
}

/// A return merchandise authorization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rma {
    /// Its id.
    pub rma_id: RmaId,
    /// The order the units came from.
    pub order_id: OrderId,
    /// Where it is in its lifecycle.
    pub status: RmaStatus,
    /// What the customer gets.
    pub resolution: Resolution,
    /// The lines.
    pub lines: Vec<RmaLine>,
    /// For an exchange: the units wanted instead.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exchange_lines: Vec<ExchangeLineInput>,
    /// For an exchange: the id the replacement order gets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_order_id: Option<OrderId>,
    /// When it was requested.
    pub requested_at: DateTime<Utc>,
    /// When its status last changed.
    pub updated_at: DateTime<Utc>,
    /// Where the units were received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at_location: Option<LocationId>,
    /// The return shipment's carrier and tracking number, if recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// The return shipment's tracking number, if recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    /// What the resolution gives back (set by `resolve_return`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund: Option<RefundBreakdown>,
    /// Refunds recorded against this RMA (`record_payment` with `rma_id`).
    #[serde(default, with = "crate::money::decimal_string")]
    #[schemars(with = "String")]
    pub refunded: Decimal,
    /// For an exchange: the part of the refund taken off the replacement order.
    #[serde(
        default,
        with = "crate::money::decimal_string",
        skip_serializing_if = "Decimal::is_zero"
    )]
    #[schemars(with = "String")]
    pub exchange_credit: Decimal,
    /// The request's note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Why it was rejected or cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Rma {
    /// The money still owed to the customer as a refund: the resolved
    /// total, less any exchange credit, less refunds recorded against the
    /// RMA (zero for store credit).
    pub fn refund_outstanding(&self) -> Decimal {
        self.refund
            .as_ref()
            .filter(|_| self.resolution != Resolution::StoreCredit)
            .map_or(Decimal::ZERO, |r| {
                (r.total.amount - self.exchange_credit - self.refunded).max(Decimal::ZERO)
            })
    }
}

/// One order line as [`refund`] sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargedLine {
    /// The line.
    pub line_id: LineId,
    /// The price of one unit.
    pub unit_price: Decimal,
    /// Units the customer pays for: ordered less cancelled.
    pub charged: u64,
    /// Units already credited by resolved RMAs.
    pub credited: u64,
    /// Units being credited now, with why.
    pub returning: u64,
    /// Why they come back (sets the restocking fee).
    pub reason: ReturnReason,
}

/// What the order charged, as [`refund`] sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Charges<'a> {
    /// The order's currency.
    pub currency: Currency,
    /// Its lines.
    pub lines: &'a [ChargedLine],
    /// The order discount (spread over the lines by value).
    pub discount: Decimal,
    /// Shipping charged.
    pub shipping: Decimal,
    /// Whether an earlier RMA already refunded shipping.
    pub shipping_credited: Decimal,
    /// What is left to give back: captured, less refunds recorded outside
    /// RMAs, less what resolved RMAs already owe.
    pub available: Decimal,
}

/// What one RMA gives back for one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LineRefund {
    /// The order line.
    pub line_id: LineId,
    /// Units credited.
    pub quantity: u64,
    /// Their price less their share of the order discount.
    pub paid: Money,
    /// The restocking fee kept back.
    pub restocking_fee: Money,
    /// What is given back for them: `paid - restocking_fee` (less any cap).
    pub amount: Money,
}

/// What an RMA gives back, line by line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundBreakdown {
    /// Per line.
    pub lines: Vec<LineRefund>,
    /// Shipping given back.
    pub shipping: Money,
    /// Sum of the lines' `amount` and `shipping`.
    pub total: Money,
    /// Whether the total was cut down to what was left of the captured
    /// payments (refunds never exceed them).
    #[serde(default, skip_serializing_if = "crate::util::is_false")]
    pub capped: bool,
}

/// What a return gives back, from what the customer paid:
///
/// * each line's value is `unit_price × charged` less its share of the
///   order discount, the discount split across lines by value with
///   [`split_fairly`] (so shares add up to the discount exactly);
/// * the units being credited get the value of the line's first
///   `credited + returning` units less that of its first `credited` units,
///   each rounded down to the currency's minor unit, so that returning a
///   line piecemeal gives back exactly what returning it at once would;
/// * the restocking fee is `fee_percent` of that, rounded half up (none
///   for exchanges and store credit: pass a policy without fees);
/// * shipping by [`ShippingRefund`], pro rata the same telescoping way;
/// * the total is capped at `available`; a capped total is split over
///   the parts by [`split_fairly`] again.
///
/// ```
/// use oms_core::returns::*;
/// use oms_core::{Currency, LineId};
/// use rust_decimal::Decimal;
/// let d = |s: &str| s.parse::<Decimal>().unwrap();
/// // Three units at 10.00, a 1.00 discount: one unit back is worth 9.66.
/// let line = ChargedLine { line_id: LineId::new("1"), unit_price: d("10.00"), charged: 3,
///     credited: 0, returning: 1, reason: ReturnReason::SizeFit };
/// let charges = Charges { currency: Currency::USD, lines: &[line], discount: d("1.00"),
///     shipping: d("5.00"), shipping_credited: d("0"), available: d("34.00") };
/// let r = refund(&charges, &ReturnPolicy::default()).unwrap();
/// assert_eq!(r.total.amount, d("9.66"));
/// ```
pub fn refund(charges: &Charges<'_>, policy: &ReturnPolicy) -> Result<RefundBreakdown> {
    let currency = charges.currency;
    let scale = currency.minor_units();
    let down = |x: Decimal| x.round_dp_with_strategy(scale, RoundingStrategy::ToZero);
    let overflow = || OmsError::validation("refund", "amounts overflow");
    let gross: Vec<Decimal> = charges
        .lines
        .iter()
        .map(|l| l.unit_price.checked_mul(Decimal::from(l.charged)))
        .collect::<Option<_>>()
        .ok_or_else(overflow)?;
    let discount = charges.discount.max(Decimal::ZERO);
    let shares = split_fairly(down(discount), &gross, scale);
    // Value of the first `units` units of line `i`.
    let worth = |i: usize, units: u64| -> Result<Decimal> {
        let l = &charges.lines[i];
        if l.charged == 0 || units == 0 {
            return Ok(Decimal::ZERO);
        }
        let net = (gross[i] - shares[i]).max(Decimal::ZERO);
        let units = units.min(l.charged);
        Ok(down(
            net.checked_mul(Decimal::from(units))
                .ok_or_else(overflow)?
                .checked_div(Decimal::from(l.charged))
                .ok_or_else(overflow)?,
        ))
    };
    let mut lines = Vec::new();
    let (mut total_gross, mut before, mut after) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for (i, l) in charges.lines.iter().enumerate() {
        total_gross += gross[i];
        let credited = l.credited.min(l.charged);
        let now = l.returning.min(l.charged - credited);
        before += worth(i, credited)?;
        after += worth(i, credited + now)?;
        if l.returning == 0 {
            continue;
        }
        let paid = worth(i, credited + now)? - worth(i, credited)?;
        let pct = policy.fee_percent(l.reason);
        let fee = (paid * pct / Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(scale, RoundingStrategy::MidpointAwayFromZero)
            .min(paid);
        lines.push(LineRefund {
            line_id: l.line_id.clone(),
            quantity: now,
            paid: Money::new(paid, currency),
            restocking_fee: Money::new(fee, currency),
            amount: Money::new(paid - fee, currency),
        });
    }
    let all_back = charges
        .lines
        .iter()
        .all(|l| l.credited.saturating_add(l.returning) >= l.charged);
    let shipping_left = (charges.shipping - charges.shipping_credited).max(Decimal::ZERO);
    let shipping = match policy.shipping_refund {
        ShippingRefund::Never => Decimal::ZERO,
        ShippingRefund::WhenFullyReturned if all_back => shipping_left,
        ShippingRefund::WhenFullyReturned => Decimal::ZERO,
        ShippingRefund::Prorated if all_back => shipping_left,
        ShippingRefund::Prorated => {
            let net_total = (total_gross - down(discount)).max(Decimal::ZERO);
            if net_total.is_zero() {
                Decimal::ZERO
            } else {
                let share = |v: Decimal| down(charges.shipping * v / net_total);
                (share(after) - share(before)).clamp(Decimal::ZERO, shipping_left)
            }
        }
    };
    let mut total: Decimal = lines.iter().map(|l| l.amount.amount).sum::<Decimal>() + shipping;
    let available = down(charges.available.max(Decimal::ZERO));
    let mut shipping = shipping;
    let capped = total > available;
    if capped {
        let mut weights: Vec<Decimal> = lines.iter().map(|l| l.amount.amount).collect();
        weights.push(shipping);
        let parts = split_fairly(available, &weights, scale);
        for (l, part) in lines.iter_mut().zip(&parts) {
            l.amount.amount = *part;
        }
        shipping = parts.last().copied().unwrap_or(Decimal::ZERO);
        total = available;
    }
    Ok(RefundBreakdown {
        lines,
        shipping: Money::new(shipping, currency),
        total: Money::new(total, currency),
        capped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn line(id: &str, price: &str, charged: u64, credited: u64, returning: u64) -> ChargedLine {
        ChargedLine {
            line_id: LineId::new(id),
            unit_price: d(price),
            charged,
            credited,
            returning,
            reason: ReturnReason::NoLongerNeeded,
        }
    }

    fn charges<'a>(lines: &'a [ChargedLine], discount: &str, shipping: &str) -> Charges<'a> {
        Charges {
            currency: Currency::USD,
            lines,
            discount: d(discount),
            shipping: d(shipping),
            shipping_credited: Decimal::ZERO,
            available: d("1000000"),
        }
    }

    #[test]
    fn every_transition_not_in_the_table_is_refused() {
        let allowed = [
            ("requested", "authorized"),
            ("requested", "rejected"),
            ("requested", "cancelled"),
            ("authorized", "in_transit"),
            ("authorized", "cancelled"),
            ("in_transit", "received"),
            ("in_transit", "cancelled"),
            ("received", "inspected"),
            ("inspected", "resolved"),
            ("resolved", "closed"),
        ];
        for from in RmaStatus::ALL {
            for to in RmaStatus::ALL {
                let expected = allowed.contains(&(from.as_str(), to.as_str()));
                assert_eq!(from.can_become(to), expected, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn piecemeal_returns_give_back_what_one_return_would() {
        // 3 × 10.00 with a 1.00 discount: the line is worth 29.00.
        let policy = ReturnPolicy::default();
        let mut sum = Decimal::ZERO;
        for credited in 0..3 {
            let l = [line("1", "10.00", 3, credited, 1)];
            sum += refund(&charges(&l, "1.00", "0"), &policy)
                .unwrap()
                .total
                .amount;
        }
        assert_eq!(sum, d("29.00"));
        let l = [line("1", "10.00", 3, 0, 3)];
        let once = refund(&charges(&l, "1.00", "0"), &policy).unwrap();
        assert_eq!(once.total.amount, d("29.00"));
    }

    #[test]
    fn the_discount_is_shared_by_value_and_adds_up() {
        // 10.00 and 20.00 lines, a 1.00 discount: shares 0.33 / 0.67.
        let l = [line("1", "10.00", 1, 0, 1), line("2", "20.00", 1, 0, 1)];
        let r = refund(&charges(&l, "1.00", "4.99"), &ReturnPolicy::default()).unwrap();
        assert_eq!(r.lines[0].paid.amount, d("9.67"));
        assert_eq!(r.lines[1].paid.amount, d("19.33"));
        // Everything came back: shipping too.
        assert_eq!(r.shipping.amount, d("4.99"));
        assert_eq!(r.total.amount, d("33.99"));
    }

    #[test]
    fn restocking_fees_follow_the_reason() {
        let mut policy = ReturnPolicy::default();
        policy
            .restocking_fee_percent
            .insert(ReturnReason::NoLongerNeeded, d("15"));
        let mut l = [line("1", "19.99", 2, 0, 1)];
        let r = refund(&charges(&l, "0", "0"), &policy).unwrap();
        assert_eq!(r.lines[0].restocking_fee.amount, d("3.00")); // 2.9985 rounded
        assert_eq!(r.total.amount, d("16.99"));
        l[0].reason = ReturnReason::Damaged;
        let r = refund(&charges(&l, "0", "0"), &policy).unwrap();
        assert_eq!(r.total.amount, d("19.99"));
        policy
            .restocking_fee_percent
            .insert(ReturnReason::WrongItem, d("5"));
        assert!(policy.check().is_err());
    }

    #[test]
    fn shipping_policies() {
        let l = [line("1", "10.00", 2, 0, 1)];
        let mut policy = ReturnPolicy::default();
        let r = refund(&charges(&l, "0", "5.00"), &policy).unwrap();
        assert_eq!(r.shipping.amount, Decimal::ZERO);
        policy.shipping_refund = ShippingRefund::Prorated;
        let r = refund(&charges(&l, "0", "5.00"), &policy).unwrap();
        assert_eq!(r.shipping.amount, d("2.50"));
        let second = [line("1", "10.00", 2, 1, 1)];
        let mut c = charges(&second, "0", "5.00");
        c.shipping_credited = d("2.50");
        assert_eq!(refund(&c, &policy).unwrap().shipping.amount, d("2.50"));
        policy.shipping_refund = ShippingRefund::Never;
        assert_eq!(refund(&c, &policy).unwrap().shipping.amount, Decimal::ZERO);
    }

    #[test]
    fn the_total_never_exceeds_what_is_left() {
        let l = [line("1", "10.00", 1, 0, 1), line("2", "10.00", 1, 0, 1)];
        let mut c = charges(&l, "0", "0");
        c.available = d("15.01");
        let r = refund(&c, &ReturnPolicy::default()).unwrap();
        assert!(r.capped);
        assert_eq!(r.total.amount, d("15.01"));
        let sum: Decimal = r.lines.iter().map(|l| l.amount.amount).sum();
        assert_eq!(sum + r.shipping.amount, d("15.01"));
    }

    #[test]
    fn zero_decimal_currencies_round_to_whole_units() {
        let l = [line("1", "1000", 3, 0, 1)];
        let mut c = charges(&l, "100", "0");
        c.currency = Currency::new("JPY").unwrap();
        let r = refund(&c, &ReturnPolicy::default()).unwrap();
        assert_eq!(r.total.amount, d("966"));
    }
}
