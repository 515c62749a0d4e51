"""``kaoping alerts sync [--campaign CODE]``."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from kaoping.alerts.models import Alert, AlertEvent
from kaoping.campaigns.models import ResultSnapshot
from kaoping.ledger.models import LedgerEntry
from kaoping.ledger.selectors import ledger_verify

from .conftest import bundle, row_counts

pytestmark = pytest.mark.django_db


def _sync(*args: str) -> str:
    out = StringIO()
    call_command("alerts", "sync", *args, stdout=out)
    return out.getvalue()


def _snapshot_without_alerts(campaign: Any) -> ResultSnapshot:
    """A snapshot stored the way versions before R5.7 filing did: ledgered, its alerts not filed."""
    import kaoping
    from kaoping.campaigns.selectors import bundle_export, bundle_hash
    from kaoping.engine.bundle import parse_bundle
    from kaoping.engine.scoring import score
    from kaoping.ledger.services import ledger_append, ledger_lock, rowset_from_db

    with transaction.atomic():
        ledger_lock()
        data = bundle_export(campaign=campaign)
        results = score(parse_bundle(data)).to_dict()
        snapshot = ResultSnapshot.objects.create(
            campaign=campaign, engine_version=kaoping.__version__, input_hash=bundle_hash(data),
            results_json=json.dumps(results, ensure_ascii=False))
        ledger_append(action="results.snapshot", actor="old-version", object_type="campaign",
                      object_id=campaign.code, rows=[rowset_from_db("snapshot", [snapshot.pk])], data={})
    return snapshot


def test_it_files_the_alerts_of_the_latest_snapshot_once(office: Any) -> None:
    from kaoping.campaigns.services import bundle_import

    campaign = bundle_import(data=bundle(code="OLD"), by=office)
    snapshot = _snapshot_without_alerts(campaign)
    expected = sum(1 for a in snapshot.results["alerts"] if a["kind"] != "excluded_sheet")
    assert expected == 4 and Alert.objects.count() == 0
    out = _sync("--campaign", "OLD")
    assert out.strip() == f"OLD（结果快照 #{snapshot.pk}）：新登记 4 条，已登记 0 条"
    assert Alert.objects.filter(campaign=campaign, first_snapshot=snapshot).count() == 4
    assert set(AlertEvent.objects.values_list("action", "actor")) == {("found", "cli")}
    assert LedgerEntry.objects.filter(action="alerts.sync").count() == 1
    before = row_counts()
    out = _sync("--campaign", "OLD")
    assert out.strip() == f"OLD（结果快照 #{snapshot.pk}）：新登记 0 条，已登记 4 条"
    assert row_counts() == before  # nothing filed twice, nothing written
    assert ledger_verify().ok


def test_without_a_campaign_it_syncs_every_campaign_and_skips_those_without_results(
        campaign: Any, office: Any) -> None:
    from kaoping.campaigns.services import bundle_import

    bundle_import(data=bundle(code="B-NEW"), by=office)  # no results yet
    filed = Alert.objects.filter(campaign=campaign).count()
    before = row_counts()
    out = _sync().splitlines()
    assert out == [
        f"A2026Q3（结果快照 #{campaign.snapshots.get().pk}）：新登记 0 条，已登记 {filed} 条",
        "B-NEW：尚无结果快照，跳过（先运行 kaoping results B-NEW）",
        f"合计：新登记 0 条，已登记 {filed} 条",
    ]
    assert row_counts() == before


def test_an_unknown_campaign_is_an_error(db: Any) -> None:
    before = row_counts()
    with pytest.raises(CommandError, match="考评活动 NOPE 不存在"):
        _sync("--campaign", "NOPE")
    assert row_counts() == before
