"""oms_engine.dask (groupby-apply per network) gives the single-process results, row for row.

Skipped where dask[dataframe] is not installed (``pip install 'oms-engine[dask]'``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Callable, Dict

import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("dask.dataframe")

import dask  # noqa: E402
import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402

import oms_engine  # noqa: E402
from networks_data import SORT_KEYS, NetworkData, assert_same_rows, generate  # noqa: E402
from oms_engine import dask as oms_dask  # noqa: E402

#: 50,000 orders by default; OMS_SCALE_ORDERS makes a quicker local run.
ORDERS = int(os.environ.get("OMS_SCALE_ORDERS", "50000"))


@pytest.fixture(scope="module")
def data() -> NetworkData:
    return generate(orders=ORDERS, seed=7)


#: dask's from_pandas has no annotations.
from_pandas: Callable[..., dd.DataFrame] = dd.from_pandas


def frame(table: pa.Table, partitions: int) -> dd.DataFrame:
    return from_pandas(table.to_pandas(types_mapper=pd.ArrowDtype), npartitions=partitions)


def test_missing_dask_says_what_to_install() -> None:
    code = (
        "import sys\n"
        "sys.modules['dask'] = None\n"
        "try:\n"
        "    import oms_engine.dask\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert "pip install 'oms-engine[dask]'" in out


def test_simulate_on_dask_equals_one_process(data: NetworkData) -> None:
    one = oms_engine.simulate(data.orders, data.stock, data.locations)
    expected: Dict[str, pa.Table] = {name: pa.table(getattr(one, name)) for name in SORT_KEYS}
    # Two local processes' worth of threads; the groups are the networks.
    with dask.config.set(scheduler="threads", num_workers=2):
        result = oms_dask.simulate(frame(data.orders, 4), frame(data.stock, 2), data.locations)
    for name in ("allocations", "shipments", "backorders"):
        table = getattr(result, name)
        assert table.column_names[0] == "network"
        assert table.schema.types[1:] == expected[name].schema.types
        assert_same_rows(expected[name], table, SORT_KEYS[name], name)
    assert_same_rows(expected["kpis"], result.kpis, SORT_KEYS["kpis"], "kpis")
