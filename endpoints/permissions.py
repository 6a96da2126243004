"""Who may act on an endpoint: the pages and the API find one through here."""

from endpoints.models import Endpoint
from netmind_console.workspaces import access


def get_endpoint(request, uuid, minimum) -> Endpoint:
    """The endpoint, if the caller holds `minimum` in its workspace: 404 for a non-member, 403 below it."""
    return access.get_for(request, Endpoint.objects.select_related("flavor", "account"), minimum, uuid=uuid)
