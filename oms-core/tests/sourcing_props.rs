//! Property tests of sourcing: for random locations, stock, channels,
//! orders and policies, a batch allocation never over-reserves, respects
//! eligibility, `max_shipments` and `allow_partial`, allocates kits whole,
//! explains exactly what it did, and gives the same events on every run
//! and the same state on replay.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, TimeZone, Utc};
use oms_core::{Command, Config, Engine, Event, EventKind};
use proptest::prelude::*;
use serde_json::{json, Value};

const SKUS: [&str; 3] = ["A", "B", "C"];
/// A kit of 2×A + 1×B.
const KIT: &str = "KIT";
const RULES: [&str; 6] = [
    "ship_complete",
    "fewest_shipments",
    "nearest",
    "lowest_cost",
    "stock_balance",
    "location_priority",
];

fn at(step: usize) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap() + Duration::minutes(step as i64)
}

#[derive(Debug, Clone)]
struct Site {
    coords: Option<(f64, f64)>,
    postal: String,
    priority: Option<u32>,
    paused: bool,
    ships_only_ca: bool,
    fulfills: bool,
}

#[derive(Debug, Clone)]
struct Scenario {
    sites: Vec<Site>,
    /// `stock[sku][site]`.
    stock: Vec<Vec<u64>>,
    /// Sites channel `a` uses (`b` is undefined: every site).
    channel_a: Vec<bool>,
    rules: Vec<usize>,
    max_shipments: Option<u32>,
    allow_partial: bool,
    fair_share: bool,
    orders: Vec<OrderSpec>,
    /// After the batch allocation: a count at `(sku, site)` of a share in
    /// tenths of what was received there (so usually a drop), then
    /// `reallocate` of an order (when the index names one).
    count: (usize, usize, u64),
    reallocate: usize,
    /// Two orders to merge before allocation (when they share an address).
    merge: (usize, usize),
    /// An order to split after allocation (first line apart from the rest).
    split: usize,
}

/// Channel `a`?, rush?, vip?, region CA?, lines `(sku index, qty)` (index 3 = kit).
type OrderSpec = (bool, bool, bool, bool, Vec<(usize, u64)>);

fn site() -> impl Strategy<Value = Site> {
    (
        prop::option::of((25.0..49.0f64, -124.0..-67.0f64)),
        prop::sample::select(vec!["10001", "10002", "90210", "94103", "60601"]),
        prop::option::of(0..4u32),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.9),
    )
        .prop_map(
            |(coords, postal, priority, paused, ships_only_ca, fulfills)| Site {
                coords,
                postal: postal.to_string(),
                priority,
                paused,
                ships_only_ca,
                fulfills,
            },
        )
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (1..6usize).prop_flat_map(|n| {
        let line = (0..4usize, 1..6u64);
        let order = (
            any::<bool>(),
            prop::bool::weighted(0.2),
            prop::bool::weighted(0.2),
            any::<bool>(),
            prop::collection::vec(line, 1..4),
        );
        (
            prop::collection::vec(site(), n),
            prop::collection::vec(prop::collection::vec(0..9u64, n), SKUS.len()),
            prop::collection::vec(any::<bool>(), n),
            Just((0..RULES.len()).collect::<Vec<_>>()).prop_shuffle(),
            0..=RULES.len(),
            prop::option::of(1..4u32),
            any::<bool>(),
            any::<bool>(),
            prop::collection::vec(order, 1..9),
            (0..SKUS.len(), 0..n, 0..=10u64, 0..8usize),
            (0..9usize, 0..9usize, 0..9usize),
        )
            .prop_map(
                |(
                    sites,
                    stock,
                    channel_a,
                    rules,
                    keep,
                    max_shipments,
                    allow_partial,
                    fair_share,
                    orders,
                    after,
                    regroup,
                )| {
                    Scenario {
                        sites,
                        stock,
                        channel_a,
                        rules: rules[..keep].to_vec(),
                        max_shipments,
                        allow_partial,
                        fair_share,
                        orders,
                        count: (after.0, after.1, after.2),
                        reallocate: after.3,
                        merge: (regroup.0, regroup.1),
                        split: regroup.2,
                    }
                },
            )
    })
}

impl Scenario {
    /// The pair of orders merged: distinct, existing, same address.
    fn merged(&self) -> Option<(usize, usize)> {
        let (i, j) = self.merge;
        let (a, b) = (self.orders.get(i)?, self.orders.get(j)?);
        (i != j && a.3 == b.3).then_some((i, j))
    }

    /// The number of distinct lines of the order split, when it is split:
    /// it has two lines or more and is not merged.
    fn split_lines(&self) -> Option<usize> {
        let o = self.orders.get(self.split)?;
        let distinct: BTreeSet<usize> = o.4.iter().map(|l| l.0).collect();
        let merged = self
            .merged()
            .is_some_and(|(i, j)| i == self.split || j == self.split);
        (distinct.len() >= 2 && !merged).then_some(distinct.len())
    }
}

fn site_id(i: usize) -> String {
    format!("L{i}")
}

fn sku_name(i: usize) -> &'static str {
    SKUS.get(i).copied().unwrap_or(KIT)
}

/// The scenario as commands, allocation last.
fn commands(s: &Scenario) -> Vec<Value> {
    let mut out = Vec::new();
    for (i, site) in s.sites.iter().enumerate() {
        let mut c = json!({"type":"define_location","location_id":site_id(i),"name":"x",
            "kind":"warehouse","country":"US","postal_code":site.postal,
            "paused":site.paused,"fulfills_orders":site.fulfills});
        if let Some((lat, lon)) = site.coords {
            c["lat"] = json!(lat);
            c["lon"] = json!(lon);
        }
        if let Some(p) = site.priority {
            c["priority"] = json!(p);
        }
        if site.ships_only_ca {
            c["ships_to"] = json!(["US-CA"]);
        }
        out.push(c);
    }
    for (k, sku) in SKUS.iter().enumerate() {
        out.push(json!({"type":"define_product","sku":sku,"name":"x","weight_g":100 * (k + 1)}));
    }
    out.push(json!({"type":"define_product","sku":KIT,"name":"kit",
        "components":[{"sku":"A","quantity":2},{"sku":"B","quantity":1}]}));
    for (k, row) in s.stock.iter().enumerate() {
        for (i, &q) in row.iter().enumerate() {
            if q > 0 {
                out.push(json!({"type":"receive_stock","sku":SKUS[k],"location_id":site_id(i),"quantity":q}));
            }
        }
    }
    let a: Vec<String> = (0..s.sites.len())
        .filter(|&i| s.channel_a[i])
        .map(site_id)
        .collect();
    out.push(json!({"type":"define_channel","channel":"a","location_ids":a}));
    let rules: Vec<Value> = s
        .rules
        .iter()
        .map(|&r| {
            if RULES[r] == "lowest_cost" {
                let rates: Vec<Value> = (0..s.sites.len())
                    .map(|i| {
                        json!({"location_id":site_id(i),"zone":"us",
                        "per_shipment":{"amount":format!("{}.50", 3 + i),"currency":"USD"},
                        "per_kg":{"amount":format!("0.{}", 9 - i),"currency":"USD"}})
                    })
                    .collect();
                json!({"lowest_cost":{"zones":[{"zone":"us","country":"US"}],"rates":rates,
                    "split_penalty":{"amount":"2","currency":"USD"}}})
            } else {
                json!(RULES[r])
            }
        })
        .collect();
    let mut policy = json!({"type":"set_sourcing_policy","rules":rules,
        "allow_partial":s.allow_partial,"fair_share":s.fair_share});
    if let Some(m) = s.max_shipments {
        policy["max_shipments"] = json!(m);
    }
    out.push(policy);
    for (n, (channel_a, rush, vip, ca, lines)) in s.orders.iter().enumerate() {
        let mut seen = BTreeSet::new();
        let lines: Vec<Value> = lines
            .iter()
            .filter(|(sku, _)| seen.insert(*sku))
            .enumerate()
            .map(|(k, (sku, q))| {
                json!({"line_id":format!("{}", k + 1),"sku":sku_name(*sku),
                "quantity":q,"unit_price":{"amount":"1.00","currency":"USD"}})
            })
            .collect();
        out.push(json!({"type":"place_order","order_id":format!("O{n}"),
            "channel": if *channel_a {"a"} else {"b"}, "customer_id":"c",
            "priority": if *rush {"rush"} else {"standard"},
            "customer_tier": if *vip {"vip"} else {"standard"},
            "ship_to":{"name":"x","line1":"x","city":"x","country":"US",
                "region": if *ca {"CA"} else {"NY"},
                "postal_code": if *ca {"94110"} else {"10003"},
                "lat": if *ca {37.76} else {40.73}, "lon": if *ca {-122.42} else {-73.99}},
            "lines":lines}));
    }
    if let Some((i, j)) = s.merged() {
        out.push(json!({"type":"merge_orders","order_ids":[format!("O{i}"), format!("O{j}")]}));
    }
    out.push(json!({"type":"allocate"}));
    if let Some(lines) = s.split_lines() {
        let rest: Vec<String> = (2..=lines).map(|k| k.to_string()).collect();
        out.push(
            json!({"type":"split_order","order_id":format!("O{}", s.split),
            "groups":[["1"], rest]}),
        );
    }
    let (sku, site, tenths) = s.count;
    out.push(
        json!({"type":"count_stock","sku":SKUS[sku],"location_id":site_id(site),
        "counted": s.stock[sku][site] * tenths / 10}),
    );
    if s.reallocate < s.orders.len() {
        out.push(json!({"type":"reallocate","order_id":format!("O{}", s.reallocate)}));
    }
    out
}

fn config() -> Config {
    Config::from_value(json!({"require_payment": false})).unwrap()
}

fn run(s: &Scenario) -> (Engine, Vec<Event>) {
    let mut engine = Engine::new(config());
    let mut log = Vec::new();
    for (i, c) in commands(s).into_iter().enumerate() {
        let command = Command::from_value(c.clone()).unwrap();
        let events = engine
            .execute(command, at(i))
            .unwrap_or_else(|e| panic!("{c}: {e}"));
        log.extend(events);
    }
    (engine, log)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn allocation_respects_stock_eligibility_limits_and_is_deterministic(s in scenario()) {
        let (engine, log) = run(&s);
        prop_assert_eq!(engine.check_invariants(), Ok(()));

        let mut allocated_orders: BTreeSet<String> = BTreeSet::new();
        for e in &log {
            let EventKind::OrderAllocated { order_id, allocations, explanation, .. } = &e.kind else {
                continue;
            };
            let n: usize = order_id.as_str()[1..].parse().unwrap();
            let (channel_a, _, _, ca, _) = &s.orders[n];
            let mut chosen_here: Vec<String> = Vec::new();
            for a in allocations {
                let i: usize = a.location_id.as_str()[1..].parse().unwrap();
                let site = &s.sites[i];
                prop_assert!(site.fulfills && !site.paused, "{} is not usable", a.location_id);
                prop_assert!(!channel_a || s.channel_a[i], "{} is not in channel a", a.location_id);
                prop_assert!(!site.ships_only_ca || *ca, "{} does not ship there", a.location_id);
                allocated_orders.insert(order_id.to_string());
                if !chosen_here.contains(&a.location_id.to_string()) {
                    chosen_here.push(a.location_id.to_string());
                }
            }
            // The explanation names exactly the locations used, in order
            // (for a merge group, those of all its orders).
            let explanation = explanation.as_ref().expect("every allocation is explained");
            let chosen: Vec<String> = explanation.chosen.iter().map(|c| c.location_id.to_string()).collect();
            if s.merged().is_some_and(|(i, j)| i == n || j == n) {
                prop_assert!(chosen_here.iter().all(|l| chosen.contains(l)));
            } else {
                prop_assert_eq!(chosen, chosen_here);
            }
        }
        for order_id in &allocated_orders {
            let view = engine.order(order_id).unwrap();
            // Limits hold per shipment group (the whole order unless split).
            let groups: Vec<Vec<String>> = if view.shipment_groups.is_empty() {
                vec![view.lines.iter().map(|l| l.line_id.to_string()).collect()]
            } else {
                view.shipment_groups.iter().map(|g| g.iter().map(|l| l.to_string()).collect()).collect()
            };
            for group in &groups {
                let lines: Vec<_> = view.lines.iter().filter(|l| group.contains(&l.line_id.to_string())).collect();
                let held: BTreeSet<&str> = lines
                    .iter()
                    .flat_map(|l| l.allocations.iter().map(|a| a.location_id.as_str()))
                    .collect();
                if let Some(m) = s.max_shipments {
                    prop_assert!(held.len() <= m as usize, "{order_id} holds stock at {held:?}");
                }
                if !s.allow_partial {
                    // All or nothing, whatever happened since.
                    let alloc: u64 = lines.iter().map(|l| l.allocated).sum();
                    let back: u64 = lines.iter().map(|l| l.backordered).sum();
                    prop_assert!(alloc == 0 || back == 0, "{order_id} is partial");
                }
            }
            if let Some((i, j)) = s.merged() {
                let ids = [format!("O{i}"), format!("O{j}")];
                if ids.contains(order_id) {
                    let group: Vec<String> = view.merge_group.iter().map(|o| o.to_string()).collect();
                    prop_assert_eq!(group.len(), 2);
                    prop_assert!(ids.iter().all(|id| group.contains(id)));
                }
            }
        }
        // The last availability reported for each channel and SKU is the
        // figure the query gives now (the channel is defined before any stock moves).
        let mut last: BTreeMap<(String, String), u64> = BTreeMap::new();
        for e in &log {
            if let EventKind::AvailabilityChanged { channel, sku, available } = &e.kind {
                last.insert((channel.to_string(), sku.to_string()), *available);
            }
        }
        for ((channel, sku), n) in &last {
            prop_assert_eq!(engine.channel_available(channel, sku).unwrap(), *n, "{} {}", channel, sku);
        }

        // Same commands, same events; replaying them, the same state.
        let (again, log2) = run(&s);
        prop_assert_eq!(serde_json::to_string(&log).unwrap(), serde_json::to_string(&log2).unwrap());
        let replayed = Engine::replay(config(), &log).unwrap();
        prop_assert_eq!(
            String::from_utf8(replayed.snapshot()).unwrap(),
            String::from_utf8(again.snapshot()).unwrap()
        );
    }
}
