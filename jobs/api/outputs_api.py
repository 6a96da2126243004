"""An output's archived file, as the gallery serves it: byte ranges (206) and its sha256 as ETag (304)."""

from uuid import UUID

from ninja import Router

from jobs.gallery_views import archived_file
from jobs.permissions import output_for
from netmind_console.api.problems import Problem, problem_response

router = Router(tags=["outputs"])

FILE = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
FILE_DOCUMENTATION = {
    "parameters": [
        {"in": "header", "name": "Range", "required": False, "schema": {"type": "string"},
         "description": "One byte range, e.g. `bytes=0-1023`."},
        {"in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"},
         "description": "The ETag of a copy you have: 304 when it is this file."},
    ],
    "responses": {
        200: {"description": "The whole file, in its own media type.", "content": FILE},
        206: {"description": "The range asked for.", "content": FILE},
        304: {"description": "Your copy is this file."},
    },
}


@router.get("/outputs/{uuid}/file", response={200: None, 206: None, 304: None, 416: Problem}, url_name="output_file",
            summary="An output's archived file", openapi_extra=FILE_DOCUMENTATION,
            description="404 while the output is not archived yet (its job's `file_url` is null until then).")
def output_file(request, uuid: UUID):
    served = archived_file(request, output_for(request, uuid))
    if served.status_code == 416:  # a refusal, so a problem like every other one of the API
        return problem_response(416, f"The range is not within the file ({served['Content-Range']}).",
                                headers={"Content-Range": served["Content-Range"]})
    return served
