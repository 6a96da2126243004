"""The audit page: admins read it, filter it, and export the same rows as CSV; nobody edits a row."""

import csv
import io
from datetime import datetime, timezone as dt_timezone

import pytest
from django.contrib import admin as django_admin

from netmind_console.workspaces import audit
from netmind_console.workspaces.models import AuditEntry
from netmind_console.workspaces.roles import Role
from tests.fixtures.teams import client_in, join

pytestmark = pytest.mark.django_db


def at(day):
    return datetime(2026, 3, day, 12, tzinfo=dt_timezone.utc)


@pytest.fixture
def history(studio, owner, other):
    """Three rows besides the creation: bob's scale on 2 March, alice's stop on 5 March, the system's on 9 March."""
    join(studio, other, Role.ADMIN)
    rows = [(other, "endpoint.scale", "echo", 2), (owner, "endpoint.stop", "echo", 5), (None, "endpoint.stop", "=cmd", 9)]
    for actor, action, target, day in rows:
        entry = audit.record(studio, actor, action, target, before={"replicas": 1}, after={"replicas": 0})
        AuditEntry.objects.filter(pk=entry.pk).update(at=at(day))
    return studio


def csv_rows(response):
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_page_lists_rows_with_actor_action_target_and_changes(history, studio_client):
    page = studio_client.get("/workspaces/audit/").content.decode()

    assert "endpoint.scale" in page and "bob" in page and "system" in page and "replicas: 1" in page and "replicas: 0" in page


def test_filters_narrow_the_page_and_the_csv_holds_the_same_rows(history, studio_client):
    query = "?action=stop&date_from=2026-03-04&date_to=2026-03-09"

    page = studio_client.get("/workspaces/audit/" + query).content.decode()
    rows = csv_rows(studio_client.get("/workspaces/audit.csv" + query))

    assert "2 rows" in page and "endpoint.scale" not in page
    assert rows[0] == ["actor", "workspace", "action", "target", "before", "after", "time", "client address"]
    assert [(r[0], r[2]) for r in rows[1:]] == [("system", "endpoint.stop"), ("alice", "endpoint.stop")]
    assert rows[1][4:6] == ['{"replicas": 1}', '{"replicas": 0}']


def test_the_actor_filter(history, studio_client):
    rows = csv_rows(studio_client.get("/workspaces/audit.csv?actor=bob"))

    assert [r[2] for r in rows[1:]] == ["endpoint.scale"]  # adding bob is alice's row, not his
    assert "1 row." in studio_client.get("/workspaces/audit/?actor=bob").content.decode()


def test_a_cell_a_spreadsheet_would_run_is_quoted(history, studio_client):
    rows = csv_rows(studio_client.get("/workspaces/audit.csv?actor=system"))

    assert rows[1][3] == "'=cmd"


def test_a_bad_date_says_which_with_400(history, studio_client):
    page = studio_client.get("/workspaces/audit/?date_from=yesterday")
    export = studio_client.get("/workspaces/audit.csv?date_from=2026-03-09&date_to=2026-03-01")

    assert page.status_code == 400 and "Enter a valid date" in page.content.decode()
    assert export.status_code == 400 and "The end date is before the start date" in export.content.decode()


def test_the_page_is_paginated(studio, owner, studio_client):
    for number in range(60):
        audit.record(studio, owner, "endpoint.scale", f"echo-{number}")

    first = studio_client.get("/workspaces/audit/?action=scale").content.decode()
    second = studio_client.get("/workspaces/audit/?action=scale&page=2").content.decode()

    assert "echo-59" in first and "echo-0<" not in first and "Page 1 of 2" in first
    assert "echo-0<" in second and "action=scale&amp;page=1" in second


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER])
def test_members_and_viewers_cannot_read_it(history, person, role):
    join(history, person, role)
    client = client_in(history, person)

    assert client.get("/workspaces/audit/").status_code == 403
    assert client.get("/workspaces/audit.csv").status_code == 403


def test_rows_outlive_their_actor(history, other):
    other.delete()

    assert AuditEntry.objects.filter(actor_name="bob", action="endpoint.scale", actor=None).exists()


def test_the_admin_site_cannot_add_change_or_delete_a_row(rf, admin):
    entry_admin = django_admin.site._registry[AuditEntry]
    request = rf.get("/")
    request.user = admin

    assert not entry_admin.has_add_permission(request)
    assert not entry_admin.has_change_permission(request)
    assert not entry_admin.has_delete_permission(request)

