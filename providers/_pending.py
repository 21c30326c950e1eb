"""Runtime functions of networks whose publishing is not built yet: each says so plainly.

A network module imports these until its own implementation lands, so the registry stays
typed and a post targeting it fails with a message a person can act on, never silently.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from providers.base import AuthKind
from socialgit.errors import Unsupported

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials, OnPart, Outgoing, Receipt
    from socialgit.model import Account

AUTH: AuthKind = "none"
RESEND_IN_DOUBT = False  # a network that cannot dedupe on our key
_WHY = "publishing to {} is not built yet in this version of socialgit"


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    raise Unsupported(_WHY.format(account.provider))


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    raise Unsupported(_WHY.format(account.provider))


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    raise Unsupported(_WHY.format(account.provider))


def expires_at(credentials: Credentials) -> datetime | None:
    return None


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    raise Unsupported(_WHY.format(account.provider))


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    raise Unsupported(_WHY.format(account.provider))


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    raise Unsupported(_WHY.format(account.provider))
