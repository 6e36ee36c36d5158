"""Container loading from Python: plain dicts in, the load out."""

from __future__ import annotations

from typing import Any

import pytest

from oms_engine import Container, ItemType, Placed, ValidationError, load_container, validate_load


def carton() -> Container:
    return {"dims": {"length": 400, "width": 300, "height": 200}, "max_weight": 10_000}


def test_a_carton_filled_exactly() -> None:
    items: list[ItemType] = [
        {"dims": {"length": 200, "width": 150, "height": 100}, "weight": 500, "quantity": 10, "orientation": "any"}
    ]
    load = load_container(carton(), items)
    assert len(load["placed"]) == 8  # 2 x 2 x 2
    assert load["volume"] == 400 * 300 * 200
    assert load["weight"] == 8 * 500
    validate_load(carton(), items, load["placed"])


def test_orientation_and_weight_rules() -> None:
    # Upright items 250 mm tall do not fit under 200 mm; on their side they would.
    tall: list[ItemType] = [
        {"dims": {"length": 100, "width": 100, "height": 250}, "weight": 1, "quantity": 3, "orientation": "upright"}
    ]
    assert load_container(carton(), tall)["placed"] == []
    lying: list[ItemType] = [
        {
            "dims": {"length": 100, "width": 100, "height": 250},
            "weight": 4_000,
            "quantity": 3,
            "orientation": {"vertical": {"length": True, "width": True, "height": False}},
        }
    ]
    load = load_container(carton(), lying, {"tries": 4, "seed": 7})
    assert len(load["placed"]) == 2  # 3 would weigh 12 kg, over the 10 kg limit
    assert all(p["axes"] in ("hlw", "hwl", "lhw", "whl") for p in load["placed"])


def test_validate_names_the_fault() -> None:
    items: list[ItemType] = [
        {"dims": {"length": 200, "width": 150, "height": 100}, "quantity": 2, "orientation": "fixed"}
    ]
    first: Placed = {"item": 0, "x": 0, "y": 0, "z": 0, "axes": "lwh"}
    shifted: Placed = {"item": 0, "x": 100, "y": 0, "z": 0, "axes": "lwh"}
    turned: Placed = {"item": 0, "x": 0, "y": 0, "z": 0, "axes": "wlh"}
    validate_load(carton(), items, [first])
    with pytest.raises(ValidationError, match="overlaps placed"):
        validate_load(carton(), items, [first, shifted])
    with pytest.raises(ValidationError, match="does not allow"):
        validate_load(carton(), items, [turned])
    with pytest.raises(ValidationError, match="container.dims.length"):
        load_container({"dims": {"length": 0, "width": 1, "height": 1}}, items)


def test_a_bad_orientation_is_refused() -> None:
    # Deliberately ill-typed: what a caller without a type checker might send.
    bad: Any = {
        "dims": {"length": 1, "width": 1, "height": 1},
        "quantity": 1,
        "orientation": {"vertical": {"length": "yes", "width": True, "height": True}},
    }
    with pytest.raises(ValidationError, match="expected a boolean"):
        load_container(carton(), [bad])
    sideways: Any = {**bad, "orientation": "sideways"}
    with pytest.raises(ValidationError, match="unknown variant `sideways`"):
        load_container(carton(), [sideways])
