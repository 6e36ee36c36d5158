"""The full order lifecycle through the typed conveniences and the dict contract."""

from __future__ import annotations

from decimal import Decimal

from oms_engine import Engine, command_schema, config_schema, event_schema, SCHEMA_VERSION

from conftest import PRICE, SHIP_TO, Clock, place


def test_place_pay_allocate_ship_deliver(engine: Engine, clock: Clock) -> None:
    place(engine, "SO-1", clock())
    order = engine.order("SO-1")
    assert order["status"] == "on_hold"
    assert order["holds"] == ["awaiting_payment"]
    assert order["total"] == {"amount": "39.98", "currency": "USD"}

    events = engine.record_payment("SO-1", Decimal("39.98"), at=clock())
    assert [e["type"] for e in events] == ["payment_recorded", "hold_released", "order_status_changed"]
    assert engine.order("SO-1")["status"] == "ready"

    events = engine.allocate("SO-1", at=clock())
    assert events[0]["type"] == "order_allocated"
    assert engine.stock("SHIRT-M", "WH1")["reserved"] == 2
    assert engine.available("SHIRT-M") == 8

    events = engine.ship("SO-1", "P-1", "WH1", {"1": 2}, at=clock(), carrier="UPS", tracking_number="1Z1")
    assert events[0]["type"] == "order_shipped"
    stock = engine.stock("SHIRT-M", "WH1")
    assert (stock["on_hand"], stock["reserved"], stock["shipped"]) == (8, 0, 2)
    assert engine.shipment("P-1")["carrier"] == "UPS"

    engine.confirm_delivery("P-1", at=clock())
    assert engine.order("SO-1")["status"] == "delivered"
    assert {k: v for k, v in engine.order_counts().items() if v} == {"delivered": 1}
    assert [o["order_id"] for o in engine.orders("delivered")] == ["SO-1"]
    assert engine.orders("ready") == []
    assert engine.check_invariants() is None


def test_dict_commands_and_conveniences_record_the_same_events(clock: Clock) -> None:
    at = clock()
    typed = Engine({"require_payment": False})
    raw = Engine({"require_payment": False})
    typed.define_location("WH1", "Main", at=at)
    raw.execute({"type": "define_location", "location_id": "WH1", "name": "Main", "kind": "warehouse"}, at)
    typed.define_product("SHIRT-M", "Shirt", at=at)
    raw.execute({"type": "define_product", "sku": "SHIRT-M", "name": "Shirt"}, at)
    a = typed.place_order(
        "SO-1",
        [{"line_id": "1", "sku": "SHIRT-M", "quantity": 1, "unit_price": PRICE}],
        SHIP_TO,
        at=at,
        customer_id="C-1",
        shipping_price=Decimal("4.95"),
    )
    b = raw.execute(
        {
            "type": "place_order",
            "order_id": "SO-1",
            "channel": "web",
            "customer_id": "C-1",
            "ship_to": dict(SHIP_TO),
            # Decimal is accepted inside dicts too, as the same decimal string.
            "lines": [{"line_id": "1", "sku": "SHIRT-M", "quantity": 1, "unit_price": {"amount": PRICE, "currency": "USD"}}],
            "shipping_price": {"amount": "4.95", "currency": "USD"},
        },
        at,
    )
    assert a == b
    assert a[0]["order"]["lines"][0]["unit_price"] == {"amount": "19.99", "currency": "USD"}
    assert typed.snapshot() == raw.snapshot()


def test_catalog_and_stock_queries(engine: Engine, clock: Clock) -> None:
    assert engine.product("MUG")["weight_g"] == 300
    assert [p["sku"] for p in engine.products()] == ["MUG", "SHIRT-M"]
    assert engine.location("WH2")["kind"] == "warehouse"
    assert [loc["location_id"] for loc in engine.locations()] == ["WH1", "WH2"]
    engine.adjust_stock("MUG", "WH1", -3, "broken", at=clock())
    engine.set_safety_stock("MUG", "WH1", 2, at=clock())
    stock = engine.stock("MUG", "WH1")
    assert {k: stock[k] for k in ("on_hand", "reserved", "safety_stock", "available")} == {
        "on_hand": 7,
        "reserved": 0,
        "safety_stock": 2,
        "available": 5,
    }
    engine.count_stock("MUG", "WH1", 9, at=clock())
    assert engine.stock("MUG", "WH1")["on_hand"] == 9
    assert [(s["location_id"], s["on_hand"]) for s in engine.stock_levels("MUG")] == [("WH1", 9), ("WH2", 0)]
    assert engine.available("MUG", "WH1") == 7
    assert engine.available("MUG", "WH2") == 0


def test_holds_and_cancellations(engine: Engine, clock: Clock) -> None:
    place(engine, "SO-1", clock(), quantity=3)
    engine.place_hold("SO-1", "fraud_review", at=clock(), note="new customer")
    assert engine.order("SO-1")["holds"] == ["awaiting_payment", "fraud_review"]
    engine.release_hold("SO-1", "fraud_review", at=clock())
    engine.cancel_line("SO-1", "1", 1, "customer asked", at=clock())
    assert engine.order("SO-1")["lines"][0]["cancelled"] == 1
    engine.cancel_order("SO-1", "customer asked", at=clock())
    assert engine.order("SO-1")["status"] == "cancelled"
    assert engine.available("SHIRT-M") == 10


def test_kits_and_batch_allocation(clock: Clock) -> None:
    engine = Engine({"require_payment": False})
    at = clock()
    engine.define_location("WH1", "Main", at=at)
    engine.define_product("CUP", "Cup", at=at)
    engine.define_product("SAUCER", "Saucer", at=at)
    engine.define_product("SET", "Cup and saucer", at=at, components=[{"sku": "CUP", "quantity": 1}, {"sku": "SAUCER", "quantity": 1}])
    engine.receive_stock("CUP", "WH1", 5, at=at)
    engine.receive_stock("SAUCER", "WH1", 5, at=at)
    engine.place_order("SO-1", [{"line_id": "1", "sku": "SET", "quantity": 2, "unit_price": 12}], SHIP_TO, at=at, customer_id="C")
    engine.allocate(at=clock())
    assert engine.order("SO-1")["status"] == "allocated"
    assert engine.stock("CUP", "WH1")["reserved"] == 2


def test_config_and_schemas() -> None:
    engine = Engine({"currency": "EUR", "require_payment": False, "high_value_threshold": {"amount": "500", "currency": "EUR"}})
    assert engine.config()["currency"] == "EUR"
    assert engine.config()["high_value_threshold"] == {"amount": "500", "currency": "EUR"}
    assert Engine().config()["require_payment"] is True
    assert engine.events_applied() == 0
    assert SCHEMA_VERSION == 1
    assert "place_order" in str(command_schema())
    assert "order_placed" in str(event_schema())
    assert "auto_allocate" in str(config_schema())


def test_money_follows_the_configured_currency(clock: Clock) -> None:
    engine = Engine({"currency": "EUR", "require_payment": False})
    at = clock()
    engine.define_location("WH1", "Main", at=at)
    engine.define_product("TEA", "Tea", at=at, price=Decimal("3.50"))
    assert engine.product("TEA")["price"] == {"amount": "3.50", "currency": "EUR"}
    engine.place_order(
        "SO-EUR",
        [{"line_id": "1", "sku": "TEA", "quantity": 2, "unit_price": Decimal("3.50")}],
        SHIP_TO,
        at=at,
        customer_id="C-1",
        shipping_price=Decimal("1"),
    )
    assert engine.order("SO-EUR")["total"] == {"amount": "8.00", "currency": "EUR"}
    engine.record_payment("SO-EUR", Decimal("8.00"), at=at)
    assert engine.order("SO-EUR")["captured"] == {"amount": "8.00", "currency": "EUR"}
