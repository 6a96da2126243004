"""POST /jobs's body, as JSON or as multipart/form-data, turned into the New job form's data: the API submits
through the same JobForm as the page, so a value the page refuses is refused here with the same message.

The answer's field names are the body's: `parameters.steps`, `parameters.seed`, `image`, never the form's own.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParserError
from pydantic import ValidationError

from jobs import catalogue
from jobs.api.schemas import JobIn
from jobs.forms import MAX_CONFIG_CHARS, MAX_INPUT_IMAGE_BYTES, JobForm
from jobs.parameter_schema import type_errors
from netmind_console.accounts.models import Provider
from netmind_console.api import problems
from netmind_console.api.problems import ApiProblem, form_errors
from netmind_console.core.json_input import parse_json_field

# A 10 MB first frame is 13.4 MB as base64; the rest of a body is small.
MAX_JSON_BODY_BYTES = MAX_INPUT_IMAGE_BYTES * 4 // 3 + 1024 * 1024
# A data URL with base64 content; the media type is the image format's claim, the bytes decide (JobForm).
_DATA_URL = re.compile(r"data:(?:[\w.+-]+/[\w.+-]+)?(?:;[\w.+-]+=[\w.+-]+)*;base64,([A-Za-z0-9+/=\s]*)", re.DOTALL)


@dataclass
class JobRequest:
    spec: catalogue.ModelSpec
    body: JobIn
    image: object | None  # an uploaded file: the multipart part, or the data URL's bytes


def read(request) -> JobRequest:
    """The body as a JobRequest, or an ApiProblem naming what is wrong with it (415, 413, 422)."""
    if request.content_type == "application/json":
        fields, image = _json_fields(request), None
    elif request.content_type == "multipart/form-data":
        fields, image = _multipart_fields(request)
    else:
        raise ApiProblem(415, "Send the job as application/json or multipart/form-data.")
    try:
        body = JobIn.model_validate(fields)
    except ValidationError as error:
        raise problems.invalid([{"field": ".".join(str(part) for part in e["loc"]) or "body", "message": e["msg"]}
                        for e in error.errors()]) from None
    spec = catalogue.get(body.model)
    if spec is None:
        raise problems.invalid([{"field": "model", "message": f"Unknown model “{body.model[:80]}”: see GET /models."}])
    if errors := type_errors(spec, body.parameters):
        raise problems.invalid(errors)
    if body.image is not None:
        image = _decoded(body.image)
    return JobRequest(spec, body, image)


def _json_fields(request) -> dict:
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_JSON_BODY_BYTES:
        raise _too_large()
    raw = request.read(MAX_JSON_BODY_BYTES + 1)  # the stream, not request.body: that stops at 2.5 MB
    if len(raw) > MAX_JSON_BODY_BYTES:
        raise _too_large()
    try:
        fields = parse_json_field(raw.decode(), name="The body", max_chars=MAX_JSON_BODY_BYTES)
    except UnicodeDecodeError:
        raise problems.invalid([{"field": "body", "message": "The body is not UTF-8."}]) from None
    except DjangoValidationError as error:
        raise problems.invalid([{"field": "body", "message": error.messages[0]}]) from None
    if not isinstance(fields, dict):
        raise problems.invalid([{"field": "body", "message": "The body must be a JSON object."}])
    return fields


def _multipart_fields(request) -> tuple[dict, object | None]:
    try:
        posted, files = request.POST, request.FILES
    except RequestDataTooBig:
        raise _too_large() from None
    except (SuspiciousOperation, MultiPartParserError) as error:
        raise ApiProblem(400, f"The multipart body could not be read: {str(error)[:200]}") from None
    fields = {name: posted[name] for name in ("model", "prompt", "account") if name in posted}
    if "parameters" in posted:
        try:
            fields["parameters"] = parse_json_field(posted["parameters"], name="Parameters",
                                                    max_chars=MAX_CONFIG_CHARS)
        except DjangoValidationError as error:
            raise problems.invalid([{"field": "parameters", "message": error.messages[0]}]) from None
    return fields, files.get("image")


def _decoded(data_url: str) -> SimpleUploadedFile:
    match = _DATA_URL.fullmatch(data_url)
    try:
        content = base64.b64decode(re.sub(r"\s", "", match.group(1)), validate=True) if match else None
    except (binascii.Error, ValueError):
        content = None
    if content is None:
        raise problems.invalid([{"field": "image", "message": "Send the image as a data URL: data:image/png;base64,…"}])
    return SimpleUploadedFile("image", content)


def form(job_request: JobRequest, workspace) -> JobForm:
    """The New job form filled with the request: parameters left out take the model's defaults (an unticked box
    is not an absent one here), a seed given means a fixed seed."""
    spec, body = job_request.spec, job_request.body
    parameters = dict(body.parameters)
    account = body.account or _default_account(workspace, spec)
    data = {"model": spec.key, "prompt": body.prompt, "account": str(account)}
    data.update({field.name: field.default for field in spec.fields})
    if spec.has_seed:
        seed = parameters.pop("seed", None)
        data.update(seed_mode="random" if seed is None else "fixed", seed=seed)
    if spec.key == catalogue.CUSTOM_KEY:
        data["config_json"] = json.dumps(parameters.pop("config", {}))
    data.update(parameters)
    files = {"image": job_request.image} if job_request.image is not None else {}
    job_form = JobForm(data, files, spec=spec, workspace=workspace)
    job_form.fields["account"].to_field_name = "uuid"  # the API names objects by UUID, as every URL does
    return job_form


def _default_account(workspace, spec):
    account = workspace.provider_accounts.filter(provider=spec.provider).first()
    if account is None:
        provider = Provider(spec.provider).label
        raise problems.invalid([{"field": "account", "message": f"{workspace.name} has no {provider} account: "
                                                        "add one in Settings."}])
    return account.uuid


# The form's field names as the body spells them.
_BODY_NAMES = {"model": "model", "prompt": "prompt", "account": "account", "image": "image",
               "seed_mode": "parameters.seed", "config_json": "parameters.config", "": ""}


def invalid(job_form: JobForm) -> ApiProblem:
    return problems.invalid([{"field": _BODY_NAMES.get(e["field"], f"parameters.{e['field']}"), "message": e["message"]}
                     for e in form_errors(job_form)])


def _too_large() -> ApiProblem:
    return ApiProblem(413, f"The body is larger than {MAX_JSON_BODY_BYTES // 2**20} MB; send a large image as "
                           "multipart/form-data.")
