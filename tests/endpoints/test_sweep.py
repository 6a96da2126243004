from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from endpoints import budgets, lifecycle, tasks
from endpoints.models import Endpoint, EndpointEvent

from .conftest import create_endpoint, netmind_account_of, remote_calls


def test_the_sweep_brings_an_initializing_endpoint_up_to_date(owner, rtx):
    endpoint = create_endpoint(owner, rtx)
    assert endpoint.status == "initializing"
    deadline = timezone.now() + timedelta(seconds=10)
    while endpoint.status == "initializing" and timezone.now() < deadline:
        tasks.sweep_endpoints()
        endpoint.refresh_from_db()
    assert endpoint.status == "available"


def test_the_sweep_sends_a_create_that_was_left_pending(owner, rtx, sandbox):
    endpoint, _ = lifecycle.request_create(
        owner, netmind_account_of(owner), rtx, name="left", instances=1, gpus_per_instance=1,
        image_url="python:3.10-slim", command="", port=8080, create_key=None,
    )
    Endpoint.objects.filter(pk=endpoint.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    tasks.sweep_endpoints()
    tasks.sweep_endpoints()
    endpoint.refresh_from_db()
    assert endpoint.service_id and remote_calls(sandbox, "POST") == 1


def test_the_sweep_stops_an_endpoint_over_its_budget(running, sandbox):
    EndpointEvent.objects.filter(endpoint=running).update(at=timezone.now() - timedelta(minutes=22))
    budgets.set_budget(running, Decimal("0.10"))
    tasks.sweep_endpoints()
    running.refresh_from_db()
    assert running.target_instances == 0 and running.status == "stopped"
    assert remote_calls(sandbox, "PUT") == 1
