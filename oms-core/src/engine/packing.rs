//! `pack`: an order's ready units at a location into parcels, chosen by
//! [`crate::packing::cartonize`] from the config's cartons or given by the
//! host; `ship` without lines then ships them.

use super::commands::check_quantity;
use super::*;
use crate::ids::CartonId;
use crate::order::{ChosenService, LineState, PackedParcel};
use crate::packing::{cartonize, CartonizeOptions, PackItem};
use crate::shipping::{select_service, ParcelSpec, ShipmentRequest};

/// Units allocated at `location` and not on an open pick task, nor shipped
/// (shipping uses the reservation up).
fn ready(line: &LineState, location: &LocationId) -> u64 {
    line.allocated_at(location)
        .saturating_sub(line.picking.at(location))
}

impl Engine {
    pub(super) fn pack(&mut self, c: Pack, tx: &mut Tx) -> Result<()> {
        let order = self.order_for(&c.order_id, OrderAction::Pack)?;
        let order_id = order.order_id().clone();
        let location_id = match c.location_id {
            Some(l) => {
                check_id("location_id", l.as_str())?;
                if !self.locations.contains(l.as_str()) {
                    return Err(OmsError::not_found("location", &l));
                }
                l
            }
            None => {
                let mut at: Vec<&LocationId> = order
                    .lines
                    .iter()
                    .flat_map(|l| l.allocations.as_slice().iter().map(|a| &a.location_id))
                    .filter(|loc| order.lines.iter().any(|l| ready(l, loc) > 0))
                    .collect();
                at.sort();
                at.dedup();
                match at.as_slice() {
                    [one] => (*one).clone(),
                    [] => {
                        return Err(OmsError::transition(
                            "order",
                            &order_id,
                            order.cached_status,
                            format!("no units of order {order_id} are ready to pack"),
                        ))
                    }
                    several => {
                        let names: Vec<&str> = several.iter().map(|l| l.as_str()).collect();
                        return Err(OmsError::validation(
                            "location_id",
                            format!(
                                "order {order_id} has units ready at {}: name one",
                                names.join(", ")
                            ),
                        ));
                    }
                }
            }
        };
        // (line index, ready units) at the location.
        let units: Vec<(usize, u64)> = order
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i, ready(l, &location_id)))
            .filter(|&(_, n)| n > 0)
            .collect();
        if units.is_empty() {
            return Err(OmsError::transition(
                "order",
                &order_id,
                order.cached_status,
                format!("no units of order {order_id} are ready to pack at {location_id}"),
            ));
        }
        let parcels = match c.parcels {
            Some(given) => self.given_parcels(order, &units, given)?,
            None => self.chosen_parcels(order, &units, &location_id)?,
        };
        // The service, for labels before shipping: only when one can be
        // chosen (a packing that no service can take still packs).
        let chosen = if self.config.shipping.is_some() {
            self.choose_service(order, &location_id, &parcels, tx.at)
                .ok()
        } else {
            None
        };
        let (choice, carrier) = chosen.map_or((None, None), |(c, k)| (Some(c), Some(k)));
        // A repeat of the same parcels records nothing (the choice may
        // differ with the time; it is not what was packed).
        if order
            .packed
            .as_deref()
            .is_some_and(|p| p.location_id == location_id && p.parcels == parcels)
        {
            return Ok(());
        }
        self.emit(
            tx,
            EventKind::OrderPacked {
                order_id,
                location_id,
                parcels,
                choice,
                carrier,
            },
        );
        Ok(())
    }

    /// The service for `parcels` of `order` from `location` (with its
    /// carrier), chosen by [`crate::shipping::select_service`] from the
    /// config's `shipping`, by the order's `deliver_by`.
    pub(super) fn choose_service(
        &self,
        order: &Order,
        location: &LocationId,
        parcels: &[PackedParcel],
        at: DateTime<Utc>,
    ) -> Result<(ChosenService, String)> {
        let Some(shipping) = &self.config.shipping else {
            return Err(OmsError::validation(
                "carrier",
                "required: the config has no shipping services to choose from",
            ));
        };
        let specs: Option<Vec<ParcelSpec>> = parcels
            .iter()
            .map(|p| {
                Some(ParcelSpec {
                    dims: p.dims?,
                    weight: p.weight?,
                })
            })
            .collect();
        let specs = match specs {
            Some(s) if !s.is_empty() => s,
            _ => {
                return Err(OmsError::validation(
                    "carrier",
                    format!(
                        "to choose the service, order {} must be packed at {location} with each parcel's weight and size known; or name the carrier",
                        order.order_id()
                    ),
                ))
            }
        };
        let origin = self
            .locations
            .get(location.as_str())
            .ok_or_else(|| OmsError::not_found("location", location))?;
        let request = ShipmentRequest {
            destination: order.placement.ship_to.clone(),
            parcels: specs,
            at,
            deliver_by: order.placement.deliver_by,
            residential: false,
        };
        let c = select_service(shipping, origin, &request)
            .map_err(|e| e.within(|| "carrier".into()))?;
        Ok((
            ChosenService {
                service_id: c.service_id,
                cost: c.cost,
                ship_date: c.ship_date,
                delivery_date: c.delivery_date,
                meets_promise: c.meets_promise,
                reason: c.reason,
            },
            c.carrier,
        ))
    }

    fn product_of(&self, order: &Order, line: usize) -> Option<&Product> {
        let sku = &order.placement.lines[line].sku;
        self.products.get(sku).map(|e| &e.product)
    }

    fn carton(&self, id: &CartonId) -> Option<&crate::packing::Carton> {
        self.config.cartons.iter().find(|c| &c.carton_id == id)
    }

    /// The cartons' choice for the ready `units`.
    fn chosen_parcels(
        &self,
        order: &Order,
        units: &[(usize, u64)],
        location: &LocationId,
    ) -> Result<Vec<PackedParcel>> {
        let mut items = Vec::with_capacity(units.len());
        for &(i, quantity) in units {
            let spec = &order.placement.lines[i];
            let product = self.product_of(order, i);
            let missing = |what: &str| {
                OmsError::validation(
                    "parcels",
                    format!(
                        "{} (line {}) has no {what} in the catalog: define it, or give the parcels",
                        spec.sku, spec.line_id
                    ),
                )
            };
            let dims = product
                .and_then(|p| p.dims_mm)
                .ok_or_else(|| missing("dims_mm"))?;
            let weight = product
                .and_then(|p| p.weight_g)
                .ok_or_else(|| missing("weight_g"))?;
            let rules = product.and_then(|p| p.packing).unwrap_or_default();
            items.push(PackItem {
                sku: spec.sku.clone(),
                quantity,
                dims,
                weight,
                orientation: rules.orientation,
                fragile: rules.fragile,
                hazmat: rules.hazmat,
                own_box: rules.own_box,
            });
        }
        let options = CartonizeOptions {
            location: Some(location.clone()),
            ..CartonizeOptions::default()
        };
        let plan = cartonize(&self.config.cartons, &items, &options)
            .map_err(|e| e.within(|| "parcels".into()))?;
        Ok(plan
            .parcels
            .into_iter()
            .map(|p| {
                let mut count = vec![0u64; units.len()];
                for placed in &p.placed {
                    count[placed.item] += 1;
                }
                PackedParcel {
                    carton_id: p.carton_id,
                    lines: units
                        .iter()
                        .zip(count)
                        .filter(|&(_, n)| n > 0)
                        .map(|(&(i, _), quantity)| ShipLine {
                            line_id: order.placement.lines[i].line_id.clone(),
                            quantity,
                        })
                        .collect(),
                    weight: Some(p.weight),
                    dims: Some(p.dims),
                }
            })
            .collect())
    }

    /// The host's parcels, checked to hold exactly the ready `units`, with
    /// their weight and size where the catalog and cartons tell them.
    fn given_parcels(
        &self,
        order: &Order,
        units: &[(usize, u64)],
        given: Vec<ParcelInput>,
    ) -> Result<Vec<PackedParcel>> {
        if given.is_empty() || given.len() > MAX_LINES {
            return Err(OmsError::validation(
                "parcels",
                format!("1–{MAX_LINES} parcels, got {}", given.len()),
            ));
        }
        let mut packed = vec![0u64; order.lines.len()];
        let mut out = Vec::with_capacity(given.len());
        for (k, p) in given.into_iter().enumerate() {
            let field = |f: &str| format!("parcels[{k}]{f}");
            let carton = match &p.carton_id {
                Some(id) => Some(self.carton(id).ok_or_else(|| {
                    OmsError::validation(
                        field(".carton_id"),
                        format!("{id} is not in the config's cartons"),
                    )
                })?),
                None => None,
            };
            if p.lines.is_empty() || p.lines.len() > MAX_LINES {
                return Err(OmsError::validation(
                    field(".lines"),
                    format!("1–{MAX_LINES} lines, got {}", p.lines.len()),
                ));
            }
            let mut weight = carton.map_or(Some(0), |c| Some(c.tare_weight));
            for (n, l) in p.lines.iter().enumerate() {
                check_quantity("quantity", l.quantity, 1)
                    .map_err(|e| e.within(|| field(&format!(".lines[{n}]"))))?;
                let i = order.line_index(l.line_id.as_str()).ok_or_else(|| {
                    OmsError::not_found("order line", format!("{}/{}", order.order_id(), l.line_id))
                })?;
                packed[i] = packed[i].saturating_add(l.quantity);
                let unit = self.product_of(order, i).and_then(|p| p.weight_g);
                weight = weight
                    .zip(unit)
                    .map(|(w, u)| w.saturating_add(u.saturating_mul(l.quantity)));
            }
            let dims = match carton {
                Some(c) => Some(c.outer.unwrap_or(c.inner)),
                None => match p.lines.as_slice() {
                    [one] if one.quantity == 1 => order
                        .line_index(one.line_id.as_str())
                        .and_then(|i| self.product_of(order, i))
                        .and_then(|p| p.dims_mm),
                    _ => None,
                },
            };
            out.push(PackedParcel {
                carton_id: p.carton_id,
                lines: p.lines,
                weight,
                dims,
            });
        }
        for (i, &n) in packed.iter().enumerate() {
            let want = units.iter().find(|u| u.0 == i).map_or(0, |u| u.1);
            if n != want {
                return Err(OmsError::validation(
                    "parcels",
                    format!(
                        "line {} has {} units in the parcels and {want} ready to pack",
                        order.placement.lines[i].line_id, n
                    ),
                ));
            }
        }
        Ok(out)
    }
}

impl Engine {
    /// "Arrives by" for one unit of each of `skus` to `destination`, for
    /// an order placed `at` (a product page or checkout, before the order
    /// exists): the earliest delivery over the fulfilling, unpaused
    /// locations that ship there and have every SKU available, and over
    /// the config's `shipping` services ([`crate::shipping::delivery_promise`];
    /// no parcel limits apply, as nothing is packed yet). Fails when the
    /// config has no `shipping`, a SKU is unknown, or no location can ship
    /// them all.
    pub fn delivery_promise(
        &self,
        skus: &[Sku],
        destination: &Address,
        at: DateTime<Utc>,
    ) -> Result<crate::shipping::Promise> {
        let Some(shipping) = &self.config.shipping else {
            return Err(OmsError::validation(
                "shipping",
                "the config has no shipping services to promise with",
            ));
        };
        if skus.is_empty() {
            return Err(OmsError::validation("skus", "at least one SKU"));
        }
        for sku in skus {
            if self.products.get(sku).is_none() {
                return Err(OmsError::not_found("product", sku));
            }
        }
        let origins: Vec<&Location> = self
            .locations
            .fulfilling
            .iter()
            .map(|&slot| &self.locations.by_slot[slot])
            .filter(|l| !l.paused && l.ships_to(destination.country(), destination.region()))
            .filter(|l| {
                skus.iter().all(|sku| {
                    self.available(sku.as_str(), Some(l.location_id.as_str()))
                        .is_ok_and(|n| n > 0)
                })
            })
            .collect();
        if origins.is_empty() {
            return Err(OmsError::validation(
                "skus",
                "no location that ships there has every SKU available",
            ));
        }
        let request = ShipmentRequest {
            destination: destination.clone(),
            parcels: Vec::new(),
            at,
            deliver_by: None,
            residential: false,
        };
        crate::shipping::delivery_promise(shipping, &origins, &request)
    }
}

impl Engine {
    /// The sender printed on labels from `location`: the config's
    /// `shipping.return_addresses` entry, else the location's name, postal
    /// code and country.
    fn sender(&self, location: Option<&LocationId>) -> Address {
        let location = location.and_then(|l| self.locations.get(l.as_str()));
        location
            .and_then(|l| {
                self.config
                    .shipping
                    .as_ref()
                    .and_then(|s| s.return_addresses.get(&l.location_id))
                    .cloned()
            })
            .unwrap_or_else(|| {
                Address::from(crate::order::AddressParts {
                    name: location.map_or_else(String::new, |l| l.name.clone()),
                    line1: String::new(),
                    line2: None,
                    city: String::new(),
                    region: None,
                    postal_code: location
                        .and_then(|l| l.postal_code.clone())
                        .unwrap_or_default(),
                    country: location.and_then(|l| l.country.clone()).unwrap_or_default(),
                    lat: None,
                    lon: None,
                })
            })
    }

    /// The labels of a packed order, before it ships, one per parcel: by
    /// the service chosen when it was packed (`shipping` configured), the
    /// barcode `{order_id}-{parcel}` until the carrier's number exists.
    /// Fails when the order is not packed or no service was chosen.
    pub fn packed_labels(&self, order_id: &str) -> Result<Vec<crate::shipping::Label>> {
        let order = self
            .orders
            .get(&OrderId::new(order_id))
            .ok_or_else(|| OmsError::not_found("order", order_id))?;
        let Some(packing) = order.packed.as_deref() else {
            return Err(OmsError::transition(
                "order",
                order_id,
                order.cached_status,
                "is not packed: no parcels to label",
            ));
        };
        let (Some(choice), Some(carrier)) = (&packing.choice, &packing.carrier) else {
            return Err(OmsError::validation(
                "shipping",
                format!("no service was chosen when order {order_id} was packed (is shipping configured, with a service that takes its parcels?)"),
            ));
        };
        let base = crate::shipping::LabelInput {
            shipment_id: crate::ids::ShipmentId::new(order_id),
            tracking_number: None,
            carrier: carrier.clone(),
            service: choice.service_id.to_string(),
            from: self.sender(Some(&packing.location_id)),
            to: order.placement.ship_to.clone(),
            parcel: 1,
            parcels: 1,
            weight: 0,
            ship_date: choice.ship_date,
            reference: Some(order_id.to_string()),
        };
        let weights: Vec<u64> = packing
            .parcels
            .iter()
            .map(|p| p.weight.unwrap_or(0))
            .collect();
        Ok(labels(base, &weights))
    }

    /// The labels of a shipment, one per parcel (one for a shipment shipped
    /// without packing), as ZPL and plain fields ([`crate::shipping::label`]).
    /// The sender is the config's `shipping.return_addresses` entry for the
    /// shipping location, else the location's name, postal code and
    /// country; the barcode is the shipment's tracking number when the
    /// host gave one, else `{shipment_id}-{parcel}`. Same state, same bytes.
    pub fn shipment_labels(&self, shipment_id: &str) -> Result<Vec<crate::shipping::Label>> {
        let shipment = self
            .shipments
            .get(shipment_id)
            .ok_or_else(|| OmsError::not_found("shipment", shipment_id))?;
        let order = self
            .orders
            .get(&shipment.order_id)
            .ok_or_else(|| OmsError::not_found("order", &shipment.order_id))?;
        // Each parcel's gross weight; without parcels, the units' weight.
        let weights: Vec<u64> = if shipment.parcels.is_empty() {
            vec![shipment
                .lines
                .iter()
                .filter_map(|l| {
                    let i = order.line_index(l.line_id.as_str())?;
                    let w = self.product_of(order, i)?.weight_g?;
                    Some(w.saturating_mul(l.quantity))
                })
                .fold(0, u64::saturating_add)]
        } else {
            shipment
                .parcels
                .iter()
                .map(|p| p.weight.unwrap_or(0))
                .collect()
        };
        let base = crate::shipping::LabelInput {
            shipment_id: shipment.shipment_id.clone(),
            tracking_number: shipment.tracking_number.as_deref().map(str::to_string),
            carrier: shipment.carrier.to_string(),
            service: shipment.service.as_deref().unwrap_or("").to_string(),
            from: self.sender(shipment.location_id.as_ref()),
            to: order.placement.ship_to.clone(),
            parcel: 1,
            parcels: 1,
            weight: 0,
            ship_date: shipment.shipped_at.date_naive(),
            reference: Some(order.order_id().to_string()),
        };
        Ok(labels(base, &weights))
    }
}

/// One label per parcel weight, numbered from 1, the rest from `base`.
fn labels(base: crate::shipping::LabelInput, weights: &[u64]) -> Vec<crate::shipping::Label> {
    weights
        .iter()
        .enumerate()
        .map(|(k, &weight)| {
            crate::shipping::label(&crate::shipping::LabelInput {
                parcel: k as u32 + 1,
                parcels: weights.len() as u32,
                weight,
                ..base.clone()
            })
        })
        .collect()
}
