"""Typed shapes of the dicts the convenience methods take."""

from __future__ import annotations

from decimal import Decimal
from typing import Union

from typing import TypedDict


class OrderLine(TypedDict):
    """One line of ``Engine.place_order``."""

    line_id: str
    sku: str
    quantity: int
    unit_price: Union[Decimal, int, str]


class _AddressRequired(TypedDict):
    name: str
    line1: str
    city: str
    postal_code: str
    country: str


class Address(_AddressRequired, total=False):
    """A ship-to address; ``line2``, ``region``, ``lat`` and ``lon`` are optional."""

    line2: str
    region: str
    lat: float
    lon: float


class Component(TypedDict):
    """One component of a kit product."""

    sku: str
    quantity: int
