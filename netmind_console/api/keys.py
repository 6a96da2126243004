"""API keys: made, checked and revoked here, for the settings page, the command and the API's auth alike.

A key reads `nmc_<prefix>_<secret>`: the prefix is stored as it is (it is what the list shows), the whole
key only as a SHA-256. The key itself exists once, in the answer to whoever created it.
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from netmind_console.api.models import ApiKey, Scope
from netmind_console.workspaces import audit
from netmind_console.workspaces.models import Membership

KEY_START = "nmc_"
# The last use is written at most this often: a busy script must not turn every read into a write.
LAST_USE_PRECISION = timedelta(minutes=1)


class KeyRefused(Exception):
    """The request's key cannot act; the message names why without repeating the key."""


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def create_key(user, workspace, name: str, scope: str, expires_at=None, *, request=None) -> tuple[ApiKey, str]:
    """A new key and its secret, which is shown once and never stored."""
    if not Membership.objects.filter(user=user, workspace=workspace).exists():
        raise KeyRefused(f"{user.get_username()} is not a member of {workspace.name}.")
    prefix = secrets.token_hex(4)
    raw_key = f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        key = ApiKey.objects.create(user=user, workspace=workspace, name=name, scope=Scope(scope), prefix=prefix,
                                    secret_hash=hash_key(raw_key), expires_at=expires_at)
        audit.record(workspace, user, "api_key.created", key, after={"scope": key.scope}, request=request)
    return key, raw_key


def revoke_key(key: ApiKey, actor, *, request=None) -> bool:
    """False when it was revoked already."""
    with transaction.atomic():
        if not ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
            return False
        audit.record(key.workspace, actor, "api_key.revoked", key, request=request)
    key.refresh_from_db()
    return True


def key_in_use(raw_key: str) -> tuple[ApiKey, Membership]:
    """The key a request presents, with the membership it acts through; KeyRefused when it cannot act."""
    key = ApiKey.objects.select_related("user", "workspace").filter(secret_hash=hash_key(raw_key)).first()
    if key is None or not key.user.is_active:
        raise KeyRefused("This API key is not valid.")
    if key.status != "active":
        raise KeyRefused(f"This API key is {key.status}.")
    membership = Membership.objects.filter(user=key.user, workspace=key.workspace).select_related("workspace").first()
    if membership is None:
        raise KeyRefused("This API key's owner is no longer a member of its workspace.")
    _note_use(key)
    return key, membership


def _note_use(key: ApiKey):
    now = timezone.now()
    if key.last_used_at is None or key.last_used_at < now - LAST_USE_PRECISION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
