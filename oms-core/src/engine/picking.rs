//! Picking in the engine: floors and bins per location, waves, pick tasks
//! and the picker's confirmations. The plans come from the pure
//! [`crate::picking`] functions; this is where they meet orders and stock.
//!
//! An order line's reserved units at a location go through
//! `allocations` → `picking` (on an open task, from `release_wave`) →
//! `picked` (its task completed) → shipped. A short pick takes the missing
//! units off stock, releases the line units they cost, and sources the line
//! again. While units are on an open task, the order cannot be re-sourced,
//! merged or split, and those units cannot be cancelled or shipped.

use super::commands::check_quantity;
use super::*;
use crate::event::PickedLine;
use crate::ids::{BinId, TaskId, WaveId};
use crate::picking::{
    batch_orders, heuristic_route, optimal_route, plan_waves, BatchOptions, BatchOrder, BatchStop,
    Bin, Cart, Heuristic, Layout, PickAccuracy, PickMethod, PickStop, PickTask, Route, Slot,
    TaskStatus, Wave, WaveCandidate, WaveRules,
};

/// Floors, bins, waves and tasks, per location.
#[derive(Debug, Clone, Default)]
pub(super) struct Floors {
    pub(super) layouts: BTreeMap<LocationId, Layout>,
    pub(super) bins: BTreeMap<(LocationId, BinId), Bin>,
    /// The pick bin of each (location, SKU) (derived from `bins`).
    pub(super) bin_of: BTreeMap<(LocationId, Sku), BinId>,
    pub(super) waves: BTreeMap<WaveId, Wave>,
    pub(super) tasks: BTreeMap<TaskId, PickTask>,
    /// The open tasks (derived from `tasks`): completed ones pile up, and
    /// stock checks only need these.
    pub(super) open: BTreeSet<TaskId>,
}

impl Floors {
    /// Adds or replaces a bin, keeping each SKU on one bin per location.
    pub(super) fn put_bin(&mut self, bin: Bin) {
        let key = (bin.location_id.clone(), bin.bin_id.clone());
        if let Some(old) = self.bins.get(&key).and_then(|b| b.sku.clone()) {
            self.bin_of.remove(&(bin.location_id.clone(), old));
        }
        if let Some(sku) = &bin.sku {
            let at = (bin.location_id.clone(), sku.clone());
            if let Some(previous) = self.bin_of.insert(at, bin.bin_id.clone()) {
                if let Some(b) = self.bins.get_mut(&(bin.location_id.clone(), previous)) {
                    b.sku = None;
                }
            }
        }
        self.bins.insert(key, bin);
    }

    /// Adds a task, indexing it if open.
    pub(super) fn put_task(&mut self, task: PickTask) {
        if task.status == TaskStatus::Open {
            self.open.insert(task.task_id.clone());
        }
        self.tasks.insert(task.task_id.clone(), task);
    }

    /// The open tasks.
    fn open_tasks(&self) -> impl Iterator<Item = &PickTask> {
        self.open.iter().filter_map(|id| self.tasks.get(id))
    }

    /// Units of `sku` on open tasks at `location` not reported short: the
    /// reservations a stock drop must leave alone.
    pub(super) fn on_open_tasks(&self, location: &LocationId, sku: &Sku) -> u64 {
        self.open_tasks()
            .filter(|t| &t.location_id == location)
            .flat_map(|t| t.stops.iter())
            .filter(|s| &s.sku == sku)
            .fold(0u64, |n, s| n.saturating_add(s.quantity - s.short))
    }
}

/// A stop before routing: what to pick for which line, and where.
#[derive(Debug, Clone)]
struct Want {
    stop: PickStop,
    slot: Slot,
    zone: String,
}

/// An order's picks at the wave's location.
struct OrderPicks {
    order_id: OrderId,
    wants: Vec<Want>,
    items: u64,
    volume: u64,
    weight: u64,
}

impl Engine {
    pub(super) fn set_layout(&mut self, c: SetLayout, tx: &mut Tx) -> Result<()> {
        check_id("location_id", c.location_id.as_str())?;
        if !self.locations.contains(c.location_id.as_str()) {
            return Err(OmsError::not_found("location", &c.location_id));
        }
        c.layout.check().map_err(|e| e.within(|| "layout".into()))?;
        for ((loc, _), bin) in self.floors.bins.range(bin_range(&c.location_id)) {
            debug_assert_eq!(loc, &c.location_id);
            if c.layout.check_slot(&bin.slot, "").is_err() {
                return Err(OmsError::validation(
                    "layout",
                    format!("bin {} would be off the floor", bin.bin_id),
                ));
            }
        }
        if self.floors.layouts.get(&c.location_id) == Some(&c.layout) {
            return Ok(());
        }
        self.emit(
            tx,
            EventKind::LayoutSet {
                location_id: c.location_id,
                layout: c.layout,
            },
        );
        Ok(())
    }

    pub(super) fn define_bin(&mut self, c: DefineBin, tx: &mut Tx) -> Result<()> {
        check_id("location_id", c.location_id.as_str())?;
        check_id("bin_id", c.bin_id.as_str())?;
        let layout = self
            .floors
            .layouts
            .get(&c.location_id)
            .ok_or_else(|| no_layout(&c.location_id))?;
        let slot = Slot {
            block: c.block,
            aisle: c.aisle,
            bay: c.bay,
        };
        layout.check_slot(&slot, "bay")?;
        if let Some(z) = &c.zone {
            check_id("zone", z)?;
        }
        if let Some(sku) = &c.sku {
            self.non_kit(sku, "sku", "its components have bins")?;
        }
        let bin = Bin {
            location_id: c.location_id,
            bin_id: c.bin_id,
            slot,
            side: c.side,
            level: c.level,
            zone: c.zone,
            sku: c.sku,
        };
        let key = (bin.location_id.clone(), bin.bin_id.clone());
        if self.floors.bins.get(&key) == Some(&bin) {
            return Ok(());
        }
        self.emit(tx, EventKind::BinDefined { bin });
        Ok(())
    }

    pub(super) fn release_wave(&mut self, c: ReleaseWave, tx: &mut Tx) -> Result<()> {
        check_id("wave_id", c.wave_id.as_str())?;
        if self.floors.waves.contains_key(&c.wave_id) {
            return Err(OmsError::duplicate("wave", &c.wave_id, "already released"));
        }
        check_id("location_id", c.location_id.as_str())?;
        if !self.locations.contains(c.location_id.as_str()) {
            return Err(OmsError::not_found("location", &c.location_id));
        }
        let layout = self
            .floors
            .layouts
            .get(&c.location_id)
            .ok_or_else(|| no_layout(&c.location_id))?
            .clone();
        let cart = c.cart.clone().unwrap_or_default();
        let options = c.batching.clone().unwrap_or_default();
        let orders: Vec<OrderPicks> = match &c.order_ids {
            Some(ids) => self.named_wave(ids, &c.location_id)?,
            None => self.selected_wave(&c.location_id, c.selection.as_ref())?,
        };
        if orders.is_empty() {
            return Err(OmsError::validation(
                "selection",
                format!("no releasable order has units to pick at {}", c.location_id),
            ));
        }
        for o in &orders {
            let fits = [
                (o.items, cart.max_items, "items"),
                (o.volume, cart.max_volume, "cm³"),
                (o.weight, cart.max_weight, "g"),
            ]
            .into_iter()
            .find(|(v, max, _)| max.is_some_and(|m| *v > m));
            if let Some((v, max, unit)) = fits {
                return Err(OmsError::validation(
                    "cart",
                    format!(
                        "order {} needs {v} {unit}; a cart holds {}",
                        o.order_id,
                        max.unwrap_or(0)
                    ),
                ));
            }
        }
        let tours = tours(&layout, &orders, c.method, &cart, &options, c.heuristic)?;
        let tasks: Vec<PickTask> = tours
            .into_iter()
            .enumerate()
            .map(|(n, (zone, stops, route))| PickTask {
                task_id: TaskId::new(format!("{}-{}", c.wave_id, n + 1)),
                wave_id: c.wave_id.clone(),
                location_id: c.location_id.clone(),
                zone,
                stops,
                distance: route.0,
                path: route.1,
                status: TaskStatus::Open,
                scans: 0,
                rejected_scans: 0,
            })
            .collect();
        let order_ids: Vec<OrderId> = orders.into_iter().map(|o| o.order_id).collect();
        for id in &order_ids {
            self.touch(tx, id);
        }
        self.emit(
            tx,
            EventKind::WaveReleased {
                wave_id: c.wave_id,
                location_id: c.location_id,
                method: c.method,
                order_ids,
                tasks,
            },
        );
        Ok(())
    }

    /// The picks of the orders named, each checked.
    fn named_wave(&self, ids: &[OrderId], location: &LocationId) -> Result<Vec<OrderPicks>> {
        let mut out = Vec::with_capacity(ids.len());
        for (n, id) in ids.iter().enumerate() {
            let field = || format!("order_ids[{n}]");
            check_id(&field(), id.as_str())?;
            if ids[..n].contains(id) {
                return Err(OmsError::validation(
                    field(),
                    format!("{id} is listed twice"),
                ));
            }
            let order = self
                .orders
                .get(id)
                .ok_or_else(|| OmsError::not_found("order", id))?;
            if !order.holds.is_empty() {
                return Err(OmsError::transition(
                    "order",
                    id,
                    order.cached_status,
                    "an order with holds is not picked",
                ));
            }
            let picks = self
                .order_picks(order, location)
                .map_err(|e| e.within(field))?;
            if picks.wants.is_empty() {
                return Err(OmsError::validation(
                    field(),
                    format!("{id} has no reserved units at {location} left to pick"),
                ));
            }
            out.push(picks);
        }
        Ok(out)
    }

    /// The first wave `rules` plans among the orders with units to pick at
    /// `location` (orders whose SKUs lack a bin are left out).
    fn selected_wave(
        &self,
        location: &LocationId,
        rules: Option<&WaveRules>,
    ) -> Result<Vec<OrderPicks>> {
        let rules = rules.cloned().unwrap_or_default();
        let mut candidates = Vec::new();
        let mut picks = Vec::new();
        for order in self.orders.values() {
            if !order.holds.is_empty() || !order.lines.iter().any(|l| l.unpicked_at(location) > 0) {
                continue;
            }
            let Ok(p) = self.order_picks(order, location) else {
                continue;
            };
            if p.wants.is_empty() {
                continue;
            }
            let mut zones: Vec<(String, u64)> = Vec::new();
            for w in &p.wants {
                match zones.iter_mut().find(|z| z.0 == w.zone) {
                    Some(z) => z.1 += w.stop.quantity,
                    None => zones.push((w.zone.clone(), w.stop.quantity)),
                }
            }
            candidates.push(WaveCandidate {
                ship_by: order.placement.ship_by,
                rush: order.placement.priority == Priority::Rush,
                placed_at: order.placed_at,
                zones,
            });
            picks.push(Some(p));
        }
        let first = plan_waves(&candidates, &rules)
            .into_iter()
            .next()
            .unwrap_or_default();
        Ok(first
            .into_iter()
            .filter_map(|i| picks.get_mut(i).and_then(Option::take))
            .collect())
    }

    /// What an order has to pick at `location`: per line, its reserved
    /// units not on a task yet, as stops at the pick bins of its SKUs (a
    /// kit line's components each).
    fn order_picks(&self, order: &Order, location: &LocationId) -> Result<OrderPicks> {
        let mut out = OrderPicks {
            order_id: order.order_id().clone(),
            wants: Vec::new(),
            items: 0,
            volume: 0,
            weight: 0,
        };
        for (i, line) in order.lines.iter().enumerate() {
            let units = line.unpicked_at(location);
            if units == 0 {
                continue;
            }
            let spec = &order.placement.lines[i];
            let mut zone = None;
            for (product, per) in order.part_slots(i) {
                let p = &self.products.by_slot[product].product;
                let bin_id = self
                    .floors
                    .bin_of
                    .get(&(location.clone(), p.sku.clone()))
                    .ok_or_else(|| {
                        OmsError::validation(
                            "bins",
                            format!("{} has no bin at {location} (define_bin)", p.sku),
                        )
                    })?;
                let bin = &self.floors.bins[&(location.clone(), bin_id.clone())];
                let quantity = units.saturating_mul(per);
                out.items = out.items.saturating_add(quantity);
                if let Some(d) = &p.dims_mm {
                    let cm3 = u64::from(d.length) * u64::from(d.width) * u64::from(d.height) / 1000;
                    out.volume = out.volume.saturating_add(cm3.saturating_mul(quantity));
                }
                if let Some(g) = p.weight_g {
                    out.weight = out.weight.saturating_add(g.saturating_mul(quantity));
                }
                // A line stays in one zone: a kit goes where its first part is.
                let zone = zone.get_or_insert_with(|| bin.zone_name()).clone();
                out.wants.push(Want {
                    stop: PickStop {
                        bin_id: bin_id.clone(),
                        sku: p.sku.clone(),
                        quantity,
                        order_id: order.order_id().clone(),
                        line_id: spec.line_id.clone(),
                        per,
                        tote: None,
                        picked: 0,
                        short: 0,
                    },
                    slot: bin.slot,
                    zone,
                });
            }
        }
        Ok(out)
    }

    pub(super) fn confirm_pick(&mut self, c: ConfirmPick, tx: &mut Tx) -> Result<()> {
        check_quantity("quantity", c.quantity, 1)?;
        let (task, stop) = self.open_stop(&c.task_id, c.stop)?;
        if c.quantity > stop.remaining() {
            return Err(OmsError::validation(
                "quantity",
                format!(
                    "{} is more than the {} units stop {} still needs",
                    c.quantity,
                    stop.remaining(),
                    c.stop
                ),
            ));
        }
        let task_id = task.task_id.clone();
        if let Some(code) = &c.scanned_code {
            check_text("scanned_code", code, MAX_NAME)?;
            let matches = code.as_str() == stop.sku.as_str()
                || self
                    .products
                    .get(&stop.sku)
                    .and_then(|e| e.product.gtin.as_deref())
                    == Some(code.as_str());
            if !matches {
                let kind = EventKind::PickScanRejected {
                    task_id,
                    stop: c.stop,
                    sku: stop.sku.clone(),
                    scanned_code: code.clone(),
                };
                self.emit(tx, kind);
                return Ok(());
            }
        }
        let kind = EventKind::PickConfirmed {
            task_id,
            stop: c.stop,
            order_id: self.own_order_id(&stop.order_id),
            line_id: stop.line_id.clone(),
            sku: stop.sku.clone(),
            quantity: c.quantity,
            scanned_code: c.scanned_code,
        };
        self.emit(tx, kind);
        Ok(())
    }

    pub(super) fn short_pick(&mut self, c: ShortPick, tx: &mut Tx) -> Result<()> {
        let (task, stop) = self.open_stop(&c.task_id, c.stop)?;
        let remaining = stop.remaining();
        if c.quantity_found >= remaining {
            return Err(OmsError::validation(
                "quantity_found",
                format!(
                    "{} is not short of the {remaining} units stop {} needs (confirm_pick them)",
                    c.quantity_found, c.stop
                ),
            ));
        }
        let missing = remaining - c.quantity_found;
        // The line units lost with this shortfall: the task's count after
        // it, less the count before (a short pick is rare; the copy is cheap).
        let before = task.lost(&stop.order_id, &stop.line_id);
        let mut after = task.clone();
        after.stops[c.stop as usize].short += missing;
        let released = after
            .lost(&stop.order_id, &stop.line_id)
            .saturating_sub(before);
        let location_id = task.location_id.clone();
        let order_id = self.own_order_id(&stop.order_id);
        let (line_id, sku) = (stop.line_id.clone(), stop.sku.clone());
        let product = self
            .products
            .slot(&sku)
            .ok_or_else(|| OmsError::not_found("product", &sku))?;
        let slot = self
            .locations
            .slot(location_id.as_str())
            .ok_or_else(|| OmsError::not_found("location", &location_id))?;
        self.emit(
            tx,
            EventKind::PickShorted {
                task_id: c.task_id,
                stop: c.stop,
                order_id: order_id.clone(),
                line_id: line_id.clone(),
                sku: sku.clone(),
                location_id: location_id.clone(),
                found: c.quantity_found,
                missing,
                released,
            },
        );
        if released > 0 {
            let releases = vec![LineAllocation {
                line_id,
                location_id: location_id.clone(),
                quantity: released,
            }];
            self.emit_release(tx, &order_id, releases, ReleaseReason::ShortPick);
        }
        let on_hand = self.products.by_slot[product]
            .cell(slot)
            .map_or(0, |c| c.on_hand())
            .saturating_sub(missing);
        let delta = -(i64::try_from(missing).unwrap_or(i64::MAX));
        let kind = EventKind::StockAdjusted {
            sku,
            location_id,
            delta,
            reason: "short_pick".to_string(),
            counted: None,
        };
        self.record_on_hand_change(tx, product, slot, on_hand, false, kind);
        // The line's lost units are sourced again (anywhere they can be).
        self.allocate_order(tx, &order_id);
        Ok(())
    }

    pub(super) fn complete_task(&mut self, c: CompleteTask, tx: &mut Tx) -> Result<()> {
        let task = self.open_task(&c.task_id)?;
        if let Some(k) = task.next_stop() {
            return Err(OmsError::transition(
                "pick task",
                &c.task_id,
                "open",
                format!(
                    "stop {k} ({} of {} at bin {}) is neither picked nor reported short",
                    task.stops[k].remaining(),
                    task.stops[k].sku,
                    task.stops[k].bin_id
                ),
            ));
        }
        let picked: Vec<PickedLine> = task
            .lines()
            .into_iter()
            .filter_map(|(order_id, line_id, units)| {
                let q = units.saturating_sub(task.lost(&order_id, &line_id));
                (q > 0).then(|| PickedLine {
                    order_id: self.own_order_id(&order_id),
                    line_id,
                    quantity: q,
                })
            })
            .collect();
        let (task_id, wave_id) = (task.task_id.clone(), task.wave_id.clone());
        for p in &picked {
            self.touch(tx, &p.order_id);
        }
        self.emit(
            tx,
            EventKind::TaskCompleted {
                task_id,
                wave_id,
                picked,
            },
        );
        Ok(())
    }

    fn open_task(&self, task_id: &TaskId) -> Result<&PickTask> {
        check_id("task_id", task_id.as_str())?;
        let task = self
            .floors
            .tasks
            .get(task_id)
            .ok_or_else(|| OmsError::not_found("pick task", task_id))?;
        if task.status != TaskStatus::Open {
            return Err(OmsError::transition(
                "pick task",
                task_id,
                "completed",
                "the task is completed",
            ));
        }
        Ok(task)
    }

    fn open_stop(&self, task_id: &TaskId, stop: u32) -> Result<(&PickTask, &PickStop)> {
        let task = self.open_task(task_id)?;
        let s = task.stops.get(stop as usize).ok_or_else(|| {
            OmsError::validation(
                "stop",
                format!(
                    "task {task_id} has stops 0 to {}",
                    task.stops.len().saturating_sub(1)
                ),
            )
        })?;
        if s.remaining() == 0 {
            return Err(OmsError::transition(
                "pick task",
                task_id,
                "open",
                format!("stop {stop} is done"),
            ));
        }
        Ok((task, s))
    }

    /// The engine's own copy of an order id (later lookups compare pointers).
    fn own_order_id(&self, id: &OrderId) -> OrderId {
        self.orders
            .get(id)
            .map_or_else(|| id.clone(), |o| o.order_id().clone())
    }

    /// Folds a picking event.
    pub(super) fn fold_picking(
        &mut self,
        kind: &EventKind,
        at: DateTime<Utc>,
        origin: Origin,
    ) -> Result<()> {
        match kind {
            EventKind::LayoutSet {
                location_id,
                layout,
            } => {
                if origin == Origin::Log {
                    if !self.locations.contains(location_id.as_str()) {
                        return Err(OmsError::not_found("location", location_id));
                    }
                    layout
                        .check()
                        .map_err(|e| OmsError::conflict(e.to_string()))?;
                }
                self.floors
                    .layouts
                    .insert(location_id.clone(), layout.clone());
            }
            EventKind::BinDefined { bin } => {
                if origin == Origin::Log {
                    let layout = self
                        .floors
                        .layouts
                        .get(&bin.location_id)
                        .ok_or_else(|| no_layout(&bin.location_id))?;
                    layout
                        .check_slot(&bin.slot, "bin")
                        .map_err(|e| OmsError::conflict(e.to_string()))?;
                }
                self.floors.put_bin(bin.clone());
            }
            EventKind::WaveReleased {
                wave_id,
                location_id,
                method,
                order_ids,
                tasks,
            } => {
                if origin == Origin::Log {
                    self.check_wave(wave_id, location_id, tasks)?;
                }
                for task in tasks {
                    for (order_id, line_id, units) in task.lines() {
                        if let Some(line) = self.line_mut(&order_id, &line_id) {
                            line.picking.add(location_id, units);
                        }
                    }
                }
                for id in order_ids {
                    self.order_changed(id, origin);
                }
                self.floors.waves.insert(
                    wave_id.clone(),
                    Wave {
                        wave_id: wave_id.clone(),
                        location_id: location_id.clone(),
                        method: *method,
                        order_ids: order_ids.clone(),
                        task_ids: tasks.iter().map(|t| t.task_id.clone()).collect(),
                        released_at: at,
                    },
                );
                for t in tasks {
                    self.floors.put_task(t.clone());
                }
            }
            EventKind::PickConfirmed {
                task_id,
                stop,
                quantity,
                scanned_code,
                ..
            } => {
                let s = self.event_stop(task_id, *stop, origin)?;
                if origin == Origin::Log && *quantity > s.remaining() {
                    return Err(OmsError::conflict(format!(
                        "stop {stop} of {task_id} needs {} units, not {quantity}",
                        s.remaining()
                    )));
                }
                s.picked += quantity;
                if scanned_code.is_some() {
                    if let Some(t) = self.floors.tasks.get_mut(task_id) {
                        t.scans += 1;
                    }
                }
            }
            EventKind::PickScanRejected { task_id, stop, .. } => {
                self.event_stop(task_id, *stop, origin)?;
                if let Some(t) = self.floors.tasks.get_mut(task_id) {
                    t.rejected_scans += 1;
                }
            }
            EventKind::PickShorted {
                task_id,
                stop,
                order_id,
                line_id,
                location_id,
                found,
                missing,
                released,
                ..
            } => {
                let s = self.event_stop(task_id, *stop, origin)?;
                if origin == Origin::Log && found + missing != s.remaining() {
                    return Err(OmsError::conflict(format!(
                        "stop {stop} of {task_id} needs {} units, not {found} + {missing}",
                        s.remaining()
                    )));
                }
                s.picked += found;
                s.short += missing;
                if let Some(line) = self.line_mut(order_id, line_id) {
                    line.picking.remove(location_id, *released);
                }
            }
            EventKind::TaskCompleted {
                task_id, picked, ..
            } => {
                let task = self
                    .floors
                    .tasks
                    .get_mut(task_id)
                    .ok_or_else(|| OmsError::not_found("pick task", task_id))?;
                if origin == Origin::Log && (task.status != TaskStatus::Open || !task.is_done()) {
                    return Err(OmsError::conflict(format!("{task_id} cannot complete")));
                }
                task.status = TaskStatus::Completed;
                let location_id = task.location_id.clone();
                self.floors.open.remove(task_id);
                for p in picked {
                    if let Some(line) = self.line_mut(&p.order_id, &p.line_id) {
                        line.picking.remove(&location_id, p.quantity);
                        line.picked.add(&location_id, p.quantity);
                    }
                }
                for p in picked {
                    self.order_changed(&p.order_id, origin);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// For a stop event: the stop, from a log checked to exist on an open task.
    fn event_stop(&mut self, task_id: &TaskId, stop: u32, origin: Origin) -> Result<&mut PickStop> {
        let task = self
            .floors
            .tasks
            .get_mut(task_id)
            .ok_or_else(|| OmsError::not_found("pick task", task_id))?;
        if origin == Origin::Log && task.status != TaskStatus::Open {
            return Err(OmsError::conflict(format!("{task_id} is completed")));
        }
        task.stops
            .get_mut(stop as usize)
            .ok_or_else(|| OmsError::conflict(format!("{task_id} has no stop {stop}")))
    }

    /// From a log: a new wave whose tasks are new and whose lines hold the
    /// units at the location.
    fn check_wave(
        &self,
        wave_id: &WaveId,
        location_id: &LocationId,
        tasks: &[PickTask],
    ) -> Result<()> {
        if self.floors.waves.contains_key(wave_id) {
            return Err(OmsError::conflict(format!("wave {wave_id} exists")));
        }
        let mut need: Vec<(OrderId, LineId, u64)> = Vec::new();
        for t in tasks {
            if self.floors.tasks.contains_key(&t.task_id) || &t.location_id != location_id {
                return Err(OmsError::conflict(format!(
                    "task {} cannot be added",
                    t.task_id
                )));
            }
            for (o, l, u) in t.lines() {
                match need.iter_mut().find(|n| n.0 == o && n.1 == l) {
                    Some(n) => n.2 += u,
                    None => need.push((o, l, u)),
                }
            }
        }
        for (o, l, u) in need {
            let order = self
                .orders
                .get(&o)
                .ok_or_else(|| OmsError::not_found("order", &o))?;
            let i = order
                .line_index(l.as_str())
                .ok_or_else(|| OmsError::not_found("order line", &l))?;
            if u > order.lines[i].unpicked_at(location_id) {
                return Err(OmsError::conflict(format!(
                    "line {o}/{l} has fewer than {u} units to pick at {location_id}"
                )));
            }
        }
        Ok(())
    }

    fn line_mut(&mut self, order_id: &OrderId, line_id: &LineId) -> Option<&mut LineState> {
        let order = self.orders.get_mut(order_id)?;
        let i = order.line_index(line_id.as_str())?;
        Some(&mut order.lines[i])
    }

    /// The error for a command that needs `action` on an order with units
    /// on open pick tasks.
    pub(super) fn picking_error(order: &Order, action: OrderAction) -> OmsError {
        OmsError::transition(
            "order",
            order.order_id(),
            order.cached_status,
            format!(
                "{} is not allowed while {} units are on open pick tasks (short_pick or complete_task first)",
                action.command(),
                order.units_in_picking()
            ),
        )
    }

    // ------------------------------------------------------------------
    // Queries
    // ------------------------------------------------------------------

    /// A location's floor plan.
    pub fn layout(&self, location_id: &str) -> Option<&Layout> {
        self.floors.layouts.get(&LocationId::new(location_id))
    }

    /// A location's bins, by id.
    pub fn bins(&self, location_id: &str) -> Vec<&Bin> {
        self.floors
            .bins
            .range(bin_range(&LocationId::new(location_id)))
            .map(|(_, b)| b)
            .collect()
    }

    /// A wave.
    pub fn wave(&self, wave_id: &str) -> Option<&Wave> {
        self.floors.waves.get(&WaveId::new(wave_id))
    }

    /// A pick task.
    pub fn pick_task(&self, task_id: &str) -> Option<&PickTask> {
        self.floors.tasks.get(&TaskId::new(task_id))
    }

    /// Pick tasks, by id, optionally only those at a location or in a status.
    pub fn pick_tasks(
        &self,
        location_id: Option<&str>,
        status: Option<TaskStatus>,
    ) -> Vec<&PickTask> {
        self.floors
            .tasks
            .values()
            .filter(|t| location_id.is_none_or(|l| t.location_id.as_str() == l))
            .filter(|t| status.is_none_or(|s| t.status == s))
            .collect()
    }

    /// The next task for a picker at a location: the first open task (by
    /// wave release, then number) nothing has been picked on yet.
    pub fn next_pick_task(&self, location_id: &str) -> Option<&PickTask> {
        let mut open: Vec<&PickTask> = self
            .floors
            .open_tasks()
            .filter(|t| t.location_id.as_str() == location_id)
            .filter(|t| t.stops.iter().all(|s| s.picked == 0 && s.short == 0))
            .collect();
        // By wave release, then the task's place in its wave.
        let order = |t: &PickTask| {
            let wave = self.floors.waves.get(&t.wave_id);
            let place = wave.and_then(|w| w.task_ids.iter().position(|id| id == &t.task_id));
            (wave.map(|w| w.released_at), t.wave_id.clone(), place)
        };
        open.sort_by_key(|t| order(t));
        open.into_iter().next()
    }

    /// Scans checked and refused, over every task (or one location's).
    pub fn picking_accuracy(&self, location_id: Option<&str>) -> PickAccuracy {
        let (mut scans, mut rejected) = (0u64, 0u64);
        for t in self.pick_tasks(location_id, None) {
            scans += t.scans;
            rejected += t.rejected_scans;
        }
        let total = scans + rejected;
        PickAccuracy {
            scans,
            rejected_scans: rejected,
            accuracy: if total == 0 {
                1.0
            } else {
                scans as f64 / total as f64
            },
        }
    }
}

fn no_layout(location_id: &LocationId) -> OmsError {
    OmsError::validation(
        "location_id",
        format!("{location_id} has no layout (set_layout)"),
    )
}

/// The key range of one location's bins.
fn bin_range(location_id: &LocationId) -> std::ops::RangeInclusive<(LocationId, BinId)> {
    // Bin ids hold no control characters: "" sorts first, "\u{10ffff}" ... last.
    (location_id.clone(), BinId::new(""))..=(location_id.clone(), BinId::new("\u{10ffff}"))
}

/// A tour: its zone, stops in walking order, and (distance, path).
type Tour = (
    Option<String>,
    Vec<PickStop>,
    (u64, Vec<crate::picking::Waypoint>),
);

/// The route through `slots`: the shortest, or the heuristic's walk.
fn walk(layout: &Layout, slots: &[Slot], heuristic: Option<Heuristic>) -> Result<Route> {
    match heuristic {
        None => optimal_route(layout, slots),
        Some(h) => heuristic_route(layout, slots, h),
    }
}

/// Splits the wave's picks into tours by `method`, each walked by the
/// shortest route or by `heuristic`.
fn tours(
    layout: &Layout,
    orders: &[OrderPicks],
    method: PickMethod,
    cart: &Cart,
    options: &BatchOptions,
    heuristic: Option<Heuristic>,
) -> Result<Vec<Tour>> {
    let everything: Vec<Vec<&Want>> = orders.iter().map(|o| o.wants.iter().collect()).collect();
    match method {
        PickMethod::SingleOrder => orders
            .iter()
            .map(|o| {
                let slots: Vec<Slot> = o.wants.iter().map(|w| w.slot).collect();
                let route = walk(layout, &slots, heuristic)?;
                let stops = route
                    .order
                    .iter()
                    .map(|&k| o.wants[k].stop.clone())
                    .collect();
                Ok((None, stops, (route.distance, route.path)))
            })
            .collect(),
        PickMethod::Batch | PickMethod::Cluster => {
            let totes = method == PickMethod::Cluster;
            let how = Batching {
                cart,
                options,
                heuristic,
                totes,
            };
            batched(layout, orders, &everything, &how, None)
        }
        PickMethod::Zone => {
            let mut zones: Vec<&str> = orders
                .iter()
                .flat_map(|o| o.wants.iter().map(|w| w.zone.as_str()))
                .collect();
            zones.sort_unstable();
            zones.dedup();
            let mut out = Vec::new();
            for zone in zones {
                let wants: Vec<Vec<&Want>> = orders
                    .iter()
                    .map(|o| o.wants.iter().filter(|w| w.zone == zone).collect())
                    .collect();
                let how = Batching {
                    cart,
                    options,
                    heuristic,
                    totes: false,
                };
                out.extend(batched(layout, orders, &wants, &how, Some(zone))?);
            }
            Ok(out)
        }
    }
}

/// How a wave's orders go onto carts and are walked.
struct Batching<'a> {
    cart: &'a Cart,
    options: &'a BatchOptions,
    /// Walk each batch by this heuristic (batches are formed on shortest routes).
    heuristic: Option<Heuristic>,
    /// A tote per order (cluster picking).
    totes: bool,
}

/// Batches the orders' `wants` (per order; orders with none left out) onto carts.
fn batched(
    layout: &Layout,
    orders: &[OrderPicks],
    wants: &[Vec<&Want>],
    how: &Batching,
    zone: Option<&str>,
) -> Result<Vec<Tour>> {
    let members: Vec<usize> = (0..orders.len())
        .filter(|&o| !wants[o].is_empty())
        .collect();
    let input: Vec<BatchOrder> = members
        .iter()
        .map(|&o| {
            // Zone picking loads each zone's share of an order.
            let all: u64 = orders[o].wants.iter().map(|w| w.stop.quantity).sum();
            let here: u64 = wants[o].iter().map(|w| w.stop.quantity).sum();
            let share = |total: u64| {
                if all == 0 {
                    0
                } else {
                    (u128::from(total) * u128::from(here) / u128::from(all)) as u64
                }
            };
            BatchOrder {
                picks: wants[o].iter().map(|w| w.slot).collect(),
                items: share(orders[o].items),
                volume: share(orders[o].volume),
                weight: share(orders[o].weight),
            }
        })
        .collect();
    let plan = batch_orders(layout, &input, how.cart, how.options)?;
    plan.batches
        .into_iter()
        .map(|batch| {
            let want = |&BatchStop { order, pick }| wants[members[order]][pick];
            let mut stops: Vec<PickStop> = batch
                .stops
                .iter()
                .map(|s| {
                    let mut stop = want(s).stop.clone();
                    if how.totes {
                        let tote = batch.orders.iter().position(|&b| b == s.order).unwrap_or(0);
                        stop.tote = Some(tote as u32 + 1);
                    }
                    stop
                })
                .collect();
            let mut walk = (batch.distance, batch.path);
            if let Some(h) = how.heuristic {
                let slots: Vec<Slot> = batch.stops.iter().map(|s| want(s).slot).collect();
                let r = heuristic_route(layout, &slots, h)?;
                stops = r.order.iter().map(|&k| stops[k].clone()).collect();
                walk = (r.distance, r.path);
            }
            Ok((zone.map(str::to_string), stops, walk))
        })
        .collect()
}
