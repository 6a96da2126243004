"""What a text model answers (openai/whisper's transcript, a caption, any text): a short text, deterministic from
what the model was given, arriving as `result.data: [{"text": …}]` (API.md, "Other generation models").

A model given an input (a config key ending in `_url`, such as whisper's `audio_url`) names it: when the link is one
of this sandbox's own (a Files API upload's download link, files.py), by the uploaded file's name and size, so a test
sees the clip went through the Files API. The provider fetches its input when the generation is created: a link that
is expired or forged, or a file deleted or never uploaded, fails the generation with the reason in its logs.
"""

import hashlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import parse_qsl, unquote, urlsplit

SENTENCES = (
    "The harbour lights came on one by one as the last ferry left.",
    "A lighthouse keeper counted the gulls along the breakwater.",
    "Rain drummed on the tin roof of the market all afternoon.",
    "The choir rehearsed the same four bars until they were right.",
    "An owl called twice from the pines behind the railway bridge.",
    "Snow settled on the lanterns strung across the winter garden.",
    "The violinist tuned her strings while the drummer set up.",
    "A red fox crossed the frozen river at first light.",
)
# What the text is of, by the input's key; any other key's is "Text from".
LEADS = {"audio_url": "Transcript of", "image_url": "Caption of", "video_url": "Description of"}
TRANSLATION_LEAD = "English translation of"  # whisper's task "translate"


class InputRefused(Exception):
    """The input could not be fetched: the generation fails with this reason."""


@dataclass(frozen=True)
class Input:
    key: str  # the config key that named it: audio_url, image_url, ...
    name: str  # the file's name: the upload's own, else the link's last path segment
    size: int | None  # bytes, when the sandbox holds the file


def input_urls(config: dict) -> dict[str, str]:
    """The config's inputs: every `*_url` key with a link, audio first (a transcript names its clip)."""
    urls = {key: value for key, value in config.items() if key.endswith("_url") and isinstance(value, str) and value}
    return dict(sorted(urls.items(), key=lambda item: item[0] != "audio_url"))


def fetch_input(app, key: str, url: str) -> Input:
    """What the link points at; InputRefused when it is one of the sandbox's own links that does not work."""
    parts = urlsplit(url)
    media_key = unquote(parts.path.removeprefix("/files/")) if parts.path.startswith("/files/") else ""
    spec = app.store.media(media_key) if media_key else None
    if spec is None:  # someone else's link: the sandbox reaches no other host, so the name is all it knows
        return Input(key, PurePosixPath(parts.path).name or parts.netloc, None)
    problem = app.signer.check("GET", media_key, dict(parse_qsl(parts.query)))
    if problem:
        raise InputRefused(f"could not download {key}: {problem[0]}: {problem[1]}")
    if spec.get("kind") != "upload":  # another generation's result
        return Input(key, PurePosixPath(media_key).name, None)
    upload = app.store.get("file", spec.get("file_id", ""))
    if upload is None:
        raise InputRefused(f"could not download {key}: the file was deleted")
    if upload.get("bytes") is None:
        raise InputRefused(f"could not download {key}: nothing was uploaded to {upload['file_name']}")
    return Input(key, upload["file_name"], upload["bytes"])


def answer(model: str, config: dict, given: Input | None) -> str:
    """The model's text: what it is of on the first line's start, then two sentences picked from what it was given."""
    prompt = config.get("prompt") or ""
    if given is None:
        return f"Text for “{prompt}” from {model}: {_sentences(model, prompt)}"
    what = given.name if given.size is None else f"{given.name} ({given.size:,} bytes)"
    lead = TRANSLATION_LEAD if config.get("task") == "translate" else LEADS.get(given.key, "Text from")
    return f"{lead} {what}: {_sentences(given.name, given.size, prompt)}"


def _sentences(*seed) -> str:
    """Two different sentences, one a line: the same inputs always give the same text."""
    digest = hashlib.sha256("\x00".join(map(str, seed)).encode()).digest()
    first = digest[0] % len(SENTENCES)
    second = (first + 1 + digest[1] % (len(SENTENCES) - 1)) % len(SENTENCES)
    return f"{SENTENCES[first]}\n{SENTENCES[second]}"
