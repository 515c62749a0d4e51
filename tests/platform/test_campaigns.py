"""Lifecycle, results snapshots and single changes, as the evaluation office sees them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from kaoping import __version__
from kaoping.campaigns.models import Assignment, EvaluatorGroup, ResultSnapshot, Score
from kaoping.campaigns.selectors import bundle_export, bundle_hash
from kaoping.campaigns.services import (
    CampaignError,
    adjustment_add,
    campaign_transition,
    measure_record,
    results_compute,
    score_record,
    veto_add,
)
from kaoping.cli import main as kaoping
from kaoping.indicators.models import IndicatorChange
from kaoping.indicators.services import (
    IndicatorError,
    indicator_node_update,
    library_version_derive,
)
from kaoping.ledger.models import LedgerEntry
from kaoping.ledger.selectors import ledger_verify
from kaoping.org.models import Unit

from .bundles import rich, write

pytestmark = pytest.mark.django_db


def test_a_campaign_moves_forward_one_step_at_a_time_each_step_in_the_ledger(campaign):
    for status in ("open", "closed", "published", "archived"):
        campaign = campaign_transition(campaign=campaign, to=status)
        assert campaign.status == status
    steps = [json.loads(e.payload) for e in LedgerEntry.objects.filter(action="campaign.transition").order_by("seq")]
    assert [(s["from"], s["to"]) for s in steps] == [
        ("draft", "open"), ("open", "closed"), ("closed", "published"), ("published", "archived")]
    assert ledger_verify().ok


def test_it_refuses_to_skip_a_step_or_go_back(campaign):
    with pytest.raises(CampaignError, match="只能进入下一阶段「进行中」"):
        campaign_transition(campaign=campaign, to="published")
    campaign = campaign_transition(campaign=campaign, to="open")
    with pytest.raises(CampaignError, match="不能改为「草稿」"):
        campaign_transition(campaign=campaign, to="draft")


def test_results_equal_kaoping_score_on_the_export(campaign, tmp_path):
    call_command("results", "2026Q3", "-o", str(tmp_path / "results.json"))
    call_command("export", "2026Q3", "-o", str(tmp_path / "bundle.json"))
    assert kaoping(["score", str(tmp_path / "bundle.json"), "-o", str(tmp_path / "score.json")]) == 0
    assert (tmp_path / "results.json").read_text(encoding="utf-8") == (tmp_path / "score.json").read_text(
        encoding="utf-8")


def test_a_snapshot_records_its_input_and_is_reused_while_nothing_changes(campaign):
    first = results_compute(campaign=campaign)
    assert first.input_hash == bundle_hash(bundle_export(campaign=campaign))
    assert first.engine_version == __version__
    assert results_compute(campaign=campaign).pk == first.pk
    assert ResultSnapshot.objects.count() == 1


def test_a_change_makes_a_new_snapshot_and_the_old_one_stays_as_it_was(campaign):
    first = results_compute(campaign=campaign)
    kept = first.results_json
    adjustment_add(campaign=campaign, unit=Unit.objects.get(code="U02"), points=-3, reason="通报批评")
    second = results_compute(campaign=campaign)
    assert second.pk != first.pk and second.input_hash != first.input_hash
    first.refresh_from_db()
    assert first.results_json == kept
    u02 = {u["unit"]: u for u in second.results["units"]}["U02"]
    assert u02["deduction"] == 5.0


def test_a_score_can_be_corrected_while_open_and_not_after_closing(campaign):
    rater = campaign.raters.get(code="R5")
    unit = Unit.objects.get(code="U01")
    b1 = campaign.library_version.nodes.get(code="B1")
    a2 = campaign.library_version.nodes.get(code="A2")
    campaign = campaign_transition(campaign=campaign, to="open")
    assert score_record(campaign=campaign, rater=rater, unit=unit, indicator=b1, value="良").value == "良"
    assert score_record(campaign=campaign, rater=rater, unit=unit, indicator=a2, value=7.5).value == 7.5
    assert Assignment.objects.filter(campaign=campaign, rater=rater, unit=unit).count() == 1
    campaign = campaign_transition(campaign=campaign, to="closed")
    with pytest.raises(CampaignError, match="已截止"):
        score_record(campaign=campaign, rater=rater, unit=unit, indicator=b1, value="优")
    assert ledger_verify().ok


@pytest.mark.parametrize(("indicator", "value", "code"), [
    ("A2", 10.5, "out_of_range"), ("A2", "九", "not_a_number"), ("B1", "极好", "unknown_label"),
    ("A2", True, "not_a_number"), ("A1", 80, "score_on_measure"),
])
def test_a_bad_score_is_refused_and_nothing_is_written(campaign, indicator, value, code):
    before = (Score.objects.count(), LedgerEntry.objects.count())
    with pytest.raises(CampaignError) as error:
        score_record(campaign=campaign, rater=campaign.raters.get(code="R1"), unit=Unit.objects.get(code="U01"),
                     indicator=campaign.library_version.nodes.get(code=indicator), value=value)
    assert error.value.code == code
    assert (Score.objects.count(), LedgerEntry.objects.count()) == before


def test_measures_adjustments_and_vetoes_go_through_services_into_the_ledger(campaign):
    u02 = Unit.objects.get(code="U02")
    measure_record(campaign=campaign, unit=u02, indicator=campaign.library_version.nodes.get(code="B2"), value=0.99)
    veto_add(campaign=campaign, unit=u02, reason="重大安全事故")
    with pytest.raises(CampaignError, match="事由"):
        adjustment_add(campaign=campaign, unit=u02, points=1, reason=" ")
    with pytest.raises(CampaignError, match="不是活动 2026Q3 的考评对象"):
        veto_add(campaign=campaign, unit=Unit.objects.create(code="X9", name="外单位"), reason="x")
    actions = list(LedgerEntry.objects.order_by("-seq").values_list("action", flat=True)[:2])
    assert actions == ["veto.add", "measure.record"]
    assert ledger_verify().ok


def test_the_database_refuses_what_no_service_would_write(campaign):
    assignment = Assignment.objects.filter(campaign=campaign).first()
    node = campaign.library_version.nodes.get(code="B1")
    for values in ({"value_number": None, "value_label": None}, {"value_number": 5, "value_label": "优"},
                   {"value_number": -1, "value_label": None}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Score.objects.create(assignment=assignment, indicator=node, **values)
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluatorGroup.objects.create(campaign=campaign, code="neg", name="neg", weight=-1)


def test_a_frozen_indicator_version_is_revised_in_a_derived_draft_with_its_history(campaign):
    node = campaign.library_version.nodes.get(code="A2")
    with pytest.raises(IndicatorError, match="已被考评活动使用"):
        indicator_node_update(node=node, weight=60)
    draft = library_version_derive(version=campaign.library_version, note="2027 年修订")
    changed = indicator_node_update(node=draft.nodes.get(code="A2"), weight=60, note="加大协作权重")
    assert changed.weight == 60 and node.weight == 50
    assert draft.number == 2 and draft.based_on == campaign.library_version
    change = IndicatorChange.objects.get(version=draft, action="change")
    assert change.changes == {"weight": [50.0, 60.0]}
    with pytest.raises(Exception, match="权重为负数"):
        indicator_node_update(node=draft.nodes.get(code="A2"), weight=-1)
    assert ledger_verify().ok


def test_the_command_line_exits_1_on_bad_input_and_0_with_results_equal_to_score(tmp_path):
    """End to end through the installed ``kaoping`` script, on a SQLite file of its own."""
    env = {**os.environ, "KAOPING_DATABASE_URL": f"sqlite:///{tmp_path / 'k.sqlite3'}", "KAOPING_DEBUG": "1"}
    script = Path(sys.executable).with_name("kaoping")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(script), *args], env=env, capture_output=True, text=True, timeout=120)

    assert run("migrate", "-v0").returncode == 0
    bad = run("import", str(write(tmp_path / "bad.json", rich(format="kaoping-bundle/0"))))
    assert bad.returncode == 1 and "format" in bad.stderr and "未写入任何数据" in bad.stderr
    assert run("import", str(write(tmp_path / "b.json", rich()))).returncode == 0
    again = run("import", str(tmp_path / "b.json"))
    assert again.returncode == 1 and "2026Q3 已存在" in again.stderr
    assert run("results", "2026Q3", "-o", str(tmp_path / "r.json")).returncode == 0
    assert run("export", "2026Q3", "-o", str(tmp_path / "e.json")).returncode == 0
    assert run("score", str(tmp_path / "e.json"), "-o", str(tmp_path / "s.json")).returncode == 0
    assert (tmp_path / "r.json").read_bytes() == (tmp_path / "s.json").read_bytes()
    ok = run("ledger", "verify")
    assert ok.returncode == 0 and "账本校验通过" in ok.stdout
    import sqlite3

    with sqlite3.connect(tmp_path / "k.sqlite3") as db:
        db.execute("UPDATE campaigns_score SET value_number = 0 WHERE id = 3")
    tampered = run("ledger", "verify")
    assert tampered.returncode == 1 and "评分 #3" in tampered.stderr
