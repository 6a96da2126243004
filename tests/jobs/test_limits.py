"""Member limits: past a monthly job or credit limit a submission is refused, saying which and when it resets,
and nothing is saved or sent; the members page gets each member's use this month."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_http_date

from jobs import limits
from jobs.models import Job, JobState
from netmind_console.core.registry import page_context
from netmind_console.workspaces.roles import Role
from netmind_console.workspaces.services import set_limits
from tests.fixtures.console import wait_until_final
from tests.fixtures.teams import client_in, join
from tests.jobs.team import acme, form_data, team_job  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


def next_month() -> datetime:
    now = timezone.now().astimezone(UTC)
    return datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)


def resets() -> str:
    """The first of next month (UTC), as the message spells it."""
    return f"1 {next_month():%B %Y}"


def limit(workspace, user, jobs=None, credits=None):
    owner = workspace.memberships.get(role=Role.OWNER).user
    set_limits(workspace.memberships.get(user=user), jobs=jobs, credits=credits, actor=owner)


def test_the_job_past_the_limit_is_refused_on_the_form_with_its_reason_and_nothing_sent(
        acme, owner, other, console_on_sandbox):
    join(acme, other, Role.MEMBER)
    limit(acme, other, jobs=1)
    bob = client_in(acme, other)
    assert bob.post(reverse("jobs:new"), form_data(acme, prompt="the first")).status_code == 302
    wait_until_final(Job.objects.get())
    console_on_sandbox.reset()

    response = bob.post(reverse("jobs:new"), form_data(acme, prompt="one too many"))

    assert response.status_code == 429 and parse_http_date(response["Retry-After"]) == next_month().timestamp()
    assert (f"You have used your limit of 1 job this month in Acme; it resets on {resets()}."
            in response.content.decode())
    assert Job.objects.count() == 1 and not console_on_sandbox.calls()


def test_the_job_past_the_limit_is_refused_by_the_submit_command(acme, owner, other, console_on_sandbox, capsys):
    join(acme, other, Role.MEMBER)
    limit(acme, other, jobs=2)
    team_job(acme, other)
    team_job(acme, other)
    console_on_sandbox.reset()

    with pytest.raises(CommandError, match=f"limit of 2 jobs this month in Acme; it resets on {resets()}"):
        call_command("submit", user="bob", workspace="Acme", model="Qwen/Qwen-Image", prompt="a third")

    assert Job.objects.count() == 2 and not console_on_sandbox.calls()
    assert capsys.readouterr().out == ""


def test_last_months_jobs_and_a_teammates_do_not_count(acme, owner, other):
    join(acme, other, Role.MEMBER)
    limit(acme, other, jobs=1)
    old = team_job(acme, other)
    Job.objects.filter(pk=old.pk).update(created_at=limits.month_start() - timedelta(seconds=1))
    team_job(acme, owner)

    assert team_job(acme, other).owner == other
    assert Job.objects.filter(owner=other).count() == 2


def test_apinfer_credits_past_the_limit_refuse_the_next_apinfer_job_but_not_a_netmind_one(
        acme, owner, other, console_on_sandbox):
    join(acme, other, Role.MEMBER)
    limit(acme, other, credits=Decimal("1"))
    spent = wait_until_final(team_job(acme, other, key="apinfer/qwen-image"))
    assert spent.state == JobState.SUCCEEDED and spent.credit_cost == Decimal("1")
    bob = client_in(acme, other)
    console_on_sandbox.reset()

    response = bob.post(reverse("jobs:new"), form_data(acme, key="apinfer/qwen-image"))

    assert response.status_code == 429
    assert (f"You have used your limit of 1.00 Apinfer credits this month in Acme (1.00 used); it resets on "
            f"{resets()}." in response.content.decode())
    assert Job.objects.count() == 1 and not console_on_sandbox.calls()
    with pytest.raises(CommandError, match="limit of 1.00 Apinfer credits"):
        call_command("submit", user="bob", workspace="Acme", model="apinfer/qwen-image", prompt="again")
    assert bob.post(reverse("jobs:new"), form_data(acme)).status_code == 302  # NetMind charges no credits


def test_a_repeated_submission_key_at_the_limit_returns_the_first_job(acme, owner, other):
    join(acme, other, Role.MEMBER)
    limit(acme, other, jobs=1)
    bob = client_in(acme, other)
    data = form_data(acme, submission_key="once")

    first, again = bob.post(reverse("jobs:new"), data), bob.post(reverse("jobs:new"), data)

    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]


def test_a_comparison_past_the_limit_is_refused_whole(acme, owner, other):
    join(acme, other, Role.MEMBER)
    limit(acme, other, jobs=1)

    response = client_in(acme, other).post(reverse("jobs:compare"), {
        "prompt": "a fox", "models": ["Qwen/Qwen-Image", "apinfer/qwen-image"]})

    assert response.status_code == 429 and "limit of 1 job this month" in response.content.decode()
    assert not Job.objects.exists()


def test_the_members_page_gets_each_members_use_this_month(acme, owner, other):
    join(acme, other, Role.MEMBER)
    for user in (owner, other, other):
        team_job(acme, user)
    Job.objects.filter(owner=other).update(credit_cost=Decimal("2.5"))
    Job.objects.filter(owner=owner).update(created_at=limits.month_start() - timedelta(days=1))
    request = RequestFactory().get("/workspaces/members/")
    request.user, request.session = other, {"workspace": str(acme.uuid)}

    usage = page_context("members", request)["member_usage"]

    assert usage == {other.pk: {"jobs": 2, "credits": Decimal("5.00")}}
