"""NetMind's official Python SDK (`netmind` on PyPI, a test-only dependency) drives the sandbox's Files API: the
sandbox answers the shapes a real client expects (its pydantic types, netmind/types/files.py)."""

import openai
import pytest
import requests
from netmind import NetMind
from netmind.types.files import FileObject, FilePurpose


@pytest.fixture
def sdk(sandbox):
    # The SDK joins its own paths ("/v1/files") to the bare base URL.
    return NetMind(api_key=sandbox.account_token("sdk-files-test"), base_url=sandbox.url, max_retries=0)


def test_the_sdk_creates_retrieves_lists_links_and_deletes_a_file(sdk, tmp_path):
    clip = tmp_path / "clip one.wav"
    clip.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 8)

    created = sdk.files.create(clip, purpose=FilePurpose.inference)

    assert created.id.startswith("file-")
    retrieved = sdk.files.retrieve(created.id)
    assert isinstance(retrieved, FileObject)
    size = clip.stat().st_size
    assert (retrieved.file_name, retrieved.purpose, retrieved.bytes) == ("clip_one.wav", "inference", size)
    assert isinstance(retrieved.created_at, int)
    assert created.id in [listed.id for listed in sdk.files.list()]

    link = sdk.files.retrieve_url(created.id)
    download = requests.get(str(link.presigned_url), timeout=10)
    assert download.content == clip.read_bytes()
    assert download.headers["Content-Type"] == "audio/x-wav"  # as the SDK named it (filetype's guess) when uploading

    assert sdk.files.delete(created.id) is None
    with pytest.raises(openai.NotFoundError):
        sdk.files.retrieve(created.id)
    assert created.id not in [listed.id for listed in sdk.files.list()]
    assert requests.get(str(link.presigned_url), timeout=10).status_code == 404  # the object went with the file
