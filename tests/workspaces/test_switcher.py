"""The header's switcher: it names the current workspace, offers the others, and changes what lists show."""

import re

import pytest

from jobs.models import Job
from netmind_console.workspaces.services import personal_workspace

pytestmark = pytest.mark.django_db


def job_in(workspace, user, prompt):
    return Job.objects.create(workspace=workspace, owner=user, model_key="Qwen/Qwen-Image", provider="netmind",
                              adapter="generation", prompt=prompt)


def header(client) -> str:
    return re.search(r'<header class="topbar">.*?</header>', client.get("/").content.decode(), re.DOTALL).group(0)


def test_the_header_names_the_current_workspace_and_offers_the_others(studio, owner, owner_client):
    top = header(owner_client)

    assert "<summary" in top and "alice</summary>" in top  # the personal workspace first
    assert f'value="{studio.uuid}"' in top and "Studio" in top and "csrfmiddlewaretoken" in top
    assert 'action="/workspaces/switch/"' in top


def test_switching_changes_what_the_job_list_shows(studio, owner, owner_client):
    job_in(personal_workspace(owner), owner, "a personal sketch")
    job_in(studio, owner, "the studio poster")

    assert "a personal sketch" in owner_client.get("/jobs/").content.decode()
    response = owner_client.post("/workspaces/switch/", {"workspace": str(studio.uuid)})
    jobs = owner_client.get("/jobs/").content.decode()

    assert response.status_code == 302 and response["Location"] == "/"
    assert "the studio poster" in jobs and "a personal sketch" not in jobs
    assert "Studio</summary>" in header(owner_client)


def test_a_workspace_one_is_not_in_cannot_be_chosen(studio, other_client, other):
    assert other_client.post("/workspaces/switch/", {"workspace": str(studio.uuid)}).status_code == 404
    assert other_client.post("/workspaces/switch/", {"workspace": "not-a-uuid"}).status_code == 404
    assert "bob</summary>" in header(other_client)


def test_switching_needs_a_post(owner_client, studio):
    assert owner_client.get("/workspaces/switch/").status_code == 405
