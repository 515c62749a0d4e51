"""``kaoping ledger verify``: recompute the tamper-evident chain (CONTRACTS.md C3)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from kaoping.ledger.selectors import ledger_verify


class Command(BaseCommand):
    help = "防篡改账本：verify 重新计算哈希链，并逐行核对账本登记过的每一张表（评分、数据及核查、已提交评分表、加减分、否决、状态变更、结果快照、层次分析判断、预警、好差评、发布等）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        sub.add_parser("verify", help="校验账本：全部一致时退出码 0，否则退出码 1 并指出第一处不一致")

    def handle(self, *args, **options):
        started = time.perf_counter()
        report = ledger_verify()
        if not report.ok:
            raise CommandError(report.summary())
        self.stdout.write(f"{report.summary()}（用时 {time.perf_counter() - started:.1f} 秒）")
