"""Slack, through an incoming webhook or a bot token with ``chat.postMessage``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from providers.base import (
    AuthKind,
    Counts,
    Credentials,
    MediaRules,
    OnPart,
    Outgoing,
    Published,
    Receipt,
    Setting,
    ThreadStyle,
)
from providers.slack import bot as _slack_bot
from providers.slack import webhook as _slack_webhook
from providers.slack.bot import bot_token
from socialgit.errors import OutcomeUnknown, Unsupported

if TYPE_CHECKING:
    import httpx

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
# What token rotation (``refresh_token`` below) reads and writes besides the bot token;
# ``vault put`` accepts these too.
REFRESH_FIELDS: tuple[str, ...] = ("refresh_token", "expires_at", "client_id", "client_secret")


def length(text: str) -> int:
    return len(text)


def limit(account: Account, part: Part) -> int:
    # Slack truncates at 40,000 but advises 4,000 for readable messages.
    return 4000


# -- runtime ---------------------------------------------------------------------------
#
# Both ways in are a secret a person pastes (an incoming-webhook URL or a bot token);
# neither is a sign-in flow socialgit runs, so the module's kind is "token" and the
# credentials decide the mode: a bot token wins when both are stored, because only the
# bot gets message ids, threads, links and a look-up. The two modes live in
# providers/slack/webhook.py and providers/slack/bot.py.
AUTH: AuthKind = "token"
# Slack keeps no idempotency key: a delivery in doubt is looked up (bot) or checked by
# a person (webhook), never simply resent.
RESEND_IN_DOUBT = False


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    raise Unsupported(
        "Slack accounts connect with an incoming-webhook URL or a bot token (xoxb-…) from "
        "the Slack app's settings, not a sign-in link"
    )


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    """Check what the person gave with Slack; keep only the fields this module reads."""
    whoami(client, account, credentials)
    kept = ("bot_token", "refresh_token", "expires_at", "client_id", "client_secret")
    if bot_token(credentials):
        return {k: credentials[k] for k in kept if credentials.get(k)}
    return {"webhook_url": credentials["webhook_url"]}


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    """With token rotation on, trade the single-use refresh token for a new pair; without
    it (the default) bot tokens and webhooks do not expire and nothing changes."""
    return _slack_bot.rotate(client, account, credentials)


def expires_at(credentials: Credentials) -> datetime | None:
    value = credentials.get("expires_at")
    if not isinstance(value, str) or not value or not credentials.get("refresh_token"):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    token = bot_token(credentials)
    if token is None:
        return _slack_webhook.whoami(client, account, credentials)
    return _slack_bot.whoami(client, account, token)


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    if any(part.media for part in outgoing.parts):
        raise Unsupported("Slack accounts take no images or videos in this version of socialgit")
    token = bot_token(credentials)
    if token is None:
        return _slack_webhook.deliver(client, account, credentials, outgoing, done, on_part)
    return _slack_bot.deliver(client, account, token, outgoing, done, on_part)


def metrics(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    """Reactions (as likes, all emoji added up) and thread replies of the first message,
    with a bot token (``reactions.get``, scope reactions:read). A webhook reads nothing."""
    token = bot_token(credentials)
    if token is None:
        raise Unsupported(
            "a Slack incoming webhook cannot read reactions: metrics need a bot token with "
            "the reactions:read scope"
        )
    return _slack_bot.reactions(client, account, token, item.id, len(item.parts))


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    token = bot_token(credentials)
    if token is None:
        raise OutcomeUnknown(
            f"a Slack incoming webhook cannot tell whether {outgoing.post} arrived; look in "
            "the channel and record the outcome by hand"
        )
    return _slack_bot.lookup(client, account, token, outgoing)
