import uuid

from endpoints import lifecycle
from endpoints.models import Endpoint

from .conftest import RTX_4090, create_endpoint, netmind_account_of, wait_until_settled


def test_refreshing_flavors_caches_prices_and_marks_the_sold_out_one(account, flavors):
    rtx = flavors.get(flavor_id=RTX_4090)
    assert str(rtx.usd_per_gpu_hour) == "0.3000" and rtx.node_max_gpu == 2 and rtx.is_available
    assert flavors.filter(available_num=0).count() == 1
    assert not flavors.get(available_num=0).is_available


def test_a_created_endpoint_is_saved_first_then_becomes_available(owner, rtx, sandbox):
    endpoint = create_endpoint(owner, rtx, instances=2, gpus=2)
    assert endpoint.service_id and endpoint.status == "initializing"
    endpoint = wait_until_settled(endpoint)
    assert endpoint.status == "available"
    assert (endpoint.target_instances, endpoint.reported_instances) == (2, 2)
    assert endpoint.endpoint_url.endswith(f"/inference-api/v1/inference_service/{endpoint.service_id}")
    assert [event.status for event in endpoint.events.all()] == ["pending", "initializing", "available"]
    assert sandbox.calls()["POST /v1/inference-service"] == 1


def test_sending_the_same_create_twice_makes_one_remote_call(owner, rtx, sandbox):
    key = uuid.uuid4()
    first = create_endpoint(owner, rtx, key=key)
    second = create_endpoint(owner, rtx, key=key)
    assert first.pk == second.pk
    assert Endpoint.objects.filter(owner=owner).count() == 1
    assert sandbox.calls()["POST /v1/inference-service"] == 1


def test_a_failing_image_ends_unavailable_with_the_providers_reason(owner, rtx):
    endpoint = wait_until_settled(create_endpoint(owner, rtx, image="example/fail:latest"))
    assert endpoint.status == "unavailable"
    assert endpoint.status_info.startswith("Back-off pulling image")
    assert endpoint.events.last().note == endpoint.status_info


def test_a_create_the_provider_refuses_is_rejected_with_its_message(owner, rtx):
    rtx.flavor_id = "no-such-flavor"
    rtx.save()
    endpoint = create_endpoint(owner, rtx)
    assert endpoint.status == "rejected"
    assert "no-such-flavor" in endpoint.status_info


def test_adopting_a_service_by_id_tracks_it_once(owner, running, sandbox):
    service_id = running.service_id
    running.delete()
    adopted, created = lifecycle.adopt(owner, netmind_account_of(owner), service_id)
    again, created_again = lifecycle.adopt(owner, netmind_account_of(owner), service_id)
    assert created and not created_again and adopted.pk == again.pk
    assert adopted.status == "available" and adopted.reported_instances == 1
    assert adopted.flavor.flavor_id == RTX_4090 and str(adopted.usd_per_gpu_hour) == "0.3000"
    assert adopted.events.get().note == "Adopted"
