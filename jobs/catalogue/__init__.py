"""Every model the console knows, as data: its provider, adapter, fields, defaults, limits and help.

A model the catalogue does not know yet can still be sent as "another generation model" with a
free model id and a JSON config (CUSTOM_KEY).
"""

from dataclasses import dataclass, field
from typing import Any

CUSTOM_KEY = "custom"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str  # int | float | choice | intchoice (numbers offered as a list) | bool | text
    default: Any = None
    choices: tuple = ()
    minimum: float | None = None
    maximum: float | None = None
    help: str = ""
    path: tuple[str, ...] = ()  # where the value goes inside the request's config; () means top level `name`

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
    provider: str  # netmind | apinfer
    adapter: str  # generation | haiper_video | haiper_image | apinfer_image | apinfer_video
    output_kind: str  # image | video | audio
    typical_seconds: int  # progress estimate until the console has history of its own
    description: str
    fields: tuple[FieldSpec, ...] = ()
    remote_model: str = ""
    legacy: bool = False
    has_seed: bool = False
    has_negative_prompt: bool = False
    needs_image: bool = False
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


ASPECT_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4")
# Labels of the choice values that are words for the provider, not for people; the values sent stay these keys.
CHOICE_LABELS = {
    "square_hd": "Square HD", "landscape_4_3": "Landscape 4:3", "landscape_16_9": "Landscape 16:9",
    "portrait_3_4": "Portrait 3:4", "portrait_9_16": "Portrait 9:16",
    "png": "PNG", "jpeg": "JPEG", "none": "None", "regular": "Regular", "high": "High",
}
# The columns a batch row may set beside the model's fields (batches.columns_for).
COLUMN_LABELS = {"negative_prompt": "Negative prompt", "seed": "Seed", "image": "Image"}
PROVIDER_NAMES = {"netmind": "NetMind", "apinfer": "Apinfer"}

MODELS: dict[str, ModelSpec] = {
    spec.key: spec
    for spec in [
        ModelSpec(
            key="Qwen/Qwen-Image", label="Qwen Image", provider="netmind", adapter="generation",
            output_kind="image", typical_seconds=10, remote_model="Qwen/Qwen-Image",
            description="Text to image. Strong at typography and detailed scenes.",
            fields=(
                FieldSpec("image_size", "Image size", "choice", "landscape_4_3",
                          ("square_hd", "landscape_4_3", "landscape_16_9", "portrait_3_4", "portrait_9_16")),
                FieldSpec("num_inference_steps", "Inference steps", "int", 30, minimum=1, maximum=100,
                          help="More steps: finer detail, slower."),
                FieldSpec("guidance_scale", "Guidance scale", "float", 2.5, minimum=0, maximum=20,
                          help="How closely the image follows the prompt."),
                FieldSpec("num_images", "Number of images", "int", 1, minimum=1, maximum=4),
                FieldSpec("enable_safety_checker", "Safety checker", "bool", True),
                FieldSpec("output_format", "Output format", "choice", "png", ("png", "jpeg")),
                FieldSpec("acceleration", "Acceleration", "choice", "none", ("none", "regular", "high")),
            ),
        ),
        ModelSpec(
            key="hunyuanvideo-community/HunyuanVideo", label="HunyuanVideo", provider="netmind",
            adapter="generation", output_kind="video", typical_seconds=60,
            remote_model="hunyuanvideo-community/HunyuanVideo",
            description="Text to video. Only the prompt is documented.",
        ),
        ModelSpec(
            key="hkchengrex/MMAudio", label="MMAudio", provider="netmind", adapter="generation",
            output_kind="audio", typical_seconds=20, remote_model="hkchengrex/MMAudio",
            description="Text to audio: sound effects and ambience.",
            fields=(FieldSpec("duration", "Duration (seconds)", "int", 10, minimum=1, maximum=300),),
        ),
        ModelSpec(
            key="haiper/text2video", label="Haiper text to video", provider="netmind", adapter="haiper_video",
            output_kind="video", typical_seconds=60, legacy=True, has_seed=True, has_negative_prompt=True,
            description="Legacy Haiper video job. NetMind now recommends the generation API.",
            fields=(
                FieldSpec("aspect_ratio", "Aspect ratio", "choice", "16:9", ASPECT_RATIOS, path=("settings", "aspect_ratio")),
                FieldSpec("resolution", "Resolution", "intchoice", 720, (720, 1080), path=("settings", "resolution")),
                FieldSpec("duration", "Duration (seconds)", "intchoice", 4, (4, 6, 8), path=("settings", "duration")),
                FieldSpec("is_enable_prompt_enhancer", "Enhance the prompt", "bool", False),
                FieldSpec("is_public", "Make this video public on Haiper", "bool", False,
                          help="Haiper publishes jobs unless told otherwise; the console keeps them private."),
            ),
        ),
        ModelSpec(
            key="haiper/text2image", label="Haiper text to image", provider="netmind", adapter="haiper_image",
            output_kind="image", typical_seconds=10, legacy=True, has_seed=True, has_negative_prompt=True,
            description="Legacy Haiper image job.",
            fields=(
                FieldSpec("aspect_ratio", "Aspect ratio", "choice", "1:1", ASPECT_RATIOS, path=("settings", "aspect_ratio")),
                FieldSpec("resolution", "Resolution", "intchoice", 1024, (720, 1024), path=("settings", "resolution")),
                FieldSpec("image_number", "Number of images", "int", 1, minimum=1, maximum=4, path=("config", "image_number")),
            ),
        ),
        ModelSpec(
            key="apinfer/qwen-image", label="Apinfer Qwen Image", provider="apinfer", adapter="apinfer_image",
            output_kind="image", typical_seconds=8, remote_model="qwen-image", has_seed=True,
            has_negative_prompt=True, description="Synchronous text to image, paid in Apinfer credits.",
            fields=(
                FieldSpec("width", "Width", "int", 1024, minimum=256, maximum=2048),
                FieldSpec("height", "Height", "int", 1024, minimum=256, maximum=2048),
            ),
        ),
        ModelSpec(
            key="apinfer/wan2.2", label="Apinfer Wan 2.2 image to video", provider="apinfer",
            adapter="apinfer_video", output_kind="video", typical_seconds=60, remote_model="wan2.2",
            has_seed=False, has_negative_prompt=True, needs_image=True,
            description="Animates a first frame you upload (PNG or JPEG).",
            fields=(
                FieldSpec("video_length", "Length (frames)", "int", 60, minimum=8, maximum=240),
                FieldSpec("fps", "Frames per second", "int", 20, minimum=4, maximum=60),
                FieldSpec("width", "Width", "int", 1280, minimum=256, maximum=1920),
                FieldSpec("height", "Height", "int", 720, minimum=256, maximum=1920),
            ),
        ),
    ]
}

CUSTOM = ModelSpec(
    key=CUSTOM_KEY, label="Another generation model", provider="netmind", adapter="generation",
    output_kind="image", typical_seconds=30,
    description="Any NetMind generation model by id, with a JSON config, for models the catalogue does not know yet.",
)


def get(key: str) -> ModelSpec | None:
    return CUSTOM if key == CUSTOM_KEY else MODELS.get(key)


def provider_name(provider: str) -> str:
    """"NetMind" or "Apinfer", as pages name a provider; an unknown key as it is."""
    return PROVIDER_NAMES.get(provider, provider)


def choices():
    grouped = {}
    for spec in [*MODELS.values(), CUSTOM]:
        group = "Legacy (Haiper)" if spec.legacy else provider_name(spec.provider)
        grouped.setdefault(group, []).append((spec.key, spec.label))
    return list(grouped.items())
