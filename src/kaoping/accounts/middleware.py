"""Session time-out notice, optional password expiry and the request audit trail (R10.3).

A refusal (``PermissionDenied``, from a view, a decorator or a middleware) is answered by
Django's own handler with ``templates/403.html`` — one page for every refusal, status 403
— and recorded here like any other 403.

Order in ``MIDDLEWARE``: after authentication and messages, before ``AxesMiddleware``.

* **Idle time-out.** ``SESSION_COOKIE_AGE`` (30 min) with ``SESSION_SAVE_EVERY_REQUEST``
  ends a session after 30 idle minutes, and the browser drops the session cookie with
  it. To tell the person why they are back at the log-in page, a signed marker cookie
  (browser-session lifetime, the login name) is kept while they are logged in; a
  request that carries the marker but no live session gets a message and an audit event.
* **Password expiry** (``PASSWORD_MAX_AGE_DAYS``, 0 = off): a logged-in user whose
  password is older is sent to the password change page.
* **Audit.** Every non-GET request by a logged-in user is recorded (method, path,
  status, posted field names — never values), and every 403. Requests already recorded
  by an auth signal (log-in, log-out) are not recorded twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.signing import BadSignature
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .context import CURRENT_REQUEST
from .models import AuditAction, AuditOutcome
from .services import audit_record

MARKER = "kaoping_session_user"
MARKER_SALT = "kaoping.accounts.session-marker"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
NOT_AUDITED_FIELDS = {"csrfmiddlewaretoken"}


def _skipped(path: str) -> bool:
    static = "/" + settings.STATIC_URL.lstrip("/")
    return path.startswith(static) or path == "/favicon.ico"


class AccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _skipped(request.path):
            return self.get_response(request)
        token = CURRENT_REQUEST.set(request)
        try:
            self._notice_expired_session(request)
            response = self._password_expired(request) or self.get_response(request)
            self._audit(request, response)
            self._keep_marker(request, response)
            return response
        finally:
            CURRENT_REQUEST.reset(token)

    # ------------------------------------------------------------------ idle time-out

    def _notice_expired_session(self, request: HttpRequest) -> None:
        if MARKER not in request.COOKIES or request.user.is_authenticated:
            return
        try:
            username = request.get_signed_cookie(MARKER, salt=MARKER_SALT)
        except BadSignature:
            return
        minutes = settings.SESSION_COOKIE_AGE // 60
        messages.warning(request, _("您已超过 %(n)d 分钟未操作，为保护账号安全已自动退出，请重新登录。") % {"n": minutes})
        audit_record(action=AuditAction.SESSION_EXPIRED, request=request, username=username,
                     detail=f"空闲超过 {minutes} 分钟")
        request.kaoping_session_expired = True  # type: ignore[attr-defined]

    def _keep_marker(self, request: HttpRequest, response: HttpResponse) -> None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if MARKER not in request.COOKIES:
                response.set_signed_cookie(MARKER, user.get_username(), salt=MARKER_SALT, httponly=True,
                                           samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        elif MARKER in request.COOKIES:
            response.delete_cookie(MARKER, samesite="Lax")

    # --------------------------------------------------------------- password expiry

    def _password_expired(self, request: HttpRequest) -> HttpResponse | None:
        days = int(getattr(settings, "PASSWORD_MAX_AGE_DAYS", 0) or 0)
        user = request.user
        if days <= 0 or not user.is_authenticated or not user.has_usable_password():
            return None
        changed = getattr(user, "password_changed_at", None)
        if changed is None or timezone.now() - changed < timedelta(days=days):
            return None
        allowed = {reverse("password_change"), reverse("logout")}
        if request.path in allowed:
            return None
        messages.warning(request, _("您的密码已超过 %(n)d 天未修改，请先修改密码。") % {"n": days})
        return redirect("password_change")

    # ------------------------------------------------------------------------- audit

    def _audit(self, request: HttpRequest, response: HttpResponse) -> None:
        if getattr(request, "kaoping_audited", False):
            return
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        status = response.status_code
        match = getattr(request, "resolver_match", None)
        target = match.view_name if match is not None else ""
        if request.method not in SAFE_METHODS:
            try:
                fields = sorted(k for k in request.POST if k not in NOT_AUDITED_FIELDS)
            except Exception:  # noqa: BLE001 - a body already read as a stream: record without fields
                fields = []
            outcome = (AuditOutcome.DENIED if status == 403 else
                       AuditOutcome.FAILURE if status >= 400 else AuditOutcome.SUCCESS)
            audit_record(action=AuditAction.REQUEST, request=request, status=status, target=target,
                         outcome=outcome, detail=("字段：" + "、".join(fields)) if fields else "")
        elif status == 403:
            audit_record(action=AuditAction.DENIED, request=request, status=status, target=target,
                         outcome=AuditOutcome.DENIED)
