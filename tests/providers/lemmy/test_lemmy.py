"""Lemmy's runtime against the local fake instance: posts and comments, the login, Lemmy's
error codes, and the look-up that claims only what it can prove."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from providers import lemmy
from providers.base import Outgoing
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    RateLimited,
    Rejected,
    Transient,
)
from tests.providers._support import account, assert_secret_free, raising, thread
from tests.providers.lemmy.fake import FakeLemmy

ACCOUNT = account("lemmy", "team-lemmy", instance="https://lemmy.example", community="news")
PASSWORD = "correct horse"


@pytest.fixture
def fake() -> FakeLemmy:
    return FakeLemmy()


def creds(fake: FakeLemmy) -> dict[str, str]:
    return {"username": "alice", "password": PASSWORD, "access_token": fake.login()}


def titled(outgoing: Outgoing, **keys: str) -> Outgoing:
    return replace(outgoing, keys={"title": "Release 2.0 is out", **keys})


def test_post_with_an_image_then_comments_each_answering_the_one_before(
    fake: FakeLemmy, tmp_path: Path
) -> None:
    seen: list[str] = []
    outgoing = titled(thread(tmp_path, "Body **markdown**", "Second", "Third"))
    with fake.client() as client:
        receipt = lemmy.post(client, ACCOUNT, creds(fake), outgoing, (), seen.append)
    (post,) = fake.posts
    second, third = fake.comments
    assert post["name"] == "Release 2.0 is out" and post["body"] == "Body **markdown**"
    assert post["url"].startswith("https://lemmy.example/pictrs/image/")
    assert post["alt_text"] == "a dot" and post["community_id"] == 3
    assert second["post_id"] == third["post_id"] == post["id"]
    assert second["path"] == f"0.{second['id']}"  # a top-level comment
    assert third["path"] == f"0.{second['id']}.{third['id']}"  # answers part 2
    assert receipt.parts == (str(post["id"]), str(second["id"]), str(third["id"])) == tuple(seen)
    assert receipt.url == f"https://lemmy.example/post/{post['id']}"


def test_a_link_post_keeps_the_link_and_puts_the_image_in_the_body(
    fake: FakeLemmy, tmp_path: Path
) -> None:
    outgoing = titled(thread(tmp_path, "Read this"), link="https://example.com/notes")
    with fake.client() as client:
        lemmy.post(client, ACCOUNT, creds(fake), outgoing, (), print)
    (post,) = fake.posts
    assert post["url"] == "https://example.com/notes" and post["alt_text"] is None
    assert post["body"].startswith("Read this\n\n![a dot](https://lemmy.example/pictrs/image/")


def test_a_post_without_a_title_is_refused_before_anything_is_sent(
    fake: FakeLemmy, tmp_path: Path
) -> None:
    with fake.client() as client, pytest.raises(Rejected, match="needs a `title:`"):
        lemmy.post(client, ACCOUNT, creds(fake), thread(tmp_path, "No title"), (), print)
    assert fake.posts == [] and fake.images == {}


def test_text_is_counted_in_utf16_units() -> None:
    assert lemmy.length("🚀é") == 3
    assert lemmy.limit(ACCOUNT, None) == 10_000  # type: ignore[arg-type]


def test_rerun_with_every_part_done_sends_nothing(fake: FakeLemmy, tmp_path: Path) -> None:
    outgoing = titled(thread(tmp_path, "One", "Two", image_on=None))
    token = creds(fake)
    with fake.client() as client:
        receipt = lemmy.post(client, ACCOUNT, token, outgoing, (), print)
        count = len(fake.requests)
        again = lemmy.post(client, ACCOUNT, token, outgoing, receipt.parts, print)
    assert again == receipt and len(fake.requests) == count


@pytest.mark.parametrize(
    ("code", "status", "error", "words"),
    [
        ("rate_limit_error", 400, RateLimited, "rate limited"),
        ("not_logged_in", 400, AuthExpired, "login token"),
        ("banned_from_community", 400, Rejected, "banned from the community"),
        ("site_ban", 400, Rejected, "banned from the instance"),
        ("locked", 400, Rejected, "locked"),
        ("invalid_post_title", 400, Rejected, "invalid_post_title"),
        ("incorrect_login", 401, AuthRevoked, "socialgit connect team-lemmy"),
        ("couldnt_create_post", 400, OutcomeUnknown, "may have gone out"),
        ("", 502, OutcomeUnknown, "may have gone out"),
    ],
)
def test_errors_are_classified_by_lemmys_code(
    fake: FakeLemmy,
    tmp_path: Path,
    code: str,
    status: int,
    error: type[Exception],
    words: str,
) -> None:
    answer = httpx.Response(status, json={"error": code} if code else None)

    def handler(request: httpx.Request) -> httpx.Response:
        return answer if request.url.path == "/api/v3/post" else fake(request)

    outgoing = titled(thread(tmp_path, "x", image_on=None))
    transport = httpx.MockTransport(handler)
    with httpx.Client(transport=transport) as client, pytest.raises(error, match=words):
        lemmy.post(client, ACCOUNT, creds(fake), outgoing, (), print)


def test_the_rate_limit_is_lemmys_400(fake: FakeLemmy, tmp_path: Path) -> None:
    fake.rate = 1
    token = creds(fake)
    with fake.client() as client:
        lemmy.post(client, ACCOUNT, token, titled(thread(tmp_path, "a", image_on=None)), (), print)
        with pytest.raises(RateLimited):
            later = titled(thread(tmp_path, "b", image_on=None), title="Another one")
            lemmy.post(client, ACCOUNT, token, later, (), print)


def test_a_missing_community_is_a_clear_refusal(fake: FakeLemmy, tmp_path: Path) -> None:
    nowhere = account("lemmy", "x", instance=fake.base, community="nope")
    with fake.client() as client, pytest.raises(Rejected, match="no such community"):
        lemmy.post(client, nowhere, creds(fake), titled(thread(tmp_path, "a")), (), print)


def test_login_refresh_and_whoami(fake: FakeLemmy) -> None:
    given = {"username": "alice", "password": PASSWORD}
    with fake.client() as client:
        stored = lemmy.authenticate(client, ACCOUNT, "", "", "", given)
        assert stored["access_token"] in fake.logins and lemmy.expires_at(stored) is None
        fake.logins.clear()  # the server forgot every login (a password change, a logout)
        with pytest.raises(AuthExpired):
            lemmy.whoami(client, ACCOUNT, stored)
        fresh = lemmy.refresh_token(client, ACCOUNT, stored)
        assert fresh["access_token"] != stored["access_token"]
        assert lemmy.whoami(client, ACCOUNT, fresh) == {
            "id": "7", "name": "Alice", "handle": "@alice@lemmy.example",
        }  # fmt: skip
        with pytest.raises(AuthRevoked, match="socialgit connect team-lemmy") as caught:
            lemmy.authenticate(client, ACCOUNT, "", "", "", {**given, "password": "wrong pw"})
    assert_secret_free(caught.value, "wrong pw")


def test_no_secret_reaches_an_error(fake: FakeLemmy, tmp_path: Path) -> None:
    token = creds(fake)
    with httpx.Client(transport=httpx.MockTransport(raising(httpx.ReadTimeout))) as client:
        with pytest.raises(Transient) as login:
            lemmy.refresh_token(client, ACCOUNT, token)
        with pytest.raises(Transient) as read:
            lemmy.lookup(client, ACCOUNT, token, titled(thread(tmp_path, "x")))
    for caught in (login, read):
        assert_secret_free(caught.value, PASSWORD, token["access_token"])


def test_lookup_claims_only_an_exact_match_since_the_occurrence(
    fake: FakeLemmy, tmp_path: Path
) -> None:
    outgoing = titled(thread(tmp_path, "Words", "More", "Third", image_on=0))
    token = creds(fake)
    with fake.client() as client:
        assert lemmy.lookup(client, ACCOUNT, token, outgoing) is None
        two = replace(outgoing, parts=outgoing.parts[:2])
        sent = lemmy.post(client, ACCOUNT, token, two, (), print)
        found = lemmy.lookup(client, ACCOUNT, token, outgoing)
        assert found is not None and found.parts == sent.parts  # the first two parts
        retitled = replace(outgoing, keys={"title": "Another title"})
        assert lemmy.lookup(client, ACCOUNT, token, retitled) is None
        elsewhere = account("lemmy", "y", instance=fake.base, community="other")
        assert lemmy.lookup(client, elsewhere, token, outgoing) is None
        later = replace(outgoing, occurrence=outgoing.occurrence + timedelta(days=7))
        assert lemmy.lookup(client, ACCOUNT, token, later) is None


def test_lookup_leaves_two_matching_posts_to_a_person(fake: FakeLemmy, tmp_path: Path) -> None:
    outgoing = titled(thread(tmp_path, "Twice", image_on=None))
    token = creds(fake)
    with fake.client() as client:
        lemmy.post(client, ACCOUNT, token, outgoing, (), print)
        lemmy.post(client, ACCOUNT, token, outgoing, (), print)
        with pytest.raises(OutcomeUnknown, match="2 items") as caught:
            lemmy.lookup(client, ACCOUNT, token, outgoing)
    assert f"https://lemmy.example/post/{fake.posts[0]['id']}" in str(caught.value)


def test_the_user_name_stays_readable_and_the_password_does_not() -> None:
    from socialgit import redact

    entry = {"username": "alice_from_news", "password": "hunter2-secret", "access_token": "eyJ.a.b"}
    redact.register(entry)
    try:
        shown = redact.scrub("@alice_from_news signed in with hunter2-secret")
    finally:
        redact.forget_all()
    assert "@alice_from_news" in shown and "hunter2-secret" not in shown
