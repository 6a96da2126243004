import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from endpoints import budgets, lifecycle
from endpoints.models import Endpoint, EndpointEvent

from .conftest import create_endpoint, remote_calls, wait_until_settled


def url(name, endpoint):
    return reverse(f"endpoints:{name}", args=[endpoint.uuid])


def test_the_page_shows_status_instances_url_history_spend_and_actions(owner_client, running):
    page = owner_client.get(url("detail", running)).content.decode()
    assert 'class="badge badge-available"' in page
    assert "1 running of 1 wanted" in page
    assert f'data-copy="{running.endpoint_url}"' in page
    assert 'class="timeline"' in page and "Created" in page
    assert "Projected for the month" in page
    for button in [">Scale</button>", ">Stop</button>", ">Delete</a>", ">+</button>", ">−</button>"]:
        assert button in page
    assert "<script" not in page.split('<main id="main"')[1] and 'style="' not in page


def test_the_status_fragment_stops_polling_once_nothing_can_change(owner_client, running):
    response = owner_client.get(url("status", running), HTTP_HX_REQUEST="true")
    assert response.status_code == 286
    assert 'id="live"' in response.content.decode() and "every 2s" not in response.content.decode()
    assert response["HX-Refresh"] == "true"  # the actions outside the fragment follow the settled status


def test_the_status_fragment_keeps_polling_while_initializing(owner_client, owner, rtx, sandbox):
    sandbox.configure(speed=1)  # 30 s initializing: a loaded machine's sync still finds it so (it took < 1 s once)
    endpoint = create_endpoint(owner, rtx)
    response = owner_client.get(url("status", endpoint), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in response.content.decode()
    assert "<html" not in response.content.decode()


def test_a_start_the_provider_still_reports_as_stopped_keeps_the_page_polling(running):
    """The browser journey once froze on "Stopped": the start was sent, the page rendered before the provider
    moved on, and a stopped endpoint counted as settled."""
    running.status, running.target_instances, running.reported_instances = "stopped", 3, 0
    assert not running.is_settled
    running.target_instances = 0
    assert running.is_settled


def scale_form(instances, **extra):
    return {"instances": str(instances), "intent_key": str(uuid.uuid4()), **extra}


def test_scaling_up_first_shows_the_new_hourly_cost_and_sends_nothing(owner_client, running, sandbox):
    response = owner_client.post(url("scale", running), scale_form(3))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Scale echo to 3 instances?" in page and "$0.90 per hour" in page and "up from $0.30 per hour" in page
    assert 'name="confirmed" value="1"' in page
    assert remote_calls(sandbox, "PUT") == 0


def test_confirming_a_scale_up_twice_sends_one_remote_call(owner_client, running, sandbox):
    form = scale_form(3, confirmed="1")
    first = owner_client.post(url("scale", running), form)
    second = owner_client.post(url("scale", running), form)
    assert first.status_code == second.status_code == 302
    running.refresh_from_db()
    assert running.target_instances == 3 and remote_calls(sandbox, "PUT") == 1


def test_stop_needs_no_confirmation_and_start_does(owner_client, running, sandbox):
    owner_client.post(url("scale", running), scale_form(0))
    running.refresh_from_db()
    assert running.target_instances == 0 and remote_calls(sandbox, "PUT") == 1
    page = owner_client.get(url("detail", running)).content.decode()
    assert ">Start</button>" in page
    response = owner_client.post(url("scale", running), scale_form(running.last_nonzero_instances))
    assert "Scale echo to 1 instance?" in response.content.decode()


def test_a_negative_instance_count_is_refused_with_a_message(owner_client, running, sandbox):
    response = owner_client.post(url("scale", running), scale_form(-1))
    assert response.status_code == 400
    assert "Instances: Ensure this value is greater than or equal to 0." in response.content.decode()
    assert remote_calls(sandbox, "PUT") == 0


def test_delete_asks_for_the_name_and_refuses_a_wrong_one(owner_client, running, sandbox):
    assert "Type <code>echo</code> to confirm." in owner_client.get(url("delete", running)).content.decode()
    response = owner_client.post(url("delete", running), {"confirm_name": "ecko"})
    assert response.status_code == 400 and "Name: Type it exactly as shown, echo, to delete." in response.content.decode()
    running.refresh_from_db()
    assert running.status == "available" and remote_calls(sandbox, "DELETE") == 0


def test_delete_with_the_right_name_deletes_and_keeps_the_history(owner_client, running, sandbox):
    response = owner_client.post(url("delete", running), {"confirm_name": "echo"})
    assert response.status_code == 302
    running.refresh_from_db()
    assert running.status == "deleted" and remote_calls(sandbox, "DELETE") == 1
    page = owner_client.get(url("detail", running)).content.decode()
    assert "badge-deleted" in page and "So far" in page and ">Scale</button>" not in page


def test_setting_a_budget_saves_it_and_a_bad_one_is_refused(owner_client, running):
    owner_client.post(url("budget", running), {"monthly_budget_usd": "50"})
    running.refresh_from_db()
    assert str(running.monthly_budget_usd) == "50.00"
    response = owner_client.post(url("budget", running), {"monthly_budget_usd": "-3"})
    assert response.status_code == 400
    assert "Monthly budget (USD): Ensure this value is greater than or equal to 0." in response.content.decode()


def test_a_budget_warning_is_shown_once_80_percent_is_spent(owner_client, running):
    Endpoint.objects.filter(pk=running.pk).update(budget_warned_at=running.created_at)
    page = owner_client.get(url("detail", running)).content.decode()
    assert "over 80 % of this month" in page


def use_up_the_budget(endpoint):
    """Twenty-two minutes at $0.30 an hour ($0.11) against a budget of $0.10 (see test_budget.py)."""
    EndpointEvent.objects.filter(endpoint=endpoint).update(at=timezone.now() - timedelta(minutes=22))
    budgets.set_budget(endpoint, Decimal("0.10"))
    endpoint.refresh_from_db()


def test_a_used_up_budget_on_a_running_endpoint_says_the_console_is_stopping_it_and_keeps_watching(
        owner_client, running):
    use_up_the_budget(running)
    page = owner_client.get(url("detail", running)).content.decode()
    assert "badge-available" in page and "the console is stopping the endpoint" in page
    assert "stays stopped" not in page and 'hx-trigger="every 2s"' in page
    fragment = owner_client.get(url("status", running), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200  # not 286: the page watches until the stop shows


def test_once_the_budget_stopped_it_the_page_says_it_stays_stopped_and_stops_watching(owner_client, running):
    use_up_the_budget(running)
    budgets.check_budget(running)
    stopped = wait_until_settled(running)
    assert stopped.status == "stopped"
    page = owner_client.get(url("detail", stopped)).content.decode()
    assert "badge-stopped" in page and "the endpoint stays stopped until next month" in page
    assert "stopping" not in page and "every 2s" not in page
    assert owner_client.get(url("status", stopped), HTTP_HX_REQUEST="true").status_code == 286


@pytest.mark.parametrize("name", ["detail", "status"])
def test_an_unknown_status_word_is_shown_as_the_provider_said_it(owner_client, running, name):
    lifecycle.record_change(running.pk, "other", 1, raw_status="migrating")
    page = owner_client.get(url(name, running)).content.decode()
    assert ">migrating</span>" in page
