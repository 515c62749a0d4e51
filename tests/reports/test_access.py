"""Who sees what of the results (R1.3, R3.3, R8.2)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db

BASE = "/campaigns/R2026Q3/results/"
URLS = {
    "ranking": BASE, "unit_own": BASE + "units/U05/", "unit_other": BASE + "units/U01/",
    "docx_own": BASE + "units/U05/report.docx", "docx_other": BASE + "units/U01/report.docx",
    "heatmap": BASE + "heatmap/", "cell": BASE + "heatmap/cell/?from=U03&to=U01", "rules": BASE + "rules/",
    "publish": BASE + "publish/", "xlsx": BASE + "export.xlsx", "index": "/reports/",
}


def statuses(client: Any) -> dict[str, int]:
    return {name: client.get(url).status_code for name, url in URLS.items()}


def test_anonymous_visitors_are_sent_to_log_in(client: Any, closed: Any) -> None:
    for url in URLS.values():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_the_office_sees_everything_before_publication(people: dict[str, Any], as_user: Any) -> None:
    assert statuses(as_user(people["office"])) == {k: 200 for k in URLS}


def test_the_supervisor_reads_everything_but_cannot_publish(people: dict[str, Any], as_user: Any) -> None:
    got = statuses(as_user(people["supervisor"]))
    assert got.pop("publish") == 403
    assert set(got.values()) == {200}


def test_the_admin_sees_results_but_no_individual_scores(people: dict[str, Any], as_user: Any) -> None:
    got = statuses(as_user(people["admin"]))
    assert got["ranking"] == got["heatmap"] == got["unit_other"] == 200
    assert got["cell"] == 403 and got["publish"] == 403 and got["xlsx"] == 403


@pytest.mark.parametrize("who", ["contact", "evaluator"])
def test_nothing_is_shown_before_publication(people: dict[str, Any], as_user: Any, who: str) -> None:
    client = as_user(people[who])
    got = statuses(client)
    assert got.pop("index") == 200
    assert set(got.values()) == {403}, got
    html = client.get(BASE).content.decode()
    assert "结果尚未发布" in html and "市教育局" not in html
    assert "R2026Q3" not in client.get("/reports/").content.decode()


def test_a_unit_contact_sees_only_their_own_unit_once_published(people: dict[str, Any], published_full: Any,
                                                               as_user: Any) -> None:
    client = as_user(people["contact"])
    got = statuses(client)
    assert got == {"ranking": 200, "unit_own": 200, "unit_other": 403, "docx_own": 200, "docx_other": 403,
                   "heatmap": 403, "cell": 403, "rules": 403, "publish": 403, "xlsx": 403, "index": 200}
    assert "只能查看本单位的考评结果" in client.get(URLS["unit_other"]).content.decode()


def test_the_published_ranking_shows_score_grade_rank_and_basis(people: dict[str, Any], published_full: Any,
                                                                as_user: Any) -> None:
    html = as_user(people["contact"]).get(BASE).content.decode()
    for text in ("市教育局", "96.22", "优秀", "整改逾期", "获省级表彰", "重大安全事故", "本单位结果"):
        assert text in html, text
    assert "alerts-title" not in html and "连续低分" not in html  # alerts are for the office
    assert "张志强" not in html and "S1" not in html  # raters never appear


def test_interval_publication_names_only_the_lists_and_the_own_place(people: dict[str, Any],
                                                                      published_interval: Any,
                                                                      as_user: Any) -> None:
    html = as_user(people["contact"]).get(BASE).content.decode()
    assert "红榜" in html and "黑榜" in html
    for named in ("市教育局", "市财政局", "市公安局", "市统计局", "市商务局"):  # top 3, bottom 1, own
        assert named in html, named
    for hidden in ("市民政局", "市水利局", "市审计局", "滨江大道改造工程"):
        assert hidden not in html, hidden


def test_an_evaluator_sees_the_published_lists_but_no_unit_page(people: dict[str, Any], published_interval: Any,
                                                               as_user: Any) -> None:
    client = as_user(people["evaluator"])
    html = client.get(BASE).content.decode()
    assert "市教育局" in html and "市商务局" not in html and "本单位结果" not in html
    assert client.get(URLS["unit_own"]).status_code == 403
    assert client.get(URLS["heatmap"]).status_code == 403


def test_the_heat_map_is_never_shown_to_unit_contacts(people: dict[str, Any], published_full: Any,
                                                      as_user: Any) -> None:
    client = as_user(people["contact_top"])
    assert client.get(URLS["heatmap"]).status_code == 403
    assert client.get(URLS["cell"]).status_code == 403


def test_individual_scores_show_rater_codes_with_masked_names(people: dict[str, Any], as_user: Any) -> None:
    html = as_user(people["office"]).get(BASE + "heatmap/cell/?from=g:0&to=U01").content.decode()
    # the superior group has no unit; its row key is the group id
    from kaoping.campaigns.models import EvaluatorGroup

    gid = EvaluatorGroup.objects.get(code="superior").pk
    html = as_user(people["office"]).get(BASE + f"heatmap/cell/?from=g:{gid}&to=U01").content.decode()
    assert "S1" in html and "张*强" in html and "张志强" not in html
    assert "王*国" in html


def test_an_unknown_campaign_or_unit_is_not_found(people: dict[str, Any], as_user: Any) -> None:
    client = as_user(people["office"])
    assert client.get("/campaigns/NOPE/results/").status_code == 404
    assert client.get(BASE + "units/U99/").status_code == 404
    assert client.get(BASE + "units/U99/report.docx").status_code == 404


def test_a_contact_of_a_unit_outside_the_campaign_sees_no_unit_page(people: dict[str, Any], published_full: Any,
                                                                    as_user: Any) -> None:
    from kaoping.accounts.services import user_create
    from kaoping.org.models import Unit

    outsider = Unit.objects.create(code="X01", name="外单位")
    user = user_create(username="outsider", password="Kaoping@2026", role="unit_contact", unit=outsider)
    client = as_user(user)
    assert client.get(URLS["unit_own"]).status_code == 403
    assert "本单位结果" not in client.get(BASE).content.decode()


def test_pages_read_a_bounded_number_of_queries(people: dict[str, Any], published_full: Any, as_user: Any,
                                                django_assert_max_num_queries: Any) -> None:
    office = as_user(people["office"])
    for url in (BASE, URLS["unit_other"], URLS["heatmap"], URLS["rules"], URLS["xlsx"], URLS["docx_other"]):
        office.get(url)  # warm the per-snapshot cache
        with django_assert_max_num_queries(14):
            assert office.get(url).status_code == 200
    contact = as_user(people["contact"])
    for url in (BASE, URLS["unit_own"]):
        with django_assert_max_num_queries(16):
            assert contact.get(url).status_code == 200


@pytest.mark.parametrize(("who", "url"), [("contact", BASE), ("evaluator", BASE), ("supervisor", BASE + "publish/")])
def test_every_results_refusal_has_the_same_chinese_page(people: dict[str, Any], as_user: Any, who: str,
                                                         url: str) -> None:
    """A refusal by an object rule (not published yet) and by a role look the same: the
    site's 403 page, with the reason and a way back."""
    response = as_user(people[who]).get(url)
    html = response.content.decode()
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert 'class="card error-page error-403"' in html and 'href="/">返回首页</a>' in html
    if url == BASE:  # the object rule gives its reason and the way to what may be seen
        assert "暂不能查看" in html and "本活动的结果尚未发布" in html
        assert 'href="/reports/">查看我能看的结果</a>' in html
    else:
        assert "无权访问" in html and "第三方监督" in html
