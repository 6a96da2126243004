"""A catalogue model's parameters as JSON Schema: what the New job form asks beside the prompt, the account and the
first frame, for the API (`GET /models` publishes it, `POST /jobs` reads `parameters` by it).

The schema states each value's type, choices and bounds as the form builds them from the same FieldSpec, so a
script can check its input before sending; the form itself stays the one that decides (the API fills it with
these values). A fixed seed is `seed` (the form's seed mode is "fixed" when one is given, "random" otherwise),
and another generation model's JSON config is `config`, an object (the form's text field holds its JSON).
"""

from jobs import catalogue
from jobs.adapters import MAX_SEED
from jobs.catalogue.documents import MODEL_ID_PATTERN
from jobs.forms import MAX_CONFIG_CHARS, MODEL_ID_HELP

JSON_TYPES = {"int": "integer", "intchoice": "integer", "float": "number", "floatchoice": "number", "bool": "boolean",
              "choice": "string", "text": "string", "file": "string"}
MEDIA_TYPES = {"image": "image/*", "audio": "audio/*", "video": "video/*"}


def parameters_schema(spec: catalogue.ModelSpec) -> dict:
    properties, required = {}, []
    if spec.key == catalogue.CUSTOM_KEY:
        properties["model_id"] = {"type": "string", "pattern": MODEL_ID_PATTERN, "maxLength": 200,
                                  "description": MODEL_ID_HELP}
        properties["config"] = {"type": "object", "default": {},
                                "description": "Sent as the generation's config; the prompt is added unless given. "
                                               f"At most {MAX_CONFIG_CHARS:,} characters as JSON."}
        required.append("model_id")
    if spec.has_negative_prompt:
        properties["negative_prompt"] = {"type": "string", "maxLength": 2000, "description": "What to keep out."}
    for field in spec.fields:
        properties[field.name] = _field_schema(field)
        if field.required and field.default is None and field.kind != "bool":
            required.append(field.name)
    if spec.has_seed:
        properties["seed"] = {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_SEED, "default": None,
                              "description": "A fixed seed, to repeat a result; left out (or null), a random one."}
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _field_schema(field: catalogue.FieldSpec) -> dict:
    schema = {"type": JSON_TYPES[field.kind], "title": field.label}
    if field.choices:
        schema["enum"] = list(field.choices)
    if field.minimum is not None:
        schema["minimum"] = field.minimum
    if field.maximum is not None:
        schema["maximum"] = field.maximum
    if field.max_length is not None:
        schema["maxLength"] = field.max_length
    if field.kind == "file":  # POST /jobs takes it as a data URL in `parameters`, or as a multipart part of its name
        schema.update(format="binary", contentMediaType=MEDIA_TYPES[field.media])
    if field.default is not None:
        schema["default"] = field.default
    if field.help:
        schema["description"] = field.help
    return schema


def type_errors(spec: catalogue.ModelSpec, parameters: dict) -> list[dict]:
    """Values the schema refuses by their JSON type, or names it does not know: the form reads text ("5" is 5,
    "on" is true), so these are refused here, where the published schema says what each one must be."""
    properties = parameters_schema(spec)["properties"]
    errors = []
    for name, value in parameters.items():
        field = f"parameters.{name}"
        if name not in properties:
            errors.append({"field": field, "message": f"{spec.label} has no parameter “{name[:40]}”; "
                                                      f"its parameters: {', '.join(properties) or 'none'}."})
        elif not _has_type(value, properties[name]["type"]):
            errors.append({"field": field, "message": f"Must be of type {_spelled(properties[name]['type'])}."})
    return errors


def _has_type(value, json_type) -> bool:
    if isinstance(json_type, list):
        return any(_has_type(value, one) for one in json_type)
    if isinstance(value, bool):  # a bool is an int to Python, never a number to JSON
        return json_type == "boolean"
    checks = {"integer": lambda: isinstance(value, int) or (isinstance(value, float) and value.is_integer()),
              "number": lambda: isinstance(value, int | float), "string": lambda: isinstance(value, str),
              "object": lambda: isinstance(value, dict), "null": lambda: value is None}
    return checks[json_type]()


def _spelled(json_type) -> str:
    return " or ".join(json_type) if isinstance(json_type, list) else json_type
