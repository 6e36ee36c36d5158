"""One engine shared between threads stays consistent."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import List

from oms_engine import Engine, OmsError

from conftest import SHIP_TO, T0, Clock


def test_two_threads_place_and_allocate_without_overselling(clock: Clock) -> None:
    engine = Engine({"require_payment": False})
    engine.define_location("WH1", "Main", at=T0)
    engine.define_product("MUG", "Mug", at=T0)
    engine.receive_stock("MUG", "WH1", 150, at=T0)
    errors: List[BaseException] = []

    def worker(name: str) -> None:
        try:
            for n in range(100):
                order_id = f"{name}-{n}"
                engine.place_order(
                    order_id,
                    [{"line_id": "1", "sku": "MUG", "quantity": 1, "unit_price": Decimal("5")}],
                    SHIP_TO,
                    at=T0,
                    customer_id=name,
                )
                engine.allocate(order_id, at=T0)
        except BaseException as e:  # surfaced by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counts = {k: v for k, v in engine.order_counts().items() if v}
    assert counts == {"allocated": 150, "backordered": 50}
    assert engine.stock("MUG", "WH1")["reserved"] == 150
    assert engine.check_invariants() is None


def test_readers_and_writers_interleave(clock: Clock) -> None:
    engine = Engine()
    engine.define_location("WH1", "Main", at=T0)
    engine.define_product("MUG", "Mug", at=T0)
    seen: List[int] = []
    failures: List[OmsError] = []

    def writer() -> None:
        engine.execute_many(
            ({"type": "receive_stock", "sku": "MUG", "location_id": "WH1", "quantity": 1}, T0) for _ in range(50_000)
        )

    writing = threading.Thread(target=writer)

    def reader() -> None:
        # Reads for as long as the writer runs, then once more.
        while True:
            done = not writing.is_alive()
            try:
                seen.append(engine.available("MUG", "WH1"))
            except OmsError as e:  # before the first receipt there is no stock record
                failures.append(e)
            if done:
                return

    reading = threading.Thread(target=reader)
    writing.start()
    reading.start()
    writing.join()
    reading.join()
    assert seen == sorted(seen)  # never goes backwards
    assert seen[-1] == engine.available("MUG", "WH1") == 50_000
    assert all(f.code == "not_found" for f in failures)
