"""A deterministic order history over several fulfillment networks, for the
scale-out tests (``test_spark.py``, ``test_dask.py``) and the Spark bench.

    from networks_data import generate
    data = generate(orders=50_000, seed=7)
    oms_engine.simulate(data.orders, data.stock, data.locations)

Pure Python and pyarrow (no numpy), seeded, so every run builds the same
tables:

- ``locations``: 7 networks of 3 to 6 locations each, with coordinates,
  country, postal code and a priority, plus 2 locations without a network
  (they and the orders without one form a network of their own, which
  exercises a null partition key).
- ``stock``: opening stock (``at`` null) that runs short for every fifth
  SKU, and receipts during the month (``at`` set), some at an order's
  exact placement time.
- ``orders``: one row per order line, 1 to 4 lines per order, over 28 days
  from 2026-11-01 UTC; channels ``web`` and ``store``; USD, EUR in the
  European networks; 10% rush; 5% of orders with a postal code but no
  coordinates; prices as ``decimal128(12, 2)``; times as
  ``timestamp[us, tz=UTC]``.
"""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Set, Tuple

import pyarrow as pa

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
DAYS = 28
SKUS = 300

TIMESTAMP = pa.timestamp("us", tz="UTC")
PRICE = pa.decimal128(12, 2)

# name: (country, currency, latitude, longitude, postal prefix, locations)
NETWORKS: Dict[str, Tuple[str, str, float, float, str, int]] = {
    "us-east": ("US", "USD", 40.7, -74.0, "1", 5),
    "us-west": ("US", "USD", 37.8, -122.4, "9", 4),
    "us-central": ("US", "USD", 41.9, -87.6, "6", 3),
    "eu-west": ("FR", "EUR", 48.9, 2.35, "7", 6),
    "eu-central": ("DE", "EUR", 50.1, 8.7, "6", 4),
    "nordics": ("SE", "EUR", 59.3, 18.1, "1", 3),
    "apac": ("AU", "USD", -33.9, 151.2, "2", 4),
}
# The orders and locations that have no network (a null key).
UNNETWORKED = ("US", "USD", 39.0, -95.0, "5", 2)


class NetworkData(NamedTuple):
    """The three input tables of ``oms_engine.simulate``."""

    orders: pa.Table
    stock: pa.Table
    locations: pa.Table


ORDERS_SCHEMA = pa.schema(
    [
        ("placed_at", TIMESTAMP),
        ("order_id", pa.string()),
        ("customer_id", pa.string()),
        ("channel", pa.string()),
        ("sku", pa.string()),
        ("quantity", pa.int64()),
        ("unit_price", PRICE),
        ("currency", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("country", pa.string()),
        ("postal_code", pa.string()),
        ("priority", pa.string()),
        ("network", pa.string()),
    ]
)

STOCK_SCHEMA = pa.schema(
    [
        ("location_id", pa.string()),
        ("sku", pa.string()),
        ("quantity", pa.int64()),
        ("at", TIMESTAMP),
    ]
)

LOCATIONS_SCHEMA = pa.schema(
    [
        ("location_id", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("country", pa.string()),
        ("postal_code", pa.string()),
        ("priority", pa.int32()),
        ("network", pa.string()),
    ]
)


def _sku(i: int) -> str:
    return f"SKU-{i:04d}"


def _postal(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice("0123456789") for _ in range(4))


def generate(orders: int = 50_000, seed: int = 7) -> NetworkData:
    """Builds the tables; the same ``orders`` and ``seed`` give the same tables."""
    rng = random.Random(seed)
    networks: List[Tuple[Optional[str], Tuple[str, str, float, float, str, int]]] = list(NETWORKS.items())
    networks.append((None, UNNETWORKED))

    # Locations: spread a few degrees around the network's centre.
    loc_rows: Dict[str, List[object]] = {name: [] for name in LOCATIONS_SCHEMA.names}
    by_network: Dict[Optional[str], List[str]] = {}
    for network, (country, _, lat, lon, prefix, count) in networks:
        ids = by_network.setdefault(network, [])
        for i in range(count):
            location_id = f"{(network or 'legacy').upper()}-{i + 1}"
            ids.append(location_id)
            loc_rows["location_id"].append(location_id)
            loc_rows["latitude"].append(round(lat + rng.uniform(-4, 4), 4))
            loc_rows["longitude"].append(round(lon + rng.uniform(-5, 5), 4))
            loc_rows["country"].append(country)
            loc_rows["postal_code"].append(_postal(rng, prefix))
            loc_rows["priority"].append(rng.randint(1, 3))
            loc_rows["network"].append(network)
    locations = pa.table(loc_rows, schema=LOCATIONS_SCHEMA)

    # Demand: orders spread by network weight; popular SKUs first.
    weights = [rng.uniform(0.6, 1.4) for _ in networks]
    weights[-1] = 0.15  # few orders without a network
    sku_cumulative = list(itertools.accumulate(1.0 / (1 + i / 40) for i in range(SKUS)))
    network_cumulative = list(itertools.accumulate(weights))
    prices = [Decimal(rng.randint(199, 9999)) / 100 for _ in range(SKUS)]
    order_rows: Dict[str, List[object]] = {name: [] for name in ORDERS_SCHEMA.names}
    demand: Dict[Tuple[Optional[str], int], int] = {}
    placements: List[datetime] = []
    seconds = DAYS * 24 * 3600
    for n in range(orders):
        index = rng.choices(range(len(networks)), cum_weights=network_cumulative)[0]
        network, (country, currency, lat, lon, prefix, _) = networks[index]
        placed_at = T0 + timedelta(seconds=rng.randrange(seconds))
        placements.append(placed_at)
        has_coordinates = rng.random() >= 0.05
        latitude = round(lat + rng.uniform(-6, 6), 4) if has_coordinates else None
        longitude = round(lon + rng.uniform(-7, 7), 4) if has_coordinates else None
        postal_code = _postal(rng, prefix)
        channel = "web" if rng.random() < 0.7 else "store"
        priority = "rush" if rng.random() < 0.1 else "standard"
        customer_id = f"C-{rng.randrange(orders // 3 + 1):06d}"
        order_id = f"SO-{n + 1:07d}"
        lines = rng.choices((1, 2, 3, 4), (0.45, 0.3, 0.15, 0.1))[0]
        skus: Set[int] = set()
        while len(skus) < lines:
            skus.add(rng.choices(range(SKUS), cum_weights=sku_cumulative)[0])
        for s in sorted(skus):
            quantity = rng.choices((1, 2, 3, 5), (0.6, 0.25, 0.1, 0.05))[0]
            demand[(network, s)] = demand.get((network, s), 0) + quantity
            order_rows["placed_at"].append(placed_at)
            order_rows["order_id"].append(order_id)
            order_rows["customer_id"].append(customer_id)
            order_rows["channel"].append(channel)
            order_rows["sku"].append(_sku(s))
            order_rows["quantity"].append(quantity)
            order_rows["unit_price"].append(prices[s])
            order_rows["currency"].append(currency)
            order_rows["latitude"].append(latitude)
            order_rows["longitude"].append(longitude)
            order_rows["country"].append(country)
            order_rows["postal_code"].append(postal_code)
            order_rows["priority"].append(priority)
            order_rows["network"].append(network)
    orders_table = pa.table(order_rows, schema=ORDERS_SCHEMA)

    # Stock: the opening covers about 70% of the month's demand (30% for
    # every fifth SKU, which runs short); receipts bring about 25% more over
    # the month, a few of them at an order's very placement time.
    stock_rows: Dict[str, List[object]] = {name: [] for name in STOCK_SCHEMA.names}

    def add(location_id: str, s: int, quantity: int, at: Optional[datetime]) -> None:
        stock_rows["location_id"].append(location_id)
        stock_rows["sku"].append(_sku(s))
        stock_rows["quantity"].append(quantity)
        stock_rows["at"].append(at)

    for network, _ in networks:
        ids = by_network[network]
        for s in range(SKUS):
            need = demand.get((network, s), 0)
            share = 0.3 if s % 5 == 0 else 0.7
            opening = int(need * share)
            holders = rng.sample(ids, rng.randint(1, len(ids)))
            for i, location_id in enumerate(holders):
                part = opening // len(holders) + (1 if i < opening % len(holders) else 0)
                if part > 0:
                    add(location_id, s, part, None)
            incoming = int(need * 0.25)
            while incoming > 0:
                quantity = min(incoming, rng.randint(5, 60))
                incoming -= quantity
                if rng.random() < 0.1:
                    at = rng.choice(placements)
                else:
                    at = T0 + timedelta(days=rng.randrange(1, DAYS), hours=rng.randrange(5, 9))
                add(rng.choice(ids), s, quantity, at)
    stock = pa.table(stock_rows, schema=STOCK_SCHEMA)
    return NetworkData(orders_table, stock, locations)


def event_history(orders: int = 1_500, seed: int = 5) -> Tuple[pa.Table, datetime, datetime]:
    """An engine's event log as an events table (``Engine.execute_table``'s),
    with its first and last event times.

    Three warehouses, 20 SKUs (every fourth runs short until receipts come);
    orders on two channels, allocated as placed; each location's share is
    shipped some minutes later and delivered hours later; 4% of the orders
    are cancelled before allocation; every 100 orders, receipts and an
    allocation run serve the backorders. The commands are recorded through
    the dict API, then replayed into a fresh engine with ``execute_table``.
    """
    from oms_engine import Engine

    commands: List[Dict[str, Any]] = []
    times: List[datetime] = []

    class Recorder(Engine):
        def execute(self, command: Mapping[str, Any], at: datetime) -> List[Dict[str, Any]]:
            commands.append({**command, "at": at})
            times.append(at)
            return super().execute(command, at)

    config = {"require_payment": False}
    rng = random.Random(seed)
    engine = Recorder(config)
    clock = T0
    for i, (lat, lon) in enumerate(((40.7, -74.0), (41.9, -87.6), (34.0, -118.2))):
        engine.define_location(f"WH{i + 1}", f"Warehouse {i + 1}", at=clock, lat=lat, lon=lon)
    skus = [_sku(i) for i in range(20)]
    for s in skus:
        engine.define_product(s, s.title(), at=clock, weight_g=250)
        for location in ("WH1", "WH2", "WH3"):
            short = int(s[-4:]) % 4 == 0
            engine.receive_stock(s, location, rng.randint(2, 8) if short else rng.randint(60, 120), at=clock)

    to_ship: List[Tuple[datetime, str, str, Dict[str, int]]] = []
    to_deliver: List[Tuple[datetime, str]] = []
    serial = itertools.count(1)

    def book(events: List[Dict[str, Any]], at: datetime) -> None:
        for event in events:
            if event["type"] != "order_allocated":
                continue
            by_location: Dict[str, Dict[str, int]] = {}
            for a in event["allocations"]:
                lines = by_location.setdefault(a["location_id"], {})
                lines[a["line_id"]] = lines.get(a["line_id"], 0) + a["quantity"]
            for location, lines in sorted(by_location.items()):
                to_ship.append((at + timedelta(minutes=rng.randint(5, 90)), event["order_id"], location, lines))
                to_ship.sort(key=lambda x: x[0])

    def catch_up(now: datetime) -> None:
        """Ships and delivers what is due by ``now``, in time order."""
        while True:
            ship_at = to_ship[0][0] if to_ship else None
            deliver_at = to_deliver[0][0] if to_deliver else None
            if ship_at is not None and ship_at <= now and (deliver_at is None or ship_at <= deliver_at):
                at, order_id, location, lines = to_ship.pop(0)
                shipment_id = f"P-{next(serial):06d}"
                engine.ship(order_id, shipment_id, location, lines, at=at, carrier="UPS")
                to_deliver.append((at + timedelta(hours=rng.randint(6, 72)), shipment_id))
                to_deliver.sort(key=lambda x: x[0])
            elif deliver_at is not None and deliver_at <= now:
                at, shipment_id = to_deliver.pop(0)
                engine.confirm_delivery(shipment_id, at=at)
            else:
                return

    for n in range(orders):
        clock += timedelta(minutes=rng.randint(1, 12))
        catch_up(clock)
        order_id = f"SO-{n + 1:05d}"
        picked = sorted(rng.sample(skus, rng.randint(1, 3)))
        lines: List[Any] = [
            {"line_id": str(j + 1), "sku": s, "quantity": rng.randint(1, 3), "unit_price": Decimal("4.50") + j}
            for j, s in enumerate(picked)
        ]
        ship_to: Any = {"name": "Ada", "line1": "1 Main St", "city": "Springfield", "postal_code": "62701", "country": "US"}
        engine.place_order(
            order_id, lines, ship_to, at=clock, customer_id=f"C-{rng.randrange(300):04d}",
            channel="web" if rng.random() < 0.7 else "store",
        )
        if rng.random() < 0.04:
            engine.cancel_order(order_id, "customer asked", at=clock)
            continue
        book(engine.allocate(order_id, at=clock), clock)
        if n % 100 == 99:
            for s in skus[::4]:
                engine.receive_stock(s, rng.choice(("WH1", "WH2", "WH3")), rng.randint(10, 40), at=clock)
            book(engine.allocate(at=clock), clock)
    catch_up(clock + timedelta(days=30))
    last = max(times)

    # One column per command field (pa.array unites the rows' keys; absent ones are null).
    table = pa.Table.from_struct_array(pa.array(commands))
    events = Engine(config).execute_table(table)
    return pa.table(events), T0, last


#: Each result table's key columns: sorted by them, tables compare row for row.
SORT_KEYS: Dict[str, Tuple[str, ...]] = {
    "allocations": ("order_id", "line", "allocated_at", "location_id"),
    "shipments": ("order_id", "shipment"),
    "backorders": ("order_id", "line"),
    "kpis": ("name", "key", "currency"),
}


def sort_rows(table: pa.Table, keys: Sequence[str]) -> pa.Table:
    """``table`` sorted by ``keys`` (nulls last), then by every other column, for comparisons."""
    rest = [c for c in table.column_names if c not in keys]
    order = [(c, "ascending") for c in list(keys) + rest]
    return table.sort_by(order)


def assert_same_rows(expected: pa.Table, actual: pa.Table, keys: Sequence[str], what: str) -> None:
    """Asserts two tables hold the same rows (in any order).

    ``actual`` may have extra columns (a partition key) and the portable
    types of a Spark or pandas round trip (int64 for uint32, ...): it is
    cut and cast to ``expected``'s schema first.
    """
    actual = actual.select(expected.column_names).cast(expected.schema)
    assert actual.num_rows == expected.num_rows, f"{what}: {actual.num_rows} rows, expected {expected.num_rows}"
    left = sort_rows(expected, keys)
    right = sort_rows(actual, keys)
    if left.equals(right):
        return
    for i, (a, b) in enumerate(zip(left.to_pylist(), right.to_pylist())):
        assert a == b, f"{what}: row {i} of {left.num_rows} (sorted by {', '.join(keys)}) differs"
    raise AssertionError(f"{what}: tables differ in their metadata")  # pragma: no cover


def main() -> None:
    data = generate()
    for name, table in zip(NetworkData._fields, data):
        print(f"{name}: {table.num_rows} rows")
    print(data.orders.schema)


if __name__ == "__main__":
    main()
