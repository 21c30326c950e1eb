"""LinkedIn Posts API, for a member or an organization page."""

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
from providers.base import IMAGE_TYPES, MediaRules, Setting, ThreadStyle

if TYPE_CHECKING:
    from socialgit.model import Account, Part

NAME = "linkedin"
TITLE = "LinkedIn"
THREADS: ThreadStyle = "comments"
MEDIA = MediaRules(
    max_count=20,
    max_bytes={t: 36 * 1024 * 1024 for t in IMAGE_TYPES - {"image/webp"}},
    alt_max=4086,
)
SETTINGS: Mapping[str, Setting] = {
    "client_id": Setting(str, required=True, help="the app's client id"),
    "organization": Setting(str, help="organization id to post as a page (urn:li:organization:ID)"),
    "version": Setting(str, help="LinkedIn-Version header, YYYYMM"),
}
SECRETS: tuple[str, ...] = ("access_token", "refresh_token", "expires_at", "client_secret")


def length(text: str) -> int:
    # How LinkedIn counts is not published; its backend is Java, so UTF-16 units is the
    # conservative reading (never below the code point count).
    return utf16_units(text)


def limit(account: Account, part: Part) -> int:
    return 3000


def text_problems(text: str) -> list[str]:
    return []


def facets(text: str) -> list[dict[str, Any]]:
    return []
