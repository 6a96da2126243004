"""Choosing a GPU flavor and creating an endpoint, or adopting one created elsewhere."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.views.decorators.http import require_GET, require_POST

from endpoints import flavors, lifecycle, tasks
from endpoints.errors import EndpointError
from endpoints.forms import AdoptForm, CreateEndpointForm
from endpoints.models import Flavor
from endpoints.views.common import ForeignAccount, chosen_account, foreign_account_refused
from netmind_console.clients.errors import NotFound, ProviderError
from netmind_console.core.forms import submitted
from netmind_console.core.htmx import page_or_partial
from netmind_console.core.queue import enqueue
from netmind_console.workspaces import access
from netmind_console.workspaces.roles import Role

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


@login_required
@require_GET
def flavor_list(request):
    try:
        account, accounts = chosen_account(request, access.require(request, Role.VIEWER))
    except ForeignAccount:
        return foreign_account_refused()
    sort = request.GET.get("sort") if request.GET.get("sort") in FLAVOR_SORTS else "gpu"
    _load_flavors_once(request, account)
    listed = flavors.flavors_for(account).order_by(*FLAVOR_SORTS[sort]) if account else Flavor.objects.none()
    refreshed_at = max((flavor.refreshed_at for flavor in listed), default=None)
    context = {"flavors": listed, "account": account, "accounts": accounts, "sort": sort,
               "columns": _flavor_columns(sort, account),
               "refreshed": _ago(refreshed_at) if refreshed_at else None}
    return page_or_partial(request, "endpoints/flavors.html", "table", context)


def _ago(moment):
    """Under a minute "just now" (timesince would say "0 minutes"), else "3 minutes ago", "1 hour ago"."""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, depth=1)} ago"


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
    """An admin's, like creating: only the people who create endpoints need fresh prices, and it calls out."""
    try:
        account, _ = chosen_account(request, access.require(request, Role.ADMIN))
    except ForeignAccount:
        return foreign_account_refused()
    if account is None:
        messages.error(request, "Add a NetMind account on the Settings page first.")
    else:
        try:
            count = flavors.refresh_flavors(account)
            messages.success(request, f"Refreshed: {count} flavor{'s' if count != 1 else ''} listed.")
        except ProviderError as error:
            messages.error(request, f"Could not refresh the flavors: {error.user_message}")
    query = f"?account={account.uuid}" if account else ""
    return redirect(reverse("endpoints:flavors") + query)


@login_required
def endpoint_new(request):
    workspace = access.require(request, Role.ADMIN)
    account = flavors.default_account(workspace)
    _load_flavors_once(request, account)
    form = CreateEndpointForm(submitted(request), workspace=workspace)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, created = lifecycle.request_create(
                request.user, form.chosen_account(), form.cleaned_data["flavor"],
                name=form.cleaned_data["name"], instances=form.cleaned_data["instances"],
                gpus_per_instance=form.cleaned_data["gpus_per_instance"], image_url=form.cleaned_data["image_url"],
                command=form.cleaned_data["command"], port=form.cleaned_data["port"],
                create_key=form.cleaned_data["create_key"], request=request,
            )
        except EndpointError as error:
            form.add_error(None, str(error))
        else:
            if created:
                enqueue(tasks.submit_endpoint, endpoint.pk, group=tasks.GROUP)
                messages.success(request, f"Creating {endpoint.name}. It starts in a minute or two.")
            return redirect("endpoints:detail", uuid=endpoint.uuid)
    status = 400 if form.is_bound else 200
    return render(request, "endpoints/new.html", {"form": form, "has_account": account is not None}, status=status)


def _load_flavors_once(request, account):
    """The first visit (nothing cached for the account's API) lists the flavors without a Refresh: the flavors
    page and the New endpoint form show the same list. A provider error is a message, not a broken page."""
    if account is None or flavors.flavors_for(account).exists():
        return
    try:
        flavors.refresh_flavors(account)
    except ProviderError as error:
        messages.error(request, f"Could not load the flavors: {error.user_message}")


@login_required
@require_GET
def cost_preview(request):
    form = CreateEndpointForm(request.GET, workspace=access.require(request, Role.ADMIN))
    form.is_valid()  # only to clean the fields the cost needs; other errors are not shown here
    return render(request, "endpoints/new.html#cost", {"form": form})


@login_required
def adopt(request):
    form = AdoptForm(submitted(request), workspace=access.require(request, Role.ADMIN))
    if request.method == "POST" and form.is_valid():
        account = form.chosen_account()
        try:
            endpoint, created = lifecycle.adopt(request.user, account, form.cleaned_data["service_id"],
                                                request=request)
        except NotFound:
            form.add_error("service_id", "The provider has no service with this id on this account.")
        except ProviderError as error:
            form.add_error(None, error.user_message)
        else:
            messages.success(request, f"Now tracking {endpoint.name}." if created else "Already tracked.")
            return redirect("endpoints:detail", uuid=endpoint.uuid)
    return render(request, "endpoints/adopt.html", {"form": form}, status=400 if form.errors else 200)
