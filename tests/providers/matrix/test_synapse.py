"""The Matrix provider against a real Synapse (SQLite, 127.0.0.1), read back through the
client API as another member of the room sees it; and through the real CLI, killed after
sending, then a fresh clone: one event per part, never two."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from providers import matrix
from socialgit.credentials.vault import Vault, new_key
from socialgit.errors import AuthRevoked
from socialgit.model import Account
from tests.providers._support import PNG, thread
from tests.providers.matrix.synapse_server import Synapse, User, serve
from tests.runner.conftest import LATER, T0, World, kill, start, wait_for
from tests.runner.conftest import publish as cli

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synapse")]


@pytest.fixture(scope="module")
def synapse() -> Iterator[Synapse]:
    yield from serve()


@pytest.fixture
def room(synapse: Synapse) -> tuple[User, User, str, str]:
    """(owner, bot, room id, alias): a public room, and a bot user to post into it."""
    owner, bot = synapse.register("owner"), synapse.register("bot")
    alias = f"news{owner.user_id.split(':')[0].lstrip('@')}"
    room_id = synapse.create_room(owner, alias)
    return owner, bot, room_id, f"#{alias}:localhost"


def connect(synapse: Synapse, bot: User, alias: str) -> tuple[Account, dict[str, Any]]:
    account = Account(
        "chat", "matrix", {"homeserver": synapse.url, "room": alias, "user": bot.user_id}, 1
    )
    with httpx.Client() as client:
        stored = matrix.authenticate(client, account, "", "", "", {"password": bot.password})
    return account, stored


def relation(event: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = event["content"].get("m.relates_to", {})
    return found


def test_listens_on_this_machine_only(synapse: Synapse) -> None:
    # How long it takes to start is not asserted: a timed test fails on a busy machine.
    assert synapse.url.startswith("http://127.0.0.1:"), synapse.url


def test_a_thread_with_an_image_arrives_once_as_the_room_sees_it(
    synapse: Synapse, room: tuple[User, User, str, str], tmp_path: Path
) -> None:
    owner, bot, room_id, alias = room
    account, stored = connect(synapse, bot, alias)
    assert password_free(stored, bot.password) and stored["user_id"] == bot.user_id
    assert stored["device_id"] == matrix.DEVICE
    outgoing = thread(tmp_path, "Launch day", "What changed", alt="A red dot")
    seen: list[str] = []
    with httpx.Client() as client:
        receipt = matrix.post(client, account, stored, outgoing, (), seen.append)
        again = matrix.post(client, account, stored, outgoing, (), lambda _: None)
        found = matrix.lookup(client, account, stored, outgoing)
        never = matrix.lookup(client, account, stored, replace(outgoing, key="sg-never-sent"))
    assert again.parts == receipt.parts == tuple(seen)  # the same txnIds: the same events
    assert found is not None and found.parts == receipt.parts and never is None
    text, image, second = synapse.messages(room_id, owner)
    assert [e["event_id"] for e in (text, second)] == list(receipt.parts)
    assert text["content"] == {"msgtype": "m.text", "body": "Launch day"}
    assert image["content"]["msgtype"] == "m.image" and image["content"]["body"] == "A red dot"
    assert image["content"]["filename"] == "dot.png"
    assert image["content"]["info"] == {"mimetype": "image/png", "size": len(PNG)}
    for later in (image, second):
        assert relation(later)["rel_type"] == "m.thread"
        assert relation(later)["event_id"] == text["event_id"]
    assert relation(second)["m.in_reply_to"] == {"event_id": image["event_id"]}
    assert second["content"]["body"] == "What changed"
    server, media_id = image["content"]["url"].removeprefix("mxc://").split("/")
    download = synapse.client.get(
        f"/_matrix/client/v1/media/download/{server}/{media_id}",
        headers={"Authorization": f"Bearer {owner.token}"},
    )
    assert download.content == PNG
    assert receipt.url == (
        f"https://matrix.to/#/%23{alias[1:].replace(':', '%3A')}/"
        f"{receipt.id.replace('$', '%24')}?via=localhost"
    )


def password_free(stored: dict[str, Any], password: str) -> bool:
    return password not in str(stored) and "password" not in stored


def test_a_wrong_password_or_a_logged_out_token_says_connect(
    synapse: Synapse, room: tuple[User, User, str, str], tmp_path: Path
) -> None:
    _, bot, _, alias = room
    account, stored = connect(synapse, bot, alias)
    with httpx.Client() as client, pytest.raises(AuthRevoked, match="wrong user or password"):
        matrix.authenticate(client, account, "", "", "", {"password": "not-it"})
    synapse.call("POST", "/_matrix/client/v3/logout", stored["access_token"], json={})
    with httpx.Client() as client, pytest.raises(AuthRevoked, match="socialgit connect chat"):
        matrix.post(client, account, stored, thread(tmp_path, "x", image_on=None), (), print)


@pytest.mark.parametrize("step", ["part", "delivered"])
def test_killed_after_sending_then_a_fresh_clone_leaves_one_event_per_part(
    synapse: Synapse, room: tuple[User, User, str, str], tmp_path: Path, step: str
) -> None:
    owner, bot, room_id, alias = room
    account, stored = connect(synapse, bot, alias)
    key = new_key()
    world = World(tmp_path, "http://127.0.0.1:9/unused")
    config = {"timezone": "UTC", "claim_timeout": "30m", "accounts": {"chat": {
        "provider": "matrix", **account.settings}}}  # fmt: skip
    world.write("socialgit.yml", yaml.safe_dump(config, sort_keys=False))
    world.write("img/dot.png", "")
    (world.seed / "img" / "dot.png").write_bytes(PNG)
    rel = world.post("a", "[chat]", body="First\n\n![A red dot](../img/dot.png)\n\n---\n\nSecond")
    vault = Vault.open(world.seed, key)
    vault.put("chat", stored)
    vault.save()
    world.push()
    marker = tmp_path / "paused"
    run = start(world.clone(), "--at", T0, SOCIALGIT_KEY=key, SOCIALGIT_TEST_PAUSE_AT=step,
                SOCIALGIT_TEST_PAUSE_FILE=str(marker))  # fmt: skip
    wait_for(marker.exists, timeout=120)
    kill(run)
    sent = len(synapse.messages(room_id, owner))
    assert sent == (2 if step == "part" else 3)
    again = cli(world.clone(), "--at", LATER, SOCIALGIT_KEY=key)
    assert again.returncode == 0, again.stdout + again.stderr
    events = synapse.messages(room_id, owner)
    assert [e["content"].get("body") for e in events] == ["First", "A red dot", "Second"]
    front = yaml.safe_load(world.remote_file(rel).split("---")[1])
    entry = front["results"]["chat"]
    assert entry["status"] == "published"
    assert entry["parts"] == [events[0]["event_id"], events[2]["event_id"]]
