"""The Models page's forms: a catalogue document pasted or uploaded (checked by catalogue/documents.py), and the
list's filters."""

import json

from django import forms

from jobs.catalogue import documents
from jobs.catalogue.documents import DocumentRefused, Problem
from jobs.models_listing import PROVIDER_LABELS

# What Add model starts from: the smallest useful document, to be edited rather than written from nothing.
STARTER_DOCUMENT = {
    "model_id": "provider/model-name",
    "label": "My model",
    "description": "What it makes, in a sentence.",
    "provider": "netmind",
    "kind": "image",
    "parameters": {
        "type": "object",
        "properties": {
            "prompt": {"type": "string", "maxLength": 4000},
            "aspect_ratio": {"type": "string", "title": "Aspect ratio", "enum": ["1:1", "16:9", "9:16"],
                             "default": "1:1"},
            "seed": {"type": "integer"},
        },
        "required": ["prompt"],
    },
}
# An upload is read whole: a document's text is capped (documents.MAX_DOCUMENT_CHARS), and a character is at most
# four bytes of UTF-8, so anything larger is refused before it is read.
MAX_UPLOAD_BYTES = documents.MAX_DOCUMENT_CHARS * 4


def as_text(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)


class DocumentForm(forms.Form):
    """A document as JSON text, or a .json file (which wins when both are given). Valid means the document parsed
    and passed every check; `problems` then lists what the registry refused, or what the checks found."""

    text = forms.CharField(label="Document (JSON)", required=False, strip=False,
                           widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "code"}))
    upload = forms.FileField(label="…or upload a .json file", required=False,
                             widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.problems: list[Problem] = []
        self.document: dict | None = None

    def clean(self):
        text = self._uploaded_text() if self.cleaned_data.get("upload") else self.cleaned_data.get("text", "")
        if self.errors:
            return self.cleaned_data
        if not text.strip():
            raise forms.ValidationError("Paste a document or upload a .json file.")
        self.data = self.data.copy()
        self.data["text"] = text  # the form shows what was checked, also when it came from a file
        try:
            self.document = documents.parse(text)
        except DocumentRefused as refusal:
            self.refuse(refusal)
        return self.cleaned_data

    def refuse(self, refusal: DocumentRefused):
        """Show what is wrong with the document, each problem with its JSON path (also the registry's refusals)."""
        self.problems = refusal.problems
        count = len(refusal.problems)
        self.add_error(None, f"The document was not saved: {count} problem{'s' if count != 1 else ''} to fix.")

    def _uploaded_text(self) -> str:
        upload = self.cleaned_data["upload"]
        if upload.size > MAX_UPLOAD_BYTES:
            self.add_error("upload", f"{upload.name} is larger than {MAX_UPLOAD_BYTES // 1000:,} kB: "
                                     "a catalogue document is a few kilobytes of JSON.")
            return ""
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            self.add_error("upload", f"{upload.name} is not a text file (UTF-8): upload the model's .json document.")
            return ""


class ModelFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False,
                             choices=[("", "Any kind"), *[(kind, kind.capitalize()) for kind in documents.KINDS]])
    provider = forms.ChoiceField(required=False, choices=[("", "Any provider"), *PROVIDER_LABELS.items()])
    status = forms.ChoiceField(required=False, choices=[("", "Enabled or disabled"), ("enabled", "Enabled"),
                                                        ("disabled", "Disabled")])
    origin = forms.ChoiceField(required=False, choices=[("", "Shipped or added"), ("shipped", "Shipped"),
                                                        ("added", "Added")])
