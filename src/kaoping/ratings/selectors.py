"""Reads of the ratings app, for the API and the pages.

Statistics live in :mod:`kaoping.ratings.stats`, comment analysis in
:mod:`kaoping.ratings.comments`, integrity flags in :mod:`kaoping.ratings.integrity`.
Nothing here returns a full phone number or a rater's identity: only masked forms.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from kaoping.accounts.permissions import can_see_unit, has

from .models import (
    Appeal,
    AppealStatus,
    BadRatingCase,
    CaseStatus,
    Hall,
    Rating,
    ServiceItem,
    StaffMember,
    Transaction,
    Window,
)


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


# --------------------------------------------------------------------------- single records


def transaction_get(external_id: str) -> Transaction | None:
    """The transaction with this business id (None when unknown)."""
    if not isinstance(external_id, str) or not external_id or len(external_id) > 128:
        return None
    return Transaction.objects.filter(external_id=external_id).first()


def transaction_for_rating(external_id: str) -> Transaction | None:
    """As :func:`transaction_get`, with what a rating page shows (item, hall, window, staff)."""
    if not isinstance(external_id, str) or not external_id or len(external_id) > 128:
        return None
    return (Transaction.objects.select_related("service_item", "hall", "window", "staff")
            .filter(external_id=external_id).first())


def transaction_to_api(txn: Transaction) -> dict[str, Any]:
    """A transaction as the API returns it (applicant masked)."""
    codes = (Transaction.objects.filter(pk=txn.pk)
             .values_list("service_item__code", "hall__code", "window__code", "staff__code").get())
    return {
        "id": txn.external_id, "service_item": codes[0], "hall": codes[1], "window": codes[2],
        "staff": codes[3], "channel": txn.channel,
        "applicant": {"name": txn.applicant_name_masked, "phone": txn.applicant_phone_masked},
        "accepted_at": _iso(txn.accepted_at), "completed_at": _iso(txn.completed_at),
        "promised_minutes": txn.promised_minutes, "promised_days": txn.promised_days,
        "on_the_spot": txn.on_the_spot, "waiting_minutes": txn.waiting_minutes,
        "rate_until": _iso(txn.rate_until),
    }


def rating_to_api(rating: Rating) -> dict[str, Any]:
    """A rating as the API returns it (no rater data but the masked phone)."""
    if Rating.case.is_cached(rating):
        case = rating.case
    else:
        case = BadRatingCase.objects.filter(rating_id=rating.pk).first() if rating.level <= 2 else None
    return {
        "id": rating.pk, "transaction": rating.transaction.external_id, "level": rating.level,
        "items": rating.items, "tags": rating.tags, "comment": rating.comment, "channel": rating.channel,
        "rated_at": _iso(rating.rated_at), "is_default": rating.is_default,
        "rater": {"phone": rating.rater_phone_masked or None},
        "case": None if case is None else {
            "id": case.pk, "status": case.status, "plan_due": case.plan_due.isoformat(),
            "done_due": case.done_due.isoformat(),
        },
    }


# --------------------------------------------------------------------------- registers


def halls() -> QuerySet[Hall]:
    return Hall.objects.order_by("code")


def windows(hall: Hall | None = None) -> QuerySet[Window]:
    qs = Window.objects.select_related("hall").order_by("hall__code", "code")
    return qs.filter(hall=hall) if hall else qs


def window_get(hall_code: str, window_code: str) -> Window | None:
    return Window.objects.select_related("hall").filter(hall__code=hall_code, code=window_code).first()


def unconfirmed_codes() -> dict[str, list[Any]]:
    """Codes registered on first use by business systems, for the office to confirm."""
    return {
        "halls": list(Hall.objects.filter(confirmed=False).order_by("code")),
        "windows": list(Window.objects.filter(confirmed=False).select_related("hall").order_by("hall__code", "code")),
        "staff": list(StaffMember.objects.filter(confirmed=False).order_by("code")),
        "items": list(ServiceItem.objects.filter(confirmed=False).order_by("code")),
    }


# --------------------------------------------------------------------------- ratings, cases, appeals


def ratings_of_window(window: Window, period: dt.date | None = None) -> QuerySet[Rating]:
    qs = Rating.objects.filter(window=window).select_related("transaction", "service_item").order_by("-rated_at")
    return qs.filter(period=period) if period else qs


def cases_for(user: Any, *, status: str | None = None, overdue: bool | None = None,
              today: dt.date | None = None) -> QuerySet[BadRatingCase]:
    """Bad-rating cases the user may handle: all for the office, own unit's for a contact."""
    qs = (BadRatingCase.objects.select_related("rating", "rating__transaction", "rating__service_item",
                                               "window", "window__hall", "unit")
          .order_by("-opened_at"))
    if not has(user, "ratings.manage") and not has(user, "appeals.decide"):
        if not has(user, "cases.handle") or user.unit_id is None:
            return qs.none()
        qs = qs.filter(unit_id=user.unit_id)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        today = today or timezone.localdate()
        qs = qs.exclude(status=CaseStatus.CLOSED).filter(
            Q(planned_at__isnull=True, plan_due__lt=today) | Q(rectified_at__isnull=True, done_due__lt=today))
    return qs


def case_get_for(user: Any, pk: int) -> BadRatingCase | None:
    case = cases_for(user).filter(pk=pk).first()
    if case is None:
        return None
    if case.unit is not None and not has(user, "ratings.manage") and not has(user, "appeals.decide") \
            and not can_see_unit(user, case.unit):
        return None
    return case


def case_overdue(case: BadRatingCase, today: dt.date | None = None) -> dict[str, bool]:
    """Which deadlines of an open case have passed."""
    today = today or timezone.localdate()
    open_ = case.status != CaseStatus.CLOSED
    return {"plan": open_ and case.planned_at is None and case.plan_due < today,
            "done": open_ and case.rectified_at is None and case.done_due < today}


def case_rater_phone(case: BadRatingCase, by: Any) -> str:
    """The full phone number for the call-back: only the evaluation office calls back, a
    rated unit never learns who rated it (R10.2)."""
    from kaoping.accounts.permissions import has

    from . import pii

    if not has(by, "ratings.manage") or case_get_for(by, case.pk) is None:
        return ""
    return pii.unseal(case.rating.rater_phone_sealed)


def appeals_pending() -> QuerySet[Appeal]:
    return (Appeal.objects.filter(status=AppealStatus.PENDING)
            .select_related("rating", "rating__window", "rating__window__hall", "unit").order_by("filed_at"))


def public_window_record(window: Window, *, months: int = 12, until: dt.date | None = None) -> dict[str, Any]:
    """What the public may see of a window (R4.7): monthly figures and how bad ratings were
    handled — verdict, rectification and reply, with no rater data at all."""
    from . import stats
    from .services import month_start

    until = until or month_start(timezone.now())
    cases = (BadRatingCase.objects.filter(window=window, status=CaseStatus.CLOSED, rating__excluded=False)
             .select_related("rating").order_by("-closed_at")[:20])
    return {
        "window": window, "trend": stats.trend("window", window.pk, months, until=until),
        "cases": [{"rated_at": c.rating.rated_at, "level": c.rating.level, "verdict": c.get_verdict_display(),
                   "rectification": c.rectification, "reply": c.reply, "closed_at": c.closed_at} for c in cases],
    }
