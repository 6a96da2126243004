"""The command line: submit, list and import jobs for scripts and batch work."""

import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from jobs.models import Job
from tests.fixtures.console import wait_until_final

pytestmark = pytest.mark.django_db(transaction=True)


def test_submit_prints_the_new_jobs_uuid_and_jobs_lists_it_with_its_output(owner, capsys):
    call_command("submit", user="alice", model="hkchengrex/MMAudio", prompt="rain on a tin roof", set=["duration=3"])
    uuid = capsys.readouterr().out.strip()
    job = wait_until_final(Job.objects.get(uuid=uuid))
    assert job.request_body["config"] == {"prompt": "rain on a tin roof", "duration": 3}

    call_command("jobs", user="alice", json=True)
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["uuid"] == uuid and listed[0]["state"] == "succeeded"
    output = listed[0]["outputs"][0]
    assert output["archive_state"] == "archived" and output["file"].startswith("objects/")
    assert output["file"].endswith(".wav")
    assert output["path"] == str(settings.MEDIA_ROOT / output["file"])  # on this host's disk: the default storage


def test_submit_names_the_field_that_is_wrong_and_saves_nothing(owner):
    with pytest.raises(CommandError, match="num_inference_steps: Ensure this value is less than or equal to 100"):
        call_command("submit", user="alice", model="Qwen/Qwen-Image", prompt="x", set=["num_inference_steps=500"])
    with pytest.raises(CommandError, match="Unknown model 'nope'"):
        call_command("submit", user="alice", model="nope", prompt="x")
    assert not Job.objects.exists()


def test_import_history_twice_from_the_command_adds_nothing_the_second_time(owner, capsys):
    call_command("submit", user="alice", model="Qwen/Qwen-Image", prompt="a barn")
    job = wait_until_final(Job.objects.get(uuid=capsys.readouterr().out.strip()))
    job.delete()

    call_command("import_history", user="alice")
    call_command("import_history", user="alice")

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Sandbox: imported ") and not out[0].startswith("Sandbox: imported 0 ")
    assert out[1] == "Sandbox: imported 0 jobs."
