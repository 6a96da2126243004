"""Every URL the console serves, read from the URL resolver, with its parameters filled from real objects.

New URL patterns are crawled automatically; one with a parameter nobody taught this module to fill fails
the security tests with a message saying so, rather than going unchecked.
"""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
# Django's admin is staff-only, with its own permission checks and its own tests upstream. The API's operations
# answer keys, not sessions: tests/security/test_api_roles.py crawls them with a key of every role.
NOT_CRAWLED = ("admin/",)
API_OPERATIONS = "api/v1/"
API_PAGES = ("api/v1/docs/",)
# Pages anyone may open: everything else sends an anonymous visitor to the login page. An invitation link
# is its own credential: whoever holds it may open it, member of the workspace or not.
PUBLIC = {"setup/", "login/", "logout/", "healthz", "invite/<str:secret>/"}
# Which object fills a route's `uuid`, by the route's start (first match wins).
FILLED_FROM = [("jobs/media/", "output"), ("jobs/batches/", "batch"), ("jobs/", "job"), ("endpoints/", "endpoint"),
               ("settings/accounts/", "account"), ("settings/api-keys/", "api_key"),
               ("workspaces/invitations/", "invitation"),
               ("workspaces/", "workspace")]
# Parameters with a name of their own fill from the object of that kind.
NAMED = {"group": "compare_group", "schedule_uuid": "schedule", "username": "member", "secret": "invitation_secret",
         "model_id": "catalogue_model", "parameter": "input_parameter"}


@dataclass(frozen=True)
class Route:
    route: str  # e.g. "jobs/<uuid:uuid>/status/"

    @property
    def takes_id(self) -> bool:
        return bool(PARAMETER.search(self.route))

    @property
    def is_public(self) -> bool:
        return self.route in PUBLIC

    def url(self, ids: dict) -> str:
        """The path with every parameter filled from `ids` (object kind -> id)."""
        return "/" + PARAMETER.sub(lambda match: str(ids[self._kind(match.group(1))]), self.route)

    def _kind(self, parameter: str) -> str:
        if parameter in NAMED:
            return NAMED[parameter]
        kind = next((kind for prefix, kind in FILLED_FROM if self.route.startswith(prefix)), None)
        if kind is None:
            raise LookupError(f"tests/security/crawl.py does not know what fills {parameter} in {self.route!r}: "
                              "add it to FILLED_FROM or NAMED")
        return kind

    def __str__(self):
        return self.route


def all_routes(include_api=False) -> list[Route]:
    return [Route(route) for route in _walk(get_resolver().url_patterns, "")
            if not route.startswith(NOT_CRAWLED) and (include_api or _is_page(route))]


def _is_page(route: str) -> bool:
    return not route.startswith(API_OPERATIONS) or route.startswith(API_PAGES)


def _walk(patterns, prefix):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route
