"""Generations against the sandbox, in both result schemas."""

import pytest

from netmind_console.clients import NotFound

from .conftest import finished, wait_for

pytestmark = pytest.mark.usefixtures("schema")


def test_a_generation_goes_from_queued_to_succeeded_with_typed_outputs(netmind, sandbox):
    created = netmind.create_generation("Qwen/Qwen-Image", {"prompt": "a cup of coffee", "num_images": 2})

    assert (created.state, created.raw_status, created.outputs) == ("queued", "pending", ())
    assert created.created_at.tzinfo is not None

    done = wait_for(lambda: netmind.get_generation(created.id), finished)

    assert (done.id, done.state, done.raw_status) == (created.id, "succeeded", "completed")
    assert done.outputs, "a finished generation has at least one output"
    assert all(output.url.startswith(sandbox.url) and output.kind == "image" for output in done.outputs)
    assert all(output.remote_file_id.startswith("file-") for output in done.outputs)


def test_audio_outputs_are_typed_audio(netmind):
    created = netmind.create_generation("hkchengrex/MMAudio", {"prompt": "summer wind", "duration": 2})

    done = wait_for(lambda: netmind.get_generation(created.id), finished)

    assert [output.kind for output in done.outputs] == ["audio"]


def test_a_failed_generation_says_why(netmind):
    created = netmind.create_generation("Qwen/Qwen-Image", {"prompt": "coffee [fail]"})

    done = wait_for(lambda: netmind.get_generation(created.id), finished)

    assert (done.state, done.raw_status, done.outputs) == ("failed", "failed", ())
    assert "[fail]" in done.failure_message


def test_list_shows_the_generation_and_delete_removes_it(netmind):
    created = netmind.create_generation("Qwen/Qwen-Image", {"prompt": "a teapot"})

    assert created.id in {generation.id for generation in netmind.list_generations()}

    netmind.delete_generation(created.id)

    assert created.id not in {generation.id for generation in netmind.list_generations()}
    with pytest.raises(NotFound):
        netmind.get_generation(created.id)


def test_each_call_is_one_request(netmind, sandbox):
    created = netmind.create_generation("Qwen/Qwen-Image", {"prompt": "a teapot"})
    netmind.get_generation(created.id)
    netmind.list_generations()
    netmind.delete_generation(created.id)

    assert sandbox.calls() == {
        "POST /v1/generation": 1,
        "GET /v1/generation/{id}": 1,
        "GET /v1/generation": 1,
        "DELETE /v1/generation/{id}": 1,
    }
