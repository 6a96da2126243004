"""Files: register, upload through the pre-signed link, list, fetch, link, delete."""

import requests


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
