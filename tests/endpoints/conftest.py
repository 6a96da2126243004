"""Three users (owner, other, admin) on the real sandbox over HTTP; django-q2 tasks run inline."""

import time
import uuid

import pytest
from django.urls import reverse

from endpoints import lifecycle
from endpoints.flavors import default_account, refresh_flavors
from endpoints.models import Endpoint, Flavor
from netmind_console.accounts.models import Provider
from netmind_console.workspaces.services import (
    add_member,
    create_workspace,
    personal_workspace,
)

RTX_4090 = "69475e82e81c4dd6be3467e2ca374e0c"  # $0.30 per GPU-hour, 6 available, 2 GPUs per node
SOLD_OUT_L40S = "l40s5d7e9f1a2b3c4d5e6f7a8b9c0d30"


@pytest.fixture(autouse=True)
def tasks_run_inline(run_tasks_inline):
    """Every endpoint test runs its tasks in-process (see tests/fixtures/console.py)."""


def netmind_account_of(user):
    """The sandbox NetMind account every new user gets in their personal workspace."""
    return default_account(personal_workspace(user))


@pytest.fixture
def account(owner):
    return netmind_account_of(owner)


@pytest.fixture
def flavors(account):
    refresh_flavors(account)
    return Flavor.objects.filter(base_url=account.base_url)


@pytest.fixture
def rtx(flavors):
    return flavors.get(flavor_id=RTX_4090)


def create_endpoint(owner, flavor, *, name="echo", instances=1, gpus=1, image="python:3.10-slim", key=None,
                    account=None):
    """An endpoint through the same service calls the create view makes; by default on the owner's personal
    workspace's account."""
    endpoint, _ = lifecycle.request_create(
        owner, account or netmind_account_of(owner), flavor, name=name, instances=instances, gpus_per_instance=gpus,
        image_url=image, command="python app.py", port=8080, create_key=key or uuid.uuid4(),
    )
    lifecycle.submit_create(endpoint.pk)
    endpoint.refresh_from_db()
    return endpoint


def wait_until_settled(endpoint: Endpoint, timeout=15) -> Endpoint:
    """Sync like a watching page would until the status cannot change by itself."""
    deadline = time.monotonic() + timeout
    endpoint.refresh_from_db()
    while not endpoint.is_settled and time.monotonic() < deadline:
        lifecycle.sync_endpoint(endpoint.pk)
        time.sleep(0.1)
        endpoint.refresh_from_db()
    return endpoint


@pytest.fixture
def running(owner, rtx):
    """An available endpoint with one instance of one RTX 4090."""
    endpoint = wait_until_settled(create_endpoint(owner, rtx))
    assert endpoint.status == "available"
    return endpoint


def remote_calls(sandbox, method: str) -> int:
    """How many calls of one HTTP method the service API received (e.g. every PUT to any id)."""
    return sum(count for call, count in sandbox.calls().items() if call.startswith(f"{method} /v1/inference-service"))


# --- a team: the workspace "Ops" owned by alice, with its own NetMind account and a running endpoint ----------


@pytest.fixture
def team(owner):
    return create_workspace("Ops", owner)


@pytest.fixture
def team_account(team):
    """The team's own sandbox NetMind account: in sandbox mode every new workspace starts with one."""
    return team.provider_accounts.get(provider=Provider.NETMIND, is_sandbox=True)


@pytest.fixture
def team_endpoint(owner, rtx, team_account):
    """alice's endpoint in Ops: available, one instance of one RTX 4090."""
    endpoint = wait_until_settled(create_endpoint(owner, rtx, name="ops-echo", account=team_account))
    assert endpoint.status == "available" and endpoint.workspace_id == team_account.workspace_id
    return endpoint


@pytest.fixture
def bob_as(team, owner, other, other_client):
    """bob's client, once alice has added him to Ops with the role given."""

    def join(role):
        add_member(team, other, role, actor=owner)
        return other_client

    return join


def endpoint_url(name, endpoint, *more):
    return reverse(f"endpoints:{name}", args=[endpoint.uuid, *more])
