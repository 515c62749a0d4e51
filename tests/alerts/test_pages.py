"""The alert pages for each role (Django test client)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from kaoping.alerts.models import Alert, AlertStatus, SheetExclusion

from .conftest import LENIENT, confirmed, lenient_alert, row_counts

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_go_to_the_login_page(client: Any, campaign: Any) -> None:
    alert = lenient_alert(campaign)
    for url in ("/alerts/", f"/alerts/{alert.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_evaluators_and_unit_contacts_may_not_see_alerts(client: Any, campaign: Any, evaluator: Any) -> None:
    from kaoping.accounts.services import user_create

    contact = user_create(username="contact1", password="Kaoping@2026", role="unit_contact", name="单位联络",
                          unit=campaign.targets.first().unit)
    for user in (evaluator, contact):
        client.force_login(user)
        assert client.get("/alerts/").status_code == 403
        assert client.get(f"/alerts/{lenient_alert(campaign).pk}/").status_code == 403


@pytest.mark.parametrize("who", ["office", "supervisor"])
def test_office_and_supervisor_see_the_list_with_counts(client: Any, campaign: Any, who: str,
                                                        request: Any) -> None:
    client.force_login(request.getfixturevalue(who))
    html = client.get("/alerts/").content.decode()
    total = Alert.objects.count()
    assert f"共 {total} 条" in html and "评价偏宽" in html and "互评畸高" in html
    assert LENIENT in html and "评价人3" not in html  # raters by code, never by name
    assert ("计算并登记" in html) is (who == "office")


def test_the_list_filters_by_kind_status_unit_and_campaign(client: Any, campaign: Any, office: Any) -> None:
    client.force_login(office)
    html = client.get("/alerts/?kind=mutual_high").content.decode()
    assert "互评畸高" in html and "评价偏宽</a>" not in html
    html = client.get("/alerts/?unit=U02").content.decode()
    assert "互评畸高" in html and f"#{lenient_alert(campaign).pk} 评价偏宽" not in html
    html = client.get("/alerts/?status=confirmed").content.decode()
    assert "没有符合条件的预警" in html
    html = client.get("/alerts/?campaign=NOPE").content.decode()
    assert "没有符合条件的预警" in html


def test_the_alert_page_shows_the_numbers_and_a_chart(client: Any, campaign: Any, supervisor: Any) -> None:
    client.force_login(supervisor)
    alert = lenient_alert(campaign)
    html = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert alert.detail in html
    assert "稳健 z 值" in html and "与共识的平均偏离（分）" in html and "服务对象评价" in html
    chart = json.loads(re.search(r'id="alert-chart-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert chart["values"][0] == alert.data["mean_deviation"]
    assert "/static/vendor/echarts-6.1.0/echarts.min.js" in html
    assert "评价人3" not in html and "http://" not in html and "https://" not in html
    assert "剔除评分表" not in html  # the supervisor may handle but not exclude


def test_the_office_walks_an_alert_to_an_exclusion(client: Any, campaign: Any, office: Any) -> None:
    client.force_login(office)
    alert = lenient_alert(campaign)
    url = f"/alerts/{alert.pk}/"
    r = client.post(url + "assign/", {"expected_status": "new", "assignee": office.pk, "note": "本人核查"})
    assert r.status_code == 302
    r = client.post(url + "investigate/", {"expected_status": "assigned"})
    assert r.status_code == 302
    r = client.post(url + "close/", {"expected_status": "investigating", "outcome": "confirmed",
                                    "reason": "约谈确认系人情分"})
    assert r.status_code == 302
    html = client.get(url).content.decode()
    assert "认定属实" in html and "约谈确认系人情分" in html and "剔除并重新计算" in html
    r = client.post(url + "exclude/", {"expected_status": "confirmed", "scope": "sheet", "reason": "人情分"},
                    follow=True)
    html = r.content.decode()
    assert "已剔除评分表并重新计算结果" in html and "已剔除的评分" in html
    assert SheetExclusion.objects.count() == 1
    results = client.get(f"/campaigns/{campaign.code}/results/").content.decode()
    assert "人情分" in results  # the excluded_sheet alert of the new snapshot says why


def test_a_refusal_is_shown_next_to_the_form_and_writes_nothing(client: Any, campaign: Any, office: Any) -> None:
    client.force_login(office)
    alert = lenient_alert(campaign)
    before = row_counts()
    r = client.post(f"/alerts/{alert.pk}/close/", {"expected_status": "new", "outcome": "confirmed", "reason": ""})
    assert r.status_code == 400 and "办结预警必须填写理由" in r.content.decode()
    r = client.post(f"/alerts/{alert.pk}/close/", {"expected_status": "new", "outcome": "confirmed",
                                                   "reason": "属实"})
    assert r.status_code == 400 and "只有核查中的预警才能办结" in r.content.decode()
    r = client.post(f"/alerts/{alert.pk}/investigate/", {"expected_status": "assigned"})
    assert r.status_code == 400 and "已被他人处理" in r.content.decode()
    r = client.post(f"/alerts/{alert.pk}/exclude/", {"expected_status": "new", "scope": "sheet", "reason": "x"})
    assert r.status_code == 400 and "只有认定属实的预警才能剔除评分表" in r.content.decode()
    assert row_counts() == before


def test_the_supervisor_may_not_exclude_a_sheet(client: Any, campaign: Any, office: Any, supervisor: Any) -> None:
    alert = confirmed(lenient_alert(campaign), office)
    client.force_login(supervisor)
    r = client.post(f"/alerts/{alert.pk}/exclude/", {"expected_status": "confirmed", "scope": "sheet",
                                                     "reason": "人情分"})
    assert r.status_code == 403 and SheetExclusion.objects.count() == 0
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CONFIRMED


def test_the_office_files_a_campaigns_alerts_from_the_list(client: Any, office: Any) -> None:
    from kaoping.campaigns.services import bundle_import, results_compute

    from .conftest import bundle

    c = bundle_import(data=bundle(code="S2026"), by=office)
    client.force_login(office)
    r = client.post("/alerts/sync/", {"campaign": "S2026"}, follow=True)  # computes, then files
    assert "新发现 4 条预警" in r.content.decode()
    assert Alert.objects.filter(campaign=c).count() == 4
    r = client.post("/alerts/sync/", {"campaign": "S2026"}, follow=True)
    assert "新发现 0 条预警" in r.content.decode()
    # results computed anywhere else file their alerts too (R5.7), once
    d = bundle_import(data=bundle(code="S2027"), by=office)
    results_compute(campaign=d, by=office)
    assert Alert.objects.filter(campaign=d).count() == 4
    r = client.post("/alerts/sync/", {"campaign": "S2027"}, follow=True)
    assert "新发现 0 条预警" in r.content.decode()
    r = client.post("/alerts/sync/", {"campaign": "NOPE"}, follow=True)
    assert "不存在" in r.content.decode()


def test_an_unknown_alert_is_not_found(client: Any, office: Any) -> None:
    client.force_login(office)
    assert client.get("/alerts/99999/").status_code == 404


def test_the_office_revokes_an_exclusion_then_reopens(client: Any, campaign: Any, office: Any) -> None:
    from kaoping.alerts.services import sheet_exclude

    alert = confirmed(lenient_alert(campaign), office)
    sheet_exclude(alert=alert, scope="sheet", reason="人情分", by=office)
    client.force_login(office)
    url = f"/alerts/{alert.pk}/"
    html = client.get(url).content.decode()
    assert "撤销剔除并重新计算" in html and "撤销剔除后才能重新打开此预警" in html
    assert f'action="{url}reopen/"' not in html  # not while the exclusion stands
    before = row_counts()
    r = client.post(url + "reopen/", {"expected_status": "confirmed", "reason": "复查"})
    assert r.status_code == 400 and "请先撤销剔除" in r.content.decode()
    r = client.post(url + "revoke/", {"expected_status": "confirmed", "reason": ""})
    assert r.status_code == 400 and "撤销剔除必须填写理由" in r.content.decode()
    assert row_counts() == before
    r = client.post(url + "revoke/", {"expected_status": "confirmed", "reason": "复核后恢复计分"}, follow=True)
    html = r.content.decode()
    assert "已撤销剔除并重新计算结果" in html and "已剔除的评分" not in html and "复核后恢复计分" in html
    assert SheetExclusion.objects.count() == 0
    assert f'action="{url}reopen/"' in html and f'action="{url}exclude/"' in html
    r = client.post(url + "reopen/", {"expected_status": "confirmed", "reason": ""})
    assert r.status_code == 400 and "重新打开预警必须填写理由" in r.content.decode()
    r = client.post(url + "reopen/", {"expected_status": "confirmed", "reason": "群众来信反映新情况"}, follow=True)
    html = r.content.decode()
    assert "预警已重新打开，回到核查中" in html and "群众来信反映新情况" in html
    alert.refresh_from_db()
    assert alert.status == AlertStatus.INVESTIGATING
    assert f'action="{url}close/"' in html  # the case can be concluded again


def test_the_supervisor_may_neither_reopen_nor_revoke(client: Any, campaign: Any, office: Any,
                                                      supervisor: Any) -> None:
    from .conftest import dismissed

    alert = dismissed(lenient_alert(campaign), office)
    client.force_login(supervisor)
    html = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "reopen/" not in html and "revoke/" not in html and "此预警已办结" in html
    before = row_counts()
    for action in ("reopen", "revoke"):
        r = client.post(f"/alerts/{alert.pk}/{action}/", {"expected_status": "dismissed", "reason": "复查"})
        assert r.status_code == 403
    assert client.get(f"/alerts/{alert.pk}/reopen/").status_code == 403  # role first, then method
    assert row_counts() == before
    client.force_login(office)
    assert client.get(f"/alerts/{alert.pk}/reopen/").status_code == 405


def test_shares_are_shown_as_percentages_as_the_alert_text_says_them() -> None:
    from kaoping.alerts.views import _data_rows

    rows = {r["key"]: r for r in _data_rows({"total": 76.3, "previous": 92.1, "threshold": 0.15}, "fluctuation")}
    assert rows["threshold"]["value"] == "15%" and rows["threshold"]["label"] == "波动阈值（占上期总分）"
    assert rows["total"]["value"] == "76.3"
    rows = {r["key"]: r for r in _data_rows({"share": 0.9375, "threshold_share": 0.9, "threshold": 4.0},
                                            "straight_line")}
    assert rows["share"]["value"] == "93.75%" and rows["threshold_share"]["value"] == "90%"
    assert rows["threshold"]["value"] == "4"  # not a share for this kind
