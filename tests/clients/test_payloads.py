"""Inline base64 media is decoded to disk in chunks, never parsed into memory whole."""

import base64
import io
import json
import os

import pytest

from netmind_console.clients import payloads
from netmind_console.clients.errors import BadResponse
from netmind_console.clients.payloads import SpilledString

PNG_HEADER = b"\x89PNG\r\n\x1a\n"


def test_long_strings_are_spilled_and_short_ones_stay_inline(tmp_path):
    video = os.urandom(300_000)
    body = json.dumps(
        {"success": True, "data": {"status": "succeeded", "note": "caf\u00e9 \"q\"", "result": {
            "video": base64.b64encode(video).decode(), "seed": 5}}}
    )  # fmt: skip

    parsed = payloads.load_json_spilling_long_strings(io.StringIO(body), tmp_path)

    assert parsed["data"]["note"] == 'caf\u00e9 "q"'
    assert parsed["data"]["result"]["seed"] == 5
    spilled = parsed["data"]["result"]["video"]
    assert isinstance(spilled, SpilledString)
    path = payloads.decode_base64_to_file(spilled, tmp_path, "video")
    assert path.read_bytes() == video


def test_escaped_slashes_and_line_breaks_split_across_chunks_still_decode(tmp_path, monkeypatch):
    monkeypatch.setattr(payloads, "READ_CHUNK_CHARS", 7)  # every escape lands on a chunk boundary somewhere
    image = PNG_HEADER + os.urandom(20_000)
    encoded = base64.encodebytes(image).decode().replace("/", "\\/").replace("\n", "\\n")
    body = '{"data": {"images": ["' + encoded + '", "\\u0041"]}}'

    parsed = payloads.load_json_spilling_long_strings(io.StringIO(body), tmp_path)
    path = payloads.decode_base64_to_file(parsed["data"]["images"][0], tmp_path, "image-1")

    assert parsed["data"]["images"][1] == "A"
    assert path.name.startswith("image-1-") and path.suffix == ".png"
    assert path.read_bytes() == image


def test_a_data_url_is_decoded_too(tmp_path):
    image = PNG_HEADER + b"tiny"

    path = payloads.decode_base64_to_file(payloads_data_url(image), tmp_path, "image-1")

    assert path.read_bytes() == image


@pytest.mark.parametrize("body", ['{"a": "unterminated', "<html>502</html>", '{"a": "\\q"}'])
def test_broken_bodies_are_bad_responses(tmp_path, body):
    with pytest.raises(BadResponse):
        payloads.load_json_spilling_long_strings(io.StringIO(body), tmp_path)


def test_invalid_base64_is_a_bad_response_and_leaves_no_file(tmp_path):
    with pytest.raises(BadResponse):
        payloads.decode_base64_to_file("not*base64!", tmp_path, "image-1")

    assert list(tmp_path.iterdir()) == []


def payloads_data_url(data: bytes) -> str:
    return f"data:{payloads.media_type(data)};base64,{base64.b64encode(data).decode()}"
