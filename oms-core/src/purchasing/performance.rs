//! Supplier performance from the event history: on-time rate, fill rate,
//! average lead time and damage rate per supplier. A pure function over
//! events (a log, a replayed slice, a shard): every figure comes with its
//! numerator and denominator, so results of shards add up exactly.
//!
//! - **On time**: received units whose receipt day (UTC) is not after
//!   their line's expected date, over all received units.
//! - **Fill rate**: of POs that are done (fully received, or closed),
//!   units received (at most the ordered quantity per line) over units
//!   ordered. Cancelled and rejected POs are the buyer's decision and do
//!   not count.
//! - **Lead time**: days from the PO's last `po_sent` to the receipt day,
//!   averaged over received units.
//! - **Damage**: damaged units over received units.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::PoStatus;
use crate::event::{Event, EventKind};
use crate::ids::{LineId, PoId, SupplierId};

/// One supplier's record over the events given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SupplierPerformance {
    /// The supplier.
    pub supplier_id: SupplierId,
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
    /// Σ units × days from sending to receipt, over units of sent POs.
    pub lead_time_unit_days: u64,
    /// Units received on POs that had been sent (lead time's denominator).
    pub lead_time_units: u64,
    /// Units ordered on POs that are done (received or closed).
    pub ordered_units: u64,
    /// Of those, units received (at most what each line ordered).
    pub filled_units: u64,
    /// on_time_units / received_units (absent without receipts).
    pub on_time_rate: Option<f64>,
    /// filled_units / ordered_units (absent without finished POs).
    pub fill_rate: Option<f64>,
    /// lead_time_unit_days / lead_time_units, in days.
    pub average_lead_time_days: Option<f64>,
    /// damaged_units / received_units.
    pub damaged_rate: Option<f64>,
}

impl SupplierPerformance {
    /// Adds another record's counts of the same supplier (e.g. another
    /// shard's) and works out the rates again.
    pub fn add(&mut self, other: &SupplierPerformance) {
        self.pos_sent += other.pos_sent;
        self.receipt_lines += other.receipt_lines;
        self.received_units += other.received_units;
        self.on_time_units += other.on_time_units;
        self.damaged_units += other.damaged_units;
        self.lead_time_unit_days += other.lead_time_unit_days;
        self.lead_time_units += other.lead_time_units;
        self.ordered_units += other.ordered_units;
        self.filled_units += other.filled_units;
        self.rates();
    }

    /// A record of no events for `supplier_id`.
    pub fn new(supplier_id: SupplierId) -> Self {
        SupplierPerformance {
            supplier_id,
            pos_sent: 0,
            receipt_lines: 0,
            received_units: 0,
            on_time_units: 0,
            damaged_units: 0,
            lead_time_unit_days: 0,
            lead_time_units: 0,
            ordered_units: 0,
            filled_units: 0,
            on_time_rate: None,
            fill_rate: None,
            average_lead_time_days: None,
            damaged_rate: None,
        }
    }

    fn rates(&mut self) {
        let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
        self.on_time_rate = ratio(self.on_time_units, self.received_units);
        self.fill_rate = ratio(self.filled_units, self.ordered_units);
        self.average_lead_time_days = ratio(self.lead_time_unit_days, self.lead_time_units);
        self.damaged_rate = ratio(self.damaged_units, self.received_units);
    }
}

/// What the events said of one PO so far.
struct Po {
    supplier_id: SupplierId,
    /// line id → (ordered, expected date, received).
    lines: BTreeMap<LineId, (u64, NaiveDate, u64)>,
    sent_at: Option<DateTime<Utc>>,
}

/// Per supplier, sorted by id, what `events` show. Events of POs created
/// before the first event given are ignored (their supplier is unknown).
///
/// ```
/// use oms_core::purchasing::performance::supplier_performance;
/// use oms_core::Event;
/// let events: Vec<Event> = [
///     r#"{"schema_version":1,"at":"2026-11-01T09:00:00Z","type":"po_created","po":{"po_id":"PO-1","supplier_id":"ACME","location_id":"WH1","currency":"USD","status":"draft","lines":[{"line_id":"1","sku":"A","quantity":10,"unit_cost":{"amount":"1","currency":"USD"},"expected_date":"2026-11-08"}]}}"#,
///     r#"{"schema_version":1,"at":"2026-11-01T10:00:00Z","type":"po_sent","po_id":"PO-1"}"#,
///     r#"{"schema_version":1,"at":"2026-11-08T15:00:00Z","type":"po_received","po_id":"PO-1","receipt_id":"R1","location_id":"WH1","lines":[{"line_id":"1","quantity":6}],"status":"partially_received"}"#,
///     r#"{"schema_version":1,"at":"2026-11-10T15:00:00Z","type":"po_received","po_id":"PO-1","receipt_id":"R2","location_id":"WH1","lines":[{"line_id":"1","quantity":2,"damaged":1}],"status":"partially_received"}"#,
///     r#"{"schema_version":1,"at":"2026-11-11T15:00:00Z","type":"po_closed","po_id":"PO-1","cancelled":[{"line_id":"1","quantity":2}]}"#,
/// ].iter().map(|j| Event::from_json(j).unwrap()).collect();
/// let p = &supplier_performance(&events)[0];
/// assert_eq!((p.received_units, p.on_time_units, p.damaged_units), (8, 6, 1));
/// assert_eq!((p.filled_units, p.ordered_units), (8, 10));
/// assert_eq!(p.lead_time_unit_days, 6 * 7 + 2 * 9); // sent Nov 1, received Nov 8 and 10
/// assert_eq!(p.average_lead_time_days, Some(60.0 / 8.0));
/// ```
pub fn supplier_performance<'a>(
    events: impl IntoIterator<Item = &'a Event>,
) -> Vec<SupplierPerformance> {
    let mut pos: BTreeMap<PoId, Po> = BTreeMap::new();
    let mut out: BTreeMap<SupplierId, SupplierPerformance> = BTreeMap::new();
    for e in events {
        match &e.kind {
            EventKind::PoCreated { po } => {
                let lines = po
                    .lines
                    .iter()
                    .map(|l| (l.line_id.clone(), (l.quantity, l.expected_date, 0)))
                    .collect();
                pos.insert(
                    po.po_id.clone(),
                    Po {
                        supplier_id: po.supplier_id.clone(),
                        lines,
                        sent_at: None,
                    },
                );
            }
            EventKind::PoAmended { po_id, lines, .. } => {
                if let Some(po) = pos.get_mut(po_id) {
                    po.lines = lines
                        .iter()
                        .map(|l| (l.line_id.clone(), (l.quantity, l.expected_date, 0)))
                        .collect();
                }
            }
            EventKind::PoSent { po_id } => {
                if let Some(po) = pos.get_mut(po_id) {
                    po.sent_at = Some(e.at);
                    supplier(&mut out, &po.supplier_id).pos_sent += 1;
                }
            }
            EventKind::PoReceived {
                po_id,
                lines,
                status,
                ..
            } => {
                let units = lines.iter().map(|r| (&r.line_id, r.quantity, r.damaged));
                received(&mut pos, &mut out, po_id, e.at, units, *status);
            }
            // A dropship supplier's shipment to the customer is its delivery.
            EventKind::DropshipConfirmed {
                po_id,
                lines,
                status,
                ..
            } => {
                let units = lines.iter().map(|s| (&s.line_id, s.quantity, 0));
                received(&mut pos, &mut out, po_id, e.at, units, *status);
            }
            EventKind::PoClosed { po_id, .. } => finish(&mut out, pos.remove(po_id)),
            EventKind::PoCancelled { po_id, .. } | EventKind::PoRejected { po_id, .. } => {
                pos.remove(po_id);
            }
            _ => {}
        }
    }
    out.into_values()
        .map(|mut p| {
            p.rates();
            p
        })
        .collect()
}

/// Counts units that arrived (`po_received`) or that a dropship supplier
/// shipped (`dropship_confirmed`) at `at`: (PO line, units, damaged).
fn received<'a>(
    pos: &mut BTreeMap<PoId, Po>,
    out: &mut BTreeMap<SupplierId, SupplierPerformance>,
    po_id: &PoId,
    at: DateTime<Utc>,
    units: impl Iterator<Item = (&'a LineId, u64, u64)>,
    status: PoStatus,
) {
    let Some(po) = pos.get_mut(po_id) else {
        return;
    };
    let day = at.date_naive();
    let lead = po
        .sent_at
        .map(|s| u64::try_from((day - s.date_naive()).num_days()).unwrap_or(0));
    let p = supplier(out, &po.supplier_id);
    for (line_id, quantity, damaged) in units {
        let Some(line) = po.lines.get_mut(line_id) else {
            continue;
        };
        line.2 = line.2.saturating_add(quantity);
        p.receipt_lines += 1;
        p.received_units += quantity;
        p.damaged_units += damaged;
        if day <= line.1 {
            p.on_time_units += quantity;
        }
        if let Some(days) = lead {
            p.lead_time_units += quantity;
            p.lead_time_unit_days += quantity.saturating_mul(days);
        }
    }
    if status == PoStatus::Received {
        finish(out, pos.remove(po_id));
    }
}

fn supplier<'a>(
    out: &'a mut BTreeMap<SupplierId, SupplierPerformance>,
    id: &SupplierId,
) -> &'a mut SupplierPerformance {
    out.entry(id.clone())
        .or_insert_with(|| SupplierPerformance::new(id.clone()))
}

/// Counts a done PO's fill.
fn finish(out: &mut BTreeMap<SupplierId, SupplierPerformance>, po: Option<Po>) {
    let Some(po) = po else {
        return;
    };
    let p = supplier(out, &po.supplier_id);
    for (ordered, _, received) in po.lines.values() {
        p.ordered_units += ordered;
        p.filled_units += received.min(ordered);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(json: &str) -> Event {
        Event::from_json(json).unwrap()
    }

    fn po(id: &str, supplier: &str, quantity: u64, expected: &str) -> Vec<Event> {
        vec![
            ev(&format!(
                r#"{{"schema_version":1,"at":"2026-11-01T09:00:00Z","type":"po_created","po":{{"po_id":"{id}","supplier_id":"{supplier}","location_id":"WH1","currency":"USD","status":"draft","lines":[{{"line_id":"1","sku":"A","quantity":{quantity},"unit_cost":{{"amount":"1","currency":"USD"}},"expected_date":"{expected}"}}]}}}}"#
            )),
            ev(&format!(
                r#"{{"schema_version":1,"at":"2026-11-02T09:00:00Z","type":"po_sent","po_id":"{id}"}}"#
            )),
            ev(&format!(
                r#"{{"schema_version":1,"at":"2026-11-06T09:00:00Z","type":"po_received","po_id":"{id}","receipt_id":"R1","location_id":"WH1","lines":[{{"line_id":"1","quantity":{quantity},"damaged":1}}],"status":"received"}}"#
            )),
        ]
    }

    #[test]
    fn shards_by_po_add_up_to_the_whole() {
        let a = po("PO-1", "ACME", 10, "2026-11-05"); // late by a day
        let b = po("PO-2", "ACME", 30, "2026-11-06"); // on time
        let c = po("PO-3", "BETA", 5, "2026-11-30");
        let whole: Vec<Event> = a.iter().chain(&b).chain(&c).cloned().collect();
        let all = supplier_performance(&whole);
        let mut acme = supplier_performance(&a).remove(0);
        acme.add(&supplier_performance(&b)[0]);
        assert_eq!(acme, all[0]);
        assert_eq!(
            (acme.received_units, acme.on_time_units, acme.damaged_units),
            (40, 30, 2)
        );
        assert_eq!(acme.on_time_rate, Some(0.75));
        assert_eq!(acme.fill_rate, Some(1.0));
        assert_eq!(acme.average_lead_time_days, Some(4.0));
        assert_eq!(all[1].supplier_id.as_str(), "BETA");
        // Cancelled POs do not count towards fill.
        let mut cancelled = po("PO-4", "ACME", 7, "2026-11-05");
        cancelled.truncate(2);
        cancelled.push(ev(
            r#"{"schema_version":1,"at":"2026-11-03T09:00:00Z","type":"po_cancelled","po_id":"PO-4","reason":"x"}"#,
        ));
        let p = supplier_performance(&cancelled).remove(0);
        assert_eq!((p.pos_sent, p.ordered_units, p.fill_rate), (1, 0, None));
    }
}
