"""Every URL the console serves, read from the URL resolver, with its ids filled from one user's objects.

New URL patterns are crawled automatically; one that takes an id nobody taught this module to fill
fails the security tests with a message saying so, rather than going unchecked.
"""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
# Django's admin is staff-only, with its own permission checks and its own tests upstream.
NOT_CRAWLED = ("admin/",)
# Pages anyone may open: everything else sends an anonymous visitor to the login page.
PUBLIC = {"setup/", "login/", "logout/", "healthz"}
# Which of the owner's objects fills the id of a route, by the route's start (first match wins).
FILLED_FROM = [("jobs/media/", "output"), ("jobs/compare/", "compare_group"), ("jobs/", "job"),
               ("endpoints/", "endpoint"), ("settings/accounts/", "account")]


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
        if not self.takes_id:
            return "/" + self.route
        kind = next((kind for prefix, kind in FILLED_FROM if self.route.startswith(prefix)), None)
        if kind is None:
            raise LookupError(f"tests/security/crawl.py does not know whose id fills {self.route!r}: add it to FILLED_FROM")
        return "/" + PARAMETER.sub(str(ids[kind]), self.route)

    def __str__(self):
        return self.route


def all_routes() -> list[Route]:
    return [Route(route) for route in _walk(get_resolver().url_patterns, "") if not route.startswith(NOT_CRAWLED)]


def _walk(patterns, prefix):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route
