"""Finding a Pixelfed delivery (or one part of it) among the account's own statuses.

Pixelfed's account timeline (``GET /api/v1/accounts/:id/statuses``) lists posts, not
replies, so the thread is followed down from part 1 through each part's direct replies
(``GET /api/v1/statuses/:id/context``, whose ``descendants`` are the first 20 statuses
replying to it). A status's text is ``content_text`` where the server sends it, else its
rendered ``content`` with the markup taken off; texts are compared with whitespace
collapsed, since rendering changes line breaks. The rules of evidence are
``providers._scan``'s.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from providers import _scan
from providers.mastodon import api
from socialgit.errors import OutcomeUnknown

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials, Outgoing, Receipt
    from socialgit.model import Account

PAGE = 40
MAX_PAGES = 5
REPLIES = 20  # Pixelfed's context lists at most this many direct replies
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p>", re.I)


def find(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    return _scan.receipt(_thread(client, account, credentials, outgoing, len(outgoing.parts)))


def part(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    index: int,
    ids: list[str],
) -> _scan.Seen | None:
    """The status that is part ``index`` (0-based), replying to the parts in ``ids``."""
    found = _thread(client, account, credentials, outgoing, index + 1)
    if len(found) <= index or [item.id for item in found[:index]] != ids:
        return None
    return found[index]


def _thread(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing, upto: int
) -> list[_scan.Seen]:
    me, name, seen, complete = _timeline(client, account, credentials, outgoing)
    where = f"@{name}@{api.host(account)}" if name else api.host(account)
    found: list[_scan.Seen] = []
    for count in range(1, upto + 1):
        if found:
            replies = _replies(client, account, credentials, found[-1].id, me)
            seen.extend(replies)
            complete = len(replies) < REPLIES
        head = replace(outgoing, parts=outgoing.parts[:count])
        found = _scan.chain(seen, head, where=where, complete=complete, same=_same)
        if len(found) < count:
            if not complete and found:
                raise OutcomeUnknown(
                    f"{outgoing.post}: part {len(found)} on {where} has more replies than "
                    "Pixelfed lists; cannot tell whether the next part went out"
                )
            break
    return found


def _timeline(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> tuple[str, str, list[_scan.Seen], bool]:
    op = "Pixelfed look-up"
    me = api.body(
        api.call(
            client, account, credentials, "GET", "/api/v1/accounts/verify_credentials",
            op=op, sent=False,
        ),
        op, sent=False,
    )  # fmt: skip
    ident = me.get("id")
    if not isinstance(ident, str | int) or not str(ident):
        raise OutcomeUnknown(f"{op}: {api.host(account)} did not say who the account is")
    since = _scan.since(outgoing)
    found: list[_scan.Seen] = []
    params: dict[str, str | int] = {"limit": PAGE}
    for _ in range(MAX_PAGES):
        response = api.call(
            client, account, credentials, "GET", f"/api/v1/accounts/{ident}/statuses",
            op=op, sent=False, params=params,
        )  # fmt: skip
        page = _list(response, op)
        statuses = [_seen(s) for s in page if isinstance(s, dict) and s.get("id")]
        found.extend(s for s in statuses if s.created >= since)
        if not statuses or statuses[-1].created < since:
            return str(ident), str(me.get("username") or ""), found, True
        params = {**params, "max_id": statuses[-1].id}
    return str(ident), str(me.get("username") or ""), found, False


def _replies(
    client: httpx.Client, account: Account, credentials: Credentials, ident: str, mine: str
) -> list[_scan.Seen]:
    op = "Pixelfed look-up (replies)"
    response = api.call(
        client, account, credentials, "GET", f"/api/v1/statuses/{ident}/context",
        op=op, sent=False,
    )  # fmt: skip
    below = api.body(response, op, sent=False).get("descendants")
    if not isinstance(below, list):
        raise OutcomeUnknown(f"{op}: unreadable list of replies")
    return [
        _seen(s)
        for s in below
        if isinstance(s, dict) and str((s.get("account") or {}).get("id")) == mine
    ]


def _list(response: httpx.Response, op: str) -> list[Any]:
    try:
        page = response.json()
    except ValueError:
        page = None
    if not isinstance(page, list):
        # An empty or garbled page is not an empty timeline: taking it for one would
        # resend a delivery that may be out.
        raise OutcomeUnknown(f"{op}: unreadable list of statuses")
    return page


def _seen(status: dict[str, Any]) -> _scan.Seen:
    attached = status.get("media_attachments")
    parent = status.get("in_reply_to_id")
    return _scan.Seen(
        id=str(status["id"]),
        text=_text(status),
        parent=str(parent) if parent else None,
        created=_scan.when(status.get("created_at")) or datetime.max.replace(tzinfo=UTC),
        media=len(attached) if isinstance(attached, list) else 0,
        url=api.status_link(status),
    )


def _text(status: dict[str, Any]) -> str:
    plain = status.get("content_text")
    if isinstance(plain, str):
        return plain
    rendered = str(status.get("content") or "")
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", rendered)))


def _same(found: str, sent: str) -> bool:
    return " ".join(_scan.plain(found).split()) == " ".join(_scan.plain(sent).split())
