"""The audit trail: one row per action that changes cost, access or another person's data.

Call `record` inside the transaction that makes the change, so the row and the change land together.
`actor=None` is the system (a budget stop, a schedule edge).
"""

from netmind_console.core.client_address import client_address
from netmind_console.workspaces.models import AuditEntry

SYSTEM = "system"


def record(workspace, actor, action: str, target, *, before=None, after=None, request=None) -> AuditEntry:
    return AuditEntry.objects.create(
        workspace=workspace, workspace_name=workspace.name, actor=actor,
        actor_name=actor.get_username() if actor else SYSTEM, action=action, target=str(target)[:200],
        before=before or {}, after=after or {}, client_address=client_address(request) if request else None,
    )
