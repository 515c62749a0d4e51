"""The comments dashboard segments a month once: later requests read the cache until a
rating is added or excluded; jieba's dictionary is loaded once per process."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from kaoping.ratings import comments
from kaoping.ratings.services import appeal_decide, appeal_file

from .conftest import rate, txn

pytestmark = pytest.mark.django_db


@pytest.fixture
def segmented(monkeypatch: Any) -> list[str]:
    """The comments segmented, one entry per call of ``analyse_text``."""
    cache.clear()
    calls: list[str] = []
    real = comments.analyse_text

    def counting(text: str) -> dict[str, Any]:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(comments, "analyse_text", counting)
    return calls


def phrases(response: Any) -> dict[str, int]:
    return dict(response.context["phrases"]["phrases"])


def test_a_second_request_does_not_segment_again(login: Any, hall: Any, segmented: list[str]) -> None:
    client = login("office")
    first = client.get("/ratings/")
    # this month's three comments (the window filter is off), once each — not once for
    # the table and again for the chart's current month
    assert sorted(segmented) == sorted(["服务很好，态度热情", "排队太久，材料繁琐", "态度冷漠"])
    segmented.clear()
    second = client.get("/ratings/")
    assert segmented == []
    assert phrases(second) == phrases(first) == {"等待时间长": 1, "材料繁琐": 1, "态度冷漠": 1}
    assert second.context["chart"]["phrases"] == first.context["chart"]["phrases"]


def test_a_new_rating_changes_the_result(login: Any, hall: Any, segmented: list[str]) -> None:
    client = login("office")
    client.get("/ratings/")
    rate(txn("T20"), 2, comment="材料太多，跑了好几趟")
    segmented.clear()
    response = client.get("/ratings/")
    assert "材料太多，跑了好几趟" in segmented
    assert phrases(response) == {"材料繁琐": 2, "等待时间长": 1, "态度冷漠": 1, "多次跑腿": 1}
    series = {s["name"]: s["data"][-1] for s in response.context["chart"]["phrases"]["series"]}
    assert series["材料繁琐"] == 2 and series["多次跑腿"] == 1


def test_an_excluded_rating_changes_the_result(login: Any, hall: Any, users: Any, segmented: list[str]) -> None:
    client = login("office")
    assert phrases(client.get("/ratings/"))["材料繁琐"] == 1
    appeal = appeal_file(rating=hall["bad"], reason="恶意差评", by=users["unit_contact"])
    appeal_decide(appeal=appeal, uphold=True, note="经查属实", by=users["supervisor"])
    assert phrases(client.get("/ratings/")) == {"态度冷漠": 1}


def test_each_window_has_its_own_entry(login: Any, hall: Any, segmented: list[str]) -> None:
    client = login("office")
    w2 = hall["t2"].window_id
    assert phrases(client.get(f"/ratings/?w={w2}")) == {"等待时间长": 1, "材料繁琐": 1}
    assert phrases(client.get("/ratings/")) == {"等待时间长": 1, "材料繁琐": 1, "态度冷漠": 1}
    segmented.clear()
    client.get(f"/ratings/?w={w2}")
    client.get("/ratings/")
    assert segmented == []


def test_jieba_is_loaded_once_per_process() -> None:
    tok = comments._tokenizer()
    assert tok.initialized and comments._tokenizer() is tok
    assert comments.analyse_text("排队太久，窗口很拥挤")["phrases"] == ["等待时间长"]
