"""Posts about to be imported: written as post files, checked in memory first, then written.

A draft is checked as the post file it would be (``content.analyze`` on its text, at the
path it would get), so an import reports what ``validate`` would: a text over a network's
limit, a missing image, an unknown account. Each problem names the draft's row (or feed
item) and the column it came from. Nothing is written unless every draft is sound, and no
file is ever replaced: a post is linked into place, which fails when the name is taken.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from socialgit.content import analyze, post_files
from socialgit.errors import UsageError
from socialgit.model import Config
from socialgit.post import split
from socialgit.yamlnodes import YamlError

DEFAULT_FOLDER = "imported"
# publish_at for checking a queued draft (no time yet): far enough ahead to be upcoming.
_QUEUED_CHECK_TIME = "2099-12-31 12:00"
_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")  # ASCII punctuation: CommonMark escapes each
_BREAK = re.compile(r"^---[ \t]*$")
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._:+/-]*$")


@dataclass
class Draft:
    """One post to be: ``where`` names its source for messages (``posts.csv row 3``)."""

    where: str
    id: str
    targets: tuple[str, ...]
    text: str
    publish_at: str | None = None
    queue: str | None = None
    title: str | None = None
    link: str | None = None
    tags: tuple[str, ...] = ()
    media: tuple[tuple[str, str], ...] = ()  # (repository-relative path, alt text)
    columns: dict[str, str] = field(default_factory=dict)  # field → its column as written
    stem: str | None = None  # the file's name without .md (default: the id)

    def column(self, name: str) -> str:
        written = self.columns.get(name, name)
        return name if written == name else f"{name} ({written})"


@dataclass
class Outcome:
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "row 3: id 'x' is content/a.md's"
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def stable_id(prefix: str, *parts: str) -> str:
    """A readable id that is the same for the same source: ``prefix-slug-hash``."""
    digest = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:8]
    words = slug(parts[-1] if parts else "", 40)
    return "-".join(p for p in (prefix, words, digest) if p)


def slug(text: str, limit: int) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:limit].rstrip("-")


def folder(config: Config, into: str | None) -> str:
    """The repository-relative folder posts go into: inside the content folder."""
    wanted = (into or f"{config.content}/{DEFAULT_FOLDER}").strip().strip("/")
    path = PurePosixPath(wanted)
    content = PurePosixPath(config.content)
    inside = config.content == "." or path == content or content in path.parents
    if path.is_absolute() or ".." in path.parts or not inside:
        raise UsageError(
            f"--into {wanted}: posts must go into the content folder ({config.content}/), "
            "or they are never published"
        )
    return str(path)


def render(draft: Draft, post_path: str, *, checking: bool = False) -> tuple[str, dict[int, str]]:
    """The post file's text, and which field each line came from (for messages).

    ``checking``: the text ``validate`` can read today: a queued draft gets a placeholder
    time and no ``queue:`` (queue names are checked by ``socialgit validate`` once written).
    """
    lines: list[tuple[str, str]] = [("", "---")]
    publish_at = draft.publish_at or (_QUEUED_CHECK_TIME if checking else None)
    if publish_at is not None:
        # socialgit reads a time as text (parse_time checked it): plain, as people write it.
        written = publish_at if _PLAIN.match(publish_at) else _scalar(publish_at)
        lines.append(("publish_at", f"publish_at: {written}"))
    lines.append(("targets", f"targets: [{', '.join(draft.targets)}]"))
    lines.append(("id", f"id: {draft.id}"))
    if draft.queue is not None and not checking:
        lines.append(("queue", f"queue: {_scalar(draft.queue)}"))
    if draft.title is not None:
        lines.append(("title", f"title: {_scalar(draft.title)}"))
    if draft.link is not None:
        lines.append(("link", f"link: {_scalar(draft.link)}"))
    if draft.tags:
        lines.append(("tags", f"tags: [{', '.join(_scalar(t) for t in draft.tags)}]"))
    lines.append(("", "---"))
    body = [("text", line) for line in draft.text.split("\n")]
    # Images go with the first part of a thread (before its first `---` line).
    cut = next((i for i, (_, line) in enumerate(body) if _BREAK.match(line)), len(body))
    images: list[tuple[str, str]] = []
    here = PurePosixPath(post_path).parent
    for path, alt in draft.media:
        relative = os.path.relpath(path, here).replace(os.sep, "/")
        target = f"<{relative}>" if " " in relative else relative
        escaped = _PUNCT.sub(r"\\\1", alt)
        images += [("", ""), ("media", f"![{escaped}]({target})")]
    if images and cut < len(body):
        images.append(("", ""))
    lines += body[:cut] + images + body[cut:]
    origin = {number: name for number, (name, _) in enumerate(lines, 1) if name}
    return "\n".join(text for _, text in lines) + "\n", origin


def _scalar(value: str) -> str:
    """``value`` as YAML reads it back: plain when that is safe, else double-quoted (JSON's
    string syntax is YAML's double-quoted one)."""
    if _PLAIN.match(value) and ": " not in value and yaml.safe_load(value) == value:
        return value
    return json.dumps(value, ensure_ascii=False)


def existing_ids(root: Path, config: Config) -> dict[str, str]:
    """The ``id:`` of every post in the content folder, to the post's path."""
    found: dict[str, str] = {}
    for rel in post_files(root, config.content):
        try:
            front = split((root / rel).read_text("utf-8").removeprefix("\ufeff")).front
            data = yaml.safe_load(front)
        except (OSError, UnicodeDecodeError, YamlError, yaml.YAMLError):
            continue  # a broken post is validate's to report; it has no id to keep
        if isinstance(data, dict) and data.get("id") is not None:
            found.setdefault(str(data["id"]), rel)
    return found


def place(root: Path, into: str, draft: Draft, taken: set[str]) -> str:
    """A free path for the draft: ``INTO/ID.md``, else ``INTO/ID-2.md``, …"""
    stem = draft.stem or draft.id
    number = 1
    while True:
        name = stem if number == 1 else f"{stem}-{number}"
        rel = f"{into}/{name}.md"
        if rel not in taken and not (root / rel).exists():
            taken.add(rel)
            return rel
        number += 1


def check_and_write(
    root: Path, config: Config, into: str, drafts: list[Draft], outcome: Outcome, *, dry_run: bool
) -> None:
    """Check every draft as a post; write them all only when none has an error."""
    known = existing_ids(root, config)
    fresh: list[Draft] = []
    for draft in drafts:
        if draft.id in known:
            outcome.skipped.append(f"{draft.where}: id {draft.id!r} exists ({known[draft.id]})")
        else:
            fresh.append(draft)
    taken: set[str] = set()
    planned: list[tuple[str, str]] = []
    for draft in fresh:
        rel = place(root, into, draft, taken)
        checked, origin = render(draft, rel, checking=True)
        report = analyze(root, rel, config, checked.encode("utf-8"))
        for problem in report.problems:
            name = origin.get(problem.line)
            where = f"{draft.where}, {draft.column(name)}" if name else draft.where
            line = f"{where}: {problem.message}"
            (outcome.errors if problem.severity == "error" else outcome.warnings).append(line)
        planned.append((rel, render(draft, rel)[0]))
    if outcome.errors or dry_run:
        outcome.written = [rel for rel, _ in planned] if dry_run and not outcome.errors else []
        return
    for rel, text in planned:
        _create(root / rel, text.encode("utf-8"))
        outcome.written.append(rel)


def _create(file: Path, data: bytes) -> None:
    """Write a whole new file, never over an existing one (a link fails if the name is taken)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    temp = file.with_name(f".{file.name}.socialgit-import")
    temp.write_bytes(data)
    try:
        os.link(temp, file)
    except FileExistsError:
        raise UsageError(f"{file.name} appeared while importing; nothing was overwritten") from None
    finally:
        temp.unlink()
