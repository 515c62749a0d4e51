"""Reads of the ratings app, for the API and the pages.

Statistics live in :mod:`kaoping.ratings.stats`, comment analysis in
:mod:`kaoping.ratings.comments`, integrity flags in :mod:`kaoping.ratings.integrity`.
Nothing here returns a full phone number or a rater's identity: only masked forms.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from kaoping.accounts.permissions import can_see_unit, has
from kaoping.ledger.sql import prepared_cursor

from .models import (
    Appeal,
    AppealStatus,
    BadRatingCase,
    CaseStatus,
    FlagStatus,
    Hall,
    Rating,
    RatingFlag,
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
    return _transaction_lookup(external_id, reserve=False)[0]


def transaction_get_reserving(external_id: str) -> tuple[Transaction | None, int | None]:
    """As :func:`transaction_get`, plus an id reserved for its rating (PostgreSQL, else None).

    The API reserves the id in the same round trip as the look-up, so that
    :func:`~kaoping.ratings.services.rating_submit` can write the rating in one
    statement. A reserved id left unused is a gap in the ids, nothing more.
    """
    return _transaction_lookup(external_id, reserve=connection.vendor == "postgresql")


def _transaction_lookup(external_id: str, *, reserve: bool) -> tuple[Transaction | None, int | None]:
    if not isinstance(external_id, str) or not external_id or len(external_id) > 128:
        return None, None
    # Plain SQL: the API looks one up per rating, and compiling the ORM query cost more
    # than running it (bench/bench_ratings_load.py).
    sql, names, converters = _transaction_by_id_sql(connection.vendor, reserve)
    with prepared_cursor() if connection.vendor == "postgresql" else connection.cursor() as cursor:
        cursor.execute(sql, [external_id])
        row = cursor.fetchone()
    if row is None:
        return None, None
    values = list(row[:len(names)])
    for i, col, functions in converters:  # what the ORM's compiler applies (e.g. SQLite datetimes)
        for convert in functions:
            values[i] = convert(values[i], col, connection)
    return Transaction.from_db(connection.alias, names, values), (int(row[-1]) if reserve else None)


@cache
def _transaction_by_id_sql(vendor: str, reserve: bool) -> tuple[str, list[str], list[tuple[int, Any, list[Any]]]]:
    qn = connection.ops.quote_name
    table = Transaction._meta.db_table
    fields = Transaction._meta.concrete_fields
    cols = [f.get_col(table) for f in fields]
    converters = [(i, c, connection.ops.get_db_converters(c) + c.get_db_converters(connection))
                  for i, c in enumerate(cols)]
    select = ", ".join(qn(f.column) for f in fields)
    if reserve:  # evaluated for the matching row only: an unknown id reserves nothing
        select += f", nextval(pg_get_serial_sequence('{qn(Rating._meta.db_table)}', 'id'))"
    return (f"SELECT {select} FROM {qn(table)} WHERE {qn('external_id')} = %s",
            [f.attname for f in fields], [x for x in converters if x[2]])


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


def window_scope(user: Any) -> frozenset[int] | None:
    """Windows whose figures ``user`` may see: None for every window (office, supervisor,
    admin); for a unit contact the windows their unit answers for (the window's own unit,
    else its hall's — as :meth:`Window.responsible_unit_id`, which files the cases)."""
    if has(user, "ratings.manage") or has(user, "campaigns.view_all"):
        return None
    unit_id = getattr(user, "unit_id", None)
    if unit_id is None:
        return frozenset()
    return frozenset(Window.objects.filter(Q(unit_id=unit_id) | Q(unit__isnull=True, hall__unit_id=unit_id))
                     .values_list("pk", flat=True))


def staff_of_windows(window_ids: frozenset[int]) -> frozenset[int]:
    """The staff members who work at these windows."""
    return frozenset(StaffMember.objects.filter(window_id__in=window_ids).values_list("pk", flat=True))


def window_get(hall_code: str, window_code: str) -> Window | None:
    return Window.objects.select_related("hall").filter(hall__code=hall_code, code=window_code).first()


def staff_list() -> QuerySet[StaffMember]:
    return StaffMember.objects.select_related("window", "window__hall").order_by("code")


def items_list() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.order_by("code")


#: register name in the pages → its model
REGISTER_MODELS: dict[str, type] = {"halls": Hall, "windows": Window, "staff": StaffMember, "items": ServiceItem}


def register_get(kind: str, pk: int) -> Any:
    """One hall, window, staff member or service item (None when unknown)."""
    model = REGISTER_MODELS.get(kind)
    return model.objects.filter(pk=pk).first() if model else None


def unconfirmed_codes() -> dict[str, list[Any]]:
    """Codes registered on first use by business systems, for the office to confirm."""
    return {
        "halls": list(Hall.objects.filter(confirmed=False).order_by("code")),
        "windows": list(Window.objects.filter(confirmed=False).select_related("hall").order_by("hall__code", "code")),
        "staff": list(StaffMember.objects.filter(confirmed=False).order_by("code")),
        "items": list(ServiceItem.objects.filter(confirmed=False).order_by("code")),
    }


def kiosk_pending(window: Window, now: dt.datetime, recent_minutes: int) -> Transaction | None:
    """The transaction just served at this window and not rated yet (shown on its terminal)."""
    recent = now - dt.timedelta(minutes=recent_minutes)
    return (Transaction.objects.select_related("service_item", "hall", "window", "staff")
            .filter(window=window, rating__isnull=True, rate_until__gt=now, accepted_at__lte=now)
            .filter(Q(completed_at__gte=recent) | Q(completed_at__isnull=True, accepted_at__gte=recent))
            .order_by(Coalesce("completed_at", "accepted_at").desc(), "-pk").first())


def unrated_transactions(window: Window, now: dt.datetime, limit: int = 60) -> list[Transaction]:
    """A window's transactions that can still be rated, newest first (for its QR sheet)."""
    return list(Transaction.objects.select_related("service_item", "staff")
                .filter(window=window, rating__isnull=True, rate_until__gt=now).order_by("-accepted_at")[:limit])


def transactions_by_external_id(external_ids: list[str]) -> dict[str, Transaction]:
    """The known transactions among these business ids, by id."""
    wanted = sorted({i for i in external_ids if isinstance(i, str) and 0 < len(i) <= 128})
    found: dict[str, Transaction] = {}
    for start in range(0, len(wanted), 500):  # keep the IN list short on every database
        found.update((t.external_id, t) for t in Transaction.objects.filter(external_id__in=wanted[start:start + 500]))
    return found


def rated_transaction_ids(transaction_ids: list[int]) -> set[int]:
    """Which of these transactions (by primary key) already have their rating."""
    rated: set[int] = set()
    for start in range(0, len(transaction_ids), 500):
        rated.update(Rating.objects.filter(transaction_id__in=transaction_ids[start:start + 500])
                     .values_list("transaction_id", flat=True))
    return rated


# --------------------------------------------------------------------------- ratings, cases, appeals


def flags_of_month(period: dt.date, limit: int = 20,
                   window_ids: frozenset[int] | None = None) -> list[RatingFlag]:
    """Integrity flags of the month (R5.5), stored by ``integrity_scan``; open ones first.

    ``window_ids`` keeps the flags about those windows or their staff (a unit contact's).
    """
    qs = RatingFlag.objects.filter(period=period)
    if window_ids is not None:
        ids = sorted(window_ids)
        qs = qs.filter(Q(window_id__in=ids) | Q(window__isnull=True, staff__window_id__in=ids))
    open_first = Case(When(status=FlagStatus.OPEN, then=Value(0)), default=Value(1))
    return list(qs.select_related("window", "staff", "decided_by")
                .order_by(open_first, F("decided_at").desc(nulls_last=True), "-created_at", "-pk")[:limit])


def flag_get(pk: int) -> RatingFlag | None:
    """One integrity flag (None when a rescan has removed it)."""
    return RatingFlag.objects.select_related("window", "staff").filter(pk=pk).first()


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


def case_counts(user: Any, today: dt.date | None = None) -> dict[str, int]:
    """Open and overdue cases the user may handle (for the dashboard)."""
    return {"open": cases_for(user).exclude(status=CaseStatus.CLOSED).count(),
            "overdue": cases_for(user, overdue=True, today=today).count()}


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


def appeal_pending_get(pk: int) -> Appeal | None:
    return appeals_pending().filter(pk=pk).first()


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
