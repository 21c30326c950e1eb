"""X's runtime against the local fake, and its OAuth flow against the strict Authlib server."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from providers import x
from providers.base import OutgoingMedia, OutgoingPart
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    Duplicate,
    OutcomeUnknown,
    RateLimited,
    Rejected,
)
from tests.oauth_server import OAuthServer
from tests.providers._support import account, assert_secret_free, thread
from tests.providers.x.fake import FakeX, Grant, x_account

ACCOUNT = x_account()
REDIRECT = "http://127.0.0.1:8788/callback"


@pytest.fixture
def fake() -> FakeX:
    return FakeX()


def creds(fake: FakeX) -> dict[str, str]:
    return {"access_token": fake.token}


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def code_from(client: httpx.Client, url: str, state: str) -> str:
    answer = client.get(url, follow_redirects=False)
    assert answer.is_redirect, answer.text
    back = httpx.URL(answer.headers["location"])
    assert back.params["state"] == state
    return back.params["code"]


# -- posting ---------------------------------------------------------------------------------
def test_thread_with_image_and_alt_text(fake: FakeX, tmp_path: Path) -> None:
    seen: list[str] = []
    outgoing = thread(tmp_path, "Launch 🚀 & more", "Details", alt="a red dot")
    with fake.client() as client:
        receipt = x.post(client, ACCOUNT, creds(fake), outgoing, (), seen.append)
    first, second = fake.tweets
    assert (first.text, first.reply_to, len(first.media)) == ("Launch 🚀 & more", None, 1)
    assert (second.text, second.reply_to, second.media) == ("Details", first.id, [])
    assert fake.media[first.media[0]].alt == "a red dot"
    assert receipt.parts == (first.id, second.id) == tuple(seen)
    assert receipt.url == f"https://x.com/sgtester/status/{first.id}"
    created = [r for r in fake.requests if r.url.path == "/2/tweets"]
    assert all(r.headers["authorization"] == f"Bearer {fake.token}" for r in created)
    assert json.loads(created[1].content) == {
        "text": "Details",
        "reply": {"in_reply_to_tweet_id": first.id},
    }
    upload = next(r for r in fake.requests if r.url.path == "/2/media/upload")
    assert upload.headers["content-type"].startswith("multipart/form-data")


def test_resume_replies_to_the_last_done_part(fake: FakeX, tmp_path: Path) -> None:
    with fake.client() as client:
        first = x.post(client, ACCOUNT, creds(fake), thread(tmp_path, "one"), (), print)
        outgoing = thread(tmp_path, "one", "two", image_on=None)
        receipt = x.post(client, ACCOUNT, creds(fake), outgoing, first.parts, print)
    assert len(fake.tweets) == 2 and fake.tweets[1].reply_to == first.id
    assert receipt.id == first.id and len(receipt.parts) == 2


def test_gif_goes_through_the_chunked_upload(fake: FakeX, tmp_path: Path) -> None:
    gif = tmp_path / "a.gif"
    gif.write_bytes(b"GIF89a" + bytes(3 * 1024 * 1024))  # three appends of 1 MiB and a rest
    media = (OutgoingMedia("media/a.gif", gif, "image/gif", "moving"),)
    outgoing = replace(thread(tmp_path, "x"), parts=(OutgoingPart("A GIF", media),))
    with fake.client() as client:
        x.post(client, ACCOUNT, creds(fake), outgoing, (), print)
    paths = [r.url.path for r in fake.requests if r.url.path.startswith("/2/media")]
    assert paths[0] == "/2/media/upload/initialize"
    assert paths.count(paths[1]) == 4 and paths[1].endswith("/append")
    assert paths[5].endswith("/finalize") and paths[6] == "/2/media/upload"  # STATUS
    item = fake.media[fake.tweets[0].media[0]]
    assert (item.category, item.alt, item.state) == ("tweet_gif", "moving", "succeeded")


def test_media_of_another_user_is_refused_by_x(fake: FakeX, tmp_path: Path) -> None:
    with fake.client() as client:
        theirs = x.post(
            client, ACCOUNT, {"access_token": fake.other_token}, thread(tmp_path, "t"), (), print
        )
        foreign = fake.posts_of(fake.other)[0].media[0]
        answer = client.post(
            "https://api.x.com/2/tweets",
            headers={"Authorization": f"Bearer {fake.token}"},
            json={"text": "mine", "media": {"media_ids": [foreign]}},
        )
    assert theirs.url is not None and "someoneelse" in theirs.url
    assert answer.status_code == 400 and "media IDs are invalid" in answer.text


def test_over_long_text_is_rejected_with_xs_words(fake: FakeX, tmp_path: Path) -> None:
    text = "é" * 281  # 281 weighted characters
    with fake.client() as client, pytest.raises(Rejected, match="too long"):
        x.post(client, ACCOUNT, creds(fake), thread(tmp_path, text, image_on=None), (), print)
    assert fake.tweets == []


def test_expired_token_is_auth_expired(fake: FakeX, tmp_path: Path) -> None:
    fake.grants[fake.token].expired = True
    with fake.client() as client, pytest.raises(AuthExpired) as caught:
        x.post(client, ACCOUNT, creds(fake), thread(tmp_path, "hi"), (), print)
    assert_secret_free(caught.value, fake.token)
    assert fake.tweets == []


def test_rate_limit_until_is_xs_reset(fake: FakeX, tmp_path: Path) -> None:
    fake.tweet_limit = 1
    with fake.client() as client:
        x.post(client, ACCOUNT, creds(fake), thread(tmp_path, "one", image_on=None), (), print)
        with pytest.raises(RateLimited) as caught:
            x.post(client, ACCOUNT, creds(fake), thread(tmp_path, "two", image_on=None), (), print)
    answered = [r for r in fake.requests if r.url.path == "/2/tweets"]
    assert len(answered) == 2
    until = caught.value.until
    assert until is not None and until.tzinfo is not None
    assert abs((until - datetime.now(UTC)).total_seconds() - 900) < 5


def test_a_spent_24_hour_cap_wins_over_the_window(fake: FakeX, tmp_path: Path) -> None:
    later = int(datetime.now(UTC).timestamp()) + 20000
    fake.queue.append(
        httpx.Response(
            429,
            json={"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
            headers={
                "x-rate-limit-remaining": "12",
                "x-rate-limit-reset": str(later - 19000),
                "x-user-limit-24hour-remaining": "0",
                "x-user-limit-24hour-reset": str(later),
            },
        )
    )
    with fake.client() as client, pytest.raises(RateLimited) as caught:
        x.post(client, ACCOUNT, creds(fake), thread(tmp_path, "hi", image_on=None), (), print)
    assert caught.value.until == datetime.fromtimestamp(later, UTC)


def test_other_403_is_rejected_with_xs_detail(fake: FakeX, tmp_path: Path) -> None:
    fake.grants[fake.token] = Grant(fake.user, frozenset({"users.read", "tweet.read"}))
    with fake.client() as client, pytest.raises(Rejected, match="not permitted") as caught:
        x.post(client, ACCOUNT, creds(fake), thread(tmp_path, "hi", image_on=None), (), print)
    assert not isinstance(caught.value, Duplicate)
    assert "socialgit connect team-x" in str(caught.value)


def test_5xx_after_a_post_is_in_doubt(fake: FakeX, tmp_path: Path) -> None:
    fake.queue.append(httpx.Response(503, json={"title": "Service Unavailable", "status": 503}))
    with fake.client() as client, pytest.raises(OutcomeUnknown):
        x.post(client, ACCOUNT, creds(fake), thread(tmp_path, "hi", image_on=None), (), print)


# -- duplicates and look-ups -------------------------------------------------------------------
def test_duplicate_of_a_lost_answer_becomes_the_receipt(fake: FakeX, tmp_path: Path) -> None:
    """The first attempt went out but its answer was lost; a resend meets X's 403."""
    outgoing = thread(tmp_path, "See https://example.com/a?b=1 & <this>", "Part two")
    fake.fail_after_create = httpx.ReadTimeout("lost")
    seen: list[str] = []
    with fake.client() as client:
        with pytest.raises(OutcomeUnknown):
            x.post(client, ACCOUNT, creds(fake), outgoing, (), seen.append)
        receipt = x.post(client, ACCOUNT, creds(fake), outgoing, (), seen.append)
    assert [t.text for t in fake.tweets] == [outgoing.parts[0].text, "Part two"]
    assert receipt.parts == tuple(t.id for t in fake.tweets) == tuple(seen)
    assert fake.tweets[1].reply_to == fake.tweets[0].id


def test_duplicate_of_an_older_post_is_for_a_person(fake: FakeX, tmp_path: Path) -> None:
    fake.clock = lambda: datetime(2024, 4, 1, tzinfo=UTC)  # a month before the post was due
    with fake.client() as client:
        x.post(client, ACCOUNT, creds(fake), thread(tmp_path, "Same", image_on=None), (), print)
        fake.clock = lambda: datetime.now(UTC)
        with pytest.raises(Duplicate, match="change the text"):
            x.post(client, ACCOUNT, creds(fake), thread(tmp_path, "Same", image_on=None), (), print)
    assert len(fake.tweets) == 1


def test_lookup_says_nothing_went_out_only_when_nothing_did(fake: FakeX, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "Hello & <b>", "Second")
    with fake.client() as client:
        assert x.lookup(client, ACCOUNT, creds(fake), outgoing) is None
        x.post(client, ACCOUNT, creds(fake), outgoing, (), print)
        with pytest.raises(OutcomeUnknown, match="2 of 2 parts") as caught:
            x.lookup(client, ACCOUNT, creds(fake), outgoing)
        assert f"https://x.com/sgtester/status/{fake.tweets[0].id}" in str(caught.value)
        other = thread(tmp_path, "Hello & <b> but different", "Second")
        assert x.lookup(client, ACCOUNT, creds(fake), other) is None


def test_lookup_reads_every_page_before_saying_none(fake: FakeX, tmp_path: Path) -> None:
    fake.tweet_limit = 1000
    with fake.client() as client:
        for n in range(150):
            x.post(
                client, ACCOUNT, creds(fake), thread(tmp_path, f"n{n}", image_on=None), (), print
            )
        assert x.lookup(client, ACCOUNT, creds(fake), thread(tmp_path, "never")) is None
        oldest = thread(tmp_path, "n0", image_on=None)
        with pytest.raises(OutcomeUnknown, match="1 of 1"):
            x.lookup(client, ACCOUNT, creds(fake), oldest)
    pages = [r for r in fake.requests if r.url.path.endswith("/tweets") and r.method == "GET"]
    assert "pagination_token" in pages[1].url.params


def test_link_text_is_matched_through_t_co(fake: FakeX, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "Read https://example.com/post", image_on=None)
    changed = thread(tmp_path, "Read https://example.org/post", image_on=None)
    with fake.client() as client:
        x.post(client, ACCOUNT, creds(fake), outgoing, (), print)
        with pytest.raises(OutcomeUnknown):
            x.lookup(client, ACCOUNT, creds(fake), outgoing)
        assert x.lookup(client, ACCOUNT, creds(fake), changed) is None


def test_whoami(fake: FakeX) -> None:
    with fake.client() as client:
        who = x.whoami(client, ACCOUNT, creds(fake))
    assert who == {"id": "2244994945", "handle": "sgtester", "name": "Socialgit Test"}


# -- OAuth against the fake X ------------------------------------------------------------------
def test_connect_and_rotating_refresh_against_the_fake(fake: FakeX) -> None:
    verifier, challenge = pkce()
    with fake.client() as client:
        url = x.generate_auth_url(ACCOUNT, REDIRECT, "st4te", challenge)
        assert url.startswith("https://x.com/i/oauth2/authorize?")
        scopes = set(httpx.URL(url).params["scope"].split())
        assert scopes == {
            "tweet.read",
            "tweet.write",
            "users.read",
            "media.write",
            "offline.access",
        }
        code = code_from(client, url, "st4te")
        given = {"client_secret": str(fake.clients["sg-x-client"])}
        stored = x.authenticate(client, ACCOUNT, code, verifier, REDIRECT, given)
        token_call = next(r for r in fake.requests if r.url.path == "/2/oauth2/token")
        assert token_call.headers["authorization"].startswith("Basic ")
        assert b"client_id" not in token_call.content
        fresh = x.refresh_token(client, ACCOUNT, stored)
        assert fresh["refresh_token"] != stored["refresh_token"]
        assert fresh["client_secret"] == given["client_secret"]  # complete, saved at once
        assert x.expires_at(fresh) is not None
        assert x.whoami(client, ACCOUNT, fresh)["handle"] == "sgtester"
        with pytest.raises(AuthRevoked, match="socialgit connect team-x") as caught:
            x.refresh_token(client, ACCOUNT, stored)  # the spent one
    assert_secret_free(caught.value, stored["refresh_token"], given["client_secret"])


def test_public_client_sends_client_id(fake: FakeX) -> None:
    public = x_account("pub", client_id="sg-public")
    verifier, challenge = pkce()
    with fake.client() as client:
        code = code_from(client, x.generate_auth_url(public, REDIRECT, "s", challenge), "s")
        stored = x.authenticate(client, public, code, verifier, REDIRECT, {})
    token_call = next(r for r in fake.requests if r.url.path == "/2/oauth2/token")
    assert "authorization" not in token_call.headers
    assert b"client_id=sg-public" in token_call.content
    assert stored["refresh_token"]


def test_no_offline_access_no_connection(fake: FakeX) -> None:
    fake_account = x_account()
    verifier, challenge = pkce()
    with fake.client() as client:
        url = x.generate_auth_url(fake_account, REDIRECT, "s", challenge)
        url = url.replace("+offline.access", "").replace("%20offline.access", "")
        code = code_from(client, url, "s")
        with pytest.raises(AuthRevoked, match="offline"):
            x.authenticate(
                client,
                fake_account,
                code,
                verifier,
                REDIRECT,
                {"client_secret": fake.clients["sg-x-client"]},
            )


# -- OAuth against the strict Authlib server ---------------------------------------------------
@pytest.mark.parametrize("secret", ["x-client-secret-4f1b9e2c", None], ids=["basic", "public"])
def test_oauth_flow_against_the_strict_server(secret: str | None) -> None:
    with OAuthServer() as server, httpx.Client() as client:
        server.add_client("sg-x", secret)
        acct = account(
            "x",
            "strict",
            client_id="sg-x",
            authorize_url=f"{server.url}/authorize",
            token_url=f"{server.url}/token",
        )
        verifier, challenge = pkce()
        code = code_from(client, x.generate_auth_url(acct, REDIRECT, "st", challenge), "st")
        given = {"client_secret": secret} if secret else {}
        stored = x.authenticate(client, acct, code, verifier, REDIRECT, given)
        assert server.valid_access(stored["access_token"])
        fresh = x.refresh_token(client, acct, stored)
        assert fresh["refresh_token"] != stored["refresh_token"]
        assert server.valid_access(fresh["access_token"])
        assert fresh.get("client_secret") == secret
        with pytest.raises(AuthRevoked, match="socialgit connect strict"):
            x.refresh_token(client, acct, stored)
        form = server.token_requests[0]
        assert ("client_id" in form) is (secret is None)
        assert server.token_requests[0]["code_verifier"] == verifier


def test_lookup_reads_from_the_occurrence_whatever_its_offset(fake: FakeX, tmp_path: Path) -> None:
    # 09:00 UTC written as 11:00+02:00: the same instant, so the post made at 09:05 UTC is
    # within the window and must be found, not denied.
    fake.clock = lambda: datetime(2024, 5, 1, 9, 5, tzinfo=UTC)
    outgoing = thread(tmp_path, "Offset", image_on=None)
    berlin = replace(
        outgoing, occurrence=outgoing.occurrence.astimezone(timezone(timedelta(hours=2)))
    )
    with fake.client() as client:
        x.post(client, ACCOUNT, creds(fake), outgoing, (), print)
        with pytest.raises(OutcomeUnknown, match="1 of 1"):
            x.lookup(client, ACCOUNT, creds(fake), berlin)
