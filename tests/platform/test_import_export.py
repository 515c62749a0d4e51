"""`kaoping import` / `kaoping export`: a bundle in, the same bundle out, bad input refused whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from kaoping.campaigns.models import Campaign, CampaignStatus, CampaignUnit, Score
from kaoping.campaigns.selectors import bundle_export
from kaoping.campaigns.services import bundle_import
from kaoping.engine.bundle import parse_bundle
from kaoping.engine.errors import KaopingError
from kaoping.engine.scoring import score
from kaoping.indicators.models import LibraryVersion
from kaoping.org.models import Unit
from kaoping.org.services import unit_create

from .bundles import rich, write
from .conftest import row_counts

EXAMPLES = sorted(p for p in (Path(__file__).parents[2] / "examples").glob("*.json")
                  if json.loads(p.read_text(encoding="utf-8")).get("format") == "kaoping-bundle/1")

pytestmark = pytest.mark.django_db


def wipe() -> None:
    """Empty every table of the project, as a fresh database would be."""
    from django.apps import apps

    order = ["ledger.LedgerEntry", "ledger.LedgerHead", "campaigns.ResultSnapshot", "campaigns.Score",
             "campaigns.Assignment", "campaigns.Measure", "campaigns.Adjustment", "campaigns.Veto",
             "campaigns.HistoryEntry", "campaigns.WeightOverride", "campaigns.Conflict", "campaigns.Rater",
             "campaigns.EvaluatorGroup", "campaigns.CampaignUnit", "campaigns.Campaign",
             "indicators.IndicatorChange", "indicators.IndicatorNode", "indicators.LibraryVersion",
             "indicators.Library", "org.Staff", "org.Unit"]
    for label in order:
        apps.get_model(label).objects.all()._raw_delete("default")
    assert all(n == 0 for label, n in row_counts().items() if label != "accounts.User")


def test_it_imports_a_bundle_as_a_draft_campaign(campaign):
    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.kind == "mutual" and campaign.name == "2026年第三季度单位互评"
    assert campaign.targets.count() == 3 and campaign.raters.count() == 6
    assert Score.objects.filter(assignment__campaign=campaign).count() == len(rich()["scores"])
    assert campaign.library_version.frozen
    assert Unit.objects.get(code="U03").parent.code == "U01"


def test_the_export_scores_exactly_like_the_bundle_imported(campaign):
    original = score(parse_bundle(rich())).to_dict()
    exported = score(parse_bundle(bundle_export(campaign=campaign))).to_dict()
    assert exported == original


def test_the_export_keeps_what_the_bundle_said(campaign):
    exported = bundle_export(campaign=campaign)
    data = rich()
    assert exported["campaign"] == data["campaign"]
    assert exported["scoring"] == data["scoring"]
    assert exported["units"] == data["units"]
    assert exported["weight_overrides"] == data["weight_overrides"]
    assert exported["adjustments"] == data["adjustments"]
    assert exported["history"] == data["history"]
    assert exported["scores"] == data["scores"]
    assert exported["conflicts"] == [{"rater": "R1", "unit": "U03"}]  # declared twice, kept once
    a2 = exported["indicators"][0]["children"][1]
    assert a2 == {"code": "A2", "name": "协作配合", "weight": 50, "nature": "process", "dimensions": ["internal"],
                  "source": "rating", "rated_by": ["superior", "peer", "self"], "full": 10, "unit": "分"}


def test_importing_an_export_into_an_empty_database_gives_the_same_export(campaign):
    first = bundle_export(campaign=campaign)
    wipe()
    again = bundle_import(data=json.loads(json.dumps(first)), source="test")
    assert bundle_export(campaign=again) == first


def test_it_refuses_a_duplicate_campaign_code(campaign, tmp_path):
    before = row_counts()
    with pytest.raises(CommandError, match="活动代码 2026Q3 已存在"):
        call_command("import", str(write(tmp_path / "b.json", rich())))
    assert row_counts() == before


def test_it_imports_yaml_with_dates(db, tmp_path):
    path = tmp_path / "b.yaml"
    text = yaml.safe_dump(rich(), allow_unicode=True).replace("'2026-07-01'", "2026-07-01")
    path.write_text(text, encoding="utf-8")
    call_command("import", str(path))
    c = Campaign.objects.get(code="2026Q3")
    assert c.period_start.isoformat() == "2026-07-01"


def test_export_writes_json_or_yaml_by_suffix(campaign, tmp_path):
    call_command("export", "2026Q3", "-o", str(tmp_path / "e.json"))
    call_command("export", "2026Q3", "-o", str(tmp_path / "e.yml"))
    as_json = json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))
    assert yaml.safe_load((tmp_path / "e.yml").read_text(encoding="utf-8")) == as_json
    assert as_json == bundle_export(campaign=campaign)


def test_export_of_an_unknown_campaign_says_so(db):
    with pytest.raises(CommandError, match="考评活动 NOPE 不存在"):
        call_command("export", "NOPE", "-o", "/dev/null")


def _set(path: str, value):
    def change(data):
        target = data
        keys = path.split(".")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        last = keys[-1]
        target[int(last) if last.isdigit() else last] = value
        return data
    return change


def _append(section: str, record):
    def change(data):
        data[section].append(record)
        return data
    return change


BAD = {
    # every C1 validation rule ...
    "unknown format": (_set("format", "kaoping-bundle/9"), "format"),
    "duplicate unit code": (_append("units", {"code": "U01"}), "units[3]"),
    "duplicate indicator code": (_set("indicators.1.children.0.code", "A2"), "indicators[4]"),
    "duplicate group code": (_append("groups", {"code": "peer", "weight": 1}), "groups[4]"),
    "duplicate rater code": (_append("raters", {"code": "R1", "group": "peer"}), "raters[6]"),
    "unknown unit": (_append("scores", {"rater": "R1", "unit": "U99", "indicator": "A2", "value": 5}), "scores[21]"),
    "unknown rater": (_append("scores", {"rater": "R99", "unit": "U01", "indicator": "A2", "value": 5}), "scores[21]"),
    "unknown group": (_append("raters", {"code": "R9", "group": "nobody"}), "raters[6]"),
    "unknown indicator": (_append("scores", {"rater": "R1", "unit": "U01", "indicator": "Z", "value": 5}), "scores[21]"),
    "negative weight": (_set("indicators.0.weight", -1), "indicators[0]"),
    "negative group weight": (_set("groups.0.weight", -40), "groups[0]"),
    "value above full": (_set("scores.0.value", 11), "scores[0]"),
    "negative value": (_set("scores.0.value", -1), "scores[0]"),
    "label not in scale": (_set("scores.15.value", "极好"), "scores[15]"),
    "text where a number belongs": (_set("scores.0.value", "九"), "scores[0]"),
    "number as text in a measure": (_set("measures.0.value", "0.9"), "measures[0]"),
    "duplicate score": (_append("scores", {"rater": "R1", "unit": "U01", "indicator": "A2", "value": 5}), "scores[21]"),
    "duplicate measure": (_append("measures", {"unit": "U01", "indicator": "A1", "value": 0.5}), "measures[4]"),
    "score on a measured leaf": (_append("scores", {"rater": "R1", "unit": "U01", "indicator": "A1", "value": 5}),
                                 "scores[21]"),
    "measure on a rated leaf": (_append("measures", {"unit": "U01", "indicator": "A2", "value": 5}), "measures[4]"),
    "unknown rule kind": (_set("indicators.0.children.0.rule", {"kind": "magic"}), "indicators[1]"),
    "floor equal to target": (_set("indicators.0.children.0.rule.floor", 0.95), "indicators[1]"),
    # ... and what the database needs besides
    "unknown unit type": (_set("units.0.type", "hospital"), "units[0]"),
    "unknown campaign kind": (_set("campaign.kind", "contest"), "campaign"),
    "a date that is no date": (_set("campaign.period_start", "July"), "campaign"),
    "period ending before it starts": (_set("campaign.period_end", "2026-06-30"), "campaign"),
    "a code too long": (_append("raters", {"code": "R" * 65, "group": "peer"}), "raters[6]"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_bundle_is_refused_naming_the_record_and_nothing_is_written(db, tmp_path, case):
    change, location = BAD[case]
    path = write(tmp_path / "bad.json", change(rich()))
    before = row_counts()
    with pytest.raises(CommandError) as error:
        call_command("import", str(path))
    assert location in str(error.value)
    assert "未写入任何数据" in str(error.value)
    assert row_counts() == before


def test_a_file_that_is_not_json_is_refused(db, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{\"format\": ", encoding="utf-8")
    with pytest.raises(CommandError, match="JSON 格式错误"):
        call_command("import", str(path))


def test_it_reuses_a_registered_unit_that_agrees(db):
    unit_create(code="U01", name="市教育局", type="admin", region="east")
    campaign = bundle_import(data=rich(), source="test")
    assert CampaignUnit.objects.get(campaign=campaign, code="U01").unit == Unit.objects.get(code="U01")


def test_it_refuses_a_unit_that_contradicts_the_register_and_writes_nothing(db):
    unit_create(code="U02", name="市第一人民医院", type="institution")
    before = row_counts()
    with pytest.raises(KaopingError) as error:
        bundle_import(data=rich(), source="test")
    assert error.value.location == "units[1]" and "市第一人民医院" in error.value.message
    assert row_counts() == before


def test_a_second_campaign_with_the_same_tree_keeps_the_same_frozen_version(campaign):
    data = rich(campaign={"code": "2026Q4", "name": "第四季度"})
    second = bundle_import(data=data, source="test")
    assert second.library_version == campaign.library_version
    assert LibraryVersion.objects.count() == 1


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_each_example_imports_exports_and_scores_the_same(db, path):
    data = json.loads(path.read_text(encoding="utf-8"))
    campaign = bundle_import(data=data, source="test")
    first = bundle_export(campaign=campaign)
    assert score(parse_bundle(first)).to_dict() == score(parse_bundle(data)).to_dict()
    wipe()
    assert bundle_export(campaign=bundle_import(data=first, source="test")) == first


def test_an_excel_workbook_imports_like_json(db):
    workbooks = sorted((Path(__file__).parents[2] / "examples" / "templates").glob("*-*.xlsx"))
    if not workbooks:
        pytest.skip("no example workbook")
    call_command("import", str(workbooks[0]))
    assert Campaign.objects.count() == 1
