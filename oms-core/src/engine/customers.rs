//! Customers: their history from their orders, the tier rules and the
//! spend milestones applied when they order (see [`crate::customers`]).

use super::*;
use crate::customers::{milestones_due, tier_for, CustomerView, History};

impl Engine {
    /// What a customer's orders so far add up to.
    fn history(&self, customer_id: &str) -> History {
        let mut h = History::default();
        for o in self.orders.of_customer(customer_id) {
            h.rewarded.extend(o.milestones.iter().cloned());
            if o.cached_status == OrderStatus::Cancelled {
                continue;
            }
            let net = (o.total() - o.payments.refunded).max(Decimal::ZERO);
            h.add(Money::new(net, o.currency()));
        }
        h
    }

    /// Applies the tier rules and milestones to a new order: upgrades a
    /// `standard` placement the rules make `vip`, and appends a free gift
    /// line per milestone reached and not yet rewarded. Returns whether
    /// the tier came from the rules and the milestones rewarded.
    pub(super) fn customer_rules(
        &self,
        c: &mut PlaceOrder,
        currency: Currency,
    ) -> (bool, Vec<String>) {
        let (rules, milestones) = (&self.config.customer_tiers, &self.config.milestones);
        if rules.is_empty() && milestones.is_empty() {
            return (false, Vec::new());
        }
        let history = self.history(c.customer_id.as_str());
        let mut upgraded = false;
        if c.customer_tier == CustomerTier::Standard {
            let tier = tier_for(rules, &history);
            upgraded = tier != CustomerTier::Standard;
            c.customer_tier = tier;
        }
        let mut rewarded = Vec::new();
        for m in milestones_due(milestones, &history) {
            // A gift the catalog does not know yet is not given (nor spent).
            let Some(entry) = self.products.get(&m.gift_sku) else {
                continue;
            };
            let mut line_id = format!("gift-{}", m.milestone_id);
            while c.lines.iter().any(|l| l.line_id.as_str() == line_id) {
                line_id.push('+');
            }
            c.lines.push(OrderLineInput {
                line_id: LineId::new(line_id),
                sku: entry.product.sku.clone(),
                quantity: m.gift_quantity,
                unit_price: Money::zero(currency),
            });
            rewarded.push(m.milestone_id.clone());
        }
        (upgraded, rewarded)
    }

    /// A customer as their orders describe them, at time `at` (purchase
    /// frequency counts the days from their first order to `at`); a
    /// customer without orders is `not_found`.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use oms_core::{Command, Config, Engine};
    /// let at = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
    /// let mut e = Engine::new(Config::from_json(r#"{"require_payment":false}"#).unwrap());
    /// let run = |e: &mut Engine, json: &str| e.execute(Command::from_json(json).unwrap(), at).unwrap();
    /// run(&mut e, r#"{"type":"define_product","sku":"MUG","name":"Mug"}"#);
    /// run(&mut e, r#"{"type":"place_order","order_id":"SO-1","channel":"web","customer_id":"C1",
    ///     "ship_to":{"name":"Ada","line1":"1 Main St","city":"X","postal_code":"1","country":"US"},
    ///     "lines":[{"line_id":"1","sku":"MUG","quantity":2,"unit_price":{"amount":"9.50","currency":"USD"}}]}"#);
    /// let c = e.customer("C1", at).unwrap();
    /// assert_eq!((c.orders, c.lifetime_spend[0].amount.to_string()), (1, "19.00".into()));
    /// ```
    pub fn customer(&self, customer_id: &str, at: DateTime<Utc>) -> Result<CustomerView> {
        let mut orders = self.orders.of_customer(customer_id).peekable();
        let Some(first) = orders.peek() else {
            return Err(OmsError::not_found("customer", customer_id));
        };
        let customer = first.placement.customer_id.clone();
        let history = self.history(customer_id);
        let (mut first_at, mut last_at) = (None::<DateTime<Utc>>, None::<DateTime<Utc>>);
        let (mut cancelled, mut shipped, mut returned) = (0u64, 0u64, 0u64);
        for o in orders {
            first_at = Some(first_at.map_or(o.placed_at, |t| t.min(o.placed_at)));
            last_at = Some(last_at.map_or(o.placed_at, |t| t.max(o.placed_at)));
            if o.cached_status == OrderStatus::Cancelled {
                cancelled += 1;
            }
            for l in o.lines.iter() {
                shipped = shipped.saturating_add(l.shipped);
                returned = returned.saturating_add(l.returned);
            }
        }
        let average = history
            .spend
            .iter()
            .filter(|_| history.orders > 0)
            .map(|m| {
                let scale = m.currency.minor_units();
                Money::new(
                    (m.amount / Decimal::from(history.orders)).round_dp(scale),
                    m.currency,
                )
            })
            .collect();
        let frequency = first_at.filter(|_| history.orders > 0).map(|first| {
            let days = ((at - first).num_seconds() as f64 / 86_400.0).max(1.0);
            history.orders as f64 * 30.0 / days
        });
        Ok(CustomerView {
            customer_id: customer,
            orders: history.orders,
            cancelled_orders: cancelled,
            first_order_at: first_at,
            last_order_at: last_at,
            lifetime_spend: history.spend.clone(),
            average_order_value: average,
            purchase_frequency: frequency,
            units_shipped: shipped,
            units_returned: returned,
            return_rate: (shipped > 0).then(|| returned as f64 / shipped as f64),
            tier: tier_for(&self.config.customer_tiers, &history),
            milestones: history.rewarded,
        })
    }
}
