//! Workloads for the benchmarks: a catalog of SKUs over several locations
//! and the five commands of one order's full lifecycle.

pub mod batching;
pub mod sprp;

use chrono::{DateTime, Duration, TimeZone, Utc};
use oms_core::*;
use rust_decimal::Decimal;

/// A fixed start time; benchmark times advance from here.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// The SKU name of product `i`.
pub fn sku(i: usize) -> Sku {
    Sku::new(format!("SKU-{i:06}"))
}

/// Product `i` (a plain product, not a kit) weighing `weight_g` grams.
pub fn product(i: usize, weight_g: u64) -> DefineProduct {
    DefineProduct {
        sku: sku(i),
        name: format!("Product {i}"),
        gtin: None,
        description: None,
        weight_g: Some(weight_g),
        dims_mm: None,
        price: None,
        components: None,
        dropship_only: false,
        non_returnable: false,
        packing: None,
    }
}

/// The commands that define `locations` warehouses and `skus` products
/// with `units` of each at every location.
pub fn setup_commands(skus: usize, locations: usize, units: u64) -> Vec<Command> {
    let mut commands = Vec::new();
    for l in 0..locations {
        commands.push(
            DefineLocation::new(
                &format!("WH-{l}"),
                &format!("Warehouse {l}"),
                LocationKind::Warehouse,
            )
            .into(),
        );
    }
    for i in 0..skus {
        commands.push(product(i, 250).into());
        for l in 0..locations {
            commands.push(
                ReceiveStock {
                    sku: sku(i),
                    location_id: LocationId::new(format!("WH-{l}")),
                    quantity: units,
                    reference: None,
                }
                .into(),
            );
        }
    }
    commands
}

/// An engine set up by [`setup_commands`], and the events that built it.
pub fn stocked_engine(
    config: Config,
    skus: usize,
    locations: usize,
    units: u64,
) -> (Engine, Vec<Event>) {
    let mut engine = Engine::new(config);
    let mut log = Vec::new();
    for c in setup_commands(skus, locations, units) {
        log.extend(engine.execute(c, t0()).expect("setup commands are valid"));
    }
    (engine, log)
}

fn usd(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), Currency::USD)
}

/// The ship-to address every generated order uses.
pub fn ship_to() -> Address {
    AddressParts {
        name: "Ada Lovelace".into(),
        line1: "12 Analytical Engine Way".into(),
        line2: None,
        city: "Springfield".into(),
        region: Some("IL".into()),
        postal_code: "62701".into(),
        country: "US".into(),
        lat: None,
        lon: None,
    }
    .into()
}

/// The place-order command of order `n`: three lines over `skus` products.
pub fn place_order(n: usize, skus: usize) -> PlaceOrder {
    // Spread lines over the catalog with a multiplicative hash; distinct SKUs per order.
    let pick = |k: usize| (n.wrapping_mul(2_654_435_761) + k * 7_919) % skus;
    PlaceOrder {
        order_id: OrderId::new(format!("SO-{n:08}")),
        channel: Channel::new(["web", "amazon", "pos"][n % 3]),
        channel_order_id: Some(ChannelOrderId::new(format!("{}", 100_000_000 + n))),
        customer_tier: Default::default(),
        ship_by: None,
        deliver_by: None,
        customer_id: CustomerId::new(format!("C-{:06}", n % 50_000)),
        ship_to: ship_to(),
        lines: (0..3)
            .map(|k| OrderLineInput {
                line_id: LineId::new(format!("{}", k + 1)),
                sku: sku(pick(k)),
                quantity: 1 + (k as u64 % 2),
                unit_price: usd(1999),
            })
            .collect(),
        priority: Priority::Standard,
        shipping_price: Some(usd(495)),
        discount: None,
    }
}

/// What an order costs: its lines plus shipping.
pub fn order_total(order: &PlaceOrder) -> Money {
    let shipping = order.shipping_price.unwrap_or(usd(0));
    order.lines.iter().fold(shipping, |total, l| {
        let line = l
            .unit_price
            .times(l.quantity)
            .expect("bench prices are small");
        total.checked_add(line).expect("one currency")
    })
}

/// The five commands of a full lifecycle: place, pay, allocate, ship, deliver.
/// With ample stock everywhere, allocation picks the first location by id,
/// so the shipment goes out from `WH-0`.
pub fn lifecycle(n: usize, skus: usize) -> [Command; 5] {
    let order = place_order(n, skus);
    let total = order_total(&order);
    let order_id = order.order_id.clone();
    let shipment_id = ShipmentId::new(format!("SH-{n:08}"));
    let ship_lines = order
        .lines
        .iter()
        .map(|l| ShipLine {
            line_id: l.line_id.clone(),
            quantity: l.quantity,
        })
        .collect();
    [
        order.into(),
        RecordPayment {
            order_id: order_id.clone(),
            kind: PaymentKind::Captured,
            amount: total,
            reference: None,
            rma_id: None,
        }
        .into(),
        Allocate {
            order_id: Some(order_id.clone()),
        }
        .into(),
        Ship {
            order_id,
            shipment_id: shipment_id.clone(),
            location_id: LocationId::new("WH-0"),
            carrier: "UPS".into(),
            service: Some("ground".into()),
            tracking_number: Some(format!("1Z{n:012}").into()),
            lines: ship_lines,
        }
        .into(),
        ConfirmDelivery { shipment_id }.into(),
    ]
}

/// Runs `orders` lifecycles and returns the events, for replay benchmarks.
pub fn event_log(engine: &mut Engine, orders: usize, skus: usize) -> Vec<Event> {
    let mut log = Vec::new();
    for n in 0..orders {
        let at = t0() + Duration::seconds(n as i64);
        for c in lifecycle(n, skus) {
            log.extend(engine.execute(c, at).expect("lifecycle commands are valid"));
        }
    }
    log
}

/// A small deterministic generator (SplitMix64), so workloads need no `rand`.
#[derive(Debug, Clone)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// A float in `[lo, hi)`.
    pub fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * (hi - lo)
    }
}

/// The sourcing workload: `locations` warehouses spread over the US with
/// coordinates, `skus` products each stocked at 3 to 8 of them, and
/// `orders` placed (paid-for, releasable) orders of 3 lines shipping to
/// random US coordinates. Returns the engine ready for a batch `allocate`.
pub fn sourcing_engine(locations: usize, skus: usize, orders: usize, seed: u64) -> Engine {
    let mut rng = SplitMix(seed);
    let config = Config {
        require_payment: false,
        ..Config::default()
    };
    let mut engine = Engine::new(config);
    let run = |engine: &mut Engine, c: Command| {
        engine
            .execute(c, t0())
            .expect("workload commands are valid");
    };
    for l in 0..locations {
        let c = DefineLocation {
            lat: Some(rng.between(26.0, 48.0)),
            lon: Some(rng.between(-122.0, -71.0)),
            ..DefineLocation::new(&format!("WH-{l:02}"), "Warehouse", LocationKind::Warehouse)
        };
        run(&mut engine, c.into());
    }
    for i in 0..skus {
        let c = product(i, 100 + rng.below(2_000));
        run(&mut engine, c.into());
        let stocked = 3 + rng.below(6) as usize;
        for _ in 0..stocked {
            let l = rng.below(locations as u64);
            let c = ReceiveStock {
                sku: sku(i),
                location_id: LocationId::new(format!("WH-{l:02}")),
                quantity: 1 + rng.below(30),
                reference: None,
            };
            run(&mut engine, c.into());
        }
    }
    for n in 0..orders {
        let mut order = place_order(n, skus);
        // Distinct SKUs per order.
        let mut picked: Vec<usize> = Vec::with_capacity(order.lines.len());
        while picked.len() < order.lines.len() {
            let s = rng.below(skus as u64) as usize;
            if !picked.contains(&s) {
                picked.push(s);
            }
        }
        for (line, s) in order.lines.iter_mut().zip(picked) {
            line.sku = sku(s);
        }
        let mut parts = order.ship_to.parts();
        parts.lat = Some(rng.between(26.0, 48.0));
        let lon = rng.between(-122.0, -71.0);
        parts.lon = Some(lon);
        // ZIP codes rise from east to west, like the US's: ten bands.
        let band = ((-71.0 - lon) / 5.1).clamp(0.0, 9.0) as usize;
        parts.postal_code = format!("{band}{:04}", n % 10_000);
        order.ship_to = parts.into();
        order.channel_order_id = None;
        run(&mut engine, order.into());
    }
    engine
}

/// A `lowest_cost` policy for [`sourcing_engine`]'s locations: ten zones by
/// the first digit of the ZIP code, each location nearest to one band,
/// rates rising with the bands between (per shipment 4.50 + 0.75 a band,
/// per kg 0.25 + 0.10 a band), split penalty 3.00.
pub fn cost_policy(locations: usize) -> Command {
    use oms_core::sourcing::{CostTable, Rate, Rule, SourcingPolicy, Zone};
    let usd = |cents: i64| Money::new(Decimal::new(cents, 2), Currency::USD);
    let zones = (0..10)
        .map(|z| Zone {
            zone: format!("z{z}"),
            country: Some("US".into()),
            postal_prefixes: vec![z.to_string()],
        })
        .collect();
    let mut rates = Vec::new();
    for l in 0..locations {
        for z in 0..10i64 {
            let bands = (z - (l % 10) as i64).abs();
            rates.push(Rate {
                location_id: LocationId::new(format!("WH-{l:02}")),
                zone: format!("z{z}"),
                per_shipment: usd(450 + 75 * bands + 5 * (l / 10) as i64),
                per_kg: usd(25 + 10 * bands),
            });
        }
    }
    let table = CostTable {
        zones,
        rates,
        split_penalty: Some(usd(300)),
    };
    SetSourcingPolicy(SourcingPolicy {
        rules: vec![Rule::LowestCost(table)],
        ..SourcingPolicy::default()
    })
    .into()
}

/// The replenishment workload: `locations` warehouses with coordinates,
/// `skus` products each stocked with 1–60 units at every location and
/// sold by one supplier (cases of 6, MOQ 12, lead time 7 days), and
/// `orders` three-line orders placed evenly over the `days` days before
/// [`replenishment_day`], shipped to random US points and allocated at the
/// end of each day (so each order's demand lands at the locations that
/// serve it).
pub fn replenishment_engine(
    locations: usize,
    skus: usize,
    orders: usize,
    days: u32,
    seed: u64,
) -> Engine {
    let mut rng = SplitMix(seed);
    let config = Config {
        require_payment: false,
        ..Config::default()
    };
    let mut engine = Engine::new(config);
    let start = replenishment_day() - Duration::days(i64::from(days));
    let run = |engine: &mut Engine, c: Command, at: DateTime<Utc>| {
        engine.execute(c, at).expect("workload commands are valid");
    };
    for l in 0..locations {
        let c = DefineLocation {
            lat: Some(rng.between(26.0, 48.0)),
            lon: Some(rng.between(-122.0, -71.0)),
            ..DefineLocation::new(&format!("WH-{l:02}"), "Warehouse", LocationKind::Warehouse)
        };
        run(&mut engine, c.into(), start);
    }
    let supplier = oms_core::purchasing::Supplier {
        supplier_id: SupplierId::new("ACME"),
        name: "Acme".into(),
        currency: Currency::USD,
        lead_time_days: 7,
        min_order_value: None,
        payment_terms: None,
        over_receipt_tolerance_percent: None,
        address: None,
        contact: None,
    };
    run(&mut engine, DefineSupplier(supplier).into(), start);
    for i in 0..skus {
        run(&mut engine, product(i, 250).into(), start);
        for l in 0..locations {
            let c = ReceiveStock {
                sku: sku(i),
                location_id: LocationId::new(format!("WH-{l:02}")),
                quantity: 1 + rng.below(60),
                reference: None,
            };
            run(&mut engine, c.into(), start);
        }
        let item = oms_core::purchasing::SupplierItem {
            supplier_id: SupplierId::new("ACME"),
            sku: sku(i),
            supplier_sku: None,
            unit_cost: usd(250),
            case_pack: Some(6),
            moq: Some(12),
            price_breaks: Vec::new(),
            lead_time_days: None,
            dropship: false,
        };
        run(&mut engine, SetSupplierItem(item).into(), start);
    }
    let per_day = orders.div_ceil(days.max(1) as usize);
    for n in 0..orders {
        let day = (n / per_day) as i64;
        let at = start + Duration::days(day) + Duration::seconds((n % per_day) as i64);
        let mut order = place_order(n, skus);
        let mut parts = order.ship_to.parts();
        parts.lat = Some(rng.between(26.0, 48.0));
        parts.lon = Some(rng.between(-122.0, -71.0));
        order.ship_to = parts.into();
        order.channel_order_id = None;
        run(&mut engine, order.into(), at);
        if (n + 1) % per_day == 0 || n + 1 == orders {
            run(&mut engine, Allocate::default().into(), at);
        }
    }
    engine
}

/// The time [`replenishment_engine`]'s suggestions are asked for.
pub fn replenishment_day() -> DateTime<Utc> {
    t0() + Duration::days(120)
}
