import io
import re
import subprocess
import time
import wave

import imageio_ffmpeg
import pytest
import requests
from PIL import Image


class Api:
    """requests against one sandbox, authenticated unless told otherwise."""

    def __init__(self, sandbox, token=None):
        self.sandbox = sandbox
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token or sandbox.token}"

    def __getattr__(self, method):
        def call(path, **kwargs):
            kwargs.setdefault("timeout", 10)
            return self.session.request(method.upper(), self.sandbox.url + path, **kwargs)

        return call

    def wait_for(self, path: str, done, timeout: float = 15.0) -> dict:
        """GET `path` until done(body) holds; the sandbox runs at --speed 50, so this is quick."""
        deadline = time.monotonic() + timeout
        while True:
            body = self.get(path).json()
            if done(body) or time.monotonic() > deadline:
                return body
            time.sleep(0.05)


@pytest.fixture
def api(sandbox):
    return Api(sandbox)


def status_in(*words):
    return lambda body: body.get("status", body.get("data", {}).get("status")) in words


def open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def probe(data: bytes, tmp_path) -> tuple[float, str]:
    """(duration in seconds, ffmpeg's description of the video stream) from `ffmpeg -i`."""
    path = tmp_path / "probe.mp4"
    path.write_bytes(data)
    stderr = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                            capture_output=True, text=True).stderr  # fmt: skip
    hours, minutes, seconds = re.search(r"Duration: (\d+):(\d+):([\d.]+)", stderr).groups()
    stream = re.search(r"Stream .*Video: (.*)", stderr).group(1)
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds), stream


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as wav:
        return wav.getnframes() / wav.getframerate()


@pytest.fixture
def fast_api(sandbox):
    """For tests about outcomes rather than the walk: jobs finish in milliseconds."""
    sandbox.configure(speed=2000)
    return Api(sandbox)
