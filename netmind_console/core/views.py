from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from netmind_console.core import services


@never_cache
def healthz(request):
    report = services.health()
    return JsonResponse(report, status=200 if report["ok"] else 503)


@login_required
def dashboard(request):
    from jobs.services import dashboard_summary

    return render(request, "core/dashboard.html", dashboard_summary(request.user))
