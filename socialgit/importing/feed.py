"""``socialgit import rss``: each new item of an RSS or Atom feed becomes a post (docs/import.md).

Feeds are read with feedparser: it reads RSS 0.9x, 1.0 and 2.0 and Atom 0.3 and 1.0, the
broken feeds the web is full of (undeclared encodings, bad dates, HTML in titles), and it
sanitizes embedded HTML. socialgit fetches the feed itself (httpx, with a timeout and a size
cap) and hands feedparser the bytes, so feedparser never opens a URL or a file.

An item's post id comes from its guid (Atom: id) alone, so a re-run, or an item whose title
was edited since, never makes a second post.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from socialgit.errors import UsageError
from socialgit.importing.drafts import Draft, Outcome, check_and_write, folder, slug
from socialgit.model import Config
from socialgit.times import zone

DEFAULT_TEMPLATE = "{title} {link}\n\n{tags}"
PLACEHOLDERS = ("title", "link", "summary", "tags")
MAX_BYTES = 5 * 1024 * 1024
_SPACES = re.compile(r"[ \t]+")
_TAG = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class Item:
    guid: str
    title: str
    link: str
    summary: str
    tags: tuple[str, ...]
    published: datetime | None


def import_feed(
    root: Path,
    config: Config,
    source: str,
    now: datetime,
    *,
    targets: tuple[str, ...],
    into: str | None = None,
    queue: str | None = None,
    template: str = DEFAULT_TEMPLATE,
    limit: int = 10,
    dry_run: bool = False,
) -> Outcome:
    """Posts for the newest ``limit`` items of the feed at ``source`` (a URL or a file)."""
    if not targets:
        raise UsageError("--targets: name the accounts the feed's posts go to")
    _check_template(template)
    items = read(_fetch(source), source)[:limit]
    when = None if queue else _next_minute(now, config)
    drafts = []
    for number, item in enumerate(items, 1):
        text = _fill(template, item)
        drafts.append(
            Draft(
                where=f"item {number} ({item.guid})",
                id="feed-" + hashlib.sha256(item.guid.encode("utf-8")).hexdigest()[:16],
                stem=f"{slug(item.title, 40) or 'item'}-"
                + hashlib.sha256(item.guid.encode("utf-8")).hexdigest()[:8],
                targets=targets,
                text=text,
                publish_at=when,
                queue=queue,
                columns={"text": "template"},
            )
        )
    outcome = Outcome()
    check_and_write(root, config, folder(config, into), drafts, outcome, dry_run=dry_run)
    return outcome


def _next_minute(now: datetime, config: Config) -> str:
    local = now.astimezone(zone(config.timezone)).replace(second=0, microsecond=0)
    return (local + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")


def _fetch(source: str) -> bytes:
    if source.startswith(("https://", "http://")):
        import httpx

        try:
            with (
                httpx.Client(timeout=30.0, follow_redirects=True, max_redirects=5) as client,
                client.stream("GET", source, headers={"User-Agent": "socialgit"}) as answer,
            ):
                if answer.status_code != 200:
                    raise UsageError(f"{source}: the server answered {answer.status_code}")
                data = b""
                for chunk in answer.iter_bytes():
                    data += chunk
                    if len(data) > MAX_BYTES:
                        raise UsageError(f"{source}: more than {MAX_BYTES} bytes")
                return data
        except httpx.HTTPError as exc:
            raise UsageError(f"{source}: cannot fetch the feed: {exc}") from None
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise UsageError(f"{source}: cannot read: {exc.strerror}") from None


def read(data: bytes, source: str) -> list[Item]:
    """The feed's items, newest first (feed order where an item has no date)."""
    import feedparser

    parsed: Any = feedparser.parse(data)
    if not parsed.entries and (parsed.bozo or not parsed.version):
        reason = getattr(parsed.get("bozo_exception"), "args", ["no items"])[0]
        raise UsageError(f"{source}: not an RSS or Atom feed ({reason})")
    items = []
    for number, entry in enumerate(parsed.entries, 1):
        guid = entry.get("id") or entry.get("link") or ""
        if not guid:
            raise UsageError(f"{source}: item {number} has neither a guid (id) nor a link")
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        items.append(
            Item(
                guid=guid,
                title=_one_line(entry.get("title", "")),
                link=entry.get("link", ""),
                summary=text_of(entry.get("summary", "")),
                tags=tuple(t["term"] for t in entry.get("tags", []) if t.get("term")),
                published=datetime(*stamp[:6]) if stamp else None,
            )
        )
    dated = [i for i in items if i.published is not None]
    if len(dated) == len(items):
        items.sort(key=lambda i: i.published or datetime.min, reverse=True)
    return items


def _one_line(text: str) -> str:
    return _SPACES.sub(" ", text_of(text).replace("\n", " ")).strip()


def _check_template(template: str) -> None:
    import string

    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None and name not in PLACEHOLDERS:
            raise UsageError(
                f"template: unknown placeholder {{{name}}} (there are "
                + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                + "; write {{ and }} for braces)"
            )


def _fill(template: str, item: Item) -> str:
    hashtags = " ".join(f"#{tag}" for tag in (_TAG.sub("", t) for t in item.tags) if tag)
    text = template.format(title=item.title, link=item.link, summary=item.summary, tags=hashtags)
    lines = [line.rstrip() for line in text.strip().split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


class _Text(HTMLParser):
    """HTML to plain text: paragraphs and line breaks kept, tags dropped."""

    BLOCKS = frozenset(("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.pieces.append("\n")
        elif tag in self.BLOCKS:
            self.pieces.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.pieces.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.pieces.append(data)


def text_of(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(parser.pieces).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
