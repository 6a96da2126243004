"""Pure normalisation, against the response examples in /work/shared/seeds (the ground truth)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from netmind_console.clients import normalize
from netmind_console.clients.errors import BadResponse

NEWER_GENERATION_DONE = {
    "id": "6347623b2fce4998b0e842f7e935ccb0",
    "user_id": "....",
    "status": "completed",
    "created_at": "2025-09-18 09:14:21",
    "updated_at": "2025-09-18 09:27:32",
    "deleted_at": None,
    "is_deleted": False,
    "result": {
        "data": [
            {
                "url": "https://netmind-files-prod.s3.amazonaws.com/....",
                "file_id": "file-srcf4srhx...",
                "file_name": "",
                "file_type": "image",
            }
        ]
    },
}

OLDER_GENERATION_DONE = {
    "id": "...",
    "user_id": "...",
    "model_id": 84,
    "status": "completed",
    "backend_id": "42db796312964b6a8d8876aa6b6ffd6f",
    "payment_type": "usd",
    "meta_info": {"file_id": "file-...", "result_download_url": "https://netmind-files-prod.s3.amazonaws.com/..."},
    "created_at": "2025-01-16 05:51:03",
    "updated_at": "2025-01-16 05:51:23",
    "deleted_at": None,
    "is_deleted": False,
}

HAIPER_VIDEO_CREATED = {
    "job_id": "...",
    "user_id": "...",
    "name": "",
    "description": "",
    "payment_type": "usd",
    "status": "initializing",
    "meta_info": {
        "original_request": {
            "job_type": "text2video",
            "config": {
                "prompt": "A sci-fi drama",
                "negative_prompt": None,
                "settings": {"seed": -1, "aspect_ratio": "16:9", "resolution": 720, "duration": 4},
                "gen_mode": "standard",
                "is_public": True,
            },
        },
        "netmind_api_token": {"api_token": "sk-echoed-secret", "api_token_id": 0, "user": {"user_id": "..."}},
        "model_id": 81,
    },
    "created_at": "2024-12-10T15:14:12.445307",
    "updated_at": "2024-12-10T15:14:12.445312",
    "deleted_at": None,
    "is_deleted": False,
    "outputs": {},
}

HAIPER_IMAGE_DONE = {
    "job_id": "img-1",
    "status": "succeed",
    "meta_info": {"model_id": 121, "order_id": "...", "update_at": "2025-06-19 10:43:21"},
    "created_at": "2025-06-19 02:41:57",
    "updated_at": "2025-06-19 02:41:57",
    "outputs": [{"id": "o1", "media_url": "https://...jpg"}, {"id": "o2", "media_url": "https://...jpg"}],
}

FLAVOR = {
    "flavor_id": "69475e82e81c4dd6be3467e2ca374e0c",
    "display_name": "NVIDIA_GeForce_RTX_4090",
    "cluster_id": "1",
    "cluster_flavor_id": "US_01_4090",
    "meta_info": {"cuda": "12.0", "region": "cn"},
    "billing": {"cny_price_unit": 2.2, "usd_price_unit": 0.3, "nmt_price_unit": 0.147164},
    "created_at": "2024-11-13 09:00:19",
    "available_num": 1,
    "node_max_gpu": 2,
}

SERVICE = {
    "service_id": "svc-1",
    "name": "test-flask-server-9",
    "description": "test",
    "status": "initializing",
    "status_info": None,
    "resource_metadata": {
        "resource_display_name": "NVIDIA_GeForce_RTX_4090",
        "scale_type": "manual",
        "flavor_id": "69475e82e81c4dd6be3467e2ca374e0c",
        "target_instance_number": "2",
        "scale_policy": None,
        "VRAM": "32GB",
        "image_size": "12GB",
    },
    "deploy_metadata": {"image_url": "python:3.10-slim", "port": 8080, "env": {"API_TOKEN": "x"}},
    "created_at": "...",
    "payment_type": "usd",
}


@pytest.mark.parametrize(
    ("word", "state"),
    [
        ("pending", "queued"),
        ("queued", "queued"),
        ("initializing", "queued"),
        ("processing", "running"),
        ("completed", "succeeded"),
        ("succeed", "succeeded"),
        ("succeeded", "succeeded"),
        ("failed", "failed"),
        ("error", "failed"),
        ("cancelled", "cancelled"),
        ("Completed ", "succeeded"),
        ("rendering-on-mars", None),
        (None, None),
        (7, None),
    ],
)
def test_every_status_word_maps_to_a_console_state_or_none(word, state):
    assert normalize.state_for(word) == state


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-09-18 09:14:20", datetime(2025, 9, 18, 9, 14, 20, tzinfo=UTC)),
        ("2024-12-10T15:14:12.445307", datetime(2024, 12, 10, 15, 14, 12, 445307, tzinfo=UTC)),
        ("2024-12-10T16:14:12+01:00", datetime(2024, 12, 10, 15, 14, 12, tzinfo=UTC)),
        (None, None),
        ("...", None),
        ("", None),
    ],
)
def test_both_timestamp_formats_become_aware_utc(value, expected):
    assert normalize.parse_timestamp(value) == expected


def test_newer_generation_schema_gives_typed_outputs():
    generation = normalize.generation(NEWER_GENERATION_DONE)

    assert generation.id == "6347623b2fce4998b0e842f7e935ccb0"
    assert (generation.state, generation.raw_status) == ("succeeded", "completed")
    assert generation.updated_at == datetime(2025, 9, 18, 9, 27, 32, tzinfo=UTC)
    [output] = generation.outputs
    assert output.url == "https://netmind-files-prod.s3.amazonaws.com/...."
    assert (output.kind, output.remote_file_id, output.file_name) == ("image", "file-srcf4srhx...", None)


def test_older_generation_schema_gives_the_download_url_as_output():
    generation = normalize.generation(OLDER_GENERATION_DONE)

    assert (generation.state, generation.model_id, generation.backend_id) == (
        "succeeded",
        84,
        "42db796312964b6a8d8876aa6b6ffd6f",
    )
    [output] = generation.outputs
    assert (output.url, output.remote_file_id) == ("https://netmind-files-prod.s3.amazonaws.com/...", "file-...")


def test_a_pending_generation_has_no_outputs_in_either_schema():
    newer = normalize.generation({**NEWER_GENERATION_DONE, "status": "pending", "result": {}})
    older = normalize.generation({**OLDER_GENERATION_DONE, "status": "pending", "meta_info": {}})

    assert newer.outputs == older.outputs == ()
    assert newer.state == older.state == "queued"


def test_a_failed_generation_explains_itself_from_its_logs():
    generation = normalize.generation(
        {
            "id": "a" * 32,
            "status": "failed",
            "result": {},
            "logs": [{"text": "Loading model"}, {"text": "CUDA out of memory"}],
            "pending_duration": 3,
            "processing_duration": 12.5,
        }
    )

    assert generation.state == "failed"
    assert generation.failure_message == "Loading model\nCUDA out of memory"
    assert (generation.pending_duration, generation.processing_duration) == (3.0, 12.5)


def test_an_unknown_status_word_is_kept_not_raised():
    generation = normalize.generation({**NEWER_GENERATION_DONE, "status": "paused_by_admin"})

    assert (generation.state, generation.raw_status) == (None, "paused_by_admin")


def test_output_kind_is_guessed_from_the_url_when_the_provider_does_not_say():
    generation = normalize.generation(
        {**OLDER_GENERATION_DONE, "meta_info": {"result_download_url": "https://files.netmind.ai/a/b.MP4?sig=1"}}
    )

    assert generation.outputs[0].kind == "video"


def test_generation_list():
    generations = normalize.generation_list({"generation_list": [NEWER_GENERATION_DONE, OLDER_GENERATION_DONE]})

    assert [g.state for g in generations] == ["succeeded", "succeeded"]


def test_a_generation_without_id_is_a_bad_response():
    with pytest.raises(BadResponse):
        normalize.generation({"status": "pending"})
    with pytest.raises(BadResponse):
        normalize.generation(["not", "an", "object"])


def test_haiper_job_never_keeps_the_echoed_token():
    job = normalize.haiper_job(HAIPER_VIDEO_CREATED, "video")

    assert "sk-echoed-secret" not in repr(job)
    assert not hasattr(job, "meta_info")
    assert job.original_request["config"]["settings"]["resolution"] == 720
    assert (job.model_id, job.job_type, job.state, job.raw_status) == (81, "text2video", "queued", "initializing")
    assert job.created_at == datetime(2024, 12, 10, 15, 14, 12, 445307, tzinfo=UTC)
    assert job.outputs == ()


def test_token_looking_keys_are_dropped_at_any_depth():
    cleaned = normalize.without_secrets(
        {"config": {"prompt": "p", "api_key": "k", "nested": [{"Authorization": "Bearer x", "keep": 1}]}}
    )

    assert cleaned == {"config": {"prompt": "p", "nested": [{"keep": 1}]}}


def test_haiper_image_outputs_take_their_kind_from_the_job_type():
    job = normalize.haiper_job(HAIPER_IMAGE_DONE, "image")

    assert job.state == "succeeded"
    assert [(o.kind, o.remote_file_id, o.thumbnail_url) for o in job.outputs] == [
        ("image", "o1", None),
        ("image", "o2", None),
    ]


def test_haiper_video_outputs_carry_thumbnails():
    job = normalize.haiper_job(
        {**HAIPER_VIDEO_CREATED, "status": "succeed", "outputs": [
            {"id": "v1", "media_url": "https://....mp4", "thumbnail_url": "https://....mp4.thumbnail"}
        ]},
        "video",
    )  # fmt: skip

    assert job.outputs[0].kind == "video"
    assert job.outputs[0].thumbnail_url == "https://....mp4.thumbnail"


def test_haiper_page():
    page = normalize.haiper_job_page({"total_count": 7, "job_list": [HAIPER_IMAGE_DONE]}, "image")

    assert page.total_count == 7
    assert [job.job_id for job in page.items] == ["img-1"]


def test_flavor_prices_are_exact_decimals():
    flavor = normalize.flavor(FLAVOR)

    assert flavor.usd_per_gpu_hour == Decimal("0.3")
    assert (flavor.display_name, flavor.region, flavor.cuda, flavor.available_num) == (
        "NVIDIA_GeForce_RTX_4090",
        "cn",
        "12.0",
        1,
    )


def test_service_reads_resources_and_drops_secret_looking_metadata():
    service = normalize.service(SERVICE)

    assert service.target_instance_number == 2
    assert (service.status, service.vram, service.flavor_id) == ("initializing", "32GB", FLAVOR["flavor_id"])
    assert service.created_at is None
    assert service.deploy_metadata == {"image_url": "python:3.10-slim", "port": 8080, "env": {}}


def test_files():
    upload = normalize.file_upload({"id": "file-abc", "presigned_url": "https://s3/put?sig=1"})
    files = normalize.file_list([{"id": "file-abc", "filename": "a.png", "purpose": "inference", "bytes": 12}])

    assert (upload.id, upload.presigned_url) == ("file-abc", "https://s3/put?sig=1")
    assert (files[0].file_name, files[0].size) == ("a.png", 12)
    assert normalize.presigned_url({"presigned_url": "https://s3/get"}) == "https://s3/get"


def test_apinfer_video_job():
    job = normalize.apinfer_video_job(
        {"success": True, "data": {"job_id": "j1", "status": "queued", "credit_cost": 12.34}, "message": "ok"}
    )

    assert (job.job_id, job.state, job.credit_cost) == ("j1", "queued", Decimal("12.34"))


def test_apinfer_pending_and_failed_generations():
    pending = normalize.apinfer_generation({"success": True, "data": {"status": "processing"}}, "j1", _no_blobs)
    failed = normalize.apinfer_generation(
        {"success": False, "error": "Generation failed", "message": "GPU fell over"}, "j1", _no_blobs
    )

    assert (pending.state, pending.video_path) == ("running", None)
    assert (failed.state, failed.raw_status, failed.failure_message) == ("failed", "failed", "GPU fell over")


def test_fastapi_validation_detail_becomes_field_messages():
    body = {"detail": [{"loc": ["body", "config", "prompt"], "msg": "Field required", "type": "missing"}]}

    assert normalize.field_messages(body) == {"config.prompt": "Field required"}
    assert normalize.field_messages({"message": "Model name: X not exists"}) == {
        "__all__": "Model name: X not exists"
    }


def _no_blobs(value, stem):
    raise AssertionError("nothing to decode")
