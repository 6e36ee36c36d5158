"""Pick routes: the engine's exact router against OR-Tools' TSP solver on
the same shortest-path distance matrices, side by side.

Reads the published single-picker routing instances (Heßler & Irnich;
`../shared/data/routing`, see its PROVENANCE.md) in place, never copying
them. For each instance it computes three things:
- the engine's route (`oms_engine.optimal_route`, median of 5 calls);
- OR-Tools' routing solver on the matrix of walking distances between the
  depot and the picks, twice: its default search (a first solution
  improved by local search to a local optimum), and guided local search
  within `--time-limit` seconds;
- each one's gap to the proven optimum.

    python benches/peers/routing_vs_ortools_tsp.py ../shared/data/routing [--seeds 5] [--time-limit 0.5]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

from ortools.constraint_solver import pywrapcp, routing_enums_pb2  # type: ignore[import-untyped]

from oms_engine import Layout, Slot, optimal_route

Point = Tuple[int, int]  # (aisle, distance from the front cross aisle)


def parse(path: Path) -> Dict[str, object]:
    text = path.read_bytes().decode("latin-1")
    head: Dict[str, str] = {}
    positions: Dict[int, Tuple[int, int]] = {}
    order: List[int] = []
    section = ""
    for line in text.splitlines():
        line = line.strip()
        if line in ("ARTICLE_SECTION", "SKU_SECTION", "ORDER_SECTION"):
            section = line
            continue
        if ":" in line and not line.startswith("ID"):
            key, value = line.split(":", 1)
            head[key.strip()] = value.strip()
            continue
        words = line.split()
        if section == "SKU_SECTION" and len(words) >= 6 and words[0] == "ID":
            positions.setdefault(int(words[1]), (int(words[3]), int(words[5])))
        elif section == "ORDER_SECTION" and len(words) >= 2 and words[0] == "ID":
            order.append(int(words[1]))
    return {
        "aisles": int(head["NUM_AISLES"]),
        "cells": int(head["NUM_CELLS"]),
        "depot_aisle": int(head["DEPOT_AISLE"]),
        "depot_top": head["DEPOT_LOCATION"] == "top",
        "pitch": int(head["DISTANCE_AISLE_TO_AISLE"]),
        "picks": [positions[a] for a in order],
    }


def floor(inst: Dict[str, object], blocks: int) -> Tuple[Layout, List[Slot], List[int]]:
    """The engine's layout and slots (front = bottom, cell 0 at the top),
    and the cross aisles' distances from the front."""
    cells = int(str(inst["cells"]))
    bays = cells // blocks
    layout: Layout = {
        "aisles": int(str(inst["aisles"])),
        "aisle_pitch": int(str(inst["pitch"])),
        "blocks": [{"bays": bays, "bay_pitch": 1, "front_offset": 1, "back_offset": 1} for _ in range(blocks)],
        "depot": {"aisle": int(str(inst["depot_aisle"])), "cross_aisle": blocks if inst["depot_top"] else 0},
    }
    slots: List[Slot] = []
    picks: List[Tuple[int, int]] = inst["picks"]  # type: ignore[assignment]
    for aisle, cell in picks:
        from_front = cells - 1 - cell
        slots.append({"block": from_front // bays, "aisle": aisle, "bay": from_front % bays})
    ys = [b * (bays + 1) for b in range(blocks + 1)]
    return layout, slots, ys


def point(slot: Slot, bays: int) -> Point:
    return slot["aisle"], slot["block"] * (bays + 1) + 1 + slot["bay"]


def walk(a: Point, b: Point, pitch: int, ys: List[int]) -> int:
    if a[0] == b[0]:
        return abs(a[1] - b[1])
    return abs(a[0] - b[0]) * pitch + min(abs(a[1] - c) + abs(b[1] - c) for c in ys)


def tsp(matrix: List[List[int]], guided: bool, limit: float) -> Tuple[int, float]:
    manager = pywrapcp.RoutingIndexManager(len(matrix), 1, 0)
    routing = pywrapcp.RoutingModel(manager)

    def cost(i: int, j: int) -> int:
        return matrix[int(manager.IndexToNode(i))][int(manager.IndexToNode(j))]

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(cost))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    if guided:
        params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        params.time_limit.FromMilliseconds(int(limit * 1000))
    start = time.perf_counter()
    solution = routing.SolveWithParameters(params)
    elapsed = time.perf_counter() - start
    return int(solution.ObjectiveValue()), elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("--seeds", type=int, default=5, help="instances per size (seeds 0..N-1; default 5)")
    ap.add_argument("--time-limit", type=float, default=0.5, help="seconds of guided local search (default 0.5)")
    args = ap.parse_args()
    rows = list(csv.DictReader((args.data / "reference_optimal.csv").open()))
    # (layout, aisles, articles) -> lists of (our gap, our µs, ls gap, ls ms, gls gap, gls ms)
    table: Dict[Tuple[str, int, int], List[Tuple[float, float, float, float, float, float]]] = defaultdict(list)
    for row in rows:
        if row["problem"] != "SPRP" or int(row["seed"]) >= args.seeds:
            continue
        inst = parse(args.data / row["instance_path"])
        blocks = 2 if row["layout"] == "two-block" else 1
        layout, slots, ys = floor(inst, blocks)
        optimum = int(row["optimal_cost"])
        times = []
        for _ in range(5):
            start = time.perf_counter()
            ours = optimal_route(layout, slots)["distance"]
            times.append(time.perf_counter() - start)
        bays = layout["blocks"][0]["bays"]
        depot = (layout["depot"]["aisle"], ys[layout["depot"]["cross_aisle"]])
        points = [depot] + [point(s, bays) for s in slots]
        matrix = [[walk(a, b, layout["aisle_pitch"], ys) for b in points] for a in points]
        ls, ls_time = tsp(matrix, guided=False, limit=0)
        gls, gls_time = tsp(matrix, guided=True, limit=args.time_limit)

        def gap(x: int) -> float:
            return (x - optimum) / optimum * 100

        key = (row["layout"], int(row["aisles"]), int(row["articles"]))
        table[key].append(
            (gap(ours), statistics.median(times) * 1e6, gap(ls), ls_time * 1e3, gap(gls), gls_time * 1e3)
        )
        print(f"{row['instance_name']} {row['layout']}: ours {ours}, OR-Tools {ls} / {gls}, optimum {optimum}", file=sys.stderr)
    print("layout        aisles picks   n | ours: gap  median µs | OR-Tools LS: gap  median ms | GLS: gap  median ms")
    for (lay, aisles, picks), rs in sorted(table.items()):
        col = list(zip(*rs))
        print(
            f"{lay:<13} {aisles:>6} {picks:>5} {len(rs):>3} | {statistics.mean(col[0]):>8.3f}% {statistics.median(col[1]):>9.1f}"
            f" | {statistics.mean(col[2]):>14.3f}% {statistics.median(col[3]):>9.2f} | {statistics.mean(col[4]):>6.3f}% {statistics.median(col[5]):>9.1f}"
        )


if __name__ == "__main__":
    main()
