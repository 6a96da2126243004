"""Member limits: a workspace admin may cap a member's jobs and Apinfer credits per calendar month (UTC).

Checked in submission, before a job row exists, so the page, the `submit` command and the API refuse alike
and nothing is sent. A job counts in the month it was submitted, with its credits. Credits count once Apinfer
reports them (an image's with its result, a video's when it is queued), so jobs still in flight may carry a
member a little past the credit limit; the next submission is refused.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from jobs.models import Job
from netmind_console.accounts.models import Provider
from netmind_console.workspaces.models import Membership

CENTS = Decimal("0.01")


class MemberLimitReached(Exception):
    """The message names the limit, the use and the day it resets, for the page and the command."""


def month_start(now: datetime | None = None) -> datetime:
    now = (now or timezone.now()).astimezone(UTC)
    return datetime(now.year, now.month, 1, tzinfo=UTC)


def next_reset(now: datetime | None = None) -> datetime:
    start = month_start(now)
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


def _spelled(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _credits(total) -> Decimal:
    """A sum of credit costs as the column keeps them (SQLite's SUM loses the two decimal places)."""
    return (total or Decimal(0)).quantize(CENTS)


def _use(jobs) -> dict:
    """Jobs made this month (a job counts in the month it was submitted) and the credits they cost."""
    return jobs.filter(created_at__gte=month_start()).aggregate(jobs=Count("id"), credits=Sum("credit_cost"))


def monthly_use(workspace) -> dict[int, dict]:
    """Each member's use of the workspace this month: {user_id: {"jobs": n, "credits": Decimal}}, for the
    members page (members without a job this month are absent)."""
    rows = (Job.objects.filter(workspace=workspace, created_at__gte=month_start()).order_by().values("owner_id")
            .annotate(jobs=Count("id"), credits=Sum("credit_cost")))
    return {row["owner_id"]: {"jobs": row["jobs"], "credits": _credits(row["credits"])} for row in rows}


def check(user, workspace, provider: str, adding: int = 1):
    """Refuse a submission of `adding` jobs that would pass the member's limits. Call inside the transaction
    that creates the jobs: the membership row is locked, so two submissions at once cannot both take the last."""
    # Only the membership row: the model's default ordering would join (and so lock) the workspace and the
    # user too, which every worker's insert of a job or output of this workspace waits on.
    membership = (Membership.objects.select_for_update(of=("self",)).filter(workspace=workspace, user=user)
                  .order_by().first())
    if membership is None or (membership.monthly_job_limit is None and membership.monthly_credit_limit is None):
        return
    used = _use(Job.objects.filter(workspace=workspace, owner=user))
    resets = _spelled(next_reset().date())
    limit = membership.monthly_job_limit
    if limit is not None and used["jobs"] >= limit:
        raise MemberLimitReached(f"You have used your limit of {limit} job{'s' if limit != 1 else ''} this month "
                                 f"in {workspace.name}; it resets on {resets}.")
    if limit is not None and used["jobs"] + adding > limit:
        raise MemberLimitReached(f"These {adding:,} jobs would pass your limit of {limit} jobs this month in "
                                 f"{workspace.name}: {used['jobs']} used, {limit - used['jobs']} left; "
                                 f"it resets on {resets}.")
    # Only Apinfer charges credits: a NetMind job costs none, so a spent credit limit does not stop one.
    credits = _credits(used["credits"])
    if (provider == Provider.APINFER and membership.monthly_credit_limit is not None
            and credits >= membership.monthly_credit_limit):
        raise MemberLimitReached(f"You have used your limit of {membership.monthly_credit_limit} Apinfer credits "
                                 f"this month in {workspace.name} ({credits} used); it resets on {resets}.")
