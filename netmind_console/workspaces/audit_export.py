"""The audit page's rows: one filter for the page and its CSV export, so both hold the same rows."""

import csv
import json
from datetime import datetime, time, timedelta

from django.utils import timezone

from netmind_console.core.spreadsheet import safe_cell
from netmind_console.workspaces.models import AuditEntry

CSV_COLUMNS = ["actor", "workspace", "action", "target", "before", "after", "time", "client address"]


def filtered(workspace, filters: dict):
    """`filters` is a valid AuditFilterForm's cleaned_data; dates are whole days in the current time zone."""
    rows = AuditEntry.objects.filter(workspace=workspace)
    if filters.get("actor"):
        rows = rows.filter(actor_name__iexact=filters["actor"].strip())
    if filters.get("action"):
        rows = rows.filter(action__icontains=filters["action"].strip())
    if filters.get("date_from"):
        rows = rows.filter(at__gte=_start_of(filters["date_from"]))
    if filters.get("date_to"):
        rows = rows.filter(at__lt=_start_of(filters["date_to"] + timedelta(days=1)))
    return rows.order_by("-at", "-id")


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def write_csv(rows, out):
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in rows.iterator():
        writer.writerow([safe_cell(value) for value in (
            entry.actor_name, entry.workspace_name, entry.action, entry.target, _json(entry.before),
            _json(entry.after), entry.at.isoformat(), entry.client_address or "")])


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False) if value else ""
