"""Property-based checks of the OpenAPI document (C4) with schemathesis.

Requests generated from ``/api/v1/openapi.json`` against the real application: no
server error, every status documented, every body matching its declared schema. A
short budget keeps it in CI; ``KAOPING_SCHEMATHESIS_EXAMPLES=1000`` searches longer.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from kaoping.config.wsgi import application
from kaoping.ratings.services import token_create, transaction_receive


@pytest.fixture
def token(db) -> str:
    from tests.ratings.conftest import txn_payload

    transaction_receive(data=txn_payload("T1"))
    return token_create(name="schemathesis")[1]


# loaded once at collection: the document needs no database
@pytest.fixture(autouse=True)
def keep_test_connection():
    """As Django's test client does: a request must not close the test's transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=int(os.environ.get("KAOPING_SCHEMATHESIS_EXAMPLES", "25")), deadline=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_openapi_promises(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                           checks=[not_a_server_error, status_code_conformance, response_schema_conformance])


def test_the_openapi_document_declares_the_error_shape(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    error = doc["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"error", "detail"}
    post = doc["paths"]["/api/v1/ratings"]["post"]
    assert {"201", "401", "404", "409", "413", "422"} <= set(post["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
