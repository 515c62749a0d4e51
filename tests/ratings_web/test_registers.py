"""Registers in the web application (R4.1): the office adds and edits halls, windows,
staff and service items; responsible units move open cases; other roles are refused."""

from __future__ import annotations

from typing import Any

import pytest

from kaoping.ledger.models import LedgerEntry
from kaoping.ledger.selectors import ledger_verify
from kaoping.org.models import Unit
from kaoping.ratings.links import kiosk_key
from kaoping.ratings.models import BadRatingCase, Hall, ServiceItem, StaffMember, Window

from .conftest import row_counts

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {**row_counts(), "org.Unit": Unit.objects.count()}


# --------------------------------------------------------------------------- adding


def test_the_office_adds_a_window_to_a_hall_with_its_unit(login: Any, hall: Any, units: Any) -> None:
    client = login("office")
    page = client.get("/ratings/registers/windows/new/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "新增服务窗口" in html and "所属大厅" in html and "窗口代码" in html and "窗口名称" in html
    assert "市民服务大厅（H1）" in html and "区政务服务中心（U2）" in html
    h1 = hall["t1"].hall
    response = client.post("/ratings/registers/windows/new/",
                           {"hall": h1.pk, "code": "W7", "name": "社保医保窗口", "unit": units["U2"].pk})
    w = Window.objects.get(hall=h1, code="W7")
    assert response.status_code == 302 and response["Location"] == f"/ratings/registers/windows/{w.pk}/"
    assert (w.name, w.unit, w.confirmed, w.responsible_unit_id()) == ("社保医保窗口", units["U2"], True, units["U2"].pk)
    assert "已登记服务窗口 W7：社保医保窗口" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("kind, data, check", [
    ("halls", {"code": "H5", "name": "高新区政务服务大厅", "unit": "U2"},
     lambda: Hall.objects.filter(code="H5", name="高新区政务服务大厅", unit__code="U2", confirmed=True).exists()),
    ("staff", {"code": "S7", "name": "王五", "window": "W1"},
     lambda: StaffMember.objects.filter(code="S7", name="王五", window__code="W1", confirmed=True).exists()),
    ("items", {"code": "ITEM9", "name": "不动产登记"},
     lambda: ServiceItem.objects.filter(code="ITEM9", name="不动产登记", confirmed=True).exists()),
])
def test_the_office_adds_a_hall_a_staff_member_and_an_item(login: Any, hall: Any, units: Any, kind: str,
                                                          data: dict, check: Any) -> None:
    if "unit" in data:
        data = {**data, "unit": units[data["unit"]].pk}
    if "window" in data:
        data = {**data, "window": Window.objects.get(code=data["window"]).pk}
    response = login("office").post(f"/ratings/registers/{kind}/new/", data)
    assert response.status_code == 302, response.content.decode()
    assert check()


@pytest.mark.parametrize("data, message", [
    ({"code": "W1", "name": "重复窗口"}, "代码 W1 已登记"),
    ({"code": "W7", "name": ""}, "请填写窗口名称。"),
    ({"code": "", "name": "新窗口"}, "请填写窗口代码。"),
    ({"code": "W/7", "name": "新窗口"}, "代码不能包含空格"),
    ({"code": "W 7", "name": "新窗口"}, "代码不能包含空格"),
    ({"code": "W" * 65, "name": "新窗口"}, "窗口代码不超过 64 个字符"),
    ({"code": "W7", "name": "名" * 201}, "窗口名称不超过 200 个字"),
    ({"code": "W7", "name": "新窗口", "hall": ""}, "请选择窗口所属的大厅。"),
    ({"code": "W7", "name": "新窗口", "hall": "999999"}, "所选大厅不存在"),
    ({"code": "W7", "name": "新窗口", "unit": "999999"}, "所选单位不存在"),
])
def test_bad_input_is_named_next_to_its_field_and_nothing_is_written(login: Any, hall: Any, data: dict,
                                                                     message: str) -> None:
    data = {"hall": str(hall["t1"].hall.pk), **data}
    before = counts()
    response = login("office").post("/ratings/registers/windows/new/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'class="field has-error' in html  # next to the field, not only at the top
    assert counts() == before


def test_the_same_window_code_may_be_used_in_another_hall(login: Any, hall: Any) -> None:
    h2 = hall["t9"].hall
    response = login("office").post("/ratings/registers/windows/new/", {"hall": h2.pk, "code": "W1", "name": "综合窗口"})
    assert response.status_code == 302
    assert Window.objects.filter(code="W1").count() == 2


def test_an_unknown_register_is_404(login: Any, hall: Any) -> None:
    client = login("office")
    assert client.get("/ratings/registers/desks/new/").status_code == 404
    assert client.get("/ratings/registers/windows/999999/").status_code == 404
    assert client.get("/ratings/registers/desks/1/").status_code == 404


# --------------------------------------------------------------------------- editing


def test_the_office_edits_a_confirmed_window_and_its_open_cases_follow_the_new_unit(login: Any, hall: Any,
                                                                                     units: Any) -> None:
    w2 = Window.objects.get(code="W2")
    case = hall["case"]  # the bad rating of T2 at W2, filed with hall H1's unit
    assert case.unit == units["U1"]
    client = login("office")
    page = client.get(f"/ratings/registers/windows/{w2.pk}/")
    assert page.status_code == 200 and "保存并确认" in page.content.decode()  # W2 came in unconfirmed
    response = client.post(f"/ratings/registers/windows/{w2.pk}/", {"name": "不动产登记窗口", "unit": units["U2"].pk})
    assert response.status_code == 302
    w2.refresh_from_db()
    case.refresh_from_db()
    assert (w2.name, w2.unit, w2.confirmed) == ("不动产登记窗口", units["U2"], True)
    assert case.unit == units["U2"]
    html = client.get(response["Location"]).content.decode()
    assert "已保存服务窗口 W2：不动产登记窗口" in html
    assert "责任单位已更改为 区政务服务中心，在办的差评已转由该单位办理。" in html
    # a row already confirmed is edited the same way
    response = client.post(f"/ratings/registers/windows/{w2.pk}/", {"name": "不动产窗口", "unit": units["U1"].pk})
    case.refresh_from_db()
    assert response.status_code == 302 and case.unit == units["U1"]
    # each move of the cases is in the ledger, which still verifies
    moves = LedgerEntry.objects.filter(action="rating_case.rehome").order_by("seq")
    assert [e.object_id for e in moves] == ["W2", "W2"] and '"cases":1' in moves[0].payload
    assert ledger_verify().ok


def test_a_closed_case_stays_with_its_unit(login: Any, hall: Any, units: Any, users: Any) -> None:
    from kaoping.ratings.services import case_advance

    case = hall["case"]
    for action, note, verdict in (("callback", "已回访", None), ("verify", "属实", "found"),
                                  ("rectify", "增开窗口", None), ("reply", "已答复", None)):
        case_advance(case=case, action=action, note=note, verdict=verdict, by=users["office"])
    w2 = Window.objects.get(code="W2")
    login("office").post(f"/ratings/registers/windows/{w2.pk}/", {"name": "W2", "unit": units["U2"].pk})
    assert BadRatingCase.objects.get(pk=case.pk).unit == units["U1"]


def test_a_hall_gets_a_unit_and_a_staff_member_a_window(login: Any, hall: Any, units: Any) -> None:
    client = login("office")
    h1, s1, w2 = hall["t1"].hall, StaffMember.objects.get(code="S1"), Window.objects.get(code="W2")
    assert client.post(f"/ratings/registers/halls/{h1.pk}/",
                       {"name": "市民之家", "unit": units["U2"].pk}).status_code == 302
    assert client.post(f"/ratings/registers/staff/{s1.pk}/", {"name": "李四", "window": w2.pk}).status_code == 302
    item = ServiceItem.objects.get(code="ITEM1")
    assert client.post(f"/ratings/registers/items/{item.pk}/", {"name": "企业开办"}).status_code == 302
    h1.refresh_from_db()
    s1.refresh_from_db()
    item.refresh_from_db()
    assert (h1.name, h1.unit) == ("市民之家", units["U2"])
    assert (s1.name, s1.window, s1.confirmed) == ("李四", w2, True)
    assert item.name == "企业开办"
    # the edit page keeps the code and the hall: they are not fields
    html = client.get(f"/ratings/registers/windows/{w2.pk}/").content.decode()
    assert 'name="code"' not in html and 'name="hall"' not in html


@pytest.mark.parametrize("data, field, message", [
    ({"name": ""}, "name", "请填写窗口名称。"),
    ({"name": "W1", "unit": ""}, "unit", "已指定的责任单位不能清空"),
    ({"name": "W1", "unit": "999999"}, "unit", "所选单位不存在"),
])
def test_a_bad_edit_is_named_and_nothing_changes(login: Any, hall: Any, units: Any, data: dict, field: str,
                                                 message: str) -> None:
    w1 = hall["t1"].window
    Window.objects.filter(pk=w1.pk).update(unit=units["U1"])
    before, name = counts(), Window.objects.get(pk=w1.pk).name
    response = login("office").post(f"/ratings/registers/windows/{w1.pk}/", data)
    html = response.content.decode()
    assert response.status_code == 400 and message in html
    assert f'id="id_{field}-error"' in html
    assert counts() == before
    w1.refresh_from_db()
    assert (w1.name, w1.unit) == (name, units["U1"])


def test_a_service_refusal_is_shown_on_the_form(login: Any, hall: Any, monkeypatch: Any) -> None:
    from kaoping.ratings import services

    def refuse(**kw: Any) -> Any:
        raise services.RatingError("name 含有非法字符", location="name")

    monkeypatch.setattr(services, "code_confirm", refuse)
    w1 = hall["t1"].window
    response = login("office").post(f"/ratings/registers/windows/{w1.pk}/", {"name": "新名称"})
    assert response.status_code == 400
    assert "窗口名称含有非法字符" in response.content.decode()


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize("role", ["unit_contact", "supervisor", "evaluator", "admin"])
def test_other_roles_may_neither_add_nor_edit(login: Any, hall: Any, units: Any, role: str) -> None:
    client = login(role)
    w1 = hall["t1"].window
    before = counts()
    assert client.get("/ratings/registers/windows/new/").status_code == 403
    assert client.get(f"/ratings/registers/windows/{w1.pk}/").status_code == 403
    assert client.post("/ratings/registers/windows/new/",
                       {"hall": w1.hall_id, "code": "W7", "name": "x"}).status_code == 403
    assert client.post(f"/ratings/registers/windows/{w1.pk}/", {"name": "x", "unit": units["U2"].pk}).status_code == 403
    assert counts() == before


def test_the_service_refuses_without_the_capability(hall: Any, users: Any) -> None:
    from django.core.exceptions import PermissionDenied

    from kaoping.ratings.services import code_confirm, register_create

    before = counts()
    with pytest.raises(PermissionDenied):
        register_create(kind="item", code="X1", name="x", by=users["unit_contact"])
    with pytest.raises(PermissionDenied):
        code_confirm(obj=hall["t1"].window, name="x", by=users["supervisor"])
    assert counts() == before


def test_the_list_links_to_add_edit_and_the_terminal_for_the_office_only(login: Any, hall: Any) -> None:
    office = login("office").get("/ratings/registers/windows/").content.decode()
    w1 = hall["t1"].window
    assert "新增服务窗口" in office and f"/ratings/registers/windows/{w1.pk}/" in office
    assert "终端地址" in office and kiosk_key("H1", "W1") in office
    assert "市政务服务中心" in office and "（随大厅）" in office  # W1 answers through its hall
    contact = login("unit_contact").get("/ratings/registers/windows/").content.decode()
    assert "新增服务窗口" not in contact and f"/ratings/registers/windows/{w1.pk}/" not in contact
    assert kiosk_key("H1", "W1") not in contact and "?k=" not in contact
