"""Bluesky facets and grapheme counts against @atproto/api's RichText (tests/node/atproto_ref.js).

Every generated corpus is compared string by string with the npm package; the hand-written cases
at the end pin known answers so the rules stay covered where Node is not installed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from providers.atproto.richtext import detect_facets, grapheme_length
from tests.node_peer import run_script

SEED = 20240521
PER_CORPUS = 300

EMOJI = [
    "👨‍👩‍👧‍👦",  # ZWJ family
    "🧑🏿‍🚀",  # skin tone inside a ZWJ sequence
    "🏳️‍🌈",
    "👍🏽",
    "👋🏻",
    "🇺🇸",
    "🇯🇵",
    "🇺🇸🇯🇵🇫",  # flags pair up, the odd indicator stands alone
    "1️⃣",
    "#️⃣",
    "*️⃣",
    "❤️",
    "😀",
    "🫩",  # Unicode 16
]
HANGUL_JAMO = ["\u1100\u1161\u11a8", "\u1100\u1100\u1161", "\u1161\u11a8"]  # LVT, LLV, VT
CJK = ["日本語", "中文字", "한국어", "한", "ｶﾀｶﾅ", "漢字かな", "，。", *HANGUL_JAMO]
INDIC = ["क्षत्रिय", "हिन्दी", "ক্ষমা", "த்ரீ", "ಕನ್ನಡ", "ශ්‍රී", "ज़", "स्त्री", "ന്റെ", "ਪੰਜਾਬੀ"]
ACCENTED = ["e\u0301", "n\u0303o", "a\u0308\u0304", "A\u030a", "café", "Zürich", "ǅ"]
MULTIBYTE = EMOJI + CJK + INDIC + ACCENTED
URLS = [
    "https://example.com",
    "http://foo.bar/baz?q=1&r=2",
    "https://en.wikipedia.org/wiki/Foo_(bar)",
    "https://example.com/a(b",
    "https://bsky.app/profile/alice.bsky.social/post/3k",
    "http://localhost:8080/x",
    "https://例え.jp/パス",
    "HTTPS://UPPER.COM/X",
    "Http://mixed.org",
    "example.com",
    "www.example.org/path",
    "sub.domain.co.uk",
    "Example.COM",
    "foo.invalidtld",
    "httpbin.org/get",
    "a.b",
    "x.y.z.com",
    "bsky.app",
    "example.com/日本",
    "1example.com",
    "example.museum",
    "test.test",
]
PUNCT = ["", "", ".", ",", ";", ":", "!", "?", ")", ".)", ").", "...", "!?", "'", '"']
MENTIONS = [
    "@alice.bsky.social",
    "@bob.test",
    "@x.invalidtld",
    "@Alice.BSKY.social",
    "@alice.bsky.SOCIAL",
    "@a-b.com",
    "@foo_bar.com",
    "@@x.com",
    "@.com",
    "@nodot",
    "@carol.example.org",
    "@dave.co.uk-",
]
TAGS = [
    "#tag",
    "#123",
    "#123abc",
    "#tag.",
    "#tag!?",
    "＃tag",
    "＃日本",
    "#日本語",
    "#️⃣",
    "#⃣",
    "#tag#two",
    "##double",
    "#a_b",
    "#tag\u200bzw",
    "#🎉",
    "#café",
    "#क्षत्रिय",
    "#",
    "#.",
    "#_",
    "#" + "a" * 64,
    "#" + "a" * 65,
    "#" + "👍🏽" * 64,
    "#" + "👍🏽" * 65,
    "#" + "e\u0301" * 64,  # 128 code points but 64 graphemes: still a tag
    "#" + "e\u0301" * 65,
]
CASHTAGS = [
    "$AAPL",
    "$aapl",
    "$TOOLONG",
    "$A1",
    "$1A",
    "$BRK.",
    "$X'",
    "$Y\u2019",
    "$",
    "$$A",
    "$TSLA)",
]
SEPARATORS = [
    " ",
    " ",
    " ",
    "\n",
    "(",
    "\u3000",
    "\xa0",
    "\ufeff",
    "\u0085",
    "\t",
    "",
    ",",
    "\u2028",
]
SOUP = list("aZ0_-.@#＃$()/: \n\u3000\ufeff\u0085\u200b\ufe0f\u20e3é日👍🏽!?'\u2019\"htpscom")
SOUP += ["http", "https://", "://", ".com", ".test", ".social", "#️⃣", "\r\n", "(x.com)"]


def _compose(rng: random.Random, pools: list[list[str]], parts: int) -> str:
    out = [rng.choice(MULTIBYTE) for _ in range(rng.randint(0, 2))]
    for _ in range(parts):
        out.append(rng.choice(SEPARATORS))
        out.append(rng.choice(rng.choice(pools)))
        if rng.random() < 0.4:
            out.append(rng.choice(PUNCT))
    return "".join(out)


def _graphemes_corpus(rng: random.Random) -> str:
    pools = [EMOJI, CJK, INDIC, ACCENTED, ["\r\n", "\n", " ", "a", "\u200d", "\ufe0f"]]
    return "".join(rng.choice(rng.choice(pools)) for _ in range(rng.randint(1, 12)))


def _links_corpus(rng: random.Random) -> str:
    return _compose(rng, [URLS, URLS, CJK, EMOJI], rng.randint(1, 4))


def _mentions_corpus(rng: random.Random) -> str:
    return _compose(rng, [MENTIONS, MENTIONS, INDIC, ["hi", "cc", "x"]], rng.randint(1, 4))


def _tags_corpus(rng: random.Random) -> str:
    return _compose(rng, [TAGS, TAGS, EMOJI, ACCENTED], rng.randint(1, 4))


def _cashtags_corpus(rng: random.Random) -> str:
    return _compose(rng, [CASHTAGS, CASHTAGS, CJK, ["buy", "and"]], rng.randint(1, 4))


def _mixed_corpus(rng: random.Random) -> str:
    pools = [URLS, MENTIONS, TAGS, CASHTAGS, MULTIBYTE]
    return _compose(rng, pools, rng.randint(2, 8))


def _soup_corpus(rng: random.Random) -> str:
    return "".join(rng.choice(SOUP) for _ in range(rng.randint(1, 40)))


CORPORA: dict[str, Callable[[random.Random], str]] = {
    "graphemes": _graphemes_corpus,
    "links": _links_corpus,
    "mentions": _mentions_corpus,
    "tags": _tags_corpus,
    "cashtags": _cashtags_corpus,
    "mixed": _mixed_corpus,
    "soup": _soup_corpus,
}


def _corpus(name: str) -> list[str]:
    rng = random.Random(f"{SEED}:{name}")
    return [CORPORA[name](rng) for _ in range(PER_CORPUS)]


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    """One Node run answers every corpus (start-up dominates the cost)."""
    texts = sorted({text for name in CORPORA for text in _corpus(name)})
    answers = run_script("atproto_ref.js", texts)
    return dict(zip(texts, answers, strict=True))


@pytest.mark.node
@pytest.mark.parametrize("name", list(CORPORA))
def test_matches_richtext(name: str, reference: dict[str, Any]) -> None:
    texts = _corpus(name)
    mismatches = []
    for text in texts:
        want = reference[text]
        got = {"facets": detect_facets(text), "graphemes": grapheme_length(text)}
        if got != want:
            mismatches.append(f"{text!r}\n  richtext: {want}\n  python:   {got}")
    shown = "\n".join(mismatches[:5])
    assert not mismatches, f"{len(mismatches)} of {len(texts)} differ; first:\n{shown}"


def _link(start: int, end: int, uri: str) -> dict[str, Any]:
    feature = {"$type": "app.bsky.richtext.facet#link", "uri": uri}
    return {"index": {"byteStart": start, "byteEnd": end}, "features": [feature]}


def _mention(start: int, end: int, handle: str) -> dict[str, Any]:
    feature = {"$type": "app.bsky.richtext.facet#mention", "did": handle}
    return {
        "$type": "app.bsky.richtext.facet",
        "index": {"byteStart": start, "byteEnd": end},
        "features": [feature],
    }


def _tag(start: int, end: int, tag: str) -> dict[str, Any]:
    feature = {"$type": "app.bsky.richtext.facet#tag", "tag": tag}
    return {"index": {"byteStart": start, "byteEnd": end}, "features": [feature]}


KNOWN: list[tuple[str, list[dict[str, Any]]]] = [
    ("plain words, nothing to find", []),
    ("see https://example.com/a.", [_link(4, 25, "https://example.com/a")]),
    (
        "(https://en.wikipedia.org/wiki/Foo_(bar))",
        [_link(1, 41, "https://en.wikipedia.org/wiki/Foo_(bar))")],
    ),
    ("(example.com)", [_link(1, 12, "https://example.com")]),
    ("go example.com/x?", [_link(3, 16, "https://example.com/x")]),
    ("foo.invalidtld and Example.COM", []),
    ("HTTPS://EXAMPLE.COM", []),
    ("httpbin.org/get", [_link(0, 15, "httpbin.org/get")]),
    ("http://localhost:8080", [_link(0, 21, "http://localhost:8080")]),
    ("日本 example.com", [_link(7, 18, "https://example.com")]),
    ("hi @alice.bsky.social!", [_mention(3, 21, "alice.bsky.social")]),
    ("(@bob.test)", [_mention(1, 10, "bob.test")]),
    ("@x.invalidtld @Alice.BSKY.SOCIAL a@b.com", []),
    ("#tag. #123 ＃タグ", [_tag(0, 4, "tag"), _tag(11, 20, "タグ")]),
    ("#️⃣ #tag#two", [_tag(8, 16, "tag#two")]),
    ("#" + "a" * 64 + " #" + "b" * 65, [_tag(0, 65, "a" * 64)]),
    ("\u3000#wide \u0085#nel \ufeff#bom", [_tag(3, 8, "wide"), _tag(19, 23, "bom")]),
    ("buy $aapl, ($TSLA) $TOOLONG $1A", [_tag(4, 9, "$AAPL"), _tag(12, 17, "$TSLA")]),
    (
        "👨‍👩‍👧‍👦 @bob.test #tag https://x.com $AAPL",
        [
            _mention(26, 35, "bob.test"),
            _tag(36, 40, "tag"),
            _link(41, 54, "https://x.com"),
            _tag(55, 60, "$AAPL"),
        ],
    ),
]


@pytest.mark.parametrize(("text", "facets"), KNOWN)
def test_known_facets(text: str, facets: list[dict[str, Any]]) -> None:
    assert detect_facets(text) == facets


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("hello", 5),
        ("a\r\nb", 3),
        ("café", 4),
        ("cafe\u0301", 4),
        ("👨‍👩‍👧‍👦", 1),
        ("👍🏽👍", 2),
        ("🇺🇸🇯🇵🇫", 3),
        ("#️⃣1️⃣", 2),
        ("क्षत्रिय", 3),  # Unicode 15.1 conjuncts: क्ष, त्रि, य
        ("한한", 2),
        ("日本語", 3),
    ],
)
def test_grapheme_length(text: str, count: int) -> None:
    assert grapheme_length(text) == count
