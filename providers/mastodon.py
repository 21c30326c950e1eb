"""Mastodon (and compatible servers), one instance per account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import regex

# Until this network's runtime is built, it says so plainly (explicit re-exports).
from providers._pending import (
    AUTH as AUTH,
)
from providers._pending import (
    RESEND_IN_DOUBT as RESEND_IN_DOUBT,
)
from providers._pending import (
    authenticate as authenticate,
)
from providers._pending import (
    expires_at as expires_at,
)
from providers._pending import (
    generate_auth_url as generate_auth_url,
)
from providers._pending import (
    lookup as lookup,
)
from providers._pending import (
    post as post,
)
from providers._pending import (
    refresh_token as refresh_token,
)
from providers._pending import (
    whoami as whoami,
)
from providers._text import graphemes
from providers.base import IMAGE_TYPES, VIDEO_TYPES, MediaRules, Setting, ThreadStyle

if TYPE_CHECKING:
    from socialgit.model import Account, Part

NAME = "mastodon"
TITLE = "Mastodon"
THREADS: ThreadStyle = "replies"
_MB = 1024 * 1024
MEDIA = MediaRules(
    max_count=4,
    max_bytes={**{t: 16 * _MB for t in IMAGE_TYPES}, **{t: 99 * _MB for t in VIDEO_TYPES}},
    alt_max=1500,
)
SETTINGS: Mapping[str, Setting] = {
    "instance": Setting(str, required=True, help="https://your.instance"),
    "max_characters": Setting(int, help="the instance's limit, if not 500"),
    "visibility": Setting(str, help="public | unlisted | private | direct"),
    "language": Setting(str, help="ISO 639-1 code"),
}
SECRETS: tuple[str, ...] = ("access_token", "client_id", "client_secret")

URL_LENGTH = 23
# As the upstream StatusLengthValidator: only URLs with a scheme are shortened, and a remote
# mention counts as its local part.
_URL = regex.compile(r"(?<![\w/])https?://[^\s<>\"]+?(?=[.,;:!?)\]'\"]*(?:\s|$))", regex.I)
_REMOTE_MENTION = regex.compile(r"(?<![\w@])(@[\w.]+)@[\w.-]+\w", regex.ASCII)


def length(text: str) -> int:
    shortened = _URL.sub("x" * URL_LENGTH, text)
    shortened = _REMOTE_MENTION.sub(r"\1", shortened)
    return graphemes(shortened)


def limit(account: Account, part: Part) -> int:
    configured = account.settings.get("max_characters")
    return configured if isinstance(configured, int) else 500


def text_problems(text: str) -> list[str]:
    return []


def facets(text: str) -> list[dict[str, Any]]:
    return []
