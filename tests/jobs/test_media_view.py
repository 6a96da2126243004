import pytest
from django.urls import reverse

from jobs.models import ArchiveState
from netmind_console.core.file_responses import requested_range
from tests.jobs.gallery_fixtures import (  # noqa: F401 (fixtures)
    console_setup,
    make_archived,
    make_job,
    make_output,
    media_root,
    png_bytes,
    static_without_collectstatic,
    wav_bytes,
)

CONTENT = wav_bytes(seconds=1)  # 16 kB of real audio


@pytest.fixture
def audio(owner, media_root):
    output = make_archived(make_job(owner, model_key="hkchengrex/MMAudio"), media_root, CONTENT, ext="wav", kind="audio")
    thumb = media_root / "thumbs" / "ab" / "cd" / f"{output.sha256}.png"
    thumb.parent.mkdir(parents=True)
    thumb.write_bytes(png_bytes())
    output.thumbnail = str(thumb.relative_to(media_root))
    output.save()
    return output


def media_url(output):
    return reverse("jobs:media", args=[output.uuid])


def body(response):
    return b"".join(response.streaming_content)


def test_the_owner_gets_the_whole_file_with_caching_headers(owner_client, audio):
    response = owner_client.get(media_url(audio))

    assert response.status_code == 200
    assert body(response) == CONTENT
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Length"] == str(len(CONTENT))
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"] == f'"{audio.sha256}"'
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "header, first, last",
    [("bytes=0-99", 0, 99), ("bytes=100-", 100, len(CONTENT) - 1), ("bytes=-500", len(CONTENT) - 500, len(CONTENT) - 1),
     ("bytes=10-999999", 10, len(CONTENT) - 1)],
)  # fmt: skip
def test_a_range_request_gets_206_with_exactly_those_bytes(owner_client, audio, header, first, last):
    response = owner_client.get(media_url(audio), HTTP_RANGE=header)

    assert response.status_code == 206
    assert body(response) == CONTENT[first : last + 1]
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(CONTENT)}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Content-Type"] == "audio/wav"


@pytest.mark.parametrize("header", [f"bytes={len(CONTENT)}-", "bytes=999999-1000000", "bytes=-0"])
def test_an_unsatisfiable_range_gets_416(owner_client, audio, header):
    response = owner_client.get(media_url(audio), HTTP_RANGE=header)

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(CONTENT)}"


@pytest.mark.parametrize("header", ["bytes=5-2", "items=0-1", "bytes=0-1,5-6", "bytes=-", "nonsense"])
def test_a_malformed_or_multiple_range_is_ignored_and_the_whole_file_sent(owner_client, audio, header):
    response = owner_client.get(media_url(audio), HTTP_RANGE=header)

    assert response.status_code == 200
    assert body(response) == CONTENT


def test_a_range_for_another_version_sends_the_whole_file(owner_client, audio):
    response = owner_client.get(media_url(audio), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"old-version"')

    assert response.status_code == 200


def test_a_matching_etag_gets_304(owner_client, audio):
    response = owner_client.get(media_url(audio), HTTP_IF_NONE_MATCH=f'"{audio.sha256}"')

    assert response.status_code == 304


def test_the_thumbnail_is_served_with_its_type(owner_client, audio):
    response = owner_client.get(reverse("jobs:thumbnail", args=[audio.uuid]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert body(response) == png_bytes()


def test_another_user_gets_404_for_media_and_thumbnail(client, other, audio):
    client.force_login(other)

    assert client.get(media_url(audio)).status_code == 404
    assert client.get(reverse("jobs:thumbnail", args=[audio.uuid])).status_code == 404


def test_even_an_admin_gets_404_for_someone_elses_media(client, admin, audio):
    client.force_login(admin)

    assert client.get(media_url(audio)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, audio):
    response = client.get(media_url(audio))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_output_not_archived_yet_has_no_media(owner_client, owner, media_root):
    pending = make_output(make_job(owner), remote_url="https://files.netmind.ai/x.png")

    assert owner_client.get(media_url(pending)).status_code == 404
    assert owner_client.get(reverse("jobs:thumbnail", args=[pending.uuid])).status_code == 404


def test_a_file_missing_from_disk_is_404_not_500(owner_client, audio, media_root):
    (media_root / audio.file).unlink()

    assert owner_client.get(media_url(audio)).status_code == 404


def test_a_path_escaping_media_root_is_never_served(owner_client, owner, media_root, tmp_path):
    (tmp_path / "secret.txt").write_text("secret")
    sneaky = make_output(make_job(owner), file="../secret.txt", archive_state=ArchiveState.ARCHIVED)

    assert owner_client.get(media_url(sneaky)).status_code == 404


def test_media_only_answer_get_and_head(owner_client, audio):
    assert owner_client.post(media_url(audio)).status_code == 405
    assert owner_client.head(media_url(audio)).status_code == 200


def test_a_suffix_range_longer_than_the_file_is_the_whole_file():
    assert requested_range("bytes=-500", 100) == (0, 99)


ABSURD = "9" * 5000  # past Python's 4,300-digit limit on int()


@pytest.mark.parametrize("header", [f"bytes=0-{ABSURD}", f"bytes={ABSURD}-", f"bytes=-{ABSURD}", f"bytes={ABSURD}-{ABSURD}"])
def test_a_range_with_absurdly_long_numbers_is_ignored_not_a_500(owner_client, audio, header):
    response = owner_client.get(media_url(audio), HTTP_RANGE=header)

    assert response.status_code == 200
    assert body(response) == CONTENT


def test_a_range_with_absurdly_long_numbers_is_no_range():
    assert requested_range(f"bytes=0-{ABSURD}", 100) is None


@pytest.mark.parametrize("header", ["*", ' * ', 'W/"{sha}"', '"other", "{sha}"'])
def test_if_none_match_star_or_a_listed_or_weak_tag_gets_304(owner_client, audio, header):
    response = owner_client.get(media_url(audio), HTTP_IF_NONE_MATCH=header.format(sha=audio.sha256))

    assert response.status_code == 304
    assert response["ETag"] == f'"{audio.sha256}"'


def test_if_none_match_with_other_tags_gets_the_file(owner_client, audio):
    response = owner_client.get(media_url(audio), HTTP_IF_NONE_MATCH='"other", W/"another"')

    assert response.status_code == 200
    assert body(response) == CONTENT


def test_if_none_match_star_on_a_missing_file_is_404(owner_client, audio, media_root):
    (media_root / audio.file).unlink()

    assert owner_client.get(media_url(audio), HTTP_IF_NONE_MATCH="*").status_code == 404
