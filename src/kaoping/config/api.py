"""The HTTP API ``/api/v1/`` (CONTRACTS.md C4): one NinjaAPI, a router per app.

Every error answer is ``{"error": "<code>", "detail": "<message>"}`` with a 4xx status:
ninja's own validation and authentication errors are mapped here too, so a client
never sees two shapes of error.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kaoping.ratings.api import ApiError, PayloadTooLarge
from kaoping.ratings.api import router as ratings_router

api = NinjaAPI(
    title="考评 Kaoping API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error(request: HttpRequest, status: int, code: str, detail: str) -> HttpResponse:
    return api.create_response(request, {"error": code, "detail": detail}, status=status)


#: pydantic error type → Chinese message (``{…}`` filled from the error's context)
MESSAGES = {
    "missing": "缺少该字段",
    "int_type": "应为整数", "int_parsing": "应为整数", "int_from_float": "应为整数",
    "float_type": "应为数字", "float_parsing": "应为数字", "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false", "string_type": "应为文本", "dict_type": "应为对象",
    "list_type": "应为列表", "model_type": "应为对象", "model_attributes_type": "应为对象",
    "less_than_equal": "应不大于 {le}", "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}", "greater_than": "应大于 {gt}",
    "string_too_long": "不能超过 {max_length} 个字符", "string_too_short": "不能为空",
    "too_long": "最多 {max_length} 项", "literal_error": "应为以下之一：{expected}",
    "string_pattern_mismatch": "格式不正确", "datetime_type": "应为 ISO 8601 时间",
    "datetime_parsing": "应为 ISO 8601 时间（如 2025-06-01T09:30:00+08:00）",
    "datetime_from_date_parsing": "应为 ISO 8601 时间（如 2025-06-01T09:30:00+08:00）",
    "timezone_aware": "必须带时区偏移（如 +08:00）", "json_invalid": "不是合法的 JSON",
}


def _message(err: dict) -> str:
    template = MESSAGES.get(str(err.get("type", "")))
    if template is None:
        return "格式不正确"
    try:
        return template.format(**(err.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return template.split("{")[0].strip() or "格式不正确"


def _where(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query")]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = exc.errors or []
    if errors and isinstance(errors[0], dict):
        first = errors[0]
        detail = f"{_where(tuple(first.get('loc', ())))}：{_message(first)}"
        if len(errors) > 1:
            detail += f"（另有 {len(errors) - 1} 处错误）"
    else:
        detail = "请求格式不正确"
    return error(request, 422, "invalid", detail)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error(request, 401, "unauthorized", "缺少或无效的访问令牌（Authorization: Bearer <token>）")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(PayloadTooLarge)
@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(request, 413, "payload_too_large", "请求体过大")


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error(request, exc.status, exc.code, exc.detail)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error(request, 403, "forbidden", "没有权限")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", "不存在")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return error(request, 400, "malformed", "请求体不是合法的 JSON")
    return error(request, exc.status_code, "error", str(exc))


api.add_router("/", ratings_router)
