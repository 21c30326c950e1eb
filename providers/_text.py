"""Counting helpers shared by the providers' text rules."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import regex


@functools.cache
def _clusters() -> regex.Pattern[str]:
    import regex  # deferred: the code-unit counters (UTF-16, UTF-8) need no Unicode tables

    return regex.compile(r"\X")


def graphemes(text: str) -> int:
    """Extended grapheme clusters (UAX #29), which is what people see as characters."""
    if text.isascii():
        # In ASCII only CR LF joins two code points into one cluster; skipping the regex
        # matters when a plan counts thousands of posts.
        return len(text) - text.count("\r\n")
    return len(_clusters().findall(text))


def grapheme_list(text: str) -> list[str]:
    return _clusters().findall(text)


def utf16_units(text: str) -> int:
    """JavaScript's and Java's ``length``: code points above U+FFFF count twice."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))
