"""Thumbnails and media facts for archived outputs: a small still for the gallery grid.

Images are scaled with Pillow; videos give a poster frame via ffmpeg (imageio-ffmpeg's binary;
there is no ffprobe, so duration and size come from `ffmpeg -i`'s banner); audio gets a waveform
drawn from its samples. Thumbnails are content-addressed like the files they stand for
(`thumbs/ab/cd/<sha256>.<ext>`), so outputs sharing bytes share one thumbnail too. Everything goes through the
media storage: images are read from it, ffmpeg gets a local copy (storage.local_copy), thumbnails are saved to it.
Callers treat any exception here as "no thumbnail": it never fails an archive.
"""

import array
import io
import re
import subprocess
import sys
import wave
from pathlib import Path

import imageio_ffmpeg
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageOps

from jobs.models import Output
from jobs.storage import TempFile, local_copy

THUMB_SIDE = 400
WAVEFORM_SIZE = (THUMB_SIDE, 120)
WAVEFORM_COLOUR = (79, 124, 255, 255)
PCM_RATE = 4000  # plenty for a 400-column waveform, and little to hold in memory
FFMPEG_SECONDS = 60

_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_VIDEO_SIZE = re.compile(r"Stream #.*?: Video: .*?, (\d{2,5})x(\d{2,5})[\s,\[]")


class ThumbnailError(Exception):
    pass


def make_thumbnail(output: Output) -> None:
    """Create the output's thumbnail and fill in width, height and duration where they apply."""
    if _reuse_from_twin(output):
        return
    if output.kind == "image":
        with default_storage.open(output.file, "rb") as source:
            facts = _image_thumbnail(source)
    else:
        with local_copy(output.file) as source:  # ffmpeg reads a path
            facts = {"video": _video_thumbnail, "audio": _audio_thumbnail}[output.kind](source)
    image, ext = facts.pop("thumbnail")
    output.thumbnail = _store(image, output.sha256, ext)
    for name, value in facts.items():
        setattr(output, name, value)
    output.save(update_fields=["thumbnail", *facts])


def _reuse_from_twin(output: Output) -> bool:
    """Identical bytes were thumbnailed before (content-addressed dedupe): copy, don't recompute."""
    twin = (
        Output.objects.filter(sha256=output.sha256, kind=output.kind)
        .exclude(pk=output.pk)
        .exclude(thumbnail="")
        .only("thumbnail", "width", "height", "duration_seconds")
        .first()
    )
    if twin is None or not default_storage.exists(twin.thumbnail):
        return False
    output.thumbnail, output.width, output.height = twin.thumbnail, twin.width, twin.height
    output.duration_seconds = twin.duration_seconds
    output.save(update_fields=["thumbnail", "width", "height", "duration_seconds"])
    return True


def _store(image: Image.Image, sha256: str, ext: str) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP" if ext == "webp" else "PNG", quality=80)
    # Staged like an archived file, so a local storage renames it into place: a reader never sees half of it.
    with TempFile() as staged:
        staged.write(buffer.getvalue())
        return staged.store_as(f"thumbs/{sha256[:2]}/{sha256[2:4]}/{sha256}.{ext}")


def _scaled(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB")
    image.thumbnail((THUMB_SIDE, THUMB_SIDE))
    return image


def _image_thumbnail(source) -> dict:
    with Image.open(source) as image:
        width, height = image.size
        image.draft("RGB", (THUMB_SIDE * 2, THUMB_SIDE * 2))  # JPEG decodes at a reduced scale: much faster
        return {"thumbnail": (_scaled(image), "webp"), "width": width, "height": height}


# --- video -----------------------------------------------------------------------------------------


def _ffmpeg(*args, check_output=True) -> subprocess.CompletedProcess:
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", *args]
    result = subprocess.run(command, capture_output=True, timeout=FFMPEG_SECONDS)
    if check_output and (result.returncode != 0 or not result.stdout):
        tail = result.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise ThumbnailError(f"ffmpeg failed: {tail[0][:200]}")
    return result


def parse_duration(banner: str) -> float | None:
    match = _DURATION.search(banner)
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _video_thumbnail(source: Path) -> dict:
    # Without an output file ffmpeg exits 1, but its banner still describes the input.
    banner = _ffmpeg("-i", str(source), check_output=False).stderr.decode(errors="replace")
    duration = parse_duration(banner)
    size = _VIDEO_SIZE.search(banner)
    # A frame a little in: the very first one is often black or a fade-in.
    seek = min(1.0, duration / 3) if duration else 0.0
    frame = _ffmpeg("-ss", f"{seek:.3f}", "-i", str(source), "-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "-")
    with Image.open(io.BytesIO(frame.stdout)) as poster:
        thumbnail = _scaled(poster)
    facts = {"thumbnail": (thumbnail, "webp"), "duration_seconds": duration}
    if size:
        facts["width"], facts["height"] = int(size.group(1)), int(size.group(2))
    return facts


# --- audio -----------------------------------------------------------------------------------------


def _audio_thumbnail(source: Path) -> dict:
    try:
        peaks, duration = _wav_peaks(source)
    except (wave.Error, EOFError, ThumbnailError):  # not a plain PCM WAV: let ffmpeg decode it
        peaks, duration = _ffmpeg_peaks(source)
    return {"thumbnail": (_draw_waveform(peaks), "png"), "duration_seconds": duration}


_PCM_TYPECODES = {2: ("h", 32768), 4: ("i", 2**31)}


def _wav_peaks(source: Path) -> tuple[list[float], float]:
    """Peaks read column by column, so a long recording never sits in memory whole."""
    with wave.open(str(source), "rb") as wav:
        if wav.getsampwidth() not in _PCM_TYPECODES or not wav.getnframes():
            raise ThumbnailError("unusual sample width")
        typecode, full_scale = _PCM_TYPECODES[wav.getsampwidth()]
        frames, rate = wav.getnframes(), wav.getframerate()
        per_column = max(1, -(-frames // WAVEFORM_SIZE[0]))
        columns = []
        while data := wav.readframes(per_column):
            columns.append(_samples(typecode, data))
    return _peaks(columns, full_scale), frames / rate


def _samples(typecode: str, data: bytes) -> array.array:
    samples = array.array(typecode)
    samples.frombytes(data[: len(data) - len(data) % samples.itemsize])
    if sys.byteorder == "big":  # WAV and s16le are little-endian
        samples.byteswap()
    return samples


def _ffmpeg_peaks(source: Path) -> tuple[list[float], float | None]:
    decoded = _ffmpeg("-i", str(source), "-vn", "-ac", "1", "-ar", str(PCM_RATE), "-f", "s16le", "-")
    samples = _samples("h", decoded.stdout)
    per_column = max(1, -(-len(samples) // WAVEFORM_SIZE[0]))
    columns = [samples[start : start + per_column] for start in range(0, len(samples), per_column)]
    duration = parse_duration(decoded.stderr.decode(errors="replace")) or len(samples) / PCM_RATE
    return _peaks(columns, 32768), duration


def _peaks(columns, full_scale: int) -> list[float]:
    return [min(1.0, max(max(column), -min(column)) / full_scale) if column else 0.0 for column in columns]


def _draw_waveform(peaks: list[float]) -> Image.Image:
    width, height = WAVEFORM_SIZE
    image = Image.new("RGBA", WAVEFORM_SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    middle = height / 2
    for x, peak in enumerate(peaks[:width]):
        half = max(0.5, peak * (middle - 2))
        draw.line([(x, middle - half), (x, middle + half)], fill=WAVEFORM_COLOUR)
    return image
