"""A catalogue document: one model as JSON, checked before it is saved and turned into the spec the console reads.

    {"model_id": "google/nano-banana-pro", "label": "Nano Banana Pro", "description": "…",
     "provider": "netmind" | "haiper" | "apinfer", "kind": "image" | "video" | "audio" | "text",
     "parameters": {"type": "object", "properties": {"prompt": {"type": "string"}, …}, "required": […]}}

"netmind" is NetMind's generation API, "haiper" its legacy Haiper jobs. The parameters' names are the keys of the
request's config. Three names the console fills itself: `prompt` (the prompt box; a model without it takes none),
`negative_prompt` and an integer `seed` (random or fixed). A string with `"format": "binary"` is a file input, its
`contentMediaType` saying which (image/*, audio/*, video/*). Optional keys: `remote_model` (the provider's name, when
it is not the model id) and `typical_seconds` (the progress estimate until the console has history of its own).
"""

import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from jsonschema import Draft202012Validator

from jobs.catalogue.specs import FieldSpec, ModelSpec
from netmind_console.core.json_input import parse_json_field

MODEL_ID_PATTERN = r"^[\w.-]+/[\w.:-]+$"
PROVIDERS = ("netmind", "haiper", "apinfer")
KINDS = ("image", "video", "audio", "text")
FILLED_BY_CONSOLE = ("prompt", "negative_prompt", "seed")
TYPICAL_SECONDS = {"image": 10, "video": 60, "audio": 20, "text": 10}
# The kinds each provider's API makes (NetMind's generation API: any).
PROVIDER_KINDS = {"netmind": KINDS, "haiper": ("image", "video"), "apinfer": ("image", "video")}
# The New job form's own fields (and a batch's): a parameter of one of these names would take its place.
FORM_FIELDS = ("model", "account", "model_id", "config_json", "seed_mode", "submission_key", "prompts",
               "prompts_file", "images", "seeds", "drop_refused")
PARAMETER_NAME = r"^[A-Za-z_][A-Za-z0-9_-]{0,99}$"
MAX_DOCUMENT_CHARS = 100_000

PARAMETER = {
    "type": "object",
    "required": ["type"],
    "additionalProperties": False,
    "properties": {
        "default": {},
        "type": {"enum": ["string", "integer", "number", "boolean"]},
        "title": {"type": "string", "maxLength": 100},
        "description": {"type": "string", "maxLength": 500},
        "enum": {"type": "array", "minItems": 1, "maxItems": 200, "items": {"type": ["string", "integer", "number"]}},
        "minimum": {"type": "number"},
        "maximum": {"type": "number"},
        "maxLength": {"type": "integer", "minimum": 1, "maximum": 100_000},
        "format": {"type": "string"},
        "contentMediaType": {"type": "string", "pattern": r"^(image|audio|video)/([\w.+-]+|\*)$"},
    },
}
DOCUMENT = {
    "type": "object",
    "required": ["model_id", "label", "provider", "kind", "parameters"],
    "additionalProperties": False,
    "properties": {
        "model_id": {"type": "string", "pattern": MODEL_ID_PATTERN, "maxLength": 200},
        "label": {"type": "string", "minLength": 1, "maxLength": 100},
        "description": {"type": "string", "maxLength": 500},
        "provider": {"enum": list(PROVIDERS)},
        "kind": {"enum": list(KINDS)},
        "remote_model": {"type": "string", "minLength": 1, "maxLength": 200},
        "typical_seconds": {"type": "integer", "minimum": 1, "maximum": 86_400},
        "parameters": {
            "type": "object",
            "required": ["type", "properties"],
            "properties": {
                "type": {"const": "object"},
                "properties": {"type": "object", "maxProperties": 100, "additionalProperties": PARAMETER,
                               "propertyNames": {"pattern": PARAMETER_NAME, "not": {"enum": list(FORM_FIELDS)}}},
                "required": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
            },
        },
    },
}
_VALIDATOR = Draft202012Validator(DOCUMENT)
JSON_KINDS = {"string": str, "integer": int, "number": (int, float), "boolean": bool}


@dataclass(frozen=True)
class Problem:
    path: str  # where in the document, as a JSON path: $.parameters.properties.aspect_ratio.enum
    message: str

    def __str__(self):
        return f"{self.path}: {self.message}"


class DocumentRefused(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(map(str, problems)))


def parse(text: str) -> dict:
    """The document in `text`, checked; DocumentRefused naming each problem's JSON path."""
    try:
        document = parse_json_field(text, name="The document", max_chars=MAX_DOCUMENT_CHARS)
    except ValidationError as error:
        raise DocumentRefused([Problem("$", error.messages[0])]) from None
    return checked(document)


def checked(document) -> dict:
    problems = problems_in(document)
    if problems:
        raise DocumentRefused(problems)
    return document


def problems_in(document) -> list[Problem]:
    """What is wrong with the document, first by its shape (JSON Schema), then by what the shape cannot say."""
    shape = sorted(_VALIDATOR.iter_errors(document), key=lambda error: list(error.absolute_path))
    if shape:
        return [Problem(error.json_path, _worded(error)) for error in shape]
    return _meaning_problems(document)


def _worded(error) -> str:
    if error.validator == "propertyNames" or error.validator in ("pattern", "not") and len(error.absolute_path) == 2:
        return (f"{json.dumps(error.instance)} cannot name a parameter: a letter or _ first, then letters, digits, _ "
                f"or -, and none of the form's own fields ({', '.join(FORM_FIELDS)}).")
    if error.validator == "pattern" and list(error.absolute_path) == ["model_id"]:
        return f"{json.dumps(error.instance)} is not a model id: owner/name, like google/nano-banana-pro."
    if error.validator == "additionalProperties" and not error.absolute_path:
        known = ", ".join(DOCUMENT["properties"])
        return f"{error.message}. A document has only these keys: {known}."
    return error.message


def _meaning_problems(document: dict) -> list[Problem]:
    parameters = document["parameters"]
    properties = parameters["properties"]
    problems = _provider_problems(document)
    problems += [Problem(f"$.parameters.required[{n}]", f"“{name}” is not one of the parameters.")
                 for n, name in enumerate(parameters.get("required", [])) if name not in properties]
    for name, schema in properties.items():
        problems += [Problem(f"$.parameters.properties.{name}{where}", message)
                     for where, message in _parameter_problems(name, schema, document["provider"])]
    return problems


def _provider_problems(document: dict) -> list[Problem]:
    provider, kind = document["provider"], document["kind"]
    if kind not in PROVIDER_KINDS[provider]:
        return [Problem("$.kind", f"{provider} makes {' or '.join(PROVIDER_KINDS[provider])}, not {kind}.")]
    first_frame = document["parameters"]["properties"].get("image", {}).get("format") == "binary"
    if provider == "apinfer" and first_frame != (kind == "video"):
        return [Problem("$.parameters.properties", "An Apinfer video model animates a first frame: it needs the file "
                                                   "input “image”; an Apinfer image model takes none.")]
    return []


def _parameter_problems(name: str, schema: dict, provider: str) -> list[tuple[str, str]]:
    kind = JSON_KINDS[schema["type"]]
    found = []
    if name in FILLED_BY_CONSOLE and schema["type"] != ("integer" if name == "seed" else "string"):
        found.append((".type", f"“{name}” is filled by the console and must be "
                               f"{'an integer' if name == 'seed' else 'a string'}."))
    if schema.get("format") == "binary":
        if "contentMediaType" not in schema:
            found.append(("", "A file input needs a contentMediaType: image/*, audio/* or video/*."))
        if provider == "haiper":
            found.append((".format", "Haiper jobs take no file inputs."))
        elif provider == "apinfer" and (name != "image" or not schema.get("contentMediaType", "").startswith("image/")):
            found.append((".format", "An Apinfer model takes one file input: an image named “image” (its first "
                                     "frame)."))
    elif "contentMediaType" in schema:
        found.append((".format", 'A contentMediaType belongs to a file input: add "format": "binary".'))
    for n, value in enumerate(schema.get("enum", [])):
        if not _is(value, kind):
            found.append((f".enum[{n}]", f"{json.dumps(value)} is not of type {schema['type']}."))
    if "default" in schema:
        found += _default_problems(schema, kind)
    if kind is str and ("minimum" in schema or "maximum" in schema):
        found.append((".minimum" if "minimum" in schema else ".maximum", "A range bounds a number; a string takes "
                                                                          "maxLength."))
    elif "minimum" in schema and "maximum" in schema and schema["minimum"] > schema["maximum"]:
        found.append((".minimum", f"The minimum {schema['minimum']} is above the maximum {schema['maximum']}."))
    return found


def _default_problems(schema: dict, kind) -> list[tuple[str, str]]:
    default = schema["default"]
    if not _is(default, kind):
        return [(".default", f"{json.dumps(default)} is not of type {schema['type']}.")]
    if "enum" in schema and default not in schema["enum"]:
        return [(".default", f"{json.dumps(default)} is not one of the enum's values.")]
    if kind is str or kind is bool:
        return []
    if "minimum" in schema and default < schema["minimum"] or "maximum" in schema and default > schema["maximum"]:
        return [(".default", f"{default} is outside the range {schema.get('minimum')}–{schema.get('maximum')}.")]
    return []


def _is(value, kind) -> bool:
    if isinstance(value, bool):  # a bool is an int to Python, never a number to JSON
        return kind is bool
    if kind is int:
        return isinstance(value, int) or isinstance(value, float) and value.is_integer()
    return isinstance(value, kind)


def spec_from(document: dict) -> ModelSpec:
    """The spec the forms, adapters and pages read, from a checked document."""
    properties = document["parameters"]["properties"]
    required = set(document["parameters"].get("required", []))
    provider, kind = document["provider"], document["kind"]
    first_frame = provider == "apinfer" and properties.get("image", {}).get("format") == "binary"
    prompt = properties.get("prompt", {})
    return ModelSpec(
        key=document["model_id"], label=document["label"], description=document.get("description", ""),
        provider="netmind" if provider == "haiper" else provider, adapter=_adapter(provider, kind), output_kind=kind,
        typical_seconds=document.get("typical_seconds", TYPICAL_SECONDS[kind]),
        remote_model="" if provider == "haiper" else document.get("remote_model", document["model_id"]),
        legacy=provider == "haiper", has_seed="seed" in properties, has_negative_prompt="negative_prompt" in properties,
        needs_image=first_frame, has_prompt="prompt" in properties, prompt_max_length=prompt.get("maxLength", 4000),
        fields=tuple(_field(name, schema, name in required) for name, schema in properties.items()
                     if name not in FILLED_BY_CONSOLE and not (first_frame and name == "image")),
    )


def _adapter(provider: str, kind: str) -> str:
    if provider == "netmind":
        return "generation"
    return f"{provider}_{kind}"


def _field(name: str, schema: dict, required: bool) -> FieldSpec:
    common = {"name": name, "label": schema.get("title") or name.replace("_", " ").capitalize(),
              "help": schema.get("description", ""), "default": schema.get("default")}
    if schema.get("format") == "binary":
        return FieldSpec(kind="file", media=schema["contentMediaType"].split("/")[0], required=required, **common)
    json_type = schema["type"]
    if json_type == "boolean":
        return FieldSpec(kind="bool", **common)
    if "enum" in schema:
        kinds = {"integer": "intchoice", "number": "floatchoice"}
        return FieldSpec(kind=kinds.get(json_type, "choice"), choices=tuple(schema["enum"]), **common)
    if json_type == "string":
        return FieldSpec(kind="text", max_length=schema.get("maxLength"), required=required, **common)
    return FieldSpec(kind="int" if json_type == "integer" else "float", minimum=schema.get("minimum"),
                     maximum=schema.get("maximum"), required=required or common["default"] is not None, **common)
