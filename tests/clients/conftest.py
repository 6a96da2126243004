"""Clients against the sandbox over real HTTP, with retry waits shrunk so faults stay fast."""

import time

import pytest

from netmind_console.clients import ApinferClient, NetMindClient, RetryPolicy

# Same retry counts as production, waits of milliseconds (Retry-After is honoured but capped at 0).
FAST_RETRIES = RetryPolicy(backoff_factor=0.001, backoff_jitter=0.001, backoff_max=0.01, retry_after_max=0)
NO_RETRIES = RetryPolicy(total=0, read=0)


@pytest.fixture(params=["new", "old"])
def schema(request, sandbox):
    """Runs a test once per generation result schema the sandbox can speak."""
    sandbox.configure(schema=request.param)
    return request.param


@pytest.fixture
def netmind(sandbox):
    with NetMindClient(sandbox.url, sandbox.token, retry_policy=FAST_RETRIES) as client:
        yield client


@pytest.fixture
def apinfer(sandbox):
    with ApinferClient(sandbox.url, sandbox.token, retry_policy=FAST_RETRIES) as client:
        yield client


@pytest.fixture
def restore_credits(sandbox):
    """Credits live in the shared sandbox's store, which the `sandbox` fixture does not reset."""
    before = sandbox.credits()
    yield
    sandbox.set_credits(before)


def wait_for(fetch, done, timeout=15.0, interval=0.05):
    """Poll `fetch()` until `done(result)`; the sandbox runs at --speed 50, so this is quick."""
    deadline = time.monotonic() + timeout
    while True:
        result = fetch()
        if done(result) or time.monotonic() > deadline:
            return result
        time.sleep(interval)


def finished(item) -> bool:
    return item.state in ("succeeded", "failed", "cancelled")
