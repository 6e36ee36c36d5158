//! The table API: `simulate`, KPIs from an events table, merging KPI
//! tables. Conversion only: rows are read into the core's
//! [`oms_core::simulation`] and [`oms_core::kpi`], whose results come back
//! as [`Table`]s.

use std::collections::BTreeMap;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use oms_core::kpi::{GroupBy, Kpi, KpiReport, KpiUnit, Window};
use oms_core::money::Currency;
use oms_core::order::Priority;
use oms_core::simulation::{
    LocationRow, OrderLineRow, Outcome, Progress, ShipTo, Simulation, StockRow,
};
use oms_core::SourcingPolicy;
use pyo3::prelude::*;
use rust_decimal::Decimal;

use crate::errors::to_py_err;
use crate::events::KpiSource;
use crate::table::{
    f64_at, i64_at, invalid, read_table, str_at, time_at, Column, Money, Strs, Table, TableBuilder,
};

/// Optional text column of a batch.
fn opt_strings(
    py: Python<'_>,
    col: &Option<Column<'_>>,
    b: &RecordBatch,
) -> PyResult<Option<Strs>> {
    col.as_ref().map(|c| c.strings(py, b)).transpose()
}
fn opt_floats(
    py: Python<'_>,
    col: &Option<Column<'_>>,
    b: &RecordBatch,
) -> PyResult<Option<ArrayRef>> {
    col.as_ref().map(|c| c.floats(py, b)).transpose()
}
fn opt_str(a: &Option<Strs>, i: usize) -> Option<&str> {
    a.as_ref().and_then(|a| str_at(a, i))
}
fn opt_f64(a: &Option<ArrayRef>, i: usize) -> Option<f64> {
    a.as_ref().and_then(|a| f64_at(a, i))
}

/// A required value of row `row`, or the column's null error.
fn need<T>(py: Python<'_>, v: Option<T>, col: &Column<'_>, row: usize) -> PyResult<T> {
    v.ok_or_else(|| col.null(py, row))
}

/// A non-negative count.
fn count(py: Python<'_>, v: i64, col: &Column<'_>, row: usize) -> PyResult<u64> {
    u64::try_from(v).map_err(|_| {
        invalid(
            py,
            format!("{}[{row}].{}", col.table, col.name),
            format!("must not be negative (got {v})"),
        )
    })
}

fn core_err(py: Python<'_>, e: oms_core::OmsError) -> PyErr {
    to_py_err(py, &e, None)
}

/// The optional place columns of a table: latitude, longitude, country,
/// postal code (locations and ship-tos alike).
struct Place<'a> {
    lat: Option<Column<'a>>,
    lon: Option<Column<'a>>,
    country: Option<Column<'a>>,
    postal: Option<Column<'a>>,
}

/// A batch's place columns.
struct PlaceArrays {
    lat: Option<ArrayRef>,
    lon: Option<ArrayRef>,
    country: Option<Strs>,
    postal: Option<Strs>,
}

impl<'a> Place<'a> {
    fn find(schema: &arrow_schema::Schema, t: &'a str) -> Place<'a> {
        Place {
            lat: Column::find(schema, t, "latitude"),
            lon: Column::find(schema, t, "longitude"),
            country: Column::find(schema, t, "country"),
            postal: Column::find(schema, t, "postal_code"),
        }
    }

    fn read(&self, py: Python<'_>, b: &RecordBatch) -> PyResult<PlaceArrays> {
        Ok(PlaceArrays {
            lat: opt_floats(py, &self.lat, b)?,
            lon: opt_floats(py, &self.lon, b)?,
            country: opt_strings(py, &self.country, b)?,
            postal: opt_strings(py, &self.postal, b)?,
        })
    }
}

impl PlaceArrays {
    /// Row `i`'s place.
    fn at(&self, i: usize) -> ShipTo<'_> {
        ShipTo {
            latitude: opt_f64(&self.lat, i),
            longitude: opt_f64(&self.lon, i),
            country: opt_str(&self.country, i),
            postal_code: opt_str(&self.postal, i),
        }
    }
}

fn read_locations(py: Python<'_>, sim: &mut Simulation, source: &Bound<'_, PyAny>) -> PyResult<()> {
    let (schema, batches) = read_table(source, "locations")?;
    let t = "locations";
    let id = Column::required(py, &schema, t, "location_id")?;
    let place = Place::find(&schema, t);
    let (priority, network) = (
        Column::find(&schema, t, "priority"),
        Column::find(&schema, t, "network"),
    );
    let mut row = 0;
    for b in &batches {
        let ids = id.strings(py, b)?;
        let place_a = place.read(py, b)?;
        let priority_a = priority.as_ref().map(|c| c.integers(py, b)).transpose()?;
        let network_a = opt_strings(py, &network, b)?;
        for i in 0..b.num_rows() {
            let priority = match priority_a.as_ref().and_then(|a| i64_at(a, i)) {
                None => None,
                Some(p) => Some(u32::try_from(p).map_err(|_| {
                    invalid(
                        py,
                        format!("locations[{row}].priority"),
                        format!("must be 0 to 4294967295 (got {p})"),
                    )
                })?),
            };
            let p = place_a.at(i);
            sim.add_location(LocationRow {
                location_id: need(py, str_at(&ids, i), &id, row)?,
                latitude: p.latitude,
                longitude: p.longitude,
                country: p.country,
                postal_code: p.postal_code,
                priority,
                network: opt_str(&network_a, i),
            })
            .map_err(|e| core_err(py, e))?;
            row += 1;
        }
    }
    Ok(())
}

fn read_stock(py: Python<'_>, sim: &mut Simulation, source: &Bound<'_, PyAny>) -> PyResult<()> {
    let (schema, batches) = read_table(source, "stock")?;
    let t = "stock";
    let location = Column::required(py, &schema, t, "location_id")?;
    let sku = Column::required(py, &schema, t, "sku")?;
    let quantity = Column::required(py, &schema, t, "quantity")?;
    let at = Column::find(&schema, t, "at");
    let mut row = 0;
    for b in &batches {
        let (loc_a, sku_a, qty_a) = (
            location.strings(py, b)?,
            sku.strings(py, b)?,
            quantity.integers(py, b)?,
        );
        let at_a = at.as_ref().map(|c| c.times(py, b)).transpose()?;
        for i in 0..b.num_rows() {
            let q = need(py, i64_at(&qty_a, i), &quantity, row)?;
            sim.add_stock(StockRow {
                location_id: need(py, str_at(&loc_a, i), &location, row)?,
                sku: need(py, str_at(&sku_a, i), &sku, row)?,
                quantity: count(py, q, &quantity, row)?,
                at: at_a.as_ref().and_then(|a| time_at(a, i)),
            })
            .map_err(|e| core_err(py, e))?;
            row += 1;
        }
    }
    Ok(())
}

fn read_orders(
    py: Python<'_>,
    sim: &mut Simulation,
    source: &Bound<'_, PyAny>,
    currency: Option<&str>,
    allow_float_money: bool,
) -> PyResult<()> {
    let (schema, batches) = read_table(source, "orders")?;
    sim.reserve(batches.iter().map(RecordBatch::num_rows).sum());
    let t = "orders";
    let placed_at = Column::required(py, &schema, t, "placed_at")?;
    let order_id = Column::required(py, &schema, t, "order_id")?;
    let customer_id = Column::required(py, &schema, t, "customer_id")?;
    let channel = Column::required(py, &schema, t, "channel")?;
    let sku = Column::required(py, &schema, t, "sku")?;
    let quantity = Column::required(py, &schema, t, "quantity")?;
    let unit_price = Column::required(py, &schema, t, "unit_price")?;
    let currency_col = Column::find(&schema, t, "currency");
    let fixed_currency =
        match (&currency_col, currency) {
            (Some(_), _) => None,
            (None, Some(c)) => Some(Currency::new(c).map_err(|e| core_err(py, e))?),
            (None, None) => return Err(invalid(
                py,
                "orders.currency".into(),
                "the orders table has no currency column; add one or pass currency=\"USD\" (say)",
            )),
        };
    let place = Place::find(&schema, t);
    let (priority, network) = (
        Column::find(&schema, t, "priority"),
        Column::find(&schema, t, "network"),
    );
    let mut row = 0;
    let mut last_currency: Option<(String, Currency)> = None;
    for b in &batches {
        let placed_a = placed_at.times(py, b)?;
        let (order_a, customer_a) = (order_id.strings(py, b)?, customer_id.strings(py, b)?);
        let (channel_a, sku_a) = (channel.strings(py, b)?, sku.strings(py, b)?);
        let qty_a = quantity.integers(py, b)?;
        let price_a = unit_price.money(py, b, allow_float_money)?;
        let currency_a = opt_strings(py, &currency_col, b)?;
        let place_a = place.read(py, b)?;
        let (priority_a, network_a) = (
            opt_strings(py, &priority, b)?,
            opt_strings(py, &network, b)?,
        );
        for i in 0..b.num_rows() {
            let price = match price_a.get(i) {
                Ok(Some(p)) => p,
                Ok(None) => return Err(unit_price.null(py, row)),
                Err(why) => return Err(invalid(py, format!("orders[{row}].unit_price"), why)),
            };
            let currency = match fixed_currency {
                Some(c) => c,
                None => {
                    let col = currency_col.as_ref().expect("checked above");
                    let code = need(py, opt_str(&currency_a, i), col, row)?;
                    match &last_currency {
                        Some((s, c)) if s == code => *c,
                        _ => {
                            let c = Currency::new(code).map_err(|e| {
                                invalid(py, format!("orders[{row}].currency"), e.to_string())
                            })?;
                            last_currency = Some((code.to_string(), c));
                            c
                        }
                    }
                }
            };
            let priority = match opt_str(&priority_a, i) {
                None | Some("standard") => Priority::Standard,
                Some("rush") => Priority::Rush,
                Some(other) => {
                    return Err(invalid(
                        py,
                        format!("orders[{row}].priority"),
                        format!("must be \"rush\" or \"standard\" (got {other:?})"),
                    ))
                }
            };
            let q = need(py, i64_at(&qty_a, i), &quantity, row)?;
            sim.add_order_line(OrderLineRow {
                placed_at: need(py, time_at(&placed_a, i), &placed_at, row)?,
                order_id: need(py, str_at(&order_a, i), &order_id, row)?,
                customer_id: need(py, str_at(&customer_a, i), &customer_id, row)?,
                channel: need(py, str_at(&channel_a, i), &channel, row)?,
                sku: need(py, str_at(&sku_a, i), &sku, row)?,
                quantity: count(py, q, &quantity, row)?,
                unit_price: price,
                currency,
                ship_to: place_a.at(i),
                priority,
                network: opt_str(&network_a, i),
            })
            .map_err(|e| core_err(py, e))?;
            row += 1;
        }
    }
    Ok(())
}

/// Runs `work` without the GIL, taking it back now and then to answer
/// Ctrl-C and call `progress(done, total)`; a Python error from either
/// stops the work and is raised.
fn with_progress<T: Send>(
    py: Python<'_>,
    progress: Option<Py<PyAny>>,
    work: impl FnOnce(&mut dyn FnMut(Progress) -> bool) -> Result<T, oms_core::OmsError> + Send,
) -> PyResult<T> {
    let mut failure: Option<PyErr> = None;
    let result = py.detach(|| {
        work(&mut |p: Progress| {
            Python::attach(|py| {
                let step = || -> PyResult<()> {
                    py.check_signals()?;
                    if let Some(cb) = &progress {
                        cb.bind(py).call1((p.lines_done, p.lines_total))?;
                    }
                    Ok(())
                };
                match step() {
                    Ok(()) => true,
                    Err(e) => {
                        failure = Some(e);
                        false
                    }
                }
            })
        })
    });
    match (result, failure) {
        (_, Some(e)) => Err(e),
        (Ok(v), None) => Ok(v),
        (Err(e), None) => Err(core_err(py, e)),
    }
}

/// Replays order lines against stock and receipts under a sourcing policy
/// (see `oms_core::simulation`); returns the allocation, shipment,
/// backorder and KPI tables.
#[pyfunction]
#[pyo3(signature = (orders, stock, locations, policy=None, *, currency=None, allow_float_money=false, progress=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn simulate(
    py: Python<'_>,
    orders: &Bound<'_, PyAny>,
    stock: &Bound<'_, PyAny>,
    locations: &Bound<'_, PyAny>,
    policy: Option<&Bound<'_, PyAny>>,
    currency: Option<&str>,
    allow_float_money: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<(Table, Table, Table, Table)> {
    let policy: SourcingPolicy = match policy {
        None => SourcingPolicy::default(),
        Some(p) if p.is_none() => SourcingPolicy::default(),
        Some(p) => crate::arg(p, "policy")?,
    };
    let mut sim = Simulation::new(&policy).map_err(|e| core_err(py, e))?;
    read_locations(py, &mut sim, locations)?;
    read_stock(py, &mut sim, stock)?;
    read_orders(py, &mut sim, orders, currency, allow_float_money)?;
    let out = with_progress(py, progress, move |p| sim.run(p))?;
    Ok(py.detach(|| outcome_tables(&out)))
}

fn outcome_tables(o: &Outcome) -> (Table, Table, Table, Table) {
    let order = |i: u32| Some(o.orders[i as usize].as_str());
    let sku = |i: u32| Some(o.skus[i as usize].as_str());
    let location = |i: u32| Some(o.locations[i as usize].as_str());
    let a = &o.allocations;
    let allocations = TableBuilder::default()
        .strings("order_id", false, a.iter().map(|r| order(r.order)))
        .u32s("line", a.iter().map(|r| r.line))
        .strings("sku", false, a.iter().map(|r| sku(r.sku)))
        .strings("location_id", false, a.iter().map(|r| location(r.location)))
        .i64s("quantity", a.iter().map(|r| r.quantity as i64))
        .times("allocated_at", false, a.iter().map(|r| Some(r.at)))
        .bools("from_backorder", a.iter().map(|r| r.from_backorder))
        .f64s("distance_km", true, a.iter().map(|r| r.distance_km))
        .u32s(
            "shipment",
            a.iter().map(|r| o.shipments[r.shipment as usize].number),
        )
        .finish();
    let s = &o.shipments;
    let shipments = TableBuilder::default()
        .strings("order_id", false, s.iter().map(|r| order(r.order)))
        .u32s("shipment", s.iter().map(|r| r.number))
        .strings("location_id", false, s.iter().map(|r| location(r.location)))
        .times("shipped_at", false, s.iter().map(|r| Some(r.at)))
        .u32s("lines", s.iter().map(|r| r.lines))
        .i64s("units", s.iter().map(|r| r.units as i64))
        .f64s("distance_km", true, s.iter().map(|r| r.distance_km))
        .finish();
    let b = &o.backorders;
    let backorders = TableBuilder::default()
        .strings("order_id", false, b.iter().map(|r| order(r.order)))
        .u32s("line", b.iter().map(|r| r.line))
        .strings("sku", false, b.iter().map(|r| sku(r.sku)))
        .i64s("quantity", b.iter().map(|r| r.quantity as i64))
        .finish();
    let kpis = kpi_table(&[], &[(Vec::new(), o.kpis.clone())]);
    (allocations, shipments, backorders, kpis)
}

/// Histogram rows are named after their histogram with this suffix; their
/// key is the minutes, their numerator the orders.
const HISTOGRAM: &str = "_histogram";

fn unit_name(u: KpiUnit) -> &'static str {
    match u {
        KpiUnit::Ratio => "ratio",
        KpiUnit::Hours => "hours",
        KpiUnit::Days => "days",
        KpiUnit::Money => "money",
        KpiUnit::Count => "count",
        KpiUnit::Turns => "turns",
        KpiUnit::Km => "km",
    }
}

fn unit_from(name: &str) -> Option<KpiUnit> {
    [
        KpiUnit::Ratio,
        KpiUnit::Hours,
        KpiUnit::Days,
        KpiUnit::Money,
        KpiUnit::Count,
        KpiUnit::Turns,
        KpiUnit::Km,
    ]
    .into_iter()
    .find(|&u| unit_name(u) == name)
}

/// The KPI table of grouped reports: the `by` columns, then name, key,
/// currency, numerator, denominator, value, unit; histogram rows after
/// each group's figures.
pub(crate) fn kpi_table(by: &[&str], reports: &[(Vec<Option<String>>, KpiReport)]) -> Table {
    struct Row<'a> {
        group: &'a [Option<String>],
        name: String,
        key: Option<String>,
        currency: Option<Currency>,
        numerator: Decimal,
        denominator: Decimal,
        value: Option<Decimal>,
        unit: KpiUnit,
    }
    let mut rows: Vec<Row<'_>> = Vec::new();
    for (group, report) in reports {
        for k in &report.kpis {
            rows.push(Row {
                group,
                name: k.name.clone(),
                key: k.key.clone(),
                currency: k.currency,
                numerator: k.numerator,
                denominator: k.denominator,
                value: k.value,
                unit: k.unit,
            });
        }
        for (name, h) in &report.histograms {
            for (&minutes, &n) in h {
                rows.push(Row {
                    group,
                    name: format!("{name}{HISTOGRAM}"),
                    key: Some(minutes.to_string()),
                    currency: None,
                    numerator: n.into(),
                    denominator: Decimal::ONE,
                    value: Some(n.into()),
                    unit: KpiUnit::Count,
                });
            }
        }
    }
    let mut t = TableBuilder::default();
    for (i, name) in by.iter().enumerate() {
        t.strings(
            name,
            true,
            rows.iter()
                .map(|r| r.group.get(i).and_then(|g| g.as_deref())),
        );
    }
    let currencies: Vec<Option<String>> = rows
        .iter()
        .map(|r| r.currency.map(|c| c.to_string()))
        .collect();
    t.strings("name", false, rows.iter().map(|r| Some(r.name.as_str())))
        .strings("key", true, rows.iter().map(|r| r.key.as_deref()))
        .strings("currency", true, currencies.iter().map(|c| c.as_deref()))
        .decimals("numerator", false, rows.iter().map(|r| Some(r.numerator)))
        .decimals(
            "denominator",
            false,
            rows.iter().map(|r| Some(r.denominator)),
        )
        .decimals("value", true, rows.iter().map(|r| r.value))
        .strings("unit", false, rows.iter().map(|r| Some(unit_name(r.unit))))
        .finish()
}

fn window_from(py: Python<'_>, window: Option<&Bound<'_, PyAny>>) -> PyResult<Window> {
    let Some(w) = window.filter(|w| !w.is_none()) else {
        return Ok(Window::default());
    };
    let (from, to): (Option<Bound<'_, PyAny>>, Option<Bound<'_, PyAny>>) =
        w.extract().map_err(|_| {
            invalid(
                py,
                "window".into(),
                "must be a (from, to) pair of aware datetimes or None",
            )
        })?;
    Ok(Window {
        from: from.as_ref().map(crate::convert::utc_time).transpose()?,
        to: to.as_ref().map(crate::convert::utc_time).transpose()?,
    })
}

/// KPIs of an events table (see [`crate::events`]), grouped by `by`.
#[pyfunction]
#[pyo3(signature = (events, *, window=None, by=vec!["channel".to_string()], progress=None, threads=None, span=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn kpis_table(
    py: Python<'_>,
    events: &Bound<'_, PyAny>,
    window: Option<&Bound<'_, PyAny>>,
    by: Vec<String>,
    progress: Option<Py<PyAny>>,
    threads: Option<usize>,
    span: Option<&Bound<'_, PyAny>>,
) -> PyResult<Table> {
    let window = window_from(py, window)?;
    let groups = by
        .iter()
        .map(|b| GroupBy::parse(b))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| core_err(py, e))?;
    if threads == Some(0) {
        return Err(invalid(
            py,
            "threads".into(),
            "must be at least 1 (or None: one per core)",
        ));
    }
    let span = match span.filter(|s| !s.is_none()) {
        None => None,
        Some(s) => {
            let (first, last): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
                s.extract().map_err(|_| {
                    invalid(
                        py,
                        "span".into(),
                        "must be a (first, last) pair of aware datetimes or None",
                    )
                })?;
            Some((
                crate::convert::utc_time(&first)?,
                crate::convert::utc_time(&last)?,
            ))
        }
    };
    let events = KpiSource::read(py, events)?;
    let reports = with_progress(py, progress, move |progress| {
        events.reports(window, &groups, threads, span, progress)
    })?;
    let names: Vec<&str> = by.iter().map(String::as_str).collect();
    Ok(kpi_table(&names, &reports))
}

/// Adds up KPI tables of shards (same columns): numerators and
/// denominators summed per group, name, key and currency, histograms
/// merged, values and percentiles worked out again (`oms_core::kpi::merge`).
#[pyfunction]
pub(crate) fn merge_kpi_tables(py: Python<'_>, tables: &Bound<'_, PyAny>) -> PyResult<Table> {
    let mut by: Option<Vec<String>> = None;
    let mut groups: BTreeMap<Vec<Option<String>>, Vec<KpiReport>> = BTreeMap::new();
    for (n, t) in tables.try_iter()?.enumerate() {
        let t = t?;
        let (schema, batches) = read_table(&t, "tables")?;
        let fixed = [
            "name",
            "key",
            "currency",
            "numerator",
            "denominator",
            "value",
            "unit",
        ];
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let cut = names.len().saturating_sub(fixed.len());
        if names[cut..] != fixed {
            return Err(invalid(
                py,
                format!("tables[{n}]"),
                format!(
                    "is not a KPI table: its last columns must be {fixed:?} (it has {names:?})"
                ),
            ));
        }
        let group_cols = names[..cut].to_vec();
        match &by {
            None => by = Some(group_cols.clone()),
            Some(b) if *b != group_cols => {
                return Err(invalid(
                    py,
                    format!("tables[{n}]"),
                    format!("groups by {group_cols:?}, the first table by {b:?}"),
                ))
            }
            _ => {}
        }
        let col = |name: &'static str| Column::required(py, &schema, "kpis", name);
        let (name_c, key_c, cur_c, unit_c) =
            (col("name")?, col("key")?, col("currency")?, col("unit")?);
        let (num_c, den_c) = (col("numerator")?, col("denominator")?);
        let group_c: Vec<Column<'_>> = group_cols
            .iter()
            .map(|g| Column::required(py, &schema, "kpis", g))
            .collect::<PyResult<_>>()?;
        let mut row = 0;
        for b in &batches {
            let (names_a, keys_a, cur_a, units_a) = (
                name_c.strings(py, b)?,
                key_c.strings(py, b)?,
                cur_c.strings(py, b)?,
                unit_c.strings(py, b)?,
            );
            let (num_a, den_a) = (num_c.money(py, b, false)?, den_c.money(py, b, false)?);
            let group_a: Vec<Strs> = group_c
                .iter()
                .map(|c| c.strings(py, b))
                .collect::<PyResult<_>>()?;
            for i in 0..b.num_rows() {
                let bad = |what: &str, why: String| {
                    invalid(py, format!("tables[{n}][{row}].{what}"), why)
                };
                let group: Vec<Option<String>> = group_a
                    .iter()
                    .map(|a| str_at(a, i).map(str::to_string))
                    .collect();
                let name = need(py, str_at(&names_a, i), &name_c, row)?;
                let numerator = amount_at(&num_a, i).map_err(|e| bad("numerator", e))?;
                let denominator = amount_at(&den_a, i).map_err(|e| bad("denominator", e))?;
                let reports = groups.entry(group).or_default();
                if reports.len() <= n {
                    reports.resize_with(n + 1, KpiReport::default);
                }
                let report = &mut reports[n];
                if let Some(h) = name.strip_suffix(HISTOGRAM) {
                    let minutes: u64 =
                        str_at(&keys_a, i)
                            .and_then(|k| k.parse().ok())
                            .ok_or_else(|| {
                                bad("key", "a histogram row's key must be whole minutes".into())
                            })?;
                    let orders = u64::try_from(numerator.trunc().mantissa())
                        .map_err(|_| bad("numerator", "must be a count".into()))?;
                    *report
                        .histograms
                        .entry(h.to_string())
                        .or_default()
                        .entry(minutes)
                        .or_insert(0) += orders;
                    row += 1;
                    continue;
                }
                let unit_s = need(py, str_at(&units_a, i), &unit_c, row)?;
                let unit = unit_from(unit_s)
                    .ok_or_else(|| bad("unit", format!("{unit_s:?} is not a KPI unit")))?;
                let currency = match str_at(&cur_a, i) {
                    None => None,
                    Some(c) => Some(Currency::new(c).map_err(|e| bad("currency", e.to_string()))?),
                };
                report.kpis.push(Kpi {
                    name: name.to_string(),
                    key: str_at(&keys_a, i).map(str::to_string),
                    currency,
                    numerator,
                    denominator,
                    value: None,
                    unit,
                });
                row += 1;
            }
        }
    }
    let by = by.unwrap_or_default();
    let merged: oms_core::kpi::GroupReports = groups
        .into_iter()
        .map(|(g, reports)| (g, oms_core::kpi::merge(&reports)))
        .collect();
    let names: Vec<&str> = by.iter().map(String::as_str).collect();
    Ok(kpi_table(&names, &merged))
}

fn amount_at(m: &Money, i: usize) -> Result<Decimal, String> {
    m.get(i)?.ok_or_else(|| "must not be null".to_string())
}

/// One Arrow value as the JSON the contract spells: text, numbers,
/// booleans, decimals as decimal strings, timestamps as RFC 3339 UTC,
/// structs as objects (null fields left out), lists as arrays.
fn json_value(a: &dyn Array, i: usize) -> Result<serde_json::Value, String> {
    use arrow_array::types::*;
    use arrow_schema::DataType as T;
    use serde_json::Value;
    if a.is_null(i) {
        return Ok(Value::Null);
    }
    Ok(match a.data_type() {
        T::Boolean => Value::Bool(a.as_boolean().value(i)),
        T::Utf8 => Value::String(a.as_string::<i32>().value(i).to_string()),
        T::LargeUtf8 => Value::String(a.as_string::<i64>().value(i).to_string()),
        T::Utf8View => Value::String(a.as_string_view().value(i).to_string()),
        T::Int8 => a.as_primitive::<Int8Type>().value(i).into(),
        T::Int16 => a.as_primitive::<Int16Type>().value(i).into(),
        T::Int32 => a.as_primitive::<Int32Type>().value(i).into(),
        T::Int64 => a.as_primitive::<Int64Type>().value(i).into(),
        T::UInt8 => a.as_primitive::<UInt8Type>().value(i).into(),
        T::UInt16 => a.as_primitive::<UInt16Type>().value(i).into(),
        T::UInt32 => a.as_primitive::<UInt32Type>().value(i).into(),
        T::UInt64 => a.as_primitive::<UInt64Type>().value(i).into(),
        T::Float32 | T::Float64 => {
            let f = if matches!(a.data_type(), T::Float32) {
                f64::from(a.as_primitive::<Float32Type>().value(i))
            } else {
                a.as_primitive::<Float64Type>().value(i)
            };
            // Numbers such as coordinates; money as a float is refused by the contract.
            serde_json::Number::from_f64(f)
                .map(Value::Number)
                .ok_or_else(|| format!("{f} is not a number"))?
        }
        T::Decimal128(_, scale) => {
            let v = a.as_primitive::<Decimal128Type>().value(i);
            let d = Decimal::try_from_i128_with_scale(v, (*scale).max(0) as u32)
                .map_err(|_| format!("{v}e-{scale} does not fit a 28-digit decimal"))?;
            Value::String(d.to_string())
        }
        T::Timestamp(_, None) => {
            return Err("is a timezone-naive timestamp; localize it to UTC first".into())
        }
        T::Timestamp(_, Some(_)) => {
            let cast = arrow_cast::cast(
                &a.slice(i, 1),
                &T::Timestamp(arrow_schema::TimeUnit::Microsecond, Some("UTC".into())),
            )
            .map_err(|e| e.to_string())?;
            let t = time_at(&cast, 0).ok_or("is out of range")?;
            Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        }
        T::Date32 => {
            let d = a
                .as_primitive::<Date32Type>()
                .value_as_date(i)
                .ok_or("is out of range")?;
            Value::String(d.to_string())
        }
        T::Struct(fields) => {
            let s = a.as_struct();
            let mut m = serde_json::Map::new();
            for (f, c) in fields.iter().zip(s.columns()) {
                let v = json_value(c.as_ref(), i).map_err(|e| format!(".{}: {e}", f.name()))?;
                if !v.is_null() {
                    m.insert(f.name().clone(), v);
                }
            }
            Value::Object(m)
        }
        T::List(_) | T::LargeList(_) => {
            let items = if let T::List(_) = a.data_type() {
                a.as_list::<i32>().value(i)
            } else {
                a.as_list::<i64>().value(i)
            };
            let mut v = Vec::with_capacity(items.len());
            for j in 0..items.len() {
                v.push(json_value(items.as_ref(), j).map_err(|e| format!("[{j}]{e}"))?);
            }
            Value::Array(v)
        }
        T::Dictionary(_, _) => {
            let cast = arrow_cast::cast(&a.slice(i, 1), &T::Utf8).map_err(|e| e.to_string())?;
            Value::String(cast.as_string::<i32>().value(0).to_string())
        }
        other => return Err(format!("has type {other}, which has no JSON spelling here")),
    })
}

/// A commands table row: its command and time, or why it is not one.
pub(crate) type CommandRow =
    Result<(oms_core::Command, chrono::DateTime<chrono::Utc>), oms_core::OmsError>;

/// The commands of a commands table: per row, its time and its command,
/// or why the row is not one. Columns: `type`, `at` (timezone-aware), and
/// the command's fields by their contract names (nested ones as structs
/// and lists); null cells are left out.
pub(crate) fn commands_from_table(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
) -> PyResult<Vec<CommandRow>> {
    let (schema, batches) = read_table(source, "commands")?;
    let t = "commands";
    Column::required(py, &schema, t, "type")?;
    let at = Column::required(py, &schema, t, "at")?;
    let mut out = Vec::new();
    let mut row = 0;
    for b in &batches {
        let times = at.times(py, b)?;
        for i in 0..b.num_rows() {
            let mut m = serde_json::Map::new();
            let mut bad = None;
            for (f, c) in schema.fields().iter().zip(b.columns()) {
                if f.name() == "at" {
                    continue;
                }
                match json_value(c.as_ref(), i) {
                    Ok(serde_json::Value::Null) => {}
                    Ok(v) => {
                        m.insert(f.name().clone(), v);
                    }
                    Err(why) => {
                        bad = Some(oms_core::OmsError::validation(
                            format!("commands[{row}].{}", f.name()),
                            why,
                        ));
                        break;
                    }
                }
            }
            let parsed = match (bad, time_at(&times, i)) {
                (Some(e), _) => Err(e),
                (None, None) => Err(oms_core::OmsError::validation(
                    format!("commands[{row}].at"),
                    "must not be null",
                )),
                (None, Some(when)) => {
                    oms_core::Command::from_value(serde_json::Value::Object(m)).map(|c| (c, when))
                }
            };
            out.push(parsed);
            row += 1;
        }
    }
    Ok(out)
}
