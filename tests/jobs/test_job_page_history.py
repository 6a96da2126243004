"""What the job pages, the jobs list and the dashboard say about a job's history: its failure (the reason, then the
provider's log), outputs deleted in the gallery (how many, by whom, when), the first frame it was given, and the
dashboard's poll that sends nothing when nothing changed."""

import importlib

import pytest
from django.apps import apps

from jobs import history
from jobs.adapters import failure
from jobs.models import Job, JobEvent, JobState, OutputDeletion
from tests.fixtures.console import wait_until_final
from tests.jobs.test_lifecycle import new_job

pytestmark = pytest.mark.django_db(transaction=True)

LOGGED_FAILURE = ("Generation queued\nWorker assigned, loading model Qwen/Qwen-Image\nGenerating image\n"
                  "Generation failed: out of memory")


def test_a_providers_log_becomes_its_last_line_as_the_reason_and_the_lines_as_the_log():
    assert failure(LOGGED_FAILURE) == {"failure_message": "Generation failed: out of memory",
                                       "provider_log": tuple(LOGGED_FAILURE.splitlines())}
    assert failure("The prompt was refused") == {"failure_message": "The prompt was refused", "provider_log": ()}
    assert failure(None) == {"failure_message": "", "provider_log": ()}


def test_a_failed_job_shows_the_reason_and_the_log_as_a_list_and_the_jobs_list_only_the_reason(owner_client, owner):
    job = wait_until_final(new_job(owner, prompt="a heron [fail]"))
    assert job.state == JobState.FAILED
    assert job.error_message.startswith("Generation failed:") and "\n" not in job.error_message
    assert job.provider_log[0] == "Generation queued" and job.provider_log[-1] == job.error_message

    page = owner_client.get(f"/jobs/{job.uuid}/").content.decode()
    assert page.count(job.error_message) == 2  # the alert, and the log's last line; not again in the timeline
    assert '<ol class="provider-log"' in page and "<li>Generation queued</li>" in page

    listed = owner_client.get("/jobs/").content.decode()
    assert "Generation failed:" in listed and "Generation queued" not in listed


def test_failures_recorded_as_a_whole_log_are_split_by_the_migration(owner):
    job = new_job(owner)
    Job.objects.filter(pk=job.pk).update(state=JobState.FAILED, error_message=LOGGED_FAILURE)
    JobEvent.objects.create(job=job, from_state="running", to_state="failed", note=LOGGED_FAILURE)
    migration = importlib.import_module("jobs.migrations.0010_output_deletions_and_provider_log")

    migration.split_logged_failures(apps, None)

    job.refresh_from_db()
    assert job.error_message == "Generation failed: out of memory" and len(job.provider_log) == 4
    assert job.events.get(to_state="failed").note == "Generation failed: out of memory"


def test_outputs_deleted_in_the_gallery_are_told_on_the_job_page_the_list_and_the_dashboard(
        owner_client, owner, other, django_user_model):
    job = wait_until_final(new_job(owner))
    history.delete_outputs(list(job.outputs.select_related("job", "owner", "workspace")), actor=owner)

    deletion = OutputDeletion.objects.get(job=job)
    assert (deletion.count, deletion.actor_name) == (1, "alice")
    page = owner_client.get(f"/jobs/{job.uuid}/").content.decode()
    assert "1 output deleted by alice on" in page
    assert "without returning a file" not in page
    for url in ("/jobs/", "/", f"/jobs/rows/?w={job.uuid}."):  # the list's poll, for a row showing no version yet
        assert 'class="thumb thumb-deleted"' in owner_client.get(url, HTTP_HX_REQUEST="true").content.decode(), url


def test_a_job_that_returned_no_file_still_says_so(owner_client, owner):
    job = wait_until_final(new_job(owner))
    job.outputs.all().delete()  # as a provider that answers "done" with no result leaves it
    page = owner_client.get(f"/jobs/{job.uuid}/").content.decode()
    assert "The provider finished without returning a file." in page and "deleted by" not in page


def test_the_dashboard_poll_answers_204_while_nothing_changed_and_the_fragment_once_something_did(owner_client, owner):
    page = owner_client.get("/").content.decode()
    assert 'hx-trigger="every 3s"' in page and "Nothing yet." in page
    shown = page.split('hx-get="/?v=')[1].split('"')[0]

    unchanged = owner_client.get(f"/?v={shown}", HTTP_HX_REQUEST="true")
    assert unchanged.status_code == 204 and unchanged.content == b""

    new_job(owner, prompt="submitted in another tab")
    changed = owner_client.get(f"/?v={shown}", HTTP_HX_REQUEST="true")
    body = changed.content.decode()
    assert changed.status_code == 200 and "submitted in another tab" in body
    assert "<h1>" not in body and f'hx-get="/?v={shown}"' not in body


def test_an_image_to_video_job_shows_its_first_frame_to_its_workspace_only(owner_client, other_client, owner):
    job = new_job(owner, key="apinfer/wan2.2", prompt="the harbour wakes up")
    page = owner_client.get(f"/jobs/{job.uuid}/").content.decode()
    assert f'src="/jobs/{job.uuid}/input/"' in page and 'width="320" height="240"' in page

    frame = owner_client.get(f"/jobs/{job.uuid}/input/")
    assert frame.status_code == 200 and frame["Content-Type"] == "image/png"
    assert b"".join(frame.streaming_content).startswith(b"\x89PNG")
    assert other_client.get(f"/jobs/{job.uuid}/input/").status_code == 404


def test_a_job_given_no_file_has_no_first_frame(owner_client, owner):
    job = new_job(owner)
    assert owner_client.get(f"/jobs/{job.uuid}/input/").status_code == 404
    assert "First frame" not in owner_client.get(f"/jobs/{job.uuid}/").content.decode()
