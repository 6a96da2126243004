"""Dedicated endpoints: GPU flavors, inference services and their scaling, and the running echo."""

import time
import uuid

from . import lifecycle
from .validation import Field, Invalid, obj, validate
from .web import ApiError, Response, Route, json_response, user_id

KIND = "service"
SERVICE_PATH = "/inference-api/v1/inference_service/"


def _flavor(flavor_id, gpu, cluster_flavor_id, region, usd, available, node_max_gpu=8, cuda="12.4"):
    return {
        "flavor_id": flavor_id,
        "display_name": gpu,
        "cluster_id": "1",
        "cluster_flavor_id": cluster_flavor_id,
        "meta_info": {"cuda": cuda, "region": region},
        # CNY and NMT prices follow USD at fixed rates, as the real list roughly does.
        "billing": {
            "cny_price_unit": round(usd * 7.3, 2),
            "usd_price_unit": usd,
            "nmt_price_unit": round(usd * 0.49, 6),
        },
        "created_at": "2024-11-13 09:00:19",
        "updated_at": "2024-11-13 09:00:19",
        "deleted_at": None,
        "is_deleted": False,
        "available_num": available,
        "node_max_gpu": node_max_gpu,
    }


FLAVORS = [
    _flavor("69475e82e81c4dd6be3467e2ca374e0c", "NVIDIA_GeForce_RTX_4090", "US_01_4090", "cn", 0.3, 6, 2, "12.0"),
    _flavor("7b2f36d30e0743debc6c60d5017e2d16", "NVIDIA_GeForce_RTX_4090", "US_01_4090", "other", 0.3, 4, 2, "12.0"),
    _flavor("a100a1e0d4f84c2f9a6c3b1e7d2f8a10", "NVIDIA_A100_80GB_PCIe", "US_02_A100", "other", 1.29, 3),
    _flavor("h100c6b2e8a94d7f8e1b0c5a3d9e7f20", "NVIDIA_H100_80GB_HBM3", "US_03_H100", "other", 2.49, 2),
    # None left: creating on it ends `unavailable`, so the console's failure path is reachable.
    _flavor("l40s5d7e9f1a2b3c4d5e6f7a8b9c0d30", "NVIDIA_L40S", "EU_01_L40S", "eu", 0.89, 0),
]
VRAM = {"NVIDIA_GeForce_RTX_4090": "24GB", "NVIDIA_L40S": "48GB"}

CREATE = {
    "name": Field("str", required=True),
    "description": Field("str", default=""),
    "payment_type": Field("str", default="usd"),
    "resource_metadata": obj({
        "flavor_id": Field("str", required=True),
        "scale_type": Field("str", default="manual"),
        "target_instance_number": Field("int", default=1),
        "scale_policy": Field("any", default=None),
    }, required=True),
    "deploy_metadata": obj({
        "image_url": Field("str", required=True),
        "command": Field("str", default=""),
        "port": Field("int", default=8080),
        "gpu_num": Field("int", default=1),
    }, required=True),
}  # fmt: skip
SCALE = {"resource_metadata": obj({"target_instance_number": Field("int", required=True)}, required=True)}


def flavors(app, request):
    return json_response(200, {"flavor_list": FLAVORS})


def _instances(body: dict) -> int:
    number = body["resource_metadata"]["target_instance_number"]
    if number < 0:
        raise Invalid([{"type": "greater_than_equal", "loc": ["body", "resource_metadata", "target_instance_number"],
                        "msg": "Input should be greater than or equal to 0", "input": number}])  # fmt: skip
    return number


def _deploy(app, doc: dict, instances: int, now: float) -> list[list]:
    """Timeline entries for (re)deploying to `instances` workers, starting now."""
    if instances == 0:
        return [[now, "stopped", None]]
    flavor = next(f for f in FLAVORS if f["flavor_id"] == doc["resource_metadata"]["flavor_id"])
    image = doc["deploy_metadata"]["image_url"]
    ready = now + lifecycle.DURATIONS["endpoint"] / app.config.speed
    if "fail" in image.lower():
        reason = {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{image}": not found'}
        outcome = [ready, "unavailable", reason]
    elif flavor["available_num"] < instances:
        reason = {"reason": "InsufficientResources",
                  "message": f"Only {flavor['available_num']} {flavor['display_name']} GPU(s) available"}  # fmt: skip
        outcome = [ready, "unavailable", reason]
    else:
        outcome = [ready, "available", None]
    return [[now, "initializing", None], outcome]


def create(app, request):
    body = validate(CREATE, request.json())
    instances = _instances(body)
    if not any(f["flavor_id"] == body["resource_metadata"]["flavor_id"] for f in FLAVORS):
        raise ApiError(400, f"Flavor id: {body['resource_metadata']['flavor_id']} not exists")
    service_id, now = uuid.uuid4().hex, time.time()
    doc = {**body, "service_id": service_id, "created": now}
    doc["timeline"] = _deploy(app, doc, instances, now)
    request.account.add(KIND, service_id, doc)
    return json_response(200, present(request, doc))


def present(request, doc: dict) -> dict:
    since, status, status_info = lifecycle.entry_at(doc["timeline"])
    resources = doc["resource_metadata"]
    flavor = next(f for f in FLAVORS if f["flavor_id"] == resources["flavor_id"])
    return {
        "service_id": doc["service_id"],
        "name": doc["name"],
        "description": doc["description"],
        "user_id": user_id(request),
        "status": status,
        "status_info": status_info,
        "resource_metadata": {
            **resources,
            "resource_display_name": flavor["display_name"],
            "VRAM": VRAM.get(flavor["display_name"], "80GB"),
            "image_size": "12GB",
        },
        "billing_metadata": {"billing_type": "per_gpu_hour", **flavor["billing"]},
        "endpoint_metadata": {"endpoint_url": f"{request.base_url}{SERVICE_PATH}{doc['service_id']}"},
        "deploy_metadata": doc["deploy_metadata"],
        "service_type": "normal",
        "created_at": lifecycle.spaced(doc["created"]),
        "updated_at": lifecycle.spaced(since),
        "deleted_at": None,
        "is_deleted": False,
        "payment_type": doc["payment_type"],
    }


def _found(app, request) -> dict:
    return request.account.found(KIND, request.params["id"], "Inference service not found")


def retrieve(app, request):
    return json_response(200, present(request, _found(app, request)))


def scale(app, request):
    doc = _found(app, request)
    instances = _instances(validate(SCALE, request.json()))
    now = time.time()
    doc["resource_metadata"]["target_instance_number"] = instances
    # History up to now stays; whatever was still ahead is superseded by the new deployment.
    doc["timeline"] = [entry for entry in doc["timeline"] if entry[0] <= now] + _deploy(app, doc, instances, now)
    request.account.save(KIND, doc["service_id"], doc)
    return json_response(200, present(request, doc))


def delete(app, request):
    request.account.delete(KIND, _found(app, request)["service_id"])
    return Response(200)  # the documented answer is an empty body


def echo(app, request):
    """What a running container answers: the body it was sent."""
    doc = _found(app, request)
    status = lifecycle.status_at(doc["timeline"])
    if status != "available":
        raise ApiError(503, f"Inference service {doc['service_id']} is not available (status: {status})")
    data = request.json() if request.body.strip() else None
    return json_response(200, {"message": "Received", "data": data})


ROUTES = [
    Route("GET", "/v1/inference-service/flavor", flavors),
    Route("POST", "/v1/inference-service", create),
    Route("GET", "/v1/inference-service/{id}", retrieve),
    Route("PUT", "/v1/inference-service/{id}", scale),
    Route("DELETE", "/v1/inference-service/{id}", delete),
    Route("POST", SERVICE_PATH + "{id}/{path}", echo),
    Route("GET", SERVICE_PATH + "{id}/{path}", echo),
]
