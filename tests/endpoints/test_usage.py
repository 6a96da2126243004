"""The usage page: endpoint spend and Apinfer credits per day, split at midnight in the user's time zone."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from endpoints import usage
from endpoints.models import Endpoint, EndpointEvent
from jobs.models import Job
from netmind_console.accounts.models import preferences_for
from netmind_console.workspaces.services import personal_workspace

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 12, 11, 0, tzinfo=UTC)  # Thursday 12:00 in Berlin (UTC+1)


def new_endpoint(owner, name="night", gpus=2):
    return Endpoint.objects.create(owner=owner, workspace=personal_workspace(owner), name=name, status="stopped",
                                   service_id=f"svc-{name}", gpus_per_instance=gpus, usd_per_gpu_hour=Decimal("0.30"))


def event(endpoint, at, status, instances):
    return EndpointEvent.objects.create(endpoint=endpoint, at=at, status=status, instances=instances,
                                        gpus_per_instance=endpoint.gpus_per_instance,
                                        usd_per_gpu_hour=endpoint.usd_per_gpu_hour)


def spend_on(report, endpoint, day):
    amounts = dict(report.spend)[endpoint]
    return amounts[report.days.index(day)]


def credits_on(report, day):
    return report.credits[report.days.index(day)]


def test_spend_is_split_at_midnight_in_the_users_time_zone(owner):
    endpoint = new_endpoint(owner)  # 2 GPUs × $0.30 = $0.60 per instance-hour
    event(endpoint, datetime(2026, 3, 10, 21, 0, tzinfo=UTC), "available", 1)  # 22:00 Tuesday in Berlin
    event(endpoint, datetime(2026, 3, 11, 1, 0, tzinfo=UTC), "stopped", 0)  # 02:00 Wednesday in Berlin
    report = usage.usage(personal_workspace(owner), NOW, BERLIN)
    assert spend_on(report, endpoint, date(2026, 3, 10)) == Decimal("1.20")  # 22:00–24:00
    assert spend_on(report, endpoint, date(2026, 3, 11)) == Decimal("1.20")  # 00:00–02:00
    assert report.spend_totals == ([Decimal("2.40")], Decimal("2.40"))
    in_utc = usage.usage(personal_workspace(owner), NOW, ZoneInfo("UTC"))
    assert spend_on(in_utc, endpoint, date(2026, 3, 10)) == Decimal("1.80")  # 21:00–24:00 UTC


def test_the_period_is_30_local_days_ending_today(owner):
    already_the_12th_in_berlin = datetime(2026, 3, 11, 23, 30, tzinfo=UTC)
    report = usage.usage(personal_workspace(owner), already_the_12th_in_berlin, BERLIN)
    assert len(report.days) == 30
    assert (report.days[0], report.days[-1]) == (date(2026, 2, 11), date(2026, 3, 12))


def test_an_endpoint_running_since_before_the_period_counts_from_its_first_midnight_until_now(owner):
    endpoint = new_endpoint(owner, gpus=1)  # $0.30 per hour
    event(endpoint, NOW - timedelta(days=90), "available", 1)
    report = usage.usage(personal_workspace(owner), NOW, BERLIN)
    amounts = dict(report.spend)[endpoint]
    assert amounts[0] == amounts[-2] == Decimal("7.20")  # whole days
    assert amounts[-1] == Decimal("3.60")  # today, until 12:00
    assert report.spend_totals[1] == Decimal("7.20") * 29 + Decimal("3.60")


def test_instances_and_an_unbilled_status_change_the_daily_amount(owner):
    endpoint = new_endpoint(owner)
    event(endpoint, datetime(2026, 3, 11, 8, 0, tzinfo=UTC), "initializing", 3)  # 1 h × 3 × $0.60 = 1.80
    event(endpoint, datetime(2026, 3, 11, 9, 0, tzinfo=UTC), "unavailable", 3)  # not billed
    event(endpoint, datetime(2026, 3, 11, 10, 0, tzinfo=UTC), "available", 1)  # 2 h × $0.60 = 1.20
    event(endpoint, datetime(2026, 3, 11, 12, 0, tzinfo=UTC), "stopped", 0)
    assert spend_on(usage.usage(personal_workspace(owner), NOW, BERLIN), endpoint, date(2026, 3, 11)) == Decimal("3.00")


def test_endpoints_that_cost_nothing_and_other_peoples_endpoints_are_left_out(owner, other):
    idle = new_endpoint(owner, name="idle")
    event(idle, NOW - timedelta(days=3), "stopped", 0)
    theirs = new_endpoint(other, name="theirs")
    event(theirs, NOW - timedelta(days=3), "available", 1)
    report = usage.usage(personal_workspace(owner), NOW, BERLIN)
    assert report.spend == [] and report.spend_totals == ([], Decimal(0))


def apinfer_job(owner, finished_at, credits, state="succeeded", provider="apinfer"):
    return Job.objects.create(owner=owner, workspace=personal_workspace(owner), model_key="qwen-image",
                              provider=provider, adapter="apinfer_image", state=state, credit_cost=Decimal(credits),
                              finished_at=finished_at)


def test_credits_are_summed_per_local_day_from_succeeded_apinfer_jobs(owner, other):
    apinfer_job(owner, datetime(2026, 3, 10, 22, 30, tzinfo=UTC), "10")  # 23:30 Tuesday in Berlin
    apinfer_job(owner, datetime(2026, 3, 10, 23, 30, tzinfo=UTC), "5")  # 00:30 Wednesday in Berlin
    apinfer_job(owner, datetime(2026, 3, 11, 9, 0, tzinfo=UTC), "2.50")
    apinfer_job(owner, datetime(2026, 3, 11, 9, 0, tzinfo=UTC), "40", state="failed")  # never charged
    apinfer_job(owner, datetime(2026, 3, 11, 9, 0, tzinfo=UTC), "40", provider="netmind")
    apinfer_job(other, datetime(2026, 3, 11, 9, 0, tzinfo=UTC), "40")
    apinfer_job(owner, NOW - timedelta(days=45), "40")  # before the period
    report = usage.usage(personal_workspace(owner), NOW, BERLIN)
    assert credits_on(report, date(2026, 3, 10)) == Decimal("10")
    assert credits_on(report, date(2026, 3, 11)) == Decimal("7.50")
    assert report.credits_total == Decimal("17.50")


# --- the page -------------------------------------------------------------------------------------


@pytest.fixture
def usage_url():
    return reverse("endpoints:usage")


def test_the_page_shows_a_chart_and_a_table_of_spend_and_of_credits(owner_client, owner, usage_url):
    endpoint = new_endpoint(owner, name="nightly-llm")
    now = timezone.now()
    event(endpoint, now - timedelta(hours=3), "available", 1)
    event(endpoint, now - timedelta(hours=1), "stopped", 0)  # 2 h × $0.60
    apinfer_job(owner, now - timedelta(hours=1), "7")
    page = owner_client.get(usage_url).content.decode()
    assert "$1.20 in 30 days." in page
    assert 'id="spend-chart"' in page and 'role="img"' in page and 'class="bar series-0"' in page
    assert '<th scope="col" class="num">nightly-llm</th>' in page
    assert "7 credits in 30 days" in page and 'id="credits-chart"' in page
    assert page.count("<tr><th scope=\"row\">") == 30 + 1 + 30  # spend days, its total, credit days
    main = page.split('<main id="main"')[1]
    assert "<script" not in main and 'style="' not in main


def test_the_page_says_so_when_nothing_was_spent(owner_client, usage_url):
    page = owner_client.get(usage_url).content.decode()
    assert "No endpoint ran in the last 30 days" in page
    assert "No Apinfer credits spent in the last 30 days." in page
    assert "<svg" not in page.split('<main id="main"')[1]


def test_the_page_uses_the_users_time_zone(owner_client, owner, usage_url):
    prefs = preferences_for(owner)
    prefs.time_zone = "Pacific/Auckland"
    prefs.save()
    page = owner_client.get(usage_url).content.decode()
    today = timezone.now().astimezone(ZoneInfo("Pacific/Auckland")).date()
    assert "in Pacific/Auckland" in page and f"{today:%-d %b %Y}" in page


def test_bob_sees_none_of_alices_spend_or_credits(client, owner, other, usage_url):
    endpoint = new_endpoint(owner, name="alices")
    event(endpoint, timezone.now() - timedelta(hours=2), "available", 1)
    apinfer_job(owner, timezone.now() - timedelta(hours=1), "7")
    client.force_login(other)
    page = client.get(usage_url).content.decode()
    assert "alices" not in page and "No endpoint ran" in page and "No Apinfer credits" in page


def test_the_endpoint_list_links_to_the_usage_page(owner_client, usage_url):
    assert f'href="{usage_url}"' in owner_client.get(reverse("endpoints:list")).content.decode()


def test_signed_out_visitors_are_sent_to_log_in(client, usage_url):
    assert client.get(usage_url).status_code == 302
