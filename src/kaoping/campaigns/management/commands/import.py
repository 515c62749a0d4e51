"""``kaoping import BUNDLE``: store a C1 bundle (JSON, YAML or Excel) as a new campaign."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from kaoping.campaigns.services import bundle_import
from kaoping.engine.bundle import read_document
from kaoping.engine.errors import KaopingError


class Command(BaseCommand):
    help = "导入活动数据包（JSON / YAML / Excel）为新的考评活动；有任何错误则不写入任何数据"

    def add_arguments(self, parser):
        parser.add_argument("bundle", help="活动数据包文件（.json、.yaml/.yml 或 .xlsx）")

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            data, where = read_document(options["bundle"])
            campaign = bundle_import(data=data, where=where, source="cli")
        except KaopingError as exc:
            raise CommandError(f"导入失败，未写入任何数据：{exc}") from None
        scores = len(data.get("scores") or [])
        self.stdout.write(
            f"已导入考评活动 {campaign.code}（{campaign.name}）：{campaign.targets.count()} 个单位，"
            f"{campaign.raters.count()} 名评价人，{scores} 条评分，用时 {time.perf_counter() - started:.1f} 秒"
        )
