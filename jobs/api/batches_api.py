"""Batches over the API: create one (checked, previewed or started), list them, read one with its progress and its
jobs, and pause, resume, cancel or retry its failed jobs.

The same rules as the pages: the New batch form and batches.make_draft check the rows, batches.start creates the
jobs (with the member's limit), batch_control does the controls; a member controls their own batch, a teammate's
needs an admin (permissions.controllable_batch). A batch made here is started at once: there is no draft to come
back to, and a dry run saves nothing.
"""

import re
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.urls import reverse
from ninja import Header, Query, Router, Status

from jobs import batch_control, batches, limits, selectors
from jobs.api import answers, batch_body
from jobs.api.batch_schemas import (
    ROW_NUMBERS,
    BatchActionOut,
    BatchIn,
    BatchJobPage,
    BatchOut,
    BatchPage,
    BatchPreview,
)
from jobs.api.jobs_api import MAX_IDEMPOTENCY_KEY, REPLAYED, cursor_position, limit_reached
from jobs.forms import MAX_ROW_ID, cursor_for
from jobs.models import Batch, name_of
from jobs.permissions import batch_for, controllable_batch
from netmind_console.api.problems import ApiProblem, Problem
from netmind_console.workspaces import access
from netmind_console.workspaces.roles import Role

router = Router(tags=["batches"])

IdempotencyKey = Header[str | None, {
    "alias": "Idempotency-Key", "max_length": MAX_IDEMPOTENCY_KEY,
    "description": "Sent again with the same request, it returns the batch the first one made (200), never a "
                   "second."}]
CREATE_DOCUMENTATION = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": BatchIn.model_json_schema()}}},
    "responses": {
        200: {"description": "A dry run's preview (nothing saved); or, with `Idempotent-Replayed: true`, the batch "
                             "an earlier request with this Idempotency-Key made.",
              "headers": {REPLAYED: {"required": False, "schema": {"type": "string", "enum": ["true"]}}}},
        201: {"description": "The new batch, started: its jobs are sent as the account's cap allows."},
        422: {"description": "The input, or rows of it (`errors` names each: `prompts[4]`, `rows[4]`, with its "
                             "reason); nothing was saved."},
    },
}
CONTROL_ANSWERS = {200: BatchActionOut, 409: Problem}
NOT_NOW = "409: the batch is in a state this does not apply to (the detail says which)."
_ROW_CURSOR = re.compile(r"(\d{1,10})-(\d{1,19})")


@router.post("/batches", response={200: BatchPreview | BatchOut, 201: BatchOut, 409: Problem, 413: Problem,
                                   415: Problem},
             summary="Make a batch: many prompts, one model", openapi_extra=CREATE_DOCUMENTATION,
             description="As the New batch page: the values every job shares are checked as the form checks them, "
                         "then each row, with the same messages. A refused row refuses the batch unless "
                         f"`drop_refused`. {ROW_NUMBERS} At most 10,000 jobs. A member at a monthly limit gets 429 "
                         "with Retry-After (the first of next month, UTC).")
def create_batch(request, response: HttpResponse, idempotency_key: IdempotencyKey = None):
    workspace = access.require(request, Role.MEMBER)
    batch_request = batch_body.read(request, workspace)
    dry_run = batch_request.body.dry_run
    key = "" if dry_run else idempotency_key or ""
    earlier = Batch.objects.filter(owner=request.user, submission_key=key).first() if key else None
    if earlier:
        return _replayed(request, response, earlier, workspace)
    try:
        draft = batches.make_draft(request.user, workspace, batch_request.form, batch_request.rows,
                                   seeds=batch_request.form.cleaned_data["seeds"],
                                   images=(), drop_refused=batch_request.body.drop_refused)
    except batches.RowsRefused as refusal:
        raise batch_body.refused_rows(batch_request, refusal) from None
    if dry_run:
        preview = batches.preview(draft)
        batches.discard(draft)
        return Status(200, {"jobs": preview.jobs, "credits": preview.credits, "seconds": preview.seconds,
                            "dropped_rows": draft.dropped_rows})
    if key and not _claimed(draft, key):  # the same request at once: the other one made the batch
        batches.discard(draft)
        return _replayed(request, response, Batch.objects.get(owner=request.user, submission_key=key), workspace)
    try:
        batches.start(draft, request.user)
    except limits.MemberLimitReached as refusal:
        batches.discard(draft)
        raise limit_reached(refusal) from None
    return Status(201, _detail(draft))


def _claimed(draft: Batch, key: str) -> bool:
    try:
        with transaction.atomic():
            Batch.objects.filter(pk=draft.pk).update(submission_key=key)
    except IntegrityError:
        return False
    return True


def _replayed(request, response, batch: Batch, workspace):
    if batch.workspace_id != workspace.pk:  # the key is the user's, across workspaces: never show the other one
        raise ApiProblem(409, "This Idempotency-Key was used for a batch in another workspace; send a new one.")
    response[REPLAYED] = "true"
    return Status(200, _detail(batch_for(request, batch.uuid)))


@router.get("/batches", response=BatchPage, summary="The workspace's batches, newest first",
            description="Every started batch, and your own drafts (made on the New batch page).")
def list_batches(request, limit: Query[int, {"ge": 1, "le": 100}] = 25,
                 cursor: Query[str | None, {"description": "`next_cursor` of the previous page."}] = None):
    shown = selectors.batches_for(access.current_workspace(request), request.user)
    if cursor:
        shown = selectors.after_position(shown, cursor_position(cursor))
    page = list(shown[: limit + 1])
    return {"items": [_summary(batch, batch_control.progress(batch)) for batch in page[:limit]],
            "next_cursor": cursor_for(page[limit - 1]) if len(page) > limit else None}


@router.get("/batches/{uuid}", response=BatchOut, url_name="batch",
            summary="A batch: its state, its jobs counted by state, an ETA and the rows left out",
            description="Reading a running batch asks the provider for news of its jobs in flight, as its page does.")
def get_batch(request, uuid: UUID):
    batch = batch_for(request, uuid)
    batch_control.watch(batch)
    return _detail(batch)


@router.get("/batches/{uuid}/jobs", response=BatchJobPage, url_name="batch_jobs",
            summary="A batch's jobs in the order of its rows",
            description="Each with its row, seed, state and error; `GET /jobs/{uuid}` has a job's timeline.")
def list_batch_jobs(request, uuid: UUID, limit: Query[int, {"ge": 1, "le": 100}] = 100,
                    cursor: Query[str | None, {"description": "`next_cursor` of the previous page."}] = None):
    batch = batch_for(request, uuid)
    jobs = (batch.jobs.select_related("owner").order_by("batch_row", "id")
            .prefetch_related(Prefetch("outputs", to_attr="listed_outputs")))
    if cursor:
        row, pk = _row_position(cursor)
        jobs = jobs.filter(Q(batch_row__gt=row) | Q(batch_row=row, pk__gt=pk))
    page = list(jobs[: limit + 1])
    last = page[limit - 1] if len(page) > limit else None
    return {"items": [{**answers.summary(job, job.listed_outputs), "row": job.batch_row, "seed": job.seed,
                       "error": job.error_message, "waiting_reason": job.waiting_reason} for job in page[:limit]],
            "next_cursor": f"{last.batch_row}-{last.pk}" if last else None}


def _row_position(cursor: str) -> tuple[int, int]:
    match = _ROW_CURSOR.fullmatch(cursor)
    if not match or int(match.group(2)) > MAX_ROW_ID:
        raise ApiProblem(422, "cursor: not a position this list gave; pass the previous page's next_cursor.",
                         [{"field": "cursor", "message": "Not a position this list gave."}])
    return int(match.group(1)), int(match.group(2))


@router.post("/batches/{uuid}/pause", response=CONTROL_ANSWERS, summary="Pause: nothing new is sent",
             description=f"The jobs in flight finish; the others wait until Resume. {NOT_NOW}")
def pause_batch(request, uuid: UUID):
    return _control(request, uuid, batch_control.pause)


@router.post("/batches/{uuid}/resume", response=CONTROL_ANSWERS, summary="Resume a paused batch",
             description=f"Its waiting jobs are sent as the account's slots free. {NOT_NOW}")
def resume_batch(request, uuid: UUID):
    return _control(request, uuid, batch_control.resume)


@router.post("/batches/{uuid}/cancel", response=CONTROL_ANSWERS, summary="Cancel what was not sent",
             description="The jobs not sent yet are cancelled here (`changed_jobs` counts them); those in flight "
                         f"finish. It cannot be undone. {NOT_NOW}")
def cancel_batch(request, uuid: UUID):
    return _control(request, uuid, batch_control.cancel)


@router.post("/batches/{uuid}/retry-failed", response=CONTROL_ANSWERS, summary="Send the failed jobs again",
             description="Each failed job is sent again as it was (prompt, parameters, seed), keeping its timeline; "
                         f"`changed_jobs` counts them. {NOT_NOW}")
def retry_failed(request, uuid: UUID):
    return _control(request, uuid, batch_control.retry_failed)


def _control(request, uuid: UUID, action):
    """Your own batch as a member, a teammate's as an admin."""
    batch = controllable_batch(request, uuid)
    try:
        changed = action(batch, request.user)
    except batch_control.NotNow as refusal:
        raise ApiProblem(409, str(refusal)) from None
    return {**_detail(batch), "changed_jobs": changed or 0}


def _summary(batch: Batch, progress: batch_control.Progress) -> dict:
    return {"uuid": batch.uuid, "name": batch.name, "model": batch.model_key, "model_label": batch.model_label,
            "provider": batch.provider, "state": batch.state,
            "status_label": batch_control.status_label(batch, progress), "job_count": batch.job_count,
            "counts": progress.counts, "percent": progress.percent, "created_by": name_of(batch.owner),
            "created_at": batch.created_at, "started_at": batch.started_at,
            "links": {"self": reverse("api:batch", kwargs={"uuid": batch.uuid}),
                      "jobs": reverse("api:batch_jobs", kwargs={"uuid": batch.uuid})}}


def _detail(batch: Batch) -> dict:
    progress = batch_control.progress(batch)
    account = batch.account
    return {
        **_summary(batch, progress),
        "account": account.uuid if account else None, "account_label": account.label if account else "",
        "account_cap": account.concurrency_cap if account else None, "seeds_per_row": batch.seeds_per_row,
        "parameters": _shared_parameters(batch), "waiting": progress.waiting, "in_flight": progress.in_flight,
        "finished": progress.finished, "eta_seconds": progress.eta_seconds, "dropped_rows": batch.dropped_rows,
        "events": [{"at": event.at, "action": event.action, "actor": event.actor_name, "note": event.note}
                   for event in batch.events.all()],
    }


def _shared_parameters(batch: Batch) -> dict:
    """As POST /batches takes them: a fixed seed is `seed`."""
    shown = answers.as_parameters(batch.params)
    if batch.params.get("seed_mode") == "fixed":
        shown["seed"] = batch.params.get("seed")
    return shown
