"""Times ``oms_engine.simulate`` in one process against ``oms_engine.spark.simulate``
on PySpark ``local[N]`` over the same generated networks.

    python oms-py/benches/spark_bench.py [--orders 50000] [--cores 2] [--repeats 5] [--warmup 2] [--dask]

The data is ``tests/networks_data.py``'s (7 networks plus one without a
network). Spark's session start is timed apart; each Spark run includes the
shuffle, the per-network tasks, caching the three row tables and merging
the KPIs, but not writing the results anywhere. With ``--dask`` it also
times ``oms_engine.dask.simulate`` on the threaded scheduler. Prints the
medians and the overhead ratios. A runner, not a test: nothing is asserted.

Needs ``pip install 'oms-engine[spark]'`` (and ``[dask]`` for ``--dask``)
and a JDK 17+.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import pyarrow as pa  # noqa: E402

import oms_engine  # noqa: E402
from networks_data import NetworkData, generate  # noqa: E402


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    samples: List[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def single(data: NetworkData) -> object:
    return oms_engine.simulate(data.orders, data.stock, data.locations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--cores", type=int, default=2, help="Spark local[N]")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2, help="Spark runs before timing (the JVM warms up)")
    parser.add_argument("--dask", action="store_true", help="also time oms_engine.dask")
    args = parser.parse_args()

    start = time.perf_counter()
    data = generate(orders=args.orders, seed=7)
    print(
        f"data: {data.orders.num_rows} order lines of {args.orders} orders, "
        f"{data.stock.num_rows} stock rows, {data.locations.num_rows} locations "
        f"(generated in {time.perf_counter() - start:.1f} s)"
    )

    single(data)  # warm-up
    one = median_seconds(lambda: single(data), args.repeats)
    print(f"single process   oms_engine.simulate          {one:8.3f} s")

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from oms_engine import spark as oms_spark

    start = time.perf_counter()
    session = (
        SparkSession.builder.master(f"local[{args.cores}]")
        .appName("oms-engine-bench")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(2 * args.cores))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    print(f"spark session    local[{args.cores}] start            {time.perf_counter() - start:8.3f} s")
    try:
        orders = session.createDataFrame(data.orders).cache()
        stock = session.createDataFrame(data.stock).cache()
        locations = session.createDataFrame(data.locations).cache()
        for frame in (orders, stock, locations):
            frame.count()

        def on_spark() -> None:
            result = oms_spark.simulate(orders, stock, locations)
            result.unpersist()

        for i in range(args.warmup):
            print(f"spark            warm-up run {i + 1}                 {median_seconds(on_spark, 1):8.3f} s")
        spark_time = median_seconds(on_spark, args.repeats)
        print(f"spark            oms_engine.spark.simulate    {spark_time:8.3f} s")
        print(f"overhead         spark / single process       {spark_time / one:8.2f} x")
    finally:
        session.stop()

    if args.dask:
        import dask
        import dask.dataframe as dd
        import pandas as pd

        from oms_engine import dask as oms_dask

        from_pandas: Callable[..., dd.DataFrame] = dd.from_pandas

        def dask_frame(table: pa.Table, partitions: int) -> dd.DataFrame:
            return from_pandas(table.to_pandas(types_mapper=pd.ArrowDtype), npartitions=partitions)

        dask_orders = dask_frame(data.orders, 2 * args.cores)
        dask_stock = dask_frame(data.stock, args.cores)

        def on_dask() -> None:
            with dask.config.set(scheduler="threads", num_workers=args.cores):
                oms_dask.simulate(dask_orders, dask_stock, data.locations)

        dask_time = median_seconds(on_dask, args.repeats)
        print(f"dask             oms_engine.dask.simulate     {dask_time:8.3f} s")
        print(f"overhead         dask / single process        {dask_time / one:8.2f} x")


if __name__ == "__main__":
    main()
