"""Making batches for the batch page and ZIP tests: through the New batch form, as a person would."""

import html
import re

from django.core.files.uploadedfile import SimpleUploadedFile

from jobs import catalogue
from jobs.models import Batch
from netmind_console.workspaces.services import personal_workspace

MODEL = "apinfer/qwen-image"


def batch_data(workspace, key=MODEL, prompts="", **overrides) -> dict:
    """What the New batch form posts for `key`: the workspace's account, the model's defaults, the prompts."""
    spec = catalogue.get(key)
    data = {"model": key, "account": workspace.provider_accounts.get(provider=spec.provider).pk,
            "prompts": prompts, "seeds": 1, "seed_mode": "random"}
    data.update({f.name: f.default for f in spec.fields if f.default is not None and f.kind != "bool"})
    data.update(overrides)
    return data


def csv_file(content: str | bytes, name="prompts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content, content_type="text/csv")


def draft(client, user, prompts="a red fox\na blue whale\na green owl", workspace=None, **overrides) -> Batch:
    """A draft made through the form in `workspace` (the user's personal one unless given)."""
    workspace = workspace or personal_workspace(user)
    response = client.post("/jobs/batches/new/", batch_data(workspace, prompts=prompts, **overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Batch.objects.get(uuid=response["Location"].rstrip("/").rsplit("/", 1)[1])


def started(client, user, **draft_args) -> Batch:
    batch = draft(client, user, **draft_args)
    assert client.post(f"/jobs/batches/{batch.uuid}/start/").status_code == 302
    batch.refresh_from_db()
    return batch


def text_of(response) -> str:
    """The page's visible words, tags and runs of spaces squeezed out, for assertions on sentences."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"</?(?:a|strong|em|code|span|time)\b[^>]*>", "", body)  # inline: part of the sentence
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()
