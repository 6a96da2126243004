"""Real, small media for the sandbox's results: PNG/JPEG stills, H.264 MP4 clips and WAV audio.

Everything is deterministic from (prompt, seed), so the same job always yields the same bytes
and different prompts look visibly different. Sizes are kept small on purpose: stills at most
512 px on the long side, clips 320 px at 8 fps, audio and video capped at MAX_SECONDS.
"""

import array
import hashlib
import io
import math
import random
import subprocess
import tempfile
import textwrap
import threading
import wave
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

MAX_STILL_SIDE = 512
MAX_CLIP_SIDE = 320
CLIP_FPS = 8
MAX_SECONDS = 30
AUDIO_RATE = 8000

CONTENT_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "mp4": "video/mp4",
    "thumbnail": "image/jpeg",
    "wav": "audio/wav",
}


def _rng(prompt: str, seed) -> random.Random:
    digest = hashlib.sha256(f"{prompt}\x00{seed}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def fit(width: int, height: int, longest: int) -> tuple[int, int]:
    """Scale (width, height) down so the long side is at most `longest`; keep both even for yuv420p."""
    scale = min(1.0, longest / max(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def aspect_size(aspect_ratio: str, longest: int) -> tuple[int, int]:
    """'16:9' -> (longest, ...) at that aspect; unparseable ratios fall back to square."""
    try:
        w, h = (float(part) for part in str(aspect_ratio).split(":"))
        assert w > 0 and h > 0
    except (ValueError, AssertionError):
        w = h = 1.0
    return fit(round(w * 10_000), round(h * 10_000), longest)


def still(prompt: str, seed, width: int, height: int) -> Image.Image:
    """A gradient with a few shapes and the prompt written on it."""
    rng = _rng(prompt, seed)
    colours = [tuple(rng.randrange(256) for _ in range(3)) for _ in range(2)]
    gradient = Image.linear_gradient("L").rotate(rng.choice([0, 45, 90, 135]), expand=False)
    image = ImageOps.colorize(gradient.resize((width, height)), *colours).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(3, 7)):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randint(max(4, min(width, height) // 12), max(8, min(width, height) // 4))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    _caption(draw, prompt, width, height)
    return image


def _caption(draw: ImageDraw.ImageDraw, prompt: str, width: int, height: int):
    size = max(10, min(width, height) // 14)
    font = ImageFont.load_default(size=size)
    lines = textwrap.wrap(prompt, width=max(8, width // (size // 2 + 1)))[:3] or [""]
    y = height - (len(lines) + 1) * (size + 4)
    draw.rectangle((0, y - 4, width, height), fill=(0, 0, 0))
    for line in lines:
        draw.text((6, y), line, fill=(255, 255, 255), font=font)
        y += size + 4


def encode_still(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG" if fmt in ("jpeg", "jpg") else "PNG", quality=85)
    return out.getvalue()


def clip(prompt: str, seed, width: int, height: int, seconds: float, ffmpeg: str) -> bytes:
    """An H.264 MP4: the still with a ball bouncing across it and a progress bar."""
    frames = max(1, round(min(seconds, MAX_SECONDS) * CLIP_FPS))
    base = still(prompt, seed, width, height)
    raw = bytearray()
    for n in range(frames):
        frame = base.copy()
        draw = ImageDraw.Draw(frame)
        t = n / frames
        r = max(4, min(width, height) // 10)
        x = r + (width - 2 * r) * abs(math.sin(math.pi * t * 2))
        draw.ellipse((x - r, height / 3 - r, x + r, height / 3 + r), fill=(255, 255, 255))
        draw.rectangle((0, 0, int(width * (n + 1) / frames), 3), fill=(255, 64, 64))
        raw += frame.tobytes()
    command = [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
        "-s", f"{width}x{height}", "-r", str(CLIP_FPS), "-i", "-", "-c:v", "libx264", "-preset", "ultrafast",
        "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4",
    ]  # fmt: skip
    return _run_ffmpeg(command, bytes(raw))


def _run_ffmpeg(command: list[str], stdin: bytes) -> bytes:
    # faststart rewrites the file after encoding, so the output must be a seekable file, not a pipe.
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "out.mp4"
        subprocess.run(command + [str(target)], input=stdin, check=True, capture_output=True, timeout=60)
        return target.read_bytes()


def thumbnail(prompt: str, seed, width: int, height: int) -> bytes:
    """The clip's first frame, which is the still it is drawn over."""
    return encode_still(still(prompt, seed, width, height), "jpeg")


def tone(prompt: str, seed, seconds: float) -> bytes:
    """A mono 16-bit WAV: a short melody picked from the prompt, repeated for the duration."""
    rng = _rng(prompt, seed)
    notes = [220 * 2 ** (rng.randrange(24) / 12) for _ in range(8)]
    total = round(min(seconds, MAX_SECONDS) * AUDIO_RATE)
    per_note = AUDIO_RATE // 4
    samples = array.array("h", bytes(2 * total))
    for i in range(total):
        frequency = notes[(i // per_note) % len(notes)]
        fade = min(1.0, (per_note - i % per_note) / 400)
        samples[i] = int(9000 * fade * math.sin(2 * math.pi * frequency * i / AUDIO_RATE))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(AUDIO_RATE)
        wav.writeframes(samples.tobytes())
    return out.getvalue()


def render(spec: dict, ffmpeg: str) -> bytes:
    """Bytes for one media spec, as stored by the API handlers."""
    kind, prompt, seed = spec["kind"], spec["prompt"], spec["seed"]
    if kind == "image":
        return encode_still(still(prompt, seed, spec["width"], spec["height"]), spec.get("format", "png"))
    if kind == "video":
        return clip(prompt, seed, spec["width"], spec["height"], spec["seconds"], ffmpeg)
    if kind == "thumbnail":
        return thumbnail(prompt, seed, spec["width"], spec["height"])
    if kind == "audio":
        return tone(prompt, seed, spec["seconds"])
    raise ValueError(f"unknown media kind {kind!r}")


class MediaCache:
    """Renders each media key once, on first use, and keeps the bytes on disk."""

    def __init__(self, root: Path, ffmpeg: str):
        self.root = root
        self.ffmpeg = ffmpeg
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def path(self, key: str) -> Path:
        return self.root / hashlib.sha256(key.encode()).hexdigest()[:32]

    def bytes_for(self, key: str, spec: dict) -> bytes:
        path = self.path(key)
        if path.exists():
            return path.read_bytes()
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        # Concurrent first requests for one key must not render it twice or read half a file.
        with lock:
            if not path.exists():
                self.store(key, render(spec, self.ffmpeg))
            return path.read_bytes()

    def store(self, key: str, data: bytes):
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)
