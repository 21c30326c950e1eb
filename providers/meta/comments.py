"""Later thread parts as comments under the post (Facebook Pages, Instagram).

A comment is one non-idempotent POST, and Meta keeps nothing of our key. But the comments
under our own post are few and all visible to us: so an attempt that resumes a thread (some
parts already recorded) first looks for an identical comment of ours under the post and
takes it instead of writing it again. That covers the comment whose answer was lost, and
those a killed run wrote after the last record that reached the repository. A fresh thread
cannot have comments of ours yet, so it looks for none.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from providers.meta import listing
from providers.meta.graph import Session
from socialgit.errors import OutcomeUnknown

Own = Callable[[dict[str, Any]], bool]  # whether a listed comment is the account's own


def comment(
    session: Session,
    parent: str,
    text: str,
    *,
    resumed: bool,
    taken: Collection[str],
    fields: str,
    own: Own,
) -> str:
    """The id of ``text`` as a comment under ``parent``: an identical own comment already
    there (``resumed`` only, never one in ``taken``), else a new one. ``fields`` lists what
    the listing returns, the comment's text field first (``message`` or ``text``)."""
    title = session.title
    if resumed:
        said = fields.split(",")[0]
        for item in listing.pages(
            session, f"{parent}/comments", f"{title} list comments", fields=f"id,{fields}"
        ):
            ident = str(item.get("id") or "")
            mine = ident and ident not in taken and own(item)
            if mine and listing.same_text(item.get(said), text):
                return ident
    answer = session.post(f"{parent}/comments", f"{title} comment", sent=True, message=text)
    return sent_id(answer, f"{title} comment")


def sent_id(answer: dict[str, Any], op: str) -> str:
    """The ``id`` in the answer to a request that may have published something; an answer
    without one is in doubt, never a reason to send again."""
    found = answer.get("id")
    if not isinstance(found, str | int) or not str(found):
        raise OutcomeUnknown(f"{op}: no id came back; it may have gone out")
    return str(found)
