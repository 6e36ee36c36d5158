"""Pick tasks from Python: a floor with bins, a wave, scans, a short pick,
completion, and batching as plain data."""

from __future__ import annotations

from datetime import datetime

import pytest

from conftest import SHIP_TO, T0, Clock, place

from oms_engine import (
    BatchOrder,
    Engine,
    InvalidTransitionError,
    Layout,
    ValidationError,
    batch_orders,
)

FLOOR: Layout = {
    "aisles": 6,
    "aisle_pitch": 3,
    "blocks": [{"bays": 20, "bay_pitch": 1, "front_offset": 1, "back_offset": 1}],
    "depot": {"aisle": 0, "cross_aisle": 0},
}


def picking_engine(clock: Clock) -> Engine:
    e = Engine({"require_payment": False})
    e.define_location("WH1", "Main", at=clock())
    e.set_layout("WH1", FLOOR, at=clock())
    for sku, aisle, gtin in (("SHIRT-M", 5, "00012345600012"), ("MUG", 1, None)):
        e.define_product(sku, sku.title(), at=clock(), gtin=gtin)
        e.define_bin("WH1", f"{sku}-BIN", {"block": 0, "aisle": aisle, "bay": 4}, at=clock(), sku=sku, zone="main")
        e.receive_stock(sku, "WH1", 10, at=clock())
    return e


def test_a_wave_walked_by_a_classic_heuristic(clock: Clock) -> None:
    e = picking_engine(clock)
    place(e, "SO-1", clock(), quantity=1)
    place(e, "SO-2", clock(), quantity=1, sku="MUG")
    e.allocate(at=clock())
    e.release_wave("W-1", "WH1", at=clock(), method="batch", heuristic="s_shape")
    task = e.pick_task("W-1-1")
    assert [s["sku"] for s in task["stops"]] == ["MUG", "SHIRT-M"]
    # To aisle 1 (3), up it (21), across the back (12), down aisle 5 (21), home (15).
    assert task["distance"] == 3 + 21 + 12 + 21 + 15
    with pytest.raises(ValidationError, match="zigzag"):
        e.release_wave("W-2", "WH1", at=clock(), heuristic="zigzag")  # type: ignore[arg-type]


def test_a_picker_works_a_task_from_release_to_picked(clock: Clock) -> None:
    e = picking_engine(clock)
    place(e, "SO-1", clock(), quantity=2)
    place(e, "SO-2", clock(), quantity=1, sku="MUG")
    e.allocate(at=clock())
    events = e.release_wave("W-1", "WH1", at=clock(), method="batch", cart={"max_items": 10})
    assert events[0]["type"] == "wave_released"
    assert e.order("SO-1")["status"] == "picking"
    task = e.next_pick_task("WH1")
    assert task is not None and task["task_id"] == "W-1-1"
    # MUG (aisle 1) comes before SHIRT-M (aisle 5).
    assert [s["sku"] for s in task["stops"]] == ["MUG", "SHIRT-M"]
    rejected = e.confirm_pick("W-1-1", 0, 1, at=clock(), scanned_code="SHIRT-M")
    assert [ev["type"] for ev in rejected] == ["pick_scan_rejected"]
    e.confirm_pick("W-1-1", 0, 1, at=clock(), scanned_code="MUG")
    e.confirm_pick("W-1-1", 1, 2, at=clock(), scanned_code="00012345600012")
    assert e.picking_accuracy("WH1") == {"scans": 2, "rejected_scans": 1, "accuracy": pytest.approx(2 / 3)}
    e.complete_task("W-1-1", at=clock())
    assert e.order("SO-1")["status"] == "picked"
    assert e.pick_task("W-1-1")["status"] == "completed"
    assert e.pick_tasks("WH1", "open") == []
    e.ship("SO-1", "P-1", "WH1", {"1": 2}, at=clock(), carrier="UPS")
    assert e.order("SO-1")["status"] == "shipped"
    assert e.check_invariants() is None


def test_a_short_pick_adjusts_stock_and_bad_calls_are_refused(clock: Clock) -> None:
    e = picking_engine(clock)
    place(e, "SO-1", clock(), quantity=3)
    e.allocate("SO-1", at=clock())
    e.release_wave("W-1", "WH1", at=clock(), order_ids=["SO-1"])
    with pytest.raises(InvalidTransitionError):
        e.complete_task("W-1-1", at=clock())
    with pytest.raises(ValidationError, match="quantity_found"):
        e.short_pick("W-1-1", 0, 3, at=clock())
    events = e.short_pick("W-1-1", 0, 1, at=clock())
    assert [ev["type"] for ev in events][:3] == ["pick_shorted", "allocation_released", "stock_adjusted"]
    assert e.stock("SHIRT-M", "WH1")["on_hand"] == 8
    e.complete_task("W-1-1", at=clock())
    assert e.wave("W-1")["task_ids"] == ["W-1-1"]
    with pytest.raises(ValidationError, match="has no layout"):
        e.define_bin("WH2", "X", {"block": 0, "aisle": 0, "bay": 0}, at=clock())
    assert e.check_invariants() is None


def test_waves_choose_the_earliest_cutoff(clock: Clock) -> None:
    e = picking_engine(clock)
    place(e, "SO-1", clock())
    e.place_order(
        "SO-2",
        [{"line_id": "1", "sku": "MUG", "quantity": 1, "unit_price": 5}],
        SHIP_TO,
        at=clock(),
        customer_id="C-2",
        ship_by=datetime(2026, 11, 22, 15, 0, tzinfo=T0.tzinfo),
    )
    e.allocate(at=clock())
    events = e.release_wave("W-1", "WH1", at=clock(), selection={"max_orders": 1})
    assert events[0]["order_ids"] == ["SO-2"]


def test_batching_as_plain_data() -> None:
    orders: list[BatchOrder] = [
        {"picks": [{"block": 0, "aisle": aisle, "bay": 10}], "items": 10} for aisle in (5, 1, 5, 1)
    ]
    best = batch_orders(FLOOR, orders, {"max_items": 20})
    fcfs = batch_orders(FLOOR, orders, {"max_items": 20}, {"method": "fcfs"})
    assert [b["orders"] for b in best["batches"]] == [[0, 2], [1, 3]]
    assert best["distance"] < fcfs["distance"]
    assert best["distance"] == sum(b["distance"] for b in best["batches"])
    with pytest.raises(ValidationError, match="orders\\[0\\]"):
        batch_orders(FLOOR, [{"picks": [], "items": 50}], {"max_items": 20})
