"""Excel import of hotline, SMS and paper ratings: template, preview by row, one import or none."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from kaoping.ledger.models import LedgerEntry
from kaoping.ratings import paper_import
from kaoping.ratings.models import BadRatingCase, Rating

from .conftest import rate, row_counts, txn

pytestmark = pytest.mark.django_db

HEADERS = [c[1] for c in paper_import.COLUMNS]
URL = "/ratings/import/"


def workbook(rows: list[dict[str, Any]], headers: list[str] = HEADERS, name: str = "纸质评价.xlsx") -> SimpleUploadedFile:
    """A workbook with these headers and one line per dict (missing cells left empty)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "评价"
    ws.append(headers)
    for r in rows:
        ws.append([r.get(h) for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def line(tid: str, level: Any = 5, channel: Any = "纸质评价表", **over: Any) -> dict[str, Any]:
    return {"办件编号": tid, "评价等级": level, "评价渠道": channel, **over}


@pytest.fixture
def pending(hall: Any) -> dict[str, Any]:
    """Unrated transactions: P1–P3 on site, N1 online, OLD past its 7-day rating window."""
    made = {tid: txn(tid) for tid in ("P1", "P2", "P3")}
    made["N1"] = txn("N1", channel="online")
    made["OLD"] = txn("OLD", hours_ago=24 * 10)
    return made


def ledger_actions() -> list[str]:
    return list(LedgerEntry.objects.order_by("seq").values_list("action", flat=True))


# --------------------------------------------------------------------------- template


def test_the_template_has_the_columns_notes_and_drop_downs(login: Any, hall: Any) -> None:
    response = login("office").get("/ratings/import/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="ratings-template.xlsx"'
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["评价"]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.max_row == 1  # no sample row that could be imported by mistake
    assert ws["A1"].comment.text.startswith("必填。")
    assert "1–5" in ws["B1"].comment.text
    rules = {(dv.type, dv.formula1, dv.formula2): str(dv.sqref) for dv in ws.data_validations.dataValidation}
    level_cells = rules[("whole", "1", "5")]
    assert "B2:B5001" in level_cells and "D2:D5001" in level_cells  # 评价等级 and the first sub-item
    assert rules[("list", '"热线,短信,纸质评价表"', None)] == "C2:C5001"
    assert "说明" in wb.sheetnames


# --------------------------------------------------------------------------- a good file


def test_a_good_file_is_previewed_then_every_rating_lands_with_its_ledger_entry(
        login: Any, pending: Any, users: Any) -> None:
    client = login("office")
    rows = [
        line("P1", 5, "纸质评价表", 服务态度=5, 问题标签="", 意见建议="窗口人员很耐心"),
        line("P2", 2, "热线", 服务效率=2, 问题标签="等待时间长、材料繁琐", 意见建议="排队一个多小时",
             评价人手机号=13900139000),
        line("P3", "满意", "sms"),
        line("N1", 4, "短信", 办事效率=4, 平台操作性=3),
    ]
    before, actions = row_counts(), ledger_actions()
    response = client.post(URL, {"file": workbook(rows)})
    html = response.content.decode()
    assert response.status_code == 200, html
    assert "共 4 行，全部通过检查" in html and "确认导入 4 条评价" in html
    assert row_counts() == before  # the preview writes nothing

    response = client.post(URL, {"confirm": "1", "upload": response.context["upload_key"]})
    assert response.status_code == 302
    assert "已导入 纸质评价.xlsx：评价 4 条，其中差评 1 条已自动立案" in client.get(URL).content.decode()
    got = {r.transaction.external_id: r for r in Rating.objects.filter(transaction__external_id__in=["P1", "P2", "P3", "N1"])}
    assert {k: (r.level, r.channel, r.entered_by) for k, r in got.items()} == {
        "P1": (5, "paper", users["office"]), "P2": (2, "hotline", users["office"]),
        "P3": (4, "sms", users["office"]), "N1": (4, "sms", users["office"])}
    assert got["P1"].items == {"attitude": 5} and got["N1"].items == {"efficiency": 4, "usability": 3}
    assert got["P2"].tags == ["waiting", "materials"] and got["P2"].rater_phone_masked == "139****9000"
    assert got["P2"].real_name and BadRatingCase.objects.filter(rating=got["P2"]).exists()
    new = ledger_actions()[len(actions):]
    assert new == ["rating.submit"] * 4  # one ledger entry per rating, written with it
    assert Rating.objects.count() == before["ratings.Rating"] + 4

    again = client.post(URL, {"confirm": "1", "upload": response.wsgi_request.POST["upload"]}, follow=True)
    assert "预览已过期或已导入" in again.content.decode()
    assert Rating.objects.count() == before["ratings.Rating"] + 4


# --------------------------------------------------------------------------- bad rows


def test_every_bad_row_is_named_with_its_row_number_and_nothing_is_written(login: Any, pending: Any) -> None:
    client = login("office")
    rows = [
        line("P1"),                                     # row 2: fine
        line("NOPE"),                                   # 3: unknown transaction
        line("T1"),                                     # 4: already rated (hall fixture)
        line("P2", 6),                                  # 5: level out of range
        line("OLD"),                                    # 6: rating window over
        line("P1", 3),                                  # 7: duplicate of row 2
        line("P3", "很好"),                              # 8: wrong type
        line("P3", 4, "现场"),                           # 9: not a staff channel (and P3 again)
        line("N1", 4, "热线", 服务环境=3),                # 10: on-site sub-item on an online transaction
        line("P2", 3, "热线", 服务态度="好"),              # 11: sub-item not a number (and P2 again)
        line("", 3, "热线", 评价人手机号="12ab"),          # 12: no id, bad phone
    ]
    before = row_counts()
    response = client.post(URL, {"file": workbook(rows)})
    html = response.content.decode()
    assert response.status_code == 400
    assert "共 11 行，其中 10 行存在错误" in html and "本次未写入任何数据" in html
    expected = [
        "第 3 行：办件编号「NOPE」不存在",
        "第 4 行：办件「T1」已评价，不能重复评价",
        "第 5 行：「评价等级」超出范围：6（应为 1–5）",
        "第 6 行：办件「OLD」的评价期限已于",
        "第 7 行：与第 2 行重复（同一办件编号「P1」",
        "第 8 行：「评价等级」应为 1–5 的整数或等级名称：很好",
        "第 9 行：「评价渠道」应为热线、短信或纸质评价表：现场",
        "第 10 行：「服务环境」不适用于网上办件",
        "第 11 行：「服务态度」应为 1–5 的整数：好",
        "第 12 行：「办件编号」为空",
        "第 12 行：「评价人手机号」手机号格式不正确",
    ]
    for message in expected:
        assert message in html, message
    assert "第 2 行：" not in html
    assert "确认导入" not in html
    assert row_counts() == before


@pytest.mark.parametrize("upload, message", [
    (SimpleUploadedFile("a.csv", b"tid,level\n1,2\n"), "只接受 Excel 工作簿"),
    (SimpleUploadedFile("a.xlsx", b"not a zip at all"), "不是有效的 Excel 工作簿"),
    (workbook([line("P1")], headers=["办件编号", "评价等级", "评价渠道", "满意程度"]), "无法识别的列：满意程度"),
    (workbook([line("P1")], headers=["办件编号", "意见建议"]), "缺少必填列：评价等级、评价渠道"),
    (workbook([]), "没有评价数据"),
])
def test_an_unusable_file_is_refused_next_to_the_field(login: Any, pending: Any, upload: Any, message: str) -> None:
    before = row_counts()
    response = login("office").post(URL, {"file": upload})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert row_counts() == before


def test_an_oversized_file_is_refused(login: Any, pending: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(paper_import, "MAX_UPLOAD_BYTES", 2048)
    before = row_counts()
    response = login("office").post(URL, {"file": workbook([line("P1")])})
    assert response.status_code == 400
    assert "文件过大" in response.content.decode() and "请分批上传" in response.content.decode()
    assert row_counts() == before


def test_too_many_rows_are_refused(login: Any, pending: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(paper_import, "MAX_ROWS", 2)
    before = row_counts()
    response = login("office").post(URL, {"file": workbook([line("P1"), line("P2"), line("P3")])})
    assert response.status_code == 400 and "一次最多导入 2 行评价" in response.content.decode()
    assert row_counts() == before


# --------------------------------------------------------------------------- one import, or none


def test_a_row_rated_after_the_preview_stops_the_whole_import(login: Any, pending: Any) -> None:
    client = login("office")
    response = client.post(URL, {"file": workbook([line("P1"), line("P2", 1, "热线"), line("P3")])})
    assert response.status_code == 200
    rate(pending["P2"], 4)  # a citizen rates P2 between preview and confirmation
    before, actions = row_counts(), ledger_actions()
    response = client.post(URL, {"confirm": "1", "upload": response.context["upload_key"]})
    html = response.content.decode()
    assert response.status_code == 400
    assert "导入时发现数据已变化，未导入任何评价" in html and "第 3 行：办件「P2」已评价" in html
    assert row_counts() == before and ledger_actions() == actions
    assert not Rating.objects.filter(transaction__external_id__in=["P1", "P3"]).exists()


def test_the_service_writes_all_rows_or_none_when_a_late_row_fails(pending: Any, users: Any, monkeypatch: Any) -> None:
    """The last row's write fails for real (its transaction got rated just before, so the
    unique constraint refuses it): the rows already written in the same call roll back."""
    content = workbook([line("P1"), line("P2"), line("P3")]).read()
    calls = []
    real_submit = paper_import.services.rating_submit

    def submit_then_race(**kw: Any) -> Any:
        calls.append(kw["transaction"].external_id)
        if kw["transaction"].external_id == "P3":
            real_submit(transaction=pending["P3"], level=3, channel="mobile")  # another rating lands first
        return real_submit(**kw)

    monkeypatch.setattr(paper_import.services, "rating_submit", submit_then_race)
    before = Rating.objects.count()
    with pytest.raises(paper_import.ImportRefused) as refused:
        paper_import.import_apply(content=content, name="x.xlsx", by=users["office"])
    assert calls == ["P1", "P2", "P3"]
    assert [r.number for r in refused.value.preview.bad_rows] == [4]
    # P1 and P2 were written, then rolled back with the failing row (the racing rating,
    # made inside the same outer transaction by this test, rolls back with them)
    assert Rating.objects.count() == before
    assert not Rating.objects.filter(transaction__external_id__in=["P1", "P2"]).exists()


# --------------------------------------------------------------------------- who may import


@pytest.mark.parametrize("role", ["unit_contact", "evaluator", "supervisor", "admin"])
def test_other_roles_are_refused(login: Any, pending: Any, role: str) -> None:
    client = login(role)
    before = row_counts()
    assert client.get(URL).status_code == 403
    assert client.get("/ratings/import/template.xlsx").status_code == 403
    assert client.post(URL, {"file": workbook([line("P1")])}).status_code == 403
    assert row_counts() == before


def test_anonymous_visitors_go_to_the_log_in_page(client: Any, pending: Any) -> None:
    response = client.post(URL, {"file": workbook([line("P1")])})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_service_refuses_a_user_without_the_capabilities(pending: Any, users: Any) -> None:
    content = workbook([line("P1")]).read()
    before = row_counts()
    for role in ("unit_contact", "supervisor"):
        with pytest.raises(PermissionDenied):
            paper_import.import_apply(content=content, name="x.xlsx", by=users[role])
    assert row_counts() == before


def test_a_preview_key_works_only_in_the_session_that_made_it(login: Any, pending: Any, client: Any,
                                                              users: Any) -> None:
    from django.test import Client

    office = login("office")
    key = office.post(URL, {"file": workbook([line("P1")])}).context["upload_key"]
    other = Client()
    other.force_login(users["office"])
    before = row_counts()
    response = other.post(URL, {"confirm": "1", "upload": key}, follow=True)
    assert "预览已过期或已导入" in response.content.decode()
    assert row_counts() == before


def test_the_entry_page_and_the_menu_link_to_the_import(login: Any, hall: Any) -> None:
    html = login("office").get("/ratings/entry/").content.decode()
    assert 'href="/ratings/import/"' in html and "评价导入" in html
    assert 'href="/ratings/import/"' not in login("unit_contact").get("/ratings/entry/").content.decode()


def test_the_preview_uses_the_transactions_rating_deadline(pending: Any) -> None:
    """A day after a transaction's rating deadline, its row is refused with the deadline named."""
    content = workbook([line("P1")]).read()
    later = pending["P1"].rate_until + dt.timedelta(days=1)
    preview = paper_import.check(content=content, name="x.xlsx", now=later)
    assert [r.number for r in preview.bad_rows] == [2]
    assert preview.bad_rows[0].errors[0].startswith("办件「P1」的评价期限已于")
