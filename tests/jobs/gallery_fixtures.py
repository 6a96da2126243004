"""Fixtures for the archive, media and gallery tests: the users' setup (`console_setup`, for the shared users
of tests/conftest.py), jobs and outputs made with the ORM, real media files, and a real HTTP server on 127.0.0.1
playing a well- or ill-behaved object store.

Import the fixtures you use into the test module (tests/jobs/conftest.py belongs to the jobs views).
"""

import functools
import hashlib
import io
import ssl
import subprocess
import sys
import threading
import time
import wave
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import imageio_ffmpeg
import pytest
from django.utils import timezone
from PIL import Image

from jobs.models import ArchiveState, Job, Output
from netmind_console.workspaces.services import personal_workspace

# --- media files ---------------------------------------------------------------------------------


def png_bytes(colour=(200, 40, 40), size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def wav_bytes(seconds=0.5, rate=8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        frames = bytearray()
        for i in range(int(seconds * rate)):
            value = int(12000 * ((i // 20) % 2 * 2 - 1) * (i / (seconds * rate)))  # a growing square wave
            frames += value.to_bytes(2, "little", signed=True)
        wav.writeframes(bytes(frames))
    return buffer.getvalue()


@functools.cache
def _encode(*args) -> bytes:
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", *args, "-"]
    return subprocess.run(command, capture_output=True, check=True, timeout=60).stdout


def mp4_bytes() -> bytes:
    """A 2-second 160x90 H.264 clip (fragmented so it can be written to a pipe)."""
    return _encode(
        "-f", "lavfi", "-i", "testsrc=size=160x90:rate=8:duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
        "-movflags", "frag_keyframe+empty_moov", "-f", "mp4",
    )  # fmt: skip


def ogg_bytes() -> bytes:
    return _encode("-f", "lavfi", "-i", "sine=frequency=440:duration=1.5", "-c:a", "libvorbis", "-f", "ogg")


def media_files(root: Path) -> list[Path]:
    """Every file under MEDIA_ROOT, temp files included."""
    return sorted(path for path in Path(root).rglob("*") if path.is_file())


# --- the users' setup, jobs, outputs ----------------------------------------------------------------
# The users are the shared ones (owner, other, admin: tests/conftest.py).


@pytest.fixture
def console_setup(db):
    """What the shared users stand on here: the database only. No live sandbox and no inline tasks: jobs and
    outputs are made with the ORM, and the archive tests run (or replace) each task themselves."""


def make_job(user, prompt="a red fox in the snow", model_key="Qwen/Qwen-Image", provider="netmind", workspace=None,
             **fields):
    """A job `user` submitted, in `workspace` (default: their personal one)."""
    return Job.objects.create(workspace=workspace or personal_workspace(user), owner=user, prompt=prompt,
                              model_key=model_key, provider=provider, adapter="generation", **fields)


def make_output(job, kind="image", position=None, **fields):
    if position is None:
        position = job.outputs.count()
    fields.setdefault("created_at", job.created_at)
    return Output.objects.create(
        job=job, workspace_id=job.workspace_id, owner=job.owner, kind=kind, position=position, model_key=job.model_key, provider=job.provider, **fields
    )


def make_archived(job, media_root: Path, content: bytes, ext="png", kind="image", **fields):
    """An output whose file is already in the archive, as archive_output would leave it."""
    sha = hashlib.sha256(content).hexdigest()
    relative = f"objects/{sha[:2]}/{sha[2:4]}/{sha}.{ext}"
    (media_root / relative).parent.mkdir(parents=True, exist_ok=True)
    (media_root / relative).write_bytes(content)
    content_types = {"png": "image/png", "mp4": "video/mp4", "wav": "audio/wav"}
    return make_output(
        job, kind=kind, file=relative, sha256=sha, size=len(content), content_type=content_types[ext],
        archive_state=ArchiveState.ARCHIVED, archived_at=timezone.now(), **fields,
    )  # fmt: skip


def minutes_ago(minutes):
    return timezone.now() - timedelta(minutes=minutes)


@pytest.fixture(autouse=True)
def static_without_collectstatic(settings):
    """Pages render without a prior collectstatic (the manifest storage needs one)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


# --- a local object store ------------------------------------------------------------------------


class _StoreHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.server.requests.append((self.path, dict(self.headers)))
        route = self.server.routes.get(self.path.split("?")[0])
        try:
            if route is None:
                self._send(404, "text/plain", b"no such object")
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on purpose (size or time cap)

    def _send(self, status, content_type, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _serve(status, content_type, body):
    return lambda handler: handler._send(status, content_type, body)


def _redirect(location_for):
    return lambda handler: handler._send(302, "text/plain", b"", [("Location", location_for(handler.server))])


def _drip(handler):
    """Announces 100 kB of PNG, then sends a byte every 50 ms: never idle long enough to time out a read."""
    handler.send_response(200)
    handler.send_header("Content-Type", "image/png")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    handler.wfile.write(png_bytes()[:16])
    for _ in range(200):
        handler.wfile.write(b"\0")
        handler.wfile.flush()
        time.sleep(0.05)


def _endless(handler):
    """No Content-Length, then more bytes than any cap allows (the body ends when the connection does)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "image/png")
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(png_bytes())
    for _ in range(64):
        handler.wfile.write(b"\0" * 65536)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client hanging up early is the point
            super().handle_error(request, client_address)


class MediaServer:
    def __init__(self, tls_pem: Path | None = None):
        self.httpd = _QuietServer(("127.0.0.1", 0), _StoreHandler)
        if tls_pem:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_pem)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.requests = []
        self.port = self.httpd.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.httpd.routes = {
            "/image.png": _serve(200, "image/png", png_bytes()),
            "/same-image.png": _serve(200, "image/png", png_bytes()),
            "/octet-stream.png": _serve(200, "binary/octet-stream", png_bytes((10, 200, 10))),
            "/clip.mp4": _serve(200, "video/mp4", mp4_bytes()),
            "/sound.wav": _serve(200, "audio/wav", wav_bytes()),
            "/sound.ogg": _serve(200, "audio/ogg", ogg_bytes()),
            "/page.html": _serve(200, "text/html; charset=utf-8", b"<!doctype html><title>Sign in</title>" * 10),
            "/html-as-png": _serve(200, "image/png", b"<!doctype html><title>Sign in</title>" * 10),
            "/audio-as-image": _serve(200, "image/png", wav_bytes()),
            "/broken.png": _serve(200, "image/png", png_bytes()[:40]),
            "/huge.png": _serve(200, "image/png", png_bytes() + b"\0" * 2_000_000),
            "/endless.png": _endless,
            "/slow.png": _drip,
            "/expired.png": _serve(403, "application/xml", b"<Error><Code>AccessDenied</Code></Error>"),
            "/gone.png": _serve(410, "text/plain", b"gone"),
            "/unavailable.png": _serve(503, "text/plain", b"try later"),
            "/bad-request.png": _serve(400, "text/plain", b"bad"),
            "/redirect-same": _redirect(lambda server: "/image.png"),
            "/redirect-other": _redirect(lambda server: f"http://localhost:{server.server_address[1]}/image.png"),
            "/redirect-loop": _redirect(lambda server: "/redirect-loop"),
        }
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path, host=None):
        return f"http://{host or self.host}{path}"

    @property
    def requests(self):
        return self.httpd.requests

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def self_signed_pem(directory: Path, hostname: str) -> Path:
    """A certificate (and its key) valid for `hostname` only: not for 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    pem = directory / f"{hostname}.pem"
    pem.write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return pem


@pytest.fixture(scope="module")
def _media_server():
    server = MediaServer()
    yield server
    server.close()


@pytest.fixture
def media_server(_media_server, settings, media_root):
    """The object store, allowed over plain http (as the sandbox is), with a 1 MB cap and a 1 s time cap."""
    _media_server.requests.clear()
    settings.MEDIA_ALLOWED_HOSTS = [_media_server.host]
    settings.MEDIA_INSECURE_HOSTS = [_media_server.host]
    settings.MEDIA_MAX_BYTES = 1_000_000
    settings.MEDIA_DOWNLOAD_SECONDS = 1
    return _media_server
