"""A provider account's concurrency cap: an admin sets it on the Settings page or with `provider_account --cap`,
everyone else sees it; every change is audited, and a raised cap sends the jobs that were waiting for a slot."""

import re

import pytest
from django.core.management import CommandError, call_command

from jobs.models import JobState
from netmind_console.accounts.services import set_concurrency_cap
from netmind_console.workspaces.models import AuditEntry
from netmind_console.workspaces.roles import Role
from tests.fixtures.console import account_of
from tests.fixtures.teams import client_in, join
from tests.jobs.test_lifecycle import new_job


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def cap_url(account) -> str:
    return f"/settings/accounts/{account.uuid}/cap/"


def test_an_admin_sets_the_cap_on_the_settings_page_and_it_is_audited(owner_client, owner):
    account = account_of(owner, "apinfer")
    assert 'value="4"' in owner_client.get("/settings/").content.decode()

    response = owner_client.post(cap_url(account), {"concurrency_cap": 8}, follow=True)

    assert "Saved: Sandbox sends at most 8 jobs at once." in text_of(response)
    account.refresh_from_db()
    assert account.concurrency_cap == 8
    entry = AuditEntry.objects.get(action="account.cap_changed")
    assert (entry.actor, entry.before, entry.after, entry.target) == (owner, {"cap": 4}, {"cap": 8},
                                                                      "Apinfer: Sandbox")


@pytest.mark.parametrize(("value", "message"), [
    (0, "Ensure this value is greater than or equal to 1."),
    (501, "Ensure this value is less than or equal to 500."),
    ("many", "Enter a whole number."),
    ("", "This field is required."),
])
def test_a_cap_out_of_bounds_is_refused_with_its_message_and_nothing_changes(owner_client, owner, value, message):
    account = account_of(owner, "apinfer")

    response = owner_client.post(cap_url(account), {"concurrency_cap": value})

    assert response.status_code == 422
    assert f"The cap of Sandbox was not saved: {message}" in text_of(response)
    account.refresh_from_db()
    assert account.concurrency_cap == 4 and not AuditEntry.objects.filter(action="account.cap_changed").exists()


def test_a_member_sees_the_cap_but_cannot_change_it(owner, other, studio):
    join(studio, other, Role.MEMBER)
    member = client_in(studio, other)
    account = studio.provider_accounts.get(provider="apinfer")

    page = member.get("/settings/")
    assert "Sends at most 4 jobs at once; the others wait for a slot. Admins change this." in text_of(page)
    assert "Save cap" not in page.content.decode()
    assert member.post(cap_url(account), {"concurrency_cap": 50}).status_code == 403
    account.refresh_from_db()
    assert account.concurrency_cap == 4 and not AuditEntry.objects.filter(action="account.cap_changed").exists()


def test_raising_the_cap_sends_the_jobs_waiting_for_a_slot_at_once(owner_client, owner, console_on_sandbox):
    account = account_of(owner, "netmind")
    set_concurrency_cap(account, 1, actor=owner)
    jobs = [new_job(owner, prompt=f"harbour {n}") for n in range(3)]  # the sandbox runs them: one stays in flight
    for job in jobs:
        job.refresh_from_db()
    assert [job.state for job in jobs[1:]] == [JobState.PENDING, JobState.PENDING]
    assert jobs[1].waiting_reason == "Waiting for a slot: Sandbox sends at most 1 at once."
    assert console_on_sandbox.calls()["POST /v1/generation"] == 1

    owner_client.post(cap_url(account), {"concurrency_cap": 3})

    assert console_on_sandbox.calls()["POST /v1/generation"] == 3
    for job in jobs:
        job.refresh_from_db()
    assert JobState.PENDING not in [job.state for job in jobs]


def test_setting_the_same_cap_again_changes_and_audits_nothing(owner):
    account = account_of(owner, "apinfer")
    assert set_concurrency_cap(account, 6, actor=owner) is True
    assert set_concurrency_cap(account, 6, actor=owner) is False
    assert AuditEntry.objects.filter(action="account.cap_changed").count() == 1


# --- provider_account --cap ----------------------------------------------------------------------------------------


def test_the_command_sets_the_cap_of_an_existing_account_without_its_token(owner, capsys):
    call_command("provider_account", user="alice", provider="apinfer", label="Sandbox", cap=12)
    call_command("provider_account", user="alice", provider="apinfer", label="Sandbox", cap=12)

    assert capsys.readouterr().out.splitlines() == ["Sandbox sends at most 12 jobs at once.",
                                                    "Sandbox sends at most 12 jobs at once (unchanged)."]
    assert account_of(owner, "apinfer").concurrency_cap == 12
    entry = AuditEntry.objects.get(action="account.cap_changed")
    assert (entry.actor, entry.before, entry.after) == (owner, {"cap": 4}, {"cap": 12})


def test_the_command_sets_the_cap_of_an_account_it_creates(owner, capsys):
    call_command("provider_account", user="alice", provider="netmind", label="Batch work", token="nm-live-0123456789",
                 cap=20)
    assert owner.provider_accounts.get(label="Batch work").concurrency_cap == 20
    assert capsys.readouterr().out.splitlines()[-1] == "Batch work sends at most 20 jobs at once."


@pytest.mark.parametrize(("args", "message"), [
    (["--cap", "0"], "Not saved. --cap: Ensure this value is greater than or equal to 1."),
    (["--cap", "501"], "Not saved. --cap: Ensure this value is less than or equal to 500."),
    (["--cap", "many"], "argument --cap: invalid int value: 'many'"),
    (["--cap", "0", "--token", "nm-live-0123456789"], "Not saved. --cap: Ensure this value is greater than"),
    ([], "Nothing to do: give --token to create or update the account, or --cap N"),
    (["--cap", "8", "--label", "Nope"], "has no Apinfer account labelled 'Nope'; give --token to add it."),
    (["--cap", "8", "--base-url", "https://example.com"], "Not saved. --base-url: give --token too"),
])
def test_the_command_refuses_a_bad_cap_naming_it_and_saves_nothing(owner, args, message):
    token_before, audited_before = account_of(owner, "apinfer").token_ciphertext, AuditEntry.objects.count()
    arguments = ["--user", "alice", "--provider", "apinfer", "--label", "Sandbox", *args]
    with pytest.raises(CommandError) as refusal:
        call_command("provider_account", *arguments)
    assert message in str(refusal.value)
    account = account_of(owner, "apinfer")
    assert account.concurrency_cap == 4 and account.token_ciphertext == token_before
    assert AuditEntry.objects.count() == audited_before


def test_the_command_needs_the_admin_role(owner, other, studio):
    join(studio, other, Role.MEMBER)
    with pytest.raises(CommandError, match="bob may not do this: This needs the admin role in Studio"):
        call_command("provider_account", user="bob", provider="apinfer", label="Sandbox", workspace="Studio", cap=40)
    assert studio.provider_accounts.get(provider="apinfer").concurrency_cap == 4
