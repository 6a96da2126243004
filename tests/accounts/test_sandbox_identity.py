"""Each user's sandbox accounts are a remote account of their own: nobody imports or adopts another's work."""

import pytest
from django.conf import settings

from endpoints import lifecycle as endpoint_lifecycle
from endpoints.flavors import default_account
from jobs import catalogue, history, submission
from jobs.models import Job, JobState
from netmind_console.accounts import services
from netmind_console.accounts.models import ProviderAccount
from netmind_console.clients.errors import NotFound
from netmind_console.workspaces.services import personal_workspace
from tests.fixtures.console import account_of, wait_until_final

pytestmark = pytest.mark.django_db(transaction=True)

RTX_4090 = "69475e82e81c4dd6be3467e2ca374e0c"


def submit_image(user):
    spec = catalogue.get("Qwen/Qwen-Image")
    values = {f.name: f.default for f in spec.fields}
    values.update(prompt="alice's harbour", account=account_of(user, spec.provider))
    return wait_until_final(submission.create_job(user, personal_workspace(user), spec, values))


def test_every_sandbox_account_gets_a_token_of_its_own(owner, other):
    tokens = [account.reveal_token() for account in ProviderAccount.objects.filter(is_sandbox=True)]
    assert len(tokens) == 4 and len(set(tokens)) == 4  # two users, two providers each
    assert all(token.startswith(f"{settings.SANDBOX_TOKEN}-") for token in tokens)
    assert all(services.test_connection(account)[0] for account in ProviderAccount.objects.filter(is_sandbox=True))


def test_bob_imports_nothing_of_alices_history(owner, other):
    alices = submit_image(owner)
    assert alices.state == JobState.SUCCEEDED

    assert history.import_history(account_of(other, "netmind"), other) == 0
    assert not Job.objects.filter(owner=other).exists()
    assert Job.objects.get(remote_id=alices.remote_id).owner == owner


def test_alice_can_still_import_her_own_history(owner):
    alices = submit_image(owner)
    Job.objects.filter(pk=alices.pk).delete()  # known remotely, forgotten locally

    assert history.import_history(account_of(owner, "netmind"), owner) == 1
    assert Job.objects.get(remote_id=alices.remote_id).owner == owner


def test_bob_cannot_adopt_alices_endpoint(owner, other, sandbox):
    with services.client_for_account(default_account(personal_workspace(owner))) as client:
        service_id = client.create_service(name="alices-echo", flavor_id=RTX_4090, image_url="python:3.10-slim",
                                           port=8080).service_id

    with pytest.raises(NotFound):
        endpoint_lifecycle.adopt(other, default_account(personal_workspace(other)), service_id)
    adopted, created = endpoint_lifecycle.adopt(owner, default_account(personal_workspace(owner)), service_id)
    assert created and adopted.owner == owner
