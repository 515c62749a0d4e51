"""``kaoping demo``: a ready database with the sample campaigns, then the web server.

Idempotent: the database is migrated, each sample is imported only when its campaign
code is not yet there, results are computed only when missing or stale, campaigns are
moved forward (never back) to their demo state, and demo accounts are created only
when absent. Running it twice gives the same site.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils import timezone

import kaoping
from kaoping.engine.errors import KaopingError

from .serve import DEFAULT_BIND, DEFAULT_WORKERS, parse_bind, public_url, run_gunicorn

DEMO_PASSWORD = "Kaoping@2026"

#: sample file, and the state the demo leaves its campaign in
SAMPLES = (
    ("mutual-2026Q3.json", "published"),      # quarter over, results published
    ("appraisal-2026.json", "closed"),        # scoring closed, results awaiting publication
    ("efficiency-2026-10.json", "open"),      # monitoring runs continuously
)

#: username, role, name, unit code (unit contacts only)
ACCOUNTS = (
    ("admin", "admin", "王建国", None),
    ("office", "office", "李明华", None),
    ("evaluator", "evaluator", "张志强", None),
    ("unit", "unit_contact", "陈静", "U02"),
    ("supervisor", "supervisor", "刘洋", None),
)


def open_deadline(deadline: str | None, today: dt.date | None = None) -> str | None:
    """The sample's deadline, or 10 working days from today when it has passed."""
    from kaoping.engine.workdays import add_working_days

    today = today or timezone.localdate()
    if deadline is None or dt.date.fromisoformat(deadline) >= today:
        return deadline
    return add_working_days(today, 10, estimate=True).isoformat()


def pad(text: str, width: int) -> str:
    """Left-align ``text`` in ``width`` terminal columns (CJK characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


def examples_dir(explicit: str | None = None) -> Path:
    """Where the sample bundles are: ``--examples``, the package, or the source checkout."""
    package = Path(kaoping.__file__).resolve().parent
    candidates = [Path(explicit)] if explicit else [package / "examples", package.parents[1] / "examples"]
    for candidate in candidates:
        if all((candidate / name).is_file() for name, _ in SAMPLES):
            return candidate
    raise CommandError("找不到示例数据包（examples/*.json）：" + "、".join(str(c) for c in candidates))


class Command(BaseCommand):
    help = "创建演示数据库（示例考评活动与各角色账号）并启动 Web 服务"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=DEFAULT_BIND, help=f"监听地址 主机:端口（默认 {DEFAULT_BIND}）")
        parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="工作进程数")
        parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动 Web 服务")
        parser.add_argument("--examples", help="示例数据包所在目录（默认随程序附带的 examples/）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1:
            raise CommandError("--workers 至少为 1")
        bind = options["bind"]
        host, _port = parse_bind(bind)
        folder = self.folder = examples_dir(options.get("examples"))

        self._prepare_database()
        # people without a unit first (the office imports the samples), unit contacts after
        users = self._accounts(with_unit=False)
        failed = []
        for name, state in SAMPLES:
            try:
                self._campaign(folder / name, state, users["office"])  # the office runs campaigns
            except KaopingError as exc:  # one bad sample must not take the whole demo down
                failed.append(name)
                self.stderr.write(f"示例 {name} 未能载入：{exc}")
        users.update(self._accounts(with_unit=True))
        from kaoping.ratings.demo_data import ratings_demo_load
        ratings_demo_load(by=users["office"], reviewer=users["supervisor"], now=timezone.now())
        self._report(bind, users)
        if failed:
            self.stderr.write(f"注意：{len(failed)} 个示例未能载入（{'、'.join(failed)}），其余功能不受影响。")
        if options["no_serve"]:
            return
        self._allow_host(host)
        connections.close_all()  # the workers open their own connections
        self.stdout.flush()
        run_gunicorn(bind, options["workers"])

    # ----------------------------------------------------------------- steps

    def _prepare_database(self) -> None:
        db = settings.DATABASES["default"]
        if db["ENGINE"].endswith("sqlite3"):
            Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        if settings.STATIC_ROOT:  # WhiteNoise warns when it is missing; files come from the finders
            Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        self.stdout.write("正在准备数据库 …")
        call_command("migrate", interactive=False, verbosity=0)

    def _accounts(self, *, with_unit: bool) -> dict[str, Any]:
        from kaoping.accounts.services import user_create
        from kaoping.org.models import Unit

        User = get_user_model()
        users: dict[str, Any] = {}
        for username, role, name, unit_code in ACCOUNTS:
            if (unit_code is not None) != with_unit:
                continue
            user = User.objects.filter(username=username).first()
            if user is None:
                unit = None
                if unit_code is not None:
                    unit = Unit.objects.filter(code=unit_code).first()
                    if unit is None:  # its sample did not load: register the unit alone
                        unit = self._unit_from_samples(unit_code)
                candidate = User(username=username, first_name=name)
                validate_password(DEMO_PASSWORD, candidate)
                user = user_create(username=username, password=DEMO_PASSWORD, role=role, unit=unit, name=name)
            users[username] = user
        return users

    def _unit_from_samples(self, code: str) -> Any:
        from kaoping.org.services import units_ensure

        folder = self.folder
        for name, _ in SAMPLES:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
            for record in data.get("units", []):
                if record.get("code") == code:
                    return units_ensure(records=[record])[code]
        raise CommandError(f"示例数据中没有单位 {code}")

    def _campaign(self, path: Path, state: str, by: Any) -> None:
        from kaoping.campaigns.models import LIFECYCLE, Campaign
        from kaoping.campaigns.services import bundle_import, campaign_transition, results_compute

        data = json.loads(path.read_text(encoding="utf-8"))
        code = str(data["campaign"]["code"])
        campaign = Campaign.objects.filter(code=code).first()
        if campaign is None:
            self.stdout.write(f"正在导入 {path.name}（{data['campaign'].get('name', code)}）…")
            if state == "open":  # a demo opened after the sample's deadline still takes sheets
                data["campaign"]["deadline"] = open_deadline(data["campaign"].get("deadline"))
            campaign = bundle_import(data=data, by=by, source="demo")
            if state == "open":
                self._evaluator_sheets(campaign, by)

        def step(campaign: Campaign) -> Campaign:
            following = LIFECYCLE[LIFECYCLE.index(campaign.status) + 1]
            return campaign_transition(campaign=campaign, to=following, by=by, source="demo")

        target = LIFECYCLE.index(state)
        # results are computed once scoring is closed, or at once for live monitoring
        while LIFECYCLE.index(campaign.status) < min(target, LIFECYCLE.index("closed")):
            campaign = step(campaign)
        if not campaign.snapshots.exists():  # published results are never recomputed here
            results_compute(campaign=campaign, by=by, source="demo")
        while LIFECYCLE.index(campaign.status) < target:
            campaign = step(campaign)

    def _evaluator_sheets(self, campaign: Any, by: Any) -> None:
        """The demo evaluator joins the open campaign's first group with eight sheets to fill."""
        from kaoping.campaigns.setup import assignments_add, rater_add

        evaluator = get_user_model().objects.get(username="evaluator")
        group = campaign.groups.order_by("-weight", "code").first()
        if group is None:
            return
        rater = rater_add(campaign=campaign, code="DEMO-E", group=group, user=evaluator, name=evaluator.get_full_name(),
                          by=by, source="demo")
        units = [t.unit for t in campaign.targets.select_related("unit").order_by("code")[:8]]
        assignments_add(campaign=campaign, rater=rater, units=units, by=by, source="demo")

    def _allow_host(self, host: str) -> None:
        if host in ("0.0.0.0", "::", ""):
            if "*" not in settings.ALLOWED_HOSTS:
                settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "*"]
        elif host not in settings.ALLOWED_HOSTS and f"[{host}]" not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, host]

    def _report(self, bind: str, users: dict[str, Any]) -> None:
        from kaoping.accounts.models import Role
        from kaoping.campaigns.models import Campaign

        roles = dict(Role.choices)
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS("考评 Kaoping 演示系统已就绪"))
        out.write(f"  地址：{public_url(bind)}")
        db = settings.DATABASES["default"]
        out.write(f"  数据库：{db['NAME'] if db['ENGINE'].endswith('sqlite3') else db['ENGINE']}")
        out.write("")
        out.write("  考评活动：")
        for c in Campaign.objects.order_by("-period_start"):
            out.write(f"    {pad(c.code, 11)}{pad(c.get_status_display(), 8)}{c.name}")
        out.write("")
        out.write(f"  演示账号（密码均为 {DEMO_PASSWORD}）：")
        out.write(f"    {pad('用户名', 12)}{pad('密码', 14)}{pad('角色', 12)}{pad('姓名', 8)}单位")
        for username, role, name, _unit in ACCOUNTS:
            user = users[username]
            unit = user.unit.name if getattr(user, "unit", None) else ""
            out.write(f"    {pad(username, 12)}{pad(DEMO_PASSWORD, 14)}{pad(str(roles.get(role, role)), 12)}"
                      f"{pad(name, 8)}{unit}")
        out.write("")
