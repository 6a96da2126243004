"""Settings → API keys (a person's own keys, in every workspace they belong to) and the API's documentation page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from netmind_console.api import keys, reference
from netmind_console.api.forms import ApiKeyForm
from netmind_console.api.models import ApiKey
from netmind_console.api.v1 import api
from netmind_console.core.forms import submitted
from netmind_console.workspaces import access
from netmind_console.workspaces.models import Membership

CREATED = 201


@login_required
def key_list(request):
    """The list and the create form; a created key's secret is in this one answer and nowhere else."""
    form = _form(request, submitted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            key, secret = keys.create_key(request.user, data["workspace"], data["name"], data["scope"],
                                          form.expires_at(), request=request)
        except keys.KeyRefused as refusal:  # left the workspace since the form was shown
            form.add_error("workspace", str(refusal))
        else:
            response = _page(request, _form(request), new_key=key, secret=secret, status=CREATED)
            # The secret must not outlive this page: no cache, no back-button copy, no redirect to reload it.
            patch_cache_control(response, no_store=True, private=True)
            return response
    return _page(request, form, status=400 if form.errors else 200)


def _form(request, data=None) -> ApiKeyForm:
    current = access.current_membership(request)
    return ApiKeyForm(data, user=request.user, initial={"workspace": current.workspace if current else None})


def _page(request, form, *, new_key=None, secret=None, status=200):
    context = {"form": form, "new_key": new_key, "secret": secret,
               "keys": ApiKey.objects.filter(user=request.user).select_related("workspace").annotate(
                   still_member=Exists(Membership.objects.filter(user=OuterRef("user"),
                                                                 workspace=OuterRef("workspace"))))}
    return render(request, "api/keys.html", context, status=status)


@login_required
def revoke(request, uuid):
    """GET asks to confirm, POST revokes. Only the key's owner: anyone else's key is a 404, as if it did not exist."""
    key = get_object_or_404(ApiKey.objects.select_related("workspace"), uuid=uuid, user=request.user)
    if request.method != "POST":
        return render(request, "api/revoke.html", {"key": key})
    if keys.revoke_key(key, request.user, request=request):
        messages.success(request, f"Revoked “{key.name}”: requests with it are refused from now on.")
    else:
        messages.info(request, f"“{key.name}” was revoked already.")
    return redirect("api_keys")


@login_required
@require_safe
def docs(request):
    """The OpenAPI document as a page of the console: its own template and CSS, nothing from elsewhere."""
    document = api.get_openapi_schema()
    context = {"info": document.get("info", {}), "groups": reference.groups(document),
               "base_url": request.build_absolute_uri(reverse("api:api-root")),
               "openapi_url": reverse("api:openapi-json"), "rate_limit": settings.API_RATE_LIMIT,
               "rate_window": settings.API_RATE_WINDOW_SECONDS}
    return render(request, "api/docs.html", context)
