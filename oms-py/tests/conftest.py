"""Shared fixtures: a stocked engine and a clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Iterator

import pytest

from oms_engine import Address, Engine

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)

SHIP_TO: Address = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical Engine Way",
    "city": "Springfield",
    "postal_code": "62701",
    "country": "US",
}

PRICE = Decimal("19.99")


class Clock:
    """Hands out strictly increasing times, a minute apart."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def stock_engine(engine: Engine, at: datetime) -> Engine:
    engine.define_location("WH1", "Main warehouse", at=at)
    engine.define_location("WH2", "Second warehouse", at=at)
    for sku in ("SHIRT-M", "MUG"):
        engine.define_product(sku, sku.title(), at=at, weight_g=300)
        engine.receive_stock(sku, "WH1", 10, at=at)
    return engine


@pytest.fixture
def engine() -> Iterator[Engine]:
    yield stock_engine(Engine(), T0)


def place(engine: Engine, order_id: str, at: datetime, quantity: int = 2, sku: str = "SHIRT-M") -> None:
    engine.place_order(
        order_id,
        [{"line_id": "1", "sku": sku, "quantity": quantity, "unit_price": PRICE}],
        SHIP_TO,
        at=at,
        customer_id="C-1",
    )
