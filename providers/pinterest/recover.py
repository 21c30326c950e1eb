"""Finding a pin in doubt on its board (``GET /boards/{board}/pins``).

Pinterest keeps nothing we send that could carry the delivery key, so the evidence is the
board itself, read through ``providers/_scan.py``: a pin created at or after the occurrence
with exactly this description, title, link and number of images, and alone. The order of
the listing is not documented (UNCONFIRMED newest first), so the board is read to its end,
up to :data:`PAGES` pages; a longer board leaves the delivery in doubt.

A pin that only *resembles* the delivery (same description or same title since it was due,
but not all the rest) is never taken for absence: Pinterest may rewrite a field it stores
(a link, white space), and resending would then make a second pin. It goes to a person.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from providers import _scan
from providers.pinterest import api
from providers.pinterest import media as _media
from socialgit.errors import OutcomeUnknown

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials, Outgoing
    from socialgit.model import Account

PAGE = 100  # pins per page (Pinterest allows up to 250)
PAGES = 10


def link(pin_id: str) -> str:
    return f"https://www.pinterest.com/pin/{pin_id}/"


def tag(title: object, destination: object) -> str:
    """What must match besides the text: the pin's title and its link."""
    words = [value if isinstance(value, str) else "" for value in (title, destination)]
    return "\n".join(words)


def board_pins(
    client: httpx.Client, account: Account, credentials: Credentials, board: str
) -> tuple[list[_scan.Seen], bool]:
    """The board's pins, and whether the list was read to its end."""
    seen: list[_scan.Seen] = []
    bookmark: str | None = None
    for _ in range(PAGES):
        params = {"page_size": str(PAGE), **({"bookmark": bookmark} if bookmark else {})}
        answer = api.call(
            client,
            account,
            credentials,
            "GET",
            f"/boards/{board}/pins",
            op="Pinterest board pins",
            params=params,
        )
        items = answer.get("items")
        if not isinstance(items, list):
            # An unreadable page is not an empty board: taking it for one would resend.
            raise OutcomeUnknown("Pinterest board pins: unreadable answer; cannot tell")
        seen.extend(_seen(pin) for pin in items if isinstance(pin, dict) and pin.get("id"))
        found = answer.get("bookmark")
        bookmark = found if isinstance(found, str) and found else None
        if bookmark is None:
            return seen, True
    return seen, False


def _seen(pin: dict[str, Any]) -> _scan.Seen:
    ident = str(pin["id"])
    description = pin.get("description")
    # A pin without a readable time is taken as recent: it may be ours.
    created = _scan.when(pin.get("created_at")) or datetime.now(UTC)
    return _scan.Seen(
        id=ident,
        text=description if isinstance(description, str) else "",
        parent=None,
        created=created,
        media=_media.count(pin) or 0,
        url=link(ident),
        tag=tag(pin.get("title"), pin.get("link")),
    )


def find(
    seen: list[_scan.Seen], complete: bool, outgoing: Outgoing, where: str
) -> list[_scan.Seen]:
    """The pin that is this delivery ([] when none is); ``OutcomeUnknown`` when a pin
    resembles it without matching, or the board is longer than was read."""
    expected = tag(outgoing.keys.get("title"), outgoing.keys.get("link"))
    found = _scan.chain(seen, outgoing, where=where, complete=complete, tag=expected)
    if found:
        return found
    text = _scan.plain(outgoing.parts[0].text)
    title = expected.split("\n")[0]
    alike = [
        item
        for item in seen
        if item.created >= _scan.since(outgoing)
        and (_scan.plain(item.text) == text or (title and item.tag.split("\n")[0] == title))
    ]
    if alike:
        raise OutcomeUnknown(
            f"{outgoing.post}: a pin on {where} since it was due looks like it "
            f"({alike[0].url}) but does not match it exactly; cannot tell whether it is "
            "this delivery"
        )
    return []
