"""The events table's KPI columns: what `execute_table` writes, and `kpis`
reading them to the same figures as each row's JSON."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Tuple

import pytest

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")

from networks_data import event_history  # noqa: E402
from oms_engine import Address, Engine, Table, ValidationError, kpis  # noqa: E402

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
KPI_COLUMNS = [
    "channel",
    "customer_id",
    "country",
    "order_total",
    "currency",
    "ship_by",
    "deliver_by",
    "status",
    "rma_id",
    "sku",
    "units",
    "lines",
]
SHIP_TO: Address = {"name": "Ada", "line1": "1 Main St", "city": "Springfield", "postal_code": "62701", "country": "US"}


def recorded(run: Any, config: Mapping[str, Any]) -> Tuple[Engine, Table]:
    """The commands `run(engine)` executes through the dict API, executed
    again from a commands table: the engine and its events table."""
    commands: List[Dict[str, Any]] = []

    class Recorder(Engine):
        def execute(self, command: Mapping[str, Any], at: datetime) -> List[Dict[str, Any]]:
            commands.append({**command, "at": at})
            return super().execute(command, at)

    run(Recorder(config))
    engine = Engine(config)
    return engine, engine.execute_table(pl.DataFrame(commands, infer_schema_length=None))


def json_only(events: Any) -> Any:
    return pa.table(events).drop_columns(KPI_COLUMNS)


def by_type(events: Table, kind: str) -> List[Dict[str, Any]]:
    return [r for r in pa.table(events).to_pylist() if r["type"] == kind]


def shop(engine: Engine) -> None:
    engine.define_location("WH1", "Main", at=T0)
    engine.define_product("MUG", "Mug", at=T0)
    engine.receive_stock("MUG", "WH1", 3, at=T0)
    engine.place_order(
        "SO-1",
        [{"line_id": "1", "sku": "MUG", "quantity": 2, "unit_price": Decimal("9.50")}],
        SHIP_TO,
        at=T0 + timedelta(minutes=1),
        customer_id="C1",
        channel="web",
        currency="USD",
        shipping_price=Decimal("4.99"),
        ship_by=T0 + timedelta(days=1),
    )
    engine.place_order(
        "SO-2",
        [{"line_id": "1", "sku": "MUG", "quantity": 3, "unit_price": Decimal("0.0000000000001")}],
        SHIP_TO,
        at=T0 + timedelta(minutes=2),
        customer_id="C2",
        channel="store",
        currency="USD",
    )
    engine.ship("SO-1", "SH-1", "WH1", {"1": 2}, at=T0 + timedelta(hours=2), carrier="UPS")


def test_execute_table_writes_the_kpi_columns() -> None:
    _, events = recorded(shop, {"require_payment": False, "auto_allocate": True})
    table = pa.table(events)
    assert table.column_names[8:] == KPI_COLUMNS
    schema = table.schema
    assert schema.field("order_total").type == pa.decimal128(38, 12)
    assert schema.field("ship_by").type == pa.timestamp("us", tz="UTC")
    assert schema.field("deliver_by").type == pa.date32()
    assert schema.field("units").type == pa.int64()
    line = schema.field("lines").type.value_type
    assert [(f.name, str(f.type), f.nullable) for f in line] == [
        ("line_id", "string", False),
        ("sku", "string", True),
        ("quantity", "int64", False),
        ("backordered", "int64", False),
        ("reason", "string", True),
    ]
    placed = by_type(events, "order_placed")
    first = placed[0]
    assert (first["channel"], first["customer_id"], first["country"], first["currency"]) == ("web", "C1", "US", "USD")
    assert first["order_total"] == Decimal("23.99")  # 2 × 9.50 + 4.99
    assert first["ship_by"] == T0 + timedelta(days=1)
    assert first["lines"] == [{"line_id": "1", "sku": "MUG", "quantity": 2, "backordered": 0, "reason": None}]
    # A total with more than 12 decimals does not fit the column: null, its currency kept.
    assert (placed[1]["order_total"], placed[1]["currency"]) == (None, "USD")
    allocated = by_type(events, "order_allocated")
    assert allocated[1]["lines"] == [
        {"line_id": "1", "sku": None, "quantity": 1, "backordered": 0, "reason": None},
        {"line_id": "1", "sku": None, "quantity": 0, "backordered": 2, "reason": None},
    ]
    received = by_type(events, "stock_received")[0]
    assert (received["sku"], received["units"], received["lines"]) == ("MUG", 3, None)
    statuses = {r["status"] for r in by_type(events, "order_status_changed")}
    assert {"allocated", "backordered", "shipped"} <= statuses


def test_kpis_read_the_columns_to_the_figures_of_the_json() -> None:
    events, first, last = event_history(orders=1_500)
    assert pa.table(events).column_names[8:] == KPI_COLUMNS
    windows: List[Optional[Tuple[Optional[datetime], Optional[datetime]]]] = [
        (first, last),
        None,
        (first + timedelta(days=2), None),
    ]
    as_polars = pl.from_arrow(events)  # string views and large lists
    no_json = pa.table(events).drop_columns(["event"])
    for by in [(), ("channel",), ("customer_id", "country")]:
        for window in windows:
            expected = kpis(json_only(events), window=window, by=by)
            assert expected.num_rows > 20
            assert kpis(events, window=window, by=by) == expected, (by, window)
            # Split by order over threads, the parts add up to the same table.
            for threads in (2, 3):
                assert kpis(events, window=window, by=by, threads=threads) == expected, (by, window, threads)
            assert kpis(as_polars, window=window, by=by) == expected, (by, window)
            # Only purchasing events need their JSON; this history has none.
            assert kpis(no_json, window=window, by=by) == expected, (by, window)


def test_a_total_the_column_cannot_hold_is_read_from_the_json() -> None:
    _, events = recorded(shop, {"require_payment": False, "auto_allocate": True})
    for by in [(), ("channel",)]:
        expected = kpis(json_only(events), by=by)
        assert kpis(events, by=by) == expected
    sales = {r["channel"]: r["numerator"] for r in pa.table(kpis(events)).to_pylist() if r["name"] == "sales_by_channel"}
    assert sales == {"web": Decimal("23.99"), "store": Decimal("0.0000000000003").quantize(Decimal("1E-12"))}
    with pytest.raises(ValidationError, match=r"events\[\d+\]\.event.*read whole|needs its `event`"):
        kpis(pa.table(events).drop_columns(["event"]))


def purchasing(engine: Engine) -> None:
    engine.define_location("WH1", "Main", at=T0)
    engine.define_product("MUG", "Mug", at=T0)
    engine.define_supplier("ACME", "Acme Supply", currency="USD", lead_time_days=2, at=T0)
    engine.set_supplier_item("ACME", "MUG", Decimal("2.50"), at=T0)
    engine.create_po("PO-1", "ACME", "WH1", [{"line_id": "1", "sku": "MUG", "quantity": 10}], at=T0)
    engine.submit_po("PO-1", at=T0 + timedelta(minutes=1))
    engine.send_po("PO-1", at=T0 + timedelta(minutes=2))
    engine.receive_po("PO-1", "R-1", "WH1", [{"line_id": "1", "quantity": 8}], at=T0 + timedelta(days=1))


def test_purchase_orders_are_read_whole_from_their_json() -> None:
    _, events = recorded(purchasing, {"require_payment": False})
    table = pa.table(events)
    po_rows = [r for r in table.to_pylist() if r["type"].startswith("po_")]
    assert po_rows and all(r["lines"] is None for r in po_rows)
    expected = kpis(json_only(events), by=())
    supplier = [r for r in pa.table(expected).to_pylist() if r["name"] == "supplier_on_time_rate"]
    assert [(r["key"], r["numerator"], r["denominator"]) for r in supplier] == [("ACME", 8, 8)]
    assert kpis(events, by=()) == expected
    assert kpis(events, by=(), threads=2) == expected
    row = [r["seq"] for r in table.to_pylist() if r["type"] == "po_created"][0]
    with pytest.raises(ValidationError, match=rf"events\[{row}\]\.event"):
        kpis(table.drop_columns(["event"]), by=())


def replace_column(table: Any, name: str, values: List[Any], type_: Any = None) -> Any:
    i = table.column_names.index(name)
    return table.set_column(i, name, pa.array(values, type=type_ or table.schema.field(name).type))


def test_bad_kpi_columns_are_named() -> None:
    _, events = recorded(shop, {"require_payment": False, "auto_allocate": True})
    table = pa.table(events)
    types = table["type"].to_pylist()
    status_row = types.index("order_status_changed")
    statuses = table["status"].to_pylist()
    statuses[status_row] = "lost"
    statuses[len(types) - 1 - types[::-1].index("order_status_changed")] = "gone"
    # The first bad row is named, however the rows are split over threads.
    for threads in (1, 2, 3):
        with pytest.raises(ValidationError, match=rf"events\[{status_row}\]\.status.*lost"):
            kpis(replace_column(table, "status", statuses), threads=threads)
    with pytest.raises(ValidationError, match="threads"):
        kpis(table, threads=0)
    placed_row = types.index("order_placed")
    channels = table["channel"].to_pylist()
    channels[placed_row] = None
    with pytest.raises(ValidationError, match=rf"events\[{placed_row}\]\.channel.*order_placed"):
        kpis(replace_column(table, "channel", channels))
    lines = table["lines"].to_pylist()
    lines[placed_row] = [{"line_id": "1", "sku": "MUG", "quantity": -2, "backordered": 0, "reason": None}]
    with pytest.raises(ValidationError, match=r"events\.lines\[0\]\.quantity.*negative"):
        kpis(replace_column(table, "lines", lines))
    lines[placed_row] = [{"line_id": "1", "sku": "MUG", "quantity": 2, "backordered": 0, "reason": "meh"}]
    with pytest.raises(ValidationError, match=r"events\.lines\[0\]\.reason.*not a return reason"):
        kpis(replace_column(table, "lines", lines))
    with pytest.raises(ValidationError, match=r"events\.lines.*must be a list"):
        kpis(replace_column(table, "lines", [None] * table.num_rows, pa.string()))
    at = table["at"].to_pylist()
    with pytest.raises(ValidationError, match=r"events\.at.*timezone-naive"):
        kpis(replace_column(table, "at", [t.replace(tzinfo=None) for t in at], pa.timestamp("us")))
