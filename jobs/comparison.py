"""One prompt to several models at once (the Compare page and the API): each model's job with its default
settings, in one group, all of them or none."""

import uuid

from django.db import transaction

from jobs import catalogue, submission
from netmind_console.accounts.services import default_account


class MissingAccounts(Exception):
    """The workspace has no account of a chosen model's provider; the message names the models."""


def submit(user, workspace, model_keys: list[str], prompt: str) -> uuid.UUID:
    """The group's id. Raises MissingAccounts, or limits.MemberLimitReached (a limit reached halfway leaves
    no half comparison behind: the jobs are saved in one transaction)."""
    specs = [catalogue.get(key) for key in model_keys]
    accounts = {spec.provider: default_account(workspace, spec.provider) for spec in specs}
    missing = [spec.label for spec in specs if not accounts[spec.provider]]
    if missing:
        raise MissingAccounts(f"Add a provider account first for: {', '.join(missing)}.")
    group = uuid.uuid4()
    with transaction.atomic():
        for spec in specs:
            values = {f.name: f.default for f in spec.fields}
            values.update(prompt=prompt, account=accounts[spec.provider])
            submission.create_job(user, workspace, spec, values, compare_group=group)
    return group
