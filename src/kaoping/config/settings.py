"""Kaoping settings: one file, driven by environment variables with safe defaults.

KAOPING_DATABASE_URL  e.g. postgres://postgres@127.0.0.1:5432/kaoping
                      (default: SQLite file kaoping.sqlite3 in KAOPING_DATA_DIR)
KAOPING_DATA_DIR      where SQLite, uploads and generated files live (default ./var)
KAOPING_SECRET_KEY    required when KAOPING_DEBUG is off
KAOPING_DEBUG         "1" for development
KAOPING_ALLOWED_HOSTS comma-separated host names (default: localhost only)
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("KAOPING_DATA_DIR", "var")).resolve()


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _flag("KAOPING_DEBUG")


def _secret_key() -> str:
    """``KAOPING_SECRET_KEY``, else a random key kept in the data folder (made once, 0600).

    Several servers behind one address must share the key: set the variable there.
    """
    if key := os.environ.get("KAOPING_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret.key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        import secrets

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as fh:
                fh.write(key)
        except FileExistsError:  # another process made it first
            return path.read_text().strip()
        return key


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = [h.strip() for h in os.environ.get(
    "KAOPING_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs' Swagger UI from its own static files, never a CDN
    "kaoping.accounts",
    "kaoping.org",
    "kaoping.indicators",
    "kaoping.campaigns",
    "kaoping.ledger",
    "kaoping.reports",
    "kaoping.collection",
    "kaoping.ratings",
    "kaoping.alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kaoping.accounts.middleware.AccessMiddleware",  # time-out notice, password expiry, audit, 403 page
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lock-out into the lock-out page
]
#: for ``/api/`` calls with a bearer token (a business system, not a person): see config/wsgi.py
TOKEN_API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kaoping.config.urls"
WSGI_APPLICATION = "kaoping.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kaoping.accounts.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("KAOPING_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'kaoping.sqlite3'}",
        conn_max_age=int(os.environ.get("KAOPING_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL + a busy timeout: readers never block the writer, writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# ---- authentication, passwords, sessions, lock-out (等保三级, R10.3) ----------------
INSTALLED_APPS.append("axes")
AUTHENTICATION_BACKENDS = [
    "kaoping.accounts.backends.LockoutBackend",  # django-axes: refuses a locked-out log-in
    "django.contrib.auth.backends.ModelBackend",
]
# length >= 10, three of upper/lower/digit/symbol, not like the user's name, not common
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "kaoping.accounts.validators.LengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "kaoping.accounts.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# password expiry in days (0 = off): an older password must be changed before anything else
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("KAOPING_PASSWORD_MAX_AGE_DAYS", "0"))

# Lock-out after 5 failed log-ins for 30 minutes (django-axes). Locked per login name *and*
# client address: the account is locked for whoever is guessing, while nobody elsewhere
# can lock an official out of their account by typing wrong passwords on purpose
# (KAOPING_LOCKOUT_BY=username locks the name wherever the attempts come from).
AXES_FAILURE_LIMIT = int(os.environ.get("KAOPING_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("KAOPING_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = (["username"] if os.environ.get("KAOPING_LOCKOUT_BY") == "username"
                           else [["username", "ip_address"]])
AXES_RESET_ON_SUCCESS = True  # a successful log-in clears earlier failures
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the wait shown is the wait that applies
AXES_LOCKOUT_CALLABLE = "kaoping.accounts.views.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = int(os.environ["KAOPING_PROXY_COUNT"]) if os.environ.get("KAOPING_PROXY_COUNT") else None
AXES_IPWARE_META_PRECEDENCE_ORDER = (("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT
                                     else ("REMOTE_ADDR",))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]  # whatever the browser asks for: Django's own texts in Chinese too
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True  # stored in UTC, shown in Asia/Shanghai

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]  # project-wide css, js and vendored libraries
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve app static files without collectstatic in demo and tests
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"

SESSION_COOKIE_AGE = 30 * 60  # 30-minute idle time-out (R10.3)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KAOPING_LOG_LEVEL", "WARNING")},
}
