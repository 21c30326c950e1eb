"""What Slack's two ways in (incoming webhook, bot token) both need."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from socialgit.model import Account


def reconnect(account: Account) -> str:
    return f"socialgit connect {account.name}"


def escape(text: str) -> str:
    # Slack reads <…> as links and mentions (<!channel> pings everyone): escaping the
    # three control characters makes the text appear as written and unable to ping.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
