"""Finding a delivery in doubt among an account's own recent items, for networks that keep
no idempotency key we can read back (Lemmy, Misskey, Pixelfed, Farcaster).

The only evidence is what the account published since the delivery was due. An item is a
part of this delivery when it was published at or after the occurrence, its text is the
part's text exactly (after line-ending and Unicode normalisation), it carries as many
attachments as the part, and it replies to the part before (the first part replies to
nothing), plus whatever else the network can compare (Lemmy's community and title). A
recurring post's earlier occurrences are older than this one, so they never match.

A part the runner already recorded (``Outgoing.done``) is taken by its id, not its words.
What cannot be told stays a doubt (``OutcomeUnknown``), never a guess: two candidates for
one part, a matching item published in the few minutes *before* the occurrence (clocks
differ: it may be ours or a person's), or more items since the occurrence than were read.
Only a list read back past the occurrence with nothing matching proves absence.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from socialgit.errors import OutcomeUnknown

if TYPE_CHECKING:
    from providers.base import Outgoing, Receipt

SKEW = timedelta(minutes=5)  # the network's clock may trail ours by this much


@dataclass(frozen=True, slots=True)
class Seen:
    """One item the account published, as a network's look-up reads it."""

    id: str
    text: str
    parent: str | None  # the item it replies to (a comment's post or parent comment)
    created: datetime
    media: int = 0
    url: str | None = None
    tag: str = ""  # what else must match on part 1 (Lemmy: community and title)


def plain(text: str) -> str:
    """Text as compared: NFC, LF line endings, no surrounding whitespace."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()


def since(outgoing: Outgoing) -> datetime:
    """The oldest time a look-up must read back to."""
    return outgoing.occurrence.astimezone(UTC) - SKEW


def chain(
    seen: Iterable[Seen],
    outgoing: Outgoing,
    *,
    where: str,
    complete: bool,
    tag: str = "",
    same: Callable[[str, str], bool] | None = None,
) -> list[Seen]:
    """The leading parts of ``outgoing`` found in ``seen``, in order ([] when none is).

    ``where`` names the account for messages; ``complete``: ``seen`` holds everything
    published since :func:`since` (False: the account published more than was read).
    ``same(found, sent)`` compares texts where the network changes them (default: equal
    after :func:`plain`)."""
    equal = same or (lambda found, sent: plain(found) == plain(sent))
    # By id: pages that shift while they are read, or a reply listed twice, are one item.
    items = list({item.id: item for item in seen if item.created >= since(outgoing)}.values())
    due = outgoing.occurrence.astimezone(UTC)
    found: list[Seen] = []
    for number, part in enumerate(outgoing.parts, 1):
        if number <= len(outgoing.done):
            # A part the runner recorded is that item and no other (gone: the rest is
            # sent after the recorded parts, as for nothing found).
            recorded = [item for item in items if item.id == outgoing.done[number - 1]]
            if not recorded:
                break
            found.append(recorded[0])
            continue
        parent = found[-1].id if found else None
        candidates = [
            item
            for item in items
            if item.parent == parent
            and item.media == len(part.media)
            and (found or item.tag == tag)
            and equal(item.text, part.text)
        ]
        early = [item for item in candidates if item.created < due]
        if early:
            raise OutcomeUnknown(
                f"{outgoing.post}: part {number} matches an item on {where} published just "
                f"before it was due ({_link(early[0])}); cannot tell whether it is this delivery"
            )
        if len(candidates) > 1:
            links = ", ".join(_link(item) for item in candidates[:3])
            raise OutcomeUnknown(
                f"{outgoing.post}: {len(candidates)} items on {where} match part {number} "
                f"({links}); cannot tell which one is this delivery"
            )
        if not candidates:
            break
        found.append(candidates[0])
    if not found and not complete:
        raise OutcomeUnknown(
            f"{outgoing.post}: {where} has published more since it was due than socialgit "
            "reads back; cannot tell whether it went out"
        )
    return found


def receipt(found: list[Seen]) -> Receipt | None:
    """The receipt of the parts found (None: nothing went out)."""
    from providers.base import Receipt

    if not found:
        return None
    return Receipt(id=found[0].id, url=found[0].url, parts=tuple(item.id for item in found))


def when(value: object) -> datetime | None:
    """An ISO 8601 time as networks write them (``Z``, an offset, or none: UTC)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        found = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def _link(item: Seen) -> str:
    return item.url or item.id
