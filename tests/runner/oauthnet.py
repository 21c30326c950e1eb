"""A test network for runs in a subprocess: OAuth against tests/oauth_server.py, posts to the
webhook receiver (tests/runner/receiver.py).

``post`` checks the access token the way the network does (``GET /me`` with the bearer token:
401 when expired or revoked, which the runner takes as ``AuthExpired``), then delivers to the
receiver with the delivery's key as ``Idempotency-Key``; the receiver records and dedupes.
``lookup`` checks the token the same way and then cannot tell (``OutcomeUnknown``), so an in-doubt
delivery is resent with its key (``RESEND_IN_DOUBT``), as webhooks are.

Registered as ``oauthnet`` by :func:`install`; :data:`RUN` starts the CLI with it installed.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

import httpx

from providers import PROVIDERS
from providers.base import Credentials, OnPart, Outgoing, Receipt, Setting
from socialgit.credentials import oauth
from socialgit.errors import OutcomeUnknown, Rejected, Transient
from socialgit.model import Account
from tests.credentials.testprovider import (
    AUTH,
    MEDIA,
    SECRETS,
    THREADS,
    authenticate,
    expires_at,
    facets,
    generate_auth_url,
    length,
    limit,
    refresh_token,
    text_problems,
    whoami,
)

NAME = "oauthnet"
TITLE = "OAuth test network"
RESEND_IN_DOUBT = True
SETTINGS: Mapping[str, Setting] = {
    "client_id": Setting(str, required=True),
    "hook": Setting(str, required=True, help="the receiver's URL"),
}
RUN = (
    "import sys; from tests.runner import oauthnet; oauthnet.install(); "
    "from socialgit.cli import main; main(sys.argv[1:])"
)
__all__ = [
    "AUTH",
    "MEDIA",
    "SECRETS",
    "THREADS",
    "authenticate",
    "expires_at",
    "facets",
    "generate_auth_url",
    "length",
    "limit",
    "refresh_token",
    "text_problems",
    "whoami",
]


def _check_token(client: httpx.Client, account: Account, credentials: Credentials) -> None:
    base = oauth.endpoint(account, "base_url", None)
    oauth.bearer_get(client, f"{base}/me", credentials, account=account.name, op="post")


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    _check_token(client, account, credentials)
    body = {"text": outgoing.parts[0].text, "key": outgoing.key}
    try:
        answer = client.post(
            str(account.settings["hook"]), json=body, headers={"Idempotency-Key": outgoing.key}
        )
    except httpx.TimeoutException:
        answer = None
    if answer is None:
        raise OutcomeUnknown(f"{account.name}: no answer after sending")
    if answer.status_code >= 500:
        raise Transient(f"{account.name}: the receiver failed (HTTP {answer.status_code})")
    if not answer.is_success:
        raise Rejected(f"{account.name}: refused (HTTP {answer.status_code})")
    ident = str(answer.json().get("id", outgoing.key))
    return Receipt(id=ident, url=None, parts=(ident,))


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    _check_token(client, account, credentials)
    raise OutcomeUnknown(f"{account.name}: the receiver has no look-up")


def install() -> None:
    PROVIDERS[NAME] = sys.modules[__name__]
