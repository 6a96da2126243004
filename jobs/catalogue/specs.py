"""What the rest of the console reads of a catalogue model: its spec, built from its document (documents.py)."""

from dataclasses import dataclass, field
from typing import Any

CUSTOM_KEY = "custom"
# Labels of the choice values that are words for the provider, not for people; the values sent stay these keys.
CHOICE_LABELS = {
    "square_hd": "Square HD", "landscape_4_3": "Landscape 4:3", "landscape_16_9": "Landscape 16:9",
    "portrait_3_4": "Portrait 3:4", "portrait_9_16": "Portrait 9:16",
    "png": "PNG", "jpeg": "JPEG", "none": "None", "regular": "Regular", "high": "High",
}
# The columns a batch row may set beside the model's fields (batches.columns_for).
COLUMN_LABELS = {"negative_prompt": "Negative prompt", "seed": "Seed", "image": "Image"}
PROVIDER_NAMES = {"netmind": "NetMind", "apinfer": "Apinfer"}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str  # int | float | choice | intchoice, floatchoice (numbers offered as a list) | bool | text | file
    default: Any = None
    choices: tuple = ()
    minimum: float | None = None
    maximum: float | None = None
    help: str = ""
    max_length: int | None = None  # text
    media: str = ""  # file: image | audio | video
    required: bool = True

    def choice_label(self, value) -> str:
        """How a person reads one of the values the provider takes ("Landscape 4:3" for landscape_4_3)."""
        return CHOICE_LABELS.get(value, str(value)) if self.choices else str(value)

    def labelled_choices(self) -> list[tuple[Any, str]]:
        return [(value, self.choice_label(value)) for value in self.choices]

    def shown(self, value) -> str:
        if self.kind == "bool":
            return "Yes" if value else "No"
        return self.choice_label(value)


@dataclass(frozen=True)
class ModelSpec:
    key: str
    label: str
    provider: str  # the provider account it is sent with: netmind | apinfer
    adapter: str  # generation | haiper_video | haiper_image | apinfer_image | apinfer_video
    output_kind: str  # image | video | audio | text
    typical_seconds: int  # progress estimate until the console has history of its own
    description: str
    fields: tuple[FieldSpec, ...] = ()
    remote_model: str = ""
    legacy: bool = False
    has_seed: bool = False
    has_negative_prompt: bool = False
    needs_image: bool = False
    has_prompt: bool = True
    prompt_max_length: int = 4000
    extra: dict = field(default_factory=dict)

    def shown(self, name: str, value) -> tuple[str, str]:
        """One value as a person reads it: its field's label and readable value, or a column's label as it is."""
        spec_field = next((spec_field for spec_field in self.fields if spec_field.name == name), None)
        if spec_field is None:
            return COLUMN_LABELS.get(name, name), str(value)
        return spec_field.label, spec_field.shown(value)

    def shown_parameters(self, values: dict) -> list[tuple[str, str]]:
        """The model's own parameters among a job's values, in the form's order."""
        return [self.shown(spec_field.name, values[spec_field.name])
                for spec_field in self.fields if values.get(spec_field.name) is not None]

    @property
    def file_fields(self) -> tuple[FieldSpec, ...]:
        """Inputs uploaded through the provider's Files API (input_files.py); their config values are links."""
        return tuple(spec_field for spec_field in self.fields if spec_field.kind == "file")
