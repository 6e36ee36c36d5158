//! Routes one generated order many times, for profiling (perf, callgrind):
//! `profile_routing [picks] [aisles] [blocks] [rounds]`.

use oms_core::picking::{optimal_route, Block, Depot, Layout, Slot};

fn main() {
    let arg = |i: usize, d: u32| {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(d)
    };
    let (picks, aisles, blocks, rounds) = (arg(1, 30), arg(2, 50), arg(3, 1), arg(4, 100_000));
    let layout = Layout {
        aisles,
        aisle_pitch: 3,
        blocks: (0..blocks)
            .map(|_| Block {
                bays: 90 / blocks,
                bay_pitch: 1,
                front_offset: 1,
                back_offset: 1,
            })
            .collect(),
        depot: Depot {
            aisle: aisles / 2,
            cross_aisle: 0,
        },
    };
    // A fixed pseudo-random order (xorshift), the same every run.
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |m: u32| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % u64::from(m)) as u32
    };
    let slots: Vec<Slot> = (0..picks)
        .map(|_| Slot {
            block: next(blocks),
            aisle: next(aisles),
            bay: next(90 / blocks),
        })
        .collect();
    let mut total = 0;
    let t = std::time::Instant::now();
    for _ in 0..rounds {
        total += optimal_route(&layout, std::hint::black_box(&slots)).map_or(0, |r| r.distance);
    }
    let per = t.elapsed().as_nanos() as f64 / f64::from(rounds) / 1000.0;
    println!(
        "{picks} picks, {aisles} aisles, {blocks} blocks: {per:.2} µs per route (checksum {total})"
    );
}
