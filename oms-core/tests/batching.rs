//! Order batching against brute force: on small random instances every
//! method covers each order once within the cart's capacity, each batch's
//! distance is its exact route, and the iterated local search is never
//! worse than its starts; on instances small enough to enumerate every
//! partition, its mean gap to the optimum is reported and bounded.

use oms_core::picking::{
    batch_orders, optimal_route, BatchMethod, BatchOptions, BatchOrder, BatchPlan, Block, Cart,
    Depot, Layout, Slot,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

fn floor() -> Layout {
    Layout {
        aisles: 6,
        aisle_pitch: 5,
        blocks: vec![Block {
            bays: 12,
            bay_pitch: 1,
            front_offset: 1,
            back_offset: 1,
        }],
        depot: Depot {
            aisle: 0,
            cross_aisle: 0,
        },
    }
}

fn orders() -> impl Strategy<Value = (Vec<BatchOrder>, u64)> {
    let order =
        (prop::collection::vec((0..6u32, 0..12u32), 1..5), 1..6u64).prop_map(|(picks, items)| {
            BatchOrder {
                picks: picks
                    .into_iter()
                    .map(|(aisle, bay)| Slot {
                        block: 0,
                        aisle,
                        bay,
                    })
                    .collect(),
                items,
                ..BatchOrder::default()
            }
        });
    (prop::collection::vec(order, 1..8), 5..15u64)
}

/// Checks a plan: every order once, capacity kept, distances exact.
fn check(l: &Layout, orders: &[BatchOrder], cart: &Cart, plan: &BatchPlan) -> Result<(), String> {
    let mut seen = vec![0; orders.len()];
    let mut total = 0;
    for b in &plan.batches {
        let items: u64 = b.orders.iter().map(|&o| orders[o].items).sum();
        if cart.max_items.is_some_and(|m| items > m) {
            return Err(format!("{items} items on one cart"));
        }
        let picks: Vec<Slot> = b
            .orders
            .iter()
            .flat_map(|&o| orders[o].picks.iter().copied())
            .collect();
        if optimal_route(l, &picks)
            .map_err(|e| e.to_string())?
            .distance
            != b.distance
        {
            return Err("a batch's distance is not its exact route".into());
        }
        if b.stops.len() != picks.len() {
            return Err("a batch does not stop at every pick".into());
        }
        for &o in &b.orders {
            seen[o] += 1;
        }
        total += b.distance;
    }
    if seen.iter().any(|&n| n != 1) {
        return Err(format!("orders covered {seen:?} times"));
    }
    if total != plan.distance {
        return Err("the plan's distance is not the sum of its batches".into());
    }
    Ok(())
}

/// The best partition of `orders` into batches that fit, by brute force.
fn optimum(l: &Layout, orders: &[BatchOrder], cap: u64) -> u64 {
    fn go(
        l: &Layout,
        orders: &[BatchOrder],
        cap: u64,
        k: usize,
        groups: &mut Vec<Vec<usize>>,
        best: &mut u64,
    ) {
        if k == orders.len() {
            let d: u64 = groups
                .iter()
                .map(|g| {
                    let picks: Vec<Slot> = g
                        .iter()
                        .flat_map(|&o| orders[o].picks.iter().copied())
                        .collect();
                    optimal_route(l, &picks).unwrap().distance
                })
                .sum();
            *best = (*best).min(d);
            return;
        }
        for g in 0..groups.len() {
            let items: u64 = groups[g].iter().map(|&o| orders[o].items).sum();
            if items + orders[k].items <= cap {
                groups[g].push(k);
                go(l, orders, cap, k + 1, groups, best);
                groups[g].pop();
            }
        }
        groups.push(vec![k]);
        go(l, orders, cap, k + 1, groups, best);
        groups.pop();
    }
    let mut best = u64::MAX;
    go(l, orders, cap, 0, &mut Vec::new(), &mut best);
    best
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

    #[test]
    fn every_method_gives_a_valid_plan_and_search_never_loses((orders, cap) in orders()) {
        let l = floor();
        let cart = Cart { max_items: Some(cap), ..Cart::default() };
        let plan = |m| batch_orders(&l, &orders, &cart, &BatchOptions::new(m)).unwrap();
        let mut starts = Vec::new();
        for m in BatchMethod::ALL {
            let p = plan(m);
            check(&l, &orders, &cart, &p).map_err(TestCaseError::fail)?;
            if matches!(m, BatchMethod::Seed | BatchMethod::Savings) {
                starts.push(p.distance);
            }
        }
        let ils = plan(BatchMethod::Ils).distance;
        prop_assert!(starts.iter().all(|&s| ils <= s));
        let opt = optimum(&l, &orders, cap);
        prop_assert!(ils >= opt);
        // Same input, same plan.
        prop_assert_eq!(plan(BatchMethod::Ils), plan(BatchMethod::Ils));
    }
}

#[test]
fn the_search_is_within_a_percent_of_the_optimum_on_average() {
    // 200 random instances of 7 orders, each small enough to enumerate.
    let l = floor();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut gap, mut n, mut exact) = (0.0, 0, 0);
    for _ in 0..200 {
        let (orders, cap) = orders().new_tree(&mut runner).unwrap().current();
        let cart = Cart {
            max_items: Some(cap),
            ..Cart::default()
        };
        let ils = batch_orders(&l, &orders, &cart, &BatchOptions::default())
            .unwrap()
            .distance;
        let opt = optimum(&l, &orders, cap);
        if opt > 0 {
            gap += (ils - opt) as f64 / opt as f64;
            n += 1;
        }
        exact += usize::from(ils == opt);
    }
    let mean = gap / f64::from(n);
    eprintln!(
        "mean gap {:.4}% over {n} instances, {exact} of 200 optimal",
        100.0 * mean
    );
    assert!(
        mean <= 0.01,
        "mean gap {:.3}% ({exact} of 200 optimal)",
        100.0 * mean
    );
}

#[test]
fn an_order_too_big_for_the_cart_is_named() {
    let orders = [BatchOrder {
        picks: vec![],
        items: 9,
        ..BatchOrder::default()
    }];
    let cart = Cart {
        max_items: Some(5),
        ..Cart::default()
    };
    let err = batch_orders(&floor(), &orders, &cart, &BatchOptions::default()).unwrap_err();
    assert!(err.to_string().contains("orders[0]"), "{err}");
}
