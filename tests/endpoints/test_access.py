"""Every endpoint URL is the owner's alone: anyone else gets 404 and no remote call is made."""

import pytest
from django.urls import reverse

from .conftest import remote_calls

PER_ENDPOINT = ["detail", "status", "row", "scale", "delete", "budget", "try"]
# Each URL with the methods it accepts; any other method is a 405 whoever asks, revealing nothing.
ACCEPTED = [("detail", "get"), ("status", "get"), ("row", "get"), ("scale", "post"), ("delete", "get"),
            ("delete", "post"), ("budget", "post"), ("try", "get"), ("try", "post")]
PAGES = ["list", "new", "cost", "flavors", "refresh_flavors", "adopt"]


@pytest.mark.parametrize("name, method", ACCEPTED)
def test_another_user_gets_404_on_every_endpoint_url_and_nothing_is_sent(client, other, running, sandbox, name,
                                                                         method):
    client.force_login(other)
    sandbox.reset()
    data = {"instances": "5", "intent_key": "5f0b7c8e-0000-4000-8000-000000000000", "confirmed": "1",
            "confirm_name": running.name, "monthly_budget_usd": "1", "path": "/x", "body": "{}"}
    response = getattr(client, method)(reverse(f"endpoints:{name}", args=[running.uuid]), data)
    assert response.status_code == 404
    running.refresh_from_db()
    assert running.status == "available" and running.target_instances == 1 and running.monthly_budget_usd is None
    assert all(remote_calls(sandbox, verb) == 0 for verb in ("GET", "PUT", "DELETE", "POST"))


def test_an_admin_is_no_exception(client, admin, running):
    client.force_login(admin)
    assert client.get(reverse("endpoints:detail", args=[running.uuid])).status_code == 404


def test_the_list_shows_only_my_endpoints(client, other, running):
    client.force_login(other)
    page = client.get(reverse("endpoints:list")).content.decode()
    assert running.name not in page and "No endpoints in bob yet" in page


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, owner, name):
    response = client.get(reverse(f"endpoints:{name}"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", PER_ENDPOINT)
def test_anonymous_visitors_are_sent_to_log_in_from_an_endpoint(client, running, name):
    response = client.post(reverse(f"endpoints:{name}", args=[running.uuid]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
