"""The Nostr provider against a real relay on loopback (rust-nostr's LocalRelay).

What the relay stores is read back over the wire (REQ), and every event is checked the way
a client checks it: the id is the hash of its content, the signature the author's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import nostr
from providers.base import Outgoing
from providers.nostr import event
from providers.nostr.relay import check_url
from socialgit.errors import AuthRevoked, Rejected, Transient
from tests.providers._support import PNG, thread
from tests.providers.nostr.fake import BLOSSOM, SECRET, FakeBlossom, nostr_account
from tests.providers.nostr.relay_server import LocalRelay, free_port, serve

NSEC = event.bech32_encode("nsec", bytes.fromhex(SECRET))
PUBKEY = event.public_key(bytes.fromhex(SECRET))


@pytest.fixture(scope="module")
def relay() -> Iterator[LocalRelay]:
    yield from serve()


@pytest.fixture
def blossom() -> Iterator[tuple[FakeBlossom, httpx.Client]]:
    fake = FakeBlossom()
    with fake.client() as client:
        yield fake, client


def prepared(client: httpx.Client, account: Any, outgoing: Outgoing) -> Outgoing:
    made = nostr.prepare(client, account, {"nsec": NSEC}, outgoing)
    return replace(outgoing, prepared=made)


def tags(ev: dict[str, Any], name: str) -> list[list[str]]:
    return [t for t in ev["tags"] if t[0] == name]


def test_a_thread_with_an_image_is_stored_signed_and_linked_as_nip10_and_nip92_say(
    relay: LocalRelay, blossom: tuple[FakeBlossom, httpx.Client], tmp_path: Path
) -> None:
    fake, client = blossom
    account = nostr_account(relay.url, blossom=BLOSSOM)
    texts = ("Launch day: socialgit 1.0", "What changed", "Thanks for reading")
    outgoing = prepared(client, account, thread(tmp_path, *texts, alt="A red dot"))
    seen: list[str] = []
    receipt = nostr.post(client, account, {"nsec": NSEC}, outgoing, (), seen.append)
    assert seen == list(receipt.parts) and len(seen) == 3
    stored = {ev["id"]: ev for ev in relay.read(ids=seen)}
    root, second, third = (stored[i] for i in seen)
    assert all(
        event.verify(ev) and ev["pubkey"] == PUBKEY and ev["kind"] == 1 for ev in stored.values()
    )
    # The image: uploaded to Blossom, its URL in the text, one imeta tag with the alt text.
    (blob,) = fake.blobs
    url = f"{BLOSSOM}/{blob}.png"
    assert root["content"] == f"Launch day: socialgit 1.0\n{url}"
    assert tags(root, "imeta") == [
        ["imeta", f"url {url}", "m image/png", f"x {blob}", "alt A red dot"]
    ]
    assert fake.blobs[blob] == PNG
    # NIP-10: a direct reply to the root names only the root; deeper ones root and parent.
    assert tags(root, "e") == []
    assert tags(second, "e") == [["e", root["id"], relay.url, "root", PUBKEY]]
    assert tags(third, "e") == [
        ["e", root["id"], relay.url, "root", PUBKEY],
        ["e", second["id"], relay.url, "reply", PUBKEY],
    ]
    assert tags(third, "p") == [["p", PUBKEY]]
    assert root["created_at"] < second["created_at"] < third["created_at"]
    # NIP-19: the link names the root with the relay that took it and the author.
    kind, data = event.bech32_decode(receipt.url.removeprefix("https://njump.me/")) or ("", b"")
    assert kind == "nevent" and data[2:34].hex() == root["id"]
    assert relay.url.encode() in data and bytes.fromhex(PUBKEY) in data
    assert receipt.details == {"relays": {relay.url: "accepted"}}


def test_sending_the_recorded_events_again_is_a_duplicate_and_counts(
    relay: LocalRelay, tmp_path: Path
) -> None:
    account = nostr_account(relay.url)
    outgoing = prepared(httpx.Client(), account, thread(tmp_path, "Once", "Twice?", image_on=None))
    first = nostr.post(httpx.Client(), account, {"nsec": NSEC}, outgoing, (), lambda _: None)
    again = nostr.post(httpx.Client(), account, {"nsec": NSEC}, outgoing, (), lambda _: None)
    assert again.parts == first.parts
    assert len(relay.read(authors=[PUBKEY], ids=list(first.parts))) == 2
    found = nostr.lookup(httpx.Client(), account, {"nsec": NSEC}, outgoing)
    assert found is not None and found.parts == first.parts


def test_a_relay_that_is_down_does_not_stop_the_delivery_and_the_results_name_it(
    relay: LocalRelay, tmp_path: Path
) -> None:
    down = f"ws://127.0.0.1:{free_port()}"
    account = nostr_account(down, relay.url)
    outgoing = prepared(
        httpx.Client(), account, thread(tmp_path, "One relay is enough", image_on=None)
    )
    receipt = nostr.post(httpx.Client(), account, {"nsec": NSEC}, outgoing, (), lambda _: None)
    assert receipt.details["relays"][relay.url] == "accepted"
    assert receipt.details["relays"][down].startswith("failed: could not connect")
    assert relay.read(ids=list(receipt.parts))
    # With a quorum of two, the same relay down is a failure to retry, naming it.
    strict = nostr_account(down, relay.url, quorum=2)
    with pytest.raises(Transient, match="fewer than 2 relay") as caught:
        nostr.post(httpx.Client(), strict, {"nsec": NSEC}, outgoing, (), lambda _: None)
    assert down in str(caught.value)


def test_a_relay_that_refuses_a_forged_event_is_a_rejection(
    relay: LocalRelay, tmp_path: Path
) -> None:
    account = nostr_account(relay.url)
    outgoing = prepared(httpx.Client(), account, thread(tmp_path, "Honest", image_on=None))
    forged = json.loads(outgoing.prepared["events"][0])  # type: ignore[index]
    forged["content"] = "Forged"
    bad = replace(outgoing, prepared={"events": [event.dumps(forged)]})
    with pytest.raises(Rejected, match="invalid"):
        nostr.post(httpx.Client(), account, {"nsec": NSEC}, bad, (), lambda _: None)
    assert nostr.lookup(httpx.Client(), account, {"nsec": NSEC}, bad) is None


def test_keys_in_either_spelling_and_nothing_else(relay: LocalRelay) -> None:
    account = nostr_account(relay.url)
    assert nostr.authenticate(httpx.Client(), account, "", "", "", {"nsec": NSEC}) == {
        "nsec": SECRET
    }
    who = nostr.whoami(httpx.Client(), account, {"nsec": SECRET})
    assert who["id"] == PUBKEY and who["name"].startswith("npub1")
    for bad in ("nsec1qqqq", NSEC[:-1] + "x", "zz" * 32, "npub1" + NSEC[5:]):
        with pytest.raises(AuthRevoked) as caught:
            nostr.authenticate(httpx.Client(), account, "", "", "", {"nsec": bad})
        assert bad not in str(caught.value)


def test_relay_addresses_must_be_wss_except_on_this_machine() -> None:
    assert check_url("wss://relay.example") is None
    assert check_url("ws://127.0.0.1:7777") is None and check_url("ws://localhost:1") is None
    assert "wss://" in (check_url("ws://relay.example") or "")
    assert "wss://" in (check_url("https://relay.example") or "")


def test_without_blossom_images_are_linked_from_media_base_url(
    relay: LocalRelay, tmp_path: Path
) -> None:
    account = nostr_account(relay.url)
    plain = thread(tmp_path, "A picture")
    with pytest.raises(Rejected, match="media_base_url"):
        prepared(httpx.Client(), account, plain)
    (part,) = plain.parts
    media = replace(part.media[0], url="https://files.example/media/dot.png")
    linked = replace(plain, parts=(replace(part, media=(media,)),))
    (ev,) = [json.loads(e) for e in prepared(httpx.Client(), account, linked).prepared["events"]]  # type: ignore[index]
    assert ev["content"].endswith("\nhttps://files.example/media/dot.png")
    assert tags(ev, "imeta")[0][1] == "url https://files.example/media/dot.png"


def test_relays_in_socialgit_yml_are_a_list_and_carry_no_credential(tmp_path: Path) -> None:
    from socialgit.config import load_config

    (tmp_path / "socialgit.yml").write_text(
        "timezone: UTC\naccounts:\n"
        "  good:\n    provider: nostr\n    relays: [wss://a.example, wss://b.example]\n"
        "  one:\n    provider: nostr\n    relays: wss://a.example\n"
        "  leaky:\n    provider: nostr\n    relays:\n      - wss://a.example/?token=s3cret\n"
        "  none:\n    provider: nostr\n"
    )
    loaded = load_config(tmp_path)
    accounts = loaded.config.accounts
    assert accounts["good"].settings["relays"] == ["wss://a.example", "wss://b.example"]
    assert accounts["one"].settings["relays"] == ["wss://a.example"]
    assert "leaky" not in accounts and "none" not in accounts
    said = [(p.line, p.message) for p in loaded.problems]
    assert any(line == 12 and "carries a credential" in m for line, m in said), said
    assert any("needs `relays:`" in m for _, m in said), said


def test_a_relay_that_says_ok_false_duplicate_holds_the_event(tmp_path: Path) -> None:
    """PyPI nostr-relay answers a resent event `OK false "duplicate: exists"`, and a bad
    signature with an empty id: the first counts as accepted, the second as a refusal."""
    import threading

    from websockets.sync.server import ServerConnection, serve

    answers = iter([(None, "duplicate: exists"), ("", "invalid: Bad signature")])

    def handler(ws: ServerConnection) -> None:
        for raw in ws:
            ident, said = next(answers)
            sent = json.loads(raw)[1]["id"] if ident is None else ident
            ws.send(json.dumps(["OK", sent, False, said]))

    with serve(handler, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}"
        account = nostr_account(url)
        outgoing = prepared(httpx.Client(), account, thread(tmp_path, "Again", image_on=None))
        receipt = nostr.post(httpx.Client(), account, {"nsec": NSEC}, outgoing, (), print)
        assert receipt.details == {"relays": {url: "accepted"}}
        with pytest.raises(Rejected, match="invalid: Bad signature"):
            nostr.post(httpx.Client(), account, {"nsec": NSEC}, outgoing, (), print)
        server.shutdown()
