"""Submitting each catalogue model from the New job page, against the sandbox over real HTTP."""

import io
import re

import pytest
from PIL import Image

from jobs import catalogue, submission
from jobs.forms import JobForm
from jobs.models import Job, JobState
from netmind_console.workspaces.services import personal_workspace
from tests.fixtures.console import account_of, bad_token_account, wait_until_final

pytestmark = pytest.mark.django_db(transaction=True)


def form_data(user, key, prompt="a lighthouse at dusk", **overrides):
    spec = catalogue.get(key)
    data = {"model": key, "account": account_of(user, spec.provider).pk, "prompt": prompt, "seed_mode": "random"}
    data.update({f.name: f.default for f in spec.fields if f.default is not None and f.kind != "bool"})
    data.update({f.name: "on" for f in spec.fields if f.kind == "bool" and f.default})
    data.update(overrides)
    return data


def png_upload(name="frame.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), (200, 80, 40)).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def submit(client, user, key, **overrides):
    data = form_data(user, key, **overrides)
    if catalogue.get(key).needs_image:
        data.setdefault("image", png_upload())
    response = client.post("/jobs/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Job.objects.get(uuid=response["Location"].rstrip("/").split("/")[-1])


@pytest.mark.parametrize("key", list(catalogue.MODELS))
def test_each_catalogue_model_goes_from_submit_to_a_result_on_the_job_page(owner_client, owner, key):
    job = wait_until_final(submit(owner_client, owner, key))

    assert job.state == JobState.SUCCEEDED, job.error_message
    outputs = list(job.outputs.all())
    assert outputs and all(o.kind == catalogue.get(key).output_kind for o in outputs)
    assert all(o.archive_state == "archived" and o.sha256 for o in outputs)
    page = owner_client.get(f"/jobs/{job.uuid}/").content.decode()
    tag = {"image": "<img", "video": "<video", "audio": "<audio"}[catalogue.get(key).output_kind]
    assert tag in page and f"/jobs/media/{outputs[0].uuid}/" in page
    assert [e.to_state for e in job.events.all()][:3] == ["pending", "submitting", "queued"]


def test_another_generation_model_sends_the_json_config_as_given(owner_client, owner, console_on_sandbox):
    job = submit(owner_client, owner, catalogue.CUSTOM_KEY, model_id="google/nano-banana",
                 config_json='{"aspect_ratio": "1:1"}')
    assert job.request_body["config"] == {"aspect_ratio": "1:1", "prompt": "a lighthouse at dusk"}
    assert wait_until_final(job).state == JobState.SUCCEEDED


def test_invalid_json_config_is_refused_next_to_the_field_and_nothing_is_saved(owner_client, owner):
    response = owner_client.post("/jobs/new/", form_data(owner, catalogue.CUSTOM_KEY, model_id="a/b",
                                                         config_json="{not json"))
    assert response.status_code == 422
    assert "Config is not valid JSON" in response.content.decode()
    assert not Job.objects.exists()


def test_a_gif_first_frame_is_refused_for_image_to_video(owner_client, owner):
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, "GIF")
    gif.seek(0)
    gif.name = "frame.gif"
    response = owner_client.post("/jobs/new/", {**form_data(owner, "apinfer/wan2.2"), "image": gif})
    assert response.status_code == 422
    assert "must be PNG or JPEG, not GIF" in response.content.decode()
    assert not Job.objects.exists()


def test_posting_the_same_form_twice_makes_one_job_and_one_remote_create(owner_client, owner, console_on_sandbox):
    data = form_data(owner, "Qwen/Qwen-Image", submission_key="abc123")
    first = owner_client.post("/jobs/new/", data)
    second = owner_client.post("/jobs/new/", data)
    assert first["Location"] == second["Location"]
    assert Job.objects.count() == 1
    assert console_on_sandbox.calls().get("POST /v1/generation") == 1


def test_a_repeated_submission_key_returns_the_first_job_and_says_it_is_not_new(owner, console_on_sandbox):
    """The rule lives in the submission module, so the page, the command and an API share it."""
    spec = catalogue.get("Qwen/Qwen-Image")
    workspace = personal_workspace(owner)
    form = JobForm(form_data(owner, spec.key), spec=spec, workspace=workspace)
    assert form.is_valid(), form.errors
    first, first_is_new = submission.create_job_once(owner, workspace, spec, form.cleaned_data, "key-1")
    again, again_is_new = submission.create_job_once(owner, workspace, spec, form.cleaned_data, "key-1")
    other, _ = submission.create_job_once(owner, workspace, spec, form.cleaned_data, "key-2")
    assert (first_is_new, again_is_new) == (True, False)
    assert again.pk == first.pk != other.pk
    assert Job.objects.count() == 2


def test_a_fixed_seed_is_sent_and_shown_and_run_again_keeps_it(owner_client, owner):
    job = wait_until_final(submit(owner_client, owner, "haiper/text2image", seed_mode="fixed", seed="4242"))
    assert job.request_body["config"]["settings"]["seed"] == 4242
    assert "4242" in owner_client.get(f"/jobs/{job.uuid}/").content.decode()
    again = owner_client.get(f"/jobs/{job.uuid}/again/?seed=same", follow=True).content.decode()
    assert 'value="4242"' in again
    assert re.search(r'value="fixed"[^>]*checked', again)


def test_haiper_video_is_private_unless_the_user_ticks_public(owner_client, owner):
    job = submit(owner_client, owner, "haiper/text2video")
    assert job.request_body["config"]["is_public"] is False


def test_the_failure_marker_shows_the_providers_message_on_the_job(owner_client, owner):
    job = wait_until_final(submit(owner_client, owner, "Qwen/Qwen-Image", prompt="a cat [fail]"))
    assert job.state == JobState.FAILED
    page = owner_client.get(f"/jobs/{job.uuid}/").content.decode()
    assert job.error_message and job.error_message in page


def test_a_rejected_token_says_so_and_points_to_settings(owner_client, owner, console_on_sandbox):
    account = bad_token_account(owner, "netmind", console_on_sandbox)
    job = wait_until_final(submit(owner_client, owner, "Qwen/Qwen-Image", account=account.pk))
    assert job.state == JobState.FAILED
    assert job.error_message == "NetMind rejected the token — update it in Settings."
    assert 'href="/settings/"' in owner_client.get(f"/jobs/{job.uuid}/").content.decode()


def test_running_out_of_apinfer_credits_shows_the_providers_credits_message(owner_client, owner, console_on_sandbox):
    console_on_sandbox.set_credits(0)
    job = wait_until_final(submit(owner_client, owner, "apinfer/qwen-image"))
    assert job.state == JobState.FAILED
    assert "credits" in job.error_message and "You have 0 credits" in job.error_message
