"""Words people read instead of the providers' keys: image sizes, provider names, models, durations, and the
gallery's folded filters."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from jobs import catalogue
from jobs.forms import JobForm
from netmind_console.core.templatetags.humanize_bytes import clock
from netmind_console.workspaces.services import personal_workspace
from tests.jobs.gallery_fixtures import (  # noqa: F401 (fixtures)
    console_setup,
    make_archived,
    make_job,
    make_output,
    media_root,
    static_without_collectstatic,
    wav_bytes,
)

GALLERY = reverse("jobs:gallery")
QWEN = catalogue.get("Qwen/Qwen-Image")


def test_image_sizes_are_offered_by_label_and_sent_as_the_providers_keys(owner):
    form = JobForm(spec=QWEN, workspace=personal_workspace(owner))

    choices = dict(form.fields["image_size"].choices)

    assert choices["landscape_4_3"] == "Landscape 4:3" and choices["square_hd"] == "Square HD"
    assert dict(form.fields["output_format"].choices) == {"png": "PNG", "jpeg": "JPEG"}


def test_a_jobs_values_are_shown_by_label_and_unknown_models_show_none():
    values = {"prompt": "a fox", "image_size": "square_hd", "enable_safety_checker": False, "seed": 7}

    shown = QWEN.shown_parameters(values)

    assert shown == [("Image size", "Square HD"), ("Safety checker", "No")]
    rendered = Template("{% load words %}{% for label, value in values|parameters:key %}{{ label }}={{ value }};"
                        "{% endfor %}").render(Context({"values": values, "key": "acme/free-model"}))
    assert rendered == ""


def test_a_batch_rows_own_values_are_labelled_columns_included():
    template = Template("{% load words %}{% for label, value in row|labelled:key %}{{ label }}: {{ value }}; "
                        "{% endfor %}")

    rendered = template.render(Context({"row": {"image_size": "portrait_9_16", "seed": 42}, "key": QWEN.key}))

    assert rendered == "Image size: Portrait 9:16; Seed: 42; "


@pytest.mark.parametrize("provider, name", [("netmind", "NetMind"), ("apinfer", "Apinfer"), ("other", "other")])
def test_providers_are_named_as_people_write_them(provider, name):
    assert Template("{% load words %}{{ provider|provider_name }}").render(Context({"provider": provider})) == name


@pytest.mark.parametrize("seconds, shown", [(8.4, "0:08"), (65, "1:05"), (3723, "1:02:03"), (None, "")])
def test_durations_read_as_a_player_shows_them(seconds, shown):
    assert clock(seconds) == shown


def test_the_job_page_names_the_model_by_its_label_with_its_parameters(owner_client, owner):
    job = make_job(owner, model_key="apinfer/wan2.2", provider="apinfer", remote_model="wan2.2",
                   params={"prompt": "a kite", "video_length": 60, "fps": 20})

    page = owner_client.get(reverse("jobs:detail", args=[job.uuid])).content.decode()

    assert "<dt>Model</dt><dd>Apinfer Wan 2.2 image to video</dd>" in page
    assert "<dt>Length (frames)</dt><dd>60</dd><dt>Frames per second</dt><dd>20</dd>" in page


def test_the_gallery_names_providers_and_gives_audio_its_duration(owner_client, owner, media_root):
    job = make_job(owner, model_key="hkchengrex/MMAudio", provider="apinfer")
    make_archived(job, media_root, wav_bytes(), ext="wav", kind="audio", duration_seconds=8.2)

    page = owner_client.get(GALLERY).content.decode()

    assert '<option value="apinfer">Apinfer</option>' in page and "<span>Apinfer</span>" in page
    assert '<audio controls preload="metadata"' in page
    assert re.search(r"Duration </span>0:08</span>", page)


def test_the_folded_filters_say_how_many_are_set_and_open_on_a_bad_one(owner_client, owner):
    make_output(make_job(owner))

    plain = owner_client.get(GALLERY).content.decode()
    two = owner_client.get(GALLERY, {"kind": "image", "q": "fox", "batch": ""}).content.decode()
    bad = owner_client.get(GALLERY, {"since": "not a date"}).content.decode()
    swapped = owner_client.get(GALLERY, {"favourites": "on"}, headers={"hx-request": "true"}).content.decode()

    assert '<details class="filters-fold">' in plain and 'id="active-filters" hx-swap-oob="true"></span>' in plain
    assert "Filters<span" in two and " · 2 active</span>" in two
    assert '<details class="filters-fold" open>' in bad
    assert "<details" not in swapped and " · 1 active</span>" in swapped  # the htmx swap updates the count
