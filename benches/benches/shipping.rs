//! Shipping: choosing a service among 6 (8 zones each, 10 weight breaks,
//! dimensional weight, surcharges, a holiday calendar) for a 2-parcel
//! shipment with a promised date, a delivery promise over 3 locations,
//! and writing a label.
//!
//! Run with `cargo bench -p oms-benches --bench shipping`.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use criterion::{criterion_group, criterion_main, Criterion};
use oms_core::packing::WeightBreak;
use oms_core::shipping::{
    delivery_promise, label, select_service, Calendar, LabelInput, Oversize, ParcelSpec, Service,
    ShipmentRequest, ShippingConfig, ZoneRule,
};
use oms_core::{
    Address, AddressParts, Currency, Dims, Location, LocationId, LocationKind, Money, ServiceId,
    ShipmentId,
};
use rust_decimal::Decimal;

fn usd(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), Currency::new("USD").unwrap())
}

fn config() -> ShippingConfig {
    let zones: Vec<String> = (2..10).map(|z| z.to_string()).collect();
    let services = (0..6)
        .map(|s| Service {
            service_id: ServiceId::new(format!("S{s}")),
            carrier: "Carrier".into(),
            name: format!("Service {s}"),
            transit_days: zones
                .iter()
                .enumerate()
                .map(|(z, name)| (name.clone(), (1 + z as u32 / 2) * (6 - s) / 3 + 1))
                .collect(),
            cutoffs: BTreeMap::new(),
            cutoff: NaiveTime::from_hms_opt(16, 0, 0),
            max_weight: Some(30_000),
            max_length: Some(2_700),
            max_length_and_girth: Some(4_190),
            dim_divisor: Some(5_000),
            rates: zones
                .iter()
                .enumerate()
                .map(|(z, name)| {
                    let breaks = (1..=10u64)
                        .map(|b| WeightBreak {
                            up_to: b * 3_000,
                            price: usd(500
                                + (z as i64 + 1) * 120 * (i64::from(s) + 1)
                                + b as i64 * 90),
                        })
                        .collect();
                    (name.clone(), breaks)
                })
                .collect(),
            oversize: Some(Oversize {
                longer_than: 1_200,
                price: usd(2_500),
            }),
            residential: Some(usd(450)),
            po_box: s == 0,
        })
        .collect();
    ShippingConfig {
        zones: (0..10)
            .map(|d| ZoneRule {
                origin: None,
                country: "US".into(),
                postal_prefix: Some(d.to_string()),
                zone: (2 + d % 8).to_string(),
            })
            .collect(),
        distance_bands: Vec::new(),
        services,
        calendar: Calendar {
            holidays: ["2026-11-26", "2026-12-25", "2027-01-01"]
                .iter()
                .map(|d| d.parse().unwrap())
                .collect(),
            ..Calendar::default()
        },
        handling_days: 0,
        utc_offsets: BTreeMap::from([(LocationId::new("NJ"), -300)]),
        return_addresses: BTreeMap::new(),
    }
}

fn address(postal: &str) -> Address {
    Address::from(AddressParts {
        name: "Ada Lovelace".into(),
        line1: "1 Main St".into(),
        line2: None,
        city: "San Jose".into(),
        region: Some("CA".into()),
        postal_code: postal.into(),
        country: "US".into(),
        lat: None,
        lon: None,
    })
}

fn shipping(c: &mut Criterion) {
    let mut group = c.benchmark_group("shipping");
    let config = config();
    let origins: Vec<Location> = ["NJ", "TX", "NV"]
        .iter()
        .map(|id| Location::new(id, id, LocationKind::Warehouse))
        .collect();
    let parcel = |l, w, h, weight| ParcelSpec {
        dims: Dims {
            length: l,
            width: w,
            height: h,
        },
        weight,
    };
    let request = ShipmentRequest {
        destination: address("95112"),
        parcels: vec![parcel(400, 300, 200, 4_200), parcel(300, 200, 150, 1_100)],
        at: "2026-11-20T18:30:00Z".parse().unwrap(),
        deliver_by: NaiveDate::from_ymd_opt(2026, 11, 25),
        residential: true,
    };
    group.bench_function("select_service_6_services_2_parcels", |b| {
        b.iter(|| select_service(&config, &origins[0], &request).unwrap())
    });
    let before = ShipmentRequest {
        parcels: Vec::new(),
        ..request.clone()
    };
    let refs: Vec<&Location> = origins.iter().collect();
    group.bench_function("delivery_promise_3_locations", |b| {
        b.iter(|| delivery_promise(&config, &refs, &before).unwrap())
    });
    let input = LabelInput {
        shipment_id: ShipmentId::new("SH-1001"),
        tracking_number: Some("1Z999AA10123456784".into()),
        carrier: "UPS".into(),
        service: "Ground".into(),
        from: address("07102"),
        to: address("95112"),
        parcel: 1,
        parcels: 2,
        weight: 4_200,
        ship_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        reference: Some("SO-1001".into()),
    };
    group.bench_function("label_zpl", |b| b.iter(|| label(&input)));
    group.finish();
}

criterion_group!(benches, shipping);
criterion_main!(benches);
