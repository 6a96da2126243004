"""The OpenAPI document as a reference a person reads: operations grouped by what they act on, each with its
parameters, the outline of its body and its answers. It renders whatever the document holds, so a new operation
appears on the documentation page without anyone editing a template."""

from dataclasses import dataclass, field

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
# Nested bodies are outlined this deep; anything deeper is named by its type (the JSON document has it all).
OUTLINE_DEPTH = 3


@dataclass
class Row:
    name: str
    type: str
    required: bool = False
    description: str = ""
    where: str = ""  # a parameter's place: path, query, header


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    parameters: list[Row]
    bodies: list[tuple[str, list[Row]]]  # (content type, fields)
    responses: list[Row]  # name = status, type = what the body holds


@dataclass
class Group:
    name: str
    operations: list[Operation] = field(default_factory=list)


def groups(document: dict) -> list[Group]:
    """The document's operations by tag (else by the path's first word after the version), in document order."""
    found: dict[str, Group] = {}
    components = document.get("components", {}).get("schemas", {})
    for path, methods in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in methods:
                operation = _operation(path, method, methods[method], components)
                name = (methods[method].get("tags") or [_first_word(path)])[0]
                found.setdefault(name, Group(name)).operations.append(operation)
    return list(found.values())


def _first_word(path: str) -> str:
    words = [word for word in path.split("/") if word and not word.startswith("{")]
    return words[2] if len(words) > 2 else words[-1] if words else "api"


def _operation(path, method, spec, components) -> Operation:
    return Operation(
        method=method.upper(), path=path, anchor=spec.get("operationId") or f"{method}-{path}",
        summary=spec.get("summary", ""), description=spec.get("description", ""),
        parameters=[Row(p["name"], type_name(p.get("schema", {})), p.get("required", False),
                        p.get("description", ""), p.get("in", "")) for p in spec.get("parameters", [])],
        bodies=[(content_type, outline(media.get("schema", {}), components))
                for content_type, media in spec.get("requestBody", {}).get("content", {}).items()],
        responses=[Row(str(status), _response_type(answer), description=answer.get("description", ""))
                   for status, answer in sorted(spec.get("responses", {}).items(), key=lambda item: str(item[0]))],
    )


def _response_type(answer: dict) -> str:
    return ", ".join(f"{content_type}: {type_name(media.get('schema', {}))}"
                     for content_type, media in answer.get("content", {}).items())


def type_name(schema: dict) -> str:
    """A schema in a few words: `string`, `integer | null`, `one of a, b`, `array of Job`, `JobOut`."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    for union in ("anyOf", "oneOf"):
        if union in schema:
            return " | ".join(type_name(option) for option in schema[union])
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " | ".join(kind)
    if kind == "array":
        return f"array of {type_name(schema.get('items', {}))}"
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def outline(schema: dict, components: dict, prefix: str = "", depth: int = 0) -> list[Row]:
    """An object schema's fields as rows, nested objects as `parent.child` (arrays of them as `parent[].child`)."""
    schema = _resolved(schema, components)
    if depth >= OUTLINE_DEPTH or "properties" not in schema:
        # A nested field is already named by its row; a whole body that is not an object gets one row.
        return [Row("(body)", type_name(schema), True)] if schema and not prefix else []
    rows = []
    for name, prop in schema["properties"].items():
        full_name = f"{prefix}{name}"
        rows.append(Row(full_name, type_name(prop), name in schema.get("required", ()), prop.get("description", "")))
        nested, marker = _nested_object(prop, components)
        if nested:
            rows += outline(nested, components, f"{full_name}{marker}.", depth + 1)
    return rows


def _nested_object(prop: dict, components: dict) -> tuple[dict | None, str]:
    """The object a field holds (through a $ref, an optional union or an array), with `[]` for an array."""
    options = prop.get("anyOf") or prop.get("oneOf") or [prop]
    for option in options:
        option = _resolved(option, components)
        if option.get("type") == "array":
            items = _resolved(option.get("items", {}), components)
            if "properties" in items:
                return items, "[]"
        elif "properties" in option:
            return option, ""
    return None, ""


def _resolved(schema: dict, components: dict) -> dict:
    if "$ref" in schema:
        return components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    return schema
