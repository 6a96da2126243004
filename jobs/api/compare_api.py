"""POST /compare: one prompt to several models, as the Compare page (jobs/comparison.py)."""

from django.utils.http import http_date
from ninja import Router, Status

from jobs import comparison, limits
from jobs.api import answers
from jobs.api.schemas import CompareIn, CompareOut
from jobs.forms import CompareForm
from jobs.models import Job
from netmind_console.api.problems import ApiProblem, invalid_form
from netmind_console.workspaces import access
from netmind_console.workspaces.roles import Role

router = Router(tags=["jobs"])


@router.post("/compare", response={201: CompareOut}, summary="One prompt to several models",
             description="Each model's job with its default settings, all of them or none (at a member's monthly "
                         "limit, 429 and no job). Models that need an image cannot be compared.")
def compare(request, payload: CompareIn):
    workspace = access.require(request, Role.MEMBER)
    form = CompareForm({"prompt": payload.prompt, "models": payload.models})
    if not form.is_valid():
        raise invalid_form(form)
    try:
        group = comparison.submit(request.user, workspace, form.cleaned_data["models"], form.cleaned_data["prompt"])
    except comparison.MissingAccounts as refusal:
        raise ApiProblem(422, str(refusal), [{"field": "models", "message": str(refusal)}]) from None
    except limits.MemberLimitReached as refusal:
        raise ApiProblem(429, str(refusal), headers={"Retry-After": http_date(limits.next_reset().timestamp())}) \
            from None
    jobs = Job.objects.filter(workspace=workspace, compare_group=group).select_related("owner").order_by("id")
    return Status(201, {"group": group, "jobs": [answers.summary(job, outputs=[]) for job in jobs]})
