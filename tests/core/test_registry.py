"""The apps plug into the project's pages and schedules without the project importing them."""

import pytest
from django.core.management import call_command
from django_q.models import Schedule


@pytest.mark.django_db
def test_every_apps_recurring_work_is_scheduled_after_migrate():
    Schedule.objects.all().delete()
    call_command("migrate", verbosity=0)
    assert set(Schedule.objects.values_list("name", "func")) >= {
        ("worker heartbeat", "netmind_console.core.tasks.heartbeat"),
        ("sweep active jobs", "jobs.tasks.sweep_active_jobs"),
        ("reconcile outstanding work", "jobs.tasks.reconcile_outstanding"),
        ("sweep endpoints", "endpoints.tasks.sweep_endpoints"),
    }


@pytest.mark.django_db
def test_the_dashboard_and_settings_show_what_the_jobs_app_adds(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("ivy", password="pw-ivy-12345"))
    dashboard = client.get("/").content.decode()
    assert "active" in dashboard and "Submit a job" in dashboard, "the jobs app's counts and empty state"
    settings_page = client.get("/settings/").content.decode()
    assert "0 files," in settings_page, "the archive's storage line"
