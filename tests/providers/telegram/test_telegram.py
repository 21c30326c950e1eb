"""Telegram's Bot API runtime against the local fake."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import PROVIDERS, _http, telegram
from providers.base import OutgoingMedia, OutgoingPart
from socialgit.errors import (
    AuthRevoked,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
    Unsupported,
)
from tests.providers.discord.fake import PNG, account, assert_secret_free, thread
from tests.providers.telegram.fake import Chat, FakeTelegram

ACCOUNT = account("telegram", "team-telegram", chat="@releasenotes")


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()


def creds(fake: FakeTelegram) -> dict[str, str]:
    return {"bot_token": fake.token}


def test_thread_with_photo_replies_part_to_part(fake: FakeTelegram, tmp_path: Path) -> None:
    seen: list[str] = []
    outgoing = thread(tmp_path, "Launch 🚀", "Details", "More")
    with fake.client() as client:
        receipt = telegram.post(client, ACCOUNT, creds(fake), outgoing, (), seen.append)
    first, second, third = fake.messages
    assert first["caption"] == "Launch 🚀" and "photo" in first
    assert fake.uploads == [("dot.png", "image/png", PNG)]
    assert second["text"] == "Details"
    assert second["reply_to_message"]["message_id"] == first["message_id"]
    assert third["reply_to_message"]["message_id"] == second["message_id"]
    assert receipt.parts == tuple(str(m["message_id"]) for m in fake.messages) == tuple(seen)
    assert receipt.url == f"https://t.me/releasenotes/{first['message_id']}"
    photo, text = fake.requests[0], fake.requests[1]
    assert photo.url.path.endswith("/sendPhoto")
    assert photo.headers["content-type"].startswith("multipart/form-data")
    assert text.headers["content-type"] == "application/json"
    assert json.loads(text.content)["reply_parameters"]["message_id"] == first["message_id"]


def test_album_puts_the_caption_on_its_first_item(fake: FakeTelegram, tmp_path: Path) -> None:
    image = tmp_path / "b.png"
    image.write_bytes(PNG)
    two = tuple(
        OutgoingMedia(path=f"media/{n}.png", file=image, mime="image/png", alt="")
        for n in ("a", "b")
    )
    outgoing = replace(thread(tmp_path, "x"), parts=(OutgoingPart("Album", two),))
    with fake.client() as client:
        receipt = telegram.post(client, ACCOUNT, creds(fake), outgoing, (), print)
    assert [m.get("caption") for m in fake.messages] == ["Album", None]
    assert len({m["media_group_id"] for m in fake.messages}) == 1
    assert receipt.parts == (str(fake.messages[0]["message_id"]),)
    assert fake.requests[0].url.path.endswith("/sendMediaGroup")


def test_private_channel_link_drops_the_minus_100(fake: FakeTelegram, tmp_path: Path) -> None:
    fake.chats = [Chat(-1009876543210, username=None)]
    private = account("telegram", "private", chat="-1009876543210")
    with fake.client() as client:
        receipt = telegram.post(client, private, creds(fake), thread(tmp_path, "hi"), (), print)
    assert receipt.url == f"https://t.me/c/9876543210/{receipt.id}"


def test_basic_group_has_no_public_link(fake: FakeTelegram, tmp_path: Path) -> None:
    fake.chats = [Chat(-4001, type="group", username=None)]
    group = account("telegram", "group", chat=-4001)
    with fake.client() as client:
        receipt = telegram.post(client, group, creds(fake), thread(tmp_path, "hi"), (), print)
    assert receipt.url is None


def test_resume_replies_to_the_last_done_part(fake: FakeTelegram, tmp_path: Path) -> None:
    with fake.client() as client:
        first = telegram.post(client, ACCOUNT, creds(fake), thread(tmp_path, "one"), (), print)
        outgoing = thread(tmp_path, "one", "two", image_on=None)
        receipt = telegram.post(client, ACCOUNT, creds(fake), outgoing, first.parts, print)
    assert fake.messages[1]["reply_to_message"]["message_id"] == int(first.id)
    assert receipt.id == first.id and len(receipt.parts) == 2
    assert receipt.url == f"https://t.me/releasenotes/{first.id}"


def test_whoami_authenticate_and_no_ops(fake: FakeTelegram) -> None:
    with fake.client() as client:
        who = telegram.whoami(client, ACCOUNT, creds(fake))
        stored = telegram.authenticate(client, ACCOUNT, "", "", "", {**creds(fake), "x": "y"})
        assert PROVIDERS["telegram"].refresh_token(client, ACCOUNT, stored) == creds(fake)
    assert who == {
        "id": "123456789",
        "name": "notes_bot",
        "chat_id": "-1001234567890",
        "chat": "Release notes",
    }
    assert stored == creds(fake)
    assert PROVIDERS["telegram"].expires_at(stored) is None
    assert telegram.AUTH == "token"
    with pytest.raises(Unsupported):
        telegram.generate_auth_url(ACCOUNT, "http://localhost/cb", "s", "c")


def test_lookup_cannot_tell(fake: FakeTelegram, tmp_path: Path) -> None:
    with fake.client() as client, pytest.raises(OutcomeUnknown):
        telegram.lookup(client, ACCOUNT, creds(fake), thread(tmp_path, "hi"))


def _kick(fake: FakeTelegram) -> None:
    fake.chats[0].kicked = True


def _migrate(fake: FakeTelegram) -> None:
    fake.chats[0].migrated_to = -1005555


@pytest.mark.parametrize(
    ("setup", "error", "words"),
    [
        (lambda f: setattr(f, "token", "999:OTHER"), AuthRevoked, "socialgit connect"),
        (_kick, AuthRevoked, "add the bot back as an admin"),
        (lambda f: f.chats.clear(), Rejected, "chat not found"),
        (_migrate, Rejected, "set `chat:` to -1005555"),
        (lambda f: f.queue.append(FakeTelegram.rate_limit(17)), RateLimited, "retry after 17"),
        (lambda f: f.queue.append(httpx.Response(502, text="Bad Gateway")), Transient, "502"),
    ],
)
def test_errors_are_classified_and_never_show_the_token(
    fake: FakeTelegram,
    tmp_path: Path,
    setup: Callable[[FakeTelegram], Any],
    error: type[ProviderError],
    words: str,
) -> None:
    token = fake.token
    setup(fake)
    with fake.client() as client, pytest.raises(error) as caught:
        telegram.post(client, ACCOUNT, {"bot_token": token}, thread(tmp_path, "hi"), (), print)
    assert words in str(caught.value)
    assert_secret_free(caught.value, token)


def test_rate_limit_until_follows_retry_after(fake: FakeTelegram, tmp_path: Path) -> None:
    fake.queue.append(FakeTelegram.rate_limit(17))
    before = _http.now()
    with fake.client() as client, pytest.raises(RateLimited) as caught:
        telegram.post(client, ACCOUNT, creds(fake), thread(tmp_path, "hi"), (), print)
    assert caught.value.until is not None
    assert timedelta(seconds=17) <= caught.value.until - before < timedelta(seconds=20)


def test_over_long_caption_is_refused_before_sending(fake: FakeTelegram, tmp_path: Path) -> None:
    with fake.client() as client, pytest.raises(Rejected, match="1024"):
        telegram.post(client, ACCOUNT, creds(fake), thread(tmp_path, "😀" * 513), (), print)
    assert fake.requests == []


def test_telegrams_own_length_check_is_rejected(fake: FakeTelegram, tmp_path: Path) -> None:
    fake.queue.append(
        httpx.Response(
            400,
            json={
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message is too long",
            },
        )
    )
    with fake.client() as client, pytest.raises(Rejected, match="message is too long"):
        telegram.post(client, ACCOUNT, creds(fake), thread(tmp_path, "hi"), (), print)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (lambda r: httpx.ReadTimeout(f"read timed out on {r.url}", request=r), OutcomeUnknown),
        (lambda r: httpx.WriteTimeout(f"write timed out on {r.url}", request=r), OutcomeUnknown),
        (lambda r: httpx.ConnectError(f"cannot reach {r.url}", request=r), Transient),
        (lambda r: httpx.ConnectTimeout(f"slow {r.url}", request=r), Transient),
    ],
)
def test_network_faults_name_the_method_only(
    tmp_path: Path, exc: Callable[[httpx.Request], Exception], expected: type[Exception]
) -> None:
    token = "555:SECRET-in-the-path"

    def handler(request: httpx.Request) -> httpx.Response:
        raise exc(request)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    with client, pytest.raises(expected) as caught:
        telegram.post(client, ACCOUNT, {"bot_token": token}, thread(tmp_path, "hi"), (), print)
    assert str(caught.value).startswith("Telegram sendPhoto:")
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert_secret_free(caught.value, token)


def test_reads_that_time_out_are_transient(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    with client, pytest.raises(Transient):
        telegram.whoami(client, ACCOUNT, {"bot_token": "1:x"})


def test_httpx_log_lines_do_not_carry_the_token(
    fake: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with fake.client() as client:
        telegram.post(client, ACCOUNT, creds(fake), thread(tmp_path, "hi", "there"), (), print)
    assert "/bot***/sendPhoto" in caplog.text
    assert fake.token not in caplog.text
