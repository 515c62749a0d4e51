"""Evaluators' sheets (背靠背): drafts, one submission, every refusal writes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kaoping.campaigns.models import Assignment, Campaign, Score
from kaoping.campaigns.services import campaign_transition
from kaoping.collection import selectors
from kaoping.collection.models import SheetDraft, SheetSubmission
from kaoping.collection.services import CollectionError, draft_save, sheet_submit
from kaoping.ledger.models import LedgerEntry
from kaoping.ledger.selectors import ledger_verify

from .conftest import recorded, row_counts

pytestmark = pytest.mark.django_db

GOOD = {"A2": "8.5", "B1": "良"}


def refused(code: str, **kwargs: Any) -> CollectionError:
    """Call sheet_submit expecting a refusal with ``code``; assert nothing was written."""
    before = row_counts()
    with pytest.raises(CollectionError) as info:
        sheet_submit(**kwargs)
    assert info.value.code == code, info.value
    assert row_counts() == before
    return info.value


def codes(leaves: list[selectors.SheetLeaf]) -> list[str]:
    return [leaf.code for leaf in leaves]


def test_it_lists_only_the_evaluators_own_sheets(campaign: Any, evaluators: dict[str, Any]) -> None:
    [sheets] = selectors.my_sheets(user=evaluators["R1"])
    assert [r.unit_code for r in sheets.rows] == ["U01", "U02", "U03"]
    assert {r.assignment.rater.code for r in sheets.rows} == {"R1"}
    [peer] = selectors.my_sheets(user=evaluators["R2"])
    assert [r.state for r in peer.rows] == ["avoided", "todo", "todo"]  # R2 belongs to U01


def test_it_builds_the_sheet_from_rated_by_and_applies_to(campaign: Any) -> None:
    def leaves(rater: str, unit: str) -> list[str]:
        return codes(selectors.sheet_for(Assignment.objects.get(rater__code=rater, unit__code=unit)))

    assert leaves("R1", "U01") == ["A2", "B1"]  # superior on an admin unit
    assert leaves("R1", "U03") == ["A2"]  # B applies to admin and institution only
    public_group = campaign.groups.get(code="public")
    nodes = selectors.version_nodes(campaign.library_version_id)
    assert codes(selectors.sheet_leaves(nodes=nodes, group_code=public_group.code, unit_type="admin")) == ["B1", "C1"]


def test_it_saves_a_draft_that_is_not_a_score_and_not_in_the_ledger(assignment: Any, evaluators: Any) -> None:
    entries = LedgerEntry.objects.count()
    draft = draft_save(assignment=assignment, values={"A2": "7", "B1": ""}, version=0, by=evaluators["R1"])
    assert (draft.values, draft.version) == ({"A2": 7}, 1)
    draft = draft_save(assignment=assignment, values={"A2": "7.5", "B1": "优"}, version=1, by=evaluators["R1"])
    assert (draft.values, draft.version) == ({"A2": 7.5, "B1": "优"}, 2)
    assert Score.objects.count() == 0
    assert LedgerEntry.objects.count() == entries


def test_it_submits_a_sheet_once_with_its_ledger_entry(assignment: Any, evaluators: Any) -> None:
    draft_save(assignment=assignment, values={"A2": "7"}, version=0, by=evaluators["R1"])
    entries = LedgerEntry.objects.count()
    submission = sheet_submit(assignment=assignment, values=GOOD, version=1, by=evaluators["R1"])
    assert submission.channel == "web" and submission.submitted_by == evaluators["R1"]
    values = {s.indicator.code: s.value for s in Score.objects.filter(assignment=assignment)}
    assert values == {"A2": 8.5, "B1": "良"}
    assert not SheetDraft.objects.filter(assignment=assignment).exists()
    assert LedgerEntry.objects.count() == entries + 1
    entry = LedgerEntry.objects.order_by("-seq").first()
    assert entry.action == "sheet.submit" and entry.actor == "eva-r1"
    scores = sorted(Score.objects.filter(assignment=assignment).values_list("pk", flat=True))
    assert recorded(entry) == {"score": scores, "sheet_submission": [submission.pk]}
    assert ledger_verify().ok


def test_it_refuses_a_second_submission(assignment: Any, evaluators: Any) -> None:
    sheet_submit(assignment=assignment, values=GOOD, version=0, by=evaluators["R1"])
    error = refused("already_submitted", assignment=assignment, values=GOOD, version=0, by=evaluators["R1"])
    assert "不能重复提交" in error.message
    with pytest.raises(CollectionError):
        draft_save(assignment=assignment, values=GOOD, version=0, by=evaluators["R1"])


def test_it_refuses_a_stale_form(assignment: Any, evaluators: Any) -> None:
    draft_save(assignment=assignment, values={"A2": "7"}, version=0, by=evaluators["R1"])  # the other tab
    error = refused("stale_form", assignment=assignment, values=GOOD, version=0, by=evaluators["R1"])
    assert "其他窗口" in error.message
    before = row_counts()
    with pytest.raises(CollectionError, match="其他窗口"):
        draft_save(assignment=assignment, values=GOOD, version=0, by=evaluators["R1"])
    assert row_counts() == before
    assert SheetDraft.objects.get(assignment=assignment).values == {"A2": 7}


@pytest.mark.parametrize(("values", "field", "words"), [
    ({"A2": "11", "B1": "良"}, "A2", "超出范围 0–10"),
    ({"A2": "-1", "B1": "良"}, "A2", "超出范围"),
    ({"A2": "八", "B1": "良"}, "A2", "应填写数字"),
    ({"A2": "nan", "B1": "良"}, "A2", "应填写数字"),
    ({"A2": "8", "B1": "极好"}, "B1", "不是该指标的等级"),
    ({"A2": "8", "B1": "90"}, "B1", "请选择等级"),
    ({"A2": "", "B1": "良"}, "A2", "此项必填"),
    ({"A2": "8"}, "B1", "请选择等级"),
])
def test_it_refuses_bad_values_next_to_the_field(assignment: Any, evaluators: Any, values: dict[str, str],
                                                 field: str, words: str) -> None:
    error = refused("invalid_values", assignment=assignment, values=values, version=0, by=evaluators["R1"])
    assert words in error.field_errors[field]


def test_it_refuses_a_draft_with_a_bad_value(assignment: Any, evaluators: Any) -> None:
    before = row_counts()
    with pytest.raises(CollectionError) as info:
        draft_save(assignment=assignment, values={"A2": "12"}, version=0, by=evaluators["R1"])
    assert "超出范围" in info.value.field_errors["A2"]
    assert row_counts() == before


def test_it_refuses_a_closed_campaign(campaign: Any, assignment: Any, evaluators: Any, office: Any) -> None:
    campaign_transition(campaign=campaign, to="closed", by=office)
    error = refused("campaign_state", assignment=assignment, values=GOOD, version=0, by=evaluators["R1"])
    assert "已截止" in error.message


def test_it_refuses_after_the_deadline(campaign: Any, assignment: Any, evaluators: Any) -> None:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Campaign.objects.filter(pk=campaign.pk).update(deadline=yesterday)
    error = refused("deadline_passed", assignment=assignment, values=GOOD, version=0, by=evaluators["R1"])
    assert yesterday.isoformat() in error.message


def test_it_accepts_a_submission_on_the_deadline_day(campaign: Any, assignment: Any, evaluators: Any) -> None:
    Campaign.objects.filter(pk=campaign.pk).update(deadline=timezone.localdate())
    assert sheet_submit(assignment=assignment, values=GOOD, version=0, by=evaluators["R1"])


def test_it_refuses_someone_elses_sheet(assignment: Any, evaluators: Any) -> None:
    refused("not_assigned", assignment=assignment, values=GOOD, version=0, by=evaluators["R2"])


def test_it_refuses_the_evaluators_own_unit(campaign: Any, evaluators: Any) -> None:
    own = Assignment.objects.get(rater__code="R2", unit__code="U01")
    error = refused("avoidance", assignment=own, values=GOOD, version=0, by=evaluators["R2"])
    assert "回避" in error.message


def test_it_refuses_a_declared_conflict(campaign: Any, evaluators: Any) -> None:
    conflict = Assignment.objects.get(rater__code="R3", unit__code="U03")
    refused("avoidance", assignment=conflict, values={"A2": "8"}, version=0, by=evaluators["R3"])


def test_it_refuses_indicators_not_on_the_sheet(assignment: Any, evaluators: Any) -> None:
    error = refused("invalid_values", assignment=assignment, values={**GOOD, "C1": "90"}, version=0,
                    by=evaluators["R1"])
    assert "不在此评分表中" in error.field_errors["C1"]


def test_progress_counts_submitted_sheets_per_group_and_unit(campaign: Any, assignment: Any, evaluators: Any) -> None:
    sheet_submit(assignment=assignment, values=GOOD, version=0, by=evaluators["R1"])
    p = selectors.progress(campaign=campaign)
    # 9 pairs less R2→U01 and R3→U02 (own units) and R3→U03 (conflict)
    assert (p["total"].total, p["total"].done) == (6, 1)
    groups = {t.key: (t.total, t.done) for t in p["groups"]}
    assert groups == {"superior": (3, 1), "peer": (3, 0)}
    units = {t.key: (t.total, t.done) for t in p["units"]}
    assert units == {"U01": (2, 1), "U02": (2, 0), "U03": (2, 0)}
    assert SheetSubmission.objects.count() == 1
