import re
import uuid

import pytest
from django.urls import reverse

from endpoints.models import Endpoint

from .conftest import RTX_4090, SOLD_OUT_L40S, remote_calls, wait_until_settled

NEW = reverse("endpoints:new")


@pytest.fixture
def valid(flavors):
    return {
        "name": "echo-1",
        "flavor": flavors.get(flavor_id=RTX_4090).pk,
        "instances": "1",
        "image_url": "python:3.10-slim",
        "command": "python app.py",
        "port": "8080",
        "gpus_per_instance": "2",
        "create_key": str(uuid.uuid4()),
    }


def test_the_form_shows_every_field_with_its_label_and_the_create_button(owner_client, flavors):
    page = owner_client.get(NEW).content.decode()
    for label in ["Name", "Flavor", "Instances", "Container image", "Command", "Port", "GPUs per instance"]:
        assert re.search(rf"<label for=\"id_\w+\">{label}</label>", page), label
    assert "Create endpoint</button>" in page
    assert 'hx-trigger="change from:#id_flavor' in page


def test_a_flavor_with_nothing_available_is_shown_as_such(owner_client, flavors):
    page = owner_client.get(NEW).content.decode()
    assert re.search(r"NVIDIA L40S[^<]*— none available</option>", page)


def test_creating_saves_the_endpoint_sends_one_create_and_redirects_to_it(owner_client, owner, valid, sandbox):
    response = owner_client.post(NEW, valid)
    endpoint = Endpoint.objects.get(owner=owner)
    assert response.status_code == 302 and response.url == reverse("endpoints:detail", args=[endpoint.uuid])
    assert (endpoint.name, endpoint.gpus_per_instance, endpoint.port) == ("echo-1", 2, 8080)
    assert endpoint.service_id and remote_calls(sandbox, "POST") == 1


def test_a_double_submit_creates_one_endpoint_and_one_remote_call(owner_client, owner, valid, sandbox):
    first = owner_client.post(NEW, valid)
    second = owner_client.post(NEW, valid)
    assert first.url == second.url
    assert Endpoint.objects.filter(owner=owner).count() == 1
    assert remote_calls(sandbox, "POST") == 1


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "", "Name: This field is required."),
        ("name", "has spaces", "Name: Use letters, digits, hyphens and underscores"),
        ("flavor", "999999", "Flavor: Select a valid choice."),
        ("instances", "0", "Instances: Ensure this value is greater than or equal to 1."),
        ("instances", "many", "Instances: Enter a whole number."),
        ("instances", "7", "Instances: Only 6 of this flavor are available right now."),
        ("image_url", "", "Container image: This field is required."),
        ("image_url", "python 3", "Container image: An image reference has no spaces"),
        ("port", "70000", "Port: Ensure this value is less than or equal to 65535."),
        ("gpus_per_instance", "3", "GPUs per instance: NVIDIA GeForce RTX 4090 allows at most 2 GPUs per instance."),
        ("gpus_per_instance", "0", "GPUs per instance: Ensure this value is greater than or equal to 1."),
    ],
)
def test_a_bad_field_is_named_in_its_message_and_nothing_is_saved(owner_client, valid, sandbox, field, value,
                                                                   message):
    response = owner_client.post(NEW, {**valid, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Endpoint.objects.exists() and remote_calls(sandbox, "POST") == 0


def test_choosing_a_sold_out_flavor_is_refused(owner_client, valid, flavors, sandbox):
    response = owner_client.post(NEW, {**valid, "flavor": flavors.get(flavor_id=SOLD_OUT_L40S).pk})
    assert response.status_code == 400
    assert "Flavor: None of these GPUs are available right now" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_a_name_already_in_use_is_refused(owner_client, valid):
    owner_client.post(NEW, valid)
    response = owner_client.post(NEW, {**valid, "create_key": str(uuid.uuid4())})
    assert response.status_code == 400
    assert "Name: alice already has an endpoint with this name." in response.content.decode()


def test_the_cost_preview_shows_hour_day_and_30_days(owner_client, valid):
    response = owner_client.get(reverse("endpoints:cost"), {**valid, "instances": "2"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    # 2 instances × 2 GPUs × $0.30
    assert "<strong>$1.20</strong> per hour" in page and "<strong>$28.80</strong> per day" in page
    assert "<strong>$864.00</strong> per 30 days" in page
    assert "<html" not in page


def test_the_cost_preview_says_why_there_is_no_cost_when_the_flavor_allows_fewer_gpus(owner_client, valid):
    response = owner_client.get(reverse("endpoints:cost"), {**valid, "gpus_per_instance": "4"},
                                HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "No cost yet: GPUs per instance: NVIDIA GeForce RTX 4090 allows at most 2 GPUs per instance." in page
    assert "Choose a flavor" not in page


def test_the_cost_preview_asks_for_what_is_missing_without_calling_it_an_error(owner_client, valid):
    response = owner_client.get(reverse("endpoints:cost"), {**valid, "flavor": "", "name": ""},
                                HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "Choose a flavor, the instances and the GPUs per instance to see the cost." in page
    assert "No cost yet" not in page and "Name:" not in page


def test_the_container_image_field_shows_a_hint_not_a_value(owner_client, flavors):
    page = owner_client.get(NEW).content.decode()
    image_input = re.search(r'<input [^>]*name="image_url"[^>]*>', page).group(0)
    assert 'placeholder="e.g. vllm/vllm-openai:latest"' in image_input and "value=" not in image_input
    assert 'aria-describedby="id_image_url_helptext"' in image_input
    assert re.search(r'id="id_image_url_helptext">The Docker image to run', page)


def test_an_unavailable_deploy_is_shown_with_its_reason(owner_client, owner, valid):
    owner_client.post(NEW, {**valid, "image_url": "example/fail:1"})
    endpoint = wait_until_settled(Endpoint.objects.get(owner=owner))
    page = owner_client.get(reverse("endpoints:detail", args=[endpoint.uuid])).content.decode()
    assert 'class="badge badge-unavailable"' in page
    assert "Back-off pulling image &quot;example/fail:1&quot;: not found" in page
