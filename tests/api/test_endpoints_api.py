"""The endpoints over the API: list, detail, scale / stop / start, with the pages' roles and rules, on the sandbox."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from endpoints import lifecycle, schedules
from endpoints.models import Endpoint, EndpointEvent
from netmind_console.workspaces.services import personal_workspace
from tests.endpoints.conftest import (  # noqa: F401 (fixtures)
    account,
    flavors,
    remote_calls,
    rtx,
    running,
    tasks_run_inline,
    team,
    team_account,
    team_endpoint,
)
from tests.fixtures.teams import join

from .conftest import api_as, problem

NOW = datetime(2026, 3, 12, 11, 0, tzinfo=UTC)  # the console's months run in UTC (settings.TIME_ZONE)


def scale(api, endpoint, instances, key=None):
    return api.post(f"/endpoints/{endpoint.uuid}/scale", {"instances": instances},
                    headers={"Idempotency-Key": key} if key else None)


def action(api, endpoint, name, key=None):
    return api.post(f"/endpoints/{endpoint.uuid}/{name}", headers={"Idempotency-Key": key} if key else None)


# --- list and detail ---------------------------------------------------------------------------------------------


def test_the_list_shows_each_endpoint_with_status_instances_gpu_and_cost(api, running):
    response = api.get("/endpoints")
    assert response.status_code == 200
    [listed] = response.json()["items"]
    assert listed["uuid"] == str(running.uuid) and listed["name"] == "echo"
    assert (listed["status"], listed["status_text"]) == ("available", "Available")
    assert (listed["target_instances"], listed["reported_instances"]) == (1, 1)
    assert (listed["flavor"], listed["gpus_per_instance"]) == ("NVIDIA_GeForce_RTX_4090", 1)
    assert (listed["usd_per_gpu_hour"], listed["hourly_usd"]) == ("0.3000", "0.30")
    assert listed["budget_status"] == "none" and listed["monthly_budget_usd"] is None
    assert listed["url"] == running.endpoint_url and listed["url"]


def test_the_list_holds_only_the_keys_workspace(api, running, team_endpoint):
    """alice owns Ops too, but her key acts in her personal workspace only."""
    assert [item["name"] for item in api.get("/endpoints").json()["items"]] == ["echo"]
    assert [item["name"] for item in api_as(running.owner, team_endpoint.workspace).get("/endpoints").json()["items"]
            ] == ["ops-echo"]


def on_record(owner, name, *, status="available", instances=1, budget=None, raw_status=""):
    """An endpoint known from its events alone (no provider call): 2 GPUs at $0.30, so $0.60 per instance-hour."""
    return Endpoint.objects.create(owner=owner, workspace=personal_workspace(owner), name=name, status=status,
                                   raw_status=raw_status, service_id=f"svc-{name}", reported_instances=instances,
                                   target_instances=instances, gpus_per_instance=2, usd_per_gpu_hour=Decimal("0.30"),
                                   monthly_budget_usd=budget)


def ran(endpoint, since, until=None, instances=1):
    EndpointEvent.objects.create(endpoint=endpoint, at=since, status="available", instances=instances,
                                 gpus_per_instance=2, usd_per_gpu_hour=Decimal("0.30"))
    if until:
        EndpointEvent.objects.create(endpoint=endpoint, at=until, status="stopped", instances=0,
                                     gpus_per_instance=2, usd_per_gpu_hour=Decimal("0.30"))


@pytest.fixture
def at_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def test_the_list_gives_this_months_spend_its_projection_and_the_budget_as_the_page_warns(api, owner, at_now):
    running_for_a_day = on_record(owner, "day", budget=Decimal("15"))
    ran(running_for_a_day, NOW - timedelta(days=1))  # 24 h × $0.60 = $14.40: 96 % of its budget
    stopped_over_budget = on_record(owner, "over", status="stopped", instances=0, budget=Decimal("10"))
    ran(stopped_over_budget, NOW - timedelta(days=2), NOW - timedelta(days=1))
    from_last_month = on_record(owner, "old", status="stopped", instances=0)
    ran(from_last_month, datetime(2026, 2, 27, tzinfo=UTC), datetime(2026, 3, 1, 1, tzinfo=UTC))  # 1 h in March
    items = {item["name"]: item for item in api.get("/endpoints").json()["items"]}
    day = items["day"]
    assert (day["hourly_usd"], day["month_spend_usd"], day["monthly_budget_usd"]) == ("0.60", "14.40", "15.00")
    assert day["projected_month_spend_usd"] == "295.80"  # + 469 h until 1 April at $0.60
    assert day["budget_status"] == "warning"
    over = items["over"]
    assert (over["hourly_usd"], over["month_spend_usd"], over["budget_status"]) == ("0.00", "14.40", "used_up")
    assert over["projected_month_spend_usd"] == "14.40"
    assert (items["old"]["month_spend_usd"], items["old"]["budget_status"]) == ("0.60", "none")


def test_a_status_word_the_console_does_not_know_is_shown_as_the_provider_said_it(api, owner):
    on_record(owner, "odd", status="other", raw_status="hibernating")
    [listed] = api.get("/endpoints").json()["items"]
    assert (listed["status"], listed["status_text"]) == ("other", "hibernating")


def test_listing_many_endpoints_takes_a_bounded_number_of_queries(api, owner, django_assert_max_num_queries):
    for number in range(12):
        ran(on_record(owner, f"e{number}"), timezone.now() - timedelta(hours=number + 1))
    api.get("/endpoints")  # the key's first use is written down; later ones within a minute are not
    with django_assert_max_num_queries(8):
        response = api.get("/endpoints")
    assert len(response.json()["items"]) == 12


def test_the_detail_shows_history_spend_last_scale_and_schedule(api, running):
    schedules.add_schedule(running, weekdays="01234", start_time=datetime(2026, 1, 1, 9).time(),
                           end_time=datetime(2026, 1, 1, 17).time(), instances=2)
    scale(api, running, 2)
    response = api.get(f"/endpoints/{running.uuid}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "echo" and body["target_instances"] == 2 and body["spend_usd"]
    assert body["last_scale"]["target"] == 2 and body["last_scale"]["state"] == "sent"
    newest, oldest = body["events"][0], body["events"][-1]
    assert (newest["note"], newest["instances"]) == ("Scaled to 2 instances", 2)
    assert (oldest["status"], oldest["status_text"], oldest["note"]) == (
        "pending", "Pending", "Saved; waiting to be sent to the provider")
    assert body["schedule"]["time_zone"] == "UTC"
    [window] = body["schedule"]["windows"]
    assert (window["days"], window["start_time"], window["end_time"]) == ("Mon–Fri", "09:00", "17:00")
    assert window["next_action"]["action"] in ("start", "stop") and window["enabled"]


def test_reading_a_changing_endpoint_asks_the_provider_for_news_once(api, running, sandbox):
    Endpoint.objects.filter(pk=running.pk).update(target_instances=2, sync_requested_at=None)  # not settled
    reads = remote_calls(sandbox, "GET")
    assert api.get(f"/endpoints/{running.uuid}").status_code == 200
    assert api.get(f"/endpoints/{running.uuid}").status_code == 200
    assert remote_calls(sandbox, "GET") == reads + 1


def test_reading_a_settled_endpoint_makes_no_provider_call(api, running, sandbox):
    reads = remote_calls(sandbox, "GET")
    assert api.get(f"/endpoints/{running.uuid}").json()["settled"] is True
    assert remote_calls(sandbox, "GET") == reads


# --- scale, stop, start ------------------------------------------------------------------------------------------


def test_scaling_answers_202_with_the_endpoint_and_the_wish_sent(api, running, sandbox):
    response = scale(api, running, 2)
    assert response.status_code == 202 and "Idempotent-Replayed" not in response
    body = response.json()
    assert body["endpoint"]["target_instances"] == 2
    assert (body["scale"]["target"], body["scale"]["state"], body["scale"]["reason"]) == (2, "sent", "manual")
    assert remote_calls(sandbox, "PUT") == 1


def test_a_repeat_with_the_same_idempotency_key_is_sent_once_and_says_so(api, running, sandbox):
    first = scale(api, running, 3, key="grow-for-launch")
    repeat = scale(api, running, 3, key="grow-for-launch")
    assert first.status_code == repeat.status_code == 202
    assert repeat["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert repeat.json()["scale"] == first.json()["scale"]
    assert remote_calls(sandbox, "PUT") == 1


def test_the_same_idempotency_key_for_another_size_is_refused(api, running, sandbox):
    scale(api, running, 3, key="k1")
    response = action(api, running, "stop", key="k1")
    assert response.status_code == 409
    assert "asked echo for 3 instances before" in problem(response)["detail"]
    assert remote_calls(sandbox, "PUT") == 1


def test_without_a_key_each_request_is_a_new_wish(api, running, sandbox):
    scale(api, running, 2)
    action(api, running, "stop")
    action(api, running, "stop")  # already stopping: saved, and nothing to send
    assert remote_calls(sandbox, "PUT") == 2


def test_stop_then_start_returns_to_the_last_size(api, running, sandbox):
    scale(api, running, 2)
    stopped = action(api, running, "stop").json()["endpoint"]
    assert (stopped["target_instances"], stopped["last_nonzero_instances"]) == (0, 2)
    started = action(api, running, "start")
    assert started.status_code == 202 and started.json()["endpoint"]["target_instances"] == 2
    assert remote_calls(sandbox, "PUT") == 3


@pytest.mark.parametrize("instances", [-1, 21, "many", None])
def test_a_bad_instance_count_is_refused_naming_the_field(api, running, sandbox, instances):
    response = scale(api, running, instances)
    assert response.status_code == 422
    assert [error["field"] for error in problem(response)["errors"]] == ["instances"]
    assert remote_calls(sandbox, "PUT") == 0


def test_an_idempotency_key_longer_than_64_characters_is_refused(api, running, sandbox):
    response = action(api, running, "stop", key="k" * 65)
    assert response.status_code == 422
    assert [error["field"] for error in problem(response)["errors"]] == ["Idempotency-Key"]
    assert remote_calls(sandbox, "PUT") == 0


def test_a_deleted_endpoint_cannot_be_started(api, running, sandbox, owner):
    lifecycle.request_delete(running, actor=owner)
    lifecycle.delete_endpoint(running.pk)
    response = action(api, running, "start")
    assert response.status_code == 409
    assert problem(response)["detail"] == "This endpoint is deleted; it cannot be scaled."
    assert remote_calls(sandbox, "PUT") == 0


# --- who may ------------------------------------------------------------------------------------------------------


def refused_everything(api, endpoint):
    return [scale(api, endpoint, 2).status_code, action(api, endpoint, "stop").status_code,
            action(api, endpoint, "start").status_code]


def test_a_viewers_write_key_reads_but_cannot_scale_stop_or_start(team_endpoint, team, other, sandbox):
    join(team, other, "viewer")
    viewer = api_as(other, team)
    assert viewer.get(f"/endpoints/{team_endpoint.uuid}").status_code == 200
    assert refused_everything(viewer, team_endpoint) == [403, 403, 403]
    assert "member role" in problem(action(viewer, team_endpoint, "stop"))["detail"]
    assert remote_calls(sandbox, "PUT") == 0


def test_a_members_key_scales_as_the_page_lets_them(team_endpoint, team, other, sandbox):
    join(team, other, "member")
    assert scale(api_as(other, team), team_endpoint, 2).status_code == 202
    assert remote_calls(sandbox, "PUT") == 1


def test_a_read_key_cannot_scale_stop_or_start(read_api, running, sandbox):
    assert refused_everything(read_api, running) == [403, 403, 403]
    assert "only read" in problem(action(read_api, running, "stop"))["detail"]
    assert remote_calls(sandbox, "PUT") == 0


def test_another_workspaces_endpoint_is_not_found_and_never_reaches_the_provider(api, team_endpoint, other, sandbox):
    """alice's personal key on her own Ops endpoint, and bob's key on it: both 404, as if it did not exist."""
    Endpoint.objects.filter(pk=team_endpoint.pk).update(target_instances=2)  # unsettled: a read would sync
    calls = sum(sandbox.calls().values())
    for outsider in (api, api_as(other)):
        assert outsider.get(f"/endpoints/{team_endpoint.uuid}").status_code == 404
        assert refused_everything(outsider, team_endpoint) == [404, 404, 404]
    assert sum(sandbox.calls().values()) == calls
