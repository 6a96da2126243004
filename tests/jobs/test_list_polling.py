"""The jobs list polls once for all the rows it watches, naming each with the version it shows: 204 while none
changed, else only the changed rows (swapped in by id), and the poller again with the versions now shown."""

import re
from datetime import timedelta
from urllib.parse import parse_qsl

import pytest
from django.utils import timezone

from jobs.models import ArchiveState, Job, JobState, Output
from tests.jobs.watching import SIGNED_IN_QUERIES, kept_tasks, running_job, sync_asked_just_now

pytestmark = pytest.mark.django_db(transaction=True)

POLL_QUERIES = SIGNED_IN_QUERIES + 1  # the rows' versions, with the caller's membership, in one query

POLLER = re.compile(r'<div id="job-rows-poll"(?: hx-get="/jobs/rows/\?([^"]*)" hx-trigger="every 2s")?')


def poller_query(body: str) -> str | None:
    """The query the list's poller sends (None when it no longer polls)."""
    match = POLLER.search(body)
    assert match, "the list has its poller"
    return match.group(1).replace("&amp;", "&") if match.group(1) else None


def watched(query: str) -> dict:
    return dict(value.split(".") for _, value in parse_qsl(query))


def poll(client, query):
    return client.get(f"/jobs/rows/?{query}", HTTP_HX_REQUEST="true")


@pytest.fixture
def queued(monkeypatch):
    return kept_tasks(monkeypatch)


@pytest.fixture
def two_running(owner, queued):
    return running_job(owner), running_job(owner)


def test_the_list_polls_once_for_its_active_rows_and_not_for_finished_ones(owner_client, owner, two_running):
    done = running_job(owner)
    Job.objects.filter(pk=done.pk).update(state=JobState.FAILED, finished_at=timezone.now())

    body = owner_client.get("/jobs/").content.decode()

    assert set(watched(poller_query(body))) == {str(job.uuid) for job in two_running}
    assert body.count('hx-trigger="every 2s"') == 1, "one poll for the page, none per row"


def test_an_unchanged_list_poll_answers_204_from_one_query(owner_client, two_running, django_assert_num_queries):
    query = poller_query(owner_client.get("/jobs/").content.decode())
    sync_asked_just_now(*two_running)
    with django_assert_num_queries(POLL_QUERIES):
        response = poll(owner_client, query)
    assert response.status_code == 204 and response.content == b""


def test_a_changed_row_is_swapped_alone_and_the_poller_carries_its_new_version(owner_client, two_running):
    changed, unchanged = two_running
    query = poller_query(owner_client.get("/jobs/").content.decode())
    Job.objects.filter(pk=changed.pk).update(waiting_reason="Waiting for a free slot on the account")

    response = poll(owner_client, query)

    body = response.content.decode()
    assert response.status_code == 200 and "Waiting for a free slot on the account" in body
    assert f'<tr id="job-{changed.uuid}" hx-swap-oob="true">' in body and f"job-{unchanged.uuid}" not in body
    before, after = watched(query), watched(poller_query(body))
    assert after[str(unchanged.uuid)] == before[str(unchanged.uuid)]
    assert after[str(changed.uuid)] != before[str(changed.uuid)]
    assert poll(owner_client, poller_query(body)).status_code == 204


def test_a_row_that_finishes_is_swapped_and_no_longer_watched_and_the_last_one_stops_the_poll(owner_client,
                                                                                             two_running):
    query = poller_query(owner_client.get("/jobs/").content.decode())
    Job.objects.filter(pk__in=[job.pk for job in two_running]).update(state=JobState.SUCCEEDED,
                                                                      finished_at=timezone.now())
    response = poll(owner_client, query)
    body = response.content.decode()
    assert response.status_code == 286 and body.count("Succeeded") == 2
    assert poller_query(body) is None


def test_a_deleted_job_leaves_the_list_and_anothers_job_is_told_as_gone_without_its_content(
        owner_client, other, two_running, queued):
    deleted, _ = two_running
    theirs = running_job(other)
    Job.objects.filter(pk=theirs.pk).update(prompt="bob's secret prompt")
    query = poller_query(owner_client.get("/jobs/").content.decode()) + f"&w={theirs.uuid}."
    deleted.delete()

    body = poll(owner_client, query).content.decode()

    assert f'<tr id="job-{deleted.uuid}" hx-swap-oob="delete"></tr>' in body
    assert f'<tr id="job-{theirs.uuid}" hx-swap-oob="delete"></tr>' in body and "secret" not in body
    assert set(watched(poller_query(body))) == {str(two_running[1].uuid)}


def test_a_finished_row_whose_file_is_still_copied_in_stays_watched_until_it_is_here(owner_client, owner, queued):
    job = running_job(owner)
    Job.objects.filter(pk=job.pk).update(state=JobState.SUCCEEDED, finished_at=timezone.now())
    output = Output.objects.create(job=job, workspace=job.workspace, owner=owner, kind="image", model_key=job.model_key,
                                   provider=job.provider, remote_url="https://files.example/out.png")
    query = poller_query(owner_client.get("/jobs/").content.decode())
    assert set(watched(query)) == {str(job.uuid)}
    assert poll(owner_client, query).status_code == 204

    Output.objects.filter(pk=output.pk).update(archive_state=ArchiveState.ARCHIVED, file="outputs/out.png")
    response = poll(owner_client, query)

    assert response.status_code == 286 and f"/jobs/media/{output.uuid}/" in response.content.decode()


@pytest.mark.parametrize("query", ["w=not-a-job.abc", "&".join(["w=00000000-0000-0000-0000-000000000000."] * 2)
                                   + "&" + "&".join(f"w={i:08x}-0000-0000-0000-000000000000." for i in range(101))])
def test_a_malformed_list_poll_is_a_clear_400(owner_client, query):
    response = poll(owner_client, query)
    assert response.status_code == 400 and "w=<job id>.<version>" in response.content.decode()


def test_a_stale_watched_row_gets_one_sync_asked_by_an_unchanged_poll(owner_client, owner, queued):
    job = running_job(owner, synced_ago=timedelta(minutes=5))
    query = poller_query(owner_client.get("/jobs/").content.decode())
    queued.clear()

    assert poll(owner_client, query).status_code == 204
    assert Job.objects.get(pk=job.pk).sync_requested_at is not None and len(queued) == 1
