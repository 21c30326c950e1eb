"""The networks socialgit publishes to: one package each, listed in one typed registry.

``PROVIDERS`` maps the name written in `provider:` to the network's module. A module is
imported the first time it is asked for, so a command pays only for the networks its
accounts use; the optional parts a module leaves out are filled in from
``providers/defaults.py`` then. ``mypy --strict`` proves every listed module fits
``providers.base.Network`` through the ``TYPE_CHECKING`` block below, which nothing runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from types import ModuleType
from typing import TYPE_CHECKING, cast

from providers import defaults
from providers.base import Provider

NETWORKS = (
    "bluesky",
    "devto",
    "discord",
    "facebook",
    "farcaster",
    "ghost",
    "hashnode",
    "instagram",
    "lemmy",
    "linkedin",
    "mastodon",
    "matrix",
    "misskey",
    "nostr",
    "outbox",
    "pinterest",
    "pixelfed",
    "reddit",
    "slack",
    "teams",
    "telegram",
    "threads",
    "tiktok",
    "tumblr",
    "webhook",
    "wordpress",
    "x",
    "youtube",
)

if TYPE_CHECKING:
    from providers import (
        bluesky,
        devto,
        discord,
        facebook,
        farcaster,
        ghost,
        hashnode,
        instagram,
        lemmy,
        linkedin,
        mastodon,
        matrix,
        misskey,
        nostr,
        outbox,
        pinterest,
        pixelfed,
        reddit,
        slack,
        teams,
        telegram,
        threads,
        tiktok,
        tumblr,
        webhook,
        wordpress,
        x,
        youtube,
    )
    from providers.base import Network

    # Keep in step with NETWORKS (tests/providers/test_registry.py checks).
    FITS: dict[str, Network] = {
        "bluesky": bluesky,
        "devto": devto,
        "discord": discord,
        "facebook": facebook,
        "farcaster": farcaster,
        "ghost": ghost,
        "hashnode": hashnode,
        "instagram": instagram,
        "lemmy": lemmy,
        "linkedin": linkedin,
        "mastodon": mastodon,
        "matrix": matrix,
        "misskey": misskey,
        "nostr": nostr,
        "outbox": outbox,
        "pinterest": pinterest,
        "pixelfed": pixelfed,
        "reddit": reddit,
        "slack": slack,
        "teams": teams,
        "telegram": telegram,
        "threads": threads,
        "tiktok": tiktok,
        "tumblr": tumblr,
        "webhook": webhook,
        "wordpress": wordpress,
        "x": x,
        "youtube": youtube,
    }

# Keys every account may carry, whatever its provider (docs/config.md).
COMMON_SETTINGS = ("provider", "base_url", "authorize_url", "token_url")


def complete(module: ModuleType) -> Provider:
    """The module as a whole ``Provider``: each optional part it lacks set to its default."""
    for name in defaults.OPTIONAL:
        if not hasattr(module, name):
            setattr(module, name, getattr(defaults, name))
    return cast(Provider, module)


class Registry(MutableMapping[str, Provider]):
    """Network name → module, imported on first use. Tests register their own networks."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self._names = list(names)
        self._loaded: dict[str, Provider] = {}

    def __getitem__(self, name: str) -> Provider:
        loaded = self._loaded.get(name)
        if loaded is not None:
            return loaded
        if name not in self._names:
            raise KeyError(name)
        provider = complete(importlib.import_module(f"providers.{name}"))
        self._loaded[name] = provider
        return provider

    def __setitem__(self, name: str, module: Provider | ModuleType) -> None:
        if name not in self._names:
            self._names.append(name)
        self._loaded[name] = complete(cast(ModuleType, module))

    def __delitem__(self, name: str) -> None:
        self._names.remove(name)
        self._loaded.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._names))

    def __len__(self) -> int:
        return len(self._names)


PROVIDERS: MutableMapping[str, Provider] = Registry(NETWORKS)
