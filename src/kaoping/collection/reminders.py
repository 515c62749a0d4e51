"""Reminders to evaluators with sheets still to submit (R3.4: one city saw 30% of units miss).

Plain functions, called by ``kaoping remind`` and the office's progress page; a task
queue can call the same function. E-mail goes through Django's mail with the console
backend unless a backend is configured; SMS goes through :func:`sms_send`, a hook to
plug a gateway into (``KAOPING_SMS_SENDER = "package.module.function"`` taking
``(phone, text)``), which only logs by default.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.utils.module_loading import import_string

from kaoping.campaigns.models import Campaign
from kaoping.campaigns.templatetags.workdays import workday_estimate

from .selectors import Reminder, reminders_due

logger = logging.getLogger("kaoping.reminders")
SMTP = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE = "django.core.mail.backends.console.EmailBackend"


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``."""
    digits = "".join(ch for ch in str(phone) if ch.isdigit())
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else "****"


def mask_email(email: str) -> str:
    """``zhangsan@example.cn`` → ``z***@example.cn``."""
    if "@" not in email:
        return "***" if email else ""
    name, domain = email.split("@", 1)
    return f"{name[:1]}***@{domain}"


def mask_name(name: str) -> str:
    """``张三丰`` → ``张**`` (a rater's name is shown only as far as needed)."""
    return f"{name[:1]}{'*' * max(len(name) - 1, 1)}" if name else ""


def sms_send(phone: str, text: str) -> None:
    """Send one SMS through the configured gateway, or log it (the default)."""
    path = getattr(settings, "KAOPING_SMS_SENDER", None)
    if path:
        import_string(path)(phone, text)
        return
    logger.info("短信（未配置网关，仅记录）至 %s：%s", mask_phone(phone), text)


def _mail_connection() -> Any:
    backend = settings.EMAIL_BACKEND
    if backend == SMTP and not settings.is_overridden("EMAIL_BACKEND"):
        backend = CONSOLE  # nothing configured: print instead of trying a mail server
    return get_connection(backend=backend)


@dataclass
class Sent:
    reminder: Reminder
    email: str  # masked address, or "" when there is none
    phone: str  # masked number, or ""
    sent: bool


def message(reminder: Reminder) -> tuple[str, str]:
    c = reminder.campaign
    left = len(reminder.pending)
    when = f"截止日期 {c.deadline:%Y-%m-%d}" if c.deadline else "请尽快完成"
    if reminder.days_left is not None:
        when += f"，还剩{workday_estimate(c.deadline)} {reminder.days_left} 个工作日"
    subject = f"【考评提醒】{c.name}：您还有 {left} 份评分表未提交"
    body = (f"您好：\n\n您在「{c.name}」中还有 {left} 份评分表未提交（共 {reminder.total} 份），{when}。\n"
            "请登录考评系统，在「我的评分」中完成并提交。\n\n考核办")
    return subject, body


def reminders_send(*, campaign: Campaign | None = None, dry_run: bool = False) -> list[Sent]:
    """Remind every evaluator with unsubmitted sheets; with ``dry_run`` only list them."""
    out = []
    connection = None if dry_run else _mail_connection()
    for r in reminders_due(campaign=campaign):
        email = (r.user.email or "").strip()
        phone = str((r.rater.extra or {}).get("phone") or "").strip()
        subject, body = message(r)
        sent = False
        if not dry_run:
            if email:
                send_mail(subject, body, None, [email], connection=connection)
                sent = True
            if phone:
                sms_send(phone, subject)
                sent = True
        out.append(Sent(reminder=r, email=mask_email(email), phone=mask_phone(phone) if phone else "", sent=sent))
    return out
