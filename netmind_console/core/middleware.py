"""Project-wide request and response handling: caching headers, the reader's time zone, compression."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.middleware.gzip import GZipMiddleware
from django.utils import timezone
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


def user_time_zone_middleware(get_response):
    """Every date a person reads is in the zone they chose in Settings (templates format aware datetimes in the
    active zone). One small query per signed-in request; through the user's reverse relation, so core does not
    import accounts. A name that is no longer a known zone, or no preferences yet, leaves UTC."""

    def middleware(request):
        zone = _chosen_zone(getattr(request, "user", None))
        if zone is not None:
            timezone.activate(zone)
        try:
            return get_response(request)
        finally:
            timezone.deactivate()  # the thread serves someone else next

    return middleware


def _chosen_zone(user) -> ZoneInfo | None:
    if user is None or not user.is_authenticated:
        return None
    preferences = getattr(user, "preferences", None)  # the related object missing is an AttributeError
    try:
        return ZoneInfo(preferences.time_zone) if preferences else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


class PagesGZipMiddleware(GZipMiddleware):
    """HTML pages and fragments are compressed (a signed-in gallery page was 23 KiB of HTML). Everything else is sent
    as it is: streamed media and ZIPs are compressed formats already (and a gzipped 206 would no longer match its
    Content-Range); the API's JSON stays plain (its pages are bounded, and the OpenAPI contract test's WSGI client
    reads answers undecoded). Static files never reach here: WhiteNoise, above, serves its own precompressed copies.

    BREACH (guessing a secret from compressed sizes, with input the attacker reflects into the same page) is
    mitigated the way Django intends: the CSRF token is masked anew in every response, and since Django 4.2
    GZipMiddleware adds random bytes to the gzip header, so the size no longer tells the attacker much."""

    def process_response(self, request, response):
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return response
        return super().process_response(request, response)
