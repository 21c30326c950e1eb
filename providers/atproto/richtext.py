"""Bluesky rich text: facets and grapheme counts exactly as @atproto/api 0.21.0's RichText has them.

Bluesky only turns links, mentions and tags into something clickable when the post record
carries facets, and the official clients compute those with ``RichText.detectFacets``. What we
publish must agree with what someone would get from the app, quirks included, so this is a port
of ``detectFacetsWithoutResolution`` and ``graphemeLength`` rather than a "better" detector;
tests/providers/atproto/test_richtext.py checks it against the npm package itself.

The reference runs JavaScript regexes over UTF-16 strings. The patterns below spell out the JS
meaning of every construct whose Python counterpart differs (``\\s``, ``\\b``, ``\\d``, ``/i``,
``^`` with and without ``/m``, ``$``), and offsets are computed on code points, which is
equivalent here because no match can start or end inside a surrogate pair.
"""

from __future__ import annotations

import re
from typing import Any, Final

import regex

from providers.atproto.tlds import TLDS

# JS `\s` (with or without /u): WhiteSpace (TAB, VT, FF, U+FEFF and every Zs character) plus the
# LineTerminators. Python's `\s` has U+001C..U+001F and U+0085 but not U+FEFF, so spell it out.
_JS_WHITESPACE_CHARS: Final = (
    "\t\n\x0b\x0c\r \xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_JS_WHITESPACE: Final = frozenset(_JS_WHITESPACE_CHARS)
_WS: Final = "".join(f"\\u{ord(char):04x}" for char in _JS_WHITESPACE_CHARS)
# Invisible characters that RichText refuses inside a tag on top of whitespace.
_TAG_INVISIBLE: Final = r"\xad\u2060\u200a-\u200d\u20e2"
# JS `\b` and `\w` are ASCII-only here (no /u, and not /v); `_` counts as a word character.
_ASCII_WORD: Final = "A-Za-z0-9_"
_ASCII_ALNUM: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

_MENTION: Final = regex.compile(
    rf"(?:^|[{_WS}(])@([a-zA-Z0-9.-]+)"
    rf"(?:(?<=[{_ASCII_WORD}])(?![{_ASCII_WORD}])|(?<![{_ASCII_WORD}])(?=[{_ASCII_WORD}]))"
)
# The reference has /gim. /i without /u folds only ASCII letters onto each other (no Kelvin sign,
# no long s), so the cases are written out instead of using IGNORECASE. Its lead `(^|\s|\()`,
# with /m's `^` after line terminators, is a lookbehind here: a match always ends right before
# whitespace or at the end, so the lead it needs is never inside the previous match. Only explicit
# ASCII classes, so the stdlib engine means the same and scans several times faster than `regex`.
_URL: Final = re.compile(
    rf"(?<![^{_WS}(])"
    rf"([Hh][Tt][Tt][Pp][Ss]?://[^{_WS}]+"
    rf"|(?P<domain>[a-zA-Z][a-zA-Z0-9]*(?:\.[a-zA-Z0-9]+)+)[^{_WS}]*)"
)
# The reference's tag body is `X*Y+X*` after a `(?!\ufe0f)` over the characters X allowed in a
# tag, with at least one Y (X that is neither digit nor punctuation). That always spans the whole
# run of X, so the run is taken and tested for a Y instead, without the quadratic backtracking.
_TAG_BODY: Final = regex.compile(rf"[^{_WS}{_TAG_INVISIBLE}]*")
_TAG_WORDY: Final = regex.compile(r"[^0-9\p{P}]")
# `\p{P}+$` without /m: the very end only, where Python's `$` would also allow a final "\n".
_TRAILING_PUNCTUATION: Final = regex.compile(r"\p{P}+\Z")
_CASHTAG: Final = regex.compile(
    rf"(?:^|[{_WS}(])\$([A-Za-z][A-Za-z0-9]{{0,4}})(?=[{_WS}]|\Z|[.,;:!?)\"'\u2019])"
)
_LINK_PUNCTUATION: Final = frozenset(".,;:!?")
_GRAPHEME: Final = regex.compile(r"\X")

_MAX_TAG_GRAPHEMES: Final = 64
_FACET: Final = "app.bsky.richtext.facet"


def grapheme_length(text: str) -> int:
    """Extended grapheme clusters, as ``new RichText({text}).graphemeLength`` (Intl.Segmenter)."""
    if text.isascii():
        # In ASCII only CR LF joins into one cluster; everything else stands alone.
        return len(text) - text.count("\r\n")
    return len(_GRAPHEME.findall(text))


def detect_facets(text: str) -> list[dict[str, Any]]:
    """Facets of ``text`` as RichText.detectFacetsWithoutResolution() leaves them.

    Plain JSON-able dicts in the reference's order (stable by byteStart). Mentions keep the
    handle in ``did`` until resolved and, like the reference, also carry a top-level ``$type``;
    link and tag facets do not. Offsets are UTF-8 byte offsets.
    """
    facets: list[dict[str, Any]] = []
    # Each detector is skipped unless the text holds something its matches cannot do without;
    # most posts have no mention, tag or cashtag, and no link.
    if "@" in text and "." in text:
        _mentions(text, facets)
    if _may_hold_link(text):
        _links(text, facets)
    if "#" in text or "＃" in text:
        _tags(text, facets)
    if "$" in text:
        _cashtags(text, facets)
    if not facets:
        return facets
    if not text.isascii():
        _to_utf8_offsets(text, facets)
    # Python's sort is stable like V8's, so equal starts keep the detection order.
    facets.sort(key=lambda facet: facet["index"]["byteStart"])
    return facets


def _is_valid_domain(name: str) -> bool:
    # The reference asks whether the name ends in "." plus some listed TLD, case-sensitively;
    # TLDs have no dots, so that is the last label looked up in the set.
    dot = name.rfind(".")
    return dot >= 0 and name[dot + 1 :] in TLDS


# Facets are built with code point offsets; detect_facets converts them to bytes at the end.
def _facet(start: int, end: int, feature: dict[str, str]) -> dict[str, Any]:
    return {"index": {"byteStart": start, "byteEnd": end}, "features": [feature]}


def _mentions(text: str, facets: list[dict[str, Any]]) -> None:
    for match in _MENTION.finditer(text):
        handle = match[1]
        if not _is_valid_domain(handle) and not handle.endswith(".test"):
            continue
        start = match.start(1) - 1
        feature = {"$type": f"{_FACET}#mention", "did": handle}
        facets.append({"$type": _FACET, **_facet(start, match.end(1), feature)})


def _may_hold_link(text: str) -> bool:
    # A link is either "scheme://..." or has a domain with an ASCII letter or digit on both sides
    # of a dot; sentence-ending periods are followed by a space, so plain prose fails this fast.
    if "://" in text:
        return True
    last = len(text) - 1
    dot = text.find(".", 1)
    while 0 < dot < last:
        if text[dot - 1] in _ASCII_ALNUM and text[dot + 1] in _ASCII_ALNUM:
            return True
        dot = text.find(".", dot + 1)
    return False


def _links(text: str, facets: list[dict[str, Any]]) -> None:
    for match in _URL.finditer(text):
        uri: str = match[1]
        # Case-sensitive on purpose: "HTTP://..." matches the pattern but is then dropped, and a
        # bare "httpbin.org" skips both the TLD check and the https:// prefix, as upstream does.
        if not uri.startswith("http"):
            domain = match["domain"]
            if not domain or not _is_valid_domain(domain):
                continue
            uri = f"https://{uri}"
        start, end = match.start(1), match.end(1)
        if uri[-1] in _LINK_PUNCTUATION:
            uri = uri[:-1]
            end -= 1
        if uri.endswith(")") and "(" not in uri:
            uri = uri[:-1]
            end -= 1
        facets.append(_facet(start, end, {"$type": f"{_FACET}#link", "uri": uri}))


def _tags(text: str, facets: list[dict[str, Any]]) -> None:
    # Walks the '#'s the way the reference's global regex does: a match needs the start of the
    # text or an unconsumed whitespace lead, and the next search resumes where the match ended.
    resume = 0
    for hash_at in _positions(text, "#＃"):
        if hash_at and (hash_at - 1 < resume or text[hash_at - 1] not in _JS_WHITESPACE):
            continue
        run = _TAG_BODY.match(text, hash_at + 1)
        body = run[0] if run else ""
        resume = hash_at + 1
        if not body or body[0] == "\ufe0f" or not _TAG_WORDY.search(body):
            continue
        resume += len(body)
        # The body has no whitespace, so the reference's trim() never changes it.
        tag = _TRAILING_PUNCTUATION.sub("", body)
        if len(tag) > _MAX_TAG_GRAPHEMES and grapheme_length(tag) > _MAX_TAG_GRAPHEMES:
            continue
        facets.append(
            _facet(hash_at, hash_at + 1 + len(tag), {"$type": f"{_FACET}#tag", "tag": tag})
        )


def _cashtags(text: str, facets: list[dict[str, Any]]) -> None:
    for match in _CASHTAG.finditer(text):
        ticker = match[1].upper()
        start = match.start(1) - 1
        feature = {"$type": f"{_FACET}#tag", "tag": f"${ticker}"}
        facets.append(_facet(start, match.end(1), feature))


def _positions(text: str, chars: str) -> list[int]:
    found = []
    for char in chars:
        at = text.find(char)
        while at != -1:
            found.append(at)
            at = text.find(char, at + 1)
    found.sort()
    return found


def _to_utf8_offsets(text: str, facets: list[dict[str, Any]]) -> None:
    # One pass over the text however many facets there are, encoding only the gaps between
    # consecutive offsets. surrogatepass counts a lone surrogate as 3 bytes, like the U+FFFD
    # that TextEncoder puts in its place.
    indexes = [facet["index"] for facet in facets]
    points = sorted({index[key] for index in indexes for key in ("byteStart", "byteEnd")})
    utf8: dict[int, int] = {}
    done = size = 0
    for point in points:
        size += len(text[done:point].encode("utf-8", "surrogatepass"))
        utf8[point] = size
        done = point
    for index in indexes:
        index["byteStart"] = utf8[index["byteStart"]]
        index["byteEnd"] = utf8[index["byteEnd"]]
