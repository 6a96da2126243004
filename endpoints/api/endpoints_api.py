"""Endpoints over the API: the list, one endpoint with its history, and scale / stop / start.

The same calls as the pages (permissions.get_endpoint, handoff.scale, handoff.sync_if_watched, budgets), so the
roles and rules are the pages'. One difference, on purpose: the page asks once more before a dearer size, the API
does not (its caller asked for that size). Neither refuses a start when the month's budget is used up: the
budget sweep stops it again (budgets.check_budget), as the page's budget notice says.
"""

from datetime import datetime
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from django.http import HttpResponse
from django.utils import timezone
from ninja import Header, Router

from endpoints import budgets, handoff, schedules
from endpoints.api.schemas import EndpointDetail, EndpointList, ScaleAnswer, ScaleIn, two_decimals
from endpoints.errors import EndpointError
from endpoints.models import Endpoint, EndpointEvent, ScaleIntent
from endpoints.permissions import get_endpoint
from netmind_console.api.problems import ApiProblem, Problem
from netmind_console.workspaces import access
from netmind_console.workspaces.roles import Role

router = Router(tags=["endpoints"])

# Workspaces have a handful of endpoints; past this many the list shows the newest (deleted ones included).
MAX_LISTED = 200
RECENT_EVENTS = 50
IDEMPOTENCY_KEY = Header(None, alias="Idempotency-Key", min_length=1, max_length=64,
                         description="The same key (per user and endpoint) is the same wish: sent once")
SCALE_ANSWERS = {202: ScaleAnswer, 409: Problem}
REPLAYED_HEADER = {"description": "`true` when this answers an earlier request with the same Idempotency-Key",
                   "schema": {"type": "string", "enum": ["true"]}}
SCALE_DOCUMENT = {"responses": {202: {"description": "Saved and queued; `scale.state` says whether it is sent yet",
                                      "headers": {"Idempotent-Replayed": REPLAYED_HEADER}}}}


@router.get("/endpoints", response=EndpointList, operation_id="list_endpoints", summary="The workspace's endpoints",
            description=f"Newest first, deleted ones included (their history and spend stay); at most {MAX_LISTED}.")
def list_endpoints(request):
    workspace = access.require(request, Role.VIEWER)
    now = timezone.now()
    endpoints = Endpoint.objects.filter(workspace=workspace).select_related("flavor")[:MAX_LISTED]
    spends = budgets.month_spends(workspace, now)
    return {"items": [endpoint_out(endpoint, spends.get(endpoint.pk, Decimal(0)), now) for endpoint in endpoints]}


@router.get("/endpoints/{uuid}", response=EndpointDetail, operation_id="get_endpoint",
            summary="One endpoint, its history and schedule",
            description="Reading an endpoint whose status is changing asks the provider for news, as the page does.")
def endpoint_detail(request, uuid: UUID):
    endpoint = handoff.sync_if_watched(get_endpoint(request, uuid, Role.VIEWER))
    now = timezone.now()
    latest_scale = endpoint.scale_intents.first()
    return {
        **endpoint_out(endpoint, budgets.month_spend(endpoint, now), now),
        "settled": endpoint.is_settled,
        "spend_usd": two_decimals(budgets.spend(endpoint, until=now)),
        "last_scale": scale_out(latest_scale) if latest_scale else None,
        "events": [event_out(event) for event in endpoint.events.order_by("-at", "-id")[:RECENT_EVENTS]],
        "schedule": schedule_out(endpoint, now),
    }


@router.post("/endpoints/{uuid}/scale", response=SCALE_ANSWERS, operation_id="scale_endpoint",
             summary="Run this many instances", openapi_extra=SCALE_DOCUMENT)
def scale(request, uuid: UUID, body: ScaleIn, response: HttpResponse, idempotency_key: str | None = IDEMPOTENCY_KEY):
    endpoint = get_endpoint(request, uuid, Role.MEMBER)
    return _scale(request, response, endpoint, body.instances, idempotency_key)


@router.post("/endpoints/{uuid}/stop", response=SCALE_ANSWERS, operation_id="stop_endpoint",
             summary="Scale to 0 instances", openapi_extra=SCALE_DOCUMENT)
def stop(request, uuid: UUID, response: HttpResponse, idempotency_key: str | None = IDEMPOTENCY_KEY):
    return _scale(request, response, get_endpoint(request, uuid, Role.MEMBER), 0, idempotency_key)


@router.post("/endpoints/{uuid}/start", response=SCALE_ANSWERS, operation_id="start_endpoint",
             summary="Scale back to the last instance count above 0 (last_nonzero_instances)",
             openapi_extra=SCALE_DOCUMENT)
def start(request, uuid: UUID, response: HttpResponse, idempotency_key: str | None = IDEMPOTENCY_KEY):
    endpoint = get_endpoint(request, uuid, Role.MEMBER)
    return _scale(request, response, endpoint, endpoint.last_nonzero_instances, idempotency_key)


def _scale(request, response, endpoint: Endpoint, target: int, idempotency_key: str | None):
    """202: the wish is saved and queued; the worker sends it. A repeat of the key answers the first wish."""
    try:
        intent, created = handoff.scale(endpoint, target, _intent_key(request.user, endpoint, idempotency_key),
                                        actor=request.user, request=request)
    except EndpointError as error:
        raise ApiProblem(409, str(error)) from None
    if not created:
        if intent.target != target:
            raise ApiProblem(409, f"This Idempotency-Key asked {endpoint.name} for {intent.target} instances "
                                  "before; use a new key for a new request.")
        response["Idempotent-Replayed"] = "true"
    endpoint.refresh_from_db()
    intent.refresh_from_db()
    now = timezone.now()
    return 202, {"endpoint": endpoint_out(endpoint, budgets.month_spend(endpoint, now), now),
                 "scale": scale_out(intent)}


def _intent_key(user, endpoint: Endpoint, idempotency_key: str | None) -> UUID:
    """A ScaleIntent's key is a UUID: the caller's key becomes one per user and endpoint, so two people (or two
    endpoints) never share a wish by choosing the same word. Without a key, every request is a new wish."""
    if idempotency_key is None:
        return uuid4()
    return uuid5(NAMESPACE_URL, f"api-scale:{user.pk}:{endpoint.uuid}:{idempotency_key}")


def endpoint_out(endpoint: Endpoint, month_spent: Decimal, now: datetime) -> dict:
    flavor = endpoint.flavor
    return {
        "uuid": endpoint.uuid,
        "name": endpoint.name,
        "status": endpoint.status,
        "status_text": endpoint.status_word,
        "status_info": endpoint.status_info,
        "target_instances": endpoint.target_instances,
        "reported_instances": endpoint.reported_instances,
        "last_nonzero_instances": endpoint.last_nonzero_instances,
        "flavor": flavor.display_name if flavor else None,
        "region": (flavor.region or None) if flavor else None,
        "gpus_per_instance": endpoint.gpus_per_instance,
        "usd_per_gpu_hour": f"{endpoint.usd_per_gpu_hour:.4f}",
        "hourly_usd": two_decimals(endpoint.hourly_usd),
        "month_spend_usd": two_decimals(month_spent),
        "projected_month_spend_usd": two_decimals(budgets.projection(endpoint, month_spent, now)),
        "monthly_budget_usd": two_decimals(endpoint.monthly_budget_usd) if endpoint.monthly_budget_usd else None,
        "budget_status": _budget_status(endpoint, month_spent, now),
        "url": endpoint.endpoint_url or None,
        "created_at": endpoint.created_at,
    }


def _budget_status(endpoint: Endpoint, month_spent: Decimal, now: datetime) -> str:
    """What the detail page's budget notice says."""
    share = budgets.share_of_budget(endpoint, month_spent)
    if share is None:
        return "none"
    if share >= 1:
        return "used_up"
    return "warning" if budgets.budget_warning_due(endpoint, share, now) else "ok"


def scale_out(intent: ScaleIntent) -> dict:
    return {"target": intent.target, "state": intent.state, "reason": intent.reason, "error": intent.error,
            "requested_at": intent.created_at}


def event_out(event: EndpointEvent) -> dict:
    return {"at": event.at, "status": event.status, "status_text": event.status_word, "instances": event.instances,
            "note": event.note}


def schedule_out(endpoint: Endpoint, now: datetime) -> dict:
    # The windows act in their creator's zone (schedules.py), as the detail page shows them.
    zone = schedules.user_zone(endpoint.owner)
    return {"time_zone": zone.key, "windows": [
        {"uuid": window.uuid, "days": window.days_label, "weekdays": window.weekday_numbers,
         "start_time": f"{window.start_time:%H:%M}", "end_time": f"{window.end_time:%H:%M}",
         "instances": window.instances, "enabled": window.enabled,
         "next_action": {"at": edge.at, "action": edge.action, "instances": edge.instances} if edge else None}
        for window, edge in schedules.next_edges(endpoint, now, zone)
    ]}

