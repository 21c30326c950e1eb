"""POSTs each delivery as a JSON document to a URL (n8n, Zapier, Make, your own service)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from providers import _http
from providers._document import document
from providers.base import (
    IMAGE_TYPES,
    VIDEO_TYPES,
    AuthKind,
    Credentials,
    KeyRule,
    MediaRules,
    OnPart,
    Outgoing,
    Receipt,
    Setting,
    ThreadStyle,
)
from socialgit import postkeys
from socialgit.errors import (
    OutcomeUnknown,
    RateLimited,
    Rejected,
    Transient,
    Unsupported,
    VaultError,
)

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "webhook"
TITLE = "Webhook"
THREADS: ThreadStyle = "document"
MEDIA = MediaRules(max_count=100, max_bytes={t: 1 << 40 for t in IMAGE_TYPES | VIDEO_TYPES})
SETTINGS: Mapping[str, Setting] = {
    "url": Setting(str, help="where to POST, when the URL is not a secret (else the vault)"),
    "limit": Setting(int, help="a length limit to check posts against (default: none)"),
}
# The document carries every post key, for the receiver to use as it likes.
KEYS: Mapping[str, KeyRule] = {name: KeyRule() for name in postkeys.NAMES}
SECRETS: tuple[str, ...] = ("url",)


def length(text: str) -> int:
    return len(text)


def limit(account: Account, part: Part) -> int:
    configured = account.settings.get("limit")
    return configured if isinstance(configured, int) else 100_000


# -- runtime: one POST per delivery; the receiver dedupes on the Idempotency-Key ----------
AUTH: AuthKind = "webhook"
# The key goes with every request and receivers dedupe on it: a delivery in doubt is resent.
RESEND_IN_DOUBT = True


def _url(account: Account, credentials: Credentials) -> str:
    """The vault's URL wins over socialgit.yml's (a URL with a token lives in the vault)."""
    url = credentials.get("url") or account.settings.get("url")
    if not isinstance(url, str) or not url:
        raise VaultError(
            f"{account.name}: no webhook URL: set `url:` in socialgit.yml, or store it with "
            f"`socialgit vault put {account.name}` when it carries a token"
        )
    return url


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    raise Unsupported("a webhook has no login page: store its URL in the vault")


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    return {"url": _url(account, credentials)} if credentials.get("url") else {}


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    _url(account, credentials)  # a webhook cannot be asked who it is without posting
    return {"id": account.name, "name": f"webhook of {account.name}"}


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    """One POST carries the whole thread; 2xx is success, anything else is classified."""
    if done:  # it went out already (a rerun after the part id was recorded)
        return Receipt(id=done[0], url=None, parts=done)
    url = _url(account, credentials)
    name = account.name  # messages name the account, never the URL: it may carry a token
    # A URL from the vault carries a token: registered, so httpx's request log hides it.
    secret = (url,) if url == credentials.get("url") else ()
    response = _http.send(
        client,
        "POST",
        url,
        op=f"{name}: the webhook",
        secrets=secret,
        json=document(outgoing),
        headers={"Idempotency-Key": outgoing.key, "User-Agent": "socialgit"},
    )
    code = response.status_code
    if 200 <= code < 300:
        receipt = _receipt(response, outgoing.key)
        on_part(receipt.id)
        return receipt
    if code == 429:
        raise RateLimited(
            f"{name}: the webhook asks to slow down (429)", _http.retry_after(response)
        )
    if code == 409:
        # The Idempotency-Key draft's answer while an earlier send with this key is still
        # being processed: nothing to correct, ask again later (the answer is then replayed).
        raise Transient(f"{name}: the webhook is still processing this delivery (409); will retry")
    if code >= 500:
        raise Transient(f"{name}: the webhook failed with HTTP {code}")
    raise Rejected(f"{name}: the webhook refused the delivery with HTTP {code}{_reason(response)}")


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    """A webhook cannot be asked what it received; the runner resends with the same key."""
    raise OutcomeUnknown(f"{account.name}: a webhook cannot be asked whether a delivery arrived")


def _receipt(response: httpx.Response, key: str) -> Receipt:
    found: dict[str, Any] = {}
    try:
        data = response.json()
        if isinstance(data, dict):
            found = data
    except ValueError:
        pass  # an empty or non-JSON answer is still a success
    ident = found.get("id")
    link = found.get("url")
    ident_text = str(ident) if isinstance(ident, str | int) and str(ident) else key
    return Receipt(id=ident_text, url=link if isinstance(link, str) else None, parts=(ident_text,))


def _reason(response: httpx.Response) -> str:
    """A short reason from the answer, if its JSON gave one."""
    try:
        data = response.json()
    except ValueError:
        return ""
    if isinstance(data, dict):
        # ``detail`` and ``title``: RFC 9457 problem details, as Idempotency-Key errors come.
        for field in ("error", "message", "detail", "title"):
            text = data.get(field)
            if isinstance(text, str) and text:
                return f": {text[:200]}"
    return ""
