"""Typed readers for environment variables that fail loudly, naming the variable."""

import json
import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name, default):
    value = os.environ.get(name)
    return default if value is None else value.strip()


def env_str(name, default=None, *, required=False):
    value = _raw(name, default)
    if required and not value:
        raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
    return value


def env_bool(name, default=False):
    value = _raw(name, None)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"Environment variable {name} must be true or false, not {value!r}.")


def env_int(name, default, *, minimum=None):
    value = _raw(name, None)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"Environment variable {name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"Environment variable {name} must be at least {minimum}, not {number}.")
    return number


def env_list(name, default=()):
    value = _raw(name, None)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name, default):
    value = _raw(name, default)
    if not value.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"Environment variable {name} must be an http(s) URL, not {value!r}.")
    return value.rstrip("/")


def env_hosts(name, default=()):
    """Comma-separated `host` or `host:port` entries (IPv6 in brackets), lower-cased; no schemes or paths."""
    from urllib.parse import urlsplit

    hosts = [item.lower() for item in env_list(name, default)]
    for host in hosts:
        parts = urlsplit(f"//{host}")
        try:
            valid = bool(parts.hostname) and parts.netloc == host and "@" not in host and (parts.port or 0) >= 0
        except ValueError:
            valid = False
        if not valid:
            raise ImproperlyConfigured(f"Environment variable {name} must list host or host:port entries, not {host!r}.")
    return hosts


def env_json_object(name):
    """A JSON object ({} when unset). The message names the error's place, never the value: it may hold secrets."""
    value = _raw(name, None)
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"Environment variable {name} is not valid JSON: {error.msg} at character "
                                   f"{error.pos}.") from None
    if not isinstance(parsed, dict):
        raise ImproperlyConfigured(f"Environment variable {name} must be a JSON object ({{...}}), "
                                   f"not a {type(parsed).__name__}.")
    return parsed
