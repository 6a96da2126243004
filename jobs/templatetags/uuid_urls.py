"""{% uuid_url name uuid %}: {% url %} for a route whose one argument is a UUID, reversed once per route and render.

A gallery page links each of its 30 outputs four ways: reversing every link was a third of the grid's rendering.
A UUID's URL form is its str() (Django's uuid converter), so the placeholder's is swapped for the object's. The
reversed routes are kept where {% include %} keeps its templates (the render's first scope), so the rows an include
renders share them too.
"""

import uuid

from django import template
from django.urls import reverse

register = template.Library()
PLACEHOLDER = str(uuid.UUID(int=0))


@register.simple_tag(takes_context=True)
def uuid_url(context, name: str, value) -> str:
    reversed_once = context.render_context.dicts[0].setdefault("uuid_urls", {})
    if name not in reversed_once:
        reversed_once[name] = reverse(name, args=[PLACEHOLDER])
    return reversed_once[name].replace(PLACEHOLDER, str(value))
