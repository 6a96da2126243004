"""Every date a person reads is in the time zone they chose in Settings: a job created at 10:00 UTC reads 19:00
for someone in Tokyo, on the jobs list and on the job page, from the next request on."""

import re
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from jobs.models import Job, JobState
from netmind_console.accounts.models import Preferences
from tests.jobs.gallery_fixtures import console_setup, make_job  # noqa: F401

pytestmark = pytest.mark.django_db
TEN_UTC = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def job_at_ten_utc(owner):
    job = make_job(owner, state=JobState.SUCCEEDED)
    Job.objects.filter(pk=job.pk).update(created_at=TEN_UTC)
    return job


def shown_text(response) -> str:
    """What a reader sees: the page without its tags (a <time datetime=...> attribute stays in UTC, for machines)."""
    return re.sub(r"<[^>]+>", " ", response.content.decode())


def choose_zone(user, name):
    Preferences.objects.update_or_create(user=user, defaults={"time_zone": name})


def test_someone_in_tokyo_sees_the_jobs_list_in_tokyo_time(owner_client, owner, job_at_ten_utc):
    choose_zone(owner, "Asia/Tokyo")

    page = shown_text(owner_client.get("/jobs/"))

    assert "19:00" in page and "10:00" not in page


def test_someone_in_tokyo_sees_the_job_page_in_tokyo_time(owner_client, owner, job_at_ten_utc):
    choose_zone(owner, "Asia/Tokyo")

    page = shown_text(owner_client.get(f"/jobs/{job_at_ten_utc.uuid}/"))

    assert "19:00" in page and "10:00" not in page


def test_a_new_choice_shows_from_the_next_request_without_signing_in_again(owner_client, owner, job_at_ten_utc):
    assert "10:00" in shown_text(owner_client.get("/jobs/"))

    choose_zone(owner, "America/New_York")

    assert "05:00" in shown_text(owner_client.get("/jobs/"))


def test_someone_who_never_chose_a_zone_sees_utc(owner_client, job_at_ten_utc):
    assert "10:00" in shown_text(owner_client.get("/jobs/"))


def test_a_stored_name_that_is_no_longer_a_zone_shows_utc_rather_than_failing(owner_client, owner, job_at_ten_utc):
    choose_zone(owner, "Mars/Olympus_Mons")

    response = owner_client.get("/jobs/")

    assert response.status_code == 200 and "10:00" in shown_text(response)


def test_the_zone_is_only_for_that_request_the_thread_serves_the_next_one_in_utc(owner_client, owner):
    choose_zone(owner, "Asia/Tokyo")

    owner_client.get("/jobs/")

    assert timezone.get_current_timezone_name() == "UTC"
