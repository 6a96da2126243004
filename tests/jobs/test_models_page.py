"""The Models page: staff add, edit, disable, enable and remove catalogue models; everyone signed in reads them."""

import copy
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jobs import catalogue
from jobs.catalogue import registry
from jobs.models import CatalogueChange, CatalogueEntry, Job
from tests.jobs.test_lifecycle import new_job
from tests.jobs.test_submit import form_data

pytestmark = pytest.mark.django_db(transaction=True)

NANO_BANANA = json.loads((Path(__file__).parents[2] / "docs/catalogue/google-nano-banana-pro.json").read_text())
NANO_ID = NANO_BANANA["model_id"]


@pytest.fixture
def staff_client(admin):
    client = Client()
    client.force_login(admin)
    return client


def add(client, document=NANO_BANANA):
    return client.post("/jobs/models/new/", {"text": json.dumps(document)})


def offered_keys() -> list[str]:
    return [spec.key for spec in catalogue.offered()]


def test_staff_add_a_model_and_everyone_is_offered_it_on_new_job(staff_client, owner_client):
    form = staff_client.get("/jobs/models/new/")
    assert form.status_code == 200 and "provider/model-name" in form.content.decode()  # a document to start from

    response = add(staff_client)
    assert response.status_code == 302 and response["Location"] == f"/jobs/models/{NANO_ID}/"
    assert "Added Nano Banana Pro" in staff_client.get(response["Location"]).content.decode()

    assert NANO_ID in offered_keys()
    listing = owner_client.get("/jobs/models/").content.decode()
    assert "Nano Banana Pro" in listing and "Added by root" in listing
    new_job_page = owner_client.get("/jobs/new/").content.decode()
    assert f'<option value="{NANO_ID}"' in new_job_page


def test_a_model_page_shows_its_parameters_as_a_table_and_its_document(staff_client, owner_client):
    add(staff_client)
    page = owner_client.get(f"/jobs/models/{NANO_ID}/").content.decode()
    assert "<code>aspect_ratio</code>" in page and "1:1, 2:3, 3:2" in page and "<code>&quot;1:1&quot;</code>" in page
    assert "The longer side: about 1,000" in page  # the parameter's description
    assert "&quot;model_id&quot;: &quot;google/nano-banana-pro&quot;" in page  # the document as JSON


def test_a_document_may_be_uploaded_as_a_json_file(staff_client):
    upload = SimpleUploadedFile("nano.json", json.dumps(NANO_BANANA).encode(), content_type="application/json")
    response = staff_client.post("/jobs/models/new/", {"text": "", "upload": upload})
    assert response.status_code == 302
    assert registry.document(NANO_ID) == NANO_BANANA


def test_a_bad_document_is_refused_with_the_json_path_of_each_problem_and_nothing_is_saved(staff_client):
    wrong = copy.deepcopy(NANO_BANANA)
    wrong["parameters"]["properties"]["aspect_ratio"]["enum"] = []
    wrong["kind"] = "hologram"
    response = add(staff_client, wrong)

    page = response.content.decode()
    assert response.status_code == 422
    assert "<code>$.parameters.properties.aspect_ratio.enum</code>" in page and "should be non-empty" in page
    assert "<code>$.kind</code>" in page
    assert "hologram" in page  # the text is kept, to be fixed rather than typed again
    assert not CatalogueEntry.objects.exists() and not CatalogueChange.objects.exists()
    assert NANO_ID not in offered_keys()


@pytest.mark.parametrize("data, says", [
    ({"text": "{not json"}, "The document is not valid JSON"),
    ({"text": " " * 10}, "Paste a document or upload a .json file"),
    ({"text": "[" * 200_000}, "The document is nested deeper than 64 levels"),
    ({"text": "\"" + "x" * 100_000 + "\""}, "too long: 100,002 characters; at most 100,000"),
    ({"upload": SimpleUploadedFile("photo.json", b"\x89PNG\r\n\x1a\n\xff\xfe\x00")}, "is not a text file"),
    ({"upload": SimpleUploadedFile("big.json", b" " * 500_000)}, "is larger than 400 kB"),
])
def test_input_that_is_no_document_is_refused_with_a_reason_never_a_500(staff_client, data, says):
    response = staff_client.post("/jobs/models/new/", data)
    assert response.status_code == 422
    assert says in response.content.decode()
    assert not CatalogueEntry.objects.exists()


def test_a_post_larger_than_any_form_takes_is_a_400(staff_client):
    assert staff_client.post("/jobs/models/new/", {"text": "x" * 3_000_000}).status_code == 400
    assert not CatalogueEntry.objects.exists()


def test_a_model_the_catalogue_has_cannot_be_added_twice(staff_client):
    add(staff_client)
    again = add(staff_client)
    assert again.status_code == 422 and "has google/nano-banana-pro already" in again.content.decode()
    assert CatalogueChange.objects.filter(action="added").count() == 1


def test_staff_edit_a_model_but_not_its_id(staff_client, owner_client):
    add(staff_client)
    form = staff_client.get(f"/jobs/models/{NANO_ID}/edit/").content.decode()
    assert "Nano Banana Pro" in form and "&quot;aspect_ratio&quot;" in form  # prefilled with the current document

    renamed = {**NANO_BANANA, "label": "Nano Banana Pro (4K)"}
    response = staff_client.post(f"/jobs/models/{NANO_ID}/edit/", {"text": json.dumps(renamed)})
    assert response.status_code == 302
    assert catalogue.get(NANO_ID).label == "Nano Banana Pro (4K)"
    assert "Nano Banana Pro (4K)" in owner_client.get("/jobs/new/").content.decode()

    moved_id = json.dumps({**renamed, "model_id": "google/x"})
    moved = staff_client.post(f"/jobs/models/{NANO_ID}/edit/", {"text": moved_id})
    assert moved.status_code == 422 and "The model id cannot change" in moved.content.decode()
    assert catalogue.get("google/x") is None


def test_disabling_asks_first_then_stops_new_jobs_but_its_jobs_still_show_its_name(staff_client, owner_client, owner):
    job = new_job(owner)  # Qwen/Qwen-Image, shipped
    confirm = staff_client.get("/jobs/models/Qwen/Qwen-Image/toggle/").content.decode()
    assert "Disable Qwen Image?" in confirm and "stop offering" in confirm and "Its jobs stay" in confirm
    assert "Qwen/Qwen-Image" in offered_keys()  # asking changed nothing

    response = staff_client.post("/jobs/models/Qwen/Qwen-Image/toggle/", {"enabled": "no"})
    assert "no longer offered for new jobs; its jobs stay" in staff_client.get(response["Location"]).content.decode()
    assert "Qwen/Qwen-Image" not in offered_keys()
    assert '<option value="Qwen/Qwen-Image"' not in owner_client.get("/jobs/new/").content.decode()
    refused = owner_client.post("/jobs/new/", form_data(owner, "Qwen/Qwen-Image"))
    assert refused.status_code == 400 and Job.objects.count() == 1
    assert "Qwen Image" in owner_client.get(f"/jobs/{job.uuid}/").content.decode()
    listing = owner_client.get("/jobs/models/").content.decode()
    assert "Disabled" in listing

    assert staff_client.post("/jobs/models/Qwen/Qwen-Image/toggle/", {"enabled": "yes"}).status_code == 302
    assert "Qwen/Qwen-Image" in offered_keys()


def test_removing_an_added_model_asks_first_and_forgets_it(staff_client, owner_client):
    add(staff_client)
    confirm = staff_client.get(f"/jobs/models/{NANO_ID}/remove/").content.decode()
    assert "Remove Nano Banana Pro?" in confirm and "Its jobs stay" in confirm

    response = staff_client.post(f"/jobs/models/{NANO_ID}/remove/")
    assert response.status_code == 302
    assert "its jobs stay, shown by the model id" in staff_client.get("/jobs/models/").content.decode()
    assert NANO_ID not in offered_keys() and catalogue.get(NANO_ID) is None
    assert owner_client.get(f"/jobs/models/{NANO_ID}/").status_code == 404


def test_an_edited_shipped_model_is_restored_not_removed(staff_client, owner_client):
    shipped = registry.SHIPPED_DOCUMENTS["Qwen/Qwen-Image"]
    staff_client.post("/jobs/models/Qwen/Qwen-Image/edit/", {"text": json.dumps({**shipped, "label": "Qwen (ours)"})})
    listing = staff_client.get("/jobs/models/").content.decode()
    assert "Qwen (ours)" in listing and "edited" in listing and "Restore the shipped version" in listing

    assert "Restore the shipped version of Qwen (ours)?" in staff_client.get(
        "/jobs/models/Qwen/Qwen-Image/remove/").content.decode()
    assert staff_client.post("/jobs/models/Qwen/Qwen-Image/remove/").status_code == 302
    assert catalogue.get("Qwen/Qwen-Image").label == "Qwen Image"
    assert not CatalogueEntry.objects.exists()
    assert '<option value="Qwen/Qwen-Image"' in owner_client.get("/jobs/new/").content.decode()


def test_a_shipped_model_as_shipped_has_nothing_to_remove(staff_client):
    assert "Restore the shipped version" not in staff_client.get("/jobs/models/Qwen/Qwen-Image/").content.decode()
    response = staff_client.post("/jobs/models/Qwen/Qwen-Image/remove/")
    assert response.status_code == 409 and "nothing to restore" in response.content.decode()
    assert "Qwen/Qwen-Image" in offered_keys() and not CatalogueChange.objects.exists()


def test_everyone_signed_in_reads_the_catalogue_but_only_staff_change_it(owner_client, staff_client):
    add(staff_client)
    listing = owner_client.get("/jobs/models/").content.decode()
    assert "Nano Banana Pro" in listing and "Qwen Image" in listing
    assert "Add model" not in listing and "Disable…" not in listing
    assert owner_client.get(f"/jobs/models/{NANO_ID}/").status_code == 200

    before = list(CatalogueChange.objects.values_list("pk", flat=True))
    for url in ("/jobs/models/new/", f"/jobs/models/{NANO_ID}/edit/", f"/jobs/models/{NANO_ID}/toggle/",
                f"/jobs/models/{NANO_ID}/remove/"):
        for answer in (owner_client.get(url), owner_client.post(url, {"text": "{}", "enabled": "no"})):
            assert answer.status_code == 403, url
            assert "Only the console's administrators change the catalogue" in answer.content.decode()
    assert list(CatalogueChange.objects.values_list("pk", flat=True)) == before
    assert NANO_ID in offered_keys()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/jobs/models/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_model_the_catalogue_does_not_have_is_a_404_and_a_wrong_toggle_a_400(staff_client):
    assert staff_client.get("/jobs/models/nobody/nothing/").status_code == 404
    assert staff_client.post("/jobs/models/nobody/nothing/toggle/", {"enabled": "no"}).status_code == 404
    assert staff_client.post("/jobs/models/nobody/nothing/remove/").status_code == 404
    wrong = staff_client.post("/jobs/models/Qwen/Qwen-Image/toggle/", {"enabled": "maybe"})
    assert wrong.status_code == 400 and "enabled=yes" in wrong.content.decode()
    assert not CatalogueChange.objects.exists()


def test_the_page_lists_who_changed_what_and_when(staff_client, owner_client):
    assert "No changes yet" in owner_client.get("/jobs/models/").content.decode()
    add(staff_client)
    staff_client.post(f"/jobs/models/{NANO_ID}/toggle/", {"enabled": "no"})
    registry.set_enabled(NANO_ID, True)  # as `manage.py catalogue` does it: no one signed in

    changes = owner_client.get("/jobs/models/").content.decode().split("Recent changes")[1]
    assert changes.index("Enabled") < changes.index("Disabled") < changes.index("Added")  # newest first
    assert "the command line" in changes and changes.count("root") == 2 and changes.count(NANO_ID) == 3
    assert "Disabled" in owner_client.get(f"/jobs/models/{NANO_ID}/").content.decode()


def test_the_list_filters_by_kind_and_provider_also_as_a_fragment(owner_client):
    audio = owner_client.get("/jobs/models/?kind=audio").content.decode()
    assert "MMAudio" in audio and "Qwen Image" not in audio
    apinfer = owner_client.get("/jobs/models/?provider=apinfer", HTTP_HX_REQUEST="true")
    body = apinfer.content.decode()
    assert "<html" not in body and "Apinfer Wan 2.2" in body and "MMAudio" not in body
    assert "No model matches" in owner_client.get("/jobs/models/?kind=text").content.decode()
