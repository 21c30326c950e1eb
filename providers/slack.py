"""Slack, through an incoming webhook or a bot token with ``chat.postMessage``."""

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
from providers.base import MediaRules, Setting, ThreadStyle

if TYPE_CHECKING:
    from socialgit.model import Account, Part

NAME = "slack"
TITLE = "Slack"
THREADS: ThreadStyle = "replies"
# Incoming webhooks cannot attach files; bot uploads are not built yet.
MEDIA = MediaRules(max_count=0)
SETTINGS: Mapping[str, Setting] = {
    "channel": Setting(str, help="channel id for a bot token (webhooks carry their own)"),
}
SECRETS: tuple[str, ...] = ("webhook_url", "bot_token")


def length(text: str) -> int:
    return len(text)


def limit(account: Account, part: Part) -> int:
    # Slack truncates at 40,000 but advises 4,000 for readable messages.
    return 4000


def text_problems(text: str) -> list[str]:
    return []


def facets(text: str) -> list[dict[str, Any]]:
    return []
