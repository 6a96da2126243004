"""Files: register, upload through the pre-signed link, list, fetch, link, delete."""

import time
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import requests

from .conftest import Api


def test_a_file_is_registered_uploaded_listed_downloaded_and_deleted(api):
    created = api.post("/v1/files", json={"file_name": "first frame.png", "purpose": "inference"})
    assert created.status_code == 200
    file_id, upload_url = created.json()["id"], created.json()["presigned_url"]
    assert file_id.startswith("file-") and "X-Amz-Signature=" in upload_url
    assert api.get(f"/v1/files/{file_id}").json()["status"] == "pending"

    assert requests.put(upload_url, data=b"\x89PNG fake bytes", timeout=10).status_code == 200

    listed = api.get("/v1/files").json()
    assert isinstance(listed, list) and file_id in [f["id"] for f in listed]
    described = api.get(f"/v1/files/{file_id}").json()
    assert described["bytes"] == 15 and described["file_name"] == "first frame.png"
    link = api.get(f"/v1/files/{file_id}/presigned_url").json()["presigned_url"]
    download = requests.get(link, timeout=10)
    assert download.content == b"\x89PNG fake bytes" and download.headers["Content-Type"] == "image/png"

    assert api.delete(f"/v1/files/{file_id}").status_code == 200
    assert api.get(f"/v1/files/{file_id}").status_code == 404


def test_an_upload_link_cannot_be_used_to_download_and_a_download_link_cannot_upload(api):
    created = api.post("/v1/files", json={"file_name": "clip.wav", "purpose": "inference"}).json()
    assert requests.get(created["presigned_url"], timeout=10).status_code == 403
    download_link = api.get(f"/v1/files/{created['id']}/presigned_url").json()["presigned_url"]
    assert requests.put(download_link, data=b"x", timeout=10).status_code == 403


def test_a_file_without_a_name_is_a_422(api):
    assert api.post("/v1/files", json={"purpose": "inference"}).status_code == 422


def test_an_upload_link_is_valid_about_two_hours(api):
    created = api.post("/v1/files", json={"file_name": "clip.wav", "purpose": "inference"}).json()

    assert parse_qs(urlsplit(created["presigned_url"]).query)["X-Amz-Expires"] == ["7200"]


def test_an_expired_upload_link_is_refused_as_s3_refuses_it(sandbox_factory, monkeypatch):
    monkeypatch.setenv("SANDBOX_UPLOAD_TTL", "1")  # read by the sandbox process when it starts
    short_lived = Api(sandbox_factory())
    created = short_lived.post("/v1/files", json={"file_name": "clip.wav", "purpose": "inference"}).json()
    time.sleep(2.1)  # the link's date is whole seconds: past issue + 1 s whatever the fraction

    refused = requests.put(created["presigned_url"], data=b"RIFF....WAVE", timeout=10)

    assert refused.status_code == 403 and refused.headers["Content-Type"] == "application/xml"
    error = ElementTree.fromstring(refused.content)
    assert (error.findtext("Code"), error.findtext("Message")) == ("AccessDenied", "Request has expired")
    assert short_lived.get(f"/v1/files/{created['id']}").json()["status"] == "pending"


def test_the_type_an_upload_was_put_with_is_served_back(api):
    created = api.post("/v1/files", json={"file_name": "clip", "purpose": "inference"},
                       headers={"file-content-type": "audio/wav"}).json()
    assert requests.put(created["presigned_url"], data=b"ID3 mp3 bytes", headers={"Content-Type": "audio/mpeg"},
                        timeout=10).status_code == 200

    link = api.get(f"/v1/files/{created['id']}/presigned_url").json()["presigned_url"]

    assert requests.get(link, timeout=10).headers["Content-Type"] == "audio/mpeg"
    assert requests.head(link, timeout=10).headers["Content-Type"] == "audio/mpeg"


def test_without_a_type_on_the_put_the_one_named_at_creation_is_served(api):
    created = api.post("/v1/files", json={"file_name": "clip", "purpose": "inference"},
                       headers={"file-content-type": "audio/wav"}).json()
    requests.put(created["presigned_url"], data=b"RIFF....WAVE", timeout=10)

    link = api.get(f"/v1/files/{created['id']}/presigned_url").json()["presigned_url"]

    assert requests.get(link, timeout=10).headers["Content-Type"] == "audio/wav"


def test_a_deleted_file_can_no_longer_be_downloaded(api):
    created = api.post("/v1/files", json={"file_name": "clip.wav", "purpose": "inference"}).json()
    requests.put(created["presigned_url"], data=b"RIFF....WAVE", timeout=10)
    link = api.get(f"/v1/files/{created['id']}/presigned_url").json()["presigned_url"]

    api.delete(f"/v1/files/{created['id']}")

    assert requests.get(link, timeout=10).status_code == 404
