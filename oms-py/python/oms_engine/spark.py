"""Scale-out on Apache Spark: ``simulate`` one network per task, ``kpis`` per partition.

Needs PySpark 4 and pyarrow (``pip install 'oms-engine[spark]'``); importing
``oms_engine`` alone never imports them.

>>> from pyspark.sql import SparkSession                  # doctest: +SKIP
>>> from oms_engine import spark as oms_spark             # doctest: +SKIP
>>> session = SparkSession.builder.getOrCreate()          # doctest: +SKIP
>>> orders = session.read.parquet("orders/")              # doctest: +SKIP
>>> stock = session.read.parquet("stock/")                # doctest: +SKIP
>>> locations = session.read.parquet("locations/")        # doctest: +SKIP
>>> result = oms_spark.simulate(orders, stock, locations, key="network")  # doctest: +SKIP
>>> result.allocations.write.parquet("allocations/")      # doctest: +SKIP
>>> result.kpis.show()                                    # doctest: +SKIP

Networks never share stock, so simulating each network on its own and
putting the rows together gives exactly the rows of one simulation of
everything (``oms_engine.simulate``); the KPI tables of the networks add up
exactly through their numerators and denominators.

Types: prices stay decimals (``DecimalType``; KPI figures are
``DecimalType(38, 12)``), times are Spark ``TimestampType`` instants. The
helpers relabel the timestamps Spark hands to Python (which carry the
session time zone) as UTC, so they work whatever
``spark.sql.session.timeZone`` is; setting it to ``UTC`` makes the values
Spark shows match ``oms_engine``'s. Spark has no unsigned integers: the
``uint32`` columns (``line``, ``shipment``, ``lines``) are ``LongType``.
Python workers must be able to import ``oms_engine`` and pyarrow (install
the wheel on every executor, or ship it with ``--py-files``/an archive).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple

try:
    import pyarrow as pa
    from pyspark.sql import DataFrame, functions as F
    from pyspark.sql import types as T
except ImportError as _missing:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "oms_engine.spark needs PySpark 4 and pyarrow: pip install 'oms-engine[spark]'"
    ) from _missing

import oms_engine

from . import _shards

__all__ = ["SparkSimulation", "simulate", "kpis", "spark_schema"]

#: ``oms_engine.kpis``'s window: ``(from, to)``, either end open when None.
Window = Optional[Tuple[Optional[datetime], Optional[datetime]]]


class SparkSimulation(NamedTuple):
    """What :func:`simulate` returns: Spark DataFrames.

    ``allocations``, ``shipments`` and ``backorders`` have the partition key
    column first, then the columns of ``oms_engine.simulate``'s tables; they
    are cached (the simulation runs once; :meth:`unpersist` frees them).
    ``kpis`` is the merged KPI table of all partitions, the same rows as a
    single-process run's.
    """

    allocations: DataFrame
    shipments: DataFrame
    backorders: DataFrame
    kpis: DataFrame

    def unpersist(self, blocking: bool = False) -> None:
        """Drops the cached row tables."""
        for frame in (self.allocations, self.shipments, self.backorders):
            frame.unpersist(blocking)


def spark_type(t: pa.DataType) -> T.DataType:
    """The Spark type of an Arrow column of ``_shards.portable_type``."""
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return T.StringType()
    if pa.types.is_boolean(t):
        return T.BooleanType()
    if pa.types.is_int8(t):
        return T.ByteType()
    if pa.types.is_int16(t):
        return T.ShortType()
    if pa.types.is_int32(t):
        return T.IntegerType()
    if pa.types.is_int64(t):
        return T.LongType()
    if pa.types.is_float32(t):
        return T.FloatType()
    if pa.types.is_float64(t):
        return T.DoubleType()
    if pa.types.is_decimal(t):
        return T.DecimalType(t.precision, t.scale)
    if pa.types.is_timestamp(t):
        return T.TimestampType() if t.tz is not None else T.TimestampNTZType()
    if pa.types.is_date32(t):
        return T.DateType()
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return T.BinaryType()
    raise TypeError(f"no Spark type for Arrow type {t}")


def spark_schema(schema: pa.Schema) -> T.StructType:
    """A Spark schema for an Arrow schema (unsigned integers widened, see the module docs)."""
    return T.StructType(
        [T.StructField(f.name, spark_type(_shards.portable_type(f.type)), f.nullable) for f in schema]
    )


def _arrow_schema(frame: DataFrame) -> pa.Schema:
    """The Arrow schema of a DataFrame's rows (as Spark hands them to Python)."""
    return _shards.utc(frame.limit(0).toArrow()).schema


def _to_frame(frame: DataFrame, table: pa.Table) -> DataFrame:
    """A small local Arrow table as a DataFrame of the same session."""
    table = _shards.portable(table)
    return frame.sparkSession.createDataFrame(table, schema=spark_schema(table.schema))


def _cogroup_task(
    key: str,
    locations: pa.Table,
    options: _shards.Options,
    schema: pa.Schema,
    drop_stock_columns: Sequence[str],
) -> Callable[[Tuple[Any, ...], pa.Table, pa.Table], pa.Table]:
    """The function each cogroup (one key's orders and stock) runs in the Python workers."""

    def run(group: Tuple[Any, ...], orders: pa.Table, stock: pa.Table) -> pa.Table:
        return _shards.simulate_shard(
            group[0].as_py(),
            orders,
            stock,
            locations,
            key=key,
            options=options,
            schema=schema,
            drop_stock_columns=drop_stock_columns,
        )

    return run


def simulate(
    orders: DataFrame,
    stock: DataFrame,
    locations: DataFrame,
    *,
    key: str = "network",
    policy: Optional[Mapping[str, Any]] = None,
    currency: Optional[str] = None,
    allow_float_money: bool = False,
) -> SparkSimulation:
    """``oms_engine.simulate`` on Spark, one value of ``key`` per task.

    ``orders``, ``stock`` and ``locations`` are DataFrames with the columns
    of ``oms_engine.simulate``'s tables. ``key`` must hold all competition
    for stock: the ``network`` (the default), or a coarser region. Orders
    need the column; stock gets it from ``locations`` (joined on
    ``location_id``) when it has none. Rows whose key is null form one
    partition, like the orders and locations without a network in
    ``oms_engine.simulate``.

    >>> result = oms_spark.simulate(orders, stock, locations)     # doctest: +SKIP
    >>> result.backorders.groupBy("network").sum("quantity").show()  # doctest: +SKIP

    How it runs: the (small) locations table is collected and shipped to
    the tasks; ``orders.groupBy(key).cogroup(stock.groupBy(key))
    .applyInArrow(...)`` simulates each key's orders and stock in one task
    and returns its four result tables as one Arrow table (a discriminator
    column and the union of the columns), which is cached and split into
    the three row tables, so the simulation runs once. The KPI partials
    (a few rows per key) are collected to the driver and merged with
    ``oms_engine.merge_kpi_tables``: Spark's own ``sum`` would add the
    decimals, but not recompute the ratios or the percentiles, nor keep
    the counts' and money's denominators at 1, which the merge does
    exactly as a single run would.
    """
    if key not in orders.columns:
        raise ValueError(f"orders have no {key!r} column to partition on")
    drop: List[str] = []
    if key in stock.columns:
        keyed_stock = stock
    else:
        if key not in locations.columns:
            raise ValueError(f"neither stock nor locations have a {key!r} column to partition on")
        pairs = F.broadcast(locations.select("location_id", key))
        keyed_stock = stock.join(pairs, on="location_id", how="left").select(*stock.columns, key)
        drop = [key]

    options = _shards.Options(policy, currency, allow_float_money)
    location_table = _shards.utc(locations.toArrow())
    orders_schema = _arrow_schema(orders)
    stock_schema = _arrow_schema(stock)
    # The four result schemas, from a run on no rows.
    probe = _shards.run_simulation(
        orders_schema.empty_table(), stock_schema.empty_table(), location_table.schema.empty_table(), options
    )
    schemas = _shards.result_schemas(probe)
    union_schema = _shards.union_schema(schemas, orders_schema.field(key).type)

    task = _cogroup_task(key, location_table, options, union_schema, drop)
    union = (
        orders.groupBy(key)
        .cogroup(keyed_stock.groupBy(key))
        .applyInArrow(task, spark_schema(union_schema))
        .cache()
    )
    try:
        # The first action: runs the simulation and fills the cache.
        kpi_rows = (
            union.filter(F.col(_shards.TABLE_COLUMN) == "kpis")
            .select(_shards.GROUP_COLUMN, *schemas["kpis"].names)
            .toArrow()
        )
        merged = _shards.merge_kpis(_shards.groups(kpi_rows, _shards.GROUP_COLUMN), schemas["kpis"])
        frames = []
        for name in ("allocations", "shipments", "backorders"):
            columns = [F.col(_shards.GROUP_COLUMN).alias(key)] + [F.col(c) for c in schemas[name].names]
            frame = union.filter(F.col(_shards.TABLE_COLUMN) == name).select(*columns).cache()
            frame.count()  # materialized from the cached union
            frames.append(frame)
    finally:
        union.unpersist()
    return SparkSimulation(frames[0], frames[1], frames[2], _to_frame(orders, merged))


def _partition_task(
    window: Window,
    by: Sequence[str],
    schema: pa.Schema,
    drop: Sequence[str],
    span: Optional[Tuple[datetime, datetime]],
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The function each partition of events runs in the Python workers."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        collected = list(batches)
        if not collected or sum(b.num_rows for b in collected) == 0:
            return
        events = _shards.utc(pa.Table.from_batches(collected)).drop_columns(list(drop))
        # One thread: Spark runs a task per core already.
        partial = oms_engine.kpis(events, window=window, by=tuple(by), threads=1, span=span)
        table = _shards.portable(_shards.to_arrow(partial))
        context = TaskContext.get()
        part = context.partitionId() if context is not None else 0
        table = table.append_column(_shards.GROUP_COLUMN, pa.repeat(pa.scalar(part, pa.int64()), table.num_rows))
        yield from table.select(schema.names).cast(schema).to_batches()

    return run


def _span(events: DataFrame, order: str) -> Optional[Tuple[datetime, datetime]]:
    """The first and last event times (in ``order``) of all the events."""
    at = F.col("at") if "at" in events.columns else F.to_timestamp(F.get_json_object("event", "$.at"))
    span = (
        events.where(F.col("event").isNotNull())
        .agg(F.min_by(at, F.col(order)).alias("first"), F.max_by(at, F.col(order)).alias("last"))
        .toArrow()
    )
    first: Optional[datetime] = span.column("first")[0].as_py()
    last: Optional[datetime] = span.column("last")[0].as_py()
    if first is None or last is None:
        return None
    return (first, last)


def kpis(
    events: DataFrame,
    *,
    window: Window = None,
    by: Sequence[str] = ("channel",),
    partitions: Optional[int] = None,
) -> DataFrame:
    """``oms_engine.kpis`` over an event table on Spark, one partial per partition.

    ``events`` has the columns of ``oms_engine.kpis``'s event table: the
    event's JSON in ``event``, and ``order_id`` (the order an event belongs
    to, null for events of no order: receipts, purchasing). The events are
    repartitioned by ``order_id`` (into ``partitions``, default Spark's
    shuffle partitions), so all of an order's events meet in one task, and
    kept in their order within each task (by ``seq`` when the table has
    one, else in the order they come in). Events of no order all land in
    one partition; the inventory and purchasing figures they feed are sums
    of per-movement terms, so they add up across partitions. Each partition
    computes a partial KPI table; the partials are collected to the driver
    and merged with ``oms_engine.merge_kpi_tables`` (exact decimal sums,
    percentiles recomputed from the merged histograms).

    An open end of ``window`` stays open: every partition is given the
    first and last event times of all the events (``span``), so the
    figures scaled by the window's length (``inventory_turnover``,
    ``days_of_supply``) span the whole history in each partial and add up
    to a single-process run's.

    >>> kpis = oms_spark.kpis(session.read.parquet("events/"),        # doctest: +SKIP
    ...                       window=(datetime(2026, 11, 1, tzinfo=timezone.utc),
    ...                               datetime(2026, 12, 1, tzinfo=timezone.utc)))
    >>> kpis.filter("name = 'fill_rate_units'").show()                  # doctest: +SKIP
    """
    if "event" not in events.columns:
        raise ValueError("events need an `event` column (the event's JSON)")
    if "order_id" not in events.columns:
        raise ValueError("events need an `order_id` column (null for events of no order) to partition on")
    order = "seq"
    drop: List[str] = []
    if "seq" not in events.columns:
        # Keeps the order the events come in through the shuffle.
        order = "__oms_seq__"
        events = events.withColumn(order, F.monotonically_increasing_id())
        drop = [order]
    span = _span(events, order) if window is None or window[0] is None or window[1] is None else None
    shuffled = (
        events.repartition(partitions, "order_id") if partitions is not None else events.repartition("order_id")
    ).sortWithinPartitions(order)

    probe_events = _arrow_schema(events).empty_table().drop_columns(drop)
    kpi_schema = _shards.nullable(_shards.to_arrow(oms_engine.kpis(probe_events, window=window, by=tuple(by))).schema)
    portable_schema = _shards.portable(kpi_schema.empty_table()).schema
    partial_schema = pa.schema(list(portable_schema) + [pa.field(_shards.GROUP_COLUMN, pa.int64(), False)])
    partials = shuffled.mapInArrow(_partition_task(window, by, partial_schema, drop, span), spark_schema(partial_schema))
    merged = _shards.merge_kpis(_shards.groups(partials.toArrow(), _shards.GROUP_COLUMN), kpi_schema)
    return _to_frame(events, merged)
