"""The keys a post may carry besides its text: ``title``, ``link``, ``tags``, and the rest.

Each is written at the top of the front-matter, or in an override (by account or provider
name) like ``text``; per key, an account's override beats a provider's, which beats the top.
What a key must look like is checked here for every post; whether a target needs it, and how
long it may be there, is the network's ``KEYS`` (``providers.base.KeyRule``). A key that none
of a post's targets uses is a warning: a title written for nothing is usually a mistake.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from posixpath import dirname, join, normpath

from socialgit import fields
from socialgit.model import Account, Key, KeyValue, Post
from socialgit.yamlnodes import Node

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
_LINK = re.compile(r"^\{link:[^{}\s]*\}$")


def _text(node: Node, name: str, out: fields.Findings) -> KeyValue | None:
    value = fields.string(node, name, out)
    if value is None:
        return None
    value = value.strip()
    if not value:
        out.at(node, f"{name} is empty")
        return None
    return value


def _line(node: Node, name: str, out: fields.Findings) -> KeyValue | None:
    value = _text(node, name, out)
    if isinstance(value, str) and "\n" in value:
        out.at(node, f"{name} must be one line")
        return None
    return value


def _url(node: Node, name: str, out: fields.Findings) -> KeyValue | None:
    value = _line(node, name, out)
    if isinstance(value, str) and _LINK.match(value):
        return value  # another target's link, once it is out (socialgit.links)
    if isinstance(value, str) and not _URL.match(value):
        out.at(
            node,
            f"{name} must be a web address starting with https:// (or http://), "
            "or {link:ACCOUNT}",
        )
        return None
    return value


def _slug(node: Node, name: str, out: fields.Findings) -> KeyValue | None:
    value = _line(node, name, out)
    if isinstance(value, str) and not _SLUG.match(value):
        out.at(node, f"{name} may use lowercase letters, digits and single '-' (e.g. my-post)")
        return None
    return value


def _tags(node: Node, name: str, out: fields.Findings) -> KeyValue | None:
    items = node.value if node.is_sequence else None
    if items is None:
        out.at(node, f"{name} must be a list (e.g. `{name}: [release, python]`)")
        return None
    tags: list[str] = []
    for item in items:
        tag = fields.string(item, name, out) if item.is_scalar else None
        if tag is None:
            if not item.is_scalar:
                out.at(item, f"each of {name} must be a text value")
            continue
        tag = tag.strip().removeprefix("#").strip()
        if not tag or "\n" in tag:
            out.at(item, f"each of {name} must be one line of text, without only '#'")
        elif tag.casefold() in (t.casefold() for t in tags):
            out.at(item, f"{tag!r} is listed twice in {name}", "warning")
        else:
            tags.append(tag)
    return tuple(tags)


# Keys a short post carries too (a link post, a video's title): a target that goes out
# without one is named, since its readers never see it. Article keys (tags, excerpt, …)
# are expected to reach only the article.
PER_TARGET = ("title", "link")

Parser = Callable[[Node, str, fields.Findings], KeyValue | None]
# Every post key besides the text, with what its value must look like. ``cover`` is a path
# (relative to the post, as images are); it is checked like an image in analysis.analyze.
PARSERS: dict[str, Parser] = {
    "title": _line,
    "link": _url,
    "tags": _tags,
    "categories": _tags,
    "canonical_url": _url,
    "cover": _line,
    "cover_alt": _line,
    "excerpt": _text,
    "slug": _slug,
}
NAMES = tuple(PARSERS)


def parse(mapping: dict[str, Node], post_path: str, out: fields.Findings) -> dict[str, Key]:
    """The post keys of one front-matter mapping (the top, or one override)."""
    found: dict[str, Key] = {}
    for name, parse_value in PARSERS.items():
        node = mapping.get(name)
        if node is None:
            continue
        value = parse_value(node, name, out)
        if value is None:
            continue
        if name == "cover" and isinstance(value, str):
            value = value if value.startswith("/") else normpath(join(dirname(post_path), value))
        found[name] = Key(value, node.line, node.column)
    return found


def resolve(post: Post, account: Account) -> dict[str, Key]:
    """The keys ``account`` receives: the top's, then a provider override's, then its own.
    A key that is only this account's own link (``canonical_url: "{link:blog}"`` for
    ``blog``) is left out for it: that delivery is the original the others point to."""
    keys = dict(post.keys)
    for name in (account.provider, account.name):
        override = post.overrides.get(name)
        if override is not None:
            keys.update(override.keys)
    own = f"{{link:{account.name}}}"
    return {name: key for name, key in keys.items() if key.value != own}


def values(keys: dict[str, Key]) -> dict[str, KeyValue]:
    return {name: key.value for name, key in keys.items()}


def check(post: Post, accounts: dict[str, Account], out: fields.Findings) -> None:
    """Per target: the keys its network needs are there and fit; and a key nobody uses."""
    from providers import PROVIDERS

    used: set[str] = set()
    bare_covers: set[tuple[int, int]] = set()
    for name in post.targets:
        account = accounts[name]
        provider = PROVIDERS[account.provider]
        keys = resolve(post, account)
        cover = keys.get("cover")
        takes_alt = "cover_alt" in provider.KEYS and provider.long_form(account) is not None
        if cover is not None and takes_alt and "cover_alt" not in keys:
            bare_covers.add((cover.line, cover.column))
        for key_name, rule in provider.KEYS.items():
            used.add(key_name)
            key = keys.get(key_name)
            who = f"{name} ({provider.TITLE})"
            if key is None:
                if rule.required:
                    line = post.target_lines.get(name, post.line)
                    out.add(line, 1, f"{who} needs `{key_name}:`")
                continue
            items = key.value if isinstance(key.value, tuple) else (key.value,)
            if rule.max_items is not None and len(items) > rule.max_items:
                out.add(
                    key.line,
                    key.column,
                    f"{who} takes at most {rule.max_items} {key_name}; there are {len(items)}",
                )
            for item in items:
                if rule.max_length is not None and len(item) > rule.max_length:
                    out.add(
                        key.line,
                        key.column,
                        f"{key_name} is {len(item)} characters; "
                        f"{who} takes at most {rule.max_length}",
                    )
                if rule.pattern is not None and not re.fullmatch(rule.pattern, item):
                    out.add(key.line, key.column, f"{who}: {key_name} {rule.pattern_help}")
    for line, column in sorted(bare_covers):
        out.add(line, column, "the cover has no alt text: describe it in `cover_alt:`", "warning")
    _unused(post, accounts, used, out)


def _unused(post: Post, accounts: dict[str, Account], used: set[str], out: fields.Findings) -> None:
    from providers import PROVIDERS

    for key_name, key in post.keys.items():
        if key_name not in used:
            networks = sorted({PROVIDERS[accounts[t].provider].TITLE for t in post.targets})
            out.add(
                key.line,
                key.column,
                f"`{key_name}:` is not used by any target of this post ({', '.join(networks)})",
                "warning",
            )
        elif key_name in PER_TARGET:
            _ignored(post, accounts, key_name, key, out)
    for override in post.overrides.values():
        for key_name, key in override.keys.items():
            takers = [
                accounts[t] for t in post.targets if override.account in (t, accounts[t].provider)
            ]
            if takers and all(key_name not in PROVIDERS[a.provider].KEYS for a in takers):
                title = PROVIDERS[takers[0].provider].TITLE
                out.add(
                    key.line,
                    key.column,
                    f"`{key_name}:` is not used by {title} ({override.account})",
                    "warning",
                )


def _ignored(
    post: Post, accounts: dict[str, Account], key_name: str, key: Key, out: fields.Findings
) -> None:
    """The targets that receive the top's ``key_name`` and have no place for it."""
    from providers import PROVIDERS

    ignoring = [
        f"{name} ({PROVIDERS[accounts[name].provider].TITLE})"
        for name in post.targets
        if key_name not in PROVIDERS[accounts[name].provider].KEYS
        and resolve(post, accounts[name]).get(key_name) is key
    ]
    if ignoring:
        out.add(
            key.line,
            key.column,
            f"`{key_name}:` is not sent to {', '.join(ignoring)}: put it in their text if "
            "they should carry it, or move it into an override of the targets that use it",
            "warning",
        )


def check_media(post: Post, name: str, account: Account, count: int, out: fields.Findings) -> None:
    """A key that makes the post something that takes no media (a Reddit link post), on a
    target whose first part carries ``count`` files."""
    from providers import PROVIDERS

    provider = PROVIDERS[account.provider]
    keys = resolve(post, account)
    for key_name, rule in provider.KEYS.items():
        key = keys.get(key_name)
        if rule.without_media and key is not None and count:
            out.add(
                key.line,
                key.column,
                f"{name} ({provider.TITLE}): a post with `{key_name}:` takes no images or "
                f"videos; this one has {count}",
            )
