"""A small shop's morning, end to end, from Python.

Run with ``python oms-py/examples/quickstart.py`` after ``pip install ./oms-py``.
It defines a catalog, takes a burst of orders in bulk with ``execute_many``,
captures payments, allocates, ships and delivers, then rebuilds the whole
state from the recorded events and checks it matches.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict, List, Tuple

from oms_engine import Address, Engine, InsufficientStockError, OmsError

OPEN = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
PRICES = {"TEE-S": Decimal("19.00"), "TEE-M": Decimal("19.00"), "MUG": Decimal("9.50")}
SHIP_TO: Address = {
    "name": "Grace Hopper",
    "line1": "1 Compiler Lane",
    "city": "Arlington",
    "region": "VA",
    "postal_code": "22201",
    "country": "US",
}


def order_command(n: int) -> Dict[str, Any]:
    skus = list(PRICES)
    lines = [
        {
            "line_id": str(k + 1),
            "sku": skus[(n + k) % len(skus)],
            "quantity": 1 + (n + k) % 2,
            # Decimals can go straight into command dicts; floats are refused.
            "unit_price": {"amount": PRICES[skus[(n + k) % len(skus)]], "currency": "USD"},
        }
        for k in range(2)
    ]
    return {
        "type": "place_order",
        "order_id": f"SO-{n:04}",
        "channel": ["web", "marketplace"][n % 2],
        "customer_id": f"C-{n % 7}",
        "ship_to": dict(SHIP_TO),
        "lines": lines,
    }


def order_total(command: Dict[str, Any]) -> Decimal:
    return sum((line["unit_price"]["amount"] * line["quantity"] for line in command["lines"]), Decimal(0))


def main() -> None:
    shop = Engine({"currency": "USD", "require_payment": True})
    log: List[Dict[str, Any]] = []
    log += shop.define_location("WH-EAST", "East warehouse", at=OPEN, lat=38.9, lon=-77.0)
    log += shop.define_location("STORE-1", "Flagship store", at=OPEN, kind="store", fulfills_orders=False)
    for sku in PRICES:
        log += shop.define_product(sku, sku.replace("-", " ").title(), at=OPEN, price=PRICES[sku], weight_g=250)
        log += shop.receive_stock(sku, "WH-EAST", 40, at=OPEN, reference="PO-1001")

    # A burst of 30 web and marketplace orders, loaded in one call.
    orders: List[Tuple[Dict[str, Any], datetime]] = [
        (order_command(n), OPEN + timedelta(minutes=n)) for n in range(30)
    ]
    log += shop.execute_many(orders)
    at = OPEN + timedelta(hours=1)

    # Payments arrive for all but the last three orders.
    for command, _ in orders[:-3]:
        log += shop.record_payment(command["order_id"], order_total(command), at=at)
    log += shop.allocate(at=at)

    shipped = 0
    for order in shop.orders("allocated"):
        lines = {line["line_id"]: line["quantity"] for line in order["lines"]}
        shipment_id = "P-" + order["order_id"]
        log += shop.ship(order["order_id"], shipment_id, "WH-EAST", lines, at=at, carrier="UPS")
        log += shop.confirm_delivery(shipment_id, at=at + timedelta(days=2))
        shipped += 1

    try:
        shop.adjust_stock("MUG", "WH-EAST", -1_000, "inventory write-off", at=at)
    except InsufficientStockError as e:
        print(f"refused as expected ({e.code}): {e}")

    counts = {status: n for status, n in shop.order_counts().items() if n}
    print(f"orders by status: {counts}")
    for sku in PRICES:
        stock = shop.stock(sku, "WH-EAST")
        print(f"{sku:6} on hand {stock['on_hand']:3}  reserved {stock['reserved']:2}  available {shop.available(sku):3}")

    rebuilt = Engine.replay(log, config=shop.config())
    assert rebuilt.snapshot() == shop.snapshot(), "replay must rebuild the same state"
    print(f"{shipped} orders shipped and delivered; {len(log)} events replay to the same state")


if __name__ == "__main__":
    try:
        main()
    except OmsError as e:
        raise SystemExit(f"{type(e).__name__} ({e.code}): {e}")
