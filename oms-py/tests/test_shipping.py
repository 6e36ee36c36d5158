"""Cartonization and shipping from Python: plain dicts in, plans and choices out."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from conftest import Clock, place
from oms_engine import (
    Address,
    Engine,
    InvalidTransitionError,
    Carton,
    LabelInput,
    Location,
    PackItem,
    ShipmentRequest,
    ShippingConfig,
    ValidationError,
    cartonize,
    check_address,
    delivery_promise,
    select_service,
    shipping_label,
    validate_plan,
)


def usd(amount: str) -> dict[str, object]:
    return {"amount": Decimal(amount), "currency": "USD"}


CARTONS: list[Carton] = [
    {"carton_id": "S", "inner": {"length": 200, "width": 150, "height": 100}, "cost": {"amount": "0.40", "currency": "USD"}, "tare_weight": 80},
    {"carton_id": "M", "inner": {"length": 300, "width": 200, "height": 150}, "cost": {"amount": "0.60", "currency": "USD"}, "tare_weight": 120},
    {"carton_id": "L", "inner": {"length": 500, "width": 400, "height": 300}, "cost": {"amount": "1.10", "currency": "USD"}, "tare_weight": 300},
]


def test_cartonize_picks_the_smallest_that_holds_everything() -> None:
    items: list[PackItem] = [
        {"sku": "MUG", "quantity": 4, "dims": {"length": 100, "width": 100, "height": 120}, "weight": 350, "orientation": "upright"},
    ]
    plan = cartonize(CARTONS, items)
    assert [p["carton_id"] for p in plan["parcels"]] == ["M"]
    assert plan["parcels"][0]["weight"] == 4 * 350 + 120
    assert plan["cost"] == {"amount": "0.60", "currency": "USD"}
    validate_plan(CARTONS, items, plan)


def test_flags_own_boxes_and_validation() -> None:
    items: list[PackItem] = [
        {"sku": "SHIRT", "quantity": 2, "dims": {"length": 300, "width": 200, "height": 20}, "weight": 150},
        {"sku": "VASE", "quantity": 1, "dims": {"length": 150, "width": 100, "height": 100}, "weight": 400, "fragile": True},
        {"sku": "TV", "quantity": 1, "dims": {"length": 1200, "width": 800, "height": 150}, "weight": 9000, "own_box": True},
    ]
    plan = cartonize(CARTONS, items, {"dim_divisor": 5000})
    assert [p["carton_id"] for p in plan["parcels"]] == [None, "M", "S"]
    assert plan["parcels"][0]["billable_weight"] == 1200 * 800 * 150 // 5000
    broken = dict(plan)
    broken["parcels"] = plan["parcels"][1:]
    with pytest.raises(ValidationError, match="0 of 1 units of TV"):
        validate_plan(CARTONS, items, broken)  # type: ignore[arg-type]
    huge: list[PackItem] = [{"sku": "SOFA", "quantity": 1, "dims": {"length": 2000, "width": 900, "height": 800}}]
    with pytest.raises(ValidationError, match="SOFA fits no carton"):
        cartonize(CARTONS, huge)


CONFIG: ShippingConfig = {
    "zones": [{"country": "US", "zone": "near"}, {"country": "US", "postal_prefix": "9", "zone": "far"}],
    "services": [
        {
            "service_id": "ground",
            "carrier": "UPS",
            "name": "Ground",
            "transit_days": {"near": 2, "far": 5},
            "rates": {
                "near": [{"up_to": 10_000, "price": {"amount": "8", "currency": "USD"}}],
                "far": [{"up_to": 10_000, "price": {"amount": "11", "currency": "USD"}}],
            },
        },
        {
            "service_id": "air",
            "carrier": "UPS",
            "name": "Next Day Air",
            "transit_days": {"near": 1, "far": 1},
            "cutoff": "15:00",
            "po_box": True,
            "rates": {
                "near": [{"up_to": 10_000, "price": {"amount": "25", "currency": "USD"}}],
                "far": [{"up_to": 10_000, "price": {"amount": "31", "currency": "USD"}}],
            },
        },
    ],
    "calendar": {"holidays": [date(2026, 11, 26)]},
}
ORIGIN: Location = {"location_id": "NJ", "name": "Newark", "kind": "warehouse"}
WEST: Address = {"name": "Ada", "line1": "1 Main St", "city": "San Jose", "region": "CA", "postal_code": "95112", "country": "US"}


def test_select_service_meets_the_promise_or_says_why() -> None:
    at = datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc)
    request: ShipmentRequest = {
        "destination": WEST,
        "parcels": [{"dims": {"length": 300, "width": 200, "height": 150}, "weight": 1200}],
        "at": at,
    }
    cheapest = select_service(CONFIG, ORIGIN, request)
    assert (cheapest["service_id"], cheapest["delivery_date"]) == ("ground", "2026-11-30")
    assert cheapest["cost"] == {"amount": "11", "currency": "USD"}
    request["deliver_by"] = date(2026, 11, 24)
    choice = select_service(CONFIG, ORIGIN, request)
    assert (choice["service_id"], choice["meets_promise"]) == ("air", True)
    assert choice["delivery_date"] == "2026-11-23"
    request["deliver_by"] = "2026-11-20"
    late = select_service(CONFIG, ORIGIN, request)
    assert not late["meets_promise"] and "no service arrives by 2026-11-20" in late["reason"]
    promise = delivery_promise(CONFIG, [ORIGIN], {"destination": WEST, "at": at})
    assert (promise["arrives_by"], promise["service_id"]) == ("2026-11-23", "air")
    with pytest.raises(ValidationError, match="no service can take the shipment"):
        select_service(CONFIG, ORIGIN, {**request, "parcels": [{"dims": {"length": 1, "width": 1, "height": 1}, "weight": 20_000}]})


def test_address_checks_and_labels() -> None:
    assert check_address(WEST, CONFIG) == []
    bad: Address = {"name": "", "line1": "PO Box 7", "city": "X", "postal_code": "1234", "country": "US"}
    assert [p["field"] for p in check_address(bad)] == ["name", "region", "postal_code", "line1"]
    # Air delivers to PO boxes, so with the config the box is fine.
    assert [p["field"] for p in check_address(bad, CONFIG)] == ["name", "region", "postal_code"]
    label_input: LabelInput = {
        "shipment_id": "SH-1",
        "carrier": "UPS",
        "service": "Ground",
        "from": {"name": "Shop", "line1": "5 Dock Rd", "city": "Newark", "region": "NJ", "postal_code": "07102", "country": "US"},
        "to": WEST,
        "parcel": 1,
        "parcels": 1,
        "weight": 1320,
        "ship_date": date(2026, 11, 20),
    }
    label = shipping_label(label_input)
    assert label["zpl"].startswith("^XA") and label["zpl"].endswith("^XZ\n")
    assert label["barcode"] == "SH-1-1"
    assert label["to_lines"][-2:] == ["San Jose CA 95112", "US"]


def test_tracking_events_reach_the_channel_and_deliver(engine: Engine, clock: Clock) -> None:
    place(engine, "SO-1", clock(), quantity=1)
    engine.record_payment("SO-1", Decimal("19.99"), at=clock())
    engine.allocate("SO-1", at=clock())
    engine.ship("SO-1", "SH-1", "WH1", {"1": 1}, at=clock(), carrier="UPS", tracking_number="1Z9")
    seen = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
    events = engine.record_tracking_event("SH-1", "exception", seen, at=clock(), message="address unknown")
    assert [e["type"] for e in events] == ["shipment_status_changed", "shipment_exception"]
    assert (events[0]["to"], events[0]["reported_at"], events[0]["tracking_number"]) == (
        "exception",
        "2026-11-23T08:00:00Z",
        "1Z9",
    )
    assert events[1]["customer_id"] == "C-1"
    events = engine.record_tracking_event("SH-1", "delivered", seen, at=clock())
    assert [e["type"] for e in events][:2] == ["shipment_status_changed", "shipment_delivered"]
    assert engine.shipment("SH-1")["tracking_status"] == "delivered"
    with pytest.raises(InvalidTransitionError, match="cannot become in_transit"):
        engine.record_tracking_event("SH-1", "in_transit", seen, at=clock())


def test_pack_then_ship_the_parcels(clock: Clock) -> None:
    engine = Engine({"require_payment": False, "cartons": CARTONS})
    at = clock()
    engine.define_location("WH1", "Main", at=at)
    engine.define_product(
        "MUG", "Mug", at=at, weight_g=350, dims_mm={"length": 100, "width": 100, "height": 120}, packing={"orientation": "upright"}
    )
    engine.receive_stock("MUG", "WH1", 10, at=at)
    place(engine, "SO-1", clock(), quantity=4, sku="MUG")
    engine.allocate(at=clock())
    packed = engine.pack("SO-1", at=clock())
    assert packed[0]["type"] == "order_packed"
    assert [(p["carton_id"], p["lines"], p["weight"]) for p in packed[0]["parcels"]] == [
        ("M", [{"line_id": "1", "quantity": 4}], 4 * 350 + 120)
    ]
    assert engine.order("SO-1")["status"] == "packed"
    shipped = engine.ship("SO-1", "SH-1", "WH1", at=clock(), carrier="UPS")
    assert shipped[0]["lines"] == [{"line_id": "1", "quantity": 4}]
    assert engine.shipment("SH-1")["parcels"][0]["carton_id"] == "M"
    assert engine.order("SO-1")["status"] == "shipped"


def test_a_bad_address_is_held_when_shipping_is_configured(clock: Clock) -> None:
    engine = Engine({"require_payment": False, "shipping": CONFIG})
    at = clock()
    engine.define_location("WH1", "Main", at=at)
    engine.define_product("MUG", "Mug", at=at)
    events = engine.place_order(
        "SO-1",
        [{"line_id": "1", "sku": "MUG", "quantity": 1, "unit_price": Decimal("5")}],
        {**WEST, "postal_code": "ABCDE"},
        at=clock(),
        customer_id="C-1",
    )
    holds = [e for e in events if e["type"] == "hold_placed"]
    assert holds[0]["hold"] == "address_invalid"
    assert "postal_code" in holds[0]["note"]
    assert engine.order("SO-1")["status"] == "on_hold"


def test_ship_chooses_the_service_and_promises_before_the_order(clock: Clock) -> None:
    engine = Engine({"require_payment": False, "cartons": CARTONS, "shipping": CONFIG})
    at = clock()
    engine.define_location("WH1", "Main", at=at)
    engine.define_product("MUG", "Mug", at=at, weight_g=350, dims_mm={"length": 100, "width": 100, "height": 120})
    engine.receive_stock("MUG", "WH1", 10, at=at)
    promise = engine.delivery_promise(["MUG"], WEST, datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc))
    assert (promise["arrives_by"], promise["service_id"], promise["location_id"]) == ("2026-11-23", "air", "WH1")
    engine.place_order(
        "SO-1",
        [{"line_id": "1", "sku": "MUG", "quantity": 2, "unit_price": Decimal("5")}],
        WEST,
        at=clock(),
        customer_id="C-1",
        deliver_by=date(2030, 1, 1),
    )
    engine.allocate(at=clock())
    engine.pack("SO-1", at=clock())
    before = engine.packed_labels("SO-1")
    assert (before[0]["header"], before[0]["barcode"]) == ("UPS ground", "SO-1-1")
    shipped = engine.ship("SO-1", "SH-1", "WH1", at=clock())
    assert (shipped[0]["carrier"], shipped[0]["service"]) == ("UPS", "ground")
    assert shipped[0]["choice"]["meets_promise"] is True
    labels = engine.shipment_labels("SH-1")
    assert len(labels) == 1 and labels[0]["zpl"].startswith("^XA")
    assert labels[0]["barcode"] == "SH-1-1"
