"""Pixelfed's runtime against the local fake instance: what it shares with Mastodon, and
the differences that matter (an image on the first part, 400 on a repeated key)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from providers import pixelfed
from providers.mastodon import apps as _mastodon_apps
from providers.mastodon.recover import part_key
from socialgit.credentials import oauth
from socialgit.errors import AuthRevoked, Duplicate, OutcomeUnknown, Rejected
from tests.providers._support import PNG, account, thread
from tests.providers.mastodon.fake import FakeMastodon
from tests.providers.pixelfed.fake import FakePixelfed

REDIRECT = "http://127.0.0.1:8788/callback"
ACCOUNT = account("pixelfed", "team-pixelfed", instance="https://pixelfed.example")


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    _mastodon_apps.REGISTERED.clear()
    yield
    _mastodon_apps.REGISTERED.clear()


@pytest.fixture
def fake() -> FakePixelfed:
    return FakePixelfed()


def creds(fake: FakePixelfed) -> dict[str, str]:
    return {"access_token": fake.issue_token()}


def posts_of(fake: FakePixelfed) -> list[httpx.Request]:
    return [r for r in fake.requests if r.url.path == "/api/v1/statuses" and r.method == "POST"]


def test_thread_with_an_image_and_a_text_reply(fake: FakePixelfed, tmp_path: Path) -> None:
    tuned = account("pixelfed", "team-pixelfed", instance=fake.base, visibility="unlisted")
    seen: list[str] = []
    outgoing = thread(tmp_path, "A photo", "More about it")
    with fake.client() as client:
        receipt = pixelfed.post(client, tuned, creds(fake), outgoing, (), seen.append)
    first, second = fake.statuses
    assert [m.description for m in fake.media.values()] == ["a dot"]
    assert len(first["media_attachments"]) == 1 and second["media_attachments"] == []
    assert second["in_reply_to_id"] == first["id"] and first["visibility"] == "unlisted"
    assert receipt.parts == (first["id"], second["id"]) == tuple(seen)
    assert receipt.url == f"{fake.base}/p/alice/{first['id']}"
    keys = [r.headers["Idempotency-Key"] for r in posts_of(fake)]
    assert keys == [part_key(outgoing.key, 0), part_key(outgoing.key, 1)]


def test_a_first_part_without_an_image_is_refused_before_anything_is_sent(
    fake: FakePixelfed, tmp_path: Path
) -> None:
    with fake.client() as client, pytest.raises(Rejected, match="needs an image"):
        pixelfed.post(
            client, ACCOUNT, creds(fake), thread(tmp_path, "Text", image_on=None), (), print
        )
    assert posts_of(fake) == [] and fake.media == {}


def test_caption_is_counted_in_code_points_against_the_instance(
    fake: FakePixelfed, tmp_path: Path
) -> None:
    fake.max_characters = 10
    with fake.client() as client, pytest.raises(Rejected, match=r"11 characters.*takes 10"):
        pixelfed.post(client, ACCOUNT, creds(fake), thread(tmp_path, "🚀" * 11), (), print)
    assert pixelfed.length("🚀é") == 2 and posts_of(fake) == []


def test_direct_visibility_is_refused_before_sending(fake: FakePixelfed, tmp_path: Path) -> None:
    direct = account("pixelfed", "p", instance=fake.base, visibility="direct")
    with fake.client() as client, pytest.raises(Rejected, match="not one of"):
        pixelfed.post(client, direct, creds(fake), thread(tmp_path, "Hi"), (), print)
    assert posts_of(fake) == []


def test_a_repeated_key_is_looked_up_and_the_thread_goes_on(
    fake: FakePixelfed, tmp_path: Path
) -> None:
    outgoing = thread(tmp_path, "Photo", "Reply")
    token = creds(fake)
    fake.lose_answers = 1
    with fake.client() as client:
        with pytest.raises(OutcomeUnknown):
            pixelfed.post(client, ACCOUNT, token, outgoing, (), print)
        # Sent again at once (the key is alive): 400, then found by its words.
        receipt = pixelfed.post(client, ACCOUNT, token, outgoing, (), print)
    head, reply = fake.statuses
    assert len(fake.statuses) == 2 and receipt.parts == (head["id"], reply["id"])
    assert receipt.url == head["url"] and reply["in_reply_to_id"] == head["id"]


def test_a_repeated_key_without_a_status_is_a_duplicate(fake: FakePixelfed, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "Photo")
    fake.keys[part_key(outgoing.key, 0)] = fake.now + timedelta(minutes=30)
    with fake.client() as client, pytest.raises(Duplicate, match="no status from it"):
        pixelfed.post(client, ACCOUNT, creds(fake), outgoing, (), print)
    assert fake.statuses == []


def test_lookup_finds_the_leading_parts_and_denies_what_is_not_there(
    fake: FakePixelfed, tmp_path: Path
) -> None:
    outgoing = thread(tmp_path, "Photo", "Reply", "Third")
    token = creds(fake)
    with fake.client() as client:
        assert pixelfed.lookup(client, ACCOUNT, token, outgoing) is None
        first = pixelfed.post(
            client, ACCOUNT, token, replace(outgoing, parts=outgoing.parts[:2]), (), print
        )
        found = pixelfed.lookup(client, ACCOUNT, token, outgoing)
        assert found is not None and found.parts == first.parts and found.url == first.url
        # A later occurrence of the same words is not this delivery.
        later = replace(outgoing, occurrence=outgoing.occurrence + timedelta(days=7))
        assert pixelfed.lookup(client, ACCOUNT, token, later) is None


def test_two_statuses_with_the_same_words_are_left_to_a_person(
    fake: FakePixelfed, tmp_path: Path
) -> None:
    outgoing = thread(tmp_path, "Twice")
    token = creds(fake)
    with fake.client() as client:
        pixelfed.post(client, ACCOUNT, token, outgoing, (), print)
        pixelfed.post(client, ACCOUNT, token, replace(outgoing, key="other"), (), print)
        with pytest.raises(OutcomeUnknown, match=r"2 items .* match part 1"):
            pixelfed.lookup(client, ACCOUNT, token, outgoing)


def test_a_status_just_before_the_occurrence_is_left_to_a_person(
    fake: FakePixelfed, tmp_path: Path
) -> None:
    outgoing = thread(tmp_path, "Early")
    token = creds(fake)
    with fake.client() as client:
        pixelfed.post(client, ACCOUNT, token, outgoing, (), print)
        soon = replace(outgoing, occurrence=outgoing.occurrence + timedelta(minutes=3))
        with pytest.raises(OutcomeUnknown, match="just before it was due"):
            pixelfed.lookup(client, ACCOUNT, token, soon)


def test_signin_uses_plain_scopes_and_refreshes(fake: FakePixelfed) -> None:
    with fake.client() as client:
        given = pixelfed.register_client(client, ACCOUNT, REDIRECT)
        verifier = oauth.new_verifier()
        url = pixelfed.generate_auth_url(ACCOUNT, REDIRECT, "s1", oauth.challenge(verifier))
        assert httpx.URL(url).params["scope"] == "read write"
        back = httpx.URL(client.get(url).headers["location"])
        stored = pixelfed.authenticate(
            client, ACCOUNT, back.params["code"], verifier, REDIRECT, given
        )
        assert stored["refresh_token"] and pixelfed.expires_at(stored) is not None
        fresh = pixelfed.refresh_token(client, ACCOUNT, stored)
        assert fresh["access_token"] != stored["access_token"]
        assert pixelfed.whoami(client, ACCOUNT, fresh)["handle"] == "@alice@pixelfed.example"


def test_a_refused_token_is_a_reconnect(fake: FakePixelfed, tmp_path: Path) -> None:
    with fake.client() as client, pytest.raises(AuthRevoked, match="socialgit connect"):
        pixelfed.post(client, ACCOUNT, {"access_token": "nope"}, thread(tmp_path, "x"), (), print)


def test_validation_says_a_pixelfed_post_needs_an_image(tmp_path: Path) -> None:
    from socialgit.content import load_content
    from tests.conftest import Repo

    repo = Repo(tmp_path)
    repo.write("socialgit.yml", "timezone: UTC\naccounts:\n  pix:\n    provider: pixelfed\n"
               "    instance: https://pixelfed.example\n")  # fmt: skip
    repo.write("content/dot.png", PNG)
    text = repo.post("text", "publish_at: 2026-01-01 09:00\ntargets: [pix]", "Words only")
    photo = repo.post(
        "photo", "publish_at: 2026-01-01 09:00\ntargets: [pix]", "A photo\n\n![a dot](dot.png)"
    )
    reports = {r.path: r for r in load_content(tmp_path).reports}
    (problem,) = [p for p in reports[text].problems if p.severity == "error"]
    assert "needs an image on the first part" in problem.message and problem.line == 5
    assert reports[text].post is None
    assert reports[photo].post is not None


def test_a_server_that_lists_replies_in_the_timeline_too_is_read_once(
    fake: FakePixelfed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outgoing = thread(tmp_path, "Photo", "Reply")
    token = creds(fake)
    monkeypatch.setattr(FakePixelfed, "_list", FakeMastodon._list)  # replies included
    with fake.client() as client:
        sent = pixelfed.post(client, ACCOUNT, token, outgoing, (), print)
        found = pixelfed.lookup(client, ACCOUNT, token, outgoing)
    assert found is not None and found.parts == sent.parts
