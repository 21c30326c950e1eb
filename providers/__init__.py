"""The networks socialgit publishes to: one module each, listed in one typed registry."""

from __future__ import annotations

from providers import (
    bluesky,
    discord,
    linkedin,
    mastodon,
    outbox,
    slack,
    telegram,
    threads,
    webhook,
    x,
)
from providers.base import Provider

PROVIDERS: dict[str, Provider] = {
    "bluesky": bluesky,
    "discord": discord,
    "linkedin": linkedin,
    "mastodon": mastodon,
    "outbox": outbox,
    "slack": slack,
    "telegram": telegram,
    "threads": threads,
    "webhook": webhook,
    "x": x,
}

# Keys every account may carry, whatever its provider (SPEC §2).
COMMON_SETTINGS = ("provider", "base_url", "authorize_url", "token_url")
