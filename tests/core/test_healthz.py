"""/healthz: anyone may ask whether the console is ok; only staff or a monitor holding the health token
see its parts, such as when the worker last beat, and whether this web server reads the workers' media."""

import socket

import pytest
from django_q.signals import post_spawn

from netmind_console.core import media_markers, services

pytestmark = pytest.mark.django_db
TOKEN = "health-Kq93mZx1"
PARTS = {"database", "broker", "worker", "worker_last_heartbeat", "sandbox", "media_shared", "media_not_shared_with"}


@pytest.fixture
def console_setup(db, settings):
    """No sandbox to reach, and a health token set: the answer depends only on the worker's heartbeat."""
    settings.CONSOLE_SANDBOX = False
    settings.CONSOLE_HEALTH_TOKEN = TOKEN


def test_the_public_answer_is_ok_and_nothing_more(client, console_setup):
    services.record_heartbeat()

    response = client.get("/healthz")

    assert response.status_code == 200 and response.json() == {"ok": True}


def test_the_public_answer_without_a_worker_is_503_and_says_only_not_ok(client, console_setup):
    response = client.get("/healthz")

    assert response.status_code == 503 and response.json() == {"ok": False}


def test_a_signed_in_member_who_is_not_staff_sees_only_ok(client, owner):
    client.force_login(owner)
    assert client.get("/healthz").json() == {"ok": False}


def test_staff_see_every_part_and_the_last_heartbeat(client, admin):
    services.record_heartbeat()
    client.force_login(admin)

    body = client.get("/healthz").json()

    assert set(body) == PARTS | {"ok"}
    assert body["ok"] is True and body["worker"] is True and body["worker_last_heartbeat"]


def test_the_health_token_shows_the_parts_without_signing_in(client, console_setup):
    response = client.get("/healthz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 503
    assert response.json()["worker"] is False and response.json()["worker_last_heartbeat"] is None


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, "Bearer "])
def test_a_wrong_or_malformed_token_sees_only_ok(client, console_setup, header):
    assert client.get("/healthz", HTTP_AUTHORIZATION=header).json() == {"ok": False}


def test_with_no_token_configured_no_bearer_value_shows_the_parts(client, settings, console_setup):
    settings.CONSOLE_HEALTH_TOKEN = ""
    assert client.get("/healthz", HTTP_AUTHORIZATION="Bearer ").json() == {"ok": False}


@pytest.fixture
def a_worker_marked(settings, tmp_path, fresh_marker_process):
    """A worker process started with MEDIA_ROOT on its host's disk, and left its marker there."""
    settings.MEDIA_ROOT = tmp_path / "worker-disk"
    media_markers.mark_this_worker()
    services.record_heartbeat()


def test_before_any_worker_marked_media_sharing_is_unknown_and_not_a_failure(client, console_setup):
    services.record_heartbeat()

    body = client.get("/healthz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").json()

    assert body["ok"] is True and body["media_shared"] is None and body["media_not_shared_with"] == []


def test_a_web_server_reading_the_workers_media_says_it_is_shared(client, console_setup, a_worker_marked):
    response = client.get("/healthz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200 and response.json()["media_shared"] is True


def test_a_web_server_on_another_media_root_than_the_worker_is_not_ok_and_names_the_workers_host(
        client, console_setup, a_worker_marked, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "web-disk"

    response = client.get("/healthz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 503
    assert response.json()["media_shared"] is False and response.json()["media_not_shared_with"] == [
        socket.gethostname()]
    assert client.get("/healthz").json() == {"ok": False}


def test_a_worker_is_healthy_as_soon_as_it_starts_not_at_its_first_scheduled_heartbeat(
        client, console_setup, settings, tmp_path, fresh_marker_process):
    settings.MEDIA_ROOT = tmp_path  # the worker also leaves its media marker as it starts
    post_spawn.send(sender="django_q", proc_name="Process-7d2e")  # django-q2, as it spawns a worker process

    assert client.get("/healthz").json() == {"ok": True}


def test_tasks_run_inline_are_no_worker_and_do_not_make_the_console_look_healthy(client, console_setup):
    services.on_worker_start(sender="django_q", proc_name="MainProcess")

    assert client.get("/healthz").status_code == 503
