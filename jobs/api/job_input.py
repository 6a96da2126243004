"""POST /jobs's body, as JSON or as multipart/form-data, turned into the New job form's data: the API submits
through the same JobForm as the page, so a value the page refuses is refused here with the same message.
POST /batches reads its body with the same helpers (jobs/api/batch_input.py).

The answer's field names are the body's: `parameters.steps`, `parameters.seed`, `image`, never the form's own.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass, field

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
from netmind_console.accounts.services import default_account
from netmind_console.api import problems
from netmind_console.api.problems import ApiProblem, form_errors
from netmind_console.core.json_input import parse_json_field

# A 10 MB first frame is 13.4 MB as base64; the rest of a body is small.
MAX_JSON_BODY_BYTES = MAX_INPUT_IMAGE_BYTES * 4 // 3 + 1024 * 1024
# A data URL with base64 content; the media type is the image format's claim, the bytes decide (JobForm).
LARGE_IMAGE_ADVICE = "send a large image as multipart/form-data"
_DATA_URL = re.compile(r"data:(?:[\w.+-]+/[\w.+-]+)?(?:;[\w.+-]+=[\w.+-]+)*;base64,([A-Za-z0-9+/=\s]*)", re.DOTALL)


@dataclass
class JobRequest:
    spec: catalogue.ModelSpec
    body: JobIn
    image: object | None  # an uploaded file: the multipart part, or the data URL's bytes
    files: dict = field(default_factory=dict)  # the model's file inputs by parameter name, as `image`


def read(request) -> JobRequest:
    """The body as a JobRequest, or an ApiProblem naming what is wrong with it (415, 413, 422)."""
    if request.content_type == "application/json":
        fields, image = json_object(request), None
    elif request.content_type == "multipart/form-data":
        fields, image = _multipart_fields(request)
    else:
        raise ApiProblem(415, "Send the job as application/json or multipart/form-data.")
    try:
        body = JobIn.model_validate(fields)
    except ValidationError as error:
        raise problems.invalid([{"field": ".".join(str(part) for part in e["loc"]) or "body", "message": e["msg"]}
                        for e in error.errors()]) from None
    spec = catalogue.submittable(body.model)
    if spec is None:
        raise problems.invalid([{"field": "model", "message": f"Unknown model “{body.model[:80]}”: see GET /models."}])
    _check_prompt(spec, body)
    if errors := type_errors(spec, body.parameters):
        raise problems.invalid(errors)
    if body.image is not None:
        image = decoded_image(body.image)
    return JobRequest(spec, body, image, _input_files(spec, body, request))


def _check_prompt(spec: catalogue.ModelSpec, body: JobIn):
    if spec.has_prompt and body.prompt is None:
        raise problems.invalid([{"field": "prompt", "message": "Field required"}])
    if not spec.has_prompt and body.prompt:
        raise problems.invalid([{"field": "prompt", "message": f"{spec.label} takes no prompt; leave it out."}])


def _input_files(spec: catalogue.ModelSpec, body: JobIn, request) -> dict:
    """The model's file inputs: each a data URL in `parameters` (taken out of them), or a multipart part of its name."""
    files = {}
    for spec_field in spec.file_fields:
        value = body.parameters.pop(spec_field.name, None)
        if value is not None:
            files[spec_field.name] = decoded_file(value, f"parameters.{spec_field.name}", spec_field.media)
        elif request.content_type == "multipart/form-data" and spec_field.name in request.FILES:
            files[spec_field.name] = request.FILES[spec_field.name]
    return files


def json_object(request, max_bytes: int = MAX_JSON_BODY_BYTES, advice: str = LARGE_IMAGE_ADVICE) -> dict:
    """The JSON body as a dict, or an ApiProblem: 413 past `max_bytes` (with `advice`), 422 if not an object."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > max_bytes:
        raise _too_large(max_bytes, advice)
    raw = request.read(max_bytes + 1)  # the stream, not request.body: that stops at 2.5 MB
    if len(raw) > max_bytes:
        raise _too_large(max_bytes, advice)
    try:
        fields = parse_json_field(raw.decode(), name="The body", max_chars=max_bytes)
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
        raise _too_large(MAX_JSON_BODY_BYTES, LARGE_IMAGE_ADVICE) from None
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


def decoded_image(data_url: str) -> SimpleUploadedFile:
    return decoded_file(data_url, "image", "image")


def decoded_file(data_url: str, field: str, media: str) -> SimpleUploadedFile:
    match = _DATA_URL.fullmatch(data_url)
    try:
        content = base64.b64decode(re.sub(r"\s", "", match.group(1)), validate=True) if match else None
    except (binascii.Error, ValueError):
        content = None
    if content is None:
        example = {"image": "image/png", "audio": "audio/wav", "video": "video/mp4"}[media]
        message = f"Send the {media} as a data URL: data:{example};base64,…"
        raise problems.invalid([{"field": field, "message": message}])
    return SimpleUploadedFile(field.rpartition(".")[2], content)


def form(job_request: JobRequest, workspace) -> JobForm:
    """The New job form filled with the request."""
    body = job_request.body
    data = {**form_data(job_request.spec, body.parameters, body.account, workspace), "prompt": body.prompt or ""}
    files = {**image_files(job_request.image), **job_request.files}
    return accounts_by_uuid(JobForm(data, files, spec=job_request.spec, workspace=workspace))


def form_data(spec: catalogue.ModelSpec, parameters: dict, account, workspace) -> dict:
    """A job form's data for the body's model, `parameters` and `account` (by default the workspace's default of
    the provider): parameters left out take the model's defaults (an unticked box is not an absent one here), a
    seed given means a fixed seed."""
    parameters = dict(parameters)
    data = {"model": spec.key, "account": str(account or _default_account(workspace, spec))}
    data.update({spec_field.name: spec_field.default for spec_field in spec.fields if spec_field.kind != "file"})
    if spec.has_seed:
        seed = parameters.pop("seed", None)
        data.update(seed_mode="random" if seed is None else "fixed", seed=seed)
    if spec.key == catalogue.CUSTOM_KEY:
        data["config_json"] = json.dumps(parameters.pop("config", {}))
    data.update(parameters)
    return data


def image_files(image) -> dict:
    return {"image": image} if image is not None else {}


def accounts_by_uuid(job_form: JobForm) -> JobForm:
    job_form.fields["account"].to_field_name = "uuid"  # the API names objects by UUID, as every URL does
    return job_form


def _default_account(workspace, spec):
    account = default_account(workspace, spec.provider)
    if account is None:
        provider = Provider(spec.provider).label
        raise problems.invalid([{"field": "account", "message": f"{workspace.name} has no {provider} account: "
                                                        "add one in Settings."}])
    return account.uuid


# The form's field names as the body spells them (a batch's own fields: POST /batches).
_BODY_NAMES = {"model": "model", "prompt": "prompt", "account": "account", "image": "image",
               "seed_mode": "parameters.seed", "config_json": "parameters.config", "": "",
               "prompts": "prompts", "seeds": "seeds", "drop_refused": "drop_refused"}


def invalid(job_form: JobForm) -> ApiProblem:
    return problems.invalid([{"field": _BODY_NAMES.get(e["field"], f"parameters.{e['field']}"), "message": e["message"]}
                     for e in form_errors(job_form)])


def _too_large(max_bytes: int, advice: str) -> ApiProblem:
    return ApiProblem(413, f"The body is larger than {max_bytes // 2**20} MB; {advice}.")
