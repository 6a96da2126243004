import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from endpoints import charts, services, tasks
from endpoints.forms import AdoptForm, BudgetForm, CreateEndpointForm, DeleteForm, ScaleForm, ScheduleForm, TryItForm
from endpoints.models import Endpoint, EndpointSchedule, Flavor, ScaleIntent, Status
from netmind_console.clients.errors import NotFound, ProviderError
from netmind_console.core.forms import submitted

# HTMX stops polling an element when the answer has this status (the content is still swapped in).
STOP_POLLING = 286
# Column label -> sort key (None: not sortable). A second click on the price sorts the other way.
FLAVOR_COLUMNS = [("GPU", "gpu"), ("Region", "region"), ("CUDA", None), ("USD per GPU-hour", "price"),
                  ("Available", "available"), ("GPUs per node", "max-gpus")]
FLAVOR_SORTS = {
    "gpu": ["display_name", "region"],
    "region": ["region", "display_name"],
    "price": ["usd_per_gpu_hour", "display_name"],
    "-price": ["-usd_per_gpu_hour", "display_name"],
    "available": ["-available_num", "display_name"],
    "max-gpus": ["-node_max_gpu", "display_name"],
}


def _get_endpoint_for_user(request, uuid) -> Endpoint:
    return get_object_or_404(Endpoint.objects.select_related("flavor", "account"), uuid=uuid, owner=request.user)


def _page_or_partial(request, template, partial, context, status=200):
    """The full page normally; only the named fragment when HTMX asks.

    HTMX does not swap 4xx answers by default, so a fragment that carries an error is sent as 200.
    """
    if request.htmx:
        response = render(request, f"{template}#{partial}", context)
    else:
        response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])  # one URL, two answers: caches must keep them apart
    return response


def _chosen_account(request):
    """The account named by ?account=<uuid>, else the user's first NetMind account."""
    accounts = services.netmind_accounts(request.user)
    chosen = accounts.filter(uuid=_as_uuid(request.GET.get("account") or request.POST.get("account"))).first()
    return chosen or accounts.first(), accounts


def _as_uuid(text):
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


# --- list and detail ------------------------------------------------------------------------------


@login_required
@require_GET
def endpoint_list(request):
    endpoints = list(Endpoint.objects.filter(owner=request.user).select_related("flavor"))
    for endpoint in endpoints:
        endpoint.spend_so_far = services.spend(endpoint)
    return render(request, "endpoints/list.html", {"endpoints": endpoints})


@login_required
@require_GET
def endpoint_row(request, uuid):
    endpoint = _polled_endpoint(request, uuid)
    endpoint.spend_so_far = services.spend(endpoint)
    return _polling_response(request, "endpoints/list.html#row", endpoint)


def _detail_context(endpoint, **extra):
    return {
        "endpoint": endpoint,
        "events": endpoint.events.order_by("-at", "-id"),
        "spend_so_far": services.spend(endpoint),
        "month_spend": services.month_spend(endpoint),
        "projected": services.projected_month_spend(endpoint),
        "budget_share": services.budget_share(endpoint),
        "budget_warned": services.budget_warned_this_month(endpoint),
        "failed_intent": _last_intent_if_failed(endpoint),
        "scale_keys": {name: uuid.uuid4() for name in ("form", "minus", "plus", "stop", "start")},
        "budget_form": BudgetForm(initial={"monthly_budget_usd": endpoint.monthly_budget_usd}),
        "schedule_form": ScheduleForm(endpoint=endpoint),
        **_schedule_context(endpoint),
        **extra,
    }


def _schedule_context(endpoint):
    zone = services.user_zone(endpoint.owner)
    windows = services.next_edges(endpoint, timezone.now(), zone)
    upcoming = [(schedule, edge) for schedule, edge in windows if edge]
    return {
        "time_zone": zone,
        "windows": windows,
        "next_window_action": min(upcoming, key=lambda pair: pair[1].at, default=None),
    }


def _last_intent_if_failed(endpoint):
    """Only the latest wish matters: an old failure that a later scale replaced is not news."""
    latest = endpoint.scale_intents.first()
    return latest if latest and latest.state == ScaleIntent.State.FAILED else None


@login_required
@require_GET
def endpoint_detail(request, uuid):
    endpoint = _get_endpoint_for_user(request, uuid)
    return render(request, "endpoints/detail.html", _detail_context(endpoint))


@login_required
@require_GET
def endpoint_status(request, uuid):
    endpoint = _polled_endpoint(request, uuid)
    response = _polling_response(request, "endpoints/detail.html#live", endpoint, _detail_context(endpoint))
    if endpoint.is_settled:
        # The actions (Scale, Stop, Start, Try it) sit outside the polled part and depend on the status:
        # reload the page once, so a person does not see "Available" next to the buttons of "Creating".
        response["HX-Refresh"] = "true"
    return response


def _polled_endpoint(request, uuid) -> Endpoint:
    """Someone is watching: ask for a fresh GET (one per endpoint however many tabs poll)."""
    endpoint = _get_endpoint_for_user(request, uuid)
    if not endpoint.is_settled and services.claim_sync(endpoint):
        tasks.enqueue(tasks.sync_endpoint, endpoint.pk)
        endpoint.refresh_from_db()
    return endpoint


def _polling_response(request, template, endpoint, context=None):
    response = render(request, template, context or {"endpoint": endpoint})
    if endpoint.is_settled:
        response.status_code = STOP_POLLING
    return response


# --- flavors --------------------------------------------------------------------------------------


@login_required
@require_GET
def flavor_list(request):
    account, accounts = _chosen_account(request)
    sort = request.GET.get("sort") if request.GET.get("sort") in FLAVOR_SORTS else "gpu"
    flavors = services.flavors_for(account).order_by(*FLAVOR_SORTS[sort]) if account else Flavor.objects.none()
    context = {"flavors": flavors, "account": account, "accounts": accounts, "sort": sort,
               "columns": _flavor_columns(sort, account),
               "refreshed_at": max((flavor.refreshed_at for flavor in flavors), default=None)}
    return _page_or_partial(request, "endpoints/flavors.html", "table", context)


def _flavor_columns(sort, account):
    columns = []
    for label, key in FLAVOR_COLUMNS:
        column = {"label": label}
        if key:
            reverse_key = f"-{key}"
            next_sort = reverse_key if sort == key and reverse_key in FLAVOR_SORTS else key
            column["query"] = urlencode({"sort": next_sort, **({"account": account.uuid} if account else {})})
            if sort.lstrip("-") == key:
                column["direction"] = "descending" if FLAVOR_SORTS[sort][0].startswith("-") else "ascending"
        columns.append(column)
    return columns


@login_required
@require_POST
def refresh_flavors(request):
    account, _ = _chosen_account(request)
    if account is None:
        messages.error(request, "Add a NetMind account on the Settings page first.")
    else:
        try:
            count = services.refresh_flavors(account)
            messages.success(request, f"Refreshed: {count} flavor{'s' if count != 1 else ''} listed.")
        except ProviderError as error:
            messages.error(request, f"Could not refresh the flavors: {error.user_message}")
    query = f"?account={account.uuid}" if account else ""
    return redirect(reverse("endpoints:flavors") + query)


# --- create ---------------------------------------------------------------------------------------


@login_required
def endpoint_new(request):
    account, _ = _chosen_account(request)
    if account and not services.flavors_for(account).exists():
        _fetch_flavors_quietly(request, account)
    form = CreateEndpointForm(submitted(request), owner=request.user)
    if request.method == "POST" and form.is_valid():
        endpoint, created = services.request_create(
            request.user, form.chosen_account(), form.cleaned_data["flavor"],
            name=form.cleaned_data["name"], instances=form.cleaned_data["instances"],
            gpus_per_instance=form.cleaned_data["gpus_per_instance"], image_url=form.cleaned_data["image_url"],
            command=form.cleaned_data["command"], port=form.cleaned_data["port"],
            create_key=form.cleaned_data["create_key"],
        )
        if created:
            tasks.enqueue(tasks.submit_endpoint, endpoint.pk)
            messages.success(request, f"Creating {endpoint.name}. It starts in a minute or two.")
        return redirect("endpoints:detail", uuid=endpoint.uuid)
    status = 400 if form.is_bound else 200
    return render(request, "endpoints/new.html", {"form": form, "has_account": account is not None}, status=status)


def _fetch_flavors_quietly(request, account):
    try:
        services.refresh_flavors(account)
    except ProviderError as error:
        messages.error(request, f"Could not load the flavors: {error.user_message}")


@login_required
@require_GET
def cost_preview(request):
    form = CreateEndpointForm(request.GET, owner=request.user)
    form.is_valid()  # only to clean the fields the cost needs; other errors are not shown here
    return render(request, "endpoints/new.html#cost", {"form": form})


# --- adopt ----------------------------------------------------------------------------------------


@login_required
def adopt(request):
    form = AdoptForm(submitted(request), owner=request.user)
    if request.method == "POST" and form.is_valid():
        account = form.chosen_account()
        try:
            endpoint, created = services.adopt(request.user, account, form.cleaned_data["service_id"])
        except NotFound:
            form.add_error("service_id", "The provider has no service with this id on this account.")
        except ProviderError as error:
            form.add_error(None, error.user_message)
        else:
            messages.success(request, f"Now tracking {endpoint.name}." if created else "Already tracked.")
            return redirect("endpoints:detail", uuid=endpoint.uuid)
    return render(request, "endpoints/adopt.html", {"form": form}, status=400 if form.errors else 200)


# --- scale, delete, budget ------------------------------------------------------------------------


@login_required
@require_POST
def scale(request, uuid):
    endpoint = _get_endpoint_for_user(request, uuid)
    form = ScaleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
        return render(request, "endpoints/detail.html", _detail_context(endpoint), status=400)
    target = form.cleaned_data["instances"]
    if target > endpoint.target_instances and not form.cleaned_data["confirmed"]:
        return _confirm_scale_up(request, endpoint, target, form.cleaned_data["intent_key"])
    try:
        intent, created = services.request_scale(endpoint, target, form.cleaned_data["intent_key"])
    except services.EndpointError as error:
        messages.error(request, str(error))
        return redirect("endpoints:detail", uuid=endpoint.uuid)
    if created:
        tasks.enqueue(tasks.apply_scale, intent.pk)
        messages.success(request, "Stopping." if target == 0 else f"Scaling to {target}.")
    return redirect("endpoints:detail", uuid=endpoint.uuid)


def _confirm_scale_up(request, endpoint, target, intent_key):
    """Scaling up costs money: show the new hourly cost and ask once more (a page, not a JS dialog)."""
    context = {
        "endpoint": endpoint,
        "target": target,
        "intent_key": intent_key,
        "current_cost": services.cost_of(endpoint.usd_per_gpu_hour, endpoint.target_instances,
                                          endpoint.gpus_per_instance),
        "new_cost": services.cost_of(endpoint.usd_per_gpu_hour, target, endpoint.gpus_per_instance),
    }
    return _page_or_partial(request, "endpoints/confirm_scale.html", "confirm", context)


@login_required
def delete(request, uuid):
    endpoint = _get_endpoint_for_user(request, uuid)
    form = DeleteForm(submitted(request), endpoint=endpoint)
    if request.method == "POST" and form.is_valid():
        try:
            if services.request_delete(endpoint):
                tasks.enqueue(tasks.delete_endpoint, endpoint.pk)
                messages.success(request, f"Deleting {endpoint.name}. Its history and spend stay here.")
        except services.EndpointError as error:
            messages.error(request, str(error))
        return redirect("endpoints:detail", uuid=endpoint.uuid)
    return render(request, "endpoints/delete.html", {"endpoint": endpoint, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def set_budget(request, uuid):
    endpoint = _get_endpoint_for_user(request, uuid)
    form = BudgetForm(request.POST)
    if not form.is_valid():
        return render(request, "endpoints/detail.html", _detail_context(endpoint, budget_form=form), status=400)
    budget = form.cleaned_data["monthly_budget_usd"]
    services.set_budget(endpoint, budget)
    messages.success(request, f"Monthly budget set to ${budget}." if budget else "Budget removed.")
    return redirect("endpoints:detail", uuid=endpoint.uuid)


# --- try it ---------------------------------------------------------------------------------------


@login_required
def try_it(request, uuid):
    endpoint = _get_endpoint_for_user(request, uuid)
    form = TryItForm(submitted(request))
    context = {"endpoint": endpoint, "form": form}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                context["result"] = services.try_it(endpoint, form.cleaned_data["path"], form.cleaned_data["body"])
            except (services.EndpointError, ProviderError) as error:
                context["error"] = getattr(error, "user_message", str(error))
                status = 409
        else:
            status = 400
    return _page_or_partial(request, "endpoints/try.html", "panel", context, status=status)


# --- schedules ------------------------------------------------------------------------------------


def _get_schedule_for_user(request, uuid, schedule_uuid) -> EndpointSchedule:
    endpoint = _get_endpoint_for_user(request, uuid)
    return get_object_or_404(endpoint.schedules, uuid=schedule_uuid)


@login_required
@require_POST
def schedule_add(request, uuid):
    endpoint = _get_endpoint_for_user(request, uuid)
    if endpoint.status == Status.DELETED:
        messages.error(request, "This endpoint is deleted; it cannot have a schedule.")
        return render(request, "endpoints/detail.html", _detail_context(endpoint), status=409)
    form = ScheduleForm(request.POST, endpoint=endpoint)
    if not form.is_valid():
        return render(request, "endpoints/detail.html", _detail_context(endpoint, schedule_form=form), status=400)
    schedule = services.add_schedule(endpoint, **form.cleaned_data)
    messages.success(request, f"Window {services.window_label(schedule)} added.")
    return redirect(reverse("endpoints:detail", args=[endpoint.uuid]) + "#schedule")


@login_required
@require_POST
def schedule_delete(request, uuid, schedule_uuid):
    schedule = _get_schedule_for_user(request, uuid, schedule_uuid)
    schedule.delete()
    messages.success(request, f"Window {services.window_label(schedule)} removed.")
    return redirect(reverse("endpoints:detail", args=[uuid]) + "#schedule")


@login_required
@require_POST
def schedule_toggle(request, uuid, schedule_uuid):
    schedule = _get_schedule_for_user(request, uuid, schedule_uuid)
    services.set_schedule_enabled(schedule, not schedule.enabled)
    state = "paused" if schedule.enabled else "resumed"
    messages.success(request, f"Window {services.window_label(schedule)} {state}.")
    return redirect(reverse("endpoints:detail", args=[uuid]) + "#schedule")


# --- usage ----------------------------------------------------------------------------------------


@login_required
@require_GET
def usage(request):
    zone = services.user_zone(request.user)
    report = services.usage(request.user, timezone.now(), zone)
    return render(request, "endpoints/usage.html", {
        "usage": report,
        "time_zone": zone,
        "legend": [(endpoint, charts.series_colour(index)) for index, (endpoint, _) in enumerate(report.spend)],
        "spend_chart": charts.stacked_bars(report.days, [amounts for _, amounts in report.spend]),
        "credits_chart": charts.stacked_bars(report.days, [report.credits]),
    })
