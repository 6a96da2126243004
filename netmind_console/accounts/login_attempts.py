"""How many failed logins are left before django-axes locks one username from one address (settings AXES_*).

Axes counts failures for any username typed, existing or not, so the warning reveals no more than the login form
already does: it is the same for a made-up name.
"""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from django.conf import settings


def warning(request, username: str) -> str:
    """The warning to show after a failed login once few attempts are left (at most half the limit), else ""."""
    left = settings.AXES_FAILURE_LIMIT - AxesProxyHandler.get_failures(request, get_credentials(username))
    if not 0 < left <= max(1, settings.AXES_FAILURE_LIMIT // 2):
        return ""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    attempts = "1 attempt" if left == 1 else f"{left} attempts"
    return f"{attempts} left before logging in as {username} from your address is locked for {minutes} minutes."
