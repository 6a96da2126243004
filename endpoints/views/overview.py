"""The endpoint list and detail pages, and the fragments they poll while something is changing."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from endpoints import budgets, handoff
from endpoints.models import Endpoint
from endpoints.permissions import get_endpoint
from endpoints.views.common import detail_context, render_detail
from netmind_console.core.htmx import polling_fragment
from netmind_console.workspaces import access
from netmind_console.workspaces.roles import Role


@login_required
@require_GET
def endpoint_list(request):
    workspace = access.require(request, Role.VIEWER)
    endpoints = list(Endpoint.objects.filter(workspace=workspace).select_related("flavor"))
    for endpoint in endpoints:
        endpoint.spend_so_far = budgets.spend(endpoint)
    return render(request, "endpoints/list.html", {"endpoints": endpoints})


@login_required
@require_GET
def endpoint_row(request, uuid):
    endpoint = _polled_endpoint(request, uuid)
    endpoint.spend_so_far = budgets.spend(endpoint)
    return polling_fragment(request, "endpoints/list.html#row", {"endpoint": endpoint}, endpoint.is_settled)


@login_required
@require_GET
def endpoint_detail(request, uuid):
    return render_detail(request, get_endpoint(request, uuid, Role.VIEWER))


@login_required
@require_GET
def endpoint_status(request, uuid):
    endpoint = _polled_endpoint(request, uuid)
    context = detail_context(endpoint)
    settled = not context["watching"]
    response = polling_fragment(request, "endpoints/detail.html#live", context, settled)
    if settled:
        # The actions (Scale, Stop, Start, Try it) sit outside the polled part and depend on the status:
        # reload the page once, so a person does not see "Available" next to the buttons of "Creating".
        response["HX-Refresh"] = "true"
    return response


def _polled_endpoint(request, uuid) -> Endpoint:
    return handoff.sync_if_watched(get_endpoint(request, uuid, Role.VIEWER))
