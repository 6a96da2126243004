"""The catalogue's models: the documents the project ships, and the ones admins added, edited or disabled (rows of
CatalogueEntry, which win over a shipped document of the same id). Every change is a CatalogueChange row.

Each process keeps the specs it built for a second: a page lists many jobs and asks for each one's model, and a model
added in the web process reaches the workers within that second.
"""

import json
import time
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils import timezone

from jobs.catalogue.documents import DocumentRefused, Problem, checked, spec_from
from jobs.catalogue.specs import ModelSpec

SHIPPED_DIR = Path(__file__).parent / "shipped"
FRESH_SECONDS = 1.0


def _shipped_documents() -> dict[str, dict]:
    documents = [checked(json.loads(path.read_text())) for path in sorted(SHIPPED_DIR.glob("*.json"))]
    return {document["model_id"]: document for document in documents}


SHIPPED_DOCUMENTS = _shipped_documents()
SHIPPED = {model_id: spec_from(document) for model_id, document in SHIPPED_DOCUMENTS.items()}
_cache = {"read_at": None, "specs": {}, "disabled": frozenset()}


def forget():
    """Read the rows again on the next lookup (after a change here, or a test's rolled-back rows)."""
    _cache["read_at"] = None


def _current() -> dict:
    if _cache["read_at"] is None or time.monotonic() - _cache["read_at"] > FRESH_SECONDS:
        from jobs.models import CatalogueEntry

        try:
            rows = list(CatalogueEntry.objects.values_list("model_id", "document", "enabled"))
        except (DatabaseError, RuntimeError):
            # No table yet (a database being migrated), or no database here at all (pytest-django while it collects
            # tests: RuntimeError): the shipped models are the catalogue until the rows can be read.
            return {"specs": SHIPPED, "disabled": frozenset()}
        _cache.update(specs={**SHIPPED, **{model_id: spec_from(document) for model_id, document, _ in rows}},
                      disabled=frozenset(model_id for model_id, _, enabled in rows if not enabled),
                      read_at=time.monotonic())
    return _cache


def spec(model_id: str) -> ModelSpec | None:
    """The model's spec, enabled or not (a job of a disabled model is still shown as it was)."""
    return _current()["specs"].get(model_id)


def is_enabled(model_id: str) -> bool:
    current = _current()
    return model_id in current["specs"] and model_id not in current["disabled"]


def enabled_specs() -> list[ModelSpec]:
    """The models offered for new jobs: the shipped ones in their order, then the added ones by label."""
    current = _current()
    offered = [one for one in current["specs"].values() if one.key not in current["disabled"]]
    shipped_order = list(SHIPPED)
    return sorted(offered, key=lambda one: (shipped_order.index(one.key) if one.key in SHIPPED else len(SHIPPED),
                                            one.label.lower()))


def every_model_id() -> list[str]:
    """Every model's id, disabled ones too: the shipped in their order, then the added by id."""
    added = sorted(set(_current()["specs"]) - set(SHIPPED))
    return [*SHIPPED, *added]


def document(model_id: str) -> dict | None:
    from jobs.models import CatalogueEntry

    row = CatalogueEntry.objects.filter(model_id=model_id).values_list("document", flat=True).first()
    return row or SHIPPED_DOCUMENTS.get(model_id)


def save(document: dict, actor=None, *, replacing: str | None = None):
    """Add a model, or edit `replacing` (its id may not change). DocumentRefused if the document is wrong, or adds
    an id the catalogue has."""
    from jobs.models import CatalogueChange, CatalogueEntry

    document = checked(document)
    model_id = document["model_id"]
    if replacing is not None and model_id != replacing:
        raise DocumentRefused([Problem("$.model_id", f"The model id cannot change (it is {replacing}); add the "
                                                     "document as a new model instead.")])
    with transaction.atomic():
        existing = CatalogueEntry.objects.select_for_update().filter(model_id=model_id).first()
        if replacing is None and (existing or model_id in SHIPPED):
            raise DocumentRefused([Problem("$.model_id", f"The catalogue has {model_id} already; edit it instead.")])
        if existing:
            CatalogueEntry.objects.filter(pk=existing.pk).update(document=document, updated_at=timezone.now(),
                                                                 updated_by=actor)
        else:
            CatalogueEntry.objects.create(model_id=model_id, document=document, updated_by=actor)
        _record(model_id, CatalogueChange.Action.EDITED if replacing else CatalogueChange.Action.ADDED, actor, document)
    forget()


def set_enabled(model_id: str, enabled: bool, actor=None) -> bool:
    """Offer the model for new jobs again, or stop offering it; False if the catalogue has no such model."""
    from jobs.models import CatalogueChange, CatalogueEntry

    current = document(model_id)
    if current is None:
        return False
    with transaction.atomic():
        entry, _ = CatalogueEntry.objects.get_or_create(model_id=model_id, defaults={"document": current,
                                                                                     "updated_by": actor})
        CatalogueEntry.objects.filter(pk=entry.pk).update(enabled=enabled, updated_at=timezone.now(), updated_by=actor)
        _record(model_id, CatalogueChange.Action.ENABLED if enabled else CatalogueChange.Action.DISABLED, actor)
    forget()
    return True


def remove(model_id: str, actor=None) -> bool:
    """Remove an added model, or undo the edits and disabling of a shipped one; False if there was nothing to remove.
    Its jobs stay, shown by their model id."""
    from jobs.models import CatalogueChange, CatalogueEntry

    with transaction.atomic():
        removed, _ = CatalogueEntry.objects.filter(model_id=model_id).delete()
        if removed:
            _record(model_id, CatalogueChange.Action.REMOVED, actor, SHIPPED_DOCUMENTS.get(model_id))
    forget()
    return bool(removed)


def _record(model_id: str, action: str, actor, document: dict | None = None):
    from jobs.models import CatalogueChange

    CatalogueChange.objects.create(model_id=model_id, action=action, actor=actor,
                                   actor_name=actor.get_username() if actor else "", document=document)
