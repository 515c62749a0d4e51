"""Fixtures of the platform tests: a real database (SQLite or PostgreSQL), no mocks."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

from kaoping.campaigns.services import bundle_import

from .bundles import rich

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="needs PostgreSQL (KAOPING_DATABASE_URL)")


def row_counts() -> dict[str, int]:
    """Rows in every table of the project's apps (to show nothing was written)."""
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()
            if m._meta.app_label in ("accounts", "org", "indicators", "campaigns", "ledger")}


@pytest.fixture
def campaign(db):
    """The rich bundle imported."""
    return bundle_import(data=rich(), source="test")
