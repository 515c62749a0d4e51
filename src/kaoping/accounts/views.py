"""Log-in, log-out, password change, "my account", new accounts and the audit trail (R10.3).

Every view carries ``@public`` or ``@requires`` (see ``permissions``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors
from .forms import (
    AuditFilterForm,
    KaopingPasswordChangeForm,
    LoginForm,
    UserCreateForm,
    cooloff_minutes,
    lockout_limit,
)
from .models import AuditAction, AuditOutcome
from .permissions import public, requires
from .services import AccountError, audit_record, user_create

AUDIT_PAGE_SIZE = 50


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(lockout_limit=lockout_limit(), cooloff_minutes=cooloff_minutes())
        return context


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("您已安全退出。"))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = KaopingPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_record(action=AuditAction.PASSWORD_CHANGE, request=self.request, user=self.request.user)
        self.request.kaoping_audited = True  # type: ignore[attr-defined]
        messages.success(self.request, _("密码已修改。"))
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        codes = sorted({e.code or "invalid" for errors in form.errors.as_data().values() for e in errors})
        audit_record(action=AuditAction.PASSWORD_CHANGE, request=self.request, outcome=AuditOutcome.FAILURE,
                     detail="未通过校验：" + "、".join(codes))
        self.request.kaoping_audited = True  # type: ignore[attr-defined]
        return super().form_invalid(form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "nav": "account"}


login = public(LoginView.as_view())
logout = public(LogoutView.as_view())
password_change = requires("account.own")(PasswordChangeView.as_view())


@requires("account.own")
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    summary = selectors.account_summary(user=request.user)
    return render(request, "accounts/account.html", {**summary, "nav": "account"})


#: which form field an account refusal from the service belongs to
ACCOUNT_ERROR_FIELDS = {"duplicate_username": "username", "unknown_role": "role", "missing_unit": "unit",
                        "weak_password": "password1"}


@requires("users.manage")
@require_http_methods(["GET", "POST"])
def users(request: HttpRequest) -> HttpResponse:
    """New accounts (the administrator): every problem shown under its field, nothing written."""
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = user_create(username=d["username"], password=d["password1"], role=d["role"], unit=d["unit"],
                               name=d["name"], by=request.user)
        except AccountError as exc:
            form.add_error(ACCOUNT_ERROR_FIELDS.get(exc.code), exc.message)
        else:
            messages.success(request, _("已新建账号 %(username)s（%(role)s）。") % {
                "username": user.get_username(), "role": user.get_role_display()})
            return redirect("users")
    return render(request, "accounts/users.html", {
        "form": form, "recent": selectors.recent_users(), "nav": "users",
    }, status=400 if form.errors else 200)


@requires("audit.view")
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # errors are shown beside their field; the valid filters still apply
        filters = form.filters()
    events = selectors.audit_events(**filters)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "accounts/audit.html", {
        "form": form, "page": page, "events": page.object_list, "query": query.urlencode(), "nav": "audit",
    })


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """django-axes lock-out: the log-in page again, with the reason and the wait (429)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = LoginForm(request, initial={"username": username})
    return render(request, "registration/login.html", {
        "form": form, "locked": True, "lockout_limit": lockout_limit(), "cooloff_minutes": cooloff_minutes(),
        "next": request.POST.get("next", ""),
    }, status=429)
