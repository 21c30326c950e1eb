"""Threads (Meta): container, then publish. Media must be reachable at a public URL.

Sign-in and refresh live in ``auth.py``, containers and publishing in ``publish.py``, the
Graph API plumbing Threads shares with Facebook and Instagram in ``providers/meta/``; this
module holds the text rules and fits them together as the ``Provider`` the registry lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import regex

from providers._counts import without_own
from providers._text import grapheme_list, utf8_bytes
from providers.base import (
    AuthKind,
    Counts,
    Credentials,
    MediaRules,
    OnPart,
    Outgoing,
    Published,
    Receipt,
    Setting,
    ThreadStyle,
)
from providers.meta import containers
from providers.meta.graph import Session
from providers.threads import auth as _threads_auth
from providers.threads import publish as _threads_publish
from socialgit.errors import AuthRevoked, OutcomeUnknown, Rejected

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "threads"
TITLE = "Threads"
THREADS: ThreadStyle = "replies"
EXACT_REDIRECT = True  # the app's registered redirect URI must match, port included
_MB = 1024 * 1024
# Threads' media specifications: JPEG and PNG images at most 8 MB, MOV and MP4 video at most
# 1 GB, up to 20 carousel items (as quoted by Ayrshare's media guide; UNCONFIRMED from
# Meta's own page, shared/docs/providers.md §5).
MEDIA = MediaRules(
    max_count=20,
    max_bytes={
        "image/jpeg": 8 * _MB,
        "image/png": 8 * _MB,
        "video/mp4": 1024 * _MB,
        "video/quicktime": 1024 * _MB,
    },
    alt_max=None,
    needs_public_url=True,
)
SETTINGS: Mapping[str, Setting] = {
    "client_id": Setting(str, required=True, help="the Meta app id"),
    "user_id": Setting(str, help="Threads user id (found with the token when not set)"),
    "scope": Setting(str, help="OAuth scopes, comma-separated (default: publish and replies)"),
}
# issued_at: Threads refreshes a token only once it is 24 hours old; user_id: found at connect.
SECRETS: tuple[str, ...] = ("access_token", "expires_at", "issued_at", "client_secret", "user_id")

MAX_LINKS = 5
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")
_LINK = regex.compile(r"(?:https?://|www\.)[^\s]+", regex.I)


def length(text: str) -> int:
    # Meta documents that emoji count as their UTF-8 byte length; everything else is one.
    return sum(
        utf8_bytes(cluster) if _EMOJI.search(cluster) else 1 for cluster in grapheme_list(text)
    )


def limit(account: Account, part: Part) -> int:
    return 500


def text_problems(text: str) -> list[str]:
    links = len(_LINK.findall(text))
    if links > MAX_LINKS:
        return [f"Threads allows at most {MAX_LINKS} links in a post; this part has {links}"]
    return []


# -- runtime ---------------------------------------------------------------------------
AUTH: AuthKind = "oauth2"
# Threads keeps no idempotency key: a delivery in doubt is looked up, never resent blind.
RESEND_IN_DOUBT = False

generate_auth_url = _threads_auth.generate_auth_url
refresh_token = _threads_auth.refresh_token
expires_at = _threads_auth.expires_at


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    stored = _threads_auth.authenticate(
        client, account, code, code_verifier, redirect_uri, credentials
    )
    who = whoami(client, account, stored)
    stored["user_id"] = who["id"]  # publishing names the user in every path
    return stored


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    session = _threads_publish.session(client, account, _token(account, credentials), "me")
    me = session.get("me", "Threads whoami", fields="id,username")
    found = {"id": me.get("id"), "name": me.get("username"), "handle": me.get("username")}
    return {key: str(value) for key, value in found.items() if value}


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    for number, part in enumerate(outgoing.parts, 1):
        if number > len(done):
            _check_text(part.text, number)
    session = _session(client, account, credentials)
    ids = list(done)
    for number, part in enumerate(outgoing.parts, 1):
        if number <= len(done):
            continue
        # The container an earlier attempt recorded belongs to the first part not done.
        pending = outgoing.pending if number == len(done) + 1 else ""
        if not ids and not pending:
            _threads_publish.check_quota(session)
        since = outgoing.occurrence - _threads_publish.SLACK if pending else None
        reply_to = ids[-1] if ids else None
        ids.append(
            _threads_publish.publish_part(
                session, part, reply_to, pending, outgoing.on_pending, since
            )
        )
        on_part(ids[-1])
    if not ids:
        raise Rejected(f"{outgoing.post}: nothing to post")
    return Receipt(id=ids[0], url=_threads_publish.permalink(session, ids[0]), parts=tuple(ids))


def metrics(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    """The post's insights (``GET /{media-id}/insights``, scope threads_manage_insights).
    A root post's replies count the whole conversation, the thread's own parts included:
    those are taken off."""
    session = _session(client, account, credentials)
    answer = session.get(
        f"{item.id}/insights", f"Threads insights of {item.post or item.id}", metric=_INSIGHTS
    )
    counts: dict[str, int] = {}
    for metric in answer.get("data") or ():
        name = metric.get("name") if isinstance(metric, dict) else None
        value = _insight_value(metric) if name in _INSIGHTS.split(",") else None
        if isinstance(name, str) and value is not None:
            counts[name] = value
    return without_own(counts, len(item.parts) - 1)


_INSIGHTS = "views,likes,replies,reposts,quotes"


def _insight_value(metric: dict[str, Any]) -> int | None:
    """``values[0].value`` (media insights), or ``total_value.value``."""
    values = metric.get("values")
    first = values[0] if isinstance(values, list) and values else metric.get("total_value")
    value = first.get("value") if isinstance(first, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    """With a container recorded for the next part (``pending``), that container is asked
    first: not published → None (the rerun publishes that container, or makes a new one
    if it died); published as the last part → the receipt. Otherwise the listing decides:
    None only when no post of the first part's text exists since the occurrence (the
    listing is complete, so nothing went out). A post that matches cannot be tied to this
    delivery: Threads stores nothing of our key, and another delivery may carry the same
    text. That is for a person to judge (OutcomeUnknown), never a receipt we invent."""
    done = outgoing.done
    if outgoing.pending and len(done) < len(outgoing.parts):
        session = _session(client, account, credentials)
        if containers.resume(session, _threads_publish.FLAVOUR, outgoing.pending) != "PUBLISHED":
            return None
        if len(done) + 1 == len(outgoing.parts):
            text = outgoing.parts[-1].text
            since = outgoing.occurrence - _threads_publish.SLACK
            doubt = f"Threads had published container {outgoing.pending}"
            reply_to = done[-1] if done else None
            ids = (*done, _threads_publish.published_id(session, doubt, text, reply_to, since))
            return Receipt(id=ids[0], url=_threads_publish.permalink(session, ids[0]), parts=ids)
    first = outgoing.parts[0] if outgoing.parts else None
    if first is None or not first.text.strip():
        raise OutcomeUnknown(
            f"{outgoing.post}: a Threads post without text cannot be matched; check the account"
        )
    session = _session(client, account, credentials)
    since = outgoing.occurrence - _threads_publish.SLACK
    found = _threads_publish.matches(session, first.text, None, since)
    if not found:
        return None
    where = _threads_publish.permalink(session, found[0]) or f"post {found[0]}"
    raise OutcomeUnknown(
        f"{outgoing.post}: a Threads post with this text went out since {since:%Y-%m-%d %H:%M} "
        f"UTC ({where}); Threads keeps nothing that ties it to this delivery"
    )


def _check_text(text: str, number: int) -> None:
    problems = text_problems(text)
    if length(text) > 500:
        problems.append(f"Threads takes 500 characters; this part has {length(text)}")
    if problems:
        raise Rejected(f"part {number}: {'; '.join(problems)}")


def _token(account: Account, credentials: Credentials) -> str:
    token = credentials.get("access_token")
    if not isinstance(token, str) or not token:
        raise AuthRevoked(
            f"no Threads access token is stored: run `socialgit connect {account.name}`"
        )
    return token


def _session(client: httpx.Client, account: Account, credentials: Credentials) -> Session:
    token = _token(account, credentials)
    user = account.settings.get("user_id") or credentials.get("user_id")
    if not isinstance(user, str | int) or not str(user):
        user = whoami(client, account, credentials)["id"]
    return _threads_publish.session(client, account, token, str(user))
