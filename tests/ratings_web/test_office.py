"""Office and unit pages: staff entry, Excel upload, cases, appeals, registers, public record."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from kaoping.ratings.forms import COLUMNS
from kaoping.ratings.models import Appeal, BadRatingCase, Rating, Transaction, Window

from .conftest import row_counts, txn

pytestmark = pytest.mark.django_db

HEADERS = [c[1] for c in COLUMNS]


# --------------------------------------------------------------------------- staff entry


def test_staff_enter_a_hotline_rating_with_the_channel_and_who_entered_it(login: Any, hall: Any, users: Any) -> None:
    client = login("office")
    response = client.post("/ratings/entry/", {"transaction": "T3", "channel": "hotline", "level": "2",
                                               "rater_phone": "13700137000", "comment": "电话反映等待久"})
    assert response.status_code == 302
    rating = Rating.objects.get(transaction__external_id="T3")
    assert (rating.channel, rating.level, rating.entered_by, rating.real_name) == ("hotline", 2, users["office"], True)
    assert rating.rater_phone_masked == "137****7000"
    html = client.get(response["Location"]).content.decode()
    assert "已录入办件 T3 的评价：不满意（热线）" in html


@pytest.mark.parametrize("data, field_message", [
    ({"transaction": "NOPE", "channel": "paper", "level": "5"}, "办件编号不存在"),
    ({"transaction": "T3", "channel": "paper"}, "请选择一项评价后再提交"),
    ({"transaction": "T3", "channel": "kiosk", "level": "5"}, "请选择热线、短信或纸质评价表"),
    ({"transaction": "T3", "channel": "sms", "level": "5", "rater_phone": "12ab"}, "手机号格式不正确"),
    ({"transaction": "T1", "channel": "paper", "level": "5"}, "已评价，不能重复评价"),
    ({"transaction": "", "channel": "paper", "level": "5"}, "请填写办件编号"),
])
def test_bad_staff_entry_is_explained_next_to_the_field_and_nothing_is_written(
        login: Any, hall: Any, data: dict, field_message: str) -> None:
    client = login("office")
    before = row_counts()
    response = client.post("/ratings/entry/", data)
    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert row_counts() == before


# --------------------------------------------------------------------------- Excel upload


def workbook(rows: list[list[Any]], headers: list[str] = HEADERS) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("办件.xlsx", buf.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def row(tid: str, **over: Any) -> list[Any]:
    values = {"办件编号": tid, "服务事项编码": "ITEM1", "大厅代码": "H1", "窗口代码": "W1", "工作人员工号": "S1",
              "办理渠道": "onsite", "申请人姓名": "李四", "申请人手机号": 13600136000,
              "受理时间": dt.datetime(2026, 6, 3, 9, 30), "办结时间": "2026-06-03 09:52",
              "承诺时限（分钟）": 30, "承诺时限（天）": None, "是否即办": "是", "等候时长（分钟）": 6}
    values.update(over)
    return [values[h] for h in HEADERS]


def test_the_template_has_every_column(login: Any, hall: Any) -> None:
    response = login("office").get("/ratings/upload/template.xlsx")
    ws = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in ws[1]] == HEADERS


def test_an_upload_is_previewed_then_imported(login: Any, hall: Any) -> None:
    client = login("office")
    before = Transaction.objects.count()
    response = client.post("/ratings/upload/", {"file": workbook([row("X1"), row("X2", 是否即办="否")])})
    html = response.content.decode()
    assert response.status_code == 200
    assert "全部通过检查：新增 2 条" in html
    assert Transaction.objects.count() == before  # the preview writes nothing
    key = response.context["upload_key"]
    response = client.post("/ratings/upload/", {"confirm": "1", "upload": key})
    assert response.status_code == 302
    assert Transaction.objects.count() == before + 2
    x1 = Transaction.objects.get(external_id="X1")
    assert x1.on_the_spot and x1.applicant_phone_masked == "136****6000" and x1.source == "excel:办件.xlsx"
    assert x1.accepted_at == dt.datetime(2026, 6, 3, 1, 30, tzinfo=dt.UTC)  # Beijing time, stored UTC
    # the same preview cannot be imported twice
    again = client.post("/ratings/upload/", {"confirm": "1", "upload": key}, follow=True)
    assert "预览已过期或已导入" in again.content.decode()
    assert Transaction.objects.count() == before + 2


def test_every_bad_row_is_named_and_nothing_is_written(login: Any, hall: Any) -> None:
    client = login("office")
    before = row_counts()
    rows = [
        row("G1"),
        row("B2", 受理时间="昨天上午"),
        row("B3", 服务事项编码=None),
        row("B4", **{"承诺时限（分钟）": "半小时"}),
        row("G1", 窗口代码="W2"),  # same id, different content
        row("B6", 申请人手机号="12ab"),
        row("B7", 办结时间="2026-06-01 08:00"),  # before it was accepted
    ]
    response = client.post("/ratings/upload/", {"file": workbook(rows)})
    html = response.content.decode()
    assert response.status_code == 400
    assert "有 6 行存在错误" in html
    assert "第 3 行：「受理时间」不是有效的时间" in html
    assert "第 4 行：「服务事项编码」" in html
    assert "第 5 行：「承诺时限（分钟）」应为整数" in html
    assert "第 6 行：" in html and "已存在且内容不同" in html
    assert "第 7 行：" in html and "手机号格式不正确" in html
    assert "第 8 行：" in html and "早于" in html
    assert "确认导入" not in html
    assert row_counts() == before


@pytest.mark.parametrize("upload, message", [
    (SimpleUploadedFile("a.csv", b"id,hall\n1,2\n"), "只接受 Excel 工作簿"),
    (SimpleUploadedFile("a.xlsx", b"not a zip at all"), "不是有效的 Excel 工作簿"),
    (workbook([row("X")], headers=[h if h != "受理时间" else "受理日" for h in HEADERS]), "无法识别的列：受理日"),
    (workbook([row("X")[:3]], headers=HEADERS[:3]), "缺少必填列：窗口代码、受理时间"),
    (workbook([]), "没有办件数据"),
])
def test_an_unusable_file_is_refused_next_to_the_field(login: Any, hall: Any, upload: Any, message: str) -> None:
    before = row_counts()
    response = login("office").post("/ratings/upload/", {"file": upload})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert row_counts() == before


def test_an_oversized_upload_is_refused(login: Any, hall: Any, settings: Any) -> None:
    from kaoping.ratings import forms

    big = SimpleUploadedFile("big.xlsx", b"0" * (forms.UPLOAD_MAX_BYTES + 1))
    response = login("office").post("/ratings/upload/", {"file": big})
    assert response.status_code == 400 and "文件超过 5 MB" in response.content.decode()


def test_a_forged_preview_key_imports_nothing(login: Any, hall: Any) -> None:
    before = row_counts()
    response = login("office").post("/ratings/upload/", {"confirm": "1", "upload": "../../etc/passwd"}, follow=True)
    assert "预览已过期或已导入" in response.content.decode()
    assert row_counts() == before


# --------------------------------------------------------------------------- cases


def test_the_office_sees_every_case_and_a_contact_only_their_units(login: Any, hall: Any) -> None:
    office = login("office").get("/ratings/cases/").content.decode()
    assert "<code>T2</code>" in office and "<code>T9</code>" in office
    contact = login("unit_contact").get("/ratings/cases/").content.decode()
    assert "<code>T2</code>" in contact and "<code>T9</code>" not in contact


def test_a_case_is_called_back_verified_rectified_and_closed(login: Any, hall: Any) -> None:
    client = login("unit_contact")
    case = hall["case"]
    path = f"/ratings/cases/{case.pk}/step/"
    for data in ({"action": "callback", "note": "已电话回访"}, {"action": "verify", "verdict": "found", "note": "属实"},
                 {"action": "rectify", "note": "增开窗口"}, {"action": "reply", "note": "已答复评价人"}):
        response = client.post(path, data)
        assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.status == "closed" and case.rectification == "增开窗口"
    html = client.get(f"/ratings/cases/{case.pk}/").content.decode()
    assert "已办结" in html and "增开窗口" in html


@pytest.mark.parametrize("data, message", [
    ({"action": "verify", "note": "x"}, "请选择核实结论"),
    ({"action": "plan", "note": ""}, "请填写内容"),
    ({"action": "reply", "note": "好了"}, "实名差评须 100% 回访后才能办结"),
    ({"action": "launch"}, "未知操作"),
])
def test_a_wrong_case_step_is_explained_and_nothing_changes(login: Any, hall: Any, data: dict, message: str) -> None:
    client = login("office")
    before = row_counts()
    response = client.post(f"/ratings/cases/{hall['case'].pk}/step/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert row_counts() == before


def test_the_case_page_masks_the_rater_until_the_handler_asks_for_the_call_back_number(login: Any, hall: Any) -> None:
    client = login("office")
    html = client.get(f"/ratings/cases/{hall['case'].pk}/").content.decode()
    assert "139****9000" in html and "13900139000" not in html
    shown = client.post(f"/ratings/cases/{hall['case'].pk}/phone/").content.decode()
    assert "13900139000" in shown


def test_a_contact_does_not_see_the_applicant(login: Any, hall: Any) -> None:
    html = login("unit_contact").get(f"/ratings/cases/{hall['case'].pk}/").content.decode()
    assert "张*" not in html and "138****8000" not in html


def test_overdue_cases_are_flagged(login: Any, hall: Any) -> None:
    BadRatingCase.objects.filter(pk=hall["case"].pk).update(plan_due=dt.date(2020, 1, 2), done_due=dt.date(2020, 1, 3))
    html = login("office").get("/ratings/cases/?overdue=1").content.decode()
    # the case's transaction code, not "T9" anywhere: a page's random CSRF token may hold it
    assert "<code>T2</code>" in html and "逾期" in html and "<code>T9</code>" not in html


# --------------------------------------------------------------------------- appeals


def test_a_unit_appeals_and_a_reviewer_upholds(login: Any, hall: Any) -> None:
    case = hall["case"]
    response = login("unit_contact").post(f"/ratings/cases/{case.pk}/appeal/", {"reason": "恶意差评，监控可证"})
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    reviewer = login("supervisor")
    assert "恶意差评，监控可证" in reviewer.get("/ratings/appeals/").content.decode()
    response = reviewer.post(f"/ratings/appeals/{appeal.pk}/decide/",
                             {f"a{appeal.pk}-decision": "uphold", f"a{appeal.pk}-note": "经查属实"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == "upheld" and Rating.objects.get(pk=case.rating_id).excluded


def test_an_appeal_needs_a_reason_and_a_decision_needs_a_note(login: Any, hall: Any) -> None:
    before = row_counts()
    response = login("unit_contact").post(f"/ratings/cases/{hall['case'].pk}/appeal/", {"reason": ""})
    assert response.status_code == 400 and "请填写申诉理由" in response.content.decode()
    assert row_counts() == before
    login("unit_contact").post(f"/ratings/cases/{hall['case'].pk}/appeal/", {"reason": "误评"})
    appeal = Appeal.objects.get()
    before = row_counts()
    response = login("supervisor").post(f"/ratings/appeals/{appeal.pk}/decide/", {f"a{appeal.pk}-decision": "reject"})
    assert response.status_code == 400 and "请填写复核意见" in response.content.decode()
    assert row_counts() == before


def test_nobody_decides_their_own_appeal(login: Any, hall: Any) -> None:
    client = login("office")
    client.post(f"/ratings/cases/{hall['case'].pk}/appeal/", {"reason": "误评"})
    appeal = Appeal.objects.get()
    assert "须由其他复核人决定" in client.get("/ratings/appeals/").content.decode()
    response = client.post(f"/ratings/appeals/{appeal.pk}/decide/",
                           {f"a{appeal.pk}-decision": "uphold", f"a{appeal.pk}-note": "x"})
    assert response.status_code == 400 and "申诉人不能复核自己的申诉" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == "pending"


# --------------------------------------------------------------------------- registers


def test_the_office_confirms_a_code_registered_on_first_use(login: Any, hall: Any) -> None:
    w2 = Window.objects.get(code="W2")
    client = login("office")
    html = client.get("/ratings/registers/windows/").content.decode()
    assert "待确认" in html
    response = client.post(f"/ratings/registers/windows/{w2.pk}/confirm/", {"name": "不动产登记窗口"})
    assert response.status_code == 302
    w2.refresh_from_db()
    assert w2.confirmed and w2.name == "不动产登记窗口"
    bad = client.post(f"/ratings/registers/windows/{w2.pk}/confirm/", {"name": ""}, follow=True)
    assert "请填写名称" in bad.content.decode()
    assert client.post("/ratings/registers/halls/999999/confirm/", {"name": "x"}).status_code == 404


def test_a_contact_sees_the_registers_without_confirm_buttons(login: Any, hall: Any) -> None:
    html = login("unit_contact").get("/ratings/registers/windows/").content.decode()
    assert "待确认" in html and "/confirm/" not in html


def test_the_qr_sheet_has_a_code_per_unrated_transaction(login: Any, hall: Any) -> None:
    from kaoping.ratings.links import link_token

    html = login("office").get("/ratings/windows/H1/W1/qr/").content.decode()
    assert link_token("T3") in html and link_token("T1") not in html
    assert html.count("<svg") == 2  # T3 and the window's public page


# --------------------------------------------------------------------------- dashboard, statistics, public


def test_the_dashboard_shows_the_months_figures(login: Any, hall: Any) -> None:
    html = login("office").get("/ratings/").content.decode()
    assert "满意度" in html and "红黑榜与督查预警" in html and "ratings-dashboard-data" in html
    assert "等待时间长" in html  # comment analysis (jieba): 排队太久 → 等待时间长
    assert "/static/vendor/echarts-6.1.0/echarts.min.js" in html


def test_a_bad_period_is_explained(login: Any, hall: Any) -> None:
    html = login("office").get("/ratings/stats/?period=2026-13").content.decode()
    assert "月份格式应为 YYYY-MM" in html


@pytest.mark.parametrize("by", ["window", "staff", "item", "hall"])
def test_statistics_per_kind(login: Any, hall: Any, by: str) -> None:
    response = login("office").get(f"/ratings/stats/?by={by}")
    assert response.status_code == 200 and "满意度" in response.content.decode()


def test_the_public_record_shows_figures_and_rectification_without_personal_data(client: Any, login: Any,
                                                                                  hall: Any) -> None:
    office = login("office")
    case = hall["case"]
    for data in ({"action": "callback", "note": "已回访 13900139000"},
                 {"action": "verify", "verdict": "found", "note": "属实"},
                 {"action": "rectify", "note": "增设叫号屏，联系人 13900139000"},
                 {"action": "reply", "note": "已答复，身份证 110101199003077777 已核"}):
        office.post(f"/ratings/cases/{case.pk}/step/", data)
    client.logout()
    html = client.get("/public/windows/H1/W2/").content.decode()
    assert "增设叫号屏" in html and "139****9000" in html and "13900139000" not in html
    assert "110101********7777" in html and "110101199003077777" not in html
    assert "138****8000" not in html and "张" not in html.split("差评整改公示")[1]
    listing = client.get("/public/windows/?q=综合").content.decode()
    assert "综合受理一号窗口" in listing and "W2" not in listing


def test_unrated_transactions_show_nothing_on_the_public_page(client: Any, db: Any) -> None:
    txn("T1")
    assert client.get("/public/windows/H1/W1/").status_code == 200
    assert client.get("/public/windows/H1/NOPE/").status_code == 404
