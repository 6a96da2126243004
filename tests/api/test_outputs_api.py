"""GET /outputs/{uuid}/file: the archived file as the gallery serves it, byte ranges and ETag included."""

import hashlib

import pytest

from jobs.models import ArchiveState
from tests.fixtures.console import wait_until_final
from tests.jobs.team import team_job
from tests.jobs.test_lifecycle import new_job

from .conftest import api_as, problem


@pytest.fixture
def archived(owner):
    """A real result: the sandbox's image of a finished job, copied into the archive."""
    [output] = wait_until_final(new_job(owner)).outputs.all()
    assert output.archive_state == ArchiveState.ARCHIVED
    return output


def file_url(output) -> str:
    return f"/outputs/{output.uuid}/file"


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_file_comes_whole_with_its_type_and_sha256_as_etag(api, archived):
    response = api.get(file_url(archived))

    assert response.status_code == 200 and response["Content-Type"] == archived.content_type
    data = content(response)
    assert hashlib.sha256(data).hexdigest() == archived.sha256 and len(data) == archived.size
    assert response["ETag"] == f'"{archived.sha256}"' and response["Accept-Ranges"] == "bytes"


def test_a_range_gets_206_with_those_bytes(api, archived):
    whole = content(api.get(file_url(archived)))
    response = api.get(file_url(archived), headers={"Range": "bytes=10-99"})
    assert response.status_code == 206 and content(response) == whole[10:100]
    assert response["Content-Range"] == f"bytes 10-99/{archived.size}"


def test_a_copy_with_the_same_etag_gets_304(api, archived):
    response = api.get(file_url(archived), headers={"If-None-Match": f'"{archived.sha256}"'})
    assert response.status_code == 304 and response.content == b""


def test_a_range_past_the_end_is_a_416_problem(api, archived):
    response = api.get(file_url(archived), headers={"Range": f"bytes={archived.size + 10}-"})
    assert response.status_code == 416 and response["Content-Range"] == f"bytes */{archived.size}"
    assert "not within the file" in problem(response)["detail"]


def test_an_output_not_archived_yet_is_404_saying_so(api, archived):
    archived.__class__.objects.filter(pk=archived.pk).update(archive_state=ArchiveState.PENDING)
    response = api.get(file_url(archived))
    assert response.status_code == 404 and problem(response)["detail"] == "This output has no local copy yet."


def test_an_output_of_another_workspace_is_404_even_to_a_member_there(owner, studio):
    [output] = wait_until_final(team_job(studio, owner)).outputs.all()
    assert api_as(owner, studio).get(file_url(output)).status_code == 200
    response = api_as(owner).get(file_url(output))
    assert response.status_code == 404 and problem(response)
