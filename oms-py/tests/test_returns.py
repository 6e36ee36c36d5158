"""Returns, refunds, exchanges and the customer view from Python."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oms_engine import Engine, InvalidTransitionError, ValidationError

from conftest import SHIP_TO, Clock


def delivered(engine: Engine, clock: Clock) -> None:
    """SO-1: 2 × SHIRT-M at 20.00 with a 4.00 discount, paid, delivered."""
    engine.place_order(
        "SO-1",
        [{"line_id": "1", "sku": "SHIRT-M", "quantity": 2, "unit_price": Decimal("20.00")}],
        SHIP_TO,
        at=clock(),
        customer_id="C1",
        discount=Decimal("4.00"),
    )
    engine.record_payment("SO-1", Decimal("36.00"), at=clock())
    engine.allocate("SO-1", at=clock())
    engine.ship("SO-1", "P-1", "WH1", {"1": 2}, at=clock(), carrier="UPS")
    engine.confirm_delivery("P-1", at=clock())


def test_a_refund_from_request_to_close(engine: Engine, clock: Clock) -> None:
    delivered(engine, clock)
    events = engine.request_return("R1", "SO-1", [{"line_id": "1", "quantity": 1, "reason": "size_fit"}], "refund", at=clock())
    assert [e["type"] for e in events] == ["return_requested"]
    engine.authorize_return("R1", at=clock())
    engine.record_return_shipment("R1", at=clock(), carrier="UPS", tracking_number="1ZR")
    engine.receive_return("R1", "WH1", at=clock())
    assert engine.order("SO-1")["status"] == "partially_returned"
    engine.inspect_return("R1", [{"line_id": "1", "quantity": 1, "disposition": "restock"}], at=clock())
    assert engine.stock("SHIRT-M", "WH1")["returned"] == 1
    events = engine.resolve_return("R1", at=clock())
    refund = events[0]["refund"]
    # 40.00 less the 4.00 discount, one of two units: 18.00.
    assert refund["total"] == {"amount": "18.00", "currency": "USD"}
    engine.record_payment("SO-1", Decimal("18.00"), at=clock(), kind="refunded", rma_id="R1")
    assert engine.order("SO-1")["payment_status"] == "partially_refunded"
    engine.close_return("R1", at=clock())
    rma = engine.rma("R1")
    assert rma["status"] == "closed"
    assert [r["rma_id"] for r in engine.rmas("SO-1")] == ["R1"]
    assert engine.check_invariants() is None


def test_rules_are_typed_errors(engine: Engine, clock: Clock) -> None:
    delivered(engine, clock)
    with pytest.raises(ValidationError):
        engine.request_return("R1", "SO-1", [{"line_id": "1", "quantity": 3, "reason": "other"}], "refund", at=clock())
    engine.request_return("R1", "SO-1", [{"line_id": "1", "quantity": 1, "reason": "other"}], "refund", at=clock())
    with pytest.raises(InvalidTransitionError):
        engine.receive_return("R1", "WH1", at=clock())
    engine.cancel_return("R1", at=clock(), reason="kept it")
    assert engine.rma("R1")["status"] == "cancelled"


def test_an_exchange_places_a_replacement_order(engine: Engine, clock: Clock) -> None:
    delivered(engine, clock)
    engine.request_return(
        "R1",
        "SO-1",
        [{"line_id": "1", "quantity": 1, "reason": "size_fit"}],
        "exchange",
        at=clock(),
        exchange_lines=[{"sku": "MUG", "quantity": 1, "unit_price": Decimal("5.00")}],
    )
    engine.authorize_return("R1", at=clock())
    engine.record_return_shipment("R1", at=clock())
    engine.receive_return("R1", "WH1", at=clock())
    engine.inspect_return("R1", [{"line_id": "1", "quantity": 1, "disposition": "refurbish"}], at=clock())
    engine.resolve_return("R1", at=clock())
    replacement = engine.order("EX-R1")
    assert replacement["total"]["amount"] == "0.00"
    assert engine.rma("R1")["exchange_order_id"] == "EX-R1"


def test_the_customer_view(engine: Engine, clock: Clock) -> None:
    delivered(engine, clock)
    customer = engine.customer("C1", clock())
    assert customer["orders"] == 1
    assert customer["lifetime_spend"] == [{"amount": "36.00", "currency": "USD"}]
    assert customer["tier"] == "standard"


def test_the_return_policy_comes_from_the_config(clock: Clock) -> None:
    from conftest import stock_engine

    engine = stock_engine(Engine({"returns": {"restocking_fee_percent": {"no_longer_needed": 10}}}), clock())
    delivered(engine, clock)
    engine.request_return("R1", "SO-1", [{"line_id": "1", "quantity": 1, "reason": "no_longer_needed"}], "refund", at=clock())
    engine.authorize_return("R1", at=clock())
    engine.record_return_shipment("R1", at=clock())
    engine.receive_return("R1", "WH1", at=clock())
    engine.inspect_return("R1", [{"line_id": "1", "quantity": 1, "disposition": "restock"}], at=clock())
    refund = engine.resolve_return("R1", at=clock())[0]["refund"]
    # 18.00 less a 10 % restocking fee.
    assert refund["lines"][0]["restocking_fee"]["amount"] == "1.80"
    assert refund["total"]["amount"] == "16.20"
