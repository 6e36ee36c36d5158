//! Order-batching instances in the style of Henn and Wäscher (2012): one
//! block of 10 aisles with 45 bays a side, the depot in front of the
//! leftmost aisle, orders of 5 to 25 items each in a bin drawn uniformly.
//!
//! Distances are in half length units (LU): a bay is 1 LU (2), aisles
//! are 5 LU apart (10), and the first bay's centre is 1.5 LU (3) from the
//! cross aisle. The generator is seeded, so an instance is a pair of
//! numbers (orders, seed).

use oms_core::picking::{BatchOrder, Block, Depot, Layout, Slot};

/// The Henn–Wäscher floor.
pub fn layout() -> Layout {
    Layout {
        aisles: 10,
        aisle_pitch: 10,
        blocks: vec![Block {
            bays: 45,
            bay_pitch: 2,
            front_offset: 3,
            back_offset: 3,
        }],
        depot: Depot {
            aisle: 0,
            cross_aisle: 0,
        },
    }
}

/// A small seeded generator (SplitMix64), the same as the Python peer's.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
}

/// `n` orders of 5 to 25 items, one item per pick, bins uniform over the
/// floor (a side of an aisle holds 45 bins; both sides of a bay are one
/// stop).
pub fn orders(n: usize, seed: u64) -> Vec<BatchOrder> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let items = rng.between(5, 25);
            let picks = (0..items)
                .map(|_| {
                    let bin = rng.between(0, 10 * 90 - 1);
                    Slot {
                        block: 0,
                        aisle: (bin / 90) as u32,
                        bay: ((bin % 90) / 2) as u32,
                    }
                })
                .collect();
            BatchOrder {
                picks,
                items,
                volume: 0,
                weight: 0,
            }
        })
        .collect()
}

/// A warehouse `WH-0` on the Henn–Wäscher floor with a pick bin for each
/// of its 450 SKUs (45 bays × 10 aisles), 1,000 units of each, and
/// `orders` orders of three lines (see [`crate::place_order`]) placed and
/// allocated. Payment is not required.
pub fn picking_engine(orders: usize) -> oms_core::Engine {
    use oms_core::{Allocate, BinId, Command, Config, DefineBin, LocationId, SetLayout};
    let skus = 450;
    let config = Config {
        require_payment: false,
        ..Config::default()
    };
    let (mut engine, _) = crate::stocked_engine(config, skus, 1, 1_000);
    let at = crate::t0();
    let mut run = |c: Command| {
        engine.execute(c, at).expect("setup commands are valid");
    };
    run(SetLayout {
        location_id: LocationId::new("WH-0"),
        layout: layout(),
    }
    .into());
    for i in 0..skus {
        run(DefineBin {
            location_id: LocationId::new("WH-0"),
            bin_id: BinId::new(format!("B-{i:03}")),
            block: 0,
            aisle: (i / 45) as u32,
            bay: (i % 45) as u32,
            side: None,
            level: None,
            zone: Some(format!("Z{}", i / 150)),
            sku: Some(crate::sku(i)),
        }
        .into());
    }
    for n in 0..orders {
        run(crate::place_order(n, skus).into());
    }
    run(Allocate { order_id: None }.into());
    engine
}
