"""The campaign list and results pages (Django test client)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import SMALL_BUNDLE

pytestmark = pytest.mark.django_db

ECHARTS = "/static/vendor/echarts-6.1.0/echarts.min.js"
HTMX = "/static/vendor/htmx.org-4.0.1/htmx.min.js"
EXTERNAL = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}""", re.IGNORECASE)


def results_url(code: str) -> str:
    return f"/campaigns/{code}/results/"


def external_urls(html: str) -> list[str]:
    return EXTERNAL.findall(html)


def test_it_sends_anonymous_visitors_to_the_login_page(client: Any, campaign: Any) -> None:
    for url in ("/", results_url(campaign.code)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_it_shows_the_login_page_in_chinese(client: Any) -> None:
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "登录考评系统" in html and "用户名" in html and "密码" in html
    assert external_urls(html) == []


def test_it_logs_in_with_the_form(client: Any, office: Any) -> None:
    response = client.post("/accounts/login/", {"username": "office1", "password": "Kaoping@2026"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_it_refuses_a_wrong_password_in_chinese(client: Any, office: Any) -> None:
    response = client.post("/accounts/login/", {"username": "office1", "password": "wrong-password"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_it_lists_campaigns_with_their_unit_count(office_client: Any, campaign: Any) -> None:
    response = office_client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "测试市2026年第三季度单位互评" in html
    assert "T2026Q3" in html
    assert "单位互评" in html and "已发布" in html
    assert re.search(r'data-label="参评单位">\s*3\s*<', html)
    assert results_url("T2026Q3") in html


def test_it_shows_the_ranking_with_names_grades_and_vetoes(office_client: Any, campaign: Any) -> None:
    response = office_client.get(results_url(campaign.code))
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("测试市教育局", "测试市卫生健康委员会", "测试市燃气有限公司"):
        assert name in html
    assert "优秀" in html  # 教育局: 0.6 * 92 + 0.4 * 94.29 = 92.9
    assert "一票否决" in html and "重大安全事故" in html
    assert "上级评价" in html and "同级互评" in html  # per-group subtotal columns
    assert "−2.00" in html  # the deduction
    assert "上期 86.00" in html  # change against the previous period


def test_the_ranking_follows_the_stored_results(office_client: Any, campaign: Any) -> None:
    html = office_client.get(results_url(campaign.code)).content.decode()
    order = [html.index(name) for name in ("测试市教育局", "测试市卫生健康委员会", "测试市燃气有限公司")]
    assert order == sorted(order)  # the vetoed unit is last


def test_it_lists_the_alerts_of_the_snapshot(office_client: Any, campaign: Any) -> None:
    html = office_client.get(results_url(campaign.code)).content.decode()
    # TU2: 75 last period, 70.3 now: below 80 twice running
    assert "连续低分" in html
    assert "TU2（测试市卫生健康委员会）连续两期低于 80 分" in html


def test_it_draws_the_charts_with_the_vendored_echarts(office_client: Any, campaign: Any) -> None:
    html = office_client.get(results_url(campaign.code)).content.decode()
    assert f'<script src="{ECHARTS}"' in html
    assert 'id="results-chart-data"' in html
    assert 'id="chart-totals"' in html and 'id="chart-grades"' in html
    assert '<script src="/static/reports/results.js"' in html


def test_the_vendored_scripts_are_served(office_client: Any) -> None:
    for url in (ECHARTS, HTMX, "/static/kaoping/css/kaoping.css", "/static/reports/results.js",
                "/static/accounts/site.css"):
        response = office_client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 100, url


def test_no_page_loads_anything_from_another_site(office_client: Any, campaign: Any) -> None:
    for url in ("/", results_url(campaign.code)):
        html = office_client.get(url).content.decode()
        assert external_urls(html) == [], url


def test_an_unknown_campaign_is_not_found(office_client: Any) -> None:
    assert office_client.get(results_url("NOPE")).status_code == 404


def test_a_campaign_without_results_says_so(office_client: Any, office: Any) -> None:
    from kaoping.campaigns.services import bundle_import

    data = {**SMALL_BUNDLE, "campaign": {**SMALL_BUNDLE["campaign"], "code": "T-DRAFT"}}
    bundle_import(data=data, by=office, source="test")
    response = office_client.get(results_url("T-DRAFT"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "尚未计算结果" in html
    assert ECHARTS not in html
    assert "尚未计算结果" in office_client.get("/").content.decode()
