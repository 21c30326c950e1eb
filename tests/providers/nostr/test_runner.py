"""Nostr through the real CLI, a bare remote and a real relay: a runner killed right after
the relay accepted the first part of a thread, then a fresh clone, publishes the rest and
nothing twice (the signed events were pushed before the first send)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from socialgit.credentials.vault import VAULT_FILE, Vault, new_key
from tests.providers._support import PNG
from tests.providers.nostr.fake import SECRET
from tests.providers.nostr.relay_server import LocalRelay, free_port, serve
from tests.runner.conftest import LATER, T0, World, git, kill, start, wait_for
from tests.runner.conftest import publish as cli


@pytest.fixture(scope="module")
def relay() -> Iterator[LocalRelay]:
    yield from serve()


def site(tmp_path: Path, relay: LocalRelay, key: str) -> tuple[World, str, str]:
    world = World(tmp_path, "http://127.0.0.1:9/unused")
    down = f"ws://127.0.0.1:{free_port()}"
    config = {
        "timezone": "UTC",
        "claim_timeout": "30m",
        "media_base_url": "https://files.example/site",
        "accounts": {"news": {"provider": "nostr", "relays": [relay.url, down]}},
    }
    world.write("socialgit.yml", yaml.safe_dump(config, sort_keys=False))
    (world.seed / "img").mkdir()
    (world.seed / "img" / "dot.png").write_bytes(PNG)
    rel = world.post(
        "launch",
        "[news]",
        body="We are live!\n\n![A red dot](../img/dot.png)\n\n---\n\nPart two.",
    )
    vault = Vault.open(world.seed, key)
    vault.put("news", {"nsec": SECRET})
    vault.save()
    assert (world.seed / VAULT_FILE).is_file()
    world.push()
    return world, rel, down


def results(world: World, rel: str) -> dict[str, object]:
    front = world.remote_file(rel).split("---")[1]
    return dict(yaml.safe_load(front)["results"]["news"])


def test_killed_after_the_first_part_then_a_fresh_clone_sends_the_second_once(
    relay: LocalRelay, tmp_path: Path
) -> None:
    from providers.nostr import event

    key = new_key()
    world, rel, down = site(tmp_path, relay, key)
    pubkey = event.public_key(bytes.fromhex(SECRET))
    marker = tmp_path / "paused"
    run = start(
        world.clone(),
        "--at",
        T0,
        SOCIALGIT_KEY=key,
        SOCIALGIT_TEST_PAUSE_AT="part",
        SOCIALGIT_TEST_PAUSE_FILE=str(marker),
    )
    wait_for(marker.exists, timeout=60)
    kill(run)
    (first,) = relay.read(authors=[pubkey])
    claim = results(world, rel)
    assert claim["status"] == "publishing" and "parts" not in claim  # the part id was lost
    recorded = [json.loads(e) for e in claim["prepared"]["events"]]  # type: ignore[index]
    assert recorded[0] == first  # what went out is what was pushed before it
    assert world.remote_log()[:2] == [
        "socialgit: prepare 1 delivery",
        "socialgit: claim 1 delivery",
    ]

    again = cli(world.clone(), "--at", LATER, SOCIALGIT_KEY=key)
    assert again.returncode == 0, again.stdout + again.stderr
    stored = sorted(relay.read(authors=[pubkey]), key=lambda ev: ev["created_at"])
    assert len(stored) == 2 and stored[0] == first
    second = stored[1]
    assert event.verify(second) and second == recorded[1]
    assert ["e", first["id"], relay.url, "root", pubkey] in second["tags"]
    assert second["content"] == "Part two."
    assert first["content"] == "We are live!\nhttps://files.example/site/img/dot.png"
    done = results(world, rel)
    assert done["status"] == "published" and "prepared" not in done
    assert done["parts"] == [first["id"], second["id"]]
    relays = done["relays"]
    assert isinstance(relays, dict) and relays[relay.url] == "accepted"
    assert str(relays[down]).startswith("failed: could not connect")
    # A third run finds nothing to do.
    third = cli(world.clone(), "--at", "2026-01-01 10:30", SOCIALGIT_KEY=key)
    assert third.returncode == 0 and len(relay.read(authors=[pubkey])) == 2
    assert git(world.remote, "log", "-1", "--format=%s", "main").startswith("socialgit: 1 of 1")
