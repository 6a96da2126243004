"""The catalogue's models: the documents the project ships, and the ones admins added, edited or disabled (rows of
CatalogueEntry, which win over a shipped document of the same id). Every change is a CatalogueChange row.

Each process keeps the specs it built for a second: a page lists many jobs and asks for each one's model, and a model
added in the web process reaches the workers within that second.
"""

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import SynchronousOnlyOperation
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from jobs.catalogue.documents import DocumentRefused, Problem, checked, spec_from
from jobs.catalogue.specs import ModelSpec

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).parent / "shipped"
FRESH_SECONDS = 1.0


def _shipped_documents() -> dict[str, dict]:
    documents = [checked(json.loads(path.read_text())) for path in sorted(SHIPPED_DIR.glob("*.json"))]
    return {document["model_id"]: document for document in documents}


SHIPPED_DOCUMENTS = _shipped_documents()
SHIPPED = {model_id: spec_from(document) for model_id, document in SHIPPED_DOCUMENTS.items()}
@dataclass(frozen=True)
class Snapshot:
    """The catalogue as read at one moment: replaced whole, so a thread reading it never mixes two reads."""

    specs: dict
    disabled: frozenset
    read_at: float | None = None


SHIPPED_ONLY = Snapshot(SHIPPED, frozenset())
_latest = {"snapshot": SHIPPED_ONLY}


def forget():
    """Read the rows again on the next lookup (after a change here, or a test's rolled-back rows)."""
    _latest["snapshot"] = SHIPPED_ONLY


def _current() -> Snapshot:
    snapshot = _latest["snapshot"]
    if snapshot.read_at is None or time.monotonic() - snapshot.read_at > FRESH_SECONDS:
        from jobs.models import CatalogueEntry

        try:
            rows = list(CatalogueEntry.objects.values_list("model_id", "document", "enabled"))
        except (DatabaseError, RuntimeError, SynchronousOnlyOperation):
            # No table yet (a database being migrated), or no database here at all: pytest-django while it collects
            # tests (RuntimeError), a browser test's process, whose thread runs Playwright's event loop
            # (SynchronousOnlyOperation). The shipped models are the catalogue until the rows can be read.
            return SHIPPED_ONLY
        snapshot = Snapshot({**SHIPPED, **_specs(rows)},
                            frozenset(model_id for model_id, _, enabled in rows if not enabled), time.monotonic())
        _latest["snapshot"] = snapshot
    return snapshot


def _specs(rows) -> dict[str, ModelSpec]:
    """Each row's spec; a row this version no longer reads (saved under older checks) is left out and logged, so
    one stale document cannot take every page down."""
    specs = {}
    for model_id, document, _ in rows:
        try:
            specs[model_id] = spec_from(checked(document))
        except (DocumentRefused, KeyError, TypeError) as error:
            log.error("Catalogue model %s is left out: its document no longer reads (%s)", model_id, error)
    return specs


def spec(model_id: str) -> ModelSpec | None:
    """The model's spec, enabled or not (a job of a disabled model is still shown as it was)."""
    return _current().specs.get(model_id)


def is_enabled(model_id: str) -> bool:
    current = _current()
    return model_id in current.specs and model_id not in current.disabled


def enabled_specs() -> list[ModelSpec]:
    """The models offered for new jobs: the shipped ones in their order, then the added ones by label."""
    current = _current()
    offered = [one for one in current.specs.values() if one.key not in current.disabled]
    shipped_order = list(SHIPPED)
    return sorted(offered, key=lambda one: (shipped_order.index(one.key) if one.key in SHIPPED else len(SHIPPED),
                                            one.label.lower()))


def every_model_id() -> list[str]:
    """Every model's id, disabled ones too: the shipped in their order, then the added by id."""
    added = sorted(set(_current().specs) - set(SHIPPED))
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
    already = DocumentRefused([Problem("$.model_id", f"The catalogue has {model_id} already; edit it instead.")])
    try:
        with transaction.atomic():
            existing = CatalogueEntry.objects.select_for_update().filter(model_id=model_id).first()
            if replacing is None and (existing or model_id in SHIPPED):
                raise already
            if replacing is not None and not existing and model_id not in SHIPPED:
                raise DocumentRefused([Problem("$.model_id", f"The catalogue has no {model_id} to edit; add it.")])
            if existing:
                CatalogueEntry.objects.filter(pk=existing.pk).update(document=document, updated_at=timezone.now(),
                                                                     updated_by=actor)
            else:
                CatalogueEntry.objects.create(model_id=model_id, document=document, updated_by=actor)
            _record(model_id, CatalogueChange.Action.EDITED if replacing else CatalogueChange.Action.ADDED, actor,
                    document)
    except IntegrityError:  # the same id added twice at once: the other one was first
        raise already from None
    finally:
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
