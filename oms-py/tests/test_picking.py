"""Pick routing from Python: plain dicts in, the route out."""

from __future__ import annotations

import pytest

from oms_engine import (
    Article,
    Heuristic,
    Layout,
    Slot,
    ValidationError,
    heuristic_route,
    improved_route,
    optimal_route,
    scattered_route,
)


def floor(aisles: int = 3, blocks: int = 1) -> Layout:
    return {
        "aisles": aisles,
        "aisle_pitch": 3,
        "blocks": [{"bays": 10, "bay_pitch": 1, "front_offset": 1, "back_offset": 1} for _ in range(blocks)],
        "depot": {"aisle": 0, "cross_aisle": 0},
    }


def test_the_route_through_two_aisles() -> None:
    picks: list[Slot] = [{"block": 0, "aisle": 2, "bay": 1}, {"block": 0, "aisle": 0, "bay": 8}]
    route = optimal_route(floor(), picks)
    # Up aisle 0 to bay 8 and back (18), across to aisle 2 and back (12), into aisle 2 to bay 1 and back (4).
    assert route["distance"] == 34
    assert sorted(route["order"]) == [0, 1]
    assert route["path"][0] == {"aisle": 0, "y": 0}
    assert route["path"][-1] == {"aisle": 0, "y": 0}


def test_a_two_block_floor_and_no_picks() -> None:
    assert optimal_route(floor(blocks=2), [])["distance"] == 0
    picks: list[Slot] = [{"block": 1, "aisle": 1, "bay": 0}]
    # Front of aisle 1 is 3 across; bay 0 of block 1 is 11 + 1 up: 2 * (3 + 12).
    assert optimal_route(floor(blocks=2), picks)["distance"] == 30


def test_bad_input_names_what_is_wrong() -> None:
    with pytest.raises(ValidationError, match="picks\\[0\\]"):
        optimal_route(floor(), [{"block": 0, "aisle": 7, "bay": 0}])
    with pytest.raises(ValidationError, match="aisles"):
        optimal_route({**floor(), "aisles": 0}, [])
    with pytest.raises(ValidationError):
        optimal_route(floor(), [{"block": 0, "aisle": "x", "bay": 0}])  # type: ignore[typeddict-item]


def test_the_classic_heuristics_by_name() -> None:
    picks: list[Slot] = [{"block": 0, "aisle": 1, "bay": 2}, {"block": 0, "aisle": 2, "bay": 8}]
    best = optimal_route(floor(), picks)["distance"]
    names: tuple[Heuristic, ...] = ("s_shape", "return", "midpoint", "largest_gap", "combined")
    for name in names:
        assert heuristic_route(floor(), picks, name)["distance"] >= best
    # Return: into aisle 1 to y 3 and back, into aisle 2 to y 9 and back, 6 across and back.
    assert heuristic_route(floor(), picks, "return")["distance"] == 6 + 18 + 12
    with pytest.raises(ValidationError, match="heuristic"):
        heuristic_route(floor(), picks, "zigzag")  # type: ignore[arg-type]
    # Two blocks: up aisle 1 to the far block (3 + 11), in to bay 0 and out (2),
    # across to aisle 2 and down the near block (3 + 11), home (6).
    two_blocks: list[Slot] = [{"block": 1, "aisle": 1, "bay": 0}, {"block": 0, "aisle": 2, "bay": 4}]
    s_shape = heuristic_route(floor(blocks=2), two_blocks, "s_shape")
    assert s_shape["distance"] == 36
    assert s_shape["order"] == [0, 1]


def test_scattered_storage_chooses_the_bins() -> None:
    near: Slot = {"block": 0, "aisle": 0, "bay": 9}
    far: Slot = {"block": 0, "aisle": 2, "bay": 0}
    articles: list[Article] = [
        {"quantity": 1, "stock": [{"slot": far, "units": 5}, {"slot": near, "units": 5}]},
        {"quantity": 2, "stock": [{"slot": {"block": 0, "aisle": 0, "bay": 5}, "units": 2}]},
    ]
    r = scattered_route(floor(), articles)
    assert r["exact"]
    assert r["route"]["distance"] == 20  # up aisle 0 to bay 9 and back
    assert [v["slot"] for v in r["visits"]] == [{"block": 0, "aisle": 0, "bay": 5}, near]
    assert [v["quantity"] for v in r["visits"]] == [2, 1]
    with pytest.raises(ValidationError, match="articles\\[0\\]"):
        scattered_route(floor(), [{"quantity": 9, "stock": [{"slot": near, "units": 1}]}])


def test_the_local_search_routes_any_floor() -> None:
    picks: list[Slot] = [{"block": b, "aisle": b % 3, "bay": 5} for b in range(6)]
    six = floor(blocks=6)
    route = improved_route(six, picks)
    assert sorted(route["order"]) == list(range(6))
    # Beyond four blocks the "optimal" route is this local search.
    assert optimal_route(six, picks) == route
    two = floor(blocks=2)
    two_picks = [p for p in picks if p["block"] < 2]
    assert improved_route(two, two_picks)["distance"] >= optimal_route(two, two_picks)["distance"]
