"""Every error code maps to its exception class; bad input never crashes."""

from __future__ import annotations

from datetime import datetime, timezone, timedelta
from decimal import Decimal
from typing import Any

import pytest

import oms_engine
from oms_engine import (
    ConflictError,
    DuplicateError,
    Engine,
    InsufficientStockError,
    InvalidTransitionError,
    NotFoundError,
    OmsError,
    ValidationError,
)

from conftest import PRICE, SHIP_TO, Clock, place


def test_validation_error_is_a_value_error(engine: Engine, clock: Clock) -> None:
    with pytest.raises(ValueError) as info:
        engine.receive_stock("SHIRT-M", "WH1", 0, at=clock())
    err = info.value
    assert isinstance(err, ValidationError) and isinstance(err, OmsError)
    assert err.code == "validation"
    assert err.details["field"] == "quantity"
    assert "quantity" in str(err)


def test_not_found_error_is_a_key_error(engine: Engine, clock: Clock) -> None:
    with pytest.raises(KeyError) as info:
        engine.allocate("SO-404", at=clock())
    err = info.value
    assert isinstance(err, NotFoundError)
    assert err.code == "not_found"
    assert err.details == {"code": "not_found", "kind": "order", "id": "SO-404"}
    assert str(err) == 'order "SO-404" not found'
    with pytest.raises(NotFoundError):
        engine.order("nope")
    with pytest.raises(NotFoundError):
        engine.stock("NOPE", "WH1")
    with pytest.raises(NotFoundError):
        engine.product("NOPE")
    with pytest.raises(NotFoundError):
        engine.location("NOPE")
    with pytest.raises(NotFoundError):
        engine.shipment("NOPE")


def test_invalid_transition(engine: Engine, clock: Clock) -> None:
    place(engine, "SO-1", clock())
    engine.cancel_order("SO-1", "changed mind", at=clock())
    with pytest.raises(InvalidTransitionError) as info:
        engine.cancel_order("SO-1", "again", at=clock())
    assert info.value.code == "invalid_transition"
    assert info.value.details["state"] == "cancelled"


def test_insufficient_stock(engine: Engine, clock: Clock) -> None:
    with pytest.raises(InsufficientStockError) as info:
        engine.adjust_stock("MUG", "WH1", -11, "lost", at=clock())
    assert info.value.code == "insufficient_stock"
    assert (info.value.details["requested"], info.value.details["available"]) == (11, 10)


def test_duplicate(engine: Engine, clock: Clock) -> None:
    place(engine, "SO-1", clock())
    with pytest.raises(DuplicateError) as info:
        place(engine, "SO-1", clock(), quantity=5)
    assert info.value.code == "duplicate"


def test_conflict_on_an_event_that_does_not_fit(engine: Engine, clock: Clock) -> None:
    event = engine.receive_stock("MUG", "WH1", 1, at=clock())[0]
    with pytest.raises(ConflictError) as info:
        engine.apply({**event, "schema_version": 99})  # written by a newer engine
    assert info.value.code == "conflict"
    before = engine.snapshot()
    with pytest.raises(NotFoundError):
        Engine().apply(event)  # no such product or location there
    assert engine.snapshot() == before


def test_a_failed_command_changes_nothing(engine: Engine, clock: Clock) -> None:
    before = engine.snapshot()
    with pytest.raises(OmsError):
        engine.place_order(
            "SO-9",
            [
                {"line_id": "1", "sku": "MUG", "quantity": 1, "unit_price": PRICE},
                {"line_id": "2", "sku": "GHOST", "quantity": 1, "unit_price": PRICE},
            ],
            SHIP_TO,
            at=clock(),
            customer_id="C-1",
        )
    assert engine.snapshot() == before


def test_time_must_be_aware(engine: Engine) -> None:
    with pytest.raises(ValueError, match="naive"):
        engine.execute({"type": "allocate"}, datetime(2026, 1, 1))
    with pytest.raises(TypeError, match="datetime"):
        engine.execute({"type": "allocate"}, "2026-01-01T00:00:00Z")  # type: ignore[arg-type]
    # Any zone works; the engine records UTC.
    tz = timezone(timedelta(hours=2))
    events = engine.receive_stock("MUG", "WH1", 1, at=datetime(2026, 1, 1, 2, 0, tzinfo=tz))
    assert events[0]["at"] == "2026-01-01T00:00:00Z"


def test_float_money_is_refused(engine: Engine, clock: Clock) -> None:
    with pytest.raises(TypeError, match="Decimal"):
        engine.record_payment("SO-1", 19.99, at=clock())  # type: ignore[arg-type]
    place(engine, "SO-1", clock())
    with pytest.raises(ValidationError, match="decimal amount as a string"):
        engine.execute(
            {"type": "record_payment", "order_id": "SO-1", "kind": "captured", "amount": {"amount": 19.99, "currency": "USD"}},
            clock(),
        )
    with pytest.raises(ValueError, match="finite"):
        engine.record_payment("SO-1", Decimal("NaN"), at=clock())


@pytest.mark.parametrize(
    "command, error",
    [
        ([], TypeError),
        ("allocate", TypeError),
        (None, TypeError),
        ({}, ValidationError),
        ({"type": "no_such_command"}, ValidationError),
        ({"type": "allocate", "order_id": 7}, ValidationError),
        ({"type": "allocate", "extra": True}, ValidationError),
        ({"type": "receive_stock", "sku": "MUG", "location_id": "WH1", "quantity": -1}, ValidationError),
        ({"type": "receive_stock", "sku": "MUG", "location_id": "WH1", "quantity": 10**30}, ValueError),
        ({"type": "receive_stock", "sku": "MUG", "location_id": "WH1", "quantity": float("nan")}, ValueError),
        ({"type": "allocate", 1: 2}, TypeError),
        ({"type": "allocate", "order_id": object()}, TypeError),
        ({"type": "allocate", "order_id": b"SO-1"}, TypeError),
        ({"type": "define_location", "location_id": "X\u0000", "name": "n", "kind": "warehouse"}, ValidationError),
    ],
)
def test_bad_input_raises_a_typed_error(engine: Engine, clock: Clock, command: Any, error: type) -> None:
    before = engine.snapshot()
    with pytest.raises(error):
        engine.execute(command, clock())
    assert engine.snapshot() == before


def test_bad_arguments_to_queries_and_constructors(engine: Engine) -> None:
    with pytest.raises(TypeError):
        Engine("not a dict")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Engine({"currency": "dollars"})
    with pytest.raises(ValidationError):
        Engine({"no_such_setting": 1})
    with pytest.raises(ValidationError, match="on_hold"):
        engine.orders("lost")
    with pytest.raises(TypeError):
        engine.order(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Engine.from_snapshot("text")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Engine.from_snapshot(b"not a snapshot")
    with pytest.raises(TypeError):
        Engine.replay([1, 2])  # type: ignore[list-item]


def test_errors_pickle_with_their_fields() -> None:
    import pickle

    err = oms_engine.NotFoundError('order "X" not found', "not_found", {"kind": "order", "id": "X"})
    back = pickle.loads(pickle.dumps(err))
    assert (type(back), str(back), back.code, back.details) == (NotFoundError, str(err), "not_found", err.details)
