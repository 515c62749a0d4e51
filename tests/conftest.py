"""Shared fixtures. Engine tests need no database; Django tests use pytest-django."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaoping.config.settings")

# One session-wide Chromium for every directory (two sync Playwright instances cannot coexist).
import pytest  # noqa: E402

from tests.browser.support import browser, page, phone  # noqa: E402, F401


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """PBKDF2 at its production cost makes every user created or logged in here take a
    large fraction of a second; no test depends on the hasher (production keeps PBKDF2)."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def static_root_exists():
    """WhiteNoise warns on every request handler when STATIC_ROOT is missing (production
    fills it with `collectstatic`; pages here are served from the app folders)."""
    from pathlib import Path

    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
