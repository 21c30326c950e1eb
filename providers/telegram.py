"""Telegram, through the Bot API into a channel or group."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

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
from providers._text import utf16_units
from providers.base import IMAGE_TYPES, VIDEO_TYPES, MediaRules, Setting, ThreadStyle

if TYPE_CHECKING:
    from socialgit.model import Account, Part

NAME = "telegram"
TITLE = "Telegram"
THREADS: ThreadStyle = "replies"
_MB = 1024 * 1024
MEDIA = MediaRules(
    max_count=10,
    max_bytes={**{t: 10 * _MB for t in IMAGE_TYPES}, **{t: 50 * _MB for t in VIDEO_TYPES}},
    alt_max=None,
)
SETTINGS: Mapping[str, Setting] = {
    "chat": Setting(str, required=True, help="@channelname or numeric chat id"),
}
SECRETS: tuple[str, ...] = ("bot_token",)


def length(text: str) -> int:
    # Telegram measures text in UTF-16 code units (its entity offsets use them too).
    return utf16_units(text)


def limit(account: Account, part: Part) -> int:
    return 1024 if part.media else 4096


def text_problems(text: str) -> list[str]:
    return []


def facets(text: str) -> list[dict[str, Any]]:
    return []
