"""An endpoint's life at the provider: its status history, create, sync, delete, and adopting one made elsewhere.

Every operation is safe to run twice: remote calls happen only after a conditional update claimed the work
(django-q2 delivers at least once, and people double-click).
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from endpoints.errors import EndpointError
from endpoints.flavors import known_flavor
from endpoints.models import Endpoint, EndpointEvent, Flavor, ScaleIntent, Status
from netmind_console.accounts.models import ProviderAccount
from netmind_console.accounts.services import client_for_account
from netmind_console.clients.errors import AmbiguousCreate, NotFound, ProviderError
from netmind_console.core import claims
from netmind_console.core.state_changes import change_with_event
from netmind_console.workspaces import audit

# Where an available service answers, when the provider's endpoint_metadata does not say.
SERVICE_PATH = "/inference-api/v1/inference_service/"
PUBLIC_ENDPOINT_BASE = "https://api.deeptrin.com" + SERVICE_PATH
REMOTE_STATUSES = {Status.INITIALIZING, Status.AVAILABLE, Status.STOPPED, Status.UNAVAILABLE}


def _status_from_word(word: str) -> Status:
    """Unknown words are kept raw and shown, never fatal."""
    return Status(word) if word in REMOTE_STATUSES else Status.OTHER


def record_change(endpoint_id: int, status: str, instances: int, note: str = "", *, raw_status: str = "",
                  at: datetime | None = None, **fields) -> Endpoint:
    """Save a status/instance change and, when either differs from the last event, an event row.

    The UPDATE locks the row until commit, so two syncs racing each other record one event, not two.
    """
    at = at or timezone.now()

    def record(endpoint):
        last = endpoint.events.order_by("-at", "-id").first()
        if last is None or (last.status, last.instances, last.raw_status) != (status, instances, raw_status):
            EndpointEvent.objects.create(
                endpoint=endpoint, at=at, status=status, raw_status=raw_status, instances=instances,
                gpus_per_instance=endpoint.gpus_per_instance, usd_per_gpu_hour=endpoint.usd_per_gpu_hour,
                note=note[:500],
            )

    changes = {"status": status, "raw_status": raw_status, "reported_instances": instances, **fields}
    return change_with_event(Endpoint, endpoint_id, fields=changes, record=record)


def apply_service(endpoint: Endpoint, service, note: str = "", **fields) -> Endpoint:
    """Take the provider's view of the service as the truth about status and instances."""
    status = _status_from_word(service.status)
    instances = service.target_instance_number
    if instances is None:
        instances = endpoint.reported_instances
    status_info = service.status_info or ""
    return record_change(
        endpoint.pk, status, instances, note or status_info, raw_status=service.status,
        service_id=service.service_id, status_info=status_info,
        endpoint_url=service_url(endpoint.account, service.service_id), last_synced_at=timezone.now(), **fields,
    )


def service_url(account: ProviderAccount | None, service_id: str) -> str:
    """Where the running service answers. Built from the account, never taken from a response:
    "Try it" sends the account's token there."""
    if account is None or account.base_url.rstrip("/") == settings.NETMIND_API_BASE.rstrip("/"):
        return PUBLIC_ENDPOINT_BASE + service_id
    # The sandbox (or another stand-in API) serves the services under its own host.
    return f"{account.base_url.rstrip('/')}{SERVICE_PATH}{service_id}"


def request_create(owner, account: ProviderAccount, flavor: Flavor, *, name: str, instances: int,
                   gpus_per_instance: int, image_url: str, command: str, port: int, create_key,
                   request=None) -> tuple[Endpoint, bool]:
    """Save the endpoint as pending in the account's workspace; returns (endpoint, created).

    `owner` is the person creating it. A resubmitted form finds its first row.
    """
    try:
        with transaction.atomic():
            endpoint = Endpoint.objects.create(
                workspace=account.workspace, owner=owner, account=account, create_key=create_key, name=name,
                flavor=flavor, status=Status.PENDING, target_instances=instances, reported_instances=0,
                last_nonzero_instances=instances, gpus_per_instance=gpus_per_instance,
                usd_per_gpu_hour=flavor.usd_per_gpu_hour, image_url=image_url, command=command, port=port,
            )
            record_change(endpoint.pk, Status.PENDING, 0, "Saved; waiting to be sent to the provider")
            audit.record(endpoint.workspace, owner, "endpoint.created", endpoint.name, after={
                "flavor": flavor.display_name, "instances": instances, "gpus_per_instance": gpus_per_instance,
                "usd_per_gpu_hour": str(flavor.usd_per_gpu_hour),
            }, request=request)
    except IntegrityError:
        first = Endpoint.objects.filter(create_key=create_key, owner=owner, workspace=account.workspace).first()
        if first is None:  # the key of a form rendered for someone else, or for another workspace
            raise EndpointError("This form was already used elsewhere. Reload the page and try again.") from None
        return first, False
    return endpoint, True


def submit_create(endpoint_id: int):
    """Send the create call for a pending endpoint, once."""
    if not Endpoint.objects.filter(pk=endpoint_id, status=Status.PENDING).update(status=Status.CREATING):
        return  # someone else claimed it, or it was deleted
    endpoint = Endpoint.objects.select_related("account", "flavor").get(pk=endpoint_id)
    if endpoint.account is None or endpoint.flavor is None:
        record_change(endpoint.pk, Status.REJECTED, 0, "The provider account or flavor was removed before sending.")
        return
    try:
        with client_for_account(endpoint.account) as client:
            service = client.create_service(
                name=endpoint.name, description=endpoint.description, flavor_id=endpoint.flavor.flavor_id,
                target_instance_number=endpoint.target_instances, image_url=endpoint.image_url,
                command=endpoint.command, port=endpoint.port, gpu_num=endpoint.gpus_per_instance,
            )
    except AmbiguousCreate as error:
        # No list call exists to reconcile with: the person can adopt the service if it shows up.
        note = f"{error.user_message} If it appears in NetMind's dashboard, adopt it by its service id."
        record_change(endpoint.pk, Status.UNKNOWN, 0, note, status_info=note)
    except ProviderError as error:
        if error.retryable:
            # Back to pending: the sweep sends it again later, which also spaces out the retries.
            Endpoint.objects.filter(pk=endpoint.pk).update(status=Status.PENDING, status_info=error.user_message)
        else:
            record_change(endpoint.pk, Status.REJECTED, 0, error.user_message, status_info=error.user_message)
    else:
        apply_service(endpoint, service, "Created")


def needs_sync(endpoint: Endpoint) -> bool:
    return bool(endpoint.service_id) and endpoint.status != Status.DELETED and not endpoint.delete_requested_at


def claim_sync(endpoint: Endpoint, min_interval: timedelta = timedelta(seconds=2)) -> bool:
    """True for the one caller that should enqueue a sync now: polling tabs share one GET."""
    return needs_sync(endpoint) and claims.claim_sync(endpoint, min_interval)


def sync_endpoint(endpoint_id: int) -> Endpoint:
    endpoint = Endpoint.objects.select_related("account").get(pk=endpoint_id)
    if not needs_sync(endpoint) or endpoint.account is None:
        return endpoint
    try:
        with client_for_account(endpoint.account) as client:
            service = client.get_service(endpoint.service_id)
    except NotFound:
        return record_change(endpoint.pk, Status.DELETED, 0, "The provider no longer has this service.",
                             deleted_at=timezone.now(), last_synced_at=timezone.now())
    except ProviderError as error:
        Endpoint.objects.filter(pk=endpoint.pk).update(status_info=error.user_message)
        return endpoint
    extra = {}
    if not endpoint.scale_intents.filter(state__in=[ScaleIntent.State.PENDING, ScaleIntent.State.SENDING]).exists():
        # Nothing of ours in flight: a different remote target was set elsewhere (the NetMind web UI).
        remote_target = service.target_instance_number
        if remote_target is not None:
            extra["target_instances"] = remote_target
            if remote_target:
                extra["last_nonzero_instances"] = remote_target
    return apply_service(endpoint, service, **extra)


def request_delete(endpoint: Endpoint, *, actor=None, request=None) -> bool:
    """Claim the deletion; False when it is already under way or done."""
    if endpoint.status == Status.CREATING:
        raise EndpointError("The create call is still in flight; delete the endpoint once it has an id.")
    with transaction.atomic():
        claimed = bool(
            Endpoint.objects.filter(pk=endpoint.pk, delete_requested_at__isnull=True)
            .exclude(status__in=[Status.DELETED, Status.CREATING])
            .update(delete_requested_at=timezone.now())
        )
        if claimed:
            audit.record(endpoint.workspace, actor, "endpoint.deleted", endpoint.name,
                         before={"status": endpoint.status, "instances": endpoint.target_instances},
                         request=request)
    return claimed


def delete_endpoint(endpoint_id: int):
    """Delete the remote service; the row stays, marked deleted, with its history and spend."""
    endpoint = Endpoint.objects.select_related("account").get(pk=endpoint_id)
    if endpoint.status == Status.DELETED or not endpoint.delete_requested_at:
        return
    if endpoint.service_id and endpoint.account is not None:
        try:
            with client_for_account(endpoint.account) as client:
                client.delete_service(endpoint.service_id)
        except NotFound:
            pass  # already gone: the goal is reached
        except ProviderError as error:
            # Released so the person can try again; the message says why it did not happen.
            Endpoint.objects.filter(pk=endpoint.pk).update(
                delete_requested_at=None, status_info=f"Delete failed: {error.user_message}"
            )
            return
    record_change(endpoint.pk, Status.DELETED, 0, "Deleted", deleted_at=timezone.now())


def adopt(owner, account: ProviderAccount, service_id: str, *, request=None) -> tuple[Endpoint, bool]:
    """Start tracking a service created elsewhere, in the account's workspace; returns (endpoint, created).

    `owner` is the person adopting it.
    """
    service_id = service_id.strip()
    existing = Endpoint.objects.filter(workspace=account.workspace, account=account, service_id=service_id).exclude(
        status=Status.DELETED
    ).first()
    if existing:
        return existing, False
    with client_for_account(account) as client:
        service = client.get_service(service_id)
    flavor = known_flavor(account, service.flavor_id)
    deploy = service.deploy_metadata or {}
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            workspace=account.workspace, owner=owner, account=account, name=(service.name or service_id)[:64],
            description=service.description[:300], flavor=flavor, service_id=service.service_id,
            status=Status.PENDING, target_instances=service.target_instance_number or 0,
            last_nonzero_instances=service.target_instance_number or 1,
            gpus_per_instance=_positive_int(deploy.get("gpu_num"), 1),
            usd_per_gpu_hour=flavor.usd_per_gpu_hour if flavor else Decimal(0),
            image_url=str(deploy.get("image_url") or "")[:500], command=str(deploy.get("command") or ""),
            port=_positive_int(deploy.get("port"), None),
        )
        audit.record(endpoint.workspace, owner, "endpoint.adopted", endpoint.name,
                     after={"service_id": endpoint.service_id, "instances": endpoint.target_instances},
                     request=request)
    return apply_service(endpoint, service, "Adopted"), True


def _positive_int(value, default):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default
