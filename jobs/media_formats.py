"""The media an output may be: each format's kind, extension, content type and magic bytes.

A file is accepted only when its declared Content-Type (if specific) and its first bytes both fit
the output's kind; the bytes decide the stored extension.
"""

from dataclasses import dataclass

from jobs.archive_errors import ArchiveError

SNIFF_BYTES = 64  # enough for an ISO media file's brands (MP4, M4A, MOV)
GENERIC_CONTENT_TYPES = {"", "application/octet-stream", "binary/octet-stream"}


@dataclass(frozen=True)
class MediaFormat:
    kind: str
    ext: str
    content_type: str
    declared_as: frozenset  # Content-Type values servers use for it

    def matches(self, head: bytes) -> bool:
        return _MAGIC[self.ext](head)


def _ftyp_brands(head: bytes) -> set[bytes]:
    """The major and compatible brands of an ISO base media file (MP4, M4A, QuickTime), or none."""
    if head[4:8] != b"ftyp":
        return set()
    size = int.from_bytes(head[:4], "big")
    box = head[8:min(max(size, 16), len(head))]
    return {box[:4], *(box[n:n + 4] for n in range(8, len(box) - 3, 4))}


def _is_m4a(head):
    return bool(_ftyp_brands(head) & {b"M4A ", b"M4B "})


def _is_mp3(head):
    # An ID3 tag, or an MPEG audio frame sync whose layer bits are not 00 (that would be AAC).
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06)


_MAGIC = {
    "png": lambda h: h.startswith(b"\x89PNG\r\n\x1a\n"),
    "jpg": lambda h: h.startswith(b"\xff\xd8\xff"),
    "webp": lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP",
    "gif": lambda h: h[:6] in (b"GIF87a", b"GIF89a"),
    "mp4": lambda h: h[4:8] == b"ftyp" and not _is_m4a(h),  # MP4 and QuickTime; an M4A is sound only
    "m4a": _is_m4a,
    "webm": lambda h: h.startswith(b"\x1a\x45\xdf\xa3"),
    "wav": lambda h: h[:4] == b"RIFF" and h[8:12] == b"WAVE",
    "mp3": _is_mp3,
    "ogg": lambda h: h.startswith(b"OggS"),
    "flac": lambda h: h.startswith(b"fLaC"),
}

FORMATS = [
    MediaFormat("image", "png", "image/png", frozenset({"image/png"})),
    MediaFormat("image", "jpg", "image/jpeg", frozenset({"image/jpeg", "image/jpg", "image/pjpeg"})),
    MediaFormat("image", "webp", "image/webp", frozenset({"image/webp"})),
    MediaFormat("image", "gif", "image/gif", frozenset({"image/gif"})),
    MediaFormat("video", "mp4", "video/mp4", frozenset({"video/mp4", "video/quicktime"})),
    MediaFormat("video", "webm", "video/webm", frozenset({"video/webm"})),
    MediaFormat("audio", "wav", "audio/wav", frozenset({"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"})),
    MediaFormat("audio", "mp3", "audio/mpeg", frozenset({"audio/mpeg", "audio/mp3"})),
    MediaFormat("audio", "ogg", "audio/ogg", frozenset({"audio/ogg", "application/ogg", "audio/opus"})),
    MediaFormat("audio", "flac", "audio/flac", frozenset({"audio/flac", "audio/x-flac"})),
    MediaFormat("audio", "m4a", "audio/mp4", frozenset({"audio/mp4", "audio/x-m4a", "audio/m4a"})),
]
CONTENT_TYPE_BY_EXT = {fmt.ext: fmt.content_type for fmt in FORMATS}


def check_declared_type(kind: str, declared: str):
    if declared in GENERIC_CONTENT_TYPES:
        return  # object stores often label everything octet-stream: the magic bytes decide
    if not any(declared in fmt.declared_as for fmt in FORMATS if fmt.kind == kind):
        raise ArchiveError(f"Refused content type {declared!r} for an {kind} output.")


def matching(kind: str, head: bytes) -> MediaFormat | None:
    return next((fmt for fmt in FORMATS if fmt.kind == kind and fmt.matches(head)), None)


def sniff(kind: str, head: bytes) -> MediaFormat:
    fmt = matching(kind, head)
    if fmt is None:
        expected = ", ".join(fmt.ext for fmt in FORMATS if fmt.kind == kind)
        raise ArchiveError(f"The file is not a supported {kind} ({expected}): its first bytes do not match.")
    return fmt
