"""The JSON document that ``outbox`` writes and ``webhook`` sends: one delivery, self-contained."""

from __future__ import annotations

from typing import Any

from providers.base import BodyFormat, Outgoing
from socialgit.times import iso_utc

VERSION = 1  # bumped when a field changes meaning; receivers may check it


def document(outgoing: Outgoing, form: BodyFormat | None = None) -> dict[str, Any]:
    """Text, thread parts and media (repository-relative paths, alt text) plus the key; for
    an article (``form``), its body in that format too."""
    parts = [
        {
            "text": part.text,
            "media": [
                {"path": m.path, "alt": m.alt, "mime": m.mime, **({"url": m.url} if m.url else {})}
                for m in part.media
            ],
        }
        for part in outgoing.parts
    ]
    keys: dict[str, Any] = {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in outgoing.keys.items()
    }
    if outgoing.cover is not None:
        keys["cover"] = {"path": outgoing.cover.path, "mime": outgoing.cover.mime}
    return {
        "version": VERSION,
        "key": outgoing.key,
        "account": outgoing.account,
        "post": outgoing.post,
        "occurrence": iso_utc(outgoing.occurrence),
        # The whole text, parts separated as the author wrote them, for receivers that want one
        # string; ``parts`` keeps the thread structure.
        "text": "\n\n---\n\n".join(part.text for part in outgoing.parts),
        "parts": parts,
        # Only when the post sets any (title, link, tags, canonical_url, cover, excerpt, slug).
        **({"keys": keys} if keys else {}),
        # Only for an article: the whole body rendered (socialgit.longform), one part above.
        **({"format": form, "body": outgoing.body} if form is not None else {}),
    }
