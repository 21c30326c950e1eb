"""What each target receives: the post's parts after overrides, measured by its network."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from providers import PROVIDERS
from socialgit import links, postkeys
from socialgit.model import Account, Media, Part, Post


@dataclass(frozen=True)
class PreparedPart:
    text: str
    media: tuple[Media, ...]
    length: int
    limit: int
    line: int
    problems: tuple[str, ...] = ()

    @property
    def too_long(self) -> bool:
        return self.length > self.limit


@dataclass(frozen=True)
class Prepared:
    account: str
    provider: str
    parts: tuple[PreparedPart, ...]
    article: bool = False  # a long-form target: one part, the whole body (socialgit.longform)
    # The accounts whose link its text names (``{link:NAME}``), with the line naming each: it
    # waits for them (socialgit.links). Lengths count each as the URL it is likely to be.
    waits: dict[str, int] = field(default_factory=dict)

    @property
    def length(self) -> int:
        """The longest part, as the plan reports it."""
        return max((p.length for p in self.parts), default=0)

    @property
    def limit(self) -> int:
        return min((p.limit for p in self.parts), default=0)


def parts_for(post: Post, account: Account) -> tuple[Part, ...]:
    """An override by account name beats one by provider name, which beats the body."""
    for name in (account.name, account.provider):
        override = post.overrides.get(name)
        if override is not None and override.parts:
            return override.parts
    return post.parts


def article(post: Post, account: Account) -> tuple[str, int]:
    """A long-form target's Markdown and the file line it starts on: its override's text (by
    account, then provider), else the body; as written, whole."""
    for name in (account.name, account.provider):
        override = post.overrides.get(name)
        if override is not None and override.text is not None:
            return override.text, override.text_line
    return post.body, post.body_line


def _article_part(post: Post, account: Account) -> Part:
    """The one part a long-form target receives: the whole Markdown, its images as media."""
    from socialgit import longform

    text, line = article(post, account)
    stripped = text.lstrip("\n")
    line += len(text) - len(stripped)  # blank lines above the first line of text
    text = stripped.rstrip()
    return Part(text, longform.images(text, line, post.path), line)


def receives(post: Post, account: Account) -> tuple[Part, ...]:
    """The parts ``account`` receives: its thread, or for an article one part, the whole."""
    if PROVIDERS[account.provider].long_form(account) is not None:
        return (_article_part(post, account),)
    return parts_for(post, account)


def fingerprint(post: Post, account: Account) -> str:
    """A digest of what ``account`` receives of ``post`` (texts, images and alt texts), kept
    in a published result: comparing it later tells whether the post was edited since."""
    digest = hashlib.sha256()
    for part in receives(post, account):
        digest.update(b"\0part\0" + part.text.encode())
        for media in part.media:
            digest.update(b"\0media\0" + media.path.encode() + b"\0" + media.alt.encode())
    return "sha256:" + digest.hexdigest()[:16]


def prepare(
    post: Post, account: Account, accounts: Mapping[str, Account] | None = None
) -> Prepared:
    """What ``account`` receives of ``post``, measured; ``accounts`` (the config's) tell how
    long the links it waits for are likely to be."""
    provider = PROVIDERS[account.provider]
    parts = receives(post, account)
    waits = links.awaited(parts, postkeys.resolve(post, account))
    known = accounts or {}
    stand_in = {name: links.assumed(post, known.get(name)) for name in waits}

    def measured(text: str) -> str:
        return links.substitute(text, stand_in) if stand_in else text

    prepared = tuple(
        PreparedPart(
            text=part.text,
            media=part.media,
            length=provider.length(measured(part.text)),
            limit=provider.limit(account, part),
            line=part.line,
            problems=tuple(provider.text_problems(measured(part.text))),
        )
        for part in parts
    )
    article = provider.long_form(account) is not None
    return Prepared(account.name, account.provider, prepared, article, waits)


def over_at(provider_name: str, text: str, limit: int) -> int | None:
    """Where ``text`` goes over ``limit`` as its network counts: the length of the longest
    prefix that fits (a code point index), or None when the whole text fits."""
    length = PROVIDERS[provider_name].length
    if length(text) <= limit:
        return None
    low, high = 0, len(text)  # text[:low] fits, text[:high] does not
    while high - low > 1:
        middle = (low + high) // 2
        if length(text[:middle]) <= limit:
            low = middle
        else:
            high = middle
    return low


def facets(account: Account, text: str) -> list[dict[str, Any]]:
    return PROVIDERS[account.provider].facets(text)
