"""Slack's runtime, webhook and bot token, against the local fake."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import _http, slack
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
    Unsupported,
)
from tests.providers._support import account, assert_secret_free, thread
from tests.providers.slack.fake import Channel, FakeSlack

BOT = account("slack", "team-slack", channel="C0GENERAL1")
HOOK = account("slack", "team-slack-hook")


@pytest.fixture
def fake() -> FakeSlack:
    return FakeSlack()


def hook(fake: FakeSlack) -> dict[str, str]:
    return {"webhook_url": fake.webhook_url}


def bot(fake: FakeSlack, **extra: str) -> dict[str, str]:
    return {"bot_token": fake.bot_token, **extra}


def text_thread(tmp: Path, *texts: str) -> Any:
    return thread(tmp, *texts, image_on=None)


# -- incoming webhook --------------------------------------------------------------------


def test_webhook_posts_each_part_and_keys_stand_in_for_ids(fake: FakeSlack, tmp_path: Path) -> None:
    seen: list[str] = []
    outgoing = text_thread(tmp_path, "<!channel> Launch & more", "second")
    with fake.client() as client:
        receipt = slack.post(client, HOOK, hook(fake), outgoing, (), seen.append)
    assert [m["text"] for m in fake.hook_messages] == [
        "&lt;!channel&gt; Launch &amp; more",  # cannot ping, shows as written
        "second",
    ]
    assert receipt.id == outgoing.key and receipt.url is None
    assert receipt.parts == (outgoing.key, f"{outgoing.key}#2") == tuple(seen)
    assert all(r.headers["content-type"] == "application/json" for r in fake.requests)


def test_webhook_resumes_after_done_parts(fake: FakeSlack, tmp_path: Path) -> None:
    outgoing = text_thread(tmp_path, "one", "two")
    with fake.client() as client:
        receipt = slack.post(client, HOOK, hook(fake), outgoing, (outgoing.key,), print)
    assert [m["text"] for m in fake.hook_messages] == ["two"]
    assert receipt.parts == (outgoing.key, f"{outgoing.key}#2")


def test_webhook_whoami_checks_without_posting(fake: FakeSlack) -> None:
    with fake.client() as client:
        assert slack.whoami(client, HOOK, hook(fake)) == {
            "id": "T0TEAM/B0HOOK",
            "name": "incoming webhook",
        }
        assert slack.authenticate(client, HOOK, "", "", "", hook(fake)) == hook(fake)
    assert fake.hook_messages == []


@pytest.mark.parametrize(
    ("state", "error", "words"),
    [
        ("no_service", AuthRevoked, "socialgit connect team-slack-hook"),
        ("channel_is_archived", Rejected, "archived"),
        ("action_prohibited", Rejected, "admin restricted"),
    ],
)
def test_webhook_errors_are_classified(
    fake: FakeSlack, tmp_path: Path, state: str, error: type[ProviderError], words: str
) -> None:
    fake.hook_state = state
    with fake.client() as client, pytest.raises(error) as caught:
        slack.post(client, HOOK, hook(fake), text_thread(tmp_path, "hi"), (), print)
    assert words in str(caught.value)
    assert_secret_free(caught.value, fake.webhook_url, fake.hook_secret)


def test_webhook_with_a_wrong_secret_is_revoked(fake: FakeSlack) -> None:
    wrong = {"webhook_url": fake.webhook_url.replace(fake.hook_secret, "nopeSECRET")}
    with fake.client() as client, pytest.raises(AuthRevoked) as caught:
        slack.whoami(client, HOOK, wrong)
    assert_secret_free(caught.value, wrong["webhook_url"], "nopeSECRET")


def test_webhook_rate_limit_and_server_error(fake: FakeSlack, tmp_path: Path) -> None:
    fake.queue += [
        httpx.Response(429, text="rate_limited", headers={"Retry-After": "30"}),
        httpx.Response(500, text="rollup_error"),
    ]
    before = _http.now()
    with fake.client() as client:
        with pytest.raises(RateLimited) as limited:
            slack.post(client, HOOK, hook(fake), text_thread(tmp_path, "hi"), (), print)
        with pytest.raises(Transient) as failed:
            slack.post(client, HOOK, hook(fake), text_thread(tmp_path, "hi"), (), print)
    assert limited.value.until is not None
    assert limited.value.until - before >= timedelta(seconds=30)
    for caught in (limited, failed):
        assert_secret_free(caught.value, fake.webhook_url, fake.hook_secret)


def test_webhook_lookup_cannot_tell(fake: FakeSlack, tmp_path: Path) -> None:
    with fake.client() as client, pytest.raises(OutcomeUnknown):
        slack.lookup(client, HOOK, hook(fake), text_thread(tmp_path, "hi"))


def test_media_is_unsupported_before_anything_is_sent(fake: FakeSlack, tmp_path: Path) -> None:
    with fake.client() as client, pytest.raises(Unsupported):
        slack.post(client, BOT, bot(fake), thread(tmp_path, "hi"), (), print)
    assert fake.requests == []


# -- bot token -----------------------------------------------------------------------------


def test_bot_threads_replies_under_the_first_message(fake: FakeSlack, tmp_path: Path) -> None:
    seen: list[str] = []
    named = account("slack", "team-slack", channel="#general")  # a name works for posting
    outgoing = text_thread(tmp_path, "first <@U123>", "second")
    with fake.client() as client:
        receipt = slack.post(client, named, bot(fake), outgoing, (), seen.append)
    first, second = fake.messages
    assert first.text == "first &lt;@U123&gt;"
    assert (first.thread_ts, second.thread_ts) == (None, first.ts)
    assert receipt.parts == (first.ts, second.ts) == tuple(seen)
    assert (
        receipt.url == f"https://example.slack.com/archives/C0GENERAL1/p{first.ts.replace('.', '')}"
    )
    assert first.metadata == {
        "event_type": "socialgit_delivery",
        "event_payload": {"key": outgoing.key, "part": 1},
    }
    posts = [r for r in fake.requests if r.url.path.endswith("chat.postMessage")]
    assert all(r.headers["authorization"] == f"Bearer {fake.bot_token}" for r in posts)
    assert fake.warnings == []  # JSON declared with its charset


def test_bot_resume_replies_to_the_recorded_first_part(fake: FakeSlack, tmp_path: Path) -> None:
    with fake.client() as client:
        first = slack.post(client, BOT, bot(fake), text_thread(tmp_path, "one"), (), print)
        outgoing = text_thread(tmp_path, "one", "two")
        receipt = slack.post(client, BOT, bot(fake), outgoing, first.parts, print)
    assert fake.messages[1].thread_ts == first.id
    assert receipt.parts == (first.id, fake.messages[1].ts)


@pytest.mark.parametrize(
    ("setup", "error", "words"),
    [
        (lambda f: setattr(f, "revoked", True), AuthRevoked, "socialgit connect team-slack"),
        (lambda f: setattr(f, "bot_token", "xoxb-other"), AuthRevoked, "invalid_auth"),
        (lambda f: setattr(f, "expired", True), AuthExpired, "expired"),
        (
            lambda f: f.channels.update(C0GENERAL1=Channel("C0GENERAL1", "general", False)),
            Rejected,
            "invite the bot to the channel",
        ),
        (
            lambda f: f.channels.update(C0GENERAL1=Channel("C0GENERAL1", "general", True, True)),
            Rejected,
            "archived",
        ),
        (lambda f: f.channels.clear(), Rejected, "set `channel:` to the channel id"),
        (lambda f: f.queue.append(FakeSlack.rate_limit(45)), RateLimited, "rate limited"),
        (
            lambda f: f.queue.append(
                httpx.Response(200, json={"ok": False, "error": "internal_error"})
            ),
            OutcomeUnknown,
            "may be out",
        ),
        (lambda f: f.queue.append(httpx.Response(503)), Transient, "503"),
    ],
)
def test_bot_errors_are_classified(
    fake: FakeSlack, tmp_path: Path, setup: Any, error: type[ProviderError], words: str
) -> None:
    token = fake.bot_token
    setup(fake)
    with fake.client() as client, pytest.raises(error) as caught:
        slack.post(client, BOT, {"bot_token": token}, text_thread(tmp_path, "hi"), (), print)
    assert words in str(caught.value)
    assert_secret_free(caught.value, token)


def test_bot_message_too_long_is_rejected(fake: FakeSlack, tmp_path: Path) -> None:
    with fake.client() as client, pytest.raises(Rejected, match="too long"):
        slack.post(client, BOT, bot(fake), text_thread(tmp_path, "x" * 40001), (), print)


def test_bot_without_a_channel_setting_is_rejected(fake: FakeSlack, tmp_path: Path) -> None:
    with fake.client() as client, pytest.raises(Rejected, match="channel:"):
        slack.post(client, HOOK, bot(fake), text_thread(tmp_path, "hi"), (), print)
    assert fake.requests == []


def test_bot_timeout_after_sending_is_in_doubt(tmp_path: Path) -> None:
    token = "xoxb-SECRET-timeout"

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout(f"timed out {request.headers}", request=request)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    with client, pytest.raises(OutcomeUnknown) as caught:
        slack.post(client, BOT, {"bot_token": token}, text_thread(tmp_path, "a"), (), print)
    assert "Slack chat.postMessage" in str(caught.value)
    assert_secret_free(caught.value, token)


# -- look-up -------------------------------------------------------------------------------


def test_lookup_finds_the_delivery_by_its_key(fake: FakeSlack, tmp_path: Path) -> None:
    fake.page_size = 1  # every page holds one message: the look-up must follow cursors
    outgoing = text_thread(tmp_path, "same words", "tail")
    with fake.client() as client:
        slack.post(client, BOT, bot(fake), outgoing, (), print)
        # A later post with the same text and another key must not be taken for it.
        slack.post(client, BOT, bot(fake), replace(outgoing, key="sg-later"), (), print)
        receipt = slack.lookup(client, BOT, bot(fake), outgoing)
    assert receipt is not None
    assert receipt.parts == (fake.messages[0].ts, fake.messages[1].ts)
    assert receipt.url is not None and receipt.url.endswith(fake.messages[0].ts.replace(".", ""))


def test_lookup_tells_apart_keys_with_the_same_text(fake: FakeSlack, tmp_path: Path) -> None:
    outgoing = text_thread(tmp_path, "same words")
    later = replace(outgoing, key="sg-other")
    with fake.client() as client:
        slack.post(client, BOT, bot(fake), later, (), print)
        assert slack.lookup(client, BOT, bot(fake), outgoing) is None


def test_lookup_of_a_partial_thread_cannot_tell(fake: FakeSlack, tmp_path: Path) -> None:
    # The runner records any Receipt as published, and None would resend parts that may
    # already be there: a thread cut short is for a person to finish.
    outgoing = text_thread(tmp_path, "one", "two", "three")
    with fake.client() as client:
        slack.post(client, BOT, bot(fake), text_thread(tmp_path, "one", "two"), (), print)
        with pytest.raises(OutcomeUnknown, match="only 2 of the 3 parts"):
            slack.lookup(client, BOT, bot(fake), outgoing)


@pytest.mark.parametrize(
    ("where", "setup"),
    [
        (BOT, lambda f: f.scopes.discard("channels:history")),
        (account("slack", "named", channel="#general"), lambda f: None),
    ],
)
def test_lookup_says_when_it_cannot_tell(
    fake: FakeSlack, tmp_path: Path, where: Any, setup: Any
) -> None:
    setup(fake)
    with fake.client() as client, pytest.raises(OutcomeUnknown):
        slack.lookup(client, where, bot(fake), text_thread(tmp_path, "hi"))


# -- credentials -----------------------------------------------------------------------------


def test_bot_whoami_and_authenticate(fake: FakeSlack) -> None:
    with fake.client() as client:
        assert slack.whoami(client, BOT, bot(fake))["id"] == "U0BOT"
        both = {**bot(fake), **hook(fake), "junk": "x"}
        assert slack.authenticate(client, BOT, "", "", "", both) == bot(fake)
    assert slack.AUTH == "token"
    with pytest.raises(Unsupported):
        slack.generate_auth_url(BOT, "http://localhost/cb", "s", "c")


def test_without_rotation_nothing_expires_or_changes(fake: FakeSlack) -> None:
    with fake.client() as client:
        assert slack.refresh_token(client, BOT, bot(fake)) == bot(fake)
        assert slack.refresh_token(client, HOOK, hook(fake)) == hook(fake)
    assert slack.expires_at(bot(fake)) is None
    assert fake.requests == []


def test_rotation_trades_the_refresh_token_once(fake: FakeSlack) -> None:
    fake.refresh = "xoxe-1-REFRESH0"
    creds = bot(
        fake,
        refresh_token="xoxe-1-REFRESH0",
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        expires_at="2024-05-01T09:00:00+00:00",
    )
    assert slack.expires_at(creds) is not None
    with fake.client() as client:
        fresh = slack.refresh_token(client, BOT, creds)
        assert fresh["bot_token"] == fake.bot_token != creds["bot_token"]
        assert fresh["refresh_token"] == fake.refresh
        expiry = slack.expires_at(fresh)
        assert expiry is not None and expiry > _http.now() + timedelta(hours=11)
        form = fake.requests[-1].content.decode()
        assert "grant_type=refresh_token" in form
        with pytest.raises(AuthRevoked) as caught:  # the old one is spent
            slack.refresh_token(client, BOT, creds)
    assert_secret_free(caught.value, "xoxe-1-REFRESH0", fake.client_secret)
    assert json.loads(json.dumps(fresh)) == fresh  # storable as is
