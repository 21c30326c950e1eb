"""Discord, through a channel webhook (the URL is the credential)."""

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
from providers.base import IMAGE_TYPES, VIDEO_TYPES, MediaRules, Setting, ThreadStyle

if TYPE_CHECKING:
    from socialgit.model import Account, Part

NAME = "discord"
TITLE = "Discord"
THREADS: ThreadStyle = "messages"
_MIB = 1024 * 1024
MEDIA = MediaRules(
    max_count=10,
    max_bytes={t: 10 * _MIB for t in IMAGE_TYPES | VIDEO_TYPES},
    alt_max=1024,
)
SETTINGS: Mapping[str, Setting] = {
    "username": Setting(str, help="name the webhook posts under"),
}
SECRETS: tuple[str, ...] = ("webhook_url",)


def length(text: str) -> int:
    return len(text)


def limit(account: Account, part: Part) -> int:
    return 2000


def text_problems(text: str) -> list[str]:
    return []


def facets(text: str) -> list[dict[str, Any]]:
    return []
