"""What the Models page shows of the catalogue: every model, shipped or added, enabled or not, with where it came from
and its parameters as a person reads them. Read from the documents themselves (registry.py), so a disabled model is
listed as fully as an enabled one."""

import json
from dataclasses import dataclass

from jobs.catalogue import registry
from jobs.catalogue.specs import PROVIDER_NAMES
from jobs.models import CatalogueChange, CatalogueEntry

PROVIDER_LABELS = {**PROVIDER_NAMES, "haiper": "Haiper (legacy)"}
RECENT_CHANGES = 20


@dataclass(frozen=True)
class Parameter:
    name: str
    title: str
    type: str  # "string", "integer", "file (audio/*)", …
    allowed: str  # "1:1, 16:9" or "1 – 100" or "up to 4000 characters"
    default: str
    required: bool
    description: str


@dataclass(frozen=True)
class Listed:
    model_id: str
    document: dict
    shipped: bool
    edited: bool  # a shipped model whose document an admin changed
    enabled: bool
    added_by: str  # for an added model
    added_at: object  # datetime, for an added model

    @property
    def label(self) -> str:
        return self.document["label"]

    @property
    def kind(self) -> str:
        return self.document["kind"]

    @property
    def provider(self) -> str:
        return self.document["provider"]

    @property
    def provider_label(self) -> str:
        return PROVIDER_LABELS.get(self.provider, self.provider)

    @property
    def restorable(self) -> bool:
        """A shipped model an admin changed (edited or disabled): Remove puts the shipped document back."""
        return self.shipped and (self.edited or not self.enabled)

    @property
    def removable(self) -> bool:
        return not self.shipped or self.restorable

    @property
    def parameters(self) -> list[Parameter]:
        return parameters_of(self.document)

    @property
    def json(self) -> str:
        return json.dumps(self.document, indent=2, ensure_ascii=False)


def every_model() -> list[Listed]:
    """Shipped models in the project's order, then added ones by label."""
    entries = {entry.model_id: entry for entry in CatalogueEntry.objects.all()}
    additions = _additions([model_id for model_id in entries if model_id not in registry.SHIPPED_DOCUMENTS])
    listed = [_listed(model_id, shipped, entries.get(model_id), additions)
              for model_id, shipped in registry.SHIPPED_DOCUMENTS.items()]
    added = [_listed(model_id, None, entry, additions) for model_id, entry in entries.items()
             if model_id not in registry.SHIPPED_DOCUMENTS]
    return listed + sorted(added, key=lambda one: one.label.lower())


def one_model(model_id: str) -> Listed | None:
    shipped = registry.SHIPPED_DOCUMENTS.get(model_id)
    entry = CatalogueEntry.objects.filter(model_id=model_id).first()
    if entry is None and shipped is None:
        return None
    return _listed(model_id, shipped, entry, _additions([model_id]) if shipped is None else {})


def filtered(models: list[Listed], filters: dict) -> list[Listed]:
    wanted = {
        "kind": lambda one, value: one.kind == value,
        "provider": lambda one, value: one.provider == value,
        "status": lambda one, value: one.enabled == (value == "enabled"),
        "origin": lambda one, value: one.shipped == (value == "shipped"),
    }
    return [one for one in models if all(wanted[name](one, value) for name, value in filters.items() if value)]


def recent_changes(model_id: str | None = None, limit: int = RECENT_CHANGES) -> list[CatalogueChange]:
    """The newest changes first: of every model, or of one."""
    changes = CatalogueChange.objects.all() if model_id is None else CatalogueChange.objects.filter(model_id=model_id)
    return list(changes[:limit])


def _listed(model_id: str, shipped: dict | None, entry: CatalogueEntry | None, additions: dict) -> Listed:
    document = entry.document if entry else shipped
    added = additions.get(model_id)
    return Listed(model_id=model_id, document=document, shipped=shipped is not None,
                  edited=bool(shipped and entry and entry.document != shipped),
                  enabled=entry.enabled if entry else True, added_by=who(added) if added else "",
                  added_at=added.at if added else None if shipped else entry.created_at)


def _additions(model_ids: list[str]) -> dict[str, CatalogueChange]:
    """Each added model's latest "added" change: who added it, when (the entry keeps only its last editor)."""
    changes = CatalogueChange.objects.filter(model_id__in=model_ids, action=CatalogueChange.Action.ADDED)
    latest = {}
    for change in changes.order_by("at", "id"):
        latest[change.model_id] = change
    return latest


def who(change: CatalogueChange) -> str:
    """A change without an actor was made by `manage.py catalogue`; a deleted user's name is kept on the row."""
    return change.actor_name or "the command line"


def parameters_of(document: dict) -> list[Parameter]:
    schema = document["parameters"]
    required = set(schema.get("required", []))
    return [_parameter(name, one, name in required) for name, one in schema["properties"].items()]


def _parameter(name: str, schema: dict, required: bool) -> Parameter:
    default = schema.get("default")
    return Parameter(name=name, title=schema.get("title", ""), type=_type(schema), allowed=_allowed(schema),
                     default="" if default is None else json.dumps(default, ensure_ascii=False),
                     required=required, description=schema.get("description", ""))


def _type(schema: dict) -> str:
    if schema.get("format") == "binary":
        return f"file ({schema.get('contentMediaType', 'any')})"
    if "enum" in schema:
        return f"{schema['type']}, one of {len(schema['enum'])}"
    return schema["type"]


def _allowed(schema: dict) -> str:
    if "enum" in schema:
        return ", ".join(str(value) for value in schema["enum"])
    if "minimum" in schema or "maximum" in schema:
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return f"{low} – {high}"
        return f"at least {low}" if low is not None else f"at most {high}"
    if "maxLength" in schema:
        return f"up to {schema['maxLength']:,} characters"
    return ""
