"""Finding out what became of a Mastodon delivery in doubt, without ever posting twice.

Two kinds of evidence, strongest first (the reasoning is in ``providers.mastodon``):

1. The idempotency store. Mastodon keeps ``Idempotency-Key`` → status id for an hour and
   checks it *before* validating the request (``PostStatusService#call``), so a
   ``POST /api/v1/statuses`` with a part's key and an empty text is a read: a key it knows
   answers 200 with that status (404 if it was deleted since), an unknown key fails
   validation with 422 and creates nothing — an empty status without media is invalid on
   Mastodon and on its forks alike.
2. The account's own statuses since the occurrence, matched exactly on the source text,
   the number of attachments and the reply chain. That proves *absence* (nothing matching:
   nothing went out), but not presence: the same words from another delivery, or from a
   person, look the same, so a match is left to a person.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from providers.base import Receipt
from providers.mastodon import api
from socialgit.errors import OutcomeUnknown

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials, Outgoing, OutgoingPart
    from socialgit.model import Account

_NAMESPACE = uuid.UUID("5d0c8e0e-6a53-4f5e-9a55-6d2f3c1b7a10")  # socialgit's, for uuid5
SKEW = timedelta(minutes=10)  # the instance's clock may trail ours
PAGE = 40  # the most Mastodon returns per page
MAX_PAGES = 5
_GONE: dict[str, Any] = {}  # the key is known, its status was deleted


def part_key(key: str, index: int) -> str:
    """The ``Idempotency-Key`` of part ``index`` (0-based) of delivery ``key``: the same on
    every attempt, so a resend within the server's hour returns the first status."""
    return str(uuid.uuid5(_NAMESPACE, f"{key}#{index}"))


def find(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    probed = [
        _probe(client, account, credentials, outgoing.key, index)
        for index in range(len(outgoing.parts))
    ]
    if any(status is _GONE for status in probed):
        raise OutcomeUnknown(
            f"{outgoing.post}: a part went out on {api.host(account)} and was deleted since; "
            "decide by hand whether to post it again"
        )
    known = [index for index, status in enumerate(probed) if status is not None]
    if not known:
        _scan(client, account, credentials, outgoing)  # raises unless nothing is there
        return None
    # Parts after the last known one were not sent: they would have gone out after it, so
    # their keys would be alive too. Resending from the runner's record is then safe: a part
    # already out has a live key, and the server answers its resend with the same status.
    chain = _chain(client, account, credentials, probed, known[-1], outgoing.post)
    if known[-1] < len(outgoing.parts) - 1:
        return None
    first = chain[0]
    ids = tuple(_str(status.get("id")) or "" for status in chain)
    return Receipt(id=ids[0], url=_str(first.get("url")) or _str(first.get("uri")), parts=ids)


def _chain(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    probed: list[dict[str, Any] | None],
    last: int,
    post: str,
) -> list[dict[str, Any]]:
    """Parts 1..last+1, walked up the reply chain from the last part the server knows (an
    earlier part's key may have expired when a thread was resumed later)."""
    found = probed[last]
    assert found is not None
    chain = [found]
    for index in range(last - 1, -1, -1):
        parent = _str(chain[0].get("in_reply_to_id"))
        known = probed[index]
        if parent is None or (known is not None and _str(known.get("id")) != parent):
            raise OutcomeUnknown(
                f"{post}: part {index + 2} on {api.host(account)} is not a reply to part "
                f"{index + 1}; check the thread by hand"
            )
        chain.insert(
            0, known if known is not None else _status(client, account, credentials, parent)
        )
    if _str(chain[0].get("in_reply_to_id")) is not None:
        raise OutcomeUnknown(
            f"{post}: its first part on {api.host(account)} is a reply; check it by hand"
        )
    return chain


def _status(
    client: httpx.Client, account: Account, credentials: Credentials, ident: str
) -> dict[str, Any]:
    op = "Mastodon look-up (status)"
    response = api.call(
        client, account, credentials, "GET", f"/api/v1/statuses/{ident}", op=op, sent=False
    )
    return api.body(response, op, sent=False)


def _probe(
    client: httpx.Client, account: Account, credentials: Credentials, key: str, index: int
) -> dict[str, Any] | None:
    op = f"Mastodon look-up of part {index + 1}"
    response = api.call(
        client, account, credentials, "POST", "/api/v1/statuses", op=op, sent=False,
        headers={"Idempotency-Key": part_key(key, index)}, json={"status": ""},
        allow=(404, 422),
    )  # fmt: skip
    if response.status_code == 404:
        return _GONE  # the key names a status deleted since
    if response.status_code == 422:
        return None  # the key is unknown: never sent, expired, or not kept by this server
    found = api.body(response, op, sent=False)
    if not _str(found.get("id")):
        raise OutcomeUnknown(f"{op}: {api.host(account)} answered without a status id")
    return found


def _scan(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> None:
    """Returns when nothing of the delivery is on the account; else ``OutcomeUnknown``."""
    since = outgoing.occurrence.astimezone(UTC) - SKEW
    recent = _since(client, account, credentials, since, outgoing.post)
    parent: str | None = None
    matched: list[dict[str, Any]] = []
    for part in outgoing.parts:
        match = _match(client, account, credentials, recent, part, parent)
        if match is None:
            break
        matched.append(match)
        parent = _str(match.get("id"))
    if not matched:
        return
    where = _str(matched[0].get("url")) or _str(matched[0].get("id"))
    raise OutcomeUnknown(
        f"{outgoing.post}: {len(matched)} of {len(outgoing.parts)} parts with these words are on "
        f"{api.host(account)} since the occurrence ({where}), but its hour of idempotency has "
        "passed and nothing else ties them to this delivery"
    )


def _since(
    client: httpx.Client, account: Account, credentials: Credentials, since: datetime, post: str
) -> list[dict[str, Any]]:
    op = "Mastodon look-up"
    me = api.body(
        api.call(
            client, account, credentials, "GET", "/api/v1/accounts/verify_credentials",
            op=op, sent=False,
        ),
        op, sent=False,
    )  # fmt: skip
    ident = _str(me.get("id"))
    if not ident:
        raise OutcomeUnknown(f"{op}: {api.host(account)} did not say who the account is")
    found: list[dict[str, Any]] = []
    params: dict[str, str | int] = {"limit": PAGE, "exclude_reblogs": "true"}
    for _ in range(MAX_PAGES):
        response = api.call(
            client, account, credentials, "GET", f"/api/v1/accounts/{ident}/statuses",
            op=op, sent=False, params=params,
        )  # fmt: skip
        page = _list(response)
        if page is None:
            # An empty or garbled page is not an empty timeline: taking it for one would
            # resend a delivery that may be out.
            raise OutcomeUnknown(f"{op}: unreadable list of statuses")
        statuses = [s for s in page if isinstance(s, dict)]
        found.extend(s for s in statuses if _created(s) >= since)
        if not statuses or _created(statuses[-1]) < since:
            return found
        params = {**params, "max_id": _str(statuses[-1].get("id")) or ""}
    raise OutcomeUnknown(
        f"{op}: more than {PAGE * MAX_PAGES} statuses since {post} was due; cannot tell"
    )


def _list(response: httpx.Response) -> list[Any] | None:
    try:
        page = response.json()
    except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
        return None
    return page if isinstance(page, list) else None


def _match(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    recent: list[dict[str, Any]],
    part: OutgoingPart,
    parent: str | None,
) -> dict[str, Any] | None:
    wanted = _plain(part.text)
    for status in sorted(recent, key=_created):
        attached = status.get("media_attachments")
        if _str(status.get("in_reply_to_id")) != parent:
            continue
        if len(attached if isinstance(attached, list) else []) != len(part.media):
            continue
        if _source(client, account, credentials, _str(status.get("id")) or "") == wanted:
            return status
    return None


def _source(client: httpx.Client, account: Account, credentials: Credentials, ident: str) -> str:
    # ``content`` is rendered HTML; ``/source`` is the text as it was posted.
    op = "Mastodon look-up (status source)"
    response = api.call(
        client, account, credentials, "GET", f"/api/v1/statuses/{ident}/source", op=op, sent=False
    )
    text = api.body(response, op, sent=False).get("text")
    return _plain(text) if isinstance(text, str) else ""


def _plain(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def _created(status: dict[str, Any]) -> datetime:
    value = status.get("created_at")
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime.max.replace(tzinfo=UTC)  # unreadable: keep it a candidate
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _str(value: object) -> str | None:
    return str(value) if isinstance(value, str | int) and str(value) else None
