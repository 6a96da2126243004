"""Every exception class, provoked for real: bad token, no credits, unknown id, bad body, faults."""

from collections import Counter

import pytest

from netmind_console.clients import (
    AmbiguousCreate,
    BadResponse,
    InvalidRequest,
    NetMindClient,
    NotFound,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    TokenRejected,
)

from .conftest import FAST_RETRIES, NO_RETRIES, wait_for

# The sandbox picks a fault at random among these; 80 faulted calls see each one almost surely
# (a miss has odds of about 1e-7), and the assertions compare against the sandbox's own tally.
FAULTED_CALLS = 80


def test_a_bad_token_is_rejected_with_words_for_a_person(sandbox):
    with NetMindClient(sandbox.url, "not-the-token", retry_policy=FAST_RETRIES) as client:
        with pytest.raises(TokenRejected) as caught:
            client.list_generations()

    assert caught.value.status_code == 401
    assert "Settings" in caught.value.user_message
    assert not caught.value.retryable
    assert sandbox.calls() == {"GET /v1/generation": 1}, "4xx are never retried"


def test_an_unknown_id_is_not_found(netmind):
    with pytest.raises(NotFound) as caught:
        netmind.get_generation("0" * 32)

    assert caught.value.status_code == 404


def test_a_missing_field_is_reported_per_field(netmind, sandbox):
    with pytest.raises(InvalidRequest) as caught:
        netmind.create_generation("Qwen/Qwen-Image", {"num_images": 1})

    assert caught.value.status_code == 422
    assert list(caught.value.field_messages) == ["config.prompt"]
    assert "config.prompt" in caught.value.user_message
    assert sandbox.calls() == {"POST /v1/generation": 1}


def test_an_unknown_model_is_reported_in_the_providers_words(netmind):
    with pytest.raises(InvalidRequest) as caught:
        netmind.create_generation("no-such-model", {"prompt": "x"})

    assert caught.value.status_code == 400
    assert caught.value.field_messages == {"__all__": "Model name: no-such-model not exists"}


def test_every_get_fault_maps_to_a_retryable_error(sandbox):
    sandbox.configure(fail_rate=1)
    seen = Counter()
    with NetMindClient(sandbox.url, sandbox.token, retry_policy=NO_RETRIES) as client:
        for _ in range(FAULTED_CALLS):
            with pytest.raises(ProviderError) as caught:
                client.list_flavors()
            assert caught.value.retryable
            seen[_describe(caught.value)] += 1

    faults = sandbox.stats()["faults"]
    assert seen == {
        "RateLimited(retry_after=1.0)": faults["http_429"],
        "ProviderUnavailable": faults["http_500"] + faults["http_503"] + faults["html_502"] + faults["drop"],
    }


def test_every_create_fault_is_either_not_processed_or_ambiguous(sandbox):
    sandbox.configure(fail_rate=1)
    seen = Counter()
    with NetMindClient(sandbox.url, sandbox.token, retry_policy=FAST_RETRIES) as client:
        for _ in range(FAULTED_CALLS):
            with pytest.raises(ProviderError) as caught:
                client.create_generation("Qwen/Qwen-Image", {"prompt": "x"})
            seen[_describe(caught.value)] += 1

    faults = sandbox.stats()["faults"]
    assert seen == {
        "RateLimited(retry_after=1.0)": faults["http_429"],
        "ProviderUnavailable": faults["http_503"],
        "AmbiguousCreate": faults["http_500"] + faults["html_502"] + faults["drop"],
    }
    assert sandbox.calls() == {"POST /v1/generation": FAULTED_CALLS}, "a POST that reached the provider is never re-sent"


def test_an_answer_without_the_fields_we_need_is_a_bad_response(netmind, sandbox):
    # A running endpoint echoes any JSON it is sent: pointing a client at it gives well-formed JSON
    # that is not a generation, over real HTTP.
    service = netmind.create_service(name="echo", flavor_id="69475e82e81c4dd6be3467e2ca374e0c",
                                     image_url="python:3.10-slim", port=8080)  # fmt: skip
    wait_for(lambda: netmind.get_service(service.service_id), lambda s: s.status == "available")

    with NetMindClient(service.endpoint_url, sandbox.token, retry_policy=FAST_RETRIES) as confused:
        with pytest.raises(BadResponse):
            confused.get_generation("x")
        with pytest.raises(AmbiguousCreate, match="no 'id'"):
            confused.create_generation("Qwen/Qwen-Image", {"prompt": "x"})


def _describe(error: ProviderError) -> str:
    if isinstance(error, RateLimited):
        return f"RateLimited(retry_after={error.retry_after})"
    assert type(error) in (ProviderUnavailable, AmbiguousCreate), repr(error)
    return type(error).__name__
