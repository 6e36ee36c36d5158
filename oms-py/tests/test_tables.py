"""The table API: Arrow tables in (pyarrow, Polars, pandas), oms_engine.Table out."""

from __future__ import annotations

import json
import pickle
import random
import signal
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict, List, Tuple

import pytest

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")
pd = pytest.importorskip("pandas")

import oms_engine  # noqa: E402
from oms_engine import Engine, Table, ValidationError, kpis, merge_kpi_tables, replay_table, simulate  # noqa: E402

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
TS = pa.timestamp("us", tz="UTC")


def orders_table(rows: List[Tuple[int, str, str, str, int, str, float, str]]) -> Any:
    """(minutes, order_id, channel, sku, quantity, price, latitude, priority) rows."""
    return pa.table(
        {
            "placed_at": pa.array([T0 + timedelta(minutes=r[0]) for r in rows], TS),
            "order_id": [r[1] for r in rows],
            "customer_id": ["C-" + r[1] for r in rows],
            "channel": [r[2] for r in rows],
            "sku": [r[3] for r in rows],
            "quantity": pa.array([r[4] for r in rows], pa.int64()),
            "unit_price": pa.array([Decimal(r[5]) for r in rows], pa.decimal128(10, 2)),
            "currency": ["USD"] * len(rows),
            "latitude": [r[6] for r in rows],
            "longitude": [-74.0] * len(rows),
            "priority": [r[7] for r in rows],
        }
    )


LOCATIONS = pa.table({"location_id": ["EAST", "WEST"], "latitude": [40.7, 34.0], "longitude": [-74.0, -74.0]})
STOCK = pa.table(
    {
        "location_id": ["EAST", "WEST", "EAST", "EAST"],
        "sku": ["MUG", "MUG", "TEE", "MUG"],
        "quantity": [3, 4, 1, 5],
        "at": pa.array([None, None, None, T0 + timedelta(hours=5)], TS),
    }
)
ORDERS = orders_table(
    [
        (0, "SO-1", "web", "MUG", 2, "9.50", 40.0, "standard"),
        (0, "SO-1", "web", "TEE", 1, "20.00", 40.0, "standard"),
        (5, "SO-2", "store", "MUG", 6, "9.50", 34.5, "standard"),
        (9, "SO-3", "web", "MUG", 2, "9.00", 39.0, "rush"),
        (10, "SO-4", "web", "TEE", 3, "20.00", 39.0, "standard"),
    ]
)


def rows(table: Table) -> List[Dict[str, Any]]:
    result: List[Dict[str, Any]] = pa.table(table).to_pylist()
    return result


def kpi(table: Table, name: str, key: Any = None) -> Dict[str, Any]:
    return next(r for r in rows(table) if r["name"] == name and r["key"] == key)


def test_simulate_allocates_ships_and_backorders() -> None:
    result = simulate(ORDERS, STOCK, LOCATIONS)
    allocations = [(r["order_id"], r["line"], r["sku"], r["location_id"], r["quantity"], r["from_backorder"]) for r in rows(result.allocations)]
    assert allocations == [
        ("SO-1", 1, "MUG", "EAST", 2, False),  # ships complete from the nearer EAST
        ("SO-1", 2, "TEE", "EAST", 1, False),
        ("SO-2", 1, "MUG", "WEST", 4, False),  # nobody has 6: the one covering most first
        ("SO-2", 1, "MUG", "EAST", 1, False),
        ("SO-3", 1, "MUG", "EAST", 2, True),  # nothing left: waits, rush, served first at 14:00
        ("SO-2", 1, "MUG", "EAST", 1, True),
    ]
    assert rows(result.backorders) == [{"order_id": "SO-4", "line": 1, "sku": "TEE", "quantity": 3}]
    shipments = rows(result.shipments)
    assert [(s["order_id"], s["shipment"], s["location_id"], s["units"]) for s in shipments] == [
        ("SO-1", 1, "EAST", 3),
        ("SO-2", 1, "WEST", 4),
        ("SO-2", 2, "EAST", 1),
        ("SO-3", 1, "EAST", 2),
        ("SO-2", 3, "EAST", 1),
    ]
    assert shipments[3]["shipped_at"] == T0 + timedelta(hours=5)
    fill = kpi(result.kpis, "fill_rate_units")
    assert (fill["numerator"], fill["denominator"]) == (Decimal(8), Decimal(14))
    sales = kpi(result.kpis, "sales_by_channel", "web")
    assert (sales["numerator"], sales["currency"], sales["unit"]) == (Decimal("117.00"), "USD", "money")
    assert kpi(result.kpis, "units_unfilled")["numerator"] == 3


def test_any_arrow_producer_and_any_row_order_give_the_same_tables() -> None:
    want = simulate(ORDERS, STOCK, LOCATIONS)
    for orders, stock, locations in [
        (pl.from_arrow(ORDERS), pl.from_arrow(STOCK), pl.from_arrow(LOCATIONS)),
        (ORDERS.to_pandas(), STOCK.to_pandas(), LOCATIONS.to_pandas()),
    ]:
        got = simulate(orders, stock, locations)
        assert got == want
    order = list(range(ORDERS.num_rows))
    random.Random(3).shuffle(order)
    shuffled = simulate(ORDERS.take(order), STOCK.take([3, 1, 0, 2]), LOCATIONS.take([1, 0]))
    assert shuffled == want
    # Polars string views and large strings read the same.
    large = ORDERS.cast(pa.schema([f.with_type(pa.large_string()) if f.type == pa.string() else f for f in ORDERS.schema]))
    assert simulate(large, STOCK, LOCATIONS) == want


def test_money_must_be_decimal_and_times_aware() -> None:
    floats = ORDERS.set_column(ORDERS.schema.get_field_index("unit_price"), "unit_price", pa.array([9.5, 20.0, 9.5, 9.0, 20.0]))
    with pytest.raises(ValidationError, match="allow_float_money=True"):
        simulate(floats, STOCK, LOCATIONS)
    assert simulate(floats, STOCK, LOCATIONS, allow_float_money=True) == simulate(ORDERS, STOCK, LOCATIONS)
    naive = ORDERS.set_column(0, "placed_at", pa.array([datetime(2026, 11, 2, 9)] * 5, pa.timestamp("us")))
    with pytest.raises(ValidationError, match="tz_localize") as e:
        simulate(naive, STOCK, LOCATIONS)
    assert e.value.code == "validation"
    with pytest.raises(ValidationError, match="no column \"sku\""):
        simulate(ORDERS.drop_columns(["sku"]), STOCK, LOCATIONS)
    with pytest.raises(ValidationError, match=r"orders\[1\]\.channel.*SO-1"):
        simulate(ORDERS.set_column(3, "channel", pa.array(["web", "store", "store", "web", "web"])), STOCK, LOCATIONS)
    with pytest.raises(ValidationError, match=r"stock\[0\]\.location_id"):
        simulate(ORDERS, STOCK.set_column(0, "location_id", pa.array(["NOWHERE", "WEST", "EAST", "EAST"])), LOCATIONS)
    with pytest.raises(TypeError, match="__arrow_c_stream__"):
        simulate([{"order_id": "SO-1"}], STOCK, LOCATIONS)  # type: ignore[arg-type]
    without_currency = ORDERS.drop_columns(["currency"])
    with pytest.raises(ValidationError, match="currency="):
        simulate(without_currency, STOCK, LOCATIONS)
    assert simulate(without_currency, STOCK, LOCATIONS, currency="USD") == simulate(ORDERS, STOCK, LOCATIONS)


def test_table_exports_pickles_and_converts() -> None:
    table = simulate(ORDERS, STOCK, LOCATIONS).allocations
    assert table.num_rows == len(table) == 6
    assert list(table.schema)[:3] == ["order_id", "line", "sku"]
    assert table.column_names == list(table.schema)
    assert repr(table).startswith("oms_engine.Table(6 rows; order_id: Utf8, line: UInt32")
    back = pickle.loads(pickle.dumps(table))
    assert back == table and back is not table
    data = pickle.dumps(table)
    with pytest.raises(ValueError, match="format version"):
        Table._from_ipc(b"OMSTABLE\x09\x00" + b"rest")
    assert data.count(b"OMSTABLE") == 1
    frame = table.to_pandas()
    assert list(frame["quantity"]) == [2, 1, 4, 1, 2, 1]
    assert str(frame["allocated_at"].dt.tz) == "UTC"
    polars_frame = table.to_polars()
    assert polars_frame.height == 6 and polars_frame["location_id"][2] == "WEST"
    assert pa.table(table).num_rows == 6


def test_progress_callback_and_ctrl_c() -> None:
    seen: List[Tuple[int, int]] = []
    simulate(ORDERS, STOCK, LOCATIONS, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (5, 5)

    def interrupt(done: int, total: int) -> None:
        signal.raise_signal(signal.SIGINT)  # as if Ctrl-C was pressed during the run

    big = orders_table([(i, f"SO-{i}", "web", "MUG", 1, "1.00", 40.0, "standard") for i in range(40_000)])
    with pytest.raises(KeyboardInterrupt):
        simulate(big, STOCK, LOCATIONS, progress=interrupt)

    def fail(done: int, total: int) -> None:
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        simulate(ORDERS, STOCK, LOCATIONS, progress=fail)
    pytest.importorskip("tqdm")
    assert simulate(ORDERS, STOCK, LOCATIONS, progress=True) == simulate(ORDERS, STOCK, LOCATIONS)


SHIP_TO = {"name": "Ada", "line1": "1 Main St", "city": "Springfield", "postal_code": "62701", "country": "US"}


def command_rows() -> List[Dict[str, Any]]:
    def usd(amount: str) -> Dict[str, str]:
        return {"amount": amount, "currency": "USD"}

    rows: List[Dict[str, Any]] = [
        {"type": "define_location", "location_id": "WH1", "name": "Main", "kind": "warehouse"},
        {"type": "define_product", "sku": "MUG", "name": "Mug"},
        {"type": "receive_stock", "sku": "MUG", "location_id": "WH1", "quantity": 5},
    ]
    for i, channel in enumerate(["web", "store", "web"]):
        rows.append(
            {
                "type": "place_order",
                "order_id": f"SO-{i}",
                "channel": channel,
                "customer_id": "C1",
                "ship_to": SHIP_TO,
                "lines": [{"line_id": "1", "sku": "MUG", "quantity": 2, "unit_price": usd("9.50")}],
            }
        )
        rows.append({"type": "record_payment", "order_id": f"SO-{i}", "kind": "captured", "amount": usd("19.00")})
    rows.append({"type": "receive_stock", "sku": "NOPE", "location_id": "WH1", "quantity": 1})  # fails
    rows.append({"type": "ship", "order_id": "SO-0", "shipment_id": "SH-1", "location_id": "WH1", "carrier": "UPS", "lines": [{"line_id": "1", "quantity": 2}]})
    for r, row in enumerate(rows):
        row["at"] = T0 + timedelta(minutes=r)
    return rows


def commands_table() -> Any:
    """One row per command, the union of their fields as columns (Polars
    infers the nested structs and lists from every row)."""
    return pl.DataFrame(command_rows(), infer_schema_length=None)


def test_execute_table_records_errors_per_row_and_replays() -> None:
    commands = commands_table()
    engine = Engine({"auto_allocate": True})
    events = engine.execute_table(commands, on_error="record")
    table = pa.table(events)
    assert set(table.column_names) >= {"seq", "row", "at", "type", "order_id", "event", "error", "error_code"}
    failed = [r for r in table.to_pylist() if r["error"] is not None]
    assert [(r["row"], r["error_code"]) for r in failed] == [(9, "not_found")]
    assert "NOPE" in failed[0]["error"]
    assert "order_shipped" in table["type"].to_pylist()
    rebuilt = replay_table(events, {"auto_allocate": True})
    assert rebuilt.snapshot() == engine.snapshot()
    # "raise" stops at the failing row, naming it; rows before it stay applied.
    other = Engine({"auto_allocate": True})
    with pytest.raises(oms_engine.NotFoundError, match=r"commands\[9\]"):
        other.execute_table(commands)
    assert other.order("SO-2") is not None
    with pytest.raises(ValueError, match="on_error"):
        other.execute_table(commands, on_error="ignore")


def test_kpis_from_an_events_table_group_and_merge_exactly() -> None:
    engine = Engine({"auto_allocate": True})
    events = engine.execute_table(commands_table(), on_error="record")
    by_channel = kpis(events)
    assert by_channel.column_names[:2] == ["channel", "name"]
    web = [r for r in rows(by_channel) if r["channel"] == "web" and r["name"] == "orders_by_channel"]
    assert web[0]["numerator"] == 2
    whole = kpis(events, by=())
    assert whole.column_names[0] == "name"
    # The same figures as the dict API.
    dicts = [json.loads(e) for e in pa.table(events)["event"].to_pylist() if e is not None]
    report = kpis(dicts)
    for k in report["kpis"]:
        row = kpi(whole, k["name"], k.get("key"))
        assert row["numerator"] == Decimal(k["numerator"]) and row["denominator"] == Decimal(k["denominator"])
    # Shards split by order add up to the whole, by channel too.
    table = pa.table(events)
    order_ids = table["order_id"].to_pylist()
    first = [o in (None, "SO-0") for o in order_ids]
    shards = [table.filter(pa.array(first)), table.filter(pa.array([not f for f in first]))]
    assert merge_kpi_tables([kpis(s, by=()) for s in shards]) == merge_kpi_tables([whole])
    assert merge_kpi_tables([kpis(s) for s in shards]) == merge_kpi_tables([by_channel])
    window = kpis(events, window=(T0 + timedelta(minutes=5), None), by=())
    assert kpi(window, "orders_by_channel", "web")["numerator"] == 1
    with pytest.raises(ValidationError, match="cannot group KPIs by"):
        kpis(events, by=("warehouse",))
    with pytest.raises(ValidationError, match="not a KPI table"):
        merge_kpi_tables([events])


def test_simulation_kpis_merge_across_networks() -> None:
    locations = LOCATIONS.append_column("network", pa.array(["N1", "N2"]))
    orders = ORDERS.append_column("network", pa.array(["N1", "N1", "N2", "N2", "N1"]))
    whole = simulate(orders, STOCK, locations)
    parts = []
    for net, location in [("N1", "EAST"), ("N2", "WEST")]:
        o = orders.filter(pa.compute.equal(orders["network"], net))
        s = STOCK.filter(pa.compute.equal(STOCK["location_id"], location))
        parts.append(simulate(o, s, locations.filter(pa.compute.equal(locations["network"], net))))
    assert merge_kpi_tables([p.kpis for p in parts]) == merge_kpi_tables([whole.kpis])
    got = sorted(r for p in parts for r in map(lambda d: tuple(d.values()), rows(p.allocations)))
    assert got == sorted(tuple(d.values()) for d in rows(whole.allocations))
