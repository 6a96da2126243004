"""POST /batches's body turned into the New batch form and its rows: the API makes a batch through the same
BatchForm and batches.make_draft as the page, so a value or a row the page refuses is refused here with the same
message (job_input.py reads the body and fills the form as for POST /jobs).

Rows are numbered by their place in `prompts` or `rows`, from 1, as the page numbers the lines of its text; a
refusal names the item as JSON indexes it, from 0: `rows[3]` is row 4. A value of the wrong JSON type, or a
parameter the model does not have, refuses the whole body (as POST /jobs does); a value out of its range refuses
its row, which `drop_refused` may leave out.
"""

from dataclasses import dataclass

from pydantic import ValidationError

from jobs import batches, catalogue
from jobs.api import job_input
from jobs.api.batch_schemas import BatchIn
from jobs.batch_input import IMAGE_COLUMN, MAX_BATCH_FILE_BYTES, InputRefused, RawRow, from_list
from jobs.forms import BatchForm
from jobs.parameter_schema import type_errors
from netmind_console.api import problems
from netmind_console.api.problems import ApiProblem

# As much text as a CSV of the page may hold, and a shared first frame as POST /jobs takes it.
MAX_BATCH_BODY_BYTES = job_input.MAX_JSON_BODY_BYTES + MAX_BATCH_FILE_BYTES
TOO_LARGE_ADVICE = "split the prompts into several batches"


@dataclass
class BatchRequest:
    body: BatchIn
    form: BatchForm  # valid
    rows: list[RawRow]

    @property
    def list_name(self) -> str:
        return "prompts" if self.body.prompts is not None else "rows"


def read(request, workspace) -> BatchRequest:
    """The body as a valid BatchForm and its rows, or an ApiProblem naming what is wrong (415, 413, 422)."""
    if request.content_type != "application/json":
        raise ApiProblem(415, "Send the batch as application/json.")
    fields = job_input.json_object(request, MAX_BATCH_BODY_BYTES, TOO_LARGE_ADVICE)
    try:
        body = BatchIn.model_validate(fields)
    except ValidationError as error:
        raise problems.invalid([{"field": _field(e["loc"]), "message": e["msg"]} for e in error.errors()]) from None
    spec = catalogue.submittable(body.model)
    if spec is None:
        raise problems.invalid([{"field": "model", "message": f"Unknown model “{body.model[:80]}”: see GET /models."}])
    if errors := _shape_errors(spec, body):
        raise problems.invalid(errors)
    form = _form(spec, body, workspace)
    if not form.is_valid():
        raise job_input.invalid(form)
    batch_request = BatchRequest(body, form, [])
    try:
        batch_request.rows = from_list(_items(body), form.cleaned_data["seeds"])
    except InputRefused as refusal:
        raise problems.invalid([{"field": batch_request.list_name, "message": str(refusal)}]) from None
    return batch_request


def refused_rows(batch_request: BatchRequest, refusal: batches.RowsRefused) -> ApiProblem:
    """422 naming each refused row's item (`prompts[4]`) with the reason, which says its row number."""
    name = batch_request.list_name
    return problems.invalid([{"field": f"{name}[{entry['row'] - 1}]", "message": entry["reason"]}
                             for entry in refusal.refused])


def _field(location) -> str:
    """Pydantic's location as the body spells it: ("rows", 3, "prompt") is `rows[3].prompt`."""
    spelled = ""
    for part in location:
        spelled += f"[{part}]" if isinstance(part, int) else f".{part}" if spelled else str(part)
    return spelled or "body"


def _shape_errors(spec: catalogue.ModelSpec, body: BatchIn) -> list[dict]:
    """What no row could fix: the lists, and values of the wrong JSON type or names the model does not know."""
    if (body.prompts is None) == (body.rows is None):
        return [{"field": "prompts", "message": "Send the prompts as `prompts` (texts) or as `rows` (a prompt and "
                                                "its own parameters each): one of the two."}]
    errors = type_errors(spec, body.parameters)
    prompts = body.prompts if body.prompts is not None else [row.prompt for row in body.rows]
    if not any(prompt.strip() for prompt in prompts):
        errors.append({"field": "prompts" if body.prompts is not None else "rows",
                       "message": "Enter at least one prompt."})
    for index, row in enumerate(body.rows or []):
        errors += [{**error, "field": f"rows[{index}].{error['field']}"} for error in _row_type_errors(spec, row)]
    return errors


def _row_type_errors(spec: catalogue.ModelSpec, row) -> list[dict]:
    columns = batches.columns_for(spec)
    unknown = [name for name in row.parameters if name not in columns]
    errors = [{"field": f"parameters.{name}", "message": f"{spec.label} takes no “{name[:40]}” per row; a row's "
                                                         f"parameters: {', '.join(columns) or 'none'}."}
              for name in unknown]
    image = row.parameters.get(IMAGE_COLUMN)
    if image is not None and not isinstance(image, str):
        errors.append({"field": f"parameters.{IMAGE_COLUMN}", "message": "Must be of type string: the id of an image "
                                                                         "in the gallery."})
    typed = {name: value for name, value in row.parameters.items() if name in columns and name != IMAGE_COLUMN}
    return errors + type_errors(spec, typed)


def _form(spec: catalogue.ModelSpec, body: BatchIn, workspace) -> BatchForm:
    """The New batch form as the page posts it. Its prompts field holds the prompts (it needs them, or a file),
    one per line; the rows themselves come from the body's list, so a prompt may hold a line break."""
    prompts = body.prompts if body.prompts is not None else [row.prompt for row in body.rows]
    data = {**job_input.form_data(spec, body.parameters, body.account, workspace),
            "prompts": "\n".join(prompts), "seeds": body.seeds, "drop_refused": body.drop_refused}
    image = job_input.decoded_image(body.image) if body.image is not None else None
    return job_input.accounts_by_uuid(BatchForm(data, job_input.image_files(image), spec=spec, workspace=workspace))


def _items(body: BatchIn) -> list[tuple[str, dict[str, str]]]:
    if body.prompts is not None:
        return [(prompt, {}) for prompt in body.prompts]
    return [(row.prompt, _cells(row.parameters)) for row in body.rows]


def _cells(parameters: dict) -> dict[str, str]:
    """A row's values as a CSV's cells (text: the row checks read them as the page's do); null is no value."""
    return {name: _text(value) for name, value in parameters.items() if value is not None}


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
