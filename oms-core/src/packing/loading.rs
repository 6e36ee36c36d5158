//! Container loading by block building on maximal spaces.
//!
//! The free room of the container is kept as its *maximal spaces*: boxes
//! of empty room that no other empty box contains (they overlap). Each
//! step takes the space whose corner is nearest a corner of the
//! container (by the sorted distances along the three axes, as Parreño,
//! Alvarez-Valdes, Oliveira and Tamarit 2008 do, so the load grows from
//! the corners and leaves one large space in the middle), and fills it
//! at that corner with a *block*: a grid of items of one type in one
//! orientation, as many as fit and are left, laid out in each of the six
//! axis orders. The block of largest volume goes in first; every space
//! it overlaps is cut into up to six smaller maximal spaces. Spaces in
//! which no remaining item fits are dropped.
//!
//! The first construction is greedy; the others (GRASP) choose at random
//! among the blocks within a fraction of the best, from a seeded
//! generator, and the best load wins. Items rest on the floor or on the
//! spaces' floors (a block is anchored at the bottom of its space); the
//! load is not checked for support, as a carton's void is filled.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::Dims;
use crate::error::{OmsError, Result};
use crate::util::SplitMix64;

/// The most units of all item types together in one call.
pub const MAX_ITEMS: u64 = 100_000;
/// The longest side of a container or an item, in millimetres (100 m):
/// keeps every volume well inside 64 bits.
const MAX_SIDE: u32 = 100_000;

/// What is loaded into: inner dimensions and the weight it may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Container {
    /// Inner length (x), width (y) and height (z), in millimetres.
    pub dims: Dims,
    /// The most grams of items it carries; none for no limit.
    #[serde(default)]
    pub max_weight: Option<u64>,
}

/// How an item may be turned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    /// Any of the six ways.
    #[default]
    Any,
    /// Its height stays vertical ("this side up"); it may turn about it.
    Upright,
    /// Exactly as given: length along the container's length.
    Fixed,
    /// Each of its sides that may be vertical (the Bischoff–Ratcliff
    /// flags); a side that may be vertical may lie either way below it.
    Vertical {
        /// Whether the length may be vertical.
        length: bool,
        /// Whether the width may be vertical.
        width: bool,
        /// Whether the height may be vertical.
        height: bool,
    },
}

impl Orientation {
    /// Whether `axes` is allowed.
    pub fn allows(self, axes: Axes) -> bool {
        let vertical = axes.sides()[2];
        match self {
            Orientation::Any => true,
            Orientation::Upright => vertical == 2,
            Orientation::Fixed => axes == Axes::Lwh,
            Orientation::Vertical {
                length,
                width,
                height,
            } => [length, width, height][vertical],
        }
    }
}

/// Which of an item's sides (length, width, height) lies along the
/// container's length, width and height: `Whl` puts the item's width
/// along the length, its height along the width and its length upright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Axes {
    /// As given.
    Lwh,
    /// Turned about the vertical.
    Wlh,
    /// Length along, height across, width up.
    Lhw,
    /// Height along, length across, width up.
    Hlw,
    /// Width along, height across, length up.
    Whl,
    /// Height along, width across, length up.
    Hwl,
}

impl Axes {
    /// All six, as given first.
    pub const ALL: [Axes; 6] = [
        Axes::Lwh,
        Axes::Wlh,
        Axes::Lhw,
        Axes::Hlw,
        Axes::Whl,
        Axes::Hwl,
    ];

    /// The item's side (0 length, 1 width, 2 height) along x, y and z.
    pub fn sides(self) -> [usize; 3] {
        match self {
            Axes::Lwh => [0, 1, 2],
            Axes::Wlh => [1, 0, 2],
            Axes::Lhw => [0, 2, 1],
            Axes::Hlw => [2, 0, 1],
            Axes::Whl => [1, 2, 0],
            Axes::Hwl => [2, 1, 0],
        }
    }

    /// `dims` turned this way: its extent along x, y and z.
    pub fn turn(self, dims: Dims) -> Dims {
        let d = [dims.length, dims.width, dims.height];
        let [x, y, z] = self.sides();
        Dims {
            length: d[x],
            width: d[y],
            height: d[z],
        }
    }
}

/// A type of item to load: its size, weight, how many, how it may turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemType {
    /// Length, width and height in millimetres.
    pub dims: Dims,
    /// Grams per unit.
    #[serde(default)]
    pub weight: u64,
    /// Units available.
    pub quantity: u64,
    /// How a unit may be turned.
    pub orientation: Orientation,
}

/// One unit placed: its type, its lowest corner and how it is turned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Placed {
    /// The item type (its index in the input).
    pub item: usize,
    /// Its corner nearest the container's origin, in millimetres.
    pub x: u32,
    /// See `x`.
    pub y: u32,
    /// See `x`.
    pub z: u32,
    /// How it is turned.
    pub axes: Axes,
}

/// A load: the units placed, in loading order, and what they add up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Load {
    /// The units placed, in the order they go in.
    pub placed: Vec<Placed>,
    /// Their volume in cubic millimetres.
    pub volume: u64,
    /// Their weight in grams.
    pub weight: u64,
}

impl Load {
    /// The share of the container's volume used, 0 to 1.
    pub fn utilisation(&self, container: &Container) -> f64 {
        self.volume as f64 / volume(container.dims) as f64
    }
}

/// How hard [`load_container`] tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadOptions {
    /// Constructions in all: the greedy one, then randomised ones (at
    /// least 1; default 16). It stops early once a load holds every unit
    /// or fills the container.
    #[serde(default = "default_tries")]
    pub tries: u32,
    /// Seed of the randomised constructions (default 0).
    #[serde(default)]
    pub seed: u64,
}

/// 16: on BR1–BR7, 24 tries gain 0.3 points of volume (91.55% against
/// 91.22%) and push the slowest instance past 5 ms.
fn default_tries() -> u32 {
    16
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            tries: default_tries(),
            seed: 0,
        }
    }
}

pub(super) fn volume(d: Dims) -> u64 {
    u64::from(d.length) * u64::from(d.width) * u64::from(d.height)
}

/// Checks each side; `field` names `d` only on failure (no string per call).
pub(super) fn check_dims(d: Dims, field: impl Fn() -> String) -> Result<()> {
    for (side, v) in [
        ("length", d.length),
        ("width", d.width),
        ("height", d.height),
    ] {
        if v == 0 || v > MAX_SIDE {
            return Err(OmsError::validation(
                format!("{}.{side}", field()),
                format!("{v} mm is not between 1 and {MAX_SIDE}"),
            ));
        }
    }
    Ok(())
}

fn check(container: &Container, items: &[ItemType]) -> Result<()> {
    check_dims(container.dims, || "container.dims".into())?;
    check_items(items.iter().map(|i| (i.dims, i.orientation, i.quantity)))
}

/// Checks items given as (dims, orientation, quantity): sides in range,
/// some orientation allowed, at most [`MAX_ITEMS`] units in all.
pub(super) fn check_items(items: impl Iterator<Item = (Dims, Orientation, u64)>) -> Result<()> {
    let mut units = 0u64;
    for (i, (dims, orientation, quantity)) in items.enumerate() {
        check_dims(dims, || format!("items[{i}].dims"))?;
        if !Axes::ALL.iter().any(|&a| orientation.allows(a)) {
            return Err(OmsError::validation(
                format!("items[{i}].orientation"),
                "allows no orientation: at least one side must be allowed upright",
            ));
        }
        units = units.saturating_add(quantity);
    }
    if units > MAX_ITEMS {
        return Err(OmsError::validation(
            "items",
            format!("{units} units in all; at most {MAX_ITEMS} per call"),
        ));
    }
    Ok(())
}

/// Fills `container` with as much volume of `items` as it can (see the
/// module doc); the result passes [`validate_load`].
pub fn load_container(
    container: &Container,
    items: &[ItemType],
    options: &LoadOptions,
) -> Result<Load> {
    load(container, items, options, false)
}

/// A load of every unit of `items`, if the constructions find one. Each
/// construction stops as soon as some unit left fits no free space, so a
/// carton too small is refused quickly.
pub(super) fn load_all(
    container: &Container,
    items: &[ItemType],
    options: &LoadOptions,
) -> Result<Option<Load>> {
    let units: u64 = items.iter().map(|i| i.quantity).sum();
    let load = load(container, items, options, true)?;
    Ok((load.placed.len() as u64 == units).then_some(load))
}

fn load(
    container: &Container,
    items: &[ItemType],
    options: &LoadOptions,
    complete: bool,
) -> Result<Load> {
    check(container, items)?;
    if options.tries == 0 {
        return Err(OmsError::validation("options.tries", "at least 1"));
    }
    let loader = Loader::new(container, items, complete);
    let mut rng = SplitMix64::new(options.seed);
    let mut best = loader.construct(None);
    // No load beats the container full, or every unit in.
    let all: u64 = items
        .iter()
        .map(|i| volume(i.dims).saturating_mul(i.quantity))
        .fold(0, u64::saturating_add);
    let full = volume(container.dims).min(all);
    for t in 1..options.tries {
        if best.volume == full {
            break;
        }
        // Reactive choice of greed: from near-greedy to loose.
        let spread = [0.05, 0.1, 0.2, 0.3][t as usize % 4];
        let load = loader.construct(Some((&mut rng, spread)));
        if load.volume > best.volume {
            best = load;
        }
    }
    Ok(best)
}

/// An item type turned one way, ready to be laid out in blocks.
#[derive(Debug, Clone, Copy)]
struct Kind {
    item: usize,
    axes: Axes,
    size: [u32; 3],
}

/// Empty room: `lo` inclusive, `hi` exclusive, per axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Space {
    lo: [u32; 3],
    hi: [u32; 3],
}

impl Space {
    fn side(&self, a: usize) -> u32 {
        self.hi[a] - self.lo[a]
    }

    fn volume(&self) -> u64 {
        (0..3).map(|a| u64::from(self.side(a))).product()
    }

    fn overlaps(&self, o: &Space) -> bool {
        (0..3).all(|a| self.lo[a] < o.hi[a] && o.lo[a] < self.hi[a])
    }

    fn contains(&self, o: &Space) -> bool {
        (0..3).all(|a| self.lo[a] <= o.lo[a] && o.hi[a] <= self.hi[a])
    }
}

/// A block: `count` units of a kind per axis.
#[derive(Debug, Clone, Copy)]
struct Block {
    kind: usize,
    count: [u32; 3],
    volume: u64,
}

struct Loader<'a> {
    container: &'a Container,
    items: &'a [ItemType],
    kinds: Vec<Kind>,
    /// Give up a construction once some unit left fits no free space.
    complete: bool,
}

impl<'a> Loader<'a> {
    fn new(container: &'a Container, items: &'a [ItemType], complete: bool) -> Self {
        let mut kinds = Vec::new();
        for (item, it) in items.iter().enumerate() {
            let mut seen: Vec<[u32; 3]> = Vec::new();
            for axes in Axes::ALL {
                let d = axes.turn(it.dims);
                let size = [d.length, d.width, d.height];
                // A cube, or a square side, turns into itself: once is enough.
                if it.quantity > 0 && it.orientation.allows(axes) && !seen.contains(&size) {
                    seen.push(size);
                    kinds.push(Kind { item, axes, size });
                }
            }
        }
        Loader {
            container,
            items,
            kinds,
            complete,
        }
    }

    /// One construction: greedy, or with `(rng, spread)` a random block
    /// among those within `spread` of the largest.
    fn construct(&self, mut random: Option<(&mut SplitMix64, f64)>) -> Load {
        let c = self.container.dims;
        let room = [c.length, c.width, c.height];
        let mut left: Vec<u64> = self.items.iter().map(|i| i.quantity).collect();
        let mut weight = 0u64;
        let mut spaces = vec![Space {
            lo: [0; 3],
            hi: room,
        }];
        let mut placed = Vec::new();
        let mut volume = 0u64;
        let mut blocks: Vec<Block> = Vec::new();
        while let Some((s, anchor)) = self.pick_space(&spaces, room) {
            let space = spaces[s];
            self.blocks(&space, &left, weight, &mut blocks);
            // The first block of the largest volume.
            let largest = blocks
                .iter()
                .copied()
                .reduce(|a, b| if b.volume > a.volume { b } else { a });
            let Some(largest) = largest else {
                spaces.swap_remove(s);
                continue;
            };
            let block = match random.as_mut() {
                Some((rng, spread)) => {
                    let floor = (largest.volume as f64 * (1.0 - *spread)) as u64;
                    let near: Vec<&Block> = blocks.iter().filter(|b| b.volume >= floor).collect();
                    *near[rng.below(near.len() as u64) as usize]
                }
                None => largest,
            };
            let kind = self.kinds[block.kind];
            let extent: [u32; 3] = std::array::from_fn(|a| kind.size[a] * block.count[a]);
            // At the anchored corner of the space, on its floor.
            let lo: [u32; 3] = std::array::from_fn(|a| {
                if anchor[a] || a == 2 {
                    space.lo[a]
                } else {
                    space.hi[a] - extent[a]
                }
            });
            for i in 0..block.count[0] {
                for j in 0..block.count[1] {
                    for k in 0..block.count[2] {
                        placed.push(Placed {
                            item: kind.item,
                            x: lo[0] + i * kind.size[0],
                            y: lo[1] + j * kind.size[1],
                            z: lo[2] + k * kind.size[2],
                            axes: kind.axes,
                        });
                    }
                }
            }
            let n = block.count.iter().map(|&n| u64::from(n)).product::<u64>();
            left[kind.item] -= n;
            // Saturating: with no limit, weights may be anything.
            weight = weight.saturating_add(n.saturating_mul(self.items[kind.item].weight));
            volume += block.volume;
            let used = Space {
                lo,
                hi: std::array::from_fn(|a| lo[a] + extent[a]),
            };
            self.cut(&mut spaces, &used, &left);
            if self.complete && !self.room_for_all(&spaces, &left) {
                break;
            }
        }
        Load {
            placed,
            volume,
            weight,
        }
    }

    /// The space whose corner nearest a container corner is nearest of
    /// all (sorted per-axis distances, compared in turn; the larger space
    /// on a tie), and which corner: per axis, true for its low end.
    fn pick_space(&self, spaces: &[Space], room: [u32; 3]) -> Option<(usize, [bool; 3])> {
        let mut best: Option<([u32; 3], u64, usize, [bool; 3])> = None;
        for (i, s) in spaces.iter().enumerate() {
            let mut anchor = [true; 3];
            let mut d = [0u32; 3];
            for a in 0..3 {
                let (low, high) = (s.lo[a], room[a] - s.hi[a]);
                // The floor is always the anchor vertically.
                anchor[a] = a == 2 || low <= high;
                d[a] = if anchor[a] { low } else { high };
            }
            d.sort_unstable();
            let v = s.volume();
            let better = match &best {
                None => true,
                Some((bd, bv, _, _)) => d < *bd || (d == *bd && v > *bv),
            };
            if better {
                best = Some((d, v, i, anchor));
            }
        }
        best.map(|(_, _, i, anchor)| (i, anchor))
    }

    /// Whether every item type with units left fits some space, turned
    /// some way it may, and the spaces together (counting overlaps more
    /// than once, so an upper bound) have room for the units' volume.
    fn room_for_all(&self, spaces: &[Space], left: &[u64]) -> bool {
        let room = spaces
            .iter()
            .map(Space::volume)
            .fold(0, u64::saturating_add);
        let need = self
            .items
            .iter()
            .zip(left)
            .map(|(i, &n)| volume(i.dims).saturating_mul(n))
            .fold(0, u64::saturating_add);
        if need > room {
            return false;
        }
        let mut fits = vec![false; left.len()];
        for kind in &self.kinds {
            if left[kind.item] > 0
                && !fits[kind.item]
                && spaces
                    .iter()
                    .any(|s| (0..3).all(|a| kind.size[a] <= s.side(a)))
            {
                fits[kind.item] = true;
            }
        }
        fits.iter().zip(left).all(|(&f, &n)| f || n == 0)
    }

    /// The blocks that fit `space` with the units `left`, into `out`.
    fn blocks(&self, space: &Space, left: &[u64], weight: u64, out: &mut Vec<Block>) {
        out.clear();
        const ORDERS: [[usize; 3]; 6] = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ];
        for (k, kind) in self.kinds.iter().enumerate() {
            let item = &self.items[kind.item];
            let mut n = left[kind.item];
            if let (Some(max), true) = (self.container.max_weight, item.weight > 0) {
                n = n.min(max.saturating_sub(weight) / item.weight);
            }
            if n == 0 || (0..3).any(|a| kind.size[a] > space.side(a)) {
                continue;
            }
            let fit: [u64; 3] = std::array::from_fn(|a| u64::from(space.side(a) / kind.size[a]));
            let unit = u64::from(kind.size[0]) * u64::from(kind.size[1]) * u64::from(kind.size[2]);
            // Counts packed 21 bits per axis (a side is at most 100,000
            // units), compared as one word: writing an array by a
            // computed index and reading it back whole stalled here.
            const BITS: u32 = 21;
            let mut seen = [0u64; 6];
            for (o, &[a0, a1, a2]) in ORDERS.iter().enumerate() {
                let c0 = fit[a0].min(n).max(1);
                let c1 = fit[a1].min(n / c0).max(1);
                let c2 = fit[a2].min(n / c0 / c1).max(1);
                let key =
                    c0 << (BITS * a0 as u32) | c1 << (BITS * a1 as u32) | c2 << (BITS * a2 as u32);
                if seen[..o].contains(&key) {
                    continue;
                }
                seen[o] = key;
                let count: [u32; 3] = std::array::from_fn(|a| {
                    ((key >> (BITS * a as u32)) & ((1 << BITS) - 1)) as u32
                });
                out.push(Block {
                    kind: k,
                    count,
                    volume: c0 * c1 * c2 * unit,
                });
            }
        }
    }

    /// Cuts every space `used` overlaps into the maximal spaces around it,
    /// and drops the spaces no remaining unit fits.
    fn cut(&self, spaces: &mut Vec<Space>, used: &Space, left: &[u64]) {
        // The smallest extent along each axis of any unit still to load.
        let mut least = [u32::MAX; 3];
        for kind in &self.kinds {
            if left[kind.item] > 0 {
                for (l, &s) in least.iter_mut().zip(&kind.size) {
                    *l = (*l).min(s);
                }
            }
        }
        let fits = |s: &Space| (0..3).all(|a| s.side(a) >= least[a]);
        let mut kept: Vec<Space> = Vec::with_capacity(spaces.len() + 8);
        let mut cut: Vec<Space> = Vec::new();
        for s in spaces.drain(..) {
            if !s.overlaps(used) {
                if fits(&s) {
                    kept.push(s);
                }
                continue;
            }
            for a in 0..3 {
                if used.lo[a] > s.lo[a] {
                    let mut t = s;
                    t.hi[a] = used.lo[a];
                    cut.push(t);
                }
                if used.hi[a] < s.hi[a] {
                    let mut t = s;
                    t.lo[a] = used.hi[a];
                    cut.push(t);
                }
            }
        }
        // A new piece is inside its old space, so no kept space is inside
        // it; only the pieces need checking.
        let old = kept.len();
        for (i, t) in cut.iter().enumerate() {
            if !fits(t) {
                continue;
            }
            let inside_kept = kept[..old].iter().any(|k| k.contains(t));
            let inside_cut = cut
                .iter()
                .enumerate()
                .any(|(j, u)| j != i && u.contains(t) && (u != t || j < i));
            if !inside_kept && !inside_cut {
                kept.push(*t);
            }
        }
        *spaces = kept;
    }
}

/// Checks a load: every unit of a listed item type, no more units of a
/// type than its quantity, each turned as its type allows, inside the
/// container, no two overlapping, their weight within the limit. The
/// error names the first unit at fault.
pub fn validate_load(container: &Container, items: &[ItemType], placed: &[Placed]) -> Result<()> {
    check_dims(container.dims, || "container.dims".into())?;
    let room = [
        container.dims.length,
        container.dims.width,
        container.dims.height,
    ];
    let mut count = vec![0u64; items.len()];
    let mut weight = 0u64;
    let mut boxes: Vec<(Space, usize)> = Vec::with_capacity(placed.len());
    for (i, p) in placed.iter().enumerate() {
        // Named only on failure: no string per unit on the way.
        let field = || format!("placed[{i}]");
        let Some(item) = items.get(p.item) else {
            return Err(OmsError::validation(
                field(),
                format!("item {} is not in the list of {}", p.item, items.len()),
            ));
        };
        if !item.orientation.allows(p.axes) {
            return Err(OmsError::validation(
                field(),
                format!("turned {:?}, which item {} does not allow", p.axes, p.item),
            ));
        }
        count[p.item] += 1;
        if count[p.item] > item.quantity {
            return Err(OmsError::validation(
                field(),
                format!("more units of item {} than its {}", p.item, item.quantity),
            ));
        }
        weight = weight.saturating_add(item.weight);
        let d = p.axes.turn(item.dims);
        let lo = [p.x, p.y, p.z];
        let size = [d.length, d.width, d.height];
        if (0..3).any(|a| u64::from(lo[a]) + u64::from(size[a]) > u64::from(room[a])) {
            return Err(OmsError::validation(field(), "sticks out of the container"));
        }
        boxes.push((
            Space {
                lo,
                hi: std::array::from_fn(|a| lo[a] + size[a]),
            },
            i,
        ));
    }
    if let Some(max) = container.max_weight {
        if weight > max {
            return Err(OmsError::validation(
                "placed",
                format!("{weight} g, over the container's {max} g"),
            ));
        }
    }
    // Sweep along x: each box against those starting before it ends.
    boxes.sort_unstable_by_key(|(b, i)| (b.lo[0], *i));
    for (k, (b, i)) in boxes.iter().enumerate() {
        for (o, j) in &boxes[k + 1..] {
            if o.lo[0] >= b.hi[0] {
                break;
            }
            if b.overlaps(o) {
                let (first, second) = ((*i).min(*j), (*i).max(*j));
                return Err(OmsError::validation(
                    format!("placed[{second}]"),
                    format!("overlaps placed[{first}]"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(length: u32, width: u32, height: u32) -> Dims {
        Dims {
            length,
            width,
            height,
        }
    }

    #[test]
    fn orientation_rules() {
        let upright: Vec<Axes> = Axes::ALL
            .into_iter()
            .filter(|&a| Orientation::Upright.allows(a))
            .collect();
        assert_eq!(upright, [Axes::Lwh, Axes::Wlh]);
        let only_width_up = Orientation::Vertical {
            length: false,
            width: true,
            height: false,
        };
        let turned: Vec<Axes> = Axes::ALL
            .into_iter()
            .filter(|&a| only_width_up.allows(a))
            .collect();
        assert_eq!(turned, [Axes::Lhw, Axes::Hlw]);
        assert_eq!(Axes::Whl.turn(dims(1, 2, 3)), dims(2, 3, 1));
    }

    #[test]
    fn validate_names_the_fault() {
        let container = Container {
            dims: dims(10, 10, 10),
            max_weight: Some(5),
        };
        let items = [ItemType {
            dims: dims(5, 5, 10),
            weight: 2,
            quantity: 3,
            orientation: Orientation::Upright,
        }];
        let at = |x, y, axes| Placed {
            item: 0,
            x,
            y,
            z: 0,
            axes,
        };
        assert!(validate_load(
            &container,
            &items,
            &[at(0, 0, Axes::Lwh), at(5, 0, Axes::Wlh)]
        )
        .is_ok());
        let err = |p: &[Placed]| {
            validate_load(&container, &items, p)
                .unwrap_err()
                .to_string()
        };
        assert!(err(&[at(0, 0, Axes::Lwh), at(4, 0, Axes::Lwh)]).contains("overlaps placed[0]"));
        assert!(err(&[at(6, 0, Axes::Lwh)]).contains("sticks out"));
        assert!(err(&[at(0, 0, Axes::Lhw)]).contains("does not allow"));
        let three = [
            at(0, 0, Axes::Lwh),
            at(5, 0, Axes::Lwh),
            at(0, 5, Axes::Lwh),
        ];
        assert!(err(&three).contains("over the container's 5 g"));
    }

    #[test]
    fn fills_exactly_when_it_can() {
        let container = Container {
            dims: dims(600, 400, 300),
            max_weight: None,
        };
        let items = [
            ItemType {
                dims: dims(300, 200, 100),
                weight: 1,
                quantity: 10,
                orientation: Orientation::Any,
            },
            ItemType {
                dims: dims(100, 100, 100),
                weight: 1,
                quantity: 200,
                orientation: Orientation::Fixed,
            },
        ];
        let load = load_container(&container, &items, &LoadOptions::default()).unwrap();
        assert_eq!(load.volume, 600 * 400 * 300);
        assert!(validate_load(&container, &items, &load.placed).is_ok());
    }

    #[test]
    fn huge_weights_without_a_limit_do_not_overflow() {
        let container = Container {
            dims: dims(10, 10, 10),
            max_weight: None,
        };
        let items = [ItemType {
            dims: dims(5, 5, 5),
            weight: u64::MAX / 3,
            quantity: 8,
            orientation: Orientation::Any,
        }];
        let load = load_container(&container, &items, &LoadOptions::default()).unwrap();
        assert_eq!(load.placed.len(), 8);
        assert_eq!(load.weight, u64::MAX);
        assert!(validate_load(&container, &items, &load.placed).is_ok());
    }

    #[test]
    fn rejects_bad_input() {
        let container = Container {
            dims: dims(0, 1, 1),
            max_weight: None,
        };
        let e = load_container(&container, &[], &LoadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("container.dims.length"));
        let never = ItemType {
            dims: dims(1, 1, 1),
            weight: 0,
            quantity: 1,
            orientation: Orientation::Vertical {
                length: false,
                width: false,
                height: false,
            },
        };
        let c = Container {
            dims: dims(1, 1, 1),
            max_weight: None,
        };
        let e = load_container(&c, &[never], &LoadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("items[0].orientation"));
    }
}
