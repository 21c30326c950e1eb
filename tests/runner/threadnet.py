"""A test network whose threads go out part by part, for runs in a subprocess.

Each part is one POST to the webhook receiver (tests/runner/receiver.py) with the key
``KEY-N`` (N from 1), so the receiver can hold part 2 while part 1's id is already in the
post file, and a test can SIGKILL the run there. ``lookup`` cannot tell (``OutcomeUnknown``)
and a delivery in doubt is resent under the same keys (``RESEND_IN_DOUBT``), resuming after
the parts recorded: a part sent twice shows as its key twice at the receiver.

Registered as ``threadnet`` by :func:`install`; :data:`RUN` starts the CLI with it installed.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

import httpx

from providers import PROVIDERS
from providers.base import (
    AuthKind,
    Credentials,
    MediaRules,
    OnPart,
    Outgoing,
    Receipt,
    Setting,
    ThreadStyle,
)
from providers.defaults import expires_at, facets, generate_auth_url, refresh_token, text_problems
from socialgit.errors import OutcomeUnknown, Rejected, Transient
from socialgit.model import Account

NAME = "threadnet"
TITLE = "Thread test network"
THREADS: ThreadStyle = "replies"
MEDIA = MediaRules(max_count=0)
SETTINGS: Mapping[str, Setting] = {"hook": Setting(str, required=True, help="the receiver")}
SECRETS: tuple[str, ...] = ()
AUTH: AuthKind = "none"
RESEND_IN_DOUBT = True
RUN = (
    "import sys; from tests.runner import threadnet; threadnet.install(); "
    "from socialgit.cli import main; main(sys.argv[1:])"
)
__all__ = ["expires_at", "facets", "generate_auth_url", "refresh_token", "text_problems"]


def length(text: str) -> int:
    return len(text)


def limit(account: Account, part: object) -> int:
    return 1000


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    return {}


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    return {"id": account.name}


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    ids = list(done)
    for number in range(len(done) + 1, len(outgoing.parts) + 1):
        key = f"{outgoing.key}-{number}"
        body = {"text": outgoing.parts[number - 1].text, "key": key}
        try:
            answer = client.post(
                str(account.settings["hook"]), json=body, headers={"Idempotency-Key": key}
            )
        except httpx.TimeoutException:
            raise OutcomeUnknown(f"{account.name}: part {number} sent, no answer") from None
        if answer.status_code >= 500:
            raise Transient(f"{account.name}: the receiver failed (HTTP {answer.status_code})")
        if not answer.is_success:
            raise Rejected(f"{account.name}: refused (HTTP {answer.status_code})")
        ident = str(answer.json()["id"])
        ids.append(ident)
        on_part(ident)
    return Receipt(id=ids[0], url=None, parts=tuple(ids))


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    raise OutcomeUnknown(f"{account.name}: the receiver has no look-up")


def install() -> None:
    PROVIDERS[NAME] = sys.modules[__name__]  # type: ignore[assignment]
