"""Run inside the live console (LiveConsole.call): one of every kind of object in a user's personal workspace,
made for real as tests/security/conftest.py makes them for the role crawl, so every page with a parameter has an
object to show. Fresh objects on every call: the accessibility crawl does not depend on what other journeys left.
"""

import datetime
import uuid

from django.contrib.auth import get_user_model

from endpoints import flavors as endpoint_flavors
from endpoints.models import EndpointSchedule, Flavor
from jobs import catalogue, submission
from netmind_console.api.keys import create_key
from netmind_console.workspaces import invitations
from netmind_console.workspaces.roles import Role
from netmind_console.workspaces.services import add_member, personal_workspace
from tests.endpoints.conftest import create_endpoint
from tests.fixtures.console import wait_until_final
from tests.security.conftest import _give_a_first_frame, _started_batch, added_catalogue_model


def one_of_everything(username: str) -> dict:
    """Object kind -> what fills it in a URL (tests/security/crawl.py's names)."""
    owner = get_user_model().objects.get(username=username)
    workspace = personal_workspace(owner)
    account = workspace.provider_accounts.get(provider="netmind")
    spec = catalogue.get("Qwen/Qwen-Image")
    values = {**{f.name: f.default for f in spec.fields}, "prompt": "a lighthouse for the accessibility crawl",
              "account": account}
    job = wait_until_final(submission.create_job(owner, workspace, spec, values, compare_group=uuid.uuid4()))
    _give_a_first_frame(job)
    endpoint_flavors.refresh_flavors(account)
    endpoint = create_endpoint(owner, Flavor.objects.filter(available_num__gt=0).first(),
                               name=f"axe-{uuid.uuid4().hex[:6]}")
    schedule = EndpointSchedule.objects.create(endpoint=endpoint, weekdays="01234", start_time=datetime.time(9),
                                               end_time=datetime.time(17), instances=1)
    invitation, secret = invitations.create(workspace, role=Role.MEMBER, days=7, email="", actor=owner)
    viewer = get_user_model().objects.create_user(f"vera-{uuid.uuid4().hex[:6]}")
    add_member(workspace, viewer, Role.VIEWER, actor=owner)
    api_key, _secret = create_key(owner, workspace, f"axe key {uuid.uuid4().hex[:6]}", "write")
    batch = _started_batch(owner, workspace, account)
    added_model = added_catalogue_model(f"axe/model-{uuid.uuid4().hex[:6]}")
    return {"job": str(job.uuid), "output": str(job.outputs.get().uuid), "compare_group": str(job.compare_group),
            "endpoint": str(endpoint.uuid), "schedule": str(schedule.uuid), "account": str(account.uuid),
            "workspace": str(workspace.uuid), "invitation": str(invitation.uuid), "invitation_secret": secret,
            "member": viewer.username, "api_key": str(api_key.uuid), "batch": str(batch.uuid),
            "catalogue_model": added_model, "input_parameter": "image_url"}
