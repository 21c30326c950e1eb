"""Lemmy's HTTP API (v3: Lemmy 0.19, and 1.0 through its v3 wrapper) as the provider uses
it: one request helper that classifies every answer by Lemmy's error code, and the login.

Lemmy's errors are ``{"error": "<snake_case code>", "message"?: …}`` and their HTTP status
says little (shared/docs/providers-wave2-open.md §2.1): 401 only for ``incorrect_login``,
404 for what the database does not have, 400 for everything else, a bad or revoked token
(``not_logged_in``) and the rate limit (``rate_limit_error``) included. So the code
decides, never the status alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from providers import _http
from providers._counts import pick, without_own
from socialgit import redact
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    ProviderError,
    Rejected,
    Transient,
)

if TYPE_CHECKING:
    import httpx

    from providers.base import Counts, Credentials, Published
    from socialgit.model import Account

base = _http.instance  # the instance's origin (``base_url`` overrides ``instance``)
host = _http.instance_host

__all__ = ["base", "body", "call", "community", "error", "host", "login"]

# A token the server no longer takes: log in again with the stored password (the runner
# refreshes once), and only then ask a person.
EXPIRED = frozenset({"not_logged_in"})
# The stored login itself is refused: only a person can help.
LOGIN = frozenset(
    {
        "incorrect_login",
        "invalid_password",
        "missing_totp_token",
        "incorrect_totp_token",
        "email_not_verified",
        "registration_application_is_pending",
        "registration_denied",
    }
)
# The account may not post at all, or not there; connecting again would not help.
BANNED = {
    "site_ban": "the account is banned from the instance",
    "banned": "the account is banned from the instance",
    "person_is_banned_from_site": "the account is banned from the instance",
    "deleted": "the account is deleted",
    "banned_from_community": "the account is banned from the community",
    "person_is_banned_from_community": "the account is banned from the community",
    "only_mods_can_post_in_community": "only moderators may post in the community",
    "locked": "the post is locked",
    "post_is_locked": "the post is locked",
    "community_is_blocked": "the community is blocked",
    "instance_is_blocked": "the instance is blocked",
    "cannot_create_post_or_comment_in_deleted_or_removed_community": (
        "the community is deleted or removed"
    ),
}
MISSING = frozenset({"couldnt_find_community", "not_found", "couldnt_find_post"})
# The database refused the write: whether the row exists is unknown to us.
WRITE_FAILED = frozenset({"couldnt_create_post", "couldnt_create_comment"})


def call(
    client: httpx.Client,
    account: Account,
    credentials: Credentials | None,
    method: str,
    path: str,
    *,
    op: str,
    sent: bool,
    **request: Any,
) -> httpx.Response:
    """One request to the account's instance; a 2xx comes back, anything else is raised as a
    ``ProviderError``. ``credentials`` None: without the token (the login). ``sent``: the
    request can publish something (a lost answer is ``OutcomeUnknown``)."""
    headers: dict[str, str] = {}
    secrets: tuple[str, ...] = ()
    if credentials is not None:
        jwt = credentials.get("access_token")
        if not isinstance(jwt, str) or not jwt:
            raise AuthExpired(f"{op}: not logged in yet")  # the runner logs in, then retries
        headers["Authorization"] = f"Bearer {jwt}"
        secrets = (jwt,)
    response = _http.send(
        client, method, f"{base(account)}{path}", op=op, secrets=secrets,
        idempotent=not sent, headers=headers, **request,
    )  # fmt: skip
    if response.is_success:
        return response
    raise error(response, op, account, sent=sent)


def body(response: httpx.Response, op: str, *, sent: bool) -> dict[str, Any]:
    return _http.json_object(response, op, sent=sent)


def counts(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    """A post's upvotes (as likes) and comments, from ``GET /api/v3/post``'s
    ``post_view.counts``; comments less the thread's own later parts. Downvotes are not
    read: an instance may turn them off."""
    op = f"Lemmy counts of {item.post or item.id}"
    answer = call(
        client, account, credentials, "GET", "/api/v3/post", op=op, sent=False,
        params={"id": item.id},
    )  # fmt: skip
    view = body(answer, op, sent=False).get("post_view")
    numbers = view.get("counts") if isinstance(view, dict) else None
    if not isinstance(numbers, dict):
        raise Rejected(f"{op}: Lemmy answered without the post's counts")
    found = pick(numbers, {"likes": "upvotes", "replies": "comments"})
    return without_own(found, len(item.parts) - 1)


def code(response: httpx.Response) -> tuple[str, str]:
    """Lemmy's error code and message (either may be empty), without any secret."""
    try:
        found = response.json()
    except ValueError:
        found = None
    if not isinstance(found, dict):
        return "", ""
    name, message = found.get("error"), found.get("message")
    return (
        redact.scrub(str(name))[:80] if isinstance(name, str) else "",
        redact.scrub(" ".join(str(message).split()))[:200] if isinstance(message, str) else "",
    )


def error(response: httpx.Response, op: str, account: Account, *, sent: bool) -> ProviderError:
    name, message = code(response)
    said = f" ({name}{f': {message}' if message else ''})" if name else ""
    where = host(account)
    if name == "rate_limit_error" or response.status_code == 429:
        return _http.rate_limited(response, op, why=name or "HTTP 429")
    if name in EXPIRED:
        return AuthExpired(f"{op}: {where} no longer takes the login token{said}")
    if name in LOGIN:
        return AuthRevoked(
            f"{op}: {where} refused the stored login{said}; run `socialgit connect {account.name}`"
        )
    if name in BANNED:
        return Rejected(f"{op}: {where} refused it: {BANNED[name]}{said}")
    if name in MISSING:
        return Rejected(f"{op}: {where} has no such {_what(name)}{said}")
    if name in WRITE_FAILED and sent:
        return OutcomeUnknown(f"{op}: {where} failed to save it{said}; it may have gone out")
    if response.status_code >= 500 or response.status_code == 408:
        if sent:
            return OutcomeUnknown(
                f"{op}: {where} failed (HTTP {response.status_code}){said}; it may have gone out"
            )
        return Transient(f"{op}: {where} failed (HTTP {response.status_code}){said}; will retry")
    if name:
        return Rejected(f"{op}: {where} refused it{said}")
    return _http.status_error(response, op, sent=sent)


def login(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    """Log in with the stored user name and password; the entry with a fresh token."""
    username, password = credentials.get("username"), credentials.get("password")
    if not isinstance(username, str) or not username or not isinstance(password, str):
        raise AuthRevoked(
            f"{account.name}: no Lemmy user name and password are stored; run "
            f"`socialgit connect {account.name}`"
        )
    redact.register(password)
    op = f"Lemmy login on {host(account)}"
    # ``stay_logged_in``: Lemmy 1.0's tokens otherwise end after a week (0.19 ignores it).
    form = {"username_or_email": username, "password": password, "stay_logged_in": True}
    response = _http.send(
        client, "POST", f"{base(account)}/api/v3/user/login", op=op, secrets=(password,),
        idempotent=True, json=form,
    )  # fmt: skip
    if not response.is_success:
        raise error(response, op, account, sent=False)
    jwt = body(response, op, sent=False).get("jwt")
    if not isinstance(jwt, str) or not jwt:
        raise AuthRevoked(
            f"{op}: no token was issued (an email to verify, or a registration waiting for "
            f"approval); finish that, then run `socialgit connect {account.name}`"
        )
    redact.register(jwt)
    return {"username": username, "password": password, "access_token": jwt}


def community(client: httpx.Client, account: Account, credentials: Credentials) -> int:
    """The id of the account's ``community:`` on its instance."""
    name = account.settings.get("community")
    if not isinstance(name, str) or not name.strip():
        raise Rejected(f"{account.name}: set `community:` (the community's name) in socialgit.yml")
    op = f"Lemmy community {name}"
    response = call(
        client, account, credentials, "GET", "/api/v3/community", op=op, sent=False,
        params={"name": name.strip().removeprefix("!")},
    )  # fmt: skip
    view = body(response, op, sent=False).get("community_view")
    found = view.get("community") if isinstance(view, dict) else None
    ident = found.get("id") if isinstance(found, dict) else None
    if not isinstance(ident, int):
        raise Transient(f"{op}: the answer carried no community id; will retry")
    return ident


def _what(name: str) -> str:
    return {"couldnt_find_community": "community", "couldnt_find_post": "post"}.get(name, "thing")
