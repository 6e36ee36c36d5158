"""Arrow plumbing shared by ``oms_engine.spark`` and ``oms_engine.dask``.

One shard (the orders and stock of one partition key, say one network) is
simulated with ``oms_engine.simulate`` and its four result tables are put
into one Arrow table: a ``__oms_table__`` column says which table a row
belongs to, ``__oms_group__`` holds the shard's key, and the other columns
are the union of the four tables' columns (null where a table has no such
column). One pass over the shards thus yields all four results.

The union's types are the ones Spark (and pandas) can hold: unsigned
integers (``line``, ``shipment``, ``lines``) widen to int64, timestamps are
``timestamp[us, tz=UTC]``, large strings are plain strings.

Needs pyarrow; imported only by the scale-out modules.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence

import pyarrow as pa
import pyarrow.compute as pc

import oms_engine

TABLES = ("allocations", "shipments", "backorders", "kpis")
TABLE_COLUMN = "__oms_table__"
GROUP_COLUMN = "__oms_group__"


class Options(NamedTuple):
    """``oms_engine.simulate``'s options, carried to the tasks."""

    policy: Optional[Mapping[str, Any]]
    currency: Optional[str]
    allow_float_money: bool


def to_arrow(table: Any) -> pa.Table:
    """Any object with ``__arrow_c_stream__`` (an ``oms_engine.Table``) as a pyarrow Table."""
    if isinstance(table, pa.Table):
        return table
    return pa.table(table)


def portable_type(t: pa.DataType) -> pa.DataType:
    """The type a column has in the union (and in Spark)."""
    if pa.types.is_unsigned_integer(t):
        if t.bit_width == 64:
            raise TypeError("uint64 columns have no Spark type")
        return pa.int64()
    if pa.types.is_timestamp(t):
        return pa.timestamp("us", tz="UTC")
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return pa.string()
    if pa.types.is_dictionary(t):
        return portable_type(t.value_type)
    return t


def portable(table: pa.Table) -> pa.Table:
    """``table`` with every column of its ``portable_type``."""
    schema = pa.schema([pa.field(f.name, portable_type(f.type), f.nullable) for f in table.schema])
    return table if schema.equals(table.schema) else table.cast(schema)


def utc(table: pa.Table) -> pa.Table:
    """``table`` with its zoned timestamps labelled UTC (the same instants).

    Spark hands timestamps to Python in the session time zone; relabelling
    keeps the instants and makes the inputs independent of that setting.
    """
    fields = []
    changed = False
    for f in table.schema:
        t = f.type
        if pa.types.is_timestamp(t) and t.tz is not None and t.tz != "UTC":
            t = pa.timestamp(t.unit, tz="UTC")
            changed = True
        fields.append(pa.field(f.name, t, f.nullable))
    return table.cast(pa.schema(fields)) if changed else table


def union_schema(schemas: Mapping[str, pa.Schema], group_type: pa.DataType) -> pa.Schema:
    """The union of the four result schemas, after the discriminator and the group key."""
    fields: Dict[str, pa.Field] = {}
    for name in TABLES:
        for f in schemas[name]:
            t = portable_type(f.type)
            seen = fields.get(f.name)
            if seen is None:
                fields[f.name] = pa.field(f.name, t, True)
            elif not seen.type.equals(t):
                raise TypeError(f"column {f.name!r} has type {seen.type} in one result table and {t} in another")
    head = [pa.field(TABLE_COLUMN, pa.string(), False), pa.field(GROUP_COLUMN, portable_type(group_type), True)]
    return pa.schema(head + list(fields.values()))


def to_union(results: Mapping[str, pa.Table], group: Any, schema: pa.Schema) -> pa.Table:
    """The four result tables of one shard as one table of ``schema``."""
    parts = []
    group_type = schema.field(GROUP_COLUMN).type
    for name in TABLES:
        table = portable(results[name])
        n = table.num_rows
        columns = []
        for f in schema:
            if f.name == TABLE_COLUMN:
                columns.append(pa.repeat(pa.scalar(name, pa.string()), n))
            elif f.name == GROUP_COLUMN:
                columns.append(pa.repeat(pa.scalar(group, group_type), n))
            elif f.name in table.column_names:
                columns.append(table.column(f.name))
            else:
                columns.append(pa.nulls(n, f.type))
        parts.append(pa.Table.from_arrays(columns, schema=schema))
    return pa.concat_tables(parts)


def nullable(schema: pa.Schema) -> pa.Schema:
    """``schema`` with every field nullable.

    ``oms_engine``'s result tables mark a column ``not null`` when it holds
    no null (``distance_km`` of a shard whose addresses all have
    coordinates, ``value`` of a KPI table without a zero denominator), so
    the schema of one shard's (or an empty run's) tables does not bind the
    others'.
    """
    return pa.schema([f.with_nullable(True) for f in schema])


def result_schemas(results: Any) -> Dict[str, pa.Schema]:
    """The schemas of a ``SimulationResult``'s four tables, every field nullable."""
    return {name: nullable(to_arrow(getattr(results, name)).schema) for name in TABLES}


def results_dict(results: Any) -> Dict[str, pa.Table]:
    """A ``SimulationResult`` as pyarrow Tables by name."""
    return {name: to_arrow(getattr(results, name)) for name in TABLES}


def run_simulation(orders: pa.Table, stock: pa.Table, locations: pa.Table, options: Options) -> Any:
    """``oms_engine.simulate`` on one shard's tables."""
    return oms_engine.simulate(
        utc(orders),
        utc(stock),
        utc(locations),
        options.policy,
        currency=options.currency,
        allow_float_money=options.allow_float_money,
    )


def shard_locations(locations: pa.Table, key: str, group: Any, stock: pa.Table) -> pa.Table:
    """The locations a shard needs: those of its key, or else those its stock names."""
    if key in locations.column_names:
        column = locations.column(key)
        mask = pc.is_null(column) if group is None else pc.fill_null(pc.equal(column, group), False)
    else:
        mask = pc.is_in(locations.column("location_id"), value_set=pc.unique(stock.column("location_id")))
    return locations.filter(mask)


def simulate_shard(
    group: Any,
    orders: pa.Table,
    stock: pa.Table,
    locations: pa.Table,
    *,
    key: str,
    options: Options,
    schema: pa.Schema,
    drop_stock_columns: Sequence[str] = (),
) -> pa.Table:
    """Simulates one shard; its four results as one table of ``schema``."""
    if drop_stock_columns:
        stock = stock.drop_columns(list(drop_stock_columns))
    mine = shard_locations(locations, key, group, stock)
    return to_union(results_dict(run_simulation(orders, stock, mine, options)), group, schema)


def split(union: pa.Table, name: str, schema: pa.Schema) -> pa.Table:
    """The rows of result table ``name`` from a union, with the columns of ``schema``."""
    rows = union.filter(pc.equal(union.column(TABLE_COLUMN), name))
    return rows.select(schema.names)


def groups(table: pa.Table, column: str) -> List[pa.Table]:
    """``table`` split by the values of ``column`` (nulls form a group), that column dropped."""
    values = table.column(column)
    out = []
    for value in pc.unique(values).to_pylist():
        mask = pc.is_null(values) if value is None else pc.fill_null(pc.equal(values, value), False)
        out.append(table.filter(mask).drop_columns([column]))
    return out


def merge_kpis(partials: Iterable[pa.Table], schema: pa.Schema) -> pa.Table:
    """Partial KPI tables merged exactly with ``oms_engine.merge_kpi_tables``.

    ``schema`` is the KPI table's own schema (the partials are cast back to
    it from their portable types first).
    """
    tables = [t.cast(schema) for t in partials]
    if not tables:
        return schema.empty_table()
    return portable(to_arrow(oms_engine.merge_kpi_tables(tables)))
