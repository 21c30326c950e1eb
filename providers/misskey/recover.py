"""Who the Misskey account is, and finding a delivery in doubt among its own notes.

``POST /api/users/notes`` lists the account's notes newest first, 100 a page (paged with
``untilId``), replies included (``withReplies``, off by default), renotes left out. A note
is a part of the delivery by ``providers._scan``'s rules: its ``text`` exactly the part's,
as many ``fileIds``, and its ``replyId`` the part before.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from providers import _scan
from providers.misskey import api
from socialgit.errors import OutcomeUnknown

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials, Outgoing, Receipt
    from socialgit.model import Account

PAGE = 100  # Misskey's largest page
MAX_PAGES = 3


def me(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, Any]:
    answer = api.call(client, account, credentials, "i", op="Misskey account", sent=False)
    if not isinstance(answer, dict) or not answer.get("id"):
        raise OutcomeUnknown(f"{account.name}: Misskey did not say who the account is")
    return answer


def find(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    person = me(client, account, credentials)
    since = _scan.since(outgoing)
    op = "Misskey look-up"
    seen: list[_scan.Seen] = []
    # Newest first, paged with ``untilId``: the one order every version keeps for it.
    body: dict[str, Any] = {
        "userId": person["id"], "limit": PAGE, "withReplies": True, "withRenotes": False,
    }  # fmt: skip
    complete = False
    for _ in range(MAX_PAGES):
        page = api.call(client, account, credentials, "users/notes", op=op, sent=False, json=body)
        if not isinstance(page, list):
            raise OutcomeUnknown(f"{op}: unreadable list of notes")
        notes = [
            _seen(account, n) for n in page if isinstance(n, dict) and isinstance(n.get("id"), str)
        ]
        seen.extend(note for note in notes if note.created >= since)
        if len(page) < PAGE or not notes or notes[-1].created < since:
            complete = True
            break
        body = {**body, "untilId": notes[-1].id}
    where = f"@{person.get('username')}@{api.host(account)}"
    return _scan.receipt(_scan.chain(seen, outgoing, where=where, complete=complete))


def _seen(account: Account, note: dict[str, Any]) -> _scan.Seen:
    files = note.get("fileIds")
    reply = note.get("replyId")
    when = _scan.when(note.get("createdAt")) or datetime.max.replace(tzinfo=UTC)
    return _scan.Seen(
        id=str(note["id"]),
        text=str(note.get("text") or ""),
        parent=reply if isinstance(reply, str) and reply else None,
        created=when,
        media=len(files) if isinstance(files, list) else 0,
        url=f"{api.base(account)}/notes/{note['id']}",
    )
