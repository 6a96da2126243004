"""Claims: a conditional update that exactly one caller wins, so at-least-once tasks and many workers or
watching tabs ask for a piece of work once.

django-q2 delivers at least once and several workers run the same sweeps: a row is claimed by stamping a
time on it in an UPDATE whose WHERE clause only the first caller satisfies.
"""

from datetime import datetime, timedelta

from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class SyncClaim(models.Model):
    """A row kept in step with a provider: `sync_requested_at` is stamped when a sync is asked for it."""

    sync_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


def unclaimed(field: str, now: datetime, lost_after: timedelta, answered_by: str | None = None) -> Q:
    """Rows nobody has claimed, whose claim is older than `lost_after` (its task was lost), or, with
    `answered_by`, whose claim that field's later stamp shows was answered (the work asked for happened)."""
    condition = Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": now - lost_after})
    if answered_by:
        condition |= Q(**{f"{field}__lte": F(answered_by)})
    return condition


def claim(queryset, field: str, lost_after: timedelta, now: datetime | None = None, **also) -> bool:
    """Stamp `field` with `now` on the rows of `queryset` that are unclaimed; True if this caller won any."""
    now = now or timezone.now()
    return bool(queryset.filter(unclaimed(field, now, lost_after)).update(**{field: now}, **also))


def claim_sync(row: SyncClaim, min_interval: timedelta, now: datetime | None = None) -> bool:
    """True for the one caller that should queue a sync of `row` now: polling tabs share one provider read."""
    return claim(type(row).objects.filter(pk=row.pk), "sync_requested_at", min_interval, now)
