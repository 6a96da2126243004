"""Provider clients: every remote call of the console goes through here (see http.py for the rules)."""

from .apinfer import ApinferClient
from .errors import (
    AmbiguousCreate,
    BadResponse,
    BaseUrlNotAllowed,
    InsufficientCredits,
    InvalidRequest,
    NotFound,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    TokenRejected,
)
from .http import DEFAULT_TIMEOUT, USER_AGENT, RetryPolicy
from .netmind import NetMindClient

NETMIND = "netmind"
APINFER = "apinfer"
_CLIENT_CLASSES = {NETMIND: NetMindClient, APINFER: ApinferClient}


def client_for(provider: str, base_url: str, token: str, **options) -> NetMindClient | ApinferClient:
    """A new client (with its own session) for one account; `options` go to the constructor."""
    try:
        client_class = _CLIENT_CLASSES[provider]
    except KeyError:
        raise ValueError(f"Unknown provider {provider!r}; expected one of {sorted(_CLIENT_CLASSES)}.") from None
    return client_class(base_url, token, **options)


__all__ = [
    "APINFER",
    "DEFAULT_TIMEOUT",
    "NETMIND",
    "USER_AGENT",
    "AmbiguousCreate",
    "ApinferClient",
    "BadResponse",
    "BaseUrlNotAllowed",
    "InsufficientCredits",
    "InvalidRequest",
    "NetMindClient",
    "NotFound",
    "ProviderError",
    "ProviderUnavailable",
    "RateLimited",
    "RetryPolicy",
    "TokenRejected",
    "client_for",
]
