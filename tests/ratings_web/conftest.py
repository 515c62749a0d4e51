"""Personas and a small hall for the ratings pages: real database, data written by services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from kaoping.accounts.models import User
from kaoping.org.models import Unit

ROLES = ("admin", "office", "evaluator", "unit_contact", "supervisor")


def row_counts() -> dict[str, int]:
    """Rows in every table of the ratings and ledger apps (to show nothing was written)."""
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()
            if m._meta.app_label in ("ratings", "ledger")}


def txn(tid: str, *, hall: str = "H1", window: str = "W1", staff: str | None = "S1", item: str = "ITEM1",
        hours_ago: float = 1, channel: str = "onsite", **over: Any) -> Any:
    """A transaction received the way a business system sends it."""
    from kaoping.ratings.services import transaction_receive

    now = timezone.now()
    data = {
        "id": tid, "service_item": item, "hall": hall, "window": window, "staff": staff, "channel": channel,
        "applicant": {"name": "张三", "phone": "13800138000"},
        "accepted_at": (now - dt.timedelta(hours=hours_ago, minutes=20)).isoformat(),
        "completed_at": (now - dt.timedelta(hours=hours_ago)).isoformat(),
        "promised_days": 3, "on_the_spot": False, "waiting_minutes": 5,
    }
    data.update(over)
    return transaction_receive(data=data, source="test")[0]


def rate(transaction: Any, level: int, **kw: Any) -> Any:
    from kaoping.ratings.services import rating_submit

    kw.setdefault("channel", "mobile")
    return rating_submit(transaction=transaction, level=level, **kw)


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Any) -> Any:
    """Upload previews go to a temporary data directory, not the developer's ./var."""
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def fresh_cache() -> Any:
    """Each test starts with an empty cache (the comments' analysis is cached per month)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def units(db) -> dict[str, Unit]:
    return {"U1": Unit.objects.create(code="U1", name="市政务服务中心", type="hall"),
            "U2": Unit.objects.create(code="U2", name="区政务服务中心", type="hall")}


@pytest.fixture
def users(units) -> dict[str, User]:
    made = {}
    for role in ROLES:
        # no password: the tests log in with force_login, and hashing one costs a second
        made[role] = User.objects.create_user(username=role, password=None, role=role,
                                              unit=units["U1"] if role == "unit_contact" else None)
    made["other_contact"] = User.objects.create_user(username="other", password=None, role="unit_contact",
                                                     unit=units["U2"])
    return made


@pytest.fixture
def hall(users, units) -> dict[str, Any]:
    """Hall H1 (unit U1) with windows W1, W2; hall H2 (unit U2) with window W9; a few ratings."""
    from kaoping.ratings.services import code_confirm

    t1 = txn("T1")
    t2 = txn("T2", window="W2", staff="S2")
    t3 = txn("T3")
    t9 = txn("T9", hall="H2", window="W9", staff="S9")
    code_confirm(obj=t1.hall, name="市民服务大厅", unit=units["U1"], by=users["office"])
    code_confirm(obj=t1.window, name="综合受理一号窗口", by=users["office"])
    code_confirm(obj=t9.hall, name="区便民服务大厅", unit=units["U2"], by=users["office"])
    good = rate(t1, 5, comment="服务很好，态度热情")
    bad = rate(t2, 1, tags=["waiting"], comment="排队太久，材料繁琐", rater_phone="13900139000")
    bad9 = rate(t9, 2, comment="态度冷漠")
    return {"t1": t1, "t2": t2, "t3": t3, "t9": t9, "good": good, "bad": bad, "bad9": bad9,
            "case": bad.case, "case9": bad9.case}


@pytest.fixture
def login(client, users):
    """``login("office")`` → the test client logged in as that persona."""
    def as_(role: str) -> Any:
        client.force_login(users[role])
        return client
    return as_
