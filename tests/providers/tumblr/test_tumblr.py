"""Tumblr's module against the fake API: the article as NPF blocks with its images attached
to the create, OAuth2 with rotating refresh tokens, errors and their classes, secrets kept
out of every message, and look-ups that take only the one post with these words."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import tumblr
from providers.base import Outgoing, OutgoingMedia, OutgoingPart, Receipt
from providers.tumblr import npf
from socialgit.errors import AuthExpired, AuthRevoked, OutcomeUnknown, RateLimited, Rejected
from tests.conftest import png
from tests.providers._support import account, assert_secret_free, parse_multipart
from tests.providers.tumblr.fake import BLOG, CLIENT_ID, CLIENT_SECRET, FakeTumblr

ACCOUNT = account("tumblr", name="tb", client_id=CLIENT_ID, blog=BLOG)
TEXT = "Hello **you** and [a link](https://example.com).\n\n![a dot](img/a.png)\n\n- one\n- two"


def article(tmp: Path, text: str = TEXT, **keys: Any) -> Outgoing:
    (tmp / "a.png").write_bytes(png())
    image = OutgoingMedia("content/img/a.png", tmp / "a.png", "image/png", "a dot")
    given = {"title": "Hello Tumblr", "tags": ("news", "release notes"), "slug": "hello-tumblr"}
    return Outgoing(
        key="2bcdefghijkmn",
        post="content/hello.md",
        occurrence=FakeTumblr().now - timedelta(minutes=1),
        parts=(OutgoingPart(text, (image,)),),
        account="tb",
        keys={**given, **keys},
        images={"content/img/a.png": tumblr.upload_image(None, ACCOUNT, {}, image)},  # type: ignore[arg-type]
    )


def publish(fake: FakeTumblr, outgoing: Outgoing, credentials: dict[str, str]) -> Receipt:
    seen: list[str] = []
    with fake.client() as client:
        made = tumblr.post(client, ACCOUNT, credentials, outgoing, (), seen.append)
    assert seen == [made.id]
    return made


def test_markdown_becomes_npf_blocks() -> None:
    found = npf.blocks(
        "T", "A **b** [l](https://x.example)\n\n## Sub\n\n1. one\n\n> q\n\n```\nc\n```"
    )
    assert found.content == [
        {"type": "text", "text": "T", "subtype": "heading1"},
        {"type": "text", "text": "A b l", "formatting": [
            {"start": 2, "end": 3, "type": "bold"},
            {"start": 4, "end": 5, "type": "link", "url": "https://x.example"}]},
        {"type": "text", "text": "Sub", "subtype": "heading2"},
        {"type": "text", "text": "one", "subtype": "ordered-list-item"},
        {"type": "text", "text": "q", "subtype": "indented"},
        {"type": "text", "text": "c", "subtype": "chat"},
    ]  # fmt: skip


def test_the_article_goes_out_as_blocks_with_its_image_attached(tmp_path: Path) -> None:
    fake = FakeTumblr()
    made = publish(fake, article(tmp_path), fake.token())
    (stored,) = fake.posts
    assert made == Receipt(stored["id_string"], stored["post_url"], (stored["id_string"],))
    assert stored["tags"] == ["news", "release notes"] and stored["slug"] == "hello-tumblr"
    assert [b["type"] for b in stored["content"]] == ["text", "text", "image", "text", "text"]
    image = stored["content"][2]
    assert image["alt_text"] == "a dot" and fake.files[image["media"][0]["url"]] == png()
    create = next(r for r in fake.requests if r.method == "POST" and "/posts" in r.url.path)
    sent = parse_multipart(create)
    assert json.loads(sent["json"][2])["content"][2]["media"][0]["identifier"] == "image-0"
    assert sent["image-0"][1] == "image/png"


def test_an_article_without_images_goes_as_json(tmp_path: Path) -> None:
    fake = FakeTumblr()
    publish(fake, article(tmp_path, text="Just words."), fake.token())
    create = next(r for r in fake.requests if r.method == "POST" and "/posts" in r.url.path)
    assert create.headers["content-type"] == "application/json"


def test_sign_in_and_every_refresh_rotates_the_refresh_token() -> None:
    fake = FakeTumblr()
    with fake.client() as client:
        url = tumblr.generate_auth_url(ACCOUNT, "http://127.0.0.1:8765/cb", "st", "ch")
        assert "offline_access" in url
        back = httpx.URL(client.get(url).headers["location"])
        given = {"client_secret": CLIENT_SECRET}
        stored = tumblr.authenticate(client, ACCOUNT, back.params["code"], "v",
                                     "http://127.0.0.1:8765/cb", given)  # fmt: skip
        renewed = tumblr.refresh_token(client, ACCOUNT, stored)
        assert renewed["refresh_token"] != stored["refresh_token"]
        with pytest.raises(AuthRevoked, match="socialgit connect tb") as caught:
            tumblr.refresh_token(client, ACCOUNT, stored)  # the spent one
        assert_secret_free(caught.value, stored["refresh_token"], CLIENT_SECRET)
        assert tumblr.whoami(client, ACCOUNT, renewed)["handle"] == BLOG


def test_an_expired_access_token_is_refreshed_by_the_runner(tmp_path: Path) -> None:
    fake = FakeTumblr()
    credentials = fake.token()
    fake.now += timedelta(minutes=43)
    with pytest.raises(AuthExpired) as caught:
        publish(fake, article(tmp_path), credentials)
    assert_secret_free(caught.value, credentials["access_token"]) and fake.posts == []


def test_the_daily_limit_defers_and_bad_npf_is_refused(tmp_path: Path) -> None:
    limit = {"meta": {"status": 403, "msg": "Forbidden"},
             "errors": [{"title": "daily post limit", "code": 8023}]}  # fmt: skip
    fake = FakeTumblr(queue=[httpx.Response(403, json=limit)])
    with pytest.raises(RateLimited, match="250 posts a day") as caught:
        publish(fake, article(tmp_path), fake.token())
    assert caught.value.until is not None
    with pytest.raises(Rejected, match="4096"):
        publish(fake, article(tmp_path, text="x" * 5000), fake.token())


def test_a_lost_answer_is_in_doubt_then_found_and_never_resent(tmp_path: Path) -> None:
    fake = FakeTumblr(lose={"create"})
    credentials, outgoing = fake.token(), article(tmp_path)
    with fake.client() as client, pytest.raises(OutcomeUnknown) as caught:
        tumblr.post(client, ACCOUNT, credentials, outgoing, (), lambda _: None)
    assert_secret_free(caught.value, credentials["access_token"])
    (stored,) = fake.posts
    with fake.client() as client:
        found = tumblr.lookup(client, ACCOUNT, credentials, outgoing)
    assert found == Receipt(stored["id_string"], stored["post_url"], (stored["id_string"],))


def test_look_up_leaves_two_matches_and_an_earlier_one_to_a_person(tmp_path: Path) -> None:
    fake = FakeTumblr()
    credentials, outgoing = fake.token(), article(tmp_path)
    with fake.client() as client:
        assert tumblr.lookup(client, ACCOUNT, credentials, outgoing) is None
    publish(fake, outgoing, credentials)
    publish(fake, outgoing, credentials)  # the same words, twice
    with fake.client() as client, pytest.raises(OutcomeUnknown, match="these words"):
        tumblr.lookup(client, ACCOUNT, credentials, outgoing)
    later = replace(outgoing, occurrence=fake.now + timedelta(days=1))
    with fake.client() as client:  # a later run of a repeating post: the earlier ones are older
        assert tumblr.lookup(client, ACCOUNT, credentials, later) is None


def test_whoami_refuses_a_blog_the_user_does_not_have() -> None:
    fake = FakeTumblr()
    other = account("tumblr", name="tb", client_id=CLIENT_ID, blog="someone-else")
    with fake.client() as client, pytest.raises(AuthRevoked, match="no blog 'someone-else'"):
        tumblr.whoami(client, other, fake.token())
