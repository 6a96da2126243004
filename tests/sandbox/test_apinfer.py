"""Apinfer: the requests of seeds/apinfer-api-guide.txt, credits included."""

import base64

from .conftest import open_image, probe, status_in

IMAGE_EXAMPLE = {"prompt": "A beautiful sunset over mountains", "negative_prompt": "blurry, low quality",
                 "width": 1024, "height": 1024, "seed": 12345, "model": "qwen-image"}  # fmt: skip
VIDEO_EXAMPLE = {"image": "data:image/png;base64,iVBORw0KGgo=", "prompt": "clouds moving, leaves swaying",
                 "negative_prompt": "", "video_length": 60, "fps": 20, "width": 1280, "height": 720,
                 "model": "wan2.2"}  # fmt: skip


def test_generating_an_image_answers_inline_base64_png_and_costs_one_credit(api, sandbox):
    before = sandbox.credits()
    response = api.post("/api/v1/generate-image", json=IMAGE_EXAMPLE)
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["message"] == "Successfully generated 1 image(s)"
    data = body["data"]
    assert data["seed"] == 12345 and data["model"] == "qwen-image" and data["credit_cost"] == 1
    assert isinstance(data["processing_time"], int)
    image = open_image(base64.b64decode(data["images"][0]))
    assert image.format == "PNG" and image.size == (512, 512)  # capped from 1024x1024
    assert sandbox.credits() == before - 1


def test_a_small_image_is_rendered_at_exactly_the_requested_size(api):
    body = {"prompt": "tiny", "width": 320, "height": 240}
    data = api.post("/api/v1/generate-image", json=body).json()["data"]
    assert open_image(base64.b64decode(data["images"][0])).size == (320, 240)


def test_the_same_prompt_and_seed_give_the_same_image_and_another_prompt_differs(api):
    def image(prompt):
        return api.post("/api/v1/generate-image", json={"prompt": prompt, "seed": 7, "width": 64, "height": 64}).json()

    assert image("a cat")["data"]["images"] == image("a cat")["data"]["images"]
    assert image("a cat")["data"]["images"] != image("a dog")["data"]["images"]


def test_a_fail_marker_in_an_image_prompt_is_a_400_generation_failed_and_costs_nothing(api, sandbox):
    before = sandbox.credits()
    response = api.post("/api/v1/generate-image", json={"prompt": "nope [fail]"})
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False and body["error"] == "Generation failed" and "[fail]" in body["message"]
    assert sandbox.credits() == before


def test_a_video_is_enqueued_with_202_then_succeeds_with_an_inline_mp4(api, sandbox, tmp_path):
    before = sandbox.credits()
    response = api.post("/api/generate-video", json=VIDEO_EXAMPLE)
    assert response.status_code == 202
    body = response.json()
    assert body["success"] is True and body["message"] == "Video generation enqueued using model wan2.2"
    assert body["data"]["status"] == "queued" and body["data"]["credit_cost"] == 10
    job = f"/api/generations/{body['data']['job_id']}"
    assert api.get(job).json() in ({"success": True, "data": {"status": "queued"}},
                                   {"success": True, "data": {"status": "processing"}})  # fmt: skip
    done = api.wait_for(job, lambda b: not b["success"] or b["data"]["status"] == "succeeded")
    data = done["data"]
    assert data["type"] == "video" and data["model"] == "wan2.2" and isinstance(data["result"]["seed"], int)
    seconds, stream = probe(base64.b64decode(data["result"]["video"]), tmp_path)
    assert abs(seconds - 3.0) <= 0.5 and stream.startswith("h264")  # 60 frames at 20 fps
    api.get(job)  # polling again must not charge again
    assert sandbox.credits() == before - 10


def test_a_fail_marker_in_a_video_prompt_ends_in_the_documented_failed_body(fast_api):
    job_id = fast_api.post("/api/generate-video", json={**VIDEO_EXAMPLE, "prompt": "[fail]"}).json()["data"]["job_id"]
    done = fast_api.wait_for(f"/api/generations/{job_id}", lambda b: not b["success"] or status_in("succeeded")(b))
    assert done["success"] is False and done["error"] == "Generation failed" and "[fail]" in done["message"]


def test_without_enough_credits_the_calls_are_a_402_that_says_what_is_needed(api, sandbox):
    sandbox.set_credits(5)
    response = api.post("/api/generate-video", json=VIDEO_EXAMPLE)
    assert response.status_code == 402
    body = response.json()
    assert body["success"] is False and body["error"] == "Insufficient credits"
    assert "You need 10 credits" in body["message"] and "You have 5 credits." in body["message"]
    sandbox.set_credits(0)
    assert api.post("/api/v1/generate-image", json=IMAGE_EXAMPLE).status_code == 402


def test_the_image_credits_run_out_after_the_balance_is_spent(api, sandbox):
    sandbox.set_credits(2)
    statuses = [api.post("/api/v1/generate-image", json={"prompt": "x", "width": 8, "height": 8}).status_code
                for _ in range(3)]  # fmt: skip
    assert statuses == [200, 200, 402] and sandbox.credits() == 0


def test_an_unknown_generation_is_a_404_in_apinfer_style(api):
    response = api.get("/api/generations/does-not-exist")
    assert response.status_code == 404 and response.json()["success"] is False
