"""Lock-out check for web log-ins (django-axes), quiet elsewhere.

``AxesStandaloneBackend`` refuses to run without a request. Log-ins without one are
not typed into a form (the test client's ``login()``, scripts), so there is nothing to
lock out; this subclass lets them pass to ``ModelBackend`` instead of failing.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    def authenticate(self, request: Any, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
