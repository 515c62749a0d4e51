"""The settings page of 好差评 (/ratings/settings/): the office edits the RatingPolicy
numbers through services.policy_update; errors are named per field; nothing is written
on an error; other roles are refused."""

from __future__ import annotations

from typing import Any

import pytest

from kaoping.ledger.models import LedgerEntry
from kaoping.ledger.selectors import ledger_verify
from kaoping.ratings import services
from kaoping.ratings.forms import PolicyForm
from kaoping.ratings.models import RatingPolicy

from .conftest import row_counts

pytestmark = pytest.mark.django_db

URL = "/ratings/settings/"


def current() -> dict[str, Any]:
    """What the page would post unchanged (booleans as checkboxes: absent when False)."""
    form = PolicyForm(policy=services.policy_get(fresh=True))
    data = {}
    for name, value in form.initial.items():
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    return data


def policy_values() -> dict[str, Any]:
    p = services.policy_get(fresh=True)
    return {f.name: getattr(p, f.name) for f in RatingPolicy._meta.concrete_fields if f.name != "updated_at"}


def test_the_page_shows_every_number_with_shares_in_per_cent(login: Any, hall: Any) -> None:
    response = login("office").get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    for f in RatingPolicy._meta.concrete_fields:
        if f.name not in ("id", "updated_at"):
            assert f'name="{f.name}"' in html, f.name
            assert str(f.verbose_name) in html
    assert 'name="red_share" value="10"' in html and 'name="burst_share" value="95"' in html
    assert 'name="rating_days" value="7"' in html
    assert "评价期限与逾期默认" in html and "红黑榜与督查预警" in html and "评价异常线索" in html
    assert "尚未修改，以下为默认值" in html


def test_the_office_changes_numbers_and_they_apply(login: Any, hall: Any) -> None:
    client = login("office")
    data = {**current(), "rating_days": "10", "red_share": "15", "default_fill": "on", "default_level": "3",
            "inspection_below": "85.5", "case_done_days": "20"}
    response = client.post(URL, data)
    assert response.status_code == 302 and response["Location"] == URL
    p = services.policy_get()  # the cache was reset by the service
    assert (p.rating_days, p.red_share, p.default_fill, p.default_level, p.inspection_below, p.case_done_days) == (
        10, 0.15, True, 3, 85.5, 20)
    html = client.get(URL).content.decode()
    assert "可评价天数（自然日）：7 → 10" in html and "红榜比例：10% → 15%" in html
    assert "逾期未评按默认等级计：否 → 是" in html and "默认等级：满意 → 基本满意" in html
    assert 'name="red_share" value="15"' in html and "最近修改" in html
    entry = LedgerEntry.objects.filter(action="rating_policy.update").get()  # who changed what, in the ledger
    assert entry.actor == "office" and '"rating_days":[7,10]' in entry.payload and ledger_verify().ok
    # unchecking a box turns it off
    data.pop("default_fill")
    assert client.post(URL, data).status_code == 302
    assert services.policy_get(fresh=True).default_fill is False


def test_an_unchanged_form_says_so(login: Any, hall: Any) -> None:
    client = login("office")
    response = client.post(URL, current(), follow=True)
    assert "参数没有变化" in response.content.decode()


@pytest.mark.parametrize("change, field, message", [
    ({"rating_days": "0"}, "rating_days", "“可评价天数（自然日）”不能小于 1。"),
    ({"rating_days": ""}, "rating_days", "请填写“可评价天数（自然日）”。"),
    ({"rating_days": "七"}, "rating_days", "“可评价天数（自然日）”应为数字"),
    ({"red_share": "60"}, "red_share", "“红榜比例”不能大于 50。"),
    ({"red_share": "abc"}, "red_share", "“红榜比例”应为数字"),
    ({"burst_share": "12.345"}, "burst_share", "最多保留 2 位小数"),
    ({"inspection_below": "120"}, "inspection_below", "不能大于 100"),
    ({"default_level": "9"}, "default_level", "请从列出的等级中选择。"),
    ({"case_plan_days": "10", "case_done_days": "5"}, "case_done_days", "整改完成期限不能短于整改方案期限（10 个工作日）"),
    ({"red_share": "50", "black_share": "50.5"}, "black_share", "不能大于 50"),
    ({"phone_max": "0"}, "phone_max", "不能小于 1"),
])
def test_bad_values_are_named_per_field_and_nothing_is_written(login: Any, hall: Any, change: dict, field: str,
                                                               message: str) -> None:
    client = login("office")
    before, values = row_counts(), policy_values()
    response = client.post(URL, {**current(), "rating_days": "30", **change})
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert f'id="id_{field}-error"' in html and "项参数需要修改" in html
    assert row_counts() == before and policy_values() == values


def test_a_refusal_of_the_model_is_shown_on_its_field(login: Any, hall: Any, monkeypatch: Any) -> None:
    """Checks the page does not make itself are still shown next to the field (the model's
    validators run in policy_update)."""
    from kaoping.ratings import forms

    if "rectify_min_rate" not in {f.name for f in RatingPolicy._meta.fields}:
        pytest.skip("no rectify_min_rate in this model")
    monkeypatch.setitem(forms.POLICY_BOUNDS, "rectify_min_rate", (0, 1000))
    before, values = row_counts(), policy_values()
    response = login("office").post(URL, {**current(), "rectify_min_rate": "150"})
    html = response.content.decode()
    assert response.status_code == 400 and 'id="id_rectify_min_rate-error"' in html
    assert row_counts() == before and policy_values() == values


def test_the_red_and_black_shares_together_stay_within_the_whole(login: Any, hall: Any) -> None:
    form = PolicyForm({**current(), "red_share": "50", "black_share": "50"})
    assert form.is_valid()
    form = PolicyForm({**current(), "red_share": "50", "black_share": "50.01"})
    assert not form.is_valid() and "black_share" in form.errors


@pytest.mark.parametrize("role", ["unit_contact", "supervisor", "evaluator", "admin"])
def test_other_roles_are_refused(login: Any, hall: Any, role: str) -> None:
    client = login(role)
    before, values = row_counts(), policy_values()
    assert client.get(URL).status_code == 403
    assert client.post(URL, {**current(), "rating_days": "30"}).status_code == 403
    assert row_counts() == before and policy_values() == values


def test_the_service_refuses_without_the_capability(hall: Any, users: Any) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.policy_update(by=users["unit_contact"], rating_days=30)
    assert services.policy_get(fresh=True).rating_days == 7


def test_the_office_navigation_links_to_the_settings(login: Any, hall: Any) -> None:
    assert 'href="/ratings/settings/"' in login("office").get("/ratings/").content.decode()
    assert 'href="/ratings/settings/"' not in login("unit_contact").get("/ratings/").content.decode()
    assert 'href="/ratings/settings/"' not in login("supervisor").get("/ratings/").content.decode()
