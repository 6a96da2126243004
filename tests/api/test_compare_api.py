"""POST /compare: one prompt to several models, as the Compare page, all of the jobs or none."""

from jobs.models import Job
from netmind_console.workspaces.roles import Role
from netmind_console.workspaces.services import set_limits
from tests.fixtures.teams import join

from .conftest import api_as, problem

PAIR = ["Qwen/Qwen-Image", "apinfer/qwen-image"]


def test_a_comparison_makes_one_job_per_model_in_one_group(api, console_on_sandbox):
    response = api.post("/compare", {"prompt": "a fox in snow", "models": PAIR})

    assert response.status_code == 201
    body = response.json()
    assert [job["model"] for job in body["jobs"]] == PAIR
    assert all(job["prompt"] == "a fox in snow" for job in body["jobs"])
    assert {str(job.compare_group) for job in Job.objects.all()} == {body["group"]}
    assert console_on_sandbox.calls() == {"POST /v1/generation": 1, "POST /api/v1/generate-image": 1}


def test_the_compare_forms_refusals_name_models(api):
    for models, message in [(["Qwen/Qwen-Image"], "at least two models"),
                            (["Qwen/Qwen-Image", "apinfer/wan2.2"], "not one of the available choices")]:
        response = api.post("/compare", {"prompt": "a fox", "models": models})
        assert response.status_code == 422 and message in problem(response)["errors"][0]["message"]
        assert problem(response)["errors"][0]["field"] == "models"
    assert not Job.objects.exists()


def test_a_model_whose_provider_has_no_account_is_named(owner, studio):
    studio.provider_accounts.filter(provider="apinfer").delete()
    response = api_as(owner, studio).post("/compare", {"prompt": "a fox", "models": PAIR})
    assert response.status_code == 422
    assert problem(response)["errors"] == [{"field": "models", "message": "Add a provider account first for: "
                                                                          "Apinfer Qwen Image."}]
    assert not Job.objects.exists()


def test_a_comparison_past_a_members_limit_is_refused_whole(owner, other, studio):
    join(studio, other, Role.MEMBER)
    set_limits(studio.memberships.get(user=other), jobs=1, credits=None, actor=owner)

    response = api_as(other, studio).post("/compare", {"prompt": "a fox", "models": PAIR})

    assert response.status_code == 429 and "limit of 1 job this month" in problem(response)["detail"]
    assert response["Retry-After"].endswith("GMT")
    assert not Job.objects.exists()


def test_a_viewers_key_and_a_read_key_cannot_compare(owner, other, studio, read_api):
    join(studio, other, Role.VIEWER)
    assert api_as(other, studio).post("/compare", {"prompt": "a fox", "models": PAIR}).status_code == 403
    assert read_api.post("/compare", {"prompt": "a fox", "models": PAIR}).status_code == 403
    assert not Job.objects.exists()
