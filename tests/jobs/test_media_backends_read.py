"""Reading media through the storage API: with the media storage in memory (Django's InMemoryStorage, configured
through STORAGES), the media and thumbnail pages, Range requests, the gallery's and a batch's ZIP, a batch's
first frames taken from the gallery and the Apinfer video that sends one all work, and nothing lands in MEDIA_ROOT.
Then serving by redirect (an object store's signed URLs) after the same access check, and the settings that choose
the storage from the environment."""

import csv
import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from jobs.batches import RowsRefused
from jobs.models import JobState
from netmind_console.workspaces.roles import Role
from netmind_console.workspaces.services import personal_workspace
from tests.accounts.test_setup import run_manage
from tests.fixtures.teams import client_in, join
from tests.jobs.batching import held_tasks, started  # noqa: F401 (fixture)
from tests.jobs.gallery_fixtures import (  # noqa: F401 (fixture)
    make_archived,
    make_job,
    make_output,
    media_files,
    png_bytes,
    static_without_collectstatic,
    wav_bytes,
)

pytestmark = pytest.mark.django_db(transaction=True)

CONTENT = wav_bytes(seconds=1)
WAN = "apinfer/wan2.2"


@pytest.fixture
def memory_storage(settings, owner):
    """The media storage in memory; afterwards MEDIA_ROOT, where the local disk storage would write, is still empty."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    settings.MEDIA_URL = "https://media.example.com/bucket/"
    yield default_storage
    assert media_files(settings.MEDIA_ROOT) == [], "something wrote media outside the storage API"


@pytest.fixture
def archived(memory_storage, tmp_path):
    """An output whose file (and a thumbnail) the media storage holds, as the archive leaves it."""

    def make(job, content=CONTENT, ext="wav", kind="audio"):
        output = make_archived(job, tmp_path / "scratch", content, ext=ext, kind=kind)  # the row, named by content
        if not memory_storage.exists(output.file):  # identical bytes are stored once
            memory_storage.save(output.file, ContentFile(content))
        output.thumbnail = memory_storage.save(f"thumbs/{output.sha256}.png", ContentFile(png_bytes()))
        output.save(update_fields=["thumbnail"])
        return output

    return make


def media_url(output):
    return reverse("jobs:media", args=[output.uuid])


def thumbnail_url(output):
    return reverse("jobs:thumbnail", args=[output.uuid])


def body(response):
    return b"".join(response.streaming_content)


def unzipped(response) -> zipfile.ZipFile:
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(body(response)))


# -- served by the console ------------------------------------------------------------------------------------


def test_a_stored_file_is_served_whole_in_one_range_or_not_modified(owner_client, owner, archived):
    audio = archived(make_job(owner))

    whole = owner_client.get(media_url(audio))
    assert whole.status_code == 200 and body(whole) == CONTENT
    assert whole["Content-Length"] == str(len(CONTENT)) and whole["Content-Type"] == "audio/wav"
    piece = owner_client.get(media_url(audio), HTTP_RANGE="bytes=100-199")
    assert piece.status_code == 206 and body(piece) == CONTENT[100:200]
    assert piece["Content-Range"] == f"bytes 100-199/{len(CONTENT)}"
    assert owner_client.get(media_url(audio), HTTP_IF_NONE_MATCH=f'"{audio.sha256}"').status_code == 304


def test_a_range_past_the_end_of_a_stored_file_is_416(owner_client, owner, archived):
    audio = archived(make_job(owner))

    response = owner_client.get(media_url(audio), HTTP_RANGE=f"bytes={len(CONTENT)}-")

    assert response.status_code == 416 and response["Content-Range"] == f"bytes */{len(CONTENT)}"


def test_the_thumbnail_comes_from_the_storage(owner_client, owner, archived):
    response = owner_client.get(thumbnail_url(archived(make_job(owner))))

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert body(response) == png_bytes()


def test_a_file_gone_from_the_storage_is_404_and_left_out_of_a_zip(owner_client, owner, archived, memory_storage):
    audio = archived(make_job(owner))
    memory_storage.delete(audio.file)
    memory_storage.delete(audio.thumbnail)

    assert owner_client.get(media_url(audio)).status_code == 404
    assert owner_client.get(thumbnail_url(audio)).status_code == 404
    zipped = owner_client.post(reverse("jobs:bulk"), {"action": "zip", "ids": [audio.uuid]}, follow=True)
    assert [str(shown) for shown in zipped.context["messages"]] == [
        "None of the selected outputs has a local copy to download yet."]  # said on the gallery, no ZIP


def test_deleting_an_output_removes_its_files_from_the_storage(owner_client, owner, archived, memory_storage):
    audio = archived(make_job(owner))

    owner_client.post(reverse("jobs:bulk"), {"action": "delete", "confirm": "yes", "ids": [audio.uuid]})

    assert not memory_storage.exists(audio.file) and not memory_storage.exists(audio.thumbnail)
    assert owner_client.get(media_url(audio)).status_code == 404


def test_the_gallery_zip_streams_the_stored_files(owner_client, owner, archived):
    image = archived(make_job(owner), png_bytes(), ext="png", kind="image")
    audio = archived(make_job(owner, model_key="hkchengrex/MMAudio"))

    bundle = unzipped(owner_client.post(reverse("jobs:bulk"), {"action": "zip", "ids": [image.uuid, audio.uuid]}))

    assert sorted(bundle.read(info) for info in bundle.infolist()) == sorted([png_bytes(), CONTENT])
    assert any(name.endswith(f"-{audio.uuid.hex[:8]}.wav") for name in bundle.namelist())


@pytest.mark.usefixtures("held_tasks")  # the jobs wait: this test gives them their files
def test_a_batch_zip_holds_the_stored_files_beside_its_manifest(owner_client, owner, archived):
    batch = started(owner, prompts="a red fox\na blue whale")
    jobs = list(batch.jobs.order_by("batch_row"))
    made = [archived(jobs[0], png_bytes(), ext="png", kind="image"),
            archived(jobs[1], png_bytes((0, 0, 255)), ext="png", kind="image")]

    bundle = unzipped(owner_client.get(reverse("jobs:batch_download", args=[batch.uuid])))

    lines = list(csv.DictReader(io.StringIO(bundle.read("manifest.csv").decode())))
    assert [line["job id"] for line in lines] == [str(job.uuid) for job in jobs]
    assert [bundle.read(line["file name"]) for line in lines] == [png_bytes(), png_bytes((0, 0, 255))]
    assert all(line["file name"].endswith(f"-{output.job.uuid.hex[:8]}-0.png") for line, output in zip(lines, made))


# -- first frames read from the storage -----------------------------------------------------------------------


def test_a_batch_row_naming_a_gallery_image_sends_the_stored_bytes_to_the_video_model(owner, archived, memory_storage,
                                                                                        console_on_sandbox):
    frame = png_bytes(size=(96, 64))
    image = archived(make_job(owner), frame, ext="png", kind="image")

    batch = started(owner, WAN, csv=f"prompt,image\nthe sea,{image.uuid}\n")

    job = batch.jobs.get()
    assert job.input_file.startswith(f"inputs/batch-{batch.uuid}/")
    with memory_storage.open(job.input_file) as stored:
        assert stored.read() == frame
    job.refresh_from_db()  # the submission, run as it was queued, read that copy to send it
    assert job.state in (JobState.QUEUED, JobState.RUNNING) and job.error_message == ""
    assert console_on_sandbox.calls()["POST /api/generate-video"] == 1


def test_a_gallery_image_gone_from_the_storage_is_refused_for_a_batch(owner, archived, memory_storage):
    image = archived(make_job(owner), png_bytes(), ext="png", kind="image")
    memory_storage.delete(image.file)

    with pytest.raises(RowsRefused) as refused:
        started(owner, WAN, csv=f"prompt,image\nthe sea,{image.uuid}\n")

    assert refused.value.refused == [
        {"row": 2, "reason": f"Row 2: image: The gallery image {image.uuid} is no longer stored here."}]


# -- the jobs command -----------------------------------------------------------------------------------------


def test_the_jobs_command_names_the_stored_file_and_no_path_when_the_storage_is_not_local(owner, archived, capsys):
    output = archived(make_job(owner))

    call_command("jobs", user=owner.username, json=True)

    listed = json.loads(capsys.readouterr().out)[0]["outputs"]
    assert listed == [{"kind": "audio", "archive_state": "archived", "file": output.file, "path": None}]


# -- served by redirect ---------------------------------------------------------------------------------------


@pytest.fixture
def by_redirect(settings, memory_storage):
    settings.MEDIA_SERVE_BY_REDIRECT = True


def test_by_redirect_a_member_is_sent_to_the_storages_url_never_cached(owner_client, owner, archived, by_redirect):
    audio = archived(make_job(owner))

    for url, name in [(media_url(audio), audio.file), (thumbnail_url(audio), audio.thumbnail)]:
        response = owner_client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"https://media.example.com/bucket/{name}"
        assert response["Cache-Control"] == "private, no-store"


def test_by_redirect_a_teammate_is_sent_and_a_stranger_still_gets_404(owner, other, admin, archived, by_redirect,
                                                                       client):
    audio = archived(make_job(owner))
    join(personal_workspace(owner), other, Role.VIEWER)
    client.force_login(admin)

    assert client_in(personal_workspace(owner), other).get(media_url(audio)).status_code == 302
    assert client.get(media_url(audio)).status_code == 404
    assert client.get(thumbnail_url(audio)).status_code == 404


def test_by_redirect_an_anonymous_visitor_is_sent_to_log_in_not_to_the_file(client, owner, archived, by_redirect):
    response = client.get(media_url(archived(make_job(owner))))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_by_redirect_a_file_not_stored_is_404_not_a_link_to_nothing(owner_client, owner, archived, memory_storage,
                                                                     by_redirect):
    audio = archived(make_job(owner))
    memory_storage.delete(audio.file)
    pending = make_output(make_job(owner))

    assert owner_client.get(media_url(audio)).status_code == 404
    assert owner_client.get(media_url(pending)).status_code == 404


# -- the storage chosen by the environment --------------------------------------------------------------------


def test_the_environment_chooses_the_storage_and_its_options():
    result = run_manage(
        "shell", "--verbosity", "0", "-c",
        "from django.core.files.storage import default_storage as s; print(s.__class__.__name__, s.url('objects/a'))",
        MEDIA_STORAGE_BACKEND="django.core.files.storage.InMemoryStorage",
        MEDIA_STORAGE_OPTIONS='{"base_url": "https://media.example.com/b/"}')

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["InMemoryStorage", "https://media.example.com/b/objects/a"]


@pytest.mark.parametrize("env, words", [
    ({"MEDIA_STORAGE_OPTIONS": '{"secret_key": "hunter2",'}, "MEDIA_STORAGE_OPTIONS is not valid JSON"),
    ({"MEDIA_STORAGE_OPTIONS": '["hunter2"]'}, "MEDIA_STORAGE_OPTIONS must be a JSON object"),
    ({"MEDIA_SERVE_BY_REDIRECT": "true"}, "MEDIA_SERVE_BY_REDIRECT needs an object store"),
])  # fmt: skip
def test_a_bad_media_storage_setting_stops_start_up_naming_it_and_never_its_value(env, words):
    result = run_manage("check", **env)

    assert result.returncode != 0 and words in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
