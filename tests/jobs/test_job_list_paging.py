"""The job list pages by keyset, newest first (an older page costs what the first does), and says how many jobs there
are when they all fit on one page."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jobs import views
from tests.jobs.gallery_fixtures import console_setup, make_job, static_without_collectstatic  # noqa: F401 (fixtures)

JOBS = reverse("jobs:list")


def jobs_a_minute_apart(user, prompts):
    """Jobs submitted in the order of `prompts`, a minute apart (the last is the newest)."""
    start = timezone.now() - timedelta(hours=1)
    for minute, prompt in enumerate(prompts):
        make_job(user, prompt=prompt, created_at=start + timedelta(minutes=minute))


def listed(response, among) -> list[str]:
    page = response.content.decode()
    return sorted((prompt for prompt in among if prompt in page), key=page.index)


def link(response, label: str) -> str | None:
    match = re.search(rf'<a class="button" href="([^"]+)">{label}</a>', response.content.decode())
    return html.unescape(match.group(1)) if match else None


def test_older_links_lead_from_the_newest_jobs_to_the_oldest_without_overlap(owner_client, owner, monkeypatch):
    monkeypatch.setattr(views, "JOBS_PER_PAGE", 2)
    prompts = [f"job number {n}" for n in range(5)]
    jobs_a_minute_apart(owner, prompts)

    first = owner_client.get(JOBS)
    second = owner_client.get(JOBS + link(first, "Older →"))
    third = owner_client.get(JOBS + link(second, "Older →"))

    assert listed(first, prompts) == ["job number 4", "job number 3"]
    assert listed(second, prompts) == ["job number 2", "job number 1"]
    assert listed(third, prompts) == ["job number 0"]
    assert link(first, "← Newest") is None and link(third, "Older →") is None
    assert listed(owner_client.get(JOBS + link(third, "← Newest")), prompts) == ["job number 4", "job number 3"]


def test_an_older_page_keeps_the_filters(owner_client, owner, monkeypatch):
    monkeypatch.setattr(views, "JOBS_PER_PAGE", 1)
    prompts = ["a red fox", "a blue whale", "a grey fox"]
    jobs_a_minute_apart(owner, prompts)

    first = owner_client.get(JOBS, {"q": "fox"})
    second = owner_client.get(JOBS + link(first, "Older →"))

    assert listed(first, prompts) == ["a grey fox"]
    assert listed(second, prompts) == ["a red fox"]
    assert 'value="fox"' in second.content.decode()


def test_the_list_says_how_many_jobs_there_are_when_they_fit_on_one_page(owner_client, owner, monkeypatch):
    monkeypatch.setattr(views, "JOBS_PER_PAGE", 3)
    jobs_a_minute_apart(owner, ["a fox", "a wolf", "a fox cub"])

    assert "3 jobs<" in owner_client.get(JOBS).content.decode()
    assert "1 job<" in owner_client.get(JOBS, {"q": "wolf"}).content.decode()

    make_job(owner, prompt="another fox")
    first = owner_client.get(JOBS).content.decode()
    assert "4 jobs" not in first and "3 jobs" not in first


@pytest.mark.parametrize("after", ["yesterday", "1-2-3", "99999999999999999999-1"])
def test_a_malformed_page_position_shows_the_newest_jobs(owner_client, owner, after):
    jobs_a_minute_apart(owner, ["the oldest job", "the newest job"])

    response = owner_client.get(JOBS, {"after": after})

    assert response.status_code == 200
    assert listed(response, ["the oldest job", "the newest job"]) == ["the newest job", "the oldest job"]
