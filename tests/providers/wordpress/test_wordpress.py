"""WordPress against its fake: the article's fields, exactly once (the slug and the key looked
up before a create, a lost answer found afterwards, someone else's slug refused), errors as
socialgit's classes, and no secret in any of them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from providers import PROVIDERS
from providers.base import Outgoing, OutgoingMedia
from socialgit.errors import AuthRevoked, OutcomeUnknown, Rejected, Transient
from socialgit.runner import articles
from tests.providers._support import PNG, assert_secret_free, thread
from tests.providers.wordpress.fake import PASSWORD, FakeWordPress

wordpress = PROVIDERS["wordpress"]
KEY = "3lbq7x2m4k2ag"
CREDENTIALS = {"app_password": PASSWORD}


def article(tmp: Path, fake: FakeWordPress, **keys: str | tuple[str, ...]) -> Outgoing:
    """An article as the runner hands it over: rendered, its image and cover uploaded."""
    base = thread(tmp, "# Launch\n\nSee ![a chart](../media/dot.png) here.", alt="a chart")
    (tmp / "cover.png").write_bytes(PNG)
    cover = OutgoingMedia("content/cover.png", tmp / "cover.png", "image/png", "The cover")
    given = {"title": "Our launch", "slug": "our-launch", **keys}
    outgoing = replace(base, key=KEY, root=tmp, keys=given, cover=cover)
    with fake.client() as client:
        return articles.ready(
            wordpress, client, fake.account(), CREDENTIALS, outgoing, {}, lambda: None
        )


def publish(fake: FakeWordPress, outgoing: Outgoing, done: tuple[str, ...] = ()) -> object:
    seen: list[str] = []
    with fake.client() as client:
        receipt = wordpress.post(client, fake.account(), CREDENTIALS, outgoing, done, seen.append)
    return receipt, seen


def test_an_article_goes_out_with_its_fields_and_images(tmp_path: Path) -> None:
    fake = FakeWordPress()
    fake.tags.append({"id": 5, "name": "Release", "slug": "release"})
    fake.categories.append({"id": 7, "name": "News &amp; Notes", "slug": "news"})
    outgoing = article(
        tmp_path, fake, tags=("release", "python"), categories=("News & Notes",),
        excerpt="What we launched",
    )  # fmt: skip
    receipt, seen = publish(fake, outgoing)
    (post,) = fake.posts
    assert receipt.url == "https://blog.example.org/our-launch/" and seen == [receipt.id]
    assert (post["status"], post["slug"], post["title"]["raw"]) == (
        "publish", "our-launch", "Our launch",
    )  # fmt: skip
    chart, cover = fake.media
    assert chart["alt_text"] == "a chart" and cover["alt_text"] == "The cover"
    assert f'<img src="{chart["source_url"]}" alt="a chart" />' in post["content"]["raw"]
    assert post["content"]["raw"].endswith(f"<!-- socialgit:{KEY} -->\n")
    assert post["featured_media"] == cover["id"]
    assert post["tags"] == [5, next(t["id"] for t in fake.tags if t["name"] == "python")]
    assert post["categories"] == [7] and post["excerpt"]["raw"] == "What we launched"


def test_a_rerun_with_the_post_done_writes_nothing(tmp_path: Path) -> None:
    fake = FakeWordPress()
    outgoing = article(tmp_path, fake)
    receipt, _ = publish(fake, outgoing)
    writes = len([r for r in fake.requests if r.method == "POST"])
    again, seen = publish(fake, outgoing, receipt.parts)
    assert again == receipt and seen == []
    assert len([r for r in fake.requests if r.method == "POST"]) == writes


def test_a_lost_answer_is_in_doubt_and_found_by_the_look_up_and_the_next_post(
    tmp_path: Path,
) -> None:
    fake = FakeWordPress()
    outgoing = article(tmp_path, fake)
    fake.lose_create = True
    with pytest.raises(OutcomeUnknown):
        publish(fake, outgoing)
    with fake.client() as client:
        found = wordpress.lookup(client, fake.account(), CREDENTIALS, outgoing)
    assert found is not None and found.id == str(fake.posts[0]["id"])
    # A post after all (a retry, a resend) finds it before creating: no slug-2.
    receipt, seen = publish(fake, outgoing)
    assert receipt == found and seen == [found.id] and len(fake.posts) == 1


def test_the_look_up_finds_nothing_it_did_not_make(tmp_path: Path) -> None:
    fake = FakeWordPress()
    outgoing = article(tmp_path, fake)
    publish(fake, outgoing)
    never = replace(outgoing, key="sgnever0000000")
    with fake.client() as client:
        assert wordpress.lookup(client, fake.account(), CREDENTIALS, never) is None


def test_the_look_up_finds_the_post_under_another_slug_by_its_key(tmp_path: Path) -> None:
    fake = FakeWordPress()
    outgoing = article(tmp_path, fake)
    publish(fake, outgoing)
    fake.posts[0]["slug"] = "renamed-by-a-person"
    with fake.client() as client:
        found = wordpress.lookup(client, fake.account(), CREDENTIALS, outgoing)
    assert found is not None and found.id == str(fake.posts[0]["id"])


def test_someone_elses_post_with_the_slug_is_refused_before_anything_is_made(
    tmp_path: Path,
) -> None:
    fake = FakeWordPress()
    outgoing = article(tmp_path, fake)
    fake.posts.append(
        {"id": 2, "slug": "our-launch", "status": "publish", "link": "https://blog.example.org/our-launch/",
         "title": {"raw": "Older"}, "content": {"raw": "<p>A person's post</p>"}}
    )  # fmt: skip
    with pytest.raises(Rejected, match="would go out as our-launch-2"):
        publish(fake, outgoing)
    assert len(fake.posts) == 1


def test_a_category_the_site_lacks_is_refused_before_anything_is_made(tmp_path: Path) -> None:
    fake = FakeWordPress()
    outgoing = article(tmp_path, fake, categories=("Relase",))
    with pytest.raises(Rejected, match=r"no category 'Relase' \(it has: Uncategorized\)"):
        publish(fake, outgoing)
    assert not fake.posts and not fake.tags


def test_an_author_uses_tags_that_exist_without_making_them(tmp_path: Path) -> None:
    fake = FakeWordPress()
    fake.can["manage_categories"] = False
    fake.tags.append({"id": 5, "name": "release", "slug": "release"})
    publish(fake, article(tmp_path, fake, tags=("Release",)))
    assert fake.posts[0]["tags"] == [5]


def test_a_refused_password_is_a_reconnect_and_never_shows_the_password(tmp_path: Path) -> None:
    fake = FakeWordPress()
    wrong = {"app_password": "wxyz " * 5 + "wxyz"}
    with fake.client() as client, pytest.raises(AuthRevoked) as caught:
        wordpress.whoami(client, fake.account(), wrong)
    assert "invalid application password" in str(caught.value)
    assert_secret_free(caught.value, wrong["app_password"], PASSWORD)


def test_server_errors_a_create_may_hide_are_in_doubt_an_upload_is_retried(
    tmp_path: Path,
) -> None:
    fake = FakeWordPress()
    outgoing = article(tmp_path, fake)
    fake.canned = [httpx.Response(200, json=[]), httpx.Response(200, json=[])]  # the look-ups
    fake.canned.append(httpx.Response(500, text="<html>PHP Fatal error</html>"))
    with pytest.raises(OutcomeUnknown):
        publish(fake, outgoing)
    image = outgoing.parts[0].media[0]
    fake.canned = [httpx.Response(503, text="busy")]
    with fake.client() as client, pytest.raises(Transient):
        wordpress.upload_image(client, fake.account(), CREDENTIALS, image)
    fake.canned = [httpx.ReadTimeout(f"timed out for {fake.site}/wp-json/wp/v2/media")]
    with fake.client() as client, pytest.raises(Transient) as caught:
        wordpress.upload_image(client, fake.account(), CREDENTIALS, image)
    assert_secret_free(caught.value, PASSWORD)


def test_a_user_who_may_not_upload_is_told_so(tmp_path: Path) -> None:
    fake = FakeWordPress()
    fake.can["upload_files"] = False
    with fake.client() as client:
        notes = wordpress.diagnose(client, fake.account(), CREDENTIALS)
    assert notes == [
        ("warning", "the WordPress user may not upload files: articles with images fail")
    ]
    with pytest.raises(AuthRevoked, match="not allowed to upload"):
        article(tmp_path, fake)


def test_whoami_names_the_user_and_the_site_must_be_https(tmp_path: Path) -> None:
    fake = FakeWordPress()
    with fake.client() as client:
        assert wordpress.whoami(client, fake.account(), CREDENTIALS) == {
            "id": "3", "name": "Editor", "handle": "editor",
        }  # fmt: skip
        plain = replace(
            fake.account(), settings={"site": "http://blog.example.org", "username": "e"}
        )
        with pytest.raises(Rejected, match="https://"):
            wordpress.whoami(client, plain, CREDENTIALS)
