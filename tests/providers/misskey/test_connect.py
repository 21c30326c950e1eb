"""``socialgit connect`` for Misskey: MiAuth through the real loopback callback, the session
id standing for the state."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from socialgit.credentials.connect import connect
from socialgit.credentials.vault import Vault, new_key
from socialgit.errors import UsageError
from tests.providers._support import account
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
