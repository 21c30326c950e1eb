"""`socialgit connect` and `doctor` for a Nostr account, through the CLI, against the real
local relay: the key is asked for hidden, stored as hex, never shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from providers.nostr import event
from socialgit.credentials.vault import Vault, new_key
from tests.conftest import Repo
from tests.credentials.helpers import cli
from tests.providers.nostr.fake import SECRET
from tests.providers.nostr.relay_server import LocalRelay, free_port, serve


@pytest.fixture(scope="module")
def relay() -> Iterator[LocalRelay]:
    yield from serve()


def test_connect_asks_for_the_key_and_doctor_checks_the_relays(
    relay: LocalRelay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIALGIT_KEY", new_key())
    site = Repo(tmp_path)
    down = f"ws://127.0.0.1:{free_port()}"
    accounts = {
        "news": {"provider": "nostr", "relays": [relay.url, down]},
        "nowhere": {"provider": "nostr", "relays": [down]},
    }
    site.write("socialgit.yml", yaml.safe_dump({"timezone": "UTC", "accounts": accounts}))
    nsec = event.bech32_encode("nsec", bytes.fromhex(SECRET))
    npub = event.npub(event.public_key(bytes.fromhex(SECRET)))
    done = cli("-C", str(site.root), "connect", "news", stdin=nsec + "\n")
    assert done.code == 0, done.out + done.err
    assert "news: Nostr secret key (nsec1… or 64 hex digits):" in done.out
    assert nsec not in done.out + done.err and SECRET not in done.out + done.err
    assert Vault.open(site.root).get("news") == {"nsec": SECRET}
    wrong = cli("-C", str(site.root), "connect", "nowhere", stdin="nsec1notakey\n")
    assert wrong.code != 0 and "nsec1notakey" not in wrong.out + wrong.err
    assert "neither an nsec1" in wrong.out + wrong.err
    vault = Vault.open(site.root)
    vault.put("nowhere", {"nsec": SECRET})
    vault.save()
    doctor = cli("-C", str(site.root), "doctor")
    assert f"news: nostr: signed in as {npub}" in doctor.out, doctor.out
    assert "error    nowhere: none of the relays of account nowhere answered" in doctor.err
    assert SECRET not in doctor.out + doctor.err
