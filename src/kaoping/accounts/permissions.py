"""Who may do what (R1.2-R1.3, R10.3 least privilege), in one place.

Every view is wrapped in :func:`requires` (a capability) or :func:`public`; both mark the
view so that ``tests/web/test_access.py`` can walk every URL as every role (a view
without the mark fails that test). Services call :func:`require`; templates and
selectors call :func:`has`.

Roles (R1.2) and what they hold: see :data:`CAPABILITIES`. The anonymous public holds
no capability; its pages are ``@public`` and apply their own rules (a valid one-time
token, published results only).

Object-level rules (R1.3) — plain functions for other apps' selectors and views:

* :func:`can_see_unit` — a unit contact sees only their own unit; the office, the
  administrator and the supervisor (``campaigns.view_all``) see every unit.
* :func:`visible_units` / :func:`visible_campaigns` — the querysets behind those rules:
  office/admin/supervisor see all campaigns; a unit contact sees the campaigns their
  unit is a target of; an evaluator sees the campaigns they are a rater in.
* :func:`can_see_results` — unpublished results (status draft/open/closed) only with
  ``campaigns.view_all``; a unit contact sees their own unit's row once the campaign
  is published (or archived), never another unit's unpublished data.
* :func:`can_see_individual_scores` — individual evaluators' scores: office and
  supervisor only (``scores.view_individual``); never a unit contact nor an evaluator
  (an evaluator sees only their own sheet: :func:`can_fill_sheet`).
* :func:`is_read_only` — the supervisor reads everything and changes nothing: no
  capability that writes campaign data is ever given to ``supervisor`` except checking
  measured data (``data.verify``), handling alerts and deciding appeals, which record
  their own decisions and never edit a score (:data:`READ_ONLY_EXCEPTIONS`); a test
  keeps it so.
* Back-to-back (R3.3): :func:`can_fill_sheet` — an evaluator fills only their own
  assignments, and only while the campaign is open.

If a view finds an object the user may not see, answer 404 (do not confirm it
exists) — the URL walker accepts 404 but never 500.
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
    "alerts.exclude_sheet": frozenset({OFFICE}),  # a confirmed alert excludes a sheet (or revokes it)
    "alerts.reopen": frozenset({OFFICE}),  # a closed alert is investigated again
    # citizen ratings (R4)
    "ratings.view": frozenset({ADMIN, OFFICE, SUPERVISOR, CONTACT}),
    "ratings.manage": frozenset({OFFICE}),  # halls, windows, staff, items, settings
    "ratings.enter": frozenset({OFFICE, CONTACT}),  # hotline and paper entry by staff
    "cases.handle": frozenset({OFFICE, CONTACT}),  # bad-rating cases of their own unit
    "appeals.decide": frozenset({SUPERVISOR, OFFICE}),
    # system
    "audit.view": frozenset({ADMIN, SUPERVISOR}),
    "users.manage": frozenset({ADMIN}),
    "account.own": frozenset({ADMIN, OFFICE, EVALUATOR, CONTACT, SUPERVISOR}),  # my account, password
}

#: capabilities the supervisor holds that record a decision without editing a score
READ_ONLY_EXCEPTIONS = frozenset({"data.verify", "alerts.handle", "appeals.decide", "account.own"})
#: capabilities that only read
READ_CAPABILITIES = frozenset({
    "campaigns.view", "campaigns.view_all", "indicators.view", "scores.view_individual",
    "results.view_own", "results.export", "alerts.view", "ratings.view", "audit.view",
})


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


def object_rules(view: View) -> View:
    """Mark a view that also applies object-level rules (own unit, published only, ...).

    Such a view may answer 403 — with a page that says why — to a role that holds its
    capability; the URL × role walker accepts that for marked views only. Put it *below*
    ``@requires`` so the mark is carried up.
    """
    view.kaoping_object_rules = True  # type: ignore[attr-defined]
    return view


def public(view: View) -> View:
    """Mark a view as open to the anonymous public (rating pages, public lookups)."""
    view.kaoping_capability = None  # type: ignore[attr-defined]
    return view


# ----------------------------------------------------------------- object-level rules


PUBLISHED = ("published", "archived")


def can_see_unit(user: Any, unit: Any) -> bool:
    """A unit contact sees only their own unit; roles with ``campaigns.view_all`` see all."""
    if has(user, "campaigns.view_all"):
        return True
    return role_of(user) == CONTACT and user.unit_id is not None and user.unit_id == unit.pk


def is_read_only(user: Any) -> bool:
    """True for the supervisor (and the public): they never change scores or set-up."""
    role = role_of(user)
    return role is None or role == SUPERVISOR


def can_see_individual_scores(user: Any) -> bool:
    """Individual evaluators' scores: office and supervisor only, never a unit contact."""
    return has(user, "scores.view_individual")


def visible_units(user: Any) -> Any:
    """Units ``user`` may see: all for ``campaigns.view_all``, else their own (or none)."""
    from kaoping.org.models import Unit

    if has(user, "campaigns.view_all"):
        return Unit.objects.all()
    if role_of(user) == CONTACT and user.unit_id is not None:
        return Unit.objects.filter(pk=user.unit_id)
    return Unit.objects.none()


def visible_campaigns(user: Any) -> Any:
    """Campaigns ``user`` may see listed: all for ``campaigns.view_all``; a unit contact
    those their unit is a target of; an evaluator those they rate in; nobody else any."""
    from kaoping.campaigns.models import Campaign

    if has(user, "campaigns.view_all"):
        return Campaign.objects.all()
    role = role_of(user)
    if role == CONTACT and user.unit_id is not None:
        return Campaign.objects.filter(targets__unit_id=user.unit_id).distinct()
    if role == EVALUATOR:
        return Campaign.objects.filter(raters__user=user).distinct()
    return Campaign.objects.none()


def can_see_results(user: Any, campaign: Any, unit: Any = None) -> bool:
    """Unpublished results need ``campaigns.view_all``; a unit contact sees their own
    unit's published results (``unit`` given) or the published campaign they are in."""
    if has(user, "campaigns.view_all"):
        return True
    if campaign.status not in PUBLISHED or not has(user, "results.view_own"):
        return False
    if unit is not None:
        return can_see_unit(user, unit)
    return visible_campaigns(user).filter(pk=campaign.pk).exists()


def can_fill_sheet(user: Any, assignment: Any) -> bool:
    """Back-to-back (R3.3): an evaluator fills only their own assignments, while open."""
    if not has(user, "sheets.fill"):
        return False
    return assignment.rater.user_id == user.pk and assignment.campaign.status == "open"
