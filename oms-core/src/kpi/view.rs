//! What the KPIs read of an event: [`KpiEvent`], a borrowed projection
//! of the few fields each kind of event contributes.
//!
//! [`KpiAccumulator::push`](super::KpiAccumulator::push) projects each
//! [`Event`] with [`KpiEvent::of`]. A columnar events table (the Python
//! binding's `execute_table` writes one) holds the same fields as typed
//! columns, so [`KpiAccumulator::push_view`](super::KpiAccumulator::push_view)
//! can compute KPIs from it without parsing each event's JSON; the figures
//! are the same either way. The events whose whole body matters (purchase
//! orders and dropship confirmations, for the supplier figures) are read
//! whole: see [`reads_whole_event`].

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::command::OrderLineInput;
use crate::event::{Event, EventKind, LineAllocation, LineCancellation, LineQuantity};
use crate::money::Money;
use crate::order::OrderStatus;
use crate::returns::{Disposition, ReturnQuantity, ReturnReason, RmaLine};

/// One line of a [`KpiEvent`]: what the event says of one order line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KpiLine<'a> {
    /// The order line.
    pub line_id: &'a str,
    /// The line's SKU, where the event names it (`order_placed`,
    /// `return_requested`).
    pub sku: Option<&'a str>,
    /// Units: ordered, allocated, shipped, cancelled or returned, by the
    /// event's kind (0 for a requested return line).
    pub quantity: u64,
    /// Units left backordered (`order_allocated` only; 0 elsewhere).
    pub backordered: u64,
    /// Why the units come back (`return_requested` only).
    pub reason: Option<ReturnReason>,
}

/// The lines of a [`KpiEvent`], read by index.
pub trait KpiLines {
    /// How many lines.
    fn len(&self) -> usize;
    /// Line `i` (`i < len()`).
    fn line(&self, i: usize) -> KpiLine<'_>;
    /// Line `i`'s id (a reader may give it without the rest of the line).
    fn line_id(&self, i: usize) -> &str {
        self.line(i).line_id
    }
    /// Line `i`'s units.
    fn quantity(&self, i: usize) -> u64 {
        self.line(i).quantity
    }
    /// Line `i`'s units backordered.
    fn backordered(&self, i: usize) -> u64 {
        self.line(i).backordered
    }
    /// Whether there are no lines.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The lines of an [`Event`], as [`KpiEvent::of`] projects them.
#[derive(Debug, Clone, Copy)]
pub enum EventLines<'a> {
    /// An order's lines as placed.
    Placed(&'a [OrderLineInput]),
    /// An allocation's reservations, then its backorders.
    Allocated(&'a [LineAllocation], &'a [LineQuantity]),
    /// Units per line (shipped).
    Shipped(&'a [crate::command::ShipLine]),
    /// Cancellations.
    Cancelled(&'a [LineCancellation]),
    /// A return's lines as requested.
    Requested(&'a [RmaLine]),
    /// A return's lines as received.
    Received(&'a [ReturnQuantity]),
}

impl KpiLines for EventLines<'_> {
    fn len(&self) -> usize {
        match self {
            EventLines::Placed(l) => l.len(),
            EventLines::Allocated(a, b) => a.len() + b.len(),
            EventLines::Shipped(l) => l.len(),
            EventLines::Cancelled(l) => l.len(),
            EventLines::Requested(l) => l.len(),
            EventLines::Received(l) => l.len(),
        }
    }

    fn line(&self, i: usize) -> KpiLine<'_> {
        fn plain(line_id: &crate::ids::LineId, quantity: u64) -> KpiLine<'_> {
            KpiLine {
                line_id: line_id.as_str(),
                sku: None,
                quantity,
                backordered: 0,
                reason: None,
            }
        }
        match *self {
            EventLines::Placed(l) => KpiLine {
                sku: Some(l[i].sku.as_str()),
                ..plain(&l[i].line_id, l[i].quantity)
            },
            EventLines::Allocated(a, b) => match a.get(i) {
                Some(a) => plain(&a.line_id, a.quantity),
                None => {
                    let b = &b[i - a.len()];
                    KpiLine {
                        backordered: b.quantity,
                        ..plain(&b.line_id, 0)
                    }
                }
            },
            EventLines::Shipped(l) => plain(&l[i].line_id, l[i].quantity),
            EventLines::Cancelled(l) => plain(&l[i].line_id, l[i].quantity),
            EventLines::Requested(l) => KpiLine {
                sku: Some(l[i].sku.as_str()),
                reason: Some(l[i].reason),
                ..plain(&l[i].line_id, 0)
            },
            EventLines::Received(l) => plain(&l[i].line_id, l[i].quantity),
        }
    }
}

/// What the KPIs read of one event (besides its time), borrowed from it or
/// from the columns of an events table. `L` holds the lines.
#[derive(Debug, Clone, Copy)]
pub enum KpiEvent<'a, L = EventLines<'a>> {
    /// `order_placed`.
    OrderPlaced {
        /// The order.
        order_id: &'a str,
        /// Its sales channel.
        channel: &'a str,
        /// Its customer.
        customer_id: &'a str,
        /// The ship-to's country.
        country: &'a str,
        /// Σ unit price × quantity + shipping price − discount, in the
        /// first line's currency (the shipping price's when there are no
        /// lines); absent when neither gives a currency.
        total: Option<Money>,
        /// Ship by (optional).
        ship_by: Option<DateTime<Utc>>,
        /// Deliver by (optional).
        deliver_by: Option<NaiveDate>,
        /// The lines: line id, SKU, quantity.
        lines: L,
    },
    /// `order_allocated`: one line per reservation (`quantity`), then one
    /// per backorder (`backordered`).
    OrderAllocated {
        /// The order.
        order_id: &'a str,
        /// Reservations and backorders.
        lines: L,
    },
    /// `order_shipped` (from stock): units per line.
    OrderShipped {
        /// The order.
        order_id: &'a str,
        /// Units shipped per line.
        lines: L,
    },
    /// `order_cancelled` or `line_cancelled`: units cancelled per line.
    LinesCancelled {
        /// The order.
        order_id: &'a str,
        /// Units cancelled per line.
        lines: L,
    },
    /// `order_status_changed`.
    OrderStatusChanged {
        /// The order.
        order_id: &'a str,
        /// Its new status.
        status: OrderStatus,
    },
    /// `shipment_exception`.
    ShipmentException {
        /// The order.
        order_id: &'a str,
    },
    /// `return_requested`: the RMA's lines with SKU and reason.
    ReturnRequested {
        /// The order.
        order_id: &'a str,
        /// The RMA.
        rma_id: &'a str,
        /// Its lines.
        lines: L,
    },
    /// `return_received`: units that arrived per line.
    ReturnReceived {
        /// The order.
        order_id: &'a str,
        /// The RMA.
        rma_id: &'a str,
        /// Units per line.
        lines: L,
    },
    /// Sellable on-hand units of a SKU changed: `stock_received` (the
    /// undamaged units), `stock_adjusted` (its delta), `stock_restocked`
    /// with disposition `restock`.
    StockMoved {
        /// The SKU.
        sku: &'a str,
        /// The change in units.
        units: i64,
    },
    /// A pick confirmed (`accurate`), or a pick scan rejected or shorted.
    Pick {
        /// The order picked for (absent for a rejected scan).
        order_id: Option<&'a str>,
        /// Whether the pick was confirmed.
        accurate: bool,
    },
    /// An event read whole (see [`WHOLE_EVENTS`]).
    Whole(&'a Event),
    /// An event no KPI reads (it still bounds an open window).
    Other {
        /// The order it is about, if any.
        order_id: Option<&'a str>,
    },
}

/// The kinds of event the KPIs read whole (purchase-order events and
/// `dropship_confirmed`, for the supplier figures) rather than through
/// their [`KpiEvent`] fields. These are few; a columnar reader parses
/// their JSON.
pub const WHOLE_EVENTS: [&str; 8] = [
    "dropship_confirmed",
    "po_amended",
    "po_cancelled",
    "po_closed",
    "po_created",
    "po_received",
    "po_rejected",
    "po_sent",
];

/// Whether the KPIs read events of kind `type_name` whole: see [`WHOLE_EVENTS`].
pub fn reads_whole_event(type_name: &str) -> bool {
    WHOLE_EVENTS.contains(&type_name)
}

/// The [`KpiEvent`] variant that events of one kind project to: a
/// columnar reader's guide from the `type` column to the fields to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KpiKind {
    /// [`KpiEvent::OrderPlaced`].
    OrderPlaced,
    /// [`KpiEvent::OrderAllocated`].
    OrderAllocated,
    /// [`KpiEvent::OrderShipped`].
    OrderShipped,
    /// [`KpiEvent::LinesCancelled`] (`order_cancelled`, `line_cancelled`).
    LinesCancelled,
    /// [`KpiEvent::OrderStatusChanged`].
    OrderStatusChanged,
    /// [`KpiEvent::ShipmentException`].
    ShipmentException,
    /// [`KpiEvent::ReturnRequested`].
    ReturnRequested,
    /// [`KpiEvent::ReturnReceived`].
    ReturnReceived,
    /// [`KpiEvent::StockMoved`] (`stock_received`, `stock_adjusted`, and
    /// `stock_restocked`, which is [`KpiEvent::Other`] unless restocked
    /// to sellable stock: then it has no units).
    StockMoved,
    /// [`KpiEvent::Pick`] of a confirmed pick.
    PickConfirmed,
    /// [`KpiEvent::Pick`] of a shorted pick or a rejected scan.
    PickMissed,
    /// [`KpiEvent::Whole`]: see [`WHOLE_EVENTS`].
    Whole,
    /// [`KpiEvent::Other`].
    Other,
}

impl KpiKind {
    /// The variant events of kind `type_name` project to.
    pub fn of_type(type_name: &str) -> KpiKind {
        match type_name {
            "order_placed" => KpiKind::OrderPlaced,
            "order_allocated" => KpiKind::OrderAllocated,
            "order_shipped" => KpiKind::OrderShipped,
            "order_cancelled" | "line_cancelled" => KpiKind::LinesCancelled,
            "order_status_changed" => KpiKind::OrderStatusChanged,
            "shipment_exception" => KpiKind::ShipmentException,
            "return_requested" => KpiKind::ReturnRequested,
            "return_received" => KpiKind::ReturnReceived,
            "stock_received" | "stock_adjusted" | "stock_restocked" => KpiKind::StockMoved,
            "pick_confirmed" => KpiKind::PickConfirmed,
            "pick_shorted" | "pick_scan_rejected" => KpiKind::PickMissed,
            t if reads_whole_event(t) => KpiKind::Whole,
            _ => KpiKind::Other,
        }
    }
}

impl<'a, L> KpiEvent<'a, L> {
    /// The order the event is about, if any ([`EventKind::order_id`]).
    pub fn order_id(&self) -> Option<&'a str> {
        match *self {
            KpiEvent::OrderPlaced { order_id, .. }
            | KpiEvent::OrderAllocated { order_id, .. }
            | KpiEvent::OrderShipped { order_id, .. }
            | KpiEvent::LinesCancelled { order_id, .. }
            | KpiEvent::OrderStatusChanged { order_id, .. }
            | KpiEvent::ShipmentException { order_id }
            | KpiEvent::ReturnRequested { order_id, .. }
            | KpiEvent::ReturnReceived { order_id, .. } => Some(order_id),
            KpiEvent::StockMoved { .. } => None,
            KpiEvent::Pick { order_id, .. } | KpiEvent::Other { order_id } => order_id,
            KpiEvent::Whole(e) => e.kind.order_id().map(|o| o.as_str()),
        }
    }

    /// The variant, as a [`KpiKind`].
    pub fn kind(&self) -> KpiKind {
        match self {
            KpiEvent::OrderPlaced { .. } => KpiKind::OrderPlaced,
            KpiEvent::OrderAllocated { .. } => KpiKind::OrderAllocated,
            KpiEvent::OrderShipped { .. } => KpiKind::OrderShipped,
            KpiEvent::LinesCancelled { .. } => KpiKind::LinesCancelled,
            KpiEvent::OrderStatusChanged { .. } => KpiKind::OrderStatusChanged,
            KpiEvent::ShipmentException { .. } => KpiKind::ShipmentException,
            KpiEvent::ReturnRequested { .. } => KpiKind::ReturnRequested,
            KpiEvent::ReturnReceived { .. } => KpiKind::ReturnReceived,
            KpiEvent::StockMoved { .. } => KpiKind::StockMoved,
            KpiEvent::Pick { accurate: true, .. } => KpiKind::PickConfirmed,
            KpiEvent::Pick { .. } => KpiKind::PickMissed,
            KpiEvent::Whole(_) => KpiKind::Whole,
            KpiEvent::Other { .. } => KpiKind::Other,
        }
    }
}

impl<'a> KpiEvent<'a> {
    /// What the KPIs read of `e`.
    ///
    /// ```
    /// use oms_core::event::Event;
    /// use oms_core::kpi::{KpiEvent, KpiLines};
    /// let e = Event::from_json(r#"{"schema_version":1,"at":"2026-11-02T10:00:00Z","type":"order_shipped",
    ///     "order_id":"SO-1","shipment_id":"S1","location_id":"DC1","carrier":"ups",
    ///     "lines":[{"line_id":"1","quantity":2}]}"#).unwrap();
    /// let KpiEvent::OrderShipped { order_id, lines } = KpiEvent::of(&e) else { panic!() };
    /// assert_eq!((order_id, lines.len(), lines.line(0).quantity), ("SO-1", 1, 2));
    /// ```
    pub fn of(e: &'a Event) -> KpiEvent<'a> {
        use EventKind as K;
        match &e.kind {
            K::OrderPlaced { order, .. } => KpiEvent::OrderPlaced {
                order_id: order.order_id.as_str(),
                channel: order.channel.as_str(),
                customer_id: order.customer_id.as_str(),
                country: order.ship_to.country(),
                total: order_total(order),
                ship_by: order.ship_by,
                deliver_by: order.deliver_by,
                lines: EventLines::Placed(&order.lines),
            },
            K::OrderAllocated {
                order_id,
                allocations,
                backorders,
                ..
            } => KpiEvent::OrderAllocated {
                order_id: order_id.as_str(),
                lines: EventLines::Allocated(allocations, backorders),
            },
            K::OrderShipped {
                order_id, lines, ..
            } => KpiEvent::OrderShipped {
                order_id: order_id.as_str(),
                lines: EventLines::Shipped(lines),
            },
            K::OrderCancelled {
                order_id, lines, ..
            } => KpiEvent::LinesCancelled {
                order_id: order_id.as_str(),
                lines: EventLines::Cancelled(lines),
            },
            K::LineCancelled {
                order_id,
                cancellation,
                ..
            } => KpiEvent::LinesCancelled {
                order_id: order_id.as_str(),
                lines: EventLines::Cancelled(std::slice::from_ref(cancellation)),
            },
            K::OrderStatusChanged { order_id, to, .. } => KpiEvent::OrderStatusChanged {
                order_id: order_id.as_str(),
                status: *to,
            },
            K::ShipmentException { order_id, .. } => KpiEvent::ShipmentException {
                order_id: order_id.as_str(),
            },
            K::ReturnRequested { rma } => KpiEvent::ReturnRequested {
                order_id: rma.order_id.as_str(),
                rma_id: rma.rma_id.as_str(),
                lines: EventLines::Requested(&rma.lines),
            },
            K::ReturnReceived {
                rma_id,
                order_id,
                lines,
                ..
            } => KpiEvent::ReturnReceived {
                order_id: order_id.as_str(),
                rma_id: rma_id.as_str(),
                lines: EventLines::Received(lines),
            },
            K::StockReceived {
                sku,
                quantity,
                damaged,
                ..
            } => KpiEvent::StockMoved {
                sku: sku.as_str(),
                units: i64::try_from(quantity.saturating_sub(*damaged)).unwrap_or(i64::MAX),
            },
            K::StockAdjusted { sku, delta, .. } => KpiEvent::StockMoved {
                sku: sku.as_str(),
                units: *delta,
            },
            K::StockRestocked {
                sku,
                quantity,
                disposition: Disposition::Restock,
                ..
            } => KpiEvent::StockMoved {
                sku: sku.as_str(),
                units: i64::try_from(*quantity).unwrap_or(i64::MAX),
            },
            K::PickConfirmed { order_id, .. } => KpiEvent::Pick {
                order_id: Some(order_id.as_str()),
                accurate: true,
            },
            K::PickShorted { order_id, .. } => KpiEvent::Pick {
                order_id: Some(order_id.as_str()),
                accurate: false,
            },
            K::PickScanRejected { .. } => KpiEvent::Pick {
                order_id: None,
                accurate: false,
            },
            _ if reads_whole_event(e.name()) => KpiEvent::Whole(e),
            kind => KpiEvent::Other {
                order_id: kind.order_id().map(|o| o.as_str()),
            },
        }
    }
}

/// An order's total as placed: see [`KpiEvent::OrderPlaced`]'s `total`.
pub fn order_total(order: &crate::command::PlaceOrder) -> Option<Money> {
    let currency = order
        .lines
        .first()
        .map(|l| l.unit_price.currency)
        .or(order.shipping_price.map(|m| m.currency))?;
    let mut total = Decimal::ZERO;
    for l in &order.lines {
        total = total.saturating_add(l.unit_price.amount.saturating_mul(l.quantity.into()));
    }
    if let Some(s) = order.shipping_price {
        total = total.saturating_add(s.amount);
    }
    if let Some(d) = order.discount {
        total = total.saturating_sub(d.amount);
    }
    Some(Money {
        amount: total,
        currency,
    })
}
