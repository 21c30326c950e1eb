"""The optional parts of a network, for the networks that leave them out.

A network's module defines what ``providers.base.Network`` requires; for each name below that
it does not define, the registry uses the function here. A module that defines one must give
it the same signature (``tests/providers/test_registry.py`` checks).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from providers.base import KeyRule, Uploaded
from socialgit.errors import Unsupported

if TYPE_CHECKING:
    import httpx

    from providers.base import (
        BodyFormat,
        Counts,
        Credentials,
        Note,
        Outgoing,
        OutgoingMedia,
        Provider,
        Published,
    )
    from socialgit.model import Account

OPTIONAL = (
    "REFRESH_FIELDS",
    "KEYS",
    "EXACT_REDIRECT",
    "text_problems",
    "media_problems",
    "facets",
    "generate_auth_url",
    "refresh_token",
    "expires_at",
    "diagnose",
    "prepare",
    "long_form",
    "upload_image",
    "metrics",
    "metrics_off",
)

REFRESH_FIELDS: tuple[str, ...] = ()  # refresh_token writes nothing beyond SECRETS
KEYS: Mapping[str, KeyRule] = MappingProxyType({})  # only the text: title, link, … are ignored
EXACT_REDIRECT = False  # any loopback port will do (or the network registers one per connect)


def text_problems(text: str) -> list[str]:
    """No rules beyond the length."""
    return []


def media_problems(number: int, kinds: tuple[str, ...]) -> list[str]:
    """No rules on a part's attachments beyond ``MEDIA`` (count, types, sizes, alt text)."""
    return []


def facets(text: str) -> list[dict[str, Any]]:
    """Plain text: the network finds links and tags itself, or shows none."""
    return []


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    """Only OAuth2 networks (``AUTH == "oauth2"``) have a page to grant access on."""
    raise Unsupported(f"{account.provider} has no sign-in page: `socialgit connect` asks instead")


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    """Credentials that do not expire (a webhook URL, a bot token): nothing to renew."""
    return dict(credentials)


def expires_at(credentials: Credentials) -> datetime | None:
    """Credentials that do not expire."""
    return None


def diagnose(client: httpx.Client, account: Account, credentials: Credentials) -> list[Note]:
    """Nothing to check beyond ``whoami``."""
    return []


def prepare(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> dict[str, Any] | None:
    """Nothing to record before sending: the runner makes no extra commit."""
    return None


def long_form(account: Account) -> BodyFormat | None:
    """Short posts: the body is split into thread parts at ``---``."""
    return None


def upload_image(
    client: httpx.Client, account: Account, credentials: Credentials, image: OutgoingMedia
) -> Uploaded:
    """A network that fetches images itself: the image's public URL, from ``media_base_url``."""
    if image.url is None:
        raise Unsupported(
            f"{account.provider} takes images by public URL: set `media_base_url:` in "
            f"socialgit.yml to where this repository's files are served ({image.path})"
        )
    return Uploaded(image.url)


def metrics(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    """A network with no counts to read: ``socialgit metrics`` lists it as having none,
    and writes nothing (never zeros). The core tells by ``is``: keep this the default."""
    raise Unsupported(f"{account.provider} gives no metrics")


def metrics_off(account: Account) -> str:
    """Every account of a network that has metrics gives them."""
    return ""


def no_metrics(provider: Provider, account: Account) -> str:
    """Why ``account`` gives no metrics ("" when it does): the network has none, or the
    account's settings or scopes keep them off (``metrics_off``)."""
    if provider.metrics is metrics:
        return f"{provider.TITLE} gives no metrics"
    return provider.metrics_off(account)
