//! Returns and customers across the boundary: RMAs from request to close,
//! and the customer view. Conversion only: every check is the core's.

use oms_core as core_;
use oms_core::returns as rt_;

use crate::engine::Engine;
use crate::types::{format_time, mirror_enum, money_opt, parse_time, CustomerTier, Event, Money};
use crate::OmsFfiError;

type Result<T> = std::result::Result<T, OmsFfiError>;

/// Why a customer sends units back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
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
    /// Anything else.
    Other,
}
mirror_enum!(
    ReturnReason,
    rt_::ReturnReason,
    [
        Damaged,
        Defective,
        WrongItem,
        NotAsDescribed,
        SizeFit,
        NoLongerNeeded,
        ArrivedLate,
        Other
    ]
);

/// What the customer gets for returned units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Resolution {
    /// Money back (record it with `record_payment` `Refunded` and the RMA id).
    Refund,
    /// A replacement order, priced at zero or the difference.
    Exchange,
    /// Credit with the shop.
    StoreCredit,
}
mirror_enum!(Resolution, rt_::Resolution, [Refund, Exchange, StoreCredit]);

/// Where an RMA is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum RmaStatus {
    /// Asked for.
    Requested,
    /// Agreed to.
    Authorized,
    /// Refused; final.
    Rejected,
    /// On its way back.
    InTransit,
    /// Arrived.
    Received,
    /// Every unit has a disposition.
    Inspected,
    /// Refund, credit or exchange decided.
    Resolved,
    /// Done; final.
    Closed,
    /// Withdrawn; final.
    Cancelled,
}
mirror_enum!(
    RmaStatus,
    rt_::RmaStatus,
    [
        Requested, Authorized, Rejected, InTransit, Received, Inspected, Resolved, Closed,
        Cancelled
    ]
);

/// What becomes of returned units after inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Disposition {
    /// Back to sellable stock.
    Restock,
    /// To the non-sellable refurbishing bucket.
    Refurbish,
    /// Destroyed.
    Scrap,
    /// Sent back to the supplier.
    ReturnToVendor,
}
mirror_enum!(
    Disposition,
    rt_::Disposition,
    [Restock, Refurbish, Scrap, ReturnToVendor]
);

/// One line of `request_return`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReturnLine {
    /// The order line.
    pub line_id: String,
    /// Units to return.
    pub quantity: u64,
    /// Why.
    pub reason: ReturnReason,
    /// The customer's words.
    #[uniffi(default)]
    pub note: Option<String>,
}

/// A unit wanted instead, for an exchange.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExchangeLine {
    /// The product wanted.
    pub sku: String,
    /// Units.
    pub quantity: u64,
    /// Price of one unit (default: the returned line's for the same SKU,
    /// else the catalog price).
    #[uniffi(default)]
    pub unit_price: Option<Money>,
}

/// Input of `request_return`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RequestReturn {
    /// The RMA's id.
    pub rma_id: String,
    /// The order the units came from.
    pub order_id: String,
    /// Units per order line.
    pub lines: Vec<ReturnLine>,
    /// Refund, exchange or store credit.
    pub resolution: Resolution,
    /// For an exchange: the units wanted instead (default: the same again).
    #[uniffi(default)]
    pub exchange_lines: Vec<ExchangeLine>,
    /// For an exchange: the replacement order's id.
    #[uniffi(default)]
    pub exchange_order_id: Option<String>,
    /// A note.
    #[uniffi(default)]
    pub note: Option<String>,
}

impl RequestReturn {
    fn into_core(self) -> Result<core_::RequestReturn> {
        let exchange_lines = self
            .exchange_lines
            .into_iter()
            .map(|x| {
                Ok(rt_::ExchangeLineInput {
                    sku: x.sku.into(),
                    quantity: x.quantity,
                    unit_price: money_opt(x.unit_price)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(core_::RequestReturn {
            rma_id: self.rma_id.into(),
            order_id: self.order_id.into(),
            lines: self
                .lines
                .into_iter()
                .map(|l| rt_::ReturnLineInput {
                    line_id: l.line_id.into(),
                    quantity: l.quantity,
                    reason: l.reason.into(),
                    note: l.note,
                })
                .collect(),
            resolution: self.resolution.into(),
            exchange_lines,
            exchange_order_id: self.exchange_order_id.map(Into::into),
            note: self.note,
        })
    }
}

/// Units of one order line (receipts of returns).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReturnQuantity {
    /// The order line.
    pub line_id: String,
    /// Units.
    pub quantity: u64,
}

/// The disposition of some returned units of one line.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct InspectionLine {
    /// The order line.
    pub line_id: String,
    /// Units.
    pub quantity: u64,
    /// What becomes of them.
    pub disposition: Disposition,
    /// Where restocked or refurbished units go (default: where received).
    #[uniffi(default)]
    pub location_id: Option<String>,
}

impl From<rt_::InspectionLine> for InspectionLine {
    fn from(l: rt_::InspectionLine) -> Self {
        InspectionLine {
            line_id: l.line_id.to_string(),
            quantity: l.quantity,
            disposition: l.disposition.into(),
            location_id: l.location_id.map(|l| l.to_string()),
        }
    }
}

/// One line of an RMA.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RmaLineRecord {
    /// The order line.
    pub line_id: String,
    /// Its SKU.
    pub sku: String,
    /// Units requested.
    pub quantity: u64,
    /// Why.
    pub reason: ReturnReason,
    /// The customer's words.
    pub note: Option<String>,
    /// Units that arrived.
    pub received: u64,
    /// Their dispositions.
    pub dispositions: Vec<InspectionLine>,
}

/// What one RMA gives back for one line.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LineRefund {
    /// The order line.
    pub line_id: String,
    /// Units credited.
    pub quantity: u64,
    /// Their price less their share of the order discount.
    pub paid: Money,
    /// The restocking fee kept back.
    pub restocking_fee: Money,
    /// What is given back for them.
    pub amount: Money,
}

/// What an RMA gives back.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RefundBreakdown {
    /// Per line.
    pub lines: Vec<LineRefund>,
    /// Shipping given back.
    pub shipping: Money,
    /// Lines plus shipping.
    pub total: Money,
    /// Whether the total was cut to what was left of the captured payments.
    pub capped: bool,
}

/// An RMA as a query returns it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RmaRecord {
    /// Its id.
    pub rma_id: String,
    /// The order.
    pub order_id: String,
    /// Its status.
    pub status: RmaStatus,
    /// What the customer gets.
    pub resolution: Resolution,
    /// The lines.
    pub lines: Vec<RmaLineRecord>,
    /// For an exchange: the replacement order's id.
    pub exchange_order_id: Option<String>,
    /// When it was requested, RFC 3339 UTC.
    pub requested_at: String,
    /// When its status last changed, RFC 3339 UTC.
    pub updated_at: String,
    /// Where the units were received.
    pub received_at_location: Option<String>,
    /// The return shipment's carrier.
    pub carrier: Option<String>,
    /// The return shipment's tracking number.
    pub tracking_number: Option<String>,
    /// What it gives back, once resolved.
    pub refund: Option<RefundBreakdown>,
    /// Refunds recorded against it, as a decimal string.
    pub refunded: String,
    /// Money still owed as a refund, as a decimal string.
    pub refund_outstanding: String,
    /// Why it was rejected or cancelled.
    pub reason: Option<String>,
}

impl From<rt_::Rma> for RmaRecord {
    fn from(r: rt_::Rma) -> Self {
        let outstanding = r.refund_outstanding().to_string();
        RmaRecord {
            rma_id: r.rma_id.to_string(),
            order_id: r.order_id.to_string(),
            status: r.status.into(),
            resolution: r.resolution.into(),
            lines: r
                .lines
                .into_iter()
                .map(|l| RmaLineRecord {
                    line_id: l.line_id.to_string(),
                    sku: l.sku.to_string(),
                    quantity: l.quantity,
                    reason: l.reason.into(),
                    note: l.note,
                    received: l.received,
                    dispositions: l.dispositions.into_iter().map(Into::into).collect(),
                })
                .collect(),
            exchange_order_id: r.exchange_order_id.map(|o| o.to_string()),
            requested_at: format_time(r.requested_at),
            updated_at: format_time(r.updated_at),
            received_at_location: r.received_at_location.map(|l| l.to_string()),
            carrier: r.carrier,
            tracking_number: r.tracking_number,
            refund: r.refund.map(|b| RefundBreakdown {
                lines: b
                    .lines
                    .into_iter()
                    .map(|l| LineRefund {
                        line_id: l.line_id.to_string(),
                        quantity: l.quantity,
                        paid: l.paid.into(),
                        restocking_fee: l.restocking_fee.into(),
                        amount: l.amount.into(),
                    })
                    .collect(),
                shipping: b.shipping.into(),
                total: b.total.into(),
                capped: b.capped,
            }),
            refunded: r.refunded.to_string(),
            refund_outstanding: outstanding,
            reason: r.reason,
        }
    }
}

/// A customer as their orders describe them.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CustomerRecord {
    /// The customer.
    pub customer_id: String,
    /// Orders placed, cancelled ones excepted.
    pub orders: u64,
    /// Orders cancelled whole.
    pub cancelled_orders: u64,
    /// When the first order was placed, RFC 3339 UTC.
    pub first_order_at: Option<String>,
    /// When the last order was placed, RFC 3339 UTC.
    pub last_order_at: Option<String>,
    /// Lifetime spend per currency: order totals less refunds.
    pub lifetime_spend: Vec<Money>,
    /// Lifetime spend over orders, per currency.
    pub average_order_value: Vec<Money>,
    /// Orders per 30 days from the first order to the query's time.
    pub purchase_frequency: Option<f64>,
    /// Units shipped.
    pub units_shipped: u64,
    /// Units that came back.
    pub units_returned: u64,
    /// Returned over shipped units.
    pub return_rate: Option<f64>,
    /// The tier the config's rules give now.
    pub tier: CustomerTier,
    /// Milestones rewarded with a gift.
    pub milestones: Vec<String>,
}

impl From<core_::customers::CustomerView> for CustomerRecord {
    fn from(c: core_::customers::CustomerView) -> Self {
        CustomerRecord {
            customer_id: c.customer_id.to_string(),
            orders: c.orders,
            cancelled_orders: c.cancelled_orders,
            first_order_at: c.first_order_at.map(format_time),
            last_order_at: c.last_order_at.map(format_time),
            lifetime_spend: c.lifetime_spend.into_iter().map(Into::into).collect(),
            average_order_value: c.average_order_value.into_iter().map(Into::into).collect(),
            purchase_frequency: c.purchase_frequency,
            units_shipped: c.units_shipped,
            units_returned: c.units_returned,
            return_rate: c.return_rate,
            tier: c.tier.into(),
            milestones: c.milestones,
        }
    }
}

#[uniffi::export]
impl Engine {
    /// Opens an RMA for delivered units (or shipped ones, by policy).
    pub fn request_return(&self, request: RequestReturn, at: String) -> Result<Vec<Event>> {
        self.run(request.into_core()?, &at)
    }

    /// Agrees to a requested return.
    pub fn authorize_return(&self, rma_id: String, at: String) -> Result<Vec<Event>> {
        self.run(
            core_::AuthorizeReturn {
                rma_id: rma_id.into(),
            },
            &at,
        )
    }

    /// Refuses a requested return.
    pub fn reject_return(&self, rma_id: String, reason: String, at: String) -> Result<Vec<Event>> {
        let command = core_::RejectReturn {
            rma_id: rma_id.into(),
            reason,
        };
        self.run(command, &at)
    }

    /// The customer sent the units back: the RMA is in transit.
    #[uniffi::method(default(carrier = None, tracking_number = None))]
    pub fn record_return_shipment(
        &self,
        rma_id: String,
        at: String,
        carrier: Option<String>,
        tracking_number: Option<String>,
    ) -> Result<Vec<Event>> {
        let command = core_::RecordReturnShipment {
            rma_id: rma_id.into(),
            carrier,
            tracking_number,
        };
        self.run(command, &at)
    }

    /// The returned units arrived at a location; `lines` (default: every
    /// requested unit) when fewer came.
    #[uniffi::method(default(lines = []))]
    pub fn receive_return(
        &self,
        rma_id: String,
        location_id: String,
        at: String,
        lines: Vec<ReturnQuantity>,
    ) -> Result<Vec<Event>> {
        let command = core_::ReceiveReturn {
            rma_id: rma_id.into(),
            location_id: location_id.into(),
            lines: lines
                .into_iter()
                .map(|l| rt_::ReturnQuantity {
                    line_id: l.line_id.into(),
                    quantity: l.quantity,
                })
                .collect(),
        };
        self.run(command, &at)
    }

    /// Gives every received unit its disposition; restocking moves stock.
    pub fn inspect_return(
        &self,
        rma_id: String,
        lines: Vec<InspectionLine>,
        at: String,
    ) -> Result<Vec<Event>> {
        let command = core_::InspectReturn {
            rma_id: rma_id.into(),
            lines: lines
                .into_iter()
                .map(|l| rt_::InspectionLine {
                    line_id: l.line_id.into(),
                    quantity: l.quantity,
                    disposition: l.disposition.into(),
                    location_id: l.location_id.map(Into::into),
                })
                .collect(),
        };
        self.run(command, &at)
    }

    /// Works out the refund, store credit or exchange order.
    pub fn resolve_return(&self, rma_id: String, at: String) -> Result<Vec<Event>> {
        self.run(
            core_::ResolveReturn {
                rma_id: rma_id.into(),
            },
            &at,
        )
    }

    /// Closes a resolved RMA.
    pub fn close_return(&self, rma_id: String, at: String) -> Result<Vec<Event>> {
        self.run(
            core_::CloseReturn {
                rma_id: rma_id.into(),
            },
            &at,
        )
    }

    /// Withdraws an RMA before its units arrived.
    #[uniffi::method(default(reason = None))]
    pub fn cancel_return(
        &self,
        rma_id: String,
        at: String,
        reason: Option<String>,
    ) -> Result<Vec<Event>> {
        let command = core_::CancelReturn {
            rma_id: rma_id.into(),
            reason,
        };
        self.run(command, &at)
    }

    /// One RMA.
    pub fn rma(&self, rma_id: String) -> Result<RmaRecord> {
        Ok(self.lock()?.rma(&rma_id)?.into())
    }

    /// Every RMA by id, or one order's in the order they were requested.
    #[uniffi::method(default(order_id = None))]
    pub fn rmas(&self, order_id: Option<String>) -> Result<Vec<RmaRecord>> {
        let all = self.lock()?.rmas(order_id.as_deref())?;
        Ok(all.into_iter().map(Into::into).collect())
    }

    /// A customer as their orders describe them at `at` (RFC 3339).
    pub fn customer(&self, customer_id: String, at: String) -> Result<CustomerRecord> {
        let at = parse_time(&at)?;
        Ok(self.lock()?.customer(&customer_id, at)?.into())
    }
}
