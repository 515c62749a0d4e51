"""``/api/v1/`` endpoints of the ratings app (CONTRACTS.md C4).

Business systems authenticate with ``Authorization: Bearer <token>`` (``kaoping token
create NAME``); people with their session (and the CSRF token) and a capability.
Handlers only parse, call a service or selector and shape the answer; errors become
``{"error": code, "detail": message}`` (see :mod:`kaoping.config.api`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any, Literal

from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.security import HttpBearer, SessionAuth

from kaoping.accounts.permissions import has

from . import selectors, services, stats
from .links import rating_path
from .models import ApiToken

JSON = "application/json; charset=utf-8"
#: a JSON escape of U+0000 (an escaped backslash before "u0000" is plain text, not one)
NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
#: largest request body the ratings endpoints read (a rating is well under 4 KB)
MAX_BODY = 64 * 1024

router = Router(tags=["好差评"])


class PayloadTooLarge(Exception):
    """The request body is larger than :data:`MAX_BODY`."""


class ApiError(Exception):
    """An error answer ``{"error": code, "detail": detail}`` with ``status``."""

    def __init__(self, status: int, code: str, detail: str):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def body_limit(request: HttpRequest) -> None:
    """First 'auth' step: refuse an oversized body before anything reads it (413), and a
    body without a length (``Transfer-Encoding: chunked``, 411), which WSGI leaves unread."""
    if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        raise ApiError(411, "length_required", "请求须带 Content-Length（不支持分块传输）")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise PayloadTooLarge()
    if length and NUL_ESCAPE.search(request.body):  # PostgreSQL text holds no NUL character
        raise ApiError(422, "invalid", "请求中含有非法字符 U+0000")
    return None


class BearerToken(HttpBearer):
    """A business system's token (hashed at rest; last use recorded)."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return services.token_authenticate(token)


class SessionCapability(SessionAuth):
    """A logged-in person holding ``capability`` (CSRF checked on writes)."""

    def __init__(self, capability: str):
        super().__init__()
        self.capability = capability

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)  # absent on the token handler (config/wsgi.py)
        return user if user is not None and user.is_authenticated and has(user, self.capability) else None


def _auth(capability: str) -> list[Any]:
    return [body_limit, BearerToken(), SessionCapability(capability)]


def _scope(request: HttpRequest) -> str:
    caller = request.auth  # type: ignore[attr-defined]
    return f"token:{caller.pk}" if isinstance(caller, ApiToken) else f"user:{caller.pk}"


def _source(request: HttpRequest) -> str:
    caller = request.auth  # type: ignore[attr-defined]
    return caller.name if isinstance(caller, ApiToken) else f"user:{caller.get_username()}"


# --------------------------------------------------------------------------- schemas

Code = Annotated[str, Field(min_length=1, max_length=64)]
LevelInt = Annotated[int, Field(ge=1, le=5, strict=True)]


class ErrorOut(Schema):
    error: str = Field(..., description="错误代码，如 invalid、unknown_transaction、already_rated")
    detail: str = Field(..., description="中文说明")


class ApplicantIn(Schema):
    name: Annotated[str, Field(max_length=100)] | None = None
    phone: Annotated[str, Field(max_length=32)] | None = None


class TransactionIn(Schema):
    id: Annotated[str, Field(min_length=1, max_length=128)] = Field(..., description="办件编号（业务系统唯一）")
    service_item: Code
    hall: Code
    window: Code
    staff: Annotated[str, Field(max_length=64)] | None = None
    channel: Annotated[str, Field(max_length=32)] | None = Field(None, description="办理渠道，如 onsite、online")
    applicant: ApplicantIn | None = None
    accepted_at: dt.datetime = Field(..., description="ISO 8601，带时区偏移")
    completed_at: dt.datetime | None = None
    promised_minutes: Annotated[int, Field(ge=0, le=10_000_000, strict=True)] | None = None
    promised_days: Annotated[int, Field(ge=0, le=3650, strict=True)] | None = None
    on_the_spot: Annotated[bool, Field(strict=True)] | None = False
    waiting_minutes: Annotated[float, Field(ge=0, le=100_000)] | None = None


class ApplicantOut(Schema):
    name: str
    phone: str


class TransactionOut(Schema):
    id: str
    service_item: str
    hall: str
    window: str
    staff: str | None
    channel: str
    applicant: ApplicantOut
    accepted_at: str
    completed_at: str | None
    promised_minutes: int | None
    promised_days: int | None
    on_the_spot: bool
    waiting_minutes: float | None
    rate_until: str
    rating_url: str = Field(..., description="该办件的评价链接（已签名，免登录）：用于短信或二维码，发给办事人")


class RaterIn(Schema):
    phone: Annotated[str, Field(max_length=32)] | None = None


RatingChannelIn = Literal["kiosk", "qr", "mobile", "app", "sms", "hotline", "paper", "api"]


class RatingIn(Schema):
    transaction: Annotated[str, Field(min_length=1, max_length=128)] = Field(..., description="办件编号")
    level: LevelInt = Field(..., description="1–5，5 = 非常满意")
    items: dict[Annotated[str, Field(max_length=32)], LevelInt] | None = None
    tags: Annotated[list[Annotated[str, Field(min_length=1, max_length=32)]], Field(max_length=10)] | None = None
    comment: Annotated[str, Field(max_length=2000)] | None = None
    channel: RatingChannelIn | None = "api"
    rater: RaterIn | None = None


class CaseOut(Schema):
    id: int
    status: str
    plan_due: str
    done_due: str


class RaterOut(Schema):
    phone: str | None


class RatingOut(Schema):
    id: int
    transaction: str
    level: int
    items: dict[str, int]
    tags: list[str]
    comment: str
    channel: str
    rated_at: str
    is_default: bool
    rater: RaterOut
    case: CaseOut | None


class WindowStatOut(Schema):
    hall: str
    window: str
    count: int
    levels: dict[Literal["1", "2", "3", "4", "5"], int]
    good_rate: float
    bad_count: int
    bad_rectified: int
    satisfaction: float
    rank: int


class PeriodQuery(Schema):
    period: str = Field(..., pattern=r"^\d{4}-\d{2}$", description="统计月份 YYYY-MM（北京时间，按评价时间）")


ERRORS = {400: ErrorOut, 401: ErrorOut, 411: ErrorOut, 413: ErrorOut, 422: ErrorOut}


# --------------------------------------------------------------------------- endpoints


@router.post("/transactions", auth=_auth("ratings.manage"), response={201: TransactionOut, 200: TransactionOut,
             409: ErrorOut, **ERRORS}, summary="报送办件")
def transaction_post(request: HttpRequest, payload: TransactionIn):
    """A service transaction (办件); the same ``id`` with the same content answers 200."""
    try:
        txn, created = services.transaction_receive(data=payload.model_dump(), source=_source(request))
    except services.RatingError as exc:
        raise _api_error(exc) from None
    body = {**selectors.transaction_to_api(txn), "rating_url": request.build_absolute_uri(rating_path(txn.external_id))}
    return Status(201 if created else 200, body)


@router.post("/ratings", auth=_auth("ratings.enter"), response={201: RatingOut, 404: ErrorOut, 409: ErrorOut,
             **ERRORS}, summary="提交评价")
def rating_post(request: HttpRequest, payload: RatingIn,
                idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None):
    """One rating of one transaction. A repeated ``Idempotency-Key`` returns the earlier answer."""
    scope = _scope(request)
    key = (idempotency_key or "").strip()[:200] or None
    if key and "\x00" in key:
        raise ApiError(422, "invalid", "Idempotency-Key 含有非法字符 U+0000")
    # A replay needs no look-up first: its rating exists (409 below) or its key does
    # (IntegrityError below), and either way the stored answer is returned.
    txn, rating_id = selectors.transaction_get_reserving(payload.transaction)
    if txn is None:
        if key and (earlier := services.idempotent_answer(scope=scope, key=key)) is not None:
            return Status(earlier.status, earlier.body)
        raise ApiError(404, "unknown_transaction", f"办件 {payload.transaction} 不存在")
    rater = payload.rater.phone if payload.rater else None
    answers: list[dict[str, Any]] = []  # the answer is made once: stored with the key, and sent

    def respond(rating: Any) -> dict[str, Any]:
        answers.append(selectors.rating_to_api(rating))
        return answers[-1]

    try:
        rating = services.rating_submit(
            transaction=txn, level=payload.level, items=payload.items or {}, tags=payload.tags or [],
            comment=payload.comment or "", channel=payload.channel or "api", rater_phone=rater,
            by=None if isinstance(request.auth, ApiToken) else request.auth,  # type: ignore[attr-defined]
            idempotency=(scope, key) if key else None, respond=respond, rating_id=rating_id,
        )
    except (services.RatingError, IntegrityError) as exc:
        if key:  # a concurrent twin with the same key may have won: answer as it did
            earlier = services.idempotent_answer(scope=scope, key=key)
            if earlier is not None:
                return Status(earlier.status, earlier.body)
        if isinstance(exc, IntegrityError):
            raise ApiError(409, "conflict", "并发写入冲突，请重试") from None
        raise _api_error(exc) from None
    # Rendered here, as ninja would (tests hold the two equal): ninja's check of the answer
    # against RatingOut cost a sixth of the call's CPU, and the answer is ours to shape.
    return HttpResponse(json.dumps(answers[-1] if answers else respond(rating)), status=201, content_type=JSON)


@router.get("/stats/windows", auth=_auth("ratings.view"), response={200: list[WindowStatOut], **ERRORS},
            summary="窗口月度好差评统计")
def stats_windows(request: HttpRequest, query: Query[PeriodQuery]):
    """One row per window rated in the month, ranked by satisfaction (ties share a rank)."""
    try:
        period = stats.parse_period(query.period)
    except ValueError:
        raise ApiError(422, "invalid", f"period 应为 YYYY-MM，实际为 {query.period!r}") from None
    return Status(200, stats.window_stats(period))


def _api_error(exc: services.RatingError) -> ApiError:
    status = services.ERROR_STATUS.get(exc.code, 422)
    return ApiError(status, exc.code, str(exc))
