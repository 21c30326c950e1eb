"""POSTs each delivery as a JSON document to a URL (n8n, Zapier, Make, your own service)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

# Until this network's runtime is built, it says so plainly (explicit re-exports).
from providers._pending import (
    AUTH as AUTH,
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

NAME = "webhook"
TITLE = "Webhook"
THREADS: ThreadStyle = "document"
MEDIA = MediaRules(max_count=100, max_bytes={t: 1 << 40 for t in IMAGE_TYPES | VIDEO_TYPES})
SETTINGS: Mapping[str, Setting] = {
    "url": Setting(str, help="where to POST, when the URL is not a secret (else the vault)"),
    "limit": Setting(int, help="a length limit to check posts against (default: none)"),
}
SECRETS: tuple[str, ...] = ("url",)


def length(text: str) -> int:
    return len(text)


def limit(account: Account, part: Part) -> int:
    configured = account.settings.get("limit")
    return configured if isinstance(configured, int) else 100_000


def text_problems(text: str) -> list[str]:
    return []


def facets(text: str) -> list[dict[str, Any]]:
    return []
