from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from endpoints import budgets
from endpoints.models import EndpointEvent

from .conftest import remote_calls, wait_until_settled


def backdate_start(endpoint, minutes):
    """Pretend the endpoint has been running for `minutes` at $0.30 an hour (1 instance × 1 GPU).

    Minutes, not hours, so the history stays inside the current month whenever the test runs.
    """
    EndpointEvent.objects.filter(endpoint=endpoint).update(at=timezone.now() - timedelta(minutes=minutes))


def test_crossing_80_percent_of_the_budget_records_a_warning_and_keeps_running(running):
    backdate_start(running, 18)  # $0.09 of $0.10
    budgets.set_budget(running, Decimal("0.10"))
    running.refresh_from_db()
    budgets.check_budget(running)
    running.refresh_from_db()
    assert running.budget_warned_at is not None and budgets.budget_warned_this_month(running)
    assert running.status == "available"


def test_reaching_the_budget_stops_the_endpoint_with_an_event_saying_why(running, sandbox):
    backdate_start(running, 22)  # $0.11 of $0.10
    budgets.set_budget(running, Decimal("0.10"))
    running.refresh_from_db()
    budgets.check_budget(running)
    budgets.check_budget(running)  # a sweep delivered twice
    stopped = wait_until_settled(running)
    assert (stopped.status, stopped.target_instances) == ("stopped", 0)
    note = stopped.events.filter(note__startswith="Stopped: monthly budget").get().note
    assert note.startswith("Stopped: monthly budget of $0.10 reached")
    assert remote_calls(sandbox, "PUT") == 1


def test_without_a_budget_nothing_is_stopped(running, sandbox):
    backdate_start(running, 60)
    budgets.check_budget(running)
    running.refresh_from_db()
    assert running.status == "available" and remote_calls(sandbox, "PUT") == 0
