"""X's weighted length: providers._twitter_text against the npm package twitter-text 3.1.0.

The hand-written cases run everywhere. The generated corpora go through
tests/node/twitter_text_ref.js, which calls the package's own parseTweet, and every string must
get the same weightedLength and valid from both.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable

import pytest

from providers.x.text import is_valid, weighted_length
from tests.node_peer import run_script

ZWJ, VS16, VS15, KEYCAP = "\u200d", "\ufe0f", "\ufe0e", "\u20e3"
TONES = [chr(cp) for cp in range(0x1F3FB, 0x1F400)]


def tags(name: str) -> str:
    """A subdivision flag: black flag, tag letters, cancel tag."""
    return "\U0001f3f4" + "".join(chr(0xE0000 + ord(ch)) for ch in name) + "\U000e007f"


def flag(code: str) -> str:
    return "".join(chr(0x1F1E6 + ord(ch) - ord("A")) for ch in code)


# Answers checked once against twitter-text 3.1.0; they keep this file useful without Node.
KNOWN: list[tuple[str, int, bool]] = [
    ("", 0, False),
    ("hello", 5, True),
    ("a" * 280, 280, True),
    ("a" * 281, 281, False),
    ("日本語", 6, True),
    ("Привет", 6, True),  # Cyrillic is below U+1100, so one each
    ("hello example.com", 29, True),
    ("https://example.com/a/very/long/path/that/is/still/one/link", 23, True),
    ("see https://example.com/path.", 28, True),  # the final "." is not part of the URL
    ("EXAMPLE.COM", 23, True),
    ("example.zz", 10, True),  # not a TLD, so not a link
    ("x@example.com", 13, True),  # an e-mail address is not a link
    ("$example.com", 12, True),  # neither is a cashtag-like prefix
    ("www.example.co.uk/foo?bar=1", 23, True),
    ("http://t.co/abc?x=1 more", 28, True),
    ("😀", 2, True),
    ("👨\u200d👩\u200d👧\u200d👦", 2, True),  # one ZWJ family
    ("👍🏽", 2, True),  # skin tone joins its base
    (flag("US"), 2, True),
    (flag("USA"), 4, True),  # a flag and a stray regional indicator
    ("1" + VS16 + KEYCAP, 2, True),
    ("©", 1, True),
    ("©" + VS16, 2, True),
    ("☺", 2, True),
    ("☺" + VS16, 2, True),
    ("🏳" + VS16 + ZWJ + "⚧" + VS16, 7, True),  # Emoji 13: twemoji-parser 11 splits it
    (tags("gbsct"), 2, True),
    ("e\u0301", 1, True),  # NFD é becomes one code point
    (unicodedata.normalize("NFD", "한"), 2, True),  # three jamo compose to one syllable
    ("\ufeffhi", 4, False),  # U+FEFF makes a post invalid
    ("a" * 257 + " https://example.com", 281, False),
]


@pytest.mark.parametrize(("text", "length", "valid"), KNOWN)
def test_known_answers(text: str, length: int, valid: bool) -> None:
    assert weighted_length(text) == length
    assert is_valid(text) is valid


# --- Generated corpora -------------------------------------------------------------------------

WORDS = [
    "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "release", "notes", "today",
    "we", "shipped", "a", "new", "version", "of", "our", "scheduler", "thanks", "everyone", "for",
    "feedback", "see", "docs", "changelog", "it's", "here", "don't", "miss", "out", "meeting",
    "at", "10am", "tomorrow's", "agenda", "v2.0", "is", "live", "e.g.", "i.e.", "etc.", "Mr.",
    "Dr.", "U.S.A.", "3.14", "1,000", "node.js", "index.html", "README.md", "github.io",
    "twitter.com", "docs.python.org", "file.txt", "v1.2.3", "a.m.", "No.1", "example.com.",
    "(example.org)", "www.test", "foo.bar.baz", "Google.COM", "e.g.com", "x.co", "a..b",
]  # fmt: skip
PUNCT = list(".,!?;:'\"()-–—…/&*%")
CJK_PUNCT = list("。、！？「」（）・〜　")

SINGLE_EMOJI = [
    "😀", "😂", "🥰", "🫠", "🥱", "🦩", "🧋", "🪐", "🫶", "❤", "❤️", "☺", "☺️", "☺︎", "✨", "✅",
    "❌", "⭐", "⌚", "⌚️", "♾", "♾️", "™", "™️", "©", "©️", "®", "®️", "‼️", "⁉️", "↔️", "➡️", "⬅️",
    "🅰", "🅰️", "🈚", "🀄", "🀄️", "🃏", "⚧", "⚧️", "♟", "♟️", "🌡", "🌡️", "🏳", "🏳️", "🏴", "🖐",
    "🖐️", "☝", "☝️", "✌", "✌️", "🕴", "🕴️", "⛹", "⛹️", "🏋️", "🔟", "🇺", "🏻", "\ue50a", "👁",
    "👁️", "🗨", "🗨️", "⚕", "⚕️", "♀", "♀️", "♂️", "🪿", "🫎", "🩷",
]  # fmt: skip
# Written with visible "\u200d" so the joins can be read; later Emoji versions are mixed in on
# purpose, since twemoji-parser 11 splits them.
ZWJ_EMOJI = [
    "🧑\u200d🤝\u200d🧑", "👩\u200d🦯", "🧑\u200d🦰", "👨🏻\u200d🦰", "🧑\u200d💻", "🧑🏽\u200d💻",
    "👩\u200d💻", "👨🏿\u200d💻", "🏳️\u200d🌈", "🏳\u200d🌈", "🏳️\u200d⚧️", "🏴\u200d☠️", "🐕\u200d🦺",
    "🐈\u200d⬛", "🐻\u200d❄️", "😮\u200d💨", "😵\u200d💫", "❤️\u200d🔥", "❤️\u200d🩹", "🧔\u200d♀️",
    "👁️\u200d🗨️", "👁\u200d🗨", "🏃\u200d♀️", "🏃🏻\u200d♂️", "🏃\u200d➡️", "🏋️\u200d♀️", "🏋\u200d♀️",
    "🏋🏼\u200d♂️", "🕵️\u200d♀️", "🤼\u200d♂️", "🤼🏻\u200d♂️", "👯\u200d♀️", "🧞\u200d♂️", "🧟\u200d♀️",
    "🤷🏽\u200d♀️", "💁\u200d♂️", "👮\u200d♀️", "👩\u200d❤️\u200d💋\u200d👨", "👨\u200d❤️\u200d👨",
    "👩\u200d❤\u200d👩", "👩🏻\u200d❤️\u200d👨🏼", "🧑🏻\u200d❤️\u200d💋\u200d🧑🏿",
    "👨\u200d👩\u200d👧\u200d👦", "👨\u200d👨\u200d👧", "👩\u200d👦", "👨\u200d👧\u200d👧",
    "👨\u200d👩\u200d👧", "🫱🏻\u200d🫲🏿", "👩🏽\u200d⚕️", "👩🏽\u200d⚕", "👨\u200d⚖️", "👩\u200d✈️",
    "👨\u200d🚀", "👩\u200d🚒", "🧑\u200d🎄", "👩\u200d🦽", "👨\u200d🍼", "👨🏿\u200d🦳",
    "👩\u200d🔬", "🙂\u200d↔️",
]  # fmt: skip
TONE_BASES = list("👍👋✋✊☝✌🤞🫶🤌🥷👶🧑👨👩🧒🤝🫰👫💏🧍🧎🏂🏇🛌🛀🧘🤳💪🦵🦻👂🎅🤶🖐🕴⛹🏋🙅🚶👯🤼")
COUNTRIES = [
    "US", "GB", "FR", "DE", "JP", "CN", "IN", "BR", "CA", "AU", "MX", "ES", "IT", "NL", "SE", "NO",
    "FI", "DK", "PL", "UA", "RU", "KR", "ZA", "NG", "EG", "AR", "CL", "CO", "PE", "VE", "EU", "UN",
    "AC", "TA", "XK", "CP", "DG", "EA", "IC",
]  # fmt: skip
EMOJI_RANGES = [
    (0x1F000, 0x1F0FF), (0x1F100, 0x1F2FF), (0x1F300, 0x1F5FF), (0x1F600, 0x1F64F),
    (0x1F680, 0x1F6FF), (0x1F900, 0x1F9FF), (0x1FA70, 0x1FAFF), (0x2190, 0x21FF),
    (0x2300, 0x23FF), (0x2600, 0x27BF), (0x2B00, 0x2BFF),
]  # fmt: skip
SPECIAL_EMOJI_POINTS = [0xA9, 0xAE, 0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D, 0x3297, 0xE50A]
GTLDS = ["com", "org", "net", "io", "app", "dev", "museum", "onion", "xyz", "삼성", "москва"]
CCTLDS = ["uk", "de", "jp", "co.uk", "fr", "рф", "中国", "ελ", "გე", "بھارت", "us", "io"]
BAD_TLDS = ["zz", "local", "test", "localhost", "invalid", "exe", "txt", "png", "jpg"]
INDIC = [
    (0x0900, 0x097F), (0x0980, 0x09FF), (0x0A00, 0x0A7F), (0x0B80, 0x0BFF), (0x0C00, 0x0C7F),
    (0x0D00, 0x0D7F), (0x0E00, 0x0E7F),
]  # fmt: skip
INDIC_WORDS = [
    "नमस्ते", "दुनिया", "हिन्दी", "क़लम", "ज़रूर", "বাংলা", "தமிழ்", "తెలుగు", "മലയാളം", "ภาษาไทย", "ਪੰਜਾਬੀ",
]  # fmt: skip
ACCENTED = [
    "café", "résumé", "naïve", "Ångström", "über", "ñandú", "Việt", "Nam", "Łódź", "Zürich", "São",
    "Paulo", "crème", "brûlée",
]  # fmt: skip


HOST_LABELS = [
    "example", "www", "sub", "a", "my-site", "my_site", "-bad", "bad-", "x" * 62, "x" * 63,
    "x" * 64, "münchen", "bücher", "例え", "пример", "ПРИМЕР", "xn--mnchen-3ya", "😀", "i❤", "123",
    "ſtraße", "ıstanbul", "EXAMPLE", "ÉCOLE",
]  # fmt: skip
PATHS = [
    "", "", "/", "/a/b", "/wiki/Foo_(bar)", "/a(b(c)d)e", "/a(b", "/@user/", "/@user", "/path.",
    "/path,", "/foo-", "/%E2%9C%93", "/ümlaut", "/путь", "/a–b", "/#frag", "/日本", "/x😀y",
    "/a" * 30,
]  # fmt: skip
URL_LEADS = [
    "", " ", "@", "#", "$", "-", "_", ".", "/", "a", "日本", "😀", "\u202a", "＠", "x@", "\ufeff",
]  # fmt: skip
SPACES = [" ", " ", " ", " ", "\n", "\t", "\u00a0", "\u2003", "\u3000", "\u200b", "\u2028"]
SOCIAL = [
    "@user", "@user_name", "@User/list-name", "#tag", "#123", "#日本", "＃hashtag", "$TWTR",
    "#tag.com", "@example.com", "#example.com", "@user.example.com", "user@example.com", ".@user",
    "#１２３", "@", "#",
]  # fmt: skip
# Small pieces that provoke the URL extractor's corner cases when glued together at random.
FUZZ_PIECES = [
    "a", "B", "x", "-", "_", ".", "/", ":", "@", "#", "$", "(", ")", "?", "=", "&", "com", "co",
    "uk", "http://", "https://", "www.", "t.co/", " ", "😀", "é", "ſ", "ı", "Я", "日", "\u200e",
    "\ufeff", "0", "9", "xn--", "+", "%", ",", "!", "'", '"', "–", "...", "。", "．", "example",
    "org", "\u3002", "ü", "🇺🇸",
]  # fmt: skip


def rand_emoji_point(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return chr(rng.choice(SPECIAL_EMOJI_POINTS))
    low, high = rng.choice(EMOJI_RANGES)
    return chr(rng.randint(low, high))


def rand_letters(rng: random.Random, count: int) -> str:
    return "".join(chr(ord("A") + rng.randrange(26)) for _ in range(count))


def emoji_token(rng: random.Random) -> str:
    kind = rng.randrange(9)
    if kind == 0:
        return rng.choice(SINGLE_EMOJI)
    if kind == 1:
        return rng.choice(ZWJ_EMOJI)
    if kind == 2:
        return rng.choice(TONE_BASES) + rng.choice([*TONES, VS16 + TONES[0], TONES[1] * 2, ""])
    if kind == 3:
        # Real flags, random (mostly invalid) pairs and odd runs of regional indicators.
        codes = [rng.choice(COUNTRIES), rand_letters(rng, 2)]
        pairs = "".join(flag(rng.choice(codes)) for _ in range(rng.randint(1, 3)))
        return pairs + flag(rand_letters(rng, 1)) * rng.randrange(2)
    if kind == 4:
        base = rng.choice("#*0123456789")
        return base + rng.choice(["", VS16, VS15]) + rng.choice([KEYCAP, KEYCAP, ""])
    if kind == 5:
        return rng.choice([tags("gbeng"), tags("gbsct"), tags("gbwls"), tags("usca")])
    if kind == 6:
        return ZWJ.join(rng.choice(SINGLE_EMOJI + TONE_BASES) for _ in range(rng.randint(2, 4)))
    if kind == 7:
        return rand_emoji_point(rng) + rng.choice(["", VS16, VS15, rng.choice(TONES), ZWJ])
    return rng.choice([VS16, ZWJ, VS15, KEYCAP, rng.choice(TONES)])


def words(rng: random.Random, count: int) -> str:
    out = []
    for _ in range(count):
        word = rng.choice(WORDS)
        if rng.random() < 0.15:
            word += rng.choice(PUNCT)
        out.append(word + rng.choice(SPACES))
    return "".join(out).rstrip(" ")


def url_token(rng: random.Random) -> str:
    labels = [rng.choice(HOST_LABELS) for _ in range(rng.choice([1, 1, 2, 3]))]
    tld = rng.choice([*GTLDS, *CCTLDS, *BAD_TLDS, "xn--p1ai", "COM", "РФ", "ᲒᲔ", "Org"])
    url = (
        rng.choice(["", "", "http://", "https://", "HTTPS://", "Http://", "ftp://", "//"])
        + ".".join([*labels, tld])
        + rng.choice(["", "", "", ":8080", ":", ":x"])
        + rng.choice(PATHS)
        + rng.choice(["", "", "?q=1", "?a=b&c=d", "?q=x.", "?q=(x)", "?", "?x=é"])
    )
    if rng.random() < 0.1:
        slug = "".join(rng.choice("abcXYZ0189") for _ in range(rng.randint(1, 45)))
        url = "https://t.co/" + slug + rng.choice(["", "?amp=1", "/more", "-x"])
    if rng.random() < 0.05:
        url = "user@" + ".".join([*labels, tld])
    wrap = rng.choice(["{}", "{}", "({})", "[{}]", "<{}>", '"{}"', "«{}»", "「{}」"])
    trail = rng.choice(["", "", ".", ",", "!", "?", ")", "...", "'", '"', ":", ";"])
    return rng.choice(URL_LEADS) + wrap.format(url) + trail


def ascii_prose(rng: random.Random) -> str:
    return words(rng, rng.randint(1, 50))


def cjk(rng: random.Random) -> str:
    blocks = [(0x4E00, 0x9FFF), (0x3041, 0x3096), (0x30A1, 0x30FA), (0xAC00, 0xD7A3)]
    out = []
    for _ in range(rng.randint(1, 150)):
        roll = rng.random()
        if roll < 0.8:
            low, high = rng.choice(blocks)
            out.append(chr(rng.randint(low, high)))
        elif roll < 0.9:
            out.append(rng.choice(CJK_PUNCT))
        else:
            out.append(rng.choice(WORDS) + " ")
    return "".join(out)


def emoji(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 12)):
        parts.append(emoji_token(rng))
        if rng.random() < 0.4:
            parts.append(rng.choice([" ", "", "a", "!", words(rng, 1)]))
    return "".join(parts)


def indic(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 20)):
        if rng.random() < 0.5:
            parts.append(rng.choice(INDIC_WORDS))
        else:
            low, high = rng.choice(INDIC)
            parts.append("".join(chr(rng.randint(low, high)) for _ in range(rng.randint(1, 8))))
    text = " ".join(parts)
    if rng.random() < 0.3:
        text = unicodedata.normalize(rng.choice(["NFC", "NFD", "NFKC"]), text)
    return text


def accents(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 15)):
        roll = rng.random()
        if roll < 0.4:
            parts.append(rng.choice(ACCENTED))
        elif roll < 0.7:
            marks = "".join(chr(rng.randint(0x300, 0x36F)) for _ in range(rng.randint(0, 3)))
            parts.append(rng.choice("aeiouAEIOUnczgkhwy") + marks)
        elif roll < 0.85:
            parts.append(chr(rng.randint(0xAC00, 0xD7A3)) * rng.randint(1, 3))
        else:
            # Singleton and compatibility decompositions, which NFC rewrites or keeps.
            parts.append(rng.choice(["\u2126", "\u212b", "\u212a", "\uf900", "\U0002f800", "ﬁ"]))
    return unicodedata.normalize(rng.choice(["NFC", "NFD"]), " ".join(parts))


def urls(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 4)):
        parts.append(url_token(rng))
        if rng.random() < 0.6:
            parts.append(words(rng, rng.randint(0, 4)))
    return rng.choice([" ", "", " ", "\n"]).join(parts)


def social(rng: random.Random) -> str:
    parts = [rng.choice(SOCIAL) if rng.random() < 0.5 else words(rng, 2) for _ in range(15)]
    return " ".join(parts[: rng.randint(1, 15)])


def mixed(rng: random.Random) -> str:
    makers: list[Callable[[random.Random], str]] = [ascii_prose, cjk, emoji, indic, urls, social]
    return " ".join(rng.choice(makers)(rng)[:60] for _ in range(rng.randint(2, 6)))


def near_limit(rng: random.Random) -> str:
    target = rng.randint(250, 320)
    makers: list[Callable[[random.Random], str]] = [ascii_prose, cjk, emoji, urls, accents]
    text = ""
    while len(text) < target:
        text += rng.choice(makers)(rng)[:40] + " "
    return text[:target]


def url_fuzz(rng: random.Random) -> str:
    return "".join(rng.choice(FUZZ_PIECES) for _ in range(rng.randint(3, 30)))


CORPORA: dict[str, tuple[int, Callable[[random.Random], str]]] = {
    "ascii_prose": (1001, ascii_prose),
    "cjk": (1002, cjk),
    "emoji": (1003, emoji),
    "indic": (1004, indic),
    "accents_nfc_nfd": (1005, accents),
    "urls": (1006, urls),
    "mentions_hashtags": (1007, social),
    "mixed_scripts": (1008, mixed),
    "near_280": (1009, near_limit),
    "url_fuzz": (1010, url_fuzz),
}
PER_CORPUS = 400

# Corner cases found while porting, compared with the package like the corpora.
EDGE_CASES = [
    # A bare domain whose ASCII part ends early makes the package skip into a surrogate pair.
    "example.com.😀😀😀.jp/a b", "example.com.日本😀😀.jp/a", "a.com.😀.jp/abc",
    # ECMAScript /i: KELVIN SIGN, long s and dotless i are not ASCII letters to it.
    "\u212aexample.com", "https://exampleſ.com", "ıexample.com", "https://ı.com/x",
    "http://ſ.com", "example.ᲒᲔ", "example.გე", "EXAMPLE.РФ", "ΠΑΡΆΔΕΙΓΜΑ.ΕΛ",
    # DNS label and URL length limits, IDNA separators, punycode.
    "https://" + "x" * 63 + ".com", "https://" + "x" * 64 + ".com", "x" * 64 + ".com",
    "https://" + "ü" * 20 + ".com", "https://" + "ü" * 60 + ".com", "https://例え。テスト.com/x",
    "https://example.com/" + "a" * 4100, "example.com/" + "a" * 4100, "xn--example.com",
    "xn--.com", "XN--p1ai.com", "example.xn--p1ai", "xn--ls8h.la", "https://xn--日本.com",
    # Lone and split surrogates, compatibility ideographs outside the BMP.
    "\ud83d", "\ude00", "a\ud83dexample.com", "\ude00example.com", "\U0002f800.com",
    # t.co slugs, ports, TLD boundaries.
    "https://t.co/" + "a" * 40, "https://t.co/" + "a" * 41, "https://t.co/abc/def",
    "http://localhost:8080", "https://127.0.0.1/x", "example.com:8080", "example.com?q=1",
    "example.嘉里大酒店", "example.嘉里x", "example.中國a", "example.comab",
    # What may precede a bare domain.
    "😀example.com", "example.com😀", "日本example.com", "@😀example.com", "—example.com",
    "-example.com", "_example.com", "/example.com", ".example.com", "a_b.example.com",
    "_a.example.com", "a_.example.com", "a.b_c.com", "a.-b.com", "e.g. www.example.com!",
    # Parentheses and "@" in paths.
    "https://example.com/(a(b(c)d)e)", "(https://example.com/x)", "https://example.com/@user",
    # Presentation selectors and gendered sequences twemoji-parser 11 splits.
    "🏋️🏻\u200d♀️", "🏋🏻\u200d♀️", "🏋\u200d♀️", "☝\ufe0e🏻", "❤\ufe0e", "#\ufe0e\u20e3",
    "\ufffe", "\uffff", "a\u2028b.com", "example.com\u202a",
]  # fmt: skip


def corpus(name: str) -> list[str]:
    seed, make = CORPORA[name]
    rng = random.Random(seed)
    return [make(rng) for _ in range(PER_CORPUS)]


def assert_same_as_package(texts: list[str]) -> None:
    answers = run_script("twitter_text_ref.js", texts)
    mismatches = []
    for text, answer in zip(texts, answers, strict=True):
        ours = {"weightedLength": weighted_length(text), "valid": is_valid(text)}
        if ours != answer:
            mismatches.append(f"{text!r}: python {ours} != node {answer}")
    assert not mismatches, f"{len(mismatches)}/{len(texts)} differ:\n" + "\n".join(mismatches[:5])


@pytest.mark.node
@pytest.mark.parametrize("name", sorted(CORPORA))
def test_corpus_matches_twitter_text(name: str) -> None:
    assert_same_as_package(corpus(name))


@pytest.mark.node
def test_edge_cases_match_twitter_text() -> None:
    assert_same_as_package(EDGE_CASES)
