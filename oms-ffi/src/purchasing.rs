//! Purchasing across the boundary: suppliers, their items, purchase orders
//! and receipts. Conversion only: every check is the core's.

use oms_core as core_;
use oms_core::purchasing as po_;
use oms_core::purchasing::replenishment as rp_;

use crate::engine::Engine;
use crate::types::{
    mirror_enum, money_opt, parse_date, parse_plain_decimal, parse_time, Address, Event, Money,
    ShipLine,
};
use crate::OmsFfiError;

type Result<T> = std::result::Result<T, OmsFfiError>;

/// A supplier: the input of `define_supplier` and the result of `supplier`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Supplier {
    /// The supplier's id; an existing one is updated.
    pub supplier_id: String,
    /// Its name.
    pub name: String,
    /// The ISO 4217 currency of its costs and POs.
    pub currency: String,
    /// Days from sending a PO to its arrival, unless an item says otherwise.
    pub lead_time_days: u32,
    /// The smallest PO total it accepts.
    #[uniffi(default)]
    pub min_order_value: Option<Money>,
    /// Payment terms, e.g. `net 30`.
    #[uniffi(default)]
    pub payment_terms: Option<String>,
    /// Percent a receipt may bring beyond what was ordered per line, 0 to
    /// 100, as a decimal string (e.g. `"2.5"`).
    #[uniffi(default)]
    pub over_receipt_tolerance_percent: Option<String>,
    /// Its address.
    #[uniffi(default)]
    pub address: Option<Address>,
    /// Who to contact: name.
    #[uniffi(default)]
    pub contact_name: Option<String>,
    /// Who to contact: e-mail.
    #[uniffi(default)]
    pub contact_email: Option<String>,
    /// Who to contact: phone.
    #[uniffi(default)]
    pub contact_phone: Option<String>,
}

impl Supplier {
    fn into_core(self) -> Result<po_::Supplier> {
        let contact = (self.contact_name.is_some()
            || self.contact_email.is_some()
            || self.contact_phone.is_some())
        .then_some(po_::Contact {
            name: self.contact_name,
            email: self.contact_email,
            phone: self.contact_phone,
        });
        Ok(po_::Supplier {
            supplier_id: self.supplier_id.into(),
            name: self.name,
            currency: core_::Currency::new(&self.currency)?,
            lead_time_days: self.lead_time_days,
            min_order_value: money_opt(self.min_order_value)?,
            payment_terms: self.payment_terms,
            over_receipt_tolerance_percent: self
                .over_receipt_tolerance_percent
                .map(|p| parse_plain_decimal("over_receipt_tolerance_percent", &p))
                .transpose()?,
            address: self.address.map(Into::into),
            contact,
        })
    }
}

impl From<po_::Supplier> for Supplier {
    fn from(s: po_::Supplier) -> Self {
        let contact = s.contact.unwrap_or_default();
        Supplier {
            supplier_id: s.supplier_id.to_string(),
            name: s.name,
            currency: s.currency.as_str().to_string(),
            lead_time_days: s.lead_time_days,
            min_order_value: s.min_order_value.map(Into::into),
            payment_terms: s.payment_terms,
            over_receipt_tolerance_percent: s.over_receipt_tolerance_percent.map(|p| p.to_string()),
            address: s.address.map(|a| a.parts().into()),
            contact_name: contact.name,
            contact_email: contact.email,
            contact_phone: contact.phone,
        }
    }
}

/// From `min_quantity` units on, each costs `unit_cost`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PriceBreak {
    /// The smallest quantity the price applies to.
    pub min_quantity: u64,
    /// The unit cost from there on.
    pub unit_cost: Money,
}

/// What a supplier sells of one SKU: the input of `set_supplier_item` and
/// the result of `supplier_items`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SupplierItem {
    /// The supplier.
    pub supplier_id: String,
    /// Our SKU.
    pub sku: String,
    /// Cost per unit, in the supplier's currency.
    pub unit_cost: Money,
    /// The supplier's own code for it.
    #[uniffi(default)]
    pub supplier_sku: Option<String>,
    /// Units per case.
    #[uniffi(default)]
    pub case_pack: Option<u64>,
    /// Minimum order quantity.
    #[uniffi(default)]
    pub moq: Option<u64>,
    /// Lower unit costs from a quantity on.
    #[uniffi(default)]
    pub price_breaks: Vec<PriceBreak>,
    /// Lead time in days for this item.
    #[uniffi(default)]
    pub lead_time_days: Option<u32>,
    /// Whether the supplier ships it straight to customers.
    #[uniffi(default)]
    pub dropship: bool,
}

impl SupplierItem {
    fn into_core(self) -> Result<po_::SupplierItem> {
        Ok(po_::SupplierItem {
            supplier_id: self.supplier_id.into(),
            sku: self.sku.into(),
            supplier_sku: self.supplier_sku,
            unit_cost: self.unit_cost.into_core()?,
            case_pack: self.case_pack,
            moq: self.moq,
            price_breaks: self
                .price_breaks
                .into_iter()
                .map(|b| {
                    Ok(po_::PriceBreak {
                        min_quantity: b.min_quantity,
                        unit_cost: b.unit_cost.into_core()?,
                    })
                })
                .collect::<Result<_>>()?,
            lead_time_days: self.lead_time_days,
            dropship: self.dropship,
        })
    }
}

impl From<po_::SupplierItem> for SupplierItem {
    fn from(i: po_::SupplierItem) -> Self {
        SupplierItem {
            supplier_id: i.supplier_id.to_string(),
            sku: i.sku.to_string(),
            unit_cost: i.unit_cost.into(),
            supplier_sku: i.supplier_sku,
            case_pack: i.case_pack,
            moq: i.moq,
            price_breaks: i
                .price_breaks
                .into_iter()
                .map(|b| PriceBreak {
                    min_quantity: b.min_quantity,
                    unit_cost: b.unit_cost.into(),
                })
                .collect(),
            lead_time_days: i.lead_time_days,
            dropship: i.dropship,
        }
    }
}

/// A PO line as `create_po` / `amend_po` give it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PoLineInput {
    /// The line's id, unique within the PO.
    pub line_id: String,
    /// Our SKU.
    pub sku: String,
    /// Units to order.
    pub quantity: u64,
    /// Cost per unit (absent: the supplier item's, price breaks included).
    #[uniffi(default)]
    pub unit_cost: Option<Money>,
    /// When the units should arrive, `YYYY-MM-DD` (absent: the command's
    /// date plus the lead time).
    #[uniffi(default)]
    pub expected_date: Option<String>,
}

fn lines_into_core(lines: Vec<PoLineInput>) -> Result<Vec<core_::PoLineInput>> {
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            Ok(core_::PoLineInput {
                line_id: l.line_id.into(),
                sku: l.sku.into(),
                quantity: l.quantity,
                unit_cost: money_opt(l.unit_cost)?,
                expected_date: l
                    .expected_date
                    .map(|d| parse_date(&format!("lines[{i}].expected_date"), &d))
                    .transpose()?,
            })
        })
        .collect()
}

/// Who is billed for a PO.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Billing {
    /// The billed party's name.
    pub name: String,
    /// Their billing address.
    #[uniffi(default)]
    pub address: Option<Address>,
    /// A tax or VAT id.
    #[uniffi(default)]
    pub tax_id: Option<String>,
    /// An account or cost-centre reference.
    #[uniffi(default)]
    pub reference: Option<String>,
}

impl From<Billing> for po_::Billing {
    fn from(b: Billing) -> Self {
        po_::Billing {
            name: b.name,
            address: b.address.map(Into::into),
            tax_id: b.tax_id,
            reference: b.reference,
        }
    }
}

impl From<po_::Billing> for Billing {
    fn from(b: po_::Billing) -> Self {
        Billing {
            name: b.name,
            address: b.address.map(|a| a.parts().into()),
            tax_id: b.tax_id,
            reference: b.reference,
        }
    }
}

/// `create_po`: a draft purchase order.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CreatePo {
    /// The PO's id.
    pub po_id: String,
    /// The supplier.
    pub supplier_id: String,
    /// Where the goods are to arrive.
    pub location_id: String,
    /// Its lines.
    pub lines: Vec<PoLineInput>,
    /// Who is billed.
    #[uniffi(default)]
    pub billing: Option<Billing>,
    /// Free text.
    #[uniffi(default)]
    pub notes: Option<String>,
}

/// `amend_po`: what to change; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AmendPo {
    /// The PO.
    pub po_id: String,
    /// New lines, replacing all of the old ones.
    #[uniffi(default)]
    pub lines: Option<Vec<PoLineInput>>,
    /// A new ship-to location.
    #[uniffi(default)]
    pub location_id: Option<String>,
    /// New billing details.
    #[uniffi(default)]
    pub billing: Option<Billing>,
    /// New notes.
    #[uniffi(default)]
    pub notes: Option<String>,
}

/// One line of a goods receipt.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReceiptLine {
    /// The PO line.
    pub line_id: String,
    /// Units that arrived, damaged ones included.
    pub quantity: u64,
    /// Of those, the damaged units.
    #[uniffi(default)]
    pub damaged: u64,
}

/// `receive_po`: a goods receipt against a sent PO.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReceivePo {
    /// The PO.
    pub po_id: String,
    /// The receipt's id, unique within the PO.
    pub receipt_id: String,
    /// Where the goods arrived.
    pub location_id: String,
    /// What arrived per line.
    pub lines: Vec<ReceiptLine>,
}

/// A purchase order's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum PoStatus {
    /// Being written.
    Draft,
    /// Waiting for approval.
    Submitted,
    /// Approved, not sent yet.
    Approved,
    /// Sent to the supplier: its open units are incoming.
    Sent,
    /// Some units arrived, some are open.
    PartiallyReceived,
    /// Everything arrived.
    Received,
    /// Done.
    Closed,
    /// Called off before anything arrived.
    Cancelled,
    /// Refused by the approver.
    Rejected,
}

mirror_enum!(
    PoStatus,
    po_::PoStatus,
    [
        Draft,
        Submitted,
        Approved,
        Sent,
        PartiallyReceived,
        Received,
        Closed,
        Cancelled,
        Rejected
    ]
);

/// `confirm_dropship`: a dropship supplier's shipment confirmation.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConfirmDropship {
    /// The dropship PO, sent.
    pub po_id: String,
    /// The carrier's tracking number.
    pub tracking_number: String,
    /// The carrier.
    pub carrier: String,
    /// Units per PO line (a dropship PO's line ids are its order's).
    pub lines: Vec<ShipLine>,
    /// The shipment's id (default `{po_id}-{n}`).
    #[uniffi(default)]
    pub shipment_id: Option<String>,
    /// The carrier's service level.
    #[uniffi(default)]
    pub service: Option<String>,
}

/// A PO line as recorded.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PoLineRecord {
    /// The line's id.
    pub line_id: String,
    /// Our SKU.
    pub sku: String,
    /// Units ordered.
    pub quantity: u64,
    /// Cost per unit.
    pub unit_cost: Money,
    /// When the units are expected, `YYYY-MM-DD`.
    pub expected_date: String,
    /// Units that arrived, damaged ones included.
    pub received: u64,
    /// Of those, the damaged units.
    pub damaged: u64,
    /// Units no longer expected.
    pub cancelled: u64,
    /// Units still expected.
    pub open: u64,
    /// On a dropship PO: the order line these units ship to.
    pub order_line_id: Option<String>,
}

/// A purchase order with its totals: the result of `purchase_order`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PurchaseOrderRecord {
    /// The PO's id.
    pub po_id: String,
    /// The supplier.
    pub supplier_id: String,
    /// Where the goods are to arrive; none for a dropship PO.
    pub location_id: Option<String>,
    /// For a dropship PO: the customer order it serves.
    pub dropship_order_id: Option<String>,
    /// For a dropship PO: where the supplier ships to (the order's ship-to).
    pub ship_to: Option<Address>,
    /// For a dropship PO: the shipments its supplier confirmed, in order.
    pub shipments: Vec<String>,
    /// Its currency.
    pub currency: String,
    /// Its status.
    pub status: PoStatus,
    /// Its lines.
    pub lines: Vec<PoLineRecord>,
    /// Who is billed.
    pub billing: Option<Billing>,
    /// Free text.
    pub notes: Option<String>,
    /// Receipts recorded against it, in order.
    pub receipts: Vec<String>,
    /// Whether it has been reported late.
    pub reported_late: bool,
    /// Σ quantity × unit cost.
    pub ordered_total: Money,
    /// Σ received × unit cost.
    pub received_total: Money,
    /// Σ open × unit cost.
    pub open_total: Money,
}

impl From<po_::PurchaseOrderView> for PurchaseOrderRecord {
    fn from(v: po_::PurchaseOrderView) -> Self {
        let po = v.po;
        PurchaseOrderRecord {
            po_id: po.po_id.to_string(),
            supplier_id: po.supplier_id.to_string(),
            location_id: po.location_id.map(|l| l.to_string()),
            dropship_order_id: po.dropship.as_ref().map(|d| d.order_id.to_string()),
            ship_to: po.dropship.map(|d| d.ship_to.parts().into()),
            shipments: po.shipments.into_iter().map(|s| s.to_string()).collect(),
            currency: po.currency.as_str().to_string(),
            status: po.status.into(),
            lines: po
                .lines
                .into_iter()
                .map(|l| PoLineRecord {
                    open: l.open(),
                    line_id: l.line_id.to_string(),
                    sku: l.sku.to_string(),
                    quantity: l.quantity,
                    unit_cost: l.unit_cost.into(),
                    expected_date: l.expected_date.to_string(),
                    received: l.received,
                    damaged: l.damaged,
                    cancelled: l.cancelled,
                    order_line_id: l.order_line_id.map(|x| x.to_string()),
                })
                .collect(),
            billing: po.billing.map(Into::into),
            notes: po.notes,
            receipts: po.receipts.into_iter().map(|r| r.to_string()).collect(),
            reported_late: po.reported_late,
            ordered_total: v.totals.ordered.into(),
            received_total: v.totals.received.into(),
            open_total: v.totals.open.into(),
        }
    }
}

/// How an item is replenished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ReorderMethod {
    /// Reorder point with safety stock; EOQ quantities when both costs are known.
    ReorderPoint,
    /// Order up to `max` at or below `min`.
    MinMax,
}

mirror_enum!(ReorderMethod, rp_::ReorderMethod, [ReorderPoint, MinMax]);

/// How a SKU is replenished at a location (`set_replenishment`). The
/// defaults are those of `Config.replenishment`'s defaults.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReorderSettings {
    /// `REORDER_POINT` (the default, also when absent) or `MIN_MAX`.
    #[uniffi(default)]
    pub method: Option<ReorderMethod>,
    /// Safety factor z of the service level.
    #[uniffi(default = 1.65)]
    pub service_level_z: f64,
    /// Days of order history the demand is measured over.
    #[uniffi(default = 90)]
    pub window_days: u32,
    /// Without EOQ costs, days of demand an order also covers.
    #[uniffi(default = 14)]
    pub review_days: u32,
    /// The cost of placing one order.
    #[uniffi(default)]
    pub ordering_cost: Option<Money>,
    /// Yearly holding cost in percent of the unit cost, as a decimal string.
    #[uniffi(default)]
    pub holding_cost_percent: Option<String>,
    /// `MIN_MAX`: reorder at or below this position.
    #[uniffi(default)]
    pub min: Option<u64>,
    /// `MIN_MAX`: order up to this position.
    #[uniffi(default)]
    pub max: Option<u64>,
    /// Mean daily demand to use instead of the order history.
    #[uniffi(default)]
    pub demand_per_day: Option<f64>,
    /// Its standard deviation.
    #[uniffi(default)]
    pub demand_std_dev: Option<f64>,
}

impl ReorderSettings {
    fn into_core(self) -> Result<rp_::ReorderSettings> {
        Ok(rp_::ReorderSettings {
            method: self
                .method
                .map_or(rp_::ReorderMethod::ReorderPoint, Into::into),
            service_level_z: self.service_level_z,
            window_days: self.window_days,
            review_days: self.review_days,
            ordering_cost: money_opt(self.ordering_cost)?,
            holding_cost_percent: self
                .holding_cost_percent
                .map(|p| parse_plain_decimal("holding_cost_percent", &p))
                .transpose()?,
            min: self.min,
            max: self.max,
            demand_per_day: self.demand_per_day,
            demand_std_dev: self.demand_std_dev,
        })
    }
}

/// A suggested purchase (`replenishment_suggestions`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReplenishmentSuggestion {
    /// The SKU.
    pub sku: String,
    /// The location it is for.
    pub location_id: String,
    /// The supplier chosen.
    pub supplier_id: String,
    /// Units to order.
    pub quantity: u64,
    /// Unit cost at that quantity.
    pub unit_cost: Money,
    /// Lead time in days.
    pub lead_time_days: u32,
    /// The position at or below which to order (the reorder point or `min`).
    pub reorder_at: i64,
    /// The formula with the numbers in it.
    pub formula: String,
    /// The whole explanation (inputs and each step) as JSON.
    pub explanation_json: String,
}

impl ReplenishmentSuggestion {
    fn from_core(s: rp_::Suggestion) -> Result<Self> {
        Ok(ReplenishmentSuggestion {
            explanation_json: serde_json::to_string(&s.explanation)
                .map_err(|e| OmsFfiError::internal(format!("explanation to JSON: {e}")))?,
            sku: s.sku.to_string(),
            location_id: s.location_id.to_string(),
            supplier_id: s.supplier_id.to_string(),
            quantity: s.quantity,
            unit_cost: s.unit_cost.into(),
            lead_time_days: s.lead_time_days,
            reorder_at: s.explanation.reorder_at,
            formula: s.explanation.formula,
        })
    }
}

#[uniffi::export]
impl Engine {
    /// Sets how `sku` is replenished at `location_id`; `null` clears it.
    pub fn set_replenishment(
        &self,
        sku: String,
        location_id: String,
        settings: Option<ReorderSettings>,
        at: String,
    ) -> Result<Vec<Event>> {
        let command = core_::SetReplenishment {
            sku: sku.into(),
            location_id: location_id.into(),
            settings: settings.map(ReorderSettings::into_core).transpose()?,
        };
        self.run(command, &at)
    }

    /// Turns the suggestions at `at` into draft POs, one per supplier and
    /// location, named `{po_id_prefix}{supplier_id}-{location_id}-{n}`.
    #[uniffi::method(default(location_id = None, supplier_id = None))]
    pub fn create_replenishment_pos(
        &self,
        po_id_prefix: String,
        at: String,
        location_id: Option<String>,
        supplier_id: Option<String>,
    ) -> Result<Vec<Event>> {
        let command = core_::CreateReplenishmentPos {
            po_id_prefix,
            location_id: location_id.map(Into::into),
            supplier_id: supplier_id.map(Into::into),
        };
        self.run(command, &at)
    }

    /// What to order at `at` (RFC 3339), per SKU and location.
    pub fn replenishment_suggestions(&self, at: String) -> Result<Vec<ReplenishmentSuggestion>> {
        let all = self.lock()?.replenishment_suggestions(parse_time(&at)?);
        all.into_iter()
            .map(ReplenishmentSuggestion::from_core)
            .collect()
    }

    /// Creates or updates a supplier.
    pub fn define_supplier(&self, supplier: Supplier, at: String) -> Result<Vec<Event>> {
        self.run(core_::DefineSupplier(supplier.into_core()?), &at)
    }

    /// Sets what a supplier sells of a SKU, at what cost.
    pub fn set_supplier_item(&self, item: SupplierItem, at: String) -> Result<Vec<Event>> {
        self.run(core_::SetSupplierItem(item.into_core()?), &at)
    }

    /// Creates a draft purchase order.
    pub fn create_po(&self, po: CreatePo, at: String) -> Result<Vec<Event>> {
        let command = core_::CreatePo {
            po_id: po.po_id.into(),
            supplier_id: po.supplier_id.into(),
            location_id: po.location_id.into(),
            lines: lines_into_core(po.lines)?,
            billing: po.billing.map(Into::into),
            notes: po.notes,
        };
        self.run(command, &at)
    }

    /// Changes a PO before anything arrived; an approved or sent PO goes
    /// back through approval.
    pub fn amend_po(&self, amendment: AmendPo, at: String) -> Result<Vec<Event>> {
        let command = core_::AmendPo {
            po_id: amendment.po_id.into(),
            lines: amendment.lines.map(lines_into_core).transpose()?,
            location_id: amendment.location_id.map(Into::into),
            billing: amendment.billing.map(Into::into),
            notes: amendment.notes,
        };
        self.run(command, &at)
    }

    /// Submits a draft PO; within `po_approval_threshold` it is approved at once.
    pub fn submit_po(&self, po_id: String, at: String) -> Result<Vec<Event>> {
        self.run(
            core_::SubmitPo {
                po_id: po_id.into(),
            },
            &at,
        )
    }

    /// Approves a submitted PO.
    #[uniffi::method(default(approved_by = None))]
    pub fn approve_po(
        &self,
        po_id: String,
        at: String,
        approved_by: Option<String>,
    ) -> Result<Vec<Event>> {
        let command = core_::ApprovePo {
            po_id: po_id.into(),
            approved_by,
        };
        self.run(command, &at)
    }

    /// Rejects a submitted PO.
    pub fn reject_po(&self, po_id: String, reason: String, at: String) -> Result<Vec<Event>> {
        let command = core_::RejectPo {
            po_id: po_id.into(),
            reason,
        };
        self.run(command, &at)
    }

    /// Marks an approved PO as sent: its open units become incoming.
    pub fn send_po(&self, po_id: String, at: String) -> Result<Vec<Event>> {
        self.run(
            core_::SendPo {
                po_id: po_id.into(),
            },
            &at,
        )
    }

    /// Records a goods receipt against a sent PO.
    pub fn receive_po(&self, receipt: ReceivePo, at: String) -> Result<Vec<Event>> {
        let command = core_::ReceivePo {
            po_id: receipt.po_id.into(),
            receipt_id: receipt.receipt_id.into(),
            location_id: receipt.location_id.into(),
            lines: receipt
                .lines
                .into_iter()
                .map(|l| po_::ReceiptLine {
                    line_id: l.line_id.into(),
                    quantity: l.quantity,
                    damaged: l.damaged,
                })
                .collect(),
        };
        self.run(command, &at)
    }

    /// Records that a dropship supplier shipped units of a sent dropship
    /// PO to the customer: ships those order lines (no stock moves).
    pub fn confirm_dropship(
        &self,
        confirmation: ConfirmDropship,
        at: String,
    ) -> Result<Vec<Event>> {
        let command = core_::ConfirmDropship {
            po_id: confirmation.po_id.into(),
            tracking_number: confirmation.tracking_number.into(),
            carrier: confirmation.carrier.into(),
            lines: confirmation.lines.into_iter().map(Into::into).collect(),
            shipment_id: confirmation.shipment_id.map(Into::into),
            service: confirmation.service.map(Into::into),
        };
        self.run(command, &at)
    }

    /// Closes a (partially) received PO, cancelling what is still open.
    #[uniffi::method(default(reason = None))]
    pub fn close_po(
        &self,
        po_id: String,
        at: String,
        reason: Option<String>,
    ) -> Result<Vec<Event>> {
        let command = core_::ClosePo {
            po_id: po_id.into(),
            reason,
        };
        self.run(command, &at)
    }

    /// Cancels a PO nothing of which has arrived.
    pub fn cancel_po(&self, po_id: String, reason: String, at: String) -> Result<Vec<Event>> {
        let command = core_::CancelPo {
            po_id: po_id.into(),
            reason,
        };
        self.run(command, &at)
    }

    /// One purchase order with its totals.
    pub fn purchase_order(&self, po_id: String) -> Result<PurchaseOrderRecord> {
        Ok(self.lock()?.purchase_order(&po_id)?.into())
    }

    /// Purchase orders, optionally only those in `status`, by id.
    #[uniffi::method(default(status = None))]
    pub fn purchase_orders(&self, status: Option<PoStatus>) -> Result<Vec<PurchaseOrderRecord>> {
        let all = self.lock()?.purchase_orders(status.map(Into::into))?;
        Ok(all.into_iter().map(Into::into).collect())
    }

    /// The purchase orders late at `at` (RFC 3339).
    pub fn late_purchase_orders(&self, at: String) -> Result<Vec<PurchaseOrderRecord>> {
        let late = self.lock()?.late_purchase_orders(parse_time(&at)?)?;
        Ok(late.into_iter().map(Into::into).collect())
    }

    /// Units of `sku` that can be promised by `by_date` (`YYYY-MM-DD`):
    /// available now plus the promisable share of sent POs expected by then.
    pub fn available_to_promise(&self, sku: String, by_date: String) -> Result<u64> {
        let by_date = parse_date("by_date", &by_date)?;
        Ok(self.lock()?.available_to_promise(&sku, by_date)?)
    }

    /// One supplier.
    pub fn supplier(&self, supplier_id: String) -> Result<Supplier> {
        Ok(self.lock()?.supplier(&supplier_id)?.into())
    }

    /// What every supplier sells of `sku`, by supplier id.
    pub fn supplier_items(&self, sku: String) -> Result<Vec<SupplierItem>> {
        Ok(self
            .lock()?
            .supplier_items(&sku)
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// One supplier's record over an event history (`supplier_performance`):
/// the counts and the rates worked out from them.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SupplierPerformance {
    /// The supplier.
    pub supplier_id: String,
    /// POs sent to it.
    pub pos_sent: u64,
    /// Receipt lines recorded.
    pub receipt_lines: u64,
    /// Units received (damaged included).
    pub received_units: u64,
    /// Of those, units received by their line's expected date.
    pub on_time_units: u64,
    /// Of those, damaged units.
    pub damaged_units: u64,
    /// Σ units × days from sending to receipt.
    pub lead_time_unit_days: u64,
    /// Units the lead time is averaged over.
    pub lead_time_units: u64,
    /// Units ordered on POs that are done.
    pub ordered_units: u64,
    /// Of those, units received (at most what each line ordered).
    pub filled_units: u64,
    /// on_time_units / received_units.
    pub on_time_rate: Option<f64>,
    /// filled_units / ordered_units.
    pub fill_rate: Option<f64>,
    /// Average days from sending to receipt.
    pub average_lead_time_days: Option<f64>,
    /// damaged_units / received_units.
    pub damaged_rate: Option<f64>,
}

impl From<core_::purchasing::performance::SupplierPerformance> for SupplierPerformance {
    fn from(p: core_::purchasing::performance::SupplierPerformance) -> Self {
        SupplierPerformance {
            supplier_id: p.supplier_id.to_string(),
            pos_sent: p.pos_sent,
            receipt_lines: p.receipt_lines,
            received_units: p.received_units,
            on_time_units: p.on_time_units,
            damaged_units: p.damaged_units,
            lead_time_unit_days: p.lead_time_unit_days,
            lead_time_units: p.lead_time_units,
            ordered_units: p.ordered_units,
            filled_units: p.filled_units,
            on_time_rate: p.on_time_rate,
            fill_rate: p.fill_rate,
            average_lead_time_days: p.average_lead_time_days,
            damaged_rate: p.damaged_rate,
        }
    }
}

/// Per supplier, what an event history (a JSON array of events, e.g. the
/// `json` of stored [`Event`]s) shows: on-time rate, fill rate, average
/// lead time and damage rate with the counts behind them.
#[uniffi::export]
pub fn supplier_performance(events_json: String) -> Result<Vec<SupplierPerformance>> {
    let events = crate::engine::parse_events(&events_json)?;
    Ok(
        core_::purchasing::performance::supplier_performance(&events)
            .into_iter()
            .map(Into::into)
            .collect(),
    )
}
