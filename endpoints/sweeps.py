"""What the minute sweep finds to do: the work that no page or lost task will otherwise get done."""

from datetime import datetime, timedelta

from django.utils import timezone

from endpoints.models import SETTLED_STATUSES, Endpoint, ScaleIntent, Status
from endpoints.schedules import due_schedule_ids

# A create or scale still pending after this long lost its task (or was released to retry): send it again.
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
