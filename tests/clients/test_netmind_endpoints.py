"""Flavors, dedicated endpoint services and "Try it" against the sandbox."""

from decimal import Decimal

import pytest

from netmind_console.clients import InvalidRequest, NotFound

from .conftest import wait_for

pytestmark = pytest.mark.usefixtures("schema")

RTX_4090 = "69475e82e81c4dd6be3467e2ca374e0c"
NO_GPUS_LEFT = "l40s5d7e9f1a2b3c4d5e6f7a8b9c0d30"


def _create(netmind, flavor_id=RTX_4090, **overrides):
    options = {"name": "echo", "flavor_id": flavor_id, "image_url": "python:3.10-slim", "port": 8080, **overrides}
    return netmind.create_service(**options)


def _settled(netmind, service):
    return wait_for(lambda: netmind.get_service(service.service_id), lambda s: s.status != "initializing")


def test_flavors_have_exact_prices(netmind):
    flavors = {flavor.flavor_id: flavor for flavor in netmind.list_flavors()}

    assert flavors[RTX_4090].usd_per_gpu_hour == Decimal("0.3")
    assert flavors[RTX_4090].display_name == "NVIDIA_GeForce_RTX_4090"
    assert flavors[NO_GPUS_LEFT].available_num == 0


def test_ping_is_one_cheap_authenticated_read(netmind, sandbox):
    netmind.ping()

    assert sandbox.calls() == {"GET /v1/inference-service/flavor": 1}


def test_a_service_becomes_available_scales_and_is_deleted(netmind):
    created = _create(netmind)

    assert (created.status, created.target_instance_number, created.flavor_id) == ("initializing", 1, RTX_4090)
    assert _settled(netmind, created).status == "available"

    scaled = netmind.scale_service(created.service_id, 2)
    assert scaled.target_instance_number == 2
    assert _settled(netmind, scaled).status == "available"

    netmind.delete_service(created.service_id)
    with pytest.raises(NotFound):
        netmind.get_service(created.service_id)


def test_scaling_to_zero_stops_the_service(netmind):
    created = _create(netmind)

    assert netmind.scale_service(created.service_id, 0).status == "stopped"


def test_a_failed_deploy_says_why(netmind):
    service = _settled(netmind, _create(netmind, flavor_id=NO_GPUS_LEFT))

    assert service.status == "unavailable"
    assert "available" in service.status_info


def test_an_unknown_flavor_is_an_invalid_request(netmind):
    with pytest.raises(InvalidRequest) as caught:
        _create(netmind, flavor_id="nope")

    assert "nope" in caught.value.field_messages["__all__"]


def test_try_it_reports_what_the_endpoint_answered(netmind):
    service = _create(netmind)
    url = f"{service.endpoint_url}/predict"

    early = netmind.call_endpoint(url, {"x": 1})
    _settled(netmind, service)
    answered = netmind.call_endpoint(url, {"x": 1})

    assert early.status_code == 503
    assert answered.status_code == 200 and '"x": 1' in answered.body
    assert answered.latency_ms >= 0 and not answered.truncated
