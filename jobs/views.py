import json
import mimetypes
import uuid as uuidlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from jobs import catalogue, comparison, history, limits, poll, selectors, submission, sync
from jobs.forms import BadCursor, CompareForm, JobFilterForm, JobForm, parse_cursor
from jobs.models import ArchiveState, Job
from jobs.permissions import deletable_job, job_for
from netmind_console.accounts.models import Provider, ProviderAccount
from netmind_console.clients.errors import ProviderError
from netmind_console.core import media_markers
from netmind_console.core.file_responses import serve_file
from netmind_console.core.forms import submitted
from netmind_console.core.htmx import nothing_new, page_or_partial, polling_fragment
from netmind_console.core.ids import parse_uuid
from netmind_console.workspaces import access
from netmind_console.workspaces.roles import Role

DEFAULT_MODEL = "Qwen/Qwen-Image"
# A member at a monthly limit: "not now", distinct from 403's "not with your role"; Retry-After says when.
LIMIT_REACHED_STATUS = 429


def spec_or_default(key):
    """The model asked for if new jobs may use it; else the default model, or the first offered if that is disabled."""
    return (catalogue.submittable(key or "") or catalogue.submittable(DEFAULT_MODEL)
            or next(iter(catalogue.offered()), catalogue.CUSTOM))


def _prefill(request, spec):
    """Run again / Use these settings: the earlier job's values, with a new seed unless asked to keep it."""
    source_uuid = parse_uuid(request.GET.get("from"))
    if not source_uuid:
        return None, spec
    source = job_for(request, source_uuid, Role.MEMBER)
    spec = spec_or_default(source.model_key)
    if spec.key != source.model_key:  # its model is no longer offered: another model's form takes none of its values
        return None, spec
    initial = {**source.params, "account": source.account_id}
    if "config_json" in initial:
        initial["config_json"] = json.dumps(initial["config_json"], indent=2)
    if request.GET.get("seed") == "same" and source.seed is not None:
        initial.update(seed_mode="fixed", seed=source.seed)
    return initial, spec


def _render_new(request, form, status=200):
    context = {"form": form, "spec": form.spec, "model_choices": catalogue.choices(),
               "submission_key": uuidlib.uuid4().hex}
    if request.method == "GET":  # a model change swaps only the form; a post always answers the whole page
        return page_or_partial(request, "jobs/new.html", "model-form", context)
    return render(request, "jobs/new.html", context, status=status)


@login_required
@vary_on_headers("HX-Request")
def new_job(request):
    if request.method == "POST":
        workspace = access.require(request, Role.MEMBER)
        spec = catalogue.submittable(request.POST.get("model", ""))
        if spec is None:
            return HttpResponse("Unknown model: choose one from the list.", status=400)
        form = JobForm(request.POST, request.FILES, spec=spec, workspace=workspace)
        if not form.is_valid():
            return _render_new(request, form, status=422)
        try:
            job, _ = submission.create_job_once(request.user, workspace, spec, form.cleaned_data,
                                                request.POST.get("submission_key", ""))
        except limits.MemberLimitReached as refusal:
            return _limit_reached(request, form, refusal)
        return redirect("jobs:detail", uuid=job.uuid)
    initial, spec = _prefill(request, spec_or_default(request.GET.get("model")))
    workspace = access.require(request, Role.MEMBER)  # after the prefill: the page acts in this workspace
    return _render_new(request, JobForm(initial=initial, spec=spec, workspace=workspace))


def _limit_reached(request, form, refusal):
    form.add_error(None, str(refusal))
    response = _render_new(request, form, status=LIMIT_REACHED_STATUS)
    response["Retry-After"] = http_date(limits.next_reset().timestamp())
    return response


@login_required
@require_safe
def model_fields(request):
    workspace = access.require(request, Role.MEMBER)
    return _render_new(request, JobForm(spec=spec_or_default(request.GET.get("model")), workspace=workspace))


JOBS_PER_PAGE = 25


@login_required
@require_safe
def job_list(request):
    workspace = access.current_workspace(request)
    filters = JobFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    query = request.GET.copy()
    for name in ("page", "after"):
        query.pop(name, None)
    page = _job_page(selectors.jobs_for(workspace, values), request.GET.get("after", ""), query)
    context = {"page": page, "watch_query": poll.watch_query(poll.watched_rows(page["object_list"])),
               "filters": filters, "query": query.urlencode(),
               "import_accounts": workspace.provider_accounts.filter(provider=Provider.NETMIND),
               "batch_filter": selectors.batch_in(workspace, values.get("batch")),
               "clear_batch": without_batch(request, "jobs:list")}
    return page_or_partial(request, "jobs/list.html", "job-table", context)


def _job_page(jobs, after: str, query) -> dict:
    """The list's page at `after`, by keyset as the gallery and the API page (an older page costs what the first
    does), and the links to the newest and the next older page, with the filters in `query`. It counts the jobs only
    when they all fit on it: a count reads every match, and a text in few prompts costs far more rows read (120 ms to
    count 500 matches of a phrase in 0.7 % of a million prompts on PostgreSQL)."""
    position = _list_position(after)
    # The rows' versions in the same read as the rows: what the list's poll sends (jobs/poll.py).
    shown, next_position = selectors.keyset_page(poll.with_versions(jobs), position, JOBS_PER_PAGE)
    older = query.copy()
    older["after"] = next_position or ""
    return {"object_list": shown, "count": None if position or next_position else len(shown),
            "newest_url": f"?{query.urlencode()}" if position else None,
            "older_url": f"?{older.urlencode()}" if next_position else None}


def _list_position(value: str):
    """The position an "Older" link carries; a malformed one is the newest page (as a page number past the end was)."""
    try:
        return parse_cursor(value) if value else None
    except BadCursor:
        return None


def without_batch(request, url_name: str) -> str:
    """The list's URL with its filters but the batch's (the chip's clear link)."""
    query = request.GET.copy()
    for name in ("batch", "page", "after"):
        query.pop(name, None)
    return f"{reverse(url_name)}?{query.urlencode()}" if query else reverse(url_name)


@login_required
@require_safe
def job_rows(request):
    """The jobs list's one poll for every row it watches (`w`: a job and the version its row shows): 204 while none
    changed, else the changed rows (swapped in by id, out of band) and the poller with the versions now shown."""
    shown = poll.parse_watched(request.GET.getlist("w"))
    if shown is None:
        return HttpResponse(f"Name each watched job as w=<job id>.<version>, at most {poll.MOST_WATCHED}.", status=400)
    current = poll.watched_jobs(request, shown)
    poll.sync_stale(current.values())
    changed = [uuid for uuid, version in shown.items() if uuid not in current or current[uuid].version != version]
    if not changed:
        return nothing_new()
    changed_rows = Job.objects.filter(pk__in=[current[uuid].pk for uuid in changed if uuid in current])
    rows = {job.uuid: job for job in changed_rows.select_related("owner").prefetch_related(*selectors.PREVIEWED)}
    still_watched = [(uuid, current[uuid].version) for uuid in shown
                     if uuid in current and (uuid not in rows or poll.is_watched(rows[uuid]))]
    context = {"rows": rows.values(), "gone": [uuid for uuid in changed if uuid not in current],
               "watch_query": poll.watch_query(still_watched)}
    return polling_fragment(request, "jobs/list.html#rows-update", context, finished=not still_watched)


@login_required
@require_safe
def job_detail(request, uuid):
    version = poll.watched_job(request, uuid).version  # read before the content (jobs/poll.py)
    return render(request, "jobs/detail.html", _detail_context(job_for(request, uuid), version))


@login_required
@require_safe
def job_status(request, uuid):
    """The job page's status fragment, polled with the version the page shows (`v`): 204 while that is still it."""
    watched = poll.watched_job(request, uuid)
    sync.request_sync_if_stale(watched)
    if request.GET.get("v") == watched.version:
        return nothing_new()
    context = _detail_context(job_for(request, uuid), watched.version)
    return polling_fragment(request, "jobs/detail.html#job-status", context, finished=not context["watching"])


def _detail_context(job, version: str):
    outputs = list(selectors.outputs_of(job))
    # A finished job's files are copied after its final state: the page keeps watching until they are here.
    copying = any(output.archive_state == ArchiveState.PENDING for output in outputs)
    progress, progress_per_second = selectors.progress_estimate(job)
    return {"job": job, "spec": catalogue.get(job.model_key), "timeline": selectors.timeline(job),
            "outputs": outputs, "deletions": job.output_deletions.all(), "version": version,
            "progress": progress, "progress_per_second": progress_per_second, "estimate_cap": selectors.ESTIMATE_CAP,
            "watching": job.is_active or copying, **_missing_files(outputs)}


def _missing_files(outputs) -> dict:
    """Archived outputs whose file this web server cannot find: the page says why instead of a broken player.
    One storage call per output, so only here (a job has few), never per gallery tile."""
    missing = {output.uuid for output in outputs if output.archive_state == ArchiveState.ARCHIVED
               and not (output.file and default_storage.exists(output.file))}
    # A worker whose media this server cannot read is the likely keeper of the file (README Deployment).
    return {"missing_files": missing, "media_not_shared_with": media_markers.unreadable_hosts() if missing else None}


@login_required
@require_safe
def input_file(request, uuid):
    """The file the job was given (an image-to-video job's first frame), to whoever may see the job."""
    job = job_for(request, uuid)
    if not job.input_file:
        raise Http404("This job was given no file.")
    content_type, _ = mimetypes.guess_type(job.input_file)
    # A job's input never changes (a new upload is a new job), so the job's id versions it.
    return serve_file(request, job.input_file, content_type or "", etag=f"input-{job.uuid}")


@login_required
@require_safe
def job_input_file(request, uuid, parameter):
    """A file the job was given for one of its parameters (a clip to transcribe), to whoever may see the job."""
    job = job_for(request, uuid)
    row = job.input_files.filter(parameter=parameter).first()
    if row is None:
        raise Http404("This job was given no such file.")
    return serve_file(request, row.file, row.content_type, etag=f"input-{job.uuid}-{row.parameter}")


@login_required
def run_again(request, uuid):
    job = job_for(request, uuid, Role.MEMBER)
    same_seed = "&seed=same" if request.GET.get("seed") == "same" else ""
    return redirect(f"/jobs/new/?from={job.uuid}{same_seed}")


@login_required
def delete_job(request, uuid):
    job = deletable_job(request, uuid)
    if request.method != "POST":
        return render(request, "jobs/delete.html", {"job": job})
    note = history.delete_job(job, actor=request.user, request=request)
    messages.success(request, note or "Job deleted, with its files.")
    return redirect("jobs:list")


@login_required
def compare(request):
    workspace = access.require(request, Role.MEMBER)
    form = CompareForm(submitted(request))
    if request.method == "POST" and form.is_valid():
        try:
            group = comparison.submit(request.user, workspace, form.cleaned_data["models"], form.cleaned_data["prompt"])
        except comparison.MissingAccounts as refusal:
            form.add_error("models", str(refusal))
        except limits.MemberLimitReached as refusal:
            form.add_error(None, str(refusal))
            return render(request, "jobs/compare.html", {"form": form}, status=LIMIT_REACHED_STATUS)
        else:
            return redirect("jobs:compare_results", group=group)
    return render(request, "jobs/compare.html", {"form": form}, status=422 if form.errors else 200)


@login_required
@require_safe
def compare_results(request, group):
    first = access.get_for(request, Job.objects.all(), Role.VIEWER, compare_group=group)
    jobs = Job.objects.filter(workspace_id=first.workspace_id, compare_group=group).prefetch_related("outputs")
    return render(request, "jobs/compare_results.html", {"jobs": jobs.order_by("id")})


@login_required
@require_POST
def import_history(request):
    access.require(request, Role.MEMBER)  # a viewer is refused before the form is read
    account_uuid = parse_uuid(request.POST.get("account"))
    if account_uuid is None:
        return HttpResponse("Choose a NetMind account to import from.", status=400)
    account = access.get_for(request, ProviderAccount.objects.filter(provider=Provider.NETMIND), Role.MEMBER,
                             uuid=account_uuid)
    try:
        count = history.import_history(account, request.user)
    except ProviderError as error:
        messages.error(request, f"Import stopped: {error.user_message}")
    else:
        messages.success(request, f"Imported {count} job{'s' if count != 1 else ''} from {account.label}.")
    return redirect("jobs:list")


@login_required
@require_safe
def finished_toasts(request):
    jobs = selectors.finished_unnotified(request.user, access.current_workspace(request))
    return render(request, "jobs/toasts.html", {"jobs": jobs})
