"""X's weighted text length, exactly as the npm package twitter-text 3.1.0 computes it.

``parseTweet`` (config v3) walks the NFC-normalised text in UTF-16 code units: a URL found by
twitter-text's extractor costs 23 characters whatever its length, an emoji sequence found by
twemoji-parser costs 2, and any other code point costs 1 or 2 by range. X rejects a post whose
count is off by one, so this module mirrors JavaScript's semantics rather than approximating
them: URLs are matched over UTF-16 code units, and the extractor's ``/i`` flag is reproduced by
upper-casing both sides the way ECMAScript canonicalises. tests/providers/x/test_counting.py
checks the result against the package itself.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from typing import Final

from providers.x.tlds import COUNTRY_TLDS, GENERIC_TLDS

MAX_WEIGHTED_LENGTH: Final = 280
_SCALE: Final = 100
_DEFAULT_WEIGHT: Final = 200
_URL_WEIGHT: Final = 23 * _SCALE
_EMOJI_WEIGHT: Final = _DEFAULT_WEIGHT
# Config v3 gives weight 100 to code points in these ranges and _DEFAULT_WEIGHT to all others.
_LIGHT = "0-10FF 2000-200D 2010-201F 2032-2037"

# Beyond this the package refuses a URL (protocol included), and a DNS label beyond 63.
_MAX_URL_LENGTH: Final = 4096
_MAX_LABEL_LENGTH: Final = 63
_MAX_TCO_SLUG_LENGTH: Final = 40


def _points(spec: str) -> list[int]:
    """Code points from a spec like ``"A9 2194-2199"`` (hex, ranges inclusive)."""
    found: list[int] = []
    for item in spec.split():
        low, _, high = item.partition("-")
        found.extend(range(int(low, 16), int(high or low, 16) + 1))
    return found


def _esc(cp: int) -> str:
    # Escapes keep the pattern source ASCII and free of class metacharacters.
    if cp < 0x100:
        return f"\\x{cp:02x}"
    return f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}"


def _ranges(points: Iterable[int]) -> str:
    """Body of a character class for a set of code points."""
    ordered = sorted(set(points))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        low, high = ordered[i], ordered[j]
        parts.append(_esc(low) if low == high else f"{_esc(low)}-{_esc(high)}")
        i = j + 1
    return "".join(parts)


def _astral_to_units(match: re.Match[str]) -> str:
    offset = ord(match.group()) - 0x10000
    return chr(0xD800 + (offset >> 10)) + chr(0xDC00 + (offset & 0x3FF))


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Deleting runs rather than single characters keeps the count cheap for any mix of scripts.
_LIGHT_RUN = re.compile(f"[{_ranges(_points(_LIGHT))}]+")
_INVALID = re.compile("[\ufffe\ufeff\uffff]")


# --- ECMAScript case-insensitivity -------------------------------------------------------------
#
# twitter-text's URL expressions carry /i without /u. ECMAScript then compares code units after
# Canonicalize: the single-unit upper-case mapping, kept only if it is one unit and does not turn
# a non-ASCII unit into ASCII. That differs from Python's re.IGNORECASE (which folds U+212A
# KELVIN SIGN to "k", for one), so the text and the patterns are both canonicalised instead.


def _js_upper(unit: str) -> str:
    upper = unit.upper()
    if len(upper) != 1 or (unit >= "\x80" and upper < "\x80"):
        return unit
    return upper


def _canonical(units: str) -> str:
    upper = units.upper()
    # Equal length means no unit expanded (str.upper never shrinks); U+0131 and U+017F are the
    # only non-ASCII units whose upper case is ASCII, which Canonicalize refuses.
    if len(upper) == len(units) and "\u0131" not in units and "\u017f" not in units:
        return upper
    return "".join(map(_js_upper, units))


def _folded(points: Iterable[int]) -> list[int]:
    return [ord(_js_upper(chr(cp))) for cp in points]


def _chars(text: str) -> list[int]:
    return [ord(ch) for ch in text]


# --- URL extraction (twitter-text's extractUrlsWithIndices) -----------------------------------
#
# The package finds URLs with one large regular expression whose host part is
# ``subdomain* domain_name tld``, the TLD being an alternation of 1,574 names. Python's re needs
# about 0.2 s to compile that alternation, so the host is matched by hand, in the order the
# expression backtracks: labels end at dots, so each step has a single candidate; take as many
# subdomain labels as possible, then give them back one at a time until the label after them is
# followed by a known TLD. The rest of the URL stays a regular expression.

_LETTERS = _chars("abcdefghijklmnopqrstuvwxyz")
_DIGITS = _chars("0123456789")
_CYRILLIC = _points("400-4FF")
_LATIN_ACCENTS = _points(
    "C0-D6 D8-F6 F8-FF 100-24F 253-254 256-257 259 25B 263 268 26F 272 289 28B 2BB 300-36F"
    " 1E00-1EFF"
)
_PUNCTUATION = _chars("!'#%&()*+,\\-./:;<=>?@[]^_{|}~$")
_SPACES = _points("9-D 20 85 A0 1680 180E 2000-200A 2028 2029 202F 205F 3000")
_NONCHARACTERS = _points("FFFE FEFF FFFF")
_DIRECTIONAL = _points("202A-202E 61C 200E 200F 2066-2069")
# The package builds this set by string-interpolating RegExp objects, which drags their "/"
# delimiters in too; "/" is punctuation already, so the set is unchanged.
_NOT_IN_HOST = _PUNCTUATION + _SPACES + _NONCHARACTERS + _DIRECTIONAL


def _class(points: Iterable[int], *, negate: bool = False) -> str:
    """Class that matches canonicalised text as ``/[points]/i`` matches the original."""
    listed = list(points)
    # Canonicalize is idempotent, so canonical text holds only its fixed points: listing the raw
    # points next to their images matches nothing more and keeps the ranges contiguous.
    return f"[{'^' if negate else ''}{_ranges(listed + _folded(listed))}]"


_HOST_CHAR = _class(_NOT_IN_HOST, negate=True)
_LABEL_CHAR = _class([cp for cp in _NOT_IN_HOST if chr(cp) not in "_-"], negate=True)
_LABEL_RUN = re.compile(_LABEL_CHAR + "+")
_NOT_BEFORE = frozenset(map(chr, _folded(_LETTERS + _DIGITS + _chars("@\uff20$#\uff03"))))
_NOT_BEFORE |= frozenset(map(chr, _NONCHARACTERS))
_SCHEMES = ("HTTPS://", "HTTP://", "")  # in the order /(https?:\/\/)?/ tries them
_LABEL_BEFORE = re.compile(_LABEL_CHAR + "*")  # run on the reversed text
# Where a URL could start: a permitted preceding character (or the start of the text), an
# optional scheme, and a first label ending in a dot that something follows. A superset of
# real matches, so the exact check runs only where one may be.
_CANDIDATE = re.compile(
    f"(?:[^{''.join(map(_esc, sorted(map(ord, _NOT_BEFORE))))}]|^)"
    f"(?:HTTPS?://)?{_HOST_CHAR}{_LABEL_CHAR}*+\\.(?={_HOST_CHAR})"
)


def _after_host() -> tuple[str, str]:
    """Patterns for what may follow the host: port, path and query; and the query alone."""
    word = _LETTERS + _DIGITS + _CYRILLIC + _LATIN_ACCENTS
    path_char = _class(word + _chars("!*';:=+,.$/%#[]-\u2013_~@|&"))
    # Up to two levels of balanced parentheses, as in /wiki/Foo_(bar).
    parens = f"\\((?:{path_char}+|(?:{path_char}*\\({path_char}+\\){path_char}*))\\)"
    path_end = _class(word + _chars("+-=_#/"))
    # A segment may not end in punctuation such as "." or ",", and holds "@" only mid-path. The
    # package splices its "ending character or parentheses" alternation in without a group, so
    # the "|" splits the whole segment: parentheses alone form a segment, but cannot end one.
    path = (
        f"(?:(?:{path_char}*(?:{parens}{path_char}*)*{path_end}|(?:{parens}))|(?:@{path_char}+/))"
    )
    query_char = _class(_LETTERS + _DIGITS + _chars("!?*'@();:&=+$/%#[]-_.,~|"))
    query = f"(?:\\?{query_char}*{_class(_LETTERS + _DIGITS + _chars('-_&=#/'))})"
    return f"(?::[0-9]+)?(?P<path>/{path}*)?{query}?", query


_AFTER_HOST_PATTERN, _QUERY_PATTERN = _after_host()
_AFTER_HOST = re.compile(_AFTER_HOST_PATTERN)
_TCO = re.compile(f"HTTPS?://T\\.CO/([A-Z0-9]+){_QUERY_PATTERN}?")
_ASCII_LABEL = re.compile(_class(_chars("-") + _LETTERS + _DIGITS + _LATIN_ACCENTS) + "+\\.")
_PUNYCODE_TLD = re.compile("XN--" + _class(_chars("-") + _DIGITS + _LETTERS) + "+")
_TLDS = frozenset(_canonical(tld) for tld in (*GENERIC_TLDS, *COUNTRY_TLDS))
_ASCII_TLDS = frozenset(tld for tld in _TLDS if tld.isascii())
_ASCII_TLD = re.compile("[A-Z]+")


def _lengths_by_first_character(names: Iterable[str]) -> dict[str, tuple[int, ...]]:
    lengths: dict[str, set[int]] = {}
    for name in names:
        lengths.setdefault(name[0], set()).add(len(name))
    return {first: tuple(sorted(found, reverse=True)) for first, found in lengths.items()}


_OTHER_TLD_LENGTHS = _lengths_by_first_character(_TLDS - _ASCII_TLDS)
_NOT_AFTER_TLD = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ@+-")
# Every URL's first label ends at a dot followed by a TLD or by another label and dot; texts
# without such a dot (full stops end sentences, "v2.0" has no TLD) skip the extractor. Runs on
# canonicalised text.
_LINK_DOT = re.compile(f"\\.(?=[{_ranges(ord(tld[0]) for tld in _TLDS)}]|{_LABEL_CHAR}*+\\.)")


def _tld_end(folded: str, start: int) -> int:
    """End of the TLD at ``start``, or -1.

    The package tries every generic TLD, then every country code, each list ordered so that a
    name comes before its prefixes, and then punycode; the generator of tlds.py checks
    that no generic TLD is a prefix of a country code, so longest-first gives the same answer.
    """
    # A TLD with a non-ASCII letter outranks any ASCII one it extends ("VERMÖGENSBERATUNG").
    for length in _OTHER_TLD_LENGTHS.get(folded[start : start + 1], ()):
        end = start + length
        if folded[start:end] in _TLDS and folded[end : end + 1] not in _NOT_AFTER_TLD:
            return end
    # An ASCII TLD must be followed by a non-letter, so only the whole run of letters can be one.
    run = _ASCII_TLD.match(folded, start)
    if run:
        end = run.end()
        if run.group() in _ASCII_TLDS and folded[end : end + 1] not in _NOT_AFTER_TLD:
            return end
    match = _PUNYCODE_TLD.match(folded, start)
    return match.end() if match else -1


class _Hosts:
    """Host matching over one canonicalised text, remembering what each position gave.

    Matches are tried from many starting points and every attempt walks the labels after it;
    the memos keep the whole search linear ("a.a.a.a…" would otherwise be quadratic).
    """

    def __init__(self, folded: str) -> None:
        self.folded = folded
        self._tld_ends: dict[int, int] = {}
        self._host_ends: dict[int, int] = {}
        self._tld_ahead: dict[int, bool] = {}
        self._run = (0, 0)  # the last run of label characters found

    def tld_end(self, start: int) -> int:
        end = self._tld_ends.get(start)
        if end is None:
            end = self._tld_ends[start] = _tld_end(self.folded, start)
        return end

    def label_end(self, start: int) -> int:
        """End of the label at ``start`` when a dot follows it, else -1."""
        first, end = self._run
        if not first <= start < end:
            # Starts are often tried one after another inside the same run; reuse its end.
            run = _LABEL_RUN.match(self.folded, start)
            if not run:
                return -1
            self._run = first, end = run.span()
        return end if self.folded[end : end + 1] == "." else -1

    def tld_ahead(self, start: int) -> bool:
        """Whether a TLD follows ``start`` after zero or more ``label.``, as a host's tail."""
        walked: list[int] = []
        while start not in self._tld_ahead:
            if self.tld_end(start) >= 0:
                self._tld_ahead[start] = True
                break
            end = self.label_end(start)
            if end < 0:
                self._tld_ahead[start] = False
                break
            walked.append(start)
            start = end + 1
        found = self._tld_ahead[start]
        for position in walked:
            self._tld_ahead[position] = found
        return found

    def host_end(self, start: int) -> int:
        """End of ``subdomain* domain_name tld`` at ``start``, or -1.

        The expression takes all the subdomain labels it can, then gives them back one at a
        time until the label after them passes as the domain name and a TLD follows. So from a
        label the answer is the next label's answer if that has one, else the TLD after this
        label, provided the label can be the domain name.
        """
        folded = self.folded
        chain: list[tuple[int, int]] = []
        while start not in self._host_ends:
            end = self.label_end(start)
            # A subdomain label may hold "_" and "-" but neither begin nor end with one.
            if end < 0 or folded[start] in "_-" or folded[end - 1] in "_-":
                self._host_ends[start] = -1
                break
            chain.append((start, end))
            start = end + 1
        found = self._host_ends[start]
        for first, end in reversed(chain):
            if found < 0 and "_" not in folded[first:end]:  # a domain name has no "_"
                found = self.tld_end(end + 1)
            self._host_ends[first] = found
        return found

    def url_at(self, start: int) -> tuple[int, int] | None:
        """Scheme length and host end of a URL starting at ``start``."""
        for scheme in _SCHEMES:
            if self.folded.startswith(scheme, start):
                host_end = self.host_end(start + len(scheme))
                if host_end >= 0:
                    return len(scheme), host_end
        return None

    def match_at(self, pos: int) -> tuple[str, int, int, int] | None:
        """Preceding character, URL start, scheme length and host end of a match at ``pos``."""
        folded = self.folded
        if pos < len(folded) and folded[pos] not in _NOT_BEFORE:
            found = self.url_at(pos + 1)
            if found:
                return folded[pos], pos + 1, *found
        if pos == 0:
            found = self.url_at(0)
            if found:
                return "", 0, *found
        return None


def _ascii_hosts(folded_host: str) -> list[tuple[int, int]]:
    """Spans of ``([-a-z0-9à-ÿ…]+\\.)+tld`` found left to right, as the package's /g search."""
    found: list[tuple[int, int]] = []
    pos = 0
    while first := _ASCII_LABEL.search(folded_host, pos):
        ends = [first.end()]
        while more := _ASCII_LABEL.match(folded_host, ends[-1]):
            ends.append(more.end())
        for tld_start in reversed(ends):
            end = _tld_end(folded_host, tld_start)
            if end >= 0:
                found.append((first.start(), end))
                pos = end
                break
        else:
            # Starting later inside the same label leaves the same labels after it.
            pos = first.end()
    return found


_IDNA_SEPARATORS = re.compile("[.\u3002\uff0e\uff61]")
_NOT_PRINTABLE_ASCII = re.compile("[^\x20-\x7e]")


def _punycode_length(text: str, limit: int) -> int:
    """Length of RFC 3492 punycode for ``text``, or ``limit + 1`` once it must exceed ``limit``.

    Python's codec is quadratic and slow; only the length matters here, and every code point
    adds at least one character, so a long label is settled without encoding anything.
    """
    # Re-pair surrogates so this sees the code points punycode.js's ucs2decode does.
    points = [
        ord(ch)
        for ch in text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    ]
    basic = sum(cp < 0x80 for cp in points)
    length = basic + (basic > 0)
    if length + len(points) - basic > limit:
        return limit + 1
    n, delta, bias, handled = 0x80, 0, 72, basic
    while handled < len(points):
        smallest = min(cp for cp in points if cp >= n)
        delta += (smallest - n) * (handled + 1)
        n = smallest
        for cp in points:
            if cp < n:
                delta += 1
            elif cp == n:
                # One variable-length integer per insertion: count its digits.
                q, k = delta, 36
                while True:
                    t = 1 if k <= bias else 26 if k >= bias + 26 else k - bias
                    if q < t:
                        break
                    length += 1
                    q, k = (q - t) // (36 - t), k + 36
                length += 1
                if length > limit:
                    return limit + 1
                bias = _adapt(delta, handled + 1, first=handled == basic)
                delta, handled = 0, handled + 1
        delta, n = delta + 1, n + 1
    return length


def _adapt(delta: int, points: int, *, first: bool) -> int:
    delta = delta // 700 if first else delta // 2
    delta += delta // points
    k = 0
    while delta > 455:
        delta //= 35
        k += 36
    return k + 36 * delta // (delta + 38)


def _label_ascii_length(label: str) -> int:
    """Length of punycode.toASCII(label), the check twitter-text's idna helper makes.

    Anything above _MAX_LABEL_LENGTH stands for "too long".
    """
    total = 0
    for i, part in enumerate(_IDNA_SEPARATORS.split(label)):
        total += i > 0
        if _NOT_PRINTABLE_ASCII.search(part):
            budget = _MAX_LABEL_LENGTH - total - len("xn--")
            total += len("xn--") + _punycode_length(part, max(budget, 0))
        else:
            total += len(part)
        if total > _MAX_LABEL_LENGTH:
            break
    return total


def _valid_host(host: str, folded_host: str) -> bool:
    """twitter-text's idna.toAscii check on a host."""
    if host.startswith("xn--") and not _ascii_hosts(folded_host):
        return False
    if _NOT_PRINTABLE_ASCII.search(host):
        lengths = map(_label_ascii_length, host.split("."))
    else:
        lengths = map(len, host.split("."))  # punycode leaves printable ASCII as it is
    return all(1 <= length <= _MAX_LABEL_LENGTH for length in lengths)


def _url_spans(units: str, folded: str) -> dict[int, int]:
    """Start -> length, in code units, of each URL parseTweet charges as a link.

    ``folded`` is ``_canonical(units)``. The lengths are the package's ``url.length``, which is
    what its walk skips; for a bare domain with a path that is not always the distance to the
    end of the match.
    """
    spans: dict[int, int] = {}
    hosts = _Hosts(folded)
    backwards = folded[::-1]
    pos = 0  # where the next match may start
    # A match's first label ends at a qualifying dot, at least two characters after its start.
    while dot := _LINK_DOT.search(folded, pos + 1):
        if not hosts.tld_ahead(dot.end()):
            # As in "e.g." or "v1.2.3": no match ends its first label here, though the dot
            # itself may precede one.
            pos = dot.start()
            continue
        # Only a start within this dot's label, a scheme and one preceding character away can
        # reach it, and the dots before it qualify for none, so look there alone.
        label = _LABEL_BEFORE.match(backwards, len(folded) - dot.start())
        assert label is not None  # the pattern accepts the empty string
        reach = len(label.group()) + len("HTTPS://") + 1
        candidate = _CANDIDATE.search(folded, max(pos, dot.start() - reach), dot.end() + 1)
        # From the first plausible start on, every position up to the dot gets the exact check:
        # searching afresh after each miss would rescan the label, which a long run of CJK
        # (each character may precede a URL) makes quadratic.
        starts = range(candidate.start(), dot.start()) if candidate else range(0)
        found = next(filter(None, map(hosts.match_at, starts)), None)
        if found is None:
            pos = dot.start()  # the dot itself may precede a URL
            continue
        before, url_start, scheme_length, host_end = found
        rest = _AFTER_HOST.match(folded, host_end)
        assert rest is not None  # every part after the host is optional
        url_end = pos = rest.end()
        host_start = url_start + scheme_length
        host, folded_host = units[host_start:host_end], folded[host_start:host_end]
        if (scheme_length or len("https://")) + url_end - url_start > _MAX_URL_LENGTH:
            continue
        if not _valid_host(host, folded_host):
            continue
        if scheme_length:
            tco = _TCO.match(folded, url_start, url_end)
            if tco:
                if len(tco.group(1)) > _MAX_TCO_SLUG_LENGTH:
                    continue
                # A t.co link ends where its slug (and query) does, whatever follows.
                url_end = tco.end()
            spans[url_start] = url_end - url_start
            continue
        if before and before in "-_./":
            continue
        # Without a scheme only ASCII hosts count, each found separately inside the match.
        last_start = last_length = -1
        search_from = 0
        for start, end in _ascii_hosts(folded_host):
            text = host[start:end]
            # The package locates each hit with indexOf from the previous end; kept verbatim.
            offset = host.find(text, search_from)
            search_from = offset + len(text)
            last_start, last_length = url_start + offset, len(text)
            spans[last_start] = last_length
        if last_start >= 0 and rest.group("path") is not None:
            # The package swaps the host for its ASCII part and keeps port, path and query.
            spans[last_start] = last_length + (url_end - url_start) - len(host)
    return spans


# --- Emoji (twemoji-parser 11.0.2, which twitter-text 3.1.0 pins) -----------------------------
#
# The tables below are twemoji-parser 11.0.2's emoji inventory (Emoji 11.0, 2018), read from the
# installed package. Unicode properties cannot express it: \p{Extended_Pictographic} and friends
# in the `regex` module follow the current Unicode release, so later ZWJ sequences, later
# skin-tone bases and newer text-style symbols would become one unit where X still counts each
# piece, and the answer would drift with every `regex` upgrade. (A property-based pattern
# disagreed with the package on most strings of the test's emoji corpus.)
# Only sequences longer than one code point are listed: a lone emoji code point weighs
# _DEFAULT_WEIGHT whether or not it is matched (none lies in a light range).

_TONES = "1F3FB-1F3FF"
_PROFESSION_PEOPLE = "1F468-1F469"  # man, woman + ZWJ + object
_PROFESSION_OBJECTS_VS16 = "2695-2696 2708"
_PROFESSION_OBJECTS = (
    "1F33E 1F373 1F393 1F3A4 1F3A8 1F3EB 1F3ED 1F4BB-1F4BC 1F527 1F52C 1F680 1F692 1F9B0-1F9B3"
)
# Text-style people that need a skin tone or VS16 before + ZWJ + gender sign.
_GENDERED_TEXT_PEOPLE = "26F9 1F3CB-1F3CC 1F574-1F575"
_GENDERED_PEOPLE = (
    "1F3C3-1F3C4 1F3CA 1F46E 1F471 1F473 1F477 1F481-1F482 1F486-1F487 1F645-1F647 1F64B"
    " 1F64D-1F64E 1F6A3 1F6B4-1F6B6 1F926 1F935 1F937-1F939 1F93D-1F93E 1F9B8-1F9B9 1F9D6-1F9DD"
)
_ZWJ_SEQUENCES = (
    "1F468 200D 2764 FE0F 200D 1F48B 200D 1F468",
    "1F469 200D 2764 FE0F 200D 1F48B 200D 1F468",
    "1F469 200D 2764 FE0F 200D 1F48B 200D 1F469",
    "1F468 200D 1F468 200D 1F466 200D 1F466",
    "1F468 200D 1F468 200D 1F467 200D 1F466",
    "1F468 200D 1F468 200D 1F467 200D 1F467",
    "1F468 200D 1F469 200D 1F466 200D 1F466",
    "1F468 200D 1F469 200D 1F467 200D 1F466",
    "1F468 200D 1F469 200D 1F467 200D 1F467",
    "1F469 200D 1F469 200D 1F466 200D 1F466",
    "1F469 200D 1F469 200D 1F467 200D 1F466",
    "1F469 200D 1F469 200D 1F467 200D 1F467",
    "1F468 200D 2764 FE0F 200D 1F468",
    "1F469 200D 2764 FE0F 200D 1F468",
    "1F469 200D 2764 FE0F 200D 1F469",
    "1F468 200D 1F466 200D 1F466",
    "1F468 200D 1F467 200D 1F466",
    "1F468 200D 1F467 200D 1F467",
    "1F468 200D 1F468 200D 1F466",
    "1F468 200D 1F468 200D 1F467",
    "1F468 200D 1F469 200D 1F466",
    "1F468 200D 1F469 200D 1F467",
    "1F469 200D 1F466 200D 1F466",
    "1F469 200D 1F467 200D 1F466",
    "1F469 200D 1F467 200D 1F467",
    "1F469 200D 1F469 200D 1F466",
    "1F469 200D 1F469 200D 1F467",
    "1F3F3 FE0F 200D 1F308",
    "1F3F4 200D 2620 FE0F",
    "1F46F 200D 2640 FE0F",
    "1F46F 200D 2642 FE0F",
    "1F93C 200D 2640 FE0F",
    "1F93C 200D 2642 FE0F",
    "1F9DE 200D 2640 FE0F",
    "1F9DE 200D 2642 FE0F",
    "1F9DF 200D 2640 FE0F",
    "1F9DF 200D 2642 FE0F",
    "1F441 200D 1F5E8",
    "1F468 200D 1F466",
    "1F468 200D 1F467",
    "1F469 200D 1F466",
    "1F469 200D 1F467",
)
_KEYCAP_BASES = "#*0123456789"
_VS16_REQUIRED = "A9 AE 2122 265F"  # emoji only with VS16
# Emoji that absorb a following VS16 but are not matched before VS15.
_TEXT_STYLE = (
    "203C 2049 2139 2194-2199 21A9-21AA 231A-231B 2328 23CF 23ED-23EF 23F1-23F2 23F8-23FA 24C2"
    " 25AA-25AB 25B6 25C0 25FB-25FE 2600-2604 260E 2611 2614-2615 2618 2620 2622-2623 2626 262A"
    " 262E-262F 2638-263A 2640 2642 2648-2653 2660 2663 2665-2666 2668 267B 267F 2692-2697 2699"
    " 269B-269C 26A0-26A1 26AA-26AB 26B0-26B1 26BD-26BE 26C4-26C5 26C8 26CF 26D1 26D3-26D4"
    " 26E9-26EA 26F0-26F5 26F8 26FA 26FD 2702 2708-2709 270F 2712 2714 2716 271D 2721 2733-2734"
    " 2744 2747 2757 2763-2764 27A1 2934-2935 2B05-2B07 2B1B-2B1C 2B50 2B55 3030 303D 3297 3299"
    " 1F004 1F170-1F171 1F17E-1F17F 1F202 1F21A 1F22F 1F237 1F321 1F324-1F32C 1F336 1F37D"
    " 1F396-1F397 1F399-1F39B 1F39E-1F39F 1F3CD-1F3CE 1F3D4-1F3DF 1F3F3 1F3F5 1F3F7 1F43F 1F441"
    " 1F4FD 1F549-1F54A 1F56F-1F570 1F573 1F576-1F579 1F587 1F58A-1F58D 1F5A5 1F5A8 1F5B1-1F5B2"
    " 1F5BC 1F5C2-1F5C4 1F5D1-1F5D3 1F5DC-1F5DE 1F5E1 1F5E3 1F5E8 1F5EF 1F5F3 1F5FA 1F6CB"
    " 1F6CD-1F6CF 1F6E0-1F6E5 1F6E9 1F6F0 1F6F3"
)
# Skin-tone bases: text-style ones (VS16 absorbed, VS15 blocks) and emoji-style ones.
_TEXT_STYLE_TONE_BASES = "261D 26F7 26F9 270C-270D 1F3CB-1F3CC 1F574-1F575 1F590"
_TONE_BASES = (
    "270A-270B 1F385 1F3C2-1F3C4 1F3C7 1F3CA 1F442-1F443 1F446-1F450 1F466-1F469 1F46E"
    " 1F470-1F478 1F47C 1F481-1F483 1F485-1F487 1F4AA 1F57A 1F595-1F596 1F645-1F647 1F64B-1F64F"
    " 1F6A3 1F6B4-1F6B6 1F6C0 1F6CC 1F918-1F91C 1F91E-1F91F 1F926 1F930-1F939 1F93D-1F93E"
    " 1F9B5-1F9B6 1F9B8-1F9B9 1F9D1-1F9DD"
)
_TAG_FLAGS = ("gbeng", "gbsct", "gbwls")  # subdivision flags: black flag + tag letters + cancel
# Region pairs that form a flag; any other pair of regional indicators is two emoji.
_FLAGS = (
    "AC AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ"
    " BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CP CR CU CV CW CX CY CZ DE DG DJ DK"
    " DM DO DZ EA EC EE EG EH ER ES ET EU FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ"
    " GR GS GT GU GW GY HK HM HN HR HT HU IC ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI"
    " KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP"
    " MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM"
    " PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX"
    " SY SZ TA TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM UN US UY UZ VA VC VE VG VI"
    " VN VU WF WS XK YE YT ZA ZM ZW"
)


def _emoji_pattern() -> re.Pattern[str]:
    def cls(spec: str) -> str:
        return f"[{_ranges(_points(spec))}]"

    def seq(points: Iterable[int]) -> str:
        return "".join(map(_esc, points))

    def region(letter: str) -> int:
        return 0x1F1E6 + ord(letter) - ord("A")

    tone, vs16, not_vs15, zwj = cls(_TONES), "\\ufe0f", "(?!\\ufe0e)", "\\u200d"
    gender = f"[\\u2640\\u2642]{vs16}"
    seconds: dict[str, list[int]] = {}
    for pair in _FLAGS.split():
        seconds.setdefault(pair[0], []).append(region(pair[1]))
    flags = "|".join(
        f"{_esc(region(first))}[{_ranges(rest)}]" for first, rest in sorted(seconds.items())
    )
    tags = "|".join(
        seq([0x1F3F4, *(0xE0000 + ord(ch) for ch in name), 0xE007F]) for name in _TAG_FLAGS
    )
    zwj_sequences = sorted((_points(s) for s in _ZWJ_SEQUENCES), key=len, reverse=True)
    # The alternatives keep twemoji-parser's order: at one position the first that matches wins.
    alternatives = (
        f"{cls(_PROFESSION_PEOPLE)}{tone}?{zwj}"
        f"(?:{cls(_PROFESSION_OBJECTS_VS16)}{vs16}|{cls(_PROFESSION_OBJECTS)})",
        f"{cls(_GENDERED_TEXT_PEOPLE)}(?:{tone}|{vs16}){zwj}{gender}",
        f"{cls(_GENDERED_PEOPLE)}{tone}?{zwj}{gender}",
        "|".join(seq(points) for points in zwj_sequences),
        f"[{_ranges(map(ord, _KEYCAP_BASES))}]{vs16}?\\u20e3",
        f"{cls(_VS16_REQUIRED)}{vs16}",
        f"{cls(_TEXT_STYLE)}(?:{vs16}|{not_vs15})",
        f"(?:{cls(_TEXT_STYLE_TONE_BASES)}(?:{vs16}|{not_vs15})|{cls(_TONE_BASES)}){tone}?",
        tags,
        flags,
    )
    # Every alternative begins with one of these; testing that first spares re from trying all
    # ten alternatives at each position of a text that is mostly not emoji.
    first = [
        *_points(_PROFESSION_PEOPLE + " " + _GENDERED_TEXT_PEOPLE + " " + _GENDERED_PEOPLE),
        *(_points(s)[0] for s in _ZWJ_SEQUENCES),
        *map(ord, _KEYCAP_BASES),
        *_points(_VS16_REQUIRED + " " + _TEXT_STYLE + " " + _TEXT_STYLE_TONE_BASES),
        *_points(_TONE_BASES),
        0x1F3F4,
        *map(region, _FLAGS.replace(" ", "")),
    ]
    body = "|".join(f"(?:{alternative})" for alternative in alternatives)
    return re.compile(f"(?=[{_ranges(_coarse(first))}])(?:{body})")


def _coarse(points: Iterable[int], gap: int = 0x100) -> list[int]:
    """The points plus every gap narrower than ``gap`` between two of them beyond Latin-1.

    re tests a class holding astral ranges one range at a time; a few wide ranges make a cheap
    prefilter, and a prefilter may let more through than it needs to. ASCII stays exact so
    that letters, which fill most texts, are turned away at once.
    """
    ordered = sorted(set(points))
    filled: list[int] = []
    for previous, current in zip([None, *ordered], ordered, strict=False):
        if previous is not None and previous > 0xFF and current - previous < gap:
            filled.extend(range(previous + 1, current))
        filled.append(current)
    return filled


_EMOJI = _emoji_pattern()


# --- The walk (parseTweet) ---------------------------------------------------------------------


def _plain_weight(text: str) -> int:
    """Scaled weight of code points charged one at a time."""
    if text.isascii():
        return _SCALE * len(text)
    heavy = len(_LIGHT_RUN.sub("", text))
    return _SCALE * len(text) + (_DEFAULT_WEIGHT - _SCALE) * heavy


def _normalise(text: str) -> str:
    if text.isascii():
        return text
    if _SURROGATE.search(text):
        # Adjacent lone surrogates are one character to JavaScript; pair them before NFC does.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return unicodedata.normalize("NFC", text)


def _url_entities(text: str) -> dict[int, tuple[int, int]]:
    """Start -> (end, scaled weight), in code points, of the URLs in ``text``."""
    highs: list[int] = []  # UTF-16 offsets of the high halves of astral characters

    def split(match: re.Match[str]) -> str:
        highs.append(match.start() + len(highs))
        return _astral_to_units(match)

    folded = _canonical(text)
    if not _LINK_DOT.search(folded):
        return {}
    units = _ASTRAL.sub(split, text)
    if highs:
        folded = _canonical(units)
    entities: dict[int, tuple[int, int]] = {}
    for start, length in _url_spans(units, folded).items():
        end = start + length
        before_end = bisect_left(highs, end)
        entity_end, weight = end - before_end, _URL_WEIGHT
        if before_end and highs[before_end - 1] == end - 1:
            # The package's skip stops between the halves of a pair (possible when a bare
            # domain's ASCII part ends early); its walk then charges the low half on its own.
            entity_end, weight = entity_end + 1, weight + _DEFAULT_WEIGHT
        entities[start - bisect_left(highs, start)] = (entity_end, weight)
    return entities


def _scaled_length(text: str) -> tuple[int, str]:
    """parseTweet's weighted length times _SCALE, and the normalised text it walked."""
    text = _normalise(text)
    if text.isascii():
        total = _SCALE * len(text)
        if "." not in text:
            return total, text
        folded = text.upper()  # Canonicalize, for ASCII
        if not _LINK_DOT.search(folded):
            return total, text
        pos = 0
        spans = _url_spans(text, folded)
        for start in sorted(spans):
            if start >= pos:
                total += _URL_WEIGHT - _SCALE * spans[start]
                pos = start + spans[start]
        return total, text

    entities = {match.start(): (match.end(), _EMOJI_WEIGHT) for match in _EMOJI.finditer(text)}
    if "." in text:
        # Where a URL and an emoji start together the package charges the URL.
        entities.update(_url_entities(text))
    total = _plain_weight(text)
    pos = 0
    for start in sorted(entities):
        if start < pos:
            continue  # inside an entity already charged; the package's walk skips it too
        end, weight = entities[start]
        total += weight - _plain_weight(text[start:end])
        pos = end
    return total, text


def weighted_length(text: str) -> int:
    """``parseTweet(text).weightedLength`` from twitter-text 3.1.0 with its default config."""
    return _scaled_length(text)[0] // _SCALE


def is_valid(text: str) -> bool:
    """``parseTweet(text).valid``: non-empty, within 280, and free of U+FFFE, U+FEFF, U+FFFF."""
    scaled, normalised = _scaled_length(text)
    return 0 < scaled <= MAX_WEIGHTED_LENGTH * _SCALE and not _INVALID.search(normalised)
