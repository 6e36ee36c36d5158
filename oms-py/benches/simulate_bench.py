"""Measures ``oms_engine.simulate`` and ``oms_engine.kpis`` on large tables.

    python oms-py/benches/simulate_bench.py [--lines 1000000] [--baseline-lines 50000]

1. ``simulate`` on ``--lines`` order lines (1-4 per order, 5 networks of 6
   locations, 20,000 SKUs, opening stock for about nine in ten units)
   from Polars frames, end to end: Arrow in, tables out. Medians of three.
2. The same greedy policy written straightforwardly with pandas and
   Python loops (``baseline``), on the first ``--baseline-lines`` lines
   of the same data; its allocations are checked equal to
   ``simulate``'s on that subset, then both rates are printed with their
   ratio.

A runner, not a test: it prints figures and asserts only that the
baseline agrees with the engine.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections import defaultdict
from typing import Any, Dict, Iterable, List, Optional, Tuple

import numpy as np
import pandas as pd
import polars as pl

import oms_engine

NETWORKS = 5
PER_NETWORK = 6
SKUS = 20_000


def data(lines: int, seed: int = 7) -> Tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Orders, stock and locations as Polars frames."""
    rng = np.random.default_rng(seed)
    per_order = rng.integers(1, 5, size=lines)  # 1-4 lines; trimmed to `lines` below
    order_of_line = np.repeat(np.arange(lines), per_order)[:lines]
    orders = int(order_of_line[-1]) + 1
    net = rng.integers(0, NETWORKS, size=orders)
    lat = rng.uniform(25.0, 48.0, size=orders)
    lon = rng.uniform(-123.0, -70.0, size=orders)
    minutes = np.sort(rng.integers(0, 60 * 24 * 90, size=orders))
    sku = rng.zipf(1.3, size=lines) % SKUS
    qty = rng.integers(1, 4, size=lines)
    cents = rng.integers(199, 9999, size=lines)
    order_ids = np.char.add("SO-", np.arange(orders).astype(str))
    o = order_of_line
    frame = pl.DataFrame(
        {
            "placed_at": pl.Series(
                (np.datetime64("2026-01-01T00:00:00") + minutes[o].astype("timedelta64[m]")).astype("datetime64[us]")
            ).dt.replace_time_zone("UTC"),
            "order_id": order_ids[o],
            "customer_id": np.char.add("C", (o % 50_000).astype(str)),
            "channel": np.where(o % 3 == 0, "store", "web"),
            "sku": np.char.add("SKU-", sku.astype(str)),
            "quantity": qty,
            "unit_price": pl.Series(cents).cast(pl.Decimal(12, 0)) / 100,
            "currency": ["USD"] * lines,
            "latitude": lat[o],
            "longitude": lon[o],
            "network": np.char.add("N", net[o].astype(str)),
        }
    ).with_columns(pl.col("unit_price").cast(pl.Decimal(12, 2)))
    locations = pl.DataFrame(
        {
            "location_id": [f"N{n}-L{i}" for n in range(NETWORKS) for i in range(PER_NETWORK)],
            "latitude": rng.uniform(25.0, 48.0, size=NETWORKS * PER_NETWORK),
            "longitude": rng.uniform(-123.0, -70.0, size=NETWORKS * PER_NETWORK),
            "network": [f"N{n}" for n in range(NETWORKS) for _ in range(PER_NETWORK)],
        }
    )
    # Opening stock: per network and SKU, about 90% of what its orders ask,
    # spread over a random half of its locations.
    demand = (
        frame.group_by("network", "sku").agg(pl.col("quantity").sum()).sort("network", "sku")
    )
    rows: Dict[str, List[Any]] = {"location_id": [], "sku": [], "quantity": []}
    for network, s, q in demand.iter_rows():
        n = int(network[1:])
        places = rng.choice(PER_NETWORK, size=3, replace=False)
        share = max(1, int(q * 0.9 / 3))
        for p in places:
            rows["location_id"].append(f"N{n}-L{p}")
            rows["sku"].append(s)
            rows["quantity"].append(share)
    stock = pl.DataFrame(rows)
    return frame, stock, locations


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def baseline(orders: pd.DataFrame, stock: pd.DataFrame, locations: pd.DataFrame) -> List[Tuple[str, int, str, str, int]]:
    """The default policy (ship complete, fewest shipments, nearest,
    location id), the plain way: pandas to sort and group, Python loops to
    choose. Opening stock only. Returns (order_id, line, sku, location_id,
    quantity) per reservation."""
    on_hand: Dict[Tuple[str, str], int] = defaultdict(int)
    stock_rows: Iterable[Tuple[str, str, int]] = stock[["location_id", "sku", "quantity"]].itertuples(index=False)
    for loc, sku, q in stock_rows:
        on_hand[(loc, sku)] += int(q)
    by_network: Dict[str, List[Tuple[str, float, float]]] = defaultdict(list)
    location_rows: Iterable[Tuple[str, float, float, str]] = locations[
        ["location_id", "latitude", "longitude", "network"]
    ].itertuples(index=False)
    for loc, lat, lon, net in location_rows:
        by_network[net].append((loc, lat, lon))
    for net in by_network:
        by_network[net].sort()
    orders = orders.sort_values(["placed_at", "order_id", "sku", "quantity", "unit_price"], kind="stable")
    out: List[Tuple[str, int, str, str, int]] = []
    for order_id, group in orders.groupby("order_id", sort=False):
        lines: List[Any] = list(group[["sku", "quantity", "latitude", "longitude", "network"]].itertuples(index=False))
        lat, lon, net = lines[0].latitude, lines[0].longitude, lines[0].network
        left = [int(line.quantity) for line in lines]
        candidates = [
            (loc, haversine_km(lat, lon, la, lo))
            for loc, la, lo in by_network[net]
            if any(on_hand[(loc, line.sku)] > 0 for line in lines)
        ]
        while sum(left) > 0:
            best: Optional[Tuple[Tuple[int, int, float, str], str]] = None
            for loc, km in candidates:
                taken: Dict[str, int] = defaultdict(int)
                units = 0
                for line, rem in zip(lines, left):
                    k = min(rem, on_hand[(loc, line.sku)] - taken[line.sku])
                    if k > 0:
                        taken[line.sku] += k
                        units += k
                if units == 0:
                    continue
                rank = (0 if units == sum(left) else 1, -units, km, loc)
                if best is None or rank < best[0]:
                    best = (rank, loc)
            if best is None:
                break
            loc = best[1]
            for i, line in enumerate(lines):
                k = min(left[i], on_hand[(loc, line.sku)])
                if k > 0:
                    on_hand[(loc, line.sku)] -= k
                    left[i] -= k
                    out.append((str(order_id), i + 1, line.sku, loc, k))
    return out


def median_seconds(run: Any, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--baseline-lines", type=int, default=50_000)
    args = parser.parse_args()

    orders, stock, locations = data(args.lines)
    print(f"data: {orders.height:,} lines, {orders['order_id'].n_unique():,} orders, {stock.height:,} stock rows")
    result = oms_engine.simulate(orders, stock, locations)
    seconds = median_seconds(lambda: oms_engine.simulate(orders, stock, locations))
    fill = next(r for r in result.kpis.to_polars().iter_rows(named=True) if r["name"] == "fill_rate_units")
    print(
        f"simulate: {orders.height:,} lines in {seconds:.3f} s (median of 3) = {orders.height / seconds:,.0f} lines/s; "
        f"{result.allocations.num_rows:,} allocations, {result.shipments.num_rows:,} shipments, "
        f"fill rate (units) {float(fill['value']):.3f}"
    )

    # The baseline on a prefix of whole orders, both ways.
    first = orders["order_id"].unique(maintain_order=True).head(max(1, args.baseline_lines // 2)).to_list()
    subset = orders.filter(pl.col("order_id").is_in(first)).head(args.baseline_lines)
    keep = subset["order_id"].unique(maintain_order=True).to_list()[:-1]  # drop a possibly cut order
    subset = subset.filter(pl.col("order_id").is_in(keep))
    engine_result = oms_engine.simulate(subset, stock, locations)
    start = time.perf_counter()
    engine_result = oms_engine.simulate(subset, stock, locations)
    engine_seconds = time.perf_counter() - start
    pandas_orders, pandas_stock, pandas_locations = subset.to_pandas(), stock.to_pandas(), locations.to_pandas()
    start = time.perf_counter()
    plain = baseline(pandas_orders, pandas_stock, pandas_locations)
    plain_seconds = time.perf_counter() - start
    ours = sorted(
        (r["order_id"], r["line"], r["sku"], r["location_id"], r["quantity"])
        for r in engine_result.allocations.to_polars().iter_rows(named=True)
    )
    assert sorted(plain) == ours, "the pandas baseline and simulate disagree"
    n = subset.height
    print(
        f"baseline (pandas + Python loops) on {n:,} lines: {plain_seconds:.2f} s = {n / plain_seconds:,.0f} lines/s; "
        f"simulate on the same: {engine_seconds:.3f} s = {n / engine_seconds:,.0f} lines/s; "
        f"ratio {plain_seconds / engine_seconds:,.0f}x (allocations identical: {len(ours):,})"
    )


if __name__ == "__main__":
    main()
