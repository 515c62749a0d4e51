"""What the results, unit and heat-map pages show."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from .conftest import bundle, snapshot_units

pytestmark = pytest.mark.django_db
BASE = "/campaigns/R2026Q3/results/"


def chart_data(html: str, element: str) -> dict[str, Any]:
    m = re.search(rf'<script id="{element}" type="application/json">(.*?)</script>', html, re.S)
    assert m, element
    return json.loads(m.group(1))


def test_the_ranking_links_every_unit_to_its_page(people: dict[str, Any], as_user: Any) -> None:
    html = as_user(people["office"]).get(BASE).content.decode()
    for code in ("U01", "U05", "U10"):
        assert f'href="{BASE}units/{code}/"' in html
    assert "活动已截止，可以发布结果" in html
    assert f'href="{BASE}heatmap/"' in html and f'href="{BASE}export.xlsx"' in html


def test_the_unit_page_shows_the_basis_weak_points_radar_and_trend(people: dict[str, Any], closed: Any,
                                                                   as_user: Any) -> None:
    html = as_user(people["office"]).get(BASE + "units/U02/").content.decode()
    u = snapshot_units(closed)["U02"]
    assert "市财政局" in html and f"{u['total']:.2f}" in html and "整改逾期" in html
    assert "2 <small>/ 10</small>" in html  # rank of ten
    data = chart_data(html, "unit-chart-data")
    assert [i["name"] for i in data["radar"]["indicators"]] == ["履职尽责", "服务质量", "工作效率"]
    assert data["radar"]["unit"] == [round(u["nodes"][c], 2) for c in ("A", "B", "C")]
    assert data["trend"]["codes"] == ["R2026Q1", "R2026Q2", "R2026Q3"]
    assert data["trend"]["scores"] == [87, 88, round(u["total"], 2)]
    assert "涉及本单位的预警" in html


def test_weak_indicators_are_the_leaves_furthest_below_the_mean(people: dict[str, Any], closed: Any,
                                                                as_user: Any) -> None:
    from kaoping.reports import selectors

    access = selectors.results_access(user=people["office"], campaign=closed)
    report = selectors.unit_report(campaign=closed, access=access, unit_code="U09")
    diffs = [w["diff"] for w in report["weak"]]
    assert diffs == sorted(diffs) and all(d < 0 for d in diffs)
    assert {w["code"] for w in report["weak"]} <= {"A1", "A2", "B1", "C1"}
    assert report["weak"][0]["code"] == "C1"  # the project behind plan is furthest below on progress


def test_the_trend_includes_an_earlier_campaign_of_the_same_kind(people: dict[str, Any], closed: Any,
                                                                 office: Any, as_user: Any) -> None:
    from kaoping.campaigns.services import bundle_import, results_compute

    earlier = bundle(code="R2025Q4", history=False)
    earlier["campaign"].update({"name": "测试市2025年第四季度单位互评", "period_start": "2025-10-01",
                                "period_end": "2025-12-31"})
    results_compute(campaign=bundle_import(data=earlier, by=office), by=office)
    html = as_user(people["office"]).get(BASE + "units/U02/").content.decode()
    assert chart_data(html, "unit-chart-data")["trend"]["codes"] == ["R2025Q4", "R2026Q1", "R2026Q2", "R2026Q3"]


def test_the_heat_map_shows_who_rates_whom(people: dict[str, Any], as_user: Any) -> None:
    html = as_user(people["office"]).get(BASE + "heatmap/").content.decode()
    data = chart_data(html, "heat-chart-data")
    heat = data["heat"]
    assert "上级评价（未列单位）" in heat["y"] and "市教育局" in heat["x"]
    # P03 (市公安局) rates U01 (j=0 with k=2) on A1, B1 and A2
    x, y = heat["x"].index("市教育局"), heat["y"].index("市公安局")
    cell = next(c for c in heat["cells"] if c[0] == x and c[1] == y)
    assert cell[3] == 3 and cell[2] == pytest.approx((96 + 95 + 95) / 3, abs=0.05)
    assert data["cellUrl"] == BASE + "heatmap/cell/"
    assert [b["name"] for b in data["dist"]["boxes"]] == ["总分", "上级评价", "同级互评"]
    assert sum(data["dist"]["counts"]) == 10
    assert "明显偏高的评价往来" in html


def test_the_heat_map_for_a_supervisor_has_no_rater_names(people: dict[str, Any], as_user: Any) -> None:
    html = as_user(people["supervisor"]).get(BASE + "heatmap/").content.decode()
    assert "张志强" not in html and "李1明" not in html


def test_a_campaign_without_results_says_so(people: dict[str, Any], office: Any, as_user: Any) -> None:
    from kaoping.campaigns.services import bundle_import

    bundle_import(data=bundle(code="EMPTY1"), by=office)
    client = as_user(people["office"])
    for url in ("/campaigns/EMPTY1/results/", "/campaigns/EMPTY1/results/heatmap/"):
        assert "尚未计算结果" in client.get(url).content.decode()
    assert client.get("/campaigns/EMPTY1/results/rules/").status_code == 200
    assert client.get("/campaigns/EMPTY1/results/export.xlsx").status_code == 404
    assert client.get("/campaigns/EMPTY1/results/units/U01/").status_code == 404


def test_the_report_index_lists_what_each_person_may_open(people: dict[str, Any], published_full: Any,
                                                          as_user: Any) -> None:
    html = as_user(people["contact"]).get("/reports/").content.decode()
    assert f'href="{BASE}units/U05/"' in html and "诊断报告" in html
    assert "R2026Q3" in as_user(people["office"]).get("/reports/").content.decode()


def test_nothing_loads_from_another_site(people: dict[str, Any], published_full: Any, as_user: Any) -> None:
    client = as_user(people["office"])
    for url in (BASE, BASE + "units/U01/", BASE + "heatmap/", BASE + "rules/", BASE + "publish/", "/reports/"):
        html = client.get(url).content.decode()
        assert not re.findall(r"""(?:src|href)=["'](?:https?:)?//""", html), url
