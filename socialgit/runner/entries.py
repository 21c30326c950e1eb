"""The ``results:`` entries the runner writes (docs/publishing.md), and the post's top-level status.

Entry fields, in this order when present:

    status      publishing | published | error | missed
    key         the delivery key (runner.keys), fixed at claim time
    occurrence  recurring posts: the occurrence this entry is about (ISO UTC); published
                one-time posts: the publish_at it went out for
    count       recurring posts: how many occurrences went out
    at          when the entry was written: the claim, the publication, the failure
    url, id     where it went out (published)
    sent        published: a digest of the text that went out (compose.fingerprint), so
                validate can tell when the post is edited afterwards
    parts       ids of the thread parts out so far (a rerun resumes after them)
    pending     a step of the next part begun and not yet known to be out (a container,
                an upload session): a rerun finishes it, never begins it again
    prepared    not yet published: what the network's ``prepare`` built and the runner pushed
                before anything was sent (Nostr's signed events), handed back on every rerun
    (details)   published: what the network adds (Nostr's ``relays``), after ``parts``
    uploads     an article's images uploaded so far, by path: ``{url, id}`` each; a rerun
                uses them instead of uploading again (socialgit.runner.articles)
    attempts    send attempts made for this occurrence
    retry_at    status error with retry_at: a transient failure, tried again from then on
    late        true: queued by `socialgit retry --late`, sent even past missed_after
    error       what went wrong, or why it waits, in words a person can act on
    announced   the ``notify:`` accounts told about this failure (socialgit/runner/notify.py)

``status: error`` without ``retry_at`` is final: ``socialgit retry`` queues it again
(:func:`queued`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from socialgit.compose import fingerprint
from socialgit.runner.work import Linked, Missed, Work
from socialgit.times import iso_utc

# The entry's own fields (above): a network's ``Receipt.details`` never overwrite them.
_OWN = frozenset(
    (
        *("status", "key", "occurrence", "count", "at", "url", "id", "sent", "parts"),
        *("pending", "prepared", "uploads", "attempts", "retry_at", "late", "error"),
        "announced",
    )
)
BACKOFF_FIRST = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=6)


def backoff(attempts: int) -> timedelta:
    """5m, 10m, 20m, 40m, ... capped at 6h: after ``attempts`` failed attempts."""
    factor: int = 2 ** max(attempts - 1, 0)
    return min(BACKOFF_FIRST * factor, BACKOFF_MAX)


def _head(work: Work, status: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"status": status, "key": work.key}
    if work.recurring:
        entry["occurrence"] = iso_utc(work.occurrence)
        entry["count"] = work.count
    return entry


def claim(
    work: Work, at: datetime, parts: list[str] | None = None, pending: str | None = None
) -> dict[str, Any]:
    entry = _head(work, "publishing")
    entry["at"] = iso_utc(at)
    done = list(work.done) if parts is None else parts
    if done:
        entry["parts"] = done
    _pending(entry, work.pending if pending is None else pending)
    _prepared(entry, work)
    _uploads(entry, work)
    entry["attempts"] = work.attempts
    _late(entry, work)
    return entry


def published(
    work: Work,
    at: datetime,
    ident: str,
    url: str | None,
    parts: list[str],
    attempts: int,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    entry = _head(work, "published")
    entry["occurrence"] = iso_utc(work.occurrence)
    if work.recurring:
        entry["count"] = work.count + 1
    entry["at"] = iso_utc(at)
    if url:
        entry["url"] = url
    entry["id"] = ident
    entry["sent"] = fingerprint(work.post, work.account)
    entry["parts"] = list(parts)
    for name, value in (details or {}).items():
        if name not in _OWN and name not in entry:
            entry[name] = value
    entry["attempts"] = attempts
    return entry


def failed(
    work: Work,
    at: datetime,
    parts: list[str],
    attempts: int,
    message: str,
    retry_at: datetime | None = None,
    status: str = "error",
    pending: str | None = None,
) -> dict[str, Any]:
    """A final error (``retry_at`` None), a retry later, or (status publishing) still in doubt."""
    entry = _head(work, status)
    entry["at"] = iso_utc(at)
    if parts:
        entry["parts"] = list(parts)
    _pending(entry, work.pending if pending is None else pending)
    _prepared(entry, work)
    _uploads(entry, work)
    entry["attempts"] = attempts
    if retry_at is not None:
        entry["retry_at"] = iso_utc(retry_at)
    _late(entry, work)
    entry["error"] = message
    return entry


def queued(previous: Mapping[str, Any], at: datetime, late: bool) -> dict[str, Any]:
    """A person's ``socialgit retry``: due from ``at`` on, as a retry with no attempt counted
    yet, keeping the key, the parts already out (the next run resumes after them) and what
    was prepared or uploaded (used again, never made twice); ``late``: sent even past
    missed_after."""
    entry: dict[str, Any] = {"status": "error"}
    for field in ("key", "occurrence", "count"):
        if field in previous:
            entry[field] = previous[field]
    entry["at"] = iso_utc(at)
    for field in ("parts", "pending", "prepared", "uploads"):  # what is out, or fixed, stays
        if previous.get(field):
            entry[field] = previous[field]
    entry["attempts"] = 0
    entry["retry_at"] = iso_utc(at)
    if late:
        entry["late"] = True
    was = f"{previous.get('status')}: {previous['error']}" if previous.get("error") else ""
    entry["error"] = "queued again by socialgit retry" + (f" (it was {was})" if was else "")
    return entry


def _pending(entry: dict[str, Any], pending: str) -> None:
    if pending:
        entry["pending"] = pending


def _prepared(entry: dict[str, Any], work: Work) -> None:
    if work.prepared is not None:
        entry["prepared"] = dict(work.prepared)


def _uploads(entry: dict[str, Any], work: Work) -> None:
    if work.uploads:
        entry["uploads"] = {
            path: {"url": made.url, **({"id": made.id} if made.id else {})}
            for path, made in work.uploads.items()
        }


def blocked(item: Linked, at: datetime) -> dict[str, Any]:
    """A delivery that waited for another's link, which will never come: final, never sent."""
    entry: dict[str, Any] = {"status": "error"}
    if item.post.repeat is not None:
        entry["occurrence"] = iso_utc(item.occurrence)
        count = (item.previous or {}).get("count")
        entry["count"] = count if isinstance(count, int) else 0
    entry["at"] = iso_utc(at)
    entry["error"] = f"not sent: {item.blocked}"
    return entry


def _late(entry: dict[str, Any], work: Work) -> None:
    if work.late:  # kept through claims and retries until it is sent
        entry["late"] = True


def missed(item: Missed, at: datetime) -> dict[str, Any]:
    entry: dict[str, Any] = {"status": "missed"}
    if item.post.repeat is not None:
        entry["occurrence"] = iso_utc(item.occurrence)
        previous = item.previous or {}
        count = previous.get("count")
        entry["count"] = count if isinstance(count, int) else 0
    entry["at"] = iso_utc(at)
    entry["error"] = (
        f"not sent: its time {iso_utc(item.occurrence)} passed more than missed_after ago"
    )
    return entry


def post_status(
    current: str | None,
    targets: list[str],
    results: Mapping[str, Any],
    recurring: bool,
) -> str | None:
    """The top-level status to write, or None to leave it as it is (drafts: always None)."""
    if current == "draft":
        return None
    states = []
    for name in targets:
        entry = results.get(name)
        states.append(entry if isinstance(entry, Mapping) else {})
    final_error = any(s.get("status") == "error" and not s.get("retry_at") for s in states)
    if final_error:
        wanted = "error"
    elif recurring:
        wanted = "scheduled"  # more occurrences come; one missed is not the post missed
    elif states and all(s.get("status") == "missed" for s in states):
        wanted = "missed"
    elif states and all(s.get("status") in ("published", "missed") for s in states):
        # Settled, and something went out: the per-target entries say which were missed.
        wanted = "published"
    else:
        wanted = "scheduled"
    if wanted == "scheduled" and current in (None, "scheduled"):
        return None  # no diff for nothing: an absent status already means scheduled
    return None if wanted == current else wanted
