//! Customers: what their orders say about them (order count, lifetime
//! spend, purchase frequency, return rate), the tier rules that make a
//! customer VIP, and the spend milestones that earn a gift.
//!
//! Nothing here is stored: the engine derives a [`CustomerView`] from the
//! customer's orders. A customer's *lifetime spend* is, per currency, the
//! sum of their orders' totals (non-cancelled units plus shipping, less
//! discount) less the refunds recorded on them; cancelled orders count for
//! nothing.
//!
//! ```
//! use oms_core::customers::{History, TierRule};
//! use oms_core::{CustomerTier, Money};
//! let rule: TierRule = serde_json::from_str(
//!     r#"{"tier":"vip","min_lifetime_spend":{"amount":"500","currency":"USD"}}"#).unwrap();
//! let mut history = History::default();
//! history.orders = 3;
//! history.spend.push(Money::parse("620.00", "USD").unwrap());
//! assert_eq!(rule.applies(&history), true);
//! assert_eq!(oms_core::customers::tier_for(&[rule], &history), CustomerTier::Vip);
//! ```

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{OmsError, Result};
use crate::ids::{CustomerId, Sku};
use crate::money::{Currency, Money};
use crate::order::CustomerTier;

/// A tier rule (`Config.customer_tiers`): a customer whose history meets
/// any of its thresholds gets `tier` on their next orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TierRule {
    /// The tier earned (`vip`).
    pub tier: CustomerTier,
    /// Lifetime spend, in its currency, from which the tier applies (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_lifetime_spend: Option<Money>,
    /// Orders placed (not cancelled) from which the tier applies (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_orders: Option<u64>,
}

impl TierRule {
    /// Whether a customer with `history` meets the rule.
    pub fn applies(&self, history: &History) -> bool {
        let spend = self
            .min_lifetime_spend
            .is_some_and(|m| history.spent(m.currency) >= m.amount);
        let orders = self.min_orders.is_some_and(|n| history.orders >= n);
        spend || orders
    }
}

/// A spend milestone (`Config.milestones`): when a customer's lifetime
/// spend reaches `lifetime_spend`, their next order gets `gift_quantity`
/// units of `gift_sku` free, once per milestone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    /// The milestone's id (its gift line's id is `gift-{milestone_id}`).
    pub milestone_id: String,
    /// The lifetime spend that reaches it.
    pub lifetime_spend: Money,
    /// The gift's SKU (a product that is not defined yet earns no gift).
    pub gift_sku: Sku,
    /// Units of the gift (default 1).
    #[serde(default = "one")]
    pub gift_quantity: u64,
}

fn one() -> u64 {
    1
}

/// What a customer's earlier orders add up to (the input of the rules).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// Orders placed, cancelled ones excepted.
    pub orders: u64,
    /// Lifetime spend per currency, in currency order.
    pub spend: Vec<Money>,
    /// Milestones already rewarded.
    pub rewarded: Vec<String>,
}

impl History {
    /// Lifetime spend in `currency` (zero when none).
    pub fn spent(&self, currency: Currency) -> Decimal {
        self.spend
            .iter()
            .find(|m| m.currency == currency)
            .map_or(Decimal::ZERO, |m| m.amount)
    }

    /// Adds an order's net spend.
    pub fn add(&mut self, amount: Money) {
        self.orders += 1;
        match self
            .spend
            .iter_mut()
            .find(|m| m.currency == amount.currency)
        {
            Some(m) => m.amount = m.amount.saturating_add(amount.amount),
            None => {
                self.spend.push(amount);
                self.spend.sort_by_key(|m| m.currency);
            }
        }
    }
}

/// The tier the first rule met gives (`standard` when none).
pub fn tier_for(rules: &[TierRule], history: &History) -> CustomerTier {
    rules
        .iter()
        .find(|r| r.applies(history))
        .map_or(CustomerTier::Standard, |r| r.tier)
}

/// The milestones `history` has reached and not been rewarded for, in
/// config order.
pub fn milestones_due<'a>(milestones: &'a [Milestone], history: &History) -> Vec<&'a Milestone> {
    milestones
        .iter()
        .filter(|m| history.spent(m.lifetime_spend.currency) >= m.lifetime_spend.amount)
        .filter(|m| !history.rewarded.contains(&m.milestone_id))
        .collect()
}

/// Checks tier rules and milestones.
pub fn check(rules: &[TierRule], milestones: &[Milestone]) -> Result<()> {
    for (i, r) in rules.iter().enumerate() {
        if r.min_lifetime_spend.is_none() && r.min_orders.is_none() {
            return Err(OmsError::validation(
                format!("customer_tiers[{i}]"),
                "give min_lifetime_spend, min_orders or both",
            ));
        }
        if r.min_lifetime_spend
            .is_some_and(|m| m.amount < Decimal::ZERO)
        {
            return Err(OmsError::validation(
                format!("customer_tiers[{i}].min_lifetime_spend"),
                "must not be negative",
            ));
        }
    }
    for (i, m) in milestones.iter().enumerate() {
        let field = |f: &str| format!("milestones[{i}].{f}");
        crate::ids::check_id(&field("milestone_id"), &m.milestone_id)?;
        crate::ids::check_sku(&field("gift_sku"), m.gift_sku.as_str())?;
        if m.lifetime_spend.amount <= Decimal::ZERO {
            return Err(OmsError::validation(
                field("lifetime_spend"),
                "must be positive",
            ));
        }
        if m.gift_quantity == 0 || m.gift_quantity > 1_000 {
            return Err(OmsError::validation(
                field("gift_quantity"),
                "from 1 to 1000",
            ));
        }
        if milestones[..i]
            .iter()
            .any(|o| o.milestone_id == m.milestone_id)
        {
            return Err(OmsError::validation(
                field("milestone_id"),
                format!("{} is used twice", m.milestone_id),
            ));
        }
    }
    Ok(())
}

/// A customer as their orders describe them (`Engine::customer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CustomerView {
    /// The customer.
    pub customer_id: CustomerId,
    /// Orders placed, cancelled ones excepted.
    pub orders: u64,
    /// Orders cancelled whole.
    pub cancelled_orders: u64,
    /// When the first order was placed.
    pub first_order_at: Option<DateTime<Utc>>,
    /// When the last order was placed.
    pub last_order_at: Option<DateTime<Utc>>,
    /// Lifetime spend per currency: order totals less refunds.
    pub lifetime_spend: Vec<Money>,
    /// Lifetime spend over orders, per currency (rounded to the minor unit).
    pub average_order_value: Vec<Money>,
    /// Orders per 30 days from the first order to the query's time (at
    /// least one day): absent without orders.
    pub purchase_frequency: Option<f64>,
    /// Units shipped to the customer.
    pub units_shipped: u64,
    /// Of those, units that came back.
    pub units_returned: u64,
    /// units_returned / units_shipped (absent when nothing shipped).
    pub return_rate: Option<f64>,
    /// The tier the config's rules give the customer now.
    pub tier: CustomerTier,
    /// Milestones rewarded with a gift so far.
    pub milestones: Vec<String>,
}
