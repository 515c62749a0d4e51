"""``kaoping alerts sync [--campaign CODE]``: file the alerts of each campaign's latest snapshot.

Computing results files their alerts already (R5.7); this catches up on snapshots made
before that, or imported data, through the same service (:func:`alerts_sync`), so a
finding is never filed twice. It computes nothing: a campaign without results is
listed as skipped (run ``kaoping results CODE`` first).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kaoping.alerts.services import alerts_sync
from kaoping.campaigns.models import Campaign
from kaoping.campaigns.selectors import campaign_get, snapshot_latest
from kaoping.engine.errors import KaopingError


class Command(BaseCommand):
    help = "预警：sync 把各考评活动最新结果快照中的预警登记为待办（同一预警只登记一次）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        p = sub.add_parser("sync", help="登记最新结果快照中的预警，并报告新登记和已登记的条数")
        p.add_argument("--campaign", help="只处理这一个活动（活动代码）；省略时处理全部活动")

    def handle(self, *args, **options):
        code = options.get("campaign")
        if code:
            campaign = campaign_get(code=code)
            if campaign is None:
                raise CommandError(f"考评活动 {code} 不存在")
            campaigns = [campaign]
        else:
            campaigns = list(Campaign.objects.order_by("code"))
        new = filed = 0
        for campaign in campaigns:
            snapshot = snapshot_latest(campaign=campaign)
            if snapshot is None:
                self.stdout.write(f"{campaign.code}：尚无结果快照，跳过（先运行 kaoping results {campaign.code}）")
                continue
            try:
                report = alerts_sync(campaign=campaign, snapshot=snapshot, source="cli")
            except KaopingError as exc:
                raise CommandError(f"{campaign.code}：无法登记预警：{exc}") from None
            already = report.refound + report.unchanged
            new, filed = new + report.created, filed + already
            updated = f"，其中 {report.refound} 条按新快照更新" if report.refound else ""
            self.stdout.write(f"{campaign.code}（结果快照 #{snapshot.pk}）：新登记 {report.created} 条，"
                              f"已登记 {already} 条{updated}")
        if len(campaigns) != 1:
            self.stdout.write(f"合计：新登记 {new} 条，已登记 {filed} 条")
