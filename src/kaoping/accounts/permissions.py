"""Who may do what (R1.2-R1.3, R10.3 least privilege), in one place.

Every view is wrapped in :func:`requires` (a capability) or :func:`public`; both mark the
view so that ``tests/web/test_access.py`` can walk every URL as every role. Object-level
rules (a unit contact sees only their own unit) live here too, as plain functions the
selectors call.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .models import Role

View = TypeVar("View", bound=Callable[..., HttpResponse])

ADMIN, OFFICE, EVALUATOR, CONTACT, SUPERVISOR = (
    Role.ADMIN, Role.OFFICE, Role.EVALUATOR, Role.UNIT_CONTACT, Role.SUPERVISOR,
)

#: capability -> roles that hold it. The public (anonymous) holds none: see :func:`public`.
CAPABILITIES: dict[str, frozenset[str]] = {
    # campaigns and indicator libraries
    "campaigns.view": frozenset({ADMIN, OFFICE, SUPERVISOR, EVALUATOR, CONTACT}),
    "campaigns.view_all": frozenset({ADMIN, OFFICE, SUPERVISOR}),  # unpublished, every unit
    "campaigns.manage": frozenset({OFFICE}),  # create, set up, assign, open/close/publish
    "indicators.view": frozenset({ADMIN, OFFICE, SUPERVISOR}),
    "indicators.manage": frozenset({OFFICE}),
    # collection
    "sheets.fill": frozenset({EVALUATOR}),  # only their own sheets (back-to-back)
    "data.upload": frozenset({OFFICE}),  # paper forms, measured data
    "data.verify": frozenset({SUPERVISOR}),  # third-party check of measured values
    # individual evaluators' scores: the office, and the supervisor read-only for audit
    "scores.view_individual": frozenset({OFFICE, SUPERVISOR}),
    # results
    "results.view_own": frozenset({CONTACT}),  # own unit, once published
    "results.export": frozenset({OFFICE, SUPERVISOR}),
    # integrity alerts (R5.7)
    "alerts.view": frozenset({OFFICE, SUPERVISOR}),
    "alerts.handle": frozenset({OFFICE, SUPERVISOR}),  # assign, investigate, close
    "alerts.exclude_sheet": frozenset({OFFICE}),  # a confirmed alert excludes a sheet
    # citizen ratings (R4)
    "ratings.view": frozenset({ADMIN, OFFICE, SUPERVISOR, CONTACT}),
    "ratings.manage": frozenset({OFFICE}),  # halls, windows, staff, items, settings
    "ratings.enter": frozenset({OFFICE, CONTACT}),  # hotline and paper entry by staff
    "cases.handle": frozenset({OFFICE, CONTACT}),  # bad-rating cases of their own unit
    "appeals.decide": frozenset({SUPERVISOR, OFFICE}),
    # system
    "audit.view": frozenset({ADMIN, SUPERVISOR}),
    "users.manage": frozenset({ADMIN}),
}


def role_of(user: Any) -> str | None:
    """The user's role, or ``None`` for the anonymous public."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return str(user.role)


def has(user: Any, capability: str) -> bool:
    """True when ``user`` holds ``capability`` (unknown capabilities are an error)."""
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    role = role_of(user)
    return role is not None and user.is_active and role in CAPABILITIES[capability]


def require(user: Any, capability: str) -> None:
    """Raise ``PermissionDenied`` unless ``user`` holds ``capability`` (for services too)."""
    if not has(user, capability):
        raise PermissionDenied(capability)


def requires(capability: str) -> Callable[[View], View]:
    """View decorator: anonymous users go to the log-in page, other roles get 403."""
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(request.user, capability)
            return view(request, *args, **kwargs)

        wrapped.kaoping_capability = capability  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def public(view: View) -> View:
    """Mark a view as open to the anonymous public (rating pages, public lookups)."""
    view.kaoping_capability = None  # type: ignore[attr-defined]
    return view


# ----------------------------------------------------------------- object-level rules


def can_see_unit(user: Any, unit: Any) -> bool:
    """A unit contact sees only their own unit; roles with ``campaigns.view_all`` see all."""
    if has(user, "campaigns.view_all"):
        return True
    return role_of(user) == CONTACT and user.unit_id is not None and user.unit_id == unit.pk
