"""The dashboard polls its live part (counts and recent jobs) with the version it shows: an unchanged dashboard is
answered 204 from a few reads, without rendering; a job submitted elsewhere, a state change, deleted outputs or a
new role bring the part again."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import history
from jobs.models import Job, JobState
from netmind_console.workspaces.models import Membership
from netmind_console.workspaces.services import change_role
from tests.fixtures.console import wait_until_final
from tests.fixtures.teams import client_in, join
from tests.jobs.test_lifecycle import new_job
from tests.jobs.watching import SIGNED_IN_QUERIES, kept_tasks, running_job, sync_asked_just_now

pytestmark = pytest.mark.django_db(transaction=True)

# The caller's memberships (the current workspace and role), the counts, and the recent jobs with their versions.
DASHBOARD_POLL_QUERIES = SIGNED_IN_QUERIES + 3


@pytest.fixture
def queued(monkeypatch):
    return kept_tasks(monkeypatch)


def shown_version(client) -> str:
    page = client.get("/").content.decode()
    return re.search(r'hx-get="/\?v=(\w+)" hx-trigger="every 3s"', page).group(1)


def poll(client, version):
    return client.get(f"/?v={version}", HTTP_HX_REQUEST="true")


def test_an_unchanged_dashboard_answers_204_from_a_few_reads_without_rendering(owner_client, owner, queued,
                                                                              django_assert_num_queries):
    job = running_job(owner)
    version = shown_version(owner_client)
    sync_asked_just_now(job)
    with django_assert_num_queries(DASHBOARD_POLL_QUERIES):
        response = poll(owner_client, version)
    assert response.status_code == 204 and response.content == b""


def test_a_job_submitted_elsewhere_shows_up_with_the_counts(owner_client, owner, queued):
    version = shown_version(owner_client)
    new_job(owner, prompt="a kite over the dunes")
    body = poll(owner_client, version).content.decode()
    assert "a kite over the dunes" in body and re.search(r"<strong>1</strong> active", body)
    assert "<h1>" not in body, "the live part only"


def test_a_recent_job_that_finishes_moves_the_counts(owner_client, owner, queued):
    job = running_job(owner)
    version = shown_version(owner_client)
    Job.objects.filter(pk=job.pk).update(state=JobState.FAILED, finished_at=timezone.now())
    body = poll(owner_client, version).content.decode()
    assert re.search(r"<strong>0</strong> active", body) and re.search(r"<strong>1</strong> failed", body)


def test_outputs_deleted_from_a_recent_job_are_shown_deleted(owner_client, owner):
    job = wait_until_final(new_job(owner))
    version = shown_version(owner_client)
    history.delete_outputs(list(job.outputs.select_related("job", "owner", "workspace")), actor=owner)
    assert 'class="thumb thumb-deleted"' in poll(owner_client, version).content.decode()


def test_a_viewer_made_member_is_offered_to_submit_a_job(owner, other, studio):
    join(studio, other, "viewer")
    client = client_in(studio, other)
    version = shown_version(client)
    assert poll(client, version).status_code == 204

    change_role(Membership.objects.get(workspace=studio, user=other), "member", actor=owner)

    assert "Submit a job" in poll(client, version).content.decode()


def test_a_stale_recent_job_gets_one_sync_asked_by_an_unchanged_poll(owner_client, owner, queued):
    job = running_job(owner, synced_ago=timedelta(minutes=5))
    version = shown_version(owner_client)  # the page asks too: it reads the same versions first
    Job.objects.filter(pk=job.pk).update(sync_requested_at=timezone.now() - timedelta(minutes=5))
    queued.clear()

    assert poll(owner_client, version).status_code == 204
    assert Job.objects.get(pk=job.pk).sync_requested_at > timezone.now() - timedelta(minutes=1) and len(queued) == 1


def test_a_page_load_with_a_version_is_still_the_whole_page(owner_client):
    version = shown_version(owner_client)
    response = owner_client.get(f"/?v={version}")
    assert response.status_code == 200 and "<h1>Dashboard</h1>" in response.content.decode()
