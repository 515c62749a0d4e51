"""Writes of the ratings app (R4): transactions, ratings, cases, appeals, tokens.

Every service is keyword-only and atomic, validates first and writes after, and
appends to the ledger in the same transaction for every rating, case step and appeal
decision. Lock order, to keep concurrent writers free of deadlocks: the ledger head
(:func:`~kaoping.ledger.services.ledger_lock`) first, then rows of this app (the
rating, the case, the summary rows in the order window → staff → item). Every writer
of ratings and summary rows holds the ledger lock, so the row locks after it are never
contended. The common rating — not a bad one, on PostgreSQL — is written in one
statement with its ledger entry (:func:`_rating_write_one_statement`), so the ledger
lock is held for that statement and its commit only.

Errors are :class:`RatingError` with a code the API maps to a status
(:data:`ERROR_STATUS`); nothing is written when one is raised.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection
from django.db import transaction as db_transaction
from django.utils import timezone

from kaoping.accounts.permissions import can_see_unit, has, require, role_of
from kaoping.engine import workdays
from kaoping.engine.errors import KaopingError
from kaoping.ledger.services import (
    actor_of,
    ledger_append,
    ledger_append_rowsets,
    ledger_append_with,
    ledger_lock,
    rowset,
    rowset_from_db,
)
from kaoping.ledger.sql import LOCKED_HEAD, insert_after_lock, insert_row, typed
from kaoping.ledger.tables import canonical_json, table

from . import pii
from .models import (
    BAD_LEVELS,
    ONLINE_ITEMS,
    ONSITE_ITEMS,
    STAFF_CHANNELS,
    ApiToken,
    Appeal,
    AppealStatus,
    BadRatingCase,
    CaseStatus,
    Hall,
    IdempotencyRecord,
    Rating,
    RatingChannel,
    RatingPolicy,
    RatingSummary,
    ServiceItem,
    StaffMember,
    SummaryKind,
    Transaction,
    Verdict,
    Window,
)

BEIJING = ZoneInfo("Asia/Shanghai")
CODE_MAX, ID_MAX, COMMENT_MAX, TAG_MAX, TAGS_MAX, NOTE_MAX = 64, 128, 2000, 32, 10, 4000


class RatingError(KaopingError):
    """A ratings write is refused; ``code`` says why (see :data:`ERROR_STATUS`)."""

    default_code = "invalid"


#: error code → HTTP status of the API (C4)
ERROR_STATUS: dict[str, int] = {
    "invalid": 422,
    "invalid_phone": 422,
    "rating_closed": 422,
    "not_ratable_yet": 422,
    "unknown_transaction": 404,
    "already_rated": 409,
    "transaction_conflict": 409,
    "conflict": 409,
    "not_found": 404,
    "forbidden": 403,
}


# --------------------------------------------------------------------------- helpers


def month_start(moment: dt.datetime | dt.date) -> dt.date:
    """First day of the month ``moment`` falls in, in Beijing time."""
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(BEIJING).date() if moment.tzinfo else moment.date()
    return moment.replace(day=1)


def working_deadline(start: dt.datetime, days: int) -> dt.date:
    """``days`` working days after ``start`` on the official calendar.

    Beyond the years the installed calendar knows, weekends alone are skipped (the
    State Council publishes each year's holidays late in the year before).
    """
    return workdays.deadline(start, days, estimate=True)


_policy_cache: tuple[float, RatingPolicy] | None = None


def policy_get(*, fresh: bool = False) -> RatingPolicy:
    """The policy row (created with the defaults when missing); cached for 10 s per process."""
    global _policy_cache
    now = time.monotonic()
    if not fresh and _policy_cache and now - _policy_cache[0] < 10:
        return _policy_cache[1]
    policy = RatingPolicy.objects.filter(pk=1).first() or RatingPolicy(pk=1)
    _policy_cache = (now, policy)
    return policy


@db_transaction.atomic
def policy_update(*, by: Any, **values: Any) -> RatingPolicy:
    """Change the configurable numbers (office only); the changes go into the ledger."""
    require(by, "ratings.manage")
    ledger_lock()
    policy = RatingPolicy.objects.select_for_update().filter(pk=1).first() or RatingPolicy(pk=1)
    changed: dict[str, list[Any]] = {}
    for name, value in values.items():
        if not hasattr(policy, name) or name in ("id", "updated_at"):
            raise RatingError(f"未知参数 {name}", location=name)
        if getattr(policy, name) != value:
            changed[name] = [getattr(policy, name), value]
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    ledger_append(action="rating_policy.update", actor=actor_of(by), object_type="rating_policy", object_id="1",
                  data={"changed": changed})
    global _policy_cache
    _policy_cache = None
    return policy


def _summary_add(rows: Sequence[Mapping[str, Any]]) -> None:
    """Add deltas to summary rows (created when missing), in one statement.

    ``rows`` are dicts with ``period``, ``kind``, ``key`` (and ``hall_id``) plus any
    counter columns; the caller passes them in the lock order window → staff → item.
    """
    if not rows:
        return
    ledger_lock()  # writers of summary rows hold the ledger lock first (module docstring)
    columns = tuple(sorted({c for r in rows for c in r} - {"period", "kind", "key", "hall_id"}))
    params = []
    for r in rows:
        params += [r["period"], r["kind"], r["key"], r.get("hall_id", 0), *(r.get(c, 0) for c in columns)]
    with connection.cursor() as cursor:
        cursor.execute(_summary_upsert_sql(columns, len(rows)), params)


def _summary_after_lock(period: dt.date, keys: list[tuple[str, int, int]],
                        deltas: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """The same ``deltas`` added to the summary rows ``keys`` (kind, key, hall) of
    ``period``, as one write for :func:`ledger_append_with`.

    The period and deltas are passed once: the statement of a rating stays under
    psycopg's 50 parameters, beyond which it parses the text anew on every call.
    """
    columns = tuple(sorted(deltas))
    params = [period, *(deltas[c] for c in columns)]
    for key in keys:
        params += key
    return _summary_after_lock_sql(columns, len(keys)), params


@functools.cache
def _summary_after_lock_sql(columns: tuple[str, ...], count: int) -> str:
    qn = connection.ops.quote_name
    t = qn(RatingSummary._meta.db_table)
    names = ", ".join(qn(n) for n in ("period", "kind", "key", "hall_id", *columns))
    field = RatingSummary._meta.get_field
    keys = ", ".join([f"({typed(field('kind'))}, {typed(field('key'))}, {typed(field('hall_id'))})"] * count)
    values = ", ".join(typed(field(c)) for c in columns)
    updates = ", ".join(f"{qn(c)} = {t}.{qn(c)} + excluded.{qn(c)}" for c in columns)
    return (f"INSERT INTO {t} ({names}) SELECT {typed(field('period'))}, k.kind, k.key, k.hall_id, {values} "
            f"FROM {LOCKED_HEAD}, (VALUES {keys}) AS k(kind, key, hall_id) "
            f"ON CONFLICT ({qn('period')}, {qn('kind')}, {qn('key')}) DO UPDATE SET {updates}")


@functools.cache
def _summary_upsert_sql(columns: tuple[str, ...], count: int) -> str:
    """The upsert text for ``count`` rows of ``columns`` (built once: every rating runs it)."""
    names = ["period", "kind", "key", "hall_id", *columns]
    qn = connection.ops.quote_name
    t = qn(RatingSummary._meta.db_table)
    values = ", ".join(["(" + ", ".join(["%s"] * len(names)) + ")"] * count)
    updates = ", ".join(f"{qn(c)} = {t}.{qn(c)} + excluded.{qn(c)}" for c in columns)
    return (f"INSERT INTO {t} ({', '.join(qn(n) for n in names)}) VALUES {values} "
            f"ON CONFLICT ({qn('period')}, {qn('kind')}, {qn('key')}) DO UPDATE SET {updates}")


def _summary_keys(*, window_id: int, hall_id: int, staff_id: int | None, item_id: int) -> list[tuple[str, int, int]]:
    """(kind, key, hall) of the summary rows one transaction counts in, in the lock order."""
    keys = [(SummaryKind.WINDOW.value, window_id, hall_id)]
    if staff_id is not None:
        keys.append((SummaryKind.STAFF.value, staff_id, hall_id))
    keys.append((SummaryKind.ITEM.value, item_id, 0))
    return keys


def _summary_rows(*, period: dt.date, window_id: int, hall_id: int, staff_id: int | None,
                  item_id: int, deltas: Mapping[str, Any]) -> list[dict[str, Any]]:
    keys = _summary_keys(window_id=window_id, hall_id=hall_id, staff_id=staff_id, item_id=item_id)
    return [{"period": period, "kind": kind, "key": key, "hall_id": hall, **deltas} for kind, key, hall in keys]


def _rating_deltas(rating: Rating, sign: int = 1) -> dict[str, Any]:
    if rating.is_default:
        return {"default_count": sign, "default_level_sum": sign * rating.level}
    return {"count": sign, f"n{rating.level}": sign, "level_sum": sign * rating.level,
            "real_name_bad": sign if rating.real_name and rating.level in BAD_LEVELS else 0}


def _ledger_row(key: str, obj: Any) -> dict[str, Any]:
    """Row set of one row as just written (its values in memory equal the stored ones)."""
    t = table(key)
    return rowset(key, [tuple(getattr(obj, a) for a in t.attnames)])


def _text(value: Any, field: str, *, max_length: int, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            raise RatingError(f"{field} 不能为空", location=field)
        return ""
    if not isinstance(value, str):
        raise RatingError(f"{field} 应为文本", location=field)
    value = value.strip()
    if required and not value:
        raise RatingError(f"{field} 不能为空", location=field)
    if len(value) > max_length:
        raise RatingError(f"{field} 超过 {max_length} 个字符", location=field)
    if "\x00" in value:
        raise RatingError(f"{field} 含有非法字符", location=field)
    return value


def _level(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise RatingError(f"{field} 应为 1–5 的整数（5 = 非常满意）", location=field)
    return value


def _moment(value: Any, field: str, *, required: bool = True) -> dt.datetime | None:
    if value is None:
        if required:
            raise RatingError(f"{field} 不能为空", location=field)
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise RatingError(f"{field} 应为 ISO 8601 时间（带时区，如 2025-06-01T09:30:00+08:00）",
                              location=field) from None
    if not isinstance(value, dt.datetime):
        raise RatingError(f"{field} 应为时间", location=field)
    if value.tzinfo is None or value.utcoffset() is None:
        raise RatingError(f"{field} 必须带时区偏移（如 +08:00）", location=field)
    if not 2000 <= value.year <= 2200:
        raise RatingError(f"{field} 年份超出范围", location=field)
    return value.astimezone(dt.UTC)


def _count(value: Any, field: str, *, maximum: int = 10**7) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise RatingError(f"{field} 应为 0–{maximum} 的整数", location=field)
    return value


# --------------------------------------------------------------------------- registers


def _ensure(model: type, lookup: dict[str, Any], defaults: dict[str, Any]) -> Any:
    """Get a register row by code, or register it unconfirmed (name = code) on first use."""
    obj = model.objects.filter(**lookup).first()
    if obj is not None:
        return obj
    try:
        with db_transaction.atomic():
            return model.objects.create(**lookup, **defaults)
    except IntegrityError:  # registered meanwhile by a concurrent request
        return model.objects.get(**lookup)


@db_transaction.atomic
def code_confirm(*, obj: Hall | Window | StaffMember | ServiceItem, name: str | None = None,
                 unit: Any = None, window: Window | None = None, by: Any) -> Any:
    """The office confirms a register row (a code registered on first use, or any row) and
    may rename it, set a hall's or window's responsible unit or a staff member's window.

    Setting a unit moves the open bad-rating cases of the windows it now answers for
    (those without a unit of their own, for a hall) to that unit, in the ledger.
    """
    require(by, "ratings.manage")
    ledger_lock()
    if name is not None:
        obj.name = _text(name, "name", max_length=200)
    if unit is not None and isinstance(obj, Hall | Window):
        obj.unit = unit
    if window is not None:
        if not isinstance(obj, StaffMember):
            raise RatingError("只有工作人员可以指定所在窗口", location="window")
        obj.window = window
    obj.confirmed = True
    obj.save()
    if unit is not None and isinstance(obj, Hall | Window):
        moved = _cases_rehome(obj)
        if moved:
            ledger_append(action="rating_case.rehome", actor=actor_of(by), object_type="rating_case",
                          object_id=obj.code, rows=[rowset_from_db("rating_case", moved)],
                          data={"unit": unit.pk, "cases": len(moved)})
    return obj


def _cases_rehome(obj: Hall | Window) -> list[int]:
    """Open cases of the windows ``obj`` answers for (a hall: those without a unit of their
    own) follow its new responsible unit; their ids."""
    target = obj.responsible_unit_id() if isinstance(obj, Window) else obj.unit_id
    cases = BadRatingCase.objects.exclude(status=CaseStatus.CLOSED).exclude(unit_id=target)
    cases = cases.filter(window=obj) if isinstance(obj, Window) else cases.filter(window__hall=obj,
                                                                                  window__unit__isnull=True)
    moved = sorted(cases.values_list("pk", flat=True))
    BadRatingCase.objects.filter(pk__in=moved).update(unit_id=target)
    return moved


@db_transaction.atomic
def kiosk_key_rotate(*, window: Window, by: Any) -> Window:
    """Withdraw a window's terminal address (a leaked or lost one): a new key, the old one
    refused from now on. Office only; recorded in the ledger."""
    require(by, "ratings.manage")
    ledger_lock()
    window = Window.objects.select_for_update().select_related("hall").get(pk=window.pk)
    window.kiosk_key_version += 1
    window.save(update_fields=["kiosk_key_version"])
    ledger_append(action="kiosk_key.rotate", actor=actor_of(by), object_type="window",
                  object_id=f"{window.hall.code}/{window.code}", data={"version": window.kiosk_key_version})
    return window


REGISTER_MODELS: dict[str, type] = {"hall": Hall, "window": Window, "staff": StaffMember, "item": ServiceItem}


@db_transaction.atomic
def register_create(*, kind: str, code: str, name: str, by: Any, hall: Hall | None = None, unit: Any = None,
                    window: Window | None = None) -> Any:
    """The office adds a hall, window, staff member or service item (``kind``) by hand.

    A window needs its ``hall``; ``unit`` applies to halls and windows, ``window`` to
    staff. Raises ``invalid`` for a bad field and ``conflict`` for a code already used
    (per hall for windows).
    """
    require(by, "ratings.manage")
    model = REGISTER_MODELS.get(kind)
    if model is None:
        raise RatingError(f"未知登记类型 {kind}", location="kind")
    values: dict[str, Any] = {"code": _text(code, "code", max_length=CODE_MAX),
                              "name": _text(name, "name", max_length=100 if model is StaffMember else 200)}
    if model is Window:
        if hall is None:
            raise RatingError("请选择窗口所属大厅", location="hall")
        values["hall"] = hall
    if model in (Hall, Window):
        values["unit"] = unit
    if model is StaffMember:
        values["window"] = window
    try:  # the unique constraint on the code (per hall for windows) answers "already used"
        with db_transaction.atomic():
            return model.objects.create(**values, confirmed=True)
    except IntegrityError:
        raise RatingError(f"代码 {values['code']} 已登记", code="conflict", location="code") from None


# --------------------------------------------------------------------------- transactions


TRANSACTION_KEYS = ("id", "service_item", "hall", "window", "staff", "channel", "applicant", "accepted_at",
                    "completed_at", "promised_minutes", "promised_days", "on_the_spot", "waiting_minutes")


def transaction_normalize(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a C4 transaction and return it in one canonical form (raises RatingError)."""
    if not isinstance(data, Mapping):
        raise RatingError("办件应为 JSON 对象")
    out: dict[str, Any] = {"id": _text(data.get("id"), "id", max_length=ID_MAX)}
    for key in ("service_item", "hall", "window"):
        out[key] = _text(data.get(key), key, max_length=CODE_MAX)
    out["staff"] = _text(data.get("staff"), "staff", max_length=CODE_MAX, required=False) or None
    out["channel"] = _text(data.get("channel"), "channel", max_length=32, required=False) or "onsite"
    applicant = data.get("applicant") or {}
    if not isinstance(applicant, Mapping):
        raise RatingError("applicant 应为对象 {name, phone}", location="applicant")
    name = _text(applicant.get("name"), "applicant.name", max_length=100, required=False)
    phone = _text(applicant.get("phone"), "applicant.phone", max_length=32, required=False)
    if phone:
        try:
            phone = pii.phone_normalize(phone)
        except pii.PIIError as exc:
            raise RatingError(exc.message, code="invalid", location="applicant.phone") from None
    out["applicant"] = {"name": name, "phone": phone}
    accepted = _moment(data.get("accepted_at"), "accepted_at")
    completed = _moment(data.get("completed_at"), "completed_at", required=False)
    assert accepted is not None
    if completed is not None and completed < accepted:
        raise RatingError("completed_at 早于 accepted_at", location="completed_at")
    out["accepted_at"] = accepted.isoformat(timespec="microseconds")
    out["completed_at"] = completed.isoformat(timespec="microseconds") if completed else None
    out["promised_minutes"] = _count(data.get("promised_minutes"), "promised_minutes")
    out["promised_days"] = _count(data.get("promised_days"), "promised_days", maximum=3650)
    spot = data.get("on_the_spot", False)
    if spot is None:
        spot = False
    if not isinstance(spot, bool):
        raise RatingError("on_the_spot 应为 true 或 false", location="on_the_spot")
    out["on_the_spot"] = spot
    waiting = data.get("waiting_minutes")
    if waiting is not None:
        if isinstance(waiting, bool) or not isinstance(waiting, int | float) or not 0 <= waiting <= 100_000:
            raise RatingError("waiting_minutes 应为 0–100000 的数", location="waiting_minutes")
        waiting = float(waiting)
    out["waiting_minutes"] = waiting
    return out


def _on_time(txn: Transaction) -> bool | None:
    """Completed within its promised time limit (None when there is nothing to compare)."""
    if txn.completed_at is None:
        return None
    took = txn.completed_at - txn.accepted_at
    if txn.promised_minutes is not None:
        return took <= dt.timedelta(minutes=txn.promised_minutes)
    if txn.promised_days is not None:
        return took <= dt.timedelta(days=txn.promised_days)
    return None


def _transaction_deltas(txn: Transaction) -> dict[str, Any]:
    on_time = _on_time(txn)
    deltas: dict[str, Any] = {"txn_count": 1, "txn_on_the_spot": int(txn.on_the_spot)}
    if on_time is not None:
        deltas.update(txn_timed=1, txn_on_time=int(on_time))
    if txn.waiting_minutes is not None:
        deltas.update(waiting_n=1, waiting_sum=txn.waiting_minutes)
    if txn.completed_at is not None:
        deltas.update(handling_n=1, handling_sum=(txn.completed_at - txn.accepted_at).total_seconds() / 60)
    return deltas


def transaction_receive(*, data: Mapping[str, Any], source: str = "api") -> tuple[Transaction, bool]:
    """Store a transaction from a business system; ``(transaction, created)``.

    The same ``id`` with the same content returns the stored transaction (created is
    False); with different content it raises ``transaction_conflict``. Unknown codes are
    registered unconfirmed on first use.
    """
    clean = transaction_normalize(data)
    digest = hashlib.sha256(canonical_json(clean).encode()).hexdigest()
    existing = Transaction.objects.filter(external_id=clean["id"]).first()
    if existing is not None:
        return _same_or_conflict(existing, digest), False
    try:
        return _transaction_create(clean=clean, digest=digest, source=source), True
    except IntegrityError:
        existing = Transaction.objects.filter(external_id=clean["id"]).first()
        if existing is None:
            raise
        return _same_or_conflict(existing, digest), False


def _same_or_conflict(existing: Transaction, digest: str) -> Transaction:
    if existing.content_hash != digest:
        raise RatingError(f"办件 {existing.external_id} 已存在且内容不同", code="transaction_conflict",
                          location="id")
    return existing


@db_transaction.atomic
def _transaction_create(*, clean: dict[str, Any], digest: str, source: str) -> Transaction:
    ledger_lock()
    hall = _ensure(Hall, {"code": clean["hall"]}, {"name": clean["hall"], "confirmed": False})
    window = _ensure(Window, {"hall": hall, "code": clean["window"]}, {"name": clean["window"], "confirmed": False})
    staff = None
    if clean["staff"]:
        staff = _ensure(StaffMember, {"code": clean["staff"]},
                        {"name": clean["staff"], "confirmed": False, "window": window})
    item = _ensure(ServiceItem, {"code": clean["service_item"]}, {"name": clean["service_item"], "confirmed": False})
    accepted = dt.datetime.fromisoformat(clean["accepted_at"])
    completed = dt.datetime.fromisoformat(clean["completed_at"]) if clean["completed_at"] else None
    base = completed or accepted
    phone, name = clean["applicant"]["phone"], clean["applicant"]["name"]
    txn = Transaction(
        external_id=clean["id"], service_item=item, hall=hall, window=window, staff=staff,
        channel=clean["channel"], applicant_name_masked=pii.mask_name(name),
        applicant_phone_hash=pii.phone_hash(phone) if phone else "",
        applicant_phone_masked=pii.mask_phone(phone) if phone else "",
        applicant_phone_sealed=pii.seal(phone) if phone else "",
        accepted_at=accepted, completed_at=completed, promised_minutes=clean["promised_minutes"],
        promised_days=clean["promised_days"], on_the_spot=clean["on_the_spot"],
        waiting_minutes=clean["waiting_minutes"],
        rate_until=base + dt.timedelta(days=policy_get().rating_days), period=month_start(base),
        content_hash=digest, source=source[:100],
    )
    txn.save(force_insert=True)
    _summary_add(_summary_rows(period=txn.period, window_id=window.pk, hall_id=hall.pk, staff_id=txn.staff_id,
                               item_id=item.pk, deltas=_transaction_deltas(txn)))
    return txn


# --------------------------------------------------------------------------- ratings


def rating_validate(*, transaction: Transaction, level: Any, items: Any = None, tags: Any = None,
                    comment: Any = "", channel: Any, rater_phone: Any = None,
                    now: dt.datetime | None = None) -> dict[str, Any]:
    """Check a rating before it is written (also usable by forms); returns clean values."""
    now = now or timezone.now()
    clean: dict[str, Any] = {"level": _level(level, "level")}
    allowed = ONLINE_ITEMS if transaction.online else ONSITE_ITEMS
    items = items or {}
    if not isinstance(items, Mapping):
        raise RatingError("items 应为对象 {分项代码: 1–5}", location="items")
    for code, value in items.items():
        if code not in allowed:
            raise RatingError(f"分项 {code} 不适用于该办件（可用：{'、'.join(allowed)}）", location=f"items.{code}")
        _level(value, f"items.{code}")
    clean["items"] = dict(items)
    tags = tags or []
    if not isinstance(tags, list | tuple) or len(tags) > TAGS_MAX:
        raise RatingError(f"tags 应为不超过 {TAGS_MAX} 个文本的列表", location="tags")
    clean["tags"] = list(dict.fromkeys(_text(t, f"tags[{i}]", max_length=TAG_MAX) for i, t in enumerate(tags)))
    clean["comment"] = _text(comment, "comment", max_length=COMMENT_MAX, required=False)
    if channel not in RatingChannel.values or channel == RatingChannel.DEFAULT:
        raise RatingError(f"channel 未知（可用：{'、'.join(c for c in RatingChannel.values if c != 'default')}）",
                          location="channel")
    clean["channel"] = channel
    phone = _text(rater_phone, "rater.phone", max_length=32, required=False)
    if phone:
        try:
            phone = pii.phone_normalize(phone)
        except pii.PIIError as exc:
            raise RatingError(exc.message, location="rater.phone") from None
    clean["phone"] = phone
    if now > transaction.rate_until:
        raise RatingError(f"办件 {transaction.external_id} 的评价期限已于 "
                          f"{transaction.rate_until.astimezone(BEIJING):%Y-%m-%d %H:%M} 截止",
                          code="rating_closed", location="transaction")
    if now < transaction.accepted_at - dt.timedelta(minutes=5):
        raise RatingError(f"办件 {transaction.external_id} 尚未受理，不能评价", code="not_ratable_yet",
                          location="transaction")
    return clean


def rating_submit(*, transaction: Transaction, level: int, items: Mapping[str, int] | None = None,
                  tags: Sequence[str] | None = None, comment: str = "", channel: str,
                  rater_phone: str | None = None, device: str | None = None, by: Any = None,
                  now: dt.datetime | None = None, idempotency: tuple[str, str] | None = None,
                  respond: Any = None, rating_id: int | None = None) -> Rating:
    """Record the one rating of ``transaction`` (R4.2) and, for a bad one, open its case.

    Raises ``already_rated`` (409) when the transaction has a rating, ``rating_closed``
    (422) when its rating window has passed, ``invalid`` (422) for a bad field. Staff
    entering a rating on a citizen's behalf (SMS, hotline, paper) need ``ratings.enter``.
    ``idempotency`` = (caller, key): the answer ``respond(rating)`` is stored with the
    rating, in the same transaction. ``rating_id``: an id reserved from the ratings'
    sequence (:func:`~kaoping.ratings.selectors.transaction_get`), which lets a rating
    that opens no case be written in one statement.
    """
    clean = rating_validate(transaction=transaction, level=level, items=items, tags=tags, comment=comment,
                            channel=channel, rater_phone=rater_phone, now=now)
    if channel in STAFF_CHANNELS and by is not None:
        require(by, "ratings.enter")
    if by is not None and rates_own_unit(by, transaction):
        raise RatingError(f"办件 {transaction.external_id} 属于本单位负责的窗口，本单位人员不能代为评价",
                          code="forbidden", location="transaction")
    rating = _rating_new(transaction=transaction, clean=clean, device=device, by=by, now=now or timezone.now())
    # no "already rated?" query first: the unique constraint answers it, one round trip fewer
    try:
        if (rating_id is not None and rating.level not in BAD_LEVELS and connection.vendor == "postgresql"
                and _rating_write_one_statement(rating, rating_id=rating_id, by=by, idempotency=idempotency,
                                                respond=respond)):
            return rating
        return _rating_create(rating=rating, transaction=transaction, by=by, idempotency=idempotency,
                              respond=respond)
    except IntegrityError:
        if Rating.objects.filter(transaction_id=transaction.pk).exists():
            raise RatingError(f"办件 {transaction.external_id} 已评价，不能重复评价", code="already_rated",
                              location="transaction") from None
        raise


def rates_own_unit(user: Any, transaction: Transaction) -> bool:
    """True when ``user`` is a unit contact whose unit answers for the transaction's window:
    they may not rate their own unit's service, by any channel."""
    unit_id = getattr(user, "unit_id", None)
    return (role_of(user) == "unit_contact" and unit_id is not None
            and transaction.window.responsible_unit_id() == unit_id)


def _rating_new(*, transaction: Transaction, clean: dict[str, Any], device: str | None, by: Any,
                now: dt.datetime) -> Rating:
    """The rating row to write, from validated values (not saved)."""
    phone = clean["phone"]
    user = by if by is not None and getattr(by, "pk", None) is not None else None
    return Rating(
        transaction=transaction, level=clean["level"], items=clean["items"], tags=clean["tags"],
        comment=clean["comment"], channel=clean["channel"], rated_at=now, period=month_start(now),
        hall_id=transaction.hall_id, window_id=transaction.window_id, staff_id=transaction.staff_id,
        service_item_id=transaction.service_item_id, real_name=bool(phone),
        rater_phone_hash=pii.phone_hash(phone) if phone else "",
        rater_phone_masked=pii.mask_phone(phone) if phone else "",
        rater_phone_sealed=pii.seal(phone) if phone and clean["level"] in BAD_LEVELS else "",
        device_hash=hashlib.sha256(device.encode()).hexdigest() if device else "",
        entered_by=user,
    )


def _rating_idempotency(rating: Rating, idempotency: tuple[str, str], respond: Any) -> IdempotencyRecord:
    scope, key = idempotency
    return IdempotencyRecord(scope=scope, key=key, endpoint="ratings", status=201,
                             body=respond(rating) if respond else {"id": rating.pk})


def _rating_entry(rating: Rating, by: Any, rows: list[dict[str, Any]], case: BadRatingCase | None) -> dict[str, Any]:
    return {"action": "rating.submit", "actor": actor_of(by, rating.channel), "object_type": "rating",
            "object_id": rating.transaction.external_id, "rows": rows,
            "data": {"level": rating.level, "channel": rating.channel, "case": case.pk if case else None}}


def _rating_write_one_statement(rating: Rating, *, rating_id: int, by: Any,
                                idempotency: tuple[str, str] | None, respond: Any) -> bool:
    """Write a rating that opens no case, its summary rows, its stored answer and its
    ledger entry in one statement (PostgreSQL; see :func:`ledger_append_with`).

    The same rows and entry as :func:`_rating_create`. False, with nothing written,
    when the ledger has no head row yet.
    """
    rating.pk = rating_id
    writes = [insert_after_lock(rating)]
    writes.append(_summary_after_lock(rating.period, _summary_keys(
        window_id=rating.window_id, hall_id=rating.hall_id, staff_id=rating.staff_id,
        item_id=rating.service_item_id), _rating_deltas(rating)))
    if idempotency is not None:
        writes.append(insert_after_lock(_rating_idempotency(rating, idempotency, respond)))
    if ledger_append_with(writes, **_rating_entry(rating, by, [_ledger_row("rating", rating)], None)) is None:
        rating.pk = None
        return False
    rating._state.adding, rating._state.db = False, connection.alias
    return True


@db_transaction.atomic
def _rating_create(*, rating: Rating, transaction: Transaction, by: Any, idempotency: tuple[str, str] | None,
                   respond: Any) -> Rating:
    ledger_lock()
    insert_row(rating)
    rows = [_ledger_row("rating", rating)]
    case = None
    if rating.level in BAD_LEVELS:
        case = _case_open(rating=rating, transaction=transaction, now=rating.rated_at)
        rows.append(_ledger_row("rating_case", case))
    _summary_add(_summary_rows(period=rating.period, window_id=rating.window_id, hall_id=rating.hall_id,
                               staff_id=rating.staff_id, item_id=rating.service_item_id,
                               deltas=_rating_deltas(rating)))
    if idempotency is not None:
        insert_row(_rating_idempotency(rating, idempotency, respond))
    ledger_append(**_rating_entry(rating, by, rows, case))
    return rating


def _case_open(*, rating: Rating, transaction: Transaction, now: dt.datetime) -> BadRatingCase:
    policy = policy_get()
    window = Window.objects.select_related("hall").get(pk=transaction.window_id)
    case = BadRatingCase(
        rating=rating, window=window, unit_id=window.responsible_unit_id(), status=CaseStatus.OPEN,
        callback_required=rating.real_name, opened_at=now,
        plan_due=working_deadline(now, policy.case_plan_days),
        done_due=working_deadline(now, policy.case_done_days),
    )
    case.save(force_insert=True)
    return case


# --------------------------------------------------------------------------- default levels


def ratings_default_fill(*, now: dt.datetime | None = None, limit: int = 50_000) -> int:
    """Count an expired unrated transaction as the policy's default level (R4.2).

    Off unless ``RatingPolicy.default_fill``; the rows are marked ``is_default`` and
    channel ``default`` and always reported apart. Returns how many were filled.
    """
    policy = policy_get(fresh=True)
    if not policy.default_fill:
        return 0
    now = now or timezone.now()
    filled = 0
    while filled < limit:
        with db_transaction.atomic():
            ledger_lock()  # before the ratings rows: the lock order of every ratings writer
            batch = list(Transaction.objects.filter(rate_until__lt=now, rating__isnull=True)
                         .order_by("pk")[:1000])
            if not batch:
                break
            ratings = [Rating(transaction=t, level=policy.default_level, channel=RatingChannel.DEFAULT,
                              rated_at=t.rate_until, period=month_start(t.rate_until), hall_id=t.hall_id,
                              window_id=t.window_id, staff_id=t.staff_id, service_item_id=t.service_item_id,
                              is_default=True) for t in batch]
            Rating.objects.bulk_create(ratings)
            ids = list(Rating.objects.filter(transaction__in=batch).values_list("pk", flat=True))
            for r in ratings:
                _summary_add(_summary_rows(period=r.period, window_id=r.window_id, hall_id=r.hall_id,
                                           staff_id=r.staff_id, item_id=r.service_item_id,
                                           deltas=_rating_deltas(r)))
            ledger_append_rowsets(action="rating.default_fill", actor="system", object_type="rating",
                                  object_id="default", rowsets=[rowset_from_db("rating", ids)],
                                  data={"level": policy.default_level})
            filled += len(batch)
    return filled


# --------------------------------------------------------------------------- cases


CASE_ACTIONS = ("callback", "verify", "plan", "rectify", "reply")


def _case_access(case: BadRatingCase, by: Any) -> None:
    require(by, "cases.handle")
    if not has(by, "ratings.manage") and (case.unit is None or not can_see_unit(by, case.unit)):
        raise RatingError("只能办理本单位的差评", code="forbidden")


@db_transaction.atomic
def case_advance(*, case: BadRatingCase, action: str, note: str = "", verdict: str | None = None,
                 by: Any, now: dt.datetime | None = None) -> BadRatingCase:
    """One step of a bad-rating case: ``callback``, ``verify``, ``plan``, ``rectify``, ``reply``.

    ``reply`` answers the rater and closes the case; it needs the call-back when the
    rating was real-name, a verdict, and — unless the verdict is 不属实 — the
    rectification. Closing counts the rating as rectified in the statistics.
    """
    _case_access(case, by)
    ledger_lock()
    case = BadRatingCase.objects.select_for_update().select_related("rating").get(pk=case.pk)
    now = now or timezone.now()
    if action not in CASE_ACTIONS:
        raise RatingError(f"未知操作 {action}", location="action")
    if case.status == CaseStatus.CLOSED:
        raise RatingError("该差评已办结", code="conflict")
    note = _text(note, "note", max_length=NOTE_MAX, required=action in ("plan", "rectify", "reply"))
    newly_rectified, first_callback = False, case.called_back_at is None
    if action == "callback":
        case.called_back_at, case.callback_note = now, note
        if case.status == CaseStatus.OPEN:
            case.status = CaseStatus.CALLED_BACK
    elif action == "verify":
        if verdict not in Verdict.values:
            raise RatingError("请选择核实结论", location="verdict")
        if case.callback_required and case.called_back_at is None:
            raise RatingError("实名差评须先回访评价人", code="conflict", location="action")
        case.verdict, case.verify_note, case.verified_at, case.status = verdict, note, now, CaseStatus.VERIFIED
    elif action == "plan":
        case.plan, case.planned_at, case.status = note, now, CaseStatus.RECTIFYING
    elif action == "rectify":
        if not case.verdict:
            raise RatingError("请先核实情况", code="conflict", location="action")
        newly_rectified = case.rectified_at is None
        case.rectification, case.rectified_at, case.status = note, now, CaseStatus.RECTIFIED
    elif action == "reply":
        if case.callback_required and case.called_back_at is None:
            raise RatingError("实名差评须 100% 回访后才能办结", code="conflict", location="action")
        if not case.verdict:
            raise RatingError("请先核实情况", code="conflict", location="action")
        if case.verdict != Verdict.NOT_FOUND and case.rectified_at is None:
            raise RatingError("情况属实的差评须先完成整改", code="conflict", location="action")
        if case.rectified_at is None:
            newly_rectified, case.rectified_at = True, now
        case.reply, case.closed_at, case.status = note, now, CaseStatus.CLOSED
    case.handler = by
    case.save()
    rating = case.rating
    deltas: dict[str, Any] = {}
    if newly_rectified and not rating.excluded:
        deltas["bad_rectified"] = 1
    if action == "callback" and first_callback and rating.real_name and not rating.excluded:
        deltas["called_back"] = 1
    if deltas:
        _summary_add(_summary_rows(period=rating.period, window_id=rating.window_id, hall_id=rating.hall_id,
                                   staff_id=rating.staff_id, item_id=rating.service_item_id, deltas=deltas))
    ledger_append(action=f"case.{action}", actor=actor_of(by), object_type="rating_case", object_id=str(case.pk),
                  rows=[rowset_from_db("rating_case", [case.pk])],
                  data={"status": case.status, "verdict": case.verdict})
    return case


def cases_check_deadlines(*, today: dt.date | None = None) -> dict[str, int]:
    """Counts of open cases past their plan / done deadline (for the daily command)."""
    today = today or timezone.localdate()
    open_cases = BadRatingCase.objects.exclude(status=CaseStatus.CLOSED)
    return {
        "plan_overdue": open_cases.filter(planned_at__isnull=True, plan_due__lt=today).count(),
        "done_overdue": open_cases.filter(rectified_at__isnull=True, done_due__lt=today).count(),
        "open": open_cases.count(),
    }


# --------------------------------------------------------------------------- appeals


@db_transaction.atomic
def appeal_file(*, rating: Rating, reason: str, evidence: str = "", by: Any,
                now: dt.datetime | None = None) -> Appeal:
    """A unit appeals a mistaken or malicious bad rating (R4.4)."""
    require(by, "cases.handle")
    reason = _text(reason, "reason", max_length=NOTE_MAX)
    evidence = _text(evidence, "evidence", max_length=NOTE_MAX, required=False)
    ledger_lock()
    rating = Rating.objects.select_for_update().get(pk=rating.pk)
    if rating.level not in BAD_LEVELS or rating.is_default:
        raise RatingError("只能对差评提出申诉", code="conflict", location="rating")
    if rating.excluded:
        raise RatingError("该差评已经申诉剔除", code="conflict", location="rating")
    case = BadRatingCase.objects.filter(rating=rating).select_related("unit").first()
    unit = case.unit if case else None
    if not has(by, "ratings.manage") and (unit is None or not can_see_unit(by, unit)):
        raise RatingError("只能对本单位的差评提出申诉", code="forbidden")
    if Appeal.objects.filter(rating=rating, status=AppealStatus.PENDING).exists():
        raise RatingError("该差评已有待复核的申诉", code="conflict", location="rating")
    appeal = Appeal.objects.create(rating=rating, unit=unit, reason=reason, evidence=evidence, filed_by=by,
                                   filed_at=now or timezone.now())
    ledger_append(action="appeal.file", actor=actor_of(by), object_type="rating_appeal", object_id=str(appeal.pk),
                  rows=[rowset_from_db("rating_appeal", [appeal.pk])], data={"rating": rating.pk})
    return appeal


@db_transaction.atomic
def appeal_decide(*, appeal: Appeal, uphold: bool, note: str, by: Any,
                  now: dt.datetime | None = None) -> Appeal:
    """A reviewer decides; only an upheld appeal excludes the rating, in the ledger."""
    require(by, "appeals.decide")
    note = _text(note, "note", max_length=NOTE_MAX)
    ledger_lock()
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status != AppealStatus.PENDING:
        raise RatingError("该申诉已复核", code="conflict")
    if appeal.filed_by_id == getattr(by, "pk", None):
        raise RatingError("申诉人不能复核自己的申诉", code="forbidden")
    rating = Rating.objects.select_for_update().get(pk=appeal.rating_id)
    appeal.status = AppealStatus.UPHELD if uphold else AppealStatus.REJECTED
    appeal.decided_by, appeal.decided_at, appeal.decision_note = by, now or timezone.now(), note
    appeal.save()
    rows = [rowset_from_db("rating_appeal", [appeal.pk])]
    if uphold:
        rating.excluded = True
        rating.save(update_fields=["excluded"])
        deltas = {k: -v for k, v in _rating_deltas(rating).items()}
        deltas["excluded"] = 1
        case = BadRatingCase.objects.select_for_update().filter(rating=rating).first()
        if case is not None and case.rectified_at is not None:
            deltas["bad_rectified"] = -1
        if case is not None and rating.real_name and case.called_back_at is not None:
            deltas["called_back"] = -1
        if case is not None and case.status != CaseStatus.CLOSED:
            # the rating no longer counts: its case is closed by the decision, not left overdue
            case.status, case.closed_at = CaseStatus.CLOSED, appeal.decided_at
            case.reply = case.reply or f"申诉成立，该差评已剔除：{note}"
            case.save(update_fields=["status", "closed_at", "reply"])
            rows.append(rowset_from_db("rating_case", [case.pk]))
        _summary_add(_summary_rows(period=rating.period, window_id=rating.window_id, hall_id=rating.hall_id,
                                   staff_id=rating.staff_id, item_id=rating.service_item_id, deltas=deltas))
        rows.append(rowset_from_db("rating", [rating.pk]))
    ledger_append(action="appeal.decide", actor=actor_of(by), object_type="rating_appeal", object_id=str(appeal.pk),
                  rows=rows, data={"rating": rating.pk, "upheld": uphold})
    return appeal


# --------------------------------------------------------------------------- summary rebuild


@db_transaction.atomic
def summary_rebuild(*, periods: Iterable[dt.date] | None = None) -> int:
    """Recompute the monthly summary from the raw rows (all months, or those given).

    For bulk loads (COPY) and as a check of the incremental upkeep. Returns the rows written.
    """
    from . import stats

    ledger_lock()  # no rating is written meanwhile, so the rebuilt counts are exact
    return stats.summary_rebuild_sql(periods=list(periods) if periods is not None else None)


# --------------------------------------------------------------------------- tokens


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@db_transaction.atomic
def token_create(*, name: str) -> tuple[ApiToken, str]:
    """A new token for a business system; the raw token is returned once and never stored."""
    name = _text(name, "name", max_length=100)
    if ApiToken.objects.filter(name=name).exists():
        raise RatingError(f"系统 {name} 已有令牌（先吊销再创建）", code="conflict", location="name")
    raw = "kp_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(name=name, token_hash=_token_digest(raw), prefix=raw[:10])
    return token, raw


@db_transaction.atomic
def token_revoke(*, name: str) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(name=name).first()
    if token is None:
        raise RatingError(f"没有名为 {name} 的令牌", code="not_found", location="name")
    # revoked tokens keep their row (audit) under a freed name, so the system can get a new one
    _token_cache.clear()
    token.revoked_at = timezone.now()
    token.name = f"{name}（已吊销 {token.revoked_at:%Y%m%d%H%M%S}-{token.pk}）"[:100]
    token.save()
    return token


#: digest → (checked at, token): a worker re-reads a token at most every TOKEN_CACHE_SECONDS
_token_cache: dict[str, tuple[float, ApiToken]] = {}
TOKEN_CACHE_SECONDS = 5.0


def token_authenticate(raw: str) -> ApiToken | None:
    """The active token ``raw`` stands for; touches ``last_used_at`` at most once a minute.

    A worker process remembers a valid token for :data:`TOKEN_CACHE_SECONDS`, so a
    revocation takes effect everywhere within that time (one query fewer per request).
    """
    if not raw or len(raw) > 200:
        return None
    digest = _token_digest(raw)
    cached = _token_cache.get(digest)
    if cached is not None and time.monotonic() - cached[0] < TOKEN_CACHE_SECONDS:
        return cached[1]
    token = ApiToken.objects.filter(token_hash=digest, revoked_at__isnull=True).first()
    if token is None:
        _token_cache.pop(digest, None)
        return None
    if len(_token_cache) > 1000:
        _token_cache.clear()
    _token_cache[digest] = (time.monotonic(), token)
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def idempotent_answer(*, scope: str, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(scope=scope, key=key).first()
