"""django-q2 entry points: plain functions taking primary keys, calling the domain modules.

Never pass a token or a model instance here: tasks are pickled into the broker.
"""

from django.utils import timezone

from endpoints import budgets, lifecycle, scaling, schedules, sweeps
from endpoints.models import Endpoint
from netmind_console.core.queue import enqueue

GROUP = "endpoints"


def submit_endpoint(endpoint_id: int):
    lifecycle.submit_create(endpoint_id)


def sync_endpoint(endpoint_id: int):
    lifecycle.sync_endpoint(endpoint_id)


def apply_scale(intent_id: int):
    scaling.apply_scale(intent_id)


def delete_endpoint(endpoint_id: int):
    lifecycle.delete_endpoint(endpoint_id)


def check_budget(endpoint_id: int):
    endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
    if endpoint:
        budgets.check_budget(endpoint)


def apply_schedule(schedule_id: int):
    schedules.apply_schedule(schedule_id, timezone.now())


def sweep_endpoints():
    """Every minute: keep active endpoints in step, resend lost work, enforce budgets and schedules."""
    work = sweeps.sweep_work()
    for endpoint_id in work["sync"]:
        enqueue(sync_endpoint, endpoint_id, group=GROUP)
    for endpoint_id in work["create"]:
        enqueue(submit_endpoint, endpoint_id, group=GROUP)
    for intent_id in work["scale"]:
        enqueue(apply_scale, intent_id, group=GROUP)
    for endpoint_id in work["budget"]:
        enqueue(check_budget, endpoint_id, group=GROUP)
    for schedule_id in work["schedule"]:
        enqueue(apply_schedule, schedule_id, group=GROUP)
