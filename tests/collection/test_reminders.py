"""Reminders: who still has sheets to submit, by e-mail and through the SMS hook."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from kaoping.campaigns.models import Assignment, Rater
from kaoping.collection.reminders import mask_email, mask_name, mask_phone
from kaoping.collection.services import sheet_submit

pytestmark = pytest.mark.django_db
SENT: list[tuple[str, str]] = []


def fake_gateway(phone: str, text: str) -> None:
    """An SMS gateway plugged in through settings (records instead of sending)."""
    SENT.append((phone, text))


def run(*args: str) -> str:
    out = StringIO()
    call_command("remind", *args, stdout=out)
    return out.getvalue()


def test_dry_run_lists_evaluators_with_unsubmitted_sheets(campaign: Any, evaluators: Any) -> None:
    for unit in ("U01", "U02", "U03"):
        values = {"A2": "8", "B1": "良"} if unit != "U03" else {"A2": "8"}
        sheet_submit(assignment=Assignment.objects.get(rater__code="R1", unit__code=unit), values=values,
                     version=0, by=evaluators["R1"])
    out = run("--campaign", "C2026", "--dry-run")
    assert "R1" not in out
    assert "R2\t李*\t未提交 2/2" in out and "R3\t王*\t未提交 1/1" in out
    assert "将提醒 2 人" in out and mail.outbox == []


def test_it_sends_mail_and_sms_through_the_hook(campaign: Any, settings: Any) -> None:
    settings.KAOPING_SMS_SENDER = "tests.collection.test_reminders.fake_gateway"
    Rater.objects.filter(code="R2").update(extra={"phone": "13812345678"})
    SENT.clear()
    out = run()
    assert "已提醒 3 人" in out
    assert sorted(m.to[0] for m in mail.outbox) == ["r1@example.cn", "r2@example.cn", "r3@example.cn"]
    assert "还有 2 份评分表未提交" in mail.outbox[0].subject or "还有" in mail.outbox[0].subject
    assert SENT and SENT[0][0] == "13812345678"


def test_an_unknown_campaign_is_an_error(db: Any) -> None:
    with pytest.raises(CommandError, match="不存在"):
        run("--campaign", "NOPE")


def test_personal_data_is_masked() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_email("zhangsan@example.cn") == "z***@example.cn"
    assert mask_name("张三丰") == "张**"
