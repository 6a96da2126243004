"""Prompt search (jobs/search.py) on the real database, as the job list and the gallery show it: a case-insensitive
substring, `%` and `_` literal, short texts too, kept in step with edits and deletions, one workspace at a time.

Every test runs for both pages, and for a text as rare and as common: on SQLite a common text takes another road
(the newest-first walk) than a rare one (the trigram index's list), and both must give the same answer.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from jobs import search
from jobs.models import Job
from tests.jobs.gallery_fixtures import (  # noqa: F401 (fixtures)
    console_setup,
    make_job,
    make_output,
    static_without_collectstatic,
)

PAGES = {"job list": "jobs:list", "gallery": "jobs:gallery"}


@pytest.fixture(params=["rare", "common"])
def text_is(request, monkeypatch):
    if request.param == "common":
        monkeypatch.setattr(search, "FREQUENT", 0)
    return request.param


@pytest.fixture(params=list(PAGES))
def found(request, owner_client, text_is):
    """found(text, among): which of the prompts `among` the page shows when searched for `text`."""

    def found(text: str, among) -> set[str]:
        page = owner_client.get(reverse(PAGES[request.param]), {"q": text}).content.decode()
        return {prompt for prompt in among if prompt in page}

    return found


def submitted(user, prompt: str) -> Job:
    """A finished job with one output: the job list and the gallery both show it."""
    job = make_job(user, prompt=prompt, state="succeeded")
    make_output(job)
    return job


def test_a_search_finds_every_prompt_containing_the_text_in_any_case(owner, found):
    prompts = ["A Lighthouse at dusk", "the LIGHTHOUSE keeper", "sunlight through leaves", "a red fox in the snow"]
    for prompt in prompts:
        submitted(owner, prompt)

    assert found("ligh", prompts) == {"A Lighthouse at dusk", "the LIGHTHOUSE keeper", "sunlight through leaves"}
    assert found("HOUSE KEEP", prompts) == {"the LIGHTHOUSE keeper"}
    assert found("lighthouses", prompts) == set()


def test_letters_beyond_ascii_match_in_any_case(owner, found):
    prompts = ["une école au bord de la mer", "a school by the sea"]
    for prompt in prompts:
        submitted(owner, prompt)

    assert found("ÉCOLE", prompts) == {"une école au bord de la mer"}


def test_percent_and_underscore_are_plain_characters(owner, found):
    prompts = ["100% cotton shirt", "1000 cotton shirts", "snake_case names", "snakeXcase names"]
    for prompt in prompts:
        submitted(owner, prompt)

    assert found("100%", prompts) == {"100% cotton shirt"}
    assert found("0%", prompts) == {"100% cotton shirt"}
    assert found("e_c", prompts) == {"snake_case names"}
    assert found("_", prompts) == {"snake_case names"}


def test_a_text_shorter_than_three_characters_still_finds_its_prompts(owner, found):
    prompts = ["a deluxe lantern", "UX research notes", "a fox"]
    for prompt in prompts:
        submitted(owner, prompt)

    assert found("ux", prompts) == {"a deluxe lantern", "UX research notes"}
    assert found("X", prompts) == {"a deluxe lantern", "UX research notes", "a fox"}


def test_an_edited_prompt_is_found_by_its_new_words_and_not_its_old(owner, found):
    saved = submitted(owner, "a castle in the rain")
    updated = submitted(owner, "a harbour at night")

    saved.prompt = "a dragon over the desert"
    saved.save()
    Job.objects.filter(pk=updated.pk).update(prompt="a violin in the snow")

    now = ["a dragon over the desert", "a violin in the snow"]
    assert found("castle", ["a castle in the rain"]) == set()
    assert found("harbour", ["a harbour at night"]) == set()
    assert found("dragon", now) == {"a dragon over the desert"}
    assert found("violin", now) == {"a violin in the snow"}


def test_a_job_saved_without_a_new_prompt_is_still_found(owner, found):
    job = submitted(owner, "an owl in the forest")

    job.state = "failed"
    job.save()
    Job.objects.filter(pk=job.pk).update(error_message="The provider refused it.")

    assert found("owl in", ["an owl in the forest"]) == {"an owl in the forest"}


def test_a_deleted_job_is_no_longer_found(owner, found):
    kept = submitted(owner, "a river at dawn")
    submitted(owner, "a river at dusk").delete()

    assert found("river", ["a river at dawn", "a river at dusk"]) == {kept.prompt}


def test_another_workspaces_jobs_are_never_found(owner, other, found):
    submitted(owner, "my lighthouse")
    submitted(other, "their lighthouse")

    assert found("lighthouse", ["my lighthouse", "their lighthouse"]) == {"my lighthouse"}


def test_a_search_nothing_matches_says_so(owner, owner_client, text_is):
    submitted(owner, "a red fox")

    listed = owner_client.get(reverse("jobs:list"), {"q": "zebra"}).content.decode()
    gallery = owner_client.get(reverse("jobs:gallery"), {"q": "zebra"}).content.decode()

    assert "No job matches these filters." in listed and "a red fox" not in listed
    assert "Nothing matches these filters." in gallery and "a red fox" not in gallery


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_the_sqlite_index_holds_exactly_the_prompts_after_edits_and_deletions(owner):
    """FTS5's own check: its trigrams are those of jobs_job's prompts now (a wrong trigger would leave stale ones)."""
    jobs = [submitted(owner, f"prompt number {n}") for n in range(5)]
    jobs[0].delete()
    Job.objects.filter(pk=jobs[1].pk).update(prompt="")
    jobs[2].prompt = "an entirely new prompt"
    jobs[2].save()

    with connection.cursor() as cursor:  # raises "database disk image is malformed" when they differ
        cursor.execute("INSERT INTO jobs_job_prompt_search(jobs_job_prompt_search) VALUES ('integrity-check')")


@pytest.mark.django_db(transaction=True)
def test_the_index_migration_indexes_the_jobs_already_there_and_can_be_undone(owner, owner_client):
    submitted(owner, "a lantern saved before the index")
    executor = MigrationExecutor(connection)
    executor.migrate([("jobs", "0010_output_deletions_and_provider_log")])
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())

    page = owner_client.get(reverse("jobs:list"), {"q": "lantern saved"}).content.decode()

    assert "a lantern saved before the index" in page
