"""How close does our sourcing get to the optimum, and how much faster is it?

    python benches/peers/sourcing_vs_ortools.py [--quick] [--sizes 1000x10,2000x10,1000x20]
        [--regimes ample,scarce] [--seed 7] [--time-limit 120] [--examples N] [--json rows.json]

For each generated instance (locations with a shipping cost table, products
with weights, stock, orders), and for each sourcing policy:

* **ours**: the instance is loaded into a fresh ``oms_engine.Engine``, the
  policy is set, the orders are placed, and the single batch ``allocate``
  command is timed. The cost of the allocation it returns is computed with
  :func:`shipping_cost`.
* **exact**: the same allocation problem as a mixed-integer program, solved
  by SCIP through OR-Tools' ``pywraplp`` (single thread, time limit per
  solve). Its cost is computed from its solution with the same
  :func:`shipping_cost`.

The objective, for both: the total shipping cost, i.e. over every
(order, location) shipment used, ``per_shipment + per_kg x kg shipped``, plus
``split_penalty`` for each shipment of an order beyond its first; subject to
the stock of each (SKU, location). Both must serve the same units: every
unit in the ``ample`` regime; in the ``scarce`` regime, for each SKU,
``min(total demand, total stock)`` units (what the engine serves: partial
allocation is on and every location ships to every zone), split among the
orders however is cheapest.

Costs are reported with exact decimal arithmetic; the solver works in
floats internally, on an objective scaled to integer units of $0.00001.

A second table says where the gap comes from, with the same MIP restricted
to one order: what our planner loses order by order against the cheapest
allocation of that order from the same stock, what an exact planner that
allocates one order at a time (first come, first served, like the engine)
reaches, and in the scarce regime the optimum when the units per line are
the first-come-first-served ones. See README.md.

A runner, not a test: it checks that every allocation is feasible and
serves the same units, and reports; it asserts nothing about the gap.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import AbstractSet, Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ortools.linear_solver import pywraplp  # type: ignore[import-untyped]

from oms_engine import Engine

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
CURRENCY = "USD"
#: The solver's objective is in integer units of 10^-5 USD (cents x grams / kg).
SCALE = 100_000
#: Pre-defined policies: name -> rules (``"lowest_cost"`` stands for the cost-table rule).
POLICIES: Dict[str, List[str]] = {
    "lowest_cost": ["lowest_cost"],
    "ship_complete+lowest_cost": ["ship_complete", "lowest_cost"],
    "fewest_shipments+lowest_cost": ["fewest_shipments", "lowest_cost"],
    # The engine's default policy: it ignores the cost table (a baseline).
    "default": ["ship_complete", "fewest_shipments", "nearest", "location_priority"],
}
DEFAULT_POLICIES = ["lowest_cost", "ship_complete+lowest_cost", "default"]
#: Sizes SCIP proves optimal within 120 s here (2 shared cores); see the README for larger ones.
DEFAULT_SIZES = "1000x10,2000x10,1000x20"
QUICK_SIZES = "200x10"

# Regions by the first digit of a US ZIP code: (digit, centre lat, centre lon, share of ship-tos).
REGIONS: List[Tuple[str, float, float, float]] = [
    ("0", 42.3, -71.8, 0.09),  # New England, NJ
    ("1", 41.5, -76.5, 0.10),  # NY, PA, DE
    ("2", 36.8, -78.5, 0.10),  # DC, MD, VA, WV, NC, SC
    ("3", 32.5, -84.5, 0.12),  # FL, GA, AL, TN, MS
    ("4", 40.5, -84.5, 0.10),  # IN, KY, MI, OH
    ("5", 44.5, -93.5, 0.06),  # IA, MN, MT, ND, SD, WI
    ("6", 40.0, -92.0, 0.09),  # IL, KS, MO, NE
    ("7", 31.5, -96.0, 0.12),  # AR, LA, OK, TX
    ("8", 38.5, -110.0, 0.08),  # AZ, CO, ID, NM, NV, UT, WY
    ("9", 38.0, -121.0, 0.14),  # CA, OR, WA
]


# --------------------------------------------------------------------------
# Instances


@dataclass(frozen=True)
class Zone:
    """A shipping zone: ZIP codes starting with one of ``prefixes``."""

    name: str
    prefixes: Tuple[str, ...]
    lat: float
    lon: float
    share: float


@dataclass(frozen=True)
class Location:
    """A warehouse with coordinates."""

    location_id: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Rate:
    """What one shipment from a location to a zone costs (USD)."""

    per_shipment: Decimal
    per_kg: Decimal


@dataclass(frozen=True)
class Line:
    """One order line: ``quantity`` units of ``sku``."""

    sku: str
    quantity: int


@dataclass(frozen=True)
class Order:
    """An order shipped to one zone."""

    order_id: str
    zone: str
    postal_code: str
    lat: float
    lon: float
    lines: Tuple[Line, ...]


@dataclass
class Instance:
    """Everything both solvers see."""

    name: str
    regime: str
    zones: List[Zone]
    locations: List[Location]
    rates: Dict[Tuple[str, str], Rate]  # (location_id, zone) -> rate
    split_penalty: Decimal
    weights_g: Dict[str, int]  # sku -> grams per unit
    stock: Dict[str, Dict[str, int]]  # sku -> location_id -> units (only > 0)
    orders: List[Order]
    demand: Dict[str, int] = field(default_factory=dict)  # sku -> units ordered

    def __post_init__(self) -> None:
        if not self.demand:
            for o in self.orders:
                for line in o.lines:
                    self.demand[line.sku] = self.demand.get(line.sku, 0) + line.quantity

    @property
    def n_lines(self) -> int:
        """Order lines in all."""
        return sum(len(o.lines) for o in self.orders)

    def servable(self, sku: str) -> int:
        """Units of ``sku`` to serve: ``min(total demand, total stock)``."""
        return min(self.demand.get(sku, 0), sum(self.stock.get(sku, {}).values()))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def cents(x: float) -> Decimal:
    """``x`` USD rounded to the cent, as a Decimal."""
    return (Decimal(round(x * 100)) / 100).quantize(Decimal("0.01"))


def make_zones(rng: random.Random) -> List[Zone]:
    """Twenty zones: each ZIP region split in two by the second digit."""
    zones = []
    for digit, lat, lon, share in REGIONS:
        for half, seconds in (("a", "01234"), ("b", "56789")):
            zones.append(
                Zone(
                    name=f"z{digit}{half}",
                    prefixes=tuple(digit + s for s in seconds),
                    lat=lat + rng.uniform(-1.5, 1.5),
                    lon=lon + rng.uniform(-2.0, 2.0),
                    share=share / 2,
                )
            )
    return zones


def split_units(rng: random.Random, total: int, parts: int) -> List[int]:
    """``total`` units split at random into ``parts`` (largest remainder)."""
    w = [rng.random() + 0.1 for _ in range(parts)]
    s = sum(w)
    raw = [total * x / s for x in w]
    out = [int(r) for r in raw]
    order = sorted(range(parts), key=lambda i: raw[i] - out[i], reverse=True)
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def generate(n_orders: int, n_locations: int, regime: str, seed: int) -> Instance:
    """A seeded random instance.

    Locations sit near the ZIP regions' centres; rates grow with the distance
    from the location to the zone's centre, scaled by a per-location carrier
    factor. SKUs are ordered with Zipf-like popularity; each SKU is stocked at
    a few locations. ``ample``: every SKU has 1.3-2.5x its demand in stock.
    ``scarce``: 40% of the SKUs have only 30-80% of their demand.
    """
    if regime not in ("ample", "scarce"):
        raise ValueError(f"unknown regime {regime!r}")
    rng = random.Random(f"{seed}/{n_orders}/{n_locations}/{regime}")
    zones = make_zones(rng)
    region_w = [z.share for z in zones]

    locations = []
    for i in range(n_locations):
        z = rng.choices(zones, weights=region_w)[0]
        locations.append(
            Location(f"L{i + 1:03}", round(z.lat + rng.gauss(0, 1.5), 4), round(z.lon + rng.gauss(0, 2.0), 4))
        )

    rates: Dict[Tuple[str, str], Rate] = {}
    for loc in locations:
        carrier = rng.uniform(0.85, 1.15)
        for z in zones:
            km = haversine_km(loc.lat, loc.lon, z.lat, z.lon)
            rates[(loc.location_id, z.name)] = Rate(
                per_shipment=cents((4.50 + 0.0030 * km) * carrier),
                per_kg=cents((0.25 + 0.00045 * km) * carrier),
            )

    n_skus = max(40, n_orders // 4)
    skus = [f"S{i + 1:05}" for i in range(n_skus)]
    weights_g: Dict[str, int] = {}
    for sku in skus:
        r = rng.random()
        grams = rng.uniform(100, 800) if r < 0.5 else rng.uniform(800, 5000) if r < 0.85 else rng.uniform(5000, 20000)
        weights_g[sku] = int(round(grams, -1))
    popularity = [1.0 / (k + 1) ** 0.8 for k in range(n_skus)]
    rng.shuffle(popularity)
    sku_cum = list(itertools.accumulate(popularity))
    zone_cum = list(itertools.accumulate(region_w))

    orders = []
    for i in range(n_orders):
        z = rng.choices(zones, cum_weights=zone_cum)[0]
        n_lines = rng.choices([1, 2, 3, 4, 5], weights=[40, 25, 17, 10, 8])[0]
        chosen: List[str] = []
        while len(chosen) < n_lines:
            sku = rng.choices(skus, cum_weights=sku_cum)[0]
            if sku not in chosen:
                chosen.append(sku)
        lines = tuple(Line(s, rng.choices([1, 2, 3, 4], weights=[70, 20, 6, 4])[0]) for s in chosen)
        postal = rng.choice(z.prefixes) + f"{rng.randrange(1000):03}"
        orders.append(
            Order(f"O{i + 1:06}", z.name, postal, round(z.lat + rng.gauss(0, 1.0), 4), round(z.lon + rng.gauss(0, 1.3), 4), lines)
        )

    demand: Dict[str, int] = defaultdict(int)
    for o in orders:
        for line in o.lines:
            demand[line.sku] += line.quantity
    ids = [loc.location_id for loc in locations]
    most = max(3, math.ceil(0.3 * n_locations))
    stock: Dict[str, Dict[str, int]] = {}
    for sku in skus:
        d = demand.get(sku, 0)
        if d == 0:
            continue
        factor = rng.uniform(0.3, 0.8) if regime == "scarce" and rng.random() < 0.4 else rng.uniform(1.3, 2.5)
        total = math.floor(d * factor) if factor < 1 else math.ceil(d * factor)
        where = rng.sample(ids, rng.randint(2, most))
        units = split_units(rng, total, len(where))
        stock[sku] = {loc: u for loc, u in zip(where, units) if u > 0}

    name = f"{regime}-{n_orders}x{n_locations}"
    return Instance(name, regime, zones, locations, rates, Decimal("3.00"), weights_g, stock, orders, dict(demand))


# --------------------------------------------------------------------------
# The cost function (both solvers)

#: order_id -> [(line index, location_id, units)]
Allocation = Dict[str, List[Tuple[int, str, int]]]


def shipping_cost(inst: Instance, alloc: Allocation) -> Decimal:
    """Total shipping cost of an allocation, exactly.

    Each (order, location) with units is one shipment costing
    ``per_shipment + per_kg x kg``; each order pays ``split_penalty`` for
    every shipment beyond its first.
    """
    orders = {o.order_id: o for o in inst.orders}
    total = Decimal(0)
    for order_id, parts in alloc.items():
        o = orders[order_id]
        grams: Dict[str, int] = defaultdict(int)
        for line, loc, units in parts:
            if units > 0:
                grams[loc] += units * inst.weights_g[o.lines[line].sku]
        for loc, g in grams.items():
            rate = inst.rates[(loc, o.zone)]
            total += rate.per_shipment + rate.per_kg * Decimal(g) / 1000
        if grams:
            total += inst.split_penalty * (len(grams) - 1)
    return total


def check_allocation(inst: Instance, alloc: Allocation) -> Dict[str, int]:
    """Checks stock and line quantities; returns the units served per SKU."""
    used: Dict[Tuple[str, str], int] = defaultdict(int)
    served: Dict[str, int] = defaultdict(int)
    orders = {o.order_id: o for o in inst.orders}
    for order_id, parts in alloc.items():
        per_line: Dict[int, int] = defaultdict(int)
        for line, loc, units in parts:
            sku = orders[order_id].lines[line].sku
            used[(sku, loc)] += units
            served[sku] += units
            per_line[line] += units
        for line, units in per_line.items():
            if units > orders[order_id].lines[line].quantity:
                raise AssertionError(f"{order_id} line {line}: {units} units allocated")
    for (sku, loc), units in used.items():
        if units > inst.stock.get(sku, {}).get(loc, 0):
            raise AssertionError(f"{sku} at {loc}: {units} units allocated")
    return dict(served)


# --------------------------------------------------------------------------
# Ours: the engine


def cost_table(inst: Instance) -> Dict[str, Any]:
    """The ``lowest_cost`` rule's table for the engine."""

    def money(d: Decimal) -> Dict[str, str]:
        return {"amount": str(d), "currency": CURRENCY}

    return {
        "zones": [{"zone": z.name, "country": "US", "postal_prefixes": list(z.prefixes)} for z in inst.zones],
        "rates": [
            {"location_id": loc, "zone": zone, "per_shipment": money(r.per_shipment), "per_kg": money(r.per_kg)}
            for (loc, zone), r in sorted(inst.rates.items())
        ],
        "split_penalty": money(inst.split_penalty),
    }


def engine_commands(inst: Instance, policy: str) -> List[Tuple[Dict[str, Any], datetime]]:
    """Setup, policy and order placement commands, all at ``T0``."""
    cmds: List[Dict[str, Any]] = []
    for loc in inst.locations:
        cmds.append({"type": "define_location", "location_id": loc.location_id, "name": loc.location_id,
                     "kind": "warehouse", "lat": loc.lat, "lon": loc.lon})
    for sku, grams in sorted(inst.weights_g.items()):
        cmds.append({"type": "define_product", "sku": sku, "name": sku, "weight_g": grams})
    for sku, at in sorted(inst.stock.items()):
        for loc_id, units in sorted(at.items()):
            cmds.append({"type": "receive_stock", "sku": sku, "location_id": loc_id, "quantity": units})
    table = cost_table(inst)
    rules: List[Any] = [{"lowest_cost": table} if r == "lowest_cost" else r for r in POLICIES[policy]]
    cmds.append({"type": "set_sourcing_policy", "rules": rules})
    for o in inst.orders:
        cmds.append({
            "type": "place_order", "order_id": o.order_id, "channel": "web", "customer_id": f"C{o.order_id[1:]}",
            "ship_to": {"name": "Customer", "line1": "1 Main St", "city": "Town", "postal_code": o.postal_code,
                        "country": "US", "lat": o.lat, "lon": o.lon},
            "lines": [{"line_id": str(i + 1), "sku": line.sku, "quantity": line.quantity,
                       "unit_price": {"amount": "10.00", "currency": CURRENCY}} for i, line in enumerate(o.lines)],
        })
    return [(c, T0) for c in cmds]


@dataclass
class EngineRun:
    """Our allocation and how long the batch ``allocate`` took, per repeat:
    ``seconds`` with the events returned as Python dicts (``execute``),
    ``core_seconds`` without (``execute_many(..., collect_events=False)``)."""

    alloc: Allocation
    seconds: List[float]
    core_seconds: List[float]


def run_engine(inst: Instance, policy: str, repeats: int) -> EngineRun:
    """Loads the instance, then times the batch ``allocate`` ``repeats`` times
    each way, every time on the same state restored from a snapshot taken
    just before it. Checks that every run ends in the same state."""
    engine = Engine({"require_payment": False})
    engine.execute_many(engine_commands(inst, policy), collect_events=False)
    before = engine.snapshot()
    seconds: List[float] = []
    core_seconds: List[float] = []
    alloc: Allocation = {}
    after: Optional[bytes] = None
    for k in range(repeats):
        e = Engine.from_snapshot(before)
        start = time.perf_counter()
        events = e.execute({"type": "allocate"}, T0)
        seconds.append(time.perf_counter() - start)
        if k == 0:
            for ev in events:
                if ev["type"] == "order_allocated":
                    alloc[ev["order_id"]] = [
                        (int(a["line_id"]) - 1, str(a["location_id"]), int(a["quantity"])) for a in ev["allocations"]
                    ]
        del events
        core = Engine.from_snapshot(before)
        start = time.perf_counter()
        core.execute_many([({"type": "allocate"}, T0)], collect_events=False)
        core_seconds.append(time.perf_counter() - start)
        for state in (e.snapshot(), core.snapshot()):
            if after is None:
                after = state
            elif state != after:
                raise AssertionError("the engine allocated differently from the same state")
    return EngineRun(alloc, seconds, core_seconds)


# --------------------------------------------------------------------------
# Exact: SCIP through OR-Tools


@dataclass
class MipResult:
    """The solver's best allocation, its status and bound."""

    alloc: Optional[Allocation]
    status: str
    proven: bool
    bound: Optional[Decimal]  # best dual bound, USD
    solve_seconds: float
    build_seconds: float
    variables: int
    constraints: int


STATUS = {
    pywraplp.Solver.OPTIMAL: "optimal",
    pywraplp.Solver.FEASIBLE: "feasible",
    pywraplp.Solver.INFEASIBLE: "infeasible",
    pywraplp.Solver.UNBOUNDED: "unbounded",
    pywraplp.Solver.ABNORMAL: "abnormal",
    pywraplp.Solver.NOT_SOLVED: "not_solved",
}


def scaled(d: Decimal) -> int:
    """``d`` USD in integer units of 1/SCALE USD (exact for our amounts)."""
    v = d * SCALE
    if v != v.to_integral_value():
        raise ValueError(f"{d} is not a multiple of 1/{SCALE}")
    return int(v)


#: (order_id, line index) -> units the line must get.
Targets = Dict[Tuple[str, int], int]


def solve_mip(
    inst: Instance,
    time_limit_s: float,
    hint: Optional[Allocation] = None,
    *,
    targets: Optional[Targets] = None,
    orders: Optional[Sequence[Order]] = None,
    stock: Optional[Mapping[str, Mapping[str, int]]] = None,
) -> MipResult:
    """Minimum-cost allocation as a MIP, solved by SCIP on one thread.

    Variables: ``x[o, line, loc]`` integer units (only where the SKU is in
    stock), ``z[o, loc]`` binary shipment used, and when rationing is free
    ``s[o]`` binary order served (1 for orders that surely get something).
    Constraints: ``x <= min(qty, stock) z``; stock per (SKU, location);
    each line gets its target: all its units (ample), or the given
    ``targets``; without targets in the scarce regime, each line gets at
    most its quantity and each SKU ``min(demand, stock)`` units in all,
    shared among the orders however is cheapest; ``s[o] <= sum z[o, .]``.
    Objective, in units of 1/SCALE USD:
    ``sum z (per_shipment + penalty) + sum x per_kg kg - penalty sum s``.

    ``orders`` and ``stock`` default to the instance's (the per-order
    analysis passes one order and the stock left when it is allocated).
    """
    t0 = time.perf_counter()
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:
        raise RuntimeError("OR-Tools was built without SCIP")
    solver.SetNumThreads(1)
    solver.SetTimeLimit(int(time_limit_s * 1000))
    orders = inst.orders if orders is None else orders
    stock = inst.stock if stock is None else stock
    if targets is None and inst.regime == "ample":
        targets = {(o.order_id, li): line.quantity for o in orders for li, line in enumerate(o.lines)}
    penalty = scaled(inst.split_penalty)
    obj = solver.Objective()
    x: Dict[Tuple[str, int, str], Any] = {}
    z: Dict[Tuple[str, str], Any] = {}
    by_stock: Dict[Tuple[str, str], List[Any]] = defaultdict(list)
    by_sku: Dict[str, List[Any]] = defaultdict(list)
    offset = 0
    for o in orders:
        zs: Dict[str, Any] = {}
        for li, line in enumerate(o.lines):
            want = line.quantity if targets is None else targets[(o.order_id, li)]
            if want == 0:
                continue
            per_line = []
            for loc, units in sorted(stock.get(line.sku, {}).items()):
                if units <= 0:
                    continue
                rate = inst.rates[(loc, o.zone)]
                if loc not in zs:
                    zs[loc] = z[(o.order_id, loc)] = solver.BoolVar(f"z_{o.order_id}_{loc}")
                    obj.SetCoefficient(zs[loc], scaled(rate.per_shipment) + penalty)
                ub = min(want, units)
                v = solver.IntVar(0, ub, f"x_{o.order_id}_{li}_{loc}")
                x[(o.order_id, li, loc)] = v
                # per_kg (cents) x grams is in 1/SCALE USD: (c/100) x (g/1000).
                obj.SetCoefficient(v, scaled(rate.per_kg * inst.weights_g[line.sku] / 1000))
                solver.Add(v <= ub * zs[loc])
                per_line.append(v)
                by_stock[(line.sku, loc)].append(v)
                by_sku[line.sku].append(v)
            if targets is not None:
                solver.Add(solver.Sum(per_line) == want)
            elif per_line:
                solver.Add(solver.Sum(per_line) <= want)
        if targets is not None:
            surely_served = any(targets[(o.order_id, li)] > 0 for li in range(len(o.lines)))
        else:
            surely_served = any(inst.servable(line.sku) == inst.demand[line.sku] for line in o.lines)
        if surely_served:
            offset -= penalty
        elif zs:
            s = solver.BoolVar(f"s_{o.order_id}")
            obj.SetCoefficient(s, -penalty)
            solver.Add(s <= solver.Sum(list(zs.values())))
    for (sku, loc), vs in by_stock.items():
        solver.Add(solver.Sum(vs) <= stock[sku][loc])
    if targets is None:
        for sku, vs in by_sku.items():
            solver.Add(solver.Sum(vs) == inst.servable(sku))
    obj.SetOffset(offset)
    obj.SetMinimization()
    if hint is not None:
        set_hint(solver, inst, hint, x, z)
    build = time.perf_counter() - t0

    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, 0.0)
    t1 = time.perf_counter()
    status = solver.Solve(params)
    solve = time.perf_counter() - t1

    alloc: Optional[Allocation] = None
    bound: Optional[Decimal] = None
    if status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        alloc = defaultdict(list)
        for (order_id, li, loc), v in x.items():
            units = round(v.solution_value())
            if units > 0:
                alloc[order_id].append((li, loc, units))
        alloc = dict(alloc)
        # The objective is integral in 1/SCALE USD, so the bound rounds up.
        bound = Decimal(math.ceil(obj.BestBound() - 1e-6)) / SCALE
    return MipResult(
        alloc=alloc,
        status=STATUS.get(status, str(status)),
        proven=status == pywraplp.Solver.OPTIMAL,
        bound=bound,
        solve_seconds=solve,
        build_seconds=build,
        variables=solver.NumVariables(),
        constraints=solver.NumConstraints(),
    )


def set_hint(solver: Any, inst: Instance, alloc: Allocation,
             x: Mapping[Tuple[str, int, str], Any], z: Mapping[Tuple[str, str], Any]) -> None:
    """Gives SCIP an allocation as its first incumbent (``--hint``)."""
    values: Dict[Any, float] = {v: 0.0 for v in x.values()}
    values.update({v: 0.0 for v in z.values()})
    for order_id, parts in alloc.items():
        for li, loc, units in parts:
            values[x[(order_id, li, loc)]] += units
            values[z[(order_id, loc)]] = 1.0
    served = {order_id for order_id, parts in alloc.items() if any(u > 0 for _, _, u in parts)}
    for i in range(solver.NumVariables()):
        v = solver.variable(i)
        if v.name().startswith("s_"):
            values[v] = 1.0 if v.name()[2:] in served else 0.0
    solver.SetHint(list(values.keys()), list(values.values()))


# --------------------------------------------------------------------------
# Where the gap comes from: one order at a time


def queue(inst: Instance) -> List[Order]:
    """The orders in the engine's batch order (all placed at once, same
    priority and tier: by order id)."""
    return sorted(inst.orders, key=lambda o: o.order_id)


def fcfs_targets(inst: Instance) -> Targets:
    """Units each line gets first come, first served (what the engine's
    batch allocate serves without ``fair_share``, whatever the rules):
    ``min(quantity, units of the SKU left)``, orders in queue order."""
    left = {sku: sum(at.values()) for sku, at in inst.stock.items()}
    out: Targets = {}
    for o in queue(inst):
        for li, line in enumerate(o.lines):
            t = min(line.quantity, left.get(line.sku, 0))
            out[(o.order_id, li)] = t
            if t:
                left[line.sku] -= t
    return out


def line_units(alloc: Allocation) -> Targets:
    """Units allocated per (order, line)."""
    out: Targets = defaultdict(int)
    for order_id, parts in alloc.items():
        for li, _, units in parts:
            out[(order_id, li)] += units
    return out


def order_exact(inst: Instance, o: Order, stock: Mapping[str, Mapping[str, int]], want: Targets) -> Allocation:
    """The cheapest allocation of one order from ``stock``, lines getting ``want``."""
    mip = solve_mip(inst, 60.0, targets=want, orders=[o], stock=stock)
    if not mip.proven or mip.alloc is None:
        raise RuntimeError(f"{o.order_id}: SCIP did not solve a one-order problem ({mip.status})")
    return mip.alloc


@dataclass
class Example:
    """One order our planner allocated dearer than the per-order optimum,
    from the same stock."""

    order_id: str
    zone: str
    lines: List[Tuple[str, int, int]]  # (sku, units, grams per unit)
    stock: Dict[str, Dict[str, int]]  # sku -> location -> units left
    rates: Dict[str, Tuple[str, str]]  # location -> (per_shipment, per_kg)
    ours: List[Tuple[int, str, int]]
    ours_cost: str
    exact: List[Tuple[int, str, int]]
    exact_cost: str


@dataclass
class PlannerLoss:
    """Our cost minus the per-order optimum, order by order, each from the
    stock our run had left when it allocated that order."""

    loss: Decimal
    orders_worse: int
    worse_with_more_shipments: int
    examples: List[Example]


def planner_loss(inst: Instance, alloc: Allocation, want: Targets, n_examples: int) -> PlannerLoss:
    """Replays our allocation in queue order; at each order solves the
    one-order problem exactly from the stock left and compares."""
    left = {sku: dict(at) for sku, at in inst.stock.items()}
    loss = Decimal(0)
    worse = more = 0
    found: List[Tuple[int, Decimal, Example]] = []
    for o in queue(inst):
        ours = alloc.get(o.order_id, [])
        if sum(want[(o.order_id, li)] for li in range(len(o.lines))) > 0:
            best = order_exact(inst, o, left, want).get(o.order_id, [])
            ours_cost = shipping_cost(inst, {o.order_id: ours})
            best_cost = shipping_cost(inst, {o.order_id: best})
            if ours_cost < best_cost:
                raise AssertionError(f"{o.order_id}: ours {ours_cost} beats the one-order optimum {best_cost}")
            if ours_cost > best_cost:
                loss += ours_cost - best_cost
                worse += 1
                if len({loc for _, loc, _ in ours}) > len({loc for _, loc, _ in best}):
                    more += 1
                skus = {line.sku for line in o.lines}
                here = {sku: {loc: u for loc, u in sorted(left.get(sku, {}).items()) if u > 0} for sku in skus}
                locs = sorted({loc for at in here.values() for loc in at})
                found.append((len(o.lines), -(ours_cost - best_cost), Example(
                    order_id=o.order_id, zone=o.zone,
                    lines=[(line.sku, line.quantity, inst.weights_g[line.sku]) for line in o.lines],
                    stock=here,
                    rates={loc: (str(inst.rates[(loc, o.zone)].per_shipment), str(inst.rates[(loc, o.zone)].per_kg))
                           for loc in locs},
                    ours=sorted(ours), ours_cost=str(ours_cost), exact=sorted(best), exact_cost=str(best_cost),
                )))
        for li, loc, units in ours:
            left[o.lines[li].sku][loc] -= units
    found.sort(key=lambda f: (f[0], f[1]))
    return PlannerLoss(loss, worse, more, [f[2] for f in found[:n_examples]])


def sequential_exact(inst: Instance, want: Targets) -> Allocation:
    """A planner that allocates each order optimally on its own, in queue
    order (first come, first served, like the engine, but exact per order)."""
    left = {sku: dict(at) for sku, at in inst.stock.items()}
    out: Allocation = {}
    for o in queue(inst):
        if sum(want[(o.order_id, li)] for li in range(len(o.lines))) == 0:
            continue
        parts = order_exact(inst, o, left, want).get(o.order_id, [])
        out[o.order_id] = parts
        for li, loc, units in parts:
            left[o.lines[li].sku][loc] -= units
    return out


def describe(ex: Example, policy: str) -> str:
    """An example as a few lines of text."""
    def parts(alloc: Sequence[Tuple[int, str, int]]) -> str:
        by: Dict[str, List[str]] = defaultdict(list)
        for li, loc, units in alloc:
            by[loc].append(f"{ex.lines[li][0]} x{units}")
        return "; ".join(f"{loc}: {', '.join(v)}" for loc, v in sorted(by.items()))

    lines = ", ".join(f"{sku} x{q} ({g / 1000:g} kg each)" for sku, q, g in ex.lines)
    stock = "; ".join(f"{sku} " + " ".join(f"{loc}:{u}" for loc, u in at.items()) for sku, at in sorted(ex.stock.items()))
    rates = "; ".join(f"{loc} {ps} + {pk}/kg" for loc, (ps, pk) in ex.rates.items())
    return (f"{ex.order_id} to zone {ex.zone}: {lines}\n"
            f"    stock left: {stock}\n    rates to {ex.zone}: {rates}\n"
            f"    ours ({policy}): {parts(ex.ours)} = {Decimal(ex.ours_cost):.2f}\n"
            f"    one-order optimum: {parts(ex.exact)} = {Decimal(ex.exact_cost):.2f}")


# --------------------------------------------------------------------------
# The report


@dataclass
class Row:
    """One table row: one instance under one of our policies."""

    instance: str
    locations: int
    orders: int
    lines: int
    regime: str
    policy: str
    ours: str
    ortools: Optional[str]
    bound: Optional[str]
    proven: bool
    scip_status: str
    gap_pct: Optional[float]  # (ours - ortools) / ortools
    gap_vs_bound_pct: Optional[float]  # (ours - bound) / bound: caps the true gap (None unless bound > 0)
    ours_ms: float  # median of the repeats of `execute(allocate)`, events returned as dicts
    ours_ms_all: List[float]
    core_ms: float  # median of the repeats of `execute_many([allocate], collect_events=False)`
    core_ms_all: List[float]
    scip_s: float
    scip_build_s: float
    speed_ratio: float  # scip_s / ours
    ours_shipments: int
    ortools_shipments: Optional[int]
    mip_variables: int
    mip_constraints: int
    # Where the gap comes from (None with --no-decompose):
    planner_loss: Optional[str] = None  # sum over orders of ours - one-order optimum from the same stock
    orders_worse: Optional[int] = None  # orders where ours costs more than the one-order optimum
    worse_with_more_shipments: Optional[int] = None  # ... of which ours uses more shipments
    sequential_exact: Optional[str] = None  # cost of allocating each order optimally, first come first served
    fcfs_optimum: Optional[str] = None  # scarce: best cost with the first-come-first-served units per line
    fcfs_bound: Optional[str] = None
    fcfs_proven: Optional[bool] = None
    examples: List[Example] = field(default_factory=list)


def shipments(alloc: Allocation) -> int:
    """(order, location) pairs with units."""
    return sum(len({loc for _, loc, u in parts if u > 0}) for parts in alloc.values())


def pct(a: Decimal, b: Decimal) -> Optional[float]:
    """``(a - b) / b`` in percent."""
    return None if b == 0 else float((a - b) / b * 100)


def measure(inst: Instance, policies: Sequence[str], time_limit: float, repeats: int, hint: bool,
            decompose: bool, n_examples: int) -> List[Row]:
    """Runs every policy and the MIP on one instance (and, with
    ``decompose``, the one-order-at-a-time analysis)."""
    runs = {p: run_engine(inst, p, repeats) for p in policies}
    target = {sku: inst.servable(sku) for sku in inst.demand}
    want = fcfs_targets(inst)
    for p, run in runs.items():
        served = check_allocation(inst, run.alloc)
        short = {s: (served.get(s, 0), t) for s, t in target.items() if served.get(s, 0) != t}
        if short:
            raise AssertionError(f"{inst.name} {p}: served units differ from min(demand, stock): {short}")
        got = line_units(run.alloc)
        if any(got.get(k, 0) != t for k, t in want.items()):
            raise AssertionError(f"{inst.name} {p}: units per line are not first come, first served")
    start: Optional[Allocation] = None
    if hint:
        start = min((r.alloc for r in runs.values()), key=lambda a: shipping_cost(inst, a))
    mip = solve_mip(inst, time_limit, start)
    log(f"  MIP {mip.variables} variables, {mip.constraints} constraints, built in {mip.build_seconds:.1f} s, "
        f"SCIP {mip.status} in {mip.solve_seconds:.1f} s")
    best: Optional[Decimal] = None
    if mip.alloc is not None:
        served = check_allocation(inst, mip.alloc)
        short = {s: (served.get(s, 0), t) for s, t in target.items() if served.get(s, 0) != t}
        if short:
            raise AssertionError(f"{inst.name} MIP: served units differ: {short}")
        best = shipping_cost(inst, mip.alloc)
    rows = []
    for p, run in runs.items():
        ours = shipping_cost(inst, run.alloc)
        ms = statistics.median(run.seconds) * 1000
        rows.append(Row(
            instance=inst.name, locations=len(inst.locations), orders=len(inst.orders), lines=inst.n_lines,
            regime=inst.regime, policy=p, ours=str(ours.quantize(Decimal("0.00001"))),
            ortools=None if best is None else str(best.quantize(Decimal("0.00001"))),
            bound=None if mip.bound is None else str(mip.bound),
            proven=mip.proven, scip_status=mip.status,
            gap_pct=None if best is None else pct(ours, best),
            gap_vs_bound_pct=None if mip.bound is None or mip.bound <= 0 else pct(ours, mip.bound),
            ours_ms=ms, ours_ms_all=[s * 1000 for s in run.seconds],
            core_ms=statistics.median(run.core_seconds) * 1000, core_ms_all=[s * 1000 for s in run.core_seconds],
            scip_s=mip.solve_seconds, scip_build_s=mip.build_seconds,
            speed_ratio=mip.solve_seconds / (ms / 1000),
            ours_shipments=shipments(run.alloc),
            ortools_shipments=None if mip.alloc is None else shipments(mip.alloc),
            mip_variables=mip.variables, mip_constraints=mip.constraints,
        ))
    if not decompose:
        return rows
    t0 = time.perf_counter()
    seq = shipping_cost(inst, sequential_exact(inst, want))
    fcfs: Optional[MipResult] = None
    fcfs_best: Optional[Decimal] = None
    if inst.regime == "scarce":
        fcfs = solve_mip(inst, time_limit, targets=want)
        log(f"  MIP with first-come-first-served units per line: SCIP {fcfs.status} in {fcfs.solve_seconds:.1f} s")
        if fcfs.alloc is not None:
            check_allocation(inst, fcfs.alloc)
            fcfs_best = shipping_cost(inst, fcfs.alloc)
    for row, run in zip(rows, runs.values()):
        pl = planner_loss(inst, run.alloc, want, n_examples)
        row.planner_loss = str(pl.loss)
        row.orders_worse = pl.orders_worse
        row.worse_with_more_shipments = pl.worse_with_more_shipments
        row.examples = pl.examples
        row.sequential_exact = str(seq)
        if inst.regime == "ample":
            row.fcfs_optimum, row.fcfs_bound, row.fcfs_proven = row.ortools, row.bound, row.proven
        elif fcfs is not None:
            row.fcfs_optimum = None if fcfs_best is None else str(fcfs_best)
            row.fcfs_bound = None if fcfs.bound is None else str(fcfs.bound)
            row.fcfs_proven = fcfs.proven
    log(f"  one-order-at-a-time analysis in {time.perf_counter() - t0:.1f} s")
    return rows


def log(text: str) -> None:
    """Progress, on stderr."""
    print(text, file=sys.stderr, flush=True)


HEADER = ["instance", "locs", "orders", "lines", "regime", "policy", "ours $", "OR-Tools $", "bound $",
          "proven", "gap %", "ours ms", "core ms", "SCIP s", "SCIP/ours"]


def cells(r: Row) -> List[str]:
    """A row's table cells."""
    def money(s: Optional[str]) -> str:
        return "-" if s is None else f"{Decimal(s):,.2f}"

    gap = "-" if r.gap_pct is None else f"{r.gap_pct:.2f}"
    if not r.proven and r.gap_vs_bound_pct is not None:
        gap += f" (<= {r.gap_vs_bound_pct:.2f} vs bound)"
    return [r.instance, str(r.locations), str(r.orders), str(r.lines), r.regime, r.policy, money(r.ours),
            money(r.ortools), money(r.bound), "yes" if r.proven else f"NOT PROVEN ({r.scip_status})", gap,
            f"{r.ours_ms:.2f}", f"{r.core_ms:.2f}", f"{r.scip_s:.1f}",
            ("" if r.proven else ">") + f"{r.speed_ratio:,.0f}x"]


def aligned(grid: Sequence[Sequence[str]], left: AbstractSet[int]) -> str:
    """An aligned text table; the first row is the header."""
    widths = [max(len(line[i]) for line in grid) for i in range(len(grid[0]))]
    out = []
    for k, line in enumerate(grid):
        out.append("  ".join(c.ljust(w) if i in left else c.rjust(w)
                             for i, (c, w) in enumerate(zip(line, widths))).rstrip())
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def table(rows: Sequence[Row]) -> str:
    """The rows as the main table."""
    return aligned([HEADER] + [cells(r) for r in rows], left={0, 4, 5})


DECOMPOSITION = ["instance", "policy", "ours $", "per-order loss $", "orders worse (more shipments)",
                 "per-order exact $", "optimum, FCFS units $", "optimum $"]


def decomposition_table(rows: Sequence[Row]) -> str:
    """Where the gap comes from, per row: see the README."""
    def money(v: Optional[str], proven: Optional[bool] = True) -> str:
        if v is None:
            return "-"
        return f"{Decimal(v):,.2f}" + ("" if proven else " (not proven)")

    grid = [DECOMPOSITION]
    for r in rows:
        loss = "-" if r.planner_loss is None else f"{Decimal(r.planner_loss):,.2f}"
        grid.append([r.instance, r.policy, money(r.ours), loss,
                     f"{r.orders_worse} ({r.worse_with_more_shipments})", money(r.sequential_exact),
                     money(r.fcfs_optimum, r.fcfs_proven), money(r.ortools, r.proven)])
    return aligned(grid, left={0, 1})


def parse_sizes(text: str) -> List[Tuple[int, int]]:
    """``"1000x10,2000x20"`` -> ``[(1000, 10), (2000, 20)]`` (orders x locations)."""
    out = []
    for part in text.split(","):
        orders, _, locs = part.strip().partition("x")
        out.append((int(orders), int(locs)))
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--sizes", default=DEFAULT_SIZES,
                    help=f"comma-separated ORDERSxLOCATIONS (default {DEFAULT_SIZES})")
    ap.add_argument("--regimes", default="ample,scarce", help="comma-separated: ample, scarce (default both)")
    ap.add_argument("--policies", default=",".join(DEFAULT_POLICIES),
                    help=f"comma-separated, of: {', '.join(POLICIES)} (default {','.join(DEFAULT_POLICIES)})")
    ap.add_argument("--seed", type=int, default=7, help="instance seed (default 7)")
    ap.add_argument("--time-limit", type=float, default=120.0, help="SCIP time limit per solve, s (default 120)")
    ap.add_argument("--repeats", type=int, default=5, help="timed allocate runs per policy; median reported (default 5)")
    ap.add_argument("--hint", action="store_true", help="give SCIP our cheapest allocation as a starting solution")
    ap.add_argument("--quick", action="store_true", help=f"smoke check: --sizes {QUICK_SIZES}, time limit 10 s")
    ap.add_argument("--no-decompose", action="store_true",
                    help="skip the one-order-at-a-time analysis of where the gap comes from")
    ap.add_argument("--examples", type=int, default=0, metavar="N",
                    help="print the N smallest orders (per instance and policy) that ours allocates dearer "
                         "than the one-order optimum from the same stock (default 0; the JSON keeps 3)")
    ap.add_argument("--json", metavar="FILE", help="also write the rows to FILE as JSON")
    args = ap.parse_args(argv)
    sizes = parse_sizes(QUICK_SIZES if args.quick else args.sizes)
    time_limit = min(args.time_limit, 10.0) if args.quick else args.time_limit
    policies = [p.strip() for p in args.policies.split(",")]
    for p in policies:
        if p not in POLICIES:
            ap.error(f"unknown policy {p!r}")
    rows: List[Row] = []
    for n_orders, n_locs in sizes:
        for regime in [r.strip() for r in args.regimes.split(",")]:
            inst = generate(n_orders, n_locs, regime, args.seed)
            log(f"{inst.name}: {inst.n_lines} lines, {len(inst.weights_g)} SKUs ...")
            rows.extend(measure(inst, policies, time_limit, args.repeats, args.hint,
                                not args.no_decompose, max(3, args.examples)))
    print(table(rows))
    unproven = sorted({r.instance for r in rows if not r.proven})
    if unproven:
        print(f"\nSCIP did not prove optimality within {time_limit:g} s for: {', '.join(unproven)}; "
              "their gap is against its best solution, and the bound caps the true gap.")
    if not args.no_decompose:
        print("\nWhere the gap comes from (orders one at a time, first come first served, as the engine does):")
        print(decomposition_table(rows))
    if args.examples > 0:
        print("\nOrders ours allocates dearer than the one-order optimum from the same stock:")
        for r in rows:
            for ex in r.examples[: args.examples]:
                print(f"[{r.instance}] " + describe(ex, r.policy))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"seed": args.seed, "time_limit_s": time_limit, "rows": [asdict(r) for r in rows]}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
