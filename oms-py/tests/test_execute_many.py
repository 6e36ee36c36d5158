"""Bulk loads: one call, each command atomic, stops at the first failure."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from oms_engine import Engine, NotFoundError, OmsError, ValidationError

from conftest import T0, Clock


def receipts(n: int, clock: Clock) -> Iterator[Tuple[Dict[str, Any], datetime]]:
    for _ in range(n):
        yield {"type": "receive_stock", "sku": "MUG", "location_id": "WH1", "quantity": 1}, clock()


def test_runs_every_command_and_returns_all_events(engine: Engine, clock: Clock) -> None:
    # A generator of 3,000 commands crosses several internal chunks.
    events = engine.execute_many(receipts(3_000, clock))
    assert len(events) == 3_000
    assert all(e["type"] == "stock_received" for e in events)
    assert engine.stock("MUG", "WH1")["on_hand"] == 3_010


def test_same_result_as_one_by_one(engine: Engine, clock: Clock) -> None:
    other = Engine.from_snapshot(engine.snapshot())
    batch = list(receipts(10, clock))
    one_by_one: List[Dict[str, Any]] = []
    for command, at in batch:
        one_by_one.extend(other.execute(command, at))
    assert engine.execute_many(batch) == one_by_one
    assert engine.snapshot() == other.snapshot()


def test_stops_at_the_first_failure_and_says_where(engine: Engine, clock: Clock) -> None:
    batch = list(receipts(1_500, clock))
    batch[1_200] = ({"type": "receive_stock", "sku": "GHOST", "location_id": "WH1", "quantity": 1}, clock())
    with pytest.raises(NotFoundError) as info:
        engine.execute_many(batch)
    err = info.value
    assert err.index == 1_200
    assert str(err).startswith("commands[1200]: ")
    assert err.events is not None and len(err.events) == 1_200
    # The commands before the failure stay applied, the rest never ran.
    assert engine.stock("MUG", "WH1")["on_hand"] == 10 + 1_200


def test_a_malformed_item_stops_the_batch_too(engine: Engine, clock: Clock) -> None:
    batch: List[Any] = list(receipts(3, clock))
    batch.insert(2, "not a pair")
    with pytest.raises(TypeError) as info:
        engine.execute_many(batch)
    assert getattr(info.value, "index") == 2
    assert "commands[2]" in str(info.value)
    assert engine.stock("MUG", "WH1")["on_hand"] == 12

    with pytest.raises(ValidationError) as bad:
        engine.execute_many([({"type": "nope"}, T0)])
    assert bad.value.index == 0 and bad.value.events == []

    with pytest.raises(ValueError, match="naive"):
        engine.execute_many([({"type": "allocate"}, datetime(2026, 1, 1))])


def test_empty_input(engine: Engine) -> None:
    assert engine.execute_many([]) == []
    assert engine.execute_many(iter(())) == []


def test_errors_raised_by_the_iterable_propagate(engine: Engine, clock: Clock) -> None:
    def broken() -> Iterator[Tuple[Dict[str, Any], datetime]]:
        yield from receipts(2, clock)
        raise RuntimeError("source failed")

    with pytest.raises(RuntimeError, match="source failed") as info:
        engine.execute_many(broken())
    assert getattr(info.value, "index") == 2
    assert engine.stock("MUG", "WH1")["on_hand"] == 12
    assert not isinstance(info.value, OmsError)


def test_without_collecting_events_the_state_is_the_same(engine: Engine, clock: Clock) -> None:
    other = Engine.from_snapshot(engine.snapshot())
    batch = list(receipts(2_500, clock))
    assert engine.execute_many(batch, collect_events=False) == []
    assert len(other.execute_many(batch)) == 2_500
    assert engine.snapshot() == other.snapshot()


@pytest.mark.parametrize("failing", [0, 5, 1_023, 1_024, 4_999])
def test_a_failure_anywhere_in_a_long_batch_stops_there(engine: Engine, clock: Clock, failing: int) -> None:
    batch = list(receipts(5_000, clock))
    batch[failing] = ({"type": "adjust_stock", "sku": "MUG", "location_id": "WH1", "delta": -10**9, "reason": "x"}, clock())
    with pytest.raises(OmsError) as info:
        engine.execute_many(batch)
    assert info.value.code == "insufficient_stock"
    assert info.value.index == failing
    assert info.value.events is not None and len(info.value.events) == failing
    assert engine.stock("MUG", "WH1")["on_hand"] == 10 + failing


def test_a_bad_item_late_in_a_long_batch_stops_there(engine: Engine, clock: Clock) -> None:
    batch: List[Any] = list(receipts(5_000, clock))
    batch[3_000] = ({"type": "receive_stock", "sku": "MUG", "location_id": "WH1", "quantity": object()}, clock())
    with pytest.raises(TypeError, match=r"commands\[3000\]: quantity: object is not supported") as info:
        engine.execute_many(batch, collect_events=False)
    assert getattr(info.value, "index") == 3_000
    assert getattr(info.value, "events") == []
    assert engine.stock("MUG", "WH1")["on_hand"] == 10 + 3_000
