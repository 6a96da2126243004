"""One owner with one of every kind of object, made for real on a sandbox whose token is distinctive."""

import uuid

import pytest
from django_q.conf import Conf

from endpoints import flavors as endpoint_flavors
from endpoints.models import Flavor
from jobs import catalogue, submission
from tests.endpoints.conftest import create_endpoint
from tests.fixtures.sandbox import SandboxProcess
from tests.fixtures.console import point_console_at, wait_until_final

# Searched for in every page, log line and task table: it must never appear in any of them.
SECRET_TOKEN = "tok-SECRET-7c1e5b9a4d2f-never-shown"


@pytest.fixture(scope="session")
def secret_sandbox(tmp_path_factory):
    with SandboxProcess(tmp_path_factory.mktemp("secret-sandbox"), token=SECRET_TOKEN, speed=50) as sandbox:
        yield sandbox


@pytest.fixture
def on_secret_sandbox(settings, secret_sandbox, tmp_path, monkeypatch):
    point_console_at(settings, secret_sandbox, tmp_path / "media")
    monkeypatch.setattr(Conf, "SYNC", True)  # the objects are made with their tasks run in-process
    secret_sandbox.reset()
    return secret_sandbox


@pytest.fixture
def console_setup(on_secret_sandbox):
    """The shared users (owner, other: tests/conftest.py) get their sandbox accounts on the secret sandbox."""
    return on_secret_sandbox


@pytest.fixture
def owned(owner, monkeypatch):
    """The owner's job (finished, with an archived output, in a compare group), endpoint and account, by kind."""
    spec = catalogue.get("Qwen/Qwen-Image")
    values = {f.name: f.default for f in spec.fields}
    values.update(prompt="a lighthouse", account=owner.provider_accounts.get(provider="netmind"))
    job = wait_until_final(submission.create_job(owner, spec, values, compare_group=uuid.uuid4()))
    endpoint_flavors.refresh_flavors(endpoint_flavors.default_account(owner))
    endpoint = create_endpoint(owner, Flavor.objects.filter(available_num__gt=0).first())
    monkeypatch.setattr(Conf, "SYNC", False)  # from here on tasks wait in the broker table, as in production
    return {"job": job.uuid, "output": job.outputs.get().uuid, "compare_group": job.compare_group,
            "endpoint": endpoint.uuid, "account": values["account"].uuid}
