"""Personas of the access tests: one user per role, a unit for the contact."""

from __future__ import annotations

from typing import Any

import pytest

PASSWORD = "Kaoping@2026"
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def fast_hashing(settings: Any) -> None:
    """PBKDF2 at its production cost makes every log-in here take a second; the rules
    under test do not depend on the hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def unit(db: Any) -> Any:
    from kaoping.org.models import Unit

    return Unit.objects.create(code="AU1", name="测试市审计局", type="admin", region="east")


@pytest.fixture
def people(db: Any, unit: Any) -> dict[str, Any]:
    """username → user, one per role (password ``PASSWORD``)."""
    from kaoping.accounts.services import user_create

    return {
        "admin": user_create(username="admin1", password=PASSWORD, role="admin", name="王管理"),
        "office": user_create(username="office1", password=PASSWORD, role="office", name="李明华"),
        "evaluator": user_create(username="eval1", password=PASSWORD, role="evaluator", name="张评"),
        "unit_contact": user_create(username="contact1", password=PASSWORD, role="unit_contact",
                                    unit=unit, name="赵联络"),
        "supervisor": user_create(username="super1", password=PASSWORD, role="supervisor", name="钱监督"),
    }


def login_post(client: Any, username: str, password: str, **extra: Any) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, **extra)
