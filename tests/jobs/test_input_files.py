"""File inputs of a generation model (jobs/input_files.py): uploaded through the sandbox's Files API when the job is
sent, their download links in the config, deleted at the provider once the job is final."""

import dataclasses
import io
import struct
from datetime import timedelta

import pytest
import requests
from django import forms
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from jobs import catalogue, input_files, submission, sweeps, tasks
from jobs.models import TERMINAL_STATES, Job, JobInputFile, JobState
from netmind_console.clients import NetMindClient, errors
from netmind_console.workspaces.services import personal_workspace
from tests.fixtures.console import account_of, wait_until_final
from tests.fixtures.files_api import remote_files
from tests.jobs.gallery_fixtures import wav_bytes

pytestmark = pytest.mark.django_db(transaction=True)

WHISPER = catalogue.ModelSpec(
    key="openai/whisper", label="Whisper", provider="netmind", adapter="generation", output_kind="text",
    typical_seconds=10, description="", remote_model="openai/whisper", has_prompt=False,
    fields=(catalogue.FieldSpec("task", "Task", "choice", "transcribe", ("transcribe", "translate")),
            catalogue.FieldSpec("audio_url", "Audio clip", "file", media="audio")))


def whisper_job(user, clip: bytes, name="meeting notes.wav") -> Job:
    values = {"account": account_of(user, "netmind"), "task": "transcribe",
              "audio_url": SimpleUploadedFile(name, clip, "application/octet-stream")}
    return submission.create_job(user, personal_workspace(user), WHISPER, values)


def with_token(account, token):
    account.set_token(token)
    account.save(update_fields=["token_ciphertext", "token_last4"])


def test_a_clip_is_uploaded_sent_as_its_download_link_and_deleted_once_the_job_is_final(
        owner, console_on_sandbox, sent_configs):
    clip = wav_bytes()

    job = wait_until_final(whisper_job(owner, clip))

    assert job.state in TERMINAL_STATES
    [sent] = sent_configs
    assert sent["model"] == "openai/whisper" and sent["config"]["task"] == "transcribe"
    assert "/files/uploads/file-" in sent["config"]["audio_url"] and "X-Amz-Signature=" in sent["config"]["audio_url"]
    assert sent["served"].status_code == 200 and sent["served"].content == clip
    assert sent["served"].headers["Content-Type"] == "audio/wav"
    assert console_on_sandbox.calls()["POST /v1/files"] == 1
    # What the job keeps of the request names the file, never a link (a credential to the user's clip).
    assert job.request_body["config"] == {"task": "transcribe", "audio_url": "file:meeting_notes.wav"}
    assert "audio_url" not in job.params
    row = job.input_files.get()
    assert (row.parameter, row.file_name, row.content_type, row.size) == (
        "audio_url", "meeting_notes.wav", "audio/wav", len(clip))
    assert row.file == f"inputs/{job.uuid}/audio_url.wav"
    assert default_storage.open(row.file).read() == clip  # the job's own copy stays
    assert row.remote_file_id and row.uploaded_at and row.deleted_at >= job.finished_at and not row.delete_error
    assert remote_files(console_on_sandbox, owner) == []


def test_a_send_retried_after_a_refusal_reuses_the_upload(owner, console_on_sandbox, sent_configs, monkeypatch):
    real_create = NetMindClient.create_generation
    refusals = []

    def busy_once(client, model, config):
        if not refusals:
            refusals.append(config)
            raise errors.ProviderUnavailable("HTTP 503", status_code=503)  # answered "not processed"
        return real_create(client, model, config)

    monkeypatch.setattr(NetMindClient, "create_generation", busy_once)
    clip = wav_bytes()

    job = whisper_job(owner, clip)
    job.refresh_from_db()
    assert job.state == JobState.PENDING and job.retry_at  # waiting to send again
    uploaded = job.input_files.get()
    assert uploaded.uploaded_at
    Job.objects.filter(pk=job.pk).update(retry_at=timezone.now())
    tasks.submit_job(job.pk)
    job = wait_until_final(job)

    assert job.state in TERMINAL_STATES and job.remote_id
    calls = console_on_sandbox.calls()
    assert calls["POST /v1/files"] == 1  # one upload, whatever the sends
    assert calls["GET /v1/files/{id}/presigned_url"] == 2  # a fresh link for each send
    assert calls["POST /v1/generation"] == 1
    row = job.input_files.get()
    assert (row.remote_file_id, row.uploaded_at) == (uploaded.remote_file_id, uploaded.uploaded_at)
    assert row.deleted_at and remote_files(console_on_sandbox, owner) == []


def test_a_failed_delete_is_kept_on_the_row_and_retried_by_the_sweep(owner, console_on_sandbox):
    account = account_of(owner, "netmind")
    good_token = account.reveal_token()
    job = whisper_job(owner, wav_bytes())
    job.refresh_from_db()
    row = job.input_files.get()
    with_token(account, "not-the-sandbox-token")  # say the token was replaced with a wrong one while the job ran
    Job.objects.filter(pk=job.pk).update(state=JobState.CANCELLED, finished_at=timezone.now())
    input_files.delete_uploaded(job.pk)

    row.refresh_from_db()
    assert row.deleted_at is None and row.delete_attempts == 1
    assert "token" in row.delete_error and row.delete_retry_at > timezone.now()
    assert sweeps.input_file_deletes_due() == []  # not due yet
    assert sweeps.input_file_deletes_due(now=row.delete_retry_at) == [job.pk]

    with_token(account, good_token)
    JobInputFile.objects.filter(pk=row.pk).update(delete_retry_at=timezone.now())
    tasks.reconcile_outstanding()

    row.refresh_from_db()
    assert row.deleted_at and not row.delete_error
    assert remote_files(console_on_sandbox, owner) == []


def test_a_final_job_whose_delete_task_was_lost_is_found_by_the_sweep(owner, console_on_sandbox):
    job = whisper_job(owner, wav_bytes())
    job.refresh_from_db()
    Job.objects.filter(pk=job.pk).update(state=JobState.FAILED, finished_at=timezone.now() - timedelta(minutes=5))

    assert sweeps.input_file_deletes_due() == [job.pk]
    tasks.reconcile_outstanding()

    assert job.input_files.get().deleted_at
    assert sweeps.input_file_deletes_due() == []


def test_a_file_deleted_at_the_provider_already_counts_as_deleted(owner, console_on_sandbox):
    job = whisper_job(owner, wav_bytes())
    row = job.input_files.get()
    token = account_of(owner, "netmind").reveal_token()
    requests.delete(f"{console_on_sandbox.url}/v1/files/{row.remote_file_id}",
                    headers=console_on_sandbox.headers_for(token), timeout=10)
    Job.objects.filter(pk=job.pk).update(state=JobState.CANCELLED, finished_at=timezone.now())

    input_files.delete_uploaded(job.pk)

    row.refresh_from_db()
    assert row.deleted_at and not row.delete_error


def test_a_job_without_file_inputs_asks_no_file_calls(owner, console_on_sandbox):
    spec = catalogue.get("Qwen/Qwen-Image")
    values = {"account": account_of(owner, "netmind"), "prompt": "a lighthouse at dusk",
              **{f.name: f.default for f in spec.fields}}

    job = wait_until_final(submission.create_job(owner, personal_workspace(owner), spec, values))

    assert job.state == JobState.SUCCEEDED
    assert not any(call.startswith(("POST /v1/files", "DELETE /v1/files")) for call in console_on_sandbox.calls())


# --- what is accepted as a file input ----------------------------------------------------------------------------


def upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, "application/octet-stream")


def mp4_head(brand: bytes) -> bytes:
    return struct.pack(">I", 24) + b"ftyp" + brand + b"\x00\x00\x02\x00" + brand + b"isom" + b"\x00" * 40


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 9), (10, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("media, data, ext", [
    ("audio", wav_bytes(), "wav"),
    ("audio", b"ID3\x04\x00" + b"\x00" * 60, "mp3"),
    ("audio", b"fLaC" + b"\x00" * 60, "flac"),
    ("audio", b"OggS" + b"\x00" * 60, "ogg"),
    ("audio", mp4_head(b"M4A "), "m4a"),
    ("video", mp4_head(b"isom"), "mp4"),
    ("video", mp4_head(b"qt  "), "mp4"),  # a QuickTime movie is stored and served as MP4, as outputs are
    ("video", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * 40, "webm"),
    ("image", png(), "png"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_each_accepted_format_is_known_by_its_bytes_whatever_its_name(media, data, ext):
    checked = input_files.checked_upload(upload(data, "whatever.bin"), media)

    assert input_files.sniff(checked, media).ext == ext
    assert checked.tell() == 0


@pytest.mark.parametrize("media, data, message", [
    ("audio", b"<html><script>alert(1)</script></html>" * 3, "not an audio file of a format the console sends "
                                                             "(WAV, MP3, FLAC, OGG or M4A)"),
    ("audio", mp4_head(b"isom"), "not an audio file"),  # a video is not a clip to transcribe
    ("video", wav_bytes(), "not a video file of a format the console sends (MP4, MOV or WEBM)"),
    ("image", b"\x89PNG\r\n\x1a\n truncated", "not an image file"),
    ("audio", b"", "The file is empty."),
])
def test_a_file_that_is_not_of_its_media_is_refused_naming_what_is_accepted(media, data, message):
    with pytest.raises(forms.ValidationError) as refused:
        input_files.checked_upload(upload(data, "clip.wav"), media)

    assert message in refused.value.messages[0]


def test_a_file_above_the_size_limit_is_refused_naming_the_limit():
    too_big = upload(b"RIFF\x00\x00\x00\x00WAVE", "long.wav")
    too_big.size = input_files.MAX_BYTES["audio"] + 1

    with pytest.raises(forms.ValidationError, match="larger than 50 MB"):
        input_files.checked_upload(too_big, "audio")


def test_an_uploaded_name_is_made_safe_and_takes_the_suffix_of_its_bytes():
    assert input_files.safe_name("../../etc/pass wd.html", "wav") == "pass_wd.wav"
    assert input_files.safe_name("", "mp3") == "upload.mp3"
    assert len(input_files.safe_name("a" * 300 + ".wav", "wav")) == input_files.MAX_NAME_CHARS


def test_deleting_a_job_deletes_its_clip_at_the_provider_and_here(owner, console_on_sandbox):
    job = whisper_job(owner, wav_bytes())
    row = job.input_files.get()

    assert input_files.discard(job) == ""

    assert remote_files(console_on_sandbox, owner) == []
    assert not default_storage.exists(row.file)


def test_a_refused_second_file_leaves_neither_the_job_nor_the_first_file(owner):
    two_clips = dataclasses.replace(WHISPER, fields=(
        *WHISPER.fields, catalogue.FieldSpec("reference_url", "Reference clip", "file", media="audio")))
    values = {"account": account_of(owner, "netmind"), "task": "transcribe",
              "audio_url": SimpleUploadedFile("a.wav", wav_bytes()),
              "reference_url": SimpleUploadedFile("b.wav", b"<html>not a clip</html>")}
    stored_before = _stored_inputs()

    with pytest.raises(forms.ValidationError, match="not an audio file"):
        submission.create_job(owner, personal_workspace(owner), two_clips, values)

    assert not Job.objects.exists() and _stored_inputs() == stored_before


def _stored_inputs() -> list[str]:
    if not default_storage.exists("inputs"):
        return []
    return [f"{folder}/{name}" for folder in default_storage.listdir("inputs")[0]
            for name in default_storage.listdir(f"inputs/{folder}")[1]]
