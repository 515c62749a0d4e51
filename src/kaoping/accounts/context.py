"""The request being served, for audit records written far from the view (admin LogEntry)."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

CURRENT_REQUEST: ContextVar[Any] = ContextVar("kaoping_current_request", default=None)


def current_request() -> Any:
    return CURRENT_REQUEST.get()
