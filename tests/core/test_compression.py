"""Pages are sent gzipped to browsers that accept it; files (media, ZIPs, Range parts) and API JSON as they are."""

import gzip

import pytest
from django.http import FileResponse, HttpResponse, JsonResponse
from django.test import RequestFactory

from netmind_console.core.middleware import PagesGZipMiddleware
from tests.jobs.gallery_fixtures import console_setup  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_signed_in_page_comes_back_gzipped_and_smaller(owner_client):
    plain = owner_client.get("/jobs/new/")
    packed = owner_client.get("/jobs/new/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) < len(plain.content) / 2
    assert b"</html>" in gzip.decompress(packed.content)


def test_a_streamed_file_is_sent_as_it_is(tmp_path):
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00" * 4096)
    request = RequestFactory().get("/media/clip.mp4", HTTP_ACCEPT_ENCODING="gzip")

    response = PagesGZipMiddleware(lambda request: FileResponse(video.open("rb")))(request)

    assert "Content-Encoding" not in response and response["Content-Length"] == "4096"


def test_a_client_that_does_not_accept_gzip_gets_plain_html():
    request = RequestFactory().get("/jobs/")

    response = PagesGZipMiddleware(lambda request: HttpResponse("<p>job</p>" * 100))(request)

    assert "Content-Encoding" not in response and response.content.startswith(b"<p>job</p>")


def test_the_apis_json_is_sent_as_it_is():
    request = RequestFactory().get("/api/v1/jobs", HTTP_ACCEPT_ENCODING="gzip")

    response = PagesGZipMiddleware(lambda request: JsonResponse({"items": ["job"] * 100}))(request)

    assert "Content-Encoding" not in response
