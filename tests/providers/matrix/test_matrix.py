"""Matrix against the fake homeserver: what a real Synapse will not do on demand."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from providers import _http, matrix
from socialgit.errors import AuthRevoked, RateLimited, Rejected
from tests.providers._support import assert_secret_free, thread
from tests.providers.matrix.fake import PASSWORD, FakeHomeserver, matrix_account


def connected(fake: FakeHomeserver) -> dict[str, str]:
    with fake.client() as client:
        return dict(
            matrix.authenticate(client, matrix_account(), "", "", "", {"password": PASSWORD})
        )


def test_m_limit_exceeded_waits_retry_after_ms(tmp_path: Path) -> None:
    fake = FakeHomeserver()
    stored = connected(fake)
    body = {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests", "retry_after_ms": 1733}
    fake.queue.append(httpx.Response(429, json=body))
    with fake.client() as client, pytest.raises(RateLimited) as caught:
        matrix.post(
            client, matrix_account(), stored, thread(tmp_path, "x", image_on=None), (), print
        )
    assert caught.value.until is not None
    assert 1.0 < (caught.value.until - _http.now()).total_seconds() <= 1.8
    assert_secret_free(caught.value, stored["access_token"])


def test_a_room_that_refuses_the_bot_and_a_bad_homeserver_are_rejections(tmp_path: Path) -> None:
    fake = FakeHomeserver()
    stored = connected(fake)
    forbidden = {"errcode": "M_FORBIDDEN", "error": "User @bot:matrix.example not in room"}
    fake.queue.append(httpx.Response(403, json=forbidden))
    one = thread(tmp_path, "x", image_on=None)
    with fake.client() as client, pytest.raises(Rejected, match="not in room"):
        matrix.post(client, matrix_account(), stored, one, (), print)
    with fake.client() as client, pytest.raises(Rejected, match="https://"):
        matrix.post(
            client, matrix_account(homeserver="http://matrix.example"), stored, one, (), print
        )


def test_an_unknown_token_says_connect_and_the_password_is_never_stored() -> None:
    fake = FakeHomeserver()
    stored = connected(fake)
    assert set(stored) == {"access_token", "user_id", "device_id"}
    assert stored["device_id"] == matrix.DEVICE and PASSWORD not in str(stored)
    with fake.client() as client, pytest.raises(AuthRevoked, match="socialgit connect") as caught:
        matrix.whoami(client, matrix_account(), {"access_token": "syt_forged"})
    assert_secret_free(caught.value, "syt_forged")


def test_connect_asks_for_the_password_once_and_stores_the_token(tmp_path: Path) -> None:
    from socialgit.credentials.connect import connect
    from socialgit.credentials.vault import Vault, new_key

    fake = FakeHomeserver()
    key = new_key()
    vault = Vault.open(tmp_path, key)
    asked: list[str] = []

    def ask(prompt: str, optional: bool) -> str:
        asked.append(prompt)
        return PASSWORD

    with fake.client() as client:
        meta = connect(vault, matrix_account(), client, ask=ask, show=print)
    assert asked == [
        "team-matrix: Matrix account password (exchanged once for a token; not stored)"
    ]
    stored = Vault.open(tmp_path, key).get("team-matrix") or {}
    assert set(stored) == {"access_token", "user_id", "device_id"}
    assert meta["id"] == "@bot:matrix.example"


class Stop(Exception):
    pass


def test_lookup_gives_the_leading_parts_found_and_nothing_it_did_not_send(tmp_path: Path) -> None:
    fake = FakeHomeserver()
    stored = connected(fake)
    outgoing = thread(tmp_path, "One", "Two", "Three", image_on=None)

    def stop_after_first(ident: str) -> None:
        raise Stop(ident)

    with fake.client() as client:
        with pytest.raises(Stop):
            matrix.post(client, matrix_account(), stored, outgoing, (), stop_after_first)
        found = matrix.lookup(client, matrix_account(), stored, outgoing)
        assert found is not None and found.parts == (fake.events[0]["event_id"],)
        rest = matrix.post(client, matrix_account(), stored, outgoing, found.parts, print)
        again = matrix.lookup(client, matrix_account(), stored, outgoing)
    assert again is not None and again.parts == rest.parts and len(fake.events) == 3
    # Another delivery's look-up sees none of it: the txnIds carry the key.
    other = replace(outgoing, key="sg-other-key")
    with fake.client() as client:
        assert matrix.lookup(client, matrix_account(), stored, other) is None
