"""Delivering claimed work: concurrently across accounts, one at a time within an account.

Every provider error is judged here by its class alone (socialgit.errors), into one results
entry per delivery. Nothing here touches git; part ids go to ``Context.record_part`` as they
come, so a thread that fails half-way resumes after the parts that are out.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx

from providers import PROVIDERS
from providers.base import Credentials, Outgoing, OutgoingMedia, OutgoingPart, Provider, Receipt
from socialgit import links, postkeys
from socialgit.compose import prepare
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    Duplicate,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    SocialgitError,
    Transient,
    Unsupported,
    VaultError,
)
from socialgit.media import sniff
from socialgit.model import Account, Config, Part
from socialgit.runner import articles, entries
from socialgit.runner.pause import pause
from socialgit.runner.work import Work
from socialgit.times import iso_utc, zone

# Deliveries in flight per network, across its accounts: generous where the receiver is ours
# (webhook, outbox), modest where a public API counts requests per app.
CAPS: dict[str, int] = {"webhook": 32, "outbox": 8}
DEFAULT_CAP = 4
MAX_THREADS = 32
MAX_WAIT = 5.0  # seconds: a Retry-After up to this is waited out; longer defers to a later run
DEFAULT_RATE_WAIT = timedelta(minutes=1)  # a 429 that does not say how long

State = Literal["published", "error", "retry", "deferred", "doubt"]
CHECK_BY_HAND = (
    "in doubt: it may have gone out; check by hand whether it went out on {network}, then "
    "run `socialgit retry` on this post to send it again, or set its status to published"
)


@dataclass(frozen=True)
class Outcome:
    work: Work
    state: State
    entry: dict[str, Any]
    message: str = ""  # for the run's output: the error, or why it waits
    url: str | None = None


@dataclass
class Context:
    root: Path
    config: Config
    client: httpx.Client
    clock: Callable[[], datetime]  # the run's now (``--at`` plus the time elapsed)
    claimed_at: datetime
    credentials: Callable[[Account], Credentials]
    refresh: Callable[[Account, Credentials], Credentials] | None
    record_part: Callable[[Work, list[str]], None]
    # Writes the parts out so far and the step in flight (``Outgoing.on_pending``).
    record_pending: Callable[[Work, list[str], str], None] = lambda work, parts, pending: None
    # Deliveries whose ``prepare`` failed or could not be pushed (runner.ready): never sent
    # this run; the error decides what happens, as a failed post would.
    unprepared: dict[tuple[str, str], SocialgitError] = field(default_factory=dict)


def deliver_all(items: list[Work], ctx: Context) -> list[Outcome]:
    by_account: dict[str, list[Work]] = {}
    for item in items:
        by_account.setdefault(item.account.name, []).append(item)
    caps: dict[str, threading.Semaphore] = {}
    for item in items:
        name = item.account.provider
        caps.setdefault(name, threading.Semaphore(CAPS.get(name, DEFAULT_CAP)))
    if not by_account:
        return []
    with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(by_account))) as pool:
        futures = [pool.submit(_account, group, ctx, caps) for group in by_account.values()]
        return [outcome for future in futures for outcome in future.result()]


def _account(
    group: list[Work], ctx: Context, caps: dict[str, threading.Semaphore]
) -> list[Outcome]:
    done: list[Outcome] = []
    blocked: Outcome | None = None  # a long rate limit holds back the account's other posts
    for item in group:
        if blocked is not None:
            done.append(_defer(item, ctx, blocked.entry.get("retry_at"), blocked.message))
            continue
        with caps[item.account.provider]:
            outcome = deliver_one(item, ctx)
        if outcome.state == "deferred":
            blocked = outcome
        done.append(outcome)
    return done


def deliver_one(work: Work, ctx: Context) -> Outcome:
    provider: Provider = PROVIDERS[work.account.provider]
    try:
        credentials = ctx.credentials(work.account)
    except SocialgitError as exc:
        return _final(work, ctx, list(work.done), work.attempts, f"credentials: {exc}")
    outgoing = outgoing_for(work, ctx)
    auth = _Auth(credentials)
    unprepared = ctx.unprepared.get((work.post.path, work.account.name))
    if unprepared is not None:
        return _unsent(work, ctx, unprepared)
    if work.kind != "doubt":
        over = _over_with_links(provider, work, outgoing)
        if over:
            return _final(work, ctx, list(work.done), work.attempts, over)
    if work.kind == "doubt":
        try:
            receipt = _lookup(provider, work, ctx, auth, outgoing)
        except (AuthExpired, AuthRevoked, VaultError) as exc:
            if not auth.refreshed:
                return _still_in_doubt(work, ctx, f"looking it up failed, tried again later: {exc}")
            message = CHECK_BY_HAND.format(network=provider.TITLE)
            return _final(
                work, ctx, list(work.done), work.attempts, _reconnect(work, f"{exc}; {message}")
            )
        except (OutcomeUnknown, Unsupported) as exc:
            if not provider.RESEND_IN_DOUBT:
                message = CHECK_BY_HAND.format(network=provider.TITLE) + f" ({exc})"
                return _final(work, ctx, list(work.done), work.attempts, message)
            receipt = None  # the receiver dedupes on the key: resending is the look-up
        except SocialgitError as exc:  # Transient, also from a refresh (lease held elsewhere)
            return _still_in_doubt(work, ctx, f"looking it up failed, tried again later: {exc}")
        if receipt is not None and len(receipt.parts) >= len(outgoing.parts):
            return _published(work, ctx, receipt, work.attempts)
        if receipt is not None:
            # Part of the thread is out (proven by the look-up, recorded or not): the rest
            # goes out replying to it, never the found parts again, nor those on record (a
            # network may show fewer than were recorded: comments hidden, listings late).
            longer = receipt.parts if len(receipt.parts) > len(work.done) else work.done
            return _send(provider, work, ctx, auth, outgoing, longer)
    return _send(provider, work, ctx, auth, outgoing)


@dataclass
class _Auth:
    """A delivery's credentials, refreshed at most once (by its post or by its look-up)."""

    credentials: Credentials
    refreshed: bool = False


def _lookup(
    provider: Provider, work: Work, ctx: Context, auth: _Auth, outgoing: Outgoing
) -> Receipt | None:
    """``provider.lookup``; on ``AuthExpired``, refresh once (unless this delivery did
    already) and look again once. Errors are the provider's or the refresh's."""
    try:
        return provider.lookup(ctx.client, work.account, auth.credentials, outgoing)
    except AuthExpired:
        if ctx.refresh is None or auth.refreshed:
            raise
    # Outside the handler, so a refresh error does not chain to the look-up's.
    auth.refreshed = True
    auth.credentials = ctx.refresh(work.account, auth.credentials)
    return provider.lookup(ctx.client, work.account, auth.credentials, outgoing)


def _send(
    provider: Provider,
    work: Work,
    ctx: Context,
    auth: _Auth,
    outgoing: Outgoing,
    done: tuple[str, ...] | None = None,
) -> Outcome:
    parts = list(work.done if done is None else done)
    # The step in flight, as the provider last said; a look-up that found more parts than
    # were recorded found the part that step belonged to.
    pending = [outgoing.pending if len(parts) == len(work.done) else ""]
    total = len(outgoing.parts)
    attempt = work.attempts + 1

    def on_part(ident: str) -> None:
        parts.append(ident)
        pending[0] = ""  # the part it belonged to is out
        if len(parts) < total:  # the last part's id goes into the result itself
            ctx.record_part(work, list(parts))
            pause("part")

    def on_pending(ident: str) -> None:
        pending[0] = ident
        ctx.record_pending(work, list(parts), ident)

    def fail(outcome: Callable[..., Outcome], *args: Any, **kwargs: Any) -> Outcome:
        return outcome(work, ctx, *args, pending=pending[0], **kwargs)

    waits = 0
    while True:
        duplicate: Duplicate | None = None
        # Each call (again after a refresh or a short wait) resumes from the step in flight.
        now_out = replace(outgoing, pending=pending[0], on_pending=on_pending)
        try:
            now_out = articles.ready(
                provider, ctx.client, work.account, auth.credentials, now_out, work.uploads,
                lambda: ctx.record_pending(work, list(parts), pending[0]),
            )  # fmt: skip
            receipt = provider.post(
                ctx.client, work.account, auth.credentials, now_out, tuple(parts), on_part
            )
            return _published(work, ctx, receipt, attempt)
        except RateLimited as exc:
            now = datetime.now(UTC)
            wait = (exc.until - now) if exc.until else DEFAULT_RATE_WAIT
            if wait.total_seconds() <= MAX_WAIT and waits < 2:
                waits += 1
                time.sleep(max(wait.total_seconds(), 0.0))
                continue
            return fail(_defer, None, f"{exc}; deferred", wait, parts)
        except AuthExpired as exc:
            if ctx.refresh is not None and not auth.refreshed:
                auth.refreshed = True
                try:
                    auth.credentials = ctx.refresh(work.account, auth.credentials)
                except (Transient, RateLimited) as failure:  # nothing stored changed
                    return fail(_retry, parts, attempt, f"refreshing failed: {failure}")
                except SocialgitError as failure:
                    return fail(_final, parts, attempt, _reconnect(work, str(failure)))
                continue
            return fail(_final, parts, attempt, _reconnect(work, str(exc)))
        except AuthRevoked as exc:
            return fail(_final, parts, attempt, _reconnect(work, str(exc)))
        except Duplicate as exc:
            duplicate = exc  # looked up below, outside the handler
        except (Rejected, Unsupported) as exc:
            return fail(_final, parts, attempt, str(exc))
        except Transient as exc:
            return fail(_retry, parts, attempt, str(exc))
        except OutcomeUnknown as exc:
            if provider.RESEND_IN_DOUBT:
                return fail(_retry, parts, attempt, f"{exc}; resent later with the same key")
            return fail(
                _still_in_doubt, f"{exc}; a later run looks up whether it arrived", ctx.claimed_at,
                parts,
            )  # fmt: skip
        except SocialgitError as exc:  # ProviderError, or e.g. a missing URL found before sending
            return fail(_final, parts, attempt, str(exc))
        except Exception as exc:  # a bug in a provider: it may have sent, so never resend blind
            message = CHECK_BY_HAND.format(network=provider.TITLE)
            return fail(_final, parts, attempt, f"unexpected {type(exc).__name__}; {message}")
        found = _lookup_quietly(provider, work, ctx, auth, outgoing)
        if found is not None and len(found.parts) >= len(outgoing.parts):
            return _published(work, ctx, found, attempt)
        return fail(_final, parts, attempt, str(duplicate))


def _unsent(work: Work, ctx: Context, exc: SocialgitError) -> Outcome:
    """A delivery stopped before anything was sent (its ``prepare`` failed)."""
    parts, message = list(work.done), f"before sending: {exc}"
    if isinstance(exc, RateLimited):
        wait = exc.until - datetime.now(UTC) if exc.until else None
        return _defer(work, ctx, None, f"{message}; deferred", wait, parts)
    if isinstance(exc, Transient | OutcomeUnknown):
        return _retry(work, ctx, parts, work.attempts + 1, message)
    if isinstance(exc, AuthExpired | AuthRevoked):
        message = _reconnect(work, message)
    return _final(work, ctx, parts, work.attempts + 1, message)


def _reconnect(work: Work, message: str) -> str:
    """The message, with the advice to log in again unless it gives it already (in any
    words: "socialgit connect NAME" with or without backticks)."""
    command = f"socialgit connect {work.account.name}"
    given = re.search(re.escape(command) + r"(?![\w-])", message)
    return message if given else f"{message}; run `{command}`"


def _lookup_quietly(
    provider: Provider, work: Work, ctx: Context, auth: _Auth, outgoing: Outgoing
) -> Receipt | None:
    try:
        return _lookup(provider, work, ctx, auth, outgoing)
    except (ProviderError, VaultError):
        return None


def _published(work: Work, ctx: Context, receipt: Receipt, attempts: int) -> Outcome:
    entry = entries.published(
        work, ctx.clock(), receipt.id, receipt.url, list(receipt.parts), attempts, receipt.details
    )
    return Outcome(work, "published", entry, url=receipt.url)


# ``pending`` below: the step in flight to write into the entry; None: the one it had.


def _final(
    work: Work,
    ctx: Context,
    parts: list[str],
    attempts: int,
    message: str,
    pending: str | None = None,
) -> Outcome:
    entry = entries.failed(work, ctx.clock(), parts, attempts, message, pending=pending)
    return Outcome(work, "error", entry, message)


def _retry(
    work: Work,
    ctx: Context,
    parts: list[str],
    attempt: int,
    message: str,
    pending: str | None = None,
) -> Outcome:
    limit = ctx.config.max_attempts
    if attempt >= limit:
        final = f"{message} (gave up after {attempt} attempts: `socialgit retry` sends it again)"
        return _final(work, ctx, parts, attempt, final, pending)
    now = ctx.clock()
    when = now + entries.backoff(attempt)
    # retry_at stays UTC for machines; the sentence is for a person, in the config's zone.
    tz = ctx.config.timezone
    local = f"{when.astimezone(zone(tz)):%Y-%m-%d %H:%M} {tz}"
    text = f"{message} (attempt {attempt} of {limit}, next after {local})"
    entry = entries.failed(work, now, parts, attempt, text, retry_at=when, pending=pending)
    return Outcome(work, "retry", entry, text)


def _defer(
    work: Work,
    ctx: Context,
    retry_at: str | None,
    message: str,
    wait: timedelta | None = None,
    parts: list[str] | None = None,
    pending: str | None = None,
) -> Outcome:
    """A rate limit: try again from ``retry_at`` on, without counting an attempt."""
    now = ctx.clock()
    if work.kind == "doubt" and parts is None:
        return _still_in_doubt(work, ctx, f"not looked up yet: {message}")
    when = now + (wait or DEFAULT_RATE_WAIT)
    at = iso_utc(when) if retry_at is None else retry_at
    done = list(work.done) if parts is None else parts
    entry = entries.failed(work, now, done, work.attempts, message, retry_at=now, pending=pending)
    entry["retry_at"] = at
    return Outcome(work, "deferred", entry, message)


def _still_in_doubt(
    work: Work,
    ctx: Context,
    message: str,
    claimed: datetime | None = None,
    parts: list[str] | None = None,
    pending: str | None = None,
) -> Outcome:
    """Leave the claim in place (status publishing) so a later run resolves it.

    The claim keeps its old time (or this run's claim time), so the next run past
    claim_timeout looks it up again, rather than a resend.
    """
    previous_at = (work.previous or {}).get("at") if work.kind == "doubt" else None
    at = str(previous_at) if claimed is None and previous_at else iso_utc(claimed or ctx.clock())
    done = list(work.done) if parts is None else parts
    entry = entries.failed(
        work, ctx.clock(), done, work.attempts, message, status="publishing", pending=pending
    )
    entry["at"] = at
    return Outcome(work, "doubt", entry, message)


def outgoing_for(work: Work, ctx: Context) -> Outgoing:
    prepared = prepare(work.post, work.account)
    # The links it names are out (it was not selected before): each in its place.
    urls = links.status(
        tuple(prepared.waits), work.post.results, links.occurrence_of(work.post, work.occurrence)
    ).urls
    parts = [
        OutgoingPart(
            links.substitute(part.text, urls),
            tuple(_media(ctx, item.path, item.alt) for item in part.media),
        )
        for part in prepared.parts
    ]
    keys = {
        name: links.substitute(value, urls)
        if isinstance(value, str)
        else tuple(links.substitute(item, urls) for item in value)
        for name, value in postkeys.values(postkeys.resolve(work.post, work.account)).items()
    }
    cover = keys.pop("cover", None)
    cover_alt = keys.get("cover_alt", "")
    return Outgoing(
        key=work.key,
        post=work.post.path,
        occurrence=work.occurrence,
        parts=tuple(parts),
        account=work.account.name,
        root=ctx.root,
        keys=keys,
        cover=_media(ctx, cover, str(cover_alt)) if isinstance(cover, str) else None,
        done=work.done,
        pending=work.pending,
        prepared=work.prepared,
    )


def _over_with_links(provider: Provider, work: Work, outgoing: Outgoing) -> str:
    """A part that the links put in its text made too long (validation counted a guess)."""
    prepared = prepare(work.post, work.account)
    if not prepared.waits:
        return ""
    for number, (part, sent) in enumerate(zip(prepared.parts, outgoing.parts, strict=True), 1):
        length = provider.length(sent.text)
        most = provider.limit(work.account, Part(sent.text, part.media, part.line))
        if length > most:
            return (
                f"not sent: with its links in place part {number} is {length} characters as "
                f"{provider.TITLE} counts them, over its limit of {most}; shorten the text"
            )
    return ""


def _media(ctx: Context, path: str, alt: str) -> OutgoingMedia:
    file = ctx.root / path
    try:
        with open(file, "rb") as handle:
            mime = sniff(handle.read(16)) or "application/octet-stream"
    except OSError:
        mime = "application/octet-stream"
    base = ctx.config.media_base_url
    url = f"{base.rstrip('/')}/{path}" if base else None
    return OutgoingMedia(path, file, mime, alt, url)
