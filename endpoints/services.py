"""Dedicated endpoints: the domain operations, callable from a view, a task or a command.

Every operation is safe to run twice: remote calls happen only after a conditional update
claimed the work (django-q2 delivers at least once, and people double-click).
"""

import calendar
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from endpoints.models import SETTLED_STATUSES, Endpoint, EndpointEvent, EndpointSchedule, Flavor, ScaleIntent, Status
from jobs.models import Job, JobState
from netmind_console.accounts.models import Provider, ProviderAccount, preferences_for
from netmind_console.accounts.services import accounts_for, client_for_account
from netmind_console.clients.errors import AmbiguousCreate, NotFound, ProviderError

# Where an available service answers, when the provider's endpoint_metadata does not say.
SERVICE_PATH = "/inference-api/v1/inference_service/"
PUBLIC_ENDPOINT_BASE = "https://api.deeptrin.com" + SERVICE_PATH
BUDGET_WARNING_SHARE = Decimal("0.8")
CENT = Decimal("0.01")
HOURS_PER_DAY = 24
HOURS_PER_30_DAYS = 720


class EndpointError(Exception):
    """An operation the endpoint's current state does not allow; the message is for a person."""


# --- accounts and flavors -------------------------------------------------------------------------


def netmind_accounts(user):
    return accounts_for(user, Provider.NETMIND).order_by("created_at", "id")


def default_account(user) -> ProviderAccount | None:
    return netmind_accounts(user).first()


def flavors_for(account: ProviderAccount):
    return Flavor.objects.filter(base_url=account.base_url, listed=True)


def refresh_flavors(account: ProviderAccount) -> int:
    """Replace the cached flavor list of the account's API; returns how many are listed now."""
    with client_for_account(account) as client:
        remote = client.list_flavors()
    now = timezone.now()
    priced = [flavor for flavor in remote if flavor.usd_per_gpu_hour is not None]
    with transaction.atomic():
        for flavor in priced:
            Flavor.objects.update_or_create(
                base_url=account.base_url,
                flavor_id=flavor.flavor_id,
                defaults={
                    "display_name": flavor.display_name,
                    "cluster_id": flavor.cluster_id or "",
                    "cluster_flavor_id": flavor.cluster_flavor_id or "",
                    "cuda": flavor.cuda or "",
                    "region": flavor.region or "",
                    "usd_per_gpu_hour": flavor.usd_per_gpu_hour,
                    "available_num": max(flavor.available_num or 0, 0),
                    "node_max_gpu": max(flavor.node_max_gpu or 1, 1),
                    "listed": True,
                    "refreshed_at": now,
                },
            )
        # Kept, not deleted: endpoints created on a withdrawn flavor still point at it.
        Flavor.objects.filter(base_url=account.base_url).exclude(
            flavor_id__in=[flavor.flavor_id for flavor in priced]
        ).update(listed=False, refreshed_at=now)
    return len(priced)


@dataclass(frozen=True)
class Cost:
    hourly: Decimal
    daily: Decimal
    monthly: Decimal  # 30 days


def cost_of(usd_per_gpu_hour: Decimal, instances: int, gpus_per_instance: int) -> Cost:
    hourly = usd_per_gpu_hour * instances * gpus_per_instance
    return Cost(
        hourly=hourly.quantize(CENT),
        daily=(hourly * HOURS_PER_DAY).quantize(CENT),
        monthly=(hourly * HOURS_PER_30_DAYS).quantize(CENT),
    )


# --- status bookkeeping ---------------------------------------------------------------------------


REMOTE_STATUSES = {Status.INITIALIZING, Status.AVAILABLE, Status.STOPPED, Status.UNAVAILABLE}


def _status_from_word(word: str) -> Status:
    """Unknown words are kept raw and shown, never fatal."""
    return Status(word) if word in REMOTE_STATUSES else Status.OTHER


def record_change(endpoint_id: int, status: str, instances: int, note: str = "", *, raw_status: str = "",
                  at: datetime | None = None, **fields) -> Endpoint:
    """Save a status/instance change and, when either differs from the last event, an event row.

    The row is locked while comparing, so two syncs racing each other record one event, not two.
    """
    at = at or timezone.now()
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_id)
        last = endpoint.events.order_by("-at", "-id").first()
        changed = last is None or (last.status, last.instances, last.raw_status) != (status, instances, raw_status)
        endpoint.status = status
        endpoint.raw_status = raw_status
        endpoint.reported_instances = instances
        for name, value in fields.items():
            setattr(endpoint, name, value)
        endpoint.save()
        if changed:
            EndpointEvent.objects.create(
                endpoint=endpoint, at=at, status=status, raw_status=raw_status, instances=instances,
                gpus_per_instance=endpoint.gpus_per_instance, usd_per_gpu_hour=endpoint.usd_per_gpu_hour,
                note=note[:500],
            )
    return endpoint


def _apply_service(endpoint: Endpoint, service, note: str = "", **fields) -> Endpoint:
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


# --- create ---------------------------------------------------------------------------------------


def request_create(owner, account: ProviderAccount, flavor: Flavor, *, name: str, instances: int,
                   gpus_per_instance: int, image_url: str, command: str, port: int, create_key) -> tuple[Endpoint, bool]:
    """Save the endpoint as pending; returns (endpoint, created). A resubmitted form finds its first row."""
    try:
        with transaction.atomic():
            endpoint = Endpoint.objects.create(
                owner=owner, account=account, create_key=create_key, name=name, flavor=flavor,
                status=Status.PENDING, target_instances=instances, reported_instances=0,
                last_nonzero_instances=instances, gpus_per_instance=gpus_per_instance,
                usd_per_gpu_hour=flavor.usd_per_gpu_hour, image_url=image_url, command=command, port=port,
            )
            record_change(endpoint.pk, Status.PENDING, 0, "Saved; waiting to be sent to the provider")
    except IntegrityError:
        return Endpoint.objects.get(create_key=create_key, owner=owner), False
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
        _apply_service(endpoint, service, "Created")


# --- sync -----------------------------------------------------------------------------------------


def needs_sync(endpoint: Endpoint) -> bool:
    return bool(endpoint.service_id) and endpoint.status != Status.DELETED and not endpoint.delete_requested_at


def claim_sync(endpoint: Endpoint, min_interval: timedelta = timedelta(seconds=2)) -> bool:
    """True for the one caller that should enqueue a sync now: polling tabs share one GET."""
    if not needs_sync(endpoint):
        return False
    now = timezone.now()
    return bool(
        Endpoint.objects.filter(pk=endpoint.pk)
        .filter(Q(sync_requested_at__isnull=True) | Q(sync_requested_at__lt=now - min_interval))
        .update(sync_requested_at=now)
    )


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
    return _apply_service(endpoint, service, **extra)


# --- scale ----------------------------------------------------------------------------------------


def check_scalable(endpoint: Endpoint):
    if endpoint.status == Status.DELETED or endpoint.delete_requested_at:
        raise EndpointError("This endpoint is deleted; it cannot be scaled.")
    if not endpoint.service_id:
        raise EndpointError("This endpoint does not exist at the provider yet; it cannot be scaled.")


def request_scale(endpoint: Endpoint, target: int, key, reason=ScaleIntent.Reason.MANUAL,
                  note: str = "") -> tuple[ScaleIntent, bool]:
    """Save the wish to run `target` instances; returns (intent, created). The same key is the same wish."""
    check_scalable(endpoint)
    try:
        with transaction.atomic():
            intent = ScaleIntent.objects.create(endpoint=endpoint, key=key, target=target, reason=reason, note=note)
    except IntegrityError:
        intent = ScaleIntent.objects.filter(key=key, endpoint=endpoint).first()
        if intent is None:  # the key of a form rendered for another endpoint
            raise EndpointError("This form belongs to another endpoint's page. Reload the page and try again.")
        return intent, False
    return intent, True


def apply_scale(intent_id: int):
    """Send one scale intent, once; an intent the endpoint already satisfies sends nothing."""
    if not ScaleIntent.objects.filter(pk=intent_id, state=ScaleIntent.State.PENDING).update(
        state=ScaleIntent.State.SENDING
    ):
        return
    intent = ScaleIntent.objects.select_related("endpoint__account").get(pk=intent_id)
    endpoint = intent.endpoint
    if _already_satisfied(endpoint, intent) or _superseded(intent):
        _finish_intent(intent, ScaleIntent.State.SKIPPED)
        return
    try:
        check_scalable(endpoint)
        with client_for_account(endpoint.account) as client:
            service = client.scale_service(endpoint.service_id, intent.target)
    except (EndpointError, ProviderError) as error:
        _finish_intent(intent, ScaleIntent.State.FAILED, getattr(error, "user_message", str(error)))
        return
    fields = {"target_instances": intent.target}
    if intent.target:
        fields["last_nonzero_instances"] = intent.target
    note = intent.note or f"Scaled to {intent.target} instance{'s' if intent.target != 1 else ''}"
    _apply_service(endpoint, service, note, **fields)
    _finish_intent(intent, ScaleIntent.State.SENT)


def _already_satisfied(endpoint: Endpoint, intent: ScaleIntent) -> bool:
    """Two tabs asking for the same number send one call; after a failed deploy, asking again retries."""
    return endpoint.target_instances == intent.target and endpoint.status != Status.UNAVAILABLE


def _superseded(intent: ScaleIntent) -> bool:
    """A later wish replaces this one: only the newest is sent."""
    later = ScaleIntent.objects.filter(endpoint_id=intent.endpoint_id, created_at__gt=intent.created_at)
    return later.exclude(state=ScaleIntent.State.FAILED).exists()


def _finish_intent(intent: ScaleIntent, state, error: str = ""):
    ScaleIntent.objects.filter(pk=intent.pk).update(state=state, error=error[:500], sent_at=timezone.now())


# --- delete ---------------------------------------------------------------------------------------


def request_delete(endpoint: Endpoint) -> bool:
    """Claim the deletion; False when it is already under way or done."""
    if endpoint.status == Status.CREATING:
        raise EndpointError("The create call is still in flight; delete the endpoint once it has an id.")
    return bool(
        Endpoint.objects.filter(pk=endpoint.pk, delete_requested_at__isnull=True)
        .exclude(status__in=[Status.DELETED, Status.CREATING])
        .update(delete_requested_at=timezone.now())
    )


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


# --- adopt ----------------------------------------------------------------------------------------


def adopt(owner, account: ProviderAccount, service_id: str) -> tuple[Endpoint, bool]:
    """Start tracking a service created elsewhere; returns (endpoint, created)."""
    service_id = service_id.strip()
    existing = Endpoint.objects.filter(owner=owner, account=account, service_id=service_id).exclude(
        status=Status.DELETED
    ).first()
    if existing:
        return existing, False
    with client_for_account(account) as client:
        service = client.get_service(service_id)
    flavor = _flavor_for(account, service.flavor_id)
    deploy = service.deploy_metadata or {}
    endpoint = Endpoint.objects.create(
        owner=owner, account=account, name=(service.name or service_id)[:64], description=service.description[:300],
        flavor=flavor, service_id=service.service_id, status=Status.PENDING,
        target_instances=service.target_instance_number or 0,
        last_nonzero_instances=service.target_instance_number or 1,
        gpus_per_instance=_positive_int(deploy.get("gpu_num"), 1),
        usd_per_gpu_hour=flavor.usd_per_gpu_hour if flavor else Decimal(0),
        image_url=str(deploy.get("image_url") or "")[:500], command=str(deploy.get("command") or ""),
        port=_positive_int(deploy.get("port"), None),
    )
    return _apply_service(endpoint, service, "Adopted"), True


def _flavor_for(account, flavor_id) -> Flavor | None:
    if not flavor_id:
        return None
    found = Flavor.objects.filter(base_url=account.base_url, flavor_id=flavor_id).first()
    if found is None:
        refresh_flavors(account)
        found = Flavor.objects.filter(base_url=account.base_url, flavor_id=flavor_id).first()
    return found


def _positive_int(value, default):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


# --- spend and budgets ----------------------------------------------------------------------------


def spend_between(events, since: datetime | None, until: datetime) -> Decimal:
    """Σ instances × GPUs × hours × price over the intervals between consecutive events."""
    total = Decimal(0)
    events = list(events)
    for event, following in pairwise([*events, None]):
        start = max(event.at, since) if since else event.at
        end = min(following.at, until) if following else until
        if end > start:
            total += event.hourly_usd * Decimal((end - start).total_seconds()) / 3600
    return total.quantize(CENT)


def spend(endpoint: Endpoint, until: datetime | None = None, since: datetime | None = None) -> Decimal:
    return spend_between(endpoint.events.order_by("at", "id"), since, until or timezone.now())


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The calendar month around `now`, in the console's time zone."""
    local = timezone.localtime(now)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    days = calendar.monthrange(start.year, start.month)[1]
    return start, start + timedelta(days=days)


def month_spend(endpoint: Endpoint, now: datetime | None = None) -> Decimal:
    now = now or timezone.now()
    return spend(endpoint, until=now, since=month_bounds(now)[0])


def projected_month_spend(endpoint: Endpoint, now: datetime | None = None) -> Decimal:
    """Spent this month, plus the current hourly cost until the month ends."""
    now = now or timezone.now()
    remaining_hours = Decimal((month_bounds(now)[1] - now).total_seconds()) / 3600
    return (month_spend(endpoint, now) + endpoint.hourly_usd * remaining_hours).quantize(CENT)


def budget_share(endpoint: Endpoint, now: datetime | None = None) -> Decimal | None:
    if not endpoint.monthly_budget_usd:
        return None
    return month_spend(endpoint, now) / endpoint.monthly_budget_usd


def check_budget(endpoint: Endpoint, now: datetime | None = None):
    """At 80 % remember the warning (shown on the pages); at 100 % stop the endpoint, saying why."""
    now = now or timezone.now()
    share = budget_share(endpoint, now)
    if share is None or endpoint.status == Status.DELETED:
        return
    if share >= 1 and endpoint.is_billed and endpoint.target_instances:
        note = (f"Stopped: monthly budget of ${endpoint.monthly_budget_usd} reached "
                f"(${month_spend(endpoint, now)} spent this month)")
        intent, _ = request_scale(endpoint, 0, key=_budget_key(endpoint, now), reason=ScaleIntent.Reason.BUDGET,
                                  note=note)
        apply_scale(intent.pk)
    if share >= BUDGET_WARNING_SHARE and not budget_warned_this_month(endpoint, now):
        Endpoint.objects.filter(pk=endpoint.pk).update(budget_warned_at=now)


def budget_warned_this_month(endpoint: Endpoint, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return bool(endpoint.budget_warned_at and endpoint.budget_warned_at >= month_bounds(now)[0])


def _budget_key(endpoint: Endpoint, now: datetime):
    """One key per endpoint per minute: a sweep delivered twice is one intent and one call,
    while a stop that failed is tried again by the next minute's sweep."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"budget-stop:{endpoint.uuid}:{now:%Y-%m-%dT%H:%M}")


def set_budget(endpoint: Endpoint, monthly_budget_usd: Decimal | None):
    Endpoint.objects.filter(pk=endpoint.pk).update(monthly_budget_usd=monthly_budget_usd, budget_warned_at=None)


# --- schedules ------------------------------------------------------------------------------------

# A scale call that failed at a window edge is tried again each minute for this long, then left
# failed (the page shows why) until the next edge.
SCHEDULE_RETRY_WINDOW = timedelta(minutes=15)


def user_zone(user) -> ZoneInfo:
    """The user's time zone from Preferences; UTC when the stored name is not a zone we know."""
    try:
        return ZoneInfo(preferences_for(user).time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class Edge:
    """One moment a schedule acts: scale to `instances` (0 at a window's end)."""

    at: datetime
    action: str
    instances: int

    @property
    def is_start(self):
        return self.action == EndpointSchedule.Action.START


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    # fold=0: a wall time skipped when clocks go forward lands that much later (02:30 -> 03:30),
    # one that happens twice when they go back is taken the first time.
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def _edges_on(schedule: EndpointSchedule, day: date, zone: ZoneInfo) -> list[Edge]:
    if day.weekday() not in schedule.weekday_numbers:
        return []
    start = Edge(_instant(day, schedule.start_time, zone), EndpointSchedule.Action.START, schedule.instances)
    stop = Edge(_instant(day, schedule.end_time, zone), EndpointSchedule.Action.STOP, 0)
    # Only when the spring-forward gap swallows the whole window: it does not happen that day.
    return [start, stop] if stop.at > start.at else []


def edges_around(schedule: EndpointSchedule, now: datetime, zone: ZoneInfo) -> tuple[Edge | None, Edge | None]:
    """The schedule's latest edge at or before `now`, and its first edge after `now`."""
    today = now.astimezone(zone).date()
    edges = sorted((edge for offset in range(-8, 9)
                    for edge in _edges_on(schedule, today + timedelta(days=offset), zone)), key=lambda edge: edge.at)
    past = [edge for edge in edges if edge.at <= now]
    future = [edge for edge in edges if edge.at > now]
    return (past[-1] if past else None), (future[0] if future else None)


def due_edge(schedule: EndpointSchedule, now: datetime, zone: ZoneInfo) -> Edge | None:
    """The latest edge, if nobody applied it yet. Edges from before the window was added (or
    resumed) are not replayed: adding a window never starts an endpoint by surprise."""
    latest, _ = edges_around(schedule, now, zone)
    if latest is None or latest.at < schedule.active_since:
        return None
    if schedule.last_edge_at and latest.at <= schedule.last_edge_at:
        return None
    return latest


def _scheduled_endpoints():
    return Endpoint.objects.exclude(status=Status.DELETED).exclude(service_id="").filter(
        delete_requested_at__isnull=True
    )


def due_schedule_ids(now: datetime) -> list[int]:
    schedules = EndpointSchedule.objects.filter(enabled=True, endpoint__in=_scheduled_endpoints()).select_related(
        "endpoint__owner"
    )
    zones = {}  # one Preferences read per owner, not per window
    due = []
    for schedule in schedules:
        owner = schedule.endpoint.owner
        zone = zones.setdefault(owner.pk, user_zone(owner))
        if due_edge(schedule, now, zone):
            due.append(schedule.pk)
    return due


def apply_schedule(schedule_id: int, now: datetime):
    """Apply the schedule's due edge once: one claim on the row, one scale intent, at most one call."""
    schedule = EndpointSchedule.objects.select_related("endpoint__owner").filter(pk=schedule_id, enabled=True).first()
    if schedule is None:
        return
    edge = due_edge(schedule, now, user_zone(schedule.endpoint.owner))
    if edge is None or not _claim_edge(schedule, edge):
        return
    outcome, retry = _scale_at_edge(schedule, edge, now)
    release = {"last_edge_at": schedule.last_edge_at, "last_action": schedule.last_action} if retry else {}
    EndpointSchedule.objects.filter(pk=schedule.pk, last_edge_at=edge.at).update(last_outcome=outcome[:300], **release)


def _claim_edge(schedule: EndpointSchedule, edge: Edge) -> bool:
    """True for the one sweep that moves the row past this edge; a second sweep finds it done."""
    return bool(
        EndpointSchedule.objects.filter(pk=schedule.pk)
        .filter(Q(last_edge_at__isnull=True) | Q(last_edge_at__lt=edge.at))
        .update(last_edge_at=edge.at, last_action=edge.action, last_outcome="")
    )


def _scale_at_edge(schedule: EndpointSchedule, edge: Edge, now: datetime) -> tuple[str, bool]:
    """Scale through the idempotent intent path; returns (what happened in words, try again later)."""
    endpoint = schedule.endpoint
    if edge.is_start and (budget_share(endpoint, now) or 0) >= 1:
        return "Not started: this month's budget is used up.", False
    verb = f"scaled to {edge.instances}" if edge.is_start else "stopped at the end of the window"
    note = f"Schedule {window_label(schedule)}: {verb}"
    try:
        intent, _ = request_scale(endpoint, edge.instances, key=_schedule_key(schedule, edge, now),
                                  reason=ScaleIntent.Reason.SCHEDULE, note=note)
    except EndpointError as error:
        return str(error), False
    apply_scale(intent.pk)
    intent.refresh_from_db()
    if intent.state == ScaleIntent.State.FAILED:
        retry = now - edge.at < SCHEDULE_RETRY_WINDOW
        return f"Failed{', trying again next minute' if retry else ''}: {intent.error}", retry
    if intent.state == ScaleIntent.State.SKIPPED:
        return f"Already at {edge.instances}: nothing sent.", False
    return verb.capitalize() + ".", False


def _schedule_key(schedule: EndpointSchedule, edge: Edge, now: datetime):
    """Per edge and minute: a repeat within the minute is the same intent; a retry is a new one."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"schedule:{schedule.uuid}:{edge.at.isoformat()}:{now:%Y-%m-%dT%H:%M}")


def window_label(schedule: EndpointSchedule) -> str:
    return f"{schedule.days_label} {schedule.start_time:%H:%M}–{schedule.end_time:%H:%M}"


def next_edges(endpoint: Endpoint, now: datetime, zone: ZoneInfo) -> list[tuple[EndpointSchedule, Edge | None]]:
    """Each window of the endpoint with its next action (None while paused)."""
    return [(schedule, edges_around(schedule, now, zone)[1] if schedule.enabled else None)
            for schedule in endpoint.schedules.all()]


def overlapping_window(endpoint: Endpoint, weekdays: str, start: time, end: time) -> EndpointSchedule | None:
    """Two windows that share a day and touch or overlap would undo each other's edges."""
    for other in endpoint.schedules.all():
        if set(other.weekdays) & set(weekdays) and start <= other.end_time and other.start_time <= end:
            return other
    return None


def add_schedule(endpoint: Endpoint, *, weekdays: str, start_time: time, end_time: time, instances: int,
                 now: datetime | None = None) -> EndpointSchedule:
    now = now or timezone.now()
    return EndpointSchedule.objects.create(endpoint=endpoint, weekdays=weekdays, start_time=start_time,
                                           end_time=end_time, instances=instances, active_since=now, created_at=now)


def set_schedule_enabled(schedule: EndpointSchedule, enabled: bool, now: datetime | None = None):
    """Resuming counts from now: the edges missed while paused are not replayed."""
    fields = {"enabled": enabled}
    if enabled and not schedule.enabled:
        fields["active_since"] = now or timezone.now()
    EndpointSchedule.objects.filter(pk=schedule.pk).update(**fields)


# --- usage ----------------------------------------------------------------------------------------

USAGE_DAYS = 30


@dataclass(frozen=True)
class Usage:
    """Per local day (oldest first): USD per endpoint, and Apinfer credits."""

    days: list[date]
    spend: list[tuple[Endpoint, list[Decimal]]]  # only endpoints that cost something in the period
    credits: list[Decimal]

    @property
    def spend_rows(self) -> list[tuple[date, list[Decimal], Decimal]]:
        """(day, USD per endpoint in the order of `spend`, USD that day): the table beside the chart."""
        rows = []
        for index, day in enumerate(self.days):
            amounts = [per_day[index] for _, per_day in self.spend]
            rows.append((day, amounts, sum(amounts, Decimal(0))))
        return rows

    @property
    def spend_totals(self) -> tuple[list[Decimal], Decimal]:
        per_endpoint = [sum(per_day, Decimal(0)) for _, per_day in self.spend]
        return per_endpoint, sum(per_endpoint, Decimal(0))

    @property
    def credit_rows(self) -> list[tuple[date, Decimal]]:
        return list(zip(self.days, self.credits, strict=True))

    @property
    def credits_total(self) -> Decimal:
        return sum(self.credits, Decimal(0))


def usage(owner, now: datetime, zone: ZoneInfo, day_count: int = USAGE_DAYS) -> Usage:
    today = now.astimezone(zone).date()
    days = [today - timedelta(days=back) for back in range(day_count - 1, -1, -1)]
    return Usage(days=days, spend=daily_spend(owner, days, zone, now), credits=daily_credits(owner, days, zone))


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight: days are 23 or 25 hours long when the clocks change."""
    return _instant(day, time(0), zone)


def daily_spend(owner, days: list[date], zone: ZoneInfo, now: datetime) -> list[tuple[Endpoint, list[Decimal]]]:
    since = _day_start(days[0], zone)
    bounds = [_day_start(day, zone) for day in days] + [_day_start(days[-1] + timedelta(days=1), zone)]
    events_by_endpoint = {}
    for event in _events_in(owner, since, now):
        events_by_endpoint.setdefault(event.endpoint_id, []).append(event)
    endpoints = Endpoint.objects.filter(owner=owner, pk__in=events_by_endpoint).order_by("name", "id")
    rows = []
    for endpoint in endpoints:
        events = events_by_endpoint[endpoint.pk]
        amounts = [spend_between(events, start, min(end, now)) for start, end in pairwise(bounds)]
        if any(amounts):
            rows.append((endpoint, amounts))
    return rows


def _events_in(owner, since: datetime, until: datetime):
    """The owner's events inside the period, plus each endpoint's last one before it (still in force)."""
    in_force = Endpoint.objects.filter(owner=owner).annotate(
        opening=Subquery(EndpointEvent.objects.filter(endpoint=OuterRef("pk"), at__lt=since)
                         .order_by("-at", "-id").values("pk")[:1])
    ).exclude(opening=None).values("opening")
    return EndpointEvent.objects.filter(endpoint__owner=owner).filter(
        Q(at__gte=since, at__lt=until) | Q(pk__in=in_force)
    ).order_by("endpoint_id", "at", "id")


def daily_credits(owner, days: list[date], zone: ZoneInfo) -> list[Decimal]:
    """Apinfer charges credits when a generation succeeds, so failed jobs count nothing."""
    since, until = _day_start(days[0], zone), _day_start(days[-1] + timedelta(days=1), zone)
    per_day = dict(
        Job.objects.filter(owner=owner, provider=Provider.APINFER, state=JobState.SUCCEEDED,
                           credit_cost__isnull=False, finished_at__gte=since, finished_at__lt=until)
        .annotate(day=TruncDate("finished_at", tzinfo=zone)).order_by().values("day")
        .annotate(credits=Sum("credit_cost")).values_list("day", "credits")
    )
    return [per_day.get(day, Decimal(0)) for day in days]


# --- try it ---------------------------------------------------------------------------------------


def try_it(endpoint: Endpoint, path: str, json_body):
    """POST JSON to the running service; returns the client's EndpointResponse (status, latency, body)."""
    if endpoint.status != Status.AVAILABLE:
        raise EndpointError("The endpoint is not available; try it once its status is Available.")
    if endpoint.account is None:
        raise EndpointError("The provider account of this endpoint was removed.")
    url = endpoint.endpoint_url.rstrip("/") + "/" + path.lstrip("/")
    with client_for_account(endpoint.account) as client:
        return client.call_endpoint(url, json_body)


# --- sweep ----------------------------------------------------------------------------------------

RETRY_PENDING_AFTER = timedelta(seconds=30)


def sweep_work(now: datetime | None = None) -> dict[str, list[int]]:
    """What the minute sweep should do: ids to sync, creates and scale intents to (re)send,
    budgets to check, schedules with an edge to apply."""
    now = now or timezone.now()
    live = Endpoint.objects.exclude(status__in=[Status.DELETED]).filter(delete_requested_at__isnull=True)
    return {
        "sync": list(live.exclude(service_id="").exclude(status__in=SETTLED_STATUSES - {Status.STOPPED})
                     .values_list("pk", flat=True)),
        "create": list(live.filter(status=Status.PENDING, created_at__lt=now - RETRY_PENDING_AFTER)
                       .values_list("pk", flat=True)),
        "scale": list(ScaleIntent.objects.filter(state=ScaleIntent.State.PENDING,
                                                 created_at__lt=now - RETRY_PENDING_AFTER)
                      .values_list("pk", flat=True)),
        "budget": list(live.filter(monthly_budget_usd__isnull=False).values_list("pk", flat=True)),
        "schedule": due_schedule_ids(now),
    }
