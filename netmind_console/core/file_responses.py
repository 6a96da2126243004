"""Serving a private file over HTTP: conditional requests (ETag) and one byte range, so browsers can seek
in videos and audio without downloading them whole.

Generic infrastructure: the caller decides who may see which file and resolves it to a path.
"""

import re
from pathlib import Path

from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified
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


def serve_file(request, path: Path | None, content_type: str, etag: str):
    """The file at `path`, which never changes (cached as immutable, `etag` its version), whole or one range."""
    if path is None or not path.is_file():
        raise Http404("The file is not in the archive.")
    quoted_etag = f'"{etag}"'
    headers = {"ETag": quoted_etag, "Cache-Control": IMMUTABLE, "Accept-Ranges": "bytes"}
    if _none_match(request.headers.get("If-None-Match", ""), quoted_etag):
        return with_headers(HttpResponseNotModified(), headers)
    size = path.stat().st_size
    # If-Range: the client's partial copy is of another version; send it all, not a piece.
    if_range = request.headers.get("If-Range")
    range_header = request.headers.get("Range", "") if if_range in (None, quoted_etag) else ""
    try:
        byte_range = requested_range(range_header, size)
    except Unsatisfiable:
        return with_headers(HttpResponse(status=416), {**headers, "Content-Range": f"bytes */{size}"})
    content_type = content_type or "application/octet-stream"
    if byte_range is None:
        response = FileResponse(path.open("rb"), content_type=content_type)
    else:
        first, last = byte_range
        response = FileResponse(RangeReader(path.open("rb"), first, last - first + 1), status=206, content_type=content_type)
        headers.update({"Content-Range": f"bytes {first}-{last}/{size}", "Content-Length": str(last - first + 1)})
    response.block_size = FILE_CHUNK_BYTES
    return with_headers(response, headers)


def _none_match(header: str, quoted_etag: str) -> bool:
    """If-None-Match (RFC 9110 13.1.2): `*` matches any existing file; tags compare weakly (W/ ignored)."""
    etags = parse_etags(header) if header else []
    return "*" in etags or quoted_etag in (etag.removeprefix("W/") for etag in etags)


def with_headers(response, headers: dict):
    for name, value in headers.items():
        response[name] = value
    return response
