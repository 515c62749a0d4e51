"""``kaoping remind [--campaign CODE] [--dry-run]``: remind evaluators of unsubmitted sheets."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaoping.campaigns.selectors import campaign_get
from kaoping.collection.reminders import mask_name, reminders_send


class Command(BaseCommand):
    help = "提醒尚未提交评分表的评价人（邮件；配置短信网关后同时发短信）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--campaign", metavar="CODE", help="只提醒这一考评活动（默认：所有进行中的活动）")
        parser.add_argument("--dry-run", action="store_true", help="只列出将被提醒的人，不发送")

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = None
        if options["campaign"]:
            campaign = campaign_get(code=options["campaign"])
            if campaign is None:
                raise CommandError(f"考评活动 {options['campaign']} 不存在")
        results = reminders_send(campaign=campaign, dry_run=options["dry_run"])
        for s in results:
            r = s.reminder
            contact = "、".join(x for x in (s.email, s.phone) if x) or "无联系方式"
            state = "待发送" if options["dry_run"] else ("已发送" if s.sent else "未发送（无联系方式）")
            self.stdout.write(f"{r.campaign.code}\t{r.rater.code}\t{mask_name(r.rater.name or r.user.get_full_name())}\t"
                              f"未提交 {len(r.pending)}/{r.total}\t{contact}\t{state}")
        verb = "将提醒" if options["dry_run"] else "已提醒"
        self.stdout.write(f"{verb} {len(results)} 人")
