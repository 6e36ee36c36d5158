//! Pick routing against brute force: on small random floors of one to
//! four blocks, the exact route equals the best order of the picks under
//! shortest walking distances, its walking order realises that length,
//! and its path is a walk along aisles and cross aisles of that length.

use oms_core::picking::{
    heuristic_route, improved_route, optimal_route, scattered_route, Article, Block, Depot,
    Heuristic, Layout, ScatteredRoute, Slot, Stocked, Waypoint, MAX_EXACT_BLOCKS,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestCaseError;

fn layout(aisles: u32, blocks: &[u32], depot: (u32, u32), pitch: u64) -> Layout {
    Layout {
        aisles,
        aisle_pitch: pitch,
        blocks: blocks
            .iter()
            .map(|&bays| Block {
                bays,
                bay_pitch: 2,
                front_offset: 1,
                back_offset: 3,
            })
            .collect(),
        depot: Depot {
            aisle: depot.0 % aisles,
            cross_aisle: depot.1 % (blocks.len() as u32 + 1),
        },
    }
}

/// The length of the tour depot → picks in `order` → depot.
fn tour(l: &Layout, picks: &[Slot], order: &[usize]) -> u64 {
    let depot = depot_slot_distance(l);
    let mut total = 0;
    let mut at: Option<&Slot> = None;
    for &i in order {
        total += match at {
            None => depot(&picks[i]),
            Some(prev) => l.distance(prev, &picks[i]),
        };
        at = Some(&picks[i]);
    }
    total + at.map_or(0, &depot)
}

/// Each cross aisle's distance from the front one.
fn cross_aisle_ys(l: &Layout) -> Vec<u64> {
    std::iter::once(0)
        .chain(l.blocks.iter().scan(0, |y, b| {
            *y += b.length();
            Some(*y)
        }))
        .collect()
}

/// The length of a path, checked to run depot to depot with every leg
/// along one aisle or along one cross aisle.
fn walked(l: &Layout, path: &[Waypoint]) -> Result<u64, String> {
    let ys = cross_aisle_ys(l);
    let depot = Waypoint {
        aisle: l.depot.aisle,
        y: ys[l.depot.cross_aisle as usize],
    };
    if path.first() != Some(&depot) || path.last() != Some(&depot) {
        return Err(format!(
            "{path:?} does not start and end at the depot {depot:?}"
        ));
    }
    let mut total = 0;
    for w in path.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a.aisle == b.aisle {
            total += a.y.abs_diff(b.y);
        } else if a.y == b.y && ys.contains(&a.y) {
            total += u64::from(a.aisle.abs_diff(b.aisle)) * l.aisle_pitch;
        } else {
            return Err(format!("{a:?} to {b:?} cuts through racks"));
        }
    }
    Ok(total)
}

/// The distance from the depot to a slot.
fn depot_slot_distance(l: &Layout) -> impl Fn(&Slot) -> u64 + '_ {
    move |s: &Slot| {
        let ys = cross_aisle_ys(l);
        let dy = ys[l.depot.cross_aisle as usize];
        let before: u64 = l
            .blocks
            .iter()
            .take(s.block as usize)
            .map(Block::length)
            .sum();
        let y = before + l.blocks[s.block as usize].position(s.bay);
        let across = u64::from(l.depot.aisle.abs_diff(s.aisle)) * l.aisle_pitch;
        if across == 0 {
            return y.abs_diff(dy);
        }
        across
            + ys.iter()
                .map(|&c| y.abs_diff(c) + dy.abs_diff(c))
                .min()
                .unwrap_or(0)
    }
}

fn permutations(n: usize, f: &mut impl FnMut(&[usize])) {
    fn go(k: usize, p: &mut Vec<usize>, f: &mut impl FnMut(&[usize])) {
        if k == p.len() {
            f(p);
            return;
        }
        for i in k..p.len() {
            p.swap(k, i);
            go(k + 1, p, f);
            p.swap(k, i);
        }
    }
    go(0, &mut (0..n).collect(), f);
}

/// The shortest tour over every order of the picks (0 without picks).
fn best_order(l: &Layout, picks: &[Slot]) -> u64 {
    if picks.is_empty() {
        return 0;
    }
    let mut best = u64::MAX;
    permutations(picks.len(), &mut |p| best = best.min(tour(l, picks, p)));
    best
}

fn floor() -> impl Strategy<Value = (Layout, Vec<Slot>)> {
    floor_of(1..=4)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_route_is_the_best_order_and_walks_what_it_says((l, picks) in floor()) {
        let route = optimal_route(&l, &picks).unwrap();
        // Every pick once.
        let mut seen = route.order.clone();
        seen.sort_unstable();
        prop_assert_eq!(seen, (0..picks.len()).collect::<Vec<_>>());
        // Brute force over the orders of the picks.
        let best = best_order(&l, &picks);
        prop_assert_eq!(route.distance, best);
        // The order given walks exactly that far.
        prop_assert_eq!(tour(&l, &picks, &route.order), route.distance);
        // The path: depot to depot, each leg along an aisle or a cross aisle.
        prop_assert_eq!(walked(&l, &route.path), Ok(route.distance));
    }
}

fn floor_of(blocks: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = (Layout, Vec<Slot>)> {
    (
        1u32..6,
        prop::collection::vec(1u32..5, blocks),
        (0u32..6, 0u32..8),
        1u64..5,
    )
        .prop_flat_map(|(aisles, blocks, depot, pitch)| {
            let l = layout(aisles, &blocks, depot, pitch);
            let slot = (0..blocks.len() as u32).prop_flat_map(move |b| {
                let bays = blocks[b as usize];
                (Just(b), 0..aisles, 0..bays).prop_map(|(block, aisle, bay)| Slot {
                    block,
                    aisle,
                    bay,
                })
            });
            (Just(l), prop::collection::vec(slot, 0..7))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// On floors of any number of blocks, the local-search route visits
    /// every pick once, walks what it says, and is never shorter than the
    /// best order; beyond four blocks `optimal_route` is that route.
    #[test]
    fn the_local_search_route_is_a_true_walk((l, picks) in floor_of(1..=7)) {
        let route = improved_route(&l, &picks).unwrap();
        let mut seen = route.order.clone();
        seen.sort_unstable();
        prop_assert_eq!(seen, (0..picks.len()).collect::<Vec<_>>());
        let best = best_order(&l, &picks);
        prop_assert!(route.distance >= best);
        prop_assert_eq!(tour(&l, &picks, &route.order), route.distance);
        prop_assert_eq!(walked(&l, &route.path), Ok(route.distance));
        let exact = optimal_route(&l, &picks).unwrap();
        if l.blocks.len() > MAX_EXACT_BLOCKS {
            prop_assert_eq!(exact, route);
        } else {
            prop_assert_eq!(exact.distance, best);
        }
    }
}

#[test]
fn the_local_search_is_near_the_optimum_on_five_to_eight_picks() {
    // Deterministic random floors of 5 to 7 blocks, 5 to 8 picks: the gap
    // to the brute-force optimum, reported and bounded.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut gap, mut optimal, mut n) = (0.0, 0, 0);
    while n < 200 {
        let (l, picks) = floor_of(5..=7).new_tree(&mut runner).unwrap().current();
        if picks.len() < 5 {
            continue;
        }
        let route = improved_route(&l, &picks).unwrap();
        let best = best_order(&l, &picks);
        gap += (route.distance - best) as f64 / best.max(1) as f64;
        optimal += usize::from(route.distance == best);
        n += 1;
    }
    let mean = gap / f64::from(n);
    eprintln!(
        "local search: mean gap {:.3}%, {optimal} of {n} optimal",
        100.0 * mean
    );
    assert!(mean < 0.02, "mean gap {:.3}%", 100.0 * mean);
}

fn single_block_floor() -> impl Strategy<Value = (Layout, Vec<Slot>)> {
    (1u32..7, 1u32..8, (0u32..7, 0u32..2), 1u64..5).prop_flat_map(|(aisles, bays, depot, pitch)| {
        let l = layout(aisles, &[bays], depot, pitch);
        let slot = (0..aisles, 0..bays).prop_map(|(aisle, bay)| Slot {
            block: 0,
            aisle,
            bay,
        });
        (Just(l), prop::collection::vec(slot, 0..9))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Every heuristic visits each pick once, walks no less than the
    /// optimum, walks its path (legs along aisles or cross aisles), and its
    /// order, walked by shortest paths, is no longer than its path.
    #[test]
    fn heuristics_walk_what_they_say_and_never_beat_the_optimum((l, picks) in single_block_floor()) {
        heuristics_walk_what_they_say(&l, &picks)?;
        // Combined chooses among walks that include S-shape's and return's.
        let length = |h| heuristic_route(&l, &picks, h).unwrap().distance;
        let combined = length(Heuristic::Combined);
        prop_assert!(combined <= length(Heuristic::SShape));
        prop_assert!(combined <= length(Heuristic::Return));
    }

    /// The same on floors of two to six blocks, with the depot on any
    /// cross aisle, against the brute-force best order.
    #[test]
    fn multi_block_heuristics_walk_what_they_say((l, picks) in floor_of(2..=6)) {
        heuristics_walk_what_they_say(&l, &picks)?;
    }
}

/// Every heuristic visits each pick once, walks no less than the best
/// order, walks its path, and its order is no longer than its path.
fn heuristics_walk_what_they_say(l: &Layout, picks: &[Slot]) -> Result<(), TestCaseError> {
    let best = if l.blocks.len() <= MAX_EXACT_BLOCKS {
        optimal_route(l, picks).unwrap().distance
    } else {
        best_order(l, picks)
    };
    for h in Heuristic::ALL {
        let r = heuristic_route(l, picks, h).unwrap();
        let mut seen = r.order.clone();
        seen.sort_unstable();
        prop_assert_eq!(seen, (0..picks.len()).collect::<Vec<_>>(), "{:?}", h);
        prop_assert!(r.distance >= best, "{:?}: {} < {}", h, r.distance, best);
        prop_assert!(tour(l, picks, &r.order) <= r.distance, "{:?}", h);
        prop_assert_eq!(walked(l, &r.path), Ok(r.distance), "{:?}", h);
    }
    Ok(())
}

/// Checks that `r`'s visits take exactly what each article needs, each
/// from a bin that holds it.
fn takes_what_each_needs(articles: &[Article], r: &ScatteredRoute) -> Result<(), TestCaseError> {
    for (a, art) in articles.iter().enumerate() {
        let visits = || r.visits.iter().filter(move |v| v.article == a);
        prop_assert_eq!(visits().map(|v| v.quantity).sum::<u64>(), art.quantity);
        for v in visits() {
            prop_assert!(art
                .stock
                .iter()
                .any(|s| s.slot == v.slot && s.units >= v.quantity));
        }
    }
    Ok(())
}

fn scattered_floor() -> impl Strategy<Value = (Layout, Vec<Article>)> {
    scattered_floor_of(1..5, 1..4, 1..=2, 1..4, 1..4, 1..4)
}

/// Floors of `aisles` aisles and `blocks` blocks of `bays` bays, the
/// depot anywhere; `articles` articles, each wanting `quantity` units from
/// `bins` bins of 1 to 3 units (the last holding the rest if they would
/// not be enough).
fn scattered_floor_of(
    aisles: std::ops::Range<u32>,
    bays: std::ops::Range<u32>,
    blocks: std::ops::RangeInclusive<usize>,
    articles: std::ops::Range<usize>,
    quantity: std::ops::Range<u64>,
    bins: std::ops::Range<usize>,
) -> impl Strategy<Value = (Layout, Vec<Article>)> {
    (
        aisles,
        prop::collection::vec(bays, blocks),
        (0u32..5, 0u32..3),
    )
        .prop_flat_map(move |(aisles, blocks, depot)| {
            let l = layout(aisles, &blocks, depot, 3);
            let slot = (0..blocks.len() as u32).prop_flat_map(move |b| {
                let bays = blocks[b as usize];
                (Just(b), 0..aisles, 0..bays).prop_map(|(block, aisle, bay)| Slot {
                    block,
                    aisle,
                    bay,
                })
            });
            let stocked = (slot, 1u64..4).prop_map(|(slot, units)| Stocked { slot, units });
            let article = (
                quantity.clone(),
                prop::collection::vec(stocked, bins.clone()),
            )
                .prop_map(|(q, mut stock)| {
                    // Enough in all: the last bin holds the rest.
                    let held: u64 = stock.iter().map(|s| s.units).sum();
                    if held < q {
                        stock.last_mut().unwrap().units += q - held;
                    }
                    Article { quantity: q, stock }
                });
            (Just(l), prop::collection::vec(article, articles.clone()))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// When scattered storage says it is exact, no choice of bins that
    /// holds enough of every article routes shorter; its visits take what
    /// each article needs from bins that hold it.
    #[test]
    fn scattered_storage_is_exact_when_it_says_so((l, articles) in scattered_floor()) {
        let r = scattered_route(&l, &articles).unwrap();
        takes_what_each_needs(&articles, &r)?;
        prop_assert!(r.exact, "small instances are tried exhaustively");
        // Every subset of each article's bins holding enough, every combination.
        let subsets: Vec<Vec<Vec<Slot>>> = articles
            .iter()
            .map(|a| {
                let k = a.stock.len();
                (1u32..(1 << k))
                    .map(|m| (0..k).filter(|i| m & (1 << i) != 0).collect::<Vec<_>>())
                    .filter(|s| s.iter().map(|&i| a.stock[i].units).sum::<u64>() >= a.quantity)
                    .map(|s| s.iter().map(|&i| a.stock[i].slot).collect())
                    .collect()
            })
            .collect();
        let mut best = u64::MAX;
        let mut idx = vec![0usize; articles.len()];
        'all: loop {
            let slots: Vec<Slot> = idx.iter().enumerate().flat_map(|(a, &c)| subsets[a][c].clone()).collect();
            best = best.min(optimal_route(&l, &slots).unwrap().distance);
            for k in 0..idx.len() {
                idx[k] += 1;
                if idx[k] < subsets[k].len() {
                    continue 'all;
                }
                idx[k] = 0;
            }
            break;
        }
        prop_assert_eq!(r.route.distance, best);
    }
}

/// Floors of one to five blocks with too many choices of bins to try
/// them all, so scattered storage searches (beyond four blocks, without
/// the exact sweep).
fn large_scattered_floor() -> impl Strategy<Value = (Layout, Vec<Article>)> {
    scattered_floor_of(3..6, 2..4, 1..=5, 7..11, 1..5, 3..7)
}

proptest! {
    // Each case spends the search's whole budget: a few suffice.
    #![proptest_config(ProptestConfig::with_cases(3))]

    /// The search's route takes what every article needs from bins that
    /// hold it, is the optimal route through its visits (and its path
    /// walks that far), and is the same every time.
    #[test]
    fn scattered_storage_search_is_sound((l, articles) in large_scattered_floor()) {
        let r = scattered_route(&l, &articles).unwrap();
        takes_what_each_needs(&articles, &r)?;
        let slots: Vec<Slot> = r.visits.iter().map(|v| v.slot).collect();
        prop_assert_eq!(optimal_route(&l, &slots).unwrap().distance, r.route.distance);
        prop_assert_eq!(walked(&l, &r.route.path), Ok(r.route.distance));
        prop_assert_eq!(scattered_route(&l, &articles).unwrap(), r);
    }
}

#[test]
fn bad_floors_and_slots_are_refused() {
    let l = layout(3, &[4], (0, 0), 3);
    let off = Slot {
        block: 0,
        aisle: 3,
        bay: 0,
    };
    let e = optimal_route(&l, &[off]).unwrap_err();
    assert_eq!(e.code().as_str(), "validation");
    assert!(e.to_string().contains("picks[0]"), "{e}");
    let mut bad = l.clone();
    bad.blocks.clear();
    assert!(optimal_route(&bad, &[]).is_err());
    let mut bad = l.clone();
    bad.depot.cross_aisle = 2;
    assert!(optimal_route(&bad, &[]).is_err());
    let mut bad = l.clone();
    bad.blocks[0].bays = 0;
    assert!(optimal_route(&bad, &[]).is_err());
    // Every block and pitch within bounds, but the floor as a whole too
    // large for route lengths to stay exact.
    let mut bad = l;
    bad.aisles = 10_000;
    bad.aisle_pitch = 1 << 30;
    let e = optimal_route(&bad, &[]).unwrap_err();
    assert!(e.to_string().contains("too large"), "{e}");
}
