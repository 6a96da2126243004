"""Creating a job and sending it: every submission is a row before it is a request.

Only the worker that claims a pending row sends it; whatever goes wrong on the way is turned into a retry,
an `unknown` state to reconcile (the request may have left), or a failure a person can read.
"""

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from jobs import catalogue, input_files, limits, slots
from jobs.adapters import ADAPTERS, choose_seed
from jobs.lifecycle import (
    MAX_SUBMIT_ATTEMPTS,
    apply_snapshot,
    fail,
    give_up,
    transition,
)
from jobs.models import Job, JobEvent, JobState
from jobs.provider_calls import (
    CannotPrepare,
    client_for,
    incoming_dir,
    unexpected,
    words_for,
)
from netmind_console.clients import errors
from netmind_console.core.backoff import backoff
from netmind_console.core.queue import enqueue

# A provider's own faults (5xx, 429, dropped connections) are its weather, not the job's: sends they refuse
# or leave unconfirmed are retried with backoff (a minute apart at most) this many times, about 16 minutes.
MAX_SENDS_THROUGH_PROVIDER_FAULTS = 20
# An uploaded input is stored under the type its bytes are (as Pillow read them), never under the name the
# uploader gave it: "poly.html" must not land as .html, nor "a.bbb…" (250 characters) overflow the file system.
INPUT_SUFFIXES = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp", "GIF": ".gif"}


def create_job(user, workspace, spec: catalogue.ModelSpec, values: dict, compare_group=None,
               submission_key="") -> Job:
    """Save the job `pending` in `workspace` and queue its submission once the row is committed.

    Raises limits.MemberLimitReached (nothing saved, nothing sent) when the submitter is at a monthly limit.
    """
    if values["account"].workspace_id != workspace.pk:  # the form's choices are the workspace's: a caller's bug
        raise ValueError("The provider account belongs to another workspace.")
    job = unsaved_job(user, workspace, spec, values, compare_group=compare_group, submission_key=submission_key)
    with transaction.atomic():
        limits.check(user, workspace, spec.provider)
        job.save()
        if spec.needs_image:
            job.input_file = store_input(f"inputs/{job.uuid}", values["image"])
            job.save(update_fields=["input_file"])
        input_files.store(job, spec, values)
        JobEvent.objects.create(job=job, to_state=JobState.PENDING, note="Saved")
        enqueue("jobs.tasks.submit_job", job.pk)
    return job


def unsaved_job(user, workspace, spec: catalogue.ModelSpec, values: dict, **fields) -> Job:
    """The job these form values make, not yet saved: its request built, its seed chosen (and kept in params,
    so Run again can repeat it). A file input is recorded by its name (input_files.recorded): its value when sent is
    a download link, a credential that is never kept."""
    seed = choose_seed(values) if spec.has_seed else None
    remote_model, body = ADAPTERS[spec.adapter].build_request(spec, values, seed)
    body = {**body, **input_files.recorded(spec, values)}
    return Job(workspace=workspace, owner=user, account=values["account"], model_key=spec.key, provider=spec.provider,
               adapter=spec.adapter, remote_model=remote_model, prompt=values.get("prompt", ""), seed=seed,
               params=replayable(values), request_body={"config": body}, **fields)


def create_job_once(user, workspace, spec: catalogue.ModelSpec, values: dict,
                    submission_key: str) -> tuple[Job, bool]:
    """The job this submission key already made, or a new one, and whether it is new: a form posted twice (or a
    request retried with the same key) is one job, decided here so every caller gets the same rule. The key is
    the submitter's, whatever the workspace: a repeat returns the first job and is never refused by a limit."""
    key = submission_key[:64]
    existing = Job.objects.filter(owner=user, submission_key=key).first() if key else None
    if existing:
        return existing, False
    try:
        return create_job(user, workspace, spec, values, submission_key=key), True
    except IntegrityError:  # the same key posted twice at once: the first one won
        return Job.objects.get(owner=user, submission_key=key), False


def replayable(values: dict) -> dict:
    """The form's values as JSON, for Run again (files and model instances left out)."""
    skip = {"account", "image", "model"}
    return {key: value for key, value in values.items() if key not in skip and not isinstance(value, UploadedFile)}


def store_input(stem: str, upload) -> str:
    """Save a first frame as `<stem>.<its type>` in the media storage; the name saved.

    The form has checked the image already; bytes of no type listed here are refused again (Pillow's
    UnidentifiedImageError) inside the transaction that saves the job, so no row is left behind."""
    upload.seek(0)
    with Image.open(upload, formats=list(INPUT_SUFFIXES)) as image:
        suffix = INPUT_SUFFIXES[image.format]
    upload.seek(0)
    return default_storage.save(f"{stem}{suffix}", upload)


def submit_job(job_id: int):
    """Send a pending job. Safe to run twice: only the worker that claims the row sends it."""
    job = Job.objects.filter(pk=job_id).first()
    if not job or job.state != JobState.PENDING or (job.retry_at and job.retry_at > timezone.now()):
        return
    if not slots.take(job):
        return
    JobEvent.objects.create(job=job, from_state=JobState.PENDING, to_state=JobState.SUBMITTING, note="Sending")
    job.refresh_from_db()
    if job.account is None:
        return fail(job, JobState.SUBMITTING, "The provider account for this job was removed.")
    try:
        client = client_for(job)
    except CannotPrepare as error:  # nothing was sent: failing now cannot lose or double a remote job
        return fail(job, JobState.SUBMITTING, str(error))
    try:
        with client:
            snapshot = ADAPTERS[job.adapter].submit(client, job, incoming_dir())
    except errors.AmbiguousCreate as error:
        if error.answered_in_json and not ADAPTERS[job.adapter].supports_list:
            return _handle_submit_error(job, _as_unprocessed(error))
        transition(job, [JobState.SUBMITTING], JobState.UNKNOWN, error.user_message, waiting_reason=error.user_message)
        return enqueue("jobs.tasks.reconcile_job", job.pk)
    except errors.ProviderError as error:
        return _handle_submit_error(job, error)
    except Exception as error:  # a bug or an unforeseen fault, maybe after the request left
        return _handle_unexpected_submit_error(job, unexpected("sending", job, error))
    transition(job, [JobState.SUBMITTING], JobState.QUEUED, "Accepted by the provider",
               remote_id=snapshot.remote_id, waiting_reason="")
    apply_snapshot(job, snapshot)


def _handle_submit_error(job: Job, error: errors.ProviderError):
    if error.retryable and job.attempts < MAX_SENDS_THROUGH_PROVIDER_FAULTS:
        wait = backoff(job.attempts, first=2, cap=60, retry_after=getattr(error, "retry_after", None),
                       retry_after_cap=120)
        # The sweep (and a watching page) sends it again once retry_at is due.
        transition(job, [JobState.SUBMITTING], JobState.PENDING, f"Will retry: {error.user_message}",
                   retry_at=timezone.now() + wait, waiting_reason=f"Waiting to retry: {error.user_message}")
        return
    fail(job, JobState.SUBMITTING, words_for(job, error))


def _handle_unexpected_submit_error(job: Job, reason: str):
    """The request may have reached the provider, so it is never sent again blindly: check first, or give up."""
    if job.attempts >= MAX_SUBMIT_ATTEMPTS:
        return give_up(job, JobState.SUBMITTING, reason)
    if not ADAPTERS[job.adapter].supports_list:
        return fail(job, JobState.SUBMITTING, f"{reason}. It may have reached the provider, which offers no way "
                                              "to check, so it was not sent again. Run it again if needed.")
    transition(job, [JobState.SUBMITTING], JobState.UNKNOWN, reason, waiting_reason=reason[:300])
    enqueue("jobs.tasks.reconcile_job", job.pk)


def _as_unprocessed(error: errors.AmbiguousCreate) -> errors.ProviderError:
    """Decided (README, Reliability): with no list call to check against, a provider's own JSON 500 is
    taken to mean "not processed" and retried; giving up would fail a job for a fault nearly every time."""
    return errors.ProviderUnavailable(str(error), status_code=error.status_code, retryable=True)
