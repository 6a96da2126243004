"""Jobs over the API: create (the New job form's rules, an Idempotency-Key for retries), list, read, delete.

Every operation acts in the key's workspace (auth.KeyBearer); a job of another workspace is a 404, even to a
user who belongs there too.
"""

from uuid import UUID

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils.http import http_date
from ninja import Header, Query, Router, Status

from jobs import history, limits, selectors, submission, sync
from jobs.api import answers, job_input
from jobs.api.schemas import DeletedJob, JobIn, JobOut, JobPage
from jobs.forms import BadCursor, JobFilterForm, cursor_for, parse_cursor
from jobs.permissions import deletable_job, job_for
from netmind_console.api.problems import ApiProblem, Problem, invalid_form
from netmind_console.workspaces import access
from netmind_console.workspaces.roles import Role

router = Router(tags=["jobs"])

MAX_IDEMPOTENCY_KEY = 64  # the submission key's column
IdempotencyKey = Header[str | None, {
    "alias": "Idempotency-Key", "max_length": MAX_IDEMPOTENCY_KEY,
    "description": "Sent again with the same request, it returns the job the first one made (200), never a second."}]
REPLAYED = "Idempotent-Replayed"


def _multipart_schema() -> dict:
    """The JSON body's fields as form fields: `parameters` is JSON text, `image` a file."""
    schema = JobIn.model_json_schema()
    properties = {name: prop for name, prop in schema["properties"].items() if name not in ("parameters", "image")}
    properties["account"] = {"type": "string", "format": "uuid", "description": schema["properties"]["account"]
                             ["description"]}
    properties["parameters"] = {"type": "string", "contentMediaType": "application/json",
                                "description": "The model's parameters as a JSON object (GET /models)."}
    properties["image"] = {"type": "string", "format": "binary", "description": "The first frame: PNG or JPEG."}
    return {"type": "object", "properties": properties, "required": schema["required"]}


CREATE_DOCUMENTATION = {
    "requestBody": {"required": True, "content": {
        "application/json": {"schema": JobIn.model_json_schema()},
        "multipart/form-data": {"schema": _multipart_schema()},
    }},
    "responses": {
        200: {"description": "A repeat of an earlier request with this Idempotency-Key: the job it made.",
                "headers": {REPLAYED: {"required": True, "schema": {"type": "string", "enum": ["true"]}}}},
        201: {"description": "The new job, saved and on its way to the provider."},
    },
}


@router.post("/jobs", response={200: JobOut, 201: JobOut, 409: Problem, 413: Problem, 415: Problem},
             summary="Submit a job", openapi_extra=CREATE_DOCUMENTATION,
             description="As the New job page: the model's parameters are checked as the form checks them. A "
                         "member at a monthly limit gets 429 with Retry-After (the first of next month, UTC).")
def create_job(request, response: HttpResponse, idempotency_key: IdempotencyKey = None):
    workspace = access.require(request, Role.MEMBER)
    job_request = job_input.read(request)
    form = job_input.form(job_request, workspace)
    if not form.is_valid():
        raise job_input.invalid(form)
    try:
        job, created = submission.create_job_once(request.user, workspace, job_request.spec, form.cleaned_data,
                                                  idempotency_key or "")
    except limits.MemberLimitReached as refusal:
        raise limit_reached(refusal) from None
    if job.workspace_id != workspace.pk:  # the key is the user's, across workspaces: never show the other one
        raise ApiProblem(409, "This Idempotency-Key was used for a job in another workspace; send a new one.")
    if not created:
        response[REPLAYED] = "true"
    return Status(201 if created else 200, answers.detail(job_for(request, job.uuid)))


def limit_reached(refusal: limits.MemberLimitReached) -> ApiProblem:
    """429 until the limits reset, the first of next month (UTC)."""
    return ApiProblem(429, str(refusal), headers={"Retry-After": http_date(limits.next_reset().timestamp())})


@router.get("/jobs", response=JobPage, summary="The workspace's jobs, newest first")
def list_jobs(request, state: Query[str | None, {"description": "A state, or `active` for any unfinished one."}]
              = None, model: Query[str | None, {"description": "A catalogue key (GET /models)."}] = None,
              provider: Query[str | None, {"description": "netmind or apinfer."}] = None,
              q: Query[str | None, {"description": "Text the prompt contains."}] = None,
              limit: Query[int, {"ge": 1, "le": 100}] = 25,
              cursor: Query[str | None, {"description": "`next_cursor` of the previous page."}] = None):
    filters = JobFilterForm({"state": state or "", "model": model or "", "provider": provider or "", "q": q or ""})
    if not filters.is_valid():
        raise invalid_form(filters)
    jobs = selectors.jobs_for(access.current_workspace(request), filters.cleaned_data).order_by("-created_at", "-id")
    # Outputs as a plain list per job: a prefetch into the related manager builds a queryset per job (a third
    # of a 100-job page's time).
    jobs = jobs.prefetch_related(None).prefetch_related(Prefetch("outputs", to_attr="listed_outputs"))
    if cursor:
        jobs = selectors.after_position(jobs, cursor_position(cursor))
    page = list(jobs[: limit + 1])
    return {"items": [answers.summary(job, job.listed_outputs) for job in page[:limit]],
            "next_cursor": cursor_for(page[limit - 1]) if len(page) > limit else None}


def cursor_position(cursor: str):
    """A list's `cursor` as the keyset position it names (created_at, id), or 422 naming the field."""
    try:
        return parse_cursor(cursor)
    except BadCursor:
        raise ApiProblem(422, "cursor: not a position this list gave; pass the previous page's next_cursor.",
                         [{"field": "cursor", "message": "Not a position this list gave."}]) from None


@router.get("/jobs/{uuid}", response=JobOut, summary="A job: state, progress, timeline, error and outputs")
def get_job(request, uuid: UUID):
    job = job_for(request, uuid)
    sync.request_sync_if_stale(job)  # as the job's page does: a script polling here sees progress
    return answers.detail(job)


@router.delete("/jobs/{uuid}", response=DeletedJob, summary="Delete a job, its files and the provider's copy",
               description="A member deletes the jobs they submitted; someone else's needs an admin.")
def delete_job(request, uuid: UUID):
    job = deletable_job(request, uuid)
    note = history.delete_job(job, actor=request.user, request=request)
    return {"uuid": uuid, "note": note}
