"""write_back must change a post's status and results and not one other byte.

The checks here re-split the front-matter with their own regex and strip the owned lines with
their own line rules, so they do not share a mistake with the module under test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialgit.writeback import write_back

# --- helpers ------------------------------------------------------------------------------------

_SPLIT = re.compile(r"\A(\ufeff?---[ \t]*\r?\n)(.*?)(^---[ \t]*\r?(?:\n|\Z).*)\Z", re.S | re.M)
_OWNED_KEY = re.compile(r"""( *)(["']?)(status|results)\2[ \t]*:""")


def split(text: str) -> tuple[str, str, str]:
    """Opening delimiter line, front-matter, closing delimiter line plus body."""
    match = _SPLIT.match(text)
    assert match, f"no front-matter in {text!r}"
    return match.group(1), match.group(2), match.group(3)


def strip_owned(front_matter: str) -> str:
    """The front-matter without its top-level status and results entries.

    An entry is the key line and every following line that is indented deeper than the key
    (or is a `- ` item at its column), with the blank lines between them; blank lines after the
    last of those are not in it.
    """
    lines = re.findall(r"[^\n]*\n|[^\n]+\Z", front_matter)
    content = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    base = len(content[0]) - len(content[0].lstrip(" ")) if content else 0
    out: list[str] = []
    held: list[str] = []  # blank lines that belong to the block only if it goes on
    in_block = False
    for line in lines:
        indent = len(line) - len(line.lstrip(" \t"))
        if in_block and not line.strip():
            held.append(line)
            continue
        # An indentless list (`results:` then `- x` at the key's column) is in the block too.
        dash = re.match(r"-(?:[ \t]|\r?\n|\Z)", line[base:]) is not None
        if in_block and (indent > base or (indent == base and dash)):
            held.clear()
            continue
        in_block = False
        out += held
        held.clear()
        match = _OWNED_KEY.match(line)
        if match and len(match.group(1)) == base:
            in_block = True
            continue
        out.append(line)
    return "".join(out + held)


def normalize(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalize(v) for v in value]
    return value


def typed(value: Any, ordered: bool) -> Any:
    """A comparable form that tells True from 1 and "1" from 1, and key order if asked."""
    if isinstance(value, dict):
        pairs = [(k, typed(v, ordered)) for k, v in value.items()]
        return ("dict", pairs if ordered else sorted(pairs, key=repr))
    if isinstance(value, list):
        return ("list", [typed(v, ordered) for v in value])
    return (type(value).__name__, value)


def expected_front_matter(
    old: dict[str, Any] | None, status: str | None, results: Mapping[str, Any] | None
) -> dict[str, Any]:
    data = dict(old or {})
    if status is not None:
        data["status"] = status
    if results:
        data["results"] = normalize(results)
    elif results is not None:
        data.pop("results", None)
    return data


def owned_status_line(front_matter: str) -> str | None:
    for line in front_matter.splitlines():
        if re.match(r"""(["']?)status\1[ \t]*:""", line):
            return line
    return None


def check(text: str, status: str | None, results: Mapping[str, Any] | None) -> str:
    """Every property the write-back promises, for one file and one outcome."""
    new = write_back(text, status, results)
    if status is None and results is None:
        assert new == text
    old_open, old_fm, old_rest = split(text)
    new_open, new_fm, new_rest = split(new)
    # The delimiters, the BOM and the body are not touched at all.
    assert new_open == old_open
    assert new_rest == old_rest
    # Outside the owned lines, the front-matter is byte for byte what it was.
    assert strip_owned(new_fm) == strip_owned(old_fm)
    # The owned values load back exactly; everything else loads back as it was.
    old_data = yaml.safe_load(old_fm)
    new_data = yaml.safe_load(new_fm) or {}
    want = expected_front_matter(old_data, status, results)
    assert typed(new_data, ordered=False) == typed(want, ordered=False)
    if results:
        assert typed(new_data["results"], True) == typed(normalize(results), True)
    if status is None:
        assert owned_status_line(new_fm) == owned_status_line(old_fm)
    if results is None:
        assert re.findall(r"(?m)^ *results.*$", new_fm) == re.findall(r"(?m)^ *results.*$", old_fm)
    # New lines use the file's line ending.
    if "\r\n" in old_open:
        assert re.search(r"(?<!\r)\n", new_fm) is None
    else:
        assert new_fm.count("\r") <= old_fm.count("\r")
    # The C loader, which the rest of socialgit reads with, agrees.
    if hasattr(yaml, "CSafeLoader"):
        c_data = yaml.load(new_fm, Loader=yaml.CSafeLoader) or {}
        assert typed(c_data, ordered=False) == typed(want, ordered=False)
    # Writing the same outcome again is a no-op.
    assert write_back(new, status, results) == new
    return new


# --- fixtures ------------------------------------------------------------------------------------

EXAMPLE = """\
---
publish_at: 2026-12-01 09:00          # local time
targets: [news-bsky, news-masto]
status: scheduled   # draft | scheduled
overrides:
  news-x:
    text: "shorter"
---
Body text…

---

Second part of a thread.
"""

FILES: dict[str, str] = {
    "example": EXAMPLE,
    "crlf-with-results": (
        "---\r\n"
        "title: 'Launch day'\r\n"
        "status: scheduled\r\n"
        "results:\r\n"
        "  news-bsky:\r\n"
        "    status: failed\r\n"
        "    attempts: 1\r\n"
        "tags: [a, b]\r\n"
        "---\r\n"
        "Body\r\n"
        "---\r\n"
        "status: body\r\n"
    ),
    "bom-lf": "\ufeff---\npublish_at: 2026-12-01 09:00\nstatus: draft\n---\nBody\n",
    "bom-crlf-no-final-newline": (
        "\ufeff---\r\npublish_at: '2026-12-01 09:00'\r\ntargets:\r\n  - a\r\n---\r\nBody"
    ),
    "no-status-no-results": (
        "---\n"
        "# a post with nothing the runner owns yet\n"
        "publish_at: 2026-12-01 09:00\n"
        "targets:\n"
        "- news-bsky   # indentless list\n"
        "---\n"
        "\tTabbed body line\n"
        "---\n"
        "status: not front-matter\n"
        "results:\n"
        "  fake: {}\n"
        "---\n"
    ),
    "results-first-with-comments": (
        "---\n"
        "results:      # written by the runner\n"
        "  # per account\n"
        "  news-bsky:\n"
        "    status: published   # it worked\n"
        "\n"
        "    url: https://bsky.app/profile/x/post/1\n"
        "  news-masto:\n"
        "    status: failed\n"
        "    error: |\n"
        "      first line\n"
        "      # not a comment, part of the message\n"
        "\n"
        "publish_at: 2026-12-01 09:00\n"
        'status: "scheduled"   # quoted on purpose\n'
        "---\n"
        "Body\n"
    ),
    "results-middle-then-comment": (
        "---\n"
        "publish_at: 2026-12-01 09:00\n"
        "results:\n"
        "  news-bsky: {status: published, key: abc}\n"
        "  # indented note after the last entry\n"
        "\n"
        "# about targets\n"
        "targets: [news-bsky]\n"
        "status: published\n"
        "---\n"
        "Body\n"
    ),
    "results-last-quoted-status": (
        "---\n"
        "status: 'draft'\n"
        "publish_at: 2026-12-01 09:00\n"
        "results:\n"
        "  news-bsky:\n"
        "    status: published\n"
        "    parts:\n"
        "    - id: '1'\n"
        "    - id: '2'\n"
        "---\n"
        "Body\n"
    ),
    "unicode": (
        "---\n"
        "titre: « Été » — café ☕\n"
        "status: programmé   # état\n"
        "overrides:\n"
        "  news-x:\n"
        "    text: 日本語のテキスト 🙂\n"
        "---\n"
        "Corps du message — ünïcödé 🙂\n"
    ),
    "flow-results-one-line": (
        "---\n"
        "status: scheduled\n"
        "results: {news-bsky: {status: failed, attempts: 2}}   # runner\n"
        "publish_at: 2026-12-01 09:00\n"
        "---\n"
        "Body\n"
    ),
    "flow-results-multi-line": (
        "---\n"
        "results: {news-bsky: {status: failed,\n"
        "          attempts: 2}}\n"
        "status: scheduled\n"
        "---\n"
        "Body\n"
    ),
    "nested-status-keys": (
        "---\n"
        "overrides:\n"
        "  news-x:\n"
        "    status: nested, not ours\n"
        "    results: nested too\n"
        "status: scheduled\n"
        "notes: |\n"
        "  status: inside a block scalar\n"
        "  ---\n"
        "  results:\n"
        "---\n"
        "Body\n"
    ),
    "keep-block-scalar-last": (
        "---\n"
        "status: scheduled\n"
        "text: |+\n"
        "  kept trailing blank lines\n"
        "\n"
        "\n"
        "# trailing comment at the end of the front-matter\n"
        "---\n"
        "Body\n"
    ),
    "quoted-keys": (
        "---\n"
        "\"status\": 'draft'\n"
        "'publish_at': \"2026-12-01 09:00\"\n"
        '"results":\n'
        '  "news-bsky": {"status": "failed"}\n'
        "---\n"
        "Body\n"
    ),
    "empty-front-matter": "---\n---\nBody only\n",
    "comment-only-front-matter": "---\n# nothing here yet\n\n---\nBody\n",
    "empty-values": (
        "---\nstatus:   # set by the runner\nresults:\ntitle: x\n---\nBody with --- inside\n"
    ),
    "file-ends-at-delimiter": "---\ntitle: x\n---",
    "delimiters-with-trailing-spaces": "---  \ntitle: x\nstatus: draft\n---   \nBody\n",
    "indented-mapping": "---\n  title: x\n  status: draft\n  # note\n---\nBody\n",
    "other-separators": (
        '---\ntitle: "one\u2028two"\nnote: "a\u0085b"\nstatus: draft\n---\nBody\u2028still body\n'
    ),
    "windows-body-mixed": "---\ntitle: x\n---\r\nbody\r\n---\n\r\nmore\n",
}

SIMPLE_RESULTS = {
    "news-bsky": {
        "status": "published",
        "key": "abc123",
        "at": "2026-12-01T09:00:03+00:00",
        "url": "https://bsky.app/profile/news/post/3k",
        "id": "at://did:plc:abc/app.bsky.feed.post/3k",
    }
}

TRICKY_RESULTS: dict[str, dict[str, Any]] = {
    "news-masto": {
        "status": "failed",
        "attempts": 3,
        "error": "HTTP 500: upstream said:\n  'no' # really\n\ttabbed",
        "retry_at": "2026-12-01 10:00:00",
        "parts": [{"id": "1", "url": "https://x/1?a=b#c"}, "plain part", {"id": "0012"}],
    },
    "news-x": {
        "status": "published",
        "id": "1234567890123456789",
        "count": 2,
        "occurrence": "2026-12-01",
        "key": "yes",
        "url": None,
        "parts": [],
    },
    "ünïcode-acct": {"status": "published", "error": "café — 🙂 ‘quoted’ \u2028 line sep"},
}

OUTCOMES: list[tuple[str | None, Mapping[str, Any] | None]] = [
    (None, None),
    ("published", SIMPLE_RESULTS),
    (None, TRICKY_RESULTS),
    ("failed", {}),
    ("scheduled", None),
    (None, {}),
    ("yes", {"a": {"status": "null"}}),
]


@pytest.mark.parametrize("outcome", OUTCOMES, ids=lambda o: f"{o[0]}-{bool(o[1])}")
@pytest.mark.parametrize("name", list(FILES))
def test_only_owned_lines_change(name: str, outcome: tuple[str | None, Any]) -> None:
    status, results = outcome
    check(FILES[name], status, results)


@pytest.mark.parametrize("name", list(FILES))
def test_successive_outcomes(name: str) -> None:
    """A post's life: retried, published, cleared, each step checked from the last."""
    text = FILES[name]
    for status, results in [
        ("scheduled", {"news-bsky": {"status": "failed", "attempts": 1}}),
        ("scheduled", {"news-bsky": {"status": "failed", "attempts": 2}}),
        ("published", SIMPLE_RESULTS | TRICKY_RESULTS),
        (None, SIMPLE_RESULTS),
        ("draft", {}),
    ]:
        text = check(text, status, results)


# --- exact outputs for the choices the module documents -------------------------------------------


def test_status_value_replaced_and_comment_kept() -> None:
    new = write_back(EXAMPLE, "published", None)
    assert new == EXAMPLE.replace(
        "status: scheduled   # draft | scheduled", "status: published   # draft | scheduled"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('status: "draft"  # c', 'status: "published"  # c'),
        ("status: 'draft'", "status: 'published'"),
        ("status:    draft", "status:    published"),
        ("status:", "status: published"),
        ("status:   # empty", "status: published   # empty"),
        ("status: ~", "status: published"),
        ("status : draft", "status : published"),
    ],
)
def test_status_token_edits(line: str, expected: str) -> None:
    text = f"---\ntitle: x\n{line}\nother: y\n---\nBody\n"
    assert write_back(text, "published", None) == text.replace(line, expected)


def test_status_that_needs_quotes() -> None:
    text = "---\nstatus: draft # c\n---\n"
    assert write_back(text, "yes", None) == "---\nstatus: 'yes' # c\n---\n"
    assert write_back(text, "a: b\nc", None) == '---\nstatus: "a: b\\nc" # c\n---\n'
    assert write_back("---\nstatus: 'x'\n---\n", "it's", None) == "---\nstatus: 'it''s'\n---\n"


def test_multi_line_status_becomes_one_line() -> None:
    text = "---\nstatus: |\n  draft\n  more\nnext: 1\n---\n"
    assert write_back(text, "published", None) == "---\nstatus: published\nnext: 1\n---\n"
    text = "---\nstatus:  # c\n  - a\n  - b\nnext: 1\n---\n"
    assert write_back(text, "published", None) == "---\nstatus: published  # c\nnext: 1\n---\n"


def test_status_inserted_above_existing_results() -> None:
    text = "---\ntitle: x\n# runner output\nresults:\n  a:\n    status: ok\nlast: 1\n---\n"
    assert write_back(text, "published", None) == (
        "---\ntitle: x\n# runner output\nstatus: published\nresults:\n"
        "  a:\n    status: ok\nlast: 1\n---\n"
    )


def test_status_and_results_appended_at_end_in_that_order() -> None:
    text = "---\ntitle: x\n\n# trailing comment\n---\nBody\n"
    assert write_back(text, "published", {"a": {"status": "published"}}) == (
        "---\ntitle: x\n\n# trailing comment\nstatus: published\nresults:\n"
        "  a:\n    status: published\n---\nBody\n"
    )


def test_results_block_replaced_indented_comments_dropped_outer_kept() -> None:
    text = (
        "---\n"
        "# before\n"
        "results:   # runner-owned\n"
        "  # inner comment\n"
        "  a:\n"
        "    status: failed  # inner trailing\n"
        "# column-0 comment inside the block\n"
        "\n"
        "    attempts: 1\n"
        "  # after the last value\n"
        "\n"
        "# about next\n"
        "next: 1\n"
        "---\n"
    )
    assert write_back(text, None, {"a": {"status": "published", "attempts": 2}}) == (
        "---\n"
        "# before\n"
        "results:   # runner-owned\n"
        "  a:\n"
        "    status: published\n"
        "    attempts: 2\n"
        "\n"
        "# about next\n"
        "next: 1\n"
        "---\n"
    )


def test_empty_results_remove_the_block() -> None:
    text = "---\nstatus: x\nresults:  # c\n  a:\n    status: ok\n\nnext: 1\n---\nB\n"
    assert write_back(text, None, {}) == "---\nstatus: x\n\nnext: 1\n---\nB\n"
    no_block = "---\nstatus: x\n---\nB\n"
    assert write_back(no_block, None, {}) is no_block


def test_empty_results_with_status_insert_where_block_was() -> None:
    text = "---\ntitle: x\nresults:\n  a: {status: ok}\nnext: 1\n---\n"
    assert write_back(text, "draft", {}) == "---\ntitle: x\nstatus: draft\nnext: 1\n---\n"


def test_flow_results_replaced_by_block_keeping_comment() -> None:
    text = FILES["flow-results-one-line"]
    new = write_back(text, None, {"news-bsky": {"status": "published"}})
    assert new == (
        "---\nstatus: scheduled\nresults:   # runner\n  news-bsky:\n    status: published\n"
        "publish_at: 2026-12-01 09:00\n---\nBody\n"
    )


def test_values_already_there_leave_the_text_alone() -> None:
    hand_written = (
        "---\nstatus: 'published'   # done\nresults:\n"
        "  # by hand, in flow style\n  a: {status: published, attempts: 1}\n---\nB\n"
    )
    same = {"a": {"attempts": 1, "status": "published"}}
    assert write_back(hand_written, "published", same) is hand_written
    # Same text but a different type is a change: "1" is not 1.
    assert write_back(hand_written, None, {"a": {"status": "published", "attempts": "1"}}) != (
        hand_written
    )


def test_crlf_output() -> None:
    text = "---\r\ntitle: x\r\nstatus: draft\r\n---\r\nBody\r\n"
    assert write_back(text, "published", {"a": {"parts": [{"id": "1"}]}}) == (
        "---\r\ntitle: x\r\nstatus: published\r\nresults:\r\n  a:\r\n    parts:\r\n"
        "      - id: '1'\r\n---\r\nBody\r\n"
    )


def test_rendering_layout() -> None:
    results: dict[str, Any] = {
        "b-first": {
            "status": "published",
            "parts": [{"id": "1", "url": "u"}, "text", [1, [2]], {}, []],
            "nested": {"deep": {"deeper": True}},
            "when": datetime(2026, 12, 1, 9, 0, 3, tzinfo=UTC),
            "day": date(2026, 12, 1),
            "ratio": 0.5,
            "big": 1e20,
            "inf": float("-inf"),
        },
        "a-second": {"error": "multi\nline", "empty": "", "none": None},
    }
    new = write_back("---\n---\n", None, results)
    assert new == (
        "---\n"
        "results:\n"
        "  b-first:\n"
        "    status: published\n"
        "    parts:\n"
        "      - id: '1'\n"
        "        url: u\n"
        "      - text\n"
        "      - - 1\n"
        "        - - 2\n"
        "      - {}\n"
        "      - []\n"
        "    nested:\n"
        "      deep:\n"
        "        deeper: true\n"
        "    when: 2026-12-01 09:00:03+00:00\n"
        "    day: 2026-12-01\n"
        "    ratio: 0.5\n"
        "    big: 1.0e+20\n"
        "    inf: -.inf\n"
        "  a-second:\n"
        '    error: "multi\\nline"\n'
        "    empty: ''\n"
        "    none: null\n"
        "---\n"
    )
    check("---\n---\n", None, results)


def test_long_key_written_explicitly() -> None:
    key = "k" * 1500
    check("---\ntitle: x\n---\n", None, {key: {"status": "ok", key: [{key: 1}]}})


def test_body_lookalikes_untouched() -> None:
    body = "status: body\nresults:\n  x: 1\n---\nstatus: again\n---\n"
    text = "---\nstatus: draft\n---\n" + body
    new = write_back(text, "published", {"a": {"status": "ok"}})
    assert new.endswith("\n---\n" + body)


def test_duplicate_key_not_edited_is_left_alone() -> None:
    text = "---\nstatus: a\nstatus: b\n---\n"
    check(text, None, {"acct": {"status": "ok"}})


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: x\n", "no front-matter"),
        ("", "no front-matter"),
        ("\n---\ntitle: x\n---\n", "no front-matter"),
        ("--- x\ntitle: x\n---\n", "no front-matter"),
        ("---\ntitle: x\n", "not closed"),
        ("---", "not closed"),
        ("---\ntitle: x\n --- \n", "not closed"),
        ("---\n{status: draft, title: x}\n---\n", "flow mapping"),
        ("---\njust a sentence\n---\n", "not a mapping"),
        ("---\n- a\n- b\n---\n", "not a mapping"),
        ("---\ntitle: [unclosed\n---\n", "not valid YAML"),
        ("---\ntitle: x\n--- {other: y}\n---\n", "more than one"),
        ("---\nstatus: a\nstatus: b\n---\n", "more than once"),
        ("---\n? status\n: draft\n---\n", "'status' is not written as 'key: value'"),
        ("---\nstatus: &s draft\ncopy: *s\n---\n", "cannot be edited safely"),
        ("---\ndate: 2026-13-45\n---\n", "cannot be loaded"),
    ],
)
def test_refuses_what_it_cannot_edit(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        write_back(text, "published", {"a": {"status": "ok"}})


def test_refuses_duplicate_results_and_shared_anchor() -> None:
    with pytest.raises(ValueError, match="'results' more than once"):
        write_back("---\nresults: {}\nresults: {}\n---\n", None, {"a": {"b": 1}})
    with pytest.raises(ValueError, match="cannot be edited safely"):
        write_back("---\nresults: &r\n  a: 1\ncopy: *r\n---\n", None, {"a": {"b": 2}})


def test_alias_as_results_value_is_replaced() -> None:
    text = "---\nbase: &r {a: {status: ok}}\nresults: *r\n---\n"
    check(text, None, {"a": {"status": "published"}})


@pytest.mark.parametrize(
    ("results", "error"),
    [
        ({"a": {"x": float("nan")}}, ValueError),
        ({"a": {"x": "\udcff"}}, ValueError),
        ({"a": {"x": object()}}, TypeError),
        ({"a": {"x": b"bytes"}}, TypeError),
        ({"a": {"x": {("tuple", "key"): 1}}}, TypeError),
    ],
)
def test_refuses_values_yaml_cannot_carry(results: Any, error: type[Exception]) -> None:
    text = "---\ntitle: x\n---\n"
    with pytest.raises(error):
        write_back(text, None, results)


# --- properties ---------------------------------------------------------------------------------

_TRICKY = [
    "yes", "No", "on", "OFF", "y", "null", "Null", "~", "true", "False", "2026-01-01",
    "2026-01-01 09:00:00", "2026-01-01T09:00:00Z", "12", "-3", "0x1f", "0o17", "1e3", "1_000",
    "1:20", ".inf", "-.Inf", ".nan", "-", "- x", "? x", ": x", "a: b", "a:b", "a #b", "a#b",
    "#x", "'q'", '"q"', "", " ", "  lead", "trail ", "\t", "|", "> x", "*a", "&a", "!t", "%x",
    "@x", "`x", "<<", "=", "...", "---", "--- x", "a\nb", "a\n\nb\n", "\r\n", "\r", "\u2028",
    "\x85", "\ufeff", "\x00", "\x7f", "\ufffe", "é", "日本語", "🙂", "{a: 1}", "[1]", "a, b",
    "http://x/y?a=1#f", "at://did:plc:x/app.bsky.feed.post/1", "\\", "\\n", "k" * 1100,
]  # fmt: skip

_text = st.one_of(
    st.sampled_from(_TRICKY),
    st.text(st.characters(codec="utf-8"), max_size=24),
    st.text(":#'\"\n\r\t -?ab{}[],|>!&*%@`\\~.0123456789", max_size=12),
)
_scalars = st.one_of(
    _text,
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.dates(),
    st.datetimes(
        min_value=datetime(1000, 1, 1),
        timezones=st.sampled_from(
            [
                None,
                UTC,
                timezone(timedelta(hours=5, minutes=30)),
                timezone(-timedelta(hours=8)),
            ]
        ),
    ),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=12,
)
_entry = st.dictionaries(
    st.sampled_from(["status", "key", "at", "url", "id", "parts", "attempts", "error"]) | _text,
    _values,
    max_size=6,
)
_results = st.dictionaries(_text, _entry, max_size=4)
# WRITEBACK_EXAMPLES=5000 for a long run before changing the module.
_settings = settings(
    max_examples=int(os.environ.get("WRITEBACK_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@_settings
@given(
    name=st.sampled_from(sorted(FILES)),
    status=st.none() | _text,
    results=st.none() | _results,
)
def test_property_round_trip(name: str, status: str | None, results: Any) -> None:
    check(FILES[name], status, results)


@_settings
@given(
    body=st.text(st.characters(codec="utf-8")),
    comment=st.text(st.characters(codec="utf-8", exclude_characters="\n\r")),
    status=_text,
    results=_results,
    crlf=st.booleans(),
)
def test_property_body_and_comment_untouched(
    body: str, comment: str, status: str, results: Any, crlf: bool
) -> None:
    nl = "\r\n" if crlf else "\n"
    head = nl.join(["---", "title: x", f"status: draft   #{comment}", "---", ""])
    text = head + body
    try:
        yaml.safe_load(split(text)[1])
    except yaml.YAMLError:
        return  # a comment with a character YAML forbids: not a file anyone can have
    new = check(text, status, results)
    assert new.endswith(nl + "---" + nl + body)
    assert f"   #{comment}{nl}" in new


_plain_keys = st.text("abcdefgh_-", min_size=1, max_size=8).filter(
    lambda k: k not in ("status", "results")
)


@_settings
@given(
    others=st.dictionaries(_plain_keys, _values, max_size=5),
    old_status=st.none() | _values,
    old_results=st.none() | _values,
    position=st.integers(0, 5),
    width=st.sampled_from([20, 40, 80, 1000]),
    flow=st.sampled_from([False, None]),
    unicode=st.booleans(),
    comments=st.lists(st.tuples(st.integers(0, 60), st.sampled_from(["# c", "  # c", ""]))),
    status=st.none() | _text,
    results=st.none() | _results,
)
def test_property_generated_front_matter(
    others: dict[str, Any],
    old_status: Any,
    old_results: Any,
    position: int,
    width: int,
    flow: bool | None,
    unicode: bool,
    comments: list[tuple[int, str]],
    status: str | None,
    results: Any,
) -> None:
    """Front-matter in the shapes yaml.safe_dump writes, with comment lines between keys."""
    items = list(others.items())
    for key, value in (("status", old_status), ("results", old_results)):
        if value is not None:
            items.insert(min(position, len(items)), (key, value))
    data = dict(items)
    front_matter = yaml.safe_dump(
        data, sort_keys=False, width=width, default_flow_style=flow, allow_unicode=unicode
    )
    if front_matter.startswith("{}"):
        front_matter = ""
    elif front_matter.startswith("{"):
        return  # safe_dump wrote a flow mapping at the top: refused, see test_refuses_*
    lines = front_matter.splitlines(keepends=True)
    for at, comment in sorted(comments, reverse=True):
        at = min(at, len(lines))
        # Only between top-level keys, where a comment or blank line cannot change a value.
        if at == len(lines) or (lines[at][:1] not in (" ", "-", "") and lines[at][0] != "#"):
            lines.insert(at, comment + "\n")
    front_matter = "".join(lines)
    if yaml.safe_load(front_matter) != (data or None):
        return  # a comment landed inside a multi-line scalar: not the file we meant
    check(f"---\n{front_matter}---\nBody\n", status, results)
