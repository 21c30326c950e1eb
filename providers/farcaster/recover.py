"""Finding a Farcaster delivery in doubt among the account's own casts.

``GET /v2/farcaster/feed/user/casts?fid=…&include_replies=true`` lists the account's casts,
newest first, a page at a time (``next.cursor``). A cast is a part of the delivery by
``providers._scan``'s rules: its ``text`` exactly the part's, as many embedded URLs, and
its ``parent_hash`` the part before, and as many embeds pointing at the delivery's images
(only those are counted: an embed Farcaster made of a link in the text is not an image).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from providers import _scan
from providers.farcaster import api
from socialgit.errors import OutcomeUnknown

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials, Outgoing, Receipt
    from socialgit.model import Account

PAGE = 50
MAX_PAGES = 4


def find(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    fid = api.signer(client, account, credentials)
    since = _scan.since(outgoing)
    op = "Farcaster look-up"
    seen: list[_scan.Seen] = []
    params: dict[str, str | int] = {"fid": fid, "limit": PAGE, "include_replies": "true"}
    ours = {m.url for part in outgoing.parts for m in part.media if m.url}
    complete = False
    for _ in range(MAX_PAGES):
        answer = api.call(client, account, credentials, "GET", "/v2/farcaster/feed/user/casts",
                          op=op, sent=False, params=params)  # fmt: skip
        casts = answer.get("casts")
        if not isinstance(casts, list):
            raise OutcomeUnknown(f"{op}: unreadable list of casts")
        page = [
            _seen(c, ours) for c in casts if isinstance(c, dict) and isinstance(c.get("hash"), str)
        ]
        seen.extend(item for item in page if item.created >= since)
        following = answer.get("next")
        cursor = following.get("cursor") if isinstance(following, dict) else None
        if not page or page[-1].created < since or not cursor:
            complete = True
            break
        params = {**params, "cursor": str(cursor)}
    found = _scan.chain(seen, outgoing, where=f"fid {fid}", complete=complete)
    return _scan.receipt(found)


def _seen(cast: dict[str, Any], ours: set[str]) -> _scan.Seen:
    embeds = cast.get("embeds")
    listed = embeds if isinstance(embeds, list) else []
    images = [e for e in listed if isinstance(e, dict) and e.get("url") in ours]
    parent = cast.get("parent_hash")
    return _scan.Seen(
        id=str(cast["hash"]),
        text=str(cast.get("text") or ""),
        parent=parent if isinstance(parent, str) and parent else None,
        created=_scan.when(cast.get("timestamp")) or datetime.max.replace(tzinfo=UTC),
        media=len(images),
        url=api.link(str(cast["hash"])),
    )
