"""The small shared pieces both apps build on: claims, state changes with their event, backoff, ids, htmx."""

from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from django.db.models import Q
from django.test import RequestFactory
from django.utils import timezone
from django_htmx.middleware import HtmxDetails

from jobs.models import Job, JobEvent, JobState
from netmind_console.core import claims, htmx
from netmind_console.workspaces.services import personal_workspace
from netmind_console.core.backoff import backoff
from netmind_console.core.ids import parse_uuid
from netmind_console.core.state_changes import change_with_event


@pytest.fixture
def job(django_user_model):
    user = django_user_model.objects.create_user("nia")
    return Job.objects.create(owner=user, workspace=personal_workspace(user), model_key="Qwen/Qwen-Image", provider="netmind", adapter="generation")


@pytest.mark.django_db
def test_two_callers_claiming_one_sync_get_one_yes(job):
    now = timezone.now()
    assert claims.claim_sync(job, timedelta(seconds=2), now) is True
    assert claims.claim_sync(job, timedelta(seconds=2), now + timedelta(seconds=1)) is False
    assert claims.claim_sync(job, timedelta(seconds=2), now + timedelta(seconds=3)) is True, "an old claim is lost"


@pytest.mark.django_db
def test_a_state_change_writes_its_event_only_when_the_row_still_matches(job):
    def record(row):
        JobEvent.objects.create(job=row, at=timezone.now(), from_state=JobState.PENDING, to_state=row.state)

    moved = change_with_event(Job, job.pk, when=Q(state=JobState.PENDING), fields={"state": JobState.QUEUED},
                              record=record)
    assert moved.state == JobState.QUEUED
    again = change_with_event(Job, job.pk, when=Q(state=JobState.PENDING), fields={"state": JobState.RUNNING},
                              record=record)
    assert again is None
    assert list(job.events.values_list("to_state", flat=True)) == [JobState.QUEUED]


def test_backoff_doubles_up_to_its_cap_and_honours_a_longer_retry_after():
    assert [backoff(n, first=2, cap=60).total_seconds() for n in (1, 2, 3, 6, 7)] == [2, 4, 8, 60, 60]
    assert backoff(1, first=2, retry_after="30").total_seconds() == 30
    assert backoff(1, first=2, retry_after=999, retry_after_cap=120).total_seconds() == 120


def test_an_id_that_is_not_a_uuid_is_no_id():
    assert parse_uuid("7d8c3a4e-0b1f-4c63-9a55-3b1a2c9d0e11") == UUID("7d8c3a4e-0b1f-4c63-9a55-3b1a2c9d0e11")
    assert [parse_uuid(value) for value in ("", None, "12", "../etc", ["x"])] == [None] * 5


@pytest.fixture
def test_templates(settings):
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], Path(__file__).parent / "templates"]}]


def htmx_request(rf: RequestFactory, hx: bool):
    request = rf.get("/", **({"HTTP_HX_REQUEST": "true"} if hx else {}))
    request.htmx = HtmxDetails(request)
    return request


def test_one_url_answers_the_page_or_its_fragment_and_says_so_to_caches(rf, test_templates):
    page = htmx.page_or_partial(htmx_request(rf, False), "core_test/page.html", "piece", {"word": "x"}, status=422)
    assert page.status_code == 422 and b"The whole page" in page.content
    piece = htmx.page_or_partial(htmx_request(rf, True), "core_test/page.html", "piece", {"word": "x"}, status=422)
    assert piece.status_code == 200, "htmx swaps no 4xx answer: an error fragment comes as 200"
    assert piece.content.decode().strip() == "<p>The piece: x</p>"
    assert "HX-Request" in page["Vary"] and "HX-Request" in piece["Vary"]


def test_a_polled_fragment_stops_the_polling_once_finished(rf, test_templates):
    running = htmx.polling_fragment(htmx_request(rf, True), "core_test/page.html#piece", {}, finished=False)
    done = htmx.polling_fragment(htmx_request(rf, True), "core_test/page.html#piece", {}, finished=True)
    assert (running.status_code, done.status_code) == (200, htmx.STOP_POLLING)
