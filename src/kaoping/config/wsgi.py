"""WSGI entry point for `kaoping serve` (gunicorn).

Two handlers share one process. People get the whole middleware stack. A business
system calling ``/api/`` with a bearer token gets :data:`settings.TOKEN_API_MIDDLEWARE`:
no sessions, CSRF, messages, log-in lock-out, request audit or static files — none of
them applies to a token, and skipping them is a fifth of the CPU time of a rating
(R4.8: ≥ 500 ratings/s on two cores; ``bench/bench_ratings_load.py``). The token itself
is checked by the API as before, and every write still goes to the ledger.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import django
from django.core.handlers.wsgi import WSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaoping.config.settings")
django.setup(set_prefix=False)


class TokenApiMiddleware:
    """Mixin for a request handler: load :data:`settings.TOKEN_API_MIDDLEWARE` instead."""

    def load_middleware(self, is_async: bool = False) -> None:
        from django.conf import settings

        people = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.TOKEN_API_MIDDLEWARE
        try:
            super().load_middleware(is_async)  # type: ignore[misc]
        finally:
            settings.MIDDLEWARE = people


class TokenApiHandler(TokenApiMiddleware, WSGIHandler):
    """The WSGI handler for token-authenticated calls."""


def is_token_api_call(environ: dict[str, Any]) -> bool:
    return (environ.get("PATH_INFO", "").startswith("/api/")
            and environ.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer ")


people_handler = WSGIHandler()
token_api_handler = TokenApiHandler()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    handler = token_api_handler if is_token_api_call(environ) else people_handler
    return handler(environ, start_response)
