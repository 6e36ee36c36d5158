//! Cart holds: `hold_stock`, `convert_hold`, `release_stock_hold`,
//! `expire_holds`, and how they fold.

use super::commands::check_quantity;
use super::*;

impl Engine {
    pub(super) fn hold_stock(&mut self, c: HoldStock, tx: &mut Tx) -> Result<()> {
        let hold = c.0;
        check_id("hold_id", hold.hold_id.as_str())?;
        check_sku("sku", hold.sku.as_str())?;
        check_id("channel", hold.channel.as_str())?;
        check_quantity("quantity", hold.quantity, 1)?;
        if hold.expires_at <= tx.at {
            return Err(OmsError::validation(
                "expires_at",
                format!(
                    "{} is not after the command's time {}",
                    hold.expires_at, tx.at
                ),
            ));
        }
        if let Some(existing) = self.stock_holds.get(&hold.hold_id) {
            if *existing == hold {
                return Ok(());
            }
            return Err(OmsError::duplicate(
                "stock hold",
                &hold.hold_id,
                "a hold with this id but a different payload is in force",
            ));
        }
        let sellable = self.channel_available(hold.channel.as_str(), hold.sku.as_str())?;
        if sellable < hold.quantity {
            return Err(OmsError::InsufficientStock {
                sku: hold.sku.to_string(),
                location_id: String::new(),
                requested: hold.quantity,
                available: sellable,
                message: format!(
                    "channel {} can sell {sellable} of {}, not {}",
                    hold.channel, hold.sku, hold.quantity
                ),
            });
        }
        self.emit(tx, EventKind::StockHeld { hold });
        Ok(())
    }

    pub(super) fn convert_hold(&mut self, c: ConvertHold, tx: &mut Tx) -> Result<()> {
        let hold = self
            .stock_holds
            .get(&c.hold_id)
            .ok_or_else(|| OmsError::not_found("stock hold", &c.hold_id))?;
        let order = self
            .orders
            .get(&c.order_id)
            .ok_or_else(|| OmsError::not_found("order", &c.order_id))?;
        if !order.placement.lines.iter().any(|l| l.sku == hold.sku) {
            return Err(OmsError::validation(
                "order_id",
                format!("order {} has no line of the held {}", c.order_id, hold.sku),
            ));
        }
        let order_id = order.order_id().clone();
        self.emit(
            tx,
            EventKind::StockHoldConverted {
                hold_id: c.hold_id,
                order_id: order_id.clone(),
            },
        );
        if self.orders.get(&order_id).is_some_and(Order::is_releasable) {
            self.allocate_order(tx, &order_id);
        }
        Ok(())
    }

    pub(super) fn release_stock_hold(&mut self, c: ReleaseStockHold, tx: &mut Tx) -> Result<()> {
        if !self.stock_holds.contains_key(&c.hold_id) {
            return Err(OmsError::not_found("stock hold", &c.hold_id));
        }
        self.emit(
            tx,
            EventKind::StockHoldReleased {
                hold_id: c.hold_id,
                reason: HoldEnd::Released,
            },
        );
        Ok(())
    }

    /// Ends the holds expired by the command's time, soonest first.
    pub(super) fn expire_holds(&mut self, tx: &mut Tx) {
        let mut due: Vec<(DateTime<Utc>, StockHoldId)> = self
            .stock_holds
            .values()
            .filter(|h| h.expires_at <= tx.at)
            .map(|h| (h.expires_at, h.hold_id.clone()))
            .collect();
        due.sort();
        for (_, hold_id) in due {
            self.emit(
                tx,
                EventKind::StockHoldReleased {
                    hold_id,
                    reason: HoldEnd::Expired,
                },
            );
        }
    }

    /// The units a hold of `quantity` of `sku` keeps from each product:
    /// the product itself, or a kit's components.
    pub(super) fn held_parts(&self, sku: &Sku, quantity: u64) -> Vec<(usize, u64)> {
        let Some(slot) = self.products.slot(sku) else {
            return Vec::new();
        };
        let product = &self.products.by_slot[slot].product;
        if product.is_kit() {
            product
                .components
                .iter()
                .filter_map(|c| {
                    Some((
                        self.products.slot(&c.sku)?,
                        quantity.saturating_mul(c.quantity),
                    ))
                })
                .collect()
        } else {
            vec![(slot, quantity)]
        }
    }

    pub(super) fn fold_stock_held(&mut self, hold: &StockHold, origin: Origin) -> Result<()> {
        if origin == Origin::Log {
            if self.stock_holds.contains_key(&hold.hold_id) {
                return Err(OmsError::conflict(format!(
                    "stock hold {} is already in force",
                    hold.hold_id
                )));
            }
            if !self.products.contains_key(&hold.sku) {
                return Err(OmsError::not_found("product", &hold.sku));
            }
        }
        for (slot, units) in self.held_parts(&hold.sku, hold.quantity) {
            let e = &mut self.products.by_slot[slot];
            e.held = e.held.saturating_add(units);
        }
        self.stock_holds.insert(hold.hold_id.clone(), hold.clone());
        Ok(())
    }

    /// Ends a hold (converted, released or expired).
    pub(super) fn fold_hold_ended(&mut self, hold_id: &StockHoldId) -> Result<()> {
        let hold = self
            .stock_holds
            .remove(hold_id)
            .ok_or_else(|| OmsError::conflict(format!("no stock hold {hold_id} is in force")))?;
        for (slot, units) in self.held_parts(&hold.sku, hold.quantity) {
            let e = &mut self.products.by_slot[slot];
            e.held = e.held.saturating_sub(units);
        }
        Ok(())
    }

    /// Every cart hold in force, by id.
    pub fn stock_holds(&self) -> Vec<StockHold> {
        self.stock_holds.values().cloned().collect()
    }

    /// When the next cart hold lapses: the time to call `expire_holds` at.
    pub fn next_hold_expiry(&self) -> Option<DateTime<Utc>> {
        self.stock_holds.values().map(|h| h.expires_at).min()
    }
}
