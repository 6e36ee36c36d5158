"""Exceptions raised by the engine: one class per stable error code."""

from __future__ import annotations

from typing import Any, Dict, List, Optional


class OmsError(Exception):
    """Base of every error the engine reports.

    ``code`` is the core's stable code (e.g. ``"not_found"``), ``details`` a
    dict with the structured fields (ids, quantities, the field at fault).
    ``execute_many`` also sets ``index`` (which command failed) and
    ``events`` (the events of the commands before it, which stay applied).
    """

    code: str
    details: Dict[str, Any]
    index: Optional[int]
    events: Optional[List[Dict[str, Any]]]

    def __init__(self, message: str, code: str, details: Dict[str, Any]) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details
        self.index = None
        self.events = None

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> Any:
        return (type(self), (self.message, self.code, self.details))


class ValidationError(OmsError, ValueError):
    """Malformed or out-of-range input (code ``validation``)."""


class NotFoundError(OmsError, KeyError):
    """An id the engine does not know (code ``not_found``)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class InvalidTransitionError(OmsError):
    """An action the entity's current state does not allow (code ``invalid_transition``)."""


class InsufficientStockError(OmsError):
    """Taking more stock than there is (code ``insufficient_stock``)."""


class DuplicateError(OmsError):
    """An id reused for something different (code ``duplicate``)."""


class ConflictError(OmsError):
    """Input that contradicts the engine's state, e.g. an event that does not fit (code ``conflict``)."""
