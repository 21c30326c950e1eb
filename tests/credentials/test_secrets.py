"""No secret in output, logs, exceptions, repr or the git history, on every failing path."""

from __future__ import annotations

import json
import logging
import subprocess

import pytest

from socialgit import redact
from socialgit.credentials.oauth import token_request
from socialgit.credentials.vault import VAULT_FILE, Vault, new_key
from socialgit.errors import Transient
from tests.conftest import Repo
from tests.credentials.conftest import CLIENT_SECRET, git
from tests.credentials.helpers import Outcome, cli
from tests.credentials.test_refresh import connected
from tests.oauth_server import OAuthServer


def _leaks(text: str, secrets: list[str]) -> list[str]:
    # ``::add-mask::VALUE`` is how a secret is hidden in GitHub Actions: the one allowed place.
    shown = "\n".join(x for x in text.splitlines() if not x.startswith("::add-mask::"))
    return [s for s in secrets if s and s in shown]


def test_every_failing_path_keeps_secrets_hidden(
    site: Repo,
    key: str,
    server: OAuthServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    first = connected(site, server)
    root = str(site.root)
    bot = "123456789:AAHsecretBotTokenValue"
    runs: list[Outcome] = []
    runs.append(cli("-C", root, "vault", "put", "team-chat", stdin=json.dumps({"bot_token": bot})))
    for fault in [
        (500, {"error": "server_error", "error_description": first["refresh_token"]}),
        (400, {"error": "invalid_grant"}),
        2.5,
    ]:
        server.fail_next.append(fault)  # type: ignore[arg-type]
        runs.append(cli("-C", root, "refresh", "--no-push"))
    runs.append(cli("-C", root, "doctor"))  # acme's refresh token is now spent
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    runs.append(cli("-C", root, "doctor"))
    runs.append(cli("-C", root, "vault", "list"))
    runs.append(
        cli(
            "-C", root, "vault", "put", "team-chat", stdin='{"bot_token": "' + bot + '", "oops": 1}'
        )
    )
    monkeypatch.setenv("SOCIALGIT_KEY", new_key())  # the wrong key
    runs.append(cli("-C", root, "doctor"))
    runs.append(cli("-C", root, "refresh", "--no-push", "--within", "1000d"))
    monkeypatch.setenv("SOCIALGIT_KEY", "not a key at all " + key)
    runs.append(cli("-C", root, "doctor"))
    assert any(r.code == 2 for r in runs) and any(r.code == 1 for r in runs)
    git(site.root, "add", VAULT_FILE)
    git(site.root, "commit", "-q", "--allow-empty", "-m", "vault")
    secrets = [
        key,
        CLIENT_SECRET,
        bot,
        first["access_token"],
        first["refresh_token"],
        *[t.access_token for t in server.tokens],
        *[t.refresh_token or "" for t in server.tokens],
    ]
    for run in runs:
        assert not _leaks(run.out + run.err, secrets), run
    assert any(r.out.startswith("::add-mask::") for r in runs)
    # Our side's logs (httpx, httpcore, socialgit); the fixture server logs as the network.
    ours = [
        r.getMessage() for r in caplog.records if not r.name.startswith(("authlib", "werkzeug"))
    ]
    assert ours and not _leaks("\n".join(ours), secrets)
    history = subprocess.run(
        ["git", "-C", root, "log", "-p", "--all"], capture_output=True, text=True, check=True
    ).stdout
    assert VAULT_FILE in history and not _leaks(history, secrets)


def test_repr_and_exceptions_hide_values(site: Repo, key: str) -> None:
    vault = Vault.open(site.root)
    vault.put("acme", {"access_token": "at-secret-123456"}, {"provider": "testoauth"})
    held = vault.get("acme")
    assert "at-secret-123456" not in repr(held) + str(held) + repr(vault)
    assert "at-secret-123456" not in f"{held}" + str([held]) + str({"c": held})
    assert "at-secret-123456" not in repr(ValueError(held))


def test_token_endpoint_errors_do_not_chain_to_the_request() -> None:
    import httpx

    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with (
        httpx.Client(transport=httpx.MockTransport(broken)) as client,
        pytest.raises(Transient) as caught,
    ):
        token_request(
            client,
            "https://auth.example/token",
            {"grant_type": "refresh_token", "refresh_token": "rt-secret-98765"},
            account="acme",
            op="token refresh",
            client_id="id",
            client_secret="cs-secret-4321",
        )
    error = caught.value
    assert error.__cause__ is None and error.__context__ is None
    assert "secret" not in str(error)


@pytest.mark.parametrize(
    ("url", "token"),
    [
        ("https://api.telegram.org/bot123456:AAHsecretPart/sendMessage", "AAHsecretPart"),
        ("https://discord.com/api/webhooks/1234567/discordWebhookToken", "discordWebhookToken"),
        ("https://hooks.slack.com/services/T000/B000/slackSecretToken", "slackSecretToken"),
        ("https://user:passwordInUrl@example.com/hook", "passwordInUrl"),
    ],
)
def test_url_tokens_are_masked(
    url: str, token: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    redact.register({"webhook_url": url})
    assert f"::add-mask::{token}" in capsys.readouterr().out.splitlines()
    assert token not in redact.scrub(f"POST {url} failed; token {token}")
    record = logging.LogRecord("httpx", logging.INFO, "", 0, "HTTP Request: POST %s", (url,), None)
    redact.RedactFilter().filter(record)
    assert token not in record.getMessage()


def test_vault_and_doctor_refusals_keep_secrets_hidden(
    site: Repo, key: str, server: OAuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every way `vault` and `doctor` fail, in and out of GitHub Actions, with secrets set."""
    first = connected(site, server)
    root = str(site.root)
    bot = "123456789:AAHsecretBotTokenValue"
    hook = "https://discord.com/api/webhooks/4242/discordSecretHookToken"
    with (site.root / "socialgit.yml").open("a", encoding="utf-8") as config:
        config.write("  team-discord:\n    provider: discord\n  hook:\n    provider: webhook\n")
    assert (
        cli("-C", root, "vault", "put", "team-chat", stdin=json.dumps({"bot_token": bot})).code == 0
    )
    runs: list[Outcome] = []
    for actions in ("", "true"):
        monkeypatch.setenv("GITHUB_ACTIONS", actions)
        redact.forget_all()
        runs += [
            cli("-C", root, "vault", "put", "team-discord", json.dumps({"webhook_url": hook})),
            cli("-C", root, "vault", "put", bot, stdin="{}"),
            cli("-C", root, "vault", "put", "team-chat", stdin=json.dumps({bot: bot})),
            cli("-C", root, "vault", "put", "team-chat", stdin='{"bot_token": ' + bot[:9] + "}"),
            cli("-C", root, "vault", "put", "team-chat", stdin='{"bot_token": "' + bot),
            cli("-C", root, "vault", "put", "hook", stdin=json.dumps({"url": hook, "u": hook})),
            cli(
                "-C",
                root,
                "vault",
                "put",
                "acme",
                stdin=json.dumps({**first, "expires_at": first["access_token"]}),
            ),
            cli("-C", root, "doctor"),  # acme's token is short-lived; team-discord unset
        ]
        monkeypatch.setenv("SOCIALGIT_NEW_KEY", "x" + key)
        runs.append(cli("-C", root, "vault", "rekey"))
        with monkeypatch.context() as wrong:
            wrong.setenv("SOCIALGIT_KEY", new_key())
            runs.append(
                cli("-C", root, "vault", "put", "hook", stdin=json.dumps({"url": hook}))
            )  # a stray key: refused before anything is written
            runs.append(cli("-C", root, "doctor"))
            wrong.setenv("SOCIALGIT_NEW_KEY", new_key())
            runs.append(cli("-C", root, "vault", "rekey"))
    # An entry edited by hand, and a vault file that is not JSON.
    path = site.root / VAULT_FILE
    good = path.read_text()
    data = json.loads(good)
    data["accounts"]["team-chat"]["meta"]["provider"] = "slack"
    path.write_text(json.dumps(data))
    runs += [cli("-C", root, "doctor"), cli("-C", root, "vault", "list")]
    path.write_text(good[:-20] + bot)
    runs += [cli("-C", root, "doctor"), cli("-C", root, "vault", "put", "hook", stdin="{}")]
    path.write_text(good)
    assert sum(r.code == 2 for r in runs) >= 12 and any(r.code == 1 for r in runs)
    secrets = [
        key,
        "x" + key,
        CLIENT_SECRET,
        bot,
        bot.split(":")[1],
        hook,
        "discordSecretHookToken",
        first["access_token"],
        first["refresh_token"],
    ]
    for run in runs:
        assert not _leaks(run.out + run.err, secrets), run
    assert "hook" not in Vault.open(site.root).accounts()  # every put above was refused
