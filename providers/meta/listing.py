"""Reading a Graph listing back, to find what went out: cursors, exact text, timestamps."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from providers.meta.graph import Session
from socialgit.errors import OutcomeUnknown

MAX_PAGES = 10
_TIMESTAMP = "%Y-%m-%dT%H:%M:%S%z"


def pages(session: Session, path: str, op: str, **params: str) -> Iterator[dict[str, Any]]:
    """The items of a Graph listing, following its cursors (``MAX_PAGES`` at most: more
    is ``OutcomeUnknown``, since what was not read cannot prove anything)."""
    after = None
    for _ in range(MAX_PAGES):
        answer = session.get(path, op, **params, **({"after": after} if after else {}))
        data = answer.get("data")
        for item in data if isinstance(data, list) else []:
            if isinstance(item, dict):
                yield item
        paging = answer.get("paging") if isinstance(answer.get("paging"), dict) else {}
        cursors = paging.get("cursors") if isinstance(paging, dict) else None
        after = cursors.get("after") if isinstance(cursors, dict) else None
        if not after or not isinstance(paging, dict) or not paging.get("next"):
            return
    raise OutcomeUnknown(f"{op}: more than {MAX_PAGES} pages to search; cannot tell")


def same_text(got: object, want: str) -> bool:
    """Whether a listed text is ``want`` (line ends and Unicode normal form aside)."""
    return isinstance(got, str) and bool(want.strip()) and _norm(got) == _norm(want)


def when_of(value: object) -> datetime | None:
    """A Graph timestamp (``2024-05-01T09:00:00+0000``) as a datetime; None if not one."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, _TIMESTAMP)
    except ValueError:
        return None


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()
