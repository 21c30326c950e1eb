"""Mastodon's runtime against the local fake instance (and the OAuth parts against the
strict Authlib server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from providers import mastodon
from providers.base import OutgoingMedia, OutgoingPart
from providers.mastodon import media as _mastodon_media
from providers.mastodon import recover as _mastodon_lookup
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    RateLimited,
    Rejected,
    Transient,
    UsageError,
)
from tests.providers._support import account, assert_secret_free, thread
from tests.providers.mastodon.fake import FakeMastodon

REDIRECT = "http://127.0.0.1:8788/callback"


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    mastodon._REGISTERED.clear()
    yield
    mastodon._REGISTERED.clear()


@pytest.fixture
def fake() -> FakeMastodon:
    return FakeMastodon()


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(_mastodon_media, "SLEEP", waits.append)
    return waits


ACCOUNT = account("mastodon", "team-mastodon", instance="https://mastodon.example")


def creds(fake: FakeMastodon) -> dict[str, str]:
    return {"access_token": fake.issue_token(), "client_id": "c", "client_secret": "s"}


def posts_of(fake: FakeMastodon) -> list[httpx.Request]:
    return [r for r in fake.requests if r.url.path == "/api/v1/statuses" and r.method == "POST"]


# -- posting -------------------------------------------------------------------------------
def test_thread_with_alt_text_replies_and_keys(fake: FakeMastodon, tmp_path: Path) -> None:
    tuned = account(
        "mastodon", "team-mastodon", instance=fake.base, visibility="unlisted", language="de"
    )
    seen: list[str] = []
    outgoing = thread(tmp_path, "Launch 🚀 https://example.com/" + "x" * 80, "Details")
    with fake.client() as client:
        receipt = mastodon.post(client, tuned, creds(fake), outgoing, (), seen.append)
    first, second = fake.statuses
    assert [m.description for m in fake.media.values()] == ["a dot"]
    assert first["media_attachments"][0]["id"] == next(iter(fake.media))
    assert second["in_reply_to_id"] == first["id"] and first["in_reply_to_id"] is None
    assert first["visibility"] == second["visibility"] == "unlisted"
    assert first["language"] == "de"
    assert receipt.parts == (first["id"], second["id"]) == tuple(seen)
    assert receipt.url == first["url"] == f"{fake.base}/@alice/{first['id']}"
    keys = [r.headers["Idempotency-Key"] for r in posts_of(fake)]
    assert keys == [_mastodon_lookup.part_key(outgoing.key, i) for i in (0, 1)]
    assert len(set(keys)) == 2 and keys[0] != _mastodon_lookup.part_key("another", 0)


def test_rerun_with_every_part_done_posts_nothing(fake: FakeMastodon, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "One", "Two")
    token = creds(fake)
    with fake.client() as client:
        receipt = mastodon.post(client, ACCOUNT, token, outgoing, (), lambda _: None)
        again = mastodon.post(client, ACCOUNT, token, outgoing, receipt.parts, print)
    assert again == receipt and len(posts_of(fake)) == 2


def test_resume_replies_to_the_last_done_part(fake: FakeMastodon, tmp_path: Path) -> None:
    token = creds(fake)
    with fake.client() as client:
        first = mastodon.post(client, ACCOUNT, token, thread(tmp_path, "One"), (), print)
        outgoing = thread(tmp_path, "One", "Two", image_on=None)
        receipt = mastodon.post(client, ACCOUNT, token, outgoing, first.parts, print)
    assert receipt.parts[0] == first.id and fake.statuses[-1]["in_reply_to_id"] == first.id
    assert receipt.url == first.url and len(fake.statuses) == 2


def test_lost_answer_then_rerun_ends_with_one_status(fake: FakeMastodon, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "Exactly once")
    token = creds(fake)
    fake.lose_answers = 1
    with fake.client() as client:
        with pytest.raises(OutcomeUnknown):
            mastodon.post(client, ACCOUNT, token, outgoing, (), print)
        assert len(fake.statuses) == 1  # it did go out
        found = mastodon.lookup(client, ACCOUNT, token, outgoing)
        rerun = mastodon.post(client, ACCOUNT, token, outgoing, (), print)
    assert found is not None and found.id == fake.statuses[0]["id"] == rerun.id
    assert found.url == rerun.url
    assert len(fake.statuses) == 1 and len(fake.live()) == 1


def test_partial_thread_in_doubt_resumes_without_a_second_copy(
    fake: FakeMastodon, tmp_path: Path
) -> None:
    outgoing = thread(tmp_path, "One", "Two", "Three", image_on=None)
    token = creds(fake)
    done: list[str] = []
    with fake.client() as client:
        mastodon.post(
            client, ACCOUNT, token, replace(outgoing, parts=outgoing.parts[:1]), (), done.append
        )
        fake.lose_answers = 1
        with pytest.raises(OutcomeUnknown):
            mastodon.post(client, ACCOUNT, token, outgoing, tuple(done), done.append)
        # Part two is out but unrecorded; part three never went: resend is the way on.
        assert mastodon.lookup(client, ACCOUNT, token, outgoing) is None
        receipt = mastodon.post(client, ACCOUNT, token, outgoing, tuple(done), print)
    texts = [s["_text"] for s in fake.statuses]
    assert texts == ["One", "Two", "Three"]
    assert receipt.parts == tuple(s["id"] for s in fake.statuses)


def test_lookup_after_the_hour_never_invents_nor_resends(
    fake: FakeMastodon, tmp_path: Path
) -> None:
    outgoing = thread(tmp_path, "Same words", "Second")
    token = creds(fake)
    fake.lose_answers = 1
    with fake.client() as client:
        with pytest.raises(OutcomeUnknown):
            mastodon.post(client, ACCOUNT, token, outgoing, (), print)
        fake.now += timedelta(hours=2)  # the idempotency key has expired
        with pytest.raises(OutcomeUnknown, match="1 of 2 parts with these words"):
            mastodon.lookup(client, ACCOUNT, token, outgoing)
        other = replace(outgoing, key="sg-other", parts=(OutgoingPart("Never sent"),))
        assert mastodon.lookup(client, ACCOUNT, token, other) is None
        # A status with the words but from before the occurrence is not this delivery's.
        later = replace(outgoing, occurrence=fake.now)
        assert mastodon.lookup(client, ACCOUNT, token, later) is None
    assert len(fake.statuses) == 1  # the probes created nothing


def test_lookup_after_a_deletion_is_for_a_person(fake: FakeMastodon, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "Deleted soon", image_on=None)
    token = creds(fake)
    with fake.client() as client:
        receipt = mastodon.post(client, ACCOUNT, token, outgoing, (), print)
        fake.delete(receipt.id)
        with pytest.raises(OutcomeUnknown, match="deleted"):
            mastodon.lookup(client, ACCOUNT, token, outgoing)


def test_lookup_on_a_server_without_idempotency_scans(fake: FakeMastodon, tmp_path: Path) -> None:
    fake.keeps_idempotency = False
    outgoing = thread(tmp_path, "Words", image_on=None)
    token = creds(fake)
    with fake.client() as client:
        assert mastodon.lookup(client, ACCOUNT, token, outgoing) is None
        mastodon.post(client, ACCOUNT, token, outgoing, (), print)
        with pytest.raises(OutcomeUnknown, match="nothing else ties"):
            mastodon.lookup(client, ACCOUNT, token, outgoing)
    assert len(fake.statuses) == 1


# -- media ---------------------------------------------------------------------------------
def test_processing_media_is_polled_until_ready(
    fake: FakeMastodon, tmp_path: Path, slept: list[float]
) -> None:
    fake.processing_polls = 3
    with fake.client() as client:
        mastodon.post(client, ACCOUNT, creds(fake), thread(tmp_path, "Video"), (), print)
    polls = [r for r in fake.requests if r.url.path.startswith("/api/v1/media/")]
    assert len(polls) == 3 and len(slept) == 3
    assert fake.statuses[0]["media_attachments"][0]["url"]


def test_media_that_never_finishes_is_transient(
    fake: FakeMastodon, tmp_path: Path, slept: list[float]
) -> None:
    fake.processing_polls = 100
    with fake.client() as client, pytest.raises(Transient, match="still processing"):
        mastodon.post(client, ACCOUNT, creds(fake), thread(tmp_path, "Slow"), (), print)
    assert not fake.statuses and len(slept) == len(_mastodon_media.POLL_DELAYS)


def test_media_limits_are_checked_before_anything_goes(fake: FakeMastodon, tmp_path: Path) -> None:
    image = tmp_path / "x.webp"
    image.write_bytes(b"RIFF0000WEBP")
    webp = OutgoingMedia(path="media/x.webp", file=image, mime="image/webp", alt="x" * 1501)
    outgoing = replace(thread(tmp_path, "a"), parts=(OutgoingPart("a"), OutgoingPart("b", (webp,))))
    with fake.client() as client, pytest.raises(Rejected) as caught:
        mastodon.post(client, ACCOUNT, creds(fake), outgoing, (), print)
    assert "part 2" in str(caught.value) and "image/webp" in str(caught.value)
    assert "1500" in str(caught.value) and not fake.statuses and not fake.media


# -- limits and errors -----------------------------------------------------------------------
def test_instance_limit_refuses_before_sending(fake: FakeMastodon, tmp_path: Path) -> None:
    fake.max_characters = 40
    fits = "y" * 10 + " https://example.com/" + "z" * 200  # the URL counts 23: 34
    with fake.client() as client:
        mastodon.post(client, ACCOUNT, creds(fake), thread(tmp_path, fits), (), print)
        with pytest.raises(Rejected, match=r"part 2 is 41 characters; mastodon\.example takes 40"):
            mastodon.post(client, ACCOUNT, creds(fake), thread(tmp_path, "ok", "x" * 41), (), print)
    assert len(fake.statuses) == 1  # the thread's first part did not go out either


def test_mastodons_own_422_is_rejected_with_its_text(fake: FakeMastodon, tmp_path: Path) -> None:
    fake.queue.append(
        httpx.Response(
            422, json={"error": "Validation failed: Text character limit of 500 exceeded"}
        )
    )
    with fake.client() as client, pytest.raises(Rejected, match="Text character limit of 500"):
        mastodon.post(client, ACCOUNT, creds(fake), thread(tmp_path, "x", image_on=None), (), print)


@pytest.mark.parametrize("iso", [True, False])
def test_rate_limit_until_is_the_reset_header(
    fake: FakeMastodon, tmp_path: Path, iso: bool
) -> None:
    reset = datetime(2030, 1, 1, 12, 0, 5, tzinfo=UTC)
    fake.queue.append(fake.rate_limit(reset, iso=iso))
    with fake.client() as client, pytest.raises(RateLimited) as caught:
        mastodon.post(client, ACCOUNT, creds(fake), thread(tmp_path, "x", image_on=None), (), print)
    assert caught.value.until == reset and "2030-01-01T12:00:05" in str(caught.value)


def test_refused_tokens_mean_connect_again(fake: FakeMastodon, tmp_path: Path) -> None:
    revoked = {"access_token": "revoked-token-0123456789", "client_secret": "s3cr3t-client"}
    with fake.client() as client:
        with pytest.raises(AuthRevoked, match="socialgit connect team-mastodon") as caught:
            mastodon.post(client, ACCOUNT, revoked, thread(tmp_path, "x"), (), print)
        assert_secret_free(caught.value, revoked["access_token"], revoked["client_secret"])
        expiring = {**revoked, "refresh_token": "r", "expires_at": "2024-05-01T10:00:00+00:00"}
        with pytest.raises(AuthExpired):  # a fork's expiring token: refresh once first
            mastodon.whoami(client, ACCOUNT, expiring)
        narrow = {"access_token": fake.issue_token("read:accounts")}
        with pytest.raises(AuthRevoked, match="outside the authorized scopes"):
            mastodon.post(client, ACCOUNT, narrow, thread(tmp_path, "x", image_on=None), (), print)
    assert not fake.statuses


def test_server_errors_after_sending_are_in_doubt(fake: FakeMastodon, tmp_path: Path) -> None:
    with fake.client() as client:
        fake.queue.append(httpx.Response(502, text="Bad Gateway"))
        with pytest.raises(OutcomeUnknown):
            mastodon.post(
                client, ACCOUNT, creds(fake), thread(tmp_path, "x", image_on=None), (), print
            )
        fake.queue.append(httpx.Response(503, text="down"))  # the upload publishes nothing
        with pytest.raises(Transient):
            mastodon.post(client, ACCOUNT, creds(fake), thread(tmp_path, "x"), (), print)


# -- credentials -----------------------------------------------------------------------------
def test_register_then_authorize_and_exchange(fake: FakeMastodon) -> None:
    with fake.client() as client:
        given = mastodon.register_client(client, ACCOUNT, REDIRECT)
        (app,) = fake.apps.values()
        assert app.redirect_uris == [REDIRECT] and app.scopes == set(mastodon.SCOPES.split())
        assert given == {"client_id": app.client_id, "client_secret": app.client_secret}
        # Cached for this instance and callback: a second sign-in registers nothing new.
        assert mastodon.register_client(client, ACCOUNT, REDIRECT) == given
        assert len(fake.apps) == 1
        url = mastodon.generate_auth_url(ACCOUNT, REDIRECT, "st4te", "Q" * 43)
        query = httpx.URL(url).params
        assert url.startswith(f"{fake.base}/oauth/authorize?")
        assert query["client_id"] == app.client_id and query["code_challenge_method"] == "S256"
        assert query["scope"] == mastodon.SCOPES and query["redirect_uri"] == REDIRECT
        verifier = "v" * 64
        url = mastodon.generate_auth_url(ACCOUNT, REDIRECT, "st4te", _challenge(verifier))
        back = httpx.URL(client.get(url).headers["location"])
        assert back.params["state"] == "st4te"
        code = back.params["code"]
        stored = mastodon.authenticate(client, ACCOUNT, code, verifier, REDIRECT, given)
        assert (
            stored["client_secret"] == app.client_secret and stored["access_token"] in fake.tokens
        )
        assert mastodon.expires_at(stored) is None
        assert mastodon.refresh_token(client, ACCOUNT, stored) == stored  # nothing expires
        assert mastodon.whoami(client, ACCOUNT, stored) == {
            "id": "109876",
            "name": "Alice",
            "handle": "@alice@mastodon.example",
        }
        token_form = dict(httpx.QueryParams(fake.requests[-2].content.decode()))
        assert token_form["client_secret"] == app.client_secret  # client_secret_post
        with pytest.raises(AuthRevoked, match="socialgit connect"):  # codes are single-use
            mastodon.authenticate(client, ACCOUNT, code, verifier, REDIRECT, given)


def test_a_new_callback_registers_anew_and_unknown_ones_are_refused(fake: FakeMastodon) -> None:
    with fake.client() as client:
        mastodon.register_client(client, ACCOUNT, REDIRECT)
        mastodon.register_client(client, ACCOUNT, "http://127.0.0.1:9999/callback")
    assert len(fake.apps) == 2
    with pytest.raises(UsageError, match="socialgit connect team-mastodon"):
        mastodon.generate_auth_url(ACCOUNT, "http://127.0.0.1:1/callback", "s", "c" * 43)


def test_an_app_registered_by_hand_is_used_as_is(fake: FakeMastodon) -> None:
    own = account("mastodon", instance=fake.base, client_id="by-hand")
    with fake.client() as client:
        assert mastodon.register_client(client, own, REDIRECT) == {}
    assert not fake.apps
    assert "client_id=by-hand" in mastodon.generate_auth_url(own, REDIRECT, "s", "c" * 43)


def test_standard_oauth_parts_against_the_strict_server() -> None:
    from tests.oauth_server import OAuthServer

    with OAuthServer() as server, httpx.Client(timeout=10) as client:
        server.add_client("masto-client", "masto-secret-9c1f")
        own = account(
            "mastodon",
            instance=server.url,
            client_id="masto-client",
            authorize_url=f"{server.url}/authorize",
            token_url=f"{server.url}/token",
        )
        verifier = "w" * 64
        url = mastodon.generate_auth_url(own, REDIRECT, "state-1", _challenge(verifier))
        back = httpx.URL(client.get(url, follow_redirects=False).headers["location"])
        assert back.params["state"] == "state-1"
        given = {"client_secret": "masto-secret-9c1f"}
        stored = mastodon.authenticate(client, own, back.params["code"], verifier, REDIRECT, given)
        assert server.valid_access(stored["access_token"])
        assert server.token_requests[-1]["client_secret"] == "masto-secret-9c1f"
        # Such a server's tokens expire and refresh (rotating), as some forks' do.
        assert mastodon.expires_at(stored) is not None
        fresh = mastodon.refresh_token(client, own, stored)
        assert fresh["refresh_token"] != stored["refresh_token"]
        assert server.valid_access(fresh["access_token"])
        with pytest.raises(AuthRevoked):  # the spent refresh token
            mastodon.refresh_token(client, own, stored)
        wrong = mastodon.generate_auth_url(own, REDIRECT, "s", _challenge(verifier))
        code = httpx.URL(client.get(wrong).headers["location"]).params["code"]
        with pytest.raises(AuthRevoked):  # PKCE: another verifier than the challenge's
            mastodon.authenticate(client, own, code, "x" * 64, REDIRECT, given)


def test_connect_end_to_end_stores_the_registered_client(
    fake: FakeMastodon, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialgit.credentials.connect import connect
    from socialgit.credentials.vault import Vault, new_key

    monkeypatch.setenv("SOCIALGIT_KEY", new_key())
    (tmp_path / ".socialgit").mkdir()
    vault = Vault.open(tmp_path)

    def browser(url: str) -> None:
        # The fake grants at once; its redirect goes to the real loopback listener.
        with fake.client() as web:
            location = web.get(url).headers["location"]
        assert httpx.get(location, timeout=5).status_code == 200

    asked: list[str] = []

    def ask(prompt: str, optional: bool) -> str:
        asked.append(prompt)
        return ""

    with fake.client() as client:
        meta = connect(vault, ACCOUNT, client, ask=ask, show=browser, timeout=10)
    assert asked == []  # the client secret comes from the registration, never a prompt
    stored = Vault.open(tmp_path).get("team-mastodon")
    assert stored is not None and stored["access_token"] in fake.tokens
    (app,) = fake.apps.values()
    assert stored["client_id"] == app.client_id and stored["client_secret"] == app.client_secret
    assert app.redirect_uris[0].startswith("http://127.0.0.1:")
    assert meta["handle"] == "@alice@mastodon.example" and meta["id"] == "109876"
    assert not fake.codes  # the code was spent


def _challenge(verifier: str) -> str:
    from socialgit.credentials import oauth

    return oauth.challenge(verifier)


def test_json_bodies_only_carry_what_mastodon_reads(fake: FakeMastodon, tmp_path: Path) -> None:
    with fake.client() as client:
        mastodon.post(
            client, ACCOUNT, creds(fake), thread(tmp_path, "a", "b", image_on=1), (), print
        )
    first, second = (json.loads(r.content) for r in posts_of(fake))
    assert first == {"status": "a"}
    assert set(second) == {"status", "media_ids", "in_reply_to_id"}


@pytest.mark.parametrize("garbled", [b"", b"<html>502 Bad Gateway</html>"])
def test_an_unreadable_list_of_statuses_is_no_proof_of_absence(
    fake: FakeMastodon, tmp_path: Path, garbled: bytes
) -> None:
    # A proxy answering 200 with an empty or HTML body must not read as "no statuses":
    # that would resend a delivery that is out.
    fake.keeps_idempotency = False
    outgoing = thread(tmp_path, "Out already", image_on=None)
    token = creds(fake)

    def proxy(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/statuses") and request.method == "GET":
            return httpx.Response(200, content=garbled)
        return fake(request)

    with fake.client() as client:
        mastodon.post(client, ACCOUNT, token, outgoing, (), print)
    with (
        httpx.Client(transport=httpx.MockTransport(proxy)) as client,
        pytest.raises(OutcomeUnknown, match="unreadable list of statuses"),
    ):
        mastodon.lookup(client, ACCOUNT, token, outgoing)
