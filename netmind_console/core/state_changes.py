"""A state change and the event row that records it, in one transaction: the event is the history pages,
spend and audits are built from, so it must never be missing for a change that happened, nor doubled."""

from collections.abc import Callable

from django.db import transaction
from django.db.models import Q


def change_with_event(model, pk: int, *, when: Q | None = None, fields: dict,
                      record: Callable[[object], object | None]):
    """Apply `fields` to row `pk` if it still matches `when`, then call `record(row)` to write its event row.

    The conditional UPDATE takes the row's lock until commit, so two racing callers are serialised: the
    second sees the first's change (and its event) and can decide that nothing changed. Returns the
    updated row, or None when the row no longer matched `when` (someone else moved it first).
    """
    with transaction.atomic():
        if not model.objects.filter(pk=pk).filter(when or Q()).update(**fields):
            return None
        row = model.objects.get(pk=pk)
        record(row)
    return row
