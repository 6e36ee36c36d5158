"""Scale-out on Dask: ``simulate`` one network per group of a Dask DataFrame.

Needs ``dask[dataframe]`` and pyarrow (``pip install 'oms-engine[dask]'``);
importing ``oms_engine`` alone never imports them.

>>> import dask.dataframe as dd, pandas as pd                       # doctest: +SKIP
>>> from oms_engine import dask as oms_dask                          # doctest: +SKIP
>>> arrow = pd.ArrowDtype                                            # doctest: +SKIP
>>> orders = dd.read_parquet("orders/", dtype_backend="pyarrow")     # doctest: +SKIP
>>> stock = dd.read_parquet("stock/", dtype_backend="pyarrow")       # doctest: +SKIP
>>> result = oms_dask.simulate(orders, stock, locations_table)       # doctest: +SKIP
>>> result.kpis.to_pandas()                                          # doctest: +SKIP

The orders and stock are tagged, concatenated and grouped by ``key``; each
group (one network's orders and stock) is simulated with
``oms_engine.simulate`` in one task, which returns its four result tables
as one frame; the results are computed and split on the client, and the
KPI partials merged with ``oms_engine.merge_kpi_tables`` (exact decimal
sums, ratios and percentiles recomputed). Give the frames pyarrow-backed
columns (``dtype_backend="pyarrow"`` or ``types_mapper=pd.ArrowDtype``) so
decimal prices and zoned timestamps keep their Arrow types.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional

try:
    import dask.dataframe as dd
    import pandas as pd
    import pyarrow as pa
except ImportError as _missing:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError("oms_engine.dask needs dask[dataframe] and pyarrow: pip install 'oms-engine[dask]'") from _missing

from . import _shards

__all__ = ["DaskSimulation", "simulate"]

_SIDE = "__oms_side__"


class DaskSimulation(NamedTuple):
    """What :func:`simulate` returns: pyarrow Tables, the row tables with the key column first."""

    allocations: pa.Table
    shipments: pa.Table
    backorders: pa.Table
    kpis: pa.Table


def _arrow_schema(frame: dd.DataFrame) -> pa.Schema:
    return _shards.utc(pa.Table.from_pandas(frame._meta, preserve_index=False)).schema


def _tagged(frame: dd.DataFrame, side: str, key: str) -> dd.DataFrame:
    """``frame``'s columns prefixed with its side, plus the side and the group key."""
    renamed = frame.rename(columns={c: f"{side}:{c}" for c in frame.columns})
    tagged: dd.DataFrame = renamed.assign(**{_SIDE: side, _shards.GROUP_COLUMN: frame[key]})
    return tagged


def _side(group: pd.DataFrame, side: str, schema: pa.Schema) -> pa.Table:
    rows = group[group[_SIDE] == side]
    columns = {c: rows[f"{side}:{c}"] for c in schema.names}
    return pa.Table.from_pandas(pd.DataFrame(columns), schema=schema, preserve_index=False)


class _GroupTask:
    """What each group runs (a class so that it pickles by reference)."""

    def __init__(
        self,
        key: str,
        locations: pa.Table,
        options: _shards.Options,
        orders: pa.Schema,
        stock: pa.Schema,
        schema: pa.Schema,
        drop: List[str],
    ) -> None:
        self.key = key
        self.locations = locations
        self.options = options
        self.orders = orders
        self.stock = stock
        self.schema = schema
        self.drop = drop

    def __call__(self, group: pd.DataFrame) -> pd.DataFrame:
        value = group.name  # the group's key (pandas sets it on each group)
        union = _shards.simulate_shard(
            None if pd.isna(value) else value,
            _side(group, "orders", self.orders),
            _side(group, "stock", self.stock),
            self.locations,
            key=self.key,
            options=self.options,
            schema=self.schema,
            drop_stock_columns=self.drop,
        )
        frame: pd.DataFrame = union.to_pandas(types_mapper=pd.ArrowDtype)
        return frame


def simulate(
    orders: dd.DataFrame,
    stock: dd.DataFrame,
    locations: Any,
    *,
    key: str = "network",
    policy: Optional[Mapping[str, Any]] = None,
    currency: Optional[str] = None,
    allow_float_money: bool = False,
) -> DaskSimulation:
    """``oms_engine.simulate`` on Dask, one value of ``key`` per group.

    ``orders`` and ``stock`` are Dask DataFrames, ``locations`` a small
    table (anything with ``__arrow_c_stream__``, or a pandas DataFrame).
    ``key`` must hold all competition for stock (the ``network``, or a
    coarser region); stock gets it from ``locations`` when it has no such
    column. A null key is a group of its own.

    >>> result = oms_dask.simulate(orders, stock, locations)  # doctest: +SKIP
    """
    if isinstance(locations, pd.DataFrame):
        location_table = pa.Table.from_pandas(locations, preserve_index=False)
    else:
        location_table = _shards.to_arrow(locations)
    location_table = _shards.utc(location_table)
    if key not in orders.columns:
        raise ValueError(f"orders have no {key!r} column to partition on")
    drop: List[str] = []
    if key not in stock.columns:
        if key not in location_table.column_names:
            raise ValueError(f"neither stock nor locations have a {key!r} column to partition on")
        pairs = location_table.select(["location_id", key]).to_pandas(types_mapper=pd.ArrowDtype)
        merge: Callable[..., dd.DataFrame] = stock.merge  # not annotated in dask
        stock = merge(pairs, on="location_id", how="left")
        drop = [key]

    options = _shards.Options(policy, currency, allow_float_money)
    orders_schema = _arrow_schema(orders)
    stock_schema = _arrow_schema(stock)
    probe = _shards.run_simulation(
        orders_schema.empty_table(),
        stock_schema.empty_table().drop_columns(drop),
        location_table.schema.empty_table(),
        options,
    )
    schemas = _shards.result_schemas(probe)
    union_schema = _shards.union_schema(schemas, orders_schema.field(key).type)
    task = _GroupTask(key, location_table, options, orders_schema, stock_schema, union_schema, drop)

    concat: Callable[..., dd.DataFrame] = dd.concat  # not annotated in dask
    both = concat([_tagged(orders, "orders", key), _tagged(stock, "stock", key)])
    meta = union_schema.empty_table().to_pandas(types_mapper=pd.ArrowDtype)
    computed = both.groupby(_shards.GROUP_COLUMN, dropna=False).apply(task, meta=meta, include_groups=False).compute()
    union = pa.Table.from_pandas(computed, schema=union_schema, preserve_index=False)

    tables: Dict[str, pa.Table] = {}
    group_field = union_schema.field(_shards.GROUP_COLUMN)
    for name in ("allocations", "shipments", "backorders"):
        rows = _shards.split(union, name, pa.schema([group_field] + list(schemas[name])))
        # Back to oms_engine's own types (uint32 line numbers...), the key column first.
        typed = pa.schema([pa.field(key, group_field.type)] + list(schemas[name]))
        tables[name] = rows.rename_columns(typed.names).cast(typed)
    kpi_rows = _shards.split(union, "kpis", pa.schema([group_field] + list(schemas["kpis"])))
    kpis = _shards.merge_kpis(_shards.groups(kpi_rows, _shards.GROUP_COLUMN), schemas["kpis"])
    return DaskSimulation(tables["allocations"], tables["shipments"], tables["backorders"], kpis)
