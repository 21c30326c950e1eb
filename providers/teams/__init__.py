"""Microsoft Teams, through a Workflows webhook ("When a Teams webhook request is received").

Office 365 connectors are retired; a Workflows webhook takes Adaptive Cards only and
answers 202 Accepted with no body: no message id, no link, no thread, no way to read the
channel. So each part is its own card, the delivery's key stands in for the ids, and a
delivery in doubt goes to a person (as Discord's does). The whole URL is the credential:
its ``sig`` parameter lets anyone who has it post.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from providers import _http
from providers.base import (
    IMAGE_TYPES,
    AuthKind,
    Credentials,
    MediaRules,
    OnPart,
    Outgoing,
    OutgoingPart,
    Receipt,
    Setting,
    ThreadStyle,
)
from socialgit.errors import AuthRevoked, OutcomeUnknown, ProviderError, Rejected, Unsupported

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "teams"
TITLE = "Microsoft Teams"
THREADS: ThreadStyle = "messages"
# Cards show images by public URL only (the flow fetches them): media_base_url is required.
MEDIA = MediaRules(
    max_count=10, max_bytes={t: 4 * 1024 * 1024 for t in IMAGE_TYPES}, alt_max=1000,
    needs_public_url=True,
)  # fmt: skip
SETTINGS: Mapping[str, Setting] = {
    "title": Setting(str, help="a bold line above every card's text (e.g. the team's name)"),
}
SECRETS: tuple[str, ...] = ("webhook_url",)
AUTH: AuthKind = "webhook"
RESEND_IN_DOUBT = False  # nothing dedupes a repeat: a card sent twice shows twice

MAX_BYTES = 28_000  # "Request entity too large" above about 28 KB (Teams' known limits)
TEXT_LIMIT = 20_000  # characters; the card's JSON must still fit MAX_BYTES
_OP = "Teams webhook"


def length(text: str) -> int:
    return len(text)


def limit(account: Account, part: Part) -> int:
    return TEXT_LIMIT


def _hook(account: Account, credentials: Credentials) -> str:
    import httpx  # deferred: plan and validate never need it

    url = credentials.get("webhook_url")
    if not isinstance(url, str) or not url:
        raise AuthRevoked(f"no Teams webhook URL is stored: socialgit connect {account.name}")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    local = parsed is not None and _http.on_this_machine(parsed.host)
    if parsed is None or not (parsed.scheme == "https" or local) or not parsed.host:
        # The URL is not repeated: its query is the secret.
        raise AuthRevoked(
            "the stored Teams webhook URL is not an https:// address: copy it again from the "
            f"workflow's trigger, then socialgit connect {account.name}"
        )
    return url


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    raise Unsupported(
        "Teams accounts connect with a Workflows webhook URL (in the channel: Workflows → "
        '"Post to a channel when a webhook request is received" → copy the URL)'
    )


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    """The URL is checked for its form only: a Workflows webhook cannot be asked anything
    without posting into the channel."""
    return {"webhook_url": _hook(account, credentials)}


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    import httpx  # deferred: plan and validate never need it

    url = httpx.URL(_hook(account, credentials))
    # …/workflows/<id>/triggers/…: the workflow's id is not the secret (``sig`` is).
    segments = url.path.strip("/").split("/")
    ident = segments[segments.index("workflows") + 1] if "workflows" in segments[:-1] else ""
    return {"id": ident or url.host, "name": f"Workflows webhook on {url.host}"}


def card(account: Account, part: OutgoingPart, number: int) -> dict[str, Any]:
    """The message a Workflows webhook takes: one Adaptive Card (1.4) attachment."""
    body: list[dict[str, Any]] = []
    title = account.settings.get("title")
    if isinstance(title, str) and title:
        body.append({"type": "TextBlock", "text": title, "weight": "Bolder", "wrap": True})
    if part.text:
        body.append({"type": "TextBlock", "text": part.text, "wrap": True})
    for media in part.media:
        if not media.url:
            raise Rejected(
                f"{media.path}: Teams shows images by public URL: set `media_base_url:` in "
                "socialgit.yml"
            )
        image = {"type": "Image", "url": media.url}
        if media.alt:
            image["altText"] = media.alt
        body.append(image)
    if not body:
        raise Rejected(f"part {number} has neither text nor images")
    content = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    attachment = {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "contentUrl": None,
        "content": content,
    }
    message = {"type": "message", "attachments": [attachment]}
    size = len(json.dumps(message).encode())
    if size > MAX_BYTES:
        raise Rejected(f"part {number} makes a card of {size} bytes; Teams takes {MAX_BYTES}")
    return message


def _error(response: httpx.Response, account: Account) -> ProviderError:
    status = response.status_code
    if status == 429:
        return _http.rate_limited(response, _OP)
    if status in (401, 403, 404):
        return AuthRevoked(
            f"{_OP}: the workflow refused the URL (HTTP {status}: deleted, turned off, or its "
            f"owner left): copy it again, then socialgit connect {account.name}"
        )
    if status in (400, 413):
        return Rejected(f"{_OP}: the card was refused (HTTP {status})")
    if status >= 500:  # whether the flow ran is unknown: resending could show it twice
        return OutcomeUnknown(f"{_OP}: HTTP {status} after the card was sent; it may be out")
    return _http.status_error(response, _OP, sent=True)


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    url = _hook(account, credentials)
    # Every card is built (and checked) before the first goes out.
    cards = [card(account, part, n) for n, part in enumerate(outgoing.parts, 1) if n > len(done)]
    ids = list(done)
    for message in cards:
        response = _http.send(client, "POST", url, op=_OP, secrets=(url,), json=message)
        if not response.is_success:
            raise _error(response, account)
        number = len(ids) + 1
        # No id comes back: the delivery's key stands in (the first part's is the key).
        ids.append(outgoing.key if number == 1 else f"{outgoing.key}#{number}")
        on_part(ids[-1])
    return Receipt(id=ids[0], url=None, parts=tuple(ids))


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    raise OutcomeUnknown(
        f"Teams cannot tell whether {outgoing.post} reached the channel of account "
        f"{account.name}; look in the channel and record the outcome by hand"
    )
