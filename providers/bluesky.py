"""Bluesky (AT Protocol), with an app password session."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from providers._atproto_text import detect_facets

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
from providers._text import graphemes, utf8_bytes
from providers.base import MediaRules, Setting, ThreadStyle

if TYPE_CHECKING:
    from socialgit.model import Account, Part

NAME = "bluesky"
TITLE = "Bluesky"
THREADS: ThreadStyle = "replies"
MEDIA = MediaRules(
    max_count=4,
    max_bytes={
        "image/png": 2_000_000,
        "image/jpeg": 2_000_000,
        "image/webp": 2_000_000,
        "image/gif": 2_000_000,
    },
    alt_max=2000,
)
SETTINGS: Mapping[str, Setting] = {
    "handle": Setting(str, required=True, help="the account's handle, e.g. news.example.com"),
}
SECRETS: tuple[str, ...] = ("password",)

MAX_GRAPHEMES = 300
MAX_BYTES = 3000


def length(text: str) -> int:
    return graphemes(text)


def limit(account: Account, part: Part) -> int:
    return MAX_GRAPHEMES


def text_problems(text: str) -> list[str]:
    size = utf8_bytes(text)
    if size > MAX_BYTES:
        return [f"Bluesky allows at most {MAX_BYTES} bytes of UTF-8 text; this part has {size}"]
    return []


def facets(text: str) -> list[dict[str, Any]]:
    return detect_facets(text)
