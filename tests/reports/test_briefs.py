"""Monthly brief, quarterly bulletin, annual summary (R9.1): known answers from the
ten-unit campaign of conftest (period 2026-07-01 to 2026-09-30) and ratings written
through the ratings services in chosen months; the Word file opened with python-docx;
wrong roles; bad periods; the empty state; a query count that does not grow with data."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaoping.reports import briefs

from .conftest import NAMES, RATER_NAMES

BEIJING = dt.timezone(dt.timedelta(hours=8))


# --------------------------------------------------------------------------- ratings data


def _rating(tid: str, when: dt.datetime, level: int, *, hall: str = "H1", window: str = "W1") -> Any:
    """A transaction served an hour before ``when`` and rated at ``when`` (through the services)."""
    from kaoping.ratings.services import rating_submit, transaction_receive

    txn = transaction_receive(data={
        "id": tid, "service_item": "ITEM1", "hall": hall, "window": window, "staff": None, "channel": "onsite",
        "applicant": {"name": "张三", "phone": "13800138000"},
        "accepted_at": (when - dt.timedelta(hours=1)).isoformat(),
        "completed_at": (when - dt.timedelta(minutes=30)).isoformat(),
        "promised_days": 3, "on_the_spot": False, "waiting_minutes": 5,
    }, source="test")[0]
    return rating_submit(transaction=txn, level=level, channel="mobile", now=when)


def _day(year: int, month: int, day: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, 10, 0, tzinfo=BEIJING)


@pytest.fixture
def ratings(office: Any) -> dict[str, Any]:
    """Q3 2026: W1 (hall H1) 5, 5, 4 in July and 5, 3 in August; W2 (H1) 1 in July, 5, 5 in
    September; W9 (hall H2) 2 in August — 9 ratings, 6 good, 2 bad (W2's is rectified).
    Q2 (June): W1 5 and 1.
    """
    from kaoping.ratings.services import case_advance, code_confirm

    made = {}
    for i, level in enumerate((5, 5, 4)):
        made[f"jul{i}"] = _rating(f"JUL-W1-{i}", _day(2026, 7, 10 + i), level)
    made["w2_bad"] = _rating("JUL-W2", _day(2026, 7, 15), 1, window="W2")
    made["aug0"] = _rating("AUG-W1-0", _day(2026, 8, 3), 5)
    made["aug1"] = _rating("AUG-W1-1", _day(2026, 8, 4), 3)
    made["w9_bad"] = _rating("AUG-W9", _day(2026, 8, 20), 2, hall="H2", window="W9")
    made["sep0"] = _rating("SEP-W2-0", _day(2026, 9, 1), 5, window="W2")
    made["sep1"] = _rating("SEP-W2-1", _day(2026, 9, 2), 5, window="W2")
    made["jun0"] = _rating("JUN-W1-0", _day(2026, 6, 5), 5)
    made["jun1"] = _rating("JUN-W1-1", _day(2026, 6, 6), 1)
    w1 = made["jul0"].transaction
    code_confirm(obj=w1.hall, name="市民服务大厅", by=office)
    code_confirm(obj=w1.window, name="综合受理一号窗口", by=office)
    code_confirm(obj=made["w2_bad"].transaction.window, name="不动产登记窗口", by=office)
    code_confirm(obj=made["w9_bad"].transaction.hall, name="区便民服务大厅", by=office)
    case = made["w2_bad"].case
    case = case_advance(case=case, action="verify", verdict="found", note="排队时间过长属实", by=office)
    case_advance(case=case, action="rectify", note="增开高峰窗口", by=office)
    return made


def _confirm(campaign: Any, unit: str, office: Any) -> Any:
    """The campaign's alert on ``unit``, investigated and confirmed (through the services)."""
    from kaoping.alerts.models import Alert
    from kaoping.alerts.services import alert_assign, alert_close, alert_investigate

    alert = Alert.objects.get(campaign=campaign, units__icontains=f'"{unit}"')
    alert = alert_assign(alert=alert, assignee=office, by=office)
    alert = alert_investigate(alert=alert, by=office)
    return alert_close(alert=alert, outcome="confirmed", reason="核查属实", by=office)


@pytest.fixture
def confirmed_alert(published_full: Any, office: Any) -> Any:
    return _confirm(published_full, "U08", office)


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(("text", "kind", "start", "end", "label", "title"), [
    ("2026-10", "month", dt.date(2026, 10, 1), dt.date(2026, 10, 31), "2026年10月", "月度简报"),
    ("2026-02", "month", dt.date(2026, 2, 1), dt.date(2026, 2, 28), "2026年2月", "月度简报"),
    ("2026-Q3", "quarter", dt.date(2026, 7, 1), dt.date(2026, 9, 30), "2026年第三季度", "季度通报"),
    ("2026-q4", "quarter", dt.date(2026, 10, 1), dt.date(2026, 12, 31), "2026年第四季度", "季度通报"),
    ("2026", "year", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "2026年", "年度总结"),
])
def test_periods_parse_to_their_dates_and_titles(text: str, kind: str, start: dt.date, end: dt.date,
                                                 label: str, title: str) -> None:
    p = briefs.parse_period(text)
    assert (p.kind, p.start, p.end, p.label, p.title) == (kind, start, end, label, title)
    assert briefs.parse_period(p.code) == p


def test_previous_and_next_periods_cross_year_ends() -> None:
    assert briefs.parse_period("2026-01").shifted(-1).code == "2025-12"
    assert briefs.parse_period("2026-Q1").shifted(-1).code == "2025-Q4"
    assert briefs.parse_period("2026-Q4").shifted(1).code == "2027-Q1"
    assert briefs.parse_period("2026").shifted(-1).code == "2025"
    assert len(briefs.parse_period("2026").months) == 12
    assert briefs.default_period(dt.date(2026, 1, 15)).code == "2025-12"


@pytest.mark.parametrize("text", ["", "2026-13", "2026-00", "2026-Q5", "2026Q3", "26-10", "1999", "2026-1",
                                  "abc", "2026-10-01", "２０２６"])
def test_bad_periods_are_refused_with_a_chinese_message(text: str) -> None:
    with pytest.raises(briefs.BriefPeriodError) as exc:
        briefs.parse_period(text)
    assert "无法识别" in exc.value.message and "2026-Q4（季度通报）" in exc.value.message


# --------------------------------------------------------------------------- the assembled brief


def test_quarter_brief_has_the_campaign_ratings_alerts_and_summary(published_full: Any, ratings: Any,
                                                                   people: Any) -> None:
    b = briefs.brief(period=briefs.parse_period("2026-Q3"), user=people["office"])
    assert not b["empty"]
    [c] = b["campaigns"]
    assert (c["code"], c["count"], c["mode"], c["interval"]) == ("R2026Q3", 10, "full", False)
    assert c["mean"] == pytest.approx(74.007, abs=0.01)
    assert [(g["name"], g["count"]) for g in c["grades"]] == [("优秀", 1), ("良好", 3), ("合格", 2), ("不合格", 4)]
    # totals 96.22, 89.97, 87.52, ...; U08 is vetoed and ranks last
    assert [(r["unit"], r["rank"], round(r["total"], 2)) for r in c["top"]] == [
        ("U01", 1, 96.22), ("U02", 2, 89.97), ("U03", 3, 87.52)]
    assert c["top"][0]["name"] == "市教育局"
    assert [(r["unit"], r["rank"], r["vetoed"]) for r in c["bottom"]] == [
        ("U09", 8, False), ("U10", 9, False), ("U08", 10, True)]
    # against R2026Q2 of the history (91 − 3j)
    assert [(r["unit"], round(r["change"], 2), r["previous"]) for r in c["rises"]] == [
        ("U01", 5.22, 91.0), ("U03", 2.52, 85.0), ("U02", 1.97, 88.0)]
    assert [(r["unit"], round(r["change"], 2), r["previous_rank"]) for r in c["falls"]] == [
        ("U10", -11.63, 10), ("U09", -10.38, 9), ("U08", -9.13, 8)]

    r = b["ratings"]
    t = r["total"]
    assert (t["count"], t["good"], t["middle"], t["bad"], t["bad_rectified"]) == (9, 6, 1, 2, 1)
    assert t["levels"] == {"1": 1, "2": 1, "3": 1, "4": 1, "5": 5}
    assert t["good_rate"] == pytest.approx(6 / 9)
    assert t["satisfaction"] == pytest.approx(100 * (35 - 9) / 36)  # 100 × mean((level − 1) / 4)
    assert t["rectification_rate"] == pytest.approx(0.5)
    assert r["previous"]["count"] == 2 and r["previous"]["good_rate"] == pytest.approx(0.5)
    assert r["good_rate_change"] == pytest.approx(100 * (6 / 9 - 0.5))
    assert r["satisfaction_change"] == pytest.approx(100 * 26 / 36 - 50)
    halls = {h["code"]: h for h in r["halls"]}
    assert (halls["H1"]["count"], halls["H1"]["windows"], halls["H1"]["bad"]) == (8, 2, 1)
    assert halls["H1"]["name"] == "市民服务大厅" and halls["H2"]["name"] == "区便民服务大厅"
    assert (halls["H2"]["count"], halls["H2"]["bad"], halls["H2"]["rectification_rate"]) == (1, 1, 0.0)
    assert [(w["code"], w["bad"], w["bad_rectified"]) for w in r["bad_windows"]] == [("W2", 1, 1), ("W9", 1, 0)]

    a = b["alerts"]
    from kaoping.alerts.models import Alert

    assert a["total"] == Alert.objects.filter(campaign=published_full).count() == 6
    assert a["open"] == 6 and a["confirmed"] == 0
    assert [(r["label"], r["counts"], r["total"]) for r in a["rows"]] == [("连续低分", [6, 0, 0, 0, 0], 6)]

    s = b["summary"]
    assert s.startswith("2026年第三季度，本季度共有 1 项考评活动发布结果，涉及参评单位 10 个。其中"
                        "“测试市2026年第三季度单位互评”10 个单位，平均分 74.01，优秀 1 个、不合格 4 个。")
    assert "群众评价 9 条，好评率 66.7%，较上季度上升 16.7 个百分点" in s
    assert "满意度 72.2，较上季度上升 22.2 分" in s
    assert "差评 2 条，已整改 1 条，整改率 50.0%" in s
    assert s.endswith("上述考评活动共发现评价诚信预警 6 条，其中认定属实 0 条、不属实 0 条，尚在处理 6 条。")


def test_a_month_brief_sums_one_month_and_compares_with_the_month_before(published_full: Any, ratings: Any,
                                                                         people: Any) -> None:
    b = briefs.brief(period=briefs.parse_period("2026-08"), user=people["office"])
    assert b["campaigns"] == []  # a quarter's campaign is not inside one month
    t = b["ratings"]["total"]
    assert (t["count"], t["good"], t["bad"]) == (3, 1, 1)
    assert b["ratings"]["previous"]["count"] == 4  # July: 5, 5, 4, 1
    assert b["ratings"]["good_rate_change"] == pytest.approx(100 * (1 / 3 - 3 / 4))
    assert "本月没有发布结果的考评活动。" in b["summary"]
    assert "好评率 33.3%，较上月下降 41.7 个百分点" in b["summary"]


def test_the_year_holds_the_quarter_campaign_and_all_twelve_months(published_full: Any, ratings: Any,
                                                                   people: Any) -> None:
    b = briefs.brief(period=briefs.parse_period("2026"), user=people["office"])
    assert [c["code"] for c in b["campaigns"]] == ["R2026Q3"]
    assert b["ratings"]["total"]["count"] == 11  # Q3 and June
    assert b["ratings"]["previous"] is None  # nothing in 2025
    assert "较上年度" not in b["summary"]


def test_unpublished_results_stay_out_of_the_brief(closed: Any, ratings: Any, people: Any) -> None:
    b = briefs.brief(period=briefs.parse_period("2026-Q3"), user=people["office"])
    assert b["campaigns"] == [] and not b["empty"]  # the ratings are still there
    assert b["alerts"]["total"] == 0


def test_interval_publication_names_only_the_red_and_black_lists(published_interval: Any, people: Any) -> None:
    from kaoping.reports.models import Publication

    pub = Publication.objects.get(campaign=published_interval)
    named = set(pub.top_units) | set(pub.bottom_units)
    [c] = briefs.brief(period=briefs.parse_period("2026-Q3"), user=people["office"])["campaigns"]
    assert c["interval"]
    assert [r["unit"] for r in c["top"]] == pub.top_units == ["U01", "U02", "U03"]
    assert [r["unit"] for r in c["bottom"]] == pub.bottom_units == ["U08"]
    assert {r["unit"] for r in c["rises"] + c["falls"]} <= named
    assert c["count"] == 10 and sum(g["count"] for g in c["grades"]) == 10  # counts, not names


def test_confirmed_alerts_are_listed_with_units_never_raters(confirmed_alert: Any, people: Any) -> None:
    a = briefs.brief(period=briefs.parse_period("2026-Q3"), user=people["office"])["alerts"]
    assert a["confirmed"] == 1 and a["open"] == a["total"] - 1
    [x] = a["confirmed_list"]
    assert x["id"] == confirmed_alert.pk and x["campaign"] == "测试市2026年第三季度单位互评"
    assert confirmed_alert.units == ["U08"] and x["units"] == ["市统计局"] and x["label"] == "连续低分"
    kind_row = next(r for r in a["rows"] if r["kind"] == confirmed_alert.kind)
    assert kind_row["counts"][3] == 1  # the 属实 column
    assert "认定属实 1 条" in briefs.brief(period=briefs.parse_period("2026-Q3"),
                                            user=people["office"])["summary"]


def test_a_confirmed_alert_names_no_unit_the_interval_publication_did_not(published_interval: Any, office: Any,
                                                                         people: Any) -> None:
    _confirm(published_interval, "U05", office)  # U05 is on neither list
    _confirm(published_interval, "U08", office)  # U08 is on the black list
    a = briefs.brief(period=briefs.parse_period("2026-Q3"), user=people["office"])["alerts"]
    shown = sorted((x["units"], x["hidden_units"]) for x in a["confirmed_list"])
    assert shown == [([], 1), (["市统计局"], 0)]


def test_an_empty_period_is_an_empty_brief(db: Any, people: Any) -> None:
    b = briefs.brief(period=briefs.parse_period("2030-03"), user=people["office"])
    assert b["empty"] and b["campaigns"] == [] and b["ratings"]["total"]["count"] == 0
    assert b["summary"] == "2030年3月，本月没有发布结果的考评活动。本月没有群众评价数据。"


def test_sections_follow_the_readers_capabilities(published_full: Any, people: Any) -> None:
    # the administrator reads every result but handles no alerts
    b = briefs.brief(period=briefs.parse_period("2026-Q3"), user=people["admin"])
    assert b["alerts"] is None and b["ratings"] is not None and b["campaigns"]
    assert "预警" not in b["summary"]


# --------------------------------------------------------------------------- the page


def test_office_and_supervisor_open_the_page(published_full: Any, ratings: Any, people: Any,
                                             as_user: Any) -> None:
    for who in ("office", "supervisor"):
        response = as_user(people[who]).get("/reports/briefs/?period=2026-Q3")
        assert response.status_code == 200
        html = response.content.decode()
        assert "2026年第三季度考评工作季度通报" in html
        assert "测试市2026年第三季度单位互评" in html and "市教育局" in html
        assert "市民服务大厅" in html and "66.7%" in html
        assert "/reports/briefs/2026-Q3.docx" in html
        for name in RATER_NAMES.values():
            assert name not in html


def test_unit_contacts_and_evaluators_are_refused(published_full: Any, people: Any, as_user: Any) -> None:
    for who in ("contact", "evaluator"):
        client = as_user(people[who])
        assert client.get("/reports/briefs/?period=2026-Q3").status_code == 403
        assert client.get("/reports/briefs/2026-Q3.docx").status_code == 403


def test_anonymous_goes_to_the_login_page(client: Any, db: Any) -> None:
    response = client.get("/reports/briefs/?period=2026-Q3")
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("url", ["/reports/briefs/?period=2026-13", "/reports/briefs/?period=Q3",
                                 "/reports/briefs/2026-Q9.docx", "/reports/briefs/abc.docx"])
def test_a_bad_period_gets_a_400_page_that_says_how_to_write_it(url: str, people: Any, as_user: Any) -> None:
    response = as_user(people["office"]).get(url)
    assert response.status_code == 400
    html = response.content.decode()
    assert "无法识别" in html and "2026-Q4（季度通报）" in html
    assert 'name="period"' in html  # the picker is there to try again


def test_an_empty_period_shows_the_empty_state(people: Any, as_user: Any) -> None:
    response = as_user(people["office"]).get("/reports/briefs/?period=2030-03")
    assert response.status_code == 200
    assert "2030年3月没有已发布结果的考评活动，也没有群众评价数据" in response.content.decode()


def test_the_page_defaults_to_last_month(people: Any, as_user: Any) -> None:
    response = as_user(people["office"]).get("/reports/briefs/")
    assert response.status_code == 200
    assert f"{briefs.default_period().label}考评工作月度简报" in response.content.decode()


def test_interval_page_names_no_unit_outside_the_lists(published_interval: Any, people: Any,
                                                        as_user: Any) -> None:
    html = as_user(people["office"]).get("/reports/briefs/?period=2026-Q3").content.decode()
    assert "红榜" in html and "黑榜" in html
    for unit, name in zip([f"U{i:02d}" for i in range(1, 11)], NAMES, strict=True):
        named = unit in ("U01", "U02", "U03", "U08")
        assert (name in html) == named, name


# --------------------------------------------------------------------------- Word


def test_the_word_file_has_the_headings_and_numbers(published_full: Any, ratings: Any, people: Any,
                                                    as_user: Any) -> None:
    from docx import Document

    response = as_user(people["office"]).get("/reports/briefs/2026-Q3.docx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    doc = Document(io.BytesIO(response.content))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == ["2026年第三季度考评工作季度通报", "一、总体情况", "二、考评活动结果",
                        "（一）测试市2026年第三季度单位互评", "三、政务服务好差评", "四、评价诚信预警"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "群众评价 9 条，好评率 66.7%，较上季度上升 16.7 个百分点" in text
    assert "参评单位：10 个" in text and "全面公开" in text
    cells = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    assert ["1/10", "市教育局", cells_total(published_full, "U01"), cells_grade(published_full, "U01")] in cells
    assert ["本季度", "9", "66.7%", "72.2", "2", "1", "50.0%"] in cells
    assert ["上季度", "2", "50.0%", "50.0", "1", "0", "0.0%"] in cells
    assert ["市民服务大厅", "8", "75.0%", "78.1", "1", "1", "100.0%"] in cells
    assert ["不动产登记窗口", "市民服务大厅", "3", "1", "1", "100.0%"] in cells
    for name in RATER_NAMES.values():
        assert name not in text and all(name not in c for row in cells for c in row)


def cells_total(campaign: Any, unit: str) -> str:
    from .conftest import snapshot_units

    return f"{snapshot_units(campaign)[unit]['total']:.2f}"


def cells_grade(campaign: Any, unit: str) -> str:
    from .conftest import snapshot_units

    return snapshot_units(campaign)[unit]["grade"]


def test_an_empty_period_still_gives_a_word_file(people: Any, as_user: Any) -> None:
    from docx import Document

    response = as_user(people["office"]).get("/reports/briefs/2030.docx")
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "本年度没有发布结果的考评活动。" in text and "本年度没有群众评价数据。" in text


# --------------------------------------------------------------------------- queries


def _queries(client: Any, url: str) -> int:
    from django.core.cache import cache

    from kaoping.reports import selectors

    selectors.cache_clear()
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_queries_are_bounded_and_do_not_grow_with_the_data(published_full: Any, ratings: Any, people: Any,
                                                           as_user: Any) -> None:
    client = as_user(people["office"])
    before = _queries(client, "/reports/briefs/?period=2026-Q3")
    assert before <= 40
    # twelve more windows rated in the quarter, two more halls: the same number of queries
    for i in range(12):
        _rating(f"MORE-{i}", _day(2026, 8, 12), 1 + i % 5, hall=f"H{3 + i % 2}", window=f"X{i}")
    assert _queries(client, "/reports/briefs/?period=2026-Q3") == before


def test_the_results_page_links_to_the_annual_summary(published_full: Any, people: Any, as_user: Any) -> None:
    html = as_user(people["office"]).get("/campaigns/R2026Q3/results/").content.decode()
    assert 'href="/reports/briefs/?period=2026"' in html


def test_a_campaign_published_without_a_publication_record_counts_as_published_in_full(closed: Any, office: Any,
                                                                                       people: Any) -> None:
    from kaoping.campaigns.services import campaign_transition

    campaign_transition(campaign=closed, to="published", by=office)  # the command line / demo path
    [c] = briefs.brief(period=briefs.parse_period("2026-Q3"), user=people["office"])["campaigns"]
    assert (c["mode"], c["interval"], c["published_at"]) == ("full", False, None)
    assert [r["unit"] for r in c["top"]] == ["U01", "U02", "U03"]


def test_the_reports_index_links_the_briefs_for_those_who_may_open_them(published_full: Any, people: Any,
                                                                        as_user: Any) -> None:
    assert 'href="/reports/briefs/"' in as_user(people["office"]).get("/reports/").content.decode()
    assert 'href="/reports/briefs/"' not in as_user(people["contact"]).get("/reports/").content.decode()
