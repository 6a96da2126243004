"""/api/v1/docs/: the OpenAPI document as a page of the console, with nothing loaded from elsewhere."""

import re

from ninja import Schema

from netmind_console.api import views
from netmind_console.api.v1 import ConsoleAPI

DOCS = "/api/v1/docs/"


def test_the_page_lists_every_operation_of_the_document_with_its_answers(owner_client, settings):
    settings.API_RATE_LIMIT, settings.API_RATE_WINDOW_SECONDS = 77, 30
    page = owner_client.get(DOCS)
    html = page.content.decode()

    assert page.status_code == 200
    for path, operations in views.api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            article = html.split(f'id="{operation["operationId"]}"')[1].split("</article>")[0]
            assert f"{method.upper()}</span> <code>{path}</code>" in article
            assert all(f"<strong>{status}</strong>" in article for status in operation["responses"])
    assert "<code>/api/v1/usage</code>" in html and "Not authenticated" in html
    assert "Authorization: Bearer" in html and "Idempotency-Key" in html and "application/problem+json" in html
    assert "77 requests every 30 seconds" in html
    assert 'href="/api/v1/openapi.json"' in html and 'href="/settings/api-keys/"' in html


def test_the_page_loads_no_script_or_style_from_another_site(owner_client):
    html = owner_client.get(DOCS).content.decode()
    sources = re.findall(r'<(?:script|link|img|iframe)[^>]*(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/") and not source.startswith("//") for source in sources)
    assert "<style" not in html and " style=" not in html


class Size(Schema):
    width: int
    height: int


class JobIn(Schema):
    prompt: str
    size: Size | None = None
    tags: list[str] = []


class JobOut(Schema):
    uuid: str


def test_parameters_and_the_outline_of_a_body_are_shown(owner_client, monkeypatch):
    """Operations are added to the API as the apps grow: the page outlines whatever the document holds."""
    sample = ConsoleAPI(urls_namespace="docs-sample")

    @sample.post("/jobs", response={201: JobOut}, summary="Create a job")
    def create_job(request, body: JobIn, wait: bool = False):
        """Submits one prompt."""

    monkeypatch.setattr(views.api, "get_openapi_schema", lambda: sample.get_openapi_schema(path_prefix="/api/v1"))
    html = owner_client.get(DOCS).content.decode()

    assert "Create a job" in html and "Submits one prompt." in html
    assert re.search(r"<code>wait</code></td><td[^>]*>query</td><td[^>]*>boolean</td><td[^>]*>no</td>", html)
    assert re.search(r"<code>prompt</code></td><td[^>]*>string</td><td[^>]*>yes</td>", html)
    assert re.search(r"<code>size.width</code></td><td[^>]*>integer</td><td[^>]*>yes</td>", html)
    assert re.search(r"<code>tags</code></td><td[^>]*>array of string</td><td[^>]*>no</td>", html)
    assert re.search(r"<strong>201</strong></td><td>Created</td><td[^>]*>application/json: JobOut</td>", html)


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(DOCS)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
