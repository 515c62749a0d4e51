"""Shared fixtures. Engine tests need no database; Django tests use pytest-django."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaoping.config.settings")

# One session-wide Chromium for every directory (two sync Playwright instances cannot coexist).
from tests.browser.support import browser, page, phone  # noqa: E402, F401
