//! The shop fixture shared by the scenario tests.
#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use oms_core::{Command, Config, Engine, ErrorCode, Event, OrderStatus};
use serde_json::{json, Value};

pub fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap() + Duration::minutes(minutes)
}

pub struct Shop {
    pub engine: Engine,
    pub clock: i64,
    /// Every event the engine recorded, setup included.
    pub log: Vec<Event>,
}

impl Shop {
    pub fn new(config: Value) -> Shop {
        let config: Config = serde_json::from_value(config).unwrap();
        let mut shop = Shop {
            engine: Engine::new(config),
            clock: 0,
            log: Vec::new(),
        };
        shop.ok(json!({"type":"define_location","location_id":"W1","name":"East","kind":"warehouse","lat":40.7,"lon":-74.0}));
        shop.ok(json!({"type":"define_location","location_id":"W2","name":"West","kind":"warehouse","lat":34.0,"lon":-118.2}));
        shop.ok(json!({"type":"define_location","location_id":"S1","name":"Store","kind":"store","fulfills_orders":false}));
        for sku in ["A", "B", "C"] {
            shop.ok(json!({"type":"define_product","sku":sku,"name":format!("Product {sku}")}));
        }
        shop
    }

    pub fn run(&mut self, command: Value) -> Result<Vec<Event>, oms_core::OmsError> {
        self.clock += 1;
        let command = Command::from_value(command)?;
        let events = self.engine.execute(command, t(self.clock))?;
        self.log.extend(events.iter().cloned());
        Ok(events)
    }

    pub fn ok(&mut self, command: Value) -> Vec<Event> {
        let c = command.clone();
        self.run(command).unwrap_or_else(|e| panic!("{c}: {e}"))
    }

    pub fn err(&mut self, command: Value) -> ErrorCode {
        let before = self.engine.snapshot();
        let e = self.run(command).expect_err("command should fail");
        assert_eq!(
            before,
            self.engine.snapshot(),
            "a failing command changed state"
        );
        e.code()
    }

    pub fn receive(&mut self, sku: &str, loc: &str, q: u64) {
        self.ok(json!({"type":"receive_stock","sku":sku,"location_id":loc,"quantity":q}));
    }

    pub fn status(&self, order: &str) -> OrderStatus {
        self.engine.order(order).unwrap().status
    }

    /// Checks that a snapshot restores to the same bytes, that replaying
    /// the log rebuilds them, and that the invariants hold.
    pub fn replays_and_restores(&self) {
        let snapshot = self.engine.snapshot();
        let restored = Engine::from_snapshot(&snapshot).unwrap();
        assert_eq!(restored.snapshot(), snapshot);
        let replayed = Engine::replay(self.engine.config().clone(), &self.log).unwrap();
        assert_eq!(replayed.snapshot(), snapshot);
        self.engine.check_invariants().unwrap();
    }
}

pub fn order(id: &str, lines: &[(&str, &str, u64)]) -> Value {
    order_with(id, "web", lines, json!({}))
}

pub fn order_with(id: &str, channel: &str, lines: &[(&str, &str, u64)], extra: Value) -> Value {
    let mut o = json!({
        "type": "place_order", "order_id": id, "channel": channel, "customer_id": "C1",
        "ship_to": {"name":"Ada","line1":"1 Main St","city":"Newark","postal_code":"07102","country":"US","lat":40.73,"lon":-74.17},
        "lines": lines.iter().map(|(l, sku, q)| json!({"line_id": l, "sku": sku, "quantity": q,
            "unit_price": {"amount": "10.00", "currency": "USD"}})).collect::<Vec<_>>(),
    });
    if let (Some(o), Some(extra)) = (o.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            o.insert(k.clone(), v.clone());
        }
    }
    o
}

pub fn names(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(Event::name).collect()
}

pub fn no_payment() -> Value {
    json!({"require_payment": false})
}
