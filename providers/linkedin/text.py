"""Post text in LinkedIn's "little" text format (the Posts API's ``commentary``).

Every reserved character must be backslash-escaped to show as itself: LinkedIn parses
``@[Name](urn)`` as a mention and ``{hashtag|#|tag}`` as a hashtag, and an unescaped reserved
character outside such an element makes it cut the post off there, silently (the API still
answers 201). We therefore escape them all, so ``@``, ``(``, ``*`` … in a post show literally
and never become a broken mention.

One exception, on purpose: a ``#word`` standing alone (after a space or punctuation, made of
letters and digits with at least one letter) is written as LinkedIn's hashtag template, so it
stays the clickable hashtag the author typed. ``C#``, ``#1``, ``issue#5`` and ``#snake_case``
are not hashtags and show literally. Mentions cannot be made from plain text (they need the
member's or page's URN), so ``@name`` is always literal text.
"""

from __future__ import annotations

import re

# The little format's reserved characters (learn.microsoft.com … little-text-format, "Text").
RESERVED = frozenset("\\|{}@[]()<>#*_~")
_HASHTAG = re.compile(r"(?<![\w#&])#(?=[^\W_]*[^\W\d_])([^\W_]+)(?!\w)")


def escape(text: str) -> str:
    """Plain text as little text: reserved characters escaped, standalone hashtags kept."""
    out: list[str] = []
    end = 0
    for found in _HASHTAG.finditer(text):
        out.append(_literal(text[end : found.start()]))
        out.append("{hashtag|#|" + found.group(1) + "}")
        end = found.end()
    out.append(_literal(text[end:]))
    return "".join(out)


def _literal(text: str) -> str:
    return "".join(f"\\{c}" if c in RESERVED else c for c in text)
