"""`kaoping demo --no-serve` and `kaoping serve` (without starting a server)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

CAMPAIGNS = {"2026Q3": "published", "JS2026": "closed", "XN2026-10": "open"}


def run_demo() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("demo", "--no-serve", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_demo_loads_every_sample_with_results_and_accounts(client: Any) -> None:
    from kaoping.accounts.models import Role, User
    from kaoping.campaigns.models import Campaign, ResultSnapshot

    out, err = run_demo()
    assert err == ""
    assert "http://127.0.0.1:8000/" in out
    assert "Kaoping@2026" in out
    states = dict(Campaign.objects.values_list("code", "status"))
    assert states == CAMPAIGNS
    for code in CAMPAIGNS:
        assert ResultSnapshot.objects.filter(campaign__code=code).count() == 1, code
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    contact = User.objects.get(role=Role.UNIT_CONTACT)
    assert contact.unit is not None and contact.unit.name == "市教育局"
    assert client.login(username="office", password="Kaoping@2026")
    html = client.get("/campaigns/2026Q3/results/").content.decode()
    assert "市政务服务管理局" in html and "一票否决" in html


def test_demo_can_run_twice() -> None:
    from kaoping.accounts.models import User
    from kaoping.campaigns.models import Campaign, ResultSnapshot

    run_demo()
    counts = (Campaign.objects.count(), ResultSnapshot.objects.count(), User.objects.count())
    out, err = run_demo()
    assert err == ""
    assert (Campaign.objects.count(), ResultSnapshot.objects.count(), User.objects.count()) == counts
    assert "正在导入" not in out


def test_serve_starts_gunicorn_with_the_bind_and_workers(monkeypatch: Any) -> None:
    from gunicorn.app.base import BaseApplication

    seen: dict[str, Any] = {}

    def fake_run(app: Any) -> None:
        seen["bind"] = app.cfg.bind
        seen["workers"] = app.cfg.workers
        seen["app"] = app.load()

    monkeypatch.setattr(BaseApplication, "run", fake_run)
    out = io.StringIO()
    call_command("serve", "--bind", "127.0.0.1:8123", "--workers", "3", stdout=out)
    assert seen["bind"] == ["127.0.0.1:8123"]
    assert seen["workers"] == 3
    assert callable(seen["app"])
    assert "http://127.0.0.1:8123/" in out.getvalue()


def test_serve_defaults_to_localhost_and_a_worker_more_than_cores(monkeypatch: Any) -> None:
    from gunicorn.app.base import BaseApplication

    seen: dict[str, Any] = {}
    monkeypatch.setattr(BaseApplication, "run", lambda app: seen.update(bind=app.cfg.bind, workers=app.cfg.workers))
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    import importlib

    from kaoping.campaigns.management.commands import serve

    importlib.reload(serve)
    try:
        call_command(serve.Command(), stdout=io.StringIO())
    finally:
        monkeypatch.undo()
        importlib.reload(serve)
    assert seen == {"bind": ["127.0.0.1:8000"], "workers": 3}


@pytest.mark.parametrize(("text", "expected"), [
    ("127.0.0.1:8000", ("127.0.0.1", 8000)),
    ("0.0.0.0:80", ("0.0.0.0", 80)),
    (":9000", ("127.0.0.1", 9000)),
    ("9000", ("127.0.0.1", 9000)),
    ("[::1]:8000", ("::1", 8000)),
])
def test_bind_addresses_are_parsed(text: str, expected: tuple[str, int]) -> None:
    from kaoping.campaigns.management.commands.serve import parse_bind

    assert parse_bind(text) == expected


@pytest.mark.parametrize("text", ["localhost:http", "127.0.0.1:0", "127.0.0.1:70000"])
def test_a_bad_bind_address_is_refused(text: str) -> None:
    from django.core.management.base import CommandError

    from kaoping.campaigns.management.commands.serve import parse_bind

    with pytest.raises(CommandError):
        parse_bind(text)
