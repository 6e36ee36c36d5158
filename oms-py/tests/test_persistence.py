"""Snapshots, pickling and replay round-trip exactly."""

from __future__ import annotations

import copy
import pickle
from decimal import Decimal
from typing import Any, Dict, List

import pytest

from oms_engine import ConflictError, Engine, ValidationError

from conftest import T0, Clock, place, stock_engine


def busy_engine(clock: Clock) -> Engine:
    engine = stock_engine(Engine({"auto_allocate": True}), T0)
    for n in range(5):
        order_id = f"SO-{n}"
        place(engine, order_id, clock())
        engine.record_payment(order_id, Decimal("39.98"), at=clock())
    engine.ship("SO-0", "P-0", "WH1", {"1": 2}, at=clock(), carrier="DHL")
    return engine


def test_snapshot_round_trips_byte_for_byte(clock: Clock) -> None:
    engine = busy_engine(clock)
    data = engine.snapshot()
    assert isinstance(data, bytes)
    restored = Engine.from_snapshot(data)
    assert type(restored) is Engine
    assert restored.snapshot() == data
    assert restored.order("SO-0") == engine.order("SO-0")
    assert restored.config() == engine.config()


def test_pickle_and_deepcopy(clock: Clock) -> None:
    engine = busy_engine(clock)
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(engine, protocol=protocol))
        assert type(back) is Engine
        assert back.snapshot() == engine.snapshot()
    clone = copy.deepcopy(engine)
    clone.cancel_order("SO-1", "test", at=clock())
    assert engine.order("SO-1")["status"] != "cancelled"


def test_replay_rebuilds_the_same_state(clock: Clock) -> None:
    engine = Engine()
    at = clock()
    log: List[Dict[str, Any]] = []
    log += engine.define_location("WH1", "Main", at=at)
    log += engine.define_product("MUG", "Mug", at=at)
    log += engine.receive_stock("MUG", "WH1", 5, at=at)
    log += engine.place_order(
        "SO-1",
        [{"line_id": "1", "sku": "MUG", "quantity": 2, "unit_price": Decimal("19.99")}],
        {"name": "A", "line1": "1 Main St", "city": "X", "postal_code": "1", "country": "US"},
        at=clock(),
        customer_id="C-1",
    )
    log += engine.record_payment("SO-1", Decimal("39.98"), at=clock())
    log += engine.allocate("SO-1", at=clock())
    replayed = Engine.replay(log)
    assert type(replayed) is Engine
    assert replayed.snapshot() == engine.snapshot()
    assert replayed.events_applied() == len(log)
    # Any iterable works; the config is the host's (the log does not carry it).
    other = Engine.replay(iter(log), config={"currency": "USD", "require_payment": True})
    assert other.order("SO-1") == engine.order("SO-1")


def test_replay_refuses_a_log_that_does_not_fit(clock: Clock) -> None:
    engine = Engine()
    events = engine.define_location("WH1", "Main", at=clock())
    events += engine.define_product("MUG", "Mug", at=clock())
    events += engine.receive_stock("MUG", "WH1", 5, at=clock())
    with pytest.raises(ConflictError):
        Engine.replay(events[2:])
    with pytest.raises(ValidationError, match=r"events\[0\]"):
        Engine.replay([{"type": "no_such_event"}])


def test_a_second_engine_follows_by_apply(clock: Clock) -> None:
    primary = stock_engine(Engine(), T0)
    follower = Engine.from_snapshot(primary.snapshot())
    events = primary.place_order(
        "SO-7",
        [{"line_id": "1", "sku": "MUG", "quantity": 1, "unit_price": Decimal("5")}],
        {"name": "A", "line1": "1 Main St", "city": "X", "postal_code": "1", "country": "US"},
        at=clock(),
        customer_id="C-1",
    )
    for e in events:
        follower.apply(e)
    assert follower.order("SO-7") == primary.order("SO-7")
    assert follower.snapshot() == primary.snapshot()
