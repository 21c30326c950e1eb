"""An article's Markdown as Tumblr's Neue Post Format: a list of content blocks.

NPF has no title, no HTML and no section break. The title becomes the first block, a
``heading1`` text; each paragraph a text block, with its bold, italic, strikethrough and
links as ``formatting`` ranges over the block's text (indices in code points:
UNCONFIRMED, the spec says "characters"); headings ``heading1`` (``#``) and ``heading2``
(deeper); list items ``unordered-list-item`` / ``ordered-list-item``; quotes ``indented``;
code blocks ``chat`` (Tumblr's monospaced text); ``---`` nothing. Each image of the body
becomes an image block of its own, after the text it sat in, with its alt text; its file is
attached to the create request under the block's ``identifier``.

markdown-it-py (the renderer socialgit uses for every article) reads the Markdown, so a body
is parsed here exactly as it is validated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it.token import Token

TEXT_MAX = 4096  # code points in one text block (the NPF spec's limit)
IMAGES_MAX = 30  # image blocks in one post


@dataclass
class Blocks:
    """The content blocks, and the image sources (as written) in the order of their
    blocks: the caller attaches each file under its block's identifier."""

    content: list[dict[str, Any]] = field(default_factory=list)
    images: list[str] = field(default_factory=list)

    def text(
        self, text: str, subtype: str = "", formatting: list[dict[str, Any]] | None = None
    ) -> None:
        if not text.strip():
            return
        block: dict[str, Any] = {"type": "text", "text": text}
        if subtype:
            block["subtype"] = subtype
        if formatting:
            block["formatting"] = formatting
        self.content.append(block)

    def image(self, source: str, alt: str) -> None:
        identifier = f"image-{len(self.images)}"
        self.images.append(source)
        block: dict[str, Any] = {"type": "image", "media": [{"identifier": identifier}]}
        if alt:
            block["alt_text"] = alt
        self.content.append(block)


def blocks(title: str, markdown: str) -> Blocks:
    from markdown_it import MarkdownIt  # only Tumblr's articles pay for the import

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("lheading")
    found = Blocks()
    found.text(title, "heading1")
    subtype, lists = "", []  # the innermost list's kind
    for token in parser.parse(markdown):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append("unordered" if kind == "bullet_list_open" else "ordered")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "heading_open":
            subtype = "heading1" if token.tag == "h1" else "heading2"
        elif kind == "blockquote_open":
            subtype = "indented"
        elif kind in ("heading_close", "blockquote_close"):
            subtype = ""
        elif kind in ("fence", "code_block"):
            found.text(token.content.rstrip("\n"), "chat")
        elif kind == "inline":
            item = f"{lists[-1]}-list-item" if lists else ""
            _inline(found, token.children or [], item or subtype)
    return found


def _inline(found: Blocks, children: list[Token], subtype: str) -> None:
    text: list[str] = []
    formatting: list[dict[str, Any]] = []
    opened: dict[str, tuple[int, dict[str, Any]]] = {}
    images: list[tuple[str, str]] = []
    names = {"strong": "bold", "em": "italic", "s": "strikethrough", "link": "link"}
    for child in children:
        at = sum(len(part) for part in text)
        kind = child.type
        if kind in ("text", "code_inline", "html_inline"):
            text.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            text.append("\n")
        elif kind == "image":
            images.append((str(child.attrs.get("src") or ""), child.content))
        elif kind.endswith("_open") and kind[:-5] in names:
            extra = {"url": str(child.attrs.get("href") or "")} if kind == "link_open" else {}
            opened[kind[:-5]] = (at, extra)
        elif kind.endswith("_close") and kind[:-6] in opened:
            start, extra = opened.pop(kind[:-6])
            if at > start:
                formatting.append({"start": start, "end": at, "type": names[kind[:-6]], **extra})
    found.text("".join(text).rstrip(), subtype, formatting)
    for source, alt in images:
        found.image(source, alt)
