from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.urls import reverse

_EXEMPT_PREFIXES = ("/setup/", "/static/", "/healthz")
_users_exist = False


def first_run_middleware(get_response):
    """Until the first account exists, every page leads to the first-run page."""

    def middleware(request):
        global _users_exist
        if not _users_exist and not request.path.startswith(_EXEMPT_PREFIXES):
            _users_exist = get_user_model().objects.exists()
            if not _users_exist:
                return redirect(reverse("setup"))
        return get_response(request)

    return middleware
