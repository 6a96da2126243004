"""The htmx conventions every page follows: one URL answers a full page or its named fragment."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

# htmx stops an `every` polling trigger when the fragment answers 286 (the content is still swapped in).
STOP_POLLING = 286
# A poll that found nothing new: htmx swaps nothing on 204 and keeps polling.
NOTHING_NEW = 204


def page_or_partial(request, template: str, partial: str, context: dict, status: int = 200):
    """The full page normally; only the named fragment (django-template-partials) when htmx asks.

    htmx does not swap 4xx answers by default, so a fragment that carries an error is sent as 200.
    """
    if request.htmx:
        response = render(request, f"{template}#{partial}", context)
    else:
        response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])  # one URL, two answers: caches must keep them apart
    return response


def polling_fragment(request, template: str, context: dict, finished: bool):
    """A fragment a page polls: answers 286 once `finished`, so the polling stops."""
    response = render(request, template, context, status=STOP_POLLING if finished else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


def nothing_new():
    """The answer to a poll whose version (in its URL) is still what the page shows: no body, nothing rendered."""
    return HttpResponse(status=NOTHING_NEW)
