"""django-q2 entry points: plain functions taking primary keys, calling services.

Never pass a token or a model instance here: tasks are pickled into the broker.
"""

from django.utils import timezone
from django_q.tasks import async_task

from endpoints import services
from endpoints.models import Endpoint


def enqueue(task, *ids):
    async_task(f"{task.__module__}.{task.__name__}", *ids, group="endpoints")


def submit_endpoint(endpoint_id: int):
    services.submit_create(endpoint_id)


def sync_endpoint(endpoint_id: int):
    services.sync_endpoint(endpoint_id)


def apply_scale(intent_id: int):
    services.apply_scale(intent_id)


def delete_endpoint(endpoint_id: int):
    services.delete_endpoint(endpoint_id)


def check_budget(endpoint_id: int):
    endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
    if endpoint:
        services.check_budget(endpoint)


def apply_schedule(schedule_id: int):
    services.apply_schedule(schedule_id, timezone.now())


def sweep_endpoints():
    """Every minute: keep active endpoints in step, resend lost work, enforce budgets and schedules."""
    work = services.sweep_work()
    for endpoint_id in work["sync"]:
        enqueue(sync_endpoint, endpoint_id)
    for endpoint_id in work["create"]:
        enqueue(submit_endpoint, endpoint_id)
    for intent_id in work["scale"]:
        enqueue(apply_scale, intent_id)
    for endpoint_id in work["budget"]:
        enqueue(check_budget, endpoint_id)
    for schedule_id in work["schedule"]:
        enqueue(apply_schedule, schedule_id)
