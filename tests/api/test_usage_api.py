"""GET /usage: jobs, Apinfer credits and endpoint spend per day in the key owner's time zone, as the Usage page."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from endpoints.models import Endpoint, EndpointEvent
from jobs.models import Job
from netmind_console.accounts.models import preferences_for
from netmind_console.workspaces.services import personal_workspace
from tests.fixtures.teams import join

from .conftest import api_as, problem

NOW = datetime(2026, 3, 12, 11, 0, tzinfo=UTC)  # Thursday 12:00 in Berlin


@pytest.fixture(autouse=True)
def at_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def in_berlin(owner):
    preferences = preferences_for(owner)
    preferences.time_zone = "Europe/Berlin"
    preferences.save()


def endpoint_that_ran(workspace, owner, since, until, name="night"):
    """2 GPUs at $0.30: $0.60 per hour between `since` and `until`."""
    endpoint = Endpoint.objects.create(owner=owner, workspace=workspace, name=name, status="stopped",
                                       service_id=f"svc-{name}", gpus_per_instance=2,
                                       usd_per_gpu_hour=Decimal("0.30"))
    for at, status, instances in [(since, "available", 1), (until, "stopped", 0)]:
        EndpointEvent.objects.create(endpoint=endpoint, at=at, status=status, instances=instances,
                                     gpus_per_instance=2, usd_per_gpu_hour=Decimal("0.30"))
    return endpoint


def job(workspace, owner, created_at, credits, state="succeeded"):
    return Job.objects.create(owner=owner, workspace=workspace, model_key="qwen-image", provider="apinfer",
                              adapter="apinfer_image", state=state, credit_cost=Decimal(credits),
                              created_at=created_at, finished_at=created_at)


def day(body, date):
    return next(entry for entry in body["days"] if entry["date"] == date)


def test_usage_gives_jobs_credits_and_spend_per_day_split_at_the_users_midnight(api, owner, in_berlin):
    workspace = personal_workspace(owner)
    night = endpoint_that_ran(workspace, owner, datetime(2026, 3, 10, 21, tzinfo=UTC),  # 22:00 Tuesday in Berlin
                              datetime(2026, 3, 11, 1, tzinfo=UTC))  # 02:00 Wednesday
    job(workspace, owner, datetime(2026, 3, 10, 22, 30, tzinfo=UTC), "10")  # 23:30 Tuesday in Berlin
    job(workspace, owner, datetime(2026, 3, 10, 23, 30, tzinfo=UTC), "5")  # 00:30 Wednesday
    job(workspace, owner, datetime(2026, 3, 11, 9, tzinfo=UTC), "40", state="failed")  # never charged
    response = api.get("/usage")
    assert response.status_code == 200
    body = response.json()
    assert body["time_zone"] == "Europe/Berlin"
    assert len(body["days"]) == 30 and body["days"][-1]["date"] == "2026-03-12"
    assert day(body, "2026-03-10") == {"date": "2026-03-10", "jobs": 1, "apinfer_credits": "10.00",
                                       "endpoint_spend_usd": "1.20", "spend_by_endpoint": {str(night.uuid): "1.20"}}
    assert day(body, "2026-03-11") == {"date": "2026-03-11", "jobs": 2, "apinfer_credits": "5.00",
                                       "endpoint_spend_usd": "1.20", "spend_by_endpoint": {str(night.uuid): "1.20"}}
    assert day(body, "2026-03-12")["endpoint_spend_usd"] == "0.00"
    assert body["endpoints"] == [{"uuid": str(night.uuid), "name": "night", "spend_usd": "2.40"}]
    assert body["totals"] == {"jobs": 3, "apinfer_credits": "15.00", "endpoint_spend_usd": "2.40"}


def test_without_a_time_zone_preference_days_run_in_utc(api, owner):
    endpoint_that_ran(personal_workspace(owner), owner, datetime(2026, 3, 10, 21, tzinfo=UTC),
                      datetime(2026, 3, 11, 1, tzinfo=UTC))
    body = api.get("/usage").json()
    assert body["time_zone"] == "UTC"
    assert (day(body, "2026-03-10")["endpoint_spend_usd"], day(body, "2026-03-11")["endpoint_spend_usd"]) == (
        "1.80", "0.60")


def test_the_period_is_1_to_90_days_ending_today(api):
    assert [len(api.get("/usage", {"days": days}).json()["days"]) for days in (1, 7, 90)] == [1, 7, 90]
    assert api.get("/usage", {"days": 7}).json()["days"][0]["date"] == "2026-03-06"
    for wrong in (0, 91, "a week"):
        response = api.get("/usage", {"days": wrong})
        assert response.status_code == 422
        assert [error["field"] for error in problem(response)["errors"]] == ["days"]


def test_usage_counts_the_keys_workspace_only_and_any_member_may_read_it(api, owner, other, studio):
    endpoint_that_ran(studio, owner, datetime(2026, 3, 11, 8, tzinfo=UTC), datetime(2026, 3, 11, 10, tzinfo=UTC))
    job(studio, owner, datetime(2026, 3, 11, 9, tzinfo=UTC), "7")
    job(personal_workspace(other), other, datetime(2026, 3, 11, 9, tzinfo=UTC), "7")
    assert api.get("/usage").json()["totals"] == {"jobs": 0, "apinfer_credits": "0.00", "endpoint_spend_usd": "0.00"}
    join(studio, other, "viewer")
    in_studio = api_as(other, studio, scope="read").get("/usage").json()
    assert in_studio["totals"] == {"jobs": 1, "apinfer_credits": "7.00", "endpoint_spend_usd": "1.20"}
