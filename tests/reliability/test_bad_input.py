"""Bad input, property-based: whatever a person or a script types, the console answers with a 2xx, 3xx or 4xx,
a rejected value's message names its field, and a rejected post saves nothing.

Every form, every management command and the main POST views get arbitrary text, numbers, unicode, huge values
and missing fields from hypothesis. No provider is ever called: the values that pass go no further than a saved
row, because the task queue is replaced by a no-op (see `no_tasks`).
"""

import html
import io
import os
import re
import struct
import uuid
import zlib
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, assume, example, given, settings, strategies as st
from PIL import Image

from endpoints.models import Endpoint, EndpointSchedule, Flavor, ScaleIntent, Status
from jobs import catalogue
from jobs.models import Job, Output
from netmind_console.accounts import crypto
from netmind_console.accounts.models import Preferences, ProviderAccount, preferences_for

pytestmark = pytest.mark.django_db

# 30 fixed examples per test keep the file well under a minute and make test's verdict repeatable;
# BAD_INPUT_EXAMPLES=300 hunts deeper with fresh random examples on every run.
# An @example pins an input that once gave a 500 (a probe's find) into its test, whatever the seed draws.
DEEPER_HUNT = os.environ.get("BAD_INPUT_EXAMPLES")
BOUNDED = settings(max_examples=int(DEEPER_HUNT or 30), derandomize=not DEEPER_HUNT, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])
ROWS = (Job, Output, ProviderAccount, Preferences, Endpoint, EndpointSchedule, ScaleIntent)

# What people and scripts really send: blanks, words, unicode, numbers of any size (past int()'s 4,300 digits),
# floats, huge text, dates at the calendar's ends, and JSON nested deeper than Python's parser recurses.
numbers = st.one_of(st.integers(), st.integers(min_value=10**18, max_value=10**400), st.floats(allow_nan=True))
long_digits = st.integers(min_value=1000, max_value=20000).map(lambda n: "9" * n)
deep_json = st.tuples(st.integers(min_value=60, max_value=50_000), st.booleans()).map(
    lambda pair: "[" * pair[0] + "]" * pair[0] if pair[1] else '{"a":' * pair[0] + "0" + "}" * pair[0])
far_dates = st.one_of(st.sampled_from(["9999-12-31", "0001-01-01", "12/31/9999"]), st.dates().map(str))
junk = st.one_of(
    st.just(""), st.text(max_size=40), st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    numbers.map(str), st.sampled_from(["-1", "0", "1e309", "NaN", "∞", "{}", "[]", "null", "../..", "09:00"]),
    long_digits, deep_json, far_dates,
)


def posted(*names, **likely):
    """Form data with any subset of these fields, each holding junk (or, half the time, its `likely` values)."""
    return st.fixed_dictionaries({}, optional={name: st.one_of(likely[name], junk) if name in likely else junk
                                               for name in names})


# ---- fixtures -------------------------------------------------------------------------------------

@pytest.fixture
def no_tasks(monkeypatch):
    """Replaces the task queue with a no-op, so a post that passes validation never reaches a provider."""
    monkeypatch.setattr("netmind_console.core.queue.after_commit", lambda send: None)


@pytest.fixture
def owner_with_preferences(owner, no_tasks):
    """The shared owner (with sandbox accounts), her preferences made, and the task queue a no-op."""
    preferences_for(owner)  # pages create it on first read; made now, so row counts show only what a post saved
    return owner


@pytest.fixture
def web(owner_client, owner_with_preferences):
    return owner_client


@pytest.fixture
def endpoint(owner_with_preferences):
    account = owner_with_preferences.provider_accounts.get(provider="netmind")
    flavor = Flavor.objects.create(base_url=account.base_url, flavor_id="rtx", display_name="RTX 4090",
                                   usd_per_gpu_hour=Decimal("0.30"), available_num=6, node_max_gpu=2)
    return Endpoint.objects.create(owner=owner_with_preferences, workspace=account.workspace, account=account,
                                   name="echo", flavor=flavor, service_id="svc-1", status=Status.INITIALIZING, usd_per_gpu_hour=Decimal("0.30"))


# ---- the checks -------------------------------------------------------------------------------------

def row_counts():
    return {model.__name__: model.objects.count() for model in ROWS}


def check_answer(response, before: dict, form_key="form"):
    """Never a 5xx; a refusal saves nothing and names each field it refuses."""
    assert response.status_code < 500, response.content[:2000]
    if 400 <= response.status_code < 500:
        assert row_counts() == before
        form = response.context and response.context.get(form_key)
        if form is not None:
            assert_errors_name_their_fields(response.content.decode(), form)


def assert_errors_name_their_fields(page: str, form):
    """Each error is shown inside its field, right after the field's own label, or quotes the label itself."""
    for name, messages in form.errors.items():
        if name == "__all__" or form[name].is_hidden:  # a hidden field's value is the page's, not the person's
            continue
        bound = form[name]
        label = html.escape(str(bound.label))
        shown = page.find(f'id="{bound.auto_id}_error"')
        if shown >= 0:
            assert_shown_after_its_own_label(page[:shown], bound, label)
        else:
            for message in messages:
                assert f"{label}: " in html.escape(message) or f"{label}: " in page, (
                    f"{name}: {message!r} does not name {label!r}")


def assert_shown_after_its_own_label(before: str, bound, label: str):
    own = max(before.rfind(f'<label for="{bound.id_for_label}"'), before.rfind("<legend"))
    assert own >= 0 and label in before[own:own + 300], f"{bound.name}: its error is not under its label {label!r}"
    other_fields = [for_id for for_id in re.findall(r'<label for="([^"]+)"', before[own:])
                    if not for_id.startswith(bound.auto_id)]
    assert not other_fields, f"{bound.name}: its error is shown under {other_fields}"


# ---- a form posted with nothing in it --------------------------------------------------------------

@pytest.mark.parametrize("path, says", [
    ("/settings/accounts/new/", "This field is required"), ("/jobs/new/", "Unknown model: choose one"),
    ("/jobs/compare/", "This field is required"), ("/endpoints/new/", "This field is required"),
    ("/endpoints/adopt/", "This field is required"), ("/endpoints/{endpoint}/delete/", "This field is required"),
    ("/endpoints/{endpoint}/try/", "This field is required"),
])
def test_a_form_posted_empty_is_refused_and_says_what_is_required(web, endpoint, path, says):
    before = row_counts()
    response = web.post(path.format(endpoint=endpoint.uuid), {})
    assert 400 <= response.status_code < 500
    check_answer(response, before)
    assert says in response.content.decode()


# ---- new job, compare, jobs list --------------------------------------------------------------------

JOB_FIELDS = ("prompt", "account", "negative_prompt", "seed_mode", "seed", "model_id", "config_json", "image_size",
              "num_inference_steps", "guidance_scale", "num_images", "enable_safety_checker", "output_format",
              "aspect_ratio", "resolution", "duration", "width", "height", "video_length", "fps", "submission_key")


@BOUNDED
@given(model=st.sampled_from(["Qwen/Qwen-Image", "haiper/text2video", "custom", "apinfer/qwen-image", "nope", ""]),
       data=posted(*JOB_FIELDS, config_json=deep_json))
@example(model="custom", data={"model_id": "a/b", "prompt": "x", "config_json": "[" * 50_000 + "]" * 50_000})
def test_a_new_job_with_any_values_is_saved_or_refused_by_field(web, model, data):
    before = row_counts()
    response = web.post("/jobs/new/", {"model": model, **data})
    check_answer(response, before)
    if response.status_code == 400:
        assert b"model" in response.content.lower()


def png_header(size):
    """A PNG of a few dozen bytes whose header promises `size` pixels: a decompression bomb up to 2³¹−1 square."""
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", *size, 8, 2, 0, 0, 0)
    return PNG_SIGNATURE + struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr))


def png_image(size) -> bytes:
    Image.new("RGB", size).save(buffer := io.BytesIO(), "PNG")
    return buffer.getvalue()


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Half real images or headers promising up to 2³¹−1 square (bombs), half arbitrary bytes.
sides = st.one_of(st.integers(1, 2**31 - 1), st.sampled_from([30_000, 2**31 - 1]))
uploads = st.one_of(
    st.one_of(st.tuples(sides, sides).map(png_header), st.sampled_from([(1, 1), (64, 36)]).map(png_image)),
    st.one_of(st.binary(max_size=3000), st.binary(max_size=3000).map(PNG_SIGNATURE.__add__),
              st.binary(max_size=3000).map(lambda tail: b"\xff\xd8\xff\xe0" + tail)))
# Half long names (past the file system's 255 bytes once stored), half any text or a misleading extension.
file_names = st.one_of(st.integers(200, 300).map(lambda n: "a." + "b" * n),
                       st.one_of(st.text(max_size=80), st.sampled_from(["poly.html", "x.PNG.exe", ".png"])))


@BOUNDED
@given(content=uploads, name=file_names, data=st.one_of(st.just({}), posted(*JOB_FIELDS)))
@example(content=png_header((30_000, 30_000)), name="frame.png", data={})
@example(content=png_image((64, 36)), name="a." + "b" * 250, data={})
def test_wan_with_any_uploaded_bytes_is_refused_by_field_or_saved(web, owner_with_preferences, content, name, data):
    account = owner_with_preferences.provider_accounts.get(provider="apinfer")
    # A multipart upload carries a file name; one with none left ("/", "..") cannot even be built to send.
    assume(os.path.basename(name or "frame") not in ("", ".", ".."))
    before = row_counts()
    upload = SimpleUploadedFile(name or "frame", content)
    # The model's defaults first, so that a good upload goes all the way to a stored input.
    defaults = {f.name: f.default for f in catalogue.get("apinfer/wan2.2").fields if f.default is not None}
    response = web.post("/jobs/new/", {**defaults, "model": "apinfer/wan2.2", "prompt": "waves",
                                       "account": account.pk, **data, "image": upload})
    check_answer(response, before)
    if response.status_code == 302:  # saved: the input is stored under the type its bytes are, never its name
        assert re.fullmatch(r"inputs/[0-9a-f-]{36}\.(png|jpg)", Job.objects.latest("id").input_file)


@BOUNDED
@given(data=posted("prompt"), models=st.lists(st.one_of(junk, st.sampled_from(["Qwen/Qwen-Image",
                                                                                "hkchengrex/MMAudio"])), max_size=4))
def test_compare_with_any_prompt_and_models_is_refused_by_field_or_saves_every_job(web, data, models):
    before = row_counts()
    response = web.post("/jobs/compare/", {**data, "models": models})
    check_answer(response, before)


@BOUNDED
@given(query=posted("q", "state", "provider", "model", "page", page=long_digits), htmx=st.booleans())
def test_the_jobs_list_answers_any_filter(web, query, htmx):
    response = web.get("/jobs/", query, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    assert response.status_code == 200


# ---- gallery ------------------------------------------------------------------------------------------

@BOUNDED
@given(query=posted("kind", "model", "provider", "since", "until", "q", "favourites", "after", since=far_dates,
                    until=far_dates, after=st.tuples(numbers, numbers).map("{0[0]}-{0[1]}".format)), htmx=st.booleans())
@example(query={"until": "9999-12-31"}, htmx=False)
def test_the_gallery_answers_any_filter_and_names_the_one_it_refuses(web, query, htmx):
    response = web.get("/jobs/gallery/", query, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    assert response.status_code in (200, 400)
    if response.status_code == 400 and response.context:
        assert_errors_name_their_fields(response.content.decode(), response.context["filters"])


@BOUNDED
@given(data=posted("action", "confirm"), ids=st.lists(st.one_of(junk, st.uuids().map(str)), max_size=5))
def test_a_gallery_bulk_action_with_any_values_is_refused_with_its_reason(web, data, ids):
    before = row_counts()
    response = web.post("/jobs/gallery/bulk/", {**data, "ids": ids})
    check_answer(response, before)
    if response.status_code == 400:
        assert re.search(rb"action|output|selected", response.content)


# ---- settings and provider accounts ----------------------------------------------------------------

@BOUNDED
@given(data=posted("time_zone", "webhook_url"))
def test_preferences_with_any_values_are_saved_or_refused_by_field(web, data):
    before = row_counts()
    response = web.post("/settings/", data)
    check_answer(response, before, form_key="preferences_form")


@BOUNDED
@given(data=posted("provider", "label", "base_url", "token"), editing=st.booleans())
def test_a_provider_account_with_any_values_is_saved_whole_or_refused_by_field(web, owner_with_preferences, data,
                                                                               editing):
    account = owner_with_preferences.provider_accounts.get(provider="netmind")
    before = row_counts()
    response = web.post(f"/settings/accounts/{account.uuid}/" if editing else "/settings/accounts/new/", data)
    assert response.status_code in (302, 400), response.content[:2000]
    if response.status_code == 400:  # the form again, with its errors
        assert row_counts() == before
        assert response.context["form"].errors
        assert_errors_name_their_fields(response.content.decode(), response.context["form"])
    for saved in ProviderAccount.objects.filter(owner=owner_with_preferences):
        saved.full_clean()  # whatever was saved fits its columns (PostgreSQL would refuse what SQLite keeps)


# ---- endpoints ------------------------------------------------------------------------------------------

@BOUNDED
@given(data=posted("name", "flavor", "instances", "image_url", "command", "port", "gpus_per_instance",
                   "create_key", "account"))
def test_an_endpoint_with_any_values_is_created_or_refused_by_field(web, endpoint, data):
    before = row_counts()
    response = web.post("/endpoints/new/", data)
    check_answer(response, before)


@BOUNDED
@given(data=posted("instances", "confirmed"), intent_key=st.uuids().map(str))  # the page always sends a key
def test_a_scale_with_any_values_is_asked_for_or_refused_by_field(web, endpoint, data, intent_key):
    before = row_counts()
    response = web.post(f"/endpoints/{endpoint.uuid}/scale/", {**data, "intent_key": intent_key})
    check_answer(response, before)
    if response.status_code == 400:
        assert "Instances:" in response.content.decode()


@BOUNDED
@given(data=posted("start_time", "end_time", "instances"), weekdays=st.lists(junk, max_size=8))
def test_a_schedule_with_any_values_is_added_or_refused_by_field(web, endpoint, data, weekdays):
    before = row_counts()
    response = web.post(f"/endpoints/{endpoint.uuid}/schedules/", {**data, "weekdays": weekdays})
    check_answer(response, before, form_key="schedule_form")


@BOUNDED
@given(data=posted("monthly_budget_usd"))
def test_a_budget_with_any_value_is_set_or_refused_by_field(web, endpoint, data):
    before = row_counts()
    response = web.post(f"/endpoints/{endpoint.uuid}/budget/", data)
    check_answer(response, before, form_key="budget_form")


@BOUNDED
@given(data=posted("path", "body", body=deep_json), htmx=st.booleans())
@example(data={"path": "/", "body": '{"a":' * 50_000 + "0" + "}" * 50_000}, htmx=False)
def test_try_it_with_any_path_and_body_is_refused_by_field_or_told_the_endpoint_is_not_ready(web, endpoint, data,
                                                                                              htmx):
    # The endpoint is still initializing: a valid request is refused (409) before any call to it.
    response = web.post(f"/endpoints/{endpoint.uuid}/try/", data, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    assert response.status_code in (200, 400, 409)
    assert_errors_name_their_fields(response.content.decode(), response.context["form"])


# ---- management commands -----------------------------------------------------------------------------

def run(command, *args) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def check_refusal(command, args, names):
    """Run the command as a script would; a refusal is a CommandError naming one of `names`, with nothing saved."""
    before = row_counts()
    try:
        return run(command, *args)
    except CommandError as error:
        assert row_counts() == before
        assert any(name in str(error) for name in names), str(error)
    return None


def options(*names):
    """Any of the command's own options, each with junk (a flag takes no value), in any order."""
    return st.lists(st.tuples(st.sampled_from(names), junk), max_size=4).map(
        lambda pairs: [part for name, value in pairs for part in ((name,) if name == "--json" else (name, value))])


SUBMIT_FIELD_NAMES = ("--", "user", "model", "prompt", "account", "config", "image", *JOB_FIELDS)


@BOUNDED
@given(model=st.sampled_from(["Qwen/Qwen-Image", "custom", "apinfer/wan2.2", "haiper/text2image"]),
       sets=st.lists(st.tuples(st.sampled_from(JOB_FIELDS), junk).map("=".join), max_size=4),
       more=options("--user", "--model", "--prompt", "--config", "--image"))
def test_submit_with_any_values_saves_the_job_or_names_the_field(owner_with_preferences, model, sets, more):
    args = ["--user", owner_with_preferences.username, "--model", model, "--prompt", "x",
            *[f"--set={each}" for each in sets], *more]
    check_refusal("submit", args, SUBMIT_FIELD_NAMES)


@BOUNDED
@given(more=options("--user", "--limit", "--json"))
def test_jobs_with_any_options_lists_or_names_the_option(owner_with_preferences, more):
    check_refusal("jobs", ["--user", owner_with_preferences.username, *more], ("--", "user", "limit"))


@BOUNDED
@given(user=junk, account=junk)
def test_import_history_with_any_user_or_label_names_what_is_wrong(owner_with_preferences, user, account):
    assume(account not in ("", "Sandbox"))  # no label means every account: either would import for real
    check_refusal("import_history", ["--user", user or owner_with_preferences.username, "--account", account],
                  ("user", "account", "label"))


@BOUNDED
@given(more=options("--user", "--provider", "--token", "--base-url"), label=junk,
       provider=st.one_of(junk, st.sampled_from(["netmind", "apinfer"])))
def test_provider_account_with_any_values_saves_a_whole_account_or_names_the_option(owner_with_preferences, more,
                                                                                    label, provider):
    check_refusal("provider_account", ["--user", owner_with_preferences.username, "--provider", provider,
                                       "--token", "tok-123456", "--label", label, *more],
                  ("--", "user", "token", "label", "base-url"))
    for saved in ProviderAccount.objects.all():
        saved.full_clean()  # whatever was saved fits its columns (PostgreSQL would refuse what SQLite keeps)


def test_rotate_keys_without_the_old_key_names_the_setting_and_changes_nothing(owner_with_preferences, settings):
    stored = list(ProviderAccount.objects.values_list("token_ciphertext", flat=True))
    settings.CONSOLE_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the key the rows were encrypted with lost
    crypto.reset_cache()
    try:
        with pytest.raises(CommandError, match="CONSOLE_ENCRYPTION_KEY"):
            run("rotate_keys")
    finally:
        crypto.reset_cache()
    assert list(ProviderAccount.objects.values_list("token_ciphertext", flat=True)) == stored


def test_rotate_keys_takes_no_arguments(owner_with_preferences):
    with pytest.raises(CommandError, match="unrecognized arguments"):
        run("rotate_keys", str(uuid.uuid4()))
