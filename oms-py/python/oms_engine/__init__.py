"""oms_engine: an embeddable, deterministic order management engine.

The engine is the Rust core ``oms-core``; this package is a thin binding.
Commands go in as dicts in the core's JSON contract (money amounts as
decimal strings or ``decimal.Decimal``, never ``float``), each with the
time it happens (an aware ``datetime``); events come back as dicts in the
same contract, ready to store and replay.

>>> from datetime import datetime, timezone
>>> from oms_engine import Engine
>>> engine = Engine({"require_payment": False})
>>> at = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
>>> [e["type"] for e in engine.define_location("WH1", "Main", at=at)]
['location_defined']

One ``Engine`` may be shared between threads: calls are serialized by an
internal lock and the GIL is released while the core works.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Dict, List, Literal, Mapping, Optional, Sequence, Union, cast

from ._errors import (
    ConflictError,
    DuplicateError,
    InsufficientStockError,
    InvalidTransitionError,
    NotFoundError,
    OmsError,
    ValidationError,
)
from ._oms import (
    SCHEMA_VERSION,
    EngineCore,
    __version__,
    command_schema,
    config_schema,
    event_schema,
    Table,
    merge_kpis,
    supplier_performance,
)
from ._oms import batch_orders as _batch_orders
from ._oms import cartonize as _cartonize
from ._oms import check_address as _check_address
from ._oms import delivery_promise as _delivery_promise
from ._oms import heuristic_route as _heuristic_route
from ._oms import improved_route as _improved_route
from ._oms import load_container as _load_container
from ._oms import optimal_route as _optimal_route
from ._oms import scattered_route as _scattered_route
from ._oms import select_service as _select_service
from ._oms import shipping_label as _shipping_label
from ._oms import validate_load as _validate_load
from ._oms import validate_plan as _validate_plan
from ._tables import (
    ArrowStreamExportable,
    Progress,
    ProgressCallback,
    SimulationResult,
    kpis,
    merge_kpi_tables,
    replay_table,
    simulate,
)
from ._types import (
    Address,
    AddressProblem,
    Article,
    Axes,
    Batch,
    BatchOptions,
    BatchOrder,
    BatchPlan,
    BatchStop,
    Block,
    Calendar,
    Cart,
    Carton,
    CartonPlan,
    CartonizeOptions,
    Component,
    Container,
    Depot,
    Dims,
    Disposition,
    DistanceBand,
    ExchangeLine,
    InspectionLine,
    ItemType,
    Label,
    LabelInput,
    Layout,
    Load,
    LoadOptions,
    Location,
    Money,
    OrderLine,
    Orientation,
    Oversize,
    PackItem,
    PackingRules,
    Parcel,
    ParcelInput,
    ParcelSpec,
    Placed,
    PoLine,
    PriceBreak,
    Promise,
    Quote,
    ReceiptLine,
    ReorderSettings,
    Resolution,
    ReturnLine,
    ReturnReason,
    Route,
    ScatteredRoute,
    Service,
    ServiceChoice,
    ShipmentRequest,
    ShippingConfig,
    TrackingStatus,
    Slot,
    Stocked,
    Visit,
    WaveRules,
    Waypoint,
    WeightBreak,
    ZoneRule,
)

__all__ = [
    "ArrowStreamExportable",
    "Progress",
    "ProgressCallback",
    "SimulationResult",
    "Table",
    "Address",
    "AddressProblem",
    "Article",
    "Axes",
    "Batch",
    "BatchOptions",
    "BatchOrder",
    "BatchPlan",
    "BatchStop",
    "Block",
    "Calendar",
    "Cart",
    "Carton",
    "CartonPlan",
    "CartonizeOptions",
    "Component",
    "ConflictError",
    "Container",
    "Depot",
    "Dims",
    "Disposition",
    "DistanceBand",
    "DuplicateError",
    "ExchangeLine",
    "InspectionLine",
    "Engine",
    "InsufficientStockError",
    "InvalidTransitionError",
    "ItemType",
    "Label",
    "LabelInput",
    "Layout",
    "Load",
    "LoadOptions",
    "Location",
    "Money",
    "NotFoundError",
    "OmsError",
    "OrderLine",
    "Orientation",
    "Oversize",
    "PackItem",
    "PackingRules",
    "Parcel",
    "ParcelInput",
    "ParcelSpec",
    "Placed",
    "PoLine",
    "PriceBreak",
    "Promise",
    "Quote",
    "ReceiptLine",
    "ReorderSettings",
    "Resolution",
    "ReturnLine",
    "ReturnReason",
    "Route",
    "SCHEMA_VERSION",
    "ScatteredRoute",
    "Service",
    "ServiceChoice",
    "ShipmentRequest",
    "ShippingConfig",
    "TrackingStatus",
    "Slot",
    "Stocked",
    "ValidationError",
    "Visit",
    "WaveRules",
    "Waypoint",
    "WeightBreak",
    "ZoneRule",
    "batch_orders",
    "cartonize",
    "check_address",
    "command_schema",
    "config_schema",
    "delivery_promise",
    "event_schema",
    "heuristic_route",
    "improved_route",
    "kpis",
    "load_container",
    "merge_kpi_tables",
    "merge_kpis",
    "optimal_route",
    "replay_table",
    "scattered_route",
    "select_service",
    "simulate",
    "shipping_label",
    "supplier_performance",
    "validate_load",
    "validate_plan",
    "__version__",
]

Amount = Union[Decimal, int, str]
"""A money amount: a ``Decimal`` (or an int, or a decimal string). Never a float."""

Events = List[Dict[str, Any]]

Rule = Union[str, Mapping[str, Any]]
"""A sourcing rule: its name, or ``{"lowest_cost": cost_table}``."""


def _amount(value: Amount, what: str) -> str:
    # bool is an int, float is inexact: both are refused for money.
    if isinstance(value, (bool, float)) or not isinstance(value, (Decimal, int, str)):
        raise TypeError(f"{what} must be a decimal.Decimal, got {type(value).__name__}")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{what} must be a finite amount, got {value}")
        return format(value, "f")
    return str(value)


def optimal_route(layout: Layout, picks: Sequence[Slot]) -> Route:
    """The shortest walk from the depot through every pick and back, exact
    for floors of up to 4 blocks (beyond, ``improved_route``): ``order``
    lists the indices of ``picks`` in walking order. Bad input raises
    ``ValidationError``."""
    return cast(Route, _optimal_route(layout, picks))


def improved_route(layout: Layout, picks: Sequence[Slot]) -> Route:
    """A route by local search (2-opt and Or-opt on shortest walking
    distances, from the S-shape order or nearest neighbour) on any floor:
    fast, usually optimal, never shorter than ``optimal_route``."""
    return cast(Route, _improved_route(layout, picks))


# A Union of Literals rather than one Literal: mypy.stubtest reads this
# module as its own stub and checks the alias against the runtime value.
Heuristic = Union[
    Literal["s_shape"], Literal["return"], Literal["midpoint"], Literal["largest_gap"], Literal["combined"]
]
"""A classic routing heuristic's name."""


def scattered_route(layout: Layout, articles: Sequence[Article]) -> ScatteredRoute:
    """The shortest route that picks every article, choosing among its bins
    (scattered storage): exact when every combination could be tried
    (``exact``), otherwise a local search under the exact router."""
    return cast(ScatteredRoute, _scattered_route(layout, articles))


def heuristic_route(layout: Layout, picks: Sequence[Slot], heuristic: Heuristic) -> Route:
    """The walk a classic heuristic takes, on any floor (several blocks are
    walked block by block from the farthest): pickers know these;
    ``optimal_route`` is never longer."""
    return cast(Route, _heuristic_route(layout, picks, heuristic))


def _optional(command: Dict[str, Any], **fields: Any) -> Dict[str, Any]:
    """Adds the fields that were given (not None): the core fills in defaults."""
    for key, value in fields.items():
        if value is not None:
            command[key] = value
    return command


class Engine(EngineCore):
    """The order management engine.

    ``Engine(config=None)`` takes the config as a dict (see
    ``config_schema()``): ``currency``, ``require_payment``,
    ``high_value_threshold``, ``auto_allocate``.

    Every command method returns the events the command recorded. A command
    that fails raises an ``OmsError`` subclass and changes nothing.
    """

    def _currency(self, currency: Optional[str]) -> str:
        if currency is not None:
            return currency
        configured: str = self.config()["currency"]
        return configured

    def _money(self, amount: Amount, currency: str, what: str) -> Dict[str, str]:
        return {"amount": _amount(amount, what), "currency": currency}

    # -- catalog -----------------------------------------------------------

    def define_location(
        self,
        location_id: str,
        name: str,
        *,
        at: datetime,
        kind: str = "warehouse",
        lat: Optional[float] = None,
        lon: Optional[float] = None,
        fulfills_orders: bool = True,
        priority: Optional[int] = None,
        paused: Optional[bool] = None,
        country: Optional[str] = None,
        postal_code: Optional[str] = None,
        ships_to: Optional[Sequence[str]] = None,
    ) -> Events:
        """Defines (or redefines) a location: ``warehouse``, ``store`` or ``dropship``.

        ``priority`` (lower first) feeds the ``location_priority`` rule; a
        ``paused`` location gets no new allocations; ``country`` and
        ``postal_code`` rank it under ``nearest`` without coordinates;
        ``ships_to`` lists the destinations it serves (``"US"``, ``"US-CA"``).
        """
        command = {
            "type": "define_location",
            "location_id": location_id,
            "name": name,
            "kind": kind,
            "fulfills_orders": fulfills_orders,
        }
        return self.execute(
            _optional(
                command,
                lat=lat,
                lon=lon,
                priority=priority,
                paused=paused,
                country=country,
                postal_code=postal_code,
                ships_to=None if ships_to is None else list(ships_to),
            ),
            at,
        )

    def define_product(
        self,
        sku: str,
        name: str,
        *,
        at: datetime,
        gtin: Optional[str] = None,
        description: Optional[str] = None,
        weight_g: Optional[int] = None,
        dims_mm: Optional[Mapping[str, int]] = None,
        price: Optional[Amount] = None,
        currency: Optional[str] = None,
        components: Optional[Sequence[Component]] = None,
        dropship_only: bool = False,
        packing: Optional[PackingRules] = None,
        non_returnable: bool = False,
    ) -> Events:
        """Defines (or redefines) a product; ``components`` make it a kit;
        ``dropship_only`` products are always sourced from a dropship
        supplier and hold no stock; ``packing`` says how a unit packs
        (orientation, fragile, hazmat, own_box) for ``pack``."""
        command: Dict[str, Any] = {"type": "define_product", "sku": sku, "name": name}
        money = None if price is None else self._money(price, self._currency(currency), "price")
        parts = None if components is None else [dict(c) for c in components]
        dims = None if dims_mm is None else dict(dims_mm)
        return self.execute(
            _optional(
                command,
                gtin=gtin,
                description=description,
                weight_g=weight_g,
                dims_mm=dims,
                price=money,
                components=parts,
                dropship_only=dropship_only or None,
                packing=None if packing is None else dict(packing),
                non_returnable=non_returnable or None,
            ),
            at,
        )

    # -- stock -------------------------------------------------------------

    def receive_stock(
        self,
        sku: str,
        location_id: str,
        quantity: int,
        *,
        at: datetime,
        reference: Optional[str] = None,
    ) -> Events:
        """Books received units in at a location."""
        command = {"type": "receive_stock", "sku": sku, "location_id": location_id, "quantity": quantity}
        return self.execute(_optional(command, reference=reference), at)

    def adjust_stock(self, sku: str, location_id: str, delta: int, reason: str, *, at: datetime) -> Events:
        """Adds (positive ``delta``) or removes units, with a reason."""
        command = {"type": "adjust_stock", "sku": sku, "location_id": location_id, "delta": delta, "reason": reason}
        return self.execute(command, at)

    def count_stock(self, sku: str, location_id: str, counted: int, *, at: datetime) -> Events:
        """Records a physical count; the difference becomes an adjustment."""
        command = {"type": "count_stock", "sku": sku, "location_id": location_id, "counted": counted}
        return self.execute(command, at)

    def set_safety_stock(self, sku: str, location_id: str, quantity: int, *, at: datetime) -> Events:
        """Keeps ``quantity`` units back from allocation and sale."""
        command = {"type": "set_safety_stock", "sku": sku, "location_id": location_id, "quantity": quantity}
        return self.execute(command, at)

    # -- orders ------------------------------------------------------------

    def place_order(
        self,
        order_id: str,
        lines: Sequence[OrderLine],
        ship_to: Address,
        *,
        at: datetime,
        customer_id: str,
        channel: str = "web",
        channel_order_id: Optional[str] = None,
        priority: str = "standard",
        shipping_price: Optional[Amount] = None,
        currency: Optional[str] = None,
        customer_tier: Optional[str] = None,
        ship_by: Optional[datetime] = None,
        deliver_by: Optional[date] = None,
        discount: Optional[Amount] = None,
    ) -> Events:
        """Places an order; ``unit_price``, ``shipping_price`` and
        ``discount`` (taken off the total) are Decimals in ``currency``. ``ship_by`` is the carrier cutoff the order must make
        (waves release the earliest first); ``deliver_by`` the delivery date
        promised to the customer (``ship`` without carrier chooses by it)."""
        currency = self._currency(currency)  # one config lookup for every amount
        wire_lines = [
            {
                "line_id": line["line_id"],
                "sku": line["sku"],
                "quantity": line["quantity"],
                "unit_price": self._money(line["unit_price"], currency, f"lines[{i}].unit_price"),
            }
            for i, line in enumerate(lines)
        ]
        command: Dict[str, Any] = {
            "type": "place_order",
            "order_id": order_id,
            "channel": channel,
            "customer_id": customer_id,
            "ship_to": dict(ship_to),
            "lines": wire_lines,
            "priority": priority,
        }
        shipping = None if shipping_price is None else self._money(shipping_price, currency, "shipping_price")
        off = None if discount is None else self._money(discount, currency, "discount")
        return self.execute(
            _optional(
                command,
                channel_order_id=channel_order_id,
                shipping_price=shipping,
                discount=off,
                customer_tier=customer_tier,
                ship_by=None if ship_by is None else ship_by.isoformat(),
                deliver_by=None if deliver_by is None else deliver_by.isoformat(),
            ),
            at,
        )

    def record_payment(
        self,
        order_id: str,
        amount: Amount,
        *,
        at: datetime,
        kind: str = "captured",
        currency: Optional[str] = None,
        reference: Optional[str] = None,
        rma_id: Optional[str] = None,
    ) -> Events:
        """Records a payment event: ``authorized``, ``captured``, ``failed`` or
        ``refunded``; a refund may name the resolved RMA it pays out."""
        command = {
            "type": "record_payment",
            "order_id": order_id,
            "kind": kind,
            "amount": self._money(amount, self._currency(currency), "amount"),
        }
        return self.execute(_optional(command, reference=reference, rma_id=rma_id), at)

    def place_hold(self, order_id: str, hold: str, *, at: datetime, note: Optional[str] = None) -> Events:
        """Puts a named hold on an order (e.g. ``fraud_review``)."""
        command = {"type": "place_hold", "order_id": order_id, "hold": hold}
        return self.execute(_optional(command, note=note), at)

    def release_hold(self, order_id: str, hold: str, *, at: datetime) -> Events:
        """Lifts a named hold."""
        return self.execute({"type": "release_hold", "order_id": order_id, "hold": hold}, at)

    def allocate(self, order_id: Optional[str] = None, *, at: datetime) -> Events:
        """Reserves stock for one order, or for every waiting order by priority."""
        return self.execute(_optional({"type": "allocate"}, order_id=order_id), at)

    def ship(
        self,
        order_id: str,
        shipment_id: str,
        location_id: str,
        lines: Optional[Mapping[str, int]] = None,
        *,
        at: datetime,
        carrier: Optional[str] = None,
        service: Optional[str] = None,
        tracking_number: Optional[str] = None,
    ) -> Events:
        """Ships allocated units: ``lines`` maps line ids to quantities;
        without ``lines``, the parcels the order is packed in there.
        Without ``carrier``, the engine chooses the carrier and service from
        the config's ``shipping`` by the order's ``deliver_by``."""
        command: Dict[str, Any] = {
            "type": "ship",
            "order_id": order_id,
            "shipment_id": shipment_id,
            "location_id": location_id,
        }
        if carrier is not None:
            command["carrier"] = carrier
        if lines is not None:
            command["lines"] = [{"line_id": line_id, "quantity": quantity} for line_id, quantity in lines.items()]
        return self.execute(_optional(command, service=service, tracking_number=tracking_number), at)

    def pack(
        self,
        order_id: str,
        *,
        at: datetime,
        location_id: Optional[str] = None,
        parcels: Optional[Sequence[ParcelInput]] = None,
    ) -> Events:
        """Packs the order's ready units at a location into parcels: the
        engine chooses cartons from the config's ``cartons`` unless
        ``parcels`` (``{"carton_id"?, "lines": [{line_id, quantity}]}``)
        give them; the order becomes ``packed`` and ``ship`` without lines
        ships them."""
        command: Dict[str, Any] = {"type": "pack", "order_id": order_id}
        given = None if parcels is None else [dict(p) for p in parcels]
        return self.execute(_optional(command, location_id=location_id, parcels=given), at)

    def confirm_delivery(self, shipment_id: str, *, at: datetime) -> Events:
        """Marks a shipment delivered."""
        return self.execute({"type": "confirm_delivery", "shipment_id": shipment_id}, at)

    def record_tracking_event(
        self,
        shipment_id: str,
        status: TrackingStatus,
        reported_at: datetime,
        *,
        at: datetime,
        message: Optional[str] = None,
    ) -> Events:
        """Records the carrier's ``status`` for a shipment, seen at
        ``reported_at`` (the command's ``at`` field; ``at`` here is when it
        is recorded). ``delivered`` delivers its lines; ``exception`` also
        records ``shipment_exception``. Every change records
        ``shipment_status_changed`` with the order's channel ids."""
        command: Dict[str, Any] = {
            "type": "record_tracking_event",
            "shipment_id": shipment_id,
            "status": status,
            "at": reported_at,
        }
        return self.execute(_optional(command, message=message), at)

    # -- returns -----------------------------------------------------------

    def request_return(
        self,
        rma_id: str,
        order_id: str,
        lines: Sequence[ReturnLine],
        resolution: Resolution,
        *,
        at: datetime,
        exchange_lines: Optional[Sequence[ExchangeLine]] = None,
        exchange_order_id: Optional[str] = None,
        note: Optional[str] = None,
        currency: Optional[str] = None,
    ) -> Events:
        """Opens an RMA for delivered units (or shipped ones, when the
        return policy allows) within the return window. An ``exchange``
        takes ``exchange_lines`` (default: the same units again) and places
        the replacement order ``exchange_order_id`` when resolved."""
        command: Dict[str, Any] = {
            "type": "request_return",
            "rma_id": rma_id,
            "order_id": order_id,
            "lines": [dict(line) for line in lines],
            "resolution": resolution,
        }
        wanted = None
        if exchange_lines is not None:
            money = self._currency(currency)
            wanted = []
            for i, x in enumerate(exchange_lines):
                line: Dict[str, Any] = {"sku": x["sku"], "quantity": x["quantity"]}
                if "unit_price" in x:
                    line["unit_price"] = self._money(x["unit_price"], money, f"exchange_lines[{i}].unit_price")
                wanted.append(line)
        return self.execute(
            _optional(command, exchange_lines=wanted, exchange_order_id=exchange_order_id, note=note),
            at,
        )

    def authorize_return(self, rma_id: str, *, at: datetime) -> Events:
        """Agrees to a requested return."""
        return self.execute({"type": "authorize_return", "rma_id": rma_id}, at)

    def reject_return(self, rma_id: str, reason: str, *, at: datetime) -> Events:
        """Refuses a requested return."""
        return self.execute({"type": "reject_return", "rma_id": rma_id, "reason": reason}, at)

    def record_return_shipment(
        self,
        rma_id: str,
        *,
        at: datetime,
        carrier: Optional[str] = None,
        tracking_number: Optional[str] = None,
    ) -> Events:
        """The customer sent an authorized return: it is ``in_transit``."""
        command = {"type": "record_return_shipment", "rma_id": rma_id}
        return self.execute(_optional(command, carrier=carrier, tracking_number=tracking_number), at)

    def receive_return(
        self,
        rma_id: str,
        location_id: str,
        *,
        at: datetime,
        lines: Optional[Sequence[Mapping[str, Any]]] = None,
    ) -> Events:
        """The returned units arrived at a location; ``lines``
        (``[{line_id, quantity}]``) when fewer than requested came."""
        command = {"type": "receive_return", "rma_id": rma_id, "location_id": location_id}
        got = None if lines is None else [dict(line) for line in lines]
        return self.execute(_optional(command, lines=got), at)

    def inspect_return(self, rma_id: str, lines: Sequence[InspectionLine], *, at: datetime) -> Events:
        """Gives every received unit its disposition; restocked and
        refurbished units move into stock (``stock_restocked``)."""
        command = {"type": "inspect_return", "rma_id": rma_id, "lines": [dict(line) for line in lines]}
        return self.execute(command, at)

    def resolve_return(self, rma_id: str, *, at: datetime) -> Events:
        """Works out the refund (or store credit, or exchange order) from
        what the customer paid; ``return_resolved`` carries the breakdown."""
        return self.execute({"type": "resolve_return", "rma_id": rma_id}, at)

    def close_return(self, rma_id: str, *, at: datetime) -> Events:
        """Closes a resolved RMA."""
        return self.execute({"type": "close_return", "rma_id": rma_id}, at)

    def cancel_return(self, rma_id: str, *, at: datetime, reason: Optional[str] = None) -> Events:
        """Withdraws an RMA before its units arrived."""
        return self.execute(_optional({"type": "cancel_return", "rma_id": rma_id}, reason=reason), at)

    def cancel_order(self, order_id: str, reason: str, *, at: datetime) -> Events:
        """Cancels every open unit of an order and frees its stock."""
        return self.execute({"type": "cancel_order", "order_id": order_id, "reason": reason}, at)

    def cancel_line(self, order_id: str, line_id: str, quantity: int, reason: str, *, at: datetime) -> Events:
        """Cancels ``quantity`` open units of one line."""
        command = {
            "type": "cancel_line",
            "order_id": order_id,
            "line_id": line_id,
            "quantity": quantity,
            "reason": reason,
        }
        return self.execute(command, at)

    # -- sourcing ----------------------------------------------------------

    def define_channel(
        self,
        channel: str,
        *,
        at: datetime,
        location_ids: Optional[Sequence[str]] = None,
        buffer_units: Optional[int] = None,
        buffer_percent: Optional[float] = None,
    ) -> Events:
        """Defines a sales channel: the locations it sells from (default all)
        and a buffer kept back from what it may sell (units and/or percent)."""
        command: Dict[str, Any] = {"type": "define_channel", "channel": channel}
        if location_ids is not None:
            command["location_ids"] = list(location_ids)
        buffer = _optional({}, units=buffer_units, percent=buffer_percent)
        if buffer:
            command["buffer"] = buffer
        return self.execute(command, at)

    def set_sourcing_policy(
        self,
        rules: Sequence[Rule],
        *,
        at: datetime,
        max_shipments: Optional[int] = None,
        allow_partial: Optional[bool] = None,
        fair_share: Optional[bool] = None,
    ) -> Events:
        """Replaces the sourcing policy. ``rules`` in order of importance:
        names (``"ship_complete"``, ``"fewest_shipments"``, ``"nearest"``,
        ``"stock_balance"``, ``"location_priority"``) or
        ``{"lowest_cost": cost_table}`` (money amounts may be Decimals)."""
        command = {"type": "set_sourcing_policy", "rules": [r if isinstance(r, str) else dict(r) for r in rules]}
        return self.execute(
            _optional(command, max_shipments=max_shipments, allow_partial=allow_partial, fair_share=fair_share),
            at,
        )

    def reallocate(self, order_id: str, *, at: datetime) -> Events:
        """Moves an order's reservations to the source the policy prefers now, if better."""
        return self.execute({"type": "reallocate", "order_id": order_id}, at)

    def merge_orders(self, order_ids: Sequence[str], *, at: datetime, into_order_id: Optional[str] = None) -> Events:
        """Merges orders of one customer to one address into a shipment group
        sourced together (named by ``into_order_id``, default the oldest)."""
        command: Dict[str, Any] = {"type": "merge_orders", "order_ids": list(order_ids)}
        return self.execute(_optional(command, into_order_id=into_order_id), at)

    def unmerge_orders(self, order_id: str, *, at: datetime) -> Events:
        """Dissolves the merge group ``order_id`` belongs to."""
        return self.execute({"type": "unmerge_orders", "order_id": order_id}, at)

    def split_order(self, order_id: str, groups: Sequence[Sequence[str]], *, at: datetime) -> Events:
        """Splits an order's lines into shipment groups (lists of line ids,
        every line once), each sourced on its own; one group undoes a split."""
        command = {"type": "split_order", "order_id": order_id, "groups": [list(g) for g in groups]}
        return self.execute(command, at)

    # -- cart holds ----------------------------------------------------------

    def hold_stock(
        self,
        hold_id: str,
        sku: str,
        quantity: int,
        *,
        channel: str,
        expires_at: datetime,
        at: datetime,
    ) -> Events:
        """Holds ``quantity`` units of ``sku`` for a checkout until ``expires_at``."""
        command = {
            "type": "hold_stock",
            "hold_id": hold_id,
            "sku": sku,
            "quantity": quantity,
            "channel": channel,
            "expires_at": expires_at,
        }
        return self.execute(command, at)

    def convert_hold(self, hold_id: str, order_id: str, *, at: datetime) -> Events:
        """Turns a cart hold into the claim of the order placed at checkout."""
        return self.execute({"type": "convert_hold", "hold_id": hold_id, "order_id": order_id}, at)

    def release_stock_hold(self, hold_id: str, *, at: datetime) -> Events:
        """Ends a cart hold early (an abandoned cart)."""
        return self.execute({"type": "release_stock_hold", "hold_id": hold_id}, at)

    def expire_holds(self, *, at: datetime) -> Events:
        """Ends every cart hold expired by ``at`` (see ``next_hold_expiry()``)."""
        return self.execute({"type": "expire_holds"}, at)

    # -- purchasing ----------------------------------------------------------

    def define_supplier(
        self,
        supplier_id: str,
        name: str,
        *,
        currency: str,
        lead_time_days: int,
        at: datetime,
        min_order_value: Optional[Amount] = None,
        payment_terms: Optional[str] = None,
        over_receipt_tolerance_percent: Optional[Union[Decimal, float]] = None,
        address: Optional[Address] = None,
        contact: Optional[Mapping[str, str]] = None,
    ) -> Events:
        """Creates or updates a supplier: its currency (every cost from it is
        in it), default lead time, minimum order value, payment terms, and
        how many percent a receipt may bring beyond what was ordered."""
        command: Dict[str, Any] = {
            "type": "define_supplier",
            "supplier_id": supplier_id,
            "name": name,
            "currency": currency,
            "lead_time_days": lead_time_days,
        }
        if min_order_value is not None:
            command["min_order_value"] = self._money(min_order_value, currency, "min_order_value")
        if address is not None:
            command["address"] = dict(address)
        if contact is not None:
            command["contact"] = dict(contact)
        return self.execute(
            _optional(
                command,
                payment_terms=payment_terms,
                over_receipt_tolerance_percent=over_receipt_tolerance_percent,
            ),
            at,
        )

    def set_supplier_item(
        self,
        supplier_id: str,
        sku: str,
        unit_cost: Amount,
        *,
        at: datetime,
        supplier_sku: Optional[str] = None,
        case_pack: Optional[int] = None,
        moq: Optional[int] = None,
        price_breaks: Optional[Sequence[PriceBreak]] = None,
        lead_time_days: Optional[int] = None,
        dropship: Optional[bool] = None,
    ) -> Events:
        """Sets what a supplier sells of ``sku``: its cost (in the supplier's
        currency), case pack, minimum order quantity, price breaks and lead time."""
        currency: str = self.supplier(supplier_id)["currency"]
        command: Dict[str, Any] = {
            "type": "set_supplier_item",
            "supplier_id": supplier_id,
            "sku": sku,
            "unit_cost": self._money(unit_cost, currency, "unit_cost"),
        }
        if price_breaks is not None:
            command["price_breaks"] = [
                {
                    "min_quantity": b["min_quantity"],
                    "unit_cost": self._money(b["unit_cost"], currency, "price_breaks.unit_cost"),
                }
                for b in price_breaks
            ]
        return self.execute(
            _optional(
                command,
                supplier_sku=supplier_sku,
                case_pack=case_pack,
                moq=moq,
                lead_time_days=lead_time_days,
                dropship=dropship,
            ),
            at,
        )

    def _po_lines(self, supplier_id: str, lines: Sequence[PoLine]) -> List[Dict[str, Any]]:
        currency: Optional[str] = None
        out: List[Dict[str, Any]] = []
        for line in lines:
            d: Dict[str, Any] = dict(line)
            if "unit_cost" in line:
                if currency is None:
                    currency = self.supplier(supplier_id)["currency"]
                d["unit_cost"] = self._money(line["unit_cost"], currency, "unit_cost")
            out.append(d)
        return out

    def create_po(
        self,
        po_id: str,
        supplier_id: str,
        location_id: str,
        lines: Sequence[PoLine],
        *,
        at: datetime,
        billing: Optional[Mapping[str, Any]] = None,
        notes: Optional[str] = None,
    ) -> Events:
        """Creates a draft purchase order to ``supplier_id`` for delivery at
        ``location_id``. Unit costs default from the supplier's items."""
        command: Dict[str, Any] = {
            "type": "create_po",
            "po_id": po_id,
            "supplier_id": supplier_id,
            "location_id": location_id,
            "lines": self._po_lines(supplier_id, lines),
        }
        if billing is not None:
            command["billing"] = dict(billing)
        return self.execute(_optional(command, notes=notes), at)

    def amend_po(
        self,
        po_id: str,
        *,
        at: datetime,
        lines: Optional[Sequence[PoLine]] = None,
        location_id: Optional[str] = None,
        billing: Optional[Mapping[str, Any]] = None,
        notes: Optional[str] = None,
    ) -> Events:
        """Changes a PO before anything arrived (``lines`` replace all of its
        lines); an approved or sent PO goes back through approval."""
        command: Dict[str, Any] = {"type": "amend_po", "po_id": po_id}
        if lines is not None:
            supplier_id: str = self.purchase_order(po_id)["supplier_id"]
            command["lines"] = self._po_lines(supplier_id, lines)
        if billing is not None:
            command["billing"] = dict(billing)
        return self.execute(_optional(command, location_id=location_id, notes=notes), at)

    def submit_po(self, po_id: str, *, at: datetime) -> Events:
        """Submits a draft PO; within ``po_approval_threshold`` it is approved at once."""
        return self.execute({"type": "submit_po", "po_id": po_id}, at)

    def approve_po(self, po_id: str, *, at: datetime, approved_by: Optional[str] = None) -> Events:
        """Approves a submitted PO."""
        return self.execute(_optional({"type": "approve_po", "po_id": po_id}, approved_by=approved_by), at)

    def reject_po(self, po_id: str, reason: str, *, at: datetime) -> Events:
        """Rejects a submitted PO."""
        return self.execute({"type": "reject_po", "po_id": po_id, "reason": reason}, at)

    def send_po(self, po_id: str, *, at: datetime) -> Events:
        """Marks an approved PO as sent: its open units become ``incoming``."""
        return self.execute({"type": "send_po", "po_id": po_id}, at)

    def receive_po(
        self,
        po_id: str,
        receipt_id: str,
        location_id: str,
        lines: Sequence[ReceiptLine],
        *,
        at: datetime,
    ) -> Events:
        """Records a goods receipt: units per PO line, damaged ones kept apart."""
        command = {
            "type": "receive_po",
            "po_id": po_id,
            "receipt_id": receipt_id,
            "location_id": location_id,
            "lines": [dict(line) for line in lines],
        }
        return self.execute(command, at)

    def close_po(self, po_id: str, *, at: datetime, reason: Optional[str] = None) -> Events:
        """Closes a (partially) received PO, cancelling whatever is still open."""
        return self.execute(_optional({"type": "close_po", "po_id": po_id}, reason=reason), at)

    def cancel_po(self, po_id: str, reason: str, *, at: datetime) -> Events:
        """Cancels a PO nothing of which has arrived."""
        return self.execute({"type": "cancel_po", "po_id": po_id, "reason": reason}, at)

    def confirm_dropship(
        self,
        po_id: str,
        lines: Mapping[str, int],
        *,
        at: datetime,
        tracking_number: str,
        carrier: str,
        shipment_id: Optional[str] = None,
        service: Optional[str] = None,
    ) -> Events:
        """Records that a dropship PO's supplier shipped units to the customer:
        ``lines`` maps PO line ids (the order's line ids) to quantities. Ships
        those order lines; no stock moves. ``shipment_id`` defaults to
        ``{po_id}-{n}``."""
        command = {
            "type": "confirm_dropship",
            "po_id": po_id,
            "tracking_number": tracking_number,
            "carrier": carrier,
            "lines": [{"line_id": line_id, "quantity": quantity} for line_id, quantity in lines.items()],
        }
        return self.execute(_optional(command, shipment_id=shipment_id, service=service), at)

    def set_layout(self, location_id: str, layout: Layout, *, at: datetime) -> Events:
        """Sets a location's floor plan, which pick routes walk."""
        return self.execute({"type": "set_layout", "location_id": location_id, "layout": dict(layout)}, at)

    def define_bin(
        self,
        location_id: str,
        bin_id: str,
        slot: Slot,
        *,
        at: datetime,
        sku: Optional[str] = None,
        zone: Optional[str] = None,
        side: Optional[str] = None,
        level: Optional[int] = None,
    ) -> Events:
        """Defines a bin on the location's floor at ``slot`` (block, aisle,
        bay); with ``sku``, the SKU's pick bin there."""
        command: Dict[str, Any] = {
            "type": "define_bin",
            "location_id": location_id,
            "bin_id": bin_id,
            "block": slot["block"],
            "aisle": slot["aisle"],
            "bay": slot["bay"],
        }
        return self.execute(_optional(command, sku=sku, zone=zone, side=side, level=level), at)

    def release_wave(
        self,
        wave_id: str,
        location_id: str,
        *,
        at: datetime,
        method: str = "single_order",
        order_ids: Optional[Sequence[str]] = None,
        selection: Optional[WaveRules] = None,
        cart: Optional[Cart] = None,
        batching: Optional[BatchOptions] = None,
        heuristic: Optional[Heuristic] = None,
    ) -> Events:
        """Releases allocated orders at a location to the floor as pick
        tasks (``single_order``, ``batch``, ``cluster`` or ``zone``): the
        orders named, or those ``selection`` picks by cutoff, priority, size
        and zone load. Tasks are ``{wave_id}-{n}``, stops in walking order:
        the shortest route, or with ``heuristic`` the classic walk named."""
        command: Dict[str, Any] = {"type": "release_wave", "wave_id": wave_id, "location_id": location_id, "method": method}
        return self.execute(
            _optional(
                command,
                order_ids=None if order_ids is None else list(order_ids),
                selection=None if selection is None else dict(selection),
                cart=None if cart is None else dict(cart),
                batching=None if batching is None else dict(batching),
                heuristic=heuristic,
            ),
            at,
        )

    def confirm_pick(
        self, task_id: str, stop: int, quantity: int, *, at: datetime, scanned_code: Optional[str] = None
    ) -> Events:
        """Records units taken at a stop. A ``scanned_code`` that is neither
        the product's GTIN nor its SKU picks nothing and records
        ``pick_scan_rejected`` (counted in ``picking_accuracy``)."""
        command = {"type": "confirm_pick", "task_id": task_id, "stop": stop, "quantity": quantity}
        return self.execute(_optional(command, scanned_code=scanned_code), at)

    def short_pick(self, task_id: str, stop: int, quantity_found: int, *, at: datetime) -> Events:
        """The picker found only ``quantity_found`` units at a stop: the rest
        come off stock there and the order line is sourced again."""
        return self.execute(
            {"type": "short_pick", "task_id": task_id, "stop": stop, "quantity_found": quantity_found}, at
        )

    def complete_task(self, task_id: str, *, at: datetime) -> Events:
        """Closes a task whose stops are all picked or reported short."""
        return self.execute({"type": "complete_task", "task_id": task_id}, at)

    def set_replenishment(
        self, sku: str, location_id: str, settings: Optional[ReorderSettings], *, at: datetime
    ) -> Events:
        """Sets how ``sku`` is replenished at ``location_id`` (method, service
        level, window, EOQ costs, min/max or explicit demand); ``None``
        clears it back to the config's ``replenishment``."""
        command: Dict[str, Any] = {"type": "set_replenishment", "sku": sku, "location_id": location_id}
        if settings is not None:
            body: Dict[str, Any] = dict(settings)
            if "ordering_cost" in settings:
                currency = self._currency(None)
                body["ordering_cost"] = self._money(settings["ordering_cost"], currency, "ordering_cost")
            command["settings"] = body
        return self.execute(command, at)

    def create_replenishment_pos(
        self,
        po_id_prefix: str,
        *,
        at: datetime,
        location_id: Optional[str] = None,
        supplier_id: Optional[str] = None,
    ) -> Events:
        """Turns ``replenishment_suggestions(at)`` into draft POs, one per
        supplier and location, named ``{po_id_prefix}{supplier}-{location}-{n}``."""
        command = {"type": "create_replenishment_pos", "po_id_prefix": po_id_prefix}
        return self.execute(_optional(command, location_id=location_id, supplier_id=supplier_id), at)


def batch_orders(
    layout: Layout, orders: Sequence[BatchOrder], cart: Cart, options: Optional[BatchOptions] = None
) -> BatchPlan:
    """Groups ``orders`` into picking tours under ``cart``'s capacity, each
    tour costed by the exact router (``optimal_route``). The default method
    is an iterated local search from seed and Clarke–Wright savings; pass
    ``{"method": "fcfs"}`` and so on for the others. An order that alone
    does not fit the cart raises ``ValidationError``."""
    return cast(BatchPlan, _batch_orders(layout, orders, cart, options))


def load_container(
    container: Container, items: Sequence[ItemType], options: Optional[LoadOptions] = None
) -> Load:
    """Fills ``container`` with as much volume of ``items`` as it can (block
    building on maximal spaces, greedy then randomised tries from a seed:
    the same input gives the same load). Every load passes
    ``validate_load``. Bad input raises ``ValidationError``."""
    return cast(Load, _load_container(container, items, options))


def validate_load(container: Container, items: Sequence[ItemType], placed: Sequence[Placed]) -> None:
    """Checks a load: raises ``ValidationError`` naming the first unit out
    of the container, overlapping another, turned as its item forbids,
    beyond its quantity, or over the weight limit."""
    _validate_load(container, items, placed)


def cartonize(
    cartons: Sequence[Carton], items: Sequence[PackItem], options: Optional[CartonizeOptions] = None
) -> CartonPlan:
    """Chooses cartons for an order's units: fewest parcels, then the
    cheapest to ship (carton cost plus the rate of its billable weight,
    dimensional weight included), then the smallest. Own-box units ship
    alone; fragile and hazmat units share a carton only with their own kind.
    Every plan passes ``validate_plan``. A unit that fits no carton raises
    ``ValidationError`` naming it."""
    return cast(CartonPlan, _cartonize(cartons, items, options))


def validate_plan(cartons: Sequence[Carton], items: Sequence[PackItem], plan: CartonPlan) -> None:
    """Checks a carton plan: every unit packed once, flags kept apart, each
    parcel's units inside its carton, not overlapping, turned as allowed,
    within its weight limit. Raises ``ValidationError`` naming the fault."""
    _validate_plan(cartons, items, plan)


def select_service(config: ShippingConfig, origin: Location, request: ShipmentRequest) -> ServiceChoice:
    """The cheapest service arriving by ``request["deliver_by"]``, else the
    fastest (``meets_promise`` false), with the reason and every quote.
    Raises ``ValidationError`` when no service can take the parcels."""
    return cast(ServiceChoice, _select_service(config, origin, request))


def delivery_promise(
    config: ShippingConfig, origins: Sequence[Location], request: ShipmentRequest
) -> Promise:
    """The earliest "arrives by" over ``origins`` and services, for a
    product page or checkout before the order exists."""
    return cast(Promise, _delivery_promise(config, origins, request))


def check_address(address: Address, config: Optional[ShippingConfig] = None) -> List[AddressProblem]:
    """What is wrong with ``address`` for shipping (required fields, the
    region where needed, postal code formats, PO boxes no service of
    ``config`` delivers to); empty when it is fine. No service is called."""
    return cast(List[AddressProblem], _check_address(address, config))


def shipping_label(input: LabelInput) -> Label:
    """A parcel's 4 × 6 inch label as ZPL text and the fields it prints."""
    return cast(Label, _shipping_label(input))
