"""Threads (Meta): container, then publish. Media must be reachable at a public URL."""

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
from providers._text import grapheme_list, utf8_bytes
from providers.base import MediaRules, Setting, ThreadStyle

if TYPE_CHECKING:
    from socialgit.model import Account, Part

NAME = "threads"
TITLE = "Threads"
THREADS: ThreadStyle = "replies"
_MB = 1024 * 1024
MEDIA = MediaRules(
    max_count=20,
    max_bytes={
        "image/jpeg": 8 * _MB,
        "image/png": 8 * _MB,
        "video/mp4": 1024 * _MB,
        "video/quicktime": 1024 * _MB,
    },
    alt_max=None,
    needs_public_url=True,
)
SETTINGS: Mapping[str, Setting] = {
    "client_id": Setting(str, required=True, help="the Meta app id"),
    "user_id": Setting(str, help="Threads user id (recorded by connect)"),
}
SECRETS: tuple[str, ...] = ("access_token", "expires_at", "client_secret")

MAX_LINKS = 5
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")
_LINK = regex.compile(r"(?:https?://|www\.)[^\s]+", regex.I)


def length(text: str) -> int:
    # Meta documents that emoji count as their UTF-8 byte length; everything else is one.
    return sum(
        utf8_bytes(cluster) if _EMOJI.search(cluster) else 1 for cluster in grapheme_list(text)
    )


def limit(account: Account, part: Part) -> int:
    return 500


def text_problems(text: str) -> list[str]:
    links = len(_LINK.findall(text))
    if links > MAX_LINKS:
        return [f"Threads allows at most {MAX_LINKS} links in a post; this part has {links}"]
    return []


def facets(text: str) -> list[dict[str, Any]]:
    return []
