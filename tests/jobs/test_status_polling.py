"""The job page's status fragment, polled every 500 ms with the version the page shows: a poll that finds nothing new
is answered 204 from one read, and any change the fragment shows brings the fragment, to members only."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import history
from jobs.models import ArchiveState, Job, JobEvent, JobState, Output
from netmind_console.workspaces.models import Membership
from netmind_console.workspaces.services import personal_workspace, remove_member
from tests.fixtures.teams import join
from tests.jobs.watching import SIGNED_IN_QUERIES, kept_tasks, running_job, sync_asked_just_now

pytestmark = pytest.mark.django_db(transaction=True)

POLL_QUERIES = SIGNED_IN_QUERIES + 1


@pytest.fixture
def queued(monkeypatch):
    return kept_tasks(monkeypatch)


@pytest.fixture
def running(owner, queued):
    return running_job(owner)


@pytest.fixture
def copying(owner, queued):
    """A job that succeeded and whose image is still being copied in: its page keeps polling."""
    job = running_job(owner)
    Job.objects.filter(pk=job.pk).update(state=JobState.SUCCEEDED, finished_at=timezone.now())
    Output.objects.create(job=job, workspace=job.workspace, owner=owner, kind="image", model_key=job.model_key,
                          provider=job.provider, remote_url="https://files.example/out.png")
    return Job.objects.get(pk=job.pk)


def shown_version(client, job) -> str:
    """The version the job's page polls with, as a browser opening it gets it."""
    page = client.get(f"/jobs/{job.uuid}/").content.decode()
    return re.search(rf'hx-get="/jobs/{job.uuid}/status/\?v=(\w+)"', page).group(1)


def poll(client, job, version):
    return client.get(f"/jobs/{job.uuid}/status/?v={version}", HTTP_HX_REQUEST="true")


def test_the_job_page_polls_its_status_every_500ms_with_the_version_it_shows(owner_client, running):
    page = owner_client.get(f"/jobs/{running.uuid}/").content.decode()
    assert re.search(rf'hx-get="/jobs/{running.uuid}/status/\?v=\w+" hx-trigger="every 500ms"', page)


def test_an_unchanged_poll_answers_204_with_no_body_from_one_query(owner_client, running,
                                                                    django_assert_num_queries):
    version = shown_version(owner_client, running)
    sync_asked_just_now(running)
    with django_assert_num_queries(POLL_QUERIES):
        response = poll(owner_client, running, version)
    assert response.status_code == 204 and response.content == b""


def test_a_poll_with_another_version_gets_the_fragment_with_the_current_one(owner_client, running):
    version = shown_version(owner_client, running)
    response = poll(owner_client, running, "an-old-version")
    body = response.content.decode()
    assert response.status_code == 200 and "<h1>" not in body and "Running" in body
    assert f"?v={version}" in body


def _fail(job, owner):
    Job.objects.filter(pk=job.pk).update(state=JobState.FAILED, finished_at=timezone.now(),
                                         error_message="Generation failed: out of memory",
                                         provider_log=["Generation queued", "Generation failed: out of memory"])


def _wait(job, owner):
    Job.objects.filter(pk=job.pk).update(waiting_reason="Waiting to retry: the provider is busy")


def _log_event(job, owner):
    JobEvent.objects.create(job=job, from_state=JobState.RUNNING, to_state=JobState.RUNNING, note="Worker assigned")


def _unfamiliar_word(job, owner):
    Job.objects.filter(pk=job.pk).update(raw_status="warming-up")


@pytest.mark.parametrize("change, shown", [
    (_fail, "Generation failed: out of memory"),
    (_wait, "Waiting to retry: the provider is busy"),
    (_log_event, "Worker assigned"),
    (_unfamiliar_word, "warming-up"),
])
def test_every_change_to_a_running_job_brings_the_fragment_with_it(owner_client, owner, running, change, shown):
    version = shown_version(owner_client, running)
    change(running, owner)
    response = poll(owner_client, running, version)
    assert response.status_code in (200, 286) and shown in response.content.decode()
    assert f"?v={version}" not in response.content.decode()


def _archived(job, owner):
    job.outputs.update(archive_state=ArchiveState.ARCHIVED, file="outputs/out.png")


def _copy_failed(job, owner):
    job.outputs.update(archive_state=ArchiveState.FAILED, archive_error="The file server answered HTTP 403.",
                       archive_attempts=1)


def _deleted(job, owner):
    history.delete_outputs(list(job.outputs.select_related("job", "owner", "workspace")), actor=owner)


@pytest.mark.parametrize("change, shown", [
    (_archived, "The file is missing from the archive."),  # archived: the page looks for the file (not here)
    (_copy_failed, "Failed: The file server answered HTTP 403."),
    (_deleted, "1 output deleted by alice on"),
])
def test_every_change_to_a_finished_jobs_outputs_brings_the_fragment_with_it(owner_client, owner, copying, change,
                                                                             shown):
    version = shown_version(owner_client, copying)
    assert poll(owner_client, copying, version).status_code == 204
    change(copying, owner)
    response = poll(owner_client, copying, version)
    body = response.content.decode()
    assert response.status_code == 286 and shown in body and "Copying the image" not in body


def test_the_fragment_a_poll_brings_carries_the_version_the_next_poll_finds_unchanged(owner_client, owner, running):
    _wait(running, owner)
    body = poll(owner_client, running, "before").content.decode()
    version = re.search(r"\?v=(\w+)", body).group(1)
    assert poll(owner_client, running, version).status_code == 204


def test_a_non_member_gets_404_whatever_version_they_send(other_client, owner_client, running):
    version = shown_version(owner_client, running)
    for sent in (version, "", "anything"):
        assert poll(other_client, running, sent).status_code == 404


def test_a_viewer_polls_as_a_member_does_and_a_removed_member_is_refused_at_once(other_client, owner_client, other,
                                                                                   owner, running):
    join(personal_workspace(owner), other, "viewer")
    version = shown_version(owner_client, running)
    assert poll(other_client, running, version).status_code == 204
    assert "Running" in poll(other_client, running, "").content.decode()

    remove_member(Membership.objects.get(user=other, workspace=personal_workspace(owner)), actor=owner)
    assert poll(other_client, running, version).status_code == 404


def test_a_stale_running_job_polled_unchanged_still_gets_one_sync_asked(owner, owner_client, queued):
    job = running_job(owner, synced_ago=timedelta(minutes=5))
    version = shown_version(owner_client, job)
    queued.clear()

    first, second = poll(owner_client, job, version), poll(owner_client, job, version)

    assert (first.status_code, second.status_code) == (204, 204)
    assert Job.objects.get(pk=job.pk).sync_requested_at is not None
    assert len(queued) == 1, "two polls inside the sync interval ask for one sync"


def test_a_running_job_shows_its_elapsed_time_and_estimate_for_the_page_to_advance(owner_client, running):
    body = poll(owner_client, running, "").content.decode()
    assert re.search(r'data-elapsed="\d+"', body)
    assert re.search(r'<progress max="100" value="\d+" [^>]*data-per-second="[\d.]+" data-up-to="95"', body)
    assert '<script src="/static/js/ticking.js"' in owner_client.get(f"/jobs/{running.uuid}/").content.decode()

