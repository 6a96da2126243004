"""Every operation of the API (every route under /api/v1/ that the URL resolver knows), called with a key of
each role in the workspace that holds the objects, a read key, another workspace's key, a revoked and an
expired key (README: Teams and API). A refusal leaves every row as it was and calls no provider."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from netmind_console.api.keys import revoke_key
from netmind_console.api.models import ApiKey
from netmind_console.api.v1 import api as console_api
from netmind_console.workspaces.roles import Role, at_least
from netmind_console.workspaces.services import add_member, personal_workspace
from tests.api.conftest import ApiClient, key_for
from tests.security.crawl import all_routes
from tests.security.test_roles import _state

pytestmark = pytest.mark.django_db(transaction=True)

API_PREFIX = "api/v1/"
# Not operations: the contract (public), the page that explains it (crawled with the pages) and django-ninja's
# root, a 404 by which it finds its own path.
NOT_OPERATIONS = {"api/v1/openapi.json", "api/v1/docs/", "api/v1/"}
# Which object fills an operation's {uuid}, by the path's start.
FILLED_FROM = [("/api/v1/jobs/", "job"), ("/api/v1/outputs/", "output"), ("/api/v1/endpoints/", "endpoint"),
               ("/api/v1/batches/", "batch")]
# Valid bodies, so that a refusal is about the caller and never about the input.
BODIES = {
    "POST /api/v1/jobs": {"model": "Qwen/Qwen-Image", "prompt": "a crawl"},
    "POST /api/v1/batches": {"model": "Qwen/Qwen-Image", "prompts": ["a crawl", "another crawl"]},
    "POST /api/v1/compare": {"prompt": "a crawl", "models": ["Qwen/Qwen-Image", "haiper/text2image"]},
    "POST /api/v1/endpoints/{uuid}/scale": {"instances": 2},
}


def _operations() -> list[tuple[str, str]]:
    """(method, OpenAPI path) for every operation the document lists."""
    paths = console_api.get_openapi_schema()["paths"]
    return sorted((method.upper(), path) for path, operations in paths.items() for method in operations)


OPERATIONS = _operations()


def _needs(method, path) -> str:
    """README: the matrix. Reading is a viewer's; deleting the owner's job or controlling the owner's batch is
    someone else's (an admin's)."""
    if method == "GET":
        return Role.VIEWER
    if (method == "DELETE" and path.startswith("/api/v1/jobs/")) or path.startswith("/api/v1/batches/{uuid}/"):
        return Role.ADMIN
    return Role.MEMBER


def _url(path, owned) -> str:
    kind = next((kind for prefix, kind in FILLED_FROM if path.startswith(prefix)), None)
    return re.sub(r"\{\w+\}", lambda match: str(owned[kind]), path)


def _call(client: ApiClient, method, path, owned):
    url = _url(path, owned).removeprefix("/api/v1")
    if method == "GET":
        return client.get(url)
    if method == "DELETE":
        return client.delete(url)
    return client.post(url, BODIES.get(f"{method} {path}", {}))


@pytest.fixture
def keys_by_role(owner, owned, django_user_model):
    """A write key per role in the owner's personal workspace, where the crawled objects live."""
    workspace = personal_workspace(owner)
    keys = {Role.OWNER: ApiClient(key_for(owner, workspace))}
    for role in (Role.VIEWER, Role.MEMBER, Role.ADMIN):
        user = django_user_model.objects.create_user(f"{role}-key")
        add_member(workspace, user, role, actor=owner)
        keys[role] = ApiClient(key_for(user, workspace))
    return keys


def test_every_api_route_is_a_documented_operation():
    routes = {str(route) for route in all_routes(include_api=True) if str(route).startswith(API_PREFIX)}
    documented = {re.sub(r"\{(\w+)\}", r"<\1>", path).removeprefix("/") for _, path in OPERATIONS}
    undocumented = {re.sub(r"<\w+:(\w+)>", r"<\1>", route) for route in routes - NOT_OPERATIONS} - documented
    assert OPERATIONS and undocumented == set()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER, Role.ADMIN])
def test_each_roles_key_is_refused_every_operation_above_it_and_nothing_changes(role, keys_by_role, owned,
                                                                                on_secret_sandbox):
    before, calls_before = _state(), on_secret_sandbox.calls()
    wrong = []
    for method, path in OPERATIONS:
        if not at_least(role, _needs(method, path)):
            response = _call(keys_by_role[role], method, path, owned)
            if response.status_code != 403:
                wrong.append(f"{method} {path}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)
    assert _state() == before and on_secret_sandbox.calls() == calls_before


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER, Role.ADMIN, Role.OWNER])
def test_each_roles_key_reads_everything(role, keys_by_role, owned):
    refused = []
    for method, path in OPERATIONS:
        if method == "GET":
            response = _call(keys_by_role[role], method, path, owned)
            if response.status_code not in (200, 206):
                refused.append(f"{method} {path}: {response.status_code}")
    assert refused == [], "\n".join(refused)


def test_a_read_key_is_refused_every_write_even_the_owners(owner, owned, on_secret_sandbox):
    read_key = ApiClient(key_for(owner, scope="read"))
    before, calls_before = _state(), on_secret_sandbox.calls()
    answers = {f"{m} {p}": _call(read_key, m, p, owned) for m, p in OPERATIONS if m != "GET"}
    assert answers and {op: r.status_code for op, r in answers.items()} == {op: 403 for op in answers}
    assert all("can only read" in r.json()["detail"] for r in answers.values())
    assert _state() == before and on_secret_sandbox.calls() == calls_before


def test_another_workspaces_key_gets_404_for_every_object_and_no_provider_call(other, owned, on_secret_sandbox):
    bobs_key = ApiClient(key_for(other))  # Bob owns his personal workspace; the objects are Alice's
    before, calls_before = _state(), on_secret_sandbox.calls()
    answers = {f"{m} {p}": _call(bobs_key, m, p, owned).status_code for m, p in OPERATIONS if "{" in p}
    assert answers and answers == {operation: 404 for operation in answers}
    assert str(owned["job"]) not in bobs_key.get("/jobs").content.decode()
    assert _state() == before and on_secret_sandbox.calls() == calls_before


def test_a_revoked_or_expired_key_gets_401_on_every_operation(owner, owned):
    revoked = ApiClient(key_for(owner, name="revoked"))
    revoke_key(ApiKey.objects.get(name="revoked"), owner)
    expired = ApiClient(key_for(owner, name="expired", expires_at=timezone.now() - timedelta(minutes=1)))
    for client in (revoked, expired):
        answers = {f"{m} {p}": _call(client, m, p, owned).status_code for m, p in OPERATIONS}
        assert answers == {operation: 401 for operation in answers}
