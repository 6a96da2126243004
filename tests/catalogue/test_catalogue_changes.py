"""What a catalogue change does to the pages and drafts that use the model: a disabled model's draft cannot start, New
job falls back to a model it offers, and a schema's seed, negative prompt and optional values are sent as set."""

import copy

import pytest
from django.core.management import call_command

from jobs.catalogue import documents, registry
from jobs.models import Batch, Job
from tests.catalogue.test_documents import NANO
from tests.jobs.batching import draft

pytestmark = pytest.mark.django_db

NANO_WITH_EXTRAS = copy.deepcopy(NANO)
NANO_WITH_EXTRAS["parameters"]["properties"].update(
    negative_prompt={"type": "string", "maxLength": 500},
    seed={"type": "integer", "minimum": 0, "maximum": 10**6},
    style={"type": "string", "maxLength": 40, "title": "Style"},
)


def test_a_schemas_seed_negative_prompt_and_blank_optional_text_are_sent_as_set(owner, capsys):
    registry.save(NANO_WITH_EXTRAS, owner)
    call_command("submit", user="alice", model="google/nano-banana-pro", prompt="a heron",
                 set=["seed=4242", "negative_prompt=blur", "style="])

    job = Job.objects.get(uuid=capsys.readouterr().out.strip())
    assert job.request_body["config"] == {"prompt": "a heron", "aspect_ratio": "1:1", "output_format": "png",
                                          "resolution": "1K", "seed": 4242, "negative_prompt": "blur"}
    assert job.seed == 4242


def test_a_draft_of_a_model_disabled_since_cannot_start_and_says_why(owner_client, owner):
    registry.save(NANO, owner)
    batch = draft(owner, "google/nano-banana-pro", prompts="a fox\nan owl")
    registry.set_enabled("google/nano-banana-pro", False, owner)

    response = owner_client.post(f"/jobs/batches/{batch.uuid}/start/")

    assert response.status_code == 409
    assert "Nano Banana Pro is no longer offered (an administrator disabled or removed it)" in response.content.decode()
    assert Batch.objects.get(pk=batch.pk).state == "draft" and not Job.objects.exists()


def test_new_job_falls_back_to_a_model_it_offers_when_the_default_is_disabled(owner_client, owner):
    registry.set_enabled("Qwen/Qwen-Image", False, owner)
    page = owner_client.get("/jobs/new/").content.decode()
    assert 'name="model" value="hunyuanvideo-community/HunyuanVideo"' in page


def test_editing_a_model_the_catalogue_does_not_have_is_refused(owner):
    with pytest.raises(documents.DocumentRefused, match="The catalogue has no google/nano-banana-pro to edit; add it"):
        registry.save(NANO, owner, replacing="google/nano-banana-pro")
