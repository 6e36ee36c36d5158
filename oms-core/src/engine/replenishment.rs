//! Replenishment in the engine: gathers each SKU's position and demand
//! history per location and asks [`crate::purchasing::replenishment`] what
//! to order (`replenishment_suggestions`); `set_replenishment` keeps
//! settings per SKU and location.

use chrono::NaiveDate;

use super::*;
use crate::ids::{PoId, SupplierId};
use crate::purchasing::replenishment::{
    best_suggestion, DemandStats, ItemInput, Position, ReorderSettings, Suggestion,
};
use crate::purchasing::{PoStatus, PurchaseOrder, SupplierItem};

impl Engine {
    pub(super) fn set_replenishment(&mut self, c: SetReplenishment, tx: &mut Tx) -> Result<()> {
        self.stock_target(&c.sku, &c.location_id)?;
        if let Some(s) = &c.settings {
            s.check().map_err(|e| e.within(|| "settings".into()))?;
        }
        let key = (c.sku.clone(), c.location_id.clone());
        if self.purchasing.reorder.get(&key) == c.settings.as_ref() {
            return Ok(());
        }
        self.emit(
            tx,
            EventKind::ReplenishmentSet {
                sku: c.sku,
                location_id: c.location_id,
                settings: c.settings,
            },
        );
        Ok(())
    }

    pub(super) fn create_replenishment_pos(
        &mut self,
        c: CreateReplenishmentPos,
        tx: &mut Tx,
    ) -> Result<()> {
        check_id("po_id_prefix", &c.po_id_prefix)?;
        if let Some(l) = &c.location_id {
            if !self.locations.contains(l.as_str()) {
                return Err(OmsError::not_found("location", l));
            }
        }
        if let Some(s) = &c.supplier_id {
            self.supplier_of(s)?;
        }
        let mut groups: BTreeMap<(SupplierId, LocationId), Vec<Suggestion>> = BTreeMap::new();
        for s in self.replenishment_suggestions(tx.at) {
            let wanted = c.location_id.as_ref().is_none_or(|l| *l == s.location_id)
                && c.supplier_id.as_ref().is_none_or(|id| *id == s.supplier_id);
            if wanted {
                groups
                    .entry((s.supplier_id.clone(), s.location_id.clone()))
                    .or_default()
                    .push(s);
            }
        }
        // Everything is checked before the first PO is recorded.
        let mut pos = Vec::new();
        for ((supplier_id, location_id), suggestions) in groups {
            let supplier = self.supplier_of(&supplier_id)?;
            for (n, chunk) in suggestions.chunks(MAX_LINES).enumerate() {
                let po_id = PoId::new(format!(
                    "{}{supplier_id}-{location_id}-{}",
                    c.po_id_prefix,
                    n + 1
                ));
                check_id("po_id_prefix", po_id.as_str())?;
                if self.purchasing.pos.contains_key(&po_id) {
                    return Err(OmsError::duplicate(
                        "purchase order",
                        &po_id,
                        "already exists; choose another po_id_prefix",
                    ));
                }
                let lines: Vec<PoLineInput> = chunk
                    .iter()
                    .enumerate()
                    .map(|(k, s)| PoLineInput {
                        line_id: LineId::new((k + 1).to_string()),
                        sku: s.sku.clone(),
                        quantity: s.quantity,
                        unit_cost: Some(s.unit_cost),
                        expected_date: None,
                    })
                    .collect();
                let lines = self.po_lines(supplier, &lines, tx.at)?;
                pos.push(PurchaseOrder {
                    po_id,
                    supplier_id: supplier_id.clone(),
                    location_id: Some(location_id.clone()),
                    dropship: None,
                    currency: supplier.currency,
                    status: PoStatus::Draft,
                    lines,
                    billing: None,
                    notes: Some("From replenishment suggestions.".into()),
                    receipts: Vec::new(),
                    shipments: Vec::new(),
                    reported_late: false,
                });
            }
        }
        for po in pos {
            self.emit(tx, EventKind::PoCreated { po });
        }
        Ok(())
    }

    /// What to order, per SKU and location, at `at`: for every SKU a
    /// supplier sells (dropship items aside) at every fulfilling location
    /// and every location with its own settings, the best suggestion of
    /// [`best_suggestion`], sorted by SKU and location.
    ///
    /// The position counts as incoming every open unit of a PO that is not
    /// over, drafts included, so what `create_replenishment_pos` drafted
    /// is not suggested again.
    ///
    /// Demand is the units the orders placed in the `window_days` days
    /// before `at`'s day (UTC) took at each location: reserved there or
    /// shipped from there, kit lines as their components. Open units not
    /// allocated anywhere count against the location with the most
    /// demand for the SKU in the window (the first by id on a tie).
    /// Settings: the SKU and location's own (`set_replenishment`), else
    /// `Config.replenishment`.
    pub fn replenishment_suggestions(&self, at: DateTime<Utc>) -> Vec<Suggestion> {
        let today = at.date_naive();
        let defaults = &self.config.replenishment;
        let settings = |product: usize, slot: usize| -> &ReorderSettings {
            if self.purchasing.reorder.is_empty() {
                return defaults;
            }
            let sku = &self.products.by_slot[product].product.sku;
            let loc = &self.locations.by_slot[slot].location_id;
            self.purchasing
                .reorder
                .get(&(sku.clone(), loc.clone()))
                .unwrap_or(defaults)
        };
        let longest = self
            .purchasing
            .reorder
            .values()
            .map(|s| s.window_days)
            .chain([defaults.window_days])
            .max()
            .unwrap_or(0);
        let history = self.demand_history(today, longest);

        // Supplier items per product slot, dropship items aside.
        let mut sources: FxMap<usize, Vec<(&SupplierItem, u32)>> = FxMap::default();
        for item in self.purchasing.items.values() {
            if item.dropship {
                continue;
            }
            let (Some(product), Some(supplier)) = (
                self.products.slot(&item.sku),
                self.purchasing.suppliers.get(&item.supplier_id),
            ) else {
                continue;
            };
            let lead = item.lead_time_days.unwrap_or(supplier.lead_time_days);
            sources.entry(product).or_default().push((item, lead));
        }
        let mut products: Vec<usize> = sources.keys().copied().collect();
        products.sort_by(|&a, &b| {
            let sku = |p: usize| &self.products.by_slot[p].product.sku;
            sku(a).cmp(sku(b))
        });
        // Locations with their own settings, per product slot.
        let mut configured: FxMap<usize, Vec<usize>> = FxMap::default();
        for (sku, loc) in self.purchasing.reorder.keys() {
            if let (Some(p), Some(l)) = (self.products.slot(sku), self.locations.slot(loc.as_str()))
            {
                configured.entry(p).or_default().push(l);
            }
        }

        let mut out = Vec::new();
        for product in products {
            let entry = &self.products.by_slot[product];
            if entry.product.is_kit() {
                continue;
            }
            let mut slots: Vec<usize> = self.locations.fulfilling.clone();
            for &s in configured.get(&product).into_iter().flatten() {
                if !slots.contains(&s) {
                    slots.push(s);
                }
            }
            slots.sort_by(|&a, &b| {
                self.locations.by_slot[a]
                    .location_id
                    .cmp(&self.locations.by_slot[b].location_id)
            });
            // Unallocated open units go to the location with the most demand.
            let window_units = |slot: usize| {
                let days = settings(product, slot).window_days;
                history.stats(product, slot, days).units
            };
            let mut owed_at: Option<(usize, u64)> = None;
            if entry.demand > 0 {
                for &slot in &slots {
                    let units = window_units(slot);
                    if owed_at.is_none_or(|(_, most)| units > most) {
                        owed_at = Some((slot, units));
                    }
                }
            }
            for slot in slots {
                let cell = entry.cell(slot).copied().unwrap_or_default();
                let location_id = &self.locations.by_slot[slot].location_id;
                let s = settings(product, slot);
                let base = ItemInput {
                    sku: &entry.product.sku,
                    location_id,
                    position: Position {
                        on_hand: cell.on_hand(),
                        reserved: cell.reserved,
                        incoming: self.purchasing.on_order(&entry.product.sku, location_id),
                        backordered: if owed_at.is_some_and(|(s, _)| s == slot) {
                            entry.demand
                        } else {
                            0
                        },
                    },
                    history: history.stats(product, slot, s.window_days),
                    settings: s,
                    item: sources[&product][0].0,
                    lead_time_days: 0,
                };
                let candidates = sources[&product].iter().copied();
                if let Some(suggestion) = best_suggestion(&base, candidates, self.config.currency) {
                    out.push(suggestion);
                }
            }
        }
        out
    }

    /// Units per (product slot, location slot) per day over the `days`
    /// days before `today`: what the orders placed then took at each
    /// location (reserved there or shipped from there).
    fn demand_history(&self, today: NaiveDate, days: u32) -> History {
        // (product, location, days before today, units), one per order
        // line and location; summed per day after sorting.
        let mut taken: Vec<(u32, u32, u32, u64)> =
            Vec::with_capacity(self.orders.len().saturating_mul(3));
        let age = |placed: DateTime<Utc>| -> Option<u32> {
            let back = (today - placed.date_naive()).num_days();
            (1..=i64::from(days))
                .contains(&back)
                .then(|| u32::try_from(back).unwrap_or(u32::MAX))
        };
        let mut take = |order: &Order, i: usize, slot: usize, units: u64, back: u32| {
            for (product, per) in order.part_slots(i) {
                let (Ok(p), Ok(l)) = (u32::try_from(product), u32::try_from(slot)) else {
                    continue;
                };
                taken.push((p, l, back, units.saturating_mul(per)));
            }
        };
        for order in self.orders.values() {
            let Some(back) = age(order.placed_at) else {
                continue;
            };
            for (i, line) in order.lines.iter().enumerate() {
                for a in line.allocations.as_slice() {
                    if let Some(slot) = self.locations.slot(a.location_id.as_str()) {
                        take(order, i, slot, a.quantity, back);
                    }
                }
            }
        }
        for shipment in self.shipments.values() {
            let Some(order) = self.orders.get(&shipment.order_id) else {
                continue;
            };
            // Dropship shipments (no location) drew on no location's stock.
            let (Some(back), Some(slot)) = (
                age(order.placed_at),
                shipment
                    .location_id
                    .as_ref()
                    .and_then(|l| self.locations.slot(l.as_str())),
            ) else {
                continue;
            };
            for l in shipment.lines.iter() {
                if let Some(i) = order.line_index(l.line_id.as_str()) {
                    take(order, i, slot, l.quantity, back);
                }
            }
        }
        taken.sort_unstable();
        // One flat list of daily totals; each key owns a run of it.
        let mut history = History::default();
        let mut k = 0;
        while k < taken.len() {
            let (p, l, _, _) = taken[k];
            let start = history.days.len();
            while k < taken.len() && (taken[k].0, taken[k].1) == (p, l) {
                let back = taken[k].2;
                let mut units = 0u64;
                while k < taken.len() && (taken[k].0, taken[k].1, taken[k].2) == (p, l, back) {
                    units = units.saturating_add(taken[k].3);
                    k += 1;
                }
                history.days.push((back, units));
            }
            history
                .runs
                .insert((p as usize, l as usize), (start, history.days.len()));
        }
        history
    }
}

/// Demand per SKU and location: units per day, by days before today,
/// nearest first, in one list of which each (product slot, location slot)
/// owns a run.
#[derive(Debug, Default)]
struct History {
    days: Vec<(u32, u64)>,
    runs: FxMap<(usize, usize), (usize, usize)>,
}

impl History {
    /// The statistics of `product` at location `slot` over the last
    /// `window` days.
    fn stats(&self, product: usize, slot: usize, window: u32) -> DemandStats {
        let (mut units, mut squares) = (0u64, 0u128);
        if let Some(&(start, end)) = self.runs.get(&(product, slot)) {
            for &(_, n) in self.days[start..end].iter().take_while(|d| d.0 <= window) {
                units = units.saturating_add(n);
                squares = squares.saturating_add(u128::from(n) * u128::from(n));
            }
        }
        DemandStats::from_sums(window, units, squares)
    }
}
