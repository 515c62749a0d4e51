"""``kaoping results CAMPAIGN [-o RESULTS.json]``: the campaign's C2 results.

Computed (when the data changed since the last snapshot) from the campaign's exported
bundle by the very engine ``kaoping score`` runs, so the output equals ``kaoping score``
on ``kaoping export CAMPAIGN``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kaoping.campaigns.selectors import campaign_get
from kaoping.campaigns.services import results_compute
from kaoping.cli import write_json
from kaoping.engine.errors import KaopingError


class Command(BaseCommand):
    help = "计算（如有需要）并输出考评活动的结果（kaoping-results/1）"

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="活动代码")
        parser.add_argument("-o", "--output", help="输出文件；省略时输出到标准输出")

    def handle(self, *args, **options):
        campaign = campaign_get(code=options["campaign"])
        if campaign is None:
            raise CommandError(f"考评活动 {options['campaign']} 不存在")
        try:
            snapshot = results_compute(campaign=campaign, source="cli")
        except KaopingError as exc:
            raise CommandError(f"无法计算结果：{exc}") from None
        except OSError as exc:
            raise CommandError(str(exc)) from None
        try:
            write_json(snapshot.results, options.get("output"))
        except OSError as exc:
            raise CommandError(f"无法写入结果：{exc}") from None
        if options.get("output"):
            self.stderr.write(f"已写入考评活动 {campaign.code} 的结果到 {options['output']}"
                              f"（快照 {snapshot.input_hash[:12]}，引擎 {snapshot.engine_version}）")
