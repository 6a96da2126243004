"""Provider accounts of a workspace: create, replace the token, remove, test, the default account of each provider,
and the ready-made sandbox accounts.

Adding, replacing a token, changing the concurrency cap, making an account the default and removing change what a
team can spend with: each writes an audit row (never the token, only the last four characters everyone may see) in
the same transaction as the change.

The default: the first account of a provider in a workspace becomes its default; accounts added later never take
over (a new token may be wrong); an admin makes another one the default deliberately. Removing the default hands
it to the oldest remaining account of that provider whose last connection test did not fail (else the oldest).
"""

import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from netmind_console.accounts import base_urls
from netmind_console.accounts.models import Provider, ProviderAccount
from netmind_console.clients.outside import RefusedURL
from netmind_console.core.queue import enqueue
from netmind_console.workspaces import audit
from netmind_console.workspaces.services import personal_workspace

SANDBOX_LABEL = "Sandbox"


def default_base_url(provider: str) -> str:
    if settings.CONSOLE_SANDBOX:
        return settings.SANDBOX_URL
    return settings.NETMIND_API_BASE if provider == Provider.NETMIND else settings.APINFER_API_BASE


class BaseUrlRefused(ValueError):
    """The base URL may not receive the token (base_urls.py); the message says why, for a person."""


def save_account(actor, provider, label, token, base_url="", account=None, *, workspace=None,
                 request=None) -> ProviderAccount:
    """Create (in `workspace`, by default the actor's personal one) or update; an empty token on update keeps
    the stored one. Raises BaseUrlRefused."""
    account = account or ProviderAccount(owner=actor, provider=provider,
                                         workspace=workspace or personal_workspace(actor))
    base_url = (base_url or default_base_url(account.provider)).rstrip("/")
    try:
        base_urls.check_base_url(account.provider, base_url)
    except RefusedURL as error:
        raise BaseUrlRefused(f"The base URL is not allowed. {error}") from None
    created, before = account.pk is None, _audited(account)
    if token or base_url != account.base_url:
        _forget_last_test(account)  # it was about another token or host
    account.label = label
    account.base_url = base_url
    if token:
        account.set_token(token)
    with transaction.atomic():
        if created:
            account.is_default = not accounts_for(account.workspace, account.provider).filter(is_default=True).exists()
        account.save()
        if created:
            audit.record(account.workspace, actor, "account.added", account, after=_audited(account), request=request)
        elif token:
            audit.record(account.workspace, actor, "account.token_replaced", account, before=before,
                         after=_audited(account), request=request)
    return account


def set_concurrency_cap(account: ProviderAccount, cap: int, *, actor, request=None) -> bool:
    """How many jobs of the account may be in flight at once (1 to MAX_CONCURRENCY_CAP: the form checks it, the
    model's validators here again); False if it was that already. The account's row is held while it changes,
    as a worker holds it to take a slot (jobs/slots.py), so no job is sent past a cap being lowered. Raising it
    offers the new slots to the waiting jobs at once."""
    ProviderAccount._meta.get_field("concurrency_cap").run_validators(cap)
    with transaction.atomic():
        locked = ProviderAccount.objects.select_for_update().filter(pk=account.pk)
        before = locked.values_list("concurrency_cap", flat=True).get()
        account.concurrency_cap = cap
        if before == cap:
            return False
        account.save(update_fields=["concurrency_cap", "updated_at"])
        audit.record(account.workspace, actor, "account.cap_changed", account, before={"cap": before},
                     after={"cap": cap}, request=request)
        if cap > before:
            enqueue("jobs.tasks.fill_slots", account.pk)  # by name: accounts never import jobs
    return True


def remove_account(account: ProviderAccount, *, actor, request=None) -> ProviderAccount | None:
    """Returns the account that became the provider's default in its place, if the removed one was it."""
    with transaction.atomic():
        audit.record(account.workspace, actor, "account.removed", account, before=_audited(account), request=request)
        account.delete()
        if not account.is_default:
            return None
        heir = successor(account)
        if heir:
            _set_default(heir, actor=actor, before=account, request=request)
        return heir


def make_default(account: ProviderAccount, *, actor, request=None) -> bool:
    """An admin's choice: the account every form preselects for its provider. False if it was already."""
    with transaction.atomic():
        current = accounts_for(account.workspace, account.provider).select_for_update().filter(is_default=True)
        before = current.first()
        if before and before.pk == account.pk:
            return False
        _set_default(account, actor=actor, before=before, request=request)
    return True


def _set_default(account: ProviderAccount, *, actor, before: ProviderAccount | None, request):
    accounts_for(account.workspace, account.provider).filter(is_default=True).update(is_default=False)
    account.is_default = True
    account.save(update_fields=["is_default", "updated_at"])
    audit.record(account.workspace, actor, "account.default_changed", account,
                 before={"default": before.label if before else ""}, after={"default": account.label},
                 request=request)


def successor(removed: ProviderAccount) -> ProviderAccount | None:
    """Who becomes the default when `removed` (the default) goes: see the module's docstring."""
    remaining = accounts_for(removed.workspace, removed.provider).exclude(pk=removed.pk).order_by("created_at", "id")
    return remaining.exclude(last_test_ok=False).first() or remaining.first()


def default_account(workspace, provider) -> ProviderAccount | None:
    """The account to preselect: the default (see the module's docstring); the oldest if none is marked (a row
    made without save_account, say in the shell)."""
    accounts = accounts_for(workspace, provider).order_by("-is_default", "created_at", "id")
    return accounts.first()


def _audited(account: ProviderAccount) -> dict:
    if account.pk is None:
        return {}
    return {"label": account.label, "base_url": account.base_url, "token": account.masked_token}


def ensure_sandbox_accounts(workspace, added_by):
    """Both sandbox accounts in `workspace`, each a remote identity of its own at the sandbox."""
    for provider in Provider.values:
        if not workspace.provider_accounts.filter(provider=provider, is_sandbox=True).exists():
            account = ProviderAccount(owner=added_by, workspace=workspace, provider=provider, label=SANDBOX_LABEL,
                                      is_sandbox=True)
            save_account(added_by, provider, SANDBOX_LABEL, new_sandbox_token(), settings.SANDBOX_URL, account)


def new_sandbox_token() -> str:
    """A remote account of its own at the sandbox (it accepts `<SANDBOX_TOKEN>-<suffix>`, docs/sandbox.md):
    with the bare SANDBOX_TOKEN every user would be one identity there and see the others' jobs and endpoints."""
    return f"{settings.SANDBOX_TOKEN}-{secrets.token_urlsafe(16)}"


def accounts_for(workspace, provider=None):
    accounts = ProviderAccount.objects.filter(workspace=workspace)
    return accounts.filter(provider=provider) if provider else accounts


def client_for_account(account: ProviderAccount):
    from netmind_console.clients import client_for

    timeout = (settings.PROVIDER_CONNECT_TIMEOUT, settings.PROVIDER_READ_TIMEOUT)
    token = account.reveal_token()
    provider, base_url = account.provider, account.base_url
    # Checked again here, not only on save: a row may predate the rule, or the settings changed since.
    return client_for(provider, base_url, token, timeout=timeout,
                      address_for_host=lambda: base_urls.address_to_connect(provider, base_url))


def test_connection(account: ProviderAccount) -> tuple[bool, str]:
    """One cheap authenticated call; the answer is worded for a person, never with the token. The outcome is kept
    on the account, so every form that offers it can say that its last test failed."""
    ok, problem, message = _try_connection(account)
    account.last_test_ok, account.last_test_problem, account.last_test_at = ok, problem, timezone.now()
    ProviderAccount.objects.filter(pk=account.pk).update(
        last_test_ok=ok, last_test_problem=problem, last_test_at=account.last_test_at)
    return ok, message


def _try_connection(account: ProviderAccount) -> tuple[bool, str, str]:
    """(ok, the problem in a few words, the message for a person)."""
    from netmind_console.accounts.crypto import UndecryptableToken
    from netmind_console.clients.errors import (
        BaseUrlNotAllowed,
        ProviderError,
        TokenRejected,
    )

    name = account.get_provider_display()
    try:
        with client_for_account(account) as client:
            client.ping()
    except TokenRejected:
        return False, "token rejected", (f"{name} rejected the token. Check it in the provider's dashboard and "
                                         "enter it again.")
    except UndecryptableToken as error:
        return False, "token unreadable", error.user_message
    except BaseUrlNotAllowed as error:
        return False, "base URL not allowed", error.user_message
    except ProviderError as error:
        message = f"Could not reach {name} at {account.base_url}: {error.user_message}"
        return False, "could not reach the provider", message
    return True, "", f"Connected: {name} accepted the token."


def _forget_last_test(account: ProviderAccount):
    account.last_test_ok, account.last_test_problem, account.last_test_at = None, "", None
