"""Shared fixtures. Engine tests need no database; Django tests use pytest-django."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaoping.config.settings")
