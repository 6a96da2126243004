"""What several endpoint pages share: the chosen account, the detail context."""

import uuid

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from endpoints import budgets, flavors, schedules
from endpoints.forms import BudgetForm, ScheduleForm
from endpoints.models import MAX_INSTANCES, ScaleIntent
from netmind_console.core.ids import parse_uuid

FOREIGN_ACCOUNT = "Account: that is not one of this workspace's NetMind accounts."


class ForeignAccount(Exception):
    """The request names an account the current workspace does not have."""


def chosen_account(request, workspace):
    """The workspace's NetMind account named by `account` (query or post), else its default; and all of them.

    Raises ForeignAccount for a named account that is not the workspace's, rather than quietly using another.
    """
    accounts = flavors.netmind_accounts(workspace)
    named = request.POST.get("account") or request.GET.get("account")
    if not named:
        return flavors.default_account(workspace), accounts
    chosen = accounts.filter(uuid=parse_uuid(named)).first()
    if chosen is None:
        raise ForeignAccount
    return chosen, accounts


def foreign_account_refused():
    return HttpResponseBadRequest(FOREIGN_ACCOUNT, content_type="text/plain")


def render_detail(request, endpoint, status=200, **extra):
    """The detail page; after a rejected post, with the form that says why (`extra`) and a 4xx status."""
    return render(request, "endpoints/detail.html", detail_context(endpoint, **extra), status=status)


def detail_context(endpoint, **extra):
    notice = budgets.budget_notice(endpoint, budgets.budget_share(endpoint))
    return {
        "endpoint": endpoint,
        # A budget stop is due at the next minute's sweep: the page keeps watching until it shows "Stopped".
        "watching": not endpoint.is_settled or notice == budgets.BUDGET_STOPPING,
        "events": endpoint.events.order_by("-at", "-id"),
        "spend_so_far": budgets.spend(endpoint),
        "month_spend": budgets.month_spend(endpoint),
        "projected": budgets.projected_month_spend(endpoint),
        "budget_notice": notice,
        "budget_warning_percent": budgets.BUDGET_WARNING_PERCENT,
        "failed_intent": _last_intent_if_failed(endpoint),
        "scale_keys": {name: uuid.uuid4() for name in ("form", "minus", "plus", "stop", "start")},
        "max_instances": MAX_INSTANCES,
        "one_fewer": max(endpoint.target_instances - 1, 0),
        "budget_form": BudgetForm(initial={"monthly_budget_usd": endpoint.monthly_budget_usd}),
        "schedule_form": ScheduleForm(endpoint=endpoint),
        **_schedule_context(endpoint),
        **extra,
    }


def _schedule_context(endpoint):
    # Windows act in their creator's zone (schedules.py), so the page shows them in it, whoever reads it.
    zone = schedules.user_zone(endpoint.owner)
    windows = schedules.next_edges(endpoint, timezone.now(), zone)
    upcoming = [(schedule, edge) for schedule, edge in windows if edge]
    return {
        "time_zone": zone,
        "windows": windows,
        "next_window_action": min(upcoming, key=lambda pair: pair[1].at, default=None),
    }


def _last_intent_if_failed(endpoint):
    """Only the latest wish matters: an old failure that a later scale replaced is not news."""
    latest = endpoint.scale_intents.first()
    return latest if latest and latest.state == ScaleIntent.State.FAILED else None
