"""``kaoping ratings …`` — background work of the ratings app, as plain commands (R4).

* ``default-fill`` — count expired unrated transactions as the default level (only when
  the policy switches it on); run daily.
* ``check-cases`` — list bad-rating cases past their working-day deadlines; run daily.
* ``summary [--rebuild] [--period YYYY-MM]`` — recompute the monthly summary from the raw
  rows (after a bulk load), or check it against them.
* ``scan [--period YYYY-MM]`` — integrity flags (R5.5, R5.6) for a month: stored, open
  ones refreshed, decided ones left as decided; run daily (pages also scan a month not
  scanned in the last ten minutes).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kaoping.ratings import integrity, stats
from kaoping.ratings.services import (
    cases_check_deadlines,
    month_start,
    ratings_default_fill,
    summary_rebuild,
)


def _period(text: str | None):
    if not text:
        return month_start(timezone.now())
    try:
        return stats.parse_period(text)
    except ValueError:
        raise CommandError(f"月份应为 YYYY-MM，实际为 {text!r}") from None


class Command(BaseCommand):
    help = "好差评后台任务：default-fill、check-cases、summary、scan"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        sub.add_parser("default-fill", help="逾期未评价的办件按默认等级计（参数开启时）")
        sub.add_parser("check-cases", help="检查差评整改期限")
        p = sub.add_parser("summary", help="核对或重建月度汇总")
        p.add_argument("--rebuild", action="store_true", help="从原始评价重建")
        p.add_argument("--period", help="只处理该月 YYYY-MM")
        p = sub.add_parser("scan", help="评价异常线索（集中好评、同一手机/设备多次评价、整改率偏低、差评上升、督查预警等）")
        p.add_argument("--period", help="月份 YYYY-MM（默认本月）")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "default-fill":
            n = ratings_default_fill()
            self.stdout.write(f"默认评价：新增 {n} 条（默认评价单独统计）")
        elif action == "check-cases":
            c = cases_check_deadlines()
            self.stdout.write(f"未办结差评 {c['open']} 件，其中方案逾期 {c['plan_overdue']} 件，整改逾期 {c['done_overdue']} 件")
        elif action == "summary":
            periods = [_period(options["period"])] if options["period"] else None
            if options["rebuild"]:
                n = summary_rebuild(periods=periods)
                self.stdout.write(f"已重建月度汇总 {n} 行")
                return
            bad = 0
            for p in periods or sorted(set(stats.RatingSummary.objects.values_list("period", flat=True))):
                if stats.window_stats(p) != stats.window_stats_from_raw(p):
                    bad += 1
                    self.stderr.write(f"{p:%Y-%m} 的汇总与原始评价不一致（请运行 --rebuild）")
            if bad:
                raise CommandError(f"{bad} 个月份不一致")
            self.stdout.write("月度汇总与原始评价一致")
        elif action == "scan":
            flags = integrity.integrity_scan(period=_period(options["period"]))
            for f in flags:
                decided = "" if f.status == integrity.FlagStatus.OPEN else f"（已核查：{f.get_status_display()}）"
                self.stdout.write(f"[{f.get_kind_display()}] {f.explanation}{decided}")
            still_open = sum(f.status == integrity.FlagStatus.OPEN for f in flags)
            self.stdout.write(f"共 {len(flags)} 条线索，其中待核查 {still_open} 条")
