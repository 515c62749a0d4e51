"""Fixtures of the ratings tests: a real database, a business system's token, personas."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.test.client import ClientHandler
from django.utils import timezone

from kaoping.accounts.models import User
from kaoping.config.wsgi import TokenApiMiddleware
from kaoping.org.models import Unit
from kaoping.ratings.services import token_create


def row_counts() -> dict[str, int]:
    """Rows in every table of the ratings and ledger apps (to show nothing was written)."""
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()
            if m._meta.app_label in ("ratings", "ledger", "org")}


#: one base time for the whole run, so the same payload is the same content
NOW = timezone.now().replace(microsecond=0)


def txn_payload(tid: str = "T1", **over: Any) -> dict[str, Any]:
    now = NOW
    data = {
        "id": tid, "service_item": "ITEM1", "hall": "H1", "window": "W1", "staff": "S1",
        "channel": "onsite", "applicant": {"name": "张三", "phone": "13800138000"},
        "accepted_at": (now - dt.timedelta(hours=2)).isoformat(),
        "completed_at": (now - dt.timedelta(hours=1)).isoformat(),
        "promised_days": 3, "on_the_spot": False,
    }
    data.update(over)
    return data


class TokenClientHandler(TokenApiMiddleware, ClientHandler):
    """The test client's handler with the middleware `kaoping serve` gives token calls."""


class Api:
    """The JSON API as a business system calls it (through the token handler, as served)."""

    def __init__(self, client: Client, token: str):
        client.handler = TokenClientHandler(enforce_csrf_checks=False)
        self.client, self.token = client, token

    def post(self, path: str, data: Any, *, token: str | None = None, raw: bytes | None = None,
             **headers: str):
        body = raw if raw is not None else json.dumps(data, ensure_ascii=False).encode()
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token if token is not None else self.token}"}
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        return self.client.post(f"/api/v1{path}", body, content_type="application/json", **auth, **extra)

    def get(self, path: str, *, token: str | None = None):
        return self.client.get(f"/api/v1{path}",
                               HTTP_AUTHORIZATION=f"Bearer {token if token is not None else self.token}")


@pytest.fixture
def api(db) -> Api:
    _, raw = token_create(name="业务系统")
    return Api(Client(), raw)


@pytest.fixture
def unit(db) -> Unit:
    return Unit.objects.create(code="U1", name="市政务服务中心", type="hall")


def make_user(username: str, role: str, unit: Unit | None = None) -> User:
    return User.objects.create_user(username=username, password="x-Strong-pass-123", role=role, unit=unit)


@pytest.fixture
def office(db) -> User:
    return make_user("office", "office")


@pytest.fixture
def supervisor(db) -> User:
    return make_user("supervisor", "supervisor")


@pytest.fixture
def contact(unit) -> User:
    return make_user("contact", "unit_contact", unit)
