"""The collection pages through the Django test client."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.urls import URLPattern, get_resolver
from django.utils import timezone
from openpyxl import Workbook

from kaoping.campaigns.models import Assignment, Measure, Score
from kaoping.campaigns.services import campaign_transition
from kaoping.collection import urls as collection_urls
from kaoping.collection.models import AnonymousToken, Evidence, MeasureCheck, SheetDraft, Upload
from kaoping.collection.services import sheet_submit, token_hash

from .conftest import row_counts

pytestmark = pytest.mark.django_db
EXTERNAL = re.compile(r"""(?:src|href)=["'](?:https?:)?//""", re.IGNORECASE)


def login(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def test_every_view_declares_who_may_use_it() -> None:
    for pattern in collection_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        assert hasattr(pattern.callback, "kaoping_capability"), pattern.name
    assert get_resolver().resolve("/sheets/")  # the navigation shows 我的评分


def test_the_sheet_list_is_for_evaluators_only(client: Any, campaign: Any, office: Any, evaluators: Any) -> None:
    assert client.get("/sheets/")["Location"].startswith("/accounts/login/")
    assert login(client, office).get("/sheets/").status_code == 403
    html = login(client, evaluators["R2"]).get("/sheets/").content.decode()
    assert "市教育局" in html and "回避" in html and "2026年度单位互评" in html
    assert "张三丰" not in html and not EXTERNAL.search(html)


def test_an_evaluator_never_sees_another_evaluators_values(client: Any, campaign: Any, evaluators: Any) -> None:
    sheet_submit(assignment=Assignment.objects.get(rater__code="R1", unit__code="U02"),
                 values={"A2": "9.25", "B1": "差"}, version=0, by=evaluators["R1"])
    html = login(client, evaluators["R2"]).get("/sheets/C2026/U02/").content.decode()
    assert "9.25" not in html and 'value="差" checked' not in html
    assert client.get("/sheets/C2026/U99/").status_code == 404


def test_the_sheet_form_has_ranges_and_scale_buttons(client: Any, campaign: Any, evaluators: Any) -> None:
    html = login(client, evaluators["R1"]).get("/sheets/C2026/U01/").content.decode()
    assert 'name="v-A2"' in html and 'max="10"' in html and 'inputmode="decimal"' in html
    assert 'type="radio" name="v-B1" value="优"' in html
    assert 'name="version"' in html and "保存草稿" in html and "提交评分" in html


def test_a_draft_then_a_submission_through_the_form(client: Any, campaign: Any, evaluators: Any) -> None:
    login(client, evaluators["R1"])
    response = client.post("/sheets/C2026/U01/", {"version": "0", "v-A2": "7", "action": "draft"})
    assert response.status_code == 302
    assert SheetDraft.objects.get().values == {"A2": 7}
    page = client.get("/sheets/C2026/U01/").content.decode()
    assert 'value="7"' in page and 'name="version" value="1"' in page
    response = client.post("/sheets/C2026/U01/", {"version": "1", "v-A2": "8", "v-B1": "良", "action": "submit"})
    assert response.status_code == 302 and response["Location"] == "/sheets/"
    assert Score.objects.count() == 2
    assert "已提交" in client.get("/sheets/").content.decode()


def test_errors_appear_next_to_the_field_and_nothing_is_written(client: Any, campaign: Any, evaluators: Any) -> None:
    login(client, evaluators["R1"])
    before = row_counts()
    response = client.post("/sheets/C2026/U01/", {"version": "0", "v-A2": "15", "action": "submit"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_v-A2-error">分值 15 超出范围 0–10' in html
    assert 'id="id_v-B1-error">请选择等级' in html and "有 2 项需要改正" in html
    assert 'value="15"' in html  # what was typed stays in the box
    assert row_counts() == before


def test_a_stale_tab_is_told_to_reload(client: Any, campaign: Any, evaluators: Any) -> None:
    login(client, evaluators["R1"])
    client.post("/sheets/C2026/U01/", {"version": "0", "v-A2": "7", "action": "draft"})
    before = row_counts()
    html = client.post("/sheets/C2026/U01/", {"version": "0", "v-A2": "9", "v-B1": "优", "action": "submit"}
                       ).content.decode()
    assert "请刷新页面" in html and row_counts() == before


AUTOSAVE = "/sheets/C2026/U01/autosave/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_form_autosaves_through_htmx_and_still_works_without_it(client: Any, campaign: Any,
                                                                    evaluators: Any) -> None:
    html = login(client, evaluators["R1"]).get("/sheets/C2026/U01/").content.decode()
    assert f'hx-post="{AUTOSAVE}"' in html and 'hx-trigger="input delay:800ms"' in html
    assert 'id="autosave-status"' in html and 'hx-sync="queue last"' in html
    assert 'method="post"' in html and 'value="draft"' in html  # the plain button, for no JavaScript
    assert "vendor/htmx.org-4.0.1/htmx.min.js" in html and not EXTERNAL.search(html)


def test_an_autosave_stores_the_draft_and_answers_a_status_line(client: Any, campaign: Any, evaluators: Any) -> None:
    login(client, evaluators["R1"])
    entries = row_counts()["ledger.LedgerEntry"]
    response = client.post(AUTOSAVE, {"version": "0", "v-A2": "7.5", "v-B1": ""}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    saved = SheetDraft.objects.get()
    assert saved.values == {"A2": 7.5} and saved.version == 1
    assert re.search(r'id="autosave-status" class="autosave saved"[^>]*>已自动保存 \d\d:\d\d</span>', html)
    assert f"已自动保存 {timezone.localtime(saved.updated_at):%H:%M}" in html
    assert '<input type="hidden" name="version" value="1" id="id_version" hx-swap-oob="true">' in html
    assert "<html" not in html and "v-A2" not in html  # a fragment, not the page
    response = client.post(AUTOSAVE, {"version": "1", "v-A2": "8", "v-B1": "良"}, **HTMX)
    assert response.status_code == 200 and 'value="2"' in response.content.decode()
    assert SheetDraft.objects.get().values == {"A2": 8, "B1": "良"}
    assert row_counts()["ledger.LedgerEntry"] == entries  # a draft is not a score
    page = client.get("/sheets/C2026/U01/").content.decode()
    assert 'value="8"' in page and 'value="良" checked' in page and 'name="version" value="2"' in page


def test_an_autosave_from_a_stale_tab_is_refused_not_overwritten(client: Any, campaign: Any,
                                                                evaluators: Any) -> None:
    login(client, evaluators["R1"])
    client.post(AUTOSAVE, {"version": "0", "v-A2": "7"}, **HTMX)  # tab 1
    client.post(AUTOSAVE, {"version": "1", "v-A2": "6"}, **HTMX)  # tab 1 again
    before = row_counts()
    response = client.post(AUTOSAVE, {"version": "1", "v-A2": "9"}, **HTMX)  # tab 2, built at version 1
    html = response.content.decode()
    assert response.status_code == 409
    assert 'class="autosave refused"' in html and "未自动保存" in html and "请刷新页面" in html
    assert "当前第 2 版，本页面为第 1 版" in html and "hx-swap-oob" not in html
    assert row_counts() == before and SheetDraft.objects.get().values == {"A2": 6}


def test_an_autosave_of_a_submitted_sheet_is_refused(client: Any, campaign: Any, evaluators: Any) -> None:
    login(client, evaluators["R1"])
    client.post(AUTOSAVE, {"version": "0", "v-A2": "7"}, **HTMX)
    client.post("/sheets/C2026/U01/", {"version": "1", "v-A2": "8", "v-B1": "良", "action": "submit"})
    before = row_counts()
    response = client.post(AUTOSAVE, {"version": "1", "v-A2": "3", "v-B1": "差"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 409 and "未自动保存" in html and "已于" in html and "提交，不能重复提交或修改" in html
    assert row_counts() == before
    assert {s.indicator.code: s.value for s in Score.objects.select_related("indicator")} == {"A2": 8, "B1": "良"}
    page = client.get("/sheets/C2026/U01/").content.decode()
    assert "hx-post" not in page and "autosave-status" not in page  # a submitted sheet does not autosave


def test_an_autosave_names_a_bad_value_and_writes_nothing(client: Any, campaign: Any, evaluators: Any) -> None:
    login(client, evaluators["R1"])
    before = row_counts()
    for data, words in (({"version": "0", "v-A2": "15"}, "协作配合：分值 15 超出范围 0–10"),
                        ({"version": "0", "v-A2": "abc"}, "协作配合：应填写数字，实际为文本「abc」"),
                        ({"version": "0", "v-B1": "极好"}, "服务态度：")):
        response = client.post(AUTOSAVE, data, **HTMX)
        html = response.content.decode()
        assert response.status_code == 422 and f"未自动保存：{words}" in html, html
    response = client.post(AUTOSAVE, {"v-A2": "5"}, **HTMX)
    assert response.status_code == 400 and "请刷新页面" in response.content.decode()
    assert row_counts() == before


def test_an_autosave_is_only_for_the_evaluators_own_open_sheet(client: Any, campaign: Any, office: Any,
                                                              evaluators: Any) -> None:
    assert client.post(AUTOSAVE, {"version": "0", "v-A2": "5"}, **HTMX)["Location"].startswith("/accounts/login/")
    assert login(client, office).post(AUTOSAVE, {"version": "0", "v-A2": "5"}, **HTMX).status_code == 403
    login(client, evaluators["R2"])  # R2 belongs to U01: avoids it
    response = client.post(AUTOSAVE, {"version": "0", "v-A2": "5"}, **HTMX)
    assert response.status_code == 409 and "须回避" in response.content.decode()
    assert client.get(AUTOSAVE).status_code == 405
    assert client.post("/sheets/C2026/U99/autosave/", {"version": "0"}, **HTMX).status_code == 404
    campaign_transition(campaign=campaign, to="closed", by=office)
    login(client, evaluators["R1"])
    response = client.post(AUTOSAVE, {"version": "0", "v-A2": "5"}, **HTMX)
    assert response.status_code == 409 and "不能保存草稿" in response.content.decode()
    assert not SheetDraft.objects.exists()


def test_an_anonymous_link_works_once(client: Any, campaign: Any, office: Any) -> None:
    response = login(client, office).post("/campaigns/C2026/collect/links/", {"group": "public", "count": "2"})
    html = response.content.decode()
    assert response.status_code == 200 and html.count("<svg") == 2
    tokens = re.findall(r"/a/([A-Za-z0-9_-]{20,})/", html)
    assert len(set(tokens)) == 2
    assert AnonymousToken.objects.filter(token_hash=token_hash(tokens[0])).exists()
    client.logout()
    url = f"/a/{tokens[0]}/"
    page = client.get(url)
    assert page.status_code == 200 and page["Referrer-Policy"] == "no-referrer"
    assert "市教育局" in page.content.decode() and 'name="U01|B1"' in page.content.decode()
    values = {"version": "0", "U01|B1": "优", "U02|B1": "良", "U01|C1": "90", "U02|C1": "80", "U03|C1": "70"}
    bad = client.post(url, {**values, "U03|C1": "700"})
    assert "超出范围" in bad.content.decode() and Score.objects.count() == 0
    done = client.post(url, values)
    assert "提交成功" in done.content.decode() and Score.objects.count() == 5
    again = client.get(url)
    assert again.status_code == 410 and "已经使用过" in again.content.decode()
    assert client.post(url, values).status_code == 410 and Score.objects.count() == 5
    assert client.get("/a/not-a-real-token-at-all/").status_code == 404


def xlsx(title: str, rows: list[list[Any]]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "纸质表.xlsx"
    return out


def test_an_upload_is_previewed_then_confirmed(client: Any, campaign: Any, office: Any) -> None:
    login(client, office)
    template = client.get("/campaigns/C2026/collect/template/scores/")
    assert template.status_code == 200 and "spreadsheetml" in template["Content-Type"]
    before = row_counts()
    bad = client.post("/campaigns/C2026/collect/upload/", {
        "kind": "scores", "file": xlsx("评分", [["评价人", "单位", "指标", "分值"], ["R1", "U02", "A2", 99]])})
    assert bad.status_code == 422 and "超出范围 0–10" in bad.content.decode()
    assert row_counts() == before
    good = client.post("/campaigns/C2026/collect/upload/", {
        "kind": "scores", "file": xlsx("评分", [["评价人", "单位", "指标", "分值"], ["R1", "U02", "A2", 9]])})
    assert good.status_code == 200 and "确认导入" in good.content.decode() and Score.objects.count() == 0
    upload = Upload.objects.get()
    response = client.post(f"/campaigns/C2026/collect/upload/{upload.pk}/")
    assert response.status_code == 302 and Score.objects.count() == 1
    html = client.get(response["Location"]).content.decode()
    # the outcome is told once, by the layout's message area (the page has no block of its own)
    assert html.count("的 1 行数据") == 1 and 'class="site-message site-message-success"' in html
    assert "的 1 行数据" not in client.get(response["Location"]).content.decode()  # then gone


def test_progress_lists_who_would_be_reminded_masked(client: Any, campaign: Any, office: Any, evaluators: Any) -> None:
    assert login(client, evaluators["R1"]).get("/campaigns/C2026/collect/").status_code == 403
    html = login(client, office).get("/campaigns/C2026/collect/").content.decode()
    assert "张**" in html and "r***@example.cn" in html and "张三丰" not in html
    assert "按评价组" in html and "按被评单位" in html


def test_evidence_and_checks_through_the_pages(client: Any, campaign: Any, office: Any, supervisor: Any) -> None:
    measure = Measure.objects.get(unit__code="U01", indicator__code="A1")
    login(client, office)
    pdf = io.BytesIO(b"%PDF-1.4 test")
    pdf.name = "台账.pdf"
    client.post(f"/campaigns/C2026/collect/measures/{measure.pk}/evidence/", {"file": pdf, "note": "导出"})
    evidence = Evidence.objects.get()
    assert client.post(f"/campaigns/C2026/collect/measures/{measure.pk}/check/", {"status": "verified"}
                       ).status_code == 403
    login(client, supervisor)
    html = client.get("/campaigns/C2026/collect/measures/").content.decode()
    assert "台账.pdf" in html and "核查" in html and "<summary>上传佐证材料</summary>" not in html
    download = client.get(f"/campaigns/C2026/collect/evidence/{evidence.pk}/")
    assert download.content == b"%PDF-1.4 test" and "attachment" in download["Content-Disposition"]
    client.post(f"/campaigns/C2026/collect/measures/{measure.pk}/check/",
                {"status": "corrected", "value": "0.8", "note": "核对原始台账"})
    measure.refresh_from_db()
    assert measure.value == 0.8 and MeasureCheck.objects.get().old_value == 0.9
    page = client.get("/campaigns/C2026/collect/measures/").content.decode()
    assert "0.9 → 0.8" in page
