"""`manage.py catalogue`: a model added from its document is offered and sent exactly as its schema says; a wrong
document or value is refused naming what is wrong; a disabled model is not offered and its jobs stay."""

import json
from html import unescape

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from PIL import Image

from jobs import catalogue
from jobs.models import CatalogueChange, CatalogueEntry, Job
from tests.catalogue.test_documents import EXAMPLES
from tests.fixtures.console import wait_until_final
from tests.fixtures.files_api import remote_files
from tests.jobs.gallery_fixtures import wav_bytes

pytestmark = pytest.mark.django_db(transaction=True)
NANO_FILE = str(EXAMPLES / "google-nano-banana-pro.json")


def submit(capsys, *options, **named) -> Job:
    call_command("submit", *options, user="alice", **named)
    return Job.objects.get(uuid=capsys.readouterr().out.splitlines()[-1])


def test_a_model_added_from_its_document_is_sent_exactly_as_set_and_archives_an_image(owner, capsys, sent_configs):
    call_command("catalogue", "add", NANO_FILE)
    assert capsys.readouterr().out == "Added google/nano-banana-pro (Nano Banana Pro).\n"

    job = wait_until_final(submit(capsys, model="google/nano-banana-pro", prompt="a lighthouse, wide",
                                  set=["aspect_ratio=16:9"]))

    assert [(sent["model"], sent["config"]) for sent in sent_configs] == [("google/nano-banana-pro", {
        "prompt": "a lighthouse, wide", "aspect_ratio": "16:9", "output_format": "png", "resolution": "1K"})]
    assert job.state == "succeeded", job.error_message
    output = job.outputs.get()
    assert (output.kind, output.archive_state, output.content_type) == ("image", "archived", "image/png")
    with Image.open(output_path(output)) as image:
        assert abs(image.width / image.height - 16 / 9) < 0.02, image.size


def test_a_transcription_uploads_its_clip_sends_its_link_and_gives_the_transcript(owner, capsys, tmp_path,
                                                                                   sent_configs, console_on_sandbox):
    call_command("catalogue", "add", str(EXAMPLES / "openai-whisper.json"))
    clip = tmp_path / "clip.wav"
    clip.write_bytes(wav_bytes())
    with pytest.raises(CommandError, match="--prompt: Whisper takes no prompt; leave it out"):
        submit(capsys, model="openai/whisper", prompt="hello", input=[f"audio_url={clip}"])

    job = wait_until_final(submit(capsys, model="openai/whisper", input=[f"audio_url={clip}"], set=["task=transcribe"]))

    [sent] = sent_configs
    assert (sent["model"], sorted(sent["config"]), sent["config"]["task"]) == (
        "openai/whisper", ["audio_url", "task"], "transcribe")
    assert sent["config"]["audio_url"].startswith(console_on_sandbox.url)  # the Files API's download link
    assert sent["served"].content == clip.read_bytes()
    assert job.state == "succeeded", job.error_message
    transcript = job.outputs.get().text
    assert transcript.startswith(f"Transcript of clip.wav ({clip.stat().st_size:,} bytes): ")
    assert console_on_sandbox.calls()["POST /v1/files"] == 1 and remote_files(console_on_sandbox, owner) == []

    call_command("jobs", user="alice", json=True)
    assert json.loads(capsys.readouterr().out)[0]["outputs"][0]["text"] == transcript
    client = Client()
    client.force_login(owner)
    assert transcript.splitlines()[0] in unescape(client.get(f"/jobs/{job.uuid}/").content.decode())


def output_path(output):
    from django.core.files.storage import default_storage

    return default_storage.path(output.file)


def test_a_value_outside_the_enum_is_refused_naming_the_allowed_values(owner, capsys):
    call_command("catalogue", "add", NANO_FILE)
    with pytest.raises(CommandError) as refused:
        submit(capsys, model="google/nano-banana-pro", prompt="x", set=["aspect_ratio=7:3"])
    assert "aspect_ratio: Select a valid choice. 7:3 is not one of the available choices." in str(refused.value)
    assert "Allowed values: 1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9 or 21:9." in str(refused.value)
    with pytest.raises(CommandError, match="--set seed: Nano Banana Pro has no such parameter; its parameters: "
                                           "aspect_ratio, output_format, resolution"):
        submit(capsys, model="google/nano-banana-pro", prompt="x", set=["seed=4"])
    assert not Job.objects.exists()


def test_a_wrong_document_is_refused_naming_its_json_path_and_nothing_is_saved(tmp_path):
    document = json.loads((EXAMPLES / "google-nano-banana-pro.json").read_text())
    document["parameters"]["properties"]["resolution"]["default"] = "8K"
    del document["label"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError) as refused:
        call_command("catalogue", "add", str(path))
    assert str(refused.value) == "Not added. $: 'label' is a required property."
    document["label"] = "Nano"
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError, match=r"\$.parameters.properties.resolution.default: \"8K\" is not one of the "):
        call_command("catalogue", "add", str(path))
    with pytest.raises(CommandError, match="The catalogue has Qwen/Qwen-Image already; edit it instead"):
        call_command("catalogue", "add", str(sorted((catalogue.registry.SHIPPED_DIR).glob("01-*.json"))[0]))
    assert not CatalogueEntry.objects.exists() and not CatalogueChange.objects.exists()


def test_list_shows_every_model_and_a_disabled_one_is_refused_for_new_jobs_but_its_jobs_stay(owner, capsys):
    call_command("catalogue", "add", NANO_FILE)
    job = submit(capsys, model="google/nano-banana-pro", prompt="before")
    call_command("catalogue", "disable", "google/nano-banana-pro")
    assert capsys.readouterr().out == "google/nano-banana-pro disabled.\n"
    call_command("catalogue", "list", "--json")
    listed = json.loads(capsys.readouterr().out)

    assert [(d["model_id"], d["enabled"]) for d in listed][-2:] == [("apinfer/wan2.2", True),
                                                                    ("google/nano-banana-pro", False)]
    assert "google/nano-banana-pro" not in [spec.key for spec in catalogue.offered()]
    with pytest.raises(CommandError, match="Unknown model 'google/nano-banana-pro'"):
        submit(capsys, model="google/nano-banana-pro", prompt="after")
    assert Job.objects.get(pk=job.pk).model_label == "Nano Banana Pro"

    call_command("catalogue", "enable", "google/nano-banana-pro")
    assert submit(capsys, model="google/nano-banana-pro", prompt="again").model_key == "google/nano-banana-pro"
    assert [c.action for c in CatalogueChange.objects.order_by("at", "id")] == ["added", "disabled", "enabled"]


def test_a_shipped_model_disabled_then_removed_is_restored_as_it_ships(owner, capsys):
    call_command("catalogue", "disable", "haiper/text2image")
    assert "haiper/text2image" not in [spec.key for spec in catalogue.offered()]
    call_command("catalogue", "remove", "haiper/text2image")
    assert capsys.readouterr().out.splitlines()[-1] == "haiper/text2image restored as it ships."
    assert "haiper/text2image" in [spec.key for spec in catalogue.offered()]
    with pytest.raises(CommandError, match="ships with the console and is as it ships; disable it instead"):
        call_command("catalogue", "remove", "haiper/text2image")
    with pytest.raises(CommandError, match="The catalogue has no model 'no/such'"):
        call_command("catalogue", "disable", "no/such")
