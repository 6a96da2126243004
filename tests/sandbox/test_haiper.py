"""Legacy Haiper jobs: the requests of seeds/netmind-haiper-inference.txt."""

import json

from .conftest import status_in

VIDEO_EXAMPLE = {
    "job_type": "text2video",
    "config": {"prompt": "A sci-fi and historical drama that tells the story of a time traveler."},
}
IMAGE_EXAMPLE = {
    "config": {
        "prompt": "An angry dog with a lollipop",
        "settings": {"seed": 123, "resolution": 720, "aspect_ratio": "16:9"},
        "config": {"image_number": 2},
    },
    "job_type": "text2image",
}
JOB_FIELDS = {"job_id", "user_id", "name", "description", "payment_type", "status", "meta_info", "created_at",
              "updated_at", "deleted_at", "is_deleted", "outputs"}  # fmt: skip


def test_creating_a_video_job_fills_in_the_documented_defaults(api):
    response = api.post("/v1/netmind-video-job", json=VIDEO_EXAMPLE)
    assert response.status_code == 200
    job = response.json()
    assert set(job) == JOB_FIELDS
    assert job["status"] == "initializing" and job["outputs"] == {}
    config = job["meta_info"]["original_request"]["config"]
    assert config["settings"] == {"seed": -1, "aspect_ratio": "16:9", "resolution": 720, "duration": 4}
    assert config["gen_mode"] == "standard" and config["negative_prompt"] is None
    assert config["is_public"] is True
    assert config["use_ff_cond"] is None and config["is_enable_prompt_enhancer"] is None
    assert job["meta_info"]["original_request"]["job_type"] == "text2video"


def test_a_video_job_echoes_the_api_token_in_meta_info_like_the_real_api(api, sandbox):
    job = api.post("/v1/netmind-video-job", json=VIDEO_EXAMPLE).json()
    assert job["meta_info"]["netmind_api_token"]["api_token"] == sandbox.token


def test_is_public_false_is_kept_when_the_client_opts_out(api):
    body = {"job_type": "text2video", "config": {"prompt": "private", "is_public": False}}
    job = api.post("/v1/netmind-video-job", json=body).json()
    assert job["meta_info"]["original_request"]["config"]["is_public"] is False


def test_a_video_job_succeeds_with_one_output_that_has_a_thumbnail(api):
    job_id = api.post("/v1/netmind-video-job", json=VIDEO_EXAMPLE).json()["job_id"]
    job = api.wait_for(f"/v1/netmind-video-job/{job_id}", status_in("succeed", "failed"))
    assert job["status"] == "succeed"
    [output] = job["outputs"]
    assert set(output) == {"id", "media_url", "thumbnail_url"}
    assert ".mp4?" in output["media_url"] and ".mp4.thumbnail?" in output["thumbnail_url"]


def test_an_image_job_succeeds_with_one_output_per_image_and_no_thumbnail(api):
    # The documented curl sends this body without a JSON content type; it must still parse.
    job = api.post("/v1/netmind-image-job", data=json.dumps(IMAGE_EXAMPLE)).json()
    assert job["status"] == "initializing" and job["meta_info"]["model_id"] == 121
    assert job["meta_info"]["original_request"]["config"]["negative_prompt"] is None
    done = api.wait_for(f"/v1/netmind-image-job/{job['job_id']}", status_in("succeed", "failed"))
    assert len(done["outputs"]) == 2
    assert all(set(output) == {"id", "media_url"} for output in done["outputs"])


def test_a_fail_marker_fails_the_job_with_an_error_message_in_meta_info(fast_api):
    body = {"job_type": "text2video", "config": {"prompt": "doomed [fail]"}}
    job_id = fast_api.post("/v1/netmind-video-job", json=body).json()["job_id"]
    job = fast_api.wait_for(f"/v1/netmind-video-job/{job_id}", status_in("succeed", "failed"))
    assert job["status"] == "failed" and job["outputs"] == {}
    assert "[fail]" in job["meta_info"]["error_message"]


def test_listing_jobs_is_paginated_with_a_total_count(api):
    for n in range(3):
        api.post("/v1/netmind-image-job", json={"job_type": "text2image", "config": {"prompt": f"page {n}"}})
    total = api.get("/v1/netmind-image-job?page=1&page_size=10").json()["total_count"]
    page = api.get("/v1/netmind-image-job", params={"page": 2, "page_size": 2}).json()
    assert page["total_count"] == total >= 3
    assert len(page["job_list"]) == min(2, total - 2)
    first = api.get("/v1/netmind-image-job?page=1&page_size=1").json()["job_list"][0]
    assert first["meta_info"]["original_request"]["config"]["prompt"] == "page 2"


def test_deleting_a_job_answers_an_empty_object_and_then_404(api):
    job_id = api.post("/v1/netmind-video-job", json=VIDEO_EXAMPLE).json()["job_id"]
    response = api.delete(f"/v1/netmind-video-job/{job_id}")
    assert response.status_code == 200 and response.json() == {}
    assert api.get(f"/v1/netmind-video-job/{job_id}").status_code == 404
    assert api.delete(f"/v1/netmind-video-job/{job_id}").status_code == 404


def test_a_job_without_a_prompt_is_a_fastapi_style_422(api):
    response = api.post("/v1/netmind-video-job", json={"job_type": "text2video", "config": {}})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "config", "prompt"] and error["type"] == "missing"
