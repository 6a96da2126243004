"""Project-wide response headers."""

from django.utils.cache import patch_cache_control

SIGNED_IN_CACHE_CONTROL = {"private": True, "no_store": True}


def private_pages_middleware(get_response):
    """A page for a signed-in user is theirs alone: no shared cache may keep it and no browser may store it
    (the back button after signing out, a shared computer). Responses that chose their own caching keep it:
    the private media are `private` with an ETag, so they are revalidated rather than downloaded again."""

    def middleware(request):
        response = get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, **SIGNED_IN_CACHE_CONTROL)
        return response

    return middleware
