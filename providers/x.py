"""X (formerly Twitter), API v2 with OAuth 2.0 and PKCE."""

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
from providers._twitter_text import weighted_length
from providers.base import MediaRules, Setting, ThreadStyle

if TYPE_CHECKING:
    from socialgit.model import Account, Part

NAME = "x"
TITLE = "X"
THREADS: ThreadStyle = "replies"
_MB = 1024 * 1024
MEDIA = MediaRules(
    max_count=4,
    max_bytes={
        "image/png": 5 * _MB,
        "image/jpeg": 5 * _MB,
        "image/webp": 5 * _MB,
        "image/gif": 15 * _MB,
        "video/mp4": 512 * _MB,
    },
    alt_max=1000,
)
SETTINGS: Mapping[str, Setting] = {
    "client_id": Setting(str, required=True, help="the app's OAuth 2.0 client id"),
    "max_length": Setting(int, help="weighted limit for accounts allowed longer posts"),
}
SECRETS: tuple[str, ...] = ("access_token", "refresh_token", "expires_at", "client_secret")


def length(text: str) -> int:
    return weighted_length(text)


def limit(account: Account, part: Part) -> int:
    configured = account.settings.get("max_length")
    return configured if isinstance(configured, int) else 280


def text_problems(text: str) -> list[str]:
    return []


def facets(text: str) -> list[dict[str, Any]]:
    return []
