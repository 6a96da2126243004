"""Inputs that used to answer a bare 500 (found by a black-box probe) now answer a 4xx naming what is wrong,
with nothing saved: a decompression-bomb first frame, an uploaded name too long for the disk, JSON nested
deeper than Python's parser recurses, a date at the end of the calendar, numbers past Python's int() limit."""

import io
import struct
import zlib
from decimal import Decimal

import pytest
from PIL import Image

from endpoints.models import Endpoint, Flavor, Status
from jobs import catalogue
from jobs.models import Job
from netmind_console.core.json_input import parse_json_field

pytestmark = pytest.mark.django_db

DEEP_ARRAYS = "[" * 50_000 + "]" * 50_000
DEEP_OBJECTS = '{"a":' * 50_000 + "1" + "}" * 50_000


@pytest.fixture(autouse=True)
def no_tasks(monkeypatch):
    """A post that passes goes no further than its saved row: no provider is called."""
    monkeypatch.setattr("netmind_console.core.queue.after_commit", lambda send: None)


def png_declaring(width, height) -> bytes:
    """A tiny PNG whose header claims `width`×`height`: Pillow's bomb check fires on the header alone."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def real_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 9), (200, 80, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(content: bytes, name: str):
    file = io.BytesIO(content)
    file.name = name
    return file


def wan_form(owner, image):
    spec = catalogue.get("apinfer/wan2.2")
    defaults = {field.name: field.default for field in spec.fields if field.default is not None}
    account = owner.provider_accounts.get(provider="apinfer")
    return {**defaults, "model": spec.key, "prompt": "waves", "account": account.pk, "image": image}


def media_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.mark.parametrize("side", [30_000, 2**31 - 1])
def test_a_decompression_bomb_first_frame_is_refused_with_its_size(owner_client, owner, settings, side):
    bomb = png_declaring(side, side)
    assert len(bomb) < 100

    response = owner_client.post("/jobs/new/", wan_form(owner, upload(bomb, "frame.png")))

    assert response.status_code == 422
    assert f"The image is too large: {side}×{side} pixels; at most 8192×8192" in response.content.decode()
    assert not Job.objects.exists() and not media_files(settings)


def test_a_frame_too_large_for_the_console_but_not_for_pillow_is_refused_too(owner_client, owner, settings):
    response = owner_client.post("/jobs/new/", wan_form(owner, upload(png_declaring(9000, 9000), "frame.png")))

    assert response.status_code == 422
    assert "The image is too large: 9000×9000 pixels" in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.parametrize("name", ["a." + "b" * 250, "poly.html", "frame", "x.PNG.exe"])
def test_an_uploaded_input_is_stored_under_the_type_its_bytes_are_never_its_name(owner_client, owner, settings,
                                                                                  name):
    response = owner_client.post("/jobs/new/", wan_form(owner, upload(real_png(), name)))

    assert response.status_code == 302, response.context["form"].errors
    job = Job.objects.get()
    assert job.input_file == f"inputs/{job.uuid}.png"
    assert [path.name for path in media_files(settings)] == [f"{job.uuid}.png"]


def test_a_long_name_on_an_upload_spooled_to_disk_is_no_500(owner_client, owner, settings):
    """Past FILE_UPLOAD_MAX_MEMORY_SIZE Django spools an upload to a temp file before any view runs; named with
    the uploader's 250-character extension that was OSError, a 500 (netmind_console/core/uploads.py)."""
    spooled = b"\0" * (settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = owner_client.post("/jobs/new/", wan_form(owner, upload(spooled, "a." + "b" * 250)))

    assert response.status_code == 422
    assert not Job.objects.exists()


@pytest.mark.parametrize("deep", [DEEP_ARRAYS, DEEP_OBJECTS])
def test_a_custom_config_nested_too_deep_is_refused_by_its_field(owner_client, owner, deep):
    account = owner.provider_accounts.get(provider="netmind")
    response = owner_client.post("/jobs/new/", {"model": "custom", "model_id": "a/b", "prompt": "x",
                                                "account": account.pk, "config_json": f'{{"x": {deep}}}'})

    assert response.status_code == 422
    assert "Config is nested deeper than 64 levels" in response.content.decode()
    assert not Job.objects.exists()


@pytest.fixture
def endpoint(owner):
    account = owner.provider_accounts.get(provider="netmind")
    flavor = Flavor.objects.create(base_url=account.base_url, flavor_id="rtx", display_name="RTX 4090",
                                   usd_per_gpu_hour=Decimal("0.30"), available_num=6, node_max_gpu=2)
    return Endpoint.objects.create(owner=owner, workspace=account.workspace, account=account, name="echo",
                                   flavor=flavor, service_id="svc-1", status=Status.INITIALIZING, usd_per_gpu_hour=Decimal("0.30"))


@pytest.mark.parametrize("body, says", [
    (DEEP_ARRAYS, "JSON body: Nested deeper than 64 levels"),
    (DEEP_OBJECTS, "JSON body: Nested deeper than 64 levels"),
    ("[" + "9" * 5000 + "]", "JSON body: Holds a number with more than 4300 digits"),
    ('{"x": 1e999}', "JSON body: Holds 1e999, which JSON cannot carry"),
    ('[NaN]', "JSON body: Holds NaN, which JSON cannot carry"),
])
def test_a_try_it_body_past_the_limits_is_refused_by_its_field(owner_client, endpoint, body, says):
    response = owner_client.post(f"/endpoints/{endpoint.uuid}/try/", {"path": "/", "body": body})

    assert response.status_code == 400
    assert says in response.content.decode()


def test_the_json_helper_reads_what_is_within_its_limits_and_names_what_is_not():
    assert parse_json_field('{"a": [[1, "]]]]"]]}', max_depth=3, max_chars=100) == {"a": [[1, "]]]]"]]}
    refusals = {"[[[[1]]]]": "nested deeper than 3 levels", "[1, 2, 3, 4, 5, 6]": "too long: 18 characters",
                '["\\u0000"]': "cannot be stored", '"\\ud800"': "cannot be stored", "[1,": "not valid JSON"}
    for text, says in refusals.items():
        with pytest.raises(Exception, match=says):
            parse_json_field(text, name="It", max_depth=3, max_chars=17)


@pytest.mark.parametrize("query, field", [({"until": "9999-12-31"}, "To"), ({"since": "0001-01-01"}, "From")])
def test_a_gallery_date_past_the_calendars_end_is_refused_under_its_field(owner_client, query, field):
    response = owner_client.get("/jobs/gallery/", query)

    assert response.status_code == 400
    assert f"{field}: Enter a date from 1900-01-01 to 9998-12-31." in response.content.decode()


@pytest.mark.parametrize("after", ["1-9999999999999999999", "9999999999999999999-1"])
def test_a_gallery_page_position_past_what_the_database_holds_is_a_400(owner_client, after):
    response = owner_client.get("/jobs/gallery/", {"after": after})

    assert response.status_code == 400
    assert b"after=" in response.content


def test_a_jobs_list_page_number_of_5000_digits_shows_the_first_page(owner_client):
    response = owner_client.get("/jobs/", {"page": "9" * 5000, "q": "x" * 60_000})

    assert response.status_code == 200
