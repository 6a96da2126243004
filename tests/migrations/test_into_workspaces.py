"""The teams migration on a populated database: every row stays, and moves into its owner's personal workspace.

The data is written with the models as they were before workspaces (the migration state), then the
migrations run forward and the owners sign in to the pages of today.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_WORKSPACES = [("workspaces", None), ("accounts", "0002_preferences"), ("jobs", "0006_webhook_delivery_claim"),
                     ("endpoints", "0002_schedules")]
TABLES = ["auth_user", "accounts_provideraccount", "accounts_preferences", "jobs_job", "jobs_jobevent", "jobs_output",
          "jobs_webhookdelivery", "endpoints_endpoint", "endpoints_endpointevent", "endpoints_scaleintent",
          "endpoints_endpointschedule", "endpoints_flavor"]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([target for target in targets if target[1]]).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _populate(apps, username, webhook):
    user = apps.get_model("auth", "User").objects.create(username=username, password="!")
    apps.get_model("accounts", "Preferences").objects.create(user=user, time_zone="Asia/Tokyo", webhook_url=webhook,
                                                             webhook_secret=f"secret-of-{username}")
    account = apps.get_model("accounts", "ProviderAccount").objects.create(
        owner=user, provider="netmind", label=f"{username}'s NetMind", base_url="https://api.netmind.ai",
        token_ciphertext="not-read-here", token_last4="abcd")
    job = apps.get_model("jobs", "Job").objects.create(
        owner=user, account=account, model_key="Qwen/Qwen-Image", provider="netmind", adapter="generation",
        prompt=f"a lighthouse for {username}", state="succeeded", finished_at=timezone.now())
    apps.get_model("jobs", "JobEvent").objects.create(job=job, from_state="running", to_state="succeeded")
    apps.get_model("jobs", "Output").objects.create(job=job, owner=user, kind="image", position=0,
                                                    model_key=job.model_key, provider="netmind")
    apps.get_model("jobs", "WebhookDelivery").objects.create(job=job, url=webhook or "https://example.com/hook")
    flavor = apps.get_model("endpoints", "Flavor").objects.get_or_create(
        base_url="https://api.netmind.ai", flavor_id="rtx", defaults={"display_name": "RTX 4090",
                                                                     "usd_per_gpu_hour": Decimal("0.30")})[0]
    endpoint = apps.get_model("endpoints", "Endpoint").objects.create(
        owner=user, account=account, name=f"{username}-echo", flavor=flavor, status="available",
        usd_per_gpu_hour=Decimal("0.30"))
    apps.get_model("endpoints", "EndpointEvent").objects.create(
        endpoint=endpoint, status="available", instances=1, gpus_per_instance=1, usd_per_gpu_hour=Decimal("0.30"))
    apps.get_model("endpoints", "ScaleIntent").objects.create(endpoint=endpoint, target=2)
    apps.get_model("endpoints", "EndpointSchedule").objects.create(
        endpoint=endpoint, weekdays="01234", start_time="09:00", end_time="17:00", instances=1)


def _counts():
    with connection.cursor() as cursor:
        counts = {}
        for table in TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (names from the list above)
            counts[table] = cursor.fetchone()[0]
        return counts


@pytest.fixture
def populated_before_workspaces():
    apps = _migrate(BEFORE_WORKSPACES)
    _populate(apps, "carol", "https://hooks.example.com/carol")
    _populate(apps, "dave", "")
    counts = _counts()
    _migrate(_latest())
    return counts


def test_the_migration_keeps_every_row_and_gives_each_owner_a_personal_workspace(populated_before_workspaces):
    from django.contrib.auth.models import User

    from endpoints.models import Endpoint
    from jobs.models import Job, Output
    from netmind_console.accounts.models import ProviderAccount

    assert _counts() == populated_before_workspaces
    for user in User.objects.all():
        workspace = user.personal_workspace
        assert workspace.memberships.get().user == user and workspace.memberships.get().role == "owner"
        for model in (ProviderAccount, Job, Output, Endpoint):
            assert set(model.objects.filter(owner=user).values_list("workspace", flat=True)) == {workspace.pk}
    carol = User.objects.get(username="carol").personal_workspace
    assert (carol.webhook_url, carol.webhook_secret) == ("https://hooks.example.com/carol", "secret-of-carol")


def test_after_the_migration_each_owner_still_sees_all_of_their_objects_and_nobody_elses(
        populated_before_workspaces, client):
    from django.contrib.auth.models import User

    from endpoints.models import Endpoint
    from jobs.models import Job

    carol = User.objects.get(username="carol")
    client.force_login(carol)
    job = Job.objects.get(owner=carol)
    assert "a lighthouse for carol" in client.get(reverse("jobs:detail", args=[job.uuid])).content.decode()
    listing = client.get(reverse("jobs:list")).content.decode()
    assert "a lighthouse for carol" in listing and "a lighthouse for dave" not in listing
    endpoint = Endpoint.objects.get(owner=carol)
    assert "carol-echo" in client.get(reverse("endpoints:detail", args=[endpoint.uuid])).content.decode()
    assert "carol-echo" in client.get(reverse("endpoints:list")).content.decode()
    settings_page = client.get(reverse("settings")).content.decode()
    assert "carol&#x27;s NetMind" in settings_page and "dave&#x27;s NetMind" not in settings_page
    daves_job = Job.objects.get(owner__username="dave")
    assert client.get(reverse("jobs:detail", args=[daves_job.uuid])).status_code == 404
