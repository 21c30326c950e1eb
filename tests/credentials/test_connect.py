"""``connect`` end to end against a strict Authlib server, over real HTTP."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from socialgit.config import load_config
from socialgit.credentials.connect import connect
from socialgit.credentials.vault import Vault
from socialgit.errors import AuthRevoked, UsageError
from tests.conftest import Repo
from tests.credentials.conftest import CLIENT_SECRET
from tests.credentials.helpers import browser, cli
from tests.oauth_server import OAuthServer


def _connect(site: Repo, show: Any, secret: str = CLIENT_SECRET, timeout: float = 10) -> Any:
    account = load_config(site.root).config.accounts["acme"]
    with httpx.Client(timeout=10) as client:
        return connect(
            Vault.open(site.root),
            account,
            client,
            ask=lambda prompt, optional: secret,
            show=show,
            timeout=timeout,
        )


def test_connect_stores_checked_tokens(site: Repo, key: str, server: OAuthServer) -> None:
    seen: list[str] = []

    def show(url: str) -> None:
        seen.append(url)
        assert browser(url).status_code == 200

    meta = _connect(site, show)
    assert meta["handle"] == "tester" and meta["id"] == "u-1" and meta["provider"] == "testoauth"
    assert "code_challenge_method=S256" in seen[0] and "state=" in seen[0]
    stored = Vault.open(site.root).get("acme")
    assert stored is not None
    assert server.valid_access(stored["access_token"]) and stored["refresh_token"]
    assert stored["client_secret"] == CLIENT_SECRET
    assert Vault.open(site.root).meta("acme")["handle"] == "tester"
    assert not server.codes  # the code was spent


def test_code_is_single_use_and_bound_to_redirect(
    site: Repo, key: str, server: OAuthServer
) -> None:
    # Replay the code the browser delivered: the server refuses it (invalid_grant).
    captured: dict[str, str] = {}
    original = server.on_token

    def show(url: str) -> None:
        with httpx.Client(follow_redirects=False) as client:
            location = client.get(url).headers["Location"]
        captured["location"] = location
        httpx.get(location)

    _connect(site, show)
    server.on_token = original
    code = httpx.URL(captured["location"]).params["code"]
    replay = httpx.post(
        f"{server.url}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": "x" * 50,
            "redirect_uri": captured["location"].split("?")[0],
        },
        auth=("sg-test-client", CLIENT_SECRET),
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_wrong_state_is_refused(site: Repo, key: str, server: OAuthServer) -> None:
    pages: list[httpx.Response] = []

    def show(url: str) -> None:
        with httpx.Client(follow_redirects=False) as client:
            location = client.get(url).headers["Location"]
        pages.append(httpx.get(location.replace("state=", "state=forged")))

    with pytest.raises(UsageError, match="state does not match"):
        _connect(site, show)
    assert Vault.open(site.root).get("acme") is None
    # The browser is told too: no "received" page for a sign-in that is refused.
    [page] = pages
    assert page.status_code == 400
    assert "does not match" in page.text and "received" not in page.text


def test_a_network_matching_the_registered_redirect_needs_a_port(
    site: Repo, key: str, server: OAuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from providers import PROVIDERS

    monkeypatch.setattr(PROVIDERS["testoauth"], "EXACT_REDIRECT", True)
    result = cli("-C", str(site.root), "connect", "acme", "--timeout", "1")
    assert result.code == 2
    assert "register http://127.0.0.1:PORT/callback" in result.err
    assert "socialgit connect acme --port PORT" in result.err


def test_error_callback_and_timeout(site: Repo, key: str, server: OAuthServer) -> None:
    def deny(url: str) -> None:
        params = httpx.URL(url).params
        redirect = params["redirect_uri"]
        httpx.get(f"{redirect}?error=access_denied&state={params['state']}")

    with pytest.raises(AuthRevoked, match="access_denied"):
        _connect(site, deny)
    with pytest.raises(UsageError, match=r"no answer from the browser within 0\.3s"):
        _connect(site, lambda url: None, timeout=0.3)


def test_wrong_client_secret_is_revoked_not_transient(
    site: Repo, key: str, server: OAuthServer
) -> None:
    with pytest.raises(AuthRevoked, match=r"invalid_client.*socialgit connect acme"):
        _connect(site, browser, secret="not-the-secret")


def test_connect_cli_over_loopback(
    site: Repo, key: str, server: OAuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The browser is opened in another thread, as a person's would be.
    monkeypatch.setattr(
        "webbrowser.open", lambda url: threading.Thread(target=browser, args=(url,)).start()
    )
    result = cli(
        "-C", str(site.root), "connect", "acme", "--timeout", "10", stdin=CLIENT_SECRET + "\n"
    )
    assert result.code == 0, result
    assert "connected as tester" in result.out
    stored = Vault.open(site.root).get("acme") or {}
    for secret in (CLIENT_SECRET, stored["access_token"], stored["refresh_token"]):
        assert secret not in result.out + result.err


def test_connect_prompts_for_a_bot_token(
    site: Repo, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "123456:AAH-hidden-bot-token"
    result = cli("-C", str(site.root), "connect", "team-chat", stdin=token + "\n")
    # The check with the network (whoami) fails here: nothing is stored, nothing shown.
    assert result.code == 1 and "team-chat: Bot token:" in result.out
    assert token not in result.out + result.err
    assert Vault.open(site.root).get("team-chat") is None
    local = cli("-C", str(site.root), "connect", "local")
    assert local.code == 2 and "needs no credentials" in local.err
