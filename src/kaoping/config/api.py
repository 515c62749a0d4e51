"""The HTTP API ``/api/v1/`` (CONTRACTS.md C4): one NinjaAPI, a router per app."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="考评 Kaoping API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
