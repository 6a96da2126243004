from django import template
from django.template.defaultfilters import filesizeformat

register = template.Library()


@register.filter(name="bytes")
def bytes_(value):
    return filesizeformat(value or 0)


@register.filter
def duration(seconds):
    """Seconds as `1 h 02 min`, `3 min 05 s` or `12 s`."""
    if seconds is None:
        return "—"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


@register.filter
def clock(seconds):
    """Seconds as a player shows them: `0:08`, `12:05`, `1:02:03`."""
    if seconds is None:
        return ""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
