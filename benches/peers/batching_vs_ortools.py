"""Order batching: the engine's batching methods against the exact optimum,
on Henn–Wäscher-style instances, with OR-Tools' CP-SAT on the same set
partition for comparison.

The instances are those of `benches/src/batching.rs` (the same SplitMix64
generator, so the same orders for the same seed): one block of 10 aisles
with 45 bays a side, the depot in front of the leftmost aisle, orders of
5 to 25 items, each item in a bin drawn uniformly; a cart holds 30, 45, 60
or 75 items; instance `i` of capacity `c` has seed `i * 1000 + c`, as in
`benches/examples/batching.rs`.

For each small instance (`--orders`, default 20) the script:
- enumerates every feasible batch (a set of orders of at most `c` items in
  all) and costs it with `oms_engine.optimal_route`, the exact router;
- finds the cheapest set partition (every order in exactly one chosen
  batch) twice: exactly, by dynamic programming over the subsets of orders
  (numpy; the partition found is checked), and with CP-SAT under
  `--time-limit` (checked against it; on the bigger carts it mostly cannot
  prove optimality in that time);
- runs `oms_engine.batch_orders` with each method (`single_order`, `fcfs`,
  `seed`, `savings`, `ils`; median of `--repeats` timed calls), checks its
  plan (a partition, within capacity, each batch costed by the exact
  router) and reports the gap `(distance - optimum) / optimum`.

With `--large` it then runs the methods on bigger instances (`--large-orders`,
default 100, no optimum) and reports each method's saving against FCFS and
against single-order picking.

    python benches/peers/batching_vs_ortools.py [--orders 20] [--instances 5] [--time-limit 10] [--large]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from oms_engine import BatchOptions, BatchOrder, BatchPlan, Cart, Layout, Slot, batch_orders, optimal_route

METHODS = ("single_order", "fcfs", "seed", "savings", "ils")
MASK = (1 << 64) - 1


class Rng:
    """SplitMix64, the same as `benches/src/batching.rs`'s `Rng`."""

    def __init__(self, seed: int) -> None:
        self.state = seed & MASK

    def next_u64(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def between(self, lo: int, hi: int) -> int:
        """A number in `lo..=hi`."""
        return lo + self.next_u64() % (hi - lo + 1)


def layout() -> Layout:
    """The Henn–Wäscher floor, in half length units."""
    return {
        "aisles": 10,
        "aisle_pitch": 10,
        "blocks": [{"bays": 45, "bay_pitch": 2, "front_offset": 3, "back_offset": 3}],
        "depot": {"aisle": 0, "cross_aisle": 0},
    }


def orders(n: int, seed: int) -> List[BatchOrder]:
    """`n` orders of 5 to 25 items, one item per pick, bins uniform over the floor."""
    rng = Rng(seed)
    out: List[BatchOrder] = []
    for _ in range(n):
        items = rng.between(5, 25)
        picks: List[Slot] = []
        for _ in range(items):
            b = rng.between(0, 10 * 90 - 1)
            picks.append({"block": 0, "aisle": b // 90, "bay": (b % 90) // 2})
        out.append({"picks": picks, "items": items})
    return out


def tour(floor: Layout, batch: Sequence[BatchOrder]) -> int:
    """The exact distance of one tour picking every order of `batch`."""
    slots = {(s["block"], s["aisle"], s["bay"]) for o in batch for s in o["picks"]}
    picks: List[Slot] = [{"block": b, "aisle": a, "bay": y} for b, a, y in sorted(slots)]
    return optimal_route(floor, picks)["distance"]


def feasible_batches(floor: Layout, os: Sequence[BatchOrder], capacity: int) -> List[Tuple[Tuple[int, ...], int]]:
    """Every set of orders of at most `capacity` items, with its exact distance."""
    by_items = sorted(range(len(os)), key=lambda i: os[i].get("items", 0))
    items = [os[i].get("items", 0) for i in by_items]
    out: List[Tuple[Tuple[int, ...], int]] = []

    def extend(chosen: List[int], load: int, start: int) -> None:
        for k in range(start, len(by_items)):
            if load + items[k] > capacity:
                break  # sorted by items: no later order fits either
            chosen.append(by_items[k])
            members = tuple(sorted(chosen))
            out.append((members, tour(floor, [os[i] for i in members])))
            extend(chosen, load + items[k], k + 1)
            chosen.pop()

    extend([], 0, 0)
    return out


Batches = Sequence[Tuple[Tuple[int, ...], int]]


def optimum(n: int, os: Sequence[BatchOrder], batches: Batches) -> Tuple[int, List[Tuple[int, ...]]]:
    """The cheapest set partition, exactly, and its batches: dynamic
    programming over the subsets of orders. Orders get positions by items,
    largest first; `f[S]` is the cheapest partition of the set `S` of
    positions, built from the batches whose first position is `S`'s."""
    order = sorted(range(n), key=lambda i: -os[i].get("items", 0))
    position = {o: p for p, o in enumerate(order)}
    first: List[List[Tuple[int, int, int]]] = [[] for _ in range(n)]  # (mask, cost, batch index)
    for k, (members, cost) in enumerate(batches):
        ps = [position[o] for o in members]
        first[min(ps)].append((sum(1 << p for p in ps), cost, k))
    full = (1 << n) - 1
    f: npt.NDArray[np.int64] = np.full(1 << n, np.iinfo(np.int64).max // 4, dtype=np.int64)
    f[0] = 0
    for j in range(n - 1, 0, -1):
        after = full & ~((1 << (j + 1)) - 1)
        for mask, cost, _ in first[j]:
            free = after & ~mask
            rest = np.zeros(1, dtype=np.int64)  # every subset of `free`
            for p in range(j + 1, n):
                if free >> p & 1:
                    rest = np.concatenate((rest, rest | (1 << p)))
            sets = rest | mask
            f[sets] = np.minimum(f[sets], f[rest] + cost)
    # position 0 starts only the full set; then walk back through the choices
    chosen: List[Tuple[int, ...]] = []
    value = 0
    left = full
    while left:
        j = (left & -left).bit_length() - 1
        best = min(
            (cost + int(f[left ^ mask]), k, mask)
            for mask, cost, k in first[j]
            if mask & left == mask
        )
        if not chosen:
            value = best[0]  # f[full]
        chosen.append(batches[best[1]][0])
        left ^= best[2]
    if sorted(o for b in chosen for o in b) != list(range(n)):
        raise AssertionError("the optimum is not a partition")
    cost_of = dict(batches)
    if sum(cost_of[b] for b in chosen) != value:
        raise AssertionError("the optimum's batches do not add up")
    return value, chosen


def cp_sat(n: int, batches: Batches, workers: int, limit: float) -> Tuple[Optional[int], int, bool, float]:
    """The set partition in CP-SAT: (best distance, None if it found none
    in time; bound; proven; solve seconds)."""
    model = cp_model.CpModel()
    use = [model.new_bool_var(f"b{j}") for j in range(len(batches))]
    covering: List[List[cp_model.IntVar]] = [[] for _ in range(n)]
    for x, (members, _) in zip(use, batches):
        for o in members:
            covering[o].append(x)
    for xs in covering:
        model.add_exactly_one(xs)
    model.minimize(cp_model.LinearExpr.weighted_sum(use, [cost for _, cost in batches]))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.max_time_in_seconds = limit
    start = time.perf_counter()
    status = solver.solve(model)
    elapsed = time.perf_counter() - start
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.UNKNOWN):
        raise RuntimeError(f"CP-SAT: {solver.status_name(status)}")
    best = round(solver.objective_value) if status != cp_model.UNKNOWN else None
    return best, round(solver.best_objective_bound), status == cp_model.OPTIMAL, elapsed


def run(
    floor: Layout, os: Sequence[BatchOrder], capacity: int, method: str, repeats: int, iterations: Optional[int] = None
) -> Tuple[int, float]:
    """The plan's distance and the median seconds of `repeats` calls; checks the plan."""
    cart: Cart = {"max_items": capacity}
    times: List[float] = []
    plans: List[BatchPlan] = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        options: BatchOptions = {"method": method}
        if iterations is not None and method == "ils":
            options["iterations"] = iterations
        plans.append(batch_orders(floor, os, cart, options))
        times.append(time.perf_counter() - start)
    plan = plans[0]
    if any(p["distance"] != plan["distance"] for p in plans):
        raise AssertionError(f"{method}: distances differ between calls")
    seen = sorted(o for b in plan["batches"] for o in b["orders"])
    if seen != list(range(len(os))):
        raise AssertionError(f"{method}: not a partition of the orders")
    for b in plan["batches"]:
        if sum(os[o].get("items", 0) for o in b["orders"]) > capacity:
            raise AssertionError(f"{method}: batch {b['orders']} over capacity")
        if b["distance"] != tour(floor, [os[o] for o in b["orders"]]):
            raise AssertionError(f"{method}: batch {b['orders']} not costed exactly")
    if plan["distance"] != sum(b["distance"] for b in plan["batches"]):
        raise AssertionError(f"{method}: total is not the sum of its batches")
    return plan["distance"], statistics.median(times)


def exact(args: argparse.Namespace, floor: Layout) -> None:
    use_cp_sat = args.time_limit > 0
    cp_sat_line = (
        f"CP-SAT ({args.workers} worker(s), {args.time_limit:g} s a solve) on the same partition"
        if use_cp_sat
        else "CP-SAT skipped"
    )
    print(
        f"{args.orders} orders, {args.instances} instances per capacity; optimum by dynamic programming over "
        f"every feasible batch; {cp_sat_line}"
    )
    print()
    head = "capacity  batches (mean)  enum+cost s  DP s  CP-SAT s  found  proven  mean CP-SAT gap %  median bound gap %"
    print(head)
    print("-" * len(head))
    rows: List[Tuple[int, Dict[str, List[float]], Dict[str, List[float]]]] = []
    for capacity in args.capacities:
        counts: List[int] = []
        enum_s: List[float] = []
        dp_s: List[float] = []
        cp_s: List[float] = []
        cp_gap: List[float] = []
        bound_gap: List[float] = []
        proven = 0
        found = 0
        gaps: Dict[str, List[float]] = {m: [] for m in METHODS}
        secs: Dict[str, List[float]] = {m: [] for m in METHODS}
        for inst in range(args.instances):
            os = orders(args.orders, inst * 1000 + capacity)
            start = time.perf_counter()
            batches = feasible_batches(floor, os, capacity)
            enum_s.append(time.perf_counter() - start)
            counts.append(len(batches))
            start = time.perf_counter()
            opt, chosen = optimum(len(os), os, batches)
            dp_s.append(time.perf_counter() - start)
            line = [f"cap {capacity} #{inst}: {len(batches)} batches, optimum {opt} ({len(chosen)} batches)"]
            if use_cp_sat:
                best, bound, ok, took = cp_sat(len(os), batches, args.workers, args.time_limit)
                if (best is not None and best < opt) or bound > opt or (ok and best != opt):
                    raise AssertionError(f"CP-SAT ({best}, bound {bound}) disagrees with the optimum {opt}")
                cp_s.append(took)
                proven += ok
                if best is not None:
                    found += 1
                    cp_gap.append((best - opt) / opt * 100)
                bound_gap.append((opt - bound) / opt * 100)
                line.append(f"CP-SAT {best} (bound {bound}, {'proven' if ok else 'not proven'}, {took:.1f} s)")
            for m in METHODS:
                dist, t = run(floor, os, capacity, m, args.repeats, args.iterations)
                if dist < opt:
                    raise AssertionError(f"{m} ({dist}) beats the optimum ({opt})")
                gaps[m].append((dist - opt) / opt * 100)
                secs[m].append(t)
                line.append(f"{m} {dist}")
            print(", ".join(line), file=sys.stderr)
        cp = (
            f"{statistics.median(cp_s):>8.2f}  {found:>2}/{args.instances:<2}  {proven:>3}/{args.instances:<2}"
            f"  {statistics.mean(cp_gap) if cp_gap else float('nan'):>17.2f}  {statistics.median(bound_gap):>18.2f}"
            if use_cp_sat
            else f"{'-':>8}  {'-':>5}  {'-':>6}  {'-':>17}  {'-':>18}"
        )
        print(
            f"{capacity:>8}  {statistics.mean(counts):>14,.0f}  {statistics.median(enum_s):>11.2f}"
            f"  {statistics.median(dp_s):>4.2f}  {cp}"
        )
        rows.append((capacity, gaps, secs))
    print()
    head = "capacity  method        mean gap %  max gap %  at optimum  median ms"
    print(head)
    print("-" * len(head))
    for capacity, gaps, secs in rows:
        for k, m in enumerate(METHODS):
            print(
                f"{capacity if k == 0 else '':>8}  {m:<12}  {statistics.mean(gaps[m]):>10.2f}  {max(gaps[m]):>9.2f}"
                f"  {sum(g == 0 for g in gaps[m]):>6}/{args.instances:<3}  {statistics.median(secs[m]) * 1e3:>9.3f}"
            )
    ils_gaps = [g for _, gaps, _ in rows for g in gaps["ils"]]
    ils_secs = [t for _, _, secs in rows for t in secs["ils"]]
    print()
    print(
        f"ils over all {len(ils_gaps)} instances: mean gap {statistics.mean(ils_gaps):.2f}%, "
        f"max gap {max(ils_gaps):.2f}%, at the optimum on {sum(g == 0 for g in ils_gaps)}, "
        f"max time {max(ils_secs) * 1e3:.1f} ms"
    )


def large(args: argparse.Namespace, floor: Layout) -> None:
    print()
    print(
        f"{args.large_orders} orders, {args.large_instances} instances per capacity (no optimum): "
        "mean distance in LU, saving vs single order and vs FCFS, median ms per call"
    )
    print()
    head = "capacity  method        mean LU  vs single %  vs FCFS %  median ms"
    print(head)
    print("-" * len(head))
    for capacity in args.capacities:
        dist: Dict[str, List[int]] = {m: [] for m in METHODS}
        secs: Dict[str, List[float]] = {m: [] for m in METHODS}
        for inst in range(args.large_instances):
            os = orders(args.large_orders, inst * 1000 + capacity)
            for m in METHODS:
                d, t = run(floor, os, capacity, m, args.repeats, args.iterations)
                dist[m].append(d)
                secs[m].append(t)
            print(f"cap {capacity} #{inst}: " + ", ".join(f"{m} {dist[m][-1]}" for m in METHODS), file=sys.stderr)
        single = sum(dist["single_order"])
        fcfs = sum(dist["fcfs"])
        for k, m in enumerate(METHODS):
            total = sum(dist[m])
            print(
                f"{capacity if k == 0 else '':>8}  {m:<12}  {total / 2 / args.large_instances:>7.1f}"
                f"  {(1 - total / single) * 100:>11.1f}  {(1 - total / fcfs) * 100:>9.1f}"
                f"  {statistics.median(secs[m]) * 1e3:>9.3f}"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=20, help="orders per small instance (default 20)")
    ap.add_argument("--instances", type=int, default=5, help="small instances per capacity (default 5)")
    ap.add_argument(
        "--capacities",
        type=lambda s: [int(c) for c in s.split(",")],
        default=[30, 45, 60, 75],
        help="cart capacities in items (default 30,45,60,75)",
    )
    ap.add_argument("--iterations", type=int, default=None, help="the iterated local search's perturbations (default: the engine's)")
    ap.add_argument("--workers", type=int, default=1, help="CP-SAT workers (default 1)")
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per CP-SAT solve, 0 to skip CP-SAT (default 10)")
    ap.add_argument("--repeats", type=int, default=3, help="timed batch_orders calls, median reported (default 3)")
    ap.add_argument("--large", action="store_true", help="also run the large instances (no optimum)")
    ap.add_argument("--large-orders", type=int, default=100, help="orders per large instance (default 100)")
    ap.add_argument("--large-instances", type=int, default=3, help="large instances per capacity (default 3)")
    args = ap.parse_args()
    if args.orders > 24:
        ap.error("--orders: the exact optimum keeps a table of 2^orders distances; at most 24")
    floor = layout()
    exact(args, floor)
    if args.large:
        large(args, floor)


if __name__ == "__main__":
    main()
