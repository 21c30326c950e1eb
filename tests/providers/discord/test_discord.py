"""Discord's webhook runtime against the local fake."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from providers import PROVIDERS, _http, discord
from socialgit.errors import (
    AuthRevoked,
    OutcomeUnknown,
    RateLimited,
    Rejected,
    Transient,
    Unsupported,
)
from tests.providers.discord.fake import (
    PNG,
    FakeDiscord,
    account,
    assert_secret_free,
    parse_multipart,
    thread,
)

ACCOUNT = account("discord", "team-discord", username="Release Bot")


@pytest.fixture
def fake() -> FakeDiscord:
    return FakeDiscord()


def creds(fake: FakeDiscord, **extra: str) -> dict[str, str]:
    return {"webhook_url": fake.url, **extra}


def secrets(fake: FakeDiscord) -> tuple[str, str]:
    return fake.url, fake.token


def test_thread_with_image_goes_out_as_messages(fake: FakeDiscord, tmp_path: Path) -> None:
    seen: list[str] = []
    outgoing = thread(tmp_path, "Launch day! @everyone", "More in the docs.", alt="our logo")
    with fake.client() as client:
        receipt = discord.post(client, ACCOUNT, creds(fake), outgoing, (), seen.append)

    assert [m.content for m in fake.messages] == ["Launch day! @everyone", "More in the docs."]
    assert seen == [m.id for m in fake.messages] == list(receipt.parts)
    assert receipt.id == fake.messages[0].id
    assert receipt.url == (
        f"https://discord.com/channels/{fake.guild_id}/{fake.channel_id}/{receipt.id}"
    )
    assert fake.pinged == []  # allowed_mentions kept @everyone silent
    posts = [r for r in fake.requests if r.method == "POST"]
    assert all(r.url.params["wait"] == "true" for r in posts)
    # The image part is multipart: files[0] plus payload_json with the alt as description.
    fields = parse_multipart(posts[0])
    assert fields["files[0]"] == ("dot.png", "image/png", PNG)
    payload = json.loads(fields["payload_json"][2])
    assert payload["attachments"] == [{"id": 0, "filename": "dot.png", "description": "our logo"}]
    assert payload["allowed_mentions"] == {"parse": []}
    assert payload["username"] == "Release Bot"
    # The text part is plain JSON.
    assert posts[1].headers["content-type"] == "application/json"
    assert json.loads(posts[1].content)["allowed_mentions"] == {"parse": []}


def test_authenticate_keeps_the_ids_links_need(fake: FakeDiscord, tmp_path: Path) -> None:
    with fake.client() as client:
        stored = discord.authenticate(client, ACCOUNT, "", "", "", creds(fake))
        assert stored == creds(fake, guild_id=fake.guild_id, channel_id=fake.channel_id)
        fake.requests.clear()
        receipt = discord.post(client, ACCOUNT, stored, thread(tmp_path, "hi"), (), print)
    assert [r.method for r in fake.requests] == ["POST"]  # no second look at the webhook
    assert receipt.url is not None and fake.guild_id in receipt.url


def test_resume_sends_only_what_is_not_done(fake: FakeDiscord, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "one", "two", "three")
    with fake.client() as client:
        receipt = discord.post(client, ACCOUNT, creds(fake), outgoing, ("111", "222"), print)
    assert [m.content for m in fake.messages] == ["three"]
    assert receipt.parts == ("111", "222", fake.messages[0].id)
    assert receipt.id == "111"


def test_whoami_and_the_no_op_credential_operations(fake: FakeDiscord) -> None:
    with fake.client() as client:
        who = discord.whoami(client, ACCOUNT, creds(fake))
        assert PROVIDERS["discord"].refresh_token(client, ACCOUNT, creds(fake)) == creds(fake)
    assert who["id"] == fake.webhook_id and who["name"] == "announcements-hook"
    assert PROVIDERS["discord"].expires_at(creds(fake)) is None
    assert discord.AUTH == "webhook"
    with pytest.raises(Unsupported):
        discord.generate_auth_url(ACCOUNT, "http://localhost/cb", "state", "challenge")


def test_lookup_cannot_tell(fake: FakeDiscord, tmp_path: Path) -> None:
    with fake.client() as client, pytest.raises(OutcomeUnknown) as caught:
        discord.lookup(client, ACCOUNT, creds(fake), thread(tmp_path, "hi"))
    assert "by hand" in str(caught.value)


def test_deleted_webhook_says_to_reconnect(fake: FakeDiscord, tmp_path: Path) -> None:
    fake.deleted = True
    with fake.client() as client, pytest.raises(AuthRevoked) as caught:
        discord.post(client, ACCOUNT, creds(fake), thread(tmp_path, "hi"), (), print)
    assert "webhook was deleted: socialgit connect team-discord" in str(caught.value)
    assert_secret_free(caught.value, *secrets(fake))


def test_wrong_token_is_revoked(fake: FakeDiscord, tmp_path: Path) -> None:
    stale = {"webhook_url": fake.url.replace(fake.token, "old-token-value")}
    with fake.client() as client, pytest.raises(AuthRevoked) as caught:
        discord.whoami(client, ACCOUNT, stale)
    assert_secret_free(caught.value, stale["webhook_url"], "old-token-value")


def test_malformed_webhook_url_is_not_echoed() -> None:
    with pytest.raises(AuthRevoked) as caught:
        discord.whoami(httpx.Client(), ACCOUNT, {"webhook_url": "https://example.com/hook/s3cr3t"})
    assert_secret_free(caught.value, "s3cr3t")


@pytest.mark.parametrize(
    ("answer", "seconds"),
    [
        (FakeDiscord.rate_limit(42.5), 42.5),
        (FakeDiscord.rate_limit(30.0, body=False), 30),  # Retry-After alone
        (FakeDiscord.rate_limit(64.2, header=False, is_global=True), 64.2),  # body alone
    ],
)
def test_long_rate_limit_defers(
    fake: FakeDiscord, tmp_path: Path, answer: httpx.Response, seconds: float
) -> None:
    fake.queue.append(answer)
    before = _http.now()
    with fake.client() as client, pytest.raises(RateLimited) as caught:
        discord.post(client, ACCOUNT, creds(fake, guild_id="1"), thread(tmp_path, "hi"), (), print)
    assert caught.value.until is not None
    assert caught.value.until - before >= timedelta(seconds=seconds - 0.01)
    assert caught.value.until - before < timedelta(seconds=seconds + 5)
    assert fake.messages == []
    assert_secret_free(caught.value, *secrets(fake))


def test_a_spent_bucket_stops_before_the_next_part(fake: FakeDiscord, tmp_path: Path) -> None:
    fake.bucket_size = 1  # after one message, Remaining: 0 and Reset-After: 1.5
    seen: list[str] = []
    outgoing = thread(tmp_path, "a", "b", "c")
    with fake.client() as client:
        before = _http.now()
        with pytest.raises(RateLimited) as caught:
            discord.post(client, ACCOUNT, creds(fake), outgoing, (), seen.append)
        # The first part is out and recorded; the runner waits, then resumes after it.
        assert len(seen) == 1 and len(fake.messages) == 1
        assert caught.value.until is not None
        assert timedelta(seconds=1.4) < caught.value.until - before < timedelta(seconds=3)
        fake.reset_bucket()
        fake.bucket_size = 5
        receipt = discord.post(client, ACCOUNT, creds(fake), outgoing, tuple(seen), seen.append)
    assert receipt.parts == tuple(seen) == tuple(m.id for m in fake.messages)
    assert [m.content for m in fake.messages] == ["a", "b", "c"]


def test_a_spent_bucket_after_the_last_part_does_not_fail_it(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    fake.bucket_size = 1
    seen: list[str] = []
    with fake.client() as client:
        receipt = discord.post(client, ACCOUNT, creds(fake), thread(tmp_path, "a"), (), seen.append)
    assert seen == list(receipt.parts)


def test_validation_error_is_rejected_with_discords_reason(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    fake.content_max = 5  # a server stricter than our own check, to see its 50035
    with fake.client() as client, pytest.raises(Rejected) as caught:
        discord.post(client, ACCOUNT, creds(fake), thread(tmp_path, "too long"), (), print)
    assert "content: Must be 5 or fewer in length." in str(caught.value)
    assert_secret_free(caught.value, *secrets(fake))


def test_over_long_text_is_refused_before_sending(fake: FakeDiscord, tmp_path: Path) -> None:
    with fake.client() as client, pytest.raises(Rejected):
        discord.post(client, ACCOUNT, creds(fake), thread(tmp_path, "x" * 2001), (), print)
    assert fake.messages == []


def test_request_too_large_is_rejected(fake: FakeDiscord, tmp_path: Path) -> None:
    too_large = {"message": "Request entity too large", "code": 40005}
    fake.queue.append(httpx.Response(413, json=too_large))
    with fake.client() as client, pytest.raises(Rejected):
        discord.post(client, ACCOUNT, creds(fake, guild_id="1"), thread(tmp_path, "a"), (), print)


def _failing(exc: Callable[[httpx.Request], Exception]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"id": "1", "guild_id": "2", "channel_id": "3"})
        raise exc(request)

    return httpx.Client(transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (lambda r: httpx.ReadTimeout(f"timed out reading {r.url}", request=r), OutcomeUnknown),
        (lambda r: httpx.RemoteProtocolError(f"closed {r.url}", request=r), OutcomeUnknown),
        (lambda r: httpx.ConnectError(f"refused {r.url}", request=r), Transient),
    ],
)
def test_network_faults_are_translated_without_the_url(
    fake: FakeDiscord,
    tmp_path: Path,
    exc: Callable[[httpx.Request], Exception],
    expected: type[Exception],
) -> None:
    with _failing(exc) as client, pytest.raises(expected) as caught:
        discord.post(client, ACCOUNT, creds(fake), thread(tmp_path, "hi"), (), print)
    assert "Discord webhook message" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert_secret_free(caught.value, *secrets(fake))


def test_server_error_is_transient(fake: FakeDiscord, tmp_path: Path) -> None:
    fake.queue.append(httpx.Response(502, text="<html>Bad gateway</html>"))
    with fake.client() as client, pytest.raises(Transient):
        discord.post(client, ACCOUNT, creds(fake, guild_id="1"), thread(tmp_path, "a"), (), print)


def test_httpx_log_lines_do_not_carry_the_webhook_token(
    fake: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    with fake.client() as client:
        discord.post(client, ACCOUNT, creds(fake), thread(tmp_path, "hi"), (), print)
    assert "HTTP Request: POST" in caplog.text
    assert fake.token not in caplog.text
