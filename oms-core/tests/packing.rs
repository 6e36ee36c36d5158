//! Container loading on random inputs: every load passes `validate`, its
//! totals are those of its units, and `validate` refuses a load with any
//! unit duplicated, moved out of the container or turned as its type
//! forbids. On small containers, a lone item type that fits is loaded.

use oms_core::packing::{
    load_container, validate, Axes, Container, ItemType, LoadOptions, Orientation,
};
use oms_core::Dims;
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
        prop_assert!(validate(&container, &items, &load.placed).is_ok(),
            "{:?}", validate(&container, &items, &load.placed));
        let v: u64 = load.placed.iter().map(|p| volume(items[p.item].dims)).sum();
        let w: u64 = load.placed.iter().map(|p| items[p.item].weight).sum();
        prop_assert_eq!(load.volume, v);
        prop_assert_eq!(load.weight, w);
        prop_assert!(load.volume <= volume(container.dims));

        // Any unit duplicated overlaps its twin (or exceeds its quantity).
        for k in 0..load.placed.len().min(5) {
            let mut twice = load.placed.clone();
            twice.push(load.placed[k]);
            prop_assert!(validate(&container, &items, &twice).is_err());
        }
        if let Some(&first) = load.placed.first() {
            // Moved past the container's end.
            let mut out = load.placed.clone();
            out[0].x = container.dims.length;
            prop_assert!(validate(&container, &items, &out).is_err());
            // Turned every forbidden way.
            for axes in Axes::ALL {
                if !items[first.item].orientation.allows(axes) {
                    let mut turned = load.placed.clone();
                    turned[0].axes = axes;
                    prop_assert!(validate(&container, &items, &turned).is_err());
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
}
