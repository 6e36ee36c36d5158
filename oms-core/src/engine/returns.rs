//! Returns: `request_return` through `close_return`, and folding their
//! events. The rules live in [`crate::returns`]; this is where they meet
//! the orders and the stock ledger.

use super::commands::check_quantity;
use super::*;
use crate::ids::RmaId;
use crate::returns::{
    refund, ChargedLine, Charges, Disposition, ExchangeLineInput, InspectionLine, Resolution,
    ReturnQuantity, Rma, RmaLine, RmaStatus,
};

/// Units of one order line per RMA line, summed by line id.
fn units_by_line<'a>(lines: impl Iterator<Item = (&'a LineId, u64)>) -> BTreeMap<&'a LineId, u64> {
    let mut by = BTreeMap::new();
    for (id, q) in lines {
        *by.entry(id).or_insert(0u64) += q;
    }
    by
}

/// What an order's RMAs add up to: the money the rules that keep refunds
/// within what was captured need.
#[derive(Debug, Default)]
pub(super) struct RefundLedger {
    /// What resolved RMAs owe or credited (their totals, paid or not).
    committed: Decimal,
    /// Refunds recorded against RMAs (`record_payment` with `rma_id`).
    linked: Decimal,
    /// Shipping resolved RMAs gave back.
    shipping: Decimal,
}

impl RefundLedger {
    /// Refunds recorded outside any RMA.
    fn manual(&self, p: &PaymentTotals) -> Decimal {
        (p.refunded - self.linked).max(Decimal::ZERO)
    }

    /// What may still be given back: captured, less refunds outside RMAs,
    /// less what resolved RMAs owe or credited.
    pub(super) fn room(&self, p: &PaymentTotals) -> Decimal {
        (p.captured - self.manual(p) - self.committed).max(Decimal::ZERO)
    }
}

impl Engine {
    /// The RMA, if it may move to `to`; else `not_found` or an
    /// `invalid_transition` naming both states.
    fn rma_for(&self, rma_id: &RmaId, to: RmaStatus) -> Result<&Rma> {
        check_id("rma_id", rma_id.as_str())?;
        let rma = self
            .returns
            .get(rma_id)
            .ok_or_else(|| OmsError::not_found("rma", rma_id))?;
        if !rma.status.can_become(to) {
            let next: Vec<&str> = crate::returns::RMA_TRANSITIONS
                .iter()
                .find(|(from, _)| *from == rma.status)
                .map_or_else(Vec::new, |(_, to)| to.iter().map(|s| s.as_str()).collect());
            let allowed = if next.is_empty() {
                "it is final".to_string()
            } else {
                format!("it may only become {}", next.join(", "))
            };
            return Err(OmsError::transition(
                "rma",
                rma_id,
                rma.status,
                format!("{} -> {to} is not allowed; {allowed}", rma.status),
            ));
        }
        Ok(rma)
    }

    /// When line `i`'s returnable units left the shop: the latest delivery
    /// of a shipment carrying the line, or (with `allow_shipped`) its
    /// latest shipment when none was delivered.
    fn returnable_since(&self, order: &Order, line_id: &LineId) -> Option<DateTime<Utc>> {
        let allow_shipped = self.config.returns.allow_shipped;
        let mut delivered = None;
        let mut shipped = None;
        for s in order
            .shipments
            .iter()
            .filter_map(|id| self.shipments.get(id))
        {
            if !s.lines.iter().any(|l| l.line_id == *line_id) {
                continue;
            }
            shipped = shipped.max(Some(s.shipped_at));
            delivered = delivered.max(s.delivered_at);
        }
        delivered.or(shipped.filter(|_| allow_shipped))
    }

    pub(super) fn request_return(&mut self, c: RequestReturn, tx: &mut Tx) -> Result<()> {
        check_id("rma_id", c.rma_id.as_str())?;
        if let Some(note) = &c.note {
            check_text("note", note, MAX_TEXT)?;
        }
        if let Some(existing) = self.returns.get(&c.rma_id) {
            let same = existing.order_id == c.order_id
                && existing.resolution == c.resolution
                && existing.note == c.note
                && existing.exchange_lines == c.exchange_lines
                && existing.lines.len() == c.lines.len()
                && existing.lines.iter().zip(&c.lines).all(|(a, b)| {
                    a.line_id == b.line_id
                        && a.quantity == b.quantity
                        && a.reason == b.reason
                        && a.note == b.note
                });
            if same {
                return Ok(());
            }
            return Err(OmsError::duplicate(
                "rma",
                &c.rma_id,
                "an RMA with this id but a different request exists",
            ));
        }
        let order = self.order_for(&c.order_id, OrderAction::Return)?;
        if c.lines.is_empty() || c.lines.len() > MAX_LINES {
            return Err(OmsError::validation(
                "lines",
                format!("a return has 1–{MAX_LINES} lines, got {}", c.lines.len()),
            ));
        }
        let policy = &self.config.returns;
        let window = chrono::Duration::days(i64::from(policy.window_days));
        let mut lines = Vec::with_capacity(c.lines.len());
        for (n, l) in c.lines.iter().enumerate() {
            let field = |f: &str| format!("lines[{n}].{f}");
            check_id(&field("line_id"), l.line_id.as_str())?;
            check_quantity(&field("quantity"), l.quantity, 1)?;
            if let Some(note) = &l.note {
                check_text(&field("note"), note, MAX_TEXT)?;
            }
            if c.lines[..n].iter().any(|o| o.line_id == l.line_id) {
                return Err(OmsError::validation(
                    field("line_id"),
                    format!("line {} is listed twice", l.line_id),
                ));
            }
            let i = order.line_index(l.line_id.as_str()).ok_or_else(|| {
                OmsError::not_found("order line", format!("{}/{}", c.order_id, l.line_id))
            })?;
            let spec = &order.placement.lines[i];
            if self
                .products
                .get(&spec.sku)
                .is_some_and(|e| e.product.non_returnable)
            {
                return Err(OmsError::validation(
                    field("line_id"),
                    format!("{} is not returnable", spec.sku),
                ));
            }
            let state = &order.lines[i];
            let out = if policy.allow_shipped {
                state.shipped
            } else {
                state.delivered
            };
            let left = out
                .saturating_sub(state.returned)
                .saturating_sub(state.return_requested);
            if l.quantity > left {
                let what = if policy.allow_shipped {
                    "shipped"
                } else {
                    "delivered"
                };
                return Err(OmsError::validation(
                    field("quantity"),
                    format!(
                        "{} units of line {} cannot be returned: {out} {what}, {} returned, {} on open returns",
                        l.quantity, l.line_id, state.returned, state.return_requested
                    ),
                ));
            }
            if let Some(since) = self.returnable_since(order, &l.line_id) {
                if tx.at > since + window {
                    return Err(OmsError::validation(
                        field("line_id"),
                        format!(
                            "the return window of {} days from {} closed on {}",
                            policy.window_days,
                            since.date_naive(),
                            (since + window).date_naive()
                        ),
                    ));
                }
            }
            lines.push(RmaLine {
                line_id: spec.line_id.clone(),
                sku: spec.sku.clone(),
                quantity: l.quantity,
                reason: l.reason,
                note: l.note.clone(),
                received: 0,
                dispositions: Vec::new(),
            });
        }
        let exchange_order_id = match c.resolution {
            Resolution::Exchange => {
                let id = c.exchange_order_id.clone().unwrap_or_else(|| {
                    OrderId::new(format!(
                        "{}{}",
                        self.config.returns.exchange_order_prefix, c.rma_id
                    ))
                });
                check_id("exchange_order_id", id.as_str())?;
                if self.orders.contains_key(&id) {
                    return Err(OmsError::duplicate(
                        "order",
                        &id,
                        "the exchange order's id is taken",
                    ));
                }
                self.check_exchange_lines(order, &c.exchange_lines, &lines)?;
                Some(id)
            }
            _ if !c.exchange_lines.is_empty() || c.exchange_order_id.is_some() => {
                return Err(OmsError::validation(
                    "exchange_lines",
                    "only an exchange takes exchange_lines or exchange_order_id",
                ));
            }
            _ => None,
        };
        let rma = Rma {
            rma_id: c.rma_id,
            order_id: order.order_id().clone(),
            status: RmaStatus::Requested,
            resolution: c.resolution,
            lines,
            exchange_lines: c.exchange_lines,
            exchange_order_id,
            requested_at: tx.at,
            updated_at: tx.at,
            received_at_location: None,
            carrier: None,
            tracking_number: None,
            refund: None,
            refunded: Decimal::ZERO,
            exchange_credit: Decimal::ZERO,
            note: c.note,
            reason: None,
        };
        self.emit(tx, EventKind::ReturnRequested { rma: Box::new(rma) });
        Ok(())
    }

    /// Exchange lines: known SKUs, whole units, and a price for every SKU
    /// that is neither on a returned line nor priced in the catalog.
    fn check_exchange_lines(
        &self,
        order: &Order,
        exchange: &[ExchangeLineInput],
        returned: &[RmaLine],
    ) -> Result<()> {
        if exchange.len() > MAX_LINES {
            return Err(OmsError::validation(
                "exchange_lines",
                format!("at most {MAX_LINES} lines"),
            ));
        }
        let currency = order.currency();
        for (n, l) in exchange.iter().enumerate() {
            let field = |f: &str| format!("exchange_lines[{n}].{f}");
            check_sku(&field("sku"), l.sku.as_str())?;
            check_quantity(&field("quantity"), l.quantity, 1)?;
            if let Some(p) = &l.unit_price {
                commands::check_money(&field("unit_price"), p, currency, "the order's")?;
            }
            self.exchange_price(order, l, returned).ok_or_else(|| {
                OmsError::validation(
                    field("unit_price"),
                    format!(
                        "{} is not on the returned lines and has no catalog price in {currency}; give unit_price",
                        l.sku
                    ),
                )
            })?;
        }
        Ok(())
    }

    /// The price of one exchange unit: given, else the returned line's
    /// price for the same SKU, else the catalog price in the order's currency.
    fn exchange_price(
        &self,
        order: &Order,
        l: &ExchangeLineInput,
        returned: &[RmaLine],
    ) -> Option<Money> {
        let currency = order.currency();
        self.products.get(&l.sku)?;
        l.unit_price
            .or_else(|| {
                returned.iter().find(|r| r.sku == l.sku).and_then(|r| {
                    order
                        .line_index(r.line_id.as_str())
                        .map(|i| order.placement.lines[i].unit_price)
                })
            })
            .or_else(|| {
                self.products
                    .get(&l.sku)
                    .and_then(|e| e.product.price)
                    .filter(|p| p.currency == currency)
            })
    }

    pub(super) fn authorize_return(&mut self, c: AuthorizeReturn, tx: &mut Tx) -> Result<()> {
        let rma = self.rma_for(&c.rma_id, RmaStatus::Authorized)?;
        let order_id = rma.order_id.clone();
        self.emit(
            tx,
            EventKind::ReturnAuthorized {
                rma_id: c.rma_id,
                order_id,
            },
        );
        Ok(())
    }

    pub(super) fn reject_return(&mut self, c: RejectReturn, tx: &mut Tx) -> Result<()> {
        check_text("reason", &c.reason, MAX_TEXT)?;
        let rma = self.rma_for(&c.rma_id, RmaStatus::Rejected)?;
        let order_id = rma.order_id.clone();
        self.emit(
            tx,
            EventKind::ReturnRejected {
                rma_id: c.rma_id,
                order_id,
                reason: c.reason,
            },
        );
        Ok(())
    }

    pub(super) fn record_return_shipment(
        &mut self,
        c: RecordReturnShipment,
        tx: &mut Tx,
    ) -> Result<()> {
        for (field, v) in [
            ("carrier", &c.carrier),
            ("tracking_number", &c.tracking_number),
        ] {
            if let Some(v) = v {
                check_text(field, v, MAX_NAME)?;
            }
        }
        let rma = self.rma_for(&c.rma_id, RmaStatus::InTransit)?;
        let order_id = rma.order_id.clone();
        self.emit(
            tx,
            EventKind::ReturnShipped {
                rma_id: c.rma_id,
                order_id,
                carrier: c.carrier,
                tracking_number: c.tracking_number,
            },
        );
        Ok(())
    }

    pub(super) fn receive_return(&mut self, c: ReceiveReturn, tx: &mut Tx) -> Result<()> {
        check_id("location_id", c.location_id.as_str())?;
        let rma = self.rma_for(&c.rma_id, RmaStatus::Received)?;
        if !self.locations.contains(c.location_id.as_str()) {
            return Err(OmsError::not_found("location", &c.location_id));
        }
        for (n, l) in c.lines.iter().enumerate() {
            let field = |f: &str| format!("lines[{n}].{f}");
            if c.lines[..n].iter().any(|o| o.line_id == l.line_id) {
                return Err(OmsError::validation(
                    field("line_id"),
                    format!("line {} is listed twice", l.line_id),
                ));
            }
            let line = rma
                .lines
                .iter()
                .find(|r| r.line_id == l.line_id)
                .ok_or_else(|| {
                    OmsError::validation(
                        field("line_id"),
                        format!("line {} is not on the RMA", l.line_id),
                    )
                })?;
            if l.quantity > line.quantity {
                return Err(OmsError::validation(
                    field("quantity"),
                    format!(
                        "{} received, but only {} were requested",
                        l.quantity, line.quantity
                    ),
                ));
            }
        }
        let lines = rma
            .lines
            .iter()
            .map(|r| ReturnQuantity {
                line_id: r.line_id.clone(),
                quantity: if c.lines.is_empty() {
                    r.quantity
                } else {
                    c.lines
                        .iter()
                        .find(|l| l.line_id == r.line_id)
                        .map_or(0, |l| l.quantity)
                },
            })
            .collect();
        let order_id = rma.order_id.clone();
        let location_id = self.location_id(&c.location_id);
        self.emit(
            tx,
            EventKind::ReturnReceived {
                rma_id: c.rma_id,
                order_id,
                location_id,
                lines,
            },
        );
        Ok(())
    }

    /// The engine's own copy of a known location id.
    fn location_id(&self, id: &LocationId) -> LocationId {
        self.locations
            .get(id.as_str())
            .map_or_else(|| id.clone(), |l| l.location_id.clone())
    }

    pub(super) fn inspect_return(&mut self, c: InspectReturn, tx: &mut Tx) -> Result<()> {
        let rma = self.rma_for(&c.rma_id, RmaStatus::Inspected)?;
        let order = self
            .orders
            .get(&rma.order_id)
            .ok_or_else(|| OmsError::not_found("order", &rma.order_id))?;
        if c.lines.len() > MAX_LINES {
            return Err(OmsError::validation(
                "lines",
                format!("at most {MAX_LINES} lines"),
            ));
        }
        let mut lines = Vec::with_capacity(c.lines.len());
        // (product slot, location, disposition) → units, in first-seen order.
        let mut moves: Vec<(usize, LocationId, Disposition, u64)> = Vec::new();
        for (n, l) in c.lines.iter().enumerate() {
            let field = |f: &str| format!("lines[{n}].{f}");
            check_quantity(&field("quantity"), l.quantity, 1)?;
            if !rma.lines.iter().any(|r| r.line_id == l.line_id) {
                return Err(OmsError::validation(
                    field("line_id"),
                    format!("line {} is not on the RMA", l.line_id),
                ));
            }
            let location_id = if l.disposition.stays_in_stock() {
                let id = l
                    .location_id
                    .as_ref()
                    .or(rma.received_at_location.as_ref())
                    .ok_or_else(|| OmsError::validation(field("location_id"), "required"))?;
                if !self.locations.contains(id.as_str()) {
                    return Err(OmsError::not_found("location", id));
                }
                Some(self.location_id(id))
            } else {
                None
            };
            if let Some(loc) = &location_id {
                let i = order.line_index(l.line_id.as_str()).ok_or_else(|| {
                    OmsError::not_found("order line", format!("{}/{}", rma.order_id, l.line_id))
                })?;
                for (slot, per) in order.part_slots(i) {
                    let units = l.quantity.saturating_mul(per);
                    match moves
                        .iter_mut()
                        .find(|m| m.0 == slot && m.1 == *loc && m.2 == l.disposition)
                    {
                        Some(m) => m.3 = m.3.saturating_add(units),
                        None => moves.push((slot, loc.clone(), l.disposition, units)),
                    }
                }
            }
            lines.push(InspectionLine {
                line_id: l.line_id.clone(),
                quantity: l.quantity,
                disposition: l.disposition,
                location_id,
            });
        }
        let inspected = units_by_line(c.lines.iter().map(|l| (&l.line_id, l.quantity)));
        for r in &rma.lines {
            let got = inspected.get(&r.line_id).copied().unwrap_or(0);
            if got != r.received {
                return Err(OmsError::validation(
                    "lines",
                    format!(
                        "line {} has dispositions for {got} units, but {} were received",
                        r.line_id, r.received
                    ),
                ));
            }
        }
        for (slot, loc, _, units) in &moves {
            self.check_receivable("lines", *slot, loc, *units)?;
        }
        let order_id = rma.order_id.clone();
        self.emit(
            tx,
            EventKind::ReturnInspected {
                rma_id: c.rma_id.clone(),
                order_id,
                lines,
            },
        );
        for (slot, location_id, disposition, quantity) in moves {
            let kind = EventKind::StockRestocked {
                rma_id: c.rma_id.clone(),
                sku: self.products.by_slot[slot].product.sku.clone(),
                location_id,
                quantity,
                disposition,
            };
            self.record_stock_change(tx, slot, disposition == Disposition::Restock, kind);
        }
        Ok(())
    }

    /// What the order's RMAs add up to (see [`RefundLedger`]).
    pub(super) fn refund_ledger(&self, order: &Order) -> RefundLedger {
        let mut ledger = RefundLedger::default();
        for rma in order.returns.iter().filter_map(|id| self.returns.get(id)) {
            ledger.linked += rma.refunded;
            if let Some(r) = &rma.refund {
                ledger.committed += r.total.amount;
                ledger.shipping += r.shipping.amount;
            }
        }
        ledger
    }

    pub(super) fn resolve_return(&mut self, c: ResolveReturn, tx: &mut Tx) -> Result<()> {
        let rma = self.rma_for(&c.rma_id, RmaStatus::Resolved)?;
        let order = self
            .orders
            .get(&rma.order_id)
            .ok_or_else(|| OmsError::not_found("order", &rma.order_id))?;
        let back = units_by_line(rma.lines.iter().map(|l| (&l.line_id, l.received)));
        let charged: Vec<ChargedLine> = order
            .placement
            .lines
            .iter()
            .zip(order.lines.iter())
            .map(|(spec, l)| {
                let returning = back.get(&spec.line_id).copied().unwrap_or(0);
                ChargedLine {
                    line_id: spec.line_id.clone(),
                    unit_price: spec.unit_price.amount,
                    charged: spec.quantity.saturating_sub(l.cancelled),
                    credited: l.credited,
                    returning,
                    reason: rma
                        .lines
                        .iter()
                        .find(|r| r.line_id == spec.line_id)
                        .map_or(crate::returns::ReturnReason::Other, |r| r.reason),
                }
            })
            .collect();
        let ledger = self.refund_ledger(order);
        let (available, shipping_credited) = (ledger.room(&order.payments), ledger.shipping);
        let charges = Charges {
            currency: order.currency(),
            lines: &charged,
            discount: order.discount(),
            shipping: order
                .placement
                .shipping_price
                .map_or(Decimal::ZERO, |m| m.amount),
            shipping_credited,
            available,
        };
        let fee_free;
        let policy = if rma.resolution == Resolution::Refund {
            &self.config.returns
        } else {
            // Exchanges and store credit keep the customer: no restocking fee.
            fee_free = crate::returns::ReturnPolicy {
                restocking_fee_percent: Default::default(),
                ..self.config.returns.clone()
            };
            &fee_free
        };
        let breakdown = refund(&charges, policy)?;
        let mut exchange = None;
        if rma.resolution == Resolution::Exchange {
            exchange = self.exchange_order(order, rma, breakdown.total)?;
        }
        let (rma_id, order_id, resolution) =
            (rma.rma_id.clone(), rma.order_id.clone(), rma.resolution);
        let (exchange_order_id, exchange_credit) = match exchange {
            Some((placement, credit)) => {
                let id = placement.order_id.clone();
                self.place_order(placement, tx)?;
                (Some(id), Some(credit))
            }
            None => (None, None),
        };
        self.emit(
            tx,
            EventKind::ReturnResolved {
                rma_id,
                order_id,
                resolution,
                refund: breakdown,
                exchange_order_id,
                exchange_credit,
            },
        );
        Ok(())
    }

    /// The replacement order of an exchange and the credit taken off it
    /// (none when nothing came back to exchange).
    fn exchange_order(
        &self,
        order: &Order,
        rma: &Rma,
        worth: Money,
    ) -> Result<Option<(PlaceOrder, Money)>> {
        let wanted: Vec<ExchangeLineInput> = if rma.exchange_lines.is_empty() {
            rma.lines
                .iter()
                .filter(|l| l.received > 0)
                .map(|l| ExchangeLineInput {
                    sku: l.sku.clone(),
                    quantity: l.received,
                    unit_price: None,
                })
                .collect()
        } else {
            rma.exchange_lines.clone()
        };
        if wanted.is_empty() {
            return Ok(None);
        }
        let id = rma.exchange_order_id.clone().ok_or_else(|| {
            OmsError::conflict(format!(
                "exchange RMA {} has no exchange order id",
                rma.rma_id
            ))
        })?;
        if self.orders.contains_key(&id) {
            return Err(OmsError::duplicate(
                "order",
                &id,
                "the exchange order's id is taken",
            ));
        }
        let mut value = Money::zero(order.currency());
        let mut lines = Vec::with_capacity(wanted.len());
        for (n, l) in wanted.iter().enumerate() {
            let price = self.exchange_price(order, l, &rma.lines).ok_or_else(|| {
                OmsError::validation(format!("exchange_lines[{n}].unit_price"), "no price")
            })?;
            value = value.checked_add(price.times(l.quantity)?)?;
            lines.push(OrderLineInput {
                line_id: LineId::new((n + 1).to_string()),
                sku: l.sku.clone(),
                quantity: l.quantity,
                unit_price: price,
            });
        }
        let credit = Money::new(worth.amount.min(value.amount), worth.currency);
        // Like for like (no exchange lines): the same units again, free,
        // though the discount made them worth less than their price.
        // Otherwise the customer pays the difference.
        let discount = if rma.exchange_lines.is_empty() {
            value
        } else {
            credit
        };
        let p = &order.placement;
        let placement = PlaceOrder {
            order_id: id,
            channel: p.channel.clone(),
            channel_order_id: None,
            customer_id: p.customer_id.clone(),
            ship_to: p.ship_to.clone(),
            lines,
            priority: p.priority,
            customer_tier: p.customer_tier,
            shipping_price: None,
            discount: (!discount.amount.is_zero()).then_some(discount),
            ship_by: None,
            deliver_by: None,
        };
        Ok(Some((placement, credit)))
    }

    pub(super) fn close_return(&mut self, c: CloseReturn, tx: &mut Tx) -> Result<()> {
        let rma = self.rma_for(&c.rma_id, RmaStatus::Closed)?;
        let order_id = rma.order_id.clone();
        self.emit(
            tx,
            EventKind::ReturnClosed {
                rma_id: c.rma_id,
                order_id,
            },
        );
        Ok(())
    }

    pub(super) fn cancel_return(&mut self, c: CancelReturn, tx: &mut Tx) -> Result<()> {
        if let Some(r) = &c.reason {
            check_text("reason", r, MAX_TEXT)?;
        }
        let rma = self.rma_for(&c.rma_id, RmaStatus::Cancelled)?;
        let order_id = rma.order_id.clone();
        self.emit(
            tx,
            EventKind::ReturnCancelled {
                rma_id: c.rma_id,
                order_id,
                reason: c.reason,
            },
        );
        Ok(())
    }

    /// A refund `record_payment` names an RMA: it must be resolved (or
    /// closed), of this order, and still owe at least `amount`.
    pub(super) fn check_rma_refund(
        &self,
        order_id: &OrderId,
        rma_id: &RmaId,
        kind: PaymentKind,
        amount: Decimal,
    ) -> Result<()> {
        check_id("rma_id", rma_id.as_str())?;
        let rma = self
            .returns
            .get(rma_id)
            .ok_or_else(|| OmsError::not_found("rma", rma_id))?;
        if kind != PaymentKind::Refunded {
            return Err(OmsError::validation(
                "rma_id",
                "only a refund may name an RMA",
            ));
        }
        if rma.order_id != *order_id {
            return Err(OmsError::validation(
                "rma_id",
                format!("RMA {rma_id} belongs to order {}", rma.order_id),
            ));
        }
        if !matches!(rma.status, RmaStatus::Resolved | RmaStatus::Closed) {
            return Err(OmsError::transition(
                "rma",
                rma_id,
                rma.status,
                "a refund is recorded once the RMA is resolved",
            ));
        }
        let owed = rma.refund_outstanding();
        if amount > owed {
            return Err(OmsError::validation(
                "amount",
                format!("refund of {amount} exceeds the {owed} RMA {rma_id} still owes"),
            ));
        }
        Ok(())
    }

    // ------------------------------------------------------------------
    // Folding
    // ------------------------------------------------------------------

    /// Folds a return event (not `stock_restocked`, which is a stock movement).
    pub(super) fn fold_return(
        &mut self,
        kind: &EventKind,
        at: DateTime<Utc>,
        origin: Origin,
    ) -> Result<()> {
        if let EventKind::ReturnRequested { rma } = kind {
            return self.fold_return_requested(rma, at, origin);
        }
        let (rma_id, to) = match kind {
            EventKind::ReturnAuthorized { rma_id, .. } => (rma_id, RmaStatus::Authorized),
            EventKind::ReturnRejected { rma_id, .. } => (rma_id, RmaStatus::Rejected),
            EventKind::ReturnShipped { rma_id, .. } => (rma_id, RmaStatus::InTransit),
            EventKind::ReturnReceived { rma_id, .. } => (rma_id, RmaStatus::Received),
            EventKind::ReturnInspected { rma_id, .. } => (rma_id, RmaStatus::Inspected),
            EventKind::ReturnResolved { rma_id, .. } => (rma_id, RmaStatus::Resolved),
            EventKind::ReturnClosed { rma_id, .. } => (rma_id, RmaStatus::Closed),
            EventKind::ReturnCancelled { rma_id, .. } => (rma_id, RmaStatus::Cancelled),
            _ => return Ok(()),
        };
        let rma = self
            .returns
            .get(rma_id)
            .ok_or_else(|| OmsError::not_found("rma", rma_id))?;
        if origin == Origin::Log && !rma.status.can_become(to) {
            return Err(OmsError::conflict(format!(
                "RMA {rma_id} is {}, it cannot become {to}",
                rma.status
            )));
        }
        let order_id = rma.order_id.clone();
        // Per order line: change of return_requested, returned, credited.
        let mut deltas: Vec<(LineId, i64, u64, u64)> = Vec::new();
        let open = |rma: &Rma| -> Vec<(LineId, i64, u64, u64)> {
            rma.lines
                .iter()
                .map(|l| (l.line_id.clone(), -(l.quantity as i64), 0, 0))
                .collect()
        };
        match kind {
            EventKind::ReturnRejected { .. } | EventKind::ReturnCancelled { .. } => {
                deltas = open(rma);
            }
            EventKind::ReturnReceived { lines, .. } => {
                for l in &rma.lines {
                    let got = lines
                        .iter()
                        .find(|r| r.line_id == l.line_id)
                        .map_or(0, |r| r.quantity);
                    if got > l.quantity {
                        return Err(OmsError::conflict(format!(
                            "RMA {rma_id} line {} received {got} of {}",
                            l.line_id, l.quantity
                        )));
                    }
                    deltas.push((l.line_id.clone(), -(l.quantity as i64), got, 0));
                }
            }
            EventKind::ReturnResolved { refund, .. } => {
                for l in &refund.lines {
                    deltas.push((l.line_id.clone(), 0, 0, l.quantity));
                }
            }
            _ => {}
        }
        // Check every line first, then change: a foreign event changes nothing or everything.
        let order = self.order_mut(&order_id)?;
        let mut slots = Vec::with_capacity(deltas.len());
        for (line_id, _, returned, credited) in &deltas {
            let i = order.line_index(line_id.as_str()).ok_or_else(|| {
                OmsError::not_found("order line", format!("{order_id}/{line_id}"))
            })?;
            let l = &order.lines[i];
            if origin == Origin::Log
                && (l.returned.saturating_add(*returned) > l.shipped
                    || l.credited.saturating_add(*credited) > l.returned)
            {
                return Err(OmsError::conflict(format!(
                    "RMA {rma_id}: line {line_id} would have more units returned or credited than shipped"
                )));
            }
            slots.push(i);
        }
        for ((_, requested, returned, credited), i) in deltas.iter().zip(slots) {
            let l = &mut order.lines[i];
            l.return_requested = l.return_requested.saturating_add_signed(*requested);
            l.returned += returned;
            l.credited += credited;
        }
        let rma = self
            .returns
            .get_mut(rma_id)
            .ok_or_else(|| OmsError::not_found("rma", rma_id))?;
        rma.status = to;
        rma.updated_at = at;
        match kind {
            EventKind::ReturnRejected { reason, .. } => rma.reason = Some(reason.clone()),
            EventKind::ReturnCancelled { reason, .. } => rma.reason = reason.clone(),
            EventKind::ReturnShipped {
                carrier,
                tracking_number,
                ..
            } => {
                rma.carrier = carrier.clone();
                rma.tracking_number = tracking_number.clone();
            }
            EventKind::ReturnReceived {
                location_id, lines, ..
            } => {
                rma.received_at_location = Some(location_id.clone());
                for l in &mut rma.lines {
                    l.received = lines
                        .iter()
                        .find(|r| r.line_id == l.line_id)
                        .map_or(0, |r| r.quantity);
                }
            }
            EventKind::ReturnInspected { lines, .. } => {
                for l in &mut rma.lines {
                    l.dispositions = lines
                        .iter()
                        .filter(|d| d.line_id == l.line_id)
                        .cloned()
                        .collect();
                }
            }
            EventKind::ReturnResolved {
                refund,
                exchange_order_id,
                exchange_credit,
                ..
            } => {
                rma.refund = Some(refund.clone());
                if exchange_order_id.is_some() {
                    rma.exchange_order_id = exchange_order_id.clone();
                }
                rma.exchange_credit = exchange_credit.map_or(Decimal::ZERO, |m| m.amount);
            }
            _ => {}
        }
        Ok(())
    }

    fn fold_return_requested(
        &mut self,
        rma: &Rma,
        at: DateTime<Utc>,
        origin: Origin,
    ) -> Result<()> {
        if self.returns.contains_key(&rma.rma_id) {
            return Err(OmsError::duplicate("rma", &rma.rma_id, "already requested"));
        }
        let order = self.order_mut(&rma.order_id)?;
        let mut slots = Vec::with_capacity(rma.lines.len());
        for l in &rma.lines {
            let i = order.line_index(l.line_id.as_str()).ok_or_else(|| {
                OmsError::not_found("order line", format!("{}/{}", rma.order_id, l.line_id))
            })?;
            let s = &order.lines[i];
            if origin == Origin::Log
                && s.returned
                    .saturating_add(s.return_requested)
                    .saturating_add(l.quantity)
                    > s.shipped
            {
                return Err(OmsError::conflict(format!(
                    "RMA {}: more units of line {} on returns than shipped",
                    rma.rma_id, l.line_id
                )));
            }
            slots.push(i);
        }
        for (l, i) in rma.lines.iter().zip(slots) {
            let s = &mut order.lines[i];
            s.return_requested = s.return_requested.saturating_add(l.quantity);
        }
        let mut ids = std::mem::take(&mut order.returns).into_vec();
        ids.push(rma.rma_id.clone());
        order.returns = ids.into_boxed_slice();
        let mut rma = rma.clone();
        rma.status = RmaStatus::Requested;
        rma.updated_at = at;
        self.returns.insert(rma.rma_id.clone(), rma);
        Ok(())
    }

    /// Folds `stock_restocked`: units back into a location's stock.
    pub(super) fn fold_restocked(
        &mut self,
        sku: &Sku,
        location_id: &LocationId,
        quantity: u64,
        disposition: Disposition,
    ) -> Result<()> {
        if !disposition.stays_in_stock() {
            return Err(OmsError::conflict(format!(
                "stock_restocked with disposition {disposition:?}"
            )));
        }
        let cell = self.cell_for_event(sku, location_id)?;
        cell.returned = cell
            .returned
            .checked_add(quantity)
            .ok_or_else(|| OmsError::conflict("returned overflows"))?;
        if disposition == Disposition::Refurbish {
            cell.refurbishing = cell.refurbishing.saturating_add(quantity);
        }
        Ok(())
    }

    /// Folds a refund recorded against an RMA.
    pub(super) fn fold_rma_refund(&mut self, rma_id: &RmaId, amount: Decimal) -> Result<()> {
        let rma = self
            .returns
            .get_mut(rma_id)
            .ok_or_else(|| OmsError::not_found("rma", rma_id))?;
        rma.refunded = rma
            .refunded
            .checked_add(amount)
            .ok_or_else(|| OmsError::conflict("refund overflows"))?;
        Ok(())
    }

    /// The money invariants of returns: per order, refunds recorded and
    /// what resolved RMAs owe or credited never exceed what was captured,
    /// and no RMA is paid more than it owes.
    pub(super) fn check_refunds(&self) -> std::result::Result<(), String> {
        for rma in self.returns.values() {
            if let Some(r) = &rma.refund {
                if rma.refunded + rma.exchange_credit > r.total.amount {
                    return Err(format!(
                        "RMA {}: refunded {} + exchange credit {} exceed its total {}",
                        rma.rma_id, rma.refunded, rma.exchange_credit, r.total
                    ));
                }
            } else if !rma.refunded.is_zero() {
                return Err(format!(
                    "RMA {}: refunded before it was resolved",
                    rma.rma_id
                ));
            }
        }
        for o in self.orders.values().filter(|o| !o.returns.is_empty()) {
            let ledger = self.refund_ledger(o);
            let manual = ledger.manual(&o.payments);
            if ledger.committed + manual > o.payments.captured {
                return Err(format!(
                    "order {}: RMAs owe {} and {manual} was refunded outside them, more than the {} captured",
                    o.order_id(),
                    ledger.committed,
                    o.payments.captured
                ));
            }
        }
        Ok(())
    }

    /// An RMA by id.
    pub fn rma(&self, rma_id: &str) -> Result<Rma> {
        self.returns
            .get(rma_id)
            .cloned()
            .ok_or_else(|| OmsError::not_found("rma", rma_id))
    }

    /// Every RMA, by id; with `order_id`, that order's only, in the order
    /// they were requested.
    pub fn rmas(&self, order_id: Option<&str>) -> Result<Vec<Rma>> {
        match order_id {
            None => Ok(self.returns.values().cloned().collect()),
            Some(id) => {
                let order = self
                    .orders
                    .get_str(id)
                    .ok_or_else(|| OmsError::not_found("order", id))?;
                Ok(order
                    .returns
                    .iter()
                    .filter_map(|r| self.returns.get(r).cloned())
                    .collect())
            }
        }
    }
}
