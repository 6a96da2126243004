"""One exception family for every provider call, each one worded for a person.

`str(exc)` is the technical description (for logs); `exc.user_message` is what a page shows.
Neither ever contains the API token: the HTTP layer redacts provider text before it gets here.
"""


class ProviderError(Exception):
    """Base of everything a client raises; `retryable` says whether trying later may help."""

    default_user_message = "The provider could not complete the request."
    retryable = False

    def __init__(self, message: str = "", *, status_code: int | None = None, user_message: str | None = None):
        super().__init__(message or self.default_user_message)
        self.status_code = status_code
        self.user_message = user_message or self.default_user_message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r}, status_code={self.status_code!r})"


class TokenRejected(ProviderError):
    default_user_message = "The provider rejected the API token. Check it on the Settings page."


class InsufficientCredits(ProviderError):
    default_user_message = "The account does not have enough credits for this request."

    def __init__(self, provider_message: str = "", **kwargs):
        kwargs.setdefault("user_message", _with_detail(self.default_user_message, provider_message))
        super().__init__(provider_message, **kwargs)
        self.provider_message = provider_message


class NotFound(ProviderError):
    default_user_message = "The provider has no such item; it may have been deleted."


class InvalidRequest(ProviderError):
    """400/422: `field_messages` maps a dotted field path (or "__all__") to the provider's words."""

    default_user_message = "The provider refused the request as invalid."

    def __init__(self, message: str = "", *, field_messages: dict[str, str] | None = None, **kwargs):
        self.field_messages = dict(field_messages or {})
        kwargs.setdefault("user_message", _with_detail(self.default_user_message, _join(self.field_messages)))
        super().__init__(message, **kwargs)


class RateLimited(ProviderError):
    default_user_message = "The provider is limiting how fast requests may be sent; try again shortly."
    retryable = True

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kwargs):
        self.retry_after = retry_after
        if retry_after is not None:
            kwargs.setdefault(
                "user_message",
                f"The provider is limiting how fast requests may be sent; try again in {retry_after:.0f} s.",
            )
        super().__init__(message, **kwargs)


class ProviderUnavailable(ProviderError):
    """5xx, proxy HTML pages, refused connections, timeouts."""

    default_user_message = "The provider is unavailable right now; try again in a few minutes."

    def __init__(self, message: str = "", *, retryable: bool = True, **kwargs):
        super().__init__(message, **kwargs)
        self.retryable = retryable


class BaseUrlNotAllowed(ProviderError):
    """The account's base URL is not a provider host, the sandbox or an operator-allowed host: nothing is sent."""

    default_user_message = "The account's base URL is not allowed; change it on the Settings page."


class BadResponse(ProviderError):
    default_user_message = "The provider sent a response the console could not understand."


class AmbiguousCreate(ProviderError):
    """A create request reached the provider but its answer was lost: the job may or may not exist.

    Never re-send it blindly; list the remote jobs and reconcile first.
    """

    default_user_message = (
        "The provider may have received this request but did not confirm it; "
        "the console checks before sending it again."
    )

    def __init__(self, message: str = "", *, answered_in_json: bool = False, **kwargs):
        super().__init__(message, **kwargs)
        # The provider's own application answered with a JSON error (e.g. 500 "Service is unavailable"),
        # not a gateway page, a timeout or a dropped connection: most likely nothing was processed.
        self.answered_in_json = answered_in_json


def _with_detail(sentence: str, detail: str) -> str:
    return f"{sentence} {detail}".strip() if detail else sentence


def _join(field_messages: dict[str, str]) -> str:
    return "; ".join(
        message if field == "__all__" else f"{field}: {message}" for field, message in field_messages.items()
    )
