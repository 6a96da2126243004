"""Batches for the jobs tests: the New batch form as the page posts it, drafts and started batches, an account's
cap, and the worker's queue held so a test runs each task by hand (as a worker would, one at a time)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils.datastructures import MultiValueDict
from PIL import Image

from jobs import batches, catalogue, submission, tasks
from jobs.forms import BatchForm
from jobs.models import Batch
from netmind_console.core import queue
from netmind_console.workspaces.services import personal_workspace
from tests.fixtures.console import account_of
from tests.jobs.batch_helpers import batch_data, csv_file

QWEN = "Qwen/Qwen-Image"


def png_upload(name="frame.png", size=(64, 36)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/png")


def batch_form(user, key=QWEN, *, workspace=None, prompts="", csv=None, images=(), image=None, seeds=1,
               drop_refused=False, **values) -> BatchForm:
    """The New batch form, valid, as posted in `workspace` (the user's own by default) with the model's defaults
    and the workspace's sandbox account."""
    spec = catalogue.get(key)
    workspace = workspace or personal_workspace(user)
    checked = {f.name: "on" for f in spec.fields if f.kind == "bool" and f.default}  # ticked boxes post "on"
    if drop_refused:
        checked["drop_refused"] = "on"
    data = batch_data(workspace, key, prompts=prompts, seeds=seeds, **checked | values)
    files = MultiValueDict()
    if csv is not None:
        files["prompts_file"] = csv if isinstance(csv, UploadedFile) else csv_file(csv)
    if images:
        files.setlist("images", list(images))
    if image:
        files["image"] = image
    form = BatchForm(data, files, spec=spec, workspace=workspace)
    assert form.is_valid(), form.errors
    return form


def draft(user, key=QWEN, **form) -> Batch:
    checked = batch_form(user, key, **form)
    return batches.draft_from_form(user, checked.cleaned_data["account"].workspace, checked)


def started(user, key=QWEN, **form) -> Batch:
    batch = draft(user, key, **form)
    assert batches.start(batch, user)
    return batch


def new_job(user, key=QWEN, prompt="a quiet harbour"):
    """One job as the New job form makes it."""
    spec = catalogue.get(key)
    values = {f.name: f.default for f in spec.fields}
    account = account_of(user, spec.provider)
    values.update(prompt=prompt, account=account)
    return submission.create_job(user, account.workspace, spec, values)


class HeldTasks(list):
    """Tasks queued but not run: (task name, *ids) in the order they were asked for."""

    def named(self, name: str) -> list:
        return [args[0] if len(args) == 1 else args for task, *args in self if task == name]

    def run_all(self):
        """Drain the queue as a worker would, including the tasks the tasks queue."""
        while self:
            task, *args = self.pop(0)
            getattr(tasks, task)(*args)


@pytest.fixture
def held_tasks(monkeypatch) -> HeldTasks:
    held = HeldTasks()
    monkeypatch.setattr(queue, "async_task",
                        lambda path, *args, **options: held.append((path.rsplit(".", 1)[-1], *args)))
    return held
