"""Browser journeys through the results pages, with desktop and phone screenshots.

"The office closes and publishes" and "a unit contact reads their own report". Closing
goes through the campaign services (the campaign pages have their own journeys).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.reports.conftest import PASSWORD, bundle

from .conftest import shot

pytestmark = [pytest.mark.browser]


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def _charts_drawn(page: Any, selector: str) -> None:
    """ECharts draws into a canvas inside the container once the script ran."""
    page.wait_for_selector(f"{selector} canvas", timeout=10_000)


@pytest.fixture
def setup(transactional_db: Any) -> dict[str, Any]:
    from kaoping.accounts.services import user_create
    from kaoping.campaigns.services import bundle_import, campaign_transition
    from kaoping.org.models import Unit
    from kaoping.reports import selectors

    selectors.cache_clear()
    office = user_create(username="office1", password=PASSWORD, role="office", name="李明华")
    campaign = bundle_import(data=bundle(), by=office, source="test")
    campaign = campaign_transition(campaign=campaign, to="open", by=office)
    contact = user_create(username="contact5", password=PASSWORD, role="unit_contact",
                          unit=Unit.objects.get(code="U05"), name="陈静")
    return {"office": office, "campaign": campaign, "contact": contact}


def _close(setup: dict[str, Any]) -> None:
    from kaoping.campaigns.services import campaign_transition, results_compute

    c = campaign_transition(campaign=setup["campaign"], to="closed", by=setup["office"])
    results_compute(campaign=c, by=setup["office"])


def test_the_office_closes_and_publishes(setup: dict[str, Any], live_server: Any, page: Any, phone: Any) -> None:
    base = live_server.url
    _close(setup)
    _login(page, base, "office1")
    page.goto(f"{base}/campaigns/R2026Q3/results/")
    _charts_drawn(page, "#chart-totals")
    assert page.locator("text=活动已截止，可以发布结果").count() == 1
    shot(page, "reports-ranking-desktop")

    page.click("nav.rp-tabs >> text=协作分析")
    _charts_drawn(page, "#chart-heat")
    shot(page, "reports-heatmap-desktop")

    page.click("nav.rp-tabs >> text=发布")
    page.check("input[name=mode][value=interval]")
    page.fill("input[name=top_percent]", "30")
    page.fill("input[name=bottom_percent]", "10")
    page.fill("textarea[name=note]", "经考核委员会审定")
    page.click("button:has-text('确认发布')")
    page.wait_for_load_state("networkidle")
    assert page.locator("text=结果已发布").count() == 1
    assert page.locator(".page-head .badge", has_text="已发布").count() == 1

    _login(phone, base, "office1")
    phone.goto(f"{base}/campaigns/R2026Q3/results/")
    _charts_drawn(phone, "#chart-totals")
    shot(phone, "reports-ranking-phone")
    phone.goto(f"{base}/campaigns/R2026Q3/results/heatmap/")
    _charts_drawn(phone, "#chart-heat")
    shot(phone, "reports-heatmap-phone")


def test_a_unit_contact_reads_their_own_report(setup: dict[str, Any], live_server: Any, page: Any,
                                                phone: Any) -> None:
    from kaoping.reports.services import results_publish

    base = live_server.url
    _close(setup)
    _login(page, base, "contact5")
    page.goto(f"{base}/campaigns/R2026Q3/results/")
    assert page.locator("text=结果尚未发布").count() == 1  # before publication: nothing

    results_publish(campaign=setup["campaign"], mode="interval", by=setup["office"])
    page.goto(f"{base}/reports/")
    page.click("text=本单位结果")
    page.wait_for_load_state("networkidle")
    _charts_drawn(page, "#chart-radar")
    _charts_drawn(page, "#chart-trend")
    assert page.locator("h1", has_text="市商务局").count() == 1
    assert page.locator("text=薄弱指标").count() >= 1
    shot(page, "reports-unit-desktop")
    with page.expect_download() as download:
        page.click("text=下载绩效诊断报告（Word）")
    assert download.value.suggested_filename.endswith(".docx")

    page.goto(f"{base}/campaigns/R2026Q3/results/units/U01/")
    assert page.locator("text=只能查看本单位的考评结果").count() == 1
    page.goto(f"{base}/campaigns/R2026Q3/results/")
    shot(page, "reports-published-interval-desktop")

    _login(phone, base, "contact5")
    phone.goto(f"{base}/campaigns/R2026Q3/results/units/U05/")
    _charts_drawn(phone, "#chart-radar")
    shot(phone, "reports-unit-phone")
    phone.goto(f"{base}/campaigns/R2026Q3/results/")
    shot(phone, "reports-published-interval-phone")


def _chart_option(page: Any, selector: str) -> Any:
    return page.evaluate(f"""() => {{
        const o = echarts.getInstanceByDom(document.querySelector("{selector}")).getOption();
        const s = o.series[0];
        return {{label: s.label, marks: s.markLine ? s.markLine.data.map(d => d.label.distance) : null,
                 legend: o.legend && o.legend.length ? o.legend[0].bottom : null, width: document.querySelector("{selector}").clientWidth}};
    }}""")


def _inside(page: Any, selector: str) -> bool:
    """Every text ECharts drew lies inside the chart's box (nothing cut off at an edge)."""
    return page.evaluate(f"""() => {{
        const chart = echarts.getInstanceByDom(document.querySelector("{selector}"));
        const w = chart.getWidth(), h = chart.getHeight();
        const texts = [];
        chart.getZr().storage.getDisplayList(true).forEach(el => {{
            const t = el.type === "text" ? el : (el.getTextContent && el.getTextContent());
            if (t && !t.ignore && t.style && t.style.text) {{
                const r = t.getBoundingRect().clone(); r.applyTransform(t.getComputedTransform());
                texts.push([r.x, r.y, r.x + r.width, r.y + r.height, t.style.text]);
            }}
        }});
        return texts.length > 0 && texts.every(([x0, y0, x1, y1]) => x0 >= -1 && y0 >= -1 && x1 <= w + 1 && y1 <= h + 1);
    }}""")


def test_the_results_charts_fit_a_phone(setup: dict[str, Any], live_server: Any, page: Any, phone: Any) -> None:
    """At 390 px the grade cut-off labels take separate rows and the pie's counts sit inside
    the ring with the legend below; at 1366 px the pie keeps its outside labels."""
    base = live_server.url
    _close(setup)
    _login(phone, base, "office1")
    phone.goto(f"{base}/campaigns/R2026Q3/results/")
    _charts_drawn(phone, "#chart-totals")
    _charts_drawn(phone, "#chart-grades")
    bars, pie = _chart_option(phone, "#chart-totals"), _chart_option(phone, "#chart-grades")
    assert bars["width"] < 390
    assert len(set(bars["marks"])) == len(bars["marks"]) > 1  # staggered: one row per cut-off label
    assert pie["label"]["position"] == "inside" and pie["legend"] == 0
    assert _inside(phone, "#chart-totals") and _inside(phone, "#chart-grades")
    phone.locator("#chart-totals").screenshot(path=str(shot(phone, "reports-ranking-phone").with_name(
        "reports-ranking-phone-bars.png")))
    phone.locator("#chart-grades").screenshot(path=str(shot(phone, "reports-ranking-phone").with_name(
        "reports-ranking-phone-grades.png")))

    _login(page, base, "office1")
    page.goto(f"{base}/campaigns/R2026Q3/results/")
    _charts_drawn(page, "#chart-totals")
    assert _inside(page, "#chart-totals")
    assert _chart_option(page, "#chart-totals")["width"] > 600
    shot(page, "reports-ranking-desktop")
