"""``kaoping account_unlock USERNAME``: lift a log-in lock-out (recorded in the audit trail)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaoping.engine.errors import KaopingError

from ...services import user_unlock


class Command(BaseCommand):
    help = "解除账号因连续登录失败而产生的锁定"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="要解锁的用户名")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        try:
            cleared = user_unlock(username=username)
        except KaopingError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已解除 {username} 的登录锁定（清除失败记录 {cleared} 条）")
