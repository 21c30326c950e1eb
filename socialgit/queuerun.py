"""``socialgit queue``: write each queued post's slot into its file as ``publish_at``.

The edit is as small as the runner's write-back: one line ``publish_at: …`` inserted above the
post's ``queue:`` line (or, for a post moved off a slot another post holds, only the value of
its ``publish_at`` replaced); every other byte stays. The new front-matter is loaded again and
must equal the old one with only ``publish_at`` set, or the file is left alone with a message.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import yaml

from socialgit.content import load_content
from socialgit.errors import UsageError
from socialgit.model import Post, Problem
from socialgit.post import split
from socialgit.queueing import Placement, place
from socialgit.times import TimeError, localize, zone
from socialgit.yamlnodes import YamlError

_KEY = re.compile(r"^(?P<key>publish_at|queue)[ \t]*:(?P<value>[^\r]*)(?P<end>\r?)$")


@dataclass(frozen=True)
class QueueRun:
    placed: list[Placement]
    problems: list[Problem]  # the content's errors, and posts that got no slot or edit
    written: list[str]  # files changed (none with dry_run)
    timezone: str


def run_queue(root: Path, now: datetime, base: str | None, *, dry_run: bool = False) -> QueueRun:
    """With ``base`` (a pull request's base branch), only the posts added or changed since
    it are written: the base branch's queued posts still count, and come first."""
    content = load_content(root)
    config = content.config
    entered = entry_order(root, base or config.branch or "HEAD", config.content, base is not None)
    mine: set[str] | None = None
    if base is not None:
        from socialgit.review import changes_since

        mine = set(changes_since(root, base).changed)
    problems = [p for p in content.config_problems if p.severity == "error"]
    posts: list[Post] = []
    for report in content.reports:
        if report.post is not None:
            posts.append(report.post)
        elif report.parsed is not None:
            # A post with errors gets no slot and moves from none; its time still counts.
            posts.append(replace(report.parsed, queue=None, queued=False))
            if report.parsed.queue is not None and (mine is None or report.path in mine):
                problems += [p for p in report.problems if p.severity == "error"]
    placed, unplaced = place(posts, config, now, entered)
    placed = [p for p in placed if mine is None or p.path in mine]
    problems += [
        Problem(u.path, u.line, 1, "error", u.message)
        for u in unplaced
        if mine is None or u.path in mine
    ]
    written: list[str] = []
    by_path = {p.path: p for p in posts}
    for placement in placed:
        post = by_path[placement.path]
        if dry_run:
            continue
        try:
            if _write(root / post.path, stamp(placement.time, post.timezone)):
                written.append(post.path)
        except ValueError as exc:
            problems.append(Problem(post.path, post.line, 1, "error", str(exc)))
    return QueueRun(placed, problems, written, config.timezone)


def stamp(moment: datetime, tz_name: str) -> str:
    """The slot as the post's wall time (``2026-12-07 09:30``), or with an offset where that
    wall time alone would not say which instant (a DST change repeats it)."""
    tz = zone(tz_name)
    wall = moment.astimezone(tz).replace(tzinfo=None)
    try:
        if localize(wall, tz) == moment:
            return f"{wall:%Y-%m-%d %H:%M}"
    except TimeError:
        pass
    return moment.astimezone(tz).isoformat(timespec="minutes")


def set_publish_at(text: str, value: str) -> str:
    """``text`` with ``publish_at: value``: its value replaced, or a line inserted above
    ``queue:``. Raises ValueError when that is not the only change YAML sees."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    try:
        front = split(body).front
    except YamlError as exc:
        raise ValueError(f"cannot write publish_at: {exc}") from None
    lines = front.split("\n")
    found: dict[str, tuple[int, re.Match[str]]] = {}
    for index, line in enumerate(lines):
        match = _KEY.match(line)
        if match:
            found.setdefault(match["key"], (index, match))
    if "publish_at" in found:
        index, match = found["publish_at"]
        comment = re.search(r"[ \t]+#.*$", match["value"])
        lines[index] = f"publish_at: {value}{comment[0] if comment else ''}{match['end']}"
    elif "queue" in found:
        index, match = found["queue"]
        lines.insert(index, f"publish_at: {value}{match['end']}")
    else:
        raise ValueError("cannot write publish_at: no `queue:` line at the start of a line")
    new_front = "\n".join(lines)
    _prove(front, new_front, value)
    start = body.index("\n") + 1  # after the opening ---
    return bom + body[:start] + new_front + body[start + len(front) :]


def _prove(old: str, new: str, value: str) -> None:
    try:
        before = yaml.safe_load(old)
        after = yaml.safe_load(new)
    except yaml.YAMLError as exc:
        raise ValueError(f"cannot write publish_at: {exc}") from None
    expected = dict(before) if isinstance(before, dict) else None
    if expected is not None:
        expected["publish_at"] = value
    if after != expected or not isinstance(after, dict) or str(after["publish_at"]) != value:
        raise ValueError(
            "cannot write publish_at without changing something else: write it by hand"
        )


def _write(file: Path, value: str) -> bool:
    from socialgit.runner.files import _write_atomic  # the runner's: old file or new, never half

    text = file.read_bytes().decode("utf-8")
    new = set_publish_at(text, value)
    if new == text:
        return False
    _write_atomic(file, new.encode("utf-8"))
    return True


def entry_order(root: Path, ref: str, folder: str, strict: bool) -> dict[str, int]:
    """Each file under ``folder`` that ``ref`` has, by when it entered ``ref``'s first-parent
    history (0 = first). A merge counts when it was merged, a moved file from its move.
    Without a repository (or, unless ``strict``, without ``ref``) every post is new."""
    command = [
        *("git", "log", "--first-parent", "--diff-merges=first-parent", "--relative"),
        *("--no-renames", "--diff-filter=A", "--name-only", "--format=%x00", ref),
        *("--", folder),
    ]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        if strict:
            raise UsageError(f"--base {ref}: {done.stderr.strip() or 'not a git revision'}")
        return {}
    added: dict[str, int] = {}  # path → commits since the one that added it last
    age = -1
    for line in done.stdout.splitlines():
        if line.startswith("\x00"):
            age += 1
        elif line.strip():
            added.setdefault(line.strip(), age)  # newest first: a re-added file counts anew
    ranked = sorted(added, key=lambda path: (-added[path], path))
    return {path: rank for rank, path in enumerate(ranked)}
