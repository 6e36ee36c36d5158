"""Typed shapes of the dicts the convenience methods take."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Dict, List, Literal, Union

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


class _PoLineRequired(TypedDict):
    line_id: str
    sku: str
    quantity: int


class PoLine(_PoLineRequired, total=False):
    """One line of ``Engine.create_po`` / ``amend_po``. Without ``unit_cost``
    the supplier item's cost applies (price breaks included); without
    ``expected_date`` the command's date plus the lead time."""

    unit_cost: Union[Decimal, int, str]
    expected_date: date


class _ReceiptLineRequired(TypedDict):
    line_id: str
    quantity: int


class ReceiptLine(_ReceiptLineRequired, total=False):
    """One line of ``Engine.receive_po``: units that arrived, and of those
    how many are ``damaged`` (default 0)."""

    damaged: int


class PriceBreak(TypedDict):
    """From ``min_quantity`` units on, each costs ``unit_cost``."""

    min_quantity: int
    unit_cost: Union[Decimal, int, str]


class ReorderSettings(TypedDict, total=False):
    """How a SKU is replenished at a location (``Engine.set_replenishment``);
    every key optional. ``ordering_cost`` is money in the engine's currency."""

    method: str
    service_level_z: float
    window_days: int
    review_days: int
    ordering_cost: Union[Decimal, int, str]
    holding_cost_percent: float
    min: int
    max: int
    demand_per_day: float
    demand_std_dev: float


class Block(TypedDict):
    """A band of the warehouse between two cross aisles (``Layout.blocks``):
    ``bays`` storage positions along each aisle, ``bay_pitch`` apart, the
    first ``front_offset`` from the cross aisle in front, the last
    ``back_offset`` from the one behind. Distances in any whole unit."""

    bays: int
    bay_pitch: int
    front_offset: int
    back_offset: int


class Depot(TypedDict):
    """Where routes start and end: level with ``aisle``, on cross aisle
    ``cross_aisle`` (0 the front, ``len(blocks)`` the back)."""

    aisle: int
    cross_aisle: int


class Layout(TypedDict):
    """A warehouse floor for routing: ``aisles`` parallel aisles
    ``aisle_pitch`` apart, split into ``blocks`` (front to back) by cross aisles."""

    aisles: int
    aisle_pitch: int
    blocks: List[Block]
    depot: Depot


class Slot(TypedDict):
    """A storage position: a bay (from the block's front) of an aisle in a block."""

    block: int
    aisle: int
    bay: int


class Waypoint(TypedDict):
    """A turning point of a walk: an aisle and the distance from the front cross aisle."""

    aisle: int
    y: int


class Route(TypedDict):
    """``optimal_route``'s answer: pick indices in walking order, the
    distance depot to depot, and the path."""

    order: List[int]
    distance: int
    path: List[Waypoint]


class Stocked(TypedDict):
    """A bin holding ``units`` of an article."""

    slot: Slot
    units: int


class Article(TypedDict):
    """An article to pick (``scattered_route``): ``quantity`` units from the bins in ``stock``."""

    quantity: int
    stock: List[Stocked]


class Visit(TypedDict):
    """A stop of a scattered-storage route: ``quantity`` of article ``article`` from ``slot``."""

    article: int
    slot: Slot
    quantity: int


class ScatteredRoute(TypedDict):
    """``scattered_route``'s answer: the visits in walking order, the walk,
    and whether every combination of bins was tried (so it is optimal)."""

    visits: List[Visit]
    route: Route
    exact: bool


class _BatchOrderRequired(TypedDict):
    picks: List[Slot]


class BatchOrder(_BatchOrderRequired, total=False):
    """An order to batch (``batch_orders``): its ``picks`` and what it loads
    on the cart (``items``, ``volume``, ``weight``; each defaults to 0)."""

    items: int
    volume: int
    weight: int


class Cart(TypedDict, total=False):
    """What a cart holds per tour; a limit left out does not apply.
    ``max_orders`` is the number of totes (one per order)."""

    max_items: int
    max_volume: int
    max_weight: int
    max_orders: int


class BatchOptions(TypedDict, total=False):
    """How ``batch_orders`` works: ``method`` (``single_order``, ``fcfs``,
    ``seed``, ``savings`` or ``ils``, the default), the local search's
    ``iterations`` (default 300) and the ``seed`` of its generator."""

    method: str
    iterations: int
    seed: int


class BatchStop(TypedDict):
    """A stop of a batch's tour: pick ``pick`` of order ``order`` (indices into the input)."""

    order: int
    pick: int


class Batch(TypedDict):
    """One tour: its orders (ascending), the stops in walking order, the
    distance depot to depot and the path."""

    orders: List[int]
    stops: List[BatchStop]
    distance: int
    path: List[Waypoint]


class BatchPlan(TypedDict):
    """``batch_orders``'s answer: the tours and their total distance."""

    batches: List[Batch]
    distance: int


class WaveRules(TypedDict, total=False):
    """How ``release_wave`` chooses orders without ``order_ids``: at most
    ``max_orders`` orders, ``max_units`` units and ``max_zone_units`` units
    per zone; only orders due by ``ship_by_until`` (an RFC 3339 string);
    only rush orders with ``rush_only``."""

    max_orders: int
    max_units: int
    max_zone_units: int
    ship_by_until: str
    rush_only: bool


class Dims(TypedDict):
    """Length, width and height in millimetres."""

    length: int
    width: int
    height: int


class _ContainerRequired(TypedDict):
    dims: Dims


class Container(_ContainerRequired, total=False):
    """What ``load_container`` fills: inner ``dims`` and the grams it may carry."""

    max_weight: int


Orientation = Union[Literal["any"], Literal["upright"], Literal["fixed"], Dict[str, Dict[str, bool]]]
"""How an item may turn: ``"any"``, ``"upright"`` (height stays vertical),
``"fixed"``, or ``{"vertical": {"length": bool, "width": bool, "height": bool}}``
(the sides that may be vertical)."""


class _ItemTypeRequired(TypedDict):
    dims: Dims
    quantity: int
    orientation: Orientation


class ItemType(_ItemTypeRequired, total=False):
    """A type of item to load: size, grams per unit, units, how it may turn."""

    weight: int


class LoadOptions(TypedDict, total=False):
    """``load_container``'s effort: ``tries`` constructions (default 16) from ``seed``."""

    tries: int
    seed: int


Axes = Union[
    Literal["lwh"], Literal["wlh"], Literal["lhw"], Literal["hlw"], Literal["whl"], Literal["hwl"]
]
"""Which item sides lie along the container's length, width and height."""


class Placed(TypedDict):
    """One unit placed: its item index, lowest corner and how it is turned."""

    item: int
    x: int
    y: int
    z: int
    axes: Axes


class Load(TypedDict):
    """``load_container``'s answer: units in loading order, their volume (mm³) and grams."""

    placed: List[Placed]
    volume: int
    weight: int


class Money(TypedDict):
    """An amount (a ``Decimal`` or decimal string, never a float) and an ISO 4217 code."""

    amount: Union[Decimal, str]
    currency: str


class _CartonRequired(TypedDict):
    carton_id: str
    inner: Dims
    cost: Money


class Carton(_CartonRequired, total=False):
    """A shipping box: ``inner`` room, optional ``outer`` dims (for
    dimensional weight), ``max_weight`` of contents and ``tare_weight`` in
    grams, ``cost``, and the ``locations`` that stock it (default all)."""

    outer: Dims
    max_weight: int
    tare_weight: int
    locations: List[str]


class _PackItemRequired(TypedDict):
    sku: str
    quantity: int
    dims: Dims


class PackItem(_PackItemRequired, total=False):
    """Units of a SKU to pack: grams per unit, how it may turn (default
    ``"any"``), and the ``fragile``/``hazmat``/``own_box`` flags."""

    weight: int
    orientation: Orientation
    fragile: bool
    hazmat: bool
    own_box: bool


class WeightBreak(TypedDict):
    """The ``price`` of a parcel billed up to ``up_to`` grams."""

    up_to: int
    price: Money


class CartonizeOptions(TypedDict, total=False):
    """``cartonize``'s packing ``location``, ``dim_divisor`` (cm³/kg),
    ``rates`` by billable weight, ``tries`` per carton (default 4) and ``seed``."""

    location: str
    dim_divisor: int
    rates: List[WeightBreak]
    tries: int
    seed: int


class Parcel(TypedDict):
    """A parcel: its carton (``None``: the unit ships in its own box), units
    placed by item index, outer ``dims``, gross and billable grams, cost."""

    carton_id: Union[str, None]
    placed: List[Placed]
    dims: Dims
    weight: int
    billable_weight: int
    cost: Union[Money, None]


class CartonPlan(TypedDict):
    """``cartonize``'s answer: the parcels and their total cost."""

    parcels: List[Parcel]
    cost: Union[Money, None]


class _ZoneRuleRequired(TypedDict):
    country: str
    zone: str


class ZoneRule(_ZoneRuleRequired, total=False):
    """Destinations in ``country`` whose postal code starts with ``postal_prefix`` are in ``zone``."""

    origin: str
    postal_prefix: str


class _DistanceBandRequired(TypedDict):
    up_to_km: int
    zone: str


class DistanceBand(_DistanceBandRequired, total=False):
    """Destinations up to ``up_to_km`` away (great circle) are in ``zone``."""

    origin: str


class Oversize(TypedDict):
    """The surcharge per parcel whose longest side is over ``longer_than`` mm."""

    longer_than: int
    price: Money


class _ServiceRequired(TypedDict):
    service_id: str
    carrier: str
    name: str
    transit_days: Dict[str, int]
    rates: Dict[str, List[WeightBreak]]


class Service(_ServiceRequired, total=False):
    """A carrier's service: transit days and rates per zone, pickup cutoffs
    (``"HH:MM"``) per location and by default, limits, dimensional divisor,
    surcharges, and whether it delivers to PO boxes."""

    cutoffs: Dict[str, str]
    cutoff: str
    max_weight: int
    max_length: int
    max_length_and_girth: int
    dim_divisor: int
    oversize: Oversize
    residential: Money
    po_box: bool


class Calendar(TypedDict, total=False):
    """Days off: ``weekend`` days (default ``["Sat", "Sun"]``) and ``holidays``."""

    weekend: List[str]
    holidays: List[Union[date, str]]


class ShippingConfig(TypedDict, total=False):
    """Zones, services and the calendar that shipping functions use."""

    zones: List[ZoneRule]
    distance_bands: List[DistanceBand]
    services: List[Service]
    calendar: Calendar
    handling_days: int
    utc_offsets: Dict[str, int]


class ParcelSpec(TypedDict):
    """A parcel as carriers see it: outer ``dims`` and gross grams."""

    dims: Dims
    weight: int


class _ShipmentRequestRequired(TypedDict):
    destination: Address
    at: datetime


class ShipmentRequest(_ShipmentRequestRequired, total=False):
    """What to ship (``parcels``), where to, when (``at``, aware), the
    promised ``deliver_by`` date, and whether the address is ``residential``."""

    parcels: List[ParcelSpec]
    deliver_by: Union[date, str]
    residential: bool


class Quote(TypedDict):
    """One service's price and dates, or why it ``refused``."""

    service_id: str
    carrier: str
    zone: Union[str, None]
    cost: Union[Money, None]
    ship_date: Union[str, None]
    delivery_date: Union[str, None]
    refused: Union[str, None]


class ServiceChoice(TypedDict):
    """``select_service``'s answer, with the reason and every quote."""

    service_id: str
    carrier: str
    zone: str
    cost: Money
    ship_date: str
    delivery_date: str
    meets_promise: bool
    reason: str
    quotes: List[Quote]


class Promise(TypedDict):
    """``delivery_promise``'s answer: arrives by, ships on, from where, by which service, at what cost."""

    arrives_by: str
    ship_date: str
    location_id: str
    service_id: str
    cost: Money


class AddressProblem(TypedDict):
    """One thing wrong with an address."""

    field: str
    message: str


# Functional form: ``from`` is a Python keyword.
_LabelInputRequired = TypedDict(
    "_LabelInputRequired",
    {
        "shipment_id": str,
        "carrier": str,
        "service": str,
        "from": Address,
        "to": Address,
        "parcel": int,
        "parcels": int,
        "weight": int,
        "ship_date": Union[date, str],
    },
)


class LabelInput(_LabelInputRequired, total=False):
    """What goes on a parcel's label: shipment, carrier and service names,
    ``from`` and ``to`` addresses, parcel ``n`` of ``parcels``, grams, ship
    date, and optionally the host's ``tracking_number`` and a ``reference``."""

    tracking_number: str
    reference: str


class Label(TypedDict):
    """A label: ZPL text and the fields it prints."""

    zpl: str
    barcode: str
    header: str
    from_lines: List[str]
    to_lines: List[str]
    details: str


class _LocationRequired(TypedDict):
    location_id: str
    name: str
    kind: str


class Location(_LocationRequired, total=False):
    """A location as shipping functions take it (origin of a shipment)."""

    lat: float
    lon: float
    country: str
    postal_code: str


TrackingStatus = Union[
    Literal["in_transit"],
    Literal["out_for_delivery"],
    Literal["delivered"],
    Literal["exception"],
    Literal["returned_to_sender"],
]
"""A carrier's report on a shipment (``Engine.record_tracking_event``)."""


class PackingRules(TypedDict, total=False):
    """How a product packs (``define_product(packing=...)``): orientation
    (default ``"any"``) and the ``fragile``/``hazmat``/``own_box`` flags."""

    orientation: Orientation
    fragile: bool
    hazmat: bool
    own_box: bool


class _ShipLine(TypedDict):
    line_id: str
    quantity: int


class _ParcelInputRequired(TypedDict):
    lines: List[_ShipLine]


class ParcelInput(_ParcelInputRequired, total=False):
    """A hand-packed parcel for ``Engine.pack``: its units per line and
    its ``carton_id`` (none: the unit's own box)."""

    carton_id: str


ReturnReason = Union[
    Literal["damaged"],
    Literal["defective"],
    Literal["wrong_item"],
    Literal["not_as_described"],
    Literal["size_fit"],
    Literal["no_longer_needed"],
    Literal["arrived_late"],
    Literal["other"],
]
"""Why a customer sends units back (``Engine.request_return``)."""

Resolution = Union[Literal["refund"], Literal["exchange"], Literal["store_credit"]]
"""What the customer gets for returned units."""

Disposition = Union[Literal["restock"], Literal["refurbish"], Literal["scrap"], Literal["return_to_vendor"]]
"""What becomes of a returned unit after inspection."""


class _ReturnLineRequired(TypedDict):
    line_id: str
    quantity: int
    reason: ReturnReason


class ReturnLine(_ReturnLineRequired, total=False):
    """One line of ``Engine.request_return``: units of an order line and why."""

    note: str


class _InspectionLineRequired(TypedDict):
    line_id: str
    quantity: int
    disposition: Disposition


class InspectionLine(_InspectionLineRequired, total=False):
    """The disposition of some returned units (``Engine.inspect_return``);
    ``location_id`` for restocked or refurbished units (default: where the
    return was received)."""

    location_id: str


class _ExchangeLineRequired(TypedDict):
    sku: str
    quantity: int


class ExchangeLine(_ExchangeLineRequired, total=False):
    """A unit wanted instead, for an exchange; ``unit_price`` defaults to
    the returned line's price for the same SKU, else the catalog price."""

    unit_price: Union[Decimal, int, str]
