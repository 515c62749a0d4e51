"""WSGI entry point for `kaoping serve` (gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaoping.config.settings")
application = get_wsgi_application()
