"""The audit page for admins: filters, pages, and a CSV export of the same filtered rows. Nothing edits a row."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from netmind_console.workspaces import access, audit_export
from netmind_console.workspaces.forms import AuditFilterForm
from netmind_console.workspaces.roles import Role

PER_PAGE = 50


@login_required
@require_safe
def audit_page(request):
    workspace = access.require(request, Role.ADMIN)
    form = AuditFilterForm(request.GET)
    rows = audit_export.filtered(workspace, form.cleaned_data) if form.is_valid() else workspace.audit_entries.none()
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"shown": workspace, "form": form, "page": page, "filters": query.urlencode()}
    return render(request, "workspaces/audit.html", context, status=400 if form.errors else 200)


@login_required
@require_safe
def audit_csv(request):
    workspace = access.require(request, Role.ADMIN)
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        return HttpResponseBadRequest(f"Not exported. {problems}", content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"audit-{timezone.now():%Y%m%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    audit_export.write_csv(audit_export.filtered(workspace, form.cleaned_data), response)
    return response
