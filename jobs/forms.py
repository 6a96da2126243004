"""The new-job form is built from the catalogue: one form class per model, fields from its spec.
Also the job list's and the gallery's filters, and the gallery's page positions (keyset cursors)."""

import re
from datetime import UTC, date, datetime, timedelta

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from jobs import catalogue, search
from jobs.adapters import MAX_SEED
from jobs.catalogue.documents import MODEL_ID_PATTERN
from jobs.models import OutputKind
from jobs.parameter_fields import form_field
from netmind_console.accounts.forms import AccountChoiceField
from netmind_console.accounts.models import ProviderAccount
from netmind_console.accounts.services import default_account
from netmind_console.core.json_input import parse_json_field

MAX_INPUT_IMAGE_BYTES = 10 * 1024 * 1024
# Far more than any model takes as a first frame, and below the size at which Pillow itself warns or refuses
# (a decompression bomb: a tiny file whose header promises billions of pixels).
MAX_INPUT_IMAGE_SIDE = 8192
MAX_CONFIG_CHARS = 100_000
MAX_SEEDS_PER_ROW = 100
# Gallery dates: the day after the last one must still be a date, whatever the time zone.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9998, 12, 31)
MODEL_ID_HELP = "The model id exactly as the provider names it, e.g. google/nano-banana."


class JobForm(forms.Form):
    model = forms.CharField(widget=forms.HiddenInput)
    account = AccountChoiceField(queryset=ProviderAccount.objects.none(), empty_label=None, label="Provider account")
    prompt = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
                             help_text="Describe what you want to see or hear.")

    def __init__(self, *args, spec: catalogue.ModelSpec, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.fields["model"].initial = spec.key
        # Only the workspace's accounts: another workspace's account id is "not one of the available choices".
        self.fields["account"].queryset = ProviderAccount.objects.filter(workspace=workspace, provider=spec.provider)
        self.fields["account"].initial = default_account(workspace, spec.provider)  # never just the first listed
        if spec.has_prompt:
            _limit_length(self.fields["prompt"], spec.prompt_max_length)
        else:  # the model's schema has no prompt (a transcription, say): the job's prompt stays empty
            del self.fields["prompt"]
        if spec.key == catalogue.CUSTOM_KEY:
            self.fields["model_id"] = forms.RegexField(
                regex=MODEL_ID_PATTERN, label="Model id", help_text=MODEL_ID_HELP, max_length=200,
                error_messages={"invalid": "Enter a model id like owner/name."})
            self.fields["config_json"] = forms.CharField(
                label="Config (JSON)", widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
                initial="{}", help_text="Sent as the generation's config; the prompt is added unless given.")
        if spec.has_negative_prompt:
            self.fields["negative_prompt"] = forms.CharField(required=False, max_length=2000, label="Negative prompt",
                                                             widget=forms.Textarea(attrs={"rows": 2}))
        if spec.needs_image:
            self.fields["image"] = forms.FileField(label="First frame (PNG or JPEG)",
                                                   help_text="Up to 10 MB.")
        for spec_field in spec.fields:
            self.fields[spec_field.name] = form_field(spec_field)
        if spec.has_seed:
            self.fields["seed_mode"] = forms.ChoiceField(
                label="Seed", choices=[("random", "Random"), ("fixed", "Fixed")], initial="random",
                widget=forms.RadioSelect)
            self.fields["seed"] = forms.IntegerField(required=False, min_value=0, max_value=MAX_SEED,
                                                     label="Seed value", help_text="Used when the seed is fixed.")

    def clean_config_json(self):
        config = parse_json_field(self.cleaned_data["config_json"] or "{}", name="Config", max_chars=MAX_CONFIG_CHARS)
        if not isinstance(config, dict):
            raise forms.ValidationError("Config must be a JSON object, like {\"prompt\": \"…\"}.")
        return config

    def clean_image(self):
        upload = self.cleaned_data["image"]  # None only where optional: a batch's rows may name their own
        return checked_first_frame(upload) if upload else upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("seed_mode") == "fixed" and cleaned.get("seed") is None:
            self.add_error("seed", "Enter a seed, or choose Random.")
        return cleaned


def _limit_length(field: forms.CharField, max_length: int):
    """A CharField's limit set per form (the class's validators are shared by every copy of the field)."""
    field.max_length = max_length
    field.validators = [*(v for v in field.validators if not isinstance(v, MaxLengthValidator)),
                        MaxLengthValidator(max_length)]
    field.widget.attrs["maxlength"] = str(max_length)


class MultipleImagesField(forms.FileField):
    """Several files from one input (Django's documented pattern: the widget allows many, the field cleans each)."""

    class Input(forms.ClearableFileInput):
        allow_multiple_selected = True

    def __init__(self, **kwargs):
        super().__init__(widget=self.Input(attrs={"accept": "image/png,image/jpeg"}), **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleImagesField, self).clean(one, initial) for one in files]


class BatchForm(JobForm):
    """New job's form for many prompts: the values every row shares; the prompts come as lines or a CSV."""

    prompts = forms.CharField(required=False, label="Prompts", widget=forms.Textarea(attrs={"rows": 8}),
                              help_text="One prompt per line.")
    prompts_file = forms.FileField(required=False, label="Or a CSV file",
                                   help_text="A “prompt” column, and any parameter column (such as seed).")
    seeds = forms.IntegerField(min_value=1, max_value=MAX_SEEDS_PER_ROW, initial=1, label="× seeds",
                               help_text="Each prompt this many times, each time with another seed.")
    drop_refused = forms.BooleanField(required=False, label="Leave out refused rows",
                                      help_text="Otherwise a batch with a refused row is not saved.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("prompt", None)
        if self.spec.needs_image:
            self.fields["image"].required = False
            self.fields["image"].help_text = "Used by rows whose “image” column is empty."
            self.fields["images"] = MultipleImagesField(
                required=False, label="Images the CSV names",
                help_text="Name them in the CSV's “image” column by file name, or use a gallery image's id.")
        if not self.spec.has_seed:  # the provider picks its own randomness: each run is still another result
            self.fields["seeds"].label = "× runs"
            self.fields["seeds"].help_text = "Each prompt this many times."

    BATCH_FIELDS = ("prompts", "prompts_file", "images", "seeds", "drop_refused")

    def shared_values(self) -> dict:
        """The values every job of the batch starts from: the New job form's, without the batch's own."""
        return {name: value for name, value in self.cleaned_data.items() if name not in self.BATCH_FIELDS}

    def clean(self):
        cleaned = super().clean()
        if not self.spec.has_prompt or self.spec.file_fields:
            reason = "takes no prompt" if not self.spec.has_prompt else "takes a file with each job"
            raise forms.ValidationError(f"{self.spec.label} {reason}, and a batch runs many prompts: "
                                        "send its jobs from New job.")
        if bool(cleaned.get("prompts", "").strip()) == bool(cleaned.get("prompts_file")):
            raise forms.ValidationError("Enter prompts, one per line, or choose a CSV file (not both).")
        return cleaned


def checked_first_frame(upload):
    """An uploaded first frame, rewound, if it is a PNG or JPEG of a size a model takes; else ValidationError."""
    if upload.size > MAX_INPUT_IMAGE_BYTES:
        raise forms.ValidationError("The image is larger than 10 MB.")
    try:
        with Image.open(upload) as image:
            image_format = image.format
            _check_image_size(image.size)
            image.verify()
    except Image.DecompressionBombError:
        raise forms.ValidationError(_too_large(_declared_size(upload))) from None
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise forms.ValidationError("This file is not a readable image.") from None
    if image_format not in ("PNG", "JPEG"):
        raise forms.ValidationError(f"The first frame must be PNG or JPEG, not {image_format}.")
    upload.seek(0)
    return upload


def _check_image_size(size):
    if size[0] * size[1] > MAX_INPUT_IMAGE_SIDE**2:
        raise forms.ValidationError(_too_large(size))


def _too_large(size) -> str:
    limit = f"at most {MAX_INPUT_IMAGE_SIDE}×{MAX_INPUT_IMAGE_SIDE} (or as many pixels in all)"
    if size is None:
        return f"The image is too large; {limit}."
    return f"The image is too large: {size[0]}×{size[1]} pixels; {limit}."


def _declared_size(upload) -> tuple[int, int] | None:
    """Pillow's open refuses a decompression bomb without saying its size; the format's reader still reads it
    from the header (decoding nothing)."""
    upload.seek(0)
    prefix = upload.read(16)
    for reader, accepts in Image.OPEN.values():
        verdict = accepts(prefix) if accepts else True
        if not verdict or isinstance(verdict, str):
            continue
        try:
            upload.seek(0)
            return reader(upload).size
        except Exception:  # noqa: BLE001 (not this format: try the next)
            continue
    return None


def comparable(spec: catalogue.ModelSpec) -> bool:
    """A model a prompt alone can run with its defaults: it takes a prompt, and every value it requires has one."""
    return spec.has_prompt and not spec.needs_image and not any(
        field.required and field.default is None and field.kind != "bool" for field in spec.fields)


class CompareForm(forms.Form):
    prompt = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    models = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, label="Models",
                                       help_text="Each model gets the prompt with its default settings.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["models"].choices = [(spec.key, spec.label) for spec in catalogue.offered() if comparable(spec)]

    def clean_models(self):
        chosen = self.cleaned_data["models"]
        if len(chosen) < 2:
            raise forms.ValidationError("Choose at least two models to compare.")
        return chosen


class JobFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search prompts")
    state = forms.ChoiceField(required=False)
    provider = forms.ChoiceField(required=False, choices=[("", "Any provider"), ("netmind", "NetMind"),
                                                          ("apinfer", "Apinfer")])
    model = forms.ChoiceField(required=False)
    batch = forms.UUIDField(required=False, widget=forms.HiddenInput)  # set by a batch's links, shown as a chip

    def __init__(self, *args, **kwargs):
        from jobs.models import JobState

        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", "Any state"), ("active", "Active"), *JobState.choices]
        self.fields["model"].choices = [("", "Any model"), *[(s.key, s.label) for s in catalogue.offered()]]


class GalleryFilters(forms.Form):
    kind = forms.ChoiceField(choices=[("", "All kinds"), *OutputKind.choices], required=False)
    model = forms.CharField(max_length=200, required=False)
    provider = forms.CharField(max_length=20, required=False)
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(max_length=200, required=False, label="Prompt contains")
    favourites = forms.BooleanField(required=False, label="Favourites only")
    batch = forms.UUIDField(required=False)  # set by a batch's links, shown as a chip

    def clean_since(self):
        return _within_calendar(self.cleaned_data["since"])

    def clean_until(self):
        return _within_calendar(self.cleaned_data["until"])

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("The “From” date must not be after the “To” date.")
        return data

    def apply(self, outputs):
        data = self.cleaned_data
        exact = {"kind": data["kind"], "model_key": data["model"], "provider": data["provider"]}
        outputs = outputs.filter(**{field: value for field, value in exact.items() if value})
        if data["since"]:
            outputs = outputs.filter(created_at__gte=_start_of(data["since"]))
        if data["until"]:
            outputs = outputs.filter(created_at__lt=_start_of(data["until"]) + timedelta(days=1))
        if data["q"]:
            outputs = search.outputs_containing(outputs, data["q"], kind=data["kind"])
        if data["favourites"]:
            outputs = outputs.filter(favourite=True)
        if data["batch"]:
            outputs = outputs.filter(job__batch__uuid=data["batch"])
        return outputs


def _within_calendar(day):
    if day and not EARLIEST_DAY <= day <= LATEST_DAY:
        raise forms.ValidationError(f"Enter a date from {EARLIEST_DAY} to {LATEST_DAY}.")
    return day


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_ROW_ID = 2**63 - 1  # what a bigint column holds; a larger number cannot even be sent to the database


class BadCursor(ValueError):
    pass


def cursor_for(output) -> str:
    """The keyset position just after `output`: `<created_at in µs since the epoch>-<id>`."""
    return f"{(output.created_at - EPOCH) // timedelta(microseconds=1)}-{output.pk}"


def parse_cursor(value: str):
    match = re.fullmatch(r"(\d{1,19})-(\d{1,19})", value)
    refusal = BadCursor(f"The page position “after={value[:40]}” is not valid: expected two numbers joined by “-”.")
    if not match or int(match.group(2)) > MAX_ROW_ID:
        raise refusal
    try:
        return EPOCH + timedelta(microseconds=int(match.group(1))), int(match.group(2))
    except OverflowError:  # past the year 9999
        raise refusal from None
