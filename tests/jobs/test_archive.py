import hashlib
import socket
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from jobs import archive, thumbnails
from jobs.models import ArchiveState, Output
from netmind_console.core import queue
from netmind_console.workspaces.services import personal_workspace
from tests.jobs.gallery_fixtures import (  # noqa: F401 (fixtures)
    MediaServer,
    _media_server,
    console_setup,
    make_archived,
    make_job,
    make_output,
    media_files,
    media_root,
    media_server,
    minutes_ago,
    png_bytes,
    self_signed_pem,
    static_without_collectstatic,
    wav_bytes,
)


def archived(output):
    output.refresh_from_db()
    return output


def archive_url(owner, url, kind="image", job_prompt="a red fox in the snow", **fields):
    output = make_output(make_job(owner, prompt=job_prompt), kind=kind, remote_url=url, **fields)
    archive.archive_output(output.pk)
    return archived(output)


def assert_refused(output, media_root, reason_part):
    assert output.archive_state == ArchiveState.FAILED
    assert reason_part in output.archive_error
    assert output.file == ""
    assert media_files(media_root) == []


# --- what gets archived ---------------------------------------------------------------------------


def test_an_image_is_copied_with_its_checksum_size_type_and_thumbnail(owner, media_server, media_root):
    output = archive_url(owner, media_server.url("/image.png"))

    assert output.archive_state == ArchiveState.ARCHIVED
    content = (media_root / output.file).read_bytes()
    assert content == png_bytes()
    assert output.sha256 == hashlib.sha256(content).hexdigest()
    assert output.file == f"objects/{output.sha256[:2]}/{output.sha256[2:4]}/{output.sha256}.png"
    assert (output.size, output.content_type) == (len(content), "image/png")
    assert (output.width, output.height) == (64, 48)
    assert output.archived_at is not None
    with Image.open(media_root / output.thumbnail) as thumb:
        assert thumb.format == "WEBP"


def test_the_download_sends_no_credentials(owner, media_server):
    archive_url(owner, media_server.url("/image.png"))

    (path, headers), = media_server.requests
    assert "Authorization" not in headers and "Cookie" not in headers
    assert headers["Accept-Encoding"] == "identity"


def test_identical_content_is_stored_once_and_shared(owner, media_server, media_root):
    first = archive_url(owner, media_server.url("/image.png"))
    second = archive_url(owner, media_server.url("/same-image.png"))

    assert second.archive_state == ArchiveState.ARCHIVED
    assert (second.file, second.thumbnail) == (first.file, first.thumbnail)
    assert len(media_files(media_root)) == 2  # one file, one thumbnail


def test_an_octet_stream_label_is_accepted_when_the_bytes_are_an_image(owner, media_server):
    output = archive_url(owner, media_server.url("/octet-stream.png"))

    assert output.archive_state == ArchiveState.ARCHIVED
    assert output.content_type == "image/png"


def test_a_video_gets_a_poster_frame_duration_and_size(owner, media_server, media_root):
    output = archive_url(owner, media_server.url("/clip.mp4"), kind="video")

    assert output.archive_state == ArchiveState.ARCHIVED
    assert output.content_type == "video/mp4"
    assert output.duration_seconds == pytest.approx(2.0, abs=0.2)
    assert (output.width, output.height) == (160, 90)
    with Image.open(media_root / output.thumbnail) as poster:
        assert poster.size == (160, 90)


def test_a_wav_gets_a_waveform_and_its_duration(owner, media_server, media_root):
    output = archive_url(owner, media_server.url("/sound.wav"), kind="audio")

    assert output.archive_state == ArchiveState.ARCHIVED
    assert output.duration_seconds == pytest.approx(0.5)
    with Image.open(media_root / output.thumbnail) as waveform:
        assert waveform.format == "PNG" and waveform.size == thumbnails.WAVEFORM_SIZE
        assert waveform.getbbox() is not None  # something was drawn


def test_an_ogg_is_decoded_by_ffmpeg_for_its_waveform(owner, media_server, media_root):
    output = archive_url(owner, media_server.url("/sound.ogg"), kind="audio")

    assert (output.archive_state, output.content_type) == (ArchiveState.ARCHIVED, "audio/ogg")
    assert output.duration_seconds == pytest.approx(1.5, abs=0.1)
    assert (media_root / output.thumbnail).is_file()


def test_a_broken_thumbnail_does_not_fail_the_archive(owner, media_server):
    output = archive_url(owner, media_server.url("/broken.png"))

    assert output.archive_state == ArchiveState.ARCHIVED
    assert output.thumbnail == ""


def test_a_same_host_redirect_is_followed(owner, media_server):
    output = archive_url(owner, media_server.url("/redirect-same"))

    assert output.archive_state == ArchiveState.ARCHIVED
    assert [path for path, _ in media_server.requests] == ["/redirect-same", "/image.png"]


def test_archiving_twice_downloads_once(owner, media_server):
    output = archive_url(owner, media_server.url("/image.png"))
    archive.archive_output(output.pk)

    assert len(media_server.requests) == 1


# --- failure states ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path, status", [("/expired.png", 403), ("/gone.png", 410), ("/missing.png", 404)])
def test_a_dead_link_ends_as_expired_and_is_not_retried(owner, media_server, media_root, path, status):
    output = archive_url(owner, media_server.url(path))

    assert output.archive_state == ArchiveState.EXPIRED
    assert f"HTTP {status}" in output.archive_error
    assert (output.archive_attempts, output.archive_retry_at) == (1, None)
    assert media_files(media_root) == []


def test_a_server_error_is_retried_with_exponential_backoff(owner, media_server):
    output = make_output(make_job(owner), remote_url=media_server.url("/unavailable.png"))
    delays = []
    for _ in range(archive.MAX_ATTEMPTS):
        before = timezone.now()
        archive.archive_output(output.pk)
        output.refresh_from_db()
        delays.append(output.archive_retry_at and round((output.archive_retry_at - before).total_seconds() / 60))

    assert output.archive_state == ArchiveState.FAILED
    assert "HTTP 503" in output.archive_error
    assert output.archive_attempts == archive.MAX_ATTEMPTS
    assert delays == [1, 2, 4, 8, 16, None]  # minutes; the last attempt gives up


def test_a_client_error_fails_without_retry(owner, media_server):
    output = archive_url(owner, media_server.url("/bad-request.png"))

    assert (output.archive_state, output.archive_retry_at) == (ArchiveState.FAILED, None)
    assert "HTTP 400" in output.archive_error


def test_an_unreachable_server_fails_for_a_retry(owner, media_server, settings, media_root):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.MEDIA_ALLOWED_HOSTS = settings.MEDIA_INSECURE_HOSTS = [f"127.0.0.1:{closed_port}"]

    output = archive_url(owner, f"http://127.0.0.1:{closed_port}/image.png")

    assert_refused(output, media_root, "Download failed")
    assert output.archive_retry_at is not None


def test_a_deleted_output_is_skipped(db):
    assert archive.archive_output(123456) is None


def test_an_output_deleted_during_its_download_leaves_no_file(owner, media_server, media_root, monkeypatch):
    output = make_output(make_job(owner), remote_url=media_server.url("/image.png"))
    download = archive._download

    def download_then_lose_the_row(*args):
        result = download(*args)
        Output.objects.filter(pk=output.pk).delete()
        return result

    monkeypatch.setattr(archive, "_download", download_then_lose_the_row)

    assert archive.archive_output(output.pk) is None
    assert media_files(media_root) == []


# --- sweeping ---------------------------------------------------------------------------------------


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr(queue, "async_task", lambda name, *args, **options: calls.append((name, *args)))
    return calls


def test_the_sweep_enqueues_lost_pending_and_due_failed_outputs_once(owner, enqueued):
    job = make_job(owner)
    lost = make_output(job, remote_url="https://x/1", created_at=minutes_ago(10))
    make_output(job, remote_url="https://x/2", created_at=timezone.now())  # its task is probably still queued
    due = make_output(job, remote_url="https://x/3", archive_state=ArchiveState.FAILED, archive_retry_at=minutes_ago(1))
    make_output(job, remote_url="https://x/4", archive_state=ArchiveState.FAILED, archive_retry_at=timezone.now() + timedelta(minutes=5))
    make_output(job, remote_url="https://x/5", archive_state=ArchiveState.FAILED, archive_retry_at=None)
    make_output(job, remote_url="https://x/6", archive_state=ArchiveState.EXPIRED)
    make_output(job, remote_url="", created_at=minutes_ago(10))  # an inline result: nothing to download

    assert sorted(archive.sweep_archives()) == sorted([lost.pk, due.pk])
    assert sorted(enqueued) == sorted([("jobs.tasks.archive_output", lost.pk), ("jobs.tasks.archive_output", due.pk)])
    assert archive.sweep_archives() == []  # leased: not enqueued twice while the task runs


def test_the_sweep_retries_a_leased_output_whose_task_was_lost(owner, enqueued):
    lost = make_output(make_job(owner), remote_url="https://x/1", created_at=minutes_ago(60))
    archive.sweep_archives()

    assert archive.sweep_archives(now=timezone.now() + archive.SWEEP_LEASE + timedelta(seconds=1)) == [lost.pk]


# --- results already in the storage (Apinfer's, staged under incoming/ by lifecycle.py) -------------------


def incoming(content: bytes, suffix=".png") -> str:
    return default_storage.save(f"incoming/decoded{suffix}", ContentFile(content))


def test_an_incoming_result_is_moved_into_the_archive(owner, media_root):
    name = incoming(png_bytes())
    output = make_output(make_job(owner, provider="apinfer"))

    assert archive.ingest_incoming(output.pk, name) == ArchiveState.ARCHIVED

    output.refresh_from_db()
    assert (media_root / output.file).read_bytes() == png_bytes()
    assert output.sha256 == hashlib.sha256(png_bytes()).hexdigest()
    assert not (media_root / name).exists()


def test_an_incoming_file_of_the_wrong_kind_fails_and_is_removed(owner, media_root):
    name = incoming(png_bytes(), suffix=".mp4")
    output = make_output(make_job(owner, provider="apinfer"), kind="video")

    assert archive.ingest_incoming(output.pk, name) == ArchiveState.FAILED

    assert_refused(archived(output), media_root, "not a supported video")


def test_an_incoming_file_over_the_cap_is_refused(owner, media_root, settings):
    settings.MEDIA_MAX_BYTES = 100
    name = incoming(png_bytes() + b"\0" * 200)
    output = make_output(make_job(owner, provider="apinfer"))

    archive.ingest_incoming(output.pk, name)

    assert_refused(archived(output), media_root, "MEDIA_MAX_BYTES")


def test_an_ingest_task_queued_before_the_upgrade_with_a_path_under_media_root_still_archives(owner, media_root):
    name = incoming(png_bytes())
    output = make_output(make_job(owner, provider="apinfer"))

    assert archive.ingest_incoming(output.pk, str(media_root / name)) == ArchiveState.ARCHIVED
    assert not (media_root / name).exists()


def test_an_incoming_file_that_is_gone_fails_with_a_reason(owner, media_root):
    output = make_output(make_job(owner, provider="apinfer"))

    assert archive.ingest_incoming(output.pk, "incoming/never-staged.png") == ArchiveState.FAILED

    assert_refused(archived(output), media_root, "Could not store the result file")


# --- storage and deletion ---------------------------------------------------------------------------


def test_storage_stats_count_a_shared_file_once_and_only_the_workspaces_files(owner, other, media_root):
    job = make_job(owner)
    make_archived(job, media_root, png_bytes())
    make_archived(job, media_root, png_bytes())
    make_archived(job, media_root, wav_bytes(), ext="wav", kind="audio")
    make_output(job)  # pending: not in the archive yet
    make_archived(make_job(other), media_root, png_bytes((1, 2, 3)))

    stats = archive.storage_stats(personal_workspace(owner))

    assert stats == {
        "files": 2,
        "bytes": len(png_bytes()) + len(wav_bytes()),
        "per_kind": [
            {"kind": "audio", "files": 1, "bytes": len(wav_bytes())},
            {"kind": "image", "files": 1, "bytes": len(png_bytes())},
        ],
    }


def test_deleting_keeps_a_file_another_output_still_uses(owner, other, media_root):
    mine = make_archived(make_job(owner), media_root, png_bytes(), thumbnail="thumbs/shared.webp")
    theirs = make_archived(make_job(other), media_root, png_bytes(), thumbnail="thumbs/shared.webp")
    alone = make_archived(make_job(owner), media_root, wav_bytes(), ext="wav", kind="audio")

    assert archive.delete_output_files([mine, alone]) == 1

    assert (media_root / theirs.file).is_file()
    assert not (media_root / alone.file).exists()


def test_deleting_after_the_rows_are_gone_removes_the_files(owner, media_root):
    output = make_archived(make_job(owner), media_root, png_bytes())
    outputs = list(Output.objects.filter(pk=output.pk))
    Output.objects.filter(pk=output.pk).delete()

    assert archive.delete_output_files(outputs) == 1
    assert media_files(media_root) == []


def test_a_path_outside_media_root_is_never_deleted(owner, media_root, tmp_path):
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    output = make_output(make_job(owner), file="../precious.txt")

    assert archive.delete_output_files([output]) == 0
    assert outside.exists()


# --- against the sandbox's pre-signed links ---------------------------------------------------------


def sandbox_result_url(sandbox, prompt) -> str:
    """Run one image generation on the sandbox and return its pre-signed result link."""
    created = requests.post(
        f"{sandbox.url}/v1/generation", json={"model": "Qwen/Qwen-Image", "config": {"prompt": prompt}},
        headers=sandbox.headers, timeout=10,
    ).json()  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        generation = requests.get(f"{sandbox.url}/v1/generation/{created['id']}", headers=sandbox.headers, timeout=10).json()
        if generation["status"] == "completed":
            return generation["result"]["data"][0]["url"]
        time.sleep(0.05)
    raise AssertionError(f"the sandbox generation did not complete: {generation}")


@pytest.fixture
def short_lived_links(sandbox, settings, media_root):
    """The sandbox's object store, with links that expire 1-2 s after they are handed out (whole seconds)."""
    sandbox.configure(url_ttl=2)
    settings.MEDIA_ALLOWED_HOSTS = settings.MEDIA_INSECURE_HOSTS = [urlsplit(sandbox.url).netloc]
    return sandbox


def test_a_result_archived_before_its_link_expires_stays_viewable_after(owner, short_lived_links, media_root, client):
    url = sandbox_result_url(short_lived_links, "a lighthouse at dusk")
    output = archive_url(owner, url)
    wait_until_expired(url)

    assert output.archive_state == ArchiveState.ARCHIVED
    assert (output.content_type, (media_root / output.thumbnail).is_file()) == ("image/png", True)
    client.force_login(owner)
    response = client.get(reverse("jobs:media", args=[output.uuid]))
    assert b"".join(response.streaming_content) == (media_root / output.file).read_bytes()


def test_a_link_that_expired_first_ends_as_expired_with_the_job_still_shown(owner, short_lived_links, media_root, client):
    url = sandbox_result_url(short_lived_links, "a harbour in the fog")
    wait_until_expired(url)

    output = archive_url(owner, url, job_prompt="a harbour in the fog")

    assert output.archive_state == ArchiveState.EXPIRED
    assert "HTTP 403" in output.archive_error
    assert media_files(media_root) == []
    client.force_login(owner)
    html = client.get(reverse("jobs:gallery")).content.decode()
    assert f'id="output-{output.uuid}"' in html and "a harbour in the fog" in html
    assert "Expired: the provider's link died" in html


def wait_until_expired(url, seconds=5):
    deadline = time.monotonic() + seconds
    while requests.get(url, timeout=5).status_code != 403:
        assert time.monotonic() < deadline, "the sandbox link never expired"
        time.sleep(0.1)
