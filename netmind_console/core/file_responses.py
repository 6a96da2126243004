"""Serving a private file over HTTP: conditional requests (ETag) and one byte range, so browsers can seek
in videos and audio without downloading them whole.

Generic infrastructure: the caller decides who may see which file and names it in a storage (Django's storage
API: local disk, a shared volume or an object store alike). Nothing here builds a path.
"""

import re

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified, HttpResponseRedirect
from django.utils.http import parse_etags

FILE_CHUNK_BYTES = 64 * 1024
IMMUTABLE = "private, max-age=31536000, immutable"

# At most 18 digits (an exabyte less one): a longer position is no file's, and int() of thousands of digits
# raises (Python's 4,300-digit limit). A header with one fails to match, so it is ignored like any malformed one.
_RANGE = re.compile(r"bytes=(\d{0,18})-(\d{0,18})")


class RangeReader:
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


class Unsatisfiable(Exception):
    pass


def requested_range(header: str, size: int):
    """(first, last) byte, inclusive, or None for the whole file.

    One range only: multiple ranges and malformed headers (positions of more than 18 digits among them) are
    ignored (RFC 9110 allows serving the whole file), and a range that starts past the end is unsatisfiable.
    """
    match = _RANGE.fullmatch(header.replace(" ", ""))
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if not first:  # the last n bytes
        if int(last) == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - int(last)), size - 1
    if last and int(last) < int(first):
        return None
    if int(first) >= size:
        raise Unsatisfiable
    return int(first), min(int(last), size - 1) if last else size - 1


def serve_file(request, name: str, content_type: str, etag: str, storage=None):
    """The stored file `name` (in `storage`, by default the media storage), which never changes (cached as immutable,
    `etag` its version), whole or one range."""
    storage = _holding(storage or default_storage, name)
    quoted_etag = f'"{etag}"'
    headers = {"ETag": quoted_etag, "Cache-Control": IMMUTABLE, "Accept-Ranges": "bytes"}
    if _none_match(request.headers.get("If-None-Match", ""), quoted_etag):
        return with_headers(HttpResponseNotModified(), headers)
    size = storage.size(name)
    # If-Range: the client's partial copy is of another version; send it all, not a piece.
    if_range = request.headers.get("If-Range")
    range_header = request.headers.get("Range", "") if if_range in (None, quoted_etag) else ""
    try:
        byte_range = requested_range(range_header, size)
    except Unsatisfiable:
        return with_headers(HttpResponse(status=416), {**headers, "Content-Range": f"bytes */{size}"})
    content_type = content_type or "application/octet-stream"
    if byte_range is None:
        response = FileResponse(storage.open(name, "rb"), content_type=content_type)
        headers["Content-Length"] = str(size)
    else:
        first, last = byte_range
        response = FileResponse(RangeReader(storage.open(name, "rb"), first, last - first + 1), status=206,
                                content_type=content_type)
        headers.update({"Content-Range": f"bytes {first}-{last}/{size}", "Content-Length": str(last - first + 1)})
    response.block_size = FILE_CHUNK_BYTES
    return with_headers(response, headers)


def redirect_to_stored(name: str, storage=None):
    """A redirect to the storage's own URL for `name` (a short-lived signed one for an object store), once the caller
    has checked who asks: never cached, as the URL expires and another user must not get it from a cache."""
    storage = _holding(storage or default_storage, name)
    return with_headers(HttpResponseRedirect(storage.url(name)), {"Cache-Control": "private, no-store"})


def _holding(storage, name: str):
    """`storage`, if it holds `name`; else the 404 a missing file gets."""
    if not is_stored(storage, name):
        raise Http404("The file is not in the archive.")
    return storage


def is_stored(storage, name: str) -> bool:
    """Whether `name` is a file in `storage`; a name that would leave the storage's root is none."""
    try:
        return bool(name) and storage.exists(name)
    except SuspiciousFileOperation:
        return False


def _none_match(header: str, quoted_etag: str) -> bool:
    """If-None-Match (RFC 9110 13.1.2): `*` matches any existing file; tags compare weakly (W/ ignored)."""
    etags = parse_etags(header) if header else []
    return "*" in etags or quoted_etag in (etag.removeprefix("W/") for etag in etags)


def with_headers(response, headers: dict):
    for name, value in headers.items():
        response[name] = value
    return response
