"""``kaoping export CAMPAIGN -o BUNDLE``: write a campaign as a C1 bundle (JSON or YAML)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kaoping.campaigns.selectors import bundle_export, campaign_get


class Command(BaseCommand):
    help = "导出考评活动为活动数据包（默认 JSON；输出文件以 .yaml/.yml 结尾时为 YAML）"

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="活动代码")
        parser.add_argument("-o", "--output", help="输出文件；省略时输出到标准输出（JSON）")

    def handle(self, *args, **options):
        campaign = campaign_get(code=options["campaign"])
        if campaign is None:
            raise CommandError(f"考评活动 {options['campaign']} 不存在")
        bundle = bundle_export(campaign=campaign)
        output = options.get("output")
        if output and Path(output).suffix.lower() in (".yaml", ".yml"):
            import yaml

            dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
            text = yaml.dump(bundle, Dumper=dumper, allow_unicode=True, sort_keys=False)
        else:
            text = json.dumps(bundle, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
        if not output:
            self.stdout.write(text, ending="")
            return
        target = Path(output)
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(target)
        except OSError as exc:
            raise CommandError(f"无法写入 {target}：{exc}") from None
        self.stderr.write(f"已导出考评活动 {campaign.code} 到 {target}（{len(bundle['scores'])} 条评分）")
