"""KPIs from an event log: figures with numerators and denominators that add up across shards."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Dict, List

from oms_engine import Engine, kpis, merge_kpis

from conftest import PRICE, SHIP_TO, T0, Clock


def history(engine: Engine, clock: Clock) -> List[Dict[str, Any]]:
    """Two orders: SO-1 shipped and delivered, one unit returned; SO-2 cancelled."""
    log: List[Dict[str, Any]] = []
    for order_id in ("SO-1", "SO-2"):
        log += engine.place_order(
            order_id,
            [{"line_id": "1", "sku": "MUG", "quantity": 2, "unit_price": PRICE}],
            SHIP_TO,
            at=clock(),
            customer_id="C1",
        )
        log += engine.record_payment(order_id, Decimal("39.98"), at=clock())
    log += engine.allocate("SO-1", at=clock())
    log += engine.ship("SO-1", "P-1", "WH1", {"1": 2}, at=clock(), carrier="UPS")
    log += engine.confirm_delivery("P-1", at=clock())
    log += engine.cancel_order("SO-2", "asked", at=clock())
    log += engine.request_return("R1", "SO-1", [{"line_id": "1", "quantity": 1, "reason": "damaged"}], "refund", at=clock())
    log += engine.authorize_return("R1", at=clock())
    log += engine.record_return_shipment("R1", at=clock())
    log += engine.receive_return("R1", "WH1", at=clock())
    return log


def figure(report: Dict[str, Any], name: str, key: str | None = None) -> Dict[str, Any]:
    return next(k for k in report["kpis"] if k["name"] == name and k.get("key") == key)


def test_kpis_come_with_numerator_and_denominator(engine: Engine, clock: Clock) -> None:
    log = history(engine, clock)
    report = kpis(log)
    # One unit of two shipped came back.
    rate = figure(report, "return_rate")
    assert (rate["numerator"], rate["denominator"]) == ("1", "2")
    assert Decimal(rate["value"]) == Decimal("0.5")
    assert figure(report, "return_rate_by_reason", "damaged")["numerator"] == "1"
    cancelled = figure(report, "cancellation_rate")
    assert (cancelled["numerator"], cancelled["denominator"]) == ("1", "2")
    assert figure(report, "perfect_order_rate")["numerator"] == "0"
    assert figure(report, "orders_by_channel", "web")["numerator"] == "2"
    # Lead time: from SO-1's placement to its status becoming delivered, in hours.
    placed = next(e["at"] for e in log if e["type"] == "order_placed" and e["order"]["order_id"] == "SO-1")
    delivered = next(e["at"] for e in log if e["type"] == "order_status_changed" and e["to"] == "delivered")
    seconds = (datetime.fromisoformat(delivered) - datetime.fromisoformat(placed)).total_seconds()
    hours = Decimal(int(seconds)) / 3600
    assert Decimal(figure(report, "order_lead_time")["value"]) == hours.quantize(Decimal("0.000001"))
    # A window after everything counts nothing.
    later = kpis(log, window_from=T0 + timedelta(days=1))
    assert figure(later, "return_rate")["denominator"] == "0"


def test_shards_merge_exactly(engine: Engine, clock: Clock) -> None:
    log = history(engine, clock)
    whole = kpis(log)
    so1 = [e for e in log if e.get("order_id", e.get("order", {}).get("order_id")) != "SO-2"]
    so2 = [e for e in log if e.get("order_id", e.get("order", {}).get("order_id")) == "SO-2"]
    merged = merge_kpis([kpis(so1), kpis(so2)])
    for name in ("cancellation_rate", "return_rate", "order_lead_time"):
        a, b = figure(whole, name), figure(merged, name)
        assert (a["numerator"], a["denominator"]) == (b["numerator"], b["denominator"]), name
