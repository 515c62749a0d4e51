"""``kaoping token create|revoke|list`` — API tokens for business systems (C3, C4).

``create NAME`` prints the token alone on the last line of stdout; only its SHA-256 is
stored, so it cannot be shown again (revoke and create a new one instead).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kaoping.ratings.models import ApiToken
from kaoping.ratings.services import RatingError, token_create, token_revoke


class Command(BaseCommand):
    help = "业务系统接口令牌：create 创建（最后一行输出令牌）、revoke 吊销、list 列出"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        p = sub.add_parser("create", help="为业务系统创建令牌，最后一行输出令牌本身")
        p.add_argument("name", help="业务系统名称")
        p = sub.add_parser("revoke", help="吊销令牌")
        p.add_argument("name")
        sub.add_parser("list", help="列出令牌（不显示令牌本身）")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            if action == "create":
                token, raw = token_create(name=options["name"])
                self.stdout.write(f"已为 {token.name} 创建接口令牌（仅显示这一次，请妥善保存）：")
                self.stdout.write(raw)
            elif action == "revoke":
                token = token_revoke(name=options["name"])
                self.stdout.write(f"已吊销 {options['name']} 的令牌（{token.prefix}…）")
            else:
                for token in ApiToken.objects.order_by("name"):
                    state = "有效" if token.active else f"已吊销 {timezone.localtime(token.revoked_at):%Y-%m-%d %H:%M}"
                    used = f"{timezone.localtime(token.last_used_at):%Y-%m-%d %H:%M}" if token.last_used_at else "从未使用"
                    self.stdout.write(f"{token.name}\t{token.prefix}…\t{state}\t最近使用：{used}")
        except RatingError as exc:
            raise CommandError(str(exc)) from None
