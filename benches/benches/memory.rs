//! Engine memory per open 3-line order, measured with a counting allocator.
//!
//! Run with `cargo bench -p oms-benches --bench memory`. Places, pays and
//! allocates 100,000 orders over 10,000 SKUs at 5 locations (nothing shipped,
//! so every order stays open) and reports the live heap the engine gained,
//! per order. The command values handed to `execute` and the returned events
//! are dropped, so only what the engine keeps is counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use oms_benches::*;
use oms_core::Config;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator and only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    const SKUS: usize = 10_000;
    const ORDERS: usize = 100_000;
    let (mut engine, setup) = stocked_engine(Config::default(), SKUS, 5, 1_000_000_000);
    drop(setup);
    let before = LIVE.load(Ordering::Relaxed);
    for n in 0..ORDERS {
        let [place, pay, allocate, _, _] = lifecycle(n, SKUS);
        for c in [place, pay, allocate] {
            engine.execute(c, t0()).expect("valid");
        }
    }
    let after = LIVE.load(Ordering::Relaxed);
    let per_order = (after - before) as f64 / ORDERS as f64;
    let open = engine.orders(Some(oms_core::OrderStatus::Allocated)).len();
    assert_eq!(open, ORDERS);
    println!(
        "memory/open_3_line_order: {per_order:.0} bytes per order ({ORDERS} allocated orders, {} MiB total; requested sizes, allocator overhead excluded)",
        (after - before) / (1 << 20)
    );
}
