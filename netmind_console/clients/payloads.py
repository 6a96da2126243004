"""Inline base64 media (Apinfer) from a JSON body on disk to decoded files, in bounded memory.

A video arrives as one JSON string of many megabytes. The HTTP layer streams the body into a file;
`load_json_spilling_long_strings` then scans it and moves every long string into its own scratch
file, so the JSON that is actually parsed stays small; `decode_base64_to_file` turns one such
string into the media file chunk by chunk. Neither the encoded nor the decoded payload is ever
held in memory whole.
"""

import base64
import binascii
import json
import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .errors import BadResponse

READ_CHUNK_CHARS = 64 * 1024  # a multiple of 4, so base64 chunks decode on their own
LONG_STRING_CHARS = 8 * 1024
MAX_SKELETON_CHARS = 1024 * 1024  # everything but the long strings: anything bigger is not our API

_BLOB_MARKER = "\x00blob:"
_STRING_SPECIAL = re.compile(r'["\\]')
_WHITESPACE = re.compile(r"\s+")
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_SIGNATURES = (  # (offset, magic bytes, extension, media type): enough for what Apinfer exchanges
    (0, b"\x89PNG", ".png", "image/png"),
    (0, b"\xff\xd8\xff", ".jpg", "image/jpeg"),
    (0, b"GIF8", ".gif", "image/gif"),
    (8, b"WEBP", ".webp", "image/webp"),
    (4, b"ftyp", ".mp4", "video/mp4"),
    (0, b"\x1a\x45\xdf\xa3", ".webm", "video/webm"),
)
_UNKNOWN = (".bin", "application/octet-stream")
_SNIFF_BYTES = 16


@dataclass(frozen=True)
class SpilledString:
    """Stands where a long JSON string was; its (unescaped) text is in `path`."""

    path: Path

    def open(self) -> TextIO:
        return self.path.open(encoding="utf-8", errors="surrogatepass")


def load_json_spilling_long_strings(source: TextIO, scratch_dir: Path) -> Any:
    """Parse JSON from `source`; strings longer than LONG_STRING_CHARS become `SpilledString`s."""
    scanner = _Scanner(scratch_dir)
    scanner.feed_all(source)
    try:
        parsed = json.loads(scanner.skeleton())
    except ValueError:
        raise BadResponse("The answer is not JSON.") from None
    return _restore_spilled(parsed, scanner.spilled)


def decode_base64_to_file(value: str | SpilledString, dest_dir: Path, stem: str) -> Path:
    """Decode a base64 string or data URL into `dest_dir/<stem>-<unique>.<extension from the bytes>`."""
    if not isinstance(value, (str, SpilledString)):
        raise BadResponse("Expected base64 media, got something else.")
    source = value.open() if isinstance(value, SpilledString) else _StringReader(value)
    with source, tempfile.NamedTemporaryFile(dir=dest_dir, prefix=f".{stem}-", delete=False) as partial:
        try:
            first_bytes = _decode_chunks(source, partial)
        except BaseException:
            os.unlink(partial.name)
            raise
    # Callers may share one directory between many jobs, so every file gets a name of its own.
    final_path = dest_dir / f"{stem}-{uuid.uuid4().hex[:12]}{_extension(first_bytes)}"
    os.replace(partial.name, final_path)
    return final_path


def _decode_chunks(source: TextIO, sink) -> bytes:
    """Write the decoded bytes to `sink`; return the first few for sniffing the file type."""
    pending, first_bytes, at_start = "", b"", True
    while chunk := source.read(READ_CHUNK_CHARS):
        if at_start:
            chunk, at_start = _without_data_url_prefix(chunk), False
        pending += _WHITESPACE.sub("", chunk)
        whole_quads = len(pending) - len(pending) % 4
        decoded = _b64decode(pending[:whole_quads])
        pending = pending[whole_quads:]
        first_bytes += decoded[: _SNIFF_BYTES - len(first_bytes)]
        sink.write(decoded)
    if pending or not first_bytes:
        raise BadResponse("The media payload is not complete base64.")
    return first_bytes


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadResponse("The media payload is not valid base64.") from None


def _without_data_url_prefix(chunk: str) -> str:
    if chunk.startswith("data:"):
        return chunk.partition(",")[2]
    return chunk


def media_type(data: bytes) -> str:
    """The media type of a file from its first bytes (for data URLs)."""
    return _sniff(data)[1]


def _extension(first_bytes: bytes) -> str:
    return _sniff(first_bytes)[0]


def _sniff(first_bytes: bytes) -> tuple[str, str]:
    for offset, magic, extension, type_ in _SIGNATURES:
        if first_bytes[offset : offset + len(magic)] == magic:
            return extension, type_
    return _UNKNOWN


def _restore_spilled(value: Any, spilled: list[Path]) -> Any:
    if isinstance(value, str) and value.startswith(_BLOB_MARKER):
        return SpilledString(spilled[int(value[len(_BLOB_MARKER) :])])
    if isinstance(value, dict):
        return {key: _restore_spilled(item, spilled) for key, item in value.items()}
    if isinstance(value, list):
        return [_restore_spilled(item, spilled) for item in value]
    return value


class _StringReader:
    """A short string through the same chunked path as a spilled one (no copy, unlike StringIO)."""

    def __init__(self, text: str):
        self._text, self._position = text, 0

    def read(self, size: int) -> str:
        chunk = self._text[self._position : self._position + size]
        self._position += len(chunk)
        return chunk

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return None


class _Scanner:
    """Splits JSON text into a small skeleton (short strings inline) and spilled long strings."""

    def __init__(self, scratch_dir: Path):
        self._scratch_dir = scratch_dir
        self._skeleton: list[str] = []
        self._skeleton_chars = 0
        self._string: _StringSink | None = None
        self.spilled: list[Path] = []

    def feed_all(self, source: TextIO) -> None:
        carry = ""
        while chunk := source.read(READ_CHUNK_CHARS):
            carry = self._feed(carry + chunk)
        if carry or self._string is not None:
            raise BadResponse("The answer ends in the middle of a string.")

    def skeleton(self) -> str:
        return "".join(self._skeleton)

    def _feed(self, text: str) -> str:
        """Consume `text`; return an unfinished escape sequence to prepend to the next chunk."""
        position = 0
        while position < len(text):
            if self._string is None:
                position = self._outside_string(text, position)
            else:
                position = self._inside_string(text, position)
                if position < 0:
                    return text[-position - 1 :]
        return ""

    def _outside_string(self, text: str, position: int) -> int:
        quote = text.find('"', position)
        end = len(text) if quote < 0 else quote
        self._emit(text[position:end])
        if quote < 0:
            return end
        self._string = _StringSink(self._scratch_dir)
        return quote + 1

    def _inside_string(self, text: str, position: int) -> int:
        """The next position to scan, or -(index + 1) of an escape cut off by the chunk's end."""
        special = _STRING_SPECIAL.search(text, position)
        if special is None:
            self._string.add(text[position:])
            return len(text)
        self._string.add(text[position : special.start()])
        if special.group() == '"':
            self._close_string()
            return special.end()
        return self._escape(text, special.start())

    def _escape(self, text: str, backslash: int) -> int:
        code = text[backslash + 1 : backslash + 2]
        if code == "u":
            digits = text[backslash + 2 : backslash + 6]
            if len(digits) < 4:
                return -(backslash + 1)
            self._string.add(_code_point(digits))
            return backslash + 6
        if not code:
            return -(backslash + 1)
        if code not in _SIMPLE_ESCAPES:
            raise BadResponse("The answer is not JSON (bad escape).")
        self._string.add(_SIMPLE_ESCAPES[code])
        return backslash + 2

    def _close_string(self) -> None:
        value = self._string.close()
        self._string = None
        if isinstance(value, Path):
            self.spilled.append(value)
            value = f"{_BLOB_MARKER}{len(self.spilled) - 1}"
        self._emit(json.dumps(value))

    def _emit(self, text: str) -> None:
        self._skeleton_chars += len(text)
        if self._skeleton_chars > MAX_SKELETON_CHARS:
            raise BadResponse("The answer is far larger than expected.")
        self._skeleton.append(text)


def _code_point(hex_digits: str) -> str:
    try:
        return chr(int(hex_digits, 16))
    except ValueError:
        raise BadResponse("The answer is not JSON (bad \\u escape).") from None


class _StringSink:
    """Collects one string's text; past LONG_STRING_CHARS it continues in a scratch file."""

    def __init__(self, scratch_dir: Path):
        self._scratch_dir = scratch_dir
        self._pieces: list[str] = []
        self._chars = 0
        self._file = None

    def add(self, text: str) -> None:
        if self._file is not None:
            self._file.write(text)
            return
        self._pieces.append(text)
        self._chars += len(text)
        if self._chars > LONG_STRING_CHARS:
            self._spill()

    def close(self) -> str | Path:
        if self._file is None:
            return "".join(self._pieces)
        self._file.close()
        return Path(self._file.name)

    def _spill(self) -> None:
        self._file = tempfile.NamedTemporaryFile(
            "w", dir=self._scratch_dir, suffix=".txt", delete=False, encoding="utf-8", errors="surrogatepass"
        )
        self._file.write("".join(self._pieces))
        self._pieces = []
