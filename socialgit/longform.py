"""Articles: a post's body as one Markdown document, rendered for a network of articles.

A short post goes out as written, split into thread parts at ``---``. A network of articles
(its ``long_form`` says ``"html"`` or ``"markdown"``: WordPress, Dev.to) takes the whole body
as one document instead: a line ``---`` is a section break (``<hr>``), never a split, and the
body is rendered from Markdown to HTML, or handed over as Markdown to networks that render it
themselves. Either way every image in it that names a file in the repository is uploaded to
the network and its address rewritten to the uploaded copy's URL, its alt text kept.

The Markdown is read by markdown-it-py: a CommonMark implementation (it passes the spec's test
suite), maintained (executablebooks, behind MyST and mdformat), pure Python with one small
dependency, and it exposes its token stream, so images are found and rewritten on the parsed
document rather than by patterns over the text. Beyond CommonMark, tables and ~~strikethrough~~
are on (as on GitHub and Dev.to); setext headings (a line underlined with ``---`` or ``===``)
are off, so a ``---`` line under a paragraph is a section break here as it is a split in a
short post. Raw HTML passes through, as CommonMark allows: the author's own site, reviewed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from posixpath import dirname, join, normpath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from socialgit.model import Media

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

    from providers.base import BodyFormat

# A destination with a scheme (https:, data:, mailto:), protocol-relative or a fragment is
# not a file of the repository: it is left as written.
_REMOTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|//|#)")
_IMAGE_START = re.compile(r"!\[(?:[^\[\]\\\n]|\\.|\[[^\[\]\n]*\])*\]\([ \t]*")
_DEFINITION = re.compile(r"^ {0,3}\[(?:[^\[\]\\\n]|\\.)+\]:[ \t]*")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt  # only articles pay for the import

    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("lheading")


def resolve(post_path: str, target: str) -> str:
    """A destination as written in the post (percent-decoded) as a repository path; ``..``
    escapes and absolute paths are kept, for the media checks to refuse."""
    if target.startswith("/"):
        return target
    return normpath(join(dirname(post_path), target))


def _target(image: Token) -> str | None:
    """The file an image names, percent-decoded as written; None for a remote image."""
    src = unquote(str(image.attrs.get("src", "")))
    return None if not src or _REMOTE.match(src) else src


def _images(tokens: list[Token]) -> Iterator[tuple[Token, int]]:
    """Every image of the document with the line it stands on (0-based, in the text)."""
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        line = block.map[0] if block.map else 0
        for child in block.children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "image":
                yield child, line


def _alt(image: Token) -> str:
    from markdown_it.renderer import RendererHTML

    return RendererHTML().renderInlineAsText(image.children or [], _parser().options, {}).strip()


def images(text: str, first_line: int, post_path: str) -> tuple[Media, ...]:
    """The body's images that name a file of the repository, in order, with their alt text
    and file line (``first_line``: the file line of the text's first line)."""
    found = []
    for image, line in _images(_parser().parse(text, {})):
        target = _target(image)
        if target is not None:
            found.append(Media(resolve(post_path, target), _alt(image), first_line + line))
    return tuple(found)


def render(
    text: str, post_path: str, form: BodyFormat, url_for: Callable[[str], str | None]
) -> str:
    """The body for a network that takes ``form``: each image naming a repository file gets
    ``url_for(its repository path)`` as its address (None: left as written)."""
    md = _parser()
    env: dict[str, object] = {}
    tokens = md.parse(text, env)
    urls: dict[str, str] = {}  # destination as written (decoded) -> URL
    for image, _ in _images(tokens):
        target = _target(image)
        url = url_for(resolve(post_path, target)) if target is not None else None
        if target is not None and url is not None:
            image.attrs["src"] = url
            urls[target] = url
    if form == "html":
        return str(md.renderer.render(tokens, md.options, env))
    return _rewrite_markdown(text, tokens, urls)


def _rewrite_markdown(text: str, tokens: list[Token], urls: dict[str, str]) -> str:
    """The Markdown as written, with image destinations (inline, and the link reference
    definitions images use) replaced by their URLs; code blocks are left alone. A ``---``
    right under a line of text gets a blank line before it: the network's own renderer would
    read it as a heading's underline, where socialgit reads a section break."""
    from markdown_it.helpers import parseLinkDestination

    code: set[int] = set()
    breaks: set[int] = set()
    for block in tokens:
        if block.type in ("fence", "code_block") and block.map:
            code.update(range(*block.map))
        if block.type == "hr" and block.map:
            breaks.add(block.map[0])
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if number not in code and urls and ("![" in line or "]:" in line):
            line = _rewrite_line(line, urls, parseLinkDestination)
        if number in breaks and number > 0 and lines[number - 1].strip():
            line = "\n" + line
        lines[number] = line
    return "\n".join(lines)


def _rewrite_line(line: str, urls: dict[str, str], destination: Callable[..., Any]) -> str:
    starts = [m.end() for m in _IMAGE_START.finditer(line)]
    definition = _DEFINITION.match(line)
    if definition:
        starts.append(definition.end())
    edits: list[tuple[int, int, str]] = []
    for start in starts:
        found = destination(line, start, len(line))
        url = urls.get(unquote(found.str)) if found.ok else None
        if url is not None:
            edits.append((start, found.pos, url.replace(" ", "%20")))
    for start, end, url in sorted(edits, reverse=True):
        line = line[:start] + url + line[end:]
    return line
