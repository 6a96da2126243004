"""What a person does to one endpoint: scale (confirming a dearer size), delete, set a budget, try it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from endpoints import budgets, flavors, handoff, lifecycle, tasks
from endpoints.errors import EndpointError
from endpoints.forms import BudgetForm, DeleteForm, ScaleForm, TryItForm
from endpoints.try_it import try_it as try_endpoint
from endpoints.permissions import get_endpoint
from endpoints.views.common import render_detail
from netmind_console.clients.errors import ProviderError
from netmind_console.core.forms import submitted
from netmind_console.core.htmx import page_or_partial
from netmind_console.core.queue import enqueue
from netmind_console.workspaces.roles import Role


@login_required
@require_POST
def scale(request, uuid):
    """The intent key is checked by scaling.request_scale: a repeated post is the same wish, sent once.

    A bigger size costs more, so the page asks once more first (the API does not: its caller asked)."""
    endpoint = get_endpoint(request, uuid, Role.MEMBER)
    form = ScaleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
        return render_detail(request, endpoint, status=400)
    target = form.cleaned_data["instances"]
    if target > endpoint.target_instances and not form.cleaned_data["confirmed"]:
        return _confirm_scale_up(request, endpoint, target, form.cleaned_data["intent_key"])
    try:
        _, created = handoff.scale(endpoint, target, form.cleaned_data["intent_key"], actor=request.user,
                                   request=request)
    except EndpointError as error:
        messages.error(request, str(error))
        return redirect("endpoints:detail", uuid=endpoint.uuid)
    if created:
        messages.success(request, "Stopping." if target == 0 else f"Scaling to {target}.")
    return redirect("endpoints:detail", uuid=endpoint.uuid)


def _confirm_scale_up(request, endpoint, target, intent_key):
    """Scaling up costs money: show the new hourly cost and ask once more (a page, not a JS dialog)."""
    context = {
        "endpoint": endpoint,
        "target": target,
        "intent_key": intent_key,
        "current_cost": flavors.cost_of(endpoint.usd_per_gpu_hour, endpoint.target_instances,
                                        endpoint.gpus_per_instance),
        "new_cost": flavors.cost_of(endpoint.usd_per_gpu_hour, target, endpoint.gpus_per_instance),
    }
    return page_or_partial(request, "endpoints/confirm_scale.html", "confirm", context)


@login_required
def delete(request, uuid):
    endpoint = get_endpoint(request, uuid, Role.ADMIN)
    form = DeleteForm(submitted(request), endpoint=endpoint)
    if request.method == "POST" and form.is_valid():
        try:
            if lifecycle.request_delete(endpoint, actor=request.user, request=request):
                enqueue(tasks.delete_endpoint, endpoint.pk, group=tasks.GROUP)
                messages.success(request, f"Deleting {endpoint.name}. Its history and spend stay here.")
        except EndpointError as error:
            messages.error(request, str(error))
        return redirect("endpoints:detail", uuid=endpoint.uuid)
    return render(request, "endpoints/delete.html", {"endpoint": endpoint, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def set_budget(request, uuid):
    endpoint = get_endpoint(request, uuid, Role.ADMIN)
    form = BudgetForm(request.POST)
    if not form.is_valid():
        return render_detail(request, endpoint, status=400, budget_form=form)
    budget = form.cleaned_data["monthly_budget_usd"]
    budgets.set_budget(endpoint, budget, actor=request.user, request=request)
    messages.success(request, f"Monthly budget set to ${budget}." if budget else "Budget removed.")
    return redirect("endpoints:detail", uuid=endpoint.uuid)


@login_required
def try_it(request, uuid):
    endpoint = get_endpoint(request, uuid, Role.MEMBER)
    form = TryItForm(submitted(request))
    context = {"endpoint": endpoint, "form": form}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                context["result"] = try_endpoint(endpoint, form.cleaned_data["path"], form.cleaned_data["body"])
            except (EndpointError, ProviderError) as error:
                context["error"] = getattr(error, "user_message", str(error))
                status = 409
        else:
            status = 400
    return page_or_partial(request, "endpoints/try.html", "panel", context, status=status)
