"""Media markers: a worker process leaves one in the media storage; a process that cannot read the markers of the
live workers does not share their media, and the dashboard, the job page and the worker's own log say so.

Two media roots stand for two hosts' disks: a marker written under one root and read under the other is a worker
whose files this web server cannot serve.
"""

import logging
import socket
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django_q.signals import post_spawn

from netmind_console.core import media_markers, queue
from netmind_console.core.models import HEARTBEAT_STALE_AFTER, MediaMarker
from tests.jobs.batch_helpers import text_of
from tests.jobs.gallery_fixtures import (  # noqa: F401
    console_setup,
    make_archived,
    make_job,
    media_files,
    png_bytes,
)

pytestmark = pytest.mark.django_db
HOST = socket.gethostname()
A_WORKER = "Process-4f1c"  # how django-q2 names the worker processes of a cluster
NOT_SHARED = "This file was stored by a worker whose media this web server cannot read"
MISSING = "The file is missing from the archive."


@pytest.fixture
def disks(settings, tmp_path, fresh_marker_process):
    """Two hosts' media roots; the test process starts on the first."""
    roots = {name: tmp_path / name for name in ("first", "second")}
    settings.MEDIA_ROOT = roots["first"]
    return roots


def start_worker():
    """What django-q2 does in each worker process it starts."""
    post_spawn.send(sender="django_q", proc_name=A_WORKER)


def another_worker(host, seen_at=None):
    """A worker process elsewhere that marked into the current media root."""
    marker = MediaMarker.objects.create(name=f"{host}-4242", host=host, nonce="b" * 32,
                                        seen_at=seen_at or timezone.now())
    default_storage.save(media_markers.marker_file(marker.name, marker.nonce), ContentFile(b"{}"))
    return marker


def test_a_worker_leaves_a_marker_that_a_process_on_the_same_media_root_reads(disks):
    start_worker()

    marker = MediaMarker.objects.get()
    assert marker.host == HOST and len(marker.nonce) == 32
    assert media_files(disks["first"]) == [disks["first"] / media_markers.marker_file(marker.name, marker.nonce)]
    assert media_markers.unreadable_hosts() == []


def test_a_process_on_another_media_root_cannot_read_the_workers_marker_and_names_its_host(disks, settings):
    start_worker()
    assert media_markers.unreadable_hosts() == []  # found once, under the worker's root

    settings.MEDIA_ROOT = disks["second"]

    assert media_markers.unreadable_hosts() == [HOST]


def test_a_marker_whose_file_is_gone_is_not_read(disks):
    start_worker()
    marker = MediaMarker.objects.get()

    default_storage.delete(media_markers.marker_file(marker.name, marker.nonce))

    assert media_markers.unreadable_hosts() == [HOST]


def test_with_no_live_worker_there_is_nothing_to_compare_with(disks):
    another_worker("gpu-2", seen_at=timezone.now() - HEARTBEAT_STALE_AFTER - timedelta(seconds=1))

    assert media_markers.unreadable_hosts() is None


def test_markers_go_through_the_storage_api(disks, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}

    start_worker()

    assert media_markers.unreadable_hosts() == []
    assert media_files(disks["first"]) == []


def test_tasks_run_inline_are_no_worker_and_leave_no_marker(disks, settings, monkeypatch):
    from django_q.conf import Conf

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    monkeypatch.setattr(Conf, "SYNC", True)
    monkeypatch.setattr(queue, "after_commit", lambda send: send())

    queue.enqueue("netmind_console.core.tasks.heartbeat")

    assert not MediaMarker.objects.exists() and media_files(disks["first"]) == []


def test_a_worker_that_cannot_read_the_other_workers_markers_says_so_when_it_starts(disks, settings, caplog):
    another_worker("gpu-2")
    settings.MEDIA_ROOT = disks["second"]

    with caplog.at_level(logging.WARNING, logger="netmind_console.core.media_markers"):
        start_worker()

    [warning] = caplog.records
    assert warning.levelno == logging.WARNING
    assert "Media is not shared" in warning.getMessage() and "gpu-2" in warning.getMessage()
    assert "README, Deployment" in warning.getMessage()


def test_a_worker_that_reads_the_other_workers_markers_starts_quietly(disks, caplog):
    another_worker("gpu-2")

    with caplog.at_level(logging.WARNING, logger="netmind_console.core.media_markers"):
        start_worker()

    assert caplog.records == []


def test_a_worker_forgets_the_markers_of_workers_gone_quiet_rows_and_files(disks):
    gone = another_worker("gpu-2", seen_at=timezone.now() - HEARTBEAT_STALE_AFTER - timedelta(seconds=1))

    start_worker()

    assert list(MediaMarker.objects.values_list("host", flat=True)) == [HOST]
    assert not default_storage.exists(media_markers.marker_file(gone.name, gone.nonce))


def test_a_busy_worker_refreshes_its_marker_at_most_once_a_minute(disks, django_assert_num_queries, monkeypatch):
    start_worker()
    earlier = timezone.now() - timedelta(minutes=2)
    MediaMarker.objects.update(seen_at=earlier)

    with django_assert_num_queries(0):
        media_markers.on_task(sender="django_q")
    monkeypatch.setattr(media_markers._ThisWorker, "marked_at", time.monotonic() - media_markers.REFRESH_SECONDS)
    media_markers.on_task(sender="django_q")

    assert MediaMarker.objects.get().seen_at > earlier


def test_a_worker_forgotten_while_idle_marks_again_at_its_next_task(disks, monkeypatch):
    start_worker()
    MediaMarker.objects.update(seen_at=timezone.now() - HEARTBEAT_STALE_AFTER - timedelta(seconds=1))
    media_markers.forget_stale()
    assert media_files(disks["first"]) == []

    monkeypatch.setattr(media_markers._ThisWorker, "marked_at", 0.0)
    media_markers.on_task(sender="django_q")

    assert media_markers.unreadable_hosts() == []


# --- the dashboard and the job page ----------------------------------------------------------------------------


def test_staff_see_on_the_dashboard_that_media_is_not_shared(disks, settings, client, admin):
    another_worker("gpu-2")
    settings.MEDIA_ROOT = disks["second"]
    client.force_login(admin)

    page = text_of(client.get("/"))

    assert "Media is not shared. This web server cannot read the media of the workers on gpu-2" in page


def test_the_dashboard_says_nothing_when_media_is_shared(disks, client, admin):
    another_worker("gpu-2")
    client.force_login(admin)

    assert "Media is not shared" not in text_of(client.get("/"))


def test_members_who_are_not_staff_see_no_media_warning_on_the_dashboard(disks, settings, owner_client):
    another_worker("gpu-2")
    settings.MEDIA_ROOT = disks["second"]

    assert "Media is not shared" not in text_of(owner_client.get("/"))


def test_the_job_page_says_the_file_is_on_a_host_it_cannot_read_instead_of_a_broken_player(
        disks, settings, owner, owner_client):
    job = make_job(owner, state="succeeded")
    make_archived(job, disks["first"], png_bytes())
    another_worker("gpu-2")
    settings.MEDIA_ROOT = disks["second"]

    page = text_of(owner_client.get(f"/jobs/{job.uuid}/"))

    assert NOT_SHARED in page and "workers on gpu-2" in page
    assert 'class="result-media"' not in owner_client.get(f"/jobs/{job.uuid}/").content.decode()


def test_a_file_missing_with_every_worker_readable_is_missing_from_the_archive(disks, owner, owner_client):
    job = make_job(owner, state="succeeded")
    output = make_archived(job, disks["first"], png_bytes())
    another_worker("gpu-2")
    default_storage.delete(output.file)

    page = text_of(owner_client.get(f"/jobs/{job.uuid}/"))

    assert MISSING in page and NOT_SHARED not in page


def test_a_file_the_web_server_reads_shows_its_player(disks, owner, owner_client):
    job = make_job(owner, state="succeeded")
    make_archived(job, disks["first"], png_bytes())

    page = owner_client.get(f"/jobs/{job.uuid}/").content.decode()

    assert 'class="result-media"' in page and MISSING not in page
