import hashlib

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from netmind_console.core import media_markers, services
from netmind_console.core.registry import page_context

LIVE_PART = "core/dashboard.html#live"
SHOWN_HEADER = "X-Dashboard-Shown"  # sent by the dashboard's poller (its hx-headers)


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
    context = page_context("dashboard", request)
    # The counts and recent jobs, polled: what the poller already shows is not sent again (204: htmx swaps nothing).
    shown = _digest(render_to_string(LIVE_PART, {**context, "shown": ""}, request))
    if request.htmx and request.headers.get(SHOWN_HEADER) == shown:
        response = HttpResponse(status=204)
    elif request.htmx:
        response = render(request, LIVE_PART, {**context, "shown": shown})
    else:
        # Staff can act on it (README Deployment); other members see the job page's word for a file it cannot read.
        media_not_shared_with = media_markers.unreadable_hosts() if request.user.is_staff else None
        response = render(request, "core/dashboard.html",
                          {**context, "shown": shown, "media_not_shared_with": media_not_shared_with})
    patch_vary_headers(response, ["HX-Request"])
    return response


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
