"""The table API: Arrow tables in, ``oms_engine.Table`` out.

Inputs are any object exporting the Arrow PyCapsule stream interface
(``__arrow_c_stream__``): ``pyarrow.Table``, ``polars.DataFrame``,
``pandas.DataFrame`` (pandas >= 2.2 with pyarrow installed), DuckDB
results, or an ``oms_engine.Table``. pyarrow is not required by
``oms_engine`` itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterable,
    Mapping,
    NamedTuple,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    Union,
    overload,
    runtime_checkable,
)

from ._oms import Table
from ._oms import kpis as _kpis_of_dicts
from ._oms import kpis_table as _kpis_table
from ._oms import merge_kpi_tables as _merge_kpi_tables
from ._oms import simulate as _simulate

if TYPE_CHECKING:
    from . import Engine


@runtime_checkable
class ArrowStreamExportable(Protocol):
    """Anything that exports an Arrow C stream (the PyCapsule interface)."""

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...


ProgressCallback = Callable[[int, int], object]
"""Called as ``callback(done, total)`` now and then during a long run."""

Progress = Union[bool, ProgressCallback]
"""``False`` (none), ``True`` (a tqdm bar; ``pip install 'oms-engine[progress]'``) or a callback."""


class SimulationResult(NamedTuple):
    """What ``simulate`` returns: four tables."""

    allocations: Table
    """One row per reservation: order_id, line, sku, location_id, quantity,
    allocated_at, from_backorder, distance_km, shipment."""
    shipments: Table
    """One row per shipment: order_id, shipment, location_id, shipped_at,
    lines, units, distance_km."""
    backorders: Table
    """Order lines still open at the end: order_id, line, sku, quantity."""
    kpis: Table
    """The run's KPIs: name, key, currency, numerator, denominator, value, unit."""


class _Bar:
    """A tqdm bar driven by ``callback(done, total)``."""

    def __init__(self, desc: str, unit: str) -> None:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            raise ImportError(
                "progress=True needs tqdm: pip install 'oms-engine[progress]' "
                "(or pass a callback(done, total) as progress)"
            ) from None
        self._bar = tqdm(total=None, desc=desc, unit=unit, unit_scale=True)

    def __call__(self, done: int, total: int) -> None:
        if self._bar.total != total:
            self._bar.total = total
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        self._bar.close()


def _run_with_progress(progress: Progress, desc: str, unit: str, run: Callable[[Optional[ProgressCallback]], Any]) -> Any:
    if progress is False or progress is None:
        return run(None)
    if progress is True:
        bar = _Bar(desc, unit)
        try:
            return run(bar)
        finally:
            bar.close()
    if callable(progress):
        return run(progress)
    raise TypeError(f"progress must be a bool or a callable(done, total), got {type(progress).__name__}")


def simulate(
    orders: ArrowStreamExportable,
    stock: ArrowStreamExportable,
    locations: ArrowStreamExportable,
    policy: Optional[Mapping[str, Any]] = None,
    *,
    currency: Optional[str] = None,
    allow_float_money: bool = False,
    progress: Progress = False,
) -> SimulationResult:
    """Replays order lines against stock snapshots and receipts under a
    sourcing policy (``oms_core::simulation``) and returns the allocation,
    shipment, backorder and KPI tables.

    ``orders``: placed_at (timezone-aware timestamp), order_id, customer_id,
    channel, sku, quantity, unit_price (decimal; floats are refused unless
    ``allow_float_money=True``), currency (or the ``currency`` argument),
    and optionally latitude, longitude, country, postal_code, priority
    ("rush" / "standard") and network. ``stock``: location_id, sku,
    quantity and optionally ``at`` (null: on hand at the start; a time: a
    receipt then). ``locations``: location_id and optionally latitude,
    longitude, country, postal_code, priority and network. ``policy`` is a
    sourcing policy dict (the engine's default when absent). Row order does
    not matter. The GIL is released while it runs; Ctrl-C stops it.
    """

    def run(callback: Optional[ProgressCallback]) -> SimulationResult:
        tables = _simulate(
            orders,
            stock,
            locations,
            policy,
            currency=currency,
            allow_float_money=allow_float_money,
            progress=callback,
        )
        return SimulationResult(*tables)

    result: SimulationResult = _run_with_progress(progress, "simulate", "line", run)
    return result


@overload
def kpis(
    events: ArrowStreamExportable,
    *,
    window: Optional[Tuple[Optional[datetime], Optional[datetime]]] = None,
    by: Sequence[str] = ("channel",),
    progress: Progress = False,
    threads: Optional[int] = None,
    span: Optional[Tuple[datetime, datetime]] = None,
) -> Table: ...
@overload
def kpis(
    events: Iterable[Mapping[str, Any]],
    window_from: Optional[datetime] = None,
    window_to: Optional[datetime] = None,
) -> Dict[str, Any]: ...
def kpis(
    events: Union[ArrowStreamExportable, Iterable[Mapping[str, Any]]],
    window_from: Optional[datetime] = None,
    window_to: Optional[datetime] = None,
    *,
    window: Optional[Tuple[Optional[datetime], Optional[datetime]]] = None,
    by: Sequence[str] = ("channel",),
    progress: Progress = False,
    threads: Optional[int] = None,
    span: Optional[Tuple[datetime, datetime]] = None,
) -> Union[Table, Dict[str, Any]]:
    """KPIs of an event history (``oms_core::kpi``).

    Given an events table (as ``Engine.execute_table`` returns: its typed
    KPI columns are read, and the ``event`` JSON only of purchase-order and
    dropship events; a table with just ``type``, ``at``, ``order_id`` and
    ``event`` is read through each row's JSON, to the same figures),
    returns the KPI table: the ``by``
    columns (``channel``, ``customer_id``, ``country``), then name, key,
    currency, numerator, denominator, value and unit, over ``window`` =
    ``(from, to)`` (aware datetimes; ``None`` bounds are open). Order
    figures are per group; inventory and supplier figures come once, with
    the ``by`` columns null. Histogram rows (``*_histogram``, key =
    minutes) carry the percentiles, so tables of shards add up exactly with
    ``merge_kpi_tables``.

    ``threads`` splits the history by order over that many threads (the
    parts add up exactly, so the table is the same); ``None`` uses one per
    core for tables of 65,536 rows or more, one otherwise.

    ``span`` = ``(first, last)``: when ``events`` are a part of a history
    (a partition of it by order), the whole history's first and last event
    times. An open window then spans the whole history in every part, so
    the parts' tables add up exactly (``merge_kpi_tables``).

    Given a list of event dicts, returns the report dict as before
    (``window_from``/``window_to``).
    """
    if isinstance(events, ArrowStreamExportable):
        if window_from is not None or window_to is not None:
            raise TypeError("for an events table, pass window=(from, to)")
        if isinstance(by, str):
            raise TypeError(f"by must be a sequence of column names, e.g. ({by!r},)")

        def run(callback: Optional[ProgressCallback]) -> Table:
            return _kpis_table(events, window=window, by=list(by), progress=callback, threads=threads, span=span)

        table: Table = _run_with_progress(progress, "kpis", "event", run)
        return table
    if window is not None:
        window_from, window_to = window
    report: Dict[str, Any] = _kpis_of_dicts(events, window_from, window_to)
    return report


def merge_kpi_tables(tables: Iterable[ArrowStreamExportable]) -> Table:
    """Adds up KPI tables of shards of one history (or of separate
    networks): numerators and denominators summed per group, name, key and
    currency, histograms merged, values and percentiles worked out again."""
    return _merge_kpi_tables(tables)


def replay_table(events: ArrowStreamExportable, config: Optional[Mapping[str, Any]] = None) -> "Engine":
    """Rebuilds an engine from an events table (its ``event`` column, in
    row order; rows that recorded an error are skipped)."""
    from . import Engine

    return Engine.replay_table(events, config)
