"""Weekly windows: at a window's start the endpoint scales to its instances, at its end to 0.

The wall-clock times are in the zone of the endpoint's creator (`endpoint.owner`), whoever in the workspace
added the window: one zone per endpoint, so its edges do not move when another member looks or edits.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from endpoints.budgets import budget_share
from endpoints.errors import EndpointError
from endpoints.models import Endpoint, EndpointSchedule, ScaleIntent, Status
from endpoints.scaling import apply_scale, request_scale
from netmind_console.accounts.models import preferences_for
from netmind_console.workspaces import audit

# A scale call that failed at a window edge is tried again by each minute's sweep for this long, then
# left failed (the page shows why) until the next edge. The sweep's one-minute beat paces the retries.
SCHEDULE_RETRY_WINDOW = timedelta(minutes=15)


def user_zone(user) -> ZoneInfo:
    """The user's time zone from Preferences; UTC when the stored name is not a zone we know, or when the
    endpoint's creator has been deleted (no one is left whose zone it was)."""
    if user is None:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(preferences_for(user).time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC moment of a local wall time."""
    # fold=0: a wall time skipped when clocks go forward lands that much later (02:30 -> 03:30),
    # one that happens twice when they go back is taken the first time.
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Edge:
    """One moment a schedule acts: scale to `instances` (0 at a window's end)."""

    at: datetime
    action: str
    instances: int

    @property
    def is_start(self):
        return self.action == EndpointSchedule.Action.START


def _edges_on(schedule: EndpointSchedule, day: date, zone: ZoneInfo) -> list[Edge]:
    if day.weekday() not in schedule.weekday_numbers:
        return []
    start = Edge(instant(day, schedule.start_time, zone), EndpointSchedule.Action.START, schedule.instances)
    stop = Edge(instant(day, schedule.end_time, zone), EndpointSchedule.Action.STOP, 0)
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
        zone = zones.setdefault(schedule.endpoint.owner_id, user_zone(owner))
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
                 now: datetime | None = None, actor=None, request=None) -> EndpointSchedule:
    now = now or timezone.now()
    with transaction.atomic():
        schedule = EndpointSchedule.objects.create(endpoint=endpoint, weekdays=weekdays, start_time=start_time,
                                                   end_time=end_time, instances=instances, active_since=now,
                                                   created_at=now)
        _audit_window(schedule, actor, request, after=_window_facts(schedule))
    return schedule


def set_schedule_enabled(schedule: EndpointSchedule, enabled: bool, now: datetime | None = None, *, actor=None,
                         request=None):
    """Resuming counts from now: the edges missed while paused are not replayed."""
    fields = {"enabled": enabled}
    if enabled and not schedule.enabled:
        fields["active_since"] = now or timezone.now()
    with transaction.atomic():
        EndpointSchedule.objects.filter(pk=schedule.pk).update(**fields)
        _audit_window(schedule, actor, request, before=_window_facts(schedule),
                      after={**_window_facts(schedule), "enabled": enabled})


def remove_schedule(schedule: EndpointSchedule, *, actor=None, request=None):
    with transaction.atomic():
        _audit_window(schedule, actor, request, before=_window_facts(schedule))
        schedule.delete()


def _window_facts(schedule: EndpointSchedule) -> dict:
    return {"window": window_label(schedule), "instances": schedule.instances, "enabled": schedule.enabled}


def _audit_window(schedule: EndpointSchedule, actor, request, *, before=None, after=None):
    """One action for a window added (no before), changed, or removed (no after)."""
    endpoint = schedule.endpoint
    audit.record(endpoint.workspace, actor, "endpoint.schedule_changed", endpoint.name, before=before, after=after,
                 request=request)
