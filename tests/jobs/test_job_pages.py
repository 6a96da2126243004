"""What the job pages show, and to whom."""

import pytest

from jobs.models import ArchiveState, Job
from tests.fixtures.console import wait_until_final
from tests.jobs.test_lifecycle import new_job

pytestmark = pytest.mark.django_db(transaction=True)

JOB_URLS = ["/jobs/{uuid}/", "/jobs/{uuid}/status/", "/jobs/{uuid}/again/", "/jobs/{uuid}/delete/"]


@pytest.mark.parametrize("url", JOB_URLS)
def test_bob_gets_404_on_every_url_of_alices_job(client, owner, other, url, console_on_sandbox):
    job = new_job(owner)
    console_on_sandbox.reset()
    client.force_login(other)
    assert client.get(url.format(uuid=job.uuid)).status_code == 404
    assert client.post(url.format(uuid=job.uuid)).status_code in (404, 405)
    assert Job.objects.filter(pk=job.pk).exists()
    assert not console_on_sandbox.calls()


def test_anonymous_visitors_are_sent_to_login(client, owner):
    response = client.get("/jobs/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_job_list_shows_newest_first_with_filters_and_search(owner_client, owner):
    new_job(owner, prompt="first: a red barn")
    new_job(owner, key="hkchengrex/MMAudio", prompt="second: rain on a tin roof")
    page = owner_client.get("/jobs/").content.decode()
    assert page.index("second: rain") < page.index("first: a red barn")

    filtered = owner_client.get("/jobs/?model=hkchengrex/MMAudio").content.decode()
    assert "rain on a tin roof" in filtered and "red barn" not in filtered
    searched = owner_client.get("/jobs/?q=barn").content.decode()
    assert "red barn" in searched and "tin roof" not in searched


def test_the_job_list_has_an_empty_state(owner_client):
    assert "No jobs yet" in owner_client.get("/jobs/").content.decode()


def test_the_status_fragment_stops_polling_once_the_job_is_final(owner_client, owner):
    job = wait_until_final(new_job(owner))
    response = owner_client.get(f"/jobs/{job.uuid}/status/", HTTP_HX_REQUEST="true")
    assert response.status_code == 286
    assert "Succeeded" in response.content.decode() and "every 500ms" not in response.content.decode()


def test_a_finished_job_whose_file_is_still_being_copied_keeps_polling_until_it_is_here(owner_client, owner):
    """The copy runs after the final state: a page that stopped at "Succeeded" would show "Copying…" forever."""
    job = wait_until_final(new_job(owner))
    job.outputs.update(archive_state=ArchiveState.PENDING)
    copying = owner_client.get(f"/jobs/{job.uuid}/status/", HTTP_HX_REQUEST="true")
    assert copying.status_code == 200 and 'hx-trigger="every 500ms"' in copying.content.decode()
    assert "Copying the image to local storage" in copying.content.decode()

    job.outputs.update(archive_state=ArchiveState.ARCHIVED)
    arrived = owner_client.get(f"/jobs/{job.uuid}/status/", HTTP_HX_REQUEST="true")
    assert arrived.status_code == 286 and "<img" in arrived.content.decode()


def test_an_active_job_polls_and_shows_progress(owner_client, owner, monkeypatch):
    from netmind_console.core import queue

    monkeypatch.setattr(queue, "after_commit", lambda send: None)
    job = new_job(owner)
    response = owner_client.get(f"/jobs/{job.uuid}/status/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and 'hx-trigger="every 500ms"' in body and "<progress" in body


def test_deleting_a_job_removes_it_remotely_and_locally(owner_client, owner, console_on_sandbox):
    job = wait_until_final(new_job(owner))
    files = [o.file for o in job.outputs.all()]
    confirm = owner_client.get(f"/jobs/{job.uuid}/delete/").content.decode()
    assert "cannot be undone" in confirm

    response = owner_client.post(f"/jobs/{job.uuid}/delete/")

    assert response.status_code == 302 and not Job.objects.filter(pk=job.pk).exists()
    assert console_on_sandbox.calls().get("DELETE /v1/generation/{id}") == 1
    from django.conf import settings
    assert files and not any((settings.MEDIA_ROOT / f).exists() for f in files)


def test_a_finished_job_raises_one_toast(owner_client, owner):
    job = wait_until_final(new_job(owner))
    first = owner_client.get("/jobs/finished-toasts/").content.decode()
    second = owner_client.get("/jobs/finished-toasts/").content.decode()
    assert f"/jobs/{job.uuid}/" in first and "Qwen Image succeeded" in first
    assert "toast" not in second
