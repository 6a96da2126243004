"""What changes an endpoint's cost writes an audit row: who (the system for the sweeps), what, before and after."""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from endpoints import budgets, tasks
from endpoints.models import EndpointEvent
from netmind_console.workspaces.models import AuditEntry
from netmind_console.workspaces.roles import Role
from tests.fixtures.teams import work_in

from .conftest import RTX_4090, endpoint_url, wait_until_settled


def audited(action) -> AuditEntry:
    return AuditEntry.objects.get(action=action)


def scale(client, endpoint, instances):
    return client.post(endpoint_url("scale", endpoint),
                       {"instances": str(instances), "confirmed": "1", "intent_key": str(uuid.uuid4())})


def test_a_member_stops_and_starts_the_teams_endpoint_and_each_is_audited(bob_as, other, team, team_endpoint):
    client = bob_as(Role.MEMBER)
    assert scale(client, team_endpoint, 0).status_code == 302
    assert wait_until_settled(team_endpoint).status == "stopped"
    assert scale(client, team_endpoint, 1).status_code == 302
    assert wait_until_settled(team_endpoint).status == "available"

    stopped, started = audited("endpoint.stopped"), audited("endpoint.started")
    assert (stopped.actor, stopped.workspace, stopped.target) == (other, team, "ops-echo")
    assert (stopped.before, stopped.after) == ({"instances": 1}, {"instances": 0})
    assert (started.actor, started.before, started.after) == (other, {"instances": 0}, {"instances": 1})
    assert started.client_address == "127.0.0.1"


def test_scaling_to_another_size_is_audited_as_a_scale(owner_client, owner, running):
    scale(owner_client, running, 2)
    row = audited("endpoint.scaled")
    assert (row.actor, row.before, row.after) == (owner, {"instances": 1}, {"instances": 2})


def test_asking_for_the_size_it_already_has_writes_no_row(owner_client, running):
    scale(owner_client, running, 1)
    assert not AuditEntry.objects.filter(action__in=["endpoint.scaled", "endpoint.started"]).exists()


def test_an_admins_delete_is_audited(bob_as, other, team_endpoint):
    response = bob_as(Role.ADMIN).post(endpoint_url("delete", team_endpoint), {"confirm_name": "ops-echo"})
    team_endpoint.refresh_from_db()
    assert response.status_code == 302 and team_endpoint.status == "deleted"
    row = audited("endpoint.deleted")
    assert (row.actor, row.target, row.before) == (other, "ops-echo", {"status": "available", "instances": 1})


def test_an_admins_budget_and_window_changes_are_audited_with_before_and_after(bob_as, other, team_endpoint):
    client = bob_as(Role.ADMIN)
    client.post(endpoint_url("budget", team_endpoint), {"monthly_budget_usd": "5.00"})
    client.post(endpoint_url("budget", team_endpoint), {"monthly_budget_usd": ""})
    first, second = AuditEntry.objects.filter(action="endpoint.budget_changed").order_by("at", "id")
    assert (first.actor, first.before, first.after) == (other, {"monthly_budget_usd": None},
                                                        {"monthly_budget_usd": "5.00"})
    assert (second.before, second.after) == ({"monthly_budget_usd": "5.00"}, {"monthly_budget_usd": None})

    client.post(endpoint_url("schedule_add", team_endpoint),
                {"weekdays": ["0", "1", "2"], "start_time": "09:00", "end_time": "17:00", "instances": "2"})
    window = team_endpoint.schedules.get()
    client.post(endpoint_url("schedule_toggle", team_endpoint, window.uuid))
    client.post(endpoint_url("schedule_delete", team_endpoint, window.uuid))
    added, paused, removed = AuditEntry.objects.filter(action="endpoint.schedule_changed").order_by("at", "id")
    facts = {"window": "Mon–Wed 09:00–17:00", "instances": 2, "enabled": True}
    assert (added.actor, added.before, added.after) == (other, {}, facts)
    assert (paused.before, paused.after) == (facts, {**facts, "enabled": False})
    assert (removed.before, removed.after) == ({**facts, "enabled": False}, {})


def test_creating_through_the_form_is_audited_in_the_team(bob_as, other, team, team_account, flavors):
    client = bob_as(Role.ADMIN)
    work_in(client, team)
    client.post(reverse("endpoints:new"), {
        "name": "ops-two", "flavor": flavors.get(flavor_id=RTX_4090).pk, "instances": "1",
        "image_url": "python:3.10-slim", "command": "", "port": "8080", "gpus_per_instance": "1",
        "create_key": str(uuid.uuid4())})
    row = audited("endpoint.created")
    assert (row.actor, row.workspace, row.target) == (other, team, "ops-two")
    assert row.after == {"flavor": "NVIDIA_GeForce_RTX_4090", "instances": 1, "gpus_per_instance": 1,
                         "usd_per_gpu_hour": "0.3000"}


def test_a_budget_stop_by_the_sweep_is_audited_with_the_system_as_actor(running):
    EndpointEvent.objects.filter(endpoint=running).update(at=timezone.now() - timedelta(minutes=22))
    budgets.set_budget(running, Decimal("0.10"))
    tasks.sweep_endpoints()
    row = audited("endpoint.budget_stop")
    assert (row.actor, row.actor_name, row.target) == (None, "system", "echo")
    assert (row.before, row.after) == ({"instances": 1}, {"instances": 0})
