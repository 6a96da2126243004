"""Files: register, upload to the pre-signed link, list, get, link, delete — against the sandbox."""

import pytest
import requests

from netmind_console.clients import InvalidRequest, NotFound

pytestmark = pytest.mark.usefixtures("schema")


def test_an_uploaded_file_can_be_listed_fetched_linked_and_deleted(netmind):
    upload = netmind.upload_file("first frame.png", "inference", b"\x89PNG fake image bytes")

    assert upload.id.startswith("file-")
    remote = netmind.get_file(upload.id)
    assert (remote.file_name, remote.purpose, remote.size, remote.status) == (
        "first frame.png",
        "inference",
        21,
        "uploaded",
    )
    assert upload.id in {item.id for item in netmind.list_files()}
    assert requests.get(netmind.get_file_presigned_url(upload.id), timeout=5).content == b"\x89PNG fake image bytes"

    netmind.delete_file(upload.id)

    with pytest.raises(NotFound):
        netmind.get_file(upload.id)


def test_a_created_file_waits_for_its_bytes(netmind):
    upload = netmind.create_file("later.wav", "inference")

    assert netmind.get_file(upload.id).status == "pending"


def test_the_upload_carries_no_bearer_token_so_a_refused_link_is_not_a_token_problem(netmind):
    upload = netmind.create_file("a.png", "inference")
    tampered = upload.presigned_url.replace("X-Amz-Signature=", "X-Amz-Signature=0")

    with pytest.raises(InvalidRequest) as caught:
        netmind.upload_file_bytes(tampered, b"bytes")

    assert caught.value.status_code == 403
    assert "expired" in caught.value.user_message
