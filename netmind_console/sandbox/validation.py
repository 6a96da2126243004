"""A tiny body validator that fails the way FastAPI/pydantic v2 does (422 with a `detail` list).

Like pydantic's lax mode, integer and number fields accept numeric strings ("2" -> 2), which
is why the documented scale call can send `"target_instance_number": "2"`.
"""

from dataclasses import dataclass, field

MISSING = object()


@dataclass(frozen=True)
class Field:
    kind: str  # "str", "int", "number", "bool", "object", "any"
    required: bool = False
    default: object = MISSING
    choices: tuple = ()
    fields: dict = field(default_factory=dict)  # for "object": the nested fields


class Invalid(Exception):
    def __init__(self, detail: list[dict]):
        super().__init__(detail)
        self.detail = detail


def _error(loc, kind, msg, value):
    return {"type": kind, "loc": list(loc), "msg": msg, "input": value}


def _coerce(spec: Field, value, loc, errors):
    """Return the value converted to the field's kind, or append an error and return it unchanged."""
    if value is None and not spec.required:
        return value
    before = len(errors)
    if spec.kind == "str":
        if not isinstance(value, str):
            errors.append(_error(loc, "string_type", "Input should be a valid string", value))
    elif spec.kind in ("int", "number"):
        value = _number(spec.kind, value, loc, errors)
    elif spec.kind == "bool" and not isinstance(value, bool):
        errors.append(_error(loc, "bool_type", "Input should be a valid boolean", value))
    elif spec.kind == "object":
        if not isinstance(value, dict):
            errors.append(_error(loc, "dict_type", "Input should be a valid dictionary", value))
        else:
            value = _fields(spec.fields, value, loc, errors)
    if spec.choices and len(errors) == before and value not in spec.choices:
        allowed = ", ".join(repr(choice) for choice in spec.choices)
        errors.append(_error(loc, "enum", f"Input should be {allowed}", value))
    return value


def _number(kind, value, loc, errors):
    convert = int if kind == "int" else float
    if isinstance(value, bool):
        pass
    elif isinstance(value, (int, float)) and (kind == "number" or float(value).is_integer()):
        return convert(value) if kind == "int" else value
    elif isinstance(value, str):
        try:
            return convert(value.strip())
        except ValueError:
            pass
    name = "integer" if kind == "int" else "number"
    errors.append(_error(loc, f"{kind}_parsing" if isinstance(value, str) else f"{kind}_type",
                         f"Input should be a valid {name}", value))  # fmt: skip
    return value


def _fields(spec: dict, body: dict, loc, errors) -> dict:
    out = dict(body)  # unknown keys pass through: "advanced" configs may carry fields we don't know
    for name, rule in spec.items():
        if name not in body:
            if rule.required:
                errors.append(_error((*loc, name), "missing", "Field required", body))
            elif rule.default is not MISSING:
                out[name] = _default(rule)
            continue
        out[name] = _coerce(rule, body[name], (*loc, name), errors)
    return out


def _default(rule: Field):
    return rule.default() if callable(rule.default) else rule.default


def validate(spec: dict, body) -> dict:
    """The body with defaults filled in and numbers coerced, or raise Invalid."""
    errors: list[dict] = []
    result = _coerce(Field("object", required=True, fields=spec), body, ("body",), errors)
    if errors:
        raise Invalid(errors)
    return result


def obj(fields: dict, **options) -> Field:
    """A nested object whose own defaults are filled in when it is omitted."""
    return Field("object", fields=fields, default=lambda: _fields(fields, {}, (), []), **options)
