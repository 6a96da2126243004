"""Version 1 of the HTTP API: one NinjaAPI, its errors as problem+json, and where its operations come from.

The apps' routers are mounted by dotted path (as urls.py includes their URLconfs), so this package imports
neither jobs nor endpoints. Every operation needs a key (auth.KeyBearer).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from netmind_console.api.auth import KeyBearer
from netmind_console.api.problems import (
    PROBLEM_TYPE,
    TITLES,
    ApiProblem,
    invalid,
    problem_response,
    validation_errors,
)

# What any operation may answer besides its own success: documented once for all of them, so the document
# stays true when a check (auth, scope, rate limit, role) answers before the operation runs.
COMMON_PROBLEMS = (400, 401, 403, 404, 422, 429)


class ConsoleAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(_problem_schemas())
        for operations in schema["paths"].values():
            for operation in operations.values():
                _document_problems(operation)
        return schema


def _problem_schemas() -> dict:
    from netmind_console.api.problems import Problem

    definition = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    return {**definition.pop("$defs", {}), "Problem": definition}


def _document_problems(operation: dict):
    responses = operation.setdefault("responses", {})
    for status in sorted({*COMMON_PROBLEMS, *(int(code) for code in responses if str(code).startswith("4"))}):
        documented = responses.get(str(status)) or responses.get(status) or {}
        responses.pop(status, None)
        responses[str(status)] = {
            "description": documented.get("description") or TITLES.get(status, "Error"),
            "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }


api = ConsoleAPI(
    title="NetMind Console API", version="1",
    description="Jobs, outputs and endpoints of one workspace, with a key from Settings → API keys.",
    auth=KeyBearer(), urls_namespace="api", docs_url=None,
)


@api.exception_handler(ApiProblem)
def _problem(request, error: ApiProblem):
    return problem_response(error.status, error.detail, error.errors, error.headers)


@api.exception_handler(ValidationError)
def _invalid(request, error: ValidationError):
    return _problem(request, invalid(validation_errors(error.errors)))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, error):
    return problem_response(401, "Send an API key: Authorization: Bearer <key> (Settings → API keys).",
                            headers={"WWW-Authenticate": "Bearer"})


@api.exception_handler(Http404)
def _not_found(request, error):
    return problem_response(404, str(error) or "Nothing here.")


@api.exception_handler(PermissionDenied)
def _forbidden(request, error):
    return problem_response(403, str(error) or "Your role does not allow this.")


@api.exception_handler(HttpError)
def _http_error(request, error: HttpError):
    return problem_response(error.status_code, str(error))


api.add_router("", "jobs.api.router")
api.add_router("", "jobs.api.batches_api.router")
api.add_router("", "endpoints.api.router")
