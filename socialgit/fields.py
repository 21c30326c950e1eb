"""Checking YAML mappings against the keys they may have, collecting located problems."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from socialgit.model import Problem, Severity
from socialgit.yamlnodes import Node


@dataclass
class Findings:
    """Problems of one file, gathered so that every one is reported at once."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, line: int, column: int, message: str, severity: Severity = "error") -> None:
        self.problems.append(Problem(self.path, line, column, severity, message))

    def at(self, node: Node, message: str, severity: Severity = "error") -> None:
        self.add(node.line, node.column, message, severity)

    def at_key(self, node: Node, message: str) -> None:
        self.add(node.key_line or node.line, node.key_column or node.column, message)

    @property
    def failed(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


def suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown_keys(
    mapping: dict[str, Node], allowed: Iterable[str], what: str, out: Findings
) -> None:
    known = tuple(allowed)
    for key, node in mapping.items():
        if key not in known:
            out.at_key(node, f"unknown key {key!r} in {what}{suggest(key, known)}")


def string(node: Node, name: str, out: Findings) -> str | None:
    if not node.is_scalar or node.value is None:
        out.at(node, f"{name} must be a text value")
        return None
    return node.text()


def integer(node: Node, name: str, out: Findings, minimum: int = 0) -> int | None:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        out.at(node, f"{name} must be a whole number of at least {minimum}")
        return None
    return value


def string_list(node: Node, name: str, out: Findings) -> list[tuple[str, Node]]:
    """A list of words; a single word is accepted as a list of one."""
    items = node.value if node.is_sequence else [node]
    found: list[tuple[str, Node]] = []
    for item in items:
        if not item.is_scalar or item.value is None:
            out.at(item, f"{name} must be a list of names")
            continue
        found.append((item.raw or "", item))
    return found
