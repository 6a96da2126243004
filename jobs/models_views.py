"""The Models page: the catalogue (jobs/catalogue/) as everyone signed in reads it, and where the console's
administrators add, edit, disable, enable and remove its models.

The catalogue is console-wide, not a workspace's: a change reaches every workspace's New job, so changes are for
staff users (the first user, made at setup, is one; others are made staff in Django's admin). Reading is for
everyone signed in: their New job page offers these models anyway. The rules (what a document may say, what
removing a shipped model means) are the registry's; these views check who asks and show the answer.
"""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from jobs import models_listing
from jobs.catalogue import registry
from jobs.catalogue.documents import DocumentRefused
from jobs.models_forms import STARTER_DOCUMENT, DocumentForm, ModelFilterForm, as_text
from netmind_console.core.htmx import page_or_partial

SHOW_OR_ACT = ["GET", "HEAD", "POST"]


def staff_only(view):
    """403 with the reason for anyone but the console's administrators."""

    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.is_staff:
            return render(request, "jobs/models_refused.html", status=403)
        return view(request, *args, **kwargs)

    return checked


def _model_or_404(model_id: str) -> models_listing.Listed:
    model = models_listing.one_model(model_id)
    if model is None:
        raise Http404(f"The catalogue has no model {model_id}.")
    return model


@login_required
@require_safe
def model_list(request):
    filters = ModelFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    every = models_listing.every_model()
    context = {"filters": filters, "models": models_listing.filtered(every, values),
               "filtering": any(values.values()), "any_added": any(not model.shipped for model in every),
               "changes": _changes(models_listing.recent_changes())}
    return page_or_partial(request, "jobs/models.html", "model-table", context)


@login_required
@require_safe
def model_detail(request, model_id):
    model = _model_or_404(model_id)
    return render(request, "jobs/models_detail.html",
                  {"model": model, "changes": _changes(models_listing.recent_changes(model_id))})


def _changes(changes) -> list[dict]:
    return [{"change": change, "who": models_listing.who(change)} for change in changes]


@login_required
@staff_only
@require_http_methods(SHOW_OR_ACT)
def model_new(request):
    if request.method != "POST":
        start = request.GET.get("from", "")
        document = registry.document(start) if start else None
        return _render_form(request, DocumentForm(initial={"text": as_text(document or STARTER_DOCUMENT)}),
                            copied_from=start if document else "")
    form = DocumentForm(request.POST, request.FILES)
    if _saved(request, form):
        messages.success(request, f"Added {form.document['label']} ({form.document['model_id']}): New job "
                                  "offers it now.")
        return redirect("jobs:model_detail", model_id=form.document["model_id"])
    return _render_form(request, form, status=422)


@login_required
@staff_only
@require_http_methods(SHOW_OR_ACT)
def model_edit(request, model_id):
    model = _model_or_404(model_id)
    if request.method != "POST":
        return _render_form(request, DocumentForm(initial={"text": model.json}), model=model)
    form = DocumentForm(request.POST, request.FILES)
    if _saved(request, form, replacing=model_id):
        messages.success(request, f"Saved {form.document['label']} ({model_id}).")
        return redirect("jobs:model_detail", model_id=model_id)
    return _render_form(request, form, model=model, status=422)


def _saved(request, form: DocumentForm, replacing: str | None = None) -> bool:
    """Save the form's document (a new model, or `replacing`'s); False with the problems on the form if refused."""
    if not form.is_valid():
        return False
    try:
        registry.save(form.document, request.user, replacing=replacing)
    except DocumentRefused as refusal:
        form.refuse(refusal)
        return False
    return True


def _render_form(request, form, model=None, copied_from="", status=200):
    return render(request, "jobs/models_form.html", {"form": form, "model": model, "copied_from": copied_from},
                  status=status)


@login_required
@staff_only
@require_http_methods(SHOW_OR_ACT)
def model_toggle(request, model_id):
    """GET asks to confirm (disabling stops new jobs of the model); POST `enabled=yes|no` does it."""
    model = _model_or_404(model_id)
    if request.method != "POST":
        return render(request, "jobs/models_confirm.html", {"model": model, "action": "disable" if model.enabled
                                                            else "enable"})
    enabled = request.POST.get("enabled")
    if enabled not in ("yes", "no"):
        return HttpResponse("Say enabled=yes to offer the model, or enabled=no to stop offering it.", status=400,
                            content_type="text/plain")
    registry.set_enabled(model_id, enabled == "yes", request.user)
    if enabled == "yes":
        messages.success(request, f"{model.label} is offered for new jobs again.")
    else:
        messages.success(request, f"{model.label} is disabled: it is no longer offered for new jobs; its jobs stay.")
    return redirect("jobs:models")


@login_required
@staff_only
@require_http_methods(SHOW_OR_ACT)
def model_remove(request, model_id):
    """Remove an added model, or restore a shipped one as it was shipped (undoing edits and disabling)."""
    model = _model_or_404(model_id)
    if not model.removable:
        return render(request, "jobs/models_confirm.html", {"model": model, "action": "nothing"}, status=409)
    if request.method != "POST":
        return render(request, "jobs/models_confirm.html",
                      {"model": model, "action": "restore" if model.shipped else "remove"})
    registry.remove(model_id, request.user)
    if model.shipped:
        messages.success(request, f"{model.label} is back to its shipped version, enabled.")
    else:
        messages.success(request, f"Removed {model.label}; its jobs stay, shown by the model id {model_id}.")
    return redirect("jobs:models")
