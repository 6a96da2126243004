"""The usage page's figures for one workspace: what each endpoint cost per local day, and the Apinfer credits.

Days run midnight to midnight in the zone of the person reading the page, whoever created the endpoints.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

from endpoints.budgets import events_by_endpoint, spend_between
from endpoints.models import Endpoint
from endpoints.schedules import instant
from jobs.credits import daily_apinfer_credits

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


def usage(workspace, now: datetime, zone: ZoneInfo, day_count: int = USAGE_DAYS) -> Usage:
    today = now.astimezone(zone).date()
    days = [today - timedelta(days=back) for back in range(day_count - 1, -1, -1)]
    return Usage(days=days, spend=daily_spend(workspace, days, zone, now),
                 credits=daily_apinfer_credits(workspace, days, zone))


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight: days are 23 or 25 hours long when the clocks change."""
    return instant(day, time(0), zone)


def daily_spend(workspace, days: list[date], zone: ZoneInfo, now: datetime) -> list[tuple[Endpoint, list[Decimal]]]:
    since = _day_start(days[0], zone)
    bounds = [_day_start(day, zone) for day in days] + [_day_start(days[-1] + timedelta(days=1), zone)]
    events = events_by_endpoint(workspace, since, now)
    endpoints = Endpoint.objects.filter(workspace=workspace, pk__in=events).order_by("name", "id")
    rows = []
    for endpoint in endpoints:
        amounts = [spend_between(events[endpoint.pk], start, min(end, now)) for start, end in pairwise(bounds)]
        if any(amounts):
            rows.append((endpoint, amounts))
    return rows
