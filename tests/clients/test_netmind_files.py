"""Files: register, upload to the pre-signed link, list, get, link, delete — against the sandbox."""

from urllib.parse import urlsplit

import pytest
import requests

from netmind_console.clients import BadResponse, InvalidRequest, NotFound

pytestmark = pytest.mark.usefixtures("schema")


@pytest.fixture
def sandbox_listed(sandbox):
    """The checks that let an upload reach the sandbox on loopback, as sandbox mode's MEDIA_INSECURE_HOSTS do."""
    return {"insecure_hosts": [urlsplit(sandbox.url).netloc]}


def test_an_uploaded_file_can_be_listed_fetched_linked_and_deleted(netmind, sandbox_listed):
    upload = netmind.upload_file("first frame.png", "inference", b"\x89PNG fake image bytes", "image/png",
                                 **sandbox_listed)

    assert upload.id.startswith("file-")
    remote = netmind.get_file(upload.id)
    assert (remote.file_name, remote.purpose, remote.size, remote.status) == (
        "first frame.png",
        "inference",
        21,
        "uploaded",
    )
    assert remote.created_at is not None
    assert upload.id in {item.id for item in netmind.list_files()}
    assert requests.get(netmind.get_file_presigned_url(upload.id), timeout=5).content == b"\x89PNG fake image bytes"

    netmind.delete_file(upload.id)

    with pytest.raises(NotFound):
        netmind.get_file(upload.id)


def test_a_file_is_streamed_from_an_open_file(netmind, sandbox_listed, tmp_path):
    path = tmp_path / "clip.wav"
    path.write_bytes(b"RIFF....WAVE" + bytes(range(256)) * 40)

    with path.open("rb") as data:
        upload = netmind.upload_file("clip.wav", "inference", data, "audio/wav", **sandbox_listed)

    assert requests.get(netmind.get_file_presigned_url(upload.id), timeout=5).content == path.read_bytes()


def test_a_created_file_waits_for_its_bytes(netmind):
    upload = netmind.create_file("later.wav", "inference")

    assert netmind.get_file(upload.id).status == "pending"


def test_the_upload_carries_no_bearer_token_so_a_refused_link_is_not_a_token_problem(netmind, sandbox_listed):
    upload = netmind.create_file("a.png", "inference")
    tampered = upload.presigned_url.replace("X-Amz-Signature=", "X-Amz-Signature=0")

    with pytest.raises(InvalidRequest) as caught:
        netmind.upload_file_bytes(tampered, b"bytes", **sandbox_listed)

    assert caught.value.status_code == 403
    assert "expired" in caught.value.user_message


def test_an_upload_link_to_a_loopback_host_is_refused_unless_listed(netmind, sandbox):
    """The link is the provider's word: it goes through the client for outside URLs, so a link to the console's own
    network (here, the sandbox on loopback, not listed) is never PUT to."""
    upload = netmind.create_file("a.png", "inference")

    with pytest.raises(BadResponse) as caught:
        netmind.upload_file_bytes(upload.presigned_url, b"bytes")

    assert "plain http" in caught.value.user_message
    assert netmind.get_file(upload.id).status == "pending"
