"""The client for URLs that came from outside: what it refuses before any request, and what it lets through."""

import time

import pytest

from netmind_console.clients import outside
from tests.clients.local_server import CannedServer


def refusal(url, **checks) -> str:
    with pytest.raises(outside.RefusedURL) as refused:
        outside.check_url(url, **checks)
    return str(refused.value)


@pytest.mark.parametrize("url, reason", [
    ("https://127.0.0.1/hook", "Refused 127.0.0.1: it is a loopback address"),
    ("https://[::1]:8443/hook", "Refused ::1: it is a loopback address"),
    ("https://10.1.2.3/hook", "Refused 10.1.2.3: it is a private address"),
    ("https://192.168.0.10/hook", "a private address"),
    ("https://169.254.169.254/latest/meta-data/", "Refused 169.254.169.254: it is a link-local address"),
    ("https://0.0.0.0/", "an unspecified address"),
    ("https://[::ffff:127.0.0.1]/", "an IPv4-mapped or tunnelled address"),
    ("https://localhost/hook", "Refused localhost: it resolves to 127.0.0.1, a loopback address."),
])
def test_a_non_public_address_is_refused_literal_or_by_dns(url, reason):
    assert reason in refusal(url)


def test_a_host_missing_from_the_allowed_list_is_refused_naming_the_list():
    assert refusal("https://files.example.com/a.png", allowed_hosts=["files.netmind.ai"],
                   allowed_name="MEDIA_ALLOWED_HOSTS") == (
        "Refused host files.example.com: it is not in MEDIA_ALLOWED_HOSTS.")


def test_an_allowed_host_on_another_port_is_refused():
    assert "not in" in refusal("https://files.netmind.ai:8443/a", allowed_hosts=["files.netmind.ai"])


def test_an_allowed_public_host_passes():
    origin = outside.check_url("https://files.netmind.ai/a.png", allowed_hosts=["files.netmind.ai"], resolve=False)
    assert (origin.scheme, origin.host, origin.port, origin.insecure_ok) == ("https", "files.netmind.ai", 443, False)


def test_a_public_address_passes_without_an_allowed_list():
    assert outside.check_url("https://93.184.216.34/hook").host == "93.184.216.34"


@pytest.mark.parametrize("url, reason", [
    ("http://93.184.216.34/hook", "Refused plain http from 93.184.216.34: only hosts in WEBHOOK_ALLOWED_HOSTS"),
    ("ftp://93.184.216.34/x", "only http(s) URLs are allowed"),
    ("https://user:pw@93.184.216.34/x", "credentials"),
    ("https:///nohost", "without a host"),
])
def test_schemes_credentials_and_plain_http_are_refused(url, reason):
    assert reason in refusal(url, insecure_name="WEBHOOK_ALLOWED_HOSTS")


def test_an_insecure_listed_host_may_be_loopback_and_plain_http():
    origin = outside.check_url("http://localhost:8001/x", insecure_hosts=["localhost:8001"])
    assert origin.insecure_ok and outside.pin(origin) in ("127.0.0.1", "::1")


def test_an_unresolvable_name_passes_the_check_and_fails_when_used():
    outside.check_url("https://no-such-host.invalid/hook")  # checked again when it is used
    with pytest.raises(outside.Unreachable, match="Could not resolve no-such-host.invalid"):
        outside.post("https://no-such-host.invalid/hook", data=b"{}", headers={})


# --- real requests -----------------------------------------------------------------------------------


def test_a_post_to_an_unlisted_loopback_receiver_never_leaves():
    with CannedServer(status=204) as server:
        with pytest.raises(outside.RefusedURL, match="plain http"):
            outside.post(f"{server.url}/hook", data=b"{}", headers={})
        with pytest.raises(outside.RefusedURL, match="loopback"):
            outside.post(server.url.replace("http://127.0.0.1", "https://localhost") + "/hook", data=b"{}", headers={})
    assert server.requests == []


def test_a_post_to_a_listed_receiver_arrives_and_is_not_redirected():
    with CannedServer(status=302, headers={"Location": "http://10.0.0.1/elsewhere"}) as server:
        host = server.url.split("//")[1]
        answer = outside.post(f"{server.url}/hook", data=b'{"a":1}', headers={"X-Test": "1"}, insecure_hosts=[host])
    assert (answer.status, answer.ok) == (302, False)
    (method, path, headers), = server.requests
    assert (method, path, headers["X-Test"]) == ("POST", "/hook", "1")


def test_a_long_answer_is_read_only_up_to_the_cap():
    with CannedServer(status=200, body=b"x" * 100_000) as server:
        answer = outside.post(server.url, data=b"", headers={}, insecure_hosts=[server.url.split("//")[1]],
                              max_answer_bytes=1000)
    assert answer.ok and len(answer.body) == 1000


def test_a_streamed_get_refuses_a_redirect_off_its_origin():
    with CannedServer(status=302, headers={"Location": "http://127.0.0.2:9/x"}) as server:
        host = server.url.split("//")[1]
        with pytest.raises(outside.RefusedURL, match="redirect to another host"):
            with outside.get_stream(server.url, deadline=time.monotonic() + 5, allowed_hosts=[host],
                                    insecure_hosts=[host]):
                pass
    assert len(server.requests) == 1


def test_a_streamed_get_from_a_listed_host_yields_the_unread_body():
    with CannedServer(status=200, body=b"hello", content_type="text/plain") as server:
        host = server.url.split("//")[1]
        with outside.get_stream(server.url, deadline=time.monotonic() + 5, allowed_hosts=[host],
                                insecure_hosts=[host]) as response:
            assert response.status_code == 200 and response.raw.read() == b"hello"
    assert server.requests[0][2]["Accept-Encoding"] == "identity"
