"""Jobs and outputs as the API answers them: chosen field by field, so nothing is shown by accident (a job's
request body and its account's token stay inside)."""

from django.urls import reverse

from jobs import selectors
from jobs.models import ArchiveState, Job, Output, OutputKind, name_of

# The form's values that the answer shows elsewhere (prompt, seed) or that only the form needs.
NOT_PARAMETERS = {"prompt", "seed", "seed_mode"}


def output(row: Output) -> dict:
    archived = row.archive_state == ArchiveState.ARCHIVED
    return {"uuid": row.uuid, "kind": row.kind, "archive_state": row.archive_state,
            "content_type": row.content_type, "size": row.size, "sha256": row.sha256, "width": row.width,
            "height": row.height, "duration_seconds": row.duration_seconds,
            "file_url": reverse("api:output_file", kwargs={"uuid": row.uuid}) if archived else None,
            "text": row.text if row.kind == OutputKind.TEXT else None}


def summary(job: Job, outputs=None) -> dict:
    """`outputs`: the job's, when already read (a list's prefetch reads them all at once)."""
    outputs = job.outputs.all() if outputs is None else outputs
    return {"uuid": job.uuid, "state": job.state, "state_label": job.get_state_display(), "model": job.model_key,
            "model_label": job.model_label, "provider": job.provider, "prompt": job.prompt,
            "submitted_by": name_of(job.owner), "created_at": job.created_at, "finished_at": job.finished_at,
            "outputs": [output(row) for row in outputs]}


def detail(job: Job) -> dict:
    timeline = [{"at": event.at, "from_state": event.from_state, "to_state": event.to_state, "note": event.note}
                for event, _ in selectors.timeline(job)]
    return {
        **summary(job, selectors.outputs_of(job)),
        "progress_percent": selectors.progress_percent(job), "parameters": parameters(job), "seed": job.seed,
        "account": job.account.uuid if job.account else None,
        "account_label": job.account.label if job.account else "",
        "updated_at": timeline[-1]["at"] if timeline else job.created_at, "submitted_at": job.submitted_at,
        "started_at": job.started_at, "error": job.error_message, "waiting_reason": job.waiting_reason,
        "provider_status": job.raw_status, "credit_cost": job.credit_cost, "compare_group": job.compare_group,
        "timeline": timeline,
    }


def parameters(job: Job) -> dict:
    """As POST /jobs takes them: sent again with the job's seed, they make the same job."""
    return as_parameters(job.params)


def as_parameters(form_values: dict) -> dict:
    """A form's saved values (a job's, a batch's shared ones) as the API's `parameters`, without the prompt and
    the seed (a job shows its seed apart; a batch adds its fixed one)."""
    shown = {name: value for name, value in form_values.items() if name not in NOT_PARAMETERS}
    if "config_json" in shown:
        shown["config"] = shown.pop("config_json")
    return shown
