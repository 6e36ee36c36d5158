//! Cartonization: an order's units into as few parcels as will hold them,
//! then the cheapest to ship, then the smallest.
//!
//! Units are packed in groups that may share a carton: units of items
//! that *ship in their own box* are parcels of their own (no carton, the
//! label goes on the product's box); the others share a carton only with
//! units of the same `fragile` and `hazmat` flags, so a fragile unit never
//! rides with an ordinary or a dangerous one, and a hazmat parcel holds
//! only what must be declared.
//!
//! Each group first tries one carton: every carton stocked at the packing
//! location that could hold the group by volume, weight and each item's
//! longest sides, cheapest first (carton cost plus the rate of its
//! billable weight, then the smaller volume), loaded by
//! [`load_container`](super::load_container) until one holds every unit.
//! When none does, the carton that takes the most volume of what is left
//! is filled, its contents moved to the cheapest carton that still holds
//! them, and the rest packed the same way. The plan is a heuristic: the
//! parcel count is at least the volume and weight lower bounds, and is
//! often, not always, the fewest possible.
//!
//! Billable weight is the larger of the gross weight (contents plus the
//! carton's tare) and the dimensional weight: outer volume over the
//! divisor, rounded up. A divisor in cm³ per kg (5000 is common) is the
//! same number in mm³ per gram, so millimetres and grams need no factor.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::loading::{
    check_dims, check_items, load_all, load_container, validate_load, volume, Axes, Container,
    ItemType, LoadOptions, Orientation, Placed,
};
use crate::catalog::Dims;
use crate::error::{OmsError, Result};
use crate::ids::{CartonId, LocationId, Sku};
use crate::money::{Currency, Money, OneCurrency};

/// A shipping box the packing station may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Carton {
    /// Unique within the catalog.
    pub carton_id: CartonId,
    /// Inner length, width and height in millimetres: the room for items.
    pub inner: Dims,
    /// Outer dimensions, which carriers measure (optional; the inner ones
    /// when not given).
    #[serde(default)]
    pub outer: Option<Dims>,
    /// The most grams of contents it carries (optional; no limit).
    #[serde(default)]
    pub max_weight: Option<u64>,
    /// The empty carton's grams, added to every parcel made with it.
    #[serde(default)]
    pub tare_weight: u64,
    /// What one carton costs, not negative.
    pub cost: Money,
    /// The locations that stock it (optional; every location).
    #[serde(default)]
    pub locations: Option<Vec<LocationId>>,
}

/// Units of one SKU to pack, with what packing needs to know of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackItem {
    /// The SKU (named in errors; parcels refer to items by index).
    pub sku: Sku,
    /// Units to pack.
    pub quantity: u64,
    /// Length, width and height of one unit in millimetres.
    pub dims: Dims,
    /// Grams per unit.
    #[serde(default)]
    pub weight: u64,
    /// How a unit may be turned (default `any`; `upright` keeps it this
    /// side up, `fixed` forbids turning).
    #[serde(default = "any")]
    pub orientation: Orientation,
    /// Shares a carton only with other fragile units.
    #[serde(default)]
    pub fragile: bool,
    /// Dangerous goods: shares a carton only with other hazmat units.
    #[serde(default)]
    pub hazmat: bool,
    /// Ships in its own box: each unit is a parcel of its own, no carton.
    #[serde(default)]
    pub own_box: bool,
}

fn any() -> Orientation {
    Orientation::Any
}

/// How a product packs (the catalog's `packing`): how a unit may turn and
/// which units it may share a carton with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackingRules {
    /// How a unit may be turned (default `any`; `upright` keeps it this
    /// side up, `fixed` forbids turning).
    #[serde(default = "any", skip_serializing_if = "is_any")]
    pub orientation: Orientation,
    /// Shares a carton only with other fragile units.
    #[serde(default, skip_serializing_if = "crate::util::is_false")]
    pub fragile: bool,
    /// Dangerous goods: shares a carton only with other hazmat units.
    #[serde(default, skip_serializing_if = "crate::util::is_false")]
    pub hazmat: bool,
    /// Ships in its own box: each unit is a parcel of its own, no carton.
    #[serde(default, skip_serializing_if = "crate::util::is_false")]
    pub own_box: bool,
}

fn is_any(o: &Orientation) -> bool {
    *o == Orientation::Any
}

/// The price of a parcel up to a billable weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightBreak {
    /// The heaviest billable grams this price covers.
    pub up_to: u64,
    /// The price, not negative.
    pub price: Money,
}

/// Where and at what price [`cartonize`] packs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CartonizeOptions {
    /// The packing location: only cartons stocked there are used
    /// (optional; every carton).
    #[serde(default)]
    pub location: Option<LocationId>,
    /// Dimensional-weight divisor in cm³ per kg, e.g. 5000 (optional; no
    /// dimensional weight).
    #[serde(default)]
    pub dim_divisor: Option<u32>,
    /// The rate by billable weight, breaks in increasing `up_to`
    /// (optional): a parcel costs its carton plus the first break that
    /// covers it, and no parcel may be billed above the last break.
    #[serde(default)]
    pub rates: Vec<WeightBreak>,
    /// Constructions per carton tried (default 4; see
    /// [`LoadOptions::tries`]).
    #[serde(default = "default_tries")]
    pub tries: u32,
    /// Seed of the randomised constructions (default 0).
    #[serde(default)]
    pub seed: u64,
}

fn default_tries() -> u32 {
    4
}

impl Default for CartonizeOptions {
    fn default() -> Self {
        CartonizeOptions {
            location: None,
            dim_divisor: None,
            rates: Vec::new(),
            tries: default_tries(),
            seed: 0,
        }
    }
}

/// One parcel: its carton (none for a unit in its own box) and its units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Parcel {
    /// The carton, or none when the unit ships in its own box.
    pub carton_id: Option<CartonId>,
    /// The units, by item index, placed inside the carton's inner room.
    pub placed: Vec<Placed>,
    /// Outer dimensions in millimetres.
    pub dims: Dims,
    /// Gross grams: the units plus the carton's tare.
    pub weight: u64,
    /// The larger of the gross and the dimensional weight, in grams.
    pub billable_weight: u64,
    /// The carton plus the rate (none when neither a carton nor a rate
    /// prices it).
    pub cost: Option<Money>,
}

/// The parcels of a [`cartonize`] plan and what they cost together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CartonPlan {
    /// Own-box parcels first, then the packed groups.
    pub parcels: Vec<Parcel>,
    /// The sum of the parcels' costs (none when no parcel is priced).
    pub cost: Option<Money>,
}

/// Packs `items` into cartons from `cartons` (see the module doc). Every
/// unit of every item is in exactly one parcel, and the plan passes
/// [`validate`]. Fails, naming the item, when a unit fits no carton
/// stocked at the location (or exceeds the last rate break).
///
/// ```
/// use oms_core::packing::{cartonize, validate, Carton, CartonizeOptions, PackItem, Orientation};
/// use oms_core::{CartonId, Dims, Money, Sku};
/// let d = |length, width, height| Dims { length, width, height };
/// let carton = |id: &str, inner, cost| Carton {
///     carton_id: CartonId::new(id), inner, outer: None, max_weight: None,
///     tare_weight: 100, cost: Money::parse(cost, "USD").unwrap(), locations: None,
/// };
/// let cartons = [carton("S", d(200, 150, 100), "0.40"), carton("M", d(300, 200, 150), "0.60")];
/// let items = [PackItem {
///     sku: Sku::new("MUG"), quantity: 4, dims: d(100, 100, 120), weight: 350,
///     orientation: Orientation::Upright, fragile: false, hazmat: false, own_box: false,
/// }];
/// let plan = cartonize(&cartons, &items, &CartonizeOptions::default()).unwrap();
/// assert_eq!(plan.parcels.len(), 1);
/// assert_eq!(plan.parcels[0].carton_id.as_ref().unwrap().as_str(), "M");
/// assert_eq!(plan.parcels[0].weight, 4 * 350 + 100);
/// assert!(validate(&cartons, &items, &plan).is_ok());
/// ```
pub fn cartonize(
    cartons: &[Carton],
    items: &[PackItem],
    options: &CartonizeOptions,
) -> Result<CartonPlan> {
    let pricing = Pricing::new(cartons, &options.rates, options.dim_divisor)?;
    check_items(items.iter().map(|i| (i.dims, i.orientation, i.quantity)))?;
    if options.tries == 0 {
        return Err(OmsError::validation("options.tries", "at least 1"));
    }
    let usable: Vec<usize> = (0..cartons.len())
        .filter(|&c| {
            let here = match (&cartons[c].locations, &options.location) {
                (Some(at), Some(location)) => at.contains(location),
                _ => true,
            };
            here && pricing.capacity(&cartons[c]).is_some()
        })
        .collect();
    let packer = Packer {
        cartons,
        items,
        usable,
        pricing: &pricing,
        load: LoadOptions {
            tries: options.tries,
            seed: options.seed,
        },
    };
    packer.check_fits(options.location.as_ref())?;

    let mut parcels = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if item.own_box {
            for _ in 0..item.quantity {
                parcels.push(pricing.own_box(i, item)?);
            }
        }
    }
    let mut groups: Vec<(bool, bool)> = Vec::new();
    for item in items.iter().filter(|i| !i.own_box && i.quantity > 0) {
        if !groups.contains(&(item.fragile, item.hazmat)) {
            groups.push((item.fragile, item.hazmat));
        }
    }
    for group in groups {
        let left: Vec<u64> = items
            .iter()
            .map(|i| {
                if !i.own_box && (i.fragile, i.hazmat) == group {
                    i.quantity
                } else {
                    0
                }
            })
            .collect();
        packer.pack(left, &mut parcels)?;
    }
    let mut cost: Option<Money> = None;
    for p in &parcels {
        if let Some(c) = p.cost {
            cost = Some(match cost {
                Some(total) => total.checked_add(c)?,
                None => c,
            });
        }
    }
    Ok(CartonPlan { parcels, cost })
}

/// Checks a carton catalog as [`cartonize`] does: dims within range,
/// costs not negative and in one currency, ids unique.
pub fn check_cartons(cartons: &[Carton]) -> Result<()> {
    Pricing::new(cartons, &[], None).map(|_| ())
}

/// Checks cartons and rates once, and prices parcels in one currency.
struct Pricing<'a> {
    rates: &'a [WeightBreak],
    divisor: Option<u64>,
    currency: Option<Currency>,
}

impl<'a> Pricing<'a> {
    fn new(cartons: &[Carton], rates: &'a [WeightBreak], divisor: Option<u32>) -> Result<Self> {
        // `field` names the amount only on failure.
        let mut amounts = OneCurrency::default();
        let what = "every cost and rate";
        for (i, c) in cartons.iter().enumerate() {
            check_dims(c.inner, || format!("cartons[{i}].inner"))?;
            if let Some(outer) = c.outer {
                check_dims(outer, || format!("cartons[{i}].outer"))?;
            }
            amounts.check(|| format!("cartons[{i}].cost"), &c.cost, what)?;
            if cartons[..i].iter().any(|o| o.carton_id == c.carton_id) {
                return Err(OmsError::validation(
                    format!("cartons[{i}].carton_id"),
                    format!("{} is listed twice", c.carton_id),
                ));
            }
        }
        for (i, r) in rates.iter().enumerate() {
            amounts.check(|| format!("options.rates[{i}].price"), &r.price, what)?;
            if i > 0 && r.up_to <= rates[i - 1].up_to {
                return Err(OmsError::validation(
                    format!("options.rates[{i}].up_to"),
                    "breaks must be in increasing up_to",
                ));
            }
        }
        if divisor == Some(0) {
            return Err(OmsError::validation(
                "options.dim_divisor",
                "must be at least 1",
            ));
        }
        Ok(Pricing {
            rates,
            divisor: divisor.map(u64::from),
            currency: amounts.currency(),
        })
    }

    fn dim_weight(&self, outer: Dims) -> u64 {
        self.divisor.map_or(0, |d| volume(outer).div_ceil(d))
    }

    /// The grams of contents `carton` can take under its limit and the
    /// last rate break; none when even empty it bills above that break.
    fn capacity(&self, carton: &Carton) -> Option<u64> {
        let limit = carton.max_weight.unwrap_or(u64::MAX);
        match self.rates.last() {
            None => Some(limit),
            Some(last) => {
                let outer = carton.outer.unwrap_or(carton.inner);
                if self.dim_weight(outer) > last.up_to || carton.tare_weight > last.up_to {
                    return None;
                }
                Some(limit.min(last.up_to - carton.tare_weight))
            }
        }
    }

    /// The rate for `billable` grams (zero with no rates; none above the
    /// last break).
    fn rate(&self, billable: u64) -> Option<Decimal> {
        if self.rates.is_empty() {
            return Some(Decimal::ZERO);
        }
        self.rates
            .iter()
            .find(|r| r.up_to >= billable)
            .map(|r| r.price.amount)
    }

    /// Outer dims, gross weight, billable weight and cost of `carton`
    /// holding `contents` grams.
    fn parcel(&self, carton: &Carton, contents: u64) -> (Dims, u64, u64, Option<Decimal>) {
        let dims = carton.outer.unwrap_or(carton.inner);
        let gross = contents.saturating_add(carton.tare_weight);
        let billable = gross.max(self.dim_weight(dims));
        let cost = self
            .rate(billable)
            .and_then(|r| r.checked_add(carton.cost.amount));
        (dims, gross, billable, cost)
    }

    fn money(&self, amount: Option<Decimal>) -> Option<Money> {
        self.currency.zip(amount).map(|(c, a)| Money::new(a, c))
    }

    fn own_box(&self, i: usize, item: &PackItem) -> Result<Parcel> {
        let billable = item.weight.max(self.dim_weight(item.dims));
        let Some(rate) = self.rate(billable) else {
            return Err(OmsError::validation(
                format!("items[{i}]"),
                format!(
                    "{} ships in its own box at {billable} g billable, above the last rate break",
                    item.sku
                ),
            ));
        };
        Ok(Parcel {
            carton_id: None,
            placed: vec![Placed {
                item: i,
                x: 0,
                y: 0,
                z: 0,
                axes: Axes::Lwh,
            }],
            dims: item.dims,
            weight: item.weight,
            billable_weight: billable,
            cost: if self.rates.is_empty() {
                None
            } else {
                self.money(Some(rate))
            },
        })
    }
}

struct Packer<'a> {
    cartons: &'a [Carton],
    items: &'a [PackItem],
    /// Cartons stocked at the location and billable within the rates.
    usable: Vec<usize>,
    pricing: &'a Pricing<'a>,
    load: LoadOptions,
}

/// `dims`' sides, shortest first.
fn sorted(d: Dims) -> [u32; 3] {
    let mut s = [d.length, d.width, d.height];
    s.sort_unstable();
    s
}

impl Packer<'_> {
    /// Whether one unit of `item` fits `carton`'s room in a way it may turn.
    fn fits(&self, carton: &Carton, item: &PackItem) -> bool {
        if item.orientation == Orientation::Any {
            let (a, b) = (sorted(item.dims), sorted(carton.inner));
            return (0..3).all(|k| a[k] <= b[k]);
        }
        Axes::ALL.iter().any(|&axes| {
            let d = axes.turn(item.dims);
            item.orientation.allows(axes)
                && d.length <= carton.inner.length
                && d.width <= carton.inner.width
                && d.height <= carton.inner.height
        })
    }

    fn check_fits(&self, location: Option<&LocationId>) -> Result<()> {
        for (i, item) in self.items.iter().enumerate() {
            if item.own_box || item.quantity == 0 {
                continue;
            }
            let ok = self.usable.iter().any(|&c| {
                let carton = &self.cartons[c];
                self.fits(carton, item) && self.pricing.capacity(carton).unwrap_or(0) >= item.weight
            });
            if !ok {
                let at = location.map_or(String::new(), |l| format!(" at {l}"));
                return Err(OmsError::validation(
                    format!("items[{i}]"),
                    format!(
                        "{} fits no carton{at} (by size, weight limit or the last rate break)",
                        item.sku
                    ),
                ));
            }
        }
        Ok(())
    }

    fn types(&self, left: &[u64]) -> Vec<ItemType> {
        self.items
            .iter()
            .zip(left)
            .map(|(i, &quantity)| ItemType {
                dims: i.dims,
                weight: i.weight,
                quantity,
                orientation: i.orientation,
            })
            .collect()
    }

    fn container(&self, c: usize) -> Container {
        let carton = &self.cartons[c];
        Container {
            dims: carton.inner,
            max_weight: self.pricing.capacity(carton),
        }
    }

    fn parcel(&self, c: usize, placed: Vec<Placed>) -> Parcel {
        let carton = &self.cartons[c];
        let contents = placed
            .iter()
            .map(|p| self.items[p.item].weight)
            .fold(0, u64::saturating_add);
        let (dims, weight, billable_weight, cost) = self.pricing.parcel(carton, contents);
        Parcel {
            carton_id: Some(carton.carton_id.clone()),
            placed,
            dims,
            weight,
            billable_weight,
            cost: self.pricing.money(cost),
        }
    }

    /// The cheapest carton that holds every unit `left`, packed.
    fn single(&self, left: &[u64]) -> Result<Option<Parcel>> {
        let mut vol = 0u64;
        let mut weight = 0u64;
        for (item, &n) in self.items.iter().zip(left) {
            vol = vol.saturating_add(volume(item.dims).saturating_mul(n));
            weight = weight.saturating_add(item.weight.saturating_mul(n));
        }
        let mut candidates: Vec<(Decimal, u64, usize)> = Vec::new();
        for &c in &self.usable {
            let carton = &self.cartons[c];
            let room = volume(carton.inner);
            if room < vol || self.pricing.capacity(carton).unwrap_or(0) < weight {
                continue;
            }
            if self
                .items
                .iter()
                .zip(left)
                .any(|(item, &n)| n > 0 && !self.fits(carton, item))
            {
                continue;
            }
            let (_, _, _, cost) = self.pricing.parcel(carton, weight);
            if let Some(cost) = cost {
                candidates.push((cost, room, c));
            }
        }
        candidates.sort_unstable();
        let types = self.types(left);
        for (_, _, c) in candidates {
            if let Some(load) = load_all(&self.container(c), &types, &self.load)? {
                return Ok(Some(self.parcel(c, load.placed)));
            }
        }
        Ok(None)
    }

    /// Packs the units `left` into parcels, appended to `out`.
    fn pack(&self, mut left: Vec<u64>, out: &mut Vec<Parcel>) -> Result<()> {
        loop {
            if left.iter().all(|&n| n == 0) {
                return Ok(());
            }
            if let Some(p) = self.single(&left)? {
                out.push(p);
                return Ok(());
            }
            // Fill the carton that takes the most volume of what is left
            // (the cheaper on a tie); every item fits some carton alone,
            // so some carton takes at least one unit.
            let types = self.types(&left);
            let mut best: Option<(u64, Decimal, usize, Vec<Placed>)> = None;
            for &c in &self.usable {
                let load = load_container(&self.container(c), &types, &self.load)?;
                let cost = self.cartons[c].cost.amount;
                let better = match &best {
                    None => load.volume > 0,
                    Some((v, bc, _, _)) => load.volume > *v || (load.volume == *v && cost < *bc),
                };
                if better {
                    best = Some((load.volume, cost, c, load.placed));
                }
            }
            let Some((_, _, c, placed)) = best else {
                return Err(OmsError::conflict("no carton takes any unit left"));
            };
            let mut taken = vec![0u64; left.len()];
            for p in &placed {
                taken[p.item] += 1;
                left[p.item] -= 1;
            }
            // The same units in the cheapest carton that holds them.
            let parcel = match self.single(&taken)? {
                Some(p) => p,
                None => self.parcel(c, placed),
            };
            out.push(parcel);
        }
    }
}

/// Checks a plan against its cartons and items: every unit of every item
/// in exactly one parcel; a carton-less parcel is one unit of an own-box
/// item, and own-box units are in no carton; a carton holds units of one
/// `fragile`/`hazmat` kind, inside its room, not overlapping, turned as
/// allowed, within its weight limit; each parcel's weight is its units
/// plus the tare. The error names the first parcel at fault.
pub fn validate(cartons: &[Carton], items: &[PackItem], plan: &CartonPlan) -> Result<()> {
    let mut count = vec![0u64; items.len()];
    for (k, parcel) in plan.parcels.iter().enumerate() {
        let field = |f: &str| format!("parcels[{k}]{f}");
        for (u, p) in parcel.placed.iter().enumerate() {
            let Some(item) = items.get(p.item) else {
                return Err(OmsError::validation(
                    field(&format!(".placed[{u}]")),
                    format!("item {} is not in the list of {}", p.item, items.len()),
                ));
            };
            count[p.item] += 1;
            if count[p.item] > item.quantity {
                return Err(OmsError::validation(
                    field(&format!(".placed[{u}]")),
                    format!("more units of {} than its {}", item.sku, item.quantity),
                ));
            }
        }
        let contents = parcel
            .placed
            .iter()
            .map(|p| items[p.item].weight)
            .fold(0, u64::saturating_add);
        let Some(id) = &parcel.carton_id else {
            match parcel.placed.as_slice() {
                [p] if items[p.item].own_box => {}
                _ => {
                    return Err(OmsError::validation(
                        field(".carton_id"),
                        "only one unit of an own-box item ships without a carton",
                    ))
                }
            }
            if parcel.weight != contents {
                return Err(OmsError::validation(
                    field(".weight"),
                    format!("{} g, not the unit's {contents} g", parcel.weight),
                ));
            }
            continue;
        };
        let Some(carton) = cartons.iter().find(|c| &c.carton_id == id) else {
            return Err(OmsError::validation(
                field(".carton_id"),
                format!("{id} is not in the carton list"),
            ));
        };
        if let Some(first) = parcel.placed.first() {
            let kind = |i: usize| (items[i].fragile, items[i].hazmat);
            if let Some(u) = parcel.placed.iter().position(|p| items[p.item].own_box) {
                return Err(OmsError::validation(
                    field(&format!(".placed[{u}]")),
                    format!("{} ships in its own box", items[parcel.placed[u].item].sku),
                ));
            }
            if let Some(u) = parcel
                .placed
                .iter()
                .position(|p| kind(p.item) != kind(first.item))
            {
                return Err(OmsError::validation(
                    field(&format!(".placed[{u}]")),
                    "shares a carton with units of another fragile/hazmat kind",
                ));
            }
        }
        let types: Vec<ItemType> = items
            .iter()
            .map(|i| ItemType {
                dims: i.dims,
                weight: i.weight,
                quantity: i.quantity,
                orientation: i.orientation,
            })
            .collect();
        let container = Container {
            dims: carton.inner,
            max_weight: carton.max_weight,
        };
        validate_load(&container, &types, &parcel.placed).map_err(|e| e.within(|| field("")))?;
        let gross = contents.saturating_add(carton.tare_weight);
        if parcel.weight != gross {
            return Err(OmsError::validation(
                field(".weight"),
                format!("{} g, not its units and tare's {gross} g", parcel.weight),
            ));
        }
    }
    if let Some(i) = (0..items.len()).find(|&i| count[i] != items[i].quantity) {
        return Err(OmsError::validation(
            format!("items[{i}]"),
            format!(
                "{} of {} units of {} are packed",
                count[i], items[i].quantity, items[i].sku
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(length: u32, width: u32, height: u32) -> Dims {
        Dims {
            length,
            width,
            height,
        }
    }

    fn usd(a: &str) -> Money {
        Money::parse(a, "USD").unwrap()
    }

    fn carton(id: &str, inner: Dims, cost: &str) -> Carton {
        Carton {
            carton_id: CartonId::new(id),
            inner,
            outer: None,
            max_weight: None,
            tare_weight: 50,
            cost: usd(cost),
            locations: None,
        }
    }

    fn item(sku: &str, quantity: u64, dims: Dims, weight: u64) -> PackItem {
        PackItem {
            sku: Sku::new(sku),
            quantity,
            dims,
            weight,
            orientation: Orientation::Any,
            fragile: false,
            hazmat: false,
            own_box: false,
        }
    }

    fn ids(plan: &CartonPlan) -> Vec<&str> {
        plan.parcels
            .iter()
            .map(|p| p.carton_id.as_ref().map_or("own", |c| c.as_str()))
            .collect()
    }

    #[test]
    fn fewest_parcels_then_cheapest_then_smallest() {
        let cartons = [
            carton("big", d(400, 400, 400), "2.00"),
            carton("small", d(200, 200, 100), "0.50"),
            carton("small-dear", d(200, 200, 100), "0.90"),
            carton("small-roomy", d(200, 200, 200), "0.50"),
        ];
        let one = [item("A", 2, d(100, 100, 100), 10)];
        let plan = cartonize(&cartons, &one, &CartonizeOptions::default()).unwrap();
        assert_eq!(ids(&plan), ["small"]);
        assert_eq!(plan.cost, Some(usd("0.50")));
        // 2 × 2 × 2 cubes fill the roomy small carton exactly.
        let eight = [item("A", 8, d(100, 100, 100), 10)];
        let plan = cartonize(&cartons, &eight, &CartonizeOptions::default()).unwrap();
        assert_eq!(ids(&plan), ["small-roomy"]);
        // One parcel in the big carton beats two cheap small ones.
        let nine = [item("A", 9, d(100, 100, 100), 10)];
        let plan = cartonize(&cartons, &nine, &CartonizeOptions::default()).unwrap();
        assert_eq!(ids(&plan), ["big"]);
        assert!(validate(&cartons, &nine, &plan).is_ok());
    }

    #[test]
    fn dimensional_weight_and_rates_choose_the_carton() {
        // The big carton is cheaper but bills 12.8 kg by volume.
        let cartons = [
            carton("big", d(400, 400, 400), "0.10"),
            carton("small", d(200, 200, 200), "0.50"),
        ];
        let rates = vec![
            WeightBreak {
                up_to: 2_000,
                price: usd("5"),
            },
            WeightBreak {
                up_to: 20_000,
                price: usd("15"),
            },
        ];
        let options = CartonizeOptions {
            dim_divisor: Some(5000),
            rates,
            ..CartonizeOptions::default()
        };
        let items = [item("A", 1, d(100, 100, 100), 500)];
        let plan = cartonize(&cartons, &items, &options).unwrap();
        assert_eq!(ids(&plan), ["small"]);
        let p = &plan.parcels[0];
        assert_eq!((p.weight, p.billable_weight), (550, 1600));
        assert_eq!(plan.cost, Some(usd("5.50")));
    }

    #[test]
    fn splits_when_no_carton_holds_all() {
        let mut heavy = carton("box", d(300, 300, 300), "1");
        heavy.max_weight = Some(1_000);
        let cartons = [heavy];
        let items = [item("A", 5, d(100, 100, 100), 400)];
        let plan = cartonize(&cartons, &items, &CartonizeOptions::default()).unwrap();
        // 400 g each, 1 kg per carton: two per parcel.
        assert_eq!(plan.parcels.len(), 3);
        assert!(validate(&cartons, &items, &plan).is_ok());
        assert_eq!(plan.cost, Some(usd("3")));
    }

    #[test]
    fn flags_keep_units_apart() {
        let cartons = [carton("box", d(500, 500, 500), "1")];
        let mut glass = item("GLASS", 1, d(100, 100, 100), 100);
        glass.fragile = true;
        let mut spray = item("SPRAY", 2, d(50, 50, 150), 100);
        spray.hazmat = true;
        let mut tv = item("TV", 1, d(1200, 800, 150), 9000);
        tv.own_box = true;
        let items = [item("SHIRT", 3, d(300, 200, 20), 150), glass, spray, tv];
        let plan = cartonize(&cartons, &items, &CartonizeOptions::default()).unwrap();
        assert_eq!(ids(&plan), ["own", "box", "box", "box"]);
        assert!(validate(&cartons, &items, &plan).is_ok());
        // Moving the glass in with the shirts is refused.
        let mut mixed = plan.clone();
        let glass_unit = mixed.parcels[2].placed[0];
        mixed.parcels[1].placed.push(Placed {
            x: 400,
            y: 400,
            z: 400,
            ..glass_unit
        });
        mixed.parcels[1].weight += 100;
        mixed.parcels.remove(2);
        let e = validate(&cartons, &items, &mixed).unwrap_err().to_string();
        assert!(e.contains("another fragile/hazmat kind"), "{e}");
    }

    #[test]
    fn location_and_errors() {
        let mut only_b = carton("box", d(500, 500, 500), "1");
        only_b.locations = Some(vec![LocationId::new("B")]);
        let cartons = [only_b, carton("tiny", d(50, 50, 50), "1")];
        let items = [item("A", 1, d(100, 100, 100), 100)];
        let at = |l: &str| CartonizeOptions {
            location: Some(LocationId::new(l)),
            ..CartonizeOptions::default()
        };
        assert!(cartonize(&cartons, &items, &at("B")).is_ok());
        let e = cartonize(&cartons, &items, &at("A"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("items[0]") && e.contains("A fits no carton at A"),
            "{e}"
        );
        let mut euro = carton("eur", d(500, 500, 500), "1");
        euro.cost = Money::parse("1", "EUR").unwrap();
        let e = cartonize(
            &[cartons[1].clone(), euro],
            &items,
            &CartonizeOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("cartons[1].cost") && e.contains("USD"), "{e}");
        // A plan missing a unit is refused.
        let plan = cartonize(&cartons, &items, &at("B")).unwrap();
        let mut short = plan.clone();
        short.parcels[0].placed.clear();
        short.parcels[0].weight = 50;
        let e = validate(&cartons, &items, &short).unwrap_err().to_string();
        assert!(e.contains("0 of 1 units of A"), "{e}");
    }
}
