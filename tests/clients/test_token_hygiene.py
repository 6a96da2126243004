"""The API token never appears in a log line, an exception, a repr or a returned object."""

import logging
import socket
import traceback

import pytest
import requests

from netmind_console.clients import ApinferClient, NetMindClient, ProviderError
from tests.fixtures import sandbox as sandbox_plugin

from .conftest import FAST_RETRIES

TOKEN = "nm-tok-7f3a9c1e5b2d4f60a8e9"
WRONG_TOKEN = "nm-wrong-0b1c2d3e4f5a6b7c8d9e"


@pytest.fixture
def sandbox_with_distinctive_token(sandbox_factory, monkeypatch):
    # The plugin starts sandboxes with its module-level TOKEN as SANDBOX_TOKEN; a token no other
    # string could contain makes "it appears nowhere" a meaningful assertion.
    monkeypatch.setattr(sandbox_plugin, "TOKEN", TOKEN)
    return sandbox_factory()


def test_a_failing_call_sequence_leaks_the_token_nowhere(sandbox_with_distinctive_token, caplog, tmp_path):
    sandbox = sandbox_with_distinctive_token
    caplog.set_level(logging.DEBUG)  # root: the clients' logger, urllib3's and everyone else's
    seen = []  # everything a caller could print: results, exceptions, tracebacks, reprs

    netmind = NetMindClient(sandbox.url, TOKEN, timeout=(2, 0.3), retry_policy=FAST_RETRIES)
    apinfer = ApinferClient(sandbox.url, TOKEN, timeout=(2, 0.3), retry_policy=FAST_RETRIES)
    wrong = NetMindClient(sandbox.url, WRONG_TOKEN, retry_policy=FAST_RETRIES)
    seen += [netmind, apinfer, wrong]

    # The legacy video API echoes the caller's token inside meta_info.
    job = netmind.create_video_job({"prompt": "a time traveller"})
    seen += [job, netmind.get_video_job(job.job_id), netmind.list_video_jobs()]
    seen.append(_raised(wrong.list_generations))
    seen.append(_raised(lambda: apinfer.get_generation("nope", tmp_path)))
    sandbox.configure(fail_rate=1)
    for _ in range(10):
        seen.append(_raised(netmind.list_flavors))
        seen.append(_raised(lambda: netmind.create_generation("Qwen/Qwen-Image", {"prompt": "x"})))
    sandbox.configure(fail_rate=0, latency_ms=600)
    seen.append(_raised(lambda: netmind.create_generation("Qwen/Qwen-Image", {"prompt": "x"})))
    seen.append(_raised(lambda: _client_on_closed_port().list_flavors()))

    echoed = requests.get(f"{sandbox.url}/v1/netmind-video-job/{job.job_id}", headers=sandbox.headers, timeout=5)
    assert TOKEN in echoed.text, "the raw answer does echo the token: the client is what keeps it out"
    assert {"urllib3", "netmind_console"} <= {record.name.split(".")[0] for record in caplog.records}
    assert TOKEN not in caplog.text and WRONG_TOKEN not in caplog.text
    for item in seen:
        for text in _renderings(item):
            assert TOKEN not in text and WRONG_TOKEN not in text, text


def _raised(call) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        call()
    return caught.value


def _renderings(item) -> list[str]:
    texts = [str(item), repr(item)]
    if isinstance(item, ProviderError):
        texts += [item.user_message, "".join(traceback.format_exception(item))]
    return texts


def _client_on_closed_port() -> NetMindClient:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return NetMindClient(f"http://127.0.0.1:{port}", TOKEN, retry_policy=FAST_RETRIES)
