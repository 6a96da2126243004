import uuid as uuidlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from jobs import catalogue, history, selectors, submission, sync
from jobs.forms import CompareForm, JobFilterForm, JobForm
from jobs.models import Job
from netmind_console.accounts.models import ProviderAccount
from netmind_console.clients.errors import ProviderError
from netmind_console.core.forms import submitted
from netmind_console.core.htmx import page_or_partial, polling_fragment
from netmind_console.core.ids import parse_uuid

DEFAULT_MODEL = "Qwen/Qwen-Image"


def _get_job_for_user(request, uuid) -> Job:
    return get_object_or_404(Job.objects.select_related("account"), uuid=uuid, owner=request.user)


def _spec_or_default(key):
    return catalogue.get(key or "") or catalogue.get(DEFAULT_MODEL)


def _prefill(request, spec):
    """Run again / Use these settings: the earlier job's values, with a new seed unless asked to keep it."""
    source_uuid = parse_uuid(request.GET.get("from"))
    source = Job.objects.filter(uuid=source_uuid, owner=request.user).first() if source_uuid else None
    if not source:
        return None, spec
    spec = _spec_or_default(source.model_key)
    initial = {**source.params, "account": source.account_id}
    if "config_json" in initial:
        import json

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
        spec = catalogue.get(request.POST.get("model", ""))
        if spec is None:
            return HttpResponse("Unknown model: choose one from the list.", status=400)
        form = JobForm(request.POST, request.FILES, spec=spec, user=request.user)
        if not form.is_valid():
            return _render_new(request, form, status=422)
        job, _ = submission.create_job_once(request.user, spec, form.cleaned_data,
                                            request.POST.get("submission_key", ""))
        return redirect("jobs:detail", uuid=job.uuid)
    initial, spec = _prefill(request, _spec_or_default(request.GET.get("model")))
    return _render_new(request, JobForm(initial=initial, spec=spec, user=request.user))


@login_required
def model_fields(request):
    spec = _spec_or_default(request.GET.get("model"))
    return _render_new(request, JobForm(spec=spec, user=request.user))


@login_required
def job_list(request):
    filters = JobFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    page = Paginator(selectors.jobs_for(request.user, values), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "filters": filters, "query": query.urlencode()}
    return page_or_partial(request, "jobs/list.html", "job-table", context)


@login_required
def job_row(request, uuid):
    job = _get_job_for_user(request, uuid)
    sync.request_sync_if_stale(job)
    return polling_fragment(request, "jobs/list.html#job-row", {"job": job}, finished=not job.is_active)


@login_required
def job_detail(request, uuid):
    job = _get_job_for_user(request, uuid)
    return render(request, "jobs/detail.html", _detail_context(job))


@login_required
def job_status(request, uuid):
    job = _get_job_for_user(request, uuid)
    sync.request_sync_if_stale(job)
    return polling_fragment(request, "jobs/detail.html#job-status", _detail_context(job), finished=not job.is_active)


def _detail_context(job):
    return {"job": job, "spec": catalogue.get(job.model_key), "timeline": selectors.timeline(job),
            "outputs": job.outputs.all(), "progress": selectors.progress_percent(job)}


@login_required
def run_again(request, uuid):
    job = _get_job_for_user(request, uuid)
    same_seed = "&seed=same" if request.GET.get("seed") == "same" else ""
    return redirect(f"/jobs/new/?from={job.uuid}{same_seed}")


@login_required
def delete_job(request, uuid):
    job = _get_job_for_user(request, uuid)
    if request.method != "POST":
        return render(request, "jobs/delete.html", {"job": job})
    note = history.delete_job(job)
    messages.success(request, note or "Job deleted, with its files.")
    return redirect("jobs:list")


@login_required
def compare(request):
    form = CompareForm(submitted(request))
    accounts = {p: ProviderAccount.objects.filter(owner=request.user, provider=p).first()
                for p in ("netmind", "apinfer")}
    if request.method == "POST" and form.is_valid():
        group = uuidlib.uuid4()
        missing = [catalogue.get(k).label for k in form.cleaned_data["models"] if not accounts[catalogue.get(k).provider]]
        if missing:
            form.add_error("models", f"Add a provider account first for: {', '.join(missing)}.")
        else:
            for key in form.cleaned_data["models"]:
                spec = catalogue.get(key)
                values = {f.name: f.default for f in spec.fields}
                values.update(prompt=form.cleaned_data["prompt"], account=accounts[spec.provider])
                submission.create_job(request.user, spec, values, compare_group=group)
            return redirect("jobs:compare_results", group=group)
    return render(request, "jobs/compare.html", {"form": form}, status=422 if form.errors else 200)


@login_required
def compare_results(request, group):
    jobs = Job.objects.filter(owner=request.user, compare_group=group).prefetch_related("outputs").order_by("id")
    if not jobs:
        return render(request, "404.html", status=404)
    return render(request, "jobs/compare_results.html", {"jobs": jobs})


@login_required
@require_POST
def import_history(request):
    account_uuid = parse_uuid(request.POST.get("account"))
    account = get_object_or_404(ProviderAccount, uuid=account_uuid, owner=request.user,
                                provider="netmind") if account_uuid else None
    if account is None:
        return HttpResponse("Choose a NetMind account to import from.", status=400)
    try:
        count = history.import_history(account)
    except ProviderError as error:
        messages.error(request, f"Import stopped: {error.user_message}")
    else:
        messages.success(request, f"Imported {count} job{'s' if count != 1 else ''} from {account.label}.")
    return redirect("jobs:list")


@login_required
def finished_toasts(request):
    return render(request, "jobs/toasts.html", {"jobs": selectors.finished_unnotified(request.user)})
