"""The four roles and their order: each role may do everything the roles below it may (README: Roles)."""

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"


_RANK = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}


def at_least(role: str | None, minimum: str) -> bool:
    return role is not None and _RANK[Role(role)] >= _RANK[Role(minimum)]
