import html
import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jobs import gallery_views
from jobs.models import ArchiveState, Output
from tests.jobs.gallery_fixtures import (  # noqa: F401 (fixtures)
    console_setup,
    make_archived,
    make_job,
    make_output,
    media_files,
    media_root,
    png_bytes,
    static_without_collectstatic,
    wav_bytes,
)

GALLERY = reverse("jobs:gallery")
BULK = reverse("jobs:bulk")


def shown(response) -> list[str]:
    """UUIDs of the outputs on a gallery page or fragment, in order."""
    return [uuid.replace("-", "") for uuid in re.findall(r'id="output-([0-9a-f-]{36})"', response.content.decode())]


def next_url(response) -> str | None:
    """Where the infinite scroll goes next (the page's last item loads it when revealed)."""
    match = re.search(r'class="gallery-more" hx-get="([^"]+)" hx-trigger="revealed"', response.content.decode())
    return html.unescape(match.group(1)) if match else None


def uuids(outputs) -> list[str]:
    return [output.uuid.hex for output in outputs]


def spread_outputs(user, count, start=None, **job_fields):
    """`count` outputs a minute apart, newest last; returned newest first, as the gallery lists them."""
    start = start or timezone.now() - timedelta(days=1)
    outputs = []
    for i in range(count):
        job = make_job(user, created_at=start + timedelta(minutes=i), **job_fields)
        outputs.append(make_output(job, created_at=job.created_at))
    return outputs[::-1]


# --- access -------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, owner):
    response = client.get(GALLERY)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_gallery_shows_the_users_outputs_and_not_anothers(owner_client, owner, other, media_root):
    mine = make_archived(make_job(owner, prompt="my lighthouse"), media_root, png_bytes())
    theirs = make_archived(make_job(other, prompt="their castle"), media_root, png_bytes((0, 0, 255)))

    response = owner_client.get(GALLERY)

    assert response.status_code == 200
    assert shown(response) == [mine.uuid.hex]
    html = response.content.decode()
    assert "my lighthouse" in html and "their castle" not in html
    assert str(theirs.uuid) not in html
    assert reverse("jobs:thumbnail", args=[mine.uuid]) not in html  # no thumbnail yet: the file itself
    assert f'src="{reverse("jobs:media", args=[mine.uuid])}"' in html
    assert 'loading="lazy"' in html


def test_filter_choices_only_list_the_users_own_models_by_name(owner_client, owner, other):
    make_output(make_job(owner, model_key="Qwen/Qwen-Image"))
    make_output(make_job(owner, model_key="acme/free-model"))
    make_output(make_job(other, model_key="secret/model", provider="apinfer"))

    page = owner_client.get(GALLERY).content.decode()

    assert '<option value="Qwen/Qwen-Image">Qwen Image</option>' in page
    assert '<option value="acme/free-model">acme/free-model</option>' in page
    assert "secret/model" not in page
    assert '<option value="netmind">NetMind</option>' in page and '<option value="apinfer">' not in page


# --- what each card shows -----------------------------------------------------------------------


def test_an_empty_gallery_invites_a_first_job(owner_client):
    response = owner_client.get(GALLERY)

    assert b"No outputs yet" in response.content
    assert reverse("jobs:new").encode() in response.content


def test_outputs_not_archived_show_their_state(owner_client, owner):
    job = make_job(owner)
    make_output(job, archive_state=ArchiveState.PENDING)
    make_output(job, archive_state=ArchiveState.FAILED, archive_error="The file server answered HTTP 503.",
                archive_retry_at=timezone.now() + timedelta(minutes=4))  # fmt: skip
    make_output(job, archive_state=ArchiveState.EXPIRED)

    html = owner_client.get(GALLERY).content.decode()

    assert "Copying the image to local storage" in html
    assert "Copy failed: The file server answered HTTP 503." in html and "Next try" in html
    assert "Expired: the provider's link died" in html


def test_video_and_audio_play_inline_with_poster_and_waveform(owner_client, owner, media_root):
    video = make_archived(make_job(owner), media_root, b"\0\0\0\x18ftypmp42" + b"\0" * 64, ext="mp4", kind="video",
                          thumbnail="thumbs/poster.webp")  # fmt: skip
    audio = make_archived(make_job(owner), media_root, wav_bytes(), ext="wav", kind="audio", thumbnail="thumbs/w.png")

    html = owner_client.get(GALLERY).content.decode()

    assert f'<video controls preload="metadata" poster="{reverse("jobs:thumbnail", args=[video.uuid])}"' in html
    assert f'<audio controls preload="metadata" src="{reverse("jobs:media", args=[audio.uuid])}"' in html
    assert f'class="waveform" src="{reverse("jobs:thumbnail", args=[audio.uuid])}"' in html


def test_each_card_offers_to_reuse_its_jobs_settings(owner_client, owner):
    output = make_output(make_job(owner))

    html = owner_client.get(GALLERY).content.decode()

    assert f'href="{reverse("jobs:new")}?from={output.job.uuid}"' in html


def test_the_page_loads_its_script_with_the_csp_nonce_and_no_inline_code(owner_client, owner):
    make_output(make_job(owner))

    response = owner_client.get(GALLERY)
    html = response.content.decode()

    nonce = response.wsgi_request.csp_nonce
    assert f'src="/static/js/gallery.js" defer nonce="{nonce}"' in html
    assert "style=" not in html and "onclick" not in html


# --- paging ---------------------------------------------------------------------------------------


def test_the_next_page_continues_where_the_first_ended_without_overlap(owner_client, owner, monkeypatch):
    monkeypatch.setattr(gallery_views, "PAGE_SIZE", 4)
    outputs = spread_outputs(owner, 10)

    first = owner_client.get(GALLERY)
    second = owner_client.get(next_url(first), HTTP_HX_REQUEST="true")
    third = owner_client.get(next_url(second), HTTP_HX_REQUEST="true")

    assert shown(first) + shown(second) + shown(third) == uuids(outputs)
    assert next_url(third) is None
    assert b"<h1>" not in second.content  # a fragment, not a page


def test_outputs_created_at_the_same_instant_are_paged_by_id(owner_client, owner, monkeypatch):
    monkeypatch.setattr(gallery_views, "PAGE_SIZE", 2)
    moment = timezone.now()
    job = make_job(owner, created_at=moment)
    outputs = [make_output(job, created_at=moment) for _ in range(5)][::-1]

    pages, url = [], GALLERY
    while url:
        response = owner_client.get(url, HTTP_HX_REQUEST="true" if pages else None)
        pages.append(shown(response))
        url = next_url(response)

    assert sum(pages, []) == uuids(outputs)


def test_the_next_page_keeps_the_filters(owner_client, owner, monkeypatch):
    monkeypatch.setattr(gallery_views, "PAGE_SIZE", 2)
    spread_outputs(owner, 5, model_key="hkchengrex/MMAudio")
    spread_outputs(owner, 5)

    first = owner_client.get(GALLERY, {"model": "hkchengrex/MMAudio"})
    second = owner_client.get(next_url(first), HTTP_HX_REQUEST="true")

    assert len(shown(second)) == 2
    assert set(Output.objects.filter(uuid__in=shown(second)).values_list("model_key", flat=True)) == {"hkchengrex/MMAudio"}


def test_without_javascript_the_next_page_is_a_full_page(owner_client, owner, monkeypatch):
    monkeypatch.setattr(gallery_views, "PAGE_SIZE", 2)
    outputs = spread_outputs(owner, 3)

    response = owner_client.get(next_url(owner_client.get(GALLERY)))

    assert b"<h1>Gallery</h1>" in response.content
    assert shown(response) == uuids(outputs[2:])


@pytest.mark.parametrize("cursor", ["yesterday", "1-2-3", "99999999999999999999-1", "-1"])
def test_a_malformed_page_position_is_a_400_naming_it(owner_client, owner, cursor):
    response = owner_client.get(GALLERY, {"after": cursor})

    assert response.status_code == 400
    assert b"after=" in response.content


def test_a_gallery_page_takes_fewer_than_8_queries_however_many_outputs(owner_client, owner, media_root,
                                                                         django_assert_max_num_queries):  # fmt: skip
    for output in spread_outputs(owner, 40):
        Output.objects.filter(pk=output.pk).update(archive_state=ArchiveState.ARCHIVED, file="objects/x.png")

    with django_assert_max_num_queries(7):
        first = owner_client.get(GALLERY)
    with django_assert_max_num_queries(7):
        owner_client.get(next_url(first), HTTP_HX_REQUEST="true")
    with django_assert_max_num_queries(7):
        owner_client.get(GALLERY, {"q": "fox", "kind": "image", "favourites": "on"})


# --- filters -------------------------------------------------------------------------------------


@pytest.fixture
def assorted(owner, media_root):
    day = timezone.now().replace(hour=12) - timedelta(days=10)
    image = make_output(make_job(owner, prompt="A red fox", created_at=day), favourite=True)
    video = make_output(make_job(owner, prompt="Ocean waves", model_key="hunyuanvideo-community/HunyuanVideo",
                                 created_at=day + timedelta(days=5)), kind="video")  # fmt: skip
    audio = make_output(make_job(owner, prompt="Rain on a tin roof", model_key="hkchengrex/MMAudio", provider="apinfer",
                                 created_at=day + timedelta(days=9)), kind="audio")  # fmt: skip
    return {"image": image, "video": video, "audio": audio, "first_day": day.date()}


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"kind": "video"}, ["video"]),
        ({"model": "hkchengrex/MMAudio"}, ["audio"]),
        ({"provider": "netmind"}, ["video", "image"]),
        ({"favourites": "on"}, ["image"]),
        ({"q": "FOX"}, ["image"]),
        ({"q": "tin roof", "kind": "audio"}, ["audio"]),
        ({"kind": "image", "q": "waves"}, []),
    ],
)
def test_filters_narrow_the_gallery(owner_client, assorted, query, expected):
    response = owner_client.get(GALLERY, query)

    assert shown(response) == uuids(assorted[name] for name in expected)


def test_a_date_range_includes_both_end_days(owner_client, assorted):
    first_day = assorted["first_day"]

    response = owner_client.get(GALLERY, {"since": first_day, "until": first_day + timedelta(days=5)})

    assert shown(response) == uuids([assorted["video"], assorted["image"]])


def test_filtering_with_htmx_returns_just_the_results(owner_client, assorted):
    response = owner_client.get(GALLERY, {"kind": "audio"}, HTTP_HX_REQUEST="true")

    assert response.content.decode().lstrip().startswith('<div id="gallery-results">')
    assert shown(response) == uuids([assorted["audio"]])


def test_nothing_matching_says_so_and_offers_to_clear(owner_client, assorted):
    response = owner_client.get(GALLERY, {"q": "no such prompt"})

    assert b"Nothing matches these filters" in response.content


@pytest.mark.parametrize(
    "query, message",
    [
        ({"since": "2025-02-30"}, "From: Enter a valid date."),
        ({"kind": "hologram"}, "Kind: Select a valid choice."),
        ({"since": "2025-03-02", "until": "2025-03-01"}, "must not be after"),
    ],
)
def test_bad_filter_values_are_a_400_naming_the_field(owner_client, owner, query, message):
    response = owner_client.get(GALLERY, query)

    assert response.status_code == 400
    assert message in response.content.decode()


# --- favourites ----------------------------------------------------------------------------------


def test_starring_with_htmx_swaps_the_star(owner_client, owner):
    output = make_output(make_job(owner))

    response = owner_client.post(reverse("jobs:favourite", args=[output.uuid]), {"favourite": "1"},
                                 HTTP_HX_REQUEST="true")

    output.refresh_from_db()
    assert output.favourite is True
    html = response.content.decode()
    assert html.lstrip().startswith('<form class="star-form"')
    assert 'aria-pressed="true"' in html and 'name="favourite" value="0"' in html


def test_starring_twice_keeps_the_star(owner_client, owner):
    output = make_output(make_job(owner))
    url = reverse("jobs:favourite", args=[output.uuid])

    owner_client.post(url, {"favourite": "1"})
    response = owner_client.post(url, {"favourite": "1"}, HTTP_REFERER="http://testserver/jobs/gallery/?kind=image")

    output.refresh_from_db()
    assert output.favourite is True
    assert response.status_code == 302 and response["Location"].endswith("/jobs/gallery/?kind=image")


def test_starring_needs_a_clear_value(owner_client, owner):
    output = make_output(make_job(owner))

    response = owner_client.post(reverse("jobs:favourite", args=[output.uuid]), {"favourite": "maybe"})

    assert response.status_code == 400
    assert b"favourite" in response.content


def test_nobody_can_star_someone_elses_output(client, other, owner):
    output = make_output(make_job(owner))
    client.force_login(other)

    assert client.post(reverse("jobs:favourite", args=[output.uuid]), {"favourite": "1"}).status_code == 404
    assert client.get(reverse("jobs:favourite", args=[output.uuid])).status_code == 405


# --- bulk actions --------------------------------------------------------------------------------


def test_bulk_delete_asks_for_confirmation_first(owner_client, owner, media_root):
    output = make_archived(make_job(owner, prompt="keep me for now"), media_root, png_bytes())

    response = owner_client.post(BULK, {"action": "delete", "ids": [output.uuid]})

    assert response.status_code == 200
    assert b"Delete 1 output?" in response.content and b"keep me for now" in response.content
    assert Output.objects.filter(pk=output.pk).exists()


def test_confirmed_bulk_delete_removes_rows_and_unshared_files(owner_client, owner, other, media_root):
    mine = make_archived(make_job(owner), media_root, png_bytes())
    also_mine = make_archived(make_job(owner), media_root, wav_bytes(), ext="wav", kind="audio")
    theirs = make_archived(make_job(other), media_root, png_bytes())  # the same bytes: a shared file

    response = owner_client.post(BULK, {"action": "delete", "confirm": "yes", "ids": [mine.uuid, also_mine.uuid]})

    assert response.status_code == 302
    assert list(Output.objects.all()) == [theirs]
    assert media_files(media_root) == [media_root / theirs.file]


def test_the_zip_download_streams_every_selected_file(owner_client, owner, media_root):
    image = make_archived(make_job(owner), media_root, png_bytes())
    audio = make_archived(make_job(owner, model_key="hkchengrex/MMAudio"), media_root, wav_bytes(), ext="wav", kind="audio")
    pending = make_output(make_job(owner))

    response = owner_client.post(BULK, {"action": "zip", "ids": [image.uuid, audio.uuid, pending.uuid]})

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="netmind-gallery-')
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert bundle.testzip() is None
    contents = sorted(bundle.read(info) for info in bundle.infolist())
    assert contents == sorted([png_bytes(), wav_bytes()])
    assert all(info.compress_type == zipfile.ZIP_STORED for info in bundle.infolist())
    assert any(name.endswith(f"hkchengrex-mmaudio-{audio.uuid.hex[:8]}.wav") for name in bundle.namelist())


@pytest.mark.parametrize(
    "data, message",
    [
        ({"action": "zip"}, "No outputs selected: tick at least one."),
        ({"action": "delete"}, "No outputs selected: tick at least one."),
        ({"action": "zip", "ids": ["pending"]}, "None of the selected outputs has a local copy to download yet."),
    ],
)
def test_a_selection_with_nothing_to_act_on_goes_back_to_the_gallery_it_came_from(owner_client, owner, data, message):
    pending = make_output(make_job(owner))
    data = {**data, "ids": [pending.uuid]} if "ids" in data else data
    came_from = f"http://testserver{GALLERY}?q=fox&kind=image"

    response = owner_client.post(BULK, data, headers={"referer": came_from}, follow=True)

    assert response.redirect_chain == [(came_from, 302)]
    assert [str(shown) for shown in response.context["messages"]] == [message]
    assert message in html.unescape(response.content.decode())


@pytest.mark.parametrize(
    "data, message",
    [
        ({"action": "burn", "ids": ["7c0b6b64-3f2d-4a56-9d7e-2b8c1f0a9e11"]}, "Unknown action “burn”".encode()),
        ({"action": "delete", "ids": ["not-a-uuid"]}, "“not-a-uuid” is not an output id".encode()),
    ],
)
def test_bad_bulk_requests_are_a_400_naming_the_problem(owner_client, owner, data, message):
    response = owner_client.post(BULK, data)

    assert response.status_code == 400
    assert message in response.content
