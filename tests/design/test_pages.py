"""Indicator and campaign set-up pages with the Django test client, per role."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.apps import apps

from kaoping.campaigns import setup
from kaoping.campaigns.models import Campaign

from .conftest import login

pytestmark = pytest.mark.django_db

FUTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()
            if m._meta.app_label in ("indicators", "campaigns", "ledger")}


def version_url(v: Any) -> str:
    return f"/indicators/{v.library.code}/v{v.number}/"



@pytest.mark.parametrize("role, status", [("office", 200), ("supervisor", 200), ("admin", 200),
                                          ("evaluator", 403), ("contact", 403)])
def test_the_tree_page_by_role(client: Any, users: dict[str, Any], draft: Any, role: str, status: int) -> None:
    response = login(client, users[role]).get(version_url(draft))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "协作效率" in html and "过程性" in html and "结果性" in html
        assert ("新增指标" in html) == (role == "office")


def test_anonymous_visitors_go_to_the_login_page(client: Any, draft: Any, campaign: Campaign) -> None:
    for url in ("/indicators/", version_url(draft), "/campaigns/new/", "/campaigns/2026Q3/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_tree_page_shows_local_and_effective_shares(client: Any, office: Any, draft: Any) -> None:
    html = login(client, office).get(version_url(draft)).content.decode()
    # A = 40 of 100; A1 = 50 of 100 within A → 20% of the total
    assert "同级 40.0%" in html and "占总分 <b>20.00%</b>" in html
    assert "线性（越高越好）：0.6 → 0.95" in html
    assert "仅适用：行政单位、事业单位" in html


def test_the_tree_page_queries_do_not_grow_with_the_tree(client: Any, office: Any, draft: Any,
                                                         django_assert_max_num_queries: Any) -> None:
    from kaoping.indicators.services import indicator_node_add

    c = login(client, office)
    with django_assert_max_num_queries(20):
        assert c.get(version_url(draft)).status_code == 200
    for i in range(15):
        indicator_node_add(version=draft, parent=draft.nodes.get(code="B"), code=f"B{i + 3}", name=f"新{i}")
    with django_assert_max_num_queries(20):
        assert c.get(version_url(draft)).status_code == 200


def test_office_edits_a_node_and_a_bad_value_shows_next_to_the_form(client: Any, office: Any, draft: Any) -> None:
    c = login(client, office)
    url = version_url(draft) + "nodes/A1/"
    ok = {"name": "响应及时率", "weight": "60", "nature": "process", "source": "measure", "rule_kind": "linear",
          "rule_direction": "higher", "rule_floor": "0.5", "rule_target": "0.9"}
    assert c.post(url, ok).status_code == 302
    assert draft.nodes.get(code="A1").weight == 60
    before = row_counts()
    response = c.post(url, {**ok, "rule_floor": "0.9"})
    assert response.status_code == 400 and "floor 与 target 相等" in response.content.decode()
    response = c.post(url, {**ok, "weight": "abc"})
    assert response.status_code == 400 and "输入一个数字" in response.content.decode()
    assert row_counts() == before


def test_an_added_indicator_is_told_once_by_the_layout(client: Any, office: Any, draft: Any) -> None:
    c = login(client, office)
    response = c.post(version_url(draft) + "nodes/add/", {"code": "Z9", "name": "新增测试指标", "weight": "1"})
    assert response.status_code == 302
    html = c.get(response["Location"]).content.decode()
    assert html.count("已新增指标 Z9") == 1 and 'class="site-message site-message-success"' in html
    assert 'class="flash"' not in html  # no second, per-page message block
    assert "已新增指标 Z9" not in c.get(version_url(draft)).content.decode()


def test_a_frozen_version_offers_derive_not_edit(client: Any, office: Any, draft: Any, campaign: Campaign) -> None:
    c = login(client, office)
    html = c.get(version_url(draft)).content.decode()
    assert "已冻结，只读" in html and "新增指标" not in html and "2026Q3" in html
    response = c.post(version_url(draft) + "nodes/A1/", {"name": "x", "weight": "1"})
    assert response.status_code == 400 and "冻结" in response.content.decode()
    response = c.post(version_url(draft) + "derive/")
    assert response.status_code == 302 and response["Location"].endswith("/v2/")


def test_supervisor_cannot_post_edits(client: Any, users: dict[str, Any], draft: Any) -> None:
    c = login(client, users["supervisor"])
    before = row_counts()
    assert c.post(version_url(draft) + "nodes/add/", {"code": "Z", "name": "Z", "weight": "1"}).status_code == 403
    for url, form, reason in (
        ("nodes/A1/", {"name": "x", "weight": "1"}, "只有考核办可以修改指标"),
        ("nodes/A/ahp/", {"experts": "1", "e0_name": "张", "e0_0_1": "3", "e0_0_2": "3", "e0_1_2": "1"},
         "只有考核办可以保存层次分析判断矩阵"),
    ):
        response = c.post(version_url(draft) + url, form)
        html = response.content.decode()
        assert response.status_code == 403, url
        assert response.templates[0].name == "403.html"  # the common refusal page, not an empty body
        assert "无权访问" in html and reason in html and "您当前的角色（第三方监督）" in html
    assert row_counts() == before


def test_the_ahp_page_and_live_preview(client: Any, office: Any, draft: Any) -> None:
    c = login(client, office)
    url = version_url(draft) + "nodes/A/ahp/"
    html = c.get(url).content.decode()
    assert "判断标度" in html and 'name="e0_0_1"' in html and 'name="e1_1_2"' in html
    response = c.post(url + "preview/", {"experts": "1", "e0_name": "张", "e0_0_1": "9", "e0_0_2": "1/9",
                                         "e0_1_2": "9"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "未通过一致性检验" in body and "建议首先修改" in body
    assert 'id="r-e0_0_1" hx-swap-oob="true">1/9<' in body
    response = c.post(url, {"experts": "1", "e0_name": "张", "e0_0_1": "3", "e0_0_2": "5", "e0_1_2": "2",
                            "action": "apply"})
    assert response.status_code == 302
    assert draft.nodes.get(code="A1").weight > draft.nodes.get(code="A2").weight > draft.nodes.get(code="A3").weight


def test_an_out_of_scale_judgement_is_named(client: Any, office: Any, draft: Any) -> None:
    before = row_counts()
    response = login(client, office).post(version_url(draft) + "nodes/A/ahp/",
                                          {"experts": "1", "e0_0_1": "10", "action": "save"})
    assert response.status_code == 400 and "不在 1/9–9 标度内" in response.content.decode()
    assert row_counts() == before


def test_the_excel_export_and_import_pages(client: Any, office: Any, draft: Any, tmp_path: Any) -> None:
    c = login(client, office)
    data = c.get(version_url(draft) + "export.xlsx").content
    path = tmp_path / "lib.xlsx"
    path.write_bytes(data)
    with path.open("rb") as fh:
        response = c.post("/indicators/MUTUAL/import/", {"file": fh, "note": "重新导入"})
    html = response.content.decode()
    assert "检查通过" in html
    token = html.split('name="token" value="')[1].split('"')[0]
    response = c.post("/indicators/MUTUAL/import/", {"confirm": "1", "token": token})
    assert response.status_code == 302 and response["Location"].endswith("/v2/")
    path.write_text("garbage")
    before = row_counts()
    with path.open("rb") as fh:
        html = c.post("/indicators/MUTUAL/import/", {"file": fh}).content.decode()
    assert "不是有效的 Excel" in html and row_counts() == before


def test_office_creates_a_campaign_with_the_form(client: Any, office: Any, draft: Any) -> None:
    c = login(client, office)
    form = {"code": "2026Q4", "name": "第四季度互评", "kind": "mutual", "library_version": draft.pk,
            "period_type": "quarter", "period_start": "2026-10-01", "period_end": "2026-12-31",
            "deadline": FUTURE, "grade_excellent": "90", "grade_good": "80", "grade_pass": "70",
            "trim_min_count": "5", "trim_drop_high": "1", "trim_drop_low": "1", "fluctuation": "20",
            "low_score": "80", "process_min": "40", "result_max": "60", "include_self": "on"}
    response = c.post("/campaigns/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.get(code="2026Q4")
    assert campaign.scoring["policy"] == {"process_min": 0.4, "result_max": 0.6}
    assert campaign.groups.get(code="self").weight == 0
    before = row_counts()
    bad = c.post("/campaigns/new/", {**form, "code": "2026Q5", "grade_good": "95"})
    assert bad.status_code == 400 and "从高到低" in bad.content.decode()
    dup = c.post("/campaigns/new/", form)
    assert dup.status_code == 400 and "已存在" in dup.content.decode()
    assert row_counts() == before


@pytest.mark.parametrize("role, status", [("office", 200), ("supervisor", 200), ("admin", 200),
                                          ("evaluator", 403), ("contact", 403)])
def test_the_campaign_page_by_role(client: Any, users: dict[str, Any], campaign: Campaign, role: str,
                                   status: int) -> None:
    response = login(client, users[role]).get("/campaigns/2026Q3/")
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "政策检查" in html and "谁评谁" in html and "剩" in html
        assert "张三丰" not in html and "张**" in html
        assert ("添加评价人</summary>" in html) == (role == "office")


def test_the_campaign_page_queries_do_not_grow_with_raters(client: Any, office: Any, campaign: Campaign,
                                                           django_assert_max_num_queries: Any) -> None:
    c = login(client, office)
    with django_assert_max_num_queries(40):
        assert c.get("/campaigns/2026Q3/").status_code == 200
    sup = campaign.groups.get(code="superior")
    for i in range(20):
        setup.rater_add(campaign=campaign, code=f"S{i}", group=sup, by=office)
    setup.assignments_generate(campaign=campaign, by=office)
    with django_assert_max_num_queries(40):
        assert c.get("/campaigns/2026Q3/").status_code == 200


def test_opening_without_assignments_is_refused_with_the_reason(client: Any, office: Any, campaign: Campaign) -> None:
    before = row_counts()
    response = login(client, office).post("/campaigns/2026Q3/advance/", {"to": "open"})
    assert response.status_code == 400
    assert "不能开始考评" in response.content.decode() and "已分配评价任务" in response.content.decode()
    assert row_counts() == before


def test_bad_set_up_input_is_shown_next_to_the_field(client: Any, office: Any, campaign: Campaign) -> None:
    c = login(client, office)
    before = row_counts()
    response = c.post("/campaigns/2026Q3/raters/", {"code": "P1", "group": "peer"})
    assert response.status_code == 400 and "评价人代码 P1 已存在" in response.content.decode()
    response = c.post("/campaigns/2026Q3/targets/", {"codes": "NOPE"})
    assert response.status_code == 400 and "NOPE" in response.content.decode()
    response = c.post("/campaigns/2026Q3/overrides/", {"match_region": "west", "weights": "ZZ:3"})
    assert response.status_code == 400 and "指标 ZZ 不在本活动的指标体系中" in response.content.decode()
    response = c.post("/campaigns/2026Q3/draw/", {"seed": "1", "mode": "raters", "per_unit": "0", "groups": ["peer"]})
    assert response.status_code == 400
    assert row_counts() == before


def test_the_draw_page_replays_a_draw(client: Any, users: dict[str, Any], campaign: Campaign) -> None:
    c = login(client, users["office"])
    response = c.post("/campaigns/2026Q3/draw/", {"seed": "8888", "mode": "raters", "per_unit": "2",
                                                  "groups": ["peer"]})
    assert response.status_code == 302 and response["Location"].endswith("/draws/")
    seq = setup.draws_recorded(campaign=campaign)[0].seq
    auditor = login(client, users["supervisor"])
    html = auditor.get("/campaigns/2026Q3/draws/").content.decode()
    assert "8888" in html and "与此次抽取一致" in html
    html = auditor.post("/campaigns/2026Q3/draws/", {"seq": seq, "seed": "8888"}).content.decode()
    assert "结果完全一致" in html
    html = auditor.post("/campaigns/2026Q3/draws/", {"seq": seq, "seed": "8889"}).content.decode()
    assert "结果不一致" in html or "结果完全一致" in html
