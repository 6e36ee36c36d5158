//! Key performance indicators over a time window: pure functions of the
//! event history, like [`crate::purchasing::performance`].
//!
//! [`compute`] (or the streaming [`KpiAccumulator`]) reads events in the
//! order given and reports, for a [`Window`] `[from, to)`, each figure as a
//! [`Kpi`] with its numerator and denominator, so that reports of shards of
//! the history (for example orders split by id) add up exactly with
//! [`merge`]. Events before the window are read for context (the
//! `order_placed` of an order delivered in the window); only facts whose
//! event time (`at`) is in the window are counted. Orders whose
//! `order_placed` is not among the events are left out of every per-order
//! figure. Times are whole seconds (sub-second parts are ignored).
//!
//! # Definitions
//!
//! Unit `ratio` unless said otherwise; `value` = numerator / denominator
//! (absent when the denominator is 0), except for percentiles.
//!
//! - `return_rate`: units received back (`return_received` lines) in the
//!   window / units shipped in the window (`order_shipped` lines, plus
//!   `dropship_confirmed` lines, which the engine counts as shipped too).
//! - `return_rate_by_reason` (key = reason): units received back in the
//!   window whose RMA line (`return_requested`'s `rma.lines[].reason`) has
//!   that reason / all units shipped in the window, so the reasons add up to
//!   `return_rate`. Key `unknown` when the RMA was requested before the
//!   events given.
//! - `return_rate_by_sku` (key = SKU): units of the SKU received back in the
//!   window / units of the SKU shipped in the window (an order line's SKU is
//!   the one `order_placed` gave it; a returned line's the one its RMA line
//!   names).
//! - `picking_accuracy`, key `picks`: `pick_confirmed` events / all of
//!   `pick_confirmed`, `pick_scan_rejected` and `pick_shorted` events, in the
//!   window. When the window has no such event at all, key `shipped_lines`:
//!   order lines shipped as ordered / order lines, over orders whose first
//!   `order_status_changed` to `shipped` or `delivered` is in the window,
//!   lines with no units left after cancellations left out; a line is
//!   shipped as ordered when its shipped units (`order_shipped` and
//!   `dropship_confirmed`) equal its ordered minus cancelled units at that
//!   moment. ([`merge`] keeps `picks` and drops `shipped_lines` when shards
//!   disagree, as one run over all of them would.)
//! - `order_lead_time` (hours): over orders whose first
//!   `order_status_changed` to `delivered` is in the window, Σ hours from
//!   their `order_placed` to that event / number of such orders. Each
//!   order's hours are rounded to 6 decimals before summing, so sums are
//!   exact and shards add up.
//! - `order_lead_time_p50`, `order_lead_time_p90` (hours): nearest-rank
//!   percentiles of the same durations, at minute resolution (whole minutes,
//!   rounded down), from the histogram `histograms["order_lead_time"]`
//!   (minutes → orders): numerator = the rank ⌈p·n⌉, denominator = n, value
//!   = the minutes at that rank / 60.
//! - `order_cycle_time` (hours), `order_cycle_time_p50`,
//!   `order_cycle_time_p90`: the same from `order_placed` to the order's
//!   first `order_status_changed` to `shipped` (histogram
//!   `order_cycle_time`).
//! - `on_time_shipment_rate`: orders whose first status change to `shipped`
//!   is in the window and whose placement has `ship_by`: those shipped at or
//!   before `ship_by` / those orders.
//! - `fill_rate_lines`: over orders whose first `order_allocated` is in the
//!   window: lines with no backorder (`backorders` entry with units) in that
//!   first allocation / lines with units not cancelled at that moment.
//! - `fill_rate_units`: same orders: units reserved by that first
//!   allocation (Σ `allocations[].quantity`) / units ordered and not
//!   cancelled at that moment.
//! - `backorder_rate`: orders placed in the window that got a `backorders`
//!   entry with units on any `order_allocated` (at any time in the events
//!   given, also after the window) / orders placed in the window.
//! - `perfect_order_rate`: orders whose first status change to `delivered`
//!   is in the window (complete: every non-cancelled unit is delivered) and
//!   that were on time (with `deliver_by`: delivered on or before that day,
//!   UTC; else with `ship_by`: first status change to `shipped` (or, without
//!   one, the delivery) at or before `ship_by`; else on time), had no
//!   `shipment_exception` and have no `return_requested` (whatever its
//!   reason), both anywhere in the events given / orders whose first status
//!   change to `delivered` is in the window.
//! - `cancellation_rate`: orders placed in the window whose status became
//!   `cancelled` (anywhere in the events given) / orders placed in the
//!   window.
//! - `orders_by_channel` (count, key = channel): orders placed in the
//!   window; denominator 1.
//! - `sales_by_channel` (money, key = channel, one per currency): Σ over
//!   orders placed in the window of Σ lines' quantity × unit price +
//!   shipping price − discount, in the order's currency; denominator 1.
//! - `inventory_turnover` (turns, key = SKU): units of the SKU that left
//!   stock in the window (`order_shipped` lines; a kit line counts its kit
//!   units under the kit's SKU, components are not broken out) × window days
//!   / unit-days on hand in the window, i.e. shipped / average on hand.
//! - `days_of_supply` (days, key = SKU): on hand at the window end × window
//!   days / units of the SKU that left stock in the window.
//!
//!   On hand is summed over all locations from the start of the events
//!   given: + `stock_received` (quantity − damaged), ± `stock_adjusted`
//!   (`delta`), − `order_shipped` lines, + `stock_restocked` with
//!   disposition `restock`. Unit-days = ∫ on hand dt over the window, in
//!   days; each movement contributes its units × the days from the window
//!   start to it, rounded to 6 decimals, so shards add up. An open window
//!   start is the first event's time, an open end the last event's; window
//!   days are rounded to 6 decimals. Shards add up exactly when they share
//!   the window bounds (give both `from` and `to`).
//! - `supplier_on_time_rate` (key = supplier id): from
//!   [`supplier_performance`]: units received in the window by their line's
//!   expected date / units received in the window.
//! - `supplier_fill_rate` (key = supplier id): from [`supplier_performance`]:
//!   over POs done (fully received or closed) in the window, units received
//!   (at most what each line ordered) / units ordered. Both are that
//!   module's figures over the events before the window end minus its
//!   figures over the events before the window start.
//!
//! [`merge`] sums numerators and denominators per (name, key, currency),
//! keeps a denominator of 1 for counts and money, gives every
//! `return_rate_by_reason` the summed `return_rate` denominator, merges the
//! histograms and works out the values and the percentiles again.
//!
//! ```
//! use oms_core::kpi::{compute, Window};
//! use oms_core::Event;
//! let events: Vec<Event> = [
//!     r#"{"schema_version":1,"at":"2026-11-01T09:00:00Z","type":"order_placed","order":{"order_id":"SO-1","channel":"web","customer_id":"C1","ship_to":{"name":"Ada","line1":"1 Main St","city":"Springfield","postal_code":"62701","country":"US"},"lines":[{"line_id":"1","sku":"MUG","quantity":2,"unit_price":{"amount":"9.50","currency":"USD"}}]}}"#,
//!     r#"{"schema_version":1,"at":"2026-11-01T15:00:00Z","type":"order_status_changed","order_id":"SO-1","from":"allocated","to":"shipped"}"#,
//! ].iter().map(|j| Event::from_json(j).unwrap()).collect();
//! let report = compute(&events, &Window::default());
//! let cycle = report.get("order_cycle_time", None).unwrap();
//! assert_eq!(cycle.value, Some(6.into())); // hours
//! let sales = report.get("sales_by_channel", Some("web")).unwrap();
//! assert_eq!(sales.numerator.to_string(), "19.00");
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::event::{Event, EventKind};
use crate::ids::SupplierId;
use crate::money::Currency;
use crate::order::OrderStatus;
use crate::purchasing::performance::{supplier_performance, SupplierPerformance};
use crate::returns::ReturnReason;
use crate::util::{name_hash, FxMap, Names};

mod view;
pub use view::{
    order_total, reads_whole_event, EventLines, KpiEvent, KpiKind, KpiLine, KpiLines, WHOLE_EVENTS,
};

/// A time window `[from, to)`; an absent bound is open. The default is
/// every event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// The first instant counted (open when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<DateTime<Utc>>,
    /// The first instant no longer counted (open when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<DateTime<Utc>>,
}

impl Window {
    /// The window `[from, to)`.
    pub fn between(from: DateTime<Utc>, to: DateTime<Utc>) -> Window {
        Window {
            from: Some(from),
            to: Some(to),
        }
    }

    /// Whether `at` is in the window.
    #[inline]
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from.is_none_or(|f| at >= f) && self.to.is_none_or(|t| at < t)
    }

    /// Whether `at` is before the window's end.
    #[inline]
    fn before_end(&self, at: DateTime<Utc>) -> bool {
        self.to.is_none_or(|t| at < t)
    }
}

/// What a [`Kpi`]'s value measures.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum KpiUnit {
    /// A share between 0 and 1.
    Ratio,
    /// Hours.
    Hours,
    /// Days.
    Days,
    /// An amount of money, in the Kpi's `currency`.
    Money,
    /// A number of things.
    Count,
    /// Times per window (e.g. inventory turns).
    Turns,
    /// Kilometres (the simulation's `average_distance_km`).
    Km,
}

/// One figure: its numerator and denominator (which add up across shards)
/// and their quotient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Kpi {
    /// The figure, e.g. `return_rate` (see the [module docs](self)).
    pub name: String,
    /// What the figure is broken down by (a channel, SKU, reason or
    /// supplier), or its basis for `picking_accuracy`; absent for a total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The currency of a money figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// The numerator, as a decimal string.
    #[serde(with = "crate::money::decimal_string")]
    #[schemars(with = "String")]
    pub numerator: Decimal,
    /// The denominator, as a decimal string.
    #[serde(with = "crate::money::decimal_string")]
    #[schemars(with = "String")]
    pub denominator: Decimal,
    /// numerator / denominator (for a percentile, the duration at the rank),
    /// absent when the denominator is zero.
    #[serde(default, with = "opt_decimal", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub value: Option<Decimal>,
    /// What the value measures.
    pub unit: KpiUnit,
}

/// The KPIs of one window.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KpiReport {
    /// The window reported on.
    pub window: Window,
    /// The figures, sorted by (name, key, currency).
    pub kpis: Vec<Kpi>,
    /// Duration histograms behind the percentiles: name → (whole minutes →
    /// orders).
    pub histograms: BTreeMap<String, BTreeMap<u64, u64>>,
}

impl KpiReport {
    /// The figure named `name` with `key` (the first currency for money).
    pub fn get(&self, name: &str, key: Option<&str>) -> Option<&Kpi> {
        self.kpis
            .iter()
            .find(|k| k.name == name && k.key.as_deref() == key)
    }
}

/// Serde adapter: an optional `Decimal` as an optional decimal string.
mod opt_decimal {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.collect_str(d),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        #[derive(Deserialize)]
        struct Plain(#[serde(with = "crate::money::decimal_string")] Decimal);
        Ok(Option::<Plain>::deserialize(d)?.map(|Plain(v)| v))
    }
}

/// The durations whose percentiles are reported (their histograms' names).
const TIMED: [&str; 2] = ["order_cycle_time", "order_lead_time"];
/// The percentiles: suffix and p as a fraction.
const PERCENTILES: [(&str, u64, u64); 2] = [("p50", 1, 2), ("p90", 9, 10)];

// Per-order flags.
const PLACED_IN_WINDOW: u16 = 1;
const ALLOCATED: u16 = 1 << 1;
const BACKORDERED: u16 = 1 << 2;
const CANCELLED: u16 = 1 << 3;
const SHIPPED: u16 = 1 << 4;
const DELIVERED: u16 = 1 << 5;
const DELIVERED_IN_WINDOW: u16 = 1 << 6;
const ON_TIME: u16 = 1 << 7;
const EXCEPTION: u16 = 1 << 8;
const RETURN_REQUESTED: u16 = 1 << 9;
const LINES_CHECKED: u16 = 1 << 10;

/// Slots of [`KpiAccumulator::recent_orders`] (a power of two: 256 KiB).
const RECENT_ORDERS: usize = 1 << 16;

/// The slot of [`KpiAccumulator::recent_orders`] of a name's hash (its
/// high bits: the table uses the low ones).
#[inline]
fn recent_slot(hash: u64) -> usize {
    (hash >> 40) as usize & (RECENT_ORDERS - 1)
}

/// A line without a SKU (none was given).
const NO_SKU: u32 = u32::MAX;

/// What the events said of one order so far (its id is its index in
/// [`KpiAccumulator::orders`]).
#[derive(Clone, Copy)]
struct OrderState {
    /// Seconds since the epoch.
    placed_at: i64,
    /// The first status change to `shipped` (`i64::MIN`: none yet).
    shipped_at: i64,
    ship_by: Option<DateTime<Utc>>,
    deliver_by: Option<NaiveDate>,
    /// Where the order's lines start in [`KpiAccumulator::lines`], and how many.
    line_base: u32,
    line_count: u32,
    /// The group whose figures the order's events count in.
    group: u32,
    flags: u16,
}

/// A line id: a span of [`KpiAccumulator::line_ids`].
#[derive(Clone, Copy)]
struct LineText {
    start: usize,
    len: u32,
}

/// One order line: its id, its SKU (an index of the SKU names or
/// [`NO_SKU`]), units not cancelled, units shipped.
#[derive(Clone, Copy)]
struct LineState {
    id: LineText,
    sku: u32,
    active: u64,
    shipped: u64,
}

/// An RMA line as requested: its line id, SKU and reason.
#[derive(Clone, Copy)]
struct RmaLineState {
    id: LineText,
    sku: u32,
    reason: Option<ReturnReason>,
}

/// One SKU's stock counts (over every order).
#[derive(Clone, Default)]
struct SkuState {
    /// Units that left stock in the window (order_shipped).
    left_stock: u64,
    /// Whether any stock movement was seen before the window end.
    stocked: bool,
    /// On hand (all locations) after the movements before the window end.
    on_hand: i64,
    /// Σ movement × days from the window start to it, in µ-unit-days.
    offset: i128,
}

/// A sum of durations and their minute histogram.
#[derive(Default, Clone)]
struct Durations {
    /// Σ hours rounded to 6 decimals, in µ-hours.
    micro_hours: i128,
    count: u64,
    minutes: FxMap<u64, u64>,
}

impl Durations {
    fn add(&mut self, seconds: i64) {
        let seconds = seconds.max(0);
        self.micro_hours += round_div(i128::from(seconds) * 1_000_000, 3_600);
        self.count += 1;
        *self.minutes.entry(seconds as u64 / 60).or_insert(0) += 1;
    }
}

/// A numerator and a denominator being counted.
#[derive(Default, Clone, Copy)]
struct Ratio {
    num: u64,
    den: u64,
}

impl Ratio {
    #[inline]
    fn count(&mut self, hit: bool) {
        self.den += 1;
        self.num += u64::from(hit);
    }
}

/// A channel's orders and sales per currency.
#[derive(Default, Clone)]
struct ChannelState {
    orders: u64,
    sales: Vec<(Currency, Decimal)>,
}

/// A SKU's units shipped and received back in the window, in one group.
#[derive(Default, Clone, Copy)]
struct SkuSales {
    shipped: u64,
    returned: u64,
}

/// The order figures of one group of orders (of every order when the
/// accumulator is not grouped).
#[derive(Default, Clone)]
struct Figures {
    /// Per channel (an index of the channel names): orders and sales.
    channels: Vec<(u32, ChannelState)>,
    /// Per SKU (an index of the SKU names): units shipped and returned.
    skus: FxMap<u32, SkuSales>,
    shipped_units: u64,
    returned_units: u64,
    returned_by_reason: BTreeMap<Option<ReturnReason>, u64>,
    picks: Ratio,
    picks_all: u64,
    shipped_lines: Ratio,
    on_time_shipment: Ratio,
    fill_lines: Ratio,
    fill_units: Ratio,
    lead: Durations,
    cycle: Durations,
}

/// How a grouped accumulator splits orders into groups (see [`GroupedKpis`]).
#[derive(Clone, Debug)]
struct Grouping {
    by: Vec<GroupBy>,
    /// Each placed group's key values joined by U+001F, and (by the
    /// joined key's index) the group.
    keys: Names,
    key_group: Vec<u32>,
    /// Each group's key values.
    values: Vec<Vec<Option<String>>>,
    /// The group, of absent values, of orders whose events came before
    /// (or without) their placement, and those orders.
    unplaced_group: Option<u32>,
    unplaced: Names,
    /// Where a key is joined.
    scratch: String,
}

/// Computes a [`KpiReport`] one event at a time: [`KpiAccumulator::new`],
/// [`KpiAccumulator::push`] each event in order (or
/// [`KpiAccumulator::push_view`] its [`KpiEvent`]), [`KpiAccumulator::finish`].
///
/// It keeps a small record per order, order line, SKU, channel and RMA
/// (ids as spans of a few shared text buffers, so no allocation per order),
/// and a copy of the few purchasing events before the window end (for
/// [`supplier_performance`]). An event of no interest costs a look at its
/// kind. Grouped (inside [`GroupedKpis`]), each order carries its group,
/// and the order figures are counted per group in the same pass.
///
/// ```
/// use oms_core::kpi::{KpiAccumulator, Window};
/// let mut acc = KpiAccumulator::new(Window::default());
/// // acc.push(&event) for each event as it is read from the log
/// let report = acc.finish();
/// let returns = report.get("return_rate", None).unwrap();
/// assert_eq!((returns.denominator, returns.value), (0.into(), None)); // nothing shipped
/// ```
#[derive(Clone)]
pub struct KpiAccumulator {
    window: Window,
    /// The window start in seconds (the first event's time when open).
    start: Option<i64>,
    last_at: Option<DateTime<Utc>>,
    /// Whether `start` and `last_at` were given ([`KpiAccumulator::set_span`]).
    span_given: bool,
    /// Order ids, and each order's record (by the id's index).
    orders: Names,
    order_states: Vec<OrderState>,
    /// The order an event was last about.
    last_order: Option<u32>,
    /// Orders placed or found lately, by a few bits of their id's hash
    /// (`u32::MAX`: none): finding an order in flight reads a slot here
    /// rather than the large, mostly cold, table of every order.
    recent_orders: Box<[u32]>,
    /// Every order's lines, order after order.
    lines: Vec<LineState>,
    /// The text of line ids (of order lines and RMA lines).
    line_ids: String,
    /// RMA ids, and each RMA's lines as a span of `rma_lines`.
    rmas: Names,
    rma_spans: Vec<(u32, u32)>,
    rma_lines: Vec<RmaLineState>,
    /// SKU names, and each SKU's stock (over every order: not grouped).
    skus: Names,
    sku_states: Vec<SkuState>,
    channels: Names,
    purchasing: Vec<Event>,
    /// `None`: one group, figures[0], of every event.
    grouping: Option<Grouping>,
    figures: Vec<Figures>,
}

impl fmt::Debug for KpiAccumulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KpiAccumulator")
            .field("window", &self.window)
            .field("orders", &self.order_states.len())
            .field("skus", &self.sku_states.len())
            .field("groups", &self.figures.len())
            .field("purchasing_events", &self.purchasing.len())
            .finish_non_exhaustive()
    }
}

impl KpiAccumulator {
    /// An accumulator for `window` that has seen no events.
    pub fn new(window: Window) -> KpiAccumulator {
        KpiAccumulator {
            window,
            start: window.from.map(|f| f.timestamp()),
            last_at: None,
            span_given: false,
            orders: Names::default(),
            order_states: Vec::new(),
            last_order: None,
            recent_orders: vec![u32::MAX; RECENT_ORDERS].into_boxed_slice(),
            lines: Vec::new(),
            line_ids: String::new(),
            rmas: Names::default(),
            rma_spans: Vec::new(),
            rma_lines: Vec::new(),
            skus: Names::default(),
            sku_states: Vec::new(),
            channels: Names::default(),
            purchasing: Vec::new(),
            grouping: None,
            figures: vec![Figures::default()],
        }
    }

    /// An accumulator that counts the order figures per group of `by`.
    fn grouped(window: Window, by: Vec<GroupBy>) -> KpiAccumulator {
        KpiAccumulator {
            grouping: Some(Grouping {
                by,
                keys: Names::default(),
                key_group: Vec::new(),
                values: Vec::new(),
                unplaced_group: None,
                unplaced: Names::default(),
                scratch: String::new(),
            }),
            figures: Vec::new(),
            ..KpiAccumulator::new(window)
        }
    }

    /// Takes the history's first and last event times as the span of an
    /// open window (rather than the times of the events pushed here): a
    /// shard of a history then reports the stock figures of the whole
    /// history's span, so shards merge exactly ([`Sharding`]).
    pub fn set_span(&mut self, first: DateTime<Utc>, last: DateTime<Utc>) {
        self.span_given = true;
        if self.window.from.is_none() {
            self.start = Some(first.timestamp());
        }
        if self.window.to.is_none() {
            self.last_at = Some(last);
        }
    }

    /// Makes room for `orders` more orders with `lines` lines in all (a
    /// reader that knows them saves the tables growing step by step).
    pub fn reserve(&mut self, orders: usize, lines: usize) {
        self.orders.reserve(orders);
        self.order_states.reserve(orders);
        self.lines.reserve(lines);
    }

    /// Reads the next event.
    #[inline]
    pub fn push(&mut self, e: &Event) {
        self.push_view(e.at, KpiEvent::of(e));
    }

    /// Reads the next event, given as what the KPIs read of it (at `at`):
    /// the same figures as [`KpiAccumulator::push`] of the event.
    pub fn push_view<L: KpiLines>(&mut self, at: DateTime<Utc>, e: KpiEvent<'_, L>) {
        // `at` is read only where needed: a skipped event costs a look at its kind.
        if !self.span_given {
            if self.start.is_none() {
                self.start = Some(at.timestamp());
            }
            if self.window.to.is_none() {
                self.last_at = Some(at);
            }
        }
        if let KpiEvent::OrderPlaced { .. } = e {
            return self.placed(&e, at);
        }
        // The order (its index) and the group whose figures the event counts in.
        let order_id = e.order_id();
        let order = order_id.and_then(|id| self.find_order(id));
        let group = self.group_of(order_id, order);
        match e {
            KpiEvent::OrderAllocated { lines, .. } => {
                if let (Some(i), Some(g)) = (order, group) {
                    self.allocated(i as usize, g, &lines, at)
                }
            }
            KpiEvent::OrderShipped { lines, .. } => self.shipped(order, group, &lines, at, true),
            KpiEvent::LinesCancelled { lines, .. } => {
                if let Some(i) = order {
                    for k in 0..lines.len() {
                        self.cancelled(i as usize, lines.line_id(k), lines.quantity(k));
                    }
                }
            }
            KpiEvent::OrderStatusChanged { status, .. } => {
                let counted = matches!(
                    status,
                    OrderStatus::Shipped | OrderStatus::Delivered | OrderStatus::Cancelled
                );
                if let (true, Some(i), Some(g)) = (counted, order, group) {
                    self.status_changed(i as usize, g, status, at);
                }
            }
            KpiEvent::ShipmentException { .. } => {
                if let Some(i) = order {
                    self.order_states[i as usize].flags |= EXCEPTION;
                }
            }
            KpiEvent::ReturnRequested { rma_id, lines, .. } => {
                self.return_requested(order, rma_id, &lines)
            }
            KpiEvent::ReturnReceived { rma_id, lines, .. } if self.window.contains(at) => {
                for k in 0..lines.len() {
                    let quantity = lines.quantity(k);
                    if quantity > 0 {
                        self.returned(group, rma_id, order, lines.line_id(k), quantity);
                    }
                }
            }
            KpiEvent::StockMoved { sku, units } => self.stock(sku, units, at),
            KpiEvent::Pick { accurate, .. } if self.window.contains(at) => {
                if let Some(g) = group {
                    let f = &mut self.figures[g];
                    f.picks.count(accurate);
                    f.picks_all += 1;
                }
            }
            KpiEvent::Whole(e) => {
                if let EventKind::DropshipConfirmed { lines, .. } = &e.kind {
                    let lines = EventLines::Shipped(lines);
                    self.shipped(order, group, &lines, e.at, false);
                }
                // Kept for the supplier figures.
                if self.window.before_end(e.at) {
                    self.purchasing.push(e.clone());
                }
            }
            _ => {}
        }
    }

    /// The index of order `id`, if placed. An order's events come in runs
    /// (a command's events are about one order), so the last order found
    /// is tried first.
    #[inline]
    fn find_order(&mut self, id: &str) -> Option<u32> {
        if let Some(i) = self.last_order {
            if self.orders.name(i) == id {
                return Some(i);
            }
        }
        let hash = name_hash(id);
        let slot = recent_slot(hash);
        let r = self.recent_orders[slot];
        let i = if r != u32::MAX && self.orders.name(r) == id {
            r
        } else {
            let i = self.orders.get_hashed(id, hash)?;
            self.recent_orders[slot] = i;
            i
        };
        self.last_order = Some(i);
        Some(i)
    }

    /// The group whose figures an event of `order_id` (found at index
    /// `order`) counts in: the only one when not grouped; else the order's,
    /// the group of unplaced orders for an order not placed yet (which
    /// stays its group), none for an event of no order.
    #[inline]
    fn group_of(&mut self, order_id: Option<&str>, order: Option<u32>) -> Option<usize> {
        let Some(grouping) = &mut self.grouping else {
            return Some(0);
        };
        let order_id = order_id?;
        if let Some(i) = order {
            return Some(self.order_states[i as usize].group as usize);
        }
        grouping.unplaced.intern(order_id);
        let g = match grouping.unplaced_group {
            Some(g) => g,
            None => {
                let g = self.figures.len() as u32;
                self.figures.push(Figures::default());
                grouping.values.push(vec![None; grouping.by.len()]);
                grouping.unplaced_group = Some(g);
                g
            }
        };
        Some(g as usize)
    }

    /// The group of new order `order_id` placed with `values`: its
    /// channel, customer and country.
    fn placed_group(&mut self, order_id: &str, values: [&str; 3]) -> u32 {
        let Some(grouping) = &mut self.grouping else {
            return 0;
        };
        if let (Some(g), Some(_)) = (grouping.unplaced_group, grouping.unplaced.get(order_id)) {
            return g;
        }
        let value = |b: &GroupBy| match b {
            GroupBy::Channel => values[0],
            GroupBy::CustomerId => values[1],
            GroupBy::Country => values[2],
        };
        let k = if let [b] = grouping.by[..] {
            grouping.keys.intern_repeated(value(&b))
        } else {
            grouping.scratch.clear();
            for (n, b) in grouping.by.iter().enumerate() {
                if n > 0 {
                    grouping.scratch.push('\u{1f}');
                }
                grouping.scratch.push_str(value(b));
            }
            grouping.keys.intern(&grouping.scratch)
        } as usize;
        if k < grouping.key_group.len() {
            return grouping.key_group[k];
        }
        let g = self.figures.len() as u32;
        self.figures.push(Figures::default());
        grouping.values.push(
            grouping
                .by
                .iter()
                .map(|b| Some(value(b).to_string()))
                .collect(),
        );
        grouping.key_group.push(g);
        g
    }

    #[inline]
    fn line_text(&self, id: LineText) -> &str {
        &self.line_ids[id.start..id.start + id.len as usize]
    }

    /// Keeps a line's id text and its SKU (an index, or [`NO_SKU`]).
    fn keep_line(&mut self, line: &KpiLine<'_>) -> (LineText, u32) {
        let start = self.line_ids.len();
        self.line_ids.push_str(line.line_id);
        let id = LineText {
            start,
            len: u32::try_from(line.line_id.len()).unwrap_or(u32::MAX),
        };
        (id, line.sku.map_or(NO_SKU, |s| self.sku(s)))
    }

    /// The index in `lines` of order `i`'s line `line_id`.
    #[inline]
    fn line_of(&self, i: usize, line_id: &str) -> Option<usize> {
        let o = &self.order_states[i];
        let base = o.line_base as usize;
        let lines = self.lines.get(base..base + o.line_count as usize)?;
        lines
            .iter()
            .position(|l| self.line_text(l.id) == line_id)
            .map(|k| base + k)
    }

    /// The index of `sku`'s counts, made when new.
    #[inline]
    fn sku(&mut self, sku: &str) -> u32 {
        let i = self.skus.intern(sku);
        if i as usize == self.sku_states.len() {
            self.sku_states.push(SkuState::default());
        }
        i
    }

    /// An `order_placed` (any other event is ignored).
    fn placed<L: KpiLines>(&mut self, e: &KpiEvent<'_, L>, at: DateTime<Utc>) {
        let &KpiEvent::OrderPlaced {
            order_id,
            channel,
            customer_id,
            country,
            total,
            ship_by,
            deliver_by,
            ref lines,
        } = e
        else {
            return;
        };
        let in_window = self.window.contains(at);
        let i = self.orders.intern(order_id);
        if i as usize != self.order_states.len() {
            return; // placed twice: the first placement stands
        }
        self.last_order = Some(i);
        self.recent_orders[recent_slot(name_hash(order_id))] = i;
        let group = self.placed_group(order_id, [channel, customer_id, country]);
        let line_base = u32::try_from(self.lines.len()).unwrap_or(u32::MAX);
        for k in 0..lines.len() {
            let l = lines.line(k);
            let (id, sku) = self.keep_line(&l);
            self.lines.push(LineState {
                id,
                sku,
                active: l.quantity,
                shipped: 0,
            });
        }
        self.order_states.push(OrderState {
            placed_at: at.timestamp(),
            shipped_at: i64::MIN,
            ship_by,
            deliver_by,
            line_base,
            line_count: u32::try_from(lines.len()).unwrap_or(u32::MAX),
            group,
            flags: if in_window { PLACED_IN_WINDOW } else { 0 },
        });
        if !in_window {
            return;
        }
        let c = self.channels.intern_repeated(channel);
        let channels = &mut self.figures[group as usize].channels;
        let k = match channels.iter().position(|(i, _)| *i == c) {
            Some(k) => k,
            None => {
                channels.push((c, ChannelState::default()));
                channels.len() - 1
            }
        };
        let channel = &mut channels[k].1;
        channel.orders += 1;
        let Some(total) = total else {
            return;
        };
        match channel.sales.iter_mut().find(|(c, _)| *c == total.currency) {
            Some((_, sum)) => *sum = sum.saturating_add(total.amount),
            None => channel.sales.push((total.currency, total.amount)),
        }
    }

    fn allocated<L: KpiLines>(&mut self, i: usize, g: usize, lines: &L, at: DateTime<Utc>) {
        let in_window = self.window.contains(at);
        let o = self.order_states[i];
        let backordered = |line_id: &str| {
            (0..lines.len()).any(|k| lines.backordered(k) > 0 && lines.line_id(k) == line_id)
        };
        let mut flags = o.flags;
        if flags & ALLOCATED == 0 {
            flags |= ALLOCATED;
            if in_window {
                let base = o.line_base as usize;
                let order_lines = self
                    .lines
                    .get(base..base + o.line_count as usize)
                    .unwrap_or(&[]);
                let f = &mut self.figures[g];
                for l in order_lines.iter().filter(|l| l.active > 0) {
                    let line_id = &self.line_ids[l.id.start..l.id.start + l.id.len as usize];
                    f.fill_lines.count(!backordered(line_id));
                    f.fill_units.den += l.active;
                }
                f.fill_units.num += (0..lines.len())
                    .map(|k| lines.line(k).quantity)
                    .sum::<u64>();
            }
        }
        if (0..lines.len()).any(|k| lines.backordered(k) > 0) {
            flags |= BACKORDERED;
        }
        self.order_states[i].flags = flags;
    }

    fn shipped<L: KpiLines>(
        &mut self,
        order: Option<u32>,
        group: Option<usize>,
        lines: &L,
        at: DateTime<Utc>,
        from_stock: bool,
    ) {
        let in_window = self.window.contains(at);
        let moves_stock = from_stock && self.window.before_end(at);
        for k in 0..lines.len() {
            let quantity = lines.quantity(k);
            if let (true, Some(g)) = (in_window, group) {
                self.figures[g].shipped_units += quantity;
            }
            let Some(i) = order else {
                continue;
            };
            let Some(j) = self.line_of(i as usize, lines.line_id(k)) else {
                continue;
            };
            let line = &mut self.lines[j];
            line.shipped += quantity;
            let sku = line.sku;
            if !in_window && !moves_stock || sku == NO_SKU {
                continue;
            }
            if in_window {
                if let Some(g) = group {
                    self.figures[g].skus.entry(sku).or_default().shipped += quantity;
                }
            }
            let s = &mut self.sku_states[sku as usize];
            if in_window && from_stock {
                s.left_stock += quantity;
            }
            if moves_stock {
                let units = i64::try_from(quantity).unwrap_or(i64::MAX);
                stock(s, &self.window, self.start, -units, at);
            }
        }
    }

    fn cancelled(&mut self, i: usize, line_id: &str, quantity: u64) {
        if let Some(j) = self.line_of(i, line_id) {
            let l = &mut self.lines[j];
            l.active = l.active.saturating_sub(quantity);
        }
    }

    fn status_changed(&mut self, i: usize, g: usize, to: OrderStatus, at: DateTime<Utc>) {
        let o = &mut self.order_states[i];
        let seen = match to {
            OrderStatus::Cancelled => {
                o.flags |= CANCELLED;
                return;
            }
            OrderStatus::Shipped => SHIPPED,
            _ => DELIVERED,
        };
        if o.flags & seen != 0 {
            return;
        }
        o.flags |= seen;
        let f = &mut self.figures[g];
        let t = at.timestamp();
        let in_window = self.window.contains(at);
        if to == OrderStatus::Shipped {
            o.shipped_at = t;
            if in_window {
                f.cycle.add(t - o.placed_at);
                if let Some(ship_by) = o.ship_by {
                    f.on_time_shipment.count(at <= ship_by);
                }
            }
        } else if in_window {
            o.flags |= DELIVERED_IN_WINDOW;
            f.lead.add(t - o.placed_at);
            let on_time = match (o.deliver_by, o.ship_by) {
                (Some(day), _) => at.date_naive() <= day,
                (None, Some(ship_by)) => {
                    let shipped = if o.shipped_at == i64::MIN {
                        t
                    } else {
                        o.shipped_at
                    };
                    shipped <= ship_by.timestamp()
                }
                (None, None) => true,
            };
            if on_time {
                o.flags |= ON_TIME;
            }
        }
        if o.flags & LINES_CHECKED == 0 {
            o.flags |= LINES_CHECKED;
            if in_window {
                let base = o.line_base as usize;
                let lines = self
                    .lines
                    .get(base..base + o.line_count as usize)
                    .unwrap_or(&[]);
                for l in lines.iter().filter(|l| l.active > 0) {
                    f.shipped_lines.count(l.shipped == l.active);
                }
            }
        }
    }

    fn return_requested<L: KpiLines>(&mut self, order: Option<u32>, rma_id: &str, lines: &L) {
        if let Some(i) = order {
            self.order_states[i as usize].flags |= RETURN_REQUESTED;
        }
        let r = self.rmas.intern(rma_id);
        if r as usize != self.rma_spans.len() {
            return; // requested twice: the first request stands
        }
        let start = u32::try_from(self.rma_lines.len()).unwrap_or(u32::MAX);
        for k in 0..lines.len() {
            let l = lines.line(k);
            let (id, sku) = self.keep_line(&l);
            self.rma_lines.push(RmaLineState {
                id,
                sku,
                reason: l.reason,
            });
        }
        let len = u32::try_from(lines.len()).unwrap_or(u32::MAX);
        self.rma_spans.push((start, len));
    }

    fn returned(
        &mut self,
        group: Option<usize>,
        rma_id: &str,
        order: Option<u32>,
        line_id: &str,
        quantity: u64,
    ) {
        let requested = self.rmas.get(rma_id).and_then(|r| {
            let &(start, len) = self.rma_spans.get(r as usize)?;
            let lines = self
                .rma_lines
                .get(start as usize..start as usize + len as usize)?;
            lines
                .iter()
                .find(|l| self.line_text(l.id) == line_id)
                .copied()
        });
        let sku = match requested {
            Some(l) => Some(l.sku),
            None => order
                .and_then(|i| self.line_of(i as usize, line_id))
                .map(|j| self.lines[j].sku),
        };
        let Some(g) = group else {
            return;
        };
        let f = &mut self.figures[g];
        f.returned_units += quantity;
        *f.returned_by_reason
            .entry(requested.and_then(|l| l.reason))
            .or_insert(0) += quantity;
        if let Some(s) = sku.filter(|&s| s != NO_SKU) {
            f.skus.entry(s).or_default().returned += quantity;
        }
    }

    /// A stock movement of `units` of `sku` at `at`.
    fn stock(&mut self, sku: &str, units: i64, at: DateTime<Utc>) {
        if !self.window.before_end(at) {
            return;
        }
        let s = self.sku(sku) as usize;
        stock(&mut self.sku_states[s], &self.window, self.start, units, at);
    }

    /// The report on the events pushed.
    pub fn finish(self) -> KpiReport {
        let counts = self.order_counts();
        let mut kpis = Vec::new();
        let mut histograms = BTreeMap::new();
        // One group: this accumulator is not grouped (GroupedKpis finishes those).
        for (g, &c) in counts.iter().enumerate() {
            self.order_kpis(g, c, &mut kpis, &mut histograms);
        }
        self.stock_and_supplier_kpis(&mut kpis);
        complete(self.window, kpis, histograms)
    }

    /// One report of the order figures per group (sorted by group), then
    /// one of the stock and supplier figures ([`UNGROUPED`]), with absent
    /// group values.
    fn finish_groups(self) -> GroupReports {
        let counts = self.order_counts();
        let by = self.grouping.as_ref().map_or(0, |g| g.by.len());
        let mut out: GroupReports = (0..self.figures.len())
            .map(|g| {
                let mut kpis = Vec::new();
                let mut histograms = BTreeMap::new();
                self.order_kpis(g, counts[g], &mut kpis, &mut histograms);
                let key = self
                    .grouping
                    .as_ref()
                    .map(|gr| gr.values[g].clone())
                    .unwrap_or_default();
                (key, complete(self.window, kpis, histograms))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        let mut kpis = Vec::new();
        self.stock_and_supplier_kpis(&mut kpis);
        out.push((vec![None; by], complete(self.window, kpis, BTreeMap::new())));
        out
    }

    /// Per group: orders placed in the window, of them backordered and
    /// cancelled, and the perfect-order ratio of those delivered in it.
    fn order_counts(&self) -> Vec<(u64, u64, u64, Ratio)> {
        let mut counts = vec![(0, 0, 0, Ratio::default()); self.figures.len()];
        for o in &self.order_states {
            let c = &mut counts[o.group as usize];
            if o.flags & PLACED_IN_WINDOW != 0 {
                c.0 += 1;
                c.1 += u64::from(o.flags & BACKORDERED != 0);
                c.2 += u64::from(o.flags & CANCELLED != 0);
            }
            if o.flags & DELIVERED_IN_WINDOW != 0 {
                c.3.count(o.flags & (ON_TIME | EXCEPTION | RETURN_REQUESTED) == ON_TIME);
            }
        }
        counts
    }

    /// The order figures of group `g`.
    fn order_kpis(
        &self,
        g: usize,
        (placed, backordered, cancelled, perfect): (u64, u64, u64, Ratio),
        kpis: &mut Vec<Kpi>,
        histograms: &mut BTreeMap<String, BTreeMap<u64, u64>>,
    ) {
        let f = &self.figures[g];
        let shipped = f.shipped_units;
        kpis.push(ratio("return_rate", None, f.returned_units, shipped));
        for (reason, &units) in &f.returned_by_reason {
            let key = reason.map_or("unknown", |r| r.as_str());
            kpis.push(ratio("return_rate_by_reason", Some(key), units, shipped));
        }
        kpis.push(if f.picks_all > 0 {
            ratio("picking_accuracy", Some("picks"), f.picks.num, f.picks.den)
        } else {
            let r = f.shipped_lines;
            ratio("picking_accuracy", Some("shipped_lines"), r.num, r.den)
        });
        for (name, r) in [
            ("on_time_shipment_rate", f.on_time_shipment),
            ("fill_rate_lines", f.fill_lines),
            ("fill_rate_units", f.fill_units),
        ] {
            kpis.push(ratio(name, None, r.num, r.den));
        }
        kpis.push(ratio("backorder_rate", None, backordered, placed));
        kpis.push(ratio("cancellation_rate", None, cancelled, placed));
        kpis.push(ratio("perfect_order_rate", None, perfect.num, perfect.den));
        for (name, d) in [("order_cycle_time", &f.cycle), ("order_lead_time", &f.lead)] {
            let hours = micro(d.micro_hours);
            kpis.push(kpi(name, None, None, hours, d.count.into(), KpiUnit::Hours));
            let minutes = histograms.entry(name.to_string()).or_default();
            for (&m, &n) in &d.minutes {
                *minutes.entry(m).or_insert(0) += n;
            }
        }
        for (c, state) in &f.channels {
            let key = Some(self.channels.name(*c));
            kpis.push(kpi(
                "orders_by_channel",
                key,
                None,
                state.orders.into(),
                Decimal::ONE,
                KpiUnit::Count,
            ));
            for &(currency, sum) in &state.sales {
                let name = "sales_by_channel";
                kpis.push(kpi(
                    name,
                    key,
                    Some(currency),
                    sum,
                    Decimal::ONE,
                    KpiUnit::Money,
                ));
            }
        }
        for (sku, s) in &f.skus {
            if s.shipped > 0 || s.returned > 0 {
                let key = Some(self.skus.name(*sku));
                kpis.push(ratio("return_rate_by_sku", key, s.returned, s.shipped));
            }
        }
    }

    /// The stock and supplier figures ([`UNGROUPED`]).
    fn stock_and_supplier_kpis(&self, kpis: &mut Vec<Kpi>) {
        // The window in seconds, then in µ-days.
        let end = match (self.window.to, self.last_at) {
            (Some(to), _) => to.timestamp(),
            (None, Some(last)) => last.timestamp(),
            (None, None) => 0,
        };
        let start = self.start.unwrap_or(end);
        let days = micro_days(i128::from((end - start).max(0)));
        for (i, s) in self.sku_states.iter().enumerate() {
            if !s.stocked && s.left_stock == 0 {
                continue;
            }
            let key = Some(self.skus.name(i as u32));
            let on_hand = i128::from(s.on_hand);
            let left = micro(i128::from(s.left_stock) * days);
            let unit_days = micro(on_hand * days - s.offset);
            kpis.push(kpi(
                "inventory_turnover",
                key,
                None,
                left,
                unit_days,
                KpiUnit::Turns,
            ));
            let supply = micro(on_hand * days);
            let left = s.left_stock.into();
            kpis.push(kpi(
                "days_of_supply",
                key,
                None,
                supply,
                left,
                KpiUnit::Days,
            ));
        }
        for (supplier, on_time, received, filled, ordered) in self.suppliers() {
            let key = Some(supplier.as_str());
            if received > 0 {
                kpis.push(ratio("supplier_on_time_rate", key, on_time, received));
            }
            if ordered > 0 {
                kpis.push(ratio("supplier_fill_rate", key, filled, ordered));
            }
        }
    }

    /// Per supplier: (on-time units, received units, filled units, ordered
    /// units) in the window: the figures up to the window end less those
    /// before its start.
    fn suppliers(&self) -> Vec<(SupplierId, u64, u64, u64, u64)> {
        let all = supplier_performance(&self.purchasing);
        let before: BTreeMap<SupplierId, SupplierPerformance> = match self.window.from {
            Some(from) => supplier_performance(self.purchasing.iter().filter(|e| e.at < from))
                .into_iter()
                .map(|p| (p.supplier_id.clone(), p))
                .collect(),
            None => BTreeMap::new(),
        };
        all.into_iter()
            .map(|p| {
                let b = before.get(&p.supplier_id);
                let less =
                    |v: u64, f: fn(&SupplierPerformance) -> u64| v.saturating_sub(b.map_or(0, f));
                (
                    p.supplier_id.clone(),
                    less(p.on_time_units, |b| b.on_time_units),
                    less(p.received_units, |b| b.received_units),
                    less(p.filled_units, |b| b.filled_units),
                    less(p.ordered_units, |b| b.ordered_units),
                )
            })
            .collect()
    }
}

/// The KPIs of `events` (in the order given) for `window`.
pub fn compute<'a>(events: impl IntoIterator<Item = &'a Event>, window: &Window) -> KpiReport {
    let mut acc = KpiAccumulator::new(*window);
    for e in events {
        acc.push(e);
    }
    acc.finish()
}

/// Adds up reports of shards of one history over one window: numerators
/// and denominators summed per (name, key, currency) (counts and money keep
/// the denominator 1; `return_rate_by_reason` takes the summed
/// `return_rate` denominator, since a shard leaves out reasons it has no
/// returns for; `picking_accuracy` keeps the `picks` basis when any shard
/// has it), histograms merged, values and percentiles worked out again.
/// The window is the first report's.
pub fn merge(reports: &[KpiReport]) -> KpiReport {
    type Key = (String, Option<String>, Option<Currency>);
    let mut sums: BTreeMap<Key, (Decimal, Decimal, KpiUnit)> = BTreeMap::new();
    let mut histograms: BTreeMap<String, BTreeMap<u64, u64>> = BTreeMap::new();
    let percentiles: BTreeSet<String> = TIMED
        .iter()
        .flat_map(|t| PERCENTILES.iter().map(move |(p, _, _)| format!("{t}_{p}")))
        .collect();
    for r in reports {
        for k in r.kpis.iter().filter(|k| !percentiles.contains(&k.name)) {
            let key = (k.name.clone(), k.key.clone(), k.currency);
            let sum = sums
                .entry(key)
                .or_insert((Decimal::ZERO, Decimal::ZERO, k.unit));
            sum.0 = sum.0.saturating_add(k.numerator);
            sum.1 = match k.unit {
                KpiUnit::Count | KpiUnit::Money => Decimal::ONE,
                _ => sum.1.saturating_add(k.denominator),
            };
        }
        for (name, h) in &r.histograms {
            let into = histograms.entry(name.clone()).or_default();
            for (&minutes, &n) in h {
                *into.entry(minutes).or_insert(0) += n;
            }
        }
    }
    // Every reason's share is of all units shipped: a shard without
    // returns of a reason left that reason out, so take the total's.
    let shipped = sums
        .get(&("return_rate".to_string(), None, None))
        .map(|s| s.1);
    if let Some(shipped) = shipped {
        for (key, sum) in sums.iter_mut() {
            if key.0 == "return_rate_by_reason" {
                sum.1 = shipped;
            }
        }
    }
    // One run over every shard counts picks when any shard had some.
    let picks = (
        "picking_accuracy".to_string(),
        Some("picks".to_string()),
        None,
    );
    if sums.contains_key(&picks) {
        sums.remove(&(picks.0, Some("shipped_lines".to_string()), None));
    }
    let kpis = sums
        .into_iter()
        .map(|((name, key, currency), (num, den, unit))| Kpi {
            value: quotient(num, den),
            name,
            key,
            currency,
            numerator: num,
            denominator: den,
            unit,
        })
        .collect();
    let window = reports.first().map(|r| r.window).unwrap_or_default();
    complete(window, kpis, histograms)
}

/// Adds the percentiles of the timed figures present and sorts.
fn complete(
    window: Window,
    mut kpis: Vec<Kpi>,
    histograms: BTreeMap<String, BTreeMap<u64, u64>>,
) -> KpiReport {
    let empty = BTreeMap::new();
    for name in TIMED {
        if !kpis.iter().any(|k| k.name == name && k.key.is_none()) {
            continue;
        }
        let h = histograms.get(name).unwrap_or(&empty);
        let n: u64 = h.values().sum();
        for (suffix, p, q) in PERCENTILES {
            let rank = (p * n).div_ceil(q);
            let mut seen = 0;
            let minutes = h.iter().find_map(|(&m, &c)| {
                seen += c;
                (seen >= rank && n > 0).then_some(m)
            });
            kpis.push(Kpi {
                name: format!("{name}_{suffix}"),
                key: None,
                currency: None,
                numerator: rank.into(),
                denominator: n.into(),
                value: minutes.map(|m| Decimal::from(m) / Decimal::from(60)),
                unit: KpiUnit::Hours,
            });
        }
    }
    kpis.sort_by(|a, b| (&a.name, &a.key, a.currency).cmp(&(&b.name, &b.key, b.currency)));
    KpiReport {
        window,
        kpis,
        histograms,
    }
}

fn kpi(
    name: &str,
    key: Option<&str>,
    currency: Option<Currency>,
    numerator: Decimal,
    denominator: Decimal,
    unit: KpiUnit,
) -> Kpi {
    Kpi {
        name: name.to_string(),
        key: key.map(str::to_string),
        currency,
        numerator,
        denominator,
        value: quotient(numerator, denominator),
        unit,
    }
}

/// A ratio of counts.
fn ratio(name: &str, key: Option<&str>, numerator: u64, denominator: u64) -> Kpi {
    let (n, d) = (numerator.into(), denominator.into());
    kpi(name, key, None, n, d, KpiUnit::Ratio)
}

pub(crate) fn quotient(numerator: Decimal, denominator: Decimal) -> Option<Decimal> {
    if denominator.is_zero() {
        None
    } else {
        numerator.checked_div(denominator)
    }
}

/// A stock movement of `units` of `sku` at `at`: on hand and its offset
/// from the window start (see [`KpiAccumulator::finish`]).
fn stock(s: &mut SkuState, window: &Window, start: Option<i64>, units: i64, at: DateTime<Utc>) {
    if !window.before_end(at) {
        return;
    }
    let seconds = (at.timestamp() - start.unwrap_or(0)).max(0);
    s.stocked = true;
    s.on_hand = s.on_hand.saturating_add(units);
    s.offset += micro_days(i128::from(units) * i128::from(seconds));
}

/// `n / d` rounded half away from zero (`d` > 0).
fn round_div(n: i128, d: i128) -> i128 {
    let half = d / 2;
    if n >= 0 {
        (n + half) / d
    } else {
        (n - half) / d
    }
}

/// Seconds (or unit-seconds) as µ-days, rounded.
fn micro_days(seconds: i128) -> i128 {
    round_div(seconds.saturating_mul(1_000_000), 86_400)
}

/// A count of millionths as a decimal with 6 places.
fn micro(v: i128) -> Decimal {
    Decimal::try_from_i128_with_scale(v, 6).unwrap_or(if v < 0 {
        Decimal::MIN
    } else {
        Decimal::MAX
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_div(5, 10), 1);
        assert_eq!(round_div(-5, 10), -1);
        assert_eq!(round_div(4, 10), 0);
        assert_eq!(micro_days(86_400), 1_000_000);
        assert_eq!(micro(1_500_000).to_string(), "1.500000");
    }

    #[test]
    fn kpis_round_trip_through_json() {
        let report = complete(
            Window::default(),
            vec![kpi(
                "return_rate",
                None,
                None,
                1.into(),
                3.into(),
                KpiUnit::Ratio,
            )],
            BTreeMap::new(),
        );
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains(r#""numerator":"1""#), "{json}");
        assert!(json.contains(r#""unit":"ratio""#), "{json}");
        let schema = serde_json::to_string(&schemars::schema_for!(KpiReport)).unwrap();
        assert!(schema.contains("histograms"), "{schema}");
        assert_eq!(serde_json::from_str::<KpiReport>(&json).unwrap(), report);
    }
}

/// What [`GroupedKpis`] can break order figures down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupBy {
    /// The order's sales channel (`by=("channel",)`).
    Channel,
    /// The order's customer.
    CustomerId,
    /// The ship-to's country.
    Country,
}

impl GroupBy {
    /// Every grouping, by name.
    pub const ALL: [(&'static str, GroupBy); 3] = [
        ("channel", GroupBy::Channel),
        ("customer_id", GroupBy::CustomerId),
        ("country", GroupBy::Country),
    ];

    /// The grouping named `name` (`channel`, `customer_id`, `country`).
    pub fn parse(name: &str) -> crate::error::Result<GroupBy> {
        GroupBy::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, g)| g)
            .ok_or_else(|| {
                crate::error::OmsError::validation(
                    "by",
                    format!(
                        "cannot group KPIs by {name:?}; choose from {:?}",
                        GroupBy::ALL.map(|(n, _)| n)
                    ),
                )
            })
    }

    /// The column name.
    pub fn name(self) -> &'static str {
        GroupBy::ALL
            .iter()
            .find(|(_, g)| *g == self)
            .map_or("", |(n, _)| n)
    }
}

/// Reports per group: each group's values (in the order of the
/// [`GroupBy`]s) and its report, as [`GroupedKpis::finish`] gives them.
pub type GroupReports = Vec<(Vec<Option<String>>, KpiReport)>;

/// Figures that are not about orders: reported once, not per group.
pub const UNGROUPED: [&str; 4] = [
    "days_of_supply",
    "inventory_turnover",
    "supplier_fill_rate",
    "supplier_on_time_rate",
];

/// KPIs broken down by order attributes ([`GroupBy`]): one report per
/// group of the order figures (an order's events go to its group, read
/// from its `order_placed`; events of orders placed before the history
/// given go to the group of absent values), plus one report, whose group
/// is all absent values, of the figures in [`UNGROUPED`] (inventory and
/// suppliers) over every event. With no grouping, one report of everything.
///
/// One pass over the events: each order carries its group, and the order
/// figures are counted per group.
#[derive(Debug)]
pub struct GroupedKpis {
    acc: KpiAccumulator,
}

impl GroupedKpis {
    /// Groups by `by` (in that column order) over `window`.
    pub fn new(window: Window, by: Vec<GroupBy>) -> GroupedKpis {
        GroupedKpis {
            acc: if by.is_empty() {
                KpiAccumulator::new(window)
            } else {
                KpiAccumulator::grouped(window, by)
            },
        }
    }

    /// Makes room for `orders` more orders with `lines` lines in all.
    pub fn reserve(&mut self, orders: usize, lines: usize) {
        self.acc.reserve(orders, lines);
    }

    /// The history's span for an open window: see [`KpiAccumulator::set_span`].
    pub fn set_span(&mut self, first: DateTime<Utc>, last: DateTime<Utc>) {
        self.acc.set_span(first, last);
    }

    /// Reads the next event.
    #[inline]
    pub fn push(&mut self, e: &Event) {
        self.acc.push(e);
    }

    /// Reads the next event, given as what the KPIs read of it (at `at`):
    /// the same figures as [`GroupedKpis::push`] of the event.
    #[inline]
    pub fn push_view<L: KpiLines>(&mut self, at: DateTime<Utc>, e: KpiEvent<'_, L>) {
        self.acc.push_view(at, e);
    }

    /// The reports, by group (sorted), the ungrouped figures last.
    pub fn finish(self) -> GroupReports {
        if self.acc.grouping.is_none() {
            return vec![(Vec::new(), self.acc.finish())];
        }
        self.acc.finish_groups()
    }
}

/// Splits an event history into shards whose [`GroupedKpis`] reports add
/// up exactly ([`merge_grouped`]) to the report of the whole: each order's
/// events go to one shard (by a hash of its id), and shard 0 takes the
/// events of no order and the events read whole (purchase orders,
/// dropship confirmations: see [`WHOLE_EVENTS`]) together with every
/// order [`pinned`](Sharding::pin) to it, which must include the orders of
/// those events (a dropship order's shipment and its PO stay together).
/// Give each shard's accumulator the whole history's span
/// ([`GroupedKpis::set_span`]) when the window is open.
///
/// ```
/// use oms_core::kpi::{KpiKind, Sharding};
/// let mut sharding = Sharding::new(2);
/// sharding.pin("SO-9");
/// assert_eq!(sharding.shard(KpiKind::OrderShipped, Some("SO-9")), 0);
/// assert_eq!(sharding.shard(KpiKind::StockMoved, None), 0);
/// let s = sharding.shard(KpiKind::OrderPlaced, Some("SO-1"));
/// assert_eq!(sharding.shard(KpiKind::OrderShipped, Some("SO-1")), s);
/// ```
#[derive(Debug, Clone)]
pub struct Sharding {
    shards: usize,
    pinned: Names,
}

impl Sharding {
    /// `shards` shards (at least one).
    pub fn new(shards: usize) -> Sharding {
        Sharding {
            shards: shards.max(1),
            pinned: Names::default(),
        }
    }

    /// How many shards.
    pub fn shards(&self) -> usize {
        self.shards
    }

    /// Keeps order `order_id`'s events in shard 0.
    pub fn pin(&mut self, order_id: &str) {
        self.pinned.intern(order_id);
    }

    /// The shard of an event of kind `kind` about order `order_id`.
    #[inline]
    pub fn shard(&self, kind: KpiKind, order_id: Option<&str>) -> usize {
        match order_id {
            _ if self.shards == 1 || kind == KpiKind::Whole => 0,
            None => 0,
            Some(id) => {
                let hash = name_hash(id);
                if self.pinned.len() > 0 && self.pinned.get_hashed(id, hash).is_some() {
                    0
                } else {
                    (hash >> 32) as usize % self.shards
                }
            }
        }
    }
}

/// Adds up the [`GroupedKpis::finish`] results of the shards of one history
/// ([`Sharding`]): each group's reports merged ([`merge`]), groups sorted,
/// the stock and supplier report last; without grouping, the one report.
pub fn merge_grouped(parts: Vec<GroupReports>) -> GroupReports {
    let grouped = parts
        .first()
        .and_then(|p| p.first())
        .is_some_and(|(key, _)| !key.is_empty());
    let mut groups: BTreeMap<Vec<Option<String>>, Vec<KpiReport>> = BTreeMap::new();
    let mut rest: Vec<KpiReport> = Vec::new();
    let mut rest_key = Vec::new();
    for mut part in parts {
        if grouped {
            if let Some((key, report)) = part.pop() {
                rest_key = key;
                rest.push(report);
            }
        }
        for (key, report) in part {
            groups.entry(key).or_default().push(report);
        }
    }
    let mut out: GroupReports = groups
        .into_iter()
        .map(|(key, reports)| (key, merge(&reports)))
        .collect();
    if grouped {
        out.push((rest_key, merge(&rest)));
    }
    out
}
