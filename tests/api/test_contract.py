"""The OpenAPI document is the contract: schemathesis generates requests for every operation it lists (valid and
invalid ones) and checks each answer against it. In process through the WSGI application (the same Django that
serves the console); the sandbox behind it is reached over real HTTP, as everywhere else."""

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.serializers.json import DjangoJSONEncoder
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import key_for

# 25 fixed examples per operation keep the run under a minute and make test's verdict repeatable;
# CONTRACT_EXAMPLES=500 hunts deeper with fresh random examples on every run.
DEEPER_HUNT = os.environ.get("CONTRACT_EXAMPLES")
EXAMPLES_PER_OPERATION = int(DEEPER_HUNT or 25)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def as_served(document: dict) -> dict:
    return json.loads(json.dumps(document, cls=DjangoJSONEncoder))


def _document_of_the_running_console():
    """What /api/v1/openapi.json serves (test_the_served_document_is_this_one checks they are the same),
    read when the module loads: schemathesis makes one test per operation at collection time."""
    from netmind_console.api.v1 import api

    document = schemathesis.openapi.from_dict(as_served(api.get_openapi_schema()))
    document.app = get_wsgi_application()
    return document


schema = _document_of_the_running_console()


@pytest.fixture
def connection_kept_between_requests():
    """Django closes the database connection when a request finishes; inside a test that connection holds the
    test's transaction (PostgreSQL would lose it). Django's own test client disconnects the same handler."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def write_key(owner, settings, connection_kept_between_requests):
    settings.API_RATE_LIMIT = 100_000  # the limit has its own test; here it would only hide operations
    return key_for(owner, name="contract run")


def test_the_served_document_is_this_one(api):
    from netmind_console.api.v1 import api as console_api

    served = api.get("/openapi.json").json()
    assert served == as_served(console_api.get_openapi_schema()) and served["openapi"].startswith("3.1")


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=not DEEPER_HUNT, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_every_answer_of_every_operation_conforms_to_the_document_and_none_is_a_server_error(case, write_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {write_key}"}, checks=CHECKS)
