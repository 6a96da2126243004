"""The gallery and the private media it shows.

Media are never under a public URL: every file goes through `media` / `thumbnail`, which look the
output up by UUID and let only members of its workspace in (anyone else gets a 404, as if it did not
exist). The grid and its bulk actions work in the current workspace. Files are
content-addressed and never change, so they are cached as immutable with their sha256 as ETag, and
served in byte ranges so browsers can seek in videos and audio. They are read from the media storage
(`default_storage`); with an object store and MEDIA_SERVE_BY_REDIRECT, these two pages answer the same
access check with a redirect to a short-lived signed URL instead of relaying the bytes (the API's file
operation always relays them: its contract has no redirect).

The gallery pages by keyset on (created_at, id), newest first: a deep page costs the same as the
first, and new outputs arriving meanwhile do not shift the pages already shown.

A bad request (a page position, a bulk action) is answered with the gallery page and what was wrong, 400:
the message may quote the request's values, so it goes through the template's autoescaping, never raw
into a response body. A bulk action a person can simply get wrong (nothing ticked, nothing downloadable yet)
goes back to the gallery they were on, filters and all, with the reason as a message.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models.functions import Substr
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from jobs import history, selectors
from jobs.forms import BadCursor, GalleryFilters, parse_cursor
from jobs.models import ArchiveState, Output, model_label
from jobs.permissions import output_for, require_delete_right
from jobs.views import without_batch
from jobs.zips import NothingToZip, download_name, zip_response
from netmind_console.core.file_responses import redirect_to_stored, serve_file
from netmind_console.core.ids import parse_uuid
from netmind_console.workspaces import access
from netmind_console.workspaces.roles import Role

PAGE_SIZE = 30
# The filters a person sets in the folded "Filters" box; a batch is shown as a chip of its own.
COUNTED_FILTERS = ("kind", "model", "provider", "since", "until", "q", "favourites")
MAX_BULK = 500
THUMBNAIL_TYPES = {".webp": "image/webp", ".png": "image/png", ".jpg": "image/jpeg"}
# What the grid needs of each output and its job, and nothing more (a job's params can be large).
GRID_FIELDS = (
    "uuid", "job", "kind", "file", "thumbnail", "size", "width", "height", "duration_seconds", "archive_state",
    "archive_error", "archive_retry_at", "favourite", "model_key", "provider", "created_at",
    "job__uuid", "job__prompt",
)  # fmt: skip
# A text output's tile shows the start of its text: a transcript may be long, the grid reads this much of each.
SNIPPET_CHARS = 400


@login_required
@require_safe
@vary_on_headers("HX-Request")
def gallery(request):
    filters = GalleryFilters(request.GET)
    if not filters.is_valid():
        return _render_gallery(request, filters, outputs=[], status=400)
    try:
        cursor = parse_cursor(request.GET["after"]) if request.GET.get("after") else None
    except (BadCursor, OverflowError) as error:
        return _render_gallery(request, filters, outputs=[], error=str(error), status=400)
    context = _page(request, filters, cursor)
    if request.htmx and cursor:
        return render(request, "jobs/gallery.html#page", context)
    return _render_gallery(request, filters, **context)


def _page(request, filters, cursor=None) -> dict:
    shown = Output.objects.filter(workspace=access.current_workspace(request))
    outputs = filters.apply(shown).select_related("job").only(*GRID_FIELDS).annotate(
        snippet=Substr("text", 1, SNIPPET_CHARS))
    page, next_position = selectors.keyset_page(outputs, cursor, PAGE_SIZE)
    return {"outputs": page, "next_url": _next_page_url(request, next_position) if next_position else None}


def _render_gallery(request, filters, status=200, **context):
    """The whole page, or just the results for an htmx filter change; both need the filter choices."""
    workspace = access.current_workspace(request)
    pairs = selectors.models_and_providers(workspace)
    batch_uuid = filters.cleaned_data.get("batch") if filters.is_valid() else None
    context.update(
        batch_filter=selectors.batch_in(workspace, batch_uuid),
        clear_batch=without_batch(request, "jobs:gallery"),
        filters=filters,
        active_filters=_active_filters(filters),
        has_any=bool(pairs),
        models=sorted({(model, model_label(model)) for model, _ in pairs}, key=lambda choice: choice[1]),
        providers=sorted({provider for _, provider in pairs}),
    )
    template = "jobs/gallery.html#results" if request.htmx else "jobs/gallery.html"
    return render(request, template, context, status=status)


def _active_filters(filters) -> int:
    data = filters.cleaned_data if filters.is_valid() else {}
    return sum(1 for name in COUNTED_FILTERS if data.get(name))


def _next_page_url(request, position: str) -> str:
    query = request.GET.copy()
    query["after"] = position
    return f"{reverse('jobs:gallery')}?{query.urlencode()}"


@login_required
@require_POST
def toggle_favourite(request, uuid):
    """Sets the star to the state the button asked for, so a double submit cannot flip it back."""
    grid_row = Output.objects.select_related("job").only(*GRID_FIELDS, "workspace")
    output = output_for(request, uuid, Role.MEMBER, grid_row)
    wanted = request.POST.get("favourite")
    if wanted not in ("0", "1"):
        return HttpResponseBadRequest("The field “favourite” must be 1 (star) or 0 (unstar).", content_type="text/plain")
    output.favourite = wanted == "1"
    output.save(update_fields=["favourite"])
    if request.htmx:
        return render(request, "jobs/gallery.html#star", {"output": output})
    return _back_to_gallery(request)


def _back_to_gallery(request):
    referer = request.headers.get("Referer", "")
    if url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return redirect(referer)
    return redirect("jobs:gallery")


@login_required
@require_POST
def bulk_action(request):
    action = request.POST.get("action")
    if action not in ("delete", "zip"):
        return _bulk_error(request, f"Unknown action “{(action or '')[:40]}”: choose delete or zip.")
    ids = request.POST.getlist("ids")
    if not ids:
        return _back_with_message(request, "No outputs selected: tick at least one.")
    if len(ids) > MAX_BULK:
        return _bulk_error(request, f"Too many outputs selected ({len(ids)}): at most {MAX_BULK} at once.")
    not_an_id = next((value for value in ids if parse_uuid(value) is None), None)
    if not_an_id is not None:
        return _bulk_error(request, f"“{not_an_id[:40]}” is not an output id.")
    workspace = access.current_workspace(request)
    selected = list(Output.objects.filter(workspace=workspace, uuid__in=ids)
                    .select_related("job", "owner", "workspace").order_by("-created_at", "-id"))
    missing = {str(parse_uuid(value)) for value in ids} - {str(output.uuid) for output in selected}
    if missing:  # gone meanwhile, or another workspace's: nothing of the selection is touched
        return _bulk_error(request, f"“{min(missing)}” is not an output of {workspace.name}.")
    if action == "zip":
        try:
            return zip_response(selected)
        except NothingToZip as error:
            return _back_with_message(request, str(error))
    require_delete_right(request, workspace, {output.owner_id for output in selected})
    if request.POST.get("confirm") != "yes":
        return render(request, "jobs/gallery.html", {"confirming": selected})
    history.delete_outputs(selected, actor=request.user, request=request)
    messages.success(request, f"Deleted {len(selected)} output{'s' if len(selected) != 1 else ''}.")
    return redirect("jobs:gallery")


def _back_with_message(request, message):
    """Back to the gallery page the bulk form was sent from, `message` shown there as an error."""
    messages.error(request, message)
    return _back_to_gallery(request)


def _bulk_error(request, message):
    """The gallery's first page with `message` above the results (autoescaped: it may quote the request), 400."""
    filters = GalleryFilters({})
    filters.is_valid()
    return _render_gallery(request, filters, error=message, status=400, **_page(request, filters))


@login_required
@require_safe
def media(request, uuid):
    output = output_for(request, uuid)
    if settings.MEDIA_SERVE_BY_REDIRECT and output.archive_state == ArchiveState.ARCHIVED:
        return redirect_to_stored(output.file)
    return archived_file(request, output)


def archived_file(request, output):
    """The output's stored copy (for the API too), whole or one range; 404 while it has none. Named for a save (a
    text output's is a `.txt`), shown in the browser where it can be."""
    if output.archive_state != ArchiveState.ARCHIVED:
        raise Http404("This output has no local copy yet.")
    served = serve_file(request, output.file, output.content_type, etag=output.sha256)
    served["Content-Disposition"] = f'inline; filename="{download_name(output, output.file)}"'
    return served


@login_required
@require_safe
def thumbnail(request, uuid):
    output = output_for(request, uuid)
    if settings.MEDIA_SERVE_BY_REDIRECT:
        return redirect_to_stored(output.thumbnail)
    suffix = output.thumbnail[output.thumbnail.rfind(".") :]
    return serve_file(request, output.thumbnail, THUMBNAIL_TYPES.get(suffix, ""), etag=f"{output.sha256}-thumbnail")
