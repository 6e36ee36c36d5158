//! Purchasing in the engine: suppliers, their items, purchase orders and
//! their lifecycle ([`crate::purchasing::PO_TRANSITIONS`]), receipts into
//! stock, and late POs. The rules live in [`crate::purchasing`]; here
//! commands are checked against the state and their events folded.

use chrono::{Days, NaiveDate};

use super::commands::{check_address, check_money, check_quantity};
use super::*;
use crate::ids::{PoId, SupplierId};
use crate::purchasing::replenishment::ReorderSettings;
use crate::purchasing::{
    Billing, CrossDock, PoLine, PoStatus, PurchaseOrder, PurchaseOrderView, Supplier, SupplierItem,
};

/// The purchasing state: what was recorded, and two indexes derived from
/// the POs (rebuilt on restore, never snapshotted).
#[derive(Debug, Clone, Default)]
pub(super) struct Purchasing {
    pub(super) suppliers: BTreeMap<SupplierId, Supplier>,
    pub(super) items: BTreeMap<(SupplierId, Sku), SupplierItem>,
    pub(super) pos: BTreeMap<PoId, PurchaseOrder>,
    /// Replenishment settings of a SKU at a location (`set_replenishment`).
    pub(super) reorder: BTreeMap<(Sku, LocationId), ReorderSettings>,
    /// Open units of sent POs per (SKU, ship-to location).
    incoming: BTreeMap<(Sku, LocationId), u64>,
    /// Open units of every PO not over, drafts included, per (SKU,
    /// ship-to location): what replenishment counts as on order.
    on_order: BTreeMap<(Sku, LocationId), u64>,
    /// Of the incoming units, those of POs not reported late, per (SKU, expected
    /// date, ship-to location): what `available_to_promise` may count.
    arriving: BTreeMap<(Sku, NaiveDate, LocationId), u64>,
    /// POs that may yet be reported late, by the earliest expected date
    /// of their open lines.
    due: BTreeSet<(NaiveDate, PoId)>,
    /// The supplier items with `dropship` set, by SKU: where allocation
    /// may send what no location can ship.
    pub(super) dropship_items: BTreeSet<(Sku, SupplierId)>,
}

/// The units `map` holds for `sku` at `location_id`.
fn units_at(map: &BTreeMap<(Sku, LocationId), u64>, sku: &Sku, location_id: &LocationId) -> u64 {
    if map.is_empty() {
        return 0;
    }
    map.get(&(sku.clone(), location_id.clone()))
        .copied()
        .unwrap_or(0)
}

/// Adds (`sign`) or takes away `units` at `key`, dropping keys at zero.
fn bump<K: Ord>(map: &mut BTreeMap<K, u64>, key: K, units: u64, sign: bool) {
    use std::collections::btree_map::Entry;
    match map.entry(key) {
        Entry::Occupied(mut e) => {
            let n = if sign {
                e.get().saturating_add(units)
            } else {
                e.get().saturating_sub(units)
            };
            if n == 0 {
                e.remove();
            } else {
                *e.get_mut() = n;
            }
        }
        Entry::Vacant(e) => {
            if sign && units > 0 {
                e.insert(units);
            }
        }
    }
}

/// Whether a PO in `status` is watched for lateness: it has been
/// submitted and is not over.
fn watched(status: PoStatus) -> bool {
    matches!(
        status,
        PoStatus::Submitted | PoStatus::Approved | PoStatus::Sent | PoStatus::PartiallyReceived
    )
}

impl Purchasing {
    fn index(&mut self, po: &PurchaseOrder, sign: bool) {
        // A dropship PO brings nothing to any location.
        let Some(at) = &po.location_id else {
            return self.watch(po, sign);
        };
        if po.status.is_open() {
            for l in po.lines.iter().filter(|l| l.open() > 0) {
                let key = (l.sku.clone(), at.clone());
                bump(&mut self.on_order, key, l.open(), sign);
            }
        }
        if po.status.is_incoming() {
            for l in &po.lines {
                let open = l.open();
                if open == 0 {
                    continue;
                }
                bump(&mut self.incoming, (l.sku.clone(), at.clone()), open, sign);
                if !po.reported_late {
                    let key = (l.sku.clone(), l.expected_date, at.clone());
                    bump(&mut self.arriving, key, open, sign);
                }
            }
        }
        self.watch(po, sign);
    }

    /// Adds `po` to (`sign`) or takes it from the POs watched for lateness.
    fn watch(&mut self, po: &PurchaseOrder, sign: bool) {
        if watched(po.status) && !po.reported_late {
            if let Some(date) = po.next_expected() {
                let key = (date, po.po_id.clone());
                if sign {
                    self.due.insert(key);
                } else {
                    self.due.remove(&key);
                }
            }
        }
    }

    /// Changes PO `po_id` with `f`, keeping the indexes in step.
    pub(super) fn update<T>(
        &mut self,
        po_id: &PoId,
        f: impl FnOnce(&mut PurchaseOrder) -> Result<T>,
    ) -> Result<T> {
        let mut po = self
            .pos
            .remove(po_id)
            .ok_or_else(|| OmsError::not_found("purchase order", po_id))?;
        self.index(&po, false);
        let result = f(&mut po);
        self.index(&po, true);
        self.pos.insert(po_id.clone(), po);
        result
    }

    fn insert(&mut self, po: PurchaseOrder) {
        self.index(&po, true);
        self.pos.insert(po.po_id.clone(), po);
    }

    /// Rebuilds the derived indexes from the POs.
    pub(super) fn reindex(&mut self) {
        let fresh = self.indexes();
        self.incoming = fresh.incoming;
        self.arriving = fresh.arriving;
        self.on_order = fresh.on_order;
        self.due = fresh.due;
        self.dropship_items = fresh.dropship_items;
    }

    /// The indexes computed afresh from the POs (the rest left empty).
    fn indexes(&self) -> Purchasing {
        let mut fresh = Purchasing::default();
        for po in self.pos.values() {
            fresh.index(po, true);
        }
        fresh.dropship_items = self
            .items
            .values()
            .filter(|i| i.dropship)
            .map(|i| (i.sku.clone(), i.supplier_id.clone()))
            .collect();
        fresh
    }

    /// Open units of sent POs of `sku` bound for `location_id`.
    pub(super) fn incoming(&self, sku: &Sku, location_id: &LocationId) -> u64 {
        units_at(&self.incoming, sku, location_id)
    }

    /// Open units of every PO not over (drafts included) of `sku` bound
    /// for `location_id`.
    pub(super) fn on_order(&self, sku: &Sku, location_id: &LocationId) -> u64 {
        units_at(&self.on_order, sku, location_id)
    }

    /// Units of `sku` on sent POs not reported late, expected by `by_date`
    /// at a location `counts`.
    pub(super) fn arriving_by(
        &self,
        sku: &Sku,
        by_date: NaiveDate,
        counts: impl Fn(&LocationId) -> bool,
    ) -> u64 {
        let from = (sku.clone(), NaiveDate::MIN, LocationId::new(""));
        self.arriving
            .range(from..)
            .take_while(|((s, d, _), _)| s == sku && *d <= by_date)
            .filter(|((_, _, at), _)| counts(at))
            .map(|(_, n)| *n)
            .fold(0u64, u64::saturating_add)
    }

    /// Checks that the indexes agree with the POs, and each PO with its
    /// own counters.
    pub(super) fn check(&self) -> std::result::Result<(), String> {
        let fresh = self.indexes();
        if fresh.incoming != self.incoming
            || fresh.arriving != self.arriving
            || fresh.on_order != self.on_order
            || fresh.due != self.due
            || fresh.dropship_items != self.dropship_items
        {
            return Err("purchasing indexes out of date".into());
        }
        for po in self.pos.values() {
            for l in &po.lines {
                if l.damaged > l.received {
                    return Err(format!(
                        "PO {} line {}: damaged exceeds received",
                        po.po_id, l.line_id
                    ));
                }
            }
            let ok = match po.status {
                PoStatus::Received => po.nothing_open(),
                PoStatus::PartiallyReceived => po.has_receipts() && !po.nothing_open(),
                PoStatus::Closed | PoStatus::Cancelled => po.nothing_open(),
                _ => !po.has_receipts(),
            };
            if !ok {
                return Err(format!(
                    "PO {} is {} but its lines say otherwise",
                    po.po_id, po.status
                ));
            }
        }
        Ok(())
    }
}

/// The longest lead time accepted, in days (ten years).
const MAX_LEAD_TIME_DAYS: u32 = 3_650;

fn check_lead_time(field: &str, days: u32) -> Result<()> {
    if days > MAX_LEAD_TIME_DAYS {
        return Err(OmsError::validation(
            field,
            format!("{days} days is more than {MAX_LEAD_TIME_DAYS}"),
        ));
    }
    Ok(())
}

/// A cost: in the supplier's `currency` and not negative.
fn check_cost(field: &str, cost: &Money, currency: Currency) -> Result<()> {
    check_money(field, cost, currency, "the supplier's")
}

fn check_billing(b: &Billing) -> Result<()> {
    check_text("billing.name", &b.name, MAX_NAME)?;
    if let Some(a) = &b.address {
        check_address(a).map_err(|e| e.within(|| "billing.address".into()))?;
    }
    for (field, v) in [
        ("billing.tax_id", &b.tax_id),
        ("billing.reference", &b.reference),
    ] {
        if let Some(v) = v {
            check_text(field, v, MAX_NAME)?;
        }
    }
    Ok(())
}

impl Engine {
    pub(super) fn supplier_of(&self, supplier_id: &SupplierId) -> Result<&Supplier> {
        self.purchasing
            .suppliers
            .get(supplier_id)
            .ok_or_else(|| OmsError::not_found("supplier", supplier_id))
    }

    pub(super) fn po(&self, po_id: &PoId) -> Result<&PurchaseOrder> {
        self.purchasing
            .pos
            .get(po_id)
            .ok_or_else(|| OmsError::not_found("purchase order", po_id))
    }

    pub(super) fn define_supplier(&mut self, c: DefineSupplier, tx: &mut Tx) -> Result<()> {
        let s = c.0;
        check_id("supplier_id", s.supplier_id.as_str())?;
        check_text("name", &s.name, MAX_NAME)?;
        check_lead_time("lead_time_days", s.lead_time_days)?;
        if let Some(m) = &s.min_order_value {
            check_cost("min_order_value", m, s.currency)?;
        }
        if let Some(t) = &s.payment_terms {
            check_text("payment_terms", t, MAX_NAME)?;
        }
        if let Some(p) = s.over_receipt_tolerance_percent {
            if p.is_sign_negative() && !p.is_zero() || p > Decimal::ONE_HUNDRED {
                return Err(OmsError::validation(
                    "over_receipt_tolerance_percent",
                    format!("{p} is not a percentage from 0 to 100"),
                ));
            }
        }
        if let Some(a) = &s.address {
            check_address(a).map_err(|e| e.within(|| "address".into()))?;
        }
        if let Some(contact) = &s.contact {
            for (field, v) in [
                ("contact.name", &contact.name),
                ("contact.email", &contact.email),
                ("contact.phone", &contact.phone),
            ] {
                if let Some(v) = v {
                    check_text(field, v, MAX_NAME)?;
                }
            }
        }
        if let Some(old) = self.purchasing.suppliers.get(&s.supplier_id) {
            if *old == s {
                return Ok(());
            }
            // Its items' costs and its POs are in the old currency.
            let used = self.purchasing.items.keys().any(|k| k.0 == s.supplier_id)
                || self
                    .purchasing
                    .pos
                    .values()
                    .any(|po| po.supplier_id == s.supplier_id);
            if old.currency != s.currency && used {
                return Err(OmsError::validation(
                    "currency",
                    format!(
                        "supplier {} has items or purchase orders in {}; it cannot change to {}",
                        s.supplier_id, old.currency, s.currency
                    ),
                ));
            }
        }
        self.emit(tx, EventKind::SupplierDefined { supplier: s });
        Ok(())
    }

    pub(super) fn set_supplier_item(&mut self, c: SetSupplierItem, tx: &mut Tx) -> Result<()> {
        let item = c.0;
        let currency = self.supplier_of(&item.supplier_id)?.currency;
        self.purchasable(&item.sku, "sku")?;
        if let Some(s) = &item.supplier_sku {
            check_text("supplier_sku", s, MAX_NAME)?;
        }
        check_cost("unit_cost", &item.unit_cost, currency)?;
        if let Some(p) = item.case_pack {
            check_quantity("case_pack", p, 1)?;
        }
        if let Some(m) = item.moq {
            check_quantity("moq", m, 1)?;
        }
        for (i, b) in item.price_breaks.iter().enumerate() {
            let field = format!("price_breaks[{i}]");
            check_quantity(&format!("{field}.min_quantity"), b.min_quantity, 1)?;
            check_cost(&format!("{field}.unit_cost"), &b.unit_cost, currency)?;
            if item.price_breaks[..i]
                .iter()
                .any(|o| o.min_quantity == b.min_quantity)
            {
                return Err(OmsError::validation(
                    format!("{field}.min_quantity"),
                    format!("{} is listed twice", b.min_quantity),
                ));
            }
        }
        if let Some(d) = item.lead_time_days {
            check_lead_time("lead_time_days", d)?;
        }
        let key = (item.supplier_id.clone(), item.sku.clone());
        if self.purchasing.items.get(&key) == Some(&item) {
            return Ok(());
        }
        self.emit(tx, EventKind::SupplierItemSet { item });
        Ok(())
    }

    /// A SKU that can be bought: a defined product that is not a kit.
    fn purchasable(&self, sku: &Sku, field: &str) -> Result<()> {
        check_sku(field, sku.as_str())?;
        self.non_kit(sku, field, "buy its components")
    }

    /// `sku` is a defined product and not a kit (`instead` says what to do
    /// with a kit: its components are what is bought, stored or picked).
    pub(super) fn non_kit(&self, sku: &Sku, field: &str, instead: &str) -> Result<()> {
        let entry = self
            .products
            .get(sku)
            .ok_or_else(|| OmsError::not_found("product", sku))?;
        if entry.product.is_kit() {
            return Err(OmsError::validation(
                field,
                format!("{sku} is a kit; {instead}"),
            ));
        }
        Ok(())
    }

    /// PO lines from a command: checked, with costs from the supplier's
    /// items and dates from lead times where the command gives none.
    pub(super) fn po_lines(
        &self,
        supplier: &Supplier,
        lines: &[PoLineInput],
        at: DateTime<Utc>,
    ) -> Result<Vec<PoLine>> {
        if lines.is_empty() || lines.len() > MAX_LINES {
            return Err(OmsError::validation(
                "lines",
                format!("a purchase order has 1 to {MAX_LINES} lines"),
            ));
        }
        let mut out: Vec<PoLine> = Vec::with_capacity(lines.len());
        for (i, l) in lines.iter().enumerate() {
            let field = |f: &str| format!("lines[{i}].{f}");
            check_id(&field("line_id"), l.line_id.as_str())?;
            if lines[..i].iter().any(|o| o.line_id == l.line_id) {
                return Err(OmsError::validation(
                    field("line_id"),
                    format!("{} is used twice", l.line_id),
                ));
            }
            self.purchasable(&l.sku, &field("sku"))?;
            check_quantity(&field("quantity"), l.quantity, 1)?;
            let item = self
                .purchasing
                .items
                .get(&(supplier.supplier_id.clone(), l.sku.clone()));
            let unit_cost = match (&l.unit_cost, item) {
                (Some(c), _) => {
                    check_cost(&field("unit_cost"), c, supplier.currency)?;
                    *c
                }
                (None, Some(item)) => item.unit_cost_for(l.quantity),
                (None, None) => {
                    return Err(OmsError::validation(
                        field("unit_cost"),
                        format!(
                            "supplier {} has no item for {}; give a unit_cost",
                            supplier.supplier_id, l.sku
                        ),
                    ))
                }
            };
            let expected_date = match l.expected_date {
                Some(d) => d,
                None => {
                    let days = item
                        .and_then(|i| i.lead_time_days)
                        .unwrap_or(supplier.lead_time_days);
                    at.date_naive()
                        .checked_add_days(Days::new(u64::from(days)))
                        .ok_or_else(|| {
                            OmsError::validation(field("expected_date"), "out of range")
                        })?
                }
            };
            out.push(PoLine {
                line_id: l.line_id.clone(),
                sku: l.sku.clone(),
                quantity: l.quantity,
                unit_cost,
                expected_date,
                received: 0,
                damaged: 0,
                cancelled: 0,
                order_line_id: None,
            });
        }
        crate::purchasing::totals(&out, supplier.currency)
            .map_err(|e| OmsError::validation("lines", e.to_string()))?;
        Ok(out)
    }

    fn check_po_text(billing: Option<&Billing>, notes: Option<&String>) -> Result<()> {
        if let Some(b) = billing {
            check_billing(b)?;
        }
        if let Some(n) = notes {
            check_text("notes", n, MAX_TEXT)?;
        }
        Ok(())
    }

    pub(super) fn create_po(&mut self, c: CreatePo, tx: &mut Tx) -> Result<()> {
        check_id("po_id", c.po_id.as_str())?;
        if self.purchasing.pos.contains_key(&c.po_id) {
            return Err(OmsError::duplicate(
                "purchase order",
                &c.po_id,
                "already exists",
            ));
        }
        let supplier = self.supplier_of(&c.supplier_id)?;
        if !self.locations.contains(c.location_id.as_str()) {
            return Err(OmsError::not_found("location", &c.location_id));
        }
        Self::check_po_text(c.billing.as_ref(), c.notes.as_ref())?;
        let lines = self.po_lines(supplier, &c.lines, tx.at)?;
        let po = PurchaseOrder {
            po_id: c.po_id,
            supplier_id: c.supplier_id,
            location_id: Some(c.location_id),
            dropship: None,
            currency: supplier.currency,
            status: PoStatus::Draft,
            lines,
            billing: c.billing,
            notes: c.notes,
            receipts: Vec::new(),
            shipments: Vec::new(),
            reported_late: false,
        };
        self.emit(tx, EventKind::PoCreated { po });
        Ok(())
    }

    pub(super) fn amend_po(&mut self, c: AmendPo, tx: &mut Tx) -> Result<()> {
        let po = self.po(&c.po_id)?;
        let Some(at) = &po.location_id else {
            return Err(OmsError::validation(
                "po_id",
                format!(
                    "{} is a dropship PO: its lines follow its order's; cancel it instead",
                    c.po_id
                ),
            ));
        };
        if !po.status.is_amendable() {
            return Err(OmsError::transition(
                "purchase order",
                &c.po_id,
                po.status,
                format!("amend_po: a {} purchase order cannot be changed", po.status),
            ));
        }
        let status = match po.status {
            PoStatus::Approved | PoStatus::Sent => {
                po.status
                    .check_transition(PoStatus::Submitted, "amend_po", &c.po_id)?;
                PoStatus::Submitted
            }
            s => s,
        };
        let location_id = match c.location_id {
            Some(l) => {
                if !self.locations.contains(l.as_str()) {
                    return Err(OmsError::not_found("location", &l));
                }
                l
            }
            None => at.clone(),
        };
        Self::check_po_text(c.billing.as_ref(), c.notes.as_ref())?;
        let lines = match &c.lines {
            Some(lines) => self.po_lines(self.supplier_of(&po.supplier_id)?, lines, tx.at)?,
            None => po.lines.clone(),
        };
        let kind = EventKind::PoAmended {
            po_id: c.po_id,
            lines,
            location_id,
            billing: c.billing.or_else(|| po.billing.clone()),
            notes: c.notes.or_else(|| po.notes.clone()),
            status,
        };
        self.emit(tx, kind);
        Ok(())
    }

    pub(super) fn submit_po(&mut self, c: SubmitPo, tx: &mut Tx) -> Result<()> {
        let po = self.po(&c.po_id)?;
        po.status
            .check_transition(PoStatus::Submitted, "submit_po", &c.po_id)?;
        let total = po.totals()?.ordered;
        let supplier = self.supplier_of(&po.supplier_id)?;
        if let Some(min) = supplier.min_order_value {
            if min.currency == total.currency && total.amount < min.amount {
                return Err(OmsError::validation(
                    "lines",
                    format!(
                        "the total {total} is below supplier {}'s minimum order value {min}",
                        supplier.supplier_id
                    ),
                ));
            }
        }
        let needs_approval = self.needs_approval(&total);
        self.emit(
            tx,
            EventKind::PoSubmitted {
                po_id: c.po_id.clone(),
                total,
                needs_approval,
            },
        );
        if !needs_approval {
            self.emit(
                tx,
                EventKind::PoApproved {
                    po_id: c.po_id,
                    approved_by: None,
                },
            );
        }
        Ok(())
    }

    /// Whether a PO totalling `total` waits for `approve_po`: above
    /// `po_approval_threshold`, or in another currency than it.
    pub(super) fn needs_approval(&self, total: &Money) -> bool {
        self.config
            .po_approval_threshold
            .is_some_and(|t| t.currency != total.currency || total.amount > t.amount)
    }

    pub(super) fn approve_po(&mut self, c: ApprovePo, tx: &mut Tx) -> Result<()> {
        self.po(&c.po_id)?
            .status
            .check_transition(PoStatus::Approved, "approve_po", &c.po_id)?;
        if let Some(by) = &c.approved_by {
            check_text("approved_by", by, MAX_NAME)?;
        }
        self.emit(
            tx,
            EventKind::PoApproved {
                po_id: c.po_id,
                approved_by: c.approved_by,
            },
        );
        Ok(())
    }

    pub(super) fn reject_po(&mut self, c: RejectPo, tx: &mut Tx) -> Result<()> {
        self.po(&c.po_id)?
            .status
            .check_transition(PoStatus::Rejected, "reject_po", &c.po_id)?;
        check_text("reason", &c.reason, MAX_TEXT)?;
        self.touch_dropship_order(tx, &c.po_id);
        self.emit(
            tx,
            EventKind::PoRejected {
                po_id: c.po_id,
                reason: c.reason,
            },
        );
        Ok(())
    }

    pub(super) fn send_po(&mut self, c: SendPo, tx: &mut Tx) -> Result<()> {
        self.po(&c.po_id)?
            .status
            .check_transition(PoStatus::Sent, "send_po", &c.po_id)?;
        self.emit(tx, EventKind::PoSent { po_id: c.po_id });
        Ok(())
    }

    pub(super) fn receive_po(&mut self, c: ReceivePo, tx: &mut Tx) -> Result<()> {
        let po = self.po(&c.po_id)?;
        if po.dropship.is_some() {
            return Err(OmsError::validation(
                "po_id",
                format!(
                    "{} is a dropship PO: its supplier ships to the customer; record that with confirm_dropship",
                    c.po_id
                ),
            ));
        }
        if !po.status.is_incoming() {
            // Names the move a receipt would make.
            po.status
                .check_transition(PoStatus::PartiallyReceived, "receive_po", &c.po_id)?;
        }
        check_id("receipt_id", c.receipt_id.as_str())?;
        if po.receipts.contains(&c.receipt_id) {
            return Err(OmsError::duplicate(
                "receipt",
                &c.receipt_id,
                format!("already recorded on purchase order {}", c.po_id),
            ));
        }
        check_id("location_id", c.location_id.as_str())?;
        if !self.locations.contains(c.location_id.as_str()) {
            return Err(OmsError::not_found("location", &c.location_id));
        }
        if c.lines.is_empty() || c.lines.len() > MAX_LINES {
            return Err(OmsError::validation(
                "lines",
                format!("a receipt has 1 to {MAX_LINES} lines"),
            ));
        }
        let supplier = self.supplier_of(&po.supplier_id)?;
        let mut after = po.clone();
        let mut products = Vec::with_capacity(c.lines.len());
        for (i, r) in c.lines.iter().enumerate() {
            let field = |f: &str| format!("lines[{i}].{f}");
            let earlier = c.lines[..i].iter().map(|o| &o.line_id);
            let line = arriving_line(&mut after, &r.line_id, r.quantity, earlier, i)?;
            if r.damaged > r.quantity {
                return Err(OmsError::validation(
                    field("damaged"),
                    format!("{} damaged of {} received", r.damaged, r.quantity),
                ));
            }
            let most = supplier.receivable(line.quantity);
            let total = line.received.saturating_add(r.quantity);
            if total > most {
                return Err(OmsError::validation(
                    field("quantity"),
                    format!(
                        "line {} would have {total} received of {} ordered; supplier {} allows at most {most}",
                        line.line_id, line.quantity, supplier.supplier_id
                    ),
                ));
            }
            let product = self.stock_target(&line.sku, &c.location_id)?;
            self.check_receivable(&field("quantity"), product, &c.location_id, r.quantity)?;
            line.received = total;
            line.damaged = line.damaged.saturating_add(r.damaged);
            products.push((product, line.sku.clone()));
        }
        let status = if after.nothing_open() {
            PoStatus::Received
        } else {
            PoStatus::PartiallyReceived
        };
        if status != po.status {
            po.status.check_transition(status, "receive_po", &c.po_id)?;
        }
        let reference = format!("{}/{}", c.po_id, c.receipt_id);
        self.emit(
            tx,
            EventKind::PoReceived {
                po_id: c.po_id.clone(),
                receipt_id: c.receipt_id.clone(),
                location_id: c.location_id.clone(),
                lines: c.lines.clone(),
                status,
            },
        );
        // Sellable units received per product slot: what may cross-dock.
        let mut sellable: Vec<(usize, u64)> = Vec::new();
        for (r, (product, sku)) in c.lines.into_iter().zip(products) {
            let kind = EventKind::StockReceived {
                sku,
                location_id: c.location_id.clone(),
                quantity: r.quantity,
                reference: Some(reference.clone()),
                damaged: r.damaged,
            };
            self.emit(tx, kind);
            let units = r.quantity - r.damaged;
            match sellable.iter_mut().find(|s| s.0 == product) {
                Some(s) => s.1 = s.1.saturating_add(units),
                None if units > 0 => sellable.push((product, units)),
                None => {}
            }
        }
        // Waiting orders get the goods at once, whether or not
        // `auto_allocate` is set; what they take here crosses the dock.
        let before = tx.events.len();
        let arrived: Vec<usize> = sellable.iter().map(|s| s.0).collect();
        self.allocate_waiting(tx, &arrived);
        let docked = self.cross_docked(&tx.events[before..], &c.location_id, sellable);
        if !docked.is_empty() {
            self.emit(
                tx,
                EventKind::CrossDocked {
                    po_id: c.po_id,
                    receipt_id: c.receipt_id,
                    location_id: c.location_id,
                    allocations: docked,
                },
            );
        }
        Ok(())
    }

    /// The units of the `sellable` products (slot, units) that the
    /// allocations among `events` reserved at `location_id`, in the order
    /// they were made, up to what was received.
    fn cross_docked(
        &self,
        events: &[Event],
        location_id: &LocationId,
        mut sellable: Vec<(usize, u64)>,
    ) -> Vec<CrossDock> {
        let mut out = Vec::new();
        for e in events {
            let EventKind::OrderAllocated {
                order_id,
                allocations,
                ..
            } = &e.kind
            else {
                continue;
            };
            let Some(order) = self.orders.get(order_id) else {
                continue;
            };
            for a in allocations.iter().filter(|a| a.location_id == *location_id) {
                let Some(i) = order.line_index(a.line_id.as_str()) else {
                    continue;
                };
                for (product, per) in order.part_slots(i) {
                    let Some(left) = sellable.iter_mut().find(|s| s.0 == product) else {
                        continue;
                    };
                    let units = a.quantity.saturating_mul(per).min(left.1);
                    if units == 0 {
                        continue;
                    }
                    left.1 -= units;
                    out.push(CrossDock {
                        order_id: order_id.clone(),
                        line_id: a.line_id.clone(),
                        sku: self.products.by_slot[product].product.sku.clone(),
                        quantity: units,
                    });
                }
            }
        }
        out
    }

    pub(super) fn close_po(&mut self, c: ClosePo, tx: &mut Tx) -> Result<()> {
        let po = self.po(&c.po_id)?;
        po.status
            .check_transition(PoStatus::Closed, "close_po", &c.po_id)?;
        if let Some(r) = &c.reason {
            check_text("reason", r, MAX_TEXT)?;
        }
        let cancelled = po
            .lines
            .iter()
            .filter(|l| l.open() > 0)
            .map(|l| LineQuantity {
                line_id: l.line_id.clone(),
                quantity: l.open(),
            })
            .collect();
        self.touch_dropship_order(tx, &c.po_id);
        self.emit(
            tx,
            EventKind::PoClosed {
                po_id: c.po_id,
                cancelled,
                reason: c.reason,
            },
        );
        Ok(())
    }

    pub(super) fn cancel_po(&mut self, c: CancelPo, tx: &mut Tx) -> Result<()> {
        let po = self.po(&c.po_id)?;
        po.status
            .check_transition(PoStatus::Cancelled, "cancel_po", &c.po_id)?;
        check_text("reason", &c.reason, MAX_TEXT)?;
        self.touch_dropship_order(tx, &c.po_id);
        self.emit(
            tx,
            EventKind::PoCancelled {
                po_id: c.po_id,
                reason: c.reason,
            },
        );
        Ok(())
    }

    /// Reports every watched PO that is late on the day of `tx.at` and
    /// has not been reported since its dates last changed.
    pub(super) fn report_late_pos(&mut self, tx: &mut Tx) {
        let today = tx.at.date_naive();
        while let Some((date, po_id)) = self.purchasing.due.first().cloned() {
            if date >= today {
                break;
            }
            let lines = self.purchasing.pos.get(&po_id).map_or_else(Vec::new, |po| {
                po.lines
                    .iter()
                    .filter(|l| l.open() > 0 && l.expected_date < today)
                    .map(|l| l.line_id.clone())
                    .collect()
            });
            self.emit(
                tx,
                EventKind::PoLate {
                    po_id,
                    expected_date: date,
                    lines,
                },
            );
        }
    }

    /// Folds a purchasing event.
    pub(super) fn fold_purchasing(&mut self, kind: &EventKind, origin: Origin) -> Result<()> {
        let p = &mut self.purchasing;
        match kind {
            EventKind::SupplierDefined { supplier } => {
                p.suppliers
                    .insert(supplier.supplier_id.clone(), supplier.clone());
            }
            EventKind::SupplierItemSet { item } => {
                if !p.suppliers.contains_key(&item.supplier_id) {
                    return Err(OmsError::not_found("supplier", &item.supplier_id));
                }
                let key = (item.sku.clone(), item.supplier_id.clone());
                if item.dropship {
                    p.dropship_items.insert(key);
                } else {
                    p.dropship_items.remove(&key);
                }
                p.items
                    .insert((item.supplier_id.clone(), item.sku.clone()), item.clone());
            }
            EventKind::PoCreated { po } => {
                if origin == Origin::Log && p.pos.contains_key(&po.po_id) {
                    return Err(OmsError::duplicate(
                        "purchase order",
                        &po.po_id,
                        "already exists",
                    ));
                }
                p.insert(po.clone());
            }
            EventKind::PoAmended {
                po_id,
                lines,
                location_id,
                billing,
                notes,
                status,
            } => p.update(po_id, |po| {
                po.lines = lines.clone();
                po.location_id = Some(location_id.clone());
                po.billing = billing.clone();
                po.notes = notes.clone();
                po.status = *status;
                po.reported_late = false;
                Ok(())
            })?,
            EventKind::PoSubmitted { po_id, .. } => {
                p.update(po_id, |po| set_status(po, PoStatus::Submitted))?
            }
            EventKind::PoApproved { po_id, .. } => {
                p.update(po_id, |po| set_status(po, PoStatus::Approved))?
            }
            EventKind::PoRejected { po_id, .. } => {
                p.update(po_id, |po| set_status(po, PoStatus::Rejected))?
            }
            EventKind::PoSent { po_id } => p.update(po_id, |po| set_status(po, PoStatus::Sent))?,
            EventKind::PoReceived {
                po_id,
                receipt_id,
                lines,
                status,
                ..
            } => p.update(po_id, |po| {
                for r in lines {
                    let line = po
                        .lines
                        .iter_mut()
                        .find(|l| l.line_id == r.line_id)
                        .ok_or_else(|| {
                            OmsError::conflict(format!("PO {po_id} has no line {}", r.line_id))
                        })?;
                    line.received = line.received.saturating_add(r.quantity);
                    line.damaged = line.damaged.saturating_add(r.damaged);
                }
                po.receipts.push(receipt_id.clone());
                po.status = *status;
                Ok(())
            })?,
            EventKind::PoClosed { po_id, .. } => p.update(po_id, |po| {
                cancel_open(po);
                set_status(po, PoStatus::Closed)
            })?,
            EventKind::PoCancelled { po_id, .. } => p.update(po_id, |po| {
                cancel_open(po);
                set_status(po, PoStatus::Cancelled)
            })?,
            EventKind::ReplenishmentSet {
                sku,
                location_id,
                settings,
            } => {
                let key = (sku.clone(), location_id.clone());
                match settings {
                    Some(s) => p.reorder.insert(key, s.clone()),
                    None => p.reorder.remove(&key),
                };
            }
            EventKind::PoLate { po_id, .. } => p.update(po_id, |po| {
                po.reported_late = true;
                Ok(())
            })?,
            _ => {}
        }
        Ok(())
    }

    /// The PO with its totals (the `purchase_order` query).
    pub fn purchase_order(&self, po_id: &str) -> Result<PurchaseOrderView> {
        let po = self
            .purchasing
            .pos
            .get(po_id)
            .ok_or_else(|| OmsError::not_found("purchase order", po_id))?;
        PurchaseOrderView::of(po)
    }

    /// Every PO, or those in `status`, sorted by id.
    pub fn purchase_orders(&self, status: Option<PoStatus>) -> Result<Vec<PurchaseOrderView>> {
        self.purchasing
            .pos
            .values()
            .filter(|po| status.is_none_or(|s| po.status == s))
            .map(PurchaseOrderView::of)
            .collect()
    }

    /// Units of `sku` that can be promised for delivery by `by_date`: what
    /// is available now over the fulfilling locations (less open demand
    /// and cart holds, as [`Engine::available`]), plus
    /// `incoming_promise_percent` of the units on sent POs expected there
    /// by that day (rounded down). POs reported late (`po_late`) are not
    /// counted until `amend_po` gives them new dates. A kit: as many as
    /// its scarcest component allows.
    ///
    /// ```
    /// use chrono::{NaiveDate, TimeZone, Utc};
    /// use oms_core::{Command, Config, Engine};
    /// let mut e = Engine::new(Config::default());
    /// let at = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
    /// for c in [
    ///     r#"{"type":"define_location","location_id":"WH1","name":"Main","kind":"warehouse"}"#,
    ///     r#"{"type":"define_product","sku":"MUG","name":"Mug"}"#,
    ///     r#"{"type":"receive_stock","sku":"MUG","location_id":"WH1","quantity":5}"#,
    ///     r#"{"type":"define_supplier","supplier_id":"ACME","name":"Acme","currency":"USD","lead_time_days":7}"#,
    ///     r#"{"type":"create_po","po_id":"PO-1","supplier_id":"ACME","location_id":"WH1","lines":[
    ///         {"line_id":"1","sku":"MUG","quantity":20,"unit_cost":{"amount":"2","currency":"USD"},"expected_date":"2026-12-01"}]}"#,
    ///     r#"{"type":"submit_po","po_id":"PO-1"}"#,
    ///     r#"{"type":"send_po","po_id":"PO-1"}"#,
    /// ] {
    ///     e.execute(Command::from_json(c).unwrap(), at).unwrap();
    /// }
    /// let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
    /// assert_eq!(e.available_to_promise("MUG", day(1)).unwrap(), 25);
    /// assert_eq!(e.available_to_promise("MUG", day(1).pred_opt().unwrap()).unwrap(), 5);
    /// ```
    pub fn available_to_promise(&self, sku: &str, by_date: NaiveDate) -> Result<u64> {
        let entry = self
            .products
            .get(sku)
            .ok_or_else(|| OmsError::not_found("product", sku))?;
        if entry.product.is_kit() {
            let mut kits = u64::MAX;
            for c in entry.product.components.iter() {
                let units = self.available_to_promise(c.sku.as_str(), by_date)?;
                kits = kits.min(units / c.quantity.max(1));
            }
            return Ok(if kits == u64::MAX { 0 } else { kits });
        }
        let fulfills = |l: &LocationId| {
            self.locations
                .get(l.as_str())
                .is_some_and(|l| l.fulfills_orders)
        };
        let arriving = self
            .purchasing
            .arriving_by(&entry.product.sku, by_date, fulfills);
        let percent = u64::from(self.config.incoming_promise_percent.min(100));
        let promised =
            u64::try_from(u128::from(arriving) * u128::from(percent) / 100).unwrap_or(u64::MAX);
        Ok(self
            .network_available(&entry.product.sku)
            .saturating_add(promised))
    }

    /// A supplier.
    pub fn supplier(&self, supplier_id: &str) -> Result<Supplier> {
        self.purchasing
            .suppliers
            .get(supplier_id)
            .cloned()
            .ok_or_else(|| OmsError::not_found("supplier", supplier_id))
    }

    /// What every supplier sells of `sku`, sorted by supplier id.
    pub fn supplier_items(&self, sku: &str) -> Vec<SupplierItem> {
        self.purchasing
            .items
            .values()
            .filter(|i| i.sku.as_str() == sku)
            .cloned()
            .collect()
    }

    /// The POs that are late at `at`: submitted and not over, with open
    /// units expected before `at`'s day (UTC). Sorted by id.
    pub fn late_purchase_orders(&self, at: DateTime<Utc>) -> Result<Vec<PurchaseOrderView>> {
        let today = at.date_naive();
        self.purchasing
            .pos
            .values()
            .filter(|po| watched(po.status) && po.next_expected().is_some_and(|d| d < today))
            .map(PurchaseOrderView::of)
            .collect()
    }
}

/// The line of `po` that units arrive on (a receipt's or a dropship
/// confirmation's line `i`), refusing a line listed before, a line the PO
/// lacks and a quantity below 1.
pub(super) fn arriving_line<'a, 'b>(
    po: &'a mut PurchaseOrder,
    line_id: &LineId,
    quantity: u64,
    mut earlier: impl Iterator<Item = &'b LineId>,
    i: usize,
) -> Result<&'a mut PoLine> {
    let field = |f: &str| format!("lines[{i}].{f}");
    if earlier.any(|o| o == line_id) {
        return Err(OmsError::validation(
            field("line_id"),
            format!("{line_id} is listed twice"),
        ));
    }
    let po_id = po.po_id.clone();
    let Some(line) = po.lines.iter_mut().find(|l| &l.line_id == line_id) else {
        return Err(OmsError::validation(
            field("line_id"),
            format!("purchase order {po_id} has no line {line_id}"),
        ));
    };
    check_quantity(&field("quantity"), quantity, 1)?;
    Ok(line)
}

fn set_status(po: &mut PurchaseOrder, to: PoStatus) -> Result<()> {
    if !po.status.can_become(to) {
        return Err(OmsError::conflict(format!(
            "PO {} cannot go from {} to {to}",
            po.po_id, po.status
        )));
    }
    po.status = to;
    Ok(())
}

/// Marks every open unit of `po` cancelled.
fn cancel_open(po: &mut PurchaseOrder) {
    for l in &mut po.lines {
        l.cancelled = l.cancelled.saturating_add(l.open());
    }
}
