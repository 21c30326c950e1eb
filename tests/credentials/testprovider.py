"""A test-only OAuth2 network built from ``socialgit.credentials.oauth``'s generic helpers.

Registered at test time as ``testoauth`` (``install``); an account points its
``authorize_url``/``token_url``/``base_url`` at a fixture server.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from providers import PROVIDERS
from providers._pending import RESEND_IN_DOUBT, lookup, post
from providers.base import AuthKind, MediaRules, Setting, ThreadStyle
from socialgit.credentials import oauth
from socialgit.model import Account

NAME = "testoauth"
TITLE = "Test OAuth"
THREADS: ThreadStyle = "replies"
MEDIA = MediaRules(max_count=0)
SETTINGS: Mapping[str, Setting] = {
    "client_id": Setting(str, required=True),
    "me_path": Setting(str, help="whoami's path under base_url (default /me)"),
}
SECRETS: tuple[str, ...] = ("access_token", "refresh_token", "expires_at", "client_secret")
AUTH: AuthKind = "oauth2"
__all__ = ["RESEND_IN_DOUBT", "lookup", "post"]


def length(text: str) -> int:
    return len(text)


def limit(account: Account, part: Any) -> int:
    return 1000


def text_problems(text: str) -> list[str]:
    return []


def facets(text: str) -> list[dict[str, Any]]:
    return []


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    return oauth.auth_url(account, redirect_uri, state, code_challenge, scope="read write")


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: dict[str, Any],
) -> dict[str, Any]:
    return oauth.authenticate(client, account, code, code_verifier, redirect_uri, credentials)


def refresh_token(
    client: httpx.Client, account: Account, credentials: dict[str, Any]
) -> dict[str, Any]:
    return oauth.refresh(client, account, credentials)


def expires_at(credentials: dict[str, Any]) -> datetime | None:
    return oauth.expires_at(credentials)


def whoami(client: httpx.Client, account: Account, credentials: dict[str, Any]) -> dict[str, str]:
    base = oauth.endpoint(account, "base_url", None)
    path = account.settings.get("me_path") or "/me"
    body = oauth.bearer_get(client, f"{base}{path}", credentials, account=account.name, op="whoami")
    return {k: str(v) for k, v in body.items()}


def install() -> None:
    PROVIDERS[NAME] = sys.modules[__name__]  # type: ignore[assignment]
