from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from netmind_console.core import media_markers, services
from netmind_console.core.registry import page_context


@never_cache
def healthz(request):
    """Public: ok or not. The parts (and the worker's last heartbeat) only for staff or the health token."""
    report = services.health()
    if not services.may_see_health_detail(request):
        report = {"ok": report["ok"]}
    return JsonResponse(report, status=200 if report["ok"] else 503)


@login_required
@require_safe
def dashboard(request):
    # Staff can act on it (README Deployment); other members see the job page's word for a file it cannot read.
    media_not_shared_with = media_markers.unreadable_hosts() if request.user.is_staff else None
    return render(request, "core/dashboard.html",
                  {**page_context("dashboard", request), "media_not_shared_with": media_not_shared_with})
