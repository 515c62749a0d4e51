"""Every URL of the site as every role (R1.2-R1.3, R10.3 least privilege).

The walker discovers the URL patterns (skipping ``admin/``, which has Django's own
permissions, ``api/``, which has its own authentication tests, and static files) and
checks two things:

1. every view carries the ``kaoping_capability`` mark that ``@requires(...)`` or
   ``@public`` sets — a page that forgets it fails here, named;
2. a GET as the anonymous public and as each role answers as the capability says:

   * anonymous on a ``@requires`` page → redirect to the log-in page;
   * anonymous on a ``@public`` page → neither a log-in redirect nor 403 nor 5xx;
   * a role without the capability → 403;
   * a role with it → neither 403 nor 5xx (404 for a missing object and 405 for a
     POST-only action are fine).

URL arguments are built from one small shared fixture database by name and by the
path segment before them (``campaigns/<code>`` → a campaign's code, ``nodes/<code>`` →
an indicator code, ``alerts/<int:pk>`` → an alert's id, ``<unit>`` → a unit code ...).
When no row exists to build one from (say no alert yet), a placeholder of the right
type is used: the capability check happens before the object is looked up, so the
anonymous and wrong-role checks stay exact, and a holder must then get a clean 404.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from kaoping.accounts.models import Role
from kaoping.accounts.permissions import CAPABILITIES

from .conftest import SMALL_BUNDLE

SKIPPED_PREFIXES = ("admin/", "api/", "static/", "media/")
ROLES = [None, *Role.values]
PROJECT_APPS = ("accounts", "org", "indicators", "campaigns", "ledger", "reports", "collection", "ratings", "alerts")
PLACEHOLDER_INT = 987654
PLACEHOLDER_STR = "zz-none"
#: path segment → model name, where the segment is not simply the model's plural
SEGMENT_MODELS = {
    "campaigns": "campaign", "sheets": "campaign", "nodes": "indicatornode", "overrides": "weightoverride", "conflicts": "conflict",
    "measures": "measure", "evidence": "evidence", "upload": "upload", "uploads": "upload",
    "cases": "badratingcase", "appeals": "appeal", "alerts": "alert", "ahp": "ahpjudgement",
    "groups": "evaluatorgroup", "raters": "rater", "targets": "campaignunit",
}
#: kwarg name → model name
NAME_MODELS = {"unit": "unit", "unit_code": "unit", "group": "evaluatorgroup", "rater": "rater",
               "library": "library", "hall": "hall", "window": "window", "campaign": "campaign",
               "node": "indicatornode", "indicator": "indicatornode"}
#: fixed values for kwargs that are not objects
FIXED = {"fmt": "svg", "format": "svg", "year": 2026, "month": 7, "page": 1}


# ------------------------------------------------------------------------ discovery


@dataclass
class Route:
    route: str  # e.g. "campaigns/<str:code>/results/"
    name: str
    view: Any
    regex: bool = False
    params: list[tuple[str, str, str]] = field(default_factory=list)  # (segment before, converter, name)

    @property
    def capability(self) -> Any:
        return getattr(self.view, "kaoping_capability", "MISSING")


PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>\w+)>")


def _walk(patterns: list[Any], prefix: str = "", regex: bool = False) -> Iterator[Route]:
    for p in patterns:
        is_regex = regex or p.pattern.__class__.__name__ == "RegexPattern"
        text = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, text, is_regex)
        elif isinstance(p, URLPattern):
            yield Route(route=text, name=p.name or "", view=p.callback, regex=is_regex)


def routes() -> list[Route]:
    found = []
    for r in _walk(get_resolver().url_patterns):
        if r.route.startswith(SKIPPED_PREFIXES) or r.view.__module__.startswith("django.views.static"):
            continue
        for m in PARAM.finditer(r.route):
            before = r.route[: m.start()].rstrip("/").rsplit("/", 1)[-1]
            r.params.append((before, m.group("conv") or "str", m.group("name")))
        found.append(r)
    return found


def project_model(name: str) -> type[models.Model] | None:
    for label in PROJECT_APPS:
        try:
            return apps.get_model(label, name)
        except LookupError:
            continue
    return None


# ------------------------------------------------------------------- fixture world


@dataclass
class World:
    users: dict[str, Any]
    campaign: Any
    unit: Any
    version: Any


def build_world() -> World:
    from kaoping.accounts.services import user_create
    from kaoping.campaigns.models import Rater
    from kaoping.campaigns.services import bundle_import, campaign_transition, results_compute
    from kaoping.org.models import Unit

    office = user_create(username="w_office", password="Kaoping@2026", role=Role.OFFICE)
    c = bundle_import(data=SMALL_BUNDLE, by=office, source="test")
    for to in ("open", "closed"):
        c = campaign_transition(campaign=c, to=to, by=office)
    results_compute(campaign=c, by=office)
    c = campaign_transition(campaign=c, to="published", by=office)
    unit = Unit.objects.get(code="TU1")
    users = {
        "office": office,
        "admin": user_create(username="w_admin", role=Role.ADMIN),
        "evaluator": user_create(username="w_eval", role=Role.EVALUATOR),
        "unit_contact": user_create(username="w_contact", role=Role.UNIT_CONTACT, unit=unit),
        "supervisor": user_create(username="w_super", role=Role.SUPERVISOR),
    }
    # the set-up pages that link a rater to a login are not the subject here
    Rater.objects.filter(campaign=c, code="R1").update(user=users["evaluator"])
    return World(users=users, campaign=c, unit=unit, version=c.library_version)


def first_row(model: type[models.Model], world: World) -> Any:
    qs = model._default_manager.order_by("pk")
    names = {f.name for f in model._meta.get_fields()}
    if "campaign" in names and qs.filter(campaign=world.campaign).exists():
        qs = qs.filter(campaign=world.campaign)
    if "version" in names and qs.filter(version=world.version).exists():
        qs = qs.filter(version=world.version)
    return qs.first()


def value_for(world: World, before: str, conv: str, name: str) -> tuple[Any, bool]:
    """(value, built from a real row?) for one URL argument."""
    if name in FIXED:
        return FIXED[name], True
    if name in ("unit", "unit_code"):
        return world.unit.code, True
    if name == "library":
        return world.version.library.code, True
    if name == "number":
        return world.version.number, True
    model_name = NAME_MODELS.get(name) or SEGMENT_MODELS.get(before) or before.rstrip("s")
    if name.endswith(("_id", "_pk", "_code")):
        model_name = name.rsplit("_", 1)[0]
    model = project_model(model_name) if model_name else None
    row = first_row(model, world) if model is not None else None
    if row is not None:
        if conv == "int" or name in ("pk", "id") or name.endswith(("_id", "_pk")):
            return row.pk, True
        for attr in ("code", "token", "slug"):
            if hasattr(row, attr):
                return getattr(row, attr), True
        return str(row.pk), True
    return (PLACEHOLDER_INT if conv == "int" else PLACEHOLDER_STR), False


def build_url(world: World, route: Route) -> tuple[str, list[str]]:
    """The URL and the arguments that had to be placeholders."""
    url, placeholders = route.route, []
    for before, conv, name in route.params:
        value, real = value_for(world, before, conv, name)
        if not real:
            placeholders.append(name)
        url = re.sub(r"<(?:[^>:]+:)?" + name + ">", str(value), url, count=1)
    return "/" + url, placeholders


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """One fixture database for the whole module, rolled back at its end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --------------------------------------------------------------------------- tests


def test_every_view_declares_who_may_use_it() -> None:
    missing = [f"/{r.route} ({r.view.__module__}.{getattr(r.view, '__name__', r.view)})"
               for r in routes() if r.capability == "MISSING"]
    assert not missing, "views without @requires(...) or @public:\n" + "\n".join(missing)


def test_every_declared_capability_exists() -> None:
    unknown = [f"/{r.route}: {r.capability}" for r in routes()
               if r.capability not in (None, "MISSING") and r.capability not in CAPABILITIES]
    assert not unknown, unknown


def expected(role: str | None, capability: str | None) -> str:
    if role is None:
        return "public" if capability is None else "login"
    if capability is None:
        return "public"
    return "allowed" if role in CAPABILITIES[capability] else "forbidden"


def check(kind: str, response: Any) -> str | None:
    """None when the answer fits ``kind``, else what was wrong."""
    status = response.status_code
    location = response.get("Location", "")
    if status >= 500:
        return f"server error {status}"
    if kind == "login":
        ok = status == 302 and location.startswith(settings.LOGIN_URL)
        return None if ok else f"expected a redirect to log in, got {status} {location}"
    if kind == "forbidden":
        return None if status == 403 else f"expected 403, got {status} {location}"
    if status == 403:
        return "403 for a role that holds the capability" if kind == "allowed" else "403 on a public page"
    if kind == "public" and status == 302 and location.startswith(settings.LOGIN_URL):
        return "a public page sends to the log-in page"
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_every_url_answers_as_the_role_allows(world: World, role: str | None) -> None:
    client = Client(raise_request_exception=False)
    if role is not None:
        client.force_login(world.users[role])
    problems, tally, placeheld = [], {"login": 0, "public": 0, "forbidden": 0, "allowed": 0}, 0
    walked: list[Route] = []
    skipped: list[Route] = []
    for r in routes():
        (skipped if r.regex and "(?P<" in r.route else walked).append(r)
    for r in walked:
        url, placeholders = build_url(world, r)
        placeheld += bool(placeholders)
        kind = expected(role, r.capability)
        tally[kind] += 1
        response = client.get(url)
        wrong = check(kind, response)
        if wrong and kind in ("allowed", "public") and response.status_code == 403 \
                and getattr(r.view, "kaoping_object_rules", False):
            wrong = None  # the view declares object-level rules (own unit, published only, a kiosk's key)
        if wrong:
            problems.append(f"{url} [{r.capability}] as {role or 'anonymous'}: {wrong}")
    print(f"\nwalked {len(walked)} URLs as {role or 'anonymous'}: "
          + ", ".join(f"{k} {v}" for k, v in tally.items() if v)
          + f"; {placeheld} with placeholder arguments (no row to build them from)"
          + "".join(f"\n  skipped /{r.route}: a regular-expression route the walker cannot fill in" for r in skipped))
    assert not problems, "\n".join(problems)


@pytest.mark.django_db

def test_the_walker_builds_real_arguments_where_rows_exist(world: World) -> None:
    """The shared fixture yields real campaign, unit and indicator codes (not placeholders)."""
    built = {r.route: build_url(world, r) for r in routes()}
    real = [url for url, ph in built.values() if not ph and "<" not in url]
    assert "/campaigns/T2026Q3/results/" in real
    assert any(u.startswith("/campaigns/T2026Q3/results/units/TU1/") for u in real)
    assert all("<" not in url for url, _ in built.values())
    placeheld = sorted(f"{url} ({', '.join(ph)})" for url, ph in built.values() if ph)
    print(f"\n{len(built)} URLs, {len(real)} with real arguments, {len(placeheld)} with placeholders:")
    print("\n".join("  " + p for p in placeheld))
