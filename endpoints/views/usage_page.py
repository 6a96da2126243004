"""The usage page: what the current workspace's endpoints cost per day over the last 30 days, and its Apinfer
credits beside them."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from endpoints import charts, schedules
from endpoints.usage import usage as usage_report
from netmind_console.workspaces import access
from netmind_console.workspaces.roles import Role


@login_required
@require_GET
def usage(request):
    # The reader's zone, not each endpoint creator's: one set of days for the whole workspace.
    zone = schedules.user_zone(request.user)
    report = usage_report(access.require(request, Role.VIEWER), timezone.now(), zone)
    return render(request, "endpoints/usage.html", {
        "usage": report,
        "time_zone": zone,
        "legend": [(endpoint, charts.series_colour(index)) for index, (endpoint, _) in enumerate(report.spend)],
        "spend_chart": charts.stacked_bars(report.days, [amounts for _, amounts in report.spend]),
        "credits_chart": charts.stacked_bars(report.days, [report.credits]),
    })
