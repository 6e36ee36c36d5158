"""Arbitrary Python values as commands: a typed error or success, never a crash or a half-applied change."""

from __future__ import annotations

import random
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from oms_engine import Engine, OmsError

from conftest import T0, stock_engine

FIELDS = ["type", "sku", "location_id", "quantity", "order_id", "lines", "line_id", "unit_price", "amount", "currency", "kind", "ship_to", "delta", "reason", "hold"]
TYPES = ["receive_stock", "adjust_stock", "place_order", "record_payment", "allocate", "ship", "place_hold", "cancel_order", "define_product", "nope"]


def value(rng: random.Random, depth: int) -> Any:
    choice = rng.randrange(14 if depth < 3 else 10)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([True, False])
    if choice == 2:
        return rng.choice([0, 1, -1, 7, 2**63, -(2**63) - 1, 10**40])
    if choice == 3:
        return rng.choice([0.5, float("inf"), float("nan"), -0.0])
    if choice == 4:
        return rng.choice(["", "MUG", "WH1", "SO-1", "x" * 300, "\u0000", "é", "19.99", "USD"])
    if choice == 5:
        return Decimal(rng.choice(["1", "19.99", "-3", "1E+3", "NaN"]))
    if choice == 6:
        return rng.choice([datetime(2026, 1, 1), datetime(2026, 1, 1, tzinfo=timezone.utc), date(2026, 1, 1)])
    if choice == 7:
        return rng.choice([b"bytes", object(), {1, 2}, 1j])
    if choice == 8:
        return rng.choice(TYPES)
    if choice == 9:
        return rng.choice(FIELDS)
    if choice in (10, 11):
        return {rng.choice(FIELDS): value(rng, depth + 1) for _ in range(rng.randrange(5))}
    if choice == 12:
        return [value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return tuple(value(rng, depth + 1) for _ in range(rng.randrange(3)))


def command(rng: random.Random) -> Any:
    c = {rng.choice(FIELDS): value(rng, 1) for _ in range(rng.randrange(6))}
    if rng.random() < 0.8:
        c["type"] = rng.choice(TYPES)
    return c if rng.random() < 0.95 else value(rng, 0)


def test_random_commands_never_crash_and_failures_change_nothing() -> None:
    rng = random.Random(20261122)
    engine = stock_engine(Engine(), T0)
    for _ in range(3_000):
        c = command(rng)
        before = engine.snapshot()
        try:
            engine.execute(c, T0)
        except (OmsError, TypeError, ValueError):
            assert engine.snapshot() == before
    assert engine.check_invariants() is None


def test_random_batches_stop_cleanly() -> None:
    rng = random.Random(7)
    engine = stock_engine(Engine(), T0)
    for _ in range(50):
        batch = [(command(rng), T0) for _ in range(rng.randrange(1, 40))]
        try:
            engine.execute_many(batch)
        except (OmsError, TypeError, ValueError) as e:
            assert isinstance(getattr(e, "index"), int)
    assert engine.check_invariants() is None
