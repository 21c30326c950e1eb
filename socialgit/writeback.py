"""Write a post's outcome back into its file, and change nothing else.

The runner owns two keys of a post's front-matter: ``status`` and the ``results`` block.
:func:`write_back` edits the text of those two entries in place. What it guarantees:

* Every character outside the edited entries is kept: a UTF-8 BOM, line endings, comments, key
  order, quoting, blank lines, every other key, and the whole body after the closing ``---``.
* The edit is proven before it is returned. The new front-matter is loaded with PyYAML's safe
  loader (and with libyaml's, when PyYAML has it) and must equal the old front-matter with
  ``status`` and ``results`` replaced, value for value and type for type. Anything else is a
  :class:`ValueError`, never a quietly different file.
* Writing the same outcome twice gives the same text, and an outcome the file already holds
  (``status`` or ``results`` that load equal to what is asked) leaves the text untouched, even
  where a person formatted the block by hand.

Where things go, and why:

* An existing ``status`` keeps its line: only the value token changes (in the same quote style
  when it was quoted), so a trailing comment and the spaces before it stay. ``status:`` with no
  value gets one after the colon. A value spread over several lines (block scalar, list) is
  replaced by one line.
* A missing ``status`` is inserted directly above ``results:`` when that block exists, so the two
  runner-owned keys stay together and the block keeps its place; otherwise it becomes the last
  line of the front-matter.
* An existing ``results`` block is replaced from its key line through the line holding its last
  value or indented comment. The key as written and a comment on the key line are kept.
  Comments and blank lines inside the old block go with it: they annotate entries that are
  being rewritten. Blank lines after it and comments at the key's own indentation stay where
  they are, since they may as well introduce the next key.
* A missing ``results`` is appended as the last lines of the front-matter. New lines go after any
  trailing comments and blank lines there: a ``|+`` block scalar above keeps its trailing blank
  lines only if nothing is inserted between them.
* An empty ``results`` mapping removes the block instead of writing ``results: {}``: a post with
  no outcome then reads like one never run. Readers should take a missing block as empty.
* ``results`` is written in block style, two spaces per level, keys in the given order. Strings
  stay plain when that reloads to the same string, else single-quoted, else double-quoted with
  escapes (line breaks, control characters); non-ASCII text is written as UTF-8. Values may be
  str, int, float, bool, None, date, datetime, mappings, and lists or tuples of these.

What is refused with :class:`ValueError` (the caller adds the file name): no front-matter or an
unclosed one; front-matter that is not valid YAML, cannot be loaded (an impossible date), is
not a block mapping (``{...}``, a list, a scalar) or holds several YAML documents; the key to
be edited written twice (a duplicate of a key left as it is does not matter) or in a shape
that is not one ``key:`` at the start of its line (``? status``); and any edit the proof above
rejects (an anchor on the replaced value that is used elsewhere, for example). A value that
YAML cannot carry exactly (NaN, a lone surrogate) is a :class:`ValueError` too; a Python type
with no YAML form is a :class:`TypeError`.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import yaml
from yaml.error import Mark
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
)
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

__all__ = ["write_back"]

_BOM = "\ufeff"
_DELIMITER = re.compile(r"---[ \t]*\r?")
_COLON = re.compile(r"[ \t]*:")
_TRAILER = re.compile(r"[ \t]*(?:#.*)?\r?")
_OWNED = ("status", "results")
_STR_TAG = "tag:yaml.org,2002:str"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
# PyYAML refuses an implicit key longer than 1024 characters; longer keys are written explicit.
_MAX_IMPLICIT_KEY = 1000
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_ESCAPES = {
    "\0": "\\0",
    "\x07": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\x0b": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
    '"': '\\"',
    "\\": "\\\\",
    "\x85": "\\N",
    "\u2028": "\\L",
    "\u2029": "\\P",
}
_RESOLVER = Resolver()

try:
    from yaml import CSafeLoader as _CLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CLoader = None  # type: ignore[assignment,misc]

# Edits are proven under the loader socialgit itself reads posts with (libyaml, when PyYAML
# has it; see socialgit.yamlnodes). Proving under the pure-Python loader as well made a run
# of 1,000 deliveries spend most of its time here.
_READ_LOADER: Any = _CLoader if _CLoader is not None else yaml.SafeLoader
_PROOF_LOADERS: tuple[Any, ...] = (_READ_LOADER,)


def write_back(
    text: str,
    status: str | None,
    results: Mapping[str, Mapping[str, Any]] | None,
) -> str:
    """Return ``text`` with the front-matter's ``status`` and ``results`` set.

    ``status=None`` or ``results=None`` leaves that key as it is; ``results={}`` removes the
    block. Raises ValueError when the front-matter cannot be edited safely (see the module).
    """
    start = len(_BOM) if text.startswith(_BOM) else 0
    fm_start, fm_end, newline = _locate(text, start)
    fm = text[fm_start:fm_end]
    new_fm = _edit(fm, status, results, newline)
    if new_fm == fm:
        return text
    return text[:fm_start] + new_fm + text[fm_end:]


def _locate(text: str, start: int) -> tuple[int, int, str]:
    """Return where the front-matter's lines begin and end, and the newline to write."""
    first_end = text.find("\n", start)
    first = text[start:] if first_end == -1 else text[start:first_end]
    if not _DELIMITER.fullmatch(first):
        raise ValueError("no front-matter: the file does not start with a line '---'")
    if first_end == -1:
        raise ValueError("front-matter is not closed: no second line '---'")
    pos = first_end + 1
    while True:
        end = text.find("\n", pos)
        line = text[pos:] if end == -1 else text[pos:end]
        if _DELIMITER.fullmatch(line):
            return first_end + 1, pos, "\r\n" if first.endswith("\r") else "\n"
        if end == -1:
            raise ValueError("front-matter is not closed: no second line '---'")
        pos = end + 1


class _Lines:
    """Line arithmetic over the front-matter. Lines end at ``\\n`` only, as in the file."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        if self.starts[-1] == len(text):
            self.starts.pop()

    def of(self, index: int) -> int:
        return bisect.bisect_right(self.starts, index) - 1

    def start(self, line: int) -> int:
        return self.starts[line] if line < len(self.starts) else len(self.text)

    def content_end(self, line: int) -> int:
        """Index of the line's ``\\n`` (or ``\\r\\n``), or the end of the text."""
        end = self.start(line + 1)
        if end > self.start(line) and self.text[end - 1] == "\n":
            end -= 1
        return end


@dataclass(frozen=True, slots=True)
class _Entry:
    key_start: int  # the key's first character (its anchor or tag, if any)
    colon_end: int  # just after the ':' that closes the key
    value_start: int  # the value's first character; colon_end's position when it is empty
    value_end: int  # after the value's last non-blank character, at least colon_end
    scalar: ScalarEvent | None  # the value, when it is a single scalar


@dataclass(frozen=True, slots=True)
class _Document:
    base: int  # the column of the top-level keys
    entries: dict[str, list[_Entry]]


def _index(mark: Any) -> int:
    if not isinstance(mark, Mark):  # pragma: no cover - the pure-Python parser always marks
        raise ValueError("front-matter: YAML parser gave no position")
    return mark.index


def _scan(fm: str) -> _Document:
    """Find the top-level ``status`` and ``results`` entries from the parser's event stream."""
    try:
        events = list(yaml.parse(fm, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise ValueError(f"front-matter is not valid YAML: {_one_line(exc)}") from exc
    documents = [i for i, event in enumerate(events) if isinstance(event, DocumentStartEvent)]
    entries: dict[str, list[_Entry]] = {name: [] for name in _OWNED}
    if not documents:
        return _Document(0, entries)  # only comments and blank lines: any key can be added
    if len(documents) > 1:
        raise ValueError("front-matter holds more than one YAML document")
    i = documents[0] + 1
    root = events[i]
    if not isinstance(root, MappingStartEvent):
        raise ValueError("front-matter is not a mapping of keys to values")
    if root.flow_style:
        raise ValueError("front-matter is a flow mapping ({...}); write one key per line")
    i += 1
    base = -1
    while not isinstance(events[i], MappingEndEvent):
        key = events[i]
        key_start = _index(key.start_mark)
        if base < 0:
            base = key_start - fm.rfind("\n", 0, key_start) - 1
        i, _ = _skip_node(events, i)
        value = events[i]
        value_start = _index(value.start_mark)
        value_scalar = value if isinstance(value, ScalarEvent) else None
        i, value_end = _skip_node(events, i)
        if isinstance(key, ScalarEvent) and key.value in _OWNED and key.tag in (None, _STR_TAG):
            colon = _COLON.match(fm, _index(key.end_mark))
            if colon is None:
                raise ValueError(f"front-matter: '{key.value}' is not written as 'key: value'")
            colon_end = colon.end()
            # A block scalar's end mark lies after its trailing line breaks.
            while value_end > colon_end and fm[value_end - 1] in " \t\r\n":
                value_end -= 1
            value_start = max(value_start, colon_end)
            value_end = max(value_end, colon_end)
            entry = _Entry(key_start, colon_end, value_start, value_end, value_scalar)
            entries[key.value].append(entry)
    return _Document(max(base, 0), entries)


def _skip_node(events: list[Event], i: int) -> tuple[int, int]:
    """Pass the node starting at ``events[i]``; return the next index and where the node ends.

    Block collections end where the next token begins, past comments and blank lines, so their
    end is taken from their last scalar, alias or flow collection instead.
    """
    end = _index(events[i].start_mark)
    flow: list[bool] = []
    while True:
        event = events[i]
        i += 1
        if isinstance(event, ScalarEvent | AliasEvent):
            end = max(end, _index(event.end_mark))
        elif isinstance(event, CollectionStartEvent):
            end = max(end, _index(event.end_mark))
            flow.append(bool(event.flow_style))
        elif isinstance(event, CollectionEndEvent) and flow.pop():
            end = max(end, _index(event.end_mark))
        if not flow:
            return i, end


def _edit(
    fm: str,
    status: str | None,
    results: Mapping[str, Mapping[str, Any]] | None,
    newline: str,
) -> str:
    if status is None and results is None:
        return fm
    doc = _scan(fm)
    old = _load(fm, _READ_LOADER)
    if old is None:
        raise ValueError("front-matter cannot be loaded with yaml.safe_load")
    lines = _Lines(fm)
    pad = " " * doc.base
    new_results = None if results is None else _normalize(results)
    edits: list[tuple[int, int, str]] = []

    if status is not None:
        if not isinstance(status, str):
            raise TypeError(f"status must be a string, not {type(status).__name__}")
        status = str.__str__(status)  # a StrEnum member is written as its value
        found = _single(doc, "status", lines)
        if "status" in old and _same(old["status"], status):
            pass  # already says so: no diff, whatever the quoting
        elif found:
            edits.append(_status_edit(fm, lines, found, status, newline))
        else:
            at = doc.entries["results"][0] if len(doc.entries["results"]) == 1 else None
            where = lines.start(lines.of(at.key_start)) if at else len(fm)
            edits.append((where, where, f"{pad}status: {_string(status)}{newline}"))

    if new_results is not None:
        found = _single(doc, "results", lines)
        if new_results and _same(old.get("results"), new_results):
            pass
        elif found:
            first, last, key_text, comment = _entry_lines(fm, lines, found)
            body = ""
            if new_results:
                rendered = _render_mapping(new_results, doc.base + 2)
                body = key_text + comment + newline + "".join(r + newline for r in rendered)
            edits.append((lines.start(first), lines.start(last + 1), body))
        elif new_results:
            rendered = [f"{pad}results:", *_render_mapping(new_results, doc.base + 2)]
            edits.append((len(fm), len(fm), "".join(r + newline for r in rendered)))

    # Sorting keeps an insertion above a block that is replaced at the same index before it.
    pieces, cursor = [], 0
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        pieces += [fm[cursor:start], replacement]
        cursor = end
    new_fm = "".join(pieces) + fm[cursor:]
    if new_fm != fm:
        _prove(fm, new_fm, old, status, new_results)
    return new_fm


def _single(doc: _Document, name: str, lines: _Lines) -> _Entry | None:
    found = doc.entries[name]
    if len(found) > 1:
        where = ", ".join(str(lines.of(entry.key_start) + 1) for entry in found)
        raise ValueError(f"front-matter has '{name}' more than once (front-matter lines {where})")
    if not found:
        return None
    entry = found[0]
    line_start = lines.start(lines.of(entry.key_start))
    if lines.text[line_start : entry.key_start].strip(" "):
        raise ValueError(f"front-matter: '{name}' does not start its own line")
    last = lines.of(entry.value_end - 1)  # value_end >= colon_end: never before the key
    if not _TRAILER.fullmatch(lines.text, entry.value_end, lines.content_end(last)):
        raise ValueError(f"front-matter: something follows the value of '{name}' on its line")
    return entry


def _entry_lines(fm: str, lines: _Lines, entry: _Entry) -> tuple[int, int, str, str]:
    """The entry's first and last line, its key text through the colon, a key-line comment."""
    first = lines.of(entry.key_start)
    last = lines.of(entry.value_end - 1) if entry.value_end > entry.colon_end else first
    if lines.of(entry.value_start) > first:
        rest = fm[entry.colon_end : lines.content_end(first)]
    elif last == first:
        rest = fm[entry.value_end : lines.content_end(first)]
    else:
        rest = ""  # the value starts on the key line and runs on: a comment there is inside it
    rest = rest.rstrip("\r")
    comment = rest if rest.lstrip(" \t").startswith("#") else ""
    # Comments indented under the key after its last value are still inside the block; blank
    # lines after the last of them, and comments at the key's own indentation, are not.
    indent = entry.key_start - lines.start(first)
    for line in range(last + 1, len(lines.starts)):
        text = fm[lines.start(line) : lines.content_end(line)].rstrip("\r")
        stripped = text.lstrip(" \t")
        if not stripped:
            continue
        if not stripped.startswith("#") or len(text) - len(stripped) <= indent:
            break
        last = line
    return first, last, fm[lines.start(first) : entry.colon_end], comment


def _status_edit(
    fm: str, lines: _Lines, entry: _Entry, status: str, newline: str
) -> tuple[int, int, str]:
    scalar = entry.scalar
    key_line = lines.of(entry.key_start)
    on_key_line = lines.of(entry.value_start) == key_line == lines.of(max(entry.value_end - 1, 0))
    if scalar is not None and scalar.style not in ("|", ">") and on_key_line:
        if entry.value_start == entry.value_end:  # `status:` with no value
            return entry.colon_end, entry.colon_end, " " + _string(status)
        return entry.value_start, entry.value_end, _string(status, scalar.style)
    first, last, key_text, comment = _entry_lines(fm, lines, entry)
    replacement = f"{key_text} {_string(status)}{comment}{newline}"
    return lines.start(first), lines.start(last + 1), replacement


def _prove(
    old_fm: str,
    new_fm: str,
    old: dict[Any, Any],
    status: str | None,
    results: dict[Any, Any] | None,
) -> None:
    """Refuse an edit that changes anything but the two owned values, under either loader."""
    for loader in _PROOF_LOADERS:
        before = old if loader is _READ_LOADER else _load(old_fm, loader)
        if before is None:
            continue  # libyaml cannot read the original either: the readers will say so
        expected = dict(before)
        if status is not None:
            expected["status"] = status
        if results:
            expected["results"] = results
        elif results is not None:
            expected.pop("results", None)
        after = _load(new_fm, loader)
        if after is None or not _same(after, expected):
            raise ValueError(
                "front-matter cannot be edited safely: the edited text would not load back as "
                "the same keys with the new status/results (an anchor or alias on them?)"
            )


def _load(text: str, loader: Any) -> dict[Any, Any] | None:
    """The front-matter as a dict ({} when empty), or None when this loader cannot read it."""
    try:
        data = yaml.load(text, Loader=loader)
    except Exception:  # constructors raise ValueError and friends, not only YAMLError
        return None
    if data is None:
        return {}
    return data if isinstance(data, dict) else None


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types throughout: ``True`` is not ``1`` and ``"1"`` is not ``1``."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _normalize(value: Any) -> Any:
    """The value as ``yaml.safe_load`` will give it back; TypeError for what has no YAML form."""
    if isinstance(value, Mapping):
        return {_normalize(k): _normalize(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalize(v) for v in value]
    if value is None or isinstance(value, bool | datetime | date):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            raise ValueError("results: NaN cannot be written so that it reads back equal")
        return float(value)
    if isinstance(value, str):
        return str.__str__(value)
    raise TypeError(f"results: cannot write a {type(value).__name__} as YAML")


def _render_mapping(mapping: Mapping[Any, Any], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for key, value in mapping.items():
        if isinstance(key, Mapping | list | tuple):
            raise TypeError("results: mapping keys must be scalars")
        text = _scalar(key)
        nested = _is_block(value)
        if len(text) > _MAX_IMPLICIT_KEY:
            out.append(f"{pad}? {text}")
            text = ""
        head = f"{pad}{text}:"
        if nested:
            out.append(head)
            out += _render_block(value, indent + 2)
        else:
            out.append(f"{head} {_inline(value)}")
    return out


def _render_sequence(items: list[Any] | tuple[Any, ...], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for item in items:
        if _is_block(item):
            nested = _render_block(item, indent + 2)
            # The item's first line moves up beside the dash: `- key: value`.
            nested[0] = f"{pad}- {nested[0][indent + 2 :]}"
            out += nested
        else:
            out.append(f"{pad}- {_inline(item)}")
    return out


def _is_block(value: Any) -> bool:
    return isinstance(value, Mapping | list | tuple) and len(value) > 0


def _render_block(value: Any, indent: int) -> list[str]:
    if isinstance(value, Mapping):
        return _render_mapping(value, indent)
    return _render_sequence(value, indent)


def _inline(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list | tuple):
        return "[]"
    return _scalar(value)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, datetime | date):
        text = value.isoformat(" ") if isinstance(value, datetime) else value.isoformat()
        if _implicit_tag(text) != _TIMESTAMP_TAG:
            raise ValueError(f"results: {text} cannot be written as a YAML timestamp")
        return text
    if isinstance(value, str):
        return _string(str.__str__(value))
    raise TypeError(f"results: cannot write a {type(value).__name__} as YAML")


def _float(value: float) -> str:
    if math.isnan(value):
        raise ValueError("results: NaN cannot be written so that it reads back equal")
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value).lower()
    # YAML 1.1 needs a dot in a float: 1e+20 would load as a string.
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text


def _string(text: str, style: str | None = None) -> str:
    """The shortest safe spelling, or the given quote style when it can carry the text."""
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise ValueError("results: a string holds a lone surrogate, which is not valid UTF-8")
    clean = not any(_needs_escape(ch) for ch in text)
    if style == '"' or not clean:
        return _double_quoted(text)
    if style != "'" and _plain_ok(text):
        return text
    return "'" + text.replace("'", "''") + "'"


def _needs_escape(ch: str) -> bool:
    code = ord(ch)
    return code < 0x20 or 0x7F <= code < 0xA0 or ch in "\u2028\u2029\ufeff\ufffe\uffff"


def _double_quoted(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _needs_escape(ch):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


@lru_cache(maxsize=4096)
def _plain_ok(text: str) -> bool:
    if not text or text[0] in _INDICATORS or text != text.strip(" "):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if _implicit_tag(text) != _STR_TAG:
        return False  # yes, null, 1e3, 2026-01-01, ~, =, << would come back as something else
    # The rules above should be enough; reloading is a cheap proof, as a value and as a key,
    # under both loaders the project uses. A key past the implicit-key limit is written
    # explicitly, so only the value form is probed then.
    probe = f"- {text}\n"
    expected: list[Any] = [text]
    if len(text) <= _MAX_IMPLICIT_KEY:
        probe, expected = f"{probe}- {text}: 1\n", [text, {text: 1}]
    for loader in _PROOF_LOADERS:
        try:
            if yaml.load(probe, Loader=loader) != expected:
                return False
        except yaml.YAMLError:
            return False
    return True


def _implicit_tag(text: str) -> str:
    """The tag PyYAML gives ``text`` written as a plain scalar."""
    return str(_RESOLVER.resolve(ScalarNode, text, (True, False)))  # type: ignore[no-untyped-call]


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
