"""A batch's download: one ZIP of every archived output with manifest.csv saying which job made each file."""

import csv
import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from jobs.models import Job, JobState
from netmind_console.core import queue
from netmind_console.workspaces.roles import Role
from netmind_console.workspaces.services import personal_workspace
from tests.fixtures.teams import client_in, join
from tests.jobs.batch_helpers import started

pytestmark = pytest.mark.django_db(transaction=True)

COLUMNS = ["row", "prompt", "parameters", "seed", "job id", "state", "file name", "error"]


def download(client, batch) -> zipfile.ZipFile:
    response = client.get(f"/jobs/batches/{batch.uuid}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="batch-')
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def manifest(bundle: zipfile.ZipFile) -> list[dict]:
    reader = csv.DictReader(io.StringIO(bundle.read("manifest.csv").decode()))
    assert reader.fieldnames == COLUMNS
    return list(reader)


def test_the_zip_holds_every_output_and_a_manifest_line_for_each_naming_its_job(owner_client, owner):
    batch = started(owner_client, owner, prompts="a red fox\na blue whale", seeds=2, width=512)
    bundle = download(owner_client, batch)
    lines = manifest(bundle)

    jobs = {str(job.uuid): job for job in batch.jobs.all()}
    assert len(lines) == 4 and {line["job id"] for line in lines} == set(jobs)
    for line in lines:
        job = jobs[line["job id"]]
        output = job.outputs.get()
        assert (line["row"], line["prompt"], line["seed"], line["state"], line["error"]) == (
            str(job.batch_row), job.prompt, str(job.seed), "succeeded", "")
        assert json.loads(line["parameters"]) == {"width": 512, "height": 1024, "negative_prompt": ""}
        assert line["file name"] == f"row-{job.batch_row:04d}-seed-{job.seed}-{job.uuid.hex[:8]}-0.png"
        assert bundle.read(line["file name"]) == default_storage.open(output.file).read()
    assert [line["row"] for line in lines] == ["1", "1", "2", "2"]
    assert sorted(bundle.namelist()) == sorted(["manifest.csv", *[line["file name"] for line in lines]])


def test_a_failed_job_has_a_line_with_its_error_and_no_file(owner_client, owner):
    batch = started(owner_client, owner, prompts="a red fox\na kite over the dunes [fail]")
    lines = {line["row"]: line for line in manifest(download(owner_client, batch))}
    failed = batch.jobs.get(batch_row=2)

    assert lines["2"]["state"] == "failed" and lines["2"]["file name"] == ""
    assert lines["2"]["error"] == failed.error_message and "[fail]" in lines["2"]["error"]
    assert lines["1"]["state"] == "succeeded" and lines["1"]["file name"].endswith(".png")


def test_cells_a_spreadsheet_would_run_as_formulas_are_quoted(owner_client, owner):
    batch = started(owner_client, owner, prompts='=HYPERLINK("http://example.com","click")\n+1+1\n-2\n@SUM(A1)')
    prompts = [line["prompt"] for line in manifest(download(owner_client, batch))]
    assert prompts == ['\'=HYPERLINK("http://example.com","click")', "'+1+1", "'-2", "'@SUM(A1)"]
    assert set(batch.jobs.values_list("prompt", flat=True)) == {'=HYPERLINK("http://example.com","click")', "+1+1",
                                                                "-2", "@SUM(A1)"}


def test_a_batch_without_files_still_downloads_its_manifest(owner_client, owner, monkeypatch):
    monkeypatch.setattr(queue, "after_commit", lambda send: None)  # nothing is sent: the jobs wait
    batch = started(owner_client, owner, seeds=2)
    bundle = download(owner_client, batch)
    lines = manifest(bundle)

    assert bundle.namelist() == ["manifest.csv"]
    assert len(lines) == 6 and {line["state"] for line in lines} == {JobState.PENDING}
    assert {line["file name"] for line in lines} == {""}
    assert {line["seed"] for line in lines} == {str(seed) for seed in batch.jobs.values_list("seed", flat=True)}


def test_a_file_not_copied_yet_is_a_line_without_a_file(owner_client, owner):
    batch = started(owner_client, owner, prompts="a red fox")
    Job.objects.get().outputs.update(archive_state="pending")
    bundle = download(owner_client, batch)
    assert bundle.namelist() == ["manifest.csv"] and manifest(bundle)[0]["file name"] == ""


def test_a_viewer_downloads_and_a_stranger_gets_404(owner_client, owner, other, admin):
    batch = started(owner_client, owner, prompts="a red fox")
    join(personal_workspace(owner), other, Role.VIEWER)
    assert len(manifest(download(client_in(personal_workspace(owner), other), batch))) == 1
    stranger = Client()
    stranger.force_login(admin)
    assert stranger.get(f"/jobs/batches/{batch.uuid}/download/").status_code == 404
