"""Legacy Haiper video and image jobs against the sandbox."""

import pytest

from netmind_console.clients import NotFound

from .conftest import finished, wait_for

pytestmark = pytest.mark.usefixtures("schema")

VIDEO_CONFIG = {"prompt": "a time traveller", "settings": {"seed": 7, "duration": 1, "resolution": 720}}
IMAGE_CONFIG = {"prompt": "an angry dog with a lollipop", "settings": {"seed": 3}, "config": {"image_number": 2}}


def test_a_video_job_is_private_unless_asked_and_ends_with_a_video_and_thumbnail(netmind):
    created = netmind.create_video_job(VIDEO_CONFIG)

    assert (created.kind, created.job_type, created.state, created.raw_status) == (
        "video",
        "text2video",
        "queued",
        "initializing",
    )
    assert created.original_request["config"]["is_public"] is False
    done = wait_for(lambda: netmind.get_video_job(created.job_id), finished)

    assert (done.state, done.raw_status) == ("succeeded", "succeed")
    [output] = done.outputs
    assert (output.kind, bool(output.thumbnail_url), bool(output.remote_file_id)) == ("video", True, True)


def test_a_user_may_opt_in_to_public_videos(netmind):
    created = netmind.create_video_job({**VIDEO_CONFIG, "is_public": True})

    assert created.original_request["config"]["is_public"] is True


def test_an_image_job_has_one_output_per_image_without_thumbnails(netmind):
    created = netmind.create_image_job(IMAGE_CONFIG)

    done = wait_for(lambda: netmind.get_image_job(created.job_id), finished)

    assert done.state == "succeeded"
    assert [(output.kind, output.thumbnail_url) for output in done.outputs] == [("image", None), ("image", None)]


def test_a_failed_job_says_why(netmind):
    created = netmind.create_image_job({**IMAGE_CONFIG, "prompt": "dog [fail]"})

    done = wait_for(lambda: netmind.get_image_job(created.job_id), finished)

    assert (done.state, done.outputs) == ("failed", ())
    assert "[fail]" in done.failure_message


def test_lists_are_paged_with_a_total(netmind):
    first = netmind.create_video_job(VIDEO_CONFIG)
    second = netmind.create_video_job(VIDEO_CONFIG)

    page = netmind.list_video_jobs(page=1, page_size=1)
    everything = netmind.list_video_jobs(page=1, page_size=1000)

    assert page.total_count >= 2 and len(page.items) == 1
    assert {first.job_id, second.job_id} <= {job.job_id for job in everything.items}
    assert all(job.kind == "video" for job in everything.items)


def test_deleted_jobs_are_gone(netmind):
    video = netmind.create_video_job(VIDEO_CONFIG)
    image = netmind.create_image_job(IMAGE_CONFIG)

    netmind.delete_video_job(video.job_id)
    netmind.delete_image_job(image.job_id)

    with pytest.raises(NotFound):
        netmind.get_video_job(video.job_id)
    with pytest.raises(NotFound):
        netmind.get_image_job(image.job_id)
    assert image.job_id not in {job.job_id for job in netmind.list_image_jobs(page_size=1000).items}
