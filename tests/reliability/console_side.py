"""Code the live tests run inside the console's own processes (through LiveConsole.call and start_loop).

It uses the console's real services, exactly as a view or a command would; nothing here is mocked.
"""

import io
import time

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from jobs import catalogue, submission, sweeps
from jobs.models import Job
from netmind_console.accounts.models import MAX_CONCURRENCY_CAP

PASSWORD = "pw-live-owner-123"


def make_owner(username: str) -> str:
    """A user with the sandbox accounts every new user gets in sandbox mode. These runs are about faults, not the
    concurrency cap (tests/scaleout/test_batch_cap.py is): the accounts send every job of a run at once."""
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.provider_accounts.update(concurrency_cap=MAX_CONCURRENCY_CAP)
    return username


def create_jobs(username: str, count: int) -> list[str]:
    """`count` jobs spread over every catalogue model, each saved and queued as the form would."""
    user = get_user_model().objects.get(username=username)
    keys = list(catalogue.MODELS)
    return [str(_create(user, catalogue.get(keys[n % len(keys)]), f"{username} job {n}").uuid)
            for n in range(count)]


def _create(user, spec, prompt):
    values = {f.name: f.default for f in spec.fields}
    values.update(prompt=prompt, account=user.provider_accounts.get(provider=spec.provider,
                                                                    workspace__personal_for=user))
    if spec.needs_image:
        values["image"] = SimpleUploadedFile("first-frame.png", _png())
    return submission.create_job(user, values["account"].workspace, spec, values)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def sweep_forever(seconds: float):
    """The sweep every few seconds instead of every minute, so a fault-injection run ends in minutes."""
    while True:
        sweeps.sweep_active_jobs()
        time.sleep(seconds)


def job_report() -> list[dict]:
    return [{"uuid": str(job.uuid), "adapter": job.adapter, "state": job.state, "remote_id": job.remote_id,
             "error": job.error_message, "attempts": job.attempts,
             "retried": job.events.filter(note__startswith="Will retry").count(),
             "went_unknown": job.events.filter(to_state="unknown").exists(),
             "sync_requested_at": str(job.sync_requested_at), "last_synced_at": str(job.last_synced_at),
             "waiting_reason": job.waiting_reason,
             "history": [f"{event.from_state}->{event.to_state}: {event.note}" for event in job.events.all()]}
            for job in Job.objects.prefetch_related("events")]


def keep_creating(username: str, every_seconds: float):
    """A steady stream of new jobs: the writes a busy console sees besides its workers'."""
    user = get_user_model().objects.get(username=username)
    keys = list(catalogue.MODELS)
    for n in range(10**9):
        _create(user, catalogue.get(keys[n % len(keys)]), f"{username} stream {n}")
        time.sleep(every_seconds)


def failed_task_results() -> list[str]:
    from django_q.models import Task

    return [str(result) for result in Task.objects.filter(success=False).values_list("result", flat=True)]
