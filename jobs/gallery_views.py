"""The gallery and the private media it shows.

Media are never under a public URL: every file goes through `media` / `thumbnail`, which look the
output up by UUID *and owner* (anyone else gets a 404, as if it did not exist). Files are
content-addressed and never change, so they are cached as immutable with their sha256 as ETag, and
served in byte ranges so browsers can seek in videos and audio.

The gallery pages by keyset on (created_at, id), newest first: a deep page costs the same as the
first, and new outputs arriving meanwhile do not shift the pages already shown.
"""

import re
import uuid as uuidlib
import zipfile
from datetime import UTC, datetime, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotModified,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from jobs import archive
from jobs.models import ArchiveState, Output, OutputKind, model_label

PAGE_SIZE = 30
MAX_BULK = 500
FILE_CHUNK_BYTES = 64 * 1024
IMMUTABLE = "private, max-age=31536000, immutable"
THUMBNAIL_TYPES = {".webp": "image/webp", ".png": "image/png", ".jpg": "image/jpeg"}
# What the grid needs of each output and its job, and nothing more (a job's params can be large).
GRID_FIELDS = (
    "uuid", "job", "kind", "file", "thumbnail", "size", "width", "height", "duration_seconds", "archive_state",
    "archive_error", "archive_retry_at", "favourite", "model_key", "provider", "created_at",
    "job__uuid", "job__prompt",
)  # fmt: skip
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- the gallery --------------------------------------------------------------------------------


class GalleryFilters(forms.Form):
    kind = forms.ChoiceField(choices=[("", "All kinds"), *OutputKind.choices], required=False)
    model = forms.CharField(max_length=200, required=False)
    provider = forms.CharField(max_length=20, required=False)
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(max_length=200, required=False, label="Prompt contains")
    favourites = forms.BooleanField(required=False, label="Favourites only")

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("The “From” date must not be after the “To” date.")
        return data

    def apply(self, outputs):
        data = self.cleaned_data
        exact = {"kind": data["kind"], "model_key": data["model"], "provider": data["provider"]}
        outputs = outputs.filter(**{field: value for field, value in exact.items() if value})
        if data["since"]:
            outputs = outputs.filter(created_at__gte=_start_of(data["since"]))
        if data["until"]:
            outputs = outputs.filter(created_at__lt=_start_of(data["until"]) + timedelta(days=1))
        if data["q"]:
            outputs = outputs.filter(job__prompt__icontains=data["q"])
        if data["favourites"]:
            outputs = outputs.filter(favourite=True)
        return outputs


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


class BadCursor(ValueError):
    pass


def cursor_for(output) -> str:
    """The keyset position just after `output`: `<created_at in µs since the epoch>-<id>`."""
    return f"{(output.created_at - EPOCH) // timedelta(microseconds=1)}-{output.pk}"


def _parse_cursor(value: str):
    match = re.fullmatch(r"(\d{1,19})-(\d{1,19})", value)
    if not match:
        raise BadCursor(f"The page position “after={value[:40]}” is not valid: expected two numbers joined by “-”.")
    return EPOCH + timedelta(microseconds=int(match.group(1))), int(match.group(2))


def _after(outputs, cursor):
    created_at, pk = cursor
    # The redundant `created_at <= c` gives the planner an index range to start from: with the OR
    # alone SQLite walks the owner's index from the newest row down to the cursor.
    return outputs.filter(created_at__lte=created_at).filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))


@login_required
@require_safe
@vary_on_headers("HX-Request")
def gallery(request):
    filters = GalleryFilters(request.GET)
    mine = Output.objects.filter(owner=request.user)
    if not filters.is_valid():
        return _render_gallery(request, filters, mine, outputs=[], status=400)
    try:
        cursor = _parse_cursor(request.GET["after"]) if request.GET.get("after") else None
    except (BadCursor, OverflowError) as error:
        return HttpResponseBadRequest(str(error))
    outputs = filters.apply(mine).select_related("job").only(*GRID_FIELDS).order_by("-created_at", "-id")
    if cursor:
        outputs = _after(outputs, cursor)
    page = list(outputs[: PAGE_SIZE + 1])
    next_url = _next_page_url(request, page[PAGE_SIZE - 1]) if len(page) > PAGE_SIZE else None
    context = {"outputs": page[:PAGE_SIZE], "next_url": next_url}
    if request.htmx and cursor:
        return render(request, "jobs/gallery.html#page", context)
    return _render_gallery(request, filters, mine, **context)


def _render_gallery(request, filters, mine, status=200, **context):
    """The whole page, or just the results for an htmx filter change; both need the filter choices."""
    pairs = set(mine.order_by().values_list("model_key", "provider").distinct())
    context.update(
        filters=filters,
        has_any=bool(pairs),
        models=sorted({(model, model_label(model)) for model, _ in pairs}, key=lambda choice: choice[1]),
        providers=sorted({provider for _, provider in pairs}),
    )
    template = "jobs/gallery.html#results" if request.htmx else "jobs/gallery.html"
    return render(request, template, context, status=status)


def _next_page_url(request, last_shown) -> str:
    query = request.GET.copy()
    query["after"] = cursor_for(last_shown)
    return f"{request.path}?{query.urlencode()}"


# --- favourites and bulk actions ------------------------------------------------------------------


@login_required
@require_POST
def toggle_favourite(request, uuid):
    """Sets the star to the state the button asked for, so a double submit cannot flip it back."""
    output = get_object_or_404(Output.objects.select_related("job").only(*GRID_FIELDS), uuid=uuid, owner=request.user)
    wanted = request.POST.get("favourite")
    if wanted not in ("0", "1"):
        return HttpResponseBadRequest("The field “favourite” must be 1 (star) or 0 (unstar).")
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
        return HttpResponseBadRequest(f"Unknown action “{action or ''}”: choose delete or zip.")
    ids = request.POST.getlist("ids")
    if not ids:
        return HttpResponseBadRequest("No outputs selected: tick at least one.")
    if len(ids) > MAX_BULK:
        return HttpResponseBadRequest(f"Too many outputs selected ({len(ids)}): at most {MAX_BULK} at once.")
    for value in ids:
        try:
            uuidlib.UUID(value)
        except ValueError:
            return HttpResponseBadRequest(f"“{value[:40]}” is not an output id.")
    outputs = Output.objects.filter(owner=request.user, uuid__in=ids).select_related("job").order_by("-created_at", "-id")
    if action == "zip":
        return _zip_response(outputs)
    if request.POST.get("confirm") != "yes":
        return render(request, "jobs/gallery.html", {"confirming": list(outputs)})
    selected = list(outputs)
    archive.delete_output_files(selected)
    Output.objects.filter(pk__in=[output.pk for output in selected]).delete()
    messages.success(request, f"Deleted {len(selected)} output{'s' if len(selected) != 1 else ''}.")
    return redirect("jobs:gallery")


class _ZipSink:
    """A write-only file for zipfile: it collects what is written until the generator yields it."""

    def __init__(self):
        self._parts = []

    def write(self, data):
        self._parts.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def _zip_entries(outputs):
    """(name in the zip, path, size, time) of every selected output that has a local file."""
    entries = []
    for output in outputs:
        path = archive.media_path(output.file) if output.archive_state == ArchiveState.ARCHIVED else None
        if path and path.is_file():
            model = slugify(output.model_key.replace("/", "-"))[:40]
            stem = f"{output.created_at:%Y%m%d-%H%M%S}-{model}-{output.uuid.hex[:8]}"
            entries.append((f"{stem}{path.suffix}", path, path.stat().st_size, output.created_at))
    return entries


def _zip_stream(entries):
    # ZIP_STORED: media are compressed already. zipfile sees an unseekable file and writes data
    # descriptors, so nothing is ever buffered beyond one chunk.
    sink = _ZipSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as bundle:
        for name, path, size, created_at in entries:
            info = zipfile.ZipInfo(name, date_time=created_at.timetuple()[:6])
            info.file_size = size  # lets zipfile choose ZIP64 up front for big files
            with path.open("rb") as source, bundle.open(info, "w") as target:
                while chunk := source.read(FILE_CHUNK_BYTES):
                    target.write(chunk)
                    yield sink.drain()
            yield sink.drain()
    yield sink.drain()


def _zip_response(outputs):
    entries = _zip_entries(outputs)
    if not entries:
        return HttpResponseBadRequest("None of the selected outputs has a local copy to download yet.")
    response = StreamingHttpResponse(_zip_stream(entries), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="netmind-gallery-{timezone.now():%Y%m%d-%H%M%S}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- private media ------------------------------------------------------------------------------------


def _owned_output(request, uuid) -> Output:
    return get_object_or_404(Output, uuid=uuid, owner=request.user)


@login_required
@require_safe
def media(request, uuid):
    output = _owned_output(request, uuid)
    if output.archive_state != ArchiveState.ARCHIVED:
        raise Http404("This output has no local copy yet.")
    return _serve_file(request, output.file, output.content_type, etag=output.sha256)


@login_required
@require_safe
def thumbnail(request, uuid):
    output = _owned_output(request, uuid)
    suffix = output.thumbnail[output.thumbnail.rfind(".") :]
    return _serve_file(request, output.thumbnail, THUMBNAIL_TYPES.get(suffix, ""), etag=f"{output.sha256}-thumbnail")


class _RangeReader:
    """Reads `length` bytes from `offset`; FileResponse streams it chunk by chunk."""

    def __init__(self, file, offset: int, length: int):
        file.seek(offset)
        self._file, self._left = file, length

    def read(self, size: int) -> bytes:
        data = self._file.read(min(size, self._left))
        self._left -= len(data)
        return data

    def close(self):
        self._file.close()


class _Unsatisfiable(Exception):
    pass


_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def requested_range(header: str, size: int):
    """(first, last) byte, inclusive, or None for the whole file.

    One range only: multiple ranges and malformed headers are ignored (RFC 9110 allows serving the
    whole file), and a range that starts past the end is unsatisfiable.
    """
    match = _RANGE.fullmatch(header.replace(" ", ""))
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if not first:  # the last n bytes
        if int(last) == 0 or size == 0:
            raise _Unsatisfiable
        return max(0, size - int(last)), size - 1
    if last and int(last) < int(first):
        return None
    if int(first) >= size:
        raise _Unsatisfiable
    return int(first), min(int(last), size - 1) if last else size - 1


def _serve_file(request, relative: str, content_type: str, etag: str):
    path = archive.media_path(relative)
    if path is None or not path.is_file():
        raise Http404("The file is not in the archive.")
    quoted_etag = f'"{etag}"'
    headers = {"ETag": quoted_etag, "Cache-Control": IMMUTABLE, "Accept-Ranges": "bytes"}
    if quoted_etag in request.headers.get("If-None-Match", ""):
        return _with_headers(HttpResponseNotModified(), headers)
    size = path.stat().st_size
    # If-Range: the client's partial copy is of another version; send it all, not a piece.
    if_range = request.headers.get("If-Range")
    range_header = request.headers.get("Range", "") if if_range in (None, quoted_etag) else ""
    try:
        byte_range = requested_range(range_header, size)
    except _Unsatisfiable:
        return _with_headers(HttpResponse(status=416), {**headers, "Content-Range": f"bytes */{size}"})
    content_type = content_type or "application/octet-stream"
    if byte_range is None:
        response = FileResponse(path.open("rb"), content_type=content_type)
    else:
        first, last = byte_range
        response = FileResponse(_RangeReader(path.open("rb"), first, last - first + 1), status=206, content_type=content_type)
        headers.update({"Content-Range": f"bytes {first}-{last}/{size}", "Content-Length": str(last - first + 1)})
    response.block_size = FILE_CHUNK_BYTES
    return _with_headers(response, headers)


def _with_headers(response, headers: dict):
    for name, value in headers.items():
        response[name] = value
    return response
