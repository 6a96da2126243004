"""Every write path of the media through the storage API, against a second backend configured by STORAGES
(Django's InMemoryStorage): the archive with its thumbnails and facts, Apinfer's inline results, uploaded first
frames and deletion all work, and nothing is written under MEDIA_ROOT."""

import hashlib
import io
import shutil
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage
from PIL import Image

from jobs import archive, batches, history, lifecycle, provider_calls, storage, submission, tasks
from jobs.adapters import RemoteSnapshot, SnapshotOutput
from jobs.media_formats import sniff
from jobs.models import ArchiveState, Batch, Job, JobState, Output
from netmind_console.core import queue
from tests.jobs.gallery_fixtures import (  # noqa: F401 (fixtures)
    _media_server,
    console_setup,
    make_job,
    make_output,
    media_files,
    media_root,
    media_server,
    png_bytes,
    static_without_collectstatic,
    wav_bytes,
)


@pytest.fixture
def in_memory(settings, media_root, tmp_path):
    """Media in Django's in-memory storage; this host's staging under its own VAR_DIR."""
    settings.VAR_DIR = tmp_path / "var"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    return default_storage


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr(queue, "async_task", lambda name, *args, **options: calls.append((name, *args)))
    return calls


def archive_url(owner, url, kind):
    output = make_output(make_job(owner), kind=kind, remote_url=url)
    archive.archive_output(output.pk)
    output.refresh_from_db()
    return output


def stored_image(name) -> Image.Image:
    with default_storage.open(name, "rb") as stored:
        return Image.open(io.BytesIO(stored.read()))


def nothing_left_on_this_host(media_root, settings) -> bool:
    """No file under MEDIA_ROOT, and nothing left in the staging dir: every byte went to the storage."""
    return media_files(media_root) == [] and media_files(settings.VAR_DIR) == []


# --- the archive and its thumbnails -----------------------------------------------------------------


def test_an_image_is_archived_with_its_thumbnail_into_the_configured_storage(owner, in_memory, media_server,
                                                                              media_root, settings):
    output = archive_url(owner, media_server.url("/image.png"), "image")

    assert output.archive_state == ArchiveState.ARCHIVED
    with in_memory.open(output.file, "rb") as stored:
        assert stored.read() == png_bytes()
    assert output.file == f"objects/{output.sha256[:2]}/{output.sha256[2:4]}/{output.sha256}.png"
    assert (output.width, output.height, stored_image(output.thumbnail).format) == (64, 48, "WEBP")
    assert nothing_left_on_this_host(media_root, settings)


def test_a_video_gets_its_poster_duration_and_size_from_the_configured_storage(owner, in_memory, media_server,
                                                                                media_root, settings):
    output = archive_url(owner, media_server.url("/clip.mp4"), "video")

    assert output.archive_state == ArchiveState.ARCHIVED
    assert output.duration_seconds == pytest.approx(2.0, abs=0.2)
    assert (output.width, output.height) == (160, 90)
    assert stored_image(output.thumbnail).size == (160, 90)
    assert nothing_left_on_this_host(media_root, settings)  # ffmpeg's local copy is gone too


def test_an_audio_file_gets_its_waveform_and_duration_from_the_configured_storage(owner, in_memory, media_server,
                                                                                   media_root, settings):
    output = archive_url(owner, media_server.url("/sound.ogg"), "audio")

    assert output.archive_state == ArchiveState.ARCHIVED
    assert output.duration_seconds == pytest.approx(1.5, abs=0.1)
    assert stored_image(output.thumbnail).format == "PNG"
    assert nothing_left_on_this_host(media_root, settings)


def test_identical_bytes_are_stored_once_with_one_thumbnail(owner, in_memory, media_server):
    first = archive_url(owner, media_server.url("/image.png"), "image")
    second = archive_url(owner, media_server.url("/same-image.png"), "image")

    assert (second.file, second.thumbnail) == (first.file, first.thumbnail)
    directory, file_name = first.file.rsplit("/", 1)
    assert in_memory.listdir(directory)[1] == [file_name]


def test_a_refused_download_leaves_nothing_in_the_storage_or_on_this_host(owner, in_memory, media_server,
                                                                          media_root, settings):
    output = archive_url(owner, media_server.url("/huge.png"), "image")

    assert output.archive_state == ArchiveState.FAILED and "MEDIA_MAX_BYTES" in output.archive_error
    assert not in_memory.exists("objects")
    assert nothing_left_on_this_host(media_root, settings)


def test_a_local_storage_stages_inside_its_own_root_and_moves_the_bytes_into_place_with_a_rename(media_root):
    with storage.TempFile() as temp:
        temp.write(png_bytes())
        staged = Path(temp._file.name)
        staged_inode = staged.stat().st_ino
        name = temp.place(sniff("image", png_bytes()))

    assert staged.parent == media_root / storage.STAGING_NAME and not staged.exists()
    assert (media_root / name).stat().st_ino == staged_inode  # renamed, not copied: never half a file


# --- Apinfer's inline results ------------------------------------------------------------------------


def finished_with_inline_image(owner, content: bytes) -> Job:
    """An Apinfer job whose result the client decoded onto this host's disk, as adapters hand it over."""
    job = make_job(owner, provider="apinfer", state=JobState.RUNNING)
    decoded = provider_calls.incoming_dir() / "qwen-image-1.png"
    decoded.write_bytes(content)
    snapshot = RemoteSnapshot(remote_id="", state=JobState.SUCCEEDED, raw_status="success",
                              outputs=(SnapshotOutput(kind="image", local_path=decoded),))
    lifecycle.apply_snapshot(job, snapshot)
    return job


def test_an_inline_result_is_staged_into_the_storage_and_its_task_gets_only_the_storage_name(
        owner, in_memory, enqueued, media_root, settings):
    job = finished_with_inline_image(owner, png_bytes())

    (task, output_id, name), = enqueued
    assert (task, output_id) == ("jobs.tasks.ingest_output", job.outputs.get().pk)
    assert name.startswith("incoming/") and name.endswith(".png")
    with in_memory.open(name, "rb") as staged:
        assert staged.read() == png_bytes()
    assert nothing_left_on_this_host(media_root, settings)  # the decoded file left this host's disk


def test_the_ingest_task_runs_on_a_host_that_never_saw_the_staging_dir(owner, in_memory, enqueued, settings,
                                                                       tmp_path, media_root):
    finished_with_inline_image(owner, png_bytes())
    (_, output_id, name), = enqueued
    shutil.rmtree(settings.VAR_DIR)
    settings.VAR_DIR = tmp_path / "another-host"

    tasks.ingest_output(output_id, name)

    output = Output.objects.get(pk=output_id)
    assert output.archive_state == ArchiveState.ARCHIVED
    assert output.sha256 == hashlib.sha256(png_bytes()).hexdigest()
    with in_memory.open(output.file, "rb") as stored:
        assert stored.read() == png_bytes()
    assert in_memory.exists(output.thumbnail) and not in_memory.exists(name)
    assert nothing_left_on_this_host(media_root, settings)


def test_an_inline_result_of_the_wrong_kind_fails_and_its_incoming_copy_is_removed(owner, in_memory, enqueued):
    job = finished_with_inline_image(owner, wav_bytes())
    (_, output_id, name), = enqueued

    tasks.ingest_output(output_id, name)

    output = job.outputs.get()
    assert output.archive_state == ArchiveState.FAILED and "not a supported image" in output.archive_error
    assert not in_memory.exists(name) and not in_memory.exists("objects")


def test_a_result_the_storage_refuses_fails_its_output_with_a_reason(owner, in_memory, enqueued, monkeypatch):
    def refuse(storage, name, content, max_length=None):
        raise OSError("the bucket is read-only")

    monkeypatch.setattr(InMemoryStorage, "save", refuse)
    job = finished_with_inline_image(owner, png_bytes())

    job.refresh_from_db()
    output = job.outputs.get()
    assert job.state == JobState.SUCCEEDED and enqueued == []
    assert (output.archive_state, output.archive_error) == (ArchiveState.FAILED, lifecycle.NOT_STAGED)


def test_a_result_reported_again_by_a_second_sync_is_not_kept_twice(owner, in_memory, enqueued):
    job = finished_with_inline_image(owner, png_bytes())
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING)  # a second worker synced it meanwhile
    job.refresh_from_db()
    decoded = provider_calls.incoming_dir() / "again.png"
    decoded.write_bytes(png_bytes())

    lifecycle.apply_snapshot(job, RemoteSnapshot(remote_id="", state=JobState.SUCCEEDED, raw_status="success",
                                                 outputs=(SnapshotOutput(kind="image", local_path=decoded),)))

    assert len(enqueued) == 1 and in_memory.listdir("incoming")[1] == [enqueued[0][2].split("/")[1]]
    assert not decoded.exists()


# --- uploads and deletion -----------------------------------------------------------------------------


def png_upload() -> ContentFile:
    return ContentFile(png_bytes(), name="frame.png")


def test_a_first_frame_is_stored_under_its_type_in_the_configured_storage(in_memory, media_root, settings):
    name = submission.store_input("inputs/some-job", ContentFile(png_bytes(), name="frame.html"))

    assert name == "inputs/some-job.png"
    with in_memory.open(name, "rb") as stored:
        assert stored.read() == png_bytes()
    assert nothing_left_on_this_host(media_root, settings)


def test_deleting_a_job_removes_its_files_and_first_frame_from_the_configured_storage(owner, in_memory,
                                                                                     media_server):
    output = archive_url(owner, media_server.url("/image.png"), "image")
    job = output.job
    job.input_file = submission.store_input(f"inputs/{job.uuid}", png_upload())
    job.save(update_fields=["input_file"])

    history.delete_job(job, actor=owner)

    assert not any(in_memory.exists(name) for name in (output.file, output.thumbnail, job.input_file))


def test_a_first_frame_shared_by_a_batchs_jobs_stays_until_the_last_is_deleted(owner, in_memory):
    shared = submission.store_input("inputs/batch-x/1", png_upload())
    first, second = make_job(owner, input_file=shared), make_job(owner, input_file=shared)

    history.delete_job(first, actor=owner)
    assert in_memory.exists(shared)
    history.delete_job(second, actor=owner)
    assert not in_memory.exists(shared)


def test_discarding_a_draft_removes_its_first_frames_from_the_configured_storage(owner, in_memory):
    name = submission.store_input("inputs/batch-y/1", png_upload())
    job = make_job(owner)
    batch = Batch.objects.create(workspace=job.workspace, owner=owner, name="draft", model_key="apinfer/wan2.2",
                                 provider="apinfer", rows=[{"row": 1, "input_file": name}])

    assert batches.discard(batch) is True
    assert not in_memory.exists(name)


def test_deleting_outputs_keeps_a_file_another_output_shares(owner, other, in_memory, media_server):
    mine = archive_url(owner, media_server.url("/image.png"), "image")
    theirs = archive_url(other, media_server.url("/same-image.png"), "image")

    history.delete_outputs([mine], actor=owner)

    assert in_memory.exists(theirs.file) and in_memory.exists(theirs.thumbnail)


# --- a local path only for a subprocess ----------------------------------------------------------------


def test_a_local_copy_of_a_stored_file_exists_only_while_it_is_used(in_memory, settings):
    name = in_memory.save("objects/aa/bb/sound.wav", ContentFile(wav_bytes()))

    with storage.local_copy(name) as path:
        assert path.read_bytes() == wav_bytes() and path.suffix == ".wav"

    assert not path.exists()
