"""Purchasing through the typed conveniences: suppliers, a PO through its
lifecycle, receipts into stock, errors, late POs, persistence."""

from __future__ import annotations

import pickle
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict, List, Mapping

import pytest

from oms_engine import Address, Engine, InvalidTransitionError, NotFoundError, ValidationError, supplier_performance

from conftest import Clock


def buyer(clock: Clock, **config: object) -> Engine:
    engine = Engine({"require_payment": False, **config})
    at = clock()
    engine.define_location("WH1", "Main warehouse", at=at)
    engine.define_product("MUG", "Mug", at=at)
    engine.define_product("TEE", "Tee", at=at)
    engine.define_supplier(
        "ACME",
        "Acme Supply",
        currency="USD",
        lead_time_days=7,
        at=at,
        min_order_value=Decimal("50"),
        over_receipt_tolerance_percent=10,
        contact={"email": "orders@acme.test"},
    )
    engine.set_supplier_item(
        "ACME",
        "MUG",
        Decimal("2.50"),
        at=at,
        case_pack=10,
        moq=20,
        price_breaks=[{"min_quantity": 100, "unit_cost": Decimal("2.00")}],
    )
    return engine


def test_a_po_from_draft_to_closed(clock: Clock) -> None:
    engine = buyer(clock, po_approval_threshold={"amount": "100.00", "currency": "USD"})
    log: List[Dict[str, Any]] = []
    execute = engine.execute

    def logged(command: Mapping[str, Any], at: datetime) -> List[Dict[str, Any]]:
        events = execute(command, at)
        log.extend(events)
        return events

    engine.execute = logged  # type: ignore[method-assign]
    events = engine.create_po(
        "PO-1",
        "ACME",
        "WH1",
        [
            {"line_id": "1", "sku": "MUG", "quantity": 100},
            {"line_id": "2", "sku": "TEE", "quantity": 10, "unit_cost": Decimal("3.10"), "expected_date": date(2026, 12, 1)},
        ],
        at=clock(),
        billing={"name": "Shop Inc", "tax_id": "US-1"},
        notes="Deliver to dock 2",
    )
    assert [e["type"] for e in events] == ["po_created"]
    po = engine.purchase_order("PO-1")
    assert po["status"] == "draft"
    assert po["lines"][0]["unit_cost"] == {"amount": "2.00", "currency": "USD"}
    assert po["lines"][0]["expected_date"] == "2026-11-29"
    assert po["lines"][1]["expected_date"] == "2026-12-01"
    assert po["totals"]["ordered"] == {"amount": "231.00", "currency": "USD"}

    assert [e["type"] for e in engine.submit_po("PO-1", at=clock())] == ["po_submitted"]
    with pytest.raises(InvalidTransitionError, match="from submitted to sent"):
        engine.send_po("PO-1", at=clock())
    engine.approve_po("PO-1", at=clock(), approved_by="ann")
    engine.send_po("PO-1", at=clock())
    assert engine.stock("MUG", "WH1")["incoming"] == 100
    assert [p["po_id"] for p in engine.purchase_orders("sent")] == ["PO-1"]

    events = engine.receive_po("PO-1", "R1", "WH1", [{"line_id": "1", "quantity": 60, "damaged": 5}], at=clock())
    assert [e["type"] for e in events] == ["po_received", "stock_received"]
    mug = engine.stock("MUG", "WH1")
    assert (mug["on_hand"], mug["damaged"], mug["incoming"]) == (55, 5, 40)
    assert engine.purchase_order("PO-1")["status"] == "partially_received"

    engine.close_po("PO-1", at=clock(), reason="rest on back order")
    po = engine.purchase_order("PO-1")
    assert po["status"] == "closed"
    assert [(l["received"], l["damaged"], l["cancelled"]) for l in po["lines"]] == [(60, 5, 40), (0, 0, 10)]
    assert po["totals"]["received"] == {"amount": "120.00", "currency": "USD"}
    assert engine.stock("MUG", "WH1")["incoming"] == 0
    assert engine.check_invariants() is None
    # From the events: 60 received by their date, 5 damaged; 60 of 110 filled.
    (acme,) = supplier_performance(log)
    assert (acme["supplier_id"], acme["received_units"], acme["on_time_units"], acme["damaged_units"]) == ("ACME", 60, 60, 5)
    assert (acme["filled_units"], acme["ordered_units"]) == (60, 110)
    assert acme["fill_rate"] == pytest.approx(60 / 110)


def test_purchasing_errors_are_typed_and_change_nothing(clock: Clock) -> None:
    engine = buyer(clock)
    with pytest.raises(NotFoundError):
        engine.purchase_order("PO-404")
    with pytest.raises(NotFoundError):
        engine.create_po("PO-1", "NOPE", "WH1", [{"line_id": "1", "sku": "MUG", "quantity": 1}], at=clock())
    with pytest.raises(ValidationError, match="no item for TEE"):
        engine.create_po("PO-1", "ACME", "WH1", [{"line_id": "1", "sku": "TEE", "quantity": 1}], at=clock())
    with pytest.raises(TypeError):
        engine.set_supplier_item("ACME", "TEE", 1.5, at=clock())  # type: ignore[arg-type]
    engine.create_po("PO-1", "ACME", "WH1", [{"line_id": "1", "sku": "MUG", "quantity": 10}], at=clock())
    before = engine.snapshot()
    with pytest.raises(ValidationError, match="minimum order value"):
        engine.submit_po("PO-1", at=clock())
    with pytest.raises(InvalidTransitionError):
        engine.receive_po("PO-1", "R1", "WH1", [{"line_id": "1", "quantity": 1}], at=clock())
    with pytest.raises(ValidationError):
        engine.purchase_orders("lost")
    assert engine.snapshot() == before
    engine.amend_po("PO-1", lines=[{"line_id": "1", "sku": "MUG", "quantity": 40}], at=clock())
    assert engine.purchase_order("PO-1")["totals"]["ordered"] == {"amount": "100.00", "currency": "USD"}
    engine.cancel_po("PO-1", "not needed", at=clock())
    assert engine.purchase_order("PO-1")["status"] == "cancelled"


def test_late_pos_are_reported_once_and_survive_persistence(clock: Clock) -> None:
    engine = buyer(clock)
    engine.create_po(
        "PO-1", "ACME", "WH1", [{"line_id": "1", "sku": "MUG", "quantity": 20, "expected_date": date(2026, 11, 23)}], at=clock()
    )
    engine.submit_po("PO-1", at=clock())
    engine.send_po("PO-1", at=clock())
    assert engine.available_to_promise("MUG", date(2026, 11, 23)) == 20
    assert engine.available_to_promise("MUG", date(2026, 11, 22)) == 0
    later = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
    assert [e["type"] for e in engine.expire_holds(at=later)] == ["po_late"]
    assert engine.expire_holds(at=later + timedelta(days=1)) == []
    assert [p["po_id"] for p in engine.late_purchase_orders(later)] == ["PO-1"]
    assert engine.supplier("ACME")["over_receipt_tolerance_percent"] == 10
    engine.define_supplier("BETA", "Beta", currency="USD", lead_time_days=3, at=later, over_receipt_tolerance_percent=Decimal("2.5"))
    assert engine.supplier("BETA")["over_receipt_tolerance_percent"] == 2.5
    # The late PO is not promised; before it was seen late it was.
    assert engine.available_to_promise("MUG", date(2026, 12, 31)) == 0
    with pytest.raises(NotFoundError):
        engine.available_to_promise("NOPE", date(2026, 12, 31))
    assert [i["sku"] for i in engine.supplier_items("MUG")] == ["MUG"]
    copy = pickle.loads(pickle.dumps(engine))
    assert copy.purchase_order("PO-1") == engine.purchase_order("PO-1")
    assert copy.snapshot() == engine.snapshot()


def test_replenishment_suggestions_explain_themselves(clock: Clock) -> None:
    engine = buyer(clock)
    engine.receive_stock("MUG", "WH1", 5, at=clock())
    # Explicit demand: 4 a day, σ 2, lead time 7, z 1.65: ROP = 28 + 1.65·2·√7 = 36.73 → 37.
    engine.set_replenishment(
        "MUG", "WH1", {"demand_per_day": 4, "demand_std_dev": 2, "review_days": 7}, at=clock()
    )
    (s,) = engine.replenishment_suggestions(clock())
    # 37 − 5 + 7 × 4 = 60 (MOQ 20, cases of 10): 60.
    assert (s["sku"], s["location_id"], s["supplier_id"], s["quantity"]) == ("MUG", "WH1", "ACME", 60)
    assert s["unit_cost"] == {"amount": "2.50", "currency": "USD"}
    assert s["explanation"]["reorder_at"] == 37
    assert s["explanation"]["demand_source"] == "explicit"
    engine.set_replenishment(
        "MUG", "WH1", {"method": "min_max", "min": 5, "max": 40, "ordering_cost": Decimal("25")}, at=clock()
    )
    assert [x["quantity"] for x in engine.replenishment_suggestions(clock())] == [40]
    events = engine.create_replenishment_pos("RP-", at=clock(), supplier_id="ACME")
    assert [e["type"] for e in events] == ["po_created"]
    po = engine.purchase_order("RP-ACME-WH1-1")
    assert (po["status"], po["lines"][0]["sku"], po["lines"][0]["quantity"]) == ("draft", "MUG", 40)
    assert engine.replenishment_suggestions(clock()) == []  # drafted units are on order
    engine.cancel_po("RP-ACME-WH1-1", "testing", at=clock())
    with pytest.raises(ValidationError):
        engine.set_replenishment("MUG", "WH1", {"method": "min_max"}, at=clock())
    engine.set_replenishment("MUG", "WH1", None, at=clock())
    assert engine.replenishment_suggestions(clock()) == []  # no demand in the history


def test_a_dropship_line_goes_to_its_supplier_who_ships_it(clock: Clock) -> None:
    engine = buyer(clock)
    at = clock()
    engine.define_product("SOFA", "Sofa", at=at, dropship_only=True)
    engine.set_supplier_item("ACME", "SOFA", Decimal("40.00"), at=at, dropship=True)
    with pytest.raises(ValidationError, match="dropship-only"):
        engine.receive_stock("SOFA", "WH1", 1, at=at)
    ship_to: Address = {"name": "Ada", "line1": "1 Main St", "city": "Springfield", "postal_code": "62701", "country": "US"}
    engine.place_order(
        "SO-1",
        [{"line_id": "1", "sku": "SOFA", "quantity": 2, "unit_price": Decimal("99.00")}],
        ship_to,
        at=at,
        customer_id="C1",
    )
    kinds = [e["type"] for e in engine.allocate("SO-1", at=clock())]
    assert kinds[:4] == ["order_allocated", "po_created", "po_submitted", "po_approved"]
    po = engine.purchase_order("DS-SO-1-1")
    assert po.get("location_id") is None
    assert po["dropship"]["order_id"] == "SO-1"
    assert po["dropship"]["ship_to"]["city"] == "Springfield"
    assert po["lines"][0]["order_line_id"] == "1"
    assert po["totals"]["ordered"]["amount"] == "80.00"  # money stays a string, as stored
    assert engine.order("SO-1")["lines"][0]["dropship"] == 2
    with pytest.raises(InvalidTransitionError, match="dropship PO DS-SO-1-1"):
        engine.cancel_order("SO-1", "asked", at=clock())
    engine.send_po("DS-SO-1-1", at=clock())
    events = engine.confirm_dropship("DS-SO-1-1", {"1": 2}, at=clock(), tracking_number="1Z9", carrier="UPS")
    assert events[0]["type"] == "dropship_confirmed"
    shipment = engine.shipment("DS-SO-1-1-1")
    assert shipment.get("location_id") is None and shipment["po_id"] == "DS-SO-1-1"
    assert engine.order("SO-1")["status"] == "shipped"
    assert engine.purchase_order("DS-SO-1-1")["status"] == "received"
    assert engine.check_invariants() is None
