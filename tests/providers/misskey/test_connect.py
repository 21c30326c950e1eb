"""``socialgit connect`` for Misskey: MiAuth through the real loopback callback, the session
id standing for the state; and the prompts a password network labels itself (Lemmy)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from socialgit.credentials.connect import connect
from socialgit.credentials.vault import Vault, new_key
from socialgit.errors import UsageError
from tests.providers._support import account
from tests.providers.lemmy.fake import FakeLemmy
from tests.providers.misskey.fake import FakeMisskey

MISSKEY = account("misskey", "notes", instance="https://misskey.example")


def _vault(tmp_path: Path) -> Vault:
    return Vault.open(tmp_path, key=new_key())


def test_miauth_connect_stores_the_checked_token(tmp_path: Path) -> None:
    fake = FakeMisskey()
    vault = _vault(tmp_path)
    shown: list[str] = []

    def browser(url: str) -> None:  # the person grants access; the instance calls back
        shown.append(url)
        with fake.client() as instance:
            back = instance.get(url).headers["location"]
        assert httpx.get(back).status_code == 200

    with fake.client() as client:
        meta = connect(vault, MISSKEY, client, ask=lambda *_: "", show=browser, timeout=10)
    assert meta["handle"] == "@alice@misskey.example" and meta["provider"] == "misskey"
    stored = vault.get("notes")
    assert stored is not None and stored["access_token"] in fake.tokens
    assert "/miauth/" in shown[0] and fake.sessions == {}  # the session was spent


def test_a_callback_for_another_session_is_refused(tmp_path: Path) -> None:
    fake = FakeMisskey()
    vault = _vault(tmp_path)

    def forged(url: str) -> None:
        callback = httpx.URL(url).params["callback"]
        httpx.get(callback, params={"session": "someone-elses"})

    with fake.client() as client, pytest.raises(UsageError, match="does not match"):
        connect(vault, MISSKEY, client, ask=lambda *_: "", show=forged, timeout=10)
    assert vault.get("notes") is None


def test_lemmy_asks_for_its_user_name_and_password_by_their_names(tmp_path: Path) -> None:
    fake = FakeLemmy()
    vault = _vault(tmp_path)
    lemmy = account("lemmy", "forum", instance=fake.base, community="news")
    answers = {"user name": "alice", "Password": "correct horse"}
    asked: list[str] = []

    def ask(prompt: str, optional: bool) -> str:
        asked.append(prompt)
        return next(value for label, value in answers.items() if label in prompt)

    with fake.client() as client:
        meta = connect(vault, lemmy, client, ask=ask, show=print, timeout=10)
    assert asked == ["forum: Lemmy user name (or email)", "forum: Password"]
    assert meta["handle"] == "@alice@lemmy.example"
    stored = vault.get("forum")
    assert stored is not None and stored["access_token"] in fake.logins
