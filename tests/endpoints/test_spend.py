"""Spend = Σ instances × GPUs × hours × price over the event intervals, on a known history."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from endpoints import budgets
from endpoints.flavors import cost_of
from endpoints.models import Endpoint, EndpointEvent
from netmind_console.workspaces.services import personal_workspace

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def endpoint(owner):
    return Endpoint.objects.create(owner=owner, workspace=personal_workspace(owner), name="billed",
                                   status="available", gpus_per_instance=2, usd_per_gpu_hour=Decimal("0.30"),
                                   service_id="s1", created_at=T0)


def event(endpoint, hours, status, instances, price="0.30", gpus=2):
    return EndpointEvent.objects.create(endpoint=endpoint, at=T0 + timedelta(hours=hours), status=status,
                                        instances=instances, gpus_per_instance=gpus, usd_per_gpu_hour=Decimal(price))


@pytest.fixture
def history(endpoint):
    event(endpoint, 0, "pending", 0)
    event(endpoint, 0.5, "initializing", 1)  # 0.5 h × 1 × 2 GPUs × 0.30 = 0.30
    event(endpoint, 1, "available", 1)  # 2 h × 1 × 2 × 0.30 = 1.20
    event(endpoint, 3, "initializing", 3)  # 1 h × 3 × 2 × 0.30 = 1.80
    event(endpoint, 4, "available", 3)  # 2 h × 3 × 2 × 0.30 = 3.60
    event(endpoint, 6, "stopped", 0)  # nothing while stopped
    event(endpoint, 10, "unavailable", 2)  # nothing while unavailable
    return endpoint


def test_spend_adds_instances_gpus_hours_and_price_over_each_interval(history):
    assert budgets.spend(history, until=T0 + timedelta(hours=12)) == Decimal("6.90")


def test_spend_until_a_moment_counts_only_the_time_before_it(history):
    assert budgets.spend(history, until=T0 + timedelta(hours=2)) == Decimal("0.90")


def test_spend_uses_the_price_each_event_recorded(endpoint):
    event(endpoint, 0, "available", 1, price="0.30")
    event(endpoint, 1, "available", 1, price="1.29")
    assert budgets.spend(endpoint, until=T0 + timedelta(hours=2)) == Decimal("3.18")


def test_a_stopped_or_unavailable_endpoint_costs_nothing(endpoint):
    event(endpoint, 0, "stopped", 0)
    event(endpoint, 1, "unavailable", 2)
    assert budgets.spend(endpoint, until=T0 + timedelta(hours=5)) == Decimal("0.00")


def test_month_spend_starts_at_the_first_of_the_month(endpoint):
    event(endpoint, -24 * 10, "available", 1)  # running since 28 February, 12:00
    now = T0
    assert budgets.month_spend(endpoint, now) == Decimal("0.60") * (9 * 24 + 12)


def test_the_projection_adds_the_current_hourly_cost_until_the_month_ends(endpoint):
    event(endpoint, 0, "available", 1)
    endpoint.reported_instances = 1
    now = T0 + timedelta(hours=1)
    hours_left = (datetime(2026, 4, 1, tzinfo=UTC) - now).total_seconds() / 3600
    assert budgets.projected_month_spend(endpoint, now) == (
        Decimal("0.60") + Decimal("0.60") * Decimal(hours_left)
    ).quantize(Decimal("0.01"))


def test_cost_per_hour_day_and_30_days():
    cost = cost_of(Decimal("1.29"), instances=2, gpus_per_instance=4)
    assert (cost.hourly, cost.daily, cost.monthly) == (Decimal("10.32"), Decimal("247.68"), Decimal("7430.40"))
