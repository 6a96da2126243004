"""The media behind result links: real files, right types and sizes, links that expire."""

import time

import requests

from .conftest import Api, open_image, probe, status_in, wav_seconds


def result_urls(api, body):
    generation_id = api.post("/v1/generation", json=body).json()["id"]
    done = api.wait_for(f"/v1/generation/{generation_id}", status_in("completed", "failed"))
    return [item["url"] for item in done["result"]["data"]]


def fetch(url):
    response = requests.get(url, timeout=30)
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content)
    return response


def test_an_image_result_is_a_png_at_the_requested_aspect(fast_api):
    [url] = result_urls(fast_api, {"model": "Qwen/Qwen-Image", "config": {"prompt": "cup", "image_size": "portrait_9_16"}})
    response = fetch(url)
    assert response.headers["Content-Type"] == "image/png"
    image = open_image(response.content)
    assert image.format == "PNG" and image.size == (288, 512)


def test_a_jpeg_output_format_gives_a_jpeg(fast_api):
    body = {"model": "Qwen/Qwen-Image", "config": {"prompt": "cup", "output_format": "jpeg", "image_size": "square_hd"}}
    response = fetch(result_urls(fast_api, body)[0])
    assert response.headers["Content-Type"] == "image/jpeg" and open_image(response.content).size == (512, 512)


def test_different_prompts_render_visibly_different_images(fast_api):
    def pixels(prompt):
        [url] = result_urls(fast_api, {"model": "Qwen/Qwen-Image", "config": {"prompt": prompt, "seed": 1}})
        return open_image(fetch(url).content).convert("RGB").resize((16, 16)).tobytes()

    assert pixels("a red barn") != pixels("the deep blue sea")


def test_a_video_result_is_an_h264_mp4_of_the_requested_duration(fast_api, tmp_path):
    body = {"model": "hunyuanvideo-community/HunyuanVideo", "config": {"prompt": "fox", "duration": 3}}
    response = fetch(result_urls(fast_api, body)[0])
    assert response.headers["Content-Type"] == "video/mp4"
    seconds, stream = probe(response.content, tmp_path)
    assert abs(seconds - 3) <= 0.5 and stream.startswith("h264") and "yuv420p" in stream


def test_a_haiper_video_has_the_requested_aspect_duration_and_a_jpeg_thumbnail(fast_api, tmp_path):
    body = {"job_type": "text2video", "config": {"prompt": "tall", "settings": {"aspect_ratio": "9:16", "duration": 2}}}
    job_id = fast_api.post("/v1/netmind-video-job", json=body).json()["job_id"]
    [output] = fast_api.wait_for(f"/v1/netmind-video-job/{job_id}", status_in("succeed"))["outputs"]
    seconds, stream = probe(fetch(output["media_url"]).content, tmp_path)
    assert abs(seconds - 2) <= 0.5 and "180x320" in stream
    thumbnail = fetch(output["thumbnail_url"])
    assert thumbnail.headers["Content-Type"] == "image/jpeg" and open_image(thumbnail.content).size == (180, 320)


def test_an_audio_result_is_a_wav_of_the_requested_duration_capped_at_30_seconds(fast_api):
    [short] = result_urls(fast_api, {"model": "hkchengrex/MMAudio", "config": {"prompt": "wind", "duration": 4}})
    response = fetch(short)
    assert response.headers["Content-Type"] == "audio/wav" and wav_seconds(response.content) == 4
    [long] = result_urls(fast_api, {"model": "hkchengrex/MMAudio", "config": {"prompt": "wind", "duration": 100}})
    assert wav_seconds(fetch(long).content) == 30


def test_a_head_request_gives_the_length_without_the_body(fast_api):
    [url] = result_urls(fast_api, {"model": "Qwen/Qwen-Image", "config": {"prompt": "cup"}})
    head = requests.head(url, timeout=10)
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(fetch(url).content)


def test_a_link_with_a_tampered_signature_is_a_403_in_s3_xml(fast_api):
    [url] = result_urls(fast_api, {"model": "Qwen/Qwen-Image", "config": {"prompt": "cup"}})
    response = requests.get(url[:-4] + "beef", timeout=10)
    assert response.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in response.text
    assert requests.get(url.split("?")[0], timeout=10).status_code == 403


def test_a_link_expires_after_the_url_ttl_flag(sandbox_factory):
    api = Api(sandbox_factory(url_ttl=1, speed=2000))
    [url] = result_urls(api, {"model": "Qwen/Qwen-Image", "config": {"prompt": "cup"}})
    fetch(url)
    time.sleep(2.1)  # the signing date has one-second resolution
    response = requests.get(url, timeout=10)
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/xml"
    assert "<Code>AccessDenied</Code>" in response.text and "expired" in response.text
