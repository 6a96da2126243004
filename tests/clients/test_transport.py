"""Retries, timeouts, ambiguous creates, redirects and headers, over real HTTP."""

import socket

import pytest

import netmind_console
from netmind_console.clients import (
    AmbiguousCreate,
    ApinferClient,
    BadResponse,
    NetMindClient,
    ProviderError,
    ProviderUnavailable,
    client_for,
)

from .conftest import FAST_RETRIES
from .local_server import CannedServer

SHORT_READ = (2, 0.3)  # seconds: the sandbox below answers only after 0.6 s, having done the work


def test_a_create_that_times_out_after_the_provider_got_it_is_ambiguous_and_not_resent(sandbox):
    before = {generation.id for generation in _client(sandbox).list_generations()}
    sandbox.configure(latency_ms=600)
    sandbox.reset()

    with pytest.raises(AmbiguousCreate) as caught:
        _client(sandbox, timeout=SHORT_READ).create_generation("Qwen/Qwen-Image", {"prompt": "coffee"})

    assert sandbox.calls() == {"POST /v1/generation": 1}
    sandbox.configure(latency_ms=0)
    after = {generation.id for generation in _client(sandbox).list_generations()}
    assert len(after - before) == 1, "exactly one remote job exists: the caller reconciles by listing"
    assert "check" in caught.value.user_message


def test_a_synchronous_image_that_times_out_is_ambiguous_and_charged_once(sandbox, restore_credits, tmp_path):
    credits = sandbox.credits()
    sandbox.configure(latency_ms=600)
    client = ApinferClient(sandbox.url, sandbox.token, timeout=SHORT_READ, retry_policy=FAST_RETRIES)

    with pytest.raises(AmbiguousCreate):
        client.generate_image({"prompt": "a sunset"}, tmp_path)

    assert sandbox.calls() == {"POST /api/v1/generate-image": 1}
    assert sandbox.credits() == credits - 1


def test_a_read_that_times_out_is_retried_once_then_unavailable(sandbox):
    sandbox.configure(latency_ms=600)

    with pytest.raises(ProviderUnavailable) as caught:
        _client(sandbox, timeout=SHORT_READ).list_flavors()

    assert caught.value.retryable
    assert sandbox.calls() == {"GET /v1/inference-service/flavor": 2}


@pytest.mark.parametrize("call", ["list_flavors", "scale_service", "delete_generation"])
def test_gets_puts_and_deletes_are_retried_on_faults(sandbox, call):
    sandbox.configure(fail_rate=1)
    arguments = {"list_flavors": (), "scale_service": ("svc", 2), "delete_generation": ("gen",)}[call]

    with pytest.raises(ProviderError):
        getattr(_client(sandbox), call)(*arguments)

    [(name, count)] = sandbox.calls().items()
    # Three retries at most; a dropped connection uses the single read retry, so at least two.
    assert 2 <= count <= 4, (name, count)


def test_a_create_to_a_closed_port_is_safe_to_retry_not_ambiguous():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]

    with pytest.raises(ProviderUnavailable) as caught:
        NetMindClient(f"http://127.0.0.1:{closed_port}", "t", retry_policy=FAST_RETRIES).create_generation("m", {})

    assert caught.value.retryable


def test_requests_carry_the_bearer_token_user_agent_and_never_follow_a_redirect_to_another_host():
    # Local servers: the sandbox never redirects, and cannot show which headers arrived.
    with CannedServer(body=b'{"flavor_list": []}') as elsewhere:
        with CannedServer(status=302, headers={"Location": f"{elsewhere.url}/v1/inference-service/flavor"}) as api:
            with pytest.raises(BadResponse, match="redirect"):
                NetMindClient(api.url, "tok-123", retry_policy=FAST_RETRIES).list_flavors()

    [(method, path, headers)] = api.requests
    assert (method, path) == ("GET", "/v1/inference-service/flavor")
    assert headers["Authorization"] == "Bearer tok-123"
    assert headers["User-Agent"] == f"NetMindConsole/{netmind_console.__version__}"
    assert elsewhere.requests == [], "the token never travels to another host"


@pytest.mark.parametrize(
    ("content_type", "body", "error"),
    [("text/plain", b"OK", BadResponse), ("text/html", b"<html>Maintenance</html>", ProviderUnavailable),
     ("application/json", b"[" * 100_000 + b"]" * 100_000, BadResponse)],  # nested too deep for Python's parser
    ids=["plain text", "a proxy's page", "JSON nested 100,000 deep"],
)
def test_a_200_that_is_not_json_is_bad_or_a_proxy_page(content_type, body, error):
    # A local server: every sandbox API answer is JSON.
    with CannedServer(body=body, content_type=content_type) as api:
        with pytest.raises(error):
            NetMindClient(api.url, "t", retry_policy=FAST_RETRIES).list_flavors()
        with pytest.raises(AmbiguousCreate):
            NetMindClient(api.url, "t", retry_policy=FAST_RETRIES).create_generation("m", {"prompt": "x"})


def test_client_for_picks_the_client_by_provider():
    assert isinstance(client_for("netmind", "http://x", "t"), NetMindClient)
    assert isinstance(client_for("apinfer", "http://x", "t"), ApinferClient)
    with pytest.raises(ValueError):
        client_for("other", "http://x", "t")


def _client(sandbox, timeout=None) -> NetMindClient:
    return NetMindClient(sandbox.url, sandbox.token, timeout=timeout, retry_policy=FAST_RETRIES)
