"""Everything a person sees is Chinese, whatever language the browser asks for, and no
page loads anything from another host (the API docs included)."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.django_db
def test_django_s_own_form_errors_are_chinese_for_an_english_browser(client):
    r = client.post("/accounts/login/", {"username": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    text = r.content.decode()
    assert "这个字段是必填项" in text
    assert "This field is required" not in text


@pytest.mark.django_db
def test_the_api_docs_load_swagger_from_this_server(client):
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    html = r.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html[:500]
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))], sources
    assert any(s.endswith("swagger-ui-bundle.js") for s in sources)
    for s in sources:
        if s.startswith("/static/"):
            assert finders.find(s.removeprefix("/static/")), s


def test_the_favicon_the_admin_pages_ask_for_exists(client):
    r = client.get("/favicon.ico")
    assert r.status_code == 301 and r["Location"].endswith("kaoping/favicon.svg")
    assert finders.find("kaoping/favicon.svg")


def test_codes_from_bundles_are_shown_as_words():
    from kaoping.org.templatetags.org_labels import region_label, unit_type_label

    assert unit_type_label("admin") == "行政单位" and unit_type_label("enterprise") == "企业"
    assert unit_type_label("") == "" and unit_type_label("custom") == "custom"
    assert region_label("east") == "东部" and region_label("Central") == "中部" and region_label("城南") == "城南"


def test_group_and_dimension_codes_are_shown_as_words():
    from kaoping.indicators.labels import dimension_label, group_label

    assert group_label("peer") == "同级互评" and group_label("third_party") == "第三方评价"
    assert dimension_label("internal_process") == "内部流程" and dimension_label("自定义") == "自定义"
