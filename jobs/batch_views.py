"""The batch pages: the list, New batch (a draft from lines or a CSV), a batch's page (a draft's preview; a started
batch's progress, live) with its controls, and its download.

The rules live in batches.py (making, previewing, starting a draft), batch_control.py (progress and the
controls) and batch_zip.py; these views only check who may do what and show the answer. A member controls
their own batch, a teammate's needs an admin (permissions.controllable_batch); any member reads and downloads.
"""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import http_date
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from jobs import batch_control, batches, catalogue, limits, selectors
from jobs.batch_input import IMAGE_COLUMN, SEED_COLUMN, InputRefused
from jobs.batch_zip import batch_zip_response
from jobs.forms import BatchForm
from jobs.models import ArchiveState, Batch, BatchState, JobState, Output
from jobs.permissions import batch_for, controllable_batch
from jobs.views import LIMIT_REACHED_STATUS, spec_or_default
from netmind_console.core.htmx import page_or_partial, polling_fragment
from netmind_console.workspaces import access
from netmind_console.workspaces.roles import Role

BATCHES_PER_PAGE = 25
RESULTS_SHOWN = 60  # the newest; the gallery filtered by the batch shows them all
FAILURES_SHOWN = 50
ROWS_SAMPLED = 10
# The New batch form in three parts: where the prompts come from, what every job shares, how many of each.
INPUT_FIELDS = ("prompts", "prompts_file", "images")
OPTION_FIELDS = ("seeds", "drop_refused")
EXAMPLE_PROMPTS = ("a red fox in fresh snow", "a lighthouse on a cliff at dusk")
CONTROLS = {"pause": batch_control.pause, "resume": batch_control.resume, "cancel": batch_control.cancel,
            "retry": batch_control.retry_failed}


@login_required
@require_safe
def batch_list(request):
    workspace = access.current_workspace(request)
    page = Paginator(selectors.batches_for(workspace, request.user), BATCHES_PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for batch in page.object_list:
        progress = batch_control.progress(batch)
        rows.append({"batch": batch, "progress": progress, "label": batch_control.status_label(batch, progress)})
    return render(request, "jobs/batch_list.html", {"page": page, "rows": rows})


@login_required
@vary_on_headers("HX-Request")
def new_batch(request):
    workspace = access.require(request, Role.MEMBER)
    if request.method != "POST":
        form = BatchForm(spec=spec_or_default(request.GET.get("model")), workspace=workspace)
        return _render_new(request, form)
    spec = catalogue.submittable(request.POST.get("model", ""))
    if spec is None:
        return HttpResponse("Unknown model: choose one from the list.", status=400, content_type="text/plain")
    form = BatchForm(request.POST, request.FILES, spec=spec, workspace=workspace)
    if not form.is_valid():
        return _render_new(request, form, status=422)
    try:
        batch = batches.draft_from_form(request.user, workspace, form)
    except InputRefused as refusal:
        form.add_error(None, str(refusal))
        return _render_new(request, form, status=422)
    except batches.RowsRefused as refusal:
        return _render_new(request, form, status=422, refused=refusal.refused)
    return redirect("jobs:batch", uuid=batch.uuid)


def _render_new(request, form, status=200, refused=None):
    context = {"form": form, "spec": form.spec, "model_choices": catalogue.choices(), "refused": _by_row(refused),
               "columns": ["prompt", *batches.columns_for(form.spec)], "example": _csv_example(form.spec),
               **_field_groups(form)}
    if request.method == "GET":  # a model change swaps only the form; a post always answers the whole page
        return page_or_partial(request, "jobs/batch_new.html", "model-form", context)
    return render(request, "jobs/batch_new.html", context, status=status)


def _by_row(refused: list[dict] | None) -> list[dict]:
    """Refused rows for a table with a Row column: the reason without the "Row 5: " it starts with."""
    return [{"row": entry["row"], "reason": entry["reason"].removeprefix(f"Row {entry['row']}: ")}
            for entry in refused or []]


def _field_groups(form) -> dict:
    present = list(form.fields)
    return {"input_fields": [form[name] for name in INPUT_FIELDS if name in present],
            "shared_fields": [form[name] for name in present if name not in INPUT_FIELDS + OPTION_FIELDS],
            "option_fields": [form[name] for name in OPTION_FIELDS]}


def _csv_example(spec) -> str:
    """A two-row CSV for this model: the prompt, its first parameter, and the seed or image column it takes."""
    columns = ["prompt", *[field.name for field in spec.fields[:1]]]
    columns += [name for name in (SEED_COLUMN, IMAGE_COLUMN) if name in batches.columns_for(spec)]
    examples = {SEED_COLUMN: ["42", "7"], IMAGE_COLUMN: ["fox.png", "lighthouse.png"]}
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    for index, prompt in enumerate(EXAMPLE_PROMPTS):
        cells = [prompt]
        for name in columns[1:]:
            cells.append(examples[name][index] if name in examples else _shared_or_default(spec, name, index))
        writer.writerow(cells)
    return text.getvalue()


def _shared_or_default(spec, name: str, index: int) -> str:
    """The first row sets the parameter; the second leaves it empty and so takes the form's value."""
    default = next(field.default for field in spec.fields if field.name == name)
    return "" if index else str(default)


@login_required
@require_safe
def batch_detail(request, uuid):
    batch = batch_for(request, uuid)
    return render(request, "jobs/batch_detail.html", _context(request, batch))


@login_required
@require_safe
def batch_status(request, uuid):
    batch = batch_for(request, uuid)
    batch_control.watch(batch)
    context = _context(request, batch)
    return polling_fragment(request, "jobs/batch_detail.html#batch-status", context, finished=not context["watching"])


def _context(request, batch: Batch, **extra) -> dict:
    context = {"batch": batch, "spec": catalogue.get(batch.model_key), "dropped": _by_row(batch.dropped_rows),
               **extra}
    if batch.state == BatchState.DRAFT:
        return {**context, "preview": batches.preview(batch), "sample": batch.rows[:ROWS_SAMPLED],
                "more_rows": max(0, len(batch.rows) - ROWS_SAMPLED), "watching": False}
    progress = batch_control.progress(batch)
    outputs = Output.objects.filter(job__batch=batch)
    results = list(outputs.select_related("job").order_by("-created_at", "-id")[:RESULTS_SHOWN])
    copying = outputs.filter(archive_state=ArchiveState.PENDING).exists()
    return {**context, "progress": progress, "label": batch_control.status_label(batch, progress),
            "results": results, "result_count": outputs.count() if len(results) == RESULTS_SHOWN else len(results),
            "failures": batch.jobs.filter(state=JobState.FAILED).order_by("batch_row", "id")[:FAILURES_SHOWN],
            "events": batch.events.all(), "watching": not progress.done or copying}


@login_required
@require_POST
def start_batch(request, uuid):
    batch = controllable_batch(request, uuid)
    try:
        started = batches.start(batch, request.user)
    except limits.MemberLimitReached as refusal:
        response = render(request, "jobs/batch_detail.html", _context(request, batch, error=str(refusal)),
                          status=LIMIT_REACHED_STATUS)
        response["Retry-After"] = http_date(limits.next_reset().timestamp())
        return response
    except batches.ModelNotOffered as refusal:
        return _refused(request, batch, str(refusal))
    if started:
        cap = batch.account.concurrency_cap if batch.account else 1
        messages.success(request, f"Started: {batch.job_count:,} jobs, sent at most {cap} at once.")
    else:
        messages.info(request, "This batch was started already.")
    return redirect("jobs:batch", uuid=batch.uuid)


@login_required
@require_POST
def discard_batch(request, uuid):
    batch = controllable_batch(request, uuid)
    if not batches.discard(batch):
        return _refused(request, batch, "This batch was started: only a draft can be discarded. Cancel it instead.")
    messages.success(request, f"Draft “{batch.name}” discarded: nothing was sent.")
    return redirect("jobs:batches")


@login_required
def cancel_batch(request, uuid):
    """A page that says what Cancel does before it is done (it cannot be undone); the POST does it."""
    batch = controllable_batch(request, uuid)
    if request.method == "POST":
        return _control(request, batch, "cancel")
    progress = batch_control.progress(batch)
    return render(request, "jobs/batch_cancel.html", {"batch": batch, "progress": progress})


@login_required
@require_POST
def pause_batch(request, uuid):
    return _control(request, controllable_batch(request, uuid), "pause")


@login_required
@require_POST
def resume_batch(request, uuid):
    return _control(request, controllable_batch(request, uuid), "resume")


@login_required
@require_POST
def retry_failed(request, uuid):
    return _control(request, controllable_batch(request, uuid), "retry")


def _control(request, batch: Batch, action: str):
    try:
        count = CONTROLS[action](batch, request.user)
    except batch_control.NotNow as refusal:
        return _refused(request, batch, str(refusal))
    note = _control_note(action, count or 0)
    if request.htmx:
        return render(request, "jobs/batch_detail.html#batch-status", _context(request, batch, notice=note))
    messages.success(request, note)
    return redirect("jobs:batch", uuid=batch.uuid)


def _control_note(action: str, count: int) -> str:
    jobs = f"{count:,} job{'s' if count != 1 else ''}"
    return {"pause": "Paused: nothing new is sent; the jobs in flight finish.",
            "resume": "Resumed: the waiting jobs are sent as slots free.",
            "cancel": f"Cancelled: {jobs} not yet sent will not be sent; the jobs in flight finish.",
            "retry": f"Retrying: {jobs} that failed sent again."}[action]


def _refused(request, batch: Batch, message: str):
    """Not now (the batch is in another state than the action needs): the page says which, 409."""
    batch.refresh_from_db()
    return page_or_partial(request, "jobs/batch_detail.html", "batch-status", _context(request, batch, error=message),
                           status=409)


@login_required
@require_safe
def batch_download(request, uuid):
    return batch_zip_response(batch_for(request, uuid))
