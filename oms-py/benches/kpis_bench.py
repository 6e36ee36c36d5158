"""Measures ``oms_engine.kpis`` on a large events table.

    python oms-py/benches/kpis_bench.py [--events 10000000] [--orders 3000]

Builds an engine's event log with ``Engine.execute_table`` (the generator
of ``tests/networks_data.py``: orders allocated, shipped, delivered,
cancelled, receipts), then repeats it with the order ids made distinct
per copy (``SO-`` becomes ``SO-<copy>-``; times stay as they are, so every
copy falls in the one window) until the table has ``--events`` rows. Times
``kpis`` (by channel, both window ends given) on the Arrow table; median
of three; ``--threads N`` sets ``kpis(threads=N)``. ``--json`` drops the typed KPI columns first, so ``kpis`` parses
every row's JSON instead (the slow path, for comparison). A runner, not a
test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import polars as pl
import pyarrow as pa

import oms_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from networks_data import event_history  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--orders", type=int, default=3_000)
    parser.add_argument("--json", action="store_true", help="read each row's JSON, not the KPI columns")
    parser.add_argument("--threads", type=int, default=None, help="kpis(threads=...); default one per core")
    args = parser.parse_args()

    base, first, last = event_history(orders=args.orders)
    frame = pl.from_arrow(base)
    assert isinstance(frame, pl.DataFrame)
    frame = frame.filter(pl.col("event").is_not_null()).drop("row", "error", "error_code")
    if args.json:
        frame = frame.select("seq", "at", "type", "order_id", "event")
    copies = []
    rows = 0
    k = 0
    while rows < args.events:
        copy = frame.with_columns(
            pl.col("event").str.replace_all('"SO-', f'"SO-{k}-', literal=True),
            pl.col("order_id").str.replace_all("SO-", f"SO-{k}-", literal=True),
            *([] if args.json else [pl.col("rma_id").str.replace_all("RMA-", f"RMA-{k}-", literal=True)]),
        )
        copies.append(copy.head(args.events - rows))
        rows += copies[-1].height
        k += 1
    events = pa.table(pl.concat(copies).with_row_index("n").drop("seq").rename({"n": "seq"}))
    print(f"events table: {events.num_rows:,} events ({k} copies of {frame.height:,}), {events.nbytes / 1e9:.2f} GB")
    window = (first, last)
    times = []
    table = None
    for _ in range(3):
        start = time.perf_counter()
        table = oms_engine.kpis(events, window=window, by=("channel",), threads=args.threads)
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    assert table is not None
    threads = "one per core" if args.threads is None else str(args.threads)
    print(f"kpis (threads: {threads}): {events.num_rows:,} events in {seconds:.2f} s (median of 3) = {events.num_rows / seconds:,.0f} events/s; {table.num_rows} KPI rows")


if __name__ == "__main__":
    main()
