"""File inputs of a generation model, sent through NetMind's Files API (API.md, Files).

A model parameter of `"format": "binary"` (a FieldSpec of kind "file") is a file the user uploads with the job. It is
checked by its bytes, never its name (`checked_upload`), kept in the media storage as
`inputs/<job uuid>/<parameter>.<its type>` with a JobInputFile row (`store`), and shown on the job's page. When the
job is sent, each one is uploaded (`POST /v1/files`, then a PUT of its bytes to the link that answer carries) and the
parameter's config value is the file's download link (`uploaded_urls`). Once the job is final the provider's copy is
deleted (`delete_uploaded`, queued by lifecycle.py and retried by the sweep); ours stays with the job.

Both links are bearer credentials to the user's file, so neither is kept: the job's request_body records a file
parameter as `file:<the name it was uploaded as>` (`recorded`), and the download link is fetched again for every send.
"""

import logging
import re
import zlib
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from jobs import media_formats
from jobs.media_formats import SNIFF_BYTES, MediaFormat
from jobs.models import TERMINAL_STATES, Job, JobInputFile
from jobs.provider_calls import CannotPrepare, client_for
from netmind_console.clients import errors
from netmind_console.core.backoff import backoff

log = logging.getLogger(__name__)

PURPOSE = "inference"
# Every upload is read whole by the web process while the form is checked, copied to the media storage, then PUT to
# the provider by a worker inside one send (the task's 120 s). These caps keep that send well inside its time at a
# modest 20 Mbit/s uplink (100 MB: about 40 s) and are above what the models take: a photo or a frame, minutes of
# speech, a short clip.
MAX_BYTES = {"image": 20 * 1024 * 1024, "audio": 50 * 1024 * 1024, "video": 100 * 1024 * 1024}
MAX_IMAGE_SIDE = 8192  # as the first frame's: below where Pillow itself refuses a decompression bomb
MAX_NAME_CHARS = 100
# Deletes at the provider that keep failing are tried this many times, hours apart at the end, then left (the row
# says why): a file the provider keeps refusing to delete is its to expire.
MAX_DELETE_ATTEMPTS = 8
FIRST_DELETE_RETRY_SECONDS = 60


# Images as Pillow reads them (whole: a truncated or bomb image is refused), by Pillow's format name.
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}
ACCEPTED = {"image": "PNG, JPEG, WEBP or GIF", "audio": "WAV, MP3, FLAC, OGG or M4A", "video": "MP4, MOV or WEBM"}


def checked_upload(upload, media: str):
    """`upload`, rewound, if its bytes are an `media` file of an accepted format and size; else ValidationError."""
    limit = MAX_BYTES[media]
    if upload.size > limit:
        raise forms.ValidationError(f"The file is larger than {limit // (1024 * 1024)} MB "
                                    f"({upload.size / (1024 * 1024):.1f} MB).")
    if upload.size == 0:
        raise forms.ValidationError("The file is empty.")
    sniffed = sniff(upload, media)
    if sniffed is None:
        raise forms.ValidationError(f"This file is not {_a(media)} {media} file of a format the console sends "
                                    f"({ACCEPTED[media]}).")
    upload.seek(0)
    return upload


def _a(media: str) -> str:
    return "an" if media[0] in "aeiou" else "a"


def sniff(upload, media: str) -> MediaFormat | None:
    """What the bytes are, if they are an accepted `media` format (media_formats.py; images as Pillow reads them)."""
    upload.seek(0)
    if media == "image":
        return _sniffed_image(upload)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return media_formats.matching(media, head)


def _sniffed_image(upload) -> MediaFormat | None:
    try:
        with Image.open(upload, formats=list(IMAGE_FORMATS)) as image:
            image_format, (width, height) = image.format, image.size
            if width * height > MAX_IMAGE_SIDE ** 2:
                raise forms.ValidationError(f"The image is too large: {width}×{height} pixels; at most "
                                            f"{MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE} (or as many pixels in all).")
            image.verify()
    except Image.DecompressionBombError:
        raise forms.ValidationError("The image is too large to read.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, zlib.error):
        return None
    finally:
        upload.seek(0)
    return next(fmt for fmt in media_formats.FORMATS if fmt.ext == IMAGE_FORMATS[image_format])


def safe_name(name: str, ext: str) -> str:
    """The uploaded name as the provider and the page may show it: its stem in plain characters, the extension of
    what the bytes are (a "clip.html" that is a WAV is sent as clip.wav)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", PurePath(name or "").stem).strip("_") or "upload"
    return f"{stem[:MAX_NAME_CHARS - len(ext) - 1]}.{ext}"


def _uploads(spec, values: dict):
    for spec_field in spec.file_fields:
        upload = values.get(spec_field.name)
        if isinstance(upload, UploadedFile):
            yield spec_field, upload


def recorded(spec, values: dict) -> dict[str, str]:
    """What the job's request_body keeps for its file parameters: `file:<name>`, never a link."""
    recorded_values = {}
    for spec_field, upload in _uploads(spec, values):
        sniffed = sniff(upload, spec_field.media)
        if sniffed is not None:  # a file of no accepted type is refused by store(), inside the same transaction
            recorded_values[spec_field.name] = "file:" + safe_name(upload.name, sniffed.ext)
    return recorded_values


def store(job: Job, spec, values: dict) -> list[JobInputFile]:
    """Keep each uploaded file input of `values` in the media storage and record it on `job`.

    Called inside the transaction that saves the job: a file whose bytes are no accepted type (the form checked it
    already; a caller that skipped the form did not) raises ValidationError, and no row is left behind."""
    rows = []
    try:
        for spec_field, upload in _uploads(spec, values):
            checked_upload(upload, spec_field.media)
            sniffed = sniff(upload, spec_field.media)
            name = default_storage.save(f"inputs/{job.uuid}/{spec_field.name}.{sniffed.ext}", upload)
            rows.append(JobInputFile(job=job, parameter=spec_field.name, file=name, content_type=sniffed.content_type,
                                     file_name=safe_name(upload.name, sniffed.ext), size=upload.size))
        return JobInputFile.objects.bulk_create(rows)
    except Exception:  # the transaction forgets the rows; the files saved so far are forgotten here
        for row in rows:
            default_storage.delete(row.file)
        raise


def uploaded_urls(client, job: Job) -> dict[str, str]:
    """{parameter: download link} for each of the job's input files, uploading those not uploaded yet.

    Each step is recorded as soon as it happened, so a send retried after a lost answer reuses the upload: the file id
    once the provider created it, the time once its bytes were PUT. A file created whose bytes never arrived is
    deleted and created again (its upload link was not kept). Provider errors propagate as the client raises them.
    """
    urls = {}
    for row in job.input_files.all():
        if not row.uploaded_at:
            _upload(client, row)
        urls[row.parameter] = client.get_file_presigned_url(row.remote_file_id)
    return urls


def _upload(client, row: JobInputFile):
    if row.remote_file_id:
        _delete_remote(client, row.remote_file_id)
    try:
        created = client.create_file(row.file_name, PURPOSE, content_type=row.content_type)
    except errors.AmbiguousCreate as error:
        # A file record maybe made, its id never received: nothing was generated, so the send is retried (not
        # reconciled as a generation whose create was lost). The record, if any, is the provider's to expire.
        raise errors.ProviderUnavailable(f"Registering the input file: {error}", retryable=True) from None
    JobInputFile.objects.filter(pk=row.pk).update(remote_file_id=created.id, uploaded_at=None)
    row.remote_file_id = created.id
    with default_storage.open(row.file, "rb") as data:
        client.upload_file_bytes(created.presigned_url, data, row.content_type,
                                 insecure_hosts=settings.MEDIA_INSECURE_HOSTS, insecure_name="MEDIA_INSECURE_HOSTS")
    row.uploaded_at = timezone.now()
    JobInputFile.objects.filter(pk=row.pk).update(uploaded_at=row.uploaded_at)


def _delete_remote(client, file_id: str):
    try:
        client.delete_file(file_id)
    except errors.NotFound:
        pass  # already gone: what deleting it was for


def at_provider(job_id: int):
    """The job's input files the provider still holds (created there, not deleted yet)."""
    return JobInputFile.objects.filter(job_id=job_id, deleted_at=None).exclude(remote_file_id="")


def delete_uploaded(job_id: int):
    """Delete a final job's files at the provider; a failure is kept on the row and tried again by the sweep.
    Safe to run twice: a file deleted already is a 404, which counts as deleted."""
    job = Job.objects.select_related("account").filter(pk=job_id, state__in=TERMINAL_STATES).first()
    rows = list(at_provider(job_id)) if job else []
    if not rows:
        return
    if job.account is None:
        return _record_failures(rows, "The provider account was removed; the file stays at the provider.", final=True)
    try:
        client = client_for(job)
    except CannotPrepare as error:
        return _record_failures(rows, str(error))
    with client:
        for row in rows:
            try:
                _delete_remote(client, row.remote_file_id)
            except errors.ProviderError as error:
                _record_failures([row], error.user_message, final=not error.retryable and not _may_pass(error))
                continue
            JobInputFile.objects.filter(pk=row.pk).update(deleted_at=timezone.now(), delete_error="",
                                                          delete_retry_at=None)


def _may_pass(error: errors.ProviderError) -> bool:
    """A rejected token may be fixed on the Settings page: worth the later tries."""
    return isinstance(error, errors.TokenRejected)


def _record_failures(rows, reason: str, final: bool = False):
    for row in rows:
        attempts = row.delete_attempts + 1
        retry = not final and attempts < MAX_DELETE_ATTEMPTS
        log.info("Deleting input file %s at the provider failed (%s)", row.pk, reason)
        JobInputFile.objects.filter(pk=row.pk).update(
            delete_error=reason[:500], delete_attempts=attempts,
            delete_retry_at=timezone.now() + backoff(attempts, first=FIRST_DELETE_RETRY_SECONDS,
                                                     cap=FIRST_DELETE_RETRY_SECONDS * 2 ** MAX_DELETE_ATTEMPTS)
            if retry else None)


def discard(job: Job) -> str:
    """When the job itself is deleted (history.delete_job): its files at the provider, then its local copies, since
    the rows go with the job and nothing would find them again. A note for the person when a provider copy stayed."""
    rows = list(job.input_files.all())
    remote = [row for row in rows if row.remote_file_id and not row.deleted_at]
    note = ""
    if remote and job.account:
        try:
            with client_for(job) as client:
                for row in remote:
                    _delete_remote(client, row.remote_file_id)
        except CannotPrepare as error:
            note = f"The job's input file could not be deleted at the provider ({error})."
        except errors.ProviderError as error:
            note = f"The job's input file could not be deleted at the provider ({error.user_message})."
    for row in rows:
        default_storage.delete(row.file)
    return note
