"""The one interface every network module fits, and the small values it is described by.

Each provider is a *module* (as pre-commit's languages are): module-level constants and
functions that satisfy :class:`Provider` structurally. The registry in ``providers/__init__``
lists them in one typed dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from socialgit.model import Account, Part

ThreadStyle = Literal["replies", "comments", "messages", "document"]

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime"})


@dataclass(frozen=True, slots=True)
class Setting:
    """A key an account of this provider may carry in socialgit.yml."""

    kind: type[str] | type[int] | type[bool]
    required: bool = False
    help: str = ""


@dataclass(frozen=True, slots=True)
class MediaRules:
    max_count: int  # attachments per part; 0: this network takes none
    max_bytes: Mapping[str, int] = field(default_factory=dict)  # by MIME type; absent: refused
    alt_max: int | None = None  # None: the network has no alt text
    needs_public_url: bool = False  # the network fetches media itself (Threads)


class Provider(Protocol):
    NAME: str  # the registry key, as written in `provider:`
    TITLE: str  # as people call it
    THREADS: ThreadStyle  # how the later parts of a thread go out
    MEDIA: MediaRules
    SETTINGS: Mapping[str, Setting]  # account keys beyond provider/base_url/authorize_url/token_url
    SECRETS: tuple[str, ...]  # fields of its vault entry (SPEC §6)

    def length(self, text: str) -> int:
        """The text's length as the network counts it."""

    def limit(self, account: Account, part: Part) -> int:
        """The most ``length`` may be for this part on this account."""

    def text_problems(self, text: str) -> list[str]:
        """Rules other than length (e.g. Threads' five links); each a message."""

    def facets(self, text: str) -> list[dict[str, Any]]:
        """Rich-text annotations the post will carry (Bluesky); [] elsewhere."""
