"""The collection pages through the Django test client."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.urls import URLPattern, get_resolver
from openpyxl import Workbook

from kaoping.campaigns.models import Assignment, Measure, Score
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
