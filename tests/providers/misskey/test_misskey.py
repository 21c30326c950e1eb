"""Misskey's runtime against the local fake instance: MiAuth, notes with drive files and
their alt text, the instance's limit, Misskey's errors, and the look-up."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from providers import misskey
from socialgit.errors import AuthRevoked, OutcomeUnknown, RateLimited, Rejected, UsageError
from tests.providers._support import account, assert_secret_free, thread
from tests.providers.misskey.fake import FakeMisskey

ACCOUNT = account("misskey", "team-misskey", instance="https://misskey.example")
REDIRECT = "http://127.0.0.1:8788/callback"


@pytest.fixture
def fake() -> FakeMisskey:
    return FakeMisskey()


def creds(fake: FakeMisskey) -> dict[str, str]:
    return {"access_token": fake.issue_token()}


def test_thread_of_notes_with_a_file_and_its_alt_text(fake: FakeMisskey, tmp_path: Path) -> None:
    tuned = account("misskey", "m", instance=fake.base, visibility="home")
    seen: list[str] = []
    with fake.client() as client:
        receipt = misskey.post(
            client, tuned, creds(fake), thread(tmp_path, "First 🚀", "Second"), (), seen.append
        )
    first, second = fake.notes
    (upload,) = fake.files.values()
    assert upload["comment"] == "a dot" and upload["type"] == "image/png"
    assert first["fileIds"] == [upload["id"]] and second["fileIds"] == []
    assert first["replyId"] is None and second["replyId"] == first["id"]
    assert first["visibility"] == second["visibility"] == "home"
    assert receipt.parts == (first["id"], second["id"]) == tuple(seen)
    assert receipt.url == f"{fake.base}/notes/{first['id']}"


def test_the_instances_limit_is_read_before_anything_is_sent(
    fake: FakeMisskey, tmp_path: Path
) -> None:
    fake.max_note = 10
    with fake.client() as client, pytest.raises(Rejected, match="takes 10"):
        misskey.post(client, ACCOUNT, creds(fake), thread(tmp_path, "ok", "x" * 11), (), print)
    assert fake.notes == [] and fake.files == {}


def test_without_a_limit_in_meta_the_setting_or_3000_holds(
    fake: FakeMisskey, tmp_path: Path
) -> None:
    fake.max_note = None
    longer = account("misskey", "m", instance=fake.base, max_note_length=5000)
    assert misskey.limit(longer, None) == 5000 and misskey.limit(ACCOUNT, None) == 3000  # type: ignore[arg-type]
    with fake.client() as client, pytest.raises(Rejected, match="3001 characters"):
        misskey.post(client, ACCOUNT, creds(fake), thread(tmp_path, "x" * 3001), (), print)
    assert misskey.length("🚀é") == 2  # code points: a surrogate pair counts one


def test_miauth_grants_a_token_once(fake: FakeMisskey) -> None:
    url = misskey.generate_auth_url(ACCOUNT, REDIRECT, "state-123", "unused")
    parsed = httpx.URL(url)
    assert parsed.path == "/miauth/state-123"
    assert parsed.params["callback"] == REDIRECT
    assert set(parsed.params["permission"].split(",")) == {
        "read:account", "write:notes", "write:drive",
    }  # fmt: skip
    with fake.client() as client:
        back = httpx.URL(client.get(url).headers["location"])
        assert back.params["session"] == "state-123"
        stored = misskey.authenticate(client, ACCOUNT, "state-123", "", REDIRECT, {})
        assert misskey.whoami(client, ACCOUNT, stored)["handle"] == "@alice@misskey.example"
        with pytest.raises(UsageError, match="issued no token"):
            misskey.authenticate(client, ACCOUNT, "state-123", "", REDIRECT, {})


@pytest.mark.parametrize(
    ("status", "code", "error", "words"),
    [
        (401, "AUTHENTICATION_FAILED", AuthRevoked, "socialgit connect team-misskey"),
        (403, "PERMISSION_DENIED", AuthRevoked, "lacks a permission"),
        (429, "RATE_LIMIT_EXCEEDED", RateLimited, "rate limited"),
        (400, "NO_SUCH_REPLY_TARGET", Rejected, "NO_SUCH_REPLY_TARGET"),
        (500, "INTERNAL_ERROR", OutcomeUnknown, "may have gone out"),
    ],
)
def test_errors_are_classified(
    fake: FakeMisskey,
    tmp_path: Path,
    status: int,
    code: str,
    error: type[Exception],
    words: str,
) -> None:
    answer = httpx.Response(status, json={"error": {"code": code, "message": code, "id": "x"}})

    def handler(request: httpx.Request) -> httpx.Response:
        return answer if request.url.path == "/api/notes/create" else fake(request)

    token = creds(fake)
    outgoing = thread(tmp_path, "x", image_on=None)
    transport = httpx.MockTransport(handler)
    with httpx.Client(transport=transport) as client, pytest.raises(error, match=words) as caught:
        misskey.post(client, ACCOUNT, token, outgoing, (), print)
    assert_secret_free(caught.value, token["access_token"])


def test_a_revoked_token_says_connect(fake: FakeMisskey, tmp_path: Path) -> None:
    with fake.client() as client, pytest.raises(AuthRevoked, match="socialgit connect"):
        misskey.post(client, ACCOUNT, {"access_token": "gone"}, thread(tmp_path, "x"), (), print)


def test_lookup_finds_the_leading_notes_and_denies_what_is_not_there(
    fake: FakeMisskey, tmp_path: Path
) -> None:
    outgoing = thread(tmp_path, "One", "Two", "Three")
    token = creds(fake)
    with fake.client() as client:
        assert misskey.lookup(client, ACCOUNT, token, outgoing) is None
        two = misskey.post(
            client, ACCOUNT, token, replace(outgoing, parts=outgoing.parts[:2]), (), print
        )
        found = misskey.lookup(client, ACCOUNT, token, outgoing)
        assert found is not None and found.parts == two.parts and found.url == two.url
        later = replace(outgoing, occurrence=outgoing.occurrence + timedelta(days=7))
        assert misskey.lookup(client, ACCOUNT, token, later) is None
        misskey.post(client, ACCOUNT, token, replace(outgoing, key="again"), (), print)
        with pytest.raises(OutcomeUnknown, match="2 items"):
            misskey.lookup(client, ACCOUNT, token, outgoing)


def test_lookup_reads_past_a_full_page(fake: FakeMisskey, tmp_path: Path) -> None:
    token = creds(fake)
    outgoing = thread(tmp_path, "Needle", image_on=None)
    with fake.client() as client:
        sent = misskey.post(client, ACCOUNT, token, outgoing, (), print)
        for number in range(120):
            hay = thread(tmp_path, f"hay {number}", image_on=None)
            misskey.post(client, ACCOUNT, token, hay, (), print)
        found = misskey.lookup(client, ACCOUNT, token, outgoing)
    assert found is not None and found.id == sent.id
    pages = [r for r in fake.requests if r.url.path == "/api/users/notes"]
    assert len(pages) == 2 and b"untilId" in pages[1].content


def test_lookup_takes_recorded_parts_by_their_id(fake: FakeMisskey, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "Same", "Reply", image_on=None)
    token = creds(fake)
    with fake.client() as client:
        first = misskey.post(
            client, ACCOUNT, token, replace(outgoing, parts=outgoing.parts[:1]), (), print
        )
        # The same words again, by hand: words alone could not tell the two apart.
        misskey.post(
            client, ACCOUNT, token, replace(outgoing, key="x", parts=outgoing.parts[:1]), (), print
        )
        recorded = replace(outgoing, done=first.parts)
        found = misskey.lookup(client, ACCOUNT, token, recorded)
        assert found is not None and found.parts == first.parts  # the reply is not out
        fake.notes[:] = [n for n in fake.notes if n["id"] != first.id]  # deleted since
        assert misskey.lookup(client, ACCOUNT, token, recorded) is None
