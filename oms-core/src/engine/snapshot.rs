//! Snapshots, restore, and the invariant check.

use super::*;
use crate::picking::{Bin, Layout, PickTask, TaskStatus, Wave};
use crate::purchasing::replenishment::ReorderSettings;
use crate::purchasing::{PurchaseOrder, Supplier, SupplierItem};

impl Engine {
    /// Serializes the whole state deterministically: the same state gives
    /// the same bytes.
    pub fn snapshot(&self) -> Vec<u8> {
        let mut products: Vec<ProductSnapshot> = self
            .products
            .values()
            .map(|e| ProductSnapshot {
                product: e.product.clone(),
                stock: {
                    let mut cells: Vec<(LocationId, StockCell)> = e
                        .stock
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| !c.is_empty())
                        .map(|(slot, c)| (self.locations.by_slot[slot].location_id.clone(), *c))
                        .collect();
                    cells.sort_by(|a, b| a.0.cmp(&b.0));
                    cells
                },
            })
            .collect();
        products.sort_by(|a, b| a.product.sku.cmp(&b.product.sku));
        let mut orders: Vec<&Order> = self.orders.values().collect();
        orders.sort_by(|a, b| a.order_id().cmp(b.order_id()));
        let mut shipments: Vec<&Shipment> = self.shipments.values().collect();
        shipments.sort_by(|a, b| a.shipment_id.cmp(&b.shipment_id));
        let snapshot = SnapshotRef {
            schema_version: SCHEMA_VERSION,
            config: &self.config,
            events_applied: self.events_applied,
            locations: self.locations.sorted(),
            products,
            orders,
            shipments,
            channels: self.channels.values().collect(),
            stock_holds: self.stock_holds.values().collect(),
            idempotency: &self.idempotency,
            suppliers: self.purchasing.suppliers.values().collect(),
            supplier_items: self.purchasing.items.values().collect(),
            purchase_orders: self.purchasing.pos.values().collect(),
            returns: self.returns.values().collect(),
            replenishment: self
                .purchasing
                .reorder
                .iter()
                .map(|((sku, location_id), settings)| ReorderEntry {
                    sku: sku.clone(),
                    location_id: location_id.clone(),
                    settings: settings.clone(),
                })
                .collect(),
            layouts: self
                .floors
                .layouts
                .iter()
                .map(|(location_id, layout)| LayoutEntry {
                    location_id: location_id.clone(),
                    layout: layout.clone(),
                })
                .collect(),
            bins: self.floors.bins.values().collect(),
            waves: self.floors.waves.values().collect(),
            pick_tasks: self.floors.tasks.values().collect(),
        };
        // Serializing plain data to a Vec cannot fail.
        serde_json::to_vec(&snapshot).unwrap_or_default()
    }

    /// Restores an engine from [`Engine::snapshot`] bytes. Malformed bytes
    /// are a `validation` error; a snapshot whose parts contradict each
    /// other is a `conflict`.
    pub fn from_snapshot(bytes: &[u8]) -> Result<Engine> {
        let s: Snapshot = serde_json::from_slice(bytes)
            .map_err(|e| OmsError::validation("snapshot", e.to_string()))?;
        if s.schema_version == 0 || s.schema_version > SCHEMA_VERSION {
            return Err(OmsError::validation(
                "snapshot",
                format!(
                    "schema_version {} is not supported (this engine writes {SCHEMA_VERSION})",
                    s.schema_version
                ),
            ));
        }
        let mut e = Engine::new(s.config);
        e.events_applied = s.events_applied;
        for l in s.locations {
            if e.locations.contains(l.location_id.as_str()) {
                return Err(OmsError::conflict(format!(
                    "location {} appears twice",
                    l.location_id
                )));
            }
            e.locations.upsert(l);
        }
        for p in s.products {
            let sku = p.product.sku.clone();
            if e.products.contains_key(&sku) {
                return Err(OmsError::conflict(format!("product {sku} appears twice")));
            }
            let mut entry = ProductEntry {
                product: p.product,
                stock: Vec::new(),
                demand: 0,
                held: 0,
            };
            for (location_id, cell) in p.stock {
                let slot = e.locations.slot(location_id.as_str()).ok_or_else(|| {
                    OmsError::conflict(format!("stock at unknown location {location_id}"))
                })?;
                *entry.cell_mut(slot) = cell;
            }
            e.products.push(entry);
        }
        for mut o in s.orders {
            let id = o.order_id().clone();
            if o.lines.len() != o.placement.lines.len()
                || o.kits.iter().any(|k| k.line as usize >= o.lines.len())
            {
                return Err(OmsError::conflict(format!(
                    "order {id} has mismatched lines"
                )));
            }
            e.link_products(&mut o, false)
                .map_err(|err| OmsError::conflict(format!("order {id}: {err}")))?;
            if !e.orders.insert(Box::new(o)) {
                return Err(OmsError::conflict(format!("order {id} appears twice")));
            }
        }
        for s in s.shipments {
            e.shipments.insert(s);
        }
        for c in s.channels {
            e.check_channel_locations(&c)
                .map_err(|err| OmsError::conflict(err.to_string()))?;
            if e.channels.insert(c.channel.clone(), c).is_some() {
                return Err(OmsError::conflict("a channel appears twice"));
            }
        }
        for h in s.stock_holds {
            e.fold_stock_held(&h, Origin::Log)
                .map_err(|err| OmsError::conflict(err.to_string()))?;
        }
        e.idempotency = s.idempotency;
        for supplier in s.suppliers {
            let id = supplier.supplier_id.clone();
            if e.purchasing
                .suppliers
                .insert(id.clone(), supplier)
                .is_some()
            {
                return Err(OmsError::conflict(format!("supplier {id} appears twice")));
            }
        }
        for item in s.supplier_items {
            let key = (item.supplier_id.clone(), item.sku.clone());
            if !e.purchasing.suppliers.contains_key(&key.0) {
                return Err(OmsError::conflict(format!(
                    "item {} of unknown supplier {}",
                    key.1, key.0
                )));
            }
            if e.purchasing.items.insert(key.clone(), item).is_some() {
                return Err(OmsError::conflict(format!(
                    "item {} of supplier {} appears twice",
                    key.1, key.0
                )));
            }
        }
        for rma in s.returns {
            let id = rma.rma_id.clone();
            match e.orders.get(&rma.order_id) {
                Some(o) if o.returns.contains(&id) => {}
                _ => {
                    return Err(OmsError::conflict(format!(
                        "RMA {id} names order {}, which does not list it",
                        rma.order_id
                    )))
                }
            }
            if e.returns.insert(id.clone(), rma).is_some() {
                return Err(OmsError::conflict(format!("RMA {id} appears twice")));
            }
        }
        for po in s.purchase_orders {
            let id = po.po_id.clone();
            if e.purchasing.pos.insert(id.clone(), po).is_some() {
                return Err(OmsError::conflict(format!(
                    "purchase order {id} appears twice"
                )));
            }
        }
        for r in s.replenishment {
            if e.purchasing
                .reorder
                .insert((r.sku.clone(), r.location_id.clone()), r.settings)
                .is_some()
            {
                return Err(OmsError::conflict(format!(
                    "replenishment of {} at {} appears twice",
                    r.sku, r.location_id
                )));
            }
        }
        for l in s.layouts {
            if !e.locations.contains(l.location_id.as_str()) {
                return Err(OmsError::conflict(format!(
                    "layout of unknown location {}",
                    l.location_id
                )));
            }
            e.floors.layouts.insert(l.location_id, l.layout);
        }
        for b in s.bins {
            if !e.floors.layouts.contains_key(&b.location_id) {
                return Err(OmsError::conflict(format!(
                    "bin {} at a location without a layout",
                    b.bin_id
                )));
            }
            e.floors.put_bin(b);
        }
        for w in s.waves {
            e.floors.waves.insert(w.wave_id.clone(), w);
        }
        for t in s.pick_tasks {
            e.floors.put_task(t);
        }
        e.purchasing.reindex();
        e.refresh_rates();
        e.rebuild_indexes();
        e.check_invariants().map_err(OmsError::conflict)?;
        Ok(e)
    }

    /// Every line's `picking` units are its units on open tasks, less what
    /// short picks released.
    fn check_picking(&self) -> std::result::Result<(), String> {
        let mut on_tasks: BTreeMap<(OrderId, LineId, LocationId), u64> = BTreeMap::new();
        for t in self.floors.tasks.values() {
            if (t.status == TaskStatus::Open) != self.floors.open.contains(&t.task_id) {
                return Err(format!("task {}: the open index disagrees", t.task_id));
            }
            if t.status != TaskStatus::Open {
                continue;
            }
            for (o, l, units) in t.lines() {
                let lost = t.lost(&o, &l);
                *on_tasks.entry((o, l, t.location_id.clone())).or_default() += units - lost;
            }
        }
        for o in self.orders.values() {
            for (spec, line) in o.placement.lines.iter().zip(o.lines.iter()) {
                for a in line.picking.as_slice() {
                    let key = (
                        o.order_id().clone(),
                        spec.line_id.clone(),
                        a.location_id.clone(),
                    );
                    if on_tasks.remove(&key) != Some(a.quantity) {
                        return Err(format!(
                            "order {} line {}: {} units picking at {} but not on open tasks",
                            o.order_id(),
                            spec.line_id,
                            a.quantity,
                            a.location_id
                        ));
                    }
                }
            }
        }
        match on_tasks.into_iter().find(|(_, q)| *q > 0) {
            Some(((o, l, loc), q)) => Err(format!(
                "{q} units of {o}/{l} on open tasks at {loc} are not counted as picking"
            )),
            None => Ok(()),
        }
    }

    /// Recomputes the derived indexes (open demand, pending queue) from orders.
    pub(super) fn rebuild_indexes(&mut self) {
        for p in self.products.values_mut() {
            p.demand = 0;
        }
        let Engine {
            orders, products, ..
        } = self;
        for o in orders.values() {
            for i in 0..o.lines.len() {
                let unallocated = o.unallocated(i);
                for (product, per) in o.part_slots(i) {
                    let e = &mut products.by_slot[product];
                    e.demand = e.demand.saturating_add(unallocated.saturating_mul(per));
                }
            }
        }
        let ids: Vec<OrderId> = self.orders.keys().cloned().collect();
        self.pending.clear();
        for id in ids {
            self.refresh_order(&id);
        }
    }

    /// Checks every invariant of the state: stock cells are consistent,
    /// reservations equal the order lines' allocations, line quantities add
    /// up, derived indexes match. Returns the first violation found.
    pub fn check_invariants(&self) -> std::result::Result<(), String> {
        let mut reserved: BTreeMap<(Sku, LocationId), u64> = BTreeMap::new();
        let mut demand: BTreeMap<Sku, u64> = BTreeMap::new();
        self.check_refunds()?;
        for o in self.orders.values() {
            if o.cached_status != o.status() {
                return Err(format!(
                    "order {}: cached status {} differs from the derived {}",
                    o.order_id(),
                    o.cached_status,
                    o.status()
                ));
            }
            for (i, (spec, line)) in o.placement.lines.iter().zip(&o.lines).enumerate() {
                let accounted = line
                    .cancelled
                    .saturating_add(line.shipped)
                    .saturating_add(line.allocated())
                    .saturating_add(line.dropship);
                if accounted > spec.quantity {
                    return Err(format!(
                        "order {} line {}: cancelled + shipped + allocated + dropship = {accounted} exceeds quantity {}",
                        o.order_id(), spec.line_id, spec.quantity
                    ));
                }
                for a in line.picking.as_slice().iter().chain(line.picked.as_slice()) {
                    if line.picking.at(&a.location_id) + line.picked.at(&a.location_id)
                        > line.allocated_at(&a.location_id)
                    {
                        return Err(format!(
                            "order {} line {}: picking + picked exceed the reservations at {}",
                            o.order_id(),
                            spec.line_id,
                            a.location_id
                        ));
                    }
                }
                if line.returned.saturating_add(line.return_requested) > line.shipped
                    || line.credited > line.returned
                {
                    return Err(format!(
                        "order {} line {}: returned {} + on returns {} exceed shipped {} (or credited {} exceeds returned)",
                        o.order_id(),
                        spec.line_id,
                        line.returned,
                        line.return_requested,
                        line.shipped,
                        line.credited
                    ));
                }
                if line.delivered > line.shipped {
                    return Err(format!(
                        "order {} line {}: counters out of range",
                        o.order_id(),
                        spec.line_id
                    ));
                }
                if self.products.slot(&spec.sku) != Some(line.product as usize) {
                    return Err(format!(
                        "order {} line {} does not point at product {}",
                        o.order_id(),
                        spec.line_id,
                        spec.sku
                    ));
                }
                let comps: Vec<(Sku, u64)> = if o.components(i).is_empty() {
                    vec![(spec.sku.clone(), 1)]
                } else {
                    o.components(i)
                        .iter()
                        .map(|c| (c.sku.clone(), c.quantity))
                        .collect()
                };
                for (sku, per) in comps {
                    for a in line.allocations.as_slice() {
                        if !self.locations.contains(a.location_id.as_str()) {
                            return Err(format!(
                                "allocation at unknown location {}",
                                a.location_id
                            ));
                        }
                        let r = reserved
                            .entry((sku.clone(), a.location_id.clone()))
                            .or_default();
                        *r = r.saturating_add(a.quantity.saturating_mul(per));
                    }
                    let d = demand.entry(sku).or_default();
                    *d = d.saturating_add(o.unallocated(i).saturating_mul(per));
                }
            }
            let key = pending_key(o);
            let should = o.is_pending();
            if should != self.pending.contains(key) {
                return Err(format!(
                    "pending queue out of date for order {}",
                    o.order_id()
                ));
            }
        }
        if self.pending.len() > self.orders.len() {
            return Err("pending queue holds unknown orders".into());
        }
        for e in self.products.values() {
            if e.product.is_kit() && e.stock.iter().any(|c| !c.is_empty()) {
                return Err(format!("kit {} holds stock of its own", e.product.sku));
            }
            for (slot, cell) in e.stock.iter().enumerate() {
                let loc = &self.locations.by_slot[slot].location_id;
                cell.check()
                    .map_err(|m| format!("{} at {loc}: {m}", e.product.sku))?;
                let expect = reserved
                    .get(&(e.product.sku.clone(), loc.clone()))
                    .copied()
                    .unwrap_or(0);
                if cell.reserved != expect {
                    return Err(format!(
                        "{} at {loc}: reserved {} but order lines hold {expect}",
                        e.product.sku, cell.reserved
                    ));
                }
            }
            let held: u64 = self
                .stock_holds
                .values()
                .flat_map(|h| self.held_parts(&h.sku, h.quantity))
                .filter(|(slot, _)| self.products.by_slot[*slot].product.sku == e.product.sku)
                .map(|(_, units)| units)
                .sum();
            if e.held != held {
                return Err(format!(
                    "{}: {} units held but the cart holds add up to {held}",
                    e.product.sku, e.held
                ));
            }
            let expect = demand.get(&e.product.sku).copied().unwrap_or(0);
            if e.demand != expect {
                return Err(format!(
                    "{}: open demand {} but orders need {expect}",
                    e.product.sku, e.demand
                ));
            }
        }
        for ((sku, loc), n) in &reserved {
            let held = self
                .products
                .get(sku)
                .and_then(|e| self.cell(e, loc.as_str()))
                .map_or(0, |c| c.reserved);
            if held != *n {
                return Err(format!(
                    "{sku} at {loc}: orders hold {n} but the ledger reserves {held}"
                ));
            }
        }
        self.purchasing.check()?;
        self.check_dropship()?;
        self.check_picking()?;
        for s in self.shipments.values() {
            if !self.orders.contains_key(&s.order_id) {
                return Err(format!(
                    "shipment {} references unknown order {}",
                    s.shipment_id, s.order_id
                ));
            }
        }
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductSnapshot {
    product: Product,
    #[serde(default)]
    stock: Vec<(LocationId, StockCell)>,
}

#[derive(Serialize)]
struct SnapshotRef<'a> {
    schema_version: u16,
    config: &'a Config,
    events_applied: u64,
    locations: Vec<&'a Location>,
    products: Vec<ProductSnapshot>,
    orders: Vec<&'a Order>,
    shipments: Vec<&'a Shipment>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    channels: Vec<&'a ChannelDef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    stock_holds: Vec<&'a StockHold>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    idempotency: &'a BTreeMap<String, u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppliers: Vec<&'a Supplier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    supplier_items: Vec<&'a SupplierItem>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    purchase_orders: Vec<&'a PurchaseOrder>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    replenishment: Vec<ReorderEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    layouts: Vec<LayoutEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    bins: Vec<&'a Bin>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    waves: Vec<&'a Wave>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pick_tasks: Vec<&'a PickTask>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    returns: Vec<&'a crate::returns::Rma>,
}

/// A location's floor plan, in a snapshot.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutEntry {
    location_id: LocationId,
    layout: Layout,
}

/// A SKU's replenishment settings at a location, in a snapshot.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReorderEntry {
    sku: Sku,
    location_id: LocationId,
    settings: ReorderSettings,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Snapshot {
    schema_version: u16,
    config: Config,
    events_applied: u64,
    locations: Vec<Location>,
    products: Vec<ProductSnapshot>,
    orders: Vec<Order>,
    shipments: Vec<Shipment>,
    #[serde(default)]
    channels: Vec<ChannelDef>,
    #[serde(default)]
    stock_holds: Vec<StockHold>,
    #[serde(default)]
    idempotency: BTreeMap<String, u64>,
    #[serde(default)]
    suppliers: Vec<Supplier>,
    #[serde(default)]
    supplier_items: Vec<SupplierItem>,
    #[serde(default)]
    purchase_orders: Vec<PurchaseOrder>,
    #[serde(default)]
    replenishment: Vec<ReorderEntry>,
    #[serde(default)]
    layouts: Vec<LayoutEntry>,
    #[serde(default)]
    bins: Vec<Bin>,
    #[serde(default)]
    waves: Vec<Wave>,
    #[serde(default)]
    pick_tasks: Vec<PickTask>,
    #[serde(default)]
    returns: Vec<crate::returns::Rma>,
}
