"""Inside GitHub Actions every secret this process holds is announced with ``::add-mask::``
once, before any output that could carry it; outside Actions, never.

The CLI runs as a real process (stdout and stderr on one pipe, as the Actions runner reads
them), so the order checked is the order the runner sees.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from socialgit import redact
from socialgit.config import load_config
from socialgit.credentials.refresh import refresh_account
from socialgit.credentials.vault import Vault
from tests.conftest import Repo
from tests.credentials.conftest import CLIENT_SECRET
from tests.credentials.helpers import cli
from tests.credentials.test_refresh import connected
from tests.oauth_server import OAuthServer

ROOT = Path(__file__).resolve().parents[2]
BOT = "123456789:AAHmaskedBotTokenValue"
HOOK_TOKEN = "discordHookTokenValue"
MASK = "::add-mask::"


def _run(site: Repo, actions: str | None, *args: str) -> list[str]:
    """``socialgit -C SITE ARGS`` in a child process; its stdout and stderr interleaved."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("GITHUB_ACTIONS", None)
    if actions is not None:
        env["GITHUB_ACTIONS"] = actions
    program = (
        "import sys; from tests.credentials import testprovider; testprovider.install(); "
        "from socialgit.cli import main; main(sys.argv[1:])"
    )
    done = subprocess.run(
        [sys.executable, "-c", program, "-C", str(site.root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stdout, done.stdout
    return done.stdout.splitlines()


def _masked(lines: list[str]) -> list[str]:
    return [line.removeprefix(MASK) for line in lines if line.startswith(MASK)]


def _seeded(site: Repo, server: OAuthServer) -> tuple[dict[str, str], str]:
    """acme (OAuth2), team-chat (a Telegram bot token) and team-discord (a webhook URL with
    its token in the path), stored in the vault."""
    with (site.root / "socialgit.yml").open("a", encoding="utf-8") as config:
        config.write("  team-discord:\n    provider: discord\n")
    first = connected(site, server, lifetime=3600)
    hook = f"{server.url}/api/webhooks/424242/{HOOK_TOKEN}"
    for account, fields in (
        ("team-chat", {"bot_token": BOT}),
        ("team-discord", {"webhook_url": hook}),
    ):
        put = cli("-C", str(site.root), "vault", "put", account, stdin=json.dumps(fields))
        assert put.code == 0, put
    return first, hook


def test_masks_come_before_any_output_once_each(site: Repo, key: str, server: OAuthServer) -> None:
    first, hook = _seeded(site, server)
    held = [key, CLIENT_SECRET, first["access_token"], first["refresh_token"], BOT, hook]
    derived = [HOOK_TOKEN]  # the token in the path of the URL, on its own

    lines = _run(site, "true", "doctor")
    masked = _masked(lines)
    for secret in held + derived:
        assert masked.count(secret) == 1, (secret, masked)
    output = [i for i, line in enumerate(lines) if not line.startswith(MASK)]
    assert output and max(i for i, x in enumerate(lines) if x.startswith(MASK)) < output[0]
    shown = "\n".join(lines[i] for i in output)
    assert "team-discord" in shown and "team-chat" in shown  # their checks failed: reported
    assert not [s for s in held + derived if s in shown]
    # Public values stay readable: masking them would blank links and times in the log.
    assert "sg-test-client" not in masked
    assert not [m for m in masked if re.match(r"\d{4}-\d\d-\d\dT", m)]

    # A refresh derives new tokens: each is announced once, before the line about it.
    lines = _run(site, "true", "refresh", "--no-push", "--within", "1000d", "acme")
    fresh = dict(Vault.open(site.root).get("acme") or {})
    assert fresh["access_token"] != first["access_token"]
    masked = _masked(lines)
    for secret in (fresh["access_token"], fresh["refresh_token"], first["refresh_token"], key):
        assert masked.count(secret) == 1, secret
    said = next(i for i, line in enumerate(lines) if "acme: refreshed" in line)
    assert lines.index(MASK + fresh["access_token"]) < said
    assert lines.index(MASK + fresh["refresh_token"]) < said


@pytest.mark.parametrize("actions", [None, "false", "1", "TRUE"])
def test_no_masks_outside_actions(
    site: Repo, key: str, server: OAuthServer, actions: str | None
) -> None:
    first, hook = _seeded(site, server)
    lines = _run(site, actions, "doctor")
    assert lines and not [line for line in lines if MASK in line]
    shown = "\n".join(lines)
    assert not [s for s in (key, first["access_token"], BOT, hook, HOOK_TOKEN) if s in shown]


def test_each_value_is_announced_once_per_process(
    site: Repo,
    key: str,
    server: OAuthServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = connected(site, server, lifetime=3600)
    redact.forget_all()
    capsys.readouterr()
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    vault = Vault.open(site.root)
    vault.get("acme")
    vault.get("acme")
    Vault.open(site.root).get("acme")  # another reader of the same entry
    redact.register({"access_token": first["access_token"]})
    announced = _masked(capsys.readouterr().out.splitlines())
    assert announced.count(first["access_token"]) == 1
    assert announced.count(first["refresh_token"]) == 1
    assert announced.count(key) == 1
    assert "sg-test-client" not in announced  # a client id is public (RFC 6749 §2.2)

    # A refreshed token is new: announced once, the moment it is received.
    account = load_config(site.root).config.accounts["acme"]
    with httpx.Client(timeout=5) as client:
        refresh_account(vault, account, client)
    fresh = vault.get("acme") or {}
    announced = _masked(capsys.readouterr().out.splitlines())
    assert announced.count(fresh["access_token"]) == 1
    assert announced.count(fresh["refresh_token"]) == 1
    assert first["access_token"] not in announced  # already announced: not again


def test_machine_readable_output_stays_clean_in_actions(
    site: Repo, key: str, server: OAuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seeded(site, server)
    redact.forget_all()
    lines = _run(site, "true", "vault", "list", "--format", "json")
    rows = json.loads("\n".join(lines))  # nothing decrypted: no mask line in the JSON
    assert {row["account"] for row in rows} >= {"acme", "team-chat", "team-discord"}


def test_threads_announce_a_value_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import threading

    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    start = threading.Barrier(8)

    def load() -> None:
        start.wait()
        for _ in range(200):
            redact.register({"access_token": "at-shared-by-threads", "scope": "read write"})

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _masked(capsys.readouterr().out.splitlines()) == ["at-shared-by-threads"]


def test_public_ids_and_times_stay_readable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    hook = "https://discord.com/api/v10/webhooks/81384788765712384/hookSecretValue?wait=true"
    redact.register(
        {
            "webhook_url": hook,
            "guild_id": "81384788765712384",
            "channel_id": "81384788765712999",
            "did": "did:plc:z72i7hdynmk6r22z27h6tvur",
            "pds": "https://morel.us-east.host.bsky.network",
            "client_id": "public-client-id",
            "issued_at": "2031-03-01T12:00:00Z",
            "refresh_expires_at": "2032-03-01T12:00:00Z",
        }
    )
    announced = _masked(capsys.readouterr().out.splitlines())
    assert announced == [hook, "81384788765712384/hookSecretValue", "hookSecretValue"]
    assert redact.scrub("posted: https://discord.com/channels/1/81384788765712999/2") == (
        "posted: https://discord.com/channels/1/81384788765712999/2"
    )


def test_echoed_forms_of_a_secret_are_scrubbed() -> None:
    """A server or proxy that echoes a request path may split a Telegram token or
    percent-encode any secret: each form of what was registered is scrubbed."""
    redact.register(
        {"bot_token": BOT, "webhook_url": f"https://discord.com/api/webhooks/1/{HOOK_TOKEN}"}
    )
    secret = BOT.split(":")[1]
    for echoed in (
        f"POST /bot{BOT}/sendMessage",
        f"no route for %2Fbot{BOT.replace(':', '%3A')}%2FsendMessage",
        f"token {secret} refused",
        f"webhooks%2F1%2F{HOOK_TOKEN}",
    ):
        clean = redact.scrub(echoed)
        assert secret not in clean and HOOK_TOKEN not in clean and "***" in clean
