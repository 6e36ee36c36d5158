"""oms_engine.spark on PySpark local[2] gives the single-process results, row for row.

Skipped where PySpark is not installed (``pip install 'oms-engine[spark]'``;
CI installs it). Spark needs a JDK 17+ (``java`` on the PATH or JAVA_HOME).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from typing import Dict, Iterator, Optional, Tuple

import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("pyspark")

import pyarrow as pa  # noqa: E402
from pyspark.sql import DataFrame, SparkSession  # noqa: E402

import oms_engine  # noqa: E402
from networks_data import SORT_KEYS, NetworkData, assert_same_rows, event_history, generate  # noqa: E402
from oms_engine import spark as oms_spark  # noqa: E402

# PySpark 4 warns when it finds pandas 3 (CI installs pandas < 3; the Arrow
# paths used here do not go through pandas).
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")

#: 50,000 orders by default; OMS_SCALE_ORDERS makes a quicker local run.
ORDERS = int(os.environ.get("OMS_SCALE_ORDERS", "50000"))


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """One local[2] session for the module (starting Spark takes seconds)."""
    # The JVM is started by getOrCreate and inherits this: bind to loopback
    # instead of resolving the host name.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # The Python workers run this interpreter (it has oms_engine and pyarrow);
    # PySpark reads the variable, not the `spark.pyspark.python` setting.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("oms-engine-tests")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def data() -> NetworkData:
    return generate(orders=ORDERS, seed=7)


@pytest.fixture(scope="module")
def expected(data: NetworkData) -> Dict[str, pa.Table]:
    """The single-process run."""
    result = oms_engine.simulate(data.orders, data.stock, data.locations)
    return {name: pa.table(getattr(result, name)) for name in SORT_KEYS}


def test_importing_oms_engine_does_not_import_pyspark() -> None:
    code = "import sys, oms_engine; assert 'pyspark' not in sys.modules and 'dask' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_pyspark_says_what_to_install() -> None:
    code = (
        "import sys\n"
        "sys.modules['pyspark'] = None\n"
        "try:\n"
        "    import oms_engine.spark\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert "pip install 'oms-engine[spark]'" in out


def test_simulate_on_spark_equals_one_process(
    spark: SparkSession, data: NetworkData, expected: Dict[str, pa.Table]
) -> None:
    orders = spark.createDataFrame(data.orders)
    stock = spark.createDataFrame(data.stock)
    locations = spark.createDataFrame(data.locations)
    result = oms_spark.simulate(orders, stock, locations)
    try:
        for name in ("allocations", "shipments", "backorders"):
            actual = getattr(result, name).toArrow()
            assert actual.column_names[0] == "network"
            assert_same_rows(expected[name], actual, SORT_KEYS[name], name)
        assert_same_rows(expected["kpis"], result.kpis.toArrow(), SORT_KEYS["kpis"], "kpis")

        # Every row carries its order's network (null for the orders without one).
        network_of = dict(zip(data.orders.column("order_id").to_pylist(), data.orders.column("network").to_pylist()))
        allocations = result.allocations.select("network", "order_id").toArrow().to_pylist()
        assert all(network_of[row["order_id"]] == row["network"] for row in allocations)
        assert {row["network"] for row in allocations} >= {None, "us-east", "eu-west"}
    finally:
        result.unpersist()


def test_simulate_is_independent_of_the_session_time_zone(spark: SparkSession) -> None:
    small = generate(orders=2_000, seed=11)
    one = oms_engine.simulate(small.orders, small.stock, small.locations)
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    try:
        result = oms_spark.simulate(
            spark.createDataFrame(small.orders),
            spark.createDataFrame(small.stock),
            spark.createDataFrame(small.locations),
        )
        assert_same_rows(pa.table(one.allocations), result.allocations.toArrow(), SORT_KEYS["allocations"], "allocations")
        assert_same_rows(pa.table(one.shipments), result.shipments.toArrow(), SORT_KEYS["shipments"], "shipments")
        assert_same_rows(pa.table(one.kpis), result.kpis.toArrow(), SORT_KEYS["kpis"], "kpis")
        result.unpersist()
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")


def test_simulate_on_a_coarser_key_and_keyed_stock(spark: SparkSession) -> None:
    """Any key that holds all competition for stock will do: here two regions of
    several networks, given on the orders and on the stock itself."""
    from pyspark.sql import functions as F

    small = generate(orders=2_000, seed=13)
    one = oms_engine.simulate(small.orders, small.stock, small.locations)
    region = F.when(F.col("network").startswith("us") | F.col("network").isNull(), "americas").otherwise("rest")
    locations = spark.createDataFrame(small.locations)
    orders = spark.createDataFrame(small.orders).withColumn("region", region)
    stock = (
        spark.createDataFrame(small.stock)
        .join(locations.select("location_id", "network"), "location_id")
        .withColumn("region", region)
    )
    result = oms_spark.simulate(orders, stock, locations, key="region")
    assert {row["region"] for row in result.allocations.select("region").distinct().collect()} == {"americas", "rest"}
    assert_same_rows(pa.table(one.allocations), result.allocations.toArrow(), SORT_KEYS["allocations"], "allocations")
    assert_same_rows(pa.table(one.backorders), result.backorders.toArrow(), SORT_KEYS["backorders"], "backorders")
    assert_same_rows(pa.table(one.kpis), result.kpis.toArrow(), SORT_KEYS["kpis"], "kpis")
    result.unpersist()


def test_simulate_wants_the_key_column(spark: SparkSession) -> None:
    small = generate(orders=10, seed=3)
    orders = spark.createDataFrame(small.orders.drop_columns(["network"]))
    with pytest.raises(ValueError, match="network"):
        oms_spark.simulate(orders, spark.createDataFrame(small.stock), spark.createDataFrame(small.locations))


History = Tuple[pa.Table, datetime, datetime]


@pytest.fixture(scope="module")
def history() -> History:
    """An engine's events table (Engine.execute_table) and its first and last event times."""
    return event_history()


def event_frame(spark: SparkSession, events: pa.Table) -> DataFrame:
    """The events table in Spark, whose integers are signed: seq and row become int64."""
    schema = pa.schema(
        [pa.field(f.name, pa.int64()) if pa.types.is_unsigned_integer(f.type) else f for f in events.schema]
    )
    return spark.createDataFrame(events.cast(schema))


@pytest.mark.parametrize("part", ["all", "first half"])
def test_kpis_on_spark_equal_one_process(spark: SparkSession, history: History, part: str) -> None:
    events, first, last = history
    end = last + timedelta(seconds=1) if part == "all" else first + (last - first) / 2
    window: Tuple[Optional[datetime], Optional[datetime]] = (first, end)
    expected = pa.table(oms_engine.kpis(events, window=window))
    assert expected.num_rows > 40
    actual = oms_spark.kpis(event_frame(spark, events), window=window, partitions=4).toArrow()
    assert actual.column_names == expected.column_names
    assert_same_rows(expected, actual, ("channel",) + SORT_KEYS["kpis"], "kpis")


def test_kpis_by_nothing_on_spark(spark: SparkSession, history: History) -> None:
    events, first, last = history
    window: Tuple[Optional[datetime], Optional[datetime]] = (first, last + timedelta(seconds=1))
    expected = pa.table(oms_engine.kpis(events, window=window, by=()))
    actual = oms_spark.kpis(event_frame(spark, events), window=window, by=(), partitions=3).toArrow()
    assert_same_rows(expected, actual, SORT_KEYS["kpis"], "kpis")


def test_kpis_on_spark_with_an_open_window_equal_one_process(spark: SparkSession, history: History) -> None:
    events, first, last = history
    for window in [None, (first + (last - first) / 3, None), (None, last - (last - first) / 3)]:
        expected = pa.table(oms_engine.kpis(events, window=window))
        # Inventory figures are scaled by the window's length: every
        # partition must span the whole history for them to add up.
        assert {"inventory_turnover", "days_of_supply"} <= set(expected.column("name").to_pylist())
        actual = oms_spark.kpis(event_frame(spark, events), window=window, partitions=4).toArrow()
        assert_same_rows(expected, actual, ("channel",) + SORT_KEYS["kpis"], "kpis")
