"""What a workspace's jobs amount to per day (how many, what Apinfer charged in credits): read by the usage page and
the API's usage (endpoints reads jobs through here)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from jobs.models import Job, JobState
from netmind_console.accounts.models import Provider


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """Days are 23 or 25 hours long when the clocks change."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def daily_apinfer_credits(workspace, days: list[date], zone: ZoneInfo) -> list[Decimal]:
    """The workspace's credits per local day in `days` (consecutive, oldest first), every member's jobs
    together. Apinfer charges credits when a generation succeeds, so failed jobs count nothing."""
    since, until = _local_midnight(days[0], zone), _local_midnight(days[-1] + timedelta(days=1), zone)
    per_day = dict(
        Job.objects.filter(workspace=workspace, provider=Provider.APINFER, state=JobState.SUCCEEDED,
                           credit_cost__isnull=False, finished_at__gte=since, finished_at__lt=until)
        .annotate(day=TruncDate("finished_at", tzinfo=zone)).order_by().values("day")
        .annotate(credits=Sum("credit_cost")).values_list("day", "credits")
    )
    return [per_day.get(day, Decimal(0)) for day in days]


def daily_jobs(workspace, days: list[date], zone: ZoneInfo) -> list[int]:
    """How many jobs the workspace's members submitted per local day in `days` (consecutive, oldest first),
    whatever became of them."""
    since, until = _local_midnight(days[0], zone), _local_midnight(days[-1] + timedelta(days=1), zone)
    per_day = dict(
        Job.objects.filter(workspace=workspace, created_at__gte=since, created_at__lt=until)
        .annotate(day=TruncDate("created_at", tzinfo=zone)).order_by().values("day")
        .annotate(jobs=Count("id")).values_list("day", "jobs")
    )
    return [per_day.get(day, 0) for day in days]
