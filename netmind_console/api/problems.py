"""Errors as `application/problem+json` (RFC 9457): a title for the status, a detail a person can act on, and
for bad input the fields at fault. Every refusal of the API goes through `problem_response`."""

from django.http import JsonResponse
from ninja import Schema

PROBLEM_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
}


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] = []


class ApiProblem(Exception):
    """Raised anywhere below an API operation; the API turns it into a problem response."""

    def __init__(self, status: int, detail: str, errors=None, headers=None):
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers = status, detail, errors or [], headers or {}


def problem_response(status: int, detail: str, errors=None, headers=None) -> JsonResponse:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status, "detail": detail,
            "errors": errors or []}
    response = JsonResponse(body, status=status, content_type=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def form_errors(form) -> list[dict]:
    """A Django form's errors as the problem's field list ("" for errors of the whole form)."""
    return [{"field": "" if field == "__all__" else field, "message": message}
            for field, messages in form.errors.items() for message in messages]


def invalid(errors: list[dict]) -> ApiProblem:
    """422 with these field errors, and a detail that names each of them."""
    detail = "; ".join(f"{e['field'] or 'input'}: {e['message']}" for e in errors)[:500]
    return ApiProblem(422, detail or "The input is not valid.", errors)


def invalid_form(form) -> ApiProblem:
    return invalid(form_errors(form))


def validation_errors(errors: list[dict]) -> list[dict]:
    """Pydantic's errors as fields: `("body", "payload", "prompt")` is `prompt`, `("query", "state")` is `state`."""
    fields = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        if location[:1] == ["body"]:
            location = location[2:]
        elif location[:1] in (["query"], ["path"], ["header"]):
            location = location[1:]
        fields.append({"field": ".".join(location), "message": str(error.get("msg", "is not valid"))})
    return fields
