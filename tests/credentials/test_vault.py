"""The vault: round trip, tampering, keys, atomic saves, and the vault commands."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from socialgit.credentials.vault import VAULT_FILE, Vault, new_key
from socialgit.errors import VaultError
from tests.conftest import Repo
from tests.credentials.helpers import cli

SECRET = {
    "access_token": "at-9f8e7d6c5b4a",
    "refresh_token": "rt-1a2b3c4d5e6f",
    "expires_at": "2030-01-01T00:00:00Z",
}


def stored(root: Path, key: str) -> Vault:
    vault = Vault.open(root, key)
    vault.put("acme", SECRET, {"provider": "testoauth", "handle": "tester", "id": "u-1"})
    assert vault.save() is True
    return vault


def test_round_trip_and_layout(site: Repo, key: str) -> None:
    stored(site.root, key)
    again = Vault.open(site.root)
    assert again.get("acme") == SECRET
    assert again.expiry("acme") is not None and again.expiry("acme").year == 2030  # type: ignore[union-attr]
    text = (site.root / VAULT_FILE).read_text()
    assert "at-9f8e7d6c5b4a" not in text and "rt-1a2b3c4d5e6f" not in text
    data = json.loads(text)
    entry = data["accounts"]["acme"]
    assert data["version"] == 1 and entry["meta"]["handle"] == "tester"
    assert key not in text
    assert "at-9f8e" not in repr(again.get("acme")) and "at-9f8e" not in repr(again)
    # Unchanged: nothing written, same bytes.
    again.put("acme", SECRET)
    assert again.save() is False
    assert [p.name for p in (site.root / ".socialgit").iterdir()] == ["vault.json"]


def _tamper(root: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = root / VAULT_FILE
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _flip(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[0] ^= 1
    return base64.b64encode(bytes(raw)).decode()


TAMPERING = {
    "ciphertext": lambda d: d["accounts"]["acme"].update(
        ciphertext=_flip(d["accounts"]["acme"]["ciphertext"])
    ),
    "nonce": lambda d: d["accounts"]["acme"].update(nonce=_flip(d["accounts"]["acme"]["nonce"])),
    "account": lambda d: d["accounts"].update(other=d["accounts"].pop("acme")),
    "metadata": lambda d: d["accounts"]["acme"]["meta"].update(handle="mallory"),
    "expiry": lambda d: d["accounts"]["acme"].update(expires_at="2099-01-01T00:00:00Z"),
    "updated": lambda d: d["accounts"]["acme"].update(updated="2001-01-01T00:00:00Z"),
    "entry version": lambda d: d["accounts"]["acme"].update(v=2),
    "key id": lambda d: d["accounts"]["acme"].update(kid="0" * 16),
    "missing field": lambda d: d["accounts"]["acme"].pop("nonce"),
}


@pytest.mark.parametrize("field", sorted(TAMPERING))
def test_tampering_is_one_line_naming_the_account(site: Repo, key: str, field: str) -> None:
    stored(site.root, key)
    _tamper(site.root, TAMPERING[field])
    name = "other" if field == "account" else "acme"
    with pytest.raises(VaultError, match=rf"^{name}: "):
        Vault.open(site.root).get(name)
    # The same through the CLI: exit 2, one line, no traceback, no secret.
    result = cli("-C", str(site.root), "doctor")
    assert result.code == 1
    assert f"{name}: " in result.err and "Traceback" not in result.err
    if name != "acme":
        return  # an entry moved to an account not in socialgit.yml is never used
    result = cli("-C", str(site.root), "refresh", "--within", "100000d", "--no-push")
    lines = [line for line in result.err.splitlines() if line.strip()]
    if field == "key id":  # the only entry reads as written under another key
        assert result.code == 2 and "SOCIALGIT_KEY does not match the vault" in result.err
    else:  # one edited entry fails its account alone
        assert result.code == 1, result
        assert any(line.startswith(f"{name}: ") for line in lines)
    assert "at-9f8e7d6c5b4a" not in result.out + result.err


def test_file_version_and_wrong_or_missing_key(
    site: Repo, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored(site.root, key)
    with pytest.raises(VaultError, match=r"^acme: SOCIALGIT_KEY is not the key"):
        Vault.open(site.root, new_key()).get("acme")
    monkeypatch.delenv("SOCIALGIT_KEY")
    with pytest.raises(VaultError, match=r"^acme: SOCIALGIT_KEY is not set"):
        Vault.open(site.root).get("acme")
    assert Vault.open(site.root).accounts() == ["acme"]  # opening needs no key
    with pytest.raises(VaultError, match="not a valid key"):
        Vault.open(site.root, "c2hvcnQ=")
    _tamper(site.root, lambda d: d.update(version=9))
    with pytest.raises(VaultError, match="format version 9"):
        Vault.open(site.root, key)
    (site.root / VAULT_FILE).write_text("{not json")
    with pytest.raises(VaultError, match="not valid JSON"):
        Vault.open(site.root, key)


def test_wrong_key_via_cli_exit_2(site: Repo, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    stored(site.root, key)
    monkeypatch.setenv("SOCIALGIT_KEY", new_key())
    monkeypatch.setenv("SOCIALGIT_NEW_KEY", new_key())
    result = cli("-C", str(site.root), "vault", "rekey")
    assert result.code == 2
    assert result.err.strip().splitlines() == [
        line
        for line in result.err.strip().splitlines()
        if line.startswith("socialgit: error: acme:")
    ]


def test_rekey(site: Repo, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    stored(site.root, key)
    fresh = new_key()
    monkeypatch.setenv("SOCIALGIT_NEW_KEY", fresh)
    result = cli("-C", str(site.root), "vault", "rekey")
    assert result.code == 0, result
    assert fresh not in result.out + result.err and key not in result.out + result.err
    with pytest.raises(VaultError):
        Vault.open(site.root, key).get("acme")
    assert Vault.open(site.root, fresh).get("acme") == SECRET


def test_keygen_put_list(site: Repo, key: str) -> None:
    made = cli("vault", "keygen")
    assert made.code == 0 and len(base64.b64decode(made.out.strip())) == 32
    assert not (site.root / ".socialgit").exists()  # the key is never written
    token = "123456:AAH-bot-secret-token-xyz"
    put = cli(
        "-C", str(site.root), "vault", "put", "team-chat", stdin=json.dumps({"bot_token": token})
    )
    assert put.code == 0, put
    assert Vault.open(site.root).get("team-chat") == {"bot_token": token}
    listed = cli("-C", str(site.root), "vault", "list")
    assert "team-chat" in listed.out and "provider=telegram" in listed.out
    assert token not in listed.out + listed.err
    as_json = json.loads(cli("-C", str(site.root), "vault", "list", "--format", "json").out)
    assert {row["account"] for row in as_json} >= {"team-chat", "acme"}


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ('{"bot_token": "x-secret-value", "password": "pw-secret-value"}', "unknown field"),
        ('{"bot_token": ', "not JSON"),
        ('["x-secret-value"]', "one JSON object"),
        ('{"bot_token": ""}', "non-empty"),
    ],
)
def test_put_validates_without_echoing(site: Repo, key: str, stdin: str, message: str) -> None:
    result = cli("-C", str(site.root), "vault", "put", "team-chat", stdin=stdin)
    assert result.code == 2 and message in result.err
    assert "secret-value" not in result.out + result.err


def test_put_needs_key(site: Repo) -> None:
    result = cli(
        "-C", str(site.root), "vault", "put", "team-chat", stdin='{"bot_token": "1:secret-value"}'
    )
    assert result.code == 2 and "team-chat: SOCIALGIT_KEY is not set" in result.err


SLACK = """\
  team-slack:
    provider: slack
    channel: C0123456789
"""


def test_put_takes_what_a_provider_refresh_uses(site: Repo, key: str) -> None:
    """Slack's token rotation: the fields its refresh reads and writes are taken; anything
    else is refused with the fields the network takes, and a typo gets a suggestion."""
    (site.root / "socialgit.yml").write_text(
        (site.root / "socialgit.yml").read_text() + SLACK, encoding="utf-8"
    )
    rotating = {
        "bot_token": "xoxe.xoxb-1-rotating-bot-token",
        "refresh_token": "xoxe-1-refresh-token-value",
        "expires_at": "2031-03-01T12:00:00+01:00",
        "client_id": "1234.5678",
        "client_secret": "slack-client-secret-value",
    }
    put = cli("-C", str(site.root), "vault", "put", "team-slack", stdin=json.dumps(rotating))
    assert put.code == 0, put
    vault = Vault.open(site.root)
    assert vault.get("team-slack") == {**rotating, "expires_at": "2031-03-01T11:00:00Z"}
    assert vault.expiry("team-slack") is not None  # in clear: the runner plans the refresh
    typo = {**rotating, "refresh_tokn": rotating.pop("refresh_token")}
    refused = cli("-C", str(site.root), "vault", "put", "team-slack", stdin=json.dumps(typo))
    assert refused.code == 2
    assert "unknown field 'refresh_tokn' for slack (did you mean 'refresh_token'?)" in refused.err
    assert "it takes webhook_url, bot_token, refresh_token, expires_at, client_id" in refused.err
    assert "secret-value" not in refused.out + refused.err
    # Telegram's refresh uses nothing but the bot token: rotation fields are refused there.
    telegram = cli(
        "-C",
        str(site.root),
        "vault",
        "put",
        "team-chat",
        stdin='{"bot_token": "1:bot-secret-value", "refresh_token": "rt-secret-value"}',
    )
    assert telegram.code == 2 and "unknown field 'refresh_token' for telegram" in telegram.err


def test_oauth2_put_takes_a_token_answer(site: Repo, key: str) -> None:
    answer = {
        "access_token": "at-secret-value-1",
        "refresh_token": "rt-secret-value-1",
        "expires_at": "2031-03-01T12:00:00Z",
        "refresh_expires_at": "2032-01-01T00:00:00.123456+00:00",
        "token_type": "Bearer",
        "scope": "read write",
        "client_secret": "cs-secret-value-1",
    }
    put = cli("-C", str(site.root), "vault", "put", "acme", stdin=json.dumps(answer))
    assert put.code == 0, put
    assert Vault.open(site.root).get("acme")["refresh_expires_at"] == "2032-01-01T00:00:00Z"  # type: ignore[index]
    bad = cli(
        "-C",
        str(site.root),
        "vault",
        "put",
        "acme",
        stdin=json.dumps({**answer, "refresh_expires_at": "next year"}),
    )
    assert bad.code == 2 and "refresh_expires_at must be an ISO 8601 time" in bad.err


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        # The JSON typed as an argument: click would echo it back.
        (("team-chat", '{"bot_token": "1:bot-secret-value"}'), "", "not as arguments"),
        # A token where the account name goes.
        (("1:bot-secret-value",), "{}", "the ACCOUNT given is not an account name"),
        (("xoxb-1234-5678-bot-secret-value-abcdefghijkl",), "{}", "not an account name"),
        # A token given as a field's name.
        (("team-chat",), '{"AAHbotSecretValueAsKey": "x"}', "its name is not shown"),
        (("outbox-less",), "{}", "'outbox-less' is not in socialgit.yml"),
        (("local",), '{"url": "https://x.test/secret-value"}', "takes no credentials"),
    ],
)
def test_put_refusals_never_echo_a_secret(
    site: Repo, key: str, args: tuple[str, ...], stdin: str, message: str
) -> None:
    result = cli("-C", str(site.root), "vault", "put", *args, stdin=stdin)
    assert result.code == 2 and message in result.err, result
    assert "ecret-value" not in result.out + result.err
    assert "SecretValue" not in result.out + result.err


def test_a_stray_key_writes_nothing(site: Repo, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    stored(site.root, key)
    before = (site.root / VAULT_FILE).read_bytes()
    monkeypatch.setenv("SOCIALGIT_KEY", new_key())
    with pytest.raises(VaultError, match="team-chat: SOCIALGIT_KEY is not the key of this vault"):
        Vault.open(site.root).require_key("team-chat")  # what `connect` asks first
    put = cli(
        "-C", str(site.root), "vault", "put", "team-chat", stdin='{"bot_token": "1:bot-token-x"}'
    )
    assert put.code == 2 and "acme's entry has key id" in put.err
    assert (site.root / VAULT_FILE).read_bytes() == before


def test_vault_rm(site: Repo, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    vault = stored(site.root, key)
    vault.put("gone", {"bot_token": "123456:AAHgoneTokenValue0123456789"}, {"provider": "telegram"})
    now = datetime.now(UTC)
    vault.set_lease("gone", "elsewhere:1", now, now + timedelta(minutes=10))
    vault.save()
    monkeypatch.setenv("SOCIALGIT_KEY", new_key())  # removing reads no secret: any key will do
    removed = cli("-C", str(site.root), "vault", "rm", "gone")
    assert removed.code == 0, removed
    assert removed.out == "gone: removed from .socialgit/vault.json (commit it)\n"
    monkeypatch.setenv("SOCIALGIT_KEY", key)
    after = Vault.open(site.root)
    assert after.accounts() == ["acme"] and after.get("acme") == SECRET
    assert after.lease("gone") is None
    assert "AAHgone" not in (site.root / VAULT_FILE).read_text()
    missing = cli("-C", str(site.root), "vault", "rm", "gone")
    assert missing.code == 2
    assert missing.err == "socialgit: error: the vault has no entry 'gone' (entries: acme)\n"
    pasted = cli("-C", str(site.root), "vault", "rm", "123456:AAHpastedTokenValue012345")
    assert pasted.code == 2 and "AAHpasted" not in pasted.err
