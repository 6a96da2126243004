"""The list, flavors, try-it and adopt pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from endpoints.models import Endpoint, Flavor
from tests.fixtures.teams import work_in

from .conftest import remote_calls


def test_the_list_shows_live_status_instances_and_spend(owner_client, running):
    page = owner_client.get(reverse("endpoints:list")).content.decode()
    assert f'href="{reverse("endpoints:detail", args=[running.uuid])}">echo</a>' in page
    assert "badge-available" in page and '<td data-label="Instances (target / reported)">1 / 1</td>' in page
    assert '<td data-label="Spend so far" class="money">$0.00</td>' in page
    assert '<td data-label="GPU">NVIDIA GeForce RTX 4090</td>' in page  # as every page writes the GPU
    assert "every 2s" not in page  # settled rows do not poll


def test_a_row_of_an_initializing_endpoint_keeps_polling_until_it_settles(owner_client, running, sandbox):
    Endpoint.objects.filter(pk=running.pk).update(status="initializing")
    first = owner_client.get(reverse("endpoints:list")).content.decode()
    sandbox.reset()  # count only what the row fragment sends
    assert f'hx-get="{reverse("endpoints:row", args=[running.uuid])}" hx-trigger="every 2s"' in first
    row = owner_client.get(reverse("endpoints:row", args=[running.uuid]), HTTP_HX_REQUEST="true")
    assert row.status_code == 286 and "badge-available" in row.content.decode()  # one GET brought it back
    assert remote_calls(sandbox, "GET") == 1


def test_the_flavors_page_lists_prices_and_sorts_by_price(owner_client, flavors):
    page = owner_client.get(reverse("endpoints:flavors"), {"sort": "-price"}).content.decode()
    assert page.index("NVIDIA H100 80GB HBM3") < page.index("NVIDIA A100 80GB PCIe") < page.index(
        "NVIDIA GeForce RTX 4090")
    assert "$2.49" in page and "None available" in page and 'aria-sort="descending"' in page
    assert "NVIDIA_" not in page and "Refreshed just now." in page


def test_the_flavors_page_loads_the_flavors_on_the_first_visit_as_new_endpoint_does(owner_client, account,
                                                                                     sandbox):
    page = owner_client.get(reverse("endpoints:flavors")).content.decode()
    assert "NVIDIA GeForce RTX 4090" in page and "Press Refresh" not in page
    assert Flavor.objects.filter(base_url=account.base_url, listed=True).count() == 5
    owner_client.get(reverse("endpoints:flavors"))
    assert sandbox.calls()["GET /v1/inference-service/flavor"] == 1  # once: the next visit reads the cache


def test_a_viewer_sees_the_flavors_on_the_first_visit_too(bob_as, team, team_account):
    client = bob_as("viewer")
    work_in(client, team)
    page = client.get(reverse("endpoints:flavors")).content.decode()
    assert "NVIDIA GeForce RTX 4090" in page and "Refresh</button>" not in page


def test_the_flavors_page_says_when_they_were_refreshed_in_plain_words(owner_client, flavors):
    flavors.update(refreshed_at=timezone.now() - timedelta(seconds=70))
    assert "Refreshed 1\xa0minute ago." in owner_client.get(reverse("endpoints:flavors")).content.decode()
    flavors.update(refreshed_at=timezone.now() - timedelta(hours=3, minutes=5))
    assert "Refreshed 3\xa0hours ago." in owner_client.get(reverse("endpoints:flavors")).content.decode()


def test_the_flavors_table_alone_answers_htmx(owner_client, flavors):
    response = owner_client.get(reverse("endpoints:flavors"), {"sort": "price"}, HTTP_HX_REQUEST="true")
    assert response.content.decode().lstrip().startswith('<div id="flavor-table"')


def test_refresh_loads_the_flavors_from_the_provider(owner_client, owner, account, sandbox):
    response = owner_client.post(reverse("endpoints:refresh_flavors"), follow=True)
    assert "Refreshed: 5 flavors listed." in response.content.decode()
    assert Flavor.objects.filter(base_url=account.base_url, listed=True).count() == 5
    assert sandbox.calls()["GET /v1/inference-service/flavor"] == 1


def test_try_it_posts_the_json_and_shows_status_latency_and_body(owner_client, running):
    response = owner_client.post(reverse("endpoints:try", args=[running.uuid]),
                                 {"path": "/predict", "body": '{"prompt": "hi"}'}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and "HTTP 200" in page and " ms" in page
    assert "&quot;prompt&quot;: &quot;hi&quot;" in page and "<html" not in page


@pytest.mark.parametrize("field, value, message", [
    ("body", "{not json", "JSON body: Not valid JSON"),
    ("path", "../admin", "Path: Start with a single /"),
])
def test_try_it_names_the_bad_field(owner_client, running, sandbox, field, value, message):
    form = {"path": "/predict", "body": "{}", field: value}
    response = owner_client.post(reverse("endpoints:try", args=[running.uuid]), form)
    assert response.status_code == 400 and message in response.content.decode()
    assert "HTTP " not in response.content.decode()


def test_try_it_on_a_stopped_endpoint_explains_why_not(owner_client, running):
    Endpoint.objects.filter(pk=running.pk).update(status="stopped")
    response = owner_client.post(reverse("endpoints:try", args=[running.uuid]), {"path": "/", "body": "{}"})
    assert response.status_code == 409 and "not available" in response.content.decode()


def test_adopting_by_service_id_tracks_the_service(owner_client, owner, running):
    service_id = running.service_id
    running.delete()
    response = owner_client.post(reverse("endpoints:adopt"), {"service_id": service_id})
    adopted = Endpoint.objects.get(owner=owner, service_id=service_id)
    assert response.status_code == 302 and response.url == reverse("endpoints:detail", args=[adopted.uuid])


def test_adopting_an_unknown_service_id_says_so(owner_client, owner, console_on_sandbox):
    response = owner_client.post(reverse("endpoints:adopt"), {"service_id": "does-not-exist"})
    assert response.status_code == 400
    assert "Service id: The provider has no service with this id on this account." in response.content.decode()
    assert not Endpoint.objects.exists()
