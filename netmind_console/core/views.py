import hashlib

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from netmind_console.core import media_markers, services
from netmind_console.core.htmx import nothing_new
from netmind_console.core.registry import page_context

LIVE_PART = "core/dashboard.html#live"


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
    # The apps read what the live part shows without rendering it, and before it (a version never runs ahead of the
    # content it was rendered with). The poller sends the version it shows: unchanged, nothing more is read.
    version = _digest(page_context("dashboard-version", request))
    if request.htmx and request.GET.get("v") == version:
        response = nothing_new()
    elif request.htmx:
        response = render(request, LIVE_PART, {**page_context("dashboard", request), "version": version})
    else:
        # Staff can act on it (README Deployment); other members see the job page's word for a file it cannot read.
        media_not_shared_with = media_markers.unreadable_hosts() if request.user.is_staff else None
        response = render(request, "core/dashboard.html", {**page_context("dashboard", request), "version": version,
                                                           "media_not_shared_with": media_not_shared_with})
    patch_vary_headers(response, ["HX-Request"])
    return response


def _digest(parts: dict) -> str:
    return hashlib.blake2b(repr(sorted(parts.items())).encode(), digest_size=12).hexdigest()
