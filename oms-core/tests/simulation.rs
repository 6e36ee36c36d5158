//! The what-if simulation: conservation, no overselling, input order not
//! mattering, networks adding up, backorder service order, and its errors.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use oms_core::kpi;
use oms_core::money::Currency;
use oms_core::order::Priority;
use oms_core::simulation::{LocationRow, OrderLineRow, Outcome, ShipTo, Simulation, StockRow};
use oms_core::SourcingPolicy;
use proptest::prelude::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

#[derive(Debug, Clone)]
struct Loc {
    id: String,
    lat: f64,
    lon: f64,
    network: String,
}

#[derive(Debug, Clone)]
struct Stock {
    location: String,
    sku: String,
    quantity: u64,
    at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
struct Line {
    order: String,
    minutes: i64,
    sku: String,
    quantity: u64,
    cents: i64,
    lat: f64,
    rush: bool,
    network: String,
    channel: String,
}

#[derive(Debug, Clone)]
struct Data {
    locations: Vec<Loc>,
    stock: Vec<Stock>,
    lines: Vec<Line>,
}

fn run(d: &Data) -> Outcome {
    let mut sim = Simulation::new(&SourcingPolicy::default()).unwrap();
    for l in &d.locations {
        sim.add_location(LocationRow {
            location_id: &l.id,
            latitude: Some(l.lat),
            longitude: Some(l.lon),
            network: Some(&l.network),
            ..Default::default()
        })
        .unwrap();
    }
    for s in &d.stock {
        sim.add_stock(StockRow {
            location_id: &s.location,
            sku: &s.sku,
            quantity: s.quantity,
            at: s.at,
        })
        .unwrap();
    }
    let usd = Currency::new("USD").unwrap();
    for l in &d.lines {
        sim.add_order_line(OrderLineRow {
            placed_at: t0() + Duration::minutes(l.minutes),
            order_id: &l.order,
            customer_id: "C1",
            channel: &l.channel,
            sku: &l.sku,
            quantity: l.quantity,
            unit_price: rust_decimal::Decimal::new(l.cents, 2),
            currency: usd,
            ship_to: ShipTo {
                latitude: Some(l.lat),
                longitude: Some(-90.0),
                ..Default::default()
            },
            priority: if l.rush {
                Priority::Rush
            } else {
                Priority::Standard
            },
            network: Some(&l.network),
        })
        .unwrap();
    }
    sim.run(&mut |_| true).unwrap()
}

/// Allocation rows with ids spelled out, sorted: comparable across runs.
/// (order, line, sku, location, quantity, at, from backorder)
type AllocationKey = (String, u32, String, String, u64, DateTime<Utc>, bool);

fn allocations(o: &Outcome) -> Vec<AllocationKey> {
    let mut v: Vec<_> = o
        .allocations
        .iter()
        .map(|a| {
            (
                o.orders[a.order as usize].to_string(),
                a.line,
                o.skus[a.sku as usize].to_string(),
                o.locations[a.location as usize].to_string(),
                a.quantity,
                a.at,
                a.from_backorder,
            )
        })
        .collect();
    v.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    v
}

fn data() -> impl Strategy<Value = Data> {
    let networks = ["N1", "N2"];
    let locations: Vec<Loc> = (0..6)
        .map(|i| Loc {
            id: format!("L{i}"),
            lat: 30.0 + 3.0 * i as f64,
            lon: -90.0,
            network: networks[i % 2].into(),
        })
        .collect();
    let stock = prop::collection::vec(
        (0..6usize, 0..5usize, 0..8u64, prop::option::of(0..600i64)),
        0..30,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(l, s, q, at)| Stock {
                location: format!("L{l}"),
                sku: format!("S{s}"),
                quantity: q,
                at: at.map(|m| t0() + Duration::minutes(m)),
            })
            .collect::<Vec<_>>()
    });
    let orders = prop::collection::vec(
        (
            0..500i64,
            prop::collection::vec((0..5usize, 1..6u64, 0..5000i64), 1..4),
            30.0..50.0f64,
            any::<bool>(),
            0..2usize,
            0..2usize,
        ),
        0..40,
    );
    (stock, orders).prop_map(move |(stock, orders)| {
        let mut lines = Vec::new();
        for (i, (minutes, ls, lat, rush, net, ch)) in orders.into_iter().enumerate() {
            for (sku, quantity, cents) in ls {
                lines.push(Line {
                    order: format!("SO-{i}"),
                    minutes,
                    sku: format!("S{sku}"),
                    quantity,
                    cents,
                    lat,
                    rush,
                    network: networks[net].into(),
                    channel: ["web", "store"][ch].into(),
                });
            }
        }
        Data {
            locations: locations.clone(),
            stock,
            lines,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Units are conserved, nothing is oversold, and shuffling every
    /// table gives the same outcome.
    #[test]
    fn conserves_units_and_ignores_row_order(d in data(), seed in any::<u64>()) {
        let out = run(&d);
        // Per line: allocated + still open = ordered.
        let mut ordered: BTreeMap<(String, String), u64> = BTreeMap::new();
        for l in &d.lines {
            *ordered.entry((l.order.clone(), l.sku.clone())).or_default() += l.quantity;
        }
        let mut got: BTreeMap<(String, String), u64> = BTreeMap::new();
        for a in &out.allocations {
            *got.entry((out.orders[a.order as usize].to_string(), out.skus[a.sku as usize].to_string())).or_default() += a.quantity;
        }
        for b in &out.backorders {
            *got.entry((out.orders[b.order as usize].to_string(), out.skus[b.sku as usize].to_string())).or_default() += b.quantity;
        }
        prop_assert_eq!(&ordered, &got);
        // Per location and SKU: allocated <= stock received by then.
        type Moves = Vec<(DateTime<Utc>, i64)>;
        let mut supply: BTreeMap<(String, String), Moves> = BTreeMap::new();
        for s in &d.stock {
            supply.entry((s.location.clone(), s.sku.clone())).or_default()
                .push((s.at.unwrap_or(t0() - Duration::days(1)), s.quantity as i64));
        }
        for a in &out.allocations {
            supply.entry((out.locations[a.location as usize].to_string(), out.skus[a.sku as usize].to_string()))
                .or_default().push((a.at, -(a.quantity as i64)));
        }
        for (key, mut moves) in supply {
            moves.sort_by_key(|&(at, q)| (at, -q)); // receipts first at one instant
            let mut level = 0i64;
            for (_, q) in moves {
                level += q;
                prop_assert!(level >= 0, "{key:?} oversold");
            }
        }
        // Shipments hold what their allocations say.
        let mut units = vec![0u64; out.shipments.len()];
        for a in &out.allocations {
            units[a.shipment as usize] += a.quantity;
        }
        prop_assert_eq!(units, out.shipments.iter().map(|s| s.units).collect::<Vec<_>>());
        // Shuffled rows: the same outcome.
        let mut shuffled = d.clone();
        let mut x = seed | 1;
        let mut next = move |n: usize| { x ^= x << 13; x ^= x >> 7; x ^= x << 17; (x % n.max(1) as u64) as usize };
        for v in [&mut shuffled.lines] { for i in (1..v.len()).rev() { let j = next(i + 1); v.swap(i, j); } }
        for i in (1..shuffled.stock.len()).rev() { let j = next(i + 1); shuffled.stock.swap(i, j); }
        for i in (1..shuffled.locations.len()).rev() { let j = next(i + 1); shuffled.locations.swap(i, j); }
        prop_assert_eq!(&run(&shuffled), &out);
    }

    /// Each network alone, put together, is the whole run: allocations
    /// and KPIs (merged) alike.
    #[test]
    fn networks_add_up(d in data()) {
        let whole = run(&d);
        let mut parts = Vec::new();
        for net in ["N1", "N2"] {
            let locations: Vec<Loc> = d.locations.iter().filter(|l| l.network == net).cloned().collect();
            let ids: Vec<&str> = locations.iter().map(|l| l.id.as_str()).collect();
            parts.push(run(&Data {
                stock: d.stock.iter().filter(|s| ids.contains(&s.location.as_str())).cloned().collect(),
                lines: d.lines.iter().filter(|l| l.network == net).cloned().collect(),
                locations,
            }));
        }
        let mut together: Vec<_> = parts.iter().flat_map(allocations).collect();
        together.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        prop_assert_eq!(allocations(&whole), together);
        let merged = kpi::merge(&[parts[0].kpis.clone(), parts[1].kpis.clone()]);
        let strip = |r: &kpi::KpiReport| r.kpis.iter().filter(|k| !k.denominator.is_zero() || k.numerator.is_zero())
            .map(|k| (k.name.clone(), k.key.clone(), k.numerator, k.denominator)).collect::<Vec<_>>();
        prop_assert_eq!(strip(&merged), strip(&whole.kpis));
    }
}

fn one_location(stock: &[(&str, u64, Option<i64>)]) -> Data {
    Data {
        locations: vec![Loc {
            id: "WH".into(),
            lat: 40.0,
            lon: -90.0,
            network: "N".into(),
        }],
        stock: stock
            .iter()
            .map(|&(sku, quantity, at)| Stock {
                location: "WH".into(),
                sku: sku.into(),
                quantity,
                at: at.map(|m| t0() + Duration::minutes(m)),
            })
            .collect(),
        lines: Vec::new(),
    }
}

fn line(order: &str, minutes: i64, sku: &str, quantity: u64, rush: bool) -> Line {
    Line {
        order: order.into(),
        minutes,
        sku: sku.into(),
        quantity,
        cents: 1000,
        lat: 41.0,
        rush,
        network: "N".into(),
        channel: "web".into(),
    }
}

#[test]
fn receipts_serve_backorders_rush_first_then_oldest() {
    let mut d = one_location(&[("MUG", 1, None), ("MUG", 3, Some(120))]);
    d.lines = vec![
        line("SO-1", 0, "MUG", 1, false),  // takes the one on hand
        line("SO-2", 10, "MUG", 2, false), // waits
        line("SO-3", 20, "MUG", 2, true),  // waits, but rush
    ];
    let out = run(&d);
    let rows = allocations(&out);
    assert_eq!(rows.len(), 3);
    // At the receipt (3 units): SO-3 (rush) gets 2, SO-2 gets 1.
    let at = t0() + Duration::minutes(120);
    assert!(rows.contains(&("SO-3".into(), 1, "MUG".into(), "WH".into(), 2, at, true)));
    assert!(rows.contains(&("SO-2".into(), 1, "MUG".into(), "WH".into(), 1, at, true)));
    assert_eq!(out.backorders.len(), 1);
    assert_eq!(out.backorders[0].quantity, 1);
    let k = |name: &str| out.kpis.get(name, None).unwrap().clone();
    assert_eq!(
        k("backorder_rate").value,
        Some("0.6666666666666666666666666667".parse().unwrap())
    );
    assert_eq!(
        (
            k("fill_rate_units").numerator,
            k("fill_rate_units").denominator
        ),
        (1.into(), 5.into())
    );
    assert_eq!(
        (
            k("backorder_fill_rate").numerator,
            k("backorder_fill_rate").denominator
        ),
        (3.into(), 4.into())
    );
    // SO-3 waited 100 minutes for 2 units, SO-2 110 minutes for 1.
    let wait = k("backorder_wait_time");
    // 2 × 1.666667 + 1 × 1.833333 (each allocation's hours rounded to 6 places).
    assert_eq!(wait.numerator, "5.166667".parse().unwrap());
    assert_eq!(wait.denominator, 3.into());
    assert_eq!(k("units_unfilled").numerator, 1.into());
    // A receipt at the order's own instant serves it at placement.
    let mut d = one_location(&[("MUG", 2, Some(0))]);
    d.lines = vec![line("SO-1", 0, "MUG", 2, false)];
    let out = run(&d);
    assert!(!out.allocations[0].from_backorder);
}

#[test]
fn bad_rows_name_what_is_wrong() {
    let mut sim = Simulation::new(&SourcingPolicy::default()).unwrap();
    let loc = LocationRow {
        location_id: "WH",
        ..Default::default()
    };
    sim.add_location(loc).unwrap();
    let dup = sim.add_location(loc).unwrap_err();
    assert_eq!(dup.code().as_str(), "duplicate");
    let e = sim
        .add_stock(StockRow {
            location_id: "XX",
            sku: "MUG",
            quantity: 1,
            at: None,
        })
        .unwrap_err();
    assert!(e.to_string().contains("stock[0].location_id"), "{e}");
    let usd = Currency::new("USD").unwrap();
    let row = OrderLineRow {
        placed_at: t0(),
        order_id: "SO-1",
        customer_id: "C1",
        channel: "web",
        sku: "MUG",
        quantity: 1,
        unit_price: 5.into(),
        currency: usd,
        ship_to: ShipTo::default(),
        priority: Priority::Standard,
        network: None,
    };
    sim.add_order_line(row).unwrap();
    let e = sim
        .add_order_line(OrderLineRow {
            channel: "store",
            ..row
        })
        .unwrap_err();
    assert!(
        e.to_string().contains("orders[1].channel") && e.to_string().contains("SO-1"),
        "{e}"
    );
    let e = sim
        .add_order_line(OrderLineRow { quantity: 0, ..row })
        .unwrap_err();
    assert!(e.to_string().contains("orders[1].quantity"), "{e}");
    let e = sim
        .add_order_line(OrderLineRow {
            ship_to: ShipTo {
                latitude: Some(95.0),
                longitude: Some(0.0),
                ..Default::default()
            },
            order_id: "SO-2",
            ..row
        })
        .unwrap_err();
    assert!(e.to_string().contains("latitude"), "{e}");
    // Stopping from the progress callback.
    let e = sim.run(&mut |_| false).unwrap_err();
    assert!(e.to_string().contains("interrupted"), "{e}");
}

mod planner_without_explanation {
    use oms_core::money::{Currency, Money};
    use oms_core::sourcing::{
        Candidate, CostTable, Distance, LineNeed, Planner, Request, Rule, SourcingPolicy, Workspace,
    };
    use oms_core::LocationId;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn rule(i: usize, penalty: i64) -> Rule {
        match i {
            0 => Rule::ShipComplete,
            1 => Rule::FewestShipments,
            2 => Rule::Nearest,
            3 => Rule::LowestCost(CostTable {
                zones: Vec::new(),
                rates: Vec::new(),
                split_penalty: Some(Money::new(
                    Decimal::new(penalty, 0),
                    Currency::new("USD").unwrap(),
                )),
            }),
            4 => Rule::StockBalance,
            _ => Rule::LocationPriority,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// `plan_unexplained` (the simulation's) reserves exactly what
        /// `plan_in` (the engine's) does, under any policy.
        #[test]
        fn plans_the_same(
            order in Just((0..6usize).collect::<Vec<_>>()).prop_shuffle(),
            rules in 1..6usize,
            penalty in 0..10i64,
            max_shipments in prop::option::of(1..4u32),
            allow_partial in any::<bool>(),
            sites in prop::collection::vec((0.0..500.0f64, prop::option::of(0..3u32), 0..20i64, 0..5i64, any::<bool>()), 1..6),
            lines in prop::collection::vec((0..3usize, 1..6u64), 1..4),
            stock in prop::collection::vec(0..6u64, 18),
            caps in prop::option::of(prop::collection::vec(0..8u64, 3)),
        ) {
            let policy = SourcingPolicy {
                rules: order[..rules].iter().map(|&i| rule(i, penalty)).collect(),
                max_shipments,
                allow_partial,
                fair_share: false,
            };
            let planner = Planner::new(&policy);
            let ids: Vec<LocationId> = (0..sites.len()).map(|i| LocationId::new(format!("L{i}"))).collect();
            let candidates: Vec<Candidate<'_>> = sites
                .iter()
                .enumerate()
                .map(|(i, &(km, priority, per_shipment, per_kg, in_use))| Candidate {
                    location_id: &ids[i],
                    distance: Distance::Km(km),
                    priority,
                    rate: Some((Decimal::new(per_shipment, 0), Decimal::new(per_kg, 0))),
                    in_use,
                })
                .collect();
            let needs: Vec<LineNeed> = lines
                .iter()
                .enumerate()
                .map(|(i, &(_, q))| LineNeed { quantity: q, parts: i..i + 1 })
                .collect();
            let parts: Vec<(usize, u64)> = lines.iter().map(|&(item, _)| (item, 1)).collect();
            let n = candidates.len();
            let req = Request {
                lines: &needs,
                parts: &parts,
                item_weights_g: &[300, 1200, 50],
                candidates: &candidates,
                available: &stock[..3 * n],
                currency: planner.cost_currency(),
                item_caps: caps.as_deref(),
                split_penalty: planner.split_penalty(),
            };
            let (mut a, mut b) = (Workspace::default(), Workspace::default());
            planner.plan_in(&req, &mut a);
            planner.plan_unexplained(&req, &mut b);
            prop_assert_eq!(a.assignments(), b.assignments());
            prop_assert_eq!(a.left(), b.left());
        }
    }
}
