"""``socialgit import csv``: one post per row of a CSV file (docs/import.md).

Columns are matched by name, case and ``_``/``-``/spaces aside: socialgit's own
(``publish_at, targets, text, media, alt, title, link, id, queue``) and the names other
schedulers use for the same things (``ALIASES``), so an export from one of them imports
as it is. Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

from socialgit.errors import UsageError
from socialgit.fields import suggest
from socialgit.importing.drafts import Draft, Outcome, check_and_write, folder, stable_id
from socialgit.model import Config
from socialgit.times import TimeError, parse_time, zone

COLUMNS = ("publish_at", "targets", "text", "media", "alt", "title", "link", "id", "queue")
# Other schedulers' names for our columns (docs/import.md says where each comes from).
ALIASES = {
    # Postiz's API names a post's parts so (content, publishDate, integration).
    "content": "text",
    "publishdate": "publish_at",
    "publish date": "publish_at",
    "integration": "targets",
    # Buffer (and most bulk-upload sheets): the names people meet in their exports.
    "message": "text",
    "post": "text",
    "posting time": "publish_at",
    "scheduled at": "publish_at",
    "date": "publish_at",
    "channel": "targets",
    "profile": "targets",
    "account": "targets",
    "accounts": "targets",
    "image": "media",
    "images": "media",
    "image url": "media",
    "image urls": "media",
    "media url": "media",
    "media urls": "media",
    "alt text": "alt",
    "url": "link",
}
MAX_BYTES = 10 * 1024 * 1024
_HANDLE_SETTINGS = ("handle", "username", "user", "channel", "page")
_SPLIT_TARGETS = re.compile(r"[,;\s]+")


def _normal(header: str) -> str:
    return re.sub(r"[\s_-]+", " ", header.strip().lower())


def import_csv(
    root: Path,
    config: Config,
    source: Path,
    *,
    into: str | None = None,
    targets: tuple[str, ...] = (),
    queue: str | None = None,
    dry_run: bool = False,
) -> Outcome:
    """Read ``source``, check every row, and write one post per row when all are sound."""
    name = source.name
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise UsageError(f"{source}: cannot read: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise UsageError(f"{name}: {len(raw)} bytes; a CSV to import may have at most {MAX_BYTES}")
    try:
        text = raw.decode("utf-8-sig")  # spreadsheets write a byte order mark
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UsageError(f"{name}:{line}: not UTF-8 text: save the file as CSV UTF-8") from None
    rows = _rows(name, text)
    if not rows:
        raise UsageError(f"{name}: no header row (the first row names the columns)")
    outcome = Outcome()
    fields = _header(name, rows[0], outcome)
    missing = {"text"} - set(fields.values())
    if not targets and "targets" not in fields.values():
        missing.add("targets")
    if missing:
        raise UsageError(
            f"{name}: row 1: no {' or '.join(sorted(missing))} column"
            + (" (or give --targets)" if "targets" in missing else "")
        )
    drafts: list[Draft] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line between rows
        where = f"{name} row {number}"
        values = {fields[i]: cells[i].strip() for i in fields if i < len(cells)}
        columns = {field: rows[0][i].strip() for i, field in fields.items()}
        draft = _draft(where, values, columns, config, targets, queue, outcome)
        if draft is None:
            continue
        first = seen.setdefault(draft.id, number)
        if first != number:
            outcome.errors.append(
                f"{where}, {draft.column('id')}: id {draft.id!r} is row {first}'s too"
            )
            continue
        drafts.append(draft)
    # The rows that read well are checked as posts too: every problem is reported at once.
    check_and_write(root, config, folder(config, into), drafts, outcome, dry_run=dry_run)
    return outcome


def _rows(name: str, text: str) -> list[list[str]]:
    head = text.split("\n", 1)[0]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(head, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as exc:
        raise UsageError(f"{name}: not a CSV file: {exc}") from None


def _header(name: str, header: list[str], outcome: Outcome) -> dict[int, str]:
    """Column index → our field; a column we do not know is ignored, with a warning."""
    fields: dict[int, str] = {}
    taken: dict[str, str] = {}
    ours = {_normal(c): c for c in COLUMNS}
    for index, written in enumerate(header):
        key = _normal(written)
        field = ours.get(key) or ALIASES.get(key)
        if field is None:
            if written.strip():
                outcome.warnings.append(
                    f"{name} row 1: column {written.strip()!r} is not imported"
                    f"{suggest(key, COLUMNS)}"
                )
            continue
        if field in taken:
            raise UsageError(
                f"{name}: row 1: columns {taken[field]!r} and {written.strip()!r} both "
                f"give {field}; keep one"
            )
        taken[field] = written.strip()
        fields[index] = field
    return fields


def _draft(
    where: str,
    values: dict[str, str],
    columns: dict[str, str],
    config: Config,
    default_targets: tuple[str, ...],
    default_queue: str | None,
    outcome: Outcome,
) -> Draft | None:
    errors: list[str] = []

    def bad(field: str, message: str) -> None:
        written = columns.get(field, field)
        label = field if written == field else f"{field} ({written})"
        errors.append(f"{where}, {label}: {message}")

    text = values.get("text", "").replace("\r\n", "\n").replace("\r", "\n")
    queue = values.get("queue") or default_queue
    publish_at = values.get("publish_at") or None
    if publish_at is None and queue is None:
        bad("publish_at", "empty: give a time (2026-12-01 09:00) or a queue")
    elif publish_at is not None:
        try:
            parse_time(publish_at, zone(config.timezone))
        except TimeError as exc:
            bad("publish_at", str(exc))
    targets = _targets(values.get("targets", ""), default_targets, config, bad)
    media = [m.strip() for m in values.get("media", "").split(";") if m.strip()]
    alts = [a.strip() for a in values.get("alt", "").split(";")] if values.get("alt") else []
    if len(alts) > len(media):
        bad("alt", f"{len(alts)} alt texts for {len(media)} media (both are ;-separated)")
    for path in media:
        if "://" in path:
            bad("media", f"{path!r}: media are files in the repository; download it first")
    if not text and not media:
        bad("text", "empty: a post needs a text or media")
    ident = values.get("id") or stable_id(
        (publish_at or "")[:10], publish_at or "", ",".join(targets), text
    )
    link = values.get("link") or None
    if link is not None and not link.startswith(("https://", "http://")):
        bad("link", f"{link!r} is not a web address (https://…)")
    if errors:
        outcome.errors.extend(errors)
        return None
    alts += [""] * (len(media) - len(alts))
    return Draft(
        where=where,
        id=ident,
        targets=targets,
        text=text,
        publish_at=publish_at,
        queue=queue,
        title=values.get("title") or None,
        link=link,
        media=tuple(zip(media, alts, strict=True)),
        columns=columns,
    )


def _targets(
    written: str,
    default: tuple[str, ...],
    config: Config,
    bad: Callable[[str, str], None],
) -> tuple[str, ...]:
    """Account names; a handle (``@news.example.com``) names the account that has it."""
    names = [n for n in _SPLIT_TARGETS.split(written.strip()) if n] or list(default)
    if not names:
        bad("targets", "empty: name the accounts (or give --targets)")
    handles: dict[str, str] = {}
    for account in config.accounts.values():
        for key in _HANDLE_SETTINGS:
            value = account.settings.get(key)
            if isinstance(value, str):
                handles.setdefault(value.lstrip("@").lower(), account.name)
    found: list[str] = []
    for name in names:
        known = name if name in config.accounts else handles.get(name.lstrip("@").lower())
        if known is None:
            bad("targets", f"no account {name!r} in socialgit.yml{suggest(name, config.accounts)}")
        elif known not in found:
            found.append(known)
    return tuple(found)
