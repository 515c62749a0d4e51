"""Browser tests share ONE Chromium per session: its fixtures are registered in tests/conftest.py.

Helpers (``shot`` and the viewport sizes) are re-exported here for ``from .conftest import shot``.
"""

from .support import CHROMIUM, DESKTOP, FLAGS, PHONE, SHOTS, shot  # noqa: F401
