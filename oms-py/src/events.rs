//! The events table: what `Engine.execute_table` returns, and what `kpis`
//! and `replay_table` read.
//!
//! One row per event (or per failed command): `seq`, `row`, `at`, `type`,
//! `order_id`, `event` (the contract JSON), `error`, `error_code`, then the
//! KPI columns, the fields the core's [`KpiEvent`] reads of an event:
//! `channel`, `customer_id`, `country`, `order_total`, `currency`,
//! `ship_by`, `deliver_by` (order_placed), `status` (order_status_changed),
//! `rma_id` (return_requested, return_received), `sku`, `units` (stock
//! movements), and `lines` (a list of line_id, sku, quantity, backordered,
//! reason). `kpis` reads those columns when the table has them all, and
//! parses the JSON only of the few events read whole (purchase orders,
//! dropship confirmations); without them it parses every row's JSON.
//! Conversion only: which fields an event has is the core's
//! [`KpiEvent::of`] and [`KpiKind::of_type`].

use std::sync::Arc;

use arrow_array::builder::{Date32Builder, Decimal128Builder, Int64Builder, StringBuilder};
use arrow_array::cast::AsArray;

use arrow_array::{
    Array, ArrayRef, Date32Array, Int64Array, ListArray, RecordBatch, StructArray,
    TimestampMicrosecondArray,
};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Fields, Schema};
use chrono::{DateTime, NaiveDate, Utc};
use oms_core::kpi::{
    merge_grouped, EventLines, GroupBy, GroupReports, GroupedKpis, KpiEvent, KpiKind, KpiLine,
    KpiLines, Sharding, Window,
};
use oms_core::money::{Currency, Money as CoreMoney};
use oms_core::order::OrderStatus;
use oms_core::returns::ReturnReason;
use oms_core::simulation::Progress;
use oms_core::{Event, OmsError};
use pyo3::prelude::*;
use rust_decimal::Decimal;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::table::{read_table, utc_micros, Column, Money, Strs, Table, TableBuilder};

/// The KPI columns, in table order.
pub(crate) const KPI_COLUMNS: [&str; 12] = [
    "channel",
    "customer_id",
    "country",
    "order_total",
    "currency",
    "ship_by",
    "deliver_by",
    "status",
    "rma_id",
    "sku",
    "units",
    "lines",
];

/// `order_total`'s decimal type: 38 digits, 12 of them decimals.
const TOTAL_PRECISION: u8 = 38;
const TOTAL_SCALE: u32 = 12;

/// Rows per record batch of an events table (batches stay far below the
/// 2 GiB an Arrow string or list column can hold).
const BATCH_ROWS: usize = 1 << 16;

/// What `execute_table` records per row: its events, or its error.
pub(crate) type RowOutcome = (u32, DateTime<Utc>, Result<Vec<Event>, OmsError>);

/// One row of the events table.
struct Row<'a> {
    row: u32,
    at: DateTime<Utc>,
    event: Option<&'a Event>,
    error: Option<&'a OmsError>,
}

/// The events table of `execute_table`'s rows.
pub(crate) fn events_table(rows: &[RowOutcome]) -> Table {
    let mut flat = Vec::new();
    for (row, at, r) in rows {
        match r {
            Ok(events) => flat.extend(events.iter().map(|e| Row {
                row: *row,
                at: e.at,
                event: Some(e),
                error: None,
            })),
            Err(e) => flat.push(Row {
                row: *row,
                at: *at,
                event: None,
                error: Some(e),
            }),
        }
    }
    let mut batches = Vec::new();
    let mut start = 0;
    loop {
        let end = (start + BATCH_ROWS).min(flat.len());
        batches.push(events_batch(start, &flat[start..end]));
        start = end;
        if start == flat.len() {
            break;
        }
    }
    Table {
        schema: batches[0].schema(),
        batches,
    }
}

/// The rows of one batch; `first` is the first one's `seq`.
fn events_batch(first: usize, flat: &[Row<'_>]) -> RecordBatch {
    let json: Vec<Option<String>> = flat
        .iter()
        .map(|r| {
            r.event
                .map(|e| serde_json::to_string(e).expect("events serialize"))
        })
        .collect();
    let views: Vec<Option<KpiEvent<'_>>> = flat.iter().map(|r| r.event.map(KpiEvent::of)).collect();
    let errors: Vec<Option<String>> = flat
        .iter()
        .map(|r| r.error.map(|e| e.to_string()))
        .collect();
    let mut b = TableBuilder::default();
    b.i64s("seq", (first..first + flat.len()).map(|i| i as i64))
        .i64s("row", flat.iter().map(|r| i64::from(r.row)))
        .times("at", false, flat.iter().map(|r| Some(r.at)))
        .strings("type", true, flat.iter().map(|r| r.event.map(|e| e.name())))
        .strings(
            "order_id",
            true,
            views.iter().map(|v| v.as_ref().and_then(|v| v.order_id())),
        )
        .strings("event", true, json.iter().map(|j| j.as_deref()))
        .strings("error", true, errors.iter().map(|e| e.as_deref()))
        .strings(
            "error_code",
            true,
            flat.iter().map(|r| r.error.map(|e| e.code().as_str())),
        )
        .strings(
            "channel",
            true,
            view_texts(&views, |v| match *v {
                KpiEvent::OrderPlaced { channel, .. } => Some(channel),
                _ => None,
            }),
        )
        .strings(
            "customer_id",
            true,
            view_texts(&views, |v| match *v {
                KpiEvent::OrderPlaced { customer_id, .. } => Some(customer_id),
                _ => None,
            }),
        )
        .strings(
            "country",
            true,
            view_texts(&views, |v| match *v {
                KpiEvent::OrderPlaced { country, .. } => Some(country),
                _ => None,
            }),
        );
    let totals: Vec<Option<CoreMoney>> = views
        .iter()
        .map(|v| match v {
            Some(KpiEvent::OrderPlaced { total, .. }) => *total,
            _ => None,
        })
        .collect();
    b.column("order_total", true, order_totals(&totals))
        .strings(
            "currency",
            true,
            totals
                .iter()
                .map(|t| t.as_ref().map(|t| t.currency.as_str())),
        )
        .times(
            "ship_by",
            true,
            views.iter().map(|v| match v {
                Some(KpiEvent::OrderPlaced { ship_by, .. }) => *ship_by,
                _ => None,
            }),
        );
    let mut deliver_by = Date32Builder::with_capacity(flat.len());
    for v in &views {
        deliver_by.append_option(match v {
            Some(KpiEvent::OrderPlaced { deliver_by, .. }) => deliver_by.map(days_since_epoch),
            _ => None,
        });
    }
    b.column("deliver_by", true, Arc::new(deliver_by.finish()))
        .strings(
            "status",
            true,
            views.iter().map(|v| match v {
                Some(KpiEvent::OrderStatusChanged { status, .. }) => Some(status.as_str()),
                _ => None,
            }),
        )
        .strings(
            "rma_id",
            true,
            view_texts(&views, |v| match *v {
                KpiEvent::ReturnRequested { rma_id, .. }
                | KpiEvent::ReturnReceived { rma_id, .. } => Some(rma_id),
                _ => None,
            }),
        )
        .strings(
            "sku",
            true,
            view_texts(&views, |v| match *v {
                KpiEvent::StockMoved { sku, .. } => Some(sku),
                _ => None,
            }),
        );
    let mut units = Int64Builder::with_capacity(flat.len());
    for v in &views {
        units.append_option(match v {
            Some(KpiEvent::StockMoved { units, .. }) => Some(*units),
            _ => None,
        });
    }
    b.column("units", true, Arc::new(units.finish()));
    b.column(
        "lines",
        true,
        lines_array(views.iter().map(|v| v.as_ref().and_then(lines_of))),
    );
    let table = b.finish();
    table.batches.into_iter().next().expect("one batch")
}

fn days_since_epoch(d: NaiveDate) -> i32 {
    (d - NaiveDate::default()).num_days() as i32
}

/// A text field of each row's view (`None` where it has none).
fn view_texts<'a, 'v>(
    views: &'v [Option<KpiEvent<'a>>],
    f: fn(&KpiEvent<'a>) -> Option<&'a str>,
) -> impl ExactSizeIterator<Item = Option<&'a str>> + 'v {
    views.iter().map(move |v| v.as_ref().and_then(f))
}

/// The lines of a view, for those that have lines.
fn lines_of<'a>(v: &KpiEvent<'a>) -> Option<EventLines<'a>> {
    match *v {
        KpiEvent::OrderPlaced { lines, .. }
        | KpiEvent::OrderAllocated { lines, .. }
        | KpiEvent::OrderShipped { lines, .. }
        | KpiEvent::LinesCancelled { lines, .. }
        | KpiEvent::ReturnRequested { lines, .. }
        | KpiEvent::ReturnReceived { lines, .. } => Some(lines),
        _ => None,
    }
}

/// The struct fields of a `lines` entry.
fn line_fields() -> Fields {
    Fields::from(vec![
        Field::new("line_id", DataType::Utf8, false),
        Field::new("sku", DataType::Utf8, true),
        Field::new("quantity", DataType::Int64, false),
        Field::new("backordered", DataType::Int64, false),
        Field::new("reason", DataType::Utf8, true),
    ])
}

/// The `lines` column: a list of (line_id, sku, quantity, backordered,
/// reason) per row, null for rows without lines.
fn lines_array<'a>(rows: impl Iterator<Item = Option<EventLines<'a>>>) -> ArrayRef {
    let mut offsets = vec![0i32];
    let mut valid = Vec::new();
    let (mut ids, mut skus, mut reasons) = (
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
    );
    let (mut quantities, mut backordered) = (Int64Builder::new(), Int64Builder::new());
    let mut count = 0usize;
    for lines in rows {
        valid.push(lines.is_some());
        if let Some(lines) = lines {
            for i in 0..lines.len() {
                let l = lines.line(i);
                ids.append_value(l.line_id);
                skus.append_option(l.sku);
                quantities.append_value(i64::try_from(l.quantity).unwrap_or(i64::MAX));
                backordered.append_value(i64::try_from(l.backordered).unwrap_or(i64::MAX));
                reasons.append_option(l.reason.map(ReturnReason::as_str));
            }
            count += lines.len();
        }
        offsets.push(i32::try_from(count).expect("a batch holds under 2^31 lines"));
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(ids.finish()),
        Arc::new(skus.finish()),
        Arc::new(quantities.finish()),
        Arc::new(backordered.finish()),
        Arc::new(reasons.finish()),
    ];
    let values = StructArray::new(line_fields(), columns, None);
    let field = Arc::new(Field::new("item", DataType::Struct(line_fields()), false));
    let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
    Arc::new(ListArray::new(
        field,
        offsets,
        Arc::new(values),
        Some(valid.into()),
    ))
}

/// The `order_total` column: decimal(38, 12); null where there is no
/// total, or where it does not fit that type exactly (its JSON is read).
fn order_totals(totals: &[Option<CoreMoney>]) -> ArrayRef {
    let mut b = Decimal128Builder::with_capacity(totals.len());
    for t in totals {
        b.append_option(t.and_then(|t| at_scale(t.amount)));
    }
    Arc::new(
        b.finish()
            .with_precision_and_scale(TOTAL_PRECISION, TOTAL_SCALE as i8)
            .expect("38 digits at scale 12 is a valid decimal type"),
    )
}

/// `d`'s mantissa at scale 12, when that is exact and within 38 digits.
fn at_scale(d: Decimal) -> Option<i128> {
    let d = d.normalize();
    if d.scale() > TOTAL_SCALE {
        return None;
    }
    let m = d
        .mantissa()
        .checked_mul(10i128.pow(TOTAL_SCALE - d.scale()))?;
    (m.unsigned_abs() < 10u128.pow(u32::from(TOTAL_PRECISION))).then_some(m)
}

/// The `event` column (each event's JSON) of an events table, batch by batch.
pub(crate) struct EventColumn {
    batches: Vec<Strs>,
    pub(crate) rows: usize,
}

impl EventColumn {
    pub(crate) fn read(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<EventColumn> {
        let (schema, batches) = read_table(source, "events")?;
        EventColumn::of(py, &schema, &batches)
    }

    fn of(py: Python<'_>, schema: &Schema, batches: &[RecordBatch]) -> PyResult<EventColumn> {
        let event = Column::required(py, schema, "events", "event")?;
        let batches = batches
            .iter()
            .map(|b| event.strings(py, b))
            .collect::<PyResult<Vec<_>>>()?;
        let rows = batches.iter().map(Strs::len).sum();
        Ok(EventColumn { batches, rows })
    }

    /// Parses the events in row order and hands each to `f` with its row;
    /// rows without an event (recorded errors) are skipped.
    pub(crate) fn each(
        &self,
        mut f: impl FnMut(usize, Event) -> Result<(), OmsError>,
    ) -> Result<(), OmsError> {
        let mut row = 0;
        for c in &self.batches {
            for i in 0..c.len() {
                if let Some(json) = c.get(i) {
                    f(row, parse_event(row, json)?)?;
                }
                row += 1;
            }
        }
        Ok(())
    }
}

fn parse_event(row: usize, json: &str) -> Result<Event, OmsError> {
    Event::from_json(json)
        .map_err(|e| OmsError::validation(format!("events[{row}].event"), e.to_string()))
}

/// The events of an events table's `event` column (JSON), in row order;
/// rows without an event (recorded errors) are skipped.
pub(crate) fn events_from_table(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<Vec<Event>> {
    let events = EventColumn::read(py, source)?;
    py.detach(move || {
        let mut out = Vec::with_capacity(events.rows);
        events.each(|_, e| {
            out.push(e);
            Ok(())
        })?;
        Ok(out)
    })
    .map_err(|e| crate::errors::to_py_err(py, &e, None))
}

/// An events table as `kpis` reads it: by its KPI columns when it has
/// them all, else by each row's JSON.
pub(crate) enum KpiSource {
    Columns(Vec<KpiBatch>),
    Json(EventColumn),
}

impl KpiSource {
    pub(crate) fn read(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<KpiSource> {
        let (schema, batches) = read_table(source, "events")?;
        let has_all = ["type", "at", "order_id"]
            .iter()
            .chain(KPI_COLUMNS.iter())
            .all(|c| schema.column_with_name(c).is_some());
        if !has_all {
            return Ok(KpiSource::Json(EventColumn::of(py, &schema, &batches)?));
        }
        let batches = batches
            .iter()
            .map(|b| KpiBatch::read(py, &schema, b))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(KpiSource::Columns(batches))
    }

    pub(crate) fn rows(&self) -> usize {
        match self {
            KpiSource::Columns(b) => b.iter().map(|b| b.rows).sum(),
            KpiSource::Json(c) => c.rows,
        }
    }

    /// The grouped KPI reports of the events over `window`, by `by`,
    /// calling `progress` every 65,536 rows (it returns `false` to stop).
    /// The KPI columns are read by `threads` shards of the history at once
    /// (`None`: one per core for tables of 65,536 rows or more), whose
    /// reports add up exactly (`oms_core::kpi::Sharding`); the JSON is
    /// read in one.
    /// `span`, when given, is the whole history's first and last event
    /// times (these events being a part of it), for an open window.
    pub(crate) fn reports(
        &self,
        window: Window,
        by: &[GroupBy],
        threads: Option<usize>,
        span: Option<(DateTime<Utc>, DateTime<Utc>)>,
        progress: &mut dyn FnMut(Progress) -> bool,
    ) -> Result<GroupReports, OmsError> {
        let total = self.rows() as u64;
        let mut tick = |row: usize| {
            let done = row as u64 + 1;
            if done % PROGRESS_ROWS == 0
                && !progress(Progress {
                    lines_done: done,
                    lines_total: total,
                })
            {
                return Err(interrupted());
            }
            Ok(())
        };
        match self {
            KpiSource::Json(c) => {
                let mut acc = GroupedKpis::new(window, by.to_vec());
                if let Some((first, last)) = span {
                    acc.set_span(first, last);
                }
                c.each(|row, e| {
                    acc.push(&e);
                    tick(row)
                })?;
                Ok(acc.finish())
            }
            KpiSource::Columns(batches) => {
                let threads = threads.unwrap_or_else(|| {
                    if total < PROGRESS_ROWS {
                        1
                    } else {
                        std::thread::available_parallelism().map_or(1, |n| n.get())
                    }
                });
                let mut shards = Shards::plan(batches, threads);
                if span.is_some() {
                    shards.span = span;
                }
                shards.reports(window, by, &mut tick)
            }
        }
    }
}

/// Rows between progress reports (and the least rows worth a second thread).
const PROGRESS_ROWS: u64 = 1 << 16;

fn interrupted() -> OmsError {
    OmsError::Conflict {
        message: "the KPI run was interrupted".into(),
    }
}

/// The KPI columns split into shards of the history, one per thread.
struct Shards<'a> {
    batches: &'a [KpiBatch],
    /// Each batch's rows' kinds (`None`: no event).
    kinds: Vec<Vec<Option<KpiKind>>>,
    sharding: Sharding,
    /// The history's first and last event times.
    span: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Per shard: the orders placed and their lines.
    placed: Vec<(usize, usize)>,
}

impl<'a> Shards<'a> {
    fn plan(batches: &'a [KpiBatch], threads: usize) -> Shards<'a> {
        let kinds: Vec<Vec<Option<KpiKind>>> = batches.iter().map(KpiBatch::kinds).collect();
        let mut sharding = Sharding::new(threads);
        let (mut first, mut last) = (None, None);
        for (b, kinds) in batches.iter().zip(&kinds) {
            for (i, kind) in kinds.iter().enumerate() {
                let Some(kind) = *kind else { continue };
                if kind == KpiKind::Whole {
                    if let Some(id) = b.order_id.get(i) {
                        sharding.pin(id);
                    }
                }
                if !b.at.is_null(i) {
                    let at = utc_micros(b.at.value(i));
                    first = first.or(at);
                    last = at.or(last);
                }
            }
        }
        let mut placed = vec![(0, 0); sharding.shards()];
        for (b, kinds) in batches.iter().zip(&kinds) {
            for (i, kind) in kinds.iter().enumerate() {
                if *kind == Some(KpiKind::OrderPlaced) {
                    let p = &mut placed[sharding.shard(KpiKind::OrderPlaced, b.order_id.get(i))];
                    p.0 += 1;
                    p.1 += b.lines.count(i);
                }
            }
        }
        Shards {
            batches,
            kinds,
            sharding,
            span: first.zip(last),
            placed,
        }
    }

    /// Every shard's reports, merged; the first error by row, if any.
    fn reports(
        &self,
        window: Window,
        by: &[GroupBy],
        tick: &mut dyn FnMut(usize) -> Result<(), OmsError>,
    ) -> Result<GroupReports, OmsError> {
        // The least row with an error so far: a thread stops past it.
        let stop = AtomicUsize::new(usize::MAX);
        let results: Vec<ShardResult> = std::thread::scope(|scope| {
            let others: Vec<_> = (1..self.sharding.shards())
                .map(|t| {
                    let stop = &stop;
                    scope.spawn(move || self.run(t, window, by, stop, &mut |_| Ok(())))
                })
                .collect();
            let mut results = vec![self.run(0, window, by, &stop, tick)];
            for h in others {
                let failed = || {
                    Err((
                        usize::MAX,
                        OmsError::Conflict {
                            message: "a KPI thread failed".into(),
                        },
                    ))
                };
                results.push(h.join().unwrap_or_else(|_| failed()));
            }
            results
        });
        let mut parts = Vec::with_capacity(results.len());
        let mut first_error: Option<(usize, OmsError)> = None;
        for r in results {
            match r {
                Ok(part) => parts.push(part),
                Err((row, e)) => {
                    if first_error.as_ref().is_none_or(|(r, _)| row < *r) {
                        first_error = Some((row, e));
                    }
                }
            }
        }
        match first_error {
            Some((_, e)) => Err(e),
            None => Ok(merge_grouped(parts)),
        }
    }

    /// Shard `t`'s reports (`tick` is called on every row). A thread
    /// stops once past the least row another found an error in (`stop`),
    /// so the error reported is always the first row's, as in one thread.
    fn run(
        &self,
        t: usize,
        window: Window,
        by: &[GroupBy],
        stop: &AtomicUsize,
        tick: &mut dyn FnMut(usize) -> Result<(), OmsError>,
    ) -> ShardResult {
        let mut acc = GroupedKpis::new(window, by.to_vec());
        if let Some((first, last)) = self.span {
            acc.set_span(first, last);
        }
        let (orders, lines) = self.placed[t];
        acc.reserve(orders, lines);
        let mut first = 0;
        for (b, kinds) in self.batches.iter().zip(&self.kinds) {
            for (i, kind) in kinds.iter().enumerate() {
                let row = first + i;
                if let Some(kind) = *kind {
                    let order_id = b.order_id.get(i);
                    if self.sharding.shard(kind, order_id) == t {
                        if let Err(e) = b.push_row(row, i, kind, &mut acc) {
                            stop.fetch_min(row, Ordering::Relaxed);
                            return Err((row, e));
                        }
                    }
                }
                if let Err(e) = tick(row) {
                    stop.store(0, Ordering::Relaxed);
                    return Err((row, e));
                }
                if (row as u64 + 1) % PROGRESS_ROWS == 0 && row > stop.load(Ordering::Relaxed) {
                    return Err((usize::MAX, interrupted()));
                }
            }
            first += b.rows;
        }
        Ok(acc.finish())
    }
}

/// A shard's reports, or the row and error that stopped it.
type ShardResult = Result<GroupReports, (usize, OmsError)>;

/// The KPI columns of one batch.
pub(crate) struct KpiBatch {
    rows: usize,
    types: Strs,
    at: TimestampMicrosecondArray,
    order_id: Strs,
    channel: Strs,
    customer_id: Strs,
    country: Strs,
    order_total: Money,
    currency: Strs,
    ship_by: TimestampMicrosecondArray,
    deliver_by: Date32Array,
    status: Strs,
    rma_id: Strs,
    sku: Strs,
    units: Int64Array,
    lines: LineColumns,
    /// The JSON, for the events read whole (optional otherwise).
    event: Option<Strs>,
}

/// Named field `name` of row `row`.
fn field(row: usize, name: &str) -> String {
    format!("events[{row}].{name}")
}

fn missing(row: usize, name: &str, kind: &str) -> OmsError {
    OmsError::validation(
        field(row, name),
        format!("must not be null for a {kind} event"),
    )
}

impl KpiBatch {
    fn read(py: Python<'_>, schema: &Schema, b: &RecordBatch) -> PyResult<KpiBatch> {
        let col = |name: &'static str| Column::required(py, schema, "events", name);
        let text = |name: &'static str| col(name)?.strings(py, b);
        let event = match Column::find(schema, "events", "event") {
            Some(c) => Some(c.strings(py, b)?),
            None => None,
        };
        Ok(KpiBatch {
            rows: b.num_rows(),
            types: text("type")?,
            at: col("at")?.times(py, b)?.as_primitive().clone(),
            order_id: text("order_id")?,
            channel: text("channel")?,
            customer_id: text("customer_id")?,
            country: text("country")?,
            order_total: col("order_total")?.money(py, b, false)?,
            currency: text("currency")?,
            ship_by: col("ship_by")?.times(py, b)?.as_primitive().clone(),
            deliver_by: col("deliver_by")?.dates(py, b)?.as_primitive().clone(),
            status: text("status")?,
            rma_id: text("rma_id")?,
            sku: text("sku")?,
            units: col("units")?.integers(py, b)?.as_primitive().clone(),
            lines: LineColumns::read(py, &col("lines")?, b)?,
            event,
        })
    }

    /// Each row's kind (`None` for rows without an event: recorded errors).
    fn kinds(&self) -> Vec<Option<KpiKind>> {
        (0..self.rows)
            .map(|i| self.types.get(i).map(KpiKind::of_type))
            .collect()
    }

    /// The row's event parsed from its JSON.
    fn whole(&self, row: usize, i: usize) -> Result<Event, OmsError> {
        let json = self.event.as_ref().and_then(|e| e.get(i)).ok_or_else(|| {
            OmsError::validation(
                field(row, "event"),
                "this event is read whole: the events table needs its `event` JSON",
            )
        })?;
        parse_event(row, json)
    }

    fn push_row<'s>(
        &'s self,
        row: usize,
        i: usize,
        kind: KpiKind,
        acc: &mut GroupedKpis,
    ) -> Result<(), OmsError> {
        if self.at.is_null(i) {
            return Err(OmsError::validation(field(row, "at"), "must not be null"));
        }
        let at = utc_micros(self.at.value(i))
            .ok_or_else(|| OmsError::validation(field(row, "at"), "is out of range"))?;
        // Named in errors only.
        // The event's type, named in errors only (not read otherwise).
        let type_name = || self.types.get(i).unwrap_or_default();
        let order_id = self.order_id.get(i);
        let need_order = || order_id.ok_or_else(|| missing(row, "order_id", type_name()));
        let lines = || {
            self.lines
                .at(i)
                .ok_or_else(|| missing(row, "lines", type_name()))
        };
        let view = match kind {
            KpiKind::Whole => {
                acc.push(&self.whole(row, i)?);
                return Ok(());
            }
            KpiKind::OrderPlaced => {
                let text =
                    |c: &'s Strs, name| c.get(i).ok_or_else(|| missing(row, name, type_name()));
                let total = match (self.order_total.get(i), self.currency.get(i)) {
                    (Ok(Some(amount)), Some(currency)) => Some(CoreMoney {
                        amount,
                        currency: Currency::new(currency).map_err(|e| {
                            OmsError::validation(field(row, "currency"), e.to_string())
                        })?,
                    }),
                    // A total that did not fit the column: read the JSON.
                    (Ok(None), Some(_)) => {
                        acc.push(&self.whole(row, i)?);
                        return Ok(());
                    }
                    (Ok(_), None) => None,
                    (Err(e), _) => return Err(OmsError::validation(field(row, "order_total"), e)),
                };
                let deliver_by = &self.deliver_by;
                KpiEvent::OrderPlaced {
                    order_id: need_order()?,
                    channel: text(&self.channel, "channel")?,
                    customer_id: text(&self.customer_id, "customer_id")?,
                    country: text(&self.country, "country")?,
                    total,
                    ship_by: (!self.ship_by.is_null(i))
                        .then(|| utc_micros(self.ship_by.value(i)))
                        .flatten(),
                    deliver_by: (!deliver_by.is_null(i))
                        .then(|| deliver_by.value_as_date(i))
                        .flatten(),
                    lines: lines()?,
                }
            }
            KpiKind::OrderAllocated => KpiEvent::OrderAllocated {
                order_id: need_order()?,
                lines: lines()?,
            },
            KpiKind::OrderShipped => KpiEvent::OrderShipped {
                order_id: need_order()?,
                lines: lines()?,
            },
            KpiKind::LinesCancelled => KpiEvent::LinesCancelled {
                order_id: need_order()?,
                lines: lines()?,
            },
            KpiKind::OrderStatusChanged => {
                let status = self
                    .status
                    .get(i)
                    .ok_or_else(|| missing(row, "status", type_name()))?;
                KpiEvent::OrderStatusChanged {
                    order_id: need_order()?,
                    status: OrderStatus::parse(status)
                        .map_err(|e| OmsError::validation(field(row, "status"), e.to_string()))?,
                }
            }
            KpiKind::ShipmentException => KpiEvent::ShipmentException {
                order_id: need_order()?,
            },
            KpiKind::ReturnRequested | KpiKind::ReturnReceived => {
                let rma_id = self
                    .rma_id
                    .get(i)
                    .ok_or_else(|| missing(row, "rma_id", type_name()))?;
                let (order_id, lines) = (need_order()?, lines()?);
                if kind == KpiKind::ReturnRequested {
                    KpiEvent::ReturnRequested {
                        order_id,
                        rma_id,
                        lines,
                    }
                } else {
                    KpiEvent::ReturnReceived {
                        order_id,
                        rma_id,
                        lines,
                    }
                }
            }
            KpiKind::StockMoved => {
                let units = &self.units;
                if units.is_null(i) {
                    // Restocked elsewhere than sellable stock.
                    KpiEvent::Other { order_id: None }
                } else {
                    KpiEvent::StockMoved {
                        sku: self
                            .sku
                            .get(i)
                            .ok_or_else(|| missing(row, "sku", type_name()))?,
                        units: units.value(i),
                    }
                }
            }
            KpiKind::PickConfirmed | KpiKind::PickMissed => KpiEvent::Pick {
                order_id,
                accurate: kind == KpiKind::PickConfirmed,
            },
            KpiKind::Other => KpiEvent::Other { order_id },
        };
        acc.push_view(at, view);
        Ok(())
    }
}

/// The `lines` column of one batch: list offsets and the struct's fields.
struct LineColumns {
    offsets: Offsets,
    /// Row validity (`None`: every row has a list).
    valid: Option<arrow_buffer::NullBuffer>,
    line_id: Strs,
    sku: Strs,
    quantity: Int64Array,
    backordered: Int64Array,
    reason: Strs,
}

enum Offsets {
    Small(ScalarBuffer<i32>),
    Large(ScalarBuffer<i64>),
}

impl LineColumns {
    fn read(py: Python<'_>, col: &Column<'_>, b: &RecordBatch) -> PyResult<LineColumns> {
        let a = b.column(col.index);
        let (offsets, values, valid) = match a.data_type() {
            DataType::List(_) => {
                let l = a.as_list::<i32>();
                let o = Offsets::Small(l.offsets().inner().clone());
                (o, l.values().clone(), l.nulls().cloned())
            }
            DataType::LargeList(_) => {
                let l = a.as_list::<i64>();
                let o = Offsets::Large(l.offsets().inner().clone());
                (o, l.values().clone(), l.nulls().cloned())
            }
            other => {
                return Err(crate::table::invalid(
                    py,
                    "events.lines".into(),
                    format!(
                    "must be a list of (line_id, sku, quantity, backordered, reason), not {other}"
                ),
                ))
            }
        };
        let DataType::Struct(fields) = values.data_type().clone() else {
            return Err(crate::table::invalid(
                py,
                "events.lines".into(),
                format!("must hold structs, not {}", values.data_type()),
            ));
        };
        let st = values.as_struct();
        let schema = Schema::new(fields);
        let inner = RecordBatch::from(st.clone());
        let child = |name: &'static str| Column::required(py, &schema, "events.lines", name);
        let lines = LineColumns {
            offsets,
            valid,
            line_id: child("line_id")?.strings(py, &inner)?,
            sku: child("sku")?.strings(py, &inner)?,
            quantity: child("quantity")?
                .integers(py, &inner)?
                .as_primitive()
                .clone(),
            backordered: child("backordered")?
                .integers(py, &inner)?
                .as_primitive()
                .clone(),
            reason: child("reason")?.strings(py, &inner)?,
        };
        lines.check(py)?;
        Ok(lines)
    }

    /// Every line has an id, counts that are not negative and a known
    /// reason, so that reading one cannot fail.
    fn check(&self, py: Python<'_>) -> PyResult<()> {
        let bad = |j: usize, name: &str, what: &str| {
            crate::table::invalid(py, format!("events.lines[{j}].{name}"), what.to_string())
        };
        for (name, a) in [
            ("quantity", &self.quantity),
            ("backordered", &self.backordered),
        ] {
            for j in 0..a.len() {
                if a.is_null(j) {
                    return Err(bad(j, name, "must not be null"));
                }
                if a.value(j) < 0 {
                    return Err(bad(j, name, "must not be negative"));
                }
            }
        }
        for j in 0..self.line_id.len() {
            if self.line_id.get(j).is_none() {
                return Err(bad(j, "line_id", "must not be null"));
            }
            if let Some(r) = self.reason.get(j) {
                if ReturnReason::parse(r).is_none() {
                    let names = ReturnReason::ALL.map(ReturnReason::as_str);
                    let what = format!("{r:?} is not a return reason; choose from {names:?}");
                    return Err(bad(j, "reason", &what));
                }
            }
        }
        Ok(())
    }

    /// How many lines row `i` has.
    fn count(&self, i: usize) -> usize {
        match &self.offsets {
            Offsets::Small(o) => (o[i + 1] - o[i]) as usize,
            Offsets::Large(o) => (o[i + 1] - o[i]) as usize,
        }
    }

    /// Row `i`'s lines; `None` when its list is null.
    fn at(&self, i: usize) -> Option<ArrowLines<'_>> {
        if self.valid.as_ref().is_some_and(|v| v.is_null(i)) {
            return None;
        }
        let (start, end) = match &self.offsets {
            Offsets::Small(o) => (o[i] as usize, o[i + 1] as usize),
            Offsets::Large(o) => (o[i] as usize, o[i + 1] as usize),
        };
        Some(ArrowLines {
            cols: self,
            start,
            len: end - start,
        })
    }
}

/// One row's lines, read in place.
#[derive(Clone, Copy)]
struct ArrowLines<'a> {
    cols: &'a LineColumns,
    start: usize,
    len: usize,
}

impl KpiLines for ArrowLines<'_> {
    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn line(&self, i: usize) -> KpiLine<'_> {
        let j = self.start + i;
        let c = self.cols;
        KpiLine {
            line_id: c.line_id.get(j).unwrap_or_default(),
            sku: c.sku.get(j),
            quantity: c.quantity.value(j) as u64,
            backordered: c.backordered.value(j) as u64,
            reason: c.reason.get(j).and_then(ReturnReason::parse),
        }
    }

    #[inline]
    fn line_id(&self, i: usize) -> &str {
        self.cols.line_id.get(self.start + i).unwrap_or_default()
    }

    // Checked not negative when read (`LineColumns::check`).
    #[inline]
    fn quantity(&self, i: usize) -> u64 {
        self.cols.quantity.value(self.start + i) as u64
    }

    #[inline]
    fn backordered(&self, i: usize) -> u64 {
        self.cols.backordered.value(self.start + i) as u64
    }
}
