"""The detail page's chart for each alert kind (the spec the page hands to ECharts)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from kaoping.alerts.models import Alert

from .conftest import OUTSIDE_REMIT, UNKNOWN

pytestmark = pytest.mark.django_db


def _page(client: Any, alert: Alert) -> tuple[str, dict[str, Any] | None, str | None]:
    html = client.get(f"/alerts/{alert.pk}/").content.decode()
    found = re.search(r'<script id="(alert-(?:chart|rotation)-data)"[^>]*>(.*?)</script>', html, re.S)
    return html, json.loads(found.group(2)) if found else None, found.group(1) if found else None


def test_rotation_shows_who_was_first_in_each_period(client: Any, kinds_campaign: Any, office: Any) -> None:
    alert = Alert.objects.get(campaign=kinds_campaign, kind="rotation")
    a, b, w = (p["first"][0] for p in alert.data["periods"][:3])
    client.force_login(office)
    html, chart, data_id = _page(client, alert)
    assert data_id == "alert-rotation-data" and 'id="alert-rotation-chart"' in html
    assert chart["periods"] == ["H01", "H02", "H03", "H04", "H05", "K2026Q3"]
    holders = sorted({a, b, w})
    off = alert.data["off_turn_rank"]
    assert chart["holders"] == [f"{h}（平时第 {off[h]:g} 名）" for h in holders]
    turns = [a, b, w, a, b, w]
    assert chart["firsts"] == [[i, holders.index(u)] for i, u in enumerate(turns)]
    assert "/static/alerts/rotation-chart.js" in html and "/static/alerts/alerts.js" not in html
    # the periods read as a chain, not as raw JSON
    assert f"H01 {a} → H02 {b} → H03 {w} → H04 {a} → H05 {b} → K2026Q3 {w}" in html
    assert "不当第一时的排名中位数" in html and "{&#x27;campaign" not in html
    assert "轮流坐庄" in html


def test_too_many_units_compares_the_rater_with_the_group(client: Any, kinds_campaign: Any,
                                                          supervisor: Any) -> None:
    alert = Alert.objects.get(campaign=kinds_campaign, kind="rater_unknown_target", raters=[UNKNOWN])
    client.force_login(supervisor)
    html, chart, data_id = _page(client, alert)
    assert data_id == "alert-chart-data" and "/static/alerts/alerts.js" in html
    assert chart["title"] == "评价的单位数（个）"
    assert chart["labels"] == [f"评价人 {UNKNOWN}", "同组一般评价人"]
    assert chart["values"] == [12, 3.5]
    assert chart["line"] == 8.5  # flagged at 1.5 × 3.5 = 5.25 units and 3.5 + 5 = 8.5 units: the larger
    assert "评价的单位数远多于同组" in html and "群众评价" in html and "群众6" not in html
    assert "同组一般评价单位数" in html and "同组一般偏离" not in html


def test_outside_the_remit_compares_the_remit_with_the_units_outside(client: Any, kinds_campaign: Any,
                                                                     office: Any) -> None:
    alert = Alert.objects.get(campaign=kinds_campaign, kind="rater_unknown_target", raters=[OUTSIDE_REMIT])
    client.force_login(office)
    html, chart, _ = _page(client, alert)
    assert chart["labels"] == ["范围外却打了分的单位", "评价范围内的单位"]
    assert chart["values"] == [1, 2] and chart["line"] is None and chart["decimals"] == 0
    assert "范围外评分条数" in html
    assert "对评价范围外的单位打分" in html


@pytest.mark.parametrize("kind", ["rater_lenient", "straight_line", "mutual_high", "fluctuation", "low_streak",
                                  "rotation", "rater_unknown_target"])
def test_every_investigated_kind_has_a_chart(client: Any, kinds_campaign: Any, office: Any, kind: str) -> None:
    client.force_login(office)
    for alert in Alert.objects.filter(campaign=kinds_campaign, kind=kind):
        _, chart, _ = _page(client, alert)
        assert chart is not None, f"{kind} #{alert.pk}"
