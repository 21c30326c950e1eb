"""Reading one post file: front-matter (with positions), body split into thread parts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from posixpath import dirname, join, normpath
from typing import Any

from providers import PROVIDERS
from socialgit import fields, postkeys
from socialgit.images import Image, read_line
from socialgit.model import QUEUED, Config, Media, Override, Part, Post, PostStatus, Queue
from socialgit.times import TimeError, is_date_only, parse_iso, parse_time, zone
from socialgit.yamlnodes import Node, YamlError, load

MAX_BYTES = 1024 * 1024
KEYS = (
    "publish_at",
    "targets",
    "id",
    "status",
    "timezone",
    "repeat",
    "until",
    "queue",
    *postkeys.NAMES,
    "overrides",
    "results",
)
OVERRIDE_KEYS = ("text", *postkeys.NAMES)
STATUSES: tuple[PostStatus, ...] = ("draft", "scheduled", "published", "error", "missed")
_FENCE = re.compile(r"^---[ \t]*\r?$")
_TAB_AFTER_KEY = re.compile(r"^ *(?:- +)?[^\s:#'\"]+: *\t")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True, slots=True)
class Split:
    front: str  # the YAML between the fences
    front_line: int  # file line of the YAML's first line
    body: str
    body_line: int  # file line of the body's first line


def split(text: str) -> Split:
    """Separate front-matter from body; raises YamlError when the fences are wrong."""
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        raise YamlError("a post starts with a line `---` and its front-matter", 1, 1)
    for index in range(1, len(lines)):
        if _FENCE.match(lines[index]) or lines[index].rstrip("\r") == "...":
            return Split("\n".join(lines[1:index]), 2, "\n".join(lines[index + 1 :]), index + 2)
    raise YamlError("the front-matter is not closed: add a line `---` after it", 1, 1)


def parse_body(body: str, first_line: int, post_path: str, out: fields.Findings) -> list[Part]:
    """Split on lines that are exactly ``---``; image lines become attachments, and image
    syntax that would go out as text is a problem in ``out`` (socialgit.images)."""
    parts: list[Part] = []
    text_lines: list[str] = []
    media: list[Media] = []
    start = first_line

    def close() -> None:
        text = "\n".join(text_lines).strip()
        if text or media:
            parts.append(Part(text, tuple(media), start))

    for offset, raw in enumerate(body.split("\n")):
        line = raw.rstrip("\r")
        number = first_line + offset
        if _FENCE.match(line):
            close()
            text_lines, media, start = [], [], number + 1
            continue
        image = read_line(line)
        if isinstance(image, Image):
            media.append(Media(_resolve(post_path, image.target), image.alt, number))
            continue
        if image is not None:
            out.add(number, line.find("![") + 1, image)
        if not text_lines and not line.strip():
            start = number + 1
        text_lines.append(line)
    close()
    return parts


def _resolve(post_path: str, target: str) -> str:
    """Media path relative to the repository root; ``..`` escapes are kept to be refused."""
    if target.startswith("/"):
        return target
    return normpath(join(dirname(post_path), target))


def parse_post(path: str, data: bytes, config: Config, out: fields.Findings) -> Post | None:
    """Every problem goes to ``out``; returns the post when it can be planned."""
    if len(data) > MAX_BYTES:
        out.add(1, 1, f"the file is {len(data)} bytes; a post may have at most {MAX_BYTES}")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        out.add(line, column, "not UTF-8 text: save the file as UTF-8")
        return None
    text = text.removeprefix("\ufeff")
    try:
        parts_of_file = split(text)
        root = load(parts_of_file.front, line_offset=parts_of_file.front_line - 1)
    except YamlError as exc:
        out.add(exc.line, exc.column, exc.message)
        return None
    if root is None or not root.is_mapping:
        out.add(parts_of_file.front_line, 1, "the front-matter must be a mapping of keys")
        return None
    for offset, written in enumerate(parts_of_file.front.split("\n")):
        tab = _TAB_AFTER_KEY.match(written)
        if tab:
            out.add(
                parts_of_file.front_line + offset,
                tab.end(),
                "tabs: YAML reads a tab after `key:`, but one in front of a line breaks the "
                "file; use spaces",
                "warning",
            )
    return _build(path, root.value, parts_of_file, config, out)


def _build(
    path: str, top: dict[str, Node], file: Split, config: Config, out: fields.Findings
) -> Post | None:
    fields.unknown_keys(top, KEYS, "a post's front-matter", out)
    status: PostStatus = "scheduled"
    if "status" in top:
        value = fields.string(top["status"], "status", out)
        if value in STATUSES:
            status = value
        elif value is not None:
            out.at(
                top["status"], f"status must be draft or scheduled{fields.suggest(value, STATUSES)}"
            )

    tz_name = config.timezone
    if "timezone" in top:
        name = fields.string(top["timezone"], "timezone", out)
        try:
            zone(name or "")
            tz_name = name or tz_name
        except TimeError as exc:
            out.at(top["timezone"], str(exc))
    tz = zone(tz_name)

    publish: tuple[datetime, datetime] | None = None
    queue = _queue(top.get("queue"), config, out)
    node = top.get("publish_at")
    queued = node is None and "queue" in top
    if queued:
        # Its time comes from `socialgit queue`; until then it is planned in its slot only.
        publish = (QUEUED, QUEUED.astimezone(tz).replace(tzinfo=None))
    elif node is None:
        out.add(file.front_line, 1, "publish_at is missing: when should this go out?")
    else:
        raw = fields.string(node, "publish_at", out)
        if raw is not None:
            try:
                publish = parse_time(raw, tz)
            except TimeError as exc:
                out.at(node, f"publish_at: {exc}")
            if publish is not None and is_date_only(raw):
                out.at(
                    node,
                    f"publish_at is a date without a time: it goes out at 00:00 {tz_name}; "
                    f"write the time too, e.g. {raw.strip()} 09:00",
                    "warning",
                )

    targets: list[str] = []
    target_lines: dict[str, int] = {}
    unknown: list[tuple[str, Node]] = []  # judged once the results are read
    if "targets" not in top and queue is not None and queue.targets:
        targets = list(queue.targets)  # the queue's default targets, judged in socialgit.yml
        target_lines = dict.fromkeys(targets, top["queue"].line)
    elif "targets" not in top:
        why = f" (queue {queue.name!r} names none)" if queue is not None else ""
        out.add(file.front_line, 1, f"targets is missing: list the accounts to post to{why}")
    else:
        for name, item in fields.string_list(top["targets"], "targets", out):
            if name in target_lines:
                out.at(item, f"target {name!r} is listed twice")
            elif name not in config.accounts:
                unknown.append((name, item))
            else:
                targets.append(name)
            target_lines.setdefault(name, item.line)
        if not target_lines:
            out.at(top["targets"], "targets is empty: list the accounts to post to")

    post_id = None
    if "id" in top:
        post_id = fields.string(top["id"], "id", out)
        if post_id is not None and not _ID.match(post_id):
            out.at(top["id"], "id may use letters, digits, '.', '_' and '-' (at most 100)")
            post_id = None

    repeat = _repeat(top.get("repeat"), out)
    if repeat is not None and "queue" in top:
        out.at(top["queue"], "queue and repeat do not go together: a queued post goes out once")
    until = None
    if "until" in top:
        raw = fields.string(top["until"], "until", out)
        if raw is not None:
            try:
                until = parse_time(raw, tz, end_of_day=True)[0]
            except TimeError as exc:
                out.at(top["until"], f"until: {exc}")
        if repeat is None:
            out.at(top["until"], "until only applies to a post with `repeat:`", "warning")
        if until is not None and publish is not None and until < publish[0]:
            out.at(top["until"], "until is before publish_at: the post would never go out")

    # Image syntax left in a text is an error only where it would go out as text: to a
    # short-form target. An article renders it (socialgit.longform).
    leaks: dict[str, fields.Findings] = {"": fields.Findings(path)}
    parts = parse_body(file.body, file.body_line, path, leaks[""])
    if not parts:
        out.add(file.body_line, 1, "the post has no text: write it below the front-matter")

    keys = postkeys.parse(top, path, out)
    results = _results(top.get("results"), out)
    overrides = _overrides(top.get("overrides"), path, config, set(results), out, leaks)
    for source in _read_as_text(targets, overrides, config):
        out.problems.extend(leaks[source].problems if source in leaks else ())
    if publish is None:
        return None
    post = Post(
        path=path,
        id=post_id,
        publish_at=publish[0],
        local_start=publish[1],
        timezone=tz_name,
        targets=tuple(targets),
        status=status,
        repeat=repeat,
        until=until,
        parts=tuple(parts),
        overrides=overrides,
        results=results,
        line=node.line if node else top["queue"].line if queued else 1,
        target_lines=target_lines,
        keys=keys,
        id_line=top["id"].line if "id" in top else 1,
        body=file.body,
        body_line=file.body_line,
        queue=queue.name if queue is not None else None,
        queued=queued,
    )
    for name, item in unknown:
        # An account removed from socialgit.yml is needed only by deliveries still to come:
        # a post it has finished with stays valid (its results keep what happened).
        if not finished(post, results.get(name)):
            out.at(
                item,
                f"unknown account {name!r}{fields.suggest(name, config.accounts)}"
                " (accounts are defined in socialgit.yml)",
            )
    return None if out.failed else post


def finished(post: Post, entry: dict[str, Any] | None) -> bool:
    """Whether a target's results say nothing more will be sent to it: a one-time post
    published, missed or failed for good; a recurring one so for its last occurrence."""
    if entry is None:
        return False
    state = entry.get("status")
    final = state in ("published", "missed") or (state == "error" and not entry.get("retry_at"))
    if not final:
        return False
    if post.repeat is None:
        return True
    if post.until is None:
        return False  # repeats for ever
    from socialgit.schedule import last_at_or_before

    last = last_at_or_before(post, post.until)
    return last is None or parse_iso(str(entry.get("occurrence") or "")) == last


@lru_cache(maxsize=256)
def _valid_cron(expr: str) -> bool:
    """croniter's check (about a millisecond each): once per distinct expression, as most
    recurring posts of a repository share a few."""
    from croniter import croniter  # imported only for recurring posts: it is slow to load

    return bool(croniter.is_valid(expr))


def _queue(node: Node | None, config: Config, out: fields.Findings) -> Queue | None:
    if node is None:
        return None
    name = fields.string(node, "queue", out)
    if name is None:
        return None
    found = config.queues.get(name)
    if found is None:
        out.at(
            node,
            f"unknown queue {name!r}{fields.suggest(name, config.queues)} "
            "(queues are defined in socialgit.yml)",
        )
    return found


def _repeat(node: Node | None, out: fields.Findings) -> str | None:
    if node is None:
        return None
    expr = fields.string(node, "repeat", out)
    if expr is None:
        return None
    if len(expr.split()) != 5 or not _valid_cron(expr):
        out.at(
            node,
            f"repeat: {expr!r} is not a cron expression of 5 fields "
            '(minute hour day month weekday, e.g. "0 9 * * MON")',
        )
        return None
    return expr


def _read_as_text(targets: list[str], overrides: dict[str, Override], config: Config) -> set[str]:
    """The texts short-form targets receive: ``""`` for the body, or an override's name."""
    read = set()
    for name in targets:
        account = config.accounts[name]
        if PROVIDERS[account.provider].long_form(account) is not None:
            continue
        source = next(
            (n for n in (name, account.provider) if n in overrides and overrides[n].parts), ""
        )
        read.add(source)
    return read


def _overrides(
    node: Node | None,
    path: str,
    config: Config,
    recorded: set[str],
    out: fields.Findings,
    leaks: dict[str, fields.Findings],
) -> dict[str, Override]:
    if node is None:
        return {}
    if not node.is_mapping:
        out.at(node, "overrides must map account or provider names to their changes")
        return {}
    found: dict[str, Override] = {}
    for name, body in node.value.items():
        if name in recorded and name not in config.accounts:
            continue  # a removed account's override: its target is judged by its results
        if name not in config.accounts and name not in PROVIDERS:
            choices = [*config.accounts, *PROVIDERS]
            out.at_key(
                body,
                f"override for unknown account or provider {name!r}{fields.suggest(name, choices)}",
            )
            continue
        if not body.is_mapping:
            out.at(body, f"override {name!r} must be a mapping (e.g. `text: ...`)")
            continue
        fields.unknown_keys(body.value, OVERRIDE_KEYS, f"override {name!r}", out)
        text_node = body.value.get("text")
        text = fields.string(text_node, "text", out) if text_node else None
        parts: tuple[Part, ...] = ()
        first = 0
        if text is not None and text_node is not None:
            # A multi-line text is a block scalar (`text: |`): it starts below its key.
            first = text_node.line + (1 if "\n" in text else 0)
            leaks[name] = fields.Findings(path)
            parts = tuple(parse_body(text, first, path, leaks[name]))
            if not parts:
                out.at(text_node, f"override {name!r} has an empty text")
        keys = postkeys.parse(body.value, path, out)
        found[name] = Override(name, text, body.key_line, parts, keys, first)
    return found


def _results(node: Node | None, out: fields.Findings) -> dict[str, dict[str, Any]]:
    if node is None or node.value is None:
        return {}
    if not node.is_mapping:
        out.at(node, "results is written by the runner: it must map accounts to outcomes")
        return {}
    results: dict[str, dict[str, Any]] = {}
    for account, body in node.value.items():
        if not body.is_mapping:
            out.at(body, f"results for {account!r} must be a mapping (delete it to retry)")
            continue
        results[account] = {key: _plain(value) for key, value in body.value.items()}
    return results


def _plain(node: Node) -> Any:
    if node.is_mapping:
        return {k: _plain(v) for k, v in node.value.items()}
    if node.is_sequence:
        return [_plain(v) for v in node.value]
    if isinstance(node.value, (datetime,)):
        return node.raw
    return node.value
