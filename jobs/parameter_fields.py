"""A catalogue parameter as a form field: what New job, compare, batches, the commands and the API all validate by.

Each field keeps what the model's schema says (choices, bounds, lengths, media), so the error a value earns sits under
its own field, in words that name the rule.
"""

from django import forms

from jobs import input_files
from jobs.catalogue import FieldSpec

MEDIA_ACCEPT = {"image": "image/png,image/jpeg,image/webp", "audio": "audio/*", "video": "video/*"}


def form_field(spec_field: FieldSpec) -> forms.Field:
    common = {"label": spec_field.label, "help_text": spec_field.help, "initial": spec_field.default}
    if spec_field.kind == "bool":
        return forms.BooleanField(required=False, **common)
    if spec_field.kind == "choice":
        return forms.ChoiceField(choices=spec_field.labelled_choices(), **common)
    if spec_field.kind in ("intchoice", "floatchoice"):
        coerce = int if spec_field.kind == "intchoice" else float
        return forms.TypedChoiceField(choices=[(c, str(c)) for c in spec_field.choices], coerce=coerce, **common)
    if spec_field.kind == "text":
        return forms.CharField(required=spec_field.required, max_length=spec_field.max_length,
                               widget=_text_widget(spec_field), empty_value=None, **common)  # blank: not sent
    if spec_field.kind == "file":
        return MediaFileField(spec_field.media, required=spec_field.required, **common)
    number = forms.IntegerField if spec_field.kind == "int" else forms.FloatField
    return number(min_value=spec_field.minimum, max_value=spec_field.maximum, required=spec_field.required, **common)


def _text_widget(spec_field: FieldSpec):
    if spec_field.max_length and spec_field.max_length <= 200:
        return forms.TextInput()
    return forms.Textarea(attrs={"rows": 3})


class MediaFileField(forms.FileField):
    """A file of one media type (image, audio or video), checked by its bytes, not its name."""

    def __init__(self, media: str, **kwargs):
        self.media = media
        super().__init__(widget=forms.ClearableFileInput(attrs={"accept": MEDIA_ACCEPT[media]}), **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        return input_files.checked_upload(upload, self.media) if upload else upload


def allowed_values(spec_field: FieldSpec) -> str:
    """The values a choice takes, as a refusal names them ("1:1, 16:9 or 9:16")."""
    values = [str(value) for value in spec_field.choices]
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"
