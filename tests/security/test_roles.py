"""Every URL, crawled once per role of the workspace that holds the objects (README: Teams, the matrix).

A viewer is refused every request that changes something; a member every admin action; an admin every
owner action: 403, nothing changed, no provider called. Every role sees every page its role may see.
A removed member is refused on the next request, and a form value naming another workspace's object
is refused. Changing the catalogue (the Models page) needs a staff user, whatever the role.
"""

import pytest
from django.test import Client

from endpoints.models import Endpoint, EndpointSchedule, ScaleIntent
from jobs.models import Batch, BatchEvent, CatalogueChange, CatalogueEntry, Job, Output
from netmind_console.accounts.models import ProviderAccount
from netmind_console.workspaces.models import AuditEntry, Invitation, Membership, Workspace
from netmind_console.workspaces.roles import Role, at_least
from netmind_console.workspaces.services import add_member, personal_workspace, remove_member
from tests.security.crawl import all_routes

pytestmark = pytest.mark.django_db(transaction=True)

ROUTES = all_routes()
# Posts that change only the signed-in person's own things, open to every role.
PERSONAL = {"login/", "logout/", "setup/", "password/", "settings/", "workspaces/switch/", "workspaces/new/",
            "invite/<str:secret>/", "settings/api-keys/", "settings/api-keys/<uuid:uuid>/revoke/"}
# A person's API keys are theirs alone, whatever their teammates' roles: the owner's key is a 404 to every
# teammate (tests/api/test_keys_page.py).
OWNERS_ALONE = ("settings/api-keys/<uuid:uuid>/",)
# The routes whose every request needs the role, by the route's start (README: the matrix). Anything
# else changing state needs a member; anything else read is open to a viewer.
ADMIN_ONLY = ("workspaces/settings/", "endpoints/new/", "endpoints/adopt/", "settings/accounts/", "workspaces/invitations/",
              "workspaces/audit", "workspaces/<uuid:uuid>/invitations/", "workspaces/<uuid:uuid>/webhook/",
              "workspaces/<uuid:uuid>/members/<str:username>/remove/",
              "workspaces/<uuid:uuid>/members/<str:username>/limits/")
# Testing an account's connection changes nothing: a member may (the provider is called, as by a job).
MEMBER_ROUTES = ("settings/accounts/<uuid:uuid>/test/",)
BATCH_CONTROLS = tuple(f"jobs/batches/<uuid:uuid>/{action}/"
                       for action in ("start", "discard", "pause", "resume", "cancel", "retry"))
# Actions whose every method needs an admin; deleting the owner's job or output, or controlling the owner's batch,
# is someone else's.
ADMIN_ACTIONS = ("endpoints/<uuid:uuid>/delete/", "endpoints/<uuid:uuid>/budget/", "endpoints/<uuid:uuid>/schedules/",
                 "jobs/<uuid:uuid>/delete/", "jobs/gallery/bulk/", *BATCH_CONTROLS)
# Pages that prepare a submission: a member's.
MEMBER_PAGES = ("jobs/new/", "jobs/new/fields/", "jobs/batches/new/", "jobs/compare/", "jobs/<uuid:uuid>/again/",
                "endpoints/<uuid:uuid>/try/")
# The catalogue is the console's, not a workspace's: changing it (every method, the forms and confirmations too)
# needs a staff user, whatever the role; no teammate here is staff. Reading it is every signed-in user's.
STAFF_ONLY = ("jobs/models/new/", "jobs/models/<model_id:model_id>/edit/", "jobs/models/<model_id:model_id>/toggle/",
              "jobs/models/<model_id:model_id>/remove/")
STAFF = "staff"
OWNER_ONLY = ("workspaces/<uuid:uuid>/rename/", "workspaces/<uuid:uuid>/delete/",
              "workspaces/<uuid:uuid>/members/<str:username>/role/",
              "workspaces/<uuid:uuid>/members/<str:username>/transfer/")


def _needs(route, method) -> str:
    text = str(route)
    if text in STAFF_ONLY:
        return STAFF
    if text.startswith(OWNER_ONLY):
        return Role.OWNER
    if text.startswith(MEMBER_ROUTES):
        return Role.MEMBER
    if text.startswith(ADMIN_ONLY) or text in ADMIN_ACTIONS or (method == "POST" and text.startswith(ADMIN_ACTIONS)):
        return Role.ADMIN
    if method == "POST" or text in MEMBER_PAGES:
        return Role.MEMBER
    return Role.VIEWER


def _may(role, needs) -> bool:
    return needs != STAFF and at_least(role, needs)


def _data(route, owned) -> dict:
    """What a request carries: the gallery's bulk action names its outputs (and asks to delete them)."""
    if str(route) == "jobs/gallery/bulk/":
        return {"action": "delete", "ids": [str(owned["output"])], "confirm": "yes"}
    return {}


@pytest.fixture
def teammates(owner, owned, django_user_model):
    """A client per role in the owner's personal workspace, where the crawled objects live, chosen in the
    header (each teammate also owns a personal workspace of their own, which would be current otherwise)."""
    workspace = personal_workspace(owner)
    clients = {}
    for role in (Role.VIEWER, Role.MEMBER, Role.ADMIN):
        user = django_user_model.objects.create_user(f"{role}-mate")
        add_member(workspace, user, role, actor=owner)
        clients[role] = Client()
        clients[role].force_login(user)
        assert clients[role].post("/workspaces/switch/", {"workspace": workspace.uuid}).status_code == 302
    return clients


def _state():
    """What a refused request must leave as it was: every row that a page can change, field by field."""
    return [list(Job.objects.order_by("pk").values_list("pk", "state", "prompt", "notified_at")),
            list(Output.objects.order_by("pk").values_list("pk", "favourite", "file")),
            list(Batch.objects.order_by("pk").values_list("pk", "state", "name", "job_count")),
            BatchEvent.objects.count(),
            list(Endpoint.objects.order_by("pk").values_list("pk", "status", "target_instances", "monthly_budget_usd",
                                                             "delete_requested_at", "name")),
            list(ScaleIntent.objects.values_list("pk")),
            list(EndpointSchedule.objects.order_by("pk").values_list("pk", "enabled", "instances")),
            list(ProviderAccount.objects.order_by("pk").values_list("pk", "label", "token_ciphertext", "base_url",
                                                                    "concurrency_cap")),
            list(Membership.objects.order_by("pk").values_list("pk", "role", "monthly_job_limit",
                                                               "monthly_credit_limit")),
            list(Invitation.objects.order_by("pk").values_list("pk", "revoked_at", "accepted_at")),
            list(Workspace.objects.order_by("pk").values_list("pk", "name", "webhook_url")),
            AuditEntry.objects.count(),
            list(CatalogueEntry.objects.order_by("pk").values_list("pk", "document", "enabled")),
            CatalogueChange.objects.count()]


def _crawl_refusals(client, owned, role, method):
    """Routes that answered something else than 403 (or 405 for a method the route does not take) where
    `role` is below what the route needs."""
    wrong = []
    for route in ROUTES:
        if str(route) in PERSONAL or route.is_public or _may(role, _needs(route, method)):
            continue
        url = route.url(owned)
        if method == "POST":
            status = client.post(url, _data(route, owned), HTTP_HX_REQUEST="true").status_code
        else:
            status = client.get(url, HTTP_HX_REQUEST="true").status_code
        if status not in (403, 405):
            wrong.append(f"{method} {route}: {status}")
    return wrong


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER, Role.ADMIN])
def test_each_role_is_refused_every_request_above_it_and_nothing_changes_or_reaches_a_provider(
        role, teammates, owned, on_secret_sandbox):
    before, calls_before = _state(), on_secret_sandbox.calls()
    wrong = _crawl_refusals(teammates[role], owned, role, "POST") + _crawl_refusals(teammates[role], owned, role, "GET")
    assert wrong == [], "\n".join(wrong)
    assert _state() == before
    assert on_secret_sandbox.calls() == calls_before


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER, Role.ADMIN])
def test_each_role_reads_every_page_its_role_may_see(role, teammates, owned):
    refused = []
    for route in ROUTES:
        if route.is_public or str(route).startswith(OWNERS_ALONE) or not _may(role, _needs(route, "GET")):
            continue
        status = teammates[role].get(route.url(owned)).status_code
        if status in (403, 404) or status >= 500:
            refused.append(f"{route}: {status}")
    assert refused == [], "\n".join(refused)


def test_only_staff_change_the_catalogue_whatever_their_role_and_everyone_reads_it(owner, owned, admin, teammates):
    """The workspace's owner is not staff: refused every Models page change; the console's administrator is not."""
    staff_routes = [route for route in ROUTES if str(route) in STAFF_ONLY]
    assert len(staff_routes) == len(STAFF_ONLY), "a STAFF_ONLY route is no longer served"
    workspace_owner, staff = Client(), Client()
    workspace_owner.force_login(owner)
    staff.force_login(admin)
    before = _state()
    for route in staff_routes:
        url = route.url(owned)
        for answer in (workspace_owner.get(url), workspace_owner.post(url, {"enabled": "no"})):
            assert answer.status_code == 403, route
            assert "Only the console's administrators change the catalogue" in answer.content.decode()
        assert staff.get(url).status_code == 200, route
    assert _state() == before
    model_page = f"/jobs/models/{owned['catalogue_model']}/"
    assert all("Crawled model" in client.get(model_page).content.decode() for client in teammates.values())


def test_a_removed_member_is_refused_on_their_next_request(owner, teammates, owned):
    member = teammates[Role.MEMBER]
    assert "a lighthouse" in member.get(f"/jobs/{owned['job']}/").content.decode()
    remove_member(Membership.objects.get(user__username="member-mate", workspace=personal_workspace(owner)), actor=owner)
    assert member.get(f"/jobs/{owned['job']}/").status_code == 404
    assert member.post(f"/endpoints/{owned['endpoint']}/scale/", {"instances": 2}).status_code == 404
    assert not ScaleIntent.objects.exists()


def test_a_form_value_naming_another_workspaces_object_is_refused(teammates, owned, other, on_secret_sandbox):
    """Bob's account and output live in his own workspace; a member of Alice's names them in her forms."""
    member = teammates[Role.MEMBER]
    bobs_account = personal_workspace(other).provider_accounts.get(provider="netmind")
    calls_before, jobs_before = on_secret_sandbox.calls(), Job.objects.count()

    job_form = member.post("/jobs/new/", {"model": "Qwen/Qwen-Image", "prompt": "forged",
                                          "account": bobs_account.pk, "image_size": "square"})
    assert job_form.status_code in (400, 422) and "valid choice" in job_form.content.decode()
    endpoint_form = teammates[Role.ADMIN].post("/endpoints/new/", {"account": bobs_account.uuid, "name": "forged",
                                                                    "instances": 1, "gpus_per_instance": 1})
    assert endpoint_form.status_code in (400, 422)
    assert Job.objects.count() == jobs_before and not Endpoint.objects.filter(name="forged").exists()
    assert on_secret_sandbox.calls() == calls_before
