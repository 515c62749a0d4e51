"""One look for every refusal (403) and every missing page (404), in Chinese, with a way
back; messages shown once, by the layout."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kaoping.accounts.templatetags.refusals import readable_reason

from .conftest import PASSWORD, login_post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("role", "url", "label"), [
    ("evaluator", "/audit/", "评价人"),
    ("office", "/audit/", "考核办"),
    ("unit_contact", "/campaigns/new/", "单位联络员"),
    ("supervisor", "/accounts/users/", "第三方监督"),
])
def test_a_wrong_role_gets_the_chinese_refusal_page(client: Any, people: Any, role: str, url: str,
                                                     label: str) -> None:
    client.force_login(people[role])
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 403
    assert response.templates[0].name == "403.html"
    assert "<h1" in html and "无权访问" in html and f"您当前的角色（{label}）无权查看或操作此页面" in html
    assert "本次访问已记入审计日志" in html
    assert 'href="/">返回首页</a>' in html  # the way back
    # and a way to log in as somebody else: log out, then the log-in page coming back here
    assert re.search(r'<form method="post" action="/accounts/logout/">.*name="next" value="/accounts/login/\?next='
                     + re.escape(url), html, flags=re.S)
    assert "campaigns.manage" not in html and "audit.view" not in html  # no developer words


def test_the_refusal_is_recorded_in_the_audit_trail(client: Any, people: Any) -> None:
    from kaoping.accounts.models import AuditEvent

    client.force_login(people["evaluator"])
    client.get("/audit/")
    event = AuditEvent.objects.get(action="denied")
    assert (event.username, event.status, event.path) == ("eval1", 403, "/audit/")


def test_logging_in_as_somebody_else_from_the_refusal(client: Any, people: Any) -> None:
    login_post(client, "eval1", PASSWORD)
    response = client.post("/accounts/logout/", {"next": "/accounts/login/?next=/audit/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/audit/"
    response = client.post("/accounts/login/", {"username": "super1", "password": PASSWORD, "next": "/audit/"})
    assert response.status_code == 302 and response["Location"] == "/audit/"
    assert client.get("/audit/").status_code == 200


def test_an_unknown_address_gets_the_chinese_not_found_page(client: Any, people: Any) -> None:
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html and "您要找的页面不存在" in html
    assert 'href="/">返回首页</a>' in html and 'href="/accounts/login/">登录</a>' in html
    assert "Resolver404" not in html and "Not Found" not in html

    client.force_login(people["office"])
    html = client.get("/campaigns/NOPE/").content.decode()
    assert "没有这个考评活动" in html  # the reason the view gave
    assert 'href="/accounts/login/">登录</a>' not in html  # already logged in


def test_only_reasons_written_for_people_are_shown() -> None:
    assert readable_reason("没有这个考评活动") == "没有这个考评活动"
    assert readable_reason("campaigns.manage") == ""
    assert readable_reason("No Upload matches the given query.") == ""
    assert readable_reason("Resolver404") == ""
    assert readable_reason(None) == ""


def test_a_message_is_shown_once_by_the_layout(client: Any, people: Any) -> None:
    login_post(client, "office1", PASSWORD)
    client.post("/accounts/logout/")
    html = client.get("/accounts/login/").content.decode()
    assert html.count("您已安全退出") == 1
    assert 'class="site-message site-message-info"' in html
    assert html.index("site-messages") < html.index("登录考评系统")
    assert "您已安全退出" not in client.get("/accounts/login/").content.decode()  # shown once, then gone


def test_messages_are_styled_by_level_in_chinese(client: Any, people: Any) -> None:
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpResponse
    from django.test import RequestFactory

    storage = CookieStorage(RequestFactory().get("/"))
    for level, text in ((constants.SUCCESS, "已保存"), (constants.WARNING, "请注意截止日期"),
                        (constants.ERROR, "保存失败")):
        storage.add(level, text)
    carrier = HttpResponse()
    storage.update(carrier)  # the messages cookie, as a redirect would have set it
    client.cookies.update(carrier.cookies)
    client.force_login(people["office"])
    html = client.get("/accounts/me/").content.decode()
    for level, label, text in (("success", "成功", "已保存"), ("warning", "注意", "请注意截止日期"),
                               ("error", "错误", "保存失败")):
        assert re.search(rf'site-message-{level}"[^>]*>\s*<strong class="site-message-label">{label}</strong>\s*'
                         rf"<span>{text}</span>", html), level
    assert 'role="alert"' in html  # an error is announced


def test_a_form_sent_without_the_security_token_gets_the_chinese_expired_page(people: Any) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from kaoping.accounts.models import AuditEvent

    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/accounts/login/", {"username": "office1", "password": PASSWORD})
    html = response.content.decode()
    assert response.status_code == 403
    assert [t.name for t in response.templates][:2] == ["403_csrf.html", "403.html"]
    assert "页面已过期或安全校验失败，请刷新页面后重试" in html and "<h1" in html
    assert "CSRF" not in html and "Forbidden" not in html  # not Django's English page
    assert 'href="/">返回首页</a>' in html
    assert "_auth_user_id" not in browser.session  # not logged in

    browser.force_login(people["admin"])
    users_before = get_user_model().objects.count()
    good = "Qing-He#2026x"  # a form that would create an account, but without its token
    response = browser.post("/accounts/users/", {"username": "zhangwei", "name": "张伟", "role": "evaluator",
                                                 "unit": "", "password1": good, "password2": good})
    html = response.content.decode()
    assert response.status_code == 403 and "页面已过期或安全校验失败，请刷新页面后重试" in html
    assert "您当前的角色" not in html  # it is not a missing permission
    assert "本次访问已记入审计日志" in html
    assert get_user_model().objects.count() == users_before
    assert AuditEvent.objects.filter(action="request", outcome="denied", path="/accounts/users/", status=403).exists()
