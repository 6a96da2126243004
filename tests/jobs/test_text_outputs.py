"""A model that answers with text (openai/whisper's transcript), end to end against the sandbox over real HTTP: the
clip goes up through the Files API, the job's output is the transcript, kept on its row and archived as a .txt file,
and every place outputs appear shows it: the job page, the gallery (its search and kind filter), the download, ZIPs,
a batch's manifest, `manage.py jobs --json` and the API."""

import csv
import hashlib
import io
import json
import zipfile
from html import escape

import pytest
import requests
from django.core.management import call_command
from django.urls import reverse

from jobs import archive, catalogue, search, submission
from jobs.batch_zip import batch_zip_response
from jobs.models import ArchiveState, Batch, BatchState, JobState, Output, OutputKind
from netmind_console.workspaces.services import personal_workspace
from tests.api.conftest import api_as
from tests.fixtures.console import account_of, wait_until_final
from tests.jobs.gallery_fixtures import make_job, make_output, minutes_ago, wav_bytes

pytestmark = pytest.mark.django_db(transaction=True)

# As the lead's document docs/catalogue/openai-whisper.json describes it, with the clip's link as a plain value: this
# test uploads the clip itself (the form's file inputs are input_files.py's, tested with it).
WHISPER = catalogue.ModelSpec(
    key="openai/whisper", label="Whisper", provider="netmind", adapter="generation", output_kind="text",
    typical_seconds=10, description="Speech to text: a transcript of an audio clip.", remote_model="openai/whisper",
    has_prompt=False,
    fields=(catalogue.FieldSpec("audio_url", "Audio clip", "text"),
            catalogue.FieldSpec("task", "Task", "choice", default="transcribe", choices=("transcribe", "translate"))),
)  # fmt: skip
CLIP = wav_bytes(seconds=0.5)


def uploaded_clip(account, name="clip.wav") -> str:
    """The clip uploaded through the sandbox's Files API with the account's own token; its download link."""
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {account.reveal_token()}"
    created = api.post(f"{account.base_url}/v1/files", json={"file_name": name, "purpose": "inference"}, timeout=10)
    created.raise_for_status()
    put = requests.put(created.json()["presigned_url"], data=CLIP, headers={"Content-Type": "audio/wav"}, timeout=10)
    put.raise_for_status()
    link = api.get(f"{account.base_url}/v1/files/{created.json()['id']}/presigned_url", timeout=10)
    return link.json()["presigned_url"]


def transcribed(user, task="transcribe", **fields):
    account = account_of(user, "netmind")
    values = {"account": account, "prompt": "", "audio_url": uploaded_clip(account), "task": task}
    job = wait_until_final(submission.create_job(user, personal_workspace(user), WHISPER, values))
    if fields:
        type(job).objects.filter(pk=job.pk).update(**fields)
        job.refresh_from_db()
    return job


@pytest.fixture
def transcript_job(owner):
    job = transcribed(owner)
    assert job.state == JobState.SUCCEEDED, job.error_message
    return job


def test_the_transcript_is_the_jobs_output_archived_as_a_txt_file(transcript_job):
    [output] = transcript_job.outputs.all()
    assert output.kind == OutputKind.TEXT and output.remote_url == ""
    assert output.text.startswith(f"Transcript of clip.wav ({len(CLIP):,} bytes): ")  # it went through the Files API
    assert output.archive_state == ArchiveState.ARCHIVED and output.file.endswith(".txt")
    assert output.content_type == "text/plain; charset=utf-8"
    stored = output.text.encode()
    assert output.size == len(stored) and output.sha256 == hashlib.sha256(stored).hexdigest()
    assert output.thumbnail == "" and output.duration_seconds is None
    assert "prompt" not in transcript_job.request_body["config"]


def test_the_job_page_shows_the_text_with_its_line_breaks_and_a_txt_download(owner_client, transcript_job):
    output = transcript_job.outputs.get()
    page = owner_client.get(reverse("jobs:detail", args=[transcript_job.uuid])).content.decode()

    assert f">{escape(output.text)}</div>" in page and "\n" in output.text  # one element, its newlines as they are
    assert 'class="result-text"' in page
    assert f'href="/jobs/media/{output.uuid}/" download>Download .txt' in page


def test_downloading_gives_the_text_as_a_named_utf8_txt_file(owner_client, other_client, transcript_job):
    output = transcript_job.outputs.get()
    response = owner_client.get(reverse("jobs:media", args=[output.uuid]))

    assert response.status_code == 200 and b"".join(response.streaming_content) == output.text.encode()
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].endswith(f'-openai-whisper-{output.uuid.hex[:8]}.txt"')
    assert other_client.get(reverse("jobs:media", args=[output.uuid])).status_code == 404


def test_the_gallery_shows_a_text_tile_and_finds_it_by_a_word_of_the_transcript(owner_client, owner, transcript_job):
    output = transcript_job.outputs.get()
    make_output(make_job(owner, prompt="a lighthouse at dusk", state="succeeded"))
    word = output.text.split()[-1].strip(".")  # the last word of its second sentence

    found = owner_client.get(reverse("jobs:gallery"), {"q": word}).content.decode()
    assert f'id="output-{output.uuid}"' in found and "a lighthouse at dusk" not in found
    assert 'class="text-snippet"' in found and escape(output.text.splitlines()[0]) in found

    by_prompt = owner_client.get(reverse("jobs:gallery"), {"q": "lighthouse at"}).content.decode()
    assert "a lighthouse at dusk" in by_prompt and f'id="output-{output.uuid}"' not in by_prompt


def test_the_gallerys_kind_filter_offers_text_and_keeps_to_it(owner_client, owner, transcript_job):
    make_output(make_job(owner, prompt="a lighthouse at dusk", state="succeeded"))
    page = owner_client.get(reverse("jobs:gallery"), {"kind": "text"}).content.decode()
    assert '<option value="text" selected>Text</option>' in page
    assert f'id="output-{transcript_job.outputs.get().uuid}"' in page and "a lighthouse at dusk" not in page


def test_the_text_search_reads_only_text_outputs_and_leaves_the_prompt_search_as_it_was(owner, transcript_job):
    make_output(make_job(owner, prompt="a lighthouse at dusk", state="succeeded"))
    outputs = Output.objects.filter(workspace=personal_workspace(owner))
    word = transcript_job.outputs.get().text.split()[-1].strip(".")
    assert list(search.outputs_containing(outputs, word)) == [transcript_job.outputs.get()]
    # No text matches: the query is the prompt search's own, nothing added to it.
    assert str(search.outputs_containing(outputs, "house at d").query) == \
        str(search.prompts_containing(outputs, "house at d", path="job__prompt").query)


def test_a_zip_of_the_selection_holds_the_txt(owner_client, transcript_job):
    output = transcript_job.outputs.get()
    response = owner_client.post(reverse("jobs:bulk"), {"action": "zip", "ids": [output.uuid]})
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    [name] = bundle.namelist()
    assert name.endswith(".txt") and bundle.read(name).decode() == output.text


def test_a_batchs_zip_holds_the_txt_and_its_manifest_the_text(owner, transcript_job):
    batch = Batch.objects.create(workspace=transcript_job.workspace, owner=owner, name="interviews",
                                 model_key=WHISPER.key, provider="netmind", state=BatchState.RUNNING, job_count=1)
    type(transcript_job).objects.filter(pk=transcript_job.pk).update(batch=batch, batch_row=1)
    response = batch_zip_response(batch)
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))

    [line] = csv.DictReader(io.StringIO(bundle.read("manifest.csv").decode()))
    text = transcript_job.outputs.get().text
    assert line["text"] == text and line["file name"].endswith(".txt")
    assert bundle.read(line["file name"]).decode() == text


def test_jobs_json_carries_the_text(owner, transcript_job):
    out = io.StringIO()
    call_command("jobs", user=owner.username, json=True, stdout=out)
    [row] = json.loads(out.getvalue())
    [output] = row["outputs"]
    assert output["kind"] == "text" and output["text"] == transcript_job.outputs.get().text
    assert output["file"].endswith(".txt")


def test_the_api_answers_the_text_with_the_output_and_its_txt_file(owner, transcript_job):
    api = api_as(owner)
    [output] = api.get(f"/jobs/{transcript_job.uuid}").json()["outputs"]
    assert output["kind"] == "text" and output["text"] == transcript_job.outputs.get().text
    assert output["content_type"] == "text/plain; charset=utf-8"
    file = api.client.get(output["file_url"], headers=api._headers(None))
    assert b"".join(file.streaming_content) == output["text"].encode()


def test_a_media_output_has_no_text_in_the_api_or_jobs_json(owner):
    job = make_job(owner, state="succeeded")
    make_output(job)
    [output] = api_as(owner).get(f"/jobs/{job.uuid}").json()["outputs"]
    assert output["text"] is None
    out = io.StringIO()
    call_command("jobs", user=owner.username, json=True, stdout=out)
    assert "text" not in json.loads(out.getvalue())[0]["outputs"][0]


def test_translate_is_sent_and_the_text_says_so(owner):
    job = transcribed(owner, task="translate")
    assert job.request_body["config"]["task"] == "translate"
    assert job.outputs.get().text.startswith(f"English translation of clip.wav ({len(CLIP):,} bytes): ")


def test_a_text_output_whose_task_was_lost_is_archived_by_the_sweep(owner):
    job = make_job(owner, prompt="", model_key=WHISPER.key, state="succeeded")
    lost = make_output(job, kind=OutputKind.TEXT, text="Bonjour à tous.\nÀ bientôt.", created_at=minutes_ago(5))

    assert archive.sweep_archives() == [lost.pk]  # tasks run inline here: the sweep's task archives it
    lost.refresh_from_db()
    assert lost.archive_state == ArchiveState.ARCHIVED and lost.size == len("Bonjour à tous.\nÀ bientôt.".encode())


def test_a_transcript_beyond_ascii_is_found_in_any_case(owner):
    job = make_job(owner, prompt="", model_key=WHISPER.key, state="succeeded")
    french = make_output(job, kind=OutputKind.TEXT, text="Une ÉCOLE au bord de la mer.")
    make_output(make_job(owner, prompt="a school by the sea", state="succeeded"))
    outputs = Output.objects.filter(workspace=personal_workspace(owner))

    assert list(search.outputs_containing(outputs, "école")) == [french]
    assert list(search.outputs_containing(outputs, "école", kind="image")) == []
