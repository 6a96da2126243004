"""A team for the jobs tests: the workspace "Acme", owned by alice (`owner`), with sandbox accounts of its own,
and helpers to give the other users a role in it and a browser that works in it.

Import the fixtures you use into the test module, as with tests/jobs/gallery_fixtures.py.
"""

import pytest

from jobs import catalogue, submission
from netmind_console.accounts.models import ProviderAccount
from netmind_console.workspaces.services import create_workspace


@pytest.fixture
def acme(owner, console_setup):
    """Alice's team, with the NetMind and Apinfer sandbox accounts sandbox mode gives every new workspace."""
    return create_workspace("Acme", owner)


def team_account(workspace, provider="netmind") -> ProviderAccount:
    return workspace.provider_accounts.get(provider=provider)


def team_job(workspace, user, key="Qwen/Qwen-Image", prompt="the team lighthouse"):
    """A job `user` submitted in `workspace`, through the same function as the form."""
    spec = catalogue.get(key)
    values = {f.name: f.default for f in spec.fields}
    values.update(prompt=prompt, account=team_account(workspace, spec.provider))
    return submission.create_job(user, workspace, spec, values)


def form_data(workspace, key="Qwen/Qwen-Image", prompt="a lighthouse at dusk", **overrides) -> dict:
    """What the New job form posts for `key` with the team's account and the model's defaults."""
    spec = catalogue.get(key)
    data = {"model": key, "account": team_account(workspace, spec.provider).pk, "prompt": prompt,
            "seed_mode": "random"}
    data.update({f.name: f.default for f in spec.fields if f.default is not None and f.kind != "bool"})
    data.update({f.name: "on" for f in spec.fields if f.kind == "bool" and f.default})
    data.update(overrides)
    return data
