//! Container loading on random inputs: every load passes `validate`, its
//! totals are those of its units, and `validate` refuses a load with any
//! unit duplicated, moved out of the container or turned as its type
//! forbids. On small containers, a lone item type that fits is loaded.
//!
//! Cartonization on random orders and catalogs: a plan either packs every
//! unit and passes `validate`, its parcels no fewer than the volume bound
//! and its weights and costs those of its units, or it fails naming an
//! item that fits no carton.

use oms_core::packing::{
    cartonize, load_container, validate, validate_load, Axes, Carton, CartonizeOptions, Container,
    ItemType, LoadOptions, Orientation, PackItem, WeightBreak,
};
use oms_core::{CartonId, Dims, Money, Sku};
use proptest::prelude::*;

fn dims(max: u32) -> impl Strategy<Value = Dims> {
    (1..=max, 1..=max, 1..=max).prop_map(|(length, width, height)| Dims {
        length,
        width,
        height,
    })
}

fn orientation() -> impl Strategy<Value = Orientation> {
    prop_oneof![
        Just(Orientation::Any),
        Just(Orientation::Upright),
        Just(Orientation::Fixed),
        (any::<bool>(), any::<bool>(), Just(true)).prop_map(|(length, width, height)| {
            Orientation::Vertical {
                length,
                width,
                height,
            }
        }),
    ]
}

fn item() -> impl Strategy<Value = ItemType> {
    (dims(30), 0..50u64, 0..25u64, orientation()).prop_map(|(dims, weight, quantity, o)| ItemType {
        dims,
        weight,
        quantity,
        orientation: o,
    })
}

fn container() -> impl Strategy<Value = Container> {
    (dims(80), prop::option::of(0..2_000u64))
        .prop_map(|(dims, max_weight)| Container { dims, max_weight })
}

fn volume(d: Dims) -> u64 {
    u64::from(d.length) * u64::from(d.width) * u64::from(d.height)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_load_is_valid(
        container in container(),
        items in prop::collection::vec(item(), 0..6),
        tries in 1..4u32,
        seed in any::<u64>(),
    ) {
        let load = load_container(&container, &items, &LoadOptions { tries, seed }).unwrap();
        prop_assert!(validate_load(&container, &items, &load.placed).is_ok(),
            "{:?}", validate_load(&container, &items, &load.placed));
        let v: u64 = load.placed.iter().map(|p| volume(items[p.item].dims)).sum();
        let w: u64 = load.placed.iter().map(|p| items[p.item].weight).sum();
        prop_assert_eq!(load.volume, v);
        prop_assert_eq!(load.weight, w);
        prop_assert!(load.volume <= volume(container.dims));

        // Any unit duplicated overlaps its twin (or exceeds its quantity).
        for k in 0..load.placed.len().min(5) {
            let mut twice = load.placed.clone();
            twice.push(load.placed[k]);
            prop_assert!(validate_load(&container, &items, &twice).is_err());
        }
        if let Some(&first) = load.placed.first() {
            // Moved past the container's end.
            let mut out = load.placed.clone();
            out[0].x = container.dims.length;
            prop_assert!(validate_load(&container, &items, &out).is_err());
            // Turned every forbidden way.
            for axes in Axes::ALL {
                if !items[first.item].orientation.allows(axes) {
                    let mut turned = load.placed.clone();
                    turned[0].axes = axes;
                    prop_assert!(validate_load(&container, &items, &turned).is_err());
                }
            }
        }
    }

    #[test]
    fn a_lone_item_type_that_fits_is_loaded(
        container in dims(60),
        item in item(),
    ) {
        let container = Container { dims: container, max_weight: None };
        let fits = Axes::ALL.iter().any(|&a| {
            let d = a.turn(item.dims);
            item.orientation.allows(a)
                && d.length <= container.dims.length
                && d.width <= container.dims.width
                && d.height <= container.dims.height
        });
        let load = load_container(&container, &[item], &LoadOptions::default()).unwrap();
        prop_assert_eq!(!load.placed.is_empty(), fits && item.quantity > 0);
    }

    #[test]
    fn every_carton_plan_is_valid(
        cartons in prop::collection::vec(carton(), 1..6).prop_map(|mut cs| {
            for (i, c) in cs.iter_mut().enumerate() {
                c.carton_id = CartonId::new(format!("C{i}"));
            }
            cs
        }),
        items in prop::collection::vec(pack_item(), 1..5),
        divisor in prop::option::of(1..200u32),
        rated in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let rates = if rated {
            vec![
                WeightBreak { up_to: 500, price: Money::parse("4", "USD").unwrap() },
                WeightBreak { up_to: 5_000, price: Money::parse("9", "USD").unwrap() },
            ]
        } else {
            Vec::new()
        };
        let options = CartonizeOptions {
            dim_divisor: divisor,
            rates,
            tries: 2,
            seed,
            ..CartonizeOptions::default()
        };
        let plan = match cartonize(&cartons, &items, &options) {
            Ok(plan) => plan,
            Err(e) => {
                // Only an item that fits no carton (or no rate) is refused.
                let m = e.to_string();
                prop_assert!(m.contains("fits no carton") || m.contains("above the last rate"), "{}", m);
                return Ok(());
            }
        };
        prop_assert!(validate(&cartons, &items, &plan).is_ok(), "{:?}", validate(&cartons, &items, &plan));
        let packed: usize = plan.parcels.iter().map(|p| p.placed.len()).sum();
        prop_assert_eq!(packed as u64, items.iter().map(|i| i.quantity).sum::<u64>());
        // No fewer cartons than the volume bound of the carton-packed units.
        let boxed: u64 = items.iter().filter(|i| !i.own_box).map(|i| volume(i.dims) * i.quantity).sum();
        let largest = cartons.iter().map(|c| volume(c.inner)).max().unwrap();
        let in_cartons = plan.parcels.iter().filter(|p| p.carton_id.is_some()).count() as u64;
        prop_assert!(in_cartons >= boxed.div_ceil(largest));
        let mut total = rust_decimal::Decimal::ZERO;
        for p in &plan.parcels {
            prop_assert!(p.billable_weight >= p.weight);
            if let Some(c) = p.cost {
                total += c.amount;
            }
        }
        prop_assert_eq!(plan.cost.map(|c| c.amount), plan.cost.map(|_| total));
    }
}

fn carton() -> impl Strategy<Value = Carton> {
    (
        dims(60),
        prop::option::of(100..3_000u64),
        0..200u64,
        0..500u32,
        any::<bool>(),
    )
        .prop_map(|(inner, max_weight, tare_weight, cents, outer)| Carton {
            carton_id: CartonId::new("C"),
            // Mostly larger than the items, so most plans pack.
            inner: Dims {
                length: inner.length + 20,
                width: inner.width + 20,
                height: inner.height + 20,
            },
            outer: outer.then_some(Dims {
                length: inner.length + 25,
                width: inner.width + 25,
                height: inner.height + 25,
            }),
            max_weight,
            tare_weight,
            cost: Money::new(
                rust_decimal::Decimal::new(i64::from(cents), 2),
                "USD".parse().unwrap(),
            ),
            locations: None,
        })
}

fn pack_item() -> impl Strategy<Value = PackItem> {
    (dims(40), 0..400u64, 0..6u64, orientation(), 0..8u8).prop_map(
        |(dims, weight, quantity, orientation, flags)| PackItem {
            sku: Sku::new("S"),
            quantity,
            dims,
            weight,
            orientation,
            fragile: flags & 1 != 0,
            hazmat: flags & 2 != 0,
            own_box: flags == 4,
        },
    )
}
