import hashlib
import socket
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from jobs import archive, thumbnails
from jobs.models import ArchiveState, Output
from tests.jobs.gallery_fixtures import (  # noqa: F401 (fixtures)
    MediaServer,
    _media_server,
    make_archived,
    make_job,
    make_output,
    media_files,
    media_root,
    media_server,
    minutes_ago,
    other,
    owner,
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


# --- what is refused ------------------------------------------------------------------------------


def test_a_redirect_to_another_host_is_refused(owner, media_server, media_root):
    output = archive_url(owner, media_server.url("/redirect-other"))

    assert_refused(output, media_root, "redirect to another host")
    assert [path for path, _ in media_server.requests] == ["/redirect-other"]


def test_endless_redirects_are_refused(owner, media_server, media_root):
    assert_refused(archive_url(owner, media_server.url("/redirect-loop")), media_root, "redirects")


def test_a_host_not_in_the_allowed_list_is_refused_without_a_request(owner, media_server, media_root, settings):
    settings.MEDIA_ALLOWED_HOSTS = ["files.netmind.ai"]

    output = archive_url(owner, media_server.url("/image.png"))

    assert_refused(output, media_root, "not in MEDIA_ALLOWED_HOSTS")
    assert output.archive_retry_at is None  # retrying cannot change the answer
    assert media_server.requests == []


def test_an_allowed_host_on_another_port_is_refused(owner, media_server, media_root):
    output = archive_url(owner, media_server.url("/image.png", host=f"127.0.0.1:{media_server.port + 1}"))

    assert_refused(output, media_root, "not in MEDIA_ALLOWED_HOSTS")


def test_plain_http_is_refused_unless_the_host_is_insecure_listed(owner, media_server, media_root, settings):
    settings.MEDIA_INSECURE_HOSTS = []

    assert_refused(archive_url(owner, media_server.url("/image.png")), media_root, "plain http")


def test_a_name_resolving_to_loopback_is_refused_when_not_insecure_listed(owner, media_server, media_root, settings):
    settings.MEDIA_ALLOWED_HOSTS = [f"localhost:{media_server.port}"]

    output = archive_url(owner, f"https://localhost:{media_server.port}/image.png")

    assert_refused(output, media_root, "loopback address")
    assert media_server.requests == []


@pytest.mark.parametrize(
    "host, reason",
    [
        ("169.254.169.254", "link-local"),
        ("[::ffff:127.0.0.1]", "IPv4-mapped"),
        ("10.1.2.3", "private"),
        ("[fe80::1]", "link-local"),
        ("0.0.0.0", "unspecified"),
    ],
)
def test_non_public_addresses_are_refused(owner, media_root, settings, host, reason):
    settings.MEDIA_ALLOWED_HOSTS = [host]
    settings.MEDIA_INSECURE_HOSTS = []

    assert_refused(archive_url(owner, f"https://{host}/latest/meta-data"), media_root, reason)


def test_a_name_with_any_private_address_among_its_answers_is_refused(owner, media_root, settings, monkeypatch):
    settings.MEDIA_ALLOWED_HOSTS = ["files.example"]
    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, 443)) for ip in ("93.184.216.34", "192.168.1.1")]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answers)

    assert_refused(archive_url(owner, "https://files.example/a.png"), media_root, "private address")


def test_a_name_resolving_to_an_ipv4_mapped_address_is_refused(owner, media_root, settings, monkeypatch):
    settings.MEDIA_ALLOWED_HOSTS = ["files.example"]
    answer = [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::ffff:10.0.0.1", 443, 0, 0))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answer)

    assert_refused(archive_url(owner, "https://files.example/a.png"), media_root, "IPv4-mapped")


def test_the_connection_goes_to_the_address_that_was_checked(owner, media_server, settings, monkeypatch):
    """DNS rebinding: a second lookup would answer differently, but there is no second lookup."""
    host = f"rebind.example:{media_server.port}"
    settings.MEDIA_ALLOWED_HOSTS = settings.MEDIA_INSECURE_HOSTS = [host]
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["127.0.0.1", "10.255.255.1"])

    def rebinding_dns(name, *args, **kwargs):
        if name == "rebind.example":
            return real_getaddrinfo(next(answers), *args, **kwargs)
        return real_getaddrinfo(name, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)

    output = archive_url(owner, f"http://{host}/image.png")

    assert output.archive_state == ArchiveState.ARCHIVED
    (_, headers), = media_server.requests
    assert headers["Host"] == host  # the name is kept in the request, only the address is pinned


@pytest.fixture
def tls_store(tmp_path, settings, media_root, monkeypatch):
    """An https object store whose certificate names files.example, reached through faked DNS."""
    pem = self_signed_pem(tmp_path, "files.example")
    server = MediaServer(tls_pem=pem)
    host = f"files.example:{server.port}"
    settings.MEDIA_ALLOWED_HOSTS = [host]
    settings.MEDIA_INSECURE_HOSTS = [host]  # only so that its loopback address is allowed
    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda name, *args, **kwargs: real_getaddrinfo(
        "127.0.0.1" if name == "files.example" else name, *args, **kwargs))  # fmt: skip
    monkeypatch.setattr(requests.adapters, "DEFAULT_CA_BUNDLE_PATH", str(pem))  # trust it, as a real CA would be
    yield server
    server.close()


def test_tls_is_verified_against_the_host_name_while_connecting_to_the_pinned_address(owner, tls_store):
    output = archive_url(owner, f"https://files.example:{tls_store.port}/image.png")

    assert output.archive_state == ArchiveState.ARCHIVED


def test_a_certificate_that_is_not_trusted_is_refused(owner, tls_store, media_root, monkeypatch):
    monkeypatch.undo()  # back to the real CA bundle and DNS
    monkeypatch.setattr(socket, "getaddrinfo", lambda name, *args, **kwargs: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", tls_store.port))])  # fmt: skip

    output = archive_url(owner, f"https://files.example:{tls_store.port}/image.png")

    assert_refused(output, media_root, "SSLError")
    assert tls_store.requests == []


def test_a_file_over_the_size_cap_is_refused_from_its_content_length(owner, media_server, media_root):
    assert_refused(archive_url(owner, media_server.url("/huge.png")), media_root, "MEDIA_MAX_BYTES")


def test_a_body_growing_past_the_size_cap_is_cut_off_and_removed(owner, media_server, media_root):
    assert_refused(archive_url(owner, media_server.url("/endless.png")), media_root, "MEDIA_MAX_BYTES")


def test_a_slow_drip_ends_at_the_time_cap_and_is_retried_later(owner, media_server, media_root):
    output = archive_url(owner, media_server.url("/slow.png"))

    assert_refused(output, media_root, "longer than 1 s")
    assert output.archive_retry_at is not None


def test_an_html_page_is_refused_for_an_image(owner, media_server, media_root):
    assert_refused(archive_url(owner, media_server.url("/page.html")), media_root, "content type 'text/html'")


def test_html_labelled_as_png_is_refused_by_its_bytes(owner, media_server, media_root):
    assert_refused(archive_url(owner, media_server.url("/html-as-png")), media_root, "first bytes")


def test_audio_bytes_are_refused_for_an_image_output(owner, media_server, media_root):
    assert_refused(archive_url(owner, media_server.url("/audio-as-image")), media_root, "not a supported image")


def test_a_non_http_link_is_refused(owner, media_root):
    assert_refused(archive_url(owner, "file:///etc/passwd"), media_root, "only http(s)")


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
    monkeypatch.setattr(archive, "async_task", lambda name, *args: calls.append((name, *args)))
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


# --- local files ------------------------------------------------------------------------------------


def test_a_local_result_file_is_moved_into_the_archive(owner, media_root, tmp_path):
    source = tmp_path / "decoded.png"
    source.write_bytes(png_bytes())
    output = make_output(make_job(owner, provider="apinfer"))

    assert archive.ingest_local_file(output.pk, source) == ArchiveState.ARCHIVED

    output.refresh_from_db()
    assert (media_root / output.file).read_bytes() == png_bytes()
    assert output.sha256 == hashlib.sha256(png_bytes()).hexdigest()
    assert not source.exists()


def test_a_local_file_of_the_wrong_kind_fails_and_is_removed(owner, media_root, tmp_path):
    source = tmp_path / "decoded.mp4"
    source.write_bytes(png_bytes())
    output = make_output(make_job(owner, provider="apinfer"), kind="video")

    assert archive.ingest_local_file(output.pk, source) == ArchiveState.FAILED

    assert_refused(archived(output), media_root, "not a supported video")
    assert not source.exists()


def test_a_local_file_over_the_cap_is_refused(owner, media_root, tmp_path, settings):
    settings.MEDIA_MAX_BYTES = 100
    source = tmp_path / "decoded.png"
    source.write_bytes(png_bytes() + b"\0" * 200)
    output = make_output(make_job(owner, provider="apinfer"))

    archive.ingest_local_file(output.pk, source)

    assert_refused(archived(output), media_root, "MEDIA_MAX_BYTES")


# --- storage and deletion ---------------------------------------------------------------------------


def test_storage_stats_count_a_shared_file_once(owner, other, media_root):
    job = make_job(owner)
    make_archived(job, media_root, png_bytes())
    make_archived(job, media_root, png_bytes())
    make_archived(job, media_root, wav_bytes(), ext="wav", kind="audio")
    make_output(job)  # pending: not in the archive yet
    make_archived(make_job(other), media_root, png_bytes((1, 2, 3)))

    stats = archive.storage_stats(owner)

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
