"""YAML loading that keeps where each value was written, and refuses what can hurt.

python-frontmatter and ``yaml.safe_load`` return plain values, so an error could only point at
the file. Here PyYAML's C composer builds the node graph (with marks), and a small walk turns
it into :class:`Node` values that carry 1-based line and column. Anchors and aliases are
refused as soon as a node is reached twice: that is what makes an alias bomb (a few lines that
expand to gigabytes) cost nothing, and post front-matter has no use for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

try:
    # The base loader resolves no implicit types: plain scalars arrive as text, and the few
    # types a post or config uses are read below without PyYAML's per-scalar regex pass.
    from yaml import CBaseLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import BaseLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 32
_STR = "tag:yaml.org,2002:str"
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {
    **dict.fromkeys(("true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"), True),
    **dict.fromkeys(("false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"), False),
}
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?$")


class YamlError(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(slots=True)
class Node:
    """A YAML value and where it stands. Mappings hold ``dict[str, Node]``, sequences
    ``list[Node]``, scalars their constructed value with ``raw`` the text as written."""

    value: Any
    line: int
    column: int
    raw: str | None = None
    key_line: int = 0  # for a mapping value: where its key stands
    key_column: int = 0

    @property
    def is_mapping(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_sequence(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_scalar(self) -> bool:
        return self.raw is not None

    def text(self) -> str | None:
        """A scalar as the string it was written as (``id: 2026`` is the id "2026")."""
        if self.raw is None or self.value is None:
            return None
        return self.raw


_constructor = yaml.constructor.SafeConstructor()


def load(text: str, line_offset: int = 0) -> Node | None:
    """Parse one YAML document; ``line_offset`` shifts reported lines (front-matter)."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else 1 + line_offset
        column = mark.column + 1 if mark else 1
        if mark is not None and _tab_at(text, mark.line, mark.column):
            raise YamlError(
                "tabs: YAML indents with spaces only; replace the tab on this line with spaces",
                line,
                column,
            ) from None
        raise YamlError(f"invalid YAML: {exc.problem or exc}", line, column) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", 1 + line_offset, 1) from None
    if root is None:
        return None
    return _convert(root, line_offset, set(), 0)


def _tab_at(text: str, line: int, column: int) -> bool:
    """PyYAML reports a tab in indentation as a character that "cannot start any token"."""
    lines = text.split("\n")
    if line >= len(lines):
        return False
    here = lines[line]
    indent = here[: len(here) - len(here.lstrip(" \t"))]
    return "\t" in indent or here[column : column + 1] == "\t"


def _convert(node: yaml.Node, offset: int, seen: set[int], depth: int) -> Node:
    line = node.start_mark.line + 1 + offset
    column = node.start_mark.column + 1
    if id(node) in seen:
        raise YamlError("anchors and aliases (& and *) are not supported here", line, column)
    seen.add(id(node))
    if depth > MAX_DEPTH:
        raise YamlError(f"nested deeper than {MAX_DEPTH} levels", line, column)
    if isinstance(node, yaml.ScalarNode):
        return Node(_scalar(node, line, column), line, column, raw=node.value)
    if isinstance(node, yaml.SequenceNode):
        items = [_convert(item, offset, seen, depth + 1) for item in node.value]
        return Node(items, line, column)
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1 + offset
            key_column = key_node.start_mark.column + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlError("a key must be a plain word", key_line, key_column)
            if key_node.tag == "tag:yaml.org,2002:merge" or key_node.value == "<<":
                raise YamlError("merge keys (<<) are not supported here", key_line, key_column)
            key = key_node.value
            if key in mapping:
                raise YamlError(f"duplicate key {key!r}", key_line, key_column)
            value = _convert(value_node, offset, seen, depth + 1)
            value.key_line, value.key_column = key_line, key_column
            mapping[key] = value
        return Node(mapping, line, column)
    raise YamlError("unsupported YAML node", line, column)  # pragma: no cover


def _scalar(node: yaml.ScalarNode, line: int, column: int) -> Any:
    if node.tag == _STR:
        text: str = node.value
        if node.style:  # quoted or block: always text (plain is None, or "" from libyaml)
            return text
        if text in _NULLS:
            return None
        if text in _BOOLS:
            return _BOOLS[text]
        if _INT.match(text):
            return int(text.replace("_", ""))
        if _FLOAT.match(text):
            return float(text.replace("_", ""))
        return text  # times stay as written; callers parse them with their time zone
    build = _constructor.yaml_constructors.get(node.tag)
    if build is None:
        raise YamlError(f"unknown tag {node.tag!r}", line, column)
    try:
        return build(_constructor, node)
    except (ValueError, yaml.constructor.ConstructorError):
        # An invalid timestamp or number is still usable as the text it was written as.
        return node.value
