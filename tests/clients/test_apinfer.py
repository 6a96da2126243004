"""Apinfer against the sandbox: synchronous images, asynchronous videos, base64 decoded to disk."""

import io
from decimal import Decimal

import pytest
from PIL import Image

from netmind_console.clients import InsufficientCredits, InvalidRequest, NotFound, TokenRejected
from netmind_console.clients.apinfer import ApinferClient

from .conftest import FAST_RETRIES, finished, wait_for

pytestmark = pytest.mark.usefixtures("schema", "restore_credits")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), "teal").save(buffer, "PNG")
    return buffer.getvalue()


def test_generate_image_decodes_the_images_to_files_and_charges_once(apinfer, sandbox, tmp_path):
    credits = sandbox.credits()

    result = apinfer.generate_image({"prompt": "a sunset", "width": 512, "height": 512, "seed": 42}, tmp_path)

    [path] = result.paths
    assert path.parent == tmp_path and path.suffix == ".png"
    with Image.open(path) as image:
        assert image.format == "PNG"
    assert (result.seed, result.model, result.credit_cost) == (42, "qwen-image", Decimal("1"))
    assert sandbox.credits() == credits - 1
    assert [p.name for p in tmp_path.iterdir()] == [path.name], "no scratch files are left behind"


def test_a_video_job_is_queued_then_decoded_to_a_video_file(apinfer, tmp_path):
    job = apinfer.create_video(_png(), {"prompt": "clouds moving", "video_length": 20, "fps": 20})

    assert (job.state, job.raw_status, job.credit_cost) == ("queued", "queued", Decimal("10"))
    done = wait_for(lambda: apinfer.get_generation(job.job_id, tmp_path), finished)

    assert (done.state, done.kind, done.model) == ("succeeded", "video", "wan2.2")
    assert done.video_path.parent == tmp_path and done.video_path.suffix == ".mp4"
    assert done.video_path.stat().st_size > 0


def test_a_failed_video_job_says_why(apinfer, tmp_path):
    job = apinfer.create_video(_png(), {"prompt": "clouds [fail]", "video_length": 20, "fps": 20})

    done = wait_for(lambda: apinfer.get_generation(job.job_id, tmp_path), finished)

    assert (done.state, done.video_path) == ("failed", None)
    assert "[fail]" in done.failure_message


def test_a_failed_image_is_an_invalid_request_with_the_providers_words(apinfer, tmp_path):
    with pytest.raises(InvalidRequest) as caught:
        apinfer.generate_image({"prompt": "sunset [fail]"}, tmp_path)

    assert "[fail]" in caught.value.user_message


def test_without_credits_the_providers_message_is_kept(apinfer, sandbox, tmp_path):
    sandbox.set_credits(0)

    with pytest.raises(InsufficientCredits) as caught:
        apinfer.generate_image({"prompt": "a sunset", "width": 1024, "height": 1024}, tmp_path)

    assert caught.value.provider_message == "You need 1 credits for 1024x1024 image. You have 0 credits."
    assert caught.value.provider_message in caught.value.user_message
    assert caught.value.status_code == 402


def test_an_unknown_job_is_not_found(apinfer, tmp_path):
    with pytest.raises(NotFound):
        apinfer.get_generation("no-such-job", tmp_path)


def test_ping_accepts_the_token_on_a_404_and_rejects_a_bad_one(apinfer, sandbox):
    apinfer.ping()

    with ApinferClient(sandbox.url, "wrong", retry_policy=FAST_RETRIES) as rejected, pytest.raises(TokenRejected):
        rejected.ping()
    assert sandbox.calls() == {"GET /api/generations/{id}": 2}
