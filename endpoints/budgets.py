"""Spend (Σ instances × GPUs × hours × price, from the events) and the monthly budget that warns, then stops."""

import calendar
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from endpoints.flavors import CENT
from endpoints.models import Endpoint, EndpointEvent, ScaleIntent, Status
from endpoints.scaling import apply_scale, request_scale
from netmind_console.workspaces import audit

# From this share of the monthly budget on, the pages warn; at 1 (all of it) the endpoint is stopped.
BUDGET_WARNING_SHARE = Decimal("0.8")
BUDGET_WARNING_PERCENT = int(BUDGET_WARNING_SHARE * 100)
# The budget notices (budget_notice).
BUDGET_WARNING, BUDGET_STOPPING, BUDGET_STOPPED = "warning", "stopping", "stopped"


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
    """The calendar month around `now`, in the console's time zone (TIME_ZONE), not the reader's: the page and
    the worker that enforces the budget must agree on when a month starts."""
    local = timezone.localtime(now, timezone.get_default_timezone())
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    days = calendar.monthrange(start.year, start.month)[1]
    return start, start + timedelta(days=days)


def month_spend(endpoint: Endpoint, now: datetime | None = None) -> Decimal:
    now = now or timezone.now()
    return spend(endpoint, until=now, since=month_bounds(now)[0])


def month_spends(workspace, now: datetime) -> dict[int, Decimal]:
    """This month's spend of each of the workspace's endpoints (by id; none for those without events), from one
    query: the list of endpoints shows it for all of them."""
    since = month_bounds(now)[0]
    return {endpoint_id: spend_between(events, since, now)
            for endpoint_id, events in events_by_endpoint(workspace, since, now).items()}


def events_by_endpoint(workspace, since: datetime, until: datetime) -> dict[int, list[EndpointEvent]]:
    """The workspace's events inside the period, plus each endpoint's last one before it (still in force),
    oldest first per endpoint id, in one query."""
    in_force = Endpoint.objects.filter(workspace=workspace).annotate(
        opening=Subquery(EndpointEvent.objects.filter(endpoint=OuterRef("pk"), at__lt=since)
                         .order_by("-at", "-id").values("pk")[:1])
    ).exclude(opening=None).values("opening")
    events = EndpointEvent.objects.filter(endpoint__workspace=workspace).filter(
        Q(at__gte=since, at__lt=until) | Q(pk__in=in_force)
    ).order_by("endpoint_id", "at", "id")
    grouped = {}
    for event in events:
        grouped.setdefault(event.endpoint_id, []).append(event)
    return grouped


def projected_month_spend(endpoint: Endpoint, now: datetime | None = None) -> Decimal:
    now = now or timezone.now()
    return projection(endpoint, month_spend(endpoint, now), now)


def projection(endpoint: Endpoint, month_spent: Decimal, now: datetime) -> Decimal:
    """Spent this month, plus the current hourly cost until the month ends."""
    remaining_hours = Decimal((month_bounds(now)[1] - now).total_seconds()) / 3600
    return (month_spent + endpoint.hourly_usd * remaining_hours).quantize(CENT)


def budget_share(endpoint: Endpoint, now: datetime | None = None) -> Decimal | None:
    if not endpoint.monthly_budget_usd:
        return None
    return share_of_budget(endpoint, month_spend(endpoint, now))


def share_of_budget(endpoint: Endpoint, month_spent: Decimal) -> Decimal | None:
    """How much of the monthly budget `month_spent` is (1 is all of it); None without a budget."""
    return month_spent / endpoint.monthly_budget_usd if endpoint.monthly_budget_usd else None


def check_budget(endpoint: Endpoint, now: datetime | None = None):
    """At BUDGET_WARNING_SHARE remember the warning (shown on the pages); at 100 % stop the endpoint, saying why."""
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


def budget_warning_due(endpoint: Endpoint, share: Decimal | None, now: datetime | None = None) -> bool:
    """Whether the pages warn: the sweep recorded a warning this month, or the share is past the line now."""
    return budget_warned_this_month(endpoint, now) or (share is not None and share >= BUDGET_WARNING_SHARE)


def budget_notice(endpoint: Endpoint, share: Decimal | None, now: datetime | None = None) -> str | None:
    """What the pages say about the budget, in step with the status beside it.

    With the month's budget used up, check_budget stops a running endpoint at the next minute's sweep, and
    again after every start: BUDGET_STOPPING while it still runs, BUDGET_STOPPED once it does not. Below
    that, BUDGET_WARNING from BUDGET_WARNING_SHARE on; None otherwise."""
    if share is not None and share >= 1:
        running = endpoint.is_billed and (endpoint.target_instances or endpoint.reported_instances)
        return BUDGET_STOPPING if running else BUDGET_STOPPED
    return BUDGET_WARNING if budget_warning_due(endpoint, share, now) else None


def _budget_key(endpoint: Endpoint, now: datetime):
    """One key per endpoint per minute: a sweep delivered twice is one intent and one call,
    while a stop that failed is tried again by the next minute's sweep."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"budget-stop:{endpoint.uuid}:{now:%Y-%m-%dT%H:%M}")


def set_budget(endpoint: Endpoint, monthly_budget_usd: Decimal | None, *, actor=None, request=None):
    with transaction.atomic():
        before = Endpoint.objects.select_for_update().values_list("monthly_budget_usd", flat=True).get(pk=endpoint.pk)
        Endpoint.objects.filter(pk=endpoint.pk).update(monthly_budget_usd=monthly_budget_usd, budget_warned_at=None)
        audit.record(endpoint.workspace, actor, "endpoint.budget_changed", endpoint.name,
                     before={"monthly_budget_usd": _money(before)},
                     after={"monthly_budget_usd": _money(monthly_budget_usd)}, request=request)


def _money(amount: Decimal | None) -> str | None:
    """JSON has no decimals; a string keeps the cents exact. None is "no budget"."""
    return None if amount is None else str(amount)
