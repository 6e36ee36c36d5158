"""Four weeks of a small shop through ``oms_engine``, then its KPIs week by
week from the event log alone, drawn with matplotlib and saved as a PNG.

    python examples/kpi_chart.py [out.png]

Every run is the same: the "randomness" is a seeded generator, and time
is passed in. Needs ``matplotlib`` (``pip install matplotlib``).
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict, List, Tuple

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

from oms_engine import Address, Engine, OrderLine, kpis

START = datetime(2026, 10, 5, 8, 0, tzinfo=timezone.utc)  # a Monday
SHIP_TO: Address = {"name": "Ada", "line1": "1 Main St", "city": "Newark", "postal_code": "07102", "country": "US"}
PRODUCTS = {"TEE": Decimal("19.00"), "MUG": Decimal("12.00"), "CAP": Decimal("15.00"), "HOODIE": Decimal("49.00")}
SHOWN = ["fill_rate_units", "on_time_shipment_rate", "perfect_order_rate", "return_rate", "cancellation_rate"]


def simulate(weeks: int = 4) -> List[Dict[str, Any]]:
    """Runs the shop and returns its event log."""
    rng = random.Random(2026)
    engine = Engine({"require_payment": False, "returns": {"window_days": 30}})
    log: List[Dict[str, Any]] = []
    log += engine.define_location("WH1", "Main", at=START)
    for sku, price in PRODUCTS.items():
        log += engine.define_product(sku, sku.title(), at=START, price=price)
    in_transit: List[Tuple[int, str]] = []  # (day shipped, shipment)
    n = 0
    for day in range(weeks * 7):
        morning = START + timedelta(days=day)
        if day % 7 == 0:
            for sku in PRODUCTS:
                log += engine.receive_stock(sku, "WH1", 30 + rng.randrange(20), at=morning)
        for _ in range(8 + rng.randrange(8)):
            n += 1
            order_id = f"SO-{n:04}"
            skus = rng.sample(sorted(PRODUCTS), 1 + rng.randrange(2))
            lines: List[OrderLine] = [
                {"line_id": str(i + 1), "sku": s, "quantity": 1 + rng.randrange(2), "unit_price": PRODUCTS[s]}
                for i, s in enumerate(skus)
            ]
            placed = morning + timedelta(hours=rng.randrange(8))
            log += engine.place_order(
                order_id, lines, SHIP_TO, at=placed, customer_id=f"C{rng.randrange(40)}", ship_by=placed + timedelta(days=1)
            )
            if rng.random() < 0.03:
                log += engine.cancel_order(order_id, "changed mind", at=placed + timedelta(hours=1))
        noon = morning + timedelta(hours=12)
        log += engine.allocate(at=noon)
        for order in engine.orders("allocated"):
            units = {line["line_id"]: line["allocated"] for line in order["lines"] if line["allocated"]}
            shipment = f"{order['order_id']}-P"
            # Most leave the same day; one in ten misses its cutoff.
            hours = 26 if rng.random() < 0.1 else rng.randrange(6)
            log += engine.ship(order["order_id"], shipment, "WH1", units, at=noon + timedelta(hours=hours), carrier="UPS")
            in_transit.append((day, shipment))
        # Parcels shipped two days ago arrive; one in twelve comes back, in part.
        arriving = [s for d, s in in_transit if d <= day - 2]
        in_transit = [(d, s) for d, s in in_transit if d > day - 2]
        for shipment in arriving:
            log += engine.confirm_delivery(shipment, at=noon + timedelta(hours=8))
            order_id = engine.shipment(shipment)["order_id"]
            if rng.random() < 1 / 12:
                rma = f"R-{order_id}"
                line = engine.order(order_id)["lines"][0]
                later = noon + timedelta(hours=9)
                log += engine.request_return(
                    rma, order_id, [{"line_id": line["line_id"], "quantity": 1, "reason": "size_fit"}], "refund", at=later
                )
                log += engine.authorize_return(rma, at=later)
                log += engine.record_return_shipment(rma, at=later)
                log += engine.receive_return(rma, "WH1", at=later)
                log += engine.inspect_return(rma, [{"line_id": line["line_id"], "quantity": 1, "disposition": "restock"}], at=later)
                log += engine.resolve_return(rma, at=later)
    return log


def weekly(log: List[Dict[str, Any]], weeks: int = 4) -> Dict[str, List[float]]:
    """Each shown KPI's value per week (0 where a week has none)."""
    series: Dict[str, List[float]] = {name: [] for name in SHOWN}
    for week in range(weeks):
        start = START + timedelta(weeks=week)
        report = kpis(log, window_from=start, window_to=start + timedelta(weeks=1))
        values = {k["name"]: k.get("value") for k in report["kpis"] if "key" not in k}
        for name in SHOWN:
            series[name].append(float(Decimal(values[name])) if values.get(name) is not None else 0.0)
    return series


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else "kpis.png"
    log = simulate()
    series = weekly(log)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    weeks = [f"week {w + 1}" for w in range(len(series[SHOWN[0]]))]
    for name, values in series.items():
        ax.plot(weeks, values, marker="o", label=name.replace("_", " "))
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share")
    ax.set_title(f"Weekly KPIs from {len(log)} events")
    ax.legend(loc="lower left", fontsize="small")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    for name, values in series.items():
        print(f"{name:<24}", " ".join(f"{v:6.3f}" for v in values))
    print(f"saved {out}")


if __name__ == "__main__":
    main()
