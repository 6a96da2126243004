"""In a team workspace each role sees and does what the README's matrix says: the pages hide what a role may not
use, and the server refuses it with a 403, changing nothing and calling no provider."""

import uuid
from datetime import time, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from endpoints import scaling, schedules
from endpoints.models import Endpoint, EndpointEvent
from netmind_console.workspaces.models import AuditEntry
from netmind_console.workspaces.roles import Role
from tests.fixtures.teams import work_in

from .conftest import RTX_4090, create_endpoint, endpoint_url, netmind_account_of, wait_until_settled

WINDOW = {"weekdays": ["0", "1"], "start_time": "09:00", "end_time": "17:00", "instances": "1"}
FOREIGN_ACCOUNT = "Account: That is not one of this workspace's NetMind accounts."


def no_remote_calls(sandbox) -> bool:
    return sum(sandbox.calls().values()) == 0


def endpoint_actions() -> list[str]:
    """Audit rows of endpoint actions: creating the fixture's endpoint is the only one a test starts with."""
    return list(AuditEntry.objects.filter(action__startswith="endpoint.").exclude(action="endpoint.created")
                .values_list("action", flat=True))


def stop(endpoint):
    intent, _ = scaling.request_scale(endpoint, 0, uuid.uuid4())
    scaling.apply_scale(intent.pk)
    return wait_until_settled(endpoint)


def test_a_viewer_sees_the_endpoint_and_its_spend_but_no_control(bob_as, team_endpoint):
    response = bob_as(Role.VIEWER).get(endpoint_url("detail", team_endpoint))
    page = response.content.decode()
    assert response.status_code == 200
    assert "ops-echo" in page and "So far" in page and "Projected for the month" in page
    for control in [endpoint_url("scale", team_endpoint), endpoint_url("delete", team_endpoint),
                    endpoint_url("budget", team_endpoint), endpoint_url("schedule_add", team_endpoint),
                    endpoint_url("try", team_endpoint), ">Stop<", "Save budget", "Add window"]:
        assert control not in page, control
    assert "the time zone of alice (who created the endpoint), UTC" in page


def test_a_member_sees_scale_stop_and_try_but_not_delete_budget_or_schedule_forms(bob_as, team_endpoint):
    page = bob_as(Role.MEMBER).get(endpoint_url("detail", team_endpoint)).content.decode()
    assert endpoint_url("scale", team_endpoint) in page and ">Stop<" in page and "Try it" in page
    for control in [endpoint_url("delete", team_endpoint), "Save budget", "Add window"]:
        assert control not in page, control


def test_an_admin_sees_every_control(bob_as, team_endpoint):
    page = bob_as(Role.ADMIN).get(endpoint_url("detail", team_endpoint)).content.decode()
    for control in [">Stop<", "Try it", endpoint_url("delete", team_endpoint), "Save budget", "Add window"]:
        assert control in page, control


def test_in_the_team_workspace_a_viewer_lists_its_endpoints_and_spend_without_create_buttons(bob_as, team,
                                                                                           team_endpoint):
    client = bob_as(Role.VIEWER)
    EndpointEvent.objects.filter(endpoint=team_endpoint).update(at=timezone.now() - timedelta(hours=2))
    personal = client.get(reverse("endpoints:list")).content.decode()
    assert "ops-echo" not in personal and "No endpoints in bob yet" in personal
    work_in(client, team)
    listed = client.get(reverse("endpoints:list")).content.decode()
    assert "ops-echo" in listed and "$0.60" in listed
    assert reverse("endpoints:new") not in listed and reverse("endpoints:adopt") not in listed
    assert "$0.60 in 30 days." in client.get(reverse("endpoints:usage")).content.decode()


VIEWER_REFUSED = [
    ("scale", {"instances": "3", "confirmed": "1"}),
    ("scale", {"instances": "0"}),
    ("delete", {"confirm_name": "ops-echo"}),
    ("budget", {"monthly_budget_usd": "5"}),
    ("schedule_add", WINDOW),
    ("try", {"path": "/", "body": "{}"}),
]


@pytest.mark.parametrize("name, data", VIEWER_REFUSED)
def test_a_viewer_is_refused_every_change_and_nothing_is_sent(bob_as, team_endpoint, sandbox, name, data):
    client = bob_as(Role.VIEWER)
    sandbox.reset()
    response = client.post(endpoint_url(name, team_endpoint), {**data, "intent_key": str(uuid.uuid4())})
    assert response.status_code == 403
    team_endpoint.refresh_from_db()
    assert (team_endpoint.status, team_endpoint.target_instances) == ("available", 1)
    assert team_endpoint.monthly_budget_usd is None and team_endpoint.delete_requested_at is None
    assert not team_endpoint.schedules.exists() and not team_endpoint.scale_intents.exists()
    assert no_remote_calls(sandbox) and endpoint_actions() == []


def test_a_viewer_cannot_start_a_stopped_endpoint(bob_as, team_endpoint, sandbox):
    client = bob_as(Role.VIEWER)
    stopped = stop(team_endpoint)
    sandbox.reset()
    response = client.post(endpoint_url("scale", stopped),
                           {"instances": "1", "confirmed": "1", "intent_key": str(uuid.uuid4())})
    stopped.refresh_from_db()
    assert response.status_code == 403 and stopped.target_instances == 0 and no_remote_calls(sandbox)


@pytest.fixture
def window(team_endpoint):
    return schedules.add_schedule(team_endpoint, weekdays="01234", start_time=time(9), end_time=time(19), instances=1)


ADMIN_ONLY = [("delete", {"confirm_name": "ops-echo"}), ("budget", {"monthly_budget_usd": "5"}),
              ("schedule_add", WINDOW)]


@pytest.mark.parametrize("name, data", ADMIN_ONLY)
def test_a_member_is_refused_delete_budget_and_new_windows(bob_as, team_endpoint, sandbox, name, data):
    client = bob_as(Role.MEMBER)
    sandbox.reset()
    assert client.post(endpoint_url(name, team_endpoint), data).status_code == 403
    team_endpoint.refresh_from_db()
    assert team_endpoint.status == "available" and team_endpoint.delete_requested_at is None
    assert team_endpoint.monthly_budget_usd is None and not team_endpoint.schedules.exists()
    assert no_remote_calls(sandbox) and endpoint_actions() == []


@pytest.mark.parametrize("name", ["schedule_toggle", "schedule_delete"])
def test_a_member_is_refused_pausing_or_removing_a_window(bob_as, window, name):
    client = bob_as(Role.MEMBER)
    assert client.post(endpoint_url(name, window.endpoint, window.uuid)).status_code == 403
    window.refresh_from_db()
    assert window.enabled


def test_a_member_cannot_open_the_delete_page_but_can_try_the_endpoint(bob_as, team_endpoint):
    client = bob_as(Role.MEMBER)
    assert client.get(endpoint_url("delete", team_endpoint)).status_code == 403
    assert "Send" in client.get(endpoint_url("try", team_endpoint)).content.decode()


def test_someone_outside_the_team_gets_404_and_nothing_is_sent(client, admin, team_endpoint, sandbox):
    client.force_login(admin)
    sandbox.reset()
    assert client.get(endpoint_url("detail", team_endpoint)).status_code == 404
    response = client.post(endpoint_url("scale", team_endpoint), {"instances": "0", "intent_key": str(uuid.uuid4())})
    assert response.status_code == 404 and no_remote_calls(sandbox)


@pytest.mark.parametrize("name", ["new", "adopt"])
def test_a_member_cannot_open_the_create_or_adopt_form(bob_as, team, name):
    client = bob_as(Role.MEMBER)
    work_in(client, team)
    assert client.get(reverse(f"endpoints:{name}")).status_code == 403


@pytest.fixture
def create_data(flavors):
    return {"name": "forged", "flavor": flavors.get(flavor_id=RTX_4090).pk, "instances": "1",
            "image_url": "python:3.10-slim", "command": "", "port": "8080", "gpus_per_instance": "1",
            "create_key": str(uuid.uuid4())}


def test_an_account_of_another_workspace_is_refused_in_the_create_form(owner_client, other, create_data, sandbox):
    sandbox.reset()
    response = owner_client.post(reverse("endpoints:new"),
                                 {**create_data, "account": str(netmind_account_of(other).uuid)})
    assert response.status_code == 400 and FOREIGN_ACCOUNT in unescape(response.content.decode())
    assert not Endpoint.objects.exists() and no_remote_calls(sandbox)


def test_an_account_of_another_workspace_is_refused_when_adopting(owner_client, other, sandbox):
    sandbox.reset()
    response = owner_client.post(reverse("endpoints:adopt"),
                                 {"service_id": "svc-1", "account": str(netmind_account_of(other).uuid)})
    assert response.status_code == 400 and FOREIGN_ACCOUNT in unescape(response.content.decode())
    assert not Endpoint.objects.exists() and no_remote_calls(sandbox)


def test_an_account_of_another_workspace_is_refused_by_the_flavor_refresh(owner_client, other, sandbox):
    sandbox.reset()
    response = owner_client.post(reverse("endpoints:refresh_flavors"),
                                 {"account": str(netmind_account_of(other).uuid)})
    assert response.status_code == 400
    assert response.content.decode() == "Account: that is not one of this workspace's NetMind accounts."
    assert no_remote_calls(sandbox)


def test_an_admin_creates_an_endpoint_in_the_current_workspace_on_its_account(bob_as, other, team, team_account,
                                                                            create_data):
    client = bob_as(Role.ADMIN)
    work_in(client, team)
    response = client.post(reverse("endpoints:new"), {**create_data, "name": "ops-two"})
    endpoint = Endpoint.objects.get(name="ops-two")
    assert response.status_code == 302 and response.url == endpoint_url("detail", endpoint)
    assert (endpoint.workspace, endpoint.account, endpoint.owner) == (team, team_account, other)


def test_endpoint_names_are_unique_per_workspace_not_per_person(bob_as, team, team_endpoint, create_data):
    client = bob_as(Role.ADMIN)
    work_in(client, team)
    response = client.post(reverse("endpoints:new"), {**create_data, "name": "ops-echo"})
    assert response.status_code == 400
    assert "Name: Ops already has an endpoint with this name." in response.content.decode()



def test_deleting_the_creator_keeps_the_teams_endpoint_and_its_schedule_runs_in_utc(bob_as, other, team, rtx,
                                                                                  team_account, owner_client):
    bob_as(Role.ADMIN)
    endpoint = wait_until_settled(create_endpoint(other, rtx, name="bobs-echo", account=team_account))
    endpoint.schedules.create(weekdays="0123456", start_time=time(0), end_time=time(23, 59), instances=1)
    other.delete()

    endpoint.refresh_from_db()
    assert endpoint.owner is None and endpoint.workspace == team
    assert schedules.user_zone(endpoint.owner).key == "UTC"
    schedules.due_schedule_ids(timezone.now())  # the sweep still reads the windows of a creator-less endpoint
    work_in(owner_client, team)
    page = unescape(owner_client.get(endpoint_url("detail", endpoint)).content.decode())
    assert "bobs-echo" in page and "the time zone of its deleted creator (who created the endpoint), UTC" in page
