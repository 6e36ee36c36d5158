//! KPIs across the boundary: the core's pure functions over an event log
//! (as JSON, the form hosts store it in). Conversion only.

use oms_core::kpi as kpi_;

use crate::types::{format_time, mirror_enum, parse_time};
use crate::OmsFfiError;

type Result<T> = std::result::Result<T, OmsFfiError>;

/// What a KPI's value measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum KpiUnit {
    /// A share between 0 and 1.
    Ratio,
    /// Hours.
    Hours,
    /// Days.
    Days,
    /// Money, in the KPI's currency.
    Money,
    /// A number of things.
    Count,
    /// Times per window (inventory turns).
    Turns,
    /// Kilometres (the simulation's average distance).
    Km,
}
mirror_enum!(
    KpiUnit,
    kpi_::KpiUnit,
    [Ratio, Hours, Days, Money, Count, Turns, Km]
);

/// One figure with the numerator and denominator that add up across shards.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KpiRecord {
    /// The figure, e.g. `return_rate`.
    pub name: String,
    /// What it is broken down by (channel, SKU, reason, supplier), if anything.
    pub key: Option<String>,
    /// The currency of a money figure.
    pub currency: Option<String>,
    /// The numerator, a decimal string.
    pub numerator: String,
    /// The denominator, a decimal string.
    pub denominator: String,
    /// numerator / denominator (for a percentile, the hours at the rank);
    /// absent when the denominator is zero.
    pub value: Option<String>,
    /// What the value measures.
    pub unit: KpiUnit,
}

/// The KPIs of one window.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KpiReportRecord {
    /// The window's start, RFC 3339 (absent: open).
    pub from: Option<String>,
    /// The window's end, RFC 3339 (absent: open).
    pub to: Option<String>,
    /// The figures, sorted by name, key and currency.
    pub kpis: Vec<KpiRecord>,
    /// The whole report as JSON (histograms included): what `merge_kpis` reads.
    pub json: String,
}

impl KpiReportRecord {
    pub(crate) fn from_core(r: kpi_::KpiReport) -> Result<Self> {
        let json = serde_json::to_string(&r)
            .map_err(|e| OmsFfiError::internal(format!("report to JSON: {e}")))?;
        Ok(KpiReportRecord {
            from: r.window.from.map(format_time),
            to: r.window.to.map(format_time),
            kpis: r
                .kpis
                .into_iter()
                .map(|k| KpiRecord {
                    name: k.name,
                    key: k.key,
                    currency: k.currency.map(|c| c.to_string()),
                    numerator: k.numerator.to_string(),
                    denominator: k.denominator.to_string(),
                    value: k.value.map(|v| v.to_string()),
                    unit: k.unit.into(),
                })
                .collect(),
            json,
        })
    }
}

/// The KPIs of an event log (a JSON array of events, as stored) for the
/// window `[from, to)` (RFC 3339; absent bounds are open).
#[uniffi::export(default(from = None, to = None))]
pub fn kpis(
    events_json: String,
    from: Option<String>,
    to: Option<String>,
) -> Result<KpiReportRecord> {
    let events = crate::engine::parse_events(&events_json)?;
    let window = kpi_::Window {
        from: from.as_deref().map(parse_time).transpose()?,
        to: to.as_deref().map(parse_time).transpose()?,
    };
    KpiReportRecord::from_core(kpi_::compute(&events, &window))
}

/// Adds up the reports of shards of one history (each a report's `json`).
#[uniffi::export]
pub fn merge_kpis(reports_json: Vec<String>) -> Result<KpiReportRecord> {
    let reports = reports_json
        .iter()
        .map(|j| {
            serde_json::from_str::<kpi_::KpiReport>(j).map_err(|e| {
                OmsFfiError::validation("reports_json", format!("not a KPI report: {e}"))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    KpiReportRecord::from_core(kpi_::merge(&reports))
}

/// One group's KPIs: the values of the `by` attributes (absent: the
/// ungrouped inventory and supplier figures, or orders placed before the
/// events given) and its report.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KpiGroupRecord {
    /// The group's value of each `by` attribute, in `by`'s order.
    pub values: Vec<Option<String>>,
    /// Its figures.
    pub report: KpiReportRecord,
}

/// The KPIs of an event log broken down by order attributes (`channel`,
/// `customer_id`, `country`): order figures per group, inventory and
/// supplier figures once in the last group, whose values are all absent.
#[uniffi::export(default(from = None, to = None))]
pub fn kpis_by(
    events_json: String,
    by: Vec<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<Vec<KpiGroupRecord>> {
    let events = crate::engine::parse_events(&events_json)?;
    let window = kpi_::Window {
        from: from.as_deref().map(parse_time).transpose()?,
        to: to.as_deref().map(parse_time).transpose()?,
    };
    let by = by
        .iter()
        .map(|b| kpi_::GroupBy::parse(b))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let mut acc = kpi_::GroupedKpis::new(window, by);
    for e in &events {
        acc.push(e);
    }
    acc.finish()
        .into_iter()
        .map(|(values, report)| {
            Ok(KpiGroupRecord {
                values,
                report: KpiReportRecord::from_core(report)?,
            })
        })
        .collect()
}
