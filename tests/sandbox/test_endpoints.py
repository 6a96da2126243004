"""Dedicated endpoints: the requests of seeds/netmind-dedicated-endpoints.txt."""

import pytest

from .conftest import status_in

CREATE_EXAMPLE = {
    "name": "test-flask-server-9",
    "description": "test",
    "payment_type": "usd",
    "resource_metadata": {"flavor_id": "69475e82e81c4dd6be3467e2ca374e0c", "scale_type": "manual", "target_instance_number": 1},
    "deploy_metadata": {"image_url": "python:3.10-slim", "command": "python app.py", "port": 8080, "gpu_num": 0},
}
SERVICE_FIELDS = {"service_id", "name", "description", "user_id", "status", "status_info", "resource_metadata",
                  "billing_metadata", "endpoint_metadata", "deploy_metadata", "service_type", "created_at",
                  "updated_at", "deleted_at", "is_deleted", "payment_type"}  # fmt: skip


def create(api, **changes):
    body = {**CREATE_EXAMPLE, "deploy_metadata": {**CREATE_EXAMPLE["deploy_metadata"], **changes}}
    response = api.post("/v1/inference-service", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def settle(api, service_id):
    return api.wait_for(f"/v1/inference-service/{service_id}", status_in("available", "unavailable", "stopped"))


def test_flavors_list_realistic_gpus_with_prices_and_one_sold_out(api):
    flavors = api.get("/v1/inference-service/flavor").json()["flavor_list"]
    names = {flavor["display_name"] for flavor in flavors}
    assert {"NVIDIA_GeForce_RTX_4090", "NVIDIA_A100_80GB_PCIe", "NVIDIA_H100_80GB_HBM3", "NVIDIA_L40S"} <= names
    assert any(flavor["available_num"] == 0 for flavor in flavors)
    for flavor in flavors:
        assert set(flavor["billing"]) == {"usd_price_unit", "cny_price_unit", "nmt_price_unit"}
        assert set(flavor["meta_info"]) == {"cuda", "region"}
        assert {"flavor_id", "cluster_id", "cluster_flavor_id", "node_max_gpu"} <= set(flavor)


def test_creating_a_service_answers_initializing_then_it_becomes_available(api):
    service = create(api)
    assert set(service) == SERVICE_FIELDS
    assert service["status"] == "initializing" and service["status_info"] is None
    resources = service["resource_metadata"]
    assert resources["resource_display_name"] == "NVIDIA_GeForce_RTX_4090"
    assert {"VRAM", "image_size", "scale_policy", "target_instance_number"} <= set(resources)
    assert settle(api, service["service_id"])["status"] == "available"


@pytest.mark.parametrize("target", ["2", 2])
def test_scaling_goes_through_initializing_back_to_available(api, target):
    service_id = create(api)["service_id"]
    settle(api, service_id)
    response = api.put(f"/v1/inference-service/{service_id}", json={"resource_metadata": {"target_instance_number": target}})
    assert response.status_code == 200
    assert response.json()["status"] == "initializing"
    settled = settle(api, service_id)
    assert settled["status"] == "available" and settled["resource_metadata"]["target_instance_number"] == 2


def test_scaling_to_zero_stops_the_service_and_scaling_up_redeploys_it(api):
    service_id = create(api)["service_id"]
    stopped = api.put(f"/v1/inference-service/{service_id}", json={"resource_metadata": {"target_instance_number": 0}})
    assert stopped.json()["status"] == "stopped"
    api.put(f"/v1/inference-service/{service_id}", json={"resource_metadata": {"target_instance_number": 1}})
    assert settle(api, service_id)["status"] == "available"


def test_an_image_name_containing_fail_ends_unavailable_with_a_reason(api):
    service_id = create(api, image_url="example/fail-to-pull:latest")["service_id"]
    settled = settle(api, service_id)
    assert settled["status"] == "unavailable"
    assert settled["status_info"]["reason"] == "ImagePullBackOff"


def test_a_sold_out_flavor_ends_unavailable(api):
    body = {**CREATE_EXAMPLE, "resource_metadata": {"flavor_id": "l40s5d7e9f1a2b3c4d5e6f7a8b9c0d30"}}
    service_id = api.post("/v1/inference-service", json=body).json()["service_id"]
    assert settle(api, service_id)["status_info"]["reason"] == "InsufficientResources"


def test_deleting_a_service_answers_an_empty_body_and_then_404(api):
    service_id = create(api)["service_id"]
    response = api.delete(f"/v1/inference-service/{service_id}")
    assert response.status_code == 200 and response.content == b""
    assert api.get(f"/v1/inference-service/{service_id}").status_code == 404


def test_an_unknown_flavor_is_a_400(api):
    body = {**CREATE_EXAMPLE, "resource_metadata": {"flavor_id": "nope"}}
    assert api.post("/v1/inference-service", json=body).status_code == 400


def test_a_running_service_echoes_what_it_is_sent_at_its_endpoint_url(api):
    service = create(api)
    url = service["endpoint_metadata"]["endpoint_url"]
    assert url == f"{api.sandbox.url}/inference-api/v1/inference_service/{service['service_id']}"
    early = api.session.post(f"{url}/v1/predict", json={"x": 1})
    assert early.status_code == 503 and "detail" in early.json()
    settle(api, service["service_id"])
    response = api.session.post(f"{url}/v1/predict", json={"x": 1})
    assert response.status_code == 200 and response.json() == {"message": "Received", "data": {"x": 1}}
