"""Try it: one JSON POST to a running endpoint, with the account's token, from the console."""

from endpoints.errors import EndpointError
from endpoints.models import Endpoint, Status
from netmind_console.accounts.services import client_for_account


def try_it(endpoint: Endpoint, path: str, json_body):
    """POST JSON to the running service; returns the client's EndpointResponse (status, latency, body)."""
    if endpoint.status != Status.AVAILABLE:
        raise EndpointError("The endpoint is not available; try it once its status is Available.")
    if endpoint.account is None:
        raise EndpointError("The provider account of this endpoint was removed.")
    url = endpoint.endpoint_url.rstrip("/") + "/" + path.lstrip("/")
    with client_for_account(endpoint.account) as client:
        return client.call_endpoint(url, json_body)
