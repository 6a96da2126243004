"""One owner with one of every kind of object, made for real on a sandbox whose token is distinctive."""

import datetime
import io
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_q.conf import Conf
from PIL import Image

from endpoints import flavors as endpoint_flavors
from endpoints.models import EndpointSchedule, Flavor
from jobs import batches, catalogue, submission
from jobs.catalogue import registry
from jobs.forms import BatchForm
from jobs.models import JobInputFile
from netmind_console.api.keys import create_key
from netmind_console.workspaces import invitations
from netmind_console.workspaces.roles import Role
from netmind_console.workspaces.services import add_member, personal_workspace
from tests.endpoints.conftest import create_endpoint
from tests.fixtures.console import point_console_at, wait_until_final
from tests.fixtures.sandbox import SandboxProcess

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
def owned(owner, django_user_model, monkeypatch):
    """One of every kind of object in the owner's personal workspace, by kind: a job (finished, with an
    archived output, in a compare group), a started batch, an endpoint with a schedule window, the account, an open
    invitation, an API key of the owner's, a member (a viewer, "vera") whose membership the member routes
    act on, and a model an administrator added to the catalogue (the Models page's routes)."""
    workspace = personal_workspace(owner)
    account = workspace.provider_accounts.get(provider="netmind")
    spec = catalogue.get("Qwen/Qwen-Image")
    values = {f.name: f.default for f in spec.fields}
    values.update(prompt="a lighthouse", account=account)
    job = wait_until_final(submission.create_job(owner, workspace, spec, values, compare_group=uuid.uuid4()))
    _give_a_first_frame(job)
    endpoint_flavors.refresh_flavors(account)
    endpoint = create_endpoint(owner, Flavor.objects.filter(available_num__gt=0).first())
    schedule = EndpointSchedule.objects.create(endpoint=endpoint, weekdays="01234", start_time=datetime.time(9),
                                               end_time=datetime.time(17), instances=1)
    invitation, secret = invitations.create(workspace, role=Role.MEMBER, days=7, email="", actor=owner)
    vera = add_member(workspace, django_user_model.objects.create_user("vera"), Role.VIEWER, actor=owner).user
    api_key, _secret = create_key(owner, workspace, "crawl key", "write")
    batch = _started_batch(owner, workspace, account)
    added_model = added_catalogue_model("crawl/added-model")
    monkeypatch.setattr(Conf, "SYNC", False)  # from here on tasks wait in the broker table, as in production
    return {"job": job.uuid, "output": job.outputs.get().uuid, "compare_group": job.compare_group,
            "endpoint": endpoint.uuid, "schedule": schedule.uuid, "account": account.uuid,
            "workspace": workspace.uuid, "invitation": invitation.uuid, "invitation_secret": secret,
            "member": vera.username, "api_key": api_key.uuid, "batch": batch.uuid, "catalogue_model": added_model,
            "input_parameter": "image_url"}


def added_catalogue_model(model_id: str) -> str:
    """A model added to the catalogue, as `manage.py catalogue add` adds one (no one signed in)."""
    registry.save({**registry.SHIPPED_DOCUMENTS["Qwen/Qwen-Image"], "model_id": model_id, "label": "Crawled model"})
    return model_id


def _give_a_first_frame(job):
    """The crawled job also has an uploaded file, as an image-to-video job has: its page (jobs:input) is crawled."""
    frame = io.BytesIO()
    Image.new("RGB", (8, 6)).save(frame, "PNG")
    job.input_file = default_storage.save(f"inputs/{job.uuid}.png", ContentFile(frame.getvalue()))
    job.save(update_fields=["input_file"])
    # And a file for one of its parameters, as a transcription job has (jobs:input_file).
    stored = default_storage.save(f"inputs/{job.uuid}/image_url.png", ContentFile(frame.getvalue()))
    JobInputFile.objects.create(job=job, parameter="image_url", file=stored, file_name="frame.png",
                                content_type="image/png", size=len(frame.getvalue()))


def _started_batch(owner, workspace, account):
    """A batch of two prompts, started through the New batch form, its jobs finished."""
    spec = catalogue.get("Qwen/Qwen-Image")
    data = {"model": spec.key, "account": account.pk, "prompts": "a crawl\na second crawl", "seeds": 1,
            **{f.name: f.default for f in spec.fields}}
    batch_form = BatchForm(data, spec=spec, workspace=workspace)
    assert batch_form.is_valid(), batch_form.errors
    batch = batches.draft_from_form(owner, workspace, batch_form)
    batches.start(batch, owner)
    for job in batch.jobs.all():
        wait_until_final(job)
    return batch
