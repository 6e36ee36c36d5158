"""Measures the Python binding's cost over the Rust core.

    python oms-py/benches/overhead.py [--lifecycles N]

1. ``execute`` of a small command (``receive_stock``, one event) per call,
   to compare with ``cargo bench -p oms-benches --bench engine -- small_command``.
2. ``execute_many`` over 1,000,000 small commands.
3. ``execute_many`` over full order lifecycles (place, pay, allocate, ship,
   deliver: 5 commands each; 200,000 lifecycles = 1,000,000 commands) on
   10,000 SKUs x 5 locations, the workload of the Rust ``lifecycle`` bench.

Prints medians of several runs. A runner, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict, List, Tuple

from oms_engine import Engine

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
SKUS = 10_000
LOCATIONS = 5

Pair = Tuple[Dict[str, Any], datetime]


def small_engine() -> Engine:
    engine = Engine()
    engine.define_location("WH1", "Main", at=T0)
    engine.define_product("MUG", "Mug", at=T0)
    return engine


def per_call(calls: int, repeats: int) -> float:
    command = {"type": "receive_stock", "sku": "MUG", "location_id": "WH1", "quantity": 1}
    samples = []
    for _ in range(repeats):
        engine = small_engine()
        start = time.perf_counter()
        for _ in range(calls):
            engine.execute(command, T0)
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def many_small(n: int, repeats: int, collect: bool) -> float:
    pair = ({"type": "receive_stock", "sku": "MUG", "location_id": "WH1", "quantity": 1}, T0)
    batch = [pair] * n
    samples = []
    for _ in range(repeats):
        engine = small_engine()
        start = time.perf_counter()
        engine.execute_many(batch, collect_events=collect)
        samples.append(n / (time.perf_counter() - start))
    return statistics.median(samples)


def stocked() -> Engine:
    engine = Engine()
    setup: List[Pair] = []
    for loc in range(LOCATIONS):
        setup.append(({"type": "define_location", "location_id": f"WH-{loc}", "name": f"Warehouse {loc}", "kind": "warehouse"}, T0))
    for i in range(SKUS):
        sku = f"SKU-{i:06}"
        setup.append(({"type": "define_product", "sku": sku, "name": f"Product {i}", "weight_g": 250}, T0))
        for loc in range(LOCATIONS):
            setup.append(({"type": "receive_stock", "sku": sku, "location_id": f"WH-{loc}", "quantity": 1_000_000_000}, T0))
    engine.execute_many(setup)
    return engine


PRICE = Decimal("19.99")
SHIPPING = Decimal("4.95")

SHIP_TO = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical Engine Way",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}


def lifecycle(n: int) -> List[Pair]:
    """The same five commands as `oms_benches::lifecycle` in Rust."""
    at = T0 + timedelta(seconds=n)
    order_id = f"SO-{n:08}"
    quantities = [1 + k % 2 for k in range(3)]
    lines = [
        {
            "line_id": str(k + 1),
            "sku": f"SKU-{(n * 2_654_435_761 + k * 7_919) % SKUS:06}",
            "quantity": quantity,
            "unit_price": {"amount": str(PRICE), "currency": "USD"},
        }
        for k, quantity in enumerate(quantities)
    ]
    total = str(PRICE * sum(quantities) + SHIPPING)
    return [
        ({"type": "place_order", "order_id": order_id, "channel": ["web", "amazon", "pos"][n % 3],
          "channel_order_id": str(100_000_000 + n), "customer_id": f"C-{n % 50_000:06}", "ship_to": SHIP_TO,
          "lines": lines, "shipping_price": {"amount": str(SHIPPING), "currency": "USD"}}, at),
        ({"type": "record_payment", "order_id": order_id, "kind": "captured", "amount": {"amount": total, "currency": "USD"}}, at),
        ({"type": "allocate", "order_id": order_id}, at),
        ({"type": "ship", "order_id": order_id, "shipment_id": f"SH-{n:08}", "location_id": "WH-0", "carrier": "UPS",
          "service": "ground", "tracking_number": f"1Z{n:012}",
          "lines": [{"line_id": line["line_id"], "quantity": line["quantity"]} for line in lines]}, at),
        ({"type": "confirm_delivery", "shipment_id": f"SH-{n:08}"}, at),
    ]


def many_lifecycles(lifecycles: int, repeats: int, collect: bool) -> Tuple[float, int]:
    commands: List[Pair] = []
    for n in range(lifecycles):
        commands += lifecycle(n)
    base = stocked()
    snapshot = base.snapshot()
    samples = []
    events = 0
    for _ in range(repeats):
        engine = Engine.from_snapshot(snapshot)
        start = time.perf_counter()
        events = len(engine.execute_many(commands, collect_events=collect))
        samples.append(lifecycles / (time.perf_counter() - start))
    return statistics.median(samples), events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=1_000_000)
    parser.add_argument("--lifecycles", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    t = per_call(args.calls, args.repeats)
    print(f"execute(receive_stock) per call: {t * 1e6:.2f} us")
    for collect in (True, False):
        rate = many_small(args.small, args.repeats, collect)
        print(
            f"execute_many(collect_events={collect}), {args.small:,} receive_stock commands: "
            f"{rate:,.0f} commands/s ({1e6 / rate:.2f} us each)"
        )
    for collect in (True, False):
        rate, events = many_lifecycles(args.lifecycles, max(1, args.repeats // 2), collect)
        print(
            f"execute_many(collect_events={collect}), {args.lifecycles:,} lifecycles "
            f"({5 * args.lifecycles:,} commands, {events:,} events returned): "
            f"{rate:,.0f} lifecycles/s = {5 * rate:,.0f} commands/s"
        )


if __name__ == "__main__":
    main()
