"""Whether a server the console depends on answers its health check (the sandbox, for /healthz)."""

import requests

from .http import USER_AGENT


def answers_health_check(url: str, timeout: float = 2) -> bool:
    """True when `url` answers 2xx within `timeout`; never follows a redirect, never raises for the network."""
    try:
        with requests.Session() as session:
            session.trust_env = False
            response = session.get(url, timeout=timeout, allow_redirects=False, headers={"User-Agent": USER_AGENT})
            return response.ok
    except requests.RequestException:
        return False
