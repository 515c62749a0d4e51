"""Evidence on measured values and the third-party check (R3.6)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from kaoping.campaigns.models import Measure
from kaoping.campaigns.services import campaign_transition, results_compute
from kaoping.collection.models import Evidence, MeasureCheck
from kaoping.collection.services import (
    EVIDENCE_MAX_BYTES,
    CollectionError,
    evidence_add,
    measure_check,
    measure_correct,
)
from kaoping.ledger.models import LedgerEntry
from kaoping.ledger.selectors import ledger_verify

from .conftest import recorded, row_counts

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture
def measure(campaign: Any) -> Measure:
    return Measure.objects.select_related("unit", "indicator").get(unit__code="U01", indicator__code="A1")


def test_it_keeps_evidence_with_its_hash_in_the_ledger(measure: Measure, office: Any) -> None:
    evidence = evidence_add(measure=measure, filename="C:\\报表\\响应率.pdf", content=PDF, by=office, note="系统导出")
    assert (evidence.filename, evidence.content_type, evidence.size) == ("响应率.pdf", "application/pdf", len(PDF))
    entry = LedgerEntry.objects.order_by("-seq").first()
    assert entry.action == "evidence.add" and evidence.sha256 in entry.payload


@pytest.mark.parametrize(("name", "content", "words"), [
    ("a.pdf", b"", "文件为空"),
    ("a.pdf", b"%PDF" + b"0" * EVIDENCE_MAX_BYTES, "文件过大"),
    ("a.exe", b"MZ\x90\x00", "不支持的文件类型"),
    ("a.pdf", b"<html>", "与扩展名 .pdf 不符"),
    ("photo.png", PDF, "不符"),
])
def test_it_refuses_bad_evidence_files(measure: Measure, office: Any, name: str, content: bytes, words: str) -> None:
    before = row_counts()
    with pytest.raises(CollectionError, match=words):
        evidence_add(measure=measure, filename=name, content=content, by=office)
    assert row_counts() == before


def test_a_supervisor_verifies_or_disputes_with_a_reason(measure: Measure, supervisor: Any) -> None:
    measure_check(measure=measure, status="verified", note="", by=supervisor)
    before = row_counts()
    with pytest.raises(CollectionError, match="须写明理由"):
        measure_check(measure=measure, status="disputed", note=" ", by=supervisor)
    assert row_counts() == before
    measure_check(measure=measure, status="disputed", note="与台账不符", by=supervisor)
    assert list(MeasureCheck.objects.values_list("status", flat=True)) == ["verified", "disputed"]
    entries = LedgerEntry.objects.filter(action__in=["measure.verified", "measure.disputed"]).order_by("seq")
    assert [recorded(e) for e in entries] == [{"measure": [measure.pk], "measure_check": [c.pk]}
                                              for c in MeasureCheck.objects.order_by("pk")]
    assert ledger_verify().ok


def test_a_correction_records_old_and_new_value_who_and_why(measure: Measure, supervisor: Any) -> None:
    check = measure_correct(measure=measure, value="0.85", reason="核对原始台账，实为 85%", by=supervisor)
    assert (check.old_value, check.new_value, check.checked_by) == (0.9, 0.85, supervisor)
    measure.refresh_from_db()
    assert measure.value == 0.85
    entry = LedgerEntry.objects.order_by("-seq").first()
    assert entry.action == "measure.correct" and entry.actor == "super1"
    assert '"old":0.9' in entry.payload and '"new":0.85' in entry.payload and "核对原始台账" in entry.payload
    assert recorded(entry) == {"measure": [measure.pk], "measure_check": [check.pk]}
    assert ledger_verify().ok


@pytest.mark.parametrize(("value", "reason", "field"), [
    ("abc", "理由", "value"), ("0.9", "理由", "value"), ("inf", "理由", "value"), ("0.8", "", "note"),
])
def test_it_refuses_a_bad_correction(measure: Measure, supervisor: Any, value: str, reason: str, field: str) -> None:
    before = row_counts()
    with pytest.raises(CollectionError) as info:
        measure_correct(measure=measure, value=value, reason=reason, by=supervisor)
    assert field in info.value.field_errors
    assert row_counts() == before


def test_published_values_cannot_be_corrected_here(campaign: Any, measure: Measure, office: Any,
                                                   supervisor: Any) -> None:
    campaign_transition(campaign=campaign, to="closed", by=office)
    measure_correct(measure=measure, value=0.88, reason="核查更正", by=supervisor)  # closed: still allowed
    results_compute(campaign=campaign, by=office)
    campaign_transition(campaign=campaign, to="published", by=office)
    before = row_counts()
    with pytest.raises(CollectionError, match="已发布"):
        measure_correct(measure=measure, value=0.8, reason="再改", by=supervisor)
    with pytest.raises(CollectionError, match="已发布"):
        evidence_add(measure=measure, filename="a.pdf", content=PDF, by=office)
    assert row_counts() == before


def test_roles_are_kept_apart(measure: Measure, office: Any, supervisor: Any) -> None:
    with pytest.raises(PermissionDenied):
        measure_correct(measure=measure, value=0.5, reason="x", by=office)
    with pytest.raises(PermissionDenied):
        evidence_add(measure=measure, filename="a.pdf", content=PDF, by=supervisor)
    assert Evidence.objects.count() == 0 and MeasureCheck.objects.count() == 0
