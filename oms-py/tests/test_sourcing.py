"""Sourcing from Python: policies, explanations, channels, cart holds, reallocation."""

from __future__ import annotations

import pickle
from datetime import timedelta
from decimal import Decimal
from typing import Any, Dict, List

import pytest

from oms_engine import Address, Engine, InsufficientStockError, NotFoundError, ValidationError

from conftest import PRICE, T0, Clock

NEWARK: Address = {
    "name": "Ada",
    "line1": "1 Main St",
    "city": "Newark",
    "postal_code": "07102",
    "country": "US",
    "lat": 40.73,
    "lon": -74.17,
}


def two_coasts(clock: Clock) -> Engine:
    engine = Engine({"require_payment": False})
    engine.define_location("EAST", "East", at=clock(), lat=40.7, lon=-74.0, priority=2)
    engine.define_location("WEST", "West", at=clock(), lat=34.0, lon=-118.2, priority=1)
    engine.define_product("MUG", "Mug", at=clock(), weight_g=1000)
    engine.receive_stock("MUG", "EAST", 5, at=clock())
    engine.receive_stock("MUG", "WEST", 5, at=clock())
    return engine


def order(engine: Engine, order_id: str, quantity: int, clock: Clock, **extra: Any) -> None:
    engine.place_order(
        order_id,
        [{"line_id": "1", "sku": "MUG", "quantity": quantity, "unit_price": PRICE}],
        NEWARK,
        at=clock(),
        customer_id="C1",
        **extra,
    )


def allocated(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return next(e for e in events if e["type"] == "order_allocated")


def test_allocation_explains_its_choice(clock: Clock) -> None:
    engine = two_coasts(clock)
    order(engine, "O1", 2, clock)
    event = allocated(engine.allocate("O1", at=clock()))
    assert event["allocations"] == [{"line_id": "1", "location_id": "EAST", "quantity": 2}]
    explanation = event["explanation"]
    assert explanation["rules"] == ["ship_complete", "fewest_shipments", "nearest", "location_priority"]
    assert explanation["chosen"] == [{"location_id": "EAST", "units": 2, "won_by": "nearest", "runner_up": "WEST"}]
    assert [c["location_id"] for c in explanation["candidates"]] == ["EAST", "WEST"]
    assert explanation["candidates"][0]["distance_km"] < 50
    assert engine.order("O1")["version"] == 2


def test_policy_channels_and_priorities(clock: Clock) -> None:
    engine = two_coasts(clock)
    engine.set_sourcing_policy(["location_priority"], at=clock())
    assert engine.sourcing_policy() == {"rules": ["location_priority"]}
    order(engine, "O1", 1, clock)
    assert allocated(engine.allocate("O1", at=clock()))["allocations"][0]["location_id"] == "WEST"

    engine.define_channel("amazon", at=clock(), location_ids=["EAST"], buffer_percent=20)
    assert engine.channel("amazon") == {"channel": "amazon", "location_ids": ["EAST"], "buffer": {"percent": 20.0}}
    assert engine.channel_available("amazon", "MUG") == 4  # 5 - ceil(1.0)
    order(engine, "A1", 1, clock, channel="amazon", customer_tier="vip")
    assert allocated(engine.allocate("A1", at=clock()))["allocations"][0]["location_id"] == "EAST"
    assert engine.order("A1")["customer_tier"] == "vip"
    assert [c["channel"] for c in engine.channels()] == ["amazon"]
    with pytest.raises(NotFoundError):
        engine.channel("ebay")


def test_lowest_cost_takes_decimal_rates(clock: Clock) -> None:
    engine = two_coasts(clock)

    def rate(location: str, per_shipment: str) -> Dict[str, Any]:
        return {
            "location_id": location,
            "zone": "us",
            "per_shipment": {"amount": Decimal(per_shipment), "currency": "USD"},
            "per_kg": {"amount": Decimal("0.50"), "currency": "USD"},
        }

    table = {"zones": [{"zone": "us", "country": "US"}], "rates": [rate("EAST", "9.00"), rate("WEST", "4.00")]}
    engine.set_sourcing_policy([{"lowest_cost": table}], at=clock())
    order(engine, "O1", 1, clock)
    explanation = allocated(engine.allocate("O1", at=clock()))["explanation"]
    assert explanation["chosen"][0]["location_id"] == "WEST"
    assert explanation["candidates"][0]["cost"] == {"amount": "4.50", "currency": "USD"}


def test_bad_policies_raise_validation_errors(clock: Clock) -> None:
    engine = two_coasts(clock)
    for rules in (["nearest", "nearest"], ["closest"], ["lowest_cost"]):
        with pytest.raises(ValidationError):
            engine.set_sourcing_policy(rules, at=clock())
    with pytest.raises(ValidationError):
        engine.set_sourcing_policy(["nearest"], max_shipments=0, at=clock())


def test_cart_holds(clock: Clock) -> None:
    engine = two_coasts(clock)
    now = clock()
    engine.hold_stock("H1", "MUG", 3, channel="web", expires_at=now + timedelta(minutes=15), at=now)
    engine.hold_stock("H2", "MUG", 2, channel="web", expires_at=now + timedelta(minutes=30), at=now)
    assert engine.channel_available("web", "MUG") == 5
    assert engine.next_hold_expiry() == now + timedelta(minutes=15)
    assert [h["hold_id"] for h in engine.stock_holds()] == ["H1", "H2"]
    with pytest.raises(InsufficientStockError):
        engine.hold_stock("H3", "MUG", 6, channel="web", expires_at=now + timedelta(minutes=5), at=now)

    order(engine, "O1", 3, clock)
    events = engine.convert_hold("H1", "O1", at=clock())
    assert [e["type"] for e in events][:2] == ["stock_hold_converted", "order_allocated"]
    expired = engine.expire_holds(at=now + timedelta(minutes=30))
    assert [(e["type"], e["reason"]) for e in expired] == [("stock_hold_released", "expired")]
    assert engine.next_hold_expiry() is None
    engine.hold_stock("H4", "MUG", 1, channel="web", expires_at=now + timedelta(hours=1), at=clock())
    engine.release_stock_hold("H4", at=clock())
    assert engine.stock_holds() == []
    assert engine.check_invariants() is None


def test_counts_release_and_reallocate_moves(clock: Clock) -> None:
    engine = two_coasts(clock)
    order(engine, "O1", 4, clock)
    engine.allocate("O1", at=clock())
    events = engine.count_stock("MUG", "EAST", 1, at=clock())
    kinds = [e["type"] for e in events]
    assert kinds[:2] == ["allocation_released", "stock_adjusted"]
    assert events[0]["reason"] == "stock_short"
    # Re-sourced: one unit stays EAST, three come from WEST.
    view = engine.order("O1")
    assert sorted((a["location_id"], a["quantity"]) for a in view["lines"][0]["allocations"]) == [
        ("EAST", 1),
        ("WEST", 3),
    ]
    engine.receive_stock("MUG", "EAST", 10, at=clock())
    moved = engine.reallocate("O1", at=clock())
    assert [e["type"] for e in moved][:2] == ["allocation_released", "order_allocated"]
    assert engine.order("O1")["lines"][0]["allocations"] == [{"location_id": "EAST", "quantity": 4}]


def test_policies_channels_and_holds_survive_pickling(clock: Clock) -> None:
    engine = two_coasts(clock)
    engine.set_sourcing_policy(["nearest"], max_shipments=1, at=clock())
    engine.define_channel("pos", at=clock(), buffer_units=2)
    engine.hold_stock("H1", "MUG", 1, channel="pos", expires_at=T0 + timedelta(days=1), at=clock())
    copy: Engine = pickle.loads(pickle.dumps(engine))
    assert copy.snapshot() == engine.snapshot()
    assert copy.sourcing_policy() == {"rules": ["nearest"], "max_shipments": 1}
    assert copy.channel_available("pos", "MUG") == engine.channel_available("pos", "MUG") == 7


def test_idempotency_keys_and_expected_versions(clock: Clock) -> None:
    from oms_engine import ConflictError, DuplicateError

    engine = two_coasts(clock)
    command: Dict[str, Any] = {"type": "allocate", "order_id": "O1", "idempotency_key": "alloc-O1"}
    order(engine, "O1", 1, clock)
    assert engine.order("O1")["version"] == 1
    first = engine.execute(command, clock())
    assert first[0]["idempotency"]["key"] == "alloc-O1"
    assert engine.execute(command, clock()) == []
    with pytest.raises(DuplicateError):
        engine.execute({"type": "allocate", "idempotency_key": "alloc-O1"}, clock())
    with pytest.raises(ConflictError):
        engine.execute({"type": "cancel_order", "order_id": "O1", "reason": "x", "expected_version": 1}, clock())
    with pytest.raises(TypeError):
        engine.execute({"type": "allocate", "expected_version": "2"}, clock())
    with pytest.raises(ValidationError):
        engine.execute({"type": "allocate", "order_id": "O1", "expected_version": -1}, clock())
    # The same options work in bulk.
    events = engine.execute_many([({**command, "idempotency_key": "bulk-1"}, clock())])
    assert events == []  # nothing left to allocate: the key is not recorded either
    # A copy (snapshot) remembers the key.
    copy: Engine = pickle.loads(pickle.dumps(engine))
    assert copy.execute(command, clock()) == []
    with pytest.raises(DuplicateError):
        copy.execute({"type": "allocate", "idempotency_key": "alloc-O1"}, clock())


def test_availability_changed_follows_defined_channels(clock: Clock) -> None:
    engine = two_coasts(clock)
    events = engine.define_channel("shop", at=clock(), buffer_units=1)
    assert [(e["channel"], e["sku"], e["available"]) for e in events if e["type"] == "availability_changed"] == [
        ("shop", "MUG", 9)
    ]
    events = engine.receive_stock("MUG", "EAST", 2, at=clock())
    assert [e["available"] for e in events if e["type"] == "availability_changed"] == [11]


def test_merge_and_split_change_what_ships_together(clock: Clock) -> None:
    engine = two_coasts(clock)
    engine.define_product("CAP", "Cap", at=clock())
    engine.receive_stock("CAP", "WEST", 2, at=clock())
    order(engine, "O1", 1, clock)
    engine.place_order(
        "O2",
        [{"line_id": "1", "sku": "CAP", "quantity": 1, "unit_price": PRICE}],
        {**NEWARK, "line1": "1 main st."},
        at=clock(),
        customer_id="C1",
    )
    engine.allocate(at=clock())
    assert engine.order("O1")["lines"][0]["allocations"][0]["location_id"] == "EAST"
    # Merged, both leave WEST in one shipment.
    kinds = [e["type"] for e in engine.merge_orders(["O1", "O2"], into_order_id="O2", at=clock())]
    assert kinds[0] == "orders_merged"
    assert engine.order("O1")["lines"][0]["allocations"] == [{"location_id": "WEST", "quantity": 1}]
    assert engine.order("O1")["merge_group"] == ["O2", "O1"]
    with pytest.raises(ValidationError):
        engine.split_order("O1", [["1"]], at=clock())
    assert [e["type"] for e in engine.unmerge_orders("O1", at=clock())] == ["orders_unmerged"]
    assert engine.order("O2")["merge_group"] == []

    order(engine, "O3", 1, clock)
    with pytest.raises(ValidationError, match="line 2"):
        engine.split_order("O3", [["1"], ["2"]], at=clock())
    events = engine.split_order("O3", [["1"]], at=clock())
    assert events == []
    assert engine.order("O3")["shipment_groups"] == []
