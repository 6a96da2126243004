"""Usage over the API: what the Usage page shows (endpoint spend and Apinfer credits per day), with the number of
jobs submitted each day beside them."""

from django.utils import timezone
from ninja import Query, Router

from endpoints import schedules
from endpoints.api.schemas import UsageOut, two_decimals
from endpoints.usage import USAGE_DAYS, Usage
from endpoints.usage import usage as usage_report
from jobs.credits import daily_jobs
from netmind_console.workspaces import access
from netmind_console.workspaces.roles import Role

router = Router(tags=["usage"])

MAX_USAGE_DAYS = 90


@router.get("/usage", response=UsageOut, operation_id="get_usage", summary="Jobs and spend per day",
            description="Per local day in the key owner's time zone (Settings), as the Usage page shows them.")
def usage(request, days: int = Query(USAGE_DAYS, ge=1, le=MAX_USAGE_DAYS, description="How many days, ending today")):
    workspace = access.require(request, Role.VIEWER)
    # The reader's zone, as on the page: one set of days for the whole workspace.
    zone = schedules.user_zone(request.user)
    report = usage_report(workspace, timezone.now(), zone, days)
    jobs = daily_jobs(workspace, report.days, zone)
    return {
        "time_zone": zone.key,
        "days": _days(report, jobs),
        "endpoints": [{"uuid": endpoint.uuid, "name": endpoint.name, "spend_usd": two_decimals(total)}
                      for (endpoint, _), total in zip(report.spend, report.spend_totals[0], strict=True)],
        "totals": {"jobs": sum(jobs), "apinfer_credits": two_decimals(report.credits_total),
                   "endpoint_spend_usd": two_decimals(report.spend_totals[1])},
    }


def _days(report: Usage, jobs: list[int]) -> list[dict]:
    days = []
    for (day, amounts, total), credits, count in zip(report.spend_rows, report.credits, jobs, strict=True):
        by_endpoint = {str(endpoint.uuid): two_decimals(amount) for (endpoint, _), amount in zip(report.spend, amounts,
                                                                                               strict=True)}
        days.append({"date": day, "jobs": count, "apinfer_credits": two_decimals(credits),
                     "endpoint_spend_usd": two_decimals(total), "spend_by_endpoint": by_endpoint})
    return days

