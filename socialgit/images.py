"""Image lines in a post's text: which attach a file, and which would leak raw Markdown.

A line that is one CommonMark image, ``![alt](path)``, attaches ``path`` to its part. The
destination is read the way CommonMark reads it, by markdown-it-py (the Python port of
markdown-it, kept to the CommonMark spec and its test suite): ``![alt](<gift card.png>)``
and ``![alt](gift%20card.png)`` both name ``gift card.png``, a title (``"…"``) is allowed,
and backslash escapes work in the alt. A hand-written pattern got exactly these cases wrong.
The text is never rendered as Markdown: it goes to the networks as written, so anything
that still looks like image syntax is an error here, not a post with ``![…](…)`` in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# What is left of image syntax once CommonMark has taken what it can read: a person meant an
# image here, and it must never reach a network as text.
_LEFTOVER = re.compile(r"!\[(?P<alt>[^\]\n]*)\]\((?P<dest>[^)\n]*)\)?")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True, slots=True)
class Image:
    target: str  # the destination, percent-decoded, as written relative to the post
    alt: str


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt  # only posts with images pay for the import

    return MarkdownIt("commonmark")


def _as_text(md: MarkdownIt, tokens: list[Token]) -> str:
    """The alt text as CommonMark gives it to a reader: markup dropped, escapes resolved."""
    from markdown_it.renderer import RendererHTML

    return RendererHTML().renderInlineAsText(tokens, md.options, {})


def read_line(line: str) -> Image | str | None:
    """An image line's image; a message when the line holds image syntax that would go out
    as text; None for an ordinary line of text."""
    if "![" not in line:  # every CommonMark image starts so: most lines stop here
        return None
    md = _parser()
    tokens = md.parseInline(line)
    children = (tokens[0].children or []) if tokens else []
    images = [t for t in children if t.type == "image"]
    rest = [t for t in children if t.type != "image" and (t.type != "text" or t.content.strip())]
    if len(images) == 1 and not rest:
        image = images[0]
        alt = _as_text(md, image.children or [])
        target = unquote(str(image.attrs.get("src", "")))
        if _URL.match(target):
            return (
                f"{target!r} is a URL: an image is attached from a file in the repository "
                "(socialgit fetches nothing); save it next to the post and use its path"
            )
        return Image(target, alt.strip())
    if images:
        return (
            "an image inside a line of text is not attached (and would go out as Markdown): "
            "put `![alt](path)` on a line of its own"
        )
    leftover = _LEFTOVER.search(line)
    if leftover is None:
        return None
    dest = leftover["dest"]
    hint = "an image is `![alt](path)` on a line of its own"
    if " " in dest.strip() and not dest.strip().startswith("<"):
        fixed = f"![{leftover['alt']}](<{dest.strip()}>)"
        hint = f"a path with spaces goes in angle brackets, `{fixed}`, or as %20"
    elif dest.strip().startswith("<") and not dest.strip().endswith(">"):
        hint = "close the angle brackets around the path"
    return f"this is not an image CommonMark can read, and it would go out as text: {hint}"
