"""TikTok API v2 requests: one way in, and TikTok's answers classified the same way.

Every answer is an envelope ``{"data": {...}, "error": {"code", "message", "log_id"}}`` whose
``error.code`` is ``"ok"`` on success. The code decides, whatever the HTTP status (several
refusals, e.g. ``spam_risk_too_many_posts``, come with HTTP 200):

- ``access_token_invalid`` (401): ``AuthExpired``, refreshed once by the runner;
  ``scope_not_authorized`` / ``scope_permission_missed``: connect again granting the scope;
- ``rate_limit_exceeded`` (429): a per-minute limit (6 ``init`` calls, 30 status fetches, 20
  creator-info queries a minute per token): ``RateLimited``;
- the daily caps (``spam_risk_too_many_posts``, ``spam_risk_too_many_pending_share``: five
  drafts waiting in the inbox, ``reached_active_user_cap``): ``RateLimited`` for a day;
- ``unaudited_client_can_only_post_to_private_accounts``, ``privacy_level_option_mismatch``,
  ``spam_risk_*``, ``invalid_params``, ``invalid_file_upload``, …: ``Rejected``, with what to do;
- ``internal_error`` and 5xx: ``Transient``, or ``OutcomeUnknown`` after a request that may
  have published.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from providers import _http
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
)

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials
    from socialgit.model import Account

API = "https://open.tiktokapis.com"
DAILY = frozenset(
    {"spam_risk_too_many_posts", "spam_risk_too_many_pending_share", "reached_active_user_cap"}
)
_HINTS = {
    "spam_risk_too_many_posts": "the creator's daily limit of posts through the API is reached",
    "spam_risk_too_many_pending_share": (
        "five drafts already wait in the creator's TikTok inbox: finish or delete them in the app"
    ),
    "reached_active_user_cap": "the app's daily number of posting creators is reached",
    "unaudited_client_can_only_post_to_private_accounts": (
        "the TikTok app is not audited yet: it may post only to a private account, and only "
        "privately (set the account private and `privacy: private`, use `mode: inbox`, or have "
        "the app audited; docs/networks/tiktok.md#access)"
    ),
    "privacy_level_option_mismatch": (
        "the `privacy:` set for this account is not one TikTok offers this creator now"
    ),
}


def root(account: Account) -> str:
    return _http.root(account, API)


def access_token(account: Account, credentials: Credentials) -> str:
    return _http.access_token(account, credentials, "TikTok")


def call(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    method: str,
    path: str,
    *,
    op: str,
    sent: bool = False,
    **request: Any,
) -> dict[str, Any]:
    """One request with the access token; the envelope's ``data``, or a classified error.
    ``sent``: the request may publish (``init``), so a lost answer is ``OutcomeUnknown``."""
    token = access_token(account, credentials)
    headers = {"Authorization": f"Bearer {token}", **request.pop("headers", {})}
    if "json" in request:
        headers["Content-Type"] = "application/json; charset=UTF-8"
    response = _http.send(
        client,
        method,
        f"{root(account)}{path}",
        op=op,
        secrets=(token,),
        idempotent=not sent,
        headers=headers,
        **request,
    )
    if response.is_success and said(response)[0] == "ok":
        body = _http.json_object(response, op, sent=sent)
        data = body.get("data")
        return data if isinstance(data, dict) else {}
    raise error(response, op, account, sent=sent)


def said(response: httpx.Response) -> tuple[str, str]:
    """(``error.code``, ``error.message``) of an answer; ("", "") when it has none."""
    try:
        body = response.json()
    except ValueError:
        return "", ""
    problem = body.get("error") if isinstance(body, dict) else None
    if not isinstance(problem, dict):
        return "", ""
    code, message = problem.get("code"), problem.get("message")
    return (
        code if isinstance(code, str) else "",
        message[:300] if isinstance(message, str) else "",
    )


def error(response: httpx.Response, op: str, account: Account, *, sent: bool) -> ProviderError:
    status = response.status_code
    code, message = said(response)
    hint = _HINTS.get(code, "")
    words = "; ".join(w for w in (hint, message) if w)
    tail = f" ({code}): {words}" if code else (f": {words}" if words else "")
    if code == "access_token_invalid" or (status == 401 and not code):
        return AuthExpired(f"{op}: TikTok refused the access token")
    if code in ("scope_not_authorized", "scope_permission_missed"):
        return AuthRevoked(
            f"{op}: TikTok refused{tail}; run `socialgit connect {account.name}` and grant "
            "the scopes this account's `mode` needs"
        )
    if code in DAILY:
        until = _http.now() + timedelta(days=1)
        return RateLimited(f"{op}: TikTok refused for today{tail}", until=until)
    if code == "rate_limit_exceeded" or status == 429:
        return _http.rate_limited(response, op, seconds=60, why=words)
    if code == "internal_error" or status >= 500:
        if sent:
            return OutcomeUnknown(f"{op}: TikTok failed (HTTP {status}){tail}; it may be out")
        return _http.status_error(response, op, sent=False, message=words or code)
    if code or 400 <= status < 500:
        return Rejected(f"{op}: TikTok refused (HTTP {status}){tail}")
    return _http.status_error(response, op, sent=sent, message=words)
