"""What the archive refuses to download, and how: hosts, addresses, DNS, TLS, redirects, sizes, time, types."""

import socket

import pytest
import requests

from jobs.models import ArchiveState
from tests.jobs.gallery_fixtures import (  # noqa: F401 (fixtures)
    MediaServer,
    _media_server,
    console_setup,
    media_root,
    media_server,
    self_signed_pem,
    static_without_collectstatic,
)
from tests.jobs.test_archive import archive_url, assert_refused


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
