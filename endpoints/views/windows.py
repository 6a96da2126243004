"""An endpoint's weekly schedule windows: add, remove, pause and resume."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from endpoints import schedules
from endpoints.forms import ScheduleForm
from endpoints.models import EndpointSchedule, Status
from endpoints.permissions import get_endpoint
from endpoints.views.common import render_detail
from netmind_console.workspaces.roles import Role


def _get_schedule(request, uuid, schedule_uuid) -> EndpointSchedule:
    """Changing a window is an admin's: it decides when the endpoint costs money."""
    endpoint = get_endpoint(request, uuid, Role.ADMIN)
    return get_object_or_404(endpoint.schedules, uuid=schedule_uuid)


def _back_to_schedule(uuid):
    return redirect(reverse("endpoints:detail", args=[uuid]) + "#schedule")


@login_required
@require_POST
def schedule_add(request, uuid):
    endpoint = get_endpoint(request, uuid, Role.ADMIN)
    if endpoint.status == Status.DELETED:
        messages.error(request, "This endpoint is deleted; it cannot have a schedule.")
        return render_detail(request, endpoint, status=409)
    form = ScheduleForm(request.POST, endpoint=endpoint)
    if not form.is_valid():
        return render_detail(request, endpoint, status=400, schedule_form=form)
    schedule = schedules.add_schedule(endpoint, **form.cleaned_data, actor=request.user, request=request)
    messages.success(request, f"Window {schedules.window_label(schedule)} added.")
    return _back_to_schedule(endpoint.uuid)


@login_required
@require_POST
def schedule_delete(request, uuid, schedule_uuid):
    schedule = _get_schedule(request, uuid, schedule_uuid)
    schedules.remove_schedule(schedule, actor=request.user, request=request)
    messages.success(request, f"Window {schedules.window_label(schedule)} removed.")
    return _back_to_schedule(uuid)


@login_required
@require_POST
def schedule_toggle(request, uuid, schedule_uuid):
    schedule = _get_schedule(request, uuid, schedule_uuid)
    schedules.set_schedule_enabled(schedule, not schedule.enabled, actor=request.user, request=request)
    state = "paused" if schedule.enabled else "resumed"
    messages.success(request, f"Window {schedules.window_label(schedule)} {state}.")
    return _back_to_schedule(uuid)
