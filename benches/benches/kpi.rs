//! KPIs over a 10,000,000-event history held in memory: `kpi::compute`
//! for a closed window of 120 days in the middle of roughly 300 days.
//!
//! The history is generated directly as events (driving the engine for 10
//! million events would take far longer than the measurement), on a clock
//! of 30-second ticks with one new order per tick and each order's later
//! events a fixed number of ticks after its placement, so that the stream
//! is in time order: placement, payment and status; allocation (5 % with a
//! backorder filled an hour later); pick confirmations (1 % with a rejected
//! scan first); shipment (2 % cancelled instead); delivery 1 to 3 days
//! later; 3 % returned (requested, received, restocked) a week later; 0.5 %
//! with a shipment exception; a stock receipt every 10 ticks, a stock
//! count adjustment every 1,000 and a purchase order every 2,000. Ids,
//! SKUs, line ids, the carrier and the location are shared `Arc`s.
//!
//! Run with `cargo bench -p oms-benches --bench kpi`.

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use oms_core::event::{LineAllocation, LineCancellation, LineQuantity};
use oms_core::kpi::{compute, Window};
use oms_core::returns::{
    Disposition, Resolution, ReturnQuantity, ReturnReason, Rma, RmaLine, RmaStatus,
};
use oms_core::*;
use rust_decimal::Decimal;

const EVENTS: usize = 10_000_000;
const SKUS: usize = 5_000;
const TICK_SECONDS: i64 = 30;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

fn at(tick: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(tick * TICK_SECONDS)
}

fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn usd(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), Currency::USD)
}

fn event(at: DateTime<Utc>, kind: EventKind) -> Event {
    Event {
        schema_version: SCHEMA_VERSION,
        at,
        idempotency: None,
        kind,
    }
}

/// One generated order and what its later events share.
struct Order {
    placement: Arc<PlaceOrder>,
    shipment_id: ShipmentId,
    ship_lines: Arc<[ShipLine]>,
    bits: u64,
}

impl Order {
    fn id(&self) -> &OrderId {
        &self.placement.order_id
    }
    fn backordered(&self) -> bool {
        (self.bits >> 16) % 20 == 0
    }
    fn cancelled(&self) -> bool {
        (self.bits >> 24) % 50 == 0
    }
    fn returned(&self) -> bool {
        !self.cancelled() && (self.bits >> 32) % 33 == 0
    }
    fn exception(&self) -> bool {
        !self.cancelled() && (self.bits >> 48) % 200 == 0
    }
}

struct Generator {
    skus: Vec<Sku>,
    line_ids: [LineId; 3],
    channels: [Channel; 3],
    location: LocationId,
    carrier: Arc<str>,
    address: Address,
    orders: Vec<Order>,
    events: Vec<Event>,
}

impl Generator {
    fn new() -> Generator {
        Generator {
            skus: (0..SKUS).map(|i| Sku::new(format!("SKU-{i:06}"))).collect(),
            line_ids: ["1", "2", "3"].map(LineId::new),
            channels: ["web", "amazon", "pos"].map(Channel::new),
            location: LocationId::new("WH-0"),
            carrier: Arc::from("UPS"),
            address: oms_benches::ship_to(),
            orders: Vec::new(),
            events: Vec::with_capacity(EVENTS + 64),
        }
    }

    fn push(&mut self, at: DateTime<Utc>, kind: EventKind) {
        self.events.push(event(at, kind));
    }

    fn status(&mut self, at: DateTime<Utc>, n: usize, from: Option<OrderStatus>, to: OrderStatus) {
        let order_id = self.orders[n].id().clone();
        self.push(at, EventKind::OrderStatusChanged { order_id, from, to });
    }

    /// Order `n` is placed and paid at tick `n`.
    fn place(&mut self, n: usize) {
        let bits = mix(n as u64);
        let placed = at(n as i64);
        let lines: Vec<OrderLineInput> = (0..1 + (bits % 3) as usize)
            .map(|k| OrderLineInput {
                line_id: self.line_ids[k].clone(),
                sku: self.skus[(n * 7_919 + k * 104_729) % SKUS].clone(),
                quantity: 1 + ((bits >> 8) + k as u64) % 3,
                unit_price: usd(1999),
            })
            .collect();
        let total: i64 = lines.iter().map(|l| 1999 * l.quantity as i64).sum::<i64>() + 495;
        let discount = ((bits >> 12) % 10 == 0).then(|| usd(200));
        let placement = Arc::new(PlaceOrder {
            order_id: OrderId::new(format!("SO-{n:08}")),
            channel: self.channels[n % 3].clone(),
            channel_order_id: None,
            customer_id: CustomerId::new(format!("C-{:06}", n % 50_000)),
            ship_to: self.address.clone(),
            lines,
            priority: Priority::Standard,
            customer_tier: CustomerTier::Standard,
            shipping_price: Some(usd(495)),
            discount,
            ship_by: ((bits >> 4) % 2 == 0).then(|| placed + Duration::minutes(250)),
            deliver_by: ((bits >> 5) % 3 == 0).then(|| (placed + Duration::days(3)).date_naive()),
        });
        let ship_lines: Arc<[ShipLine]> = placement
            .lines
            .iter()
            .map(|l| ShipLine {
                line_id: l.line_id.clone(),
                quantity: l.quantity,
            })
            .collect();
        self.orders.push(Order {
            placement: Arc::clone(&placement),
            shipment_id: ShipmentId::new(format!("SH-{n:08}")),
            ship_lines,
            bits,
        });
        let order_id = placement.order_id.clone();
        self.push(
            placed,
            EventKind::OrderPlaced {
                order: placement,
                tier_from_rules: false,
                milestones: Vec::new(),
            },
        );
        self.status(placed, n, None, OrderStatus::Ready);
        let amount = usd(total - discount.map_or(0, |_| 200));
        self.push(
            placed,
            EventKind::PaymentRecorded {
                order_id,
                kind: PaymentKind::Captured,
                amount,
                reference: None,
                rma_id: None,
            },
        );
    }

    /// Allocation two ticks after placement; a backordered order's last
    /// line is allocated an hour later.
    fn allocate(&mut self, tick: i64, n: usize, second: bool) {
        let o = &self.orders[n];
        let last = o.placement.lines.len() - 1;
        let backordered = o.backordered();
        let line = |i: usize| LineAllocation {
            line_id: o.placement.lines[i].line_id.clone(),
            location_id: self.location.clone(),
            quantity: o.placement.lines[i].quantity,
        };
        let (allocations, backorders) = if second {
            (vec![line(last)], Vec::new())
        } else if backordered {
            let b = LineQuantity {
                line_id: o.placement.lines[last].line_id.clone(),
                quantity: o.placement.lines[last].quantity,
            };
            ((0..last).map(line).collect(), vec![b])
        } else {
            ((0..=last).map(line).collect(), Vec::new())
        };
        let order_id = o.id().clone();
        let (from, to) = match (second, backorders.is_empty()) {
            (true, _) => (OrderStatus::Backordered, OrderStatus::Allocated),
            (false, true) => (OrderStatus::Ready, OrderStatus::Allocated),
            (false, false) => (OrderStatus::Ready, OrderStatus::Backordered),
        };
        self.push(
            at(tick),
            EventKind::OrderAllocated {
                order_id,
                allocations,
                backorders,
                explanation: None,
            },
        );
        self.status(at(tick), n, Some(from), to);
    }

    fn pick(&mut self, tick: i64, n: usize) {
        let o = &self.orders[n];
        let task_id = TaskId::new(format!("T-{n:08}"));
        let mut kinds = Vec::with_capacity(4);
        if (o.bits >> 56) % 100 == 0 {
            kinds.push(EventKind::PickScanRejected {
                task_id: task_id.clone(),
                stop: 0,
                sku: o.placement.lines[0].sku.clone(),
                scanned_code: "0000000000000".into(),
            });
        }
        for (stop, l) in o.placement.lines.iter().enumerate() {
            kinds.push(EventKind::PickConfirmed {
                task_id: task_id.clone(),
                stop: stop as u32,
                order_id: o.id().clone(),
                line_id: l.line_id.clone(),
                sku: l.sku.clone(),
                quantity: l.quantity,
                scanned_code: None,
            });
        }
        for kind in kinds {
            self.push(at(tick), kind);
        }
        self.status(
            at(tick),
            n,
            Some(OrderStatus::Allocated),
            OrderStatus::Picked,
        );
    }

    fn ship(&mut self, tick: i64, n: usize) {
        let o = &self.orders[n];
        let kind = EventKind::OrderShipped {
            order_id: o.id().clone(),
            shipment_id: o.shipment_id.clone(),
            location_id: self.location.clone(),
            carrier: Arc::clone(&self.carrier),
            service: None,
            tracking_number: None,
            lines: Arc::clone(&o.ship_lines),
            parcels: Vec::new(),
            choice: None,
        };
        self.push(at(tick), kind);
        self.status(at(tick), n, Some(OrderStatus::Picked), OrderStatus::Shipped);
    }

    fn cancel(&mut self, tick: i64, n: usize) {
        let o = &self.orders[n];
        let lines = o
            .placement
            .lines
            .iter()
            .map(|l| LineCancellation {
                line_id: l.line_id.clone(),
                quantity: l.quantity,
                released: Vec::new(),
            })
            .collect();
        let order_id = o.id().clone();
        self.push(
            at(tick),
            EventKind::OrderCancelled {
                order_id,
                reason: "customer".into(),
                lines,
            },
        );
        self.status(
            at(tick),
            n,
            Some(OrderStatus::Allocated),
            OrderStatus::Cancelled,
        );
    }

    fn exception(&mut self, tick: i64, n: usize) {
        let o = &self.orders[n];
        let kind = EventKind::ShipmentException {
            shipment_id: o.shipment_id.clone(),
            order_id: o.id().clone(),
            customer_id: o.placement.customer_id.clone(),
            message: None,
        };
        self.push(at(tick), kind);
    }

    fn deliver(&mut self, tick: i64, n: usize) {
        let o = &self.orders[n];
        let kind = EventKind::ShipmentDelivered {
            shipment_id: o.shipment_id.clone(),
            order_id: o.id().clone(),
        };
        self.push(at(tick), kind);
        self.status(
            at(tick),
            n,
            Some(OrderStatus::Shipped),
            OrderStatus::Delivered,
        );
    }

    fn request_return(&mut self, tick: i64, n: usize) {
        let o = &self.orders[n];
        let l = &o.placement.lines[0];
        let rma = Rma {
            rma_id: RmaId::new(format!("RMA-{n:08}")),
            order_id: o.id().clone(),
            status: RmaStatus::Requested,
            resolution: Resolution::Refund,
            lines: vec![RmaLine {
                line_id: l.line_id.clone(),
                sku: l.sku.clone(),
                quantity: 1,
                reason: ReturnReason::ALL[(o.bits >> 40) as usize % ReturnReason::ALL.len()],
                note: None,
                received: 0,
                dispositions: Vec::new(),
            }],
            exchange_lines: Vec::new(),
            exchange_order_id: None,
            requested_at: at(tick),
            updated_at: at(tick),
            received_at_location: None,
            carrier: None,
            tracking_number: None,
            refund: None,
            refunded: Decimal::ZERO,
            exchange_credit: Decimal::ZERO,
            note: None,
            reason: None,
        };
        self.push(at(tick), EventKind::ReturnRequested { rma: Box::new(rma) });
    }

    fn receive_return(&mut self, tick: i64, n: usize) {
        let o = &self.orders[n];
        let rma_id = RmaId::new(format!("RMA-{n:08}"));
        let l = &o.placement.lines[0];
        let received = EventKind::ReturnReceived {
            rma_id: rma_id.clone(),
            order_id: o.id().clone(),
            location_id: self.location.clone(),
            lines: vec![ReturnQuantity {
                line_id: l.line_id.clone(),
                quantity: 1,
            }],
        };
        let restocked = EventKind::StockRestocked {
            rma_id,
            sku: l.sku.clone(),
            location_id: self.location.clone(),
            quantity: 1,
            disposition: Disposition::Restock,
        };
        self.push(at(tick), received);
        self.push(at(tick), restocked);
    }

    fn receive_stock(&mut self, tick: i64, sku: usize, quantity: u64) {
        let kind = EventKind::StockReceived {
            sku: self.skus[sku % SKUS].clone(),
            location_id: self.location.clone(),
            quantity,
            reference: None,
            damaged: 0,
        };
        self.push(at(tick), kind);
    }

    fn purchase_order(&mut self, tick: i64, po: i64, received: bool) {
        let when = at(tick).to_rfc3339();
        let expected = (at(tick) + Duration::days(if received { 0 } else { 8 })).date_naive();
        let sku = self.skus[po as usize % SKUS].as_str().to_string();
        let supplier = ["ACME", "GLOBEX", "INITECH"][po as usize % 3];
        let jsons = if received {
            vec![format!(
                r#"{{"schema_version":1,"at":"{when}","type":"po_received","po_id":"PO-{po}","receipt_id":"R-{po}","location_id":"WH-0","lines":[{{"line_id":"1","quantity":200}}],"status":"received"}}"#
            )]
        } else {
            vec![
                format!(
                    r#"{{"schema_version":1,"at":"{when}","type":"po_created","po":{{"po_id":"PO-{po}","supplier_id":"{supplier}","location_id":"WH-0","currency":"USD","status":"draft","lines":[{{"line_id":"1","sku":"{sku}","quantity":200,"unit_cost":{{"amount":"5","currency":"USD"}},"expected_date":"{expected}"}}]}}}}"#
                ),
                format!(
                    r#"{{"schema_version":1,"at":"{when}","type":"po_sent","po_id":"PO-{po}"}}"#
                ),
            ]
        };
        for j in jsons {
            self.events
                .push(Event::from_json(&j).expect("valid PO event"));
        }
        if received {
            self.receive_stock(tick, po as usize, 200);
        }
    }

    /// Everything that happens at `tick`.
    fn tick(&mut self, k: i64) {
        if k == 0 {
            for sku in 0..SKUS {
                self.receive_stock(0, sku, 200);
            }
        }
        let order = |lag: i64| usize::try_from(k - lag).ok();
        self.place(k as usize);
        if let Some(n) = order(2) {
            self.allocate(k, n, false);
        }
        if let Some(n) = order(120).filter(|&n| self.orders[n].backordered()) {
            self.allocate(k, n, true);
        }
        for v in 0..4 {
            if let Some(n) = order(240 + v * 20).filter(|&n| n % 4 == v as usize) {
                if self.orders[n].cancelled() {
                    self.cancel(k, n);
                } else {
                    self.pick(k, n);
                }
            }
            if let Some(n) = order(480 + v * 20).filter(|&n| n % 4 == v as usize) {
                if !self.orders[n].cancelled() {
                    self.ship(k, n);
                }
            }
        }
        if let Some(n) = order(1_000).filter(|&n| self.orders[n].exception()) {
            self.exception(k, n);
        }
        for v in 0..3 {
            if let Some(n) = order(2_880 + v * 1_440).filter(|&n| n % 3 == v as usize) {
                if !self.orders[n].cancelled() {
                    self.deliver(k, n);
                }
            }
        }
        if let Some(n) = order(20_160).filter(|&n| self.orders[n].returned()) {
            self.request_return(k, n);
        }
        if let Some(n) = order(40_320).filter(|&n| self.orders[n].returned()) {
            self.receive_return(k, n);
        }
        if k % 10 == 0 {
            self.receive_stock(k, (k / 10) as usize, 40);
        }
        if k % 1_000 == 0 {
            let kind = EventKind::StockAdjusted {
                sku: self.skus[(k / 1_000) as usize % SKUS].clone(),
                location_id: self.location.clone(),
                delta: -1,
                reason: "cycle_count".into(),
                counted: None,
            };
            self.push(at(k), kind);
        }
        if k % 2_000 == 0 {
            self.purchase_order(k, k / 2_000, false);
        }
        if k % 2_000 == 1_000 {
            self.purchase_order(k, k / 2_000, true);
        }
    }
}

/// The history: `EVENTS` events in time order, and the ticks it spans.
fn history() -> (Vec<Event>, i64) {
    let mut g = Generator::new();
    let mut k = 0;
    while g.events.len() < EVENTS {
        g.tick(k);
        k += 1;
    }
    g.events.truncate(EVENTS);
    (g.events, k)
}

fn kpis(c: &mut Criterion) {
    let started = Instant::now();
    let (events, ticks) = history();
    let days = ticks * TICK_SECONDS / 86_400;
    eprintln!(
        "kpi: {} events over {days} days generated in {:.1?} ({} bytes per Event)",
        events.len(),
        started.elapsed(),
        std::mem::size_of::<Event>()
    );
    let window = Window::between(t0() + Duration::days(90), t0() + Duration::days(210));
    // One run, reported so the figures can be read.
    let started = Instant::now();
    let report = compute(&events, &window);
    let took = started.elapsed();
    eprintln!(
        "kpi: one run {took:.2?} = {:.1} M events/s; {} figures",
        events.len() as f64 / took.as_secs_f64() / 1e6,
        report.kpis.len()
    );
    for name in [
        "return_rate",
        "picking_accuracy",
        "order_lead_time",
        "order_lead_time_p90",
        "order_cycle_time_p50",
        "on_time_shipment_rate",
        "fill_rate_lines",
        "fill_rate_units",
        "backorder_rate",
        "perfect_order_rate",
        "cancellation_rate",
    ] {
        if let Some(k) = report.kpis.iter().find(|k| k.name == name) {
            eprintln!(
                "  {name}{}: {}/{} = {:?}",
                k.key
                    .as_deref()
                    .map(|k| format!("[{k}]"))
                    .unwrap_or_default(),
                k.numerator,
                k.denominator,
                k.value.map(|v| v.round_dp(4))
            );
        }
    }
    let mut group = c.benchmark_group("kpi");
    group.sample_size(10);
    group.warm_up_time(StdDuration::from_secs(3));
    group.measurement_time(StdDuration::from_secs(20));
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("compute_10m_events_120_day_window", |b| {
        b.iter(|| compute(&events, &window))
    });
    group.finish();
}

criterion_group!(benches, kpis);
criterion_main!(benches);
