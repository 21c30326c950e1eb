"""Past occurrences of recurring posts, for the month views (pure).

A plan shows a recurring post's next occurrences and the latest one that has come; what
earlier occurrences became is in its results only as the last one handled (``occurrence``,
``status``) and how many went out (``count``). From that, an occurrence in the past is:

- the recorded one: its recorded state;
- one before it: ``published`` when the count says every occurrence up to the recorded one
  went out, ``missed`` when it says none did; when some did and some did not, the results
  cannot tell which, and it is left out rather than guessed;
- one after it (or any, without a result) that is not the latest: ``missed``, since a run
  only ever handles the latest occurrence and never sends the ones it skipped.

One-time posts need none of this: their single result is in the plan already.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from socialgit.content import Report
from socialgit.model import Config, Post
from socialgit.plan import MAX_UPCOMING, Delivery, State
from socialgit.schedule import last_at_or_before, occurrences
from socialgit.times import parse_iso

COUNT_UP_TO = 10_000  # occurrences walked to read a count; beyond, earlier ones are unknown


def past_occurrences(
    reports: Iterable[Report], config: Config, now: datetime, start: datetime, end: datetime
) -> list[Delivery]:
    """Deliveries for the past occurrences in [start, end) that a plan does not list."""
    found: list[Delivery] = []
    for report in reports:
        post = report.post
        if post is None or post.repeat is None or post.status == "draft":
            continue
        latest = last_at_or_before(post, now)
        for name in post.targets:
            account = config.accounts[name]
            length, limit = report.lengths.get(name, (0, 0))
            result = post.results.get(name) or {}
            rows = []
            for moment, state in _states(post, result, latest, now, start, end):
                rows.append(
                    Delivery(
                        post=post.path,
                        account=name,
                        provider=account.provider,
                        time=moment,
                        occurrence=moment,
                        state=state,
                        length=length,
                        limit=limit,
                        recurring=True,
                        result=result if state != "missed" else None,
                    )
                )
            found.extend(rows[-MAX_UPCOMING:])
    return found


def _states(
    post: Post,
    result: dict[str, Any],
    latest: datetime | None,
    now: datetime,
    start: datetime,
    end: datetime,
) -> Iterable[tuple[datetime, State]]:
    recorded = parse_iso(str(result.get("occurrence") or ""))
    status = result.get("status")
    before = _earlier_state(post, result, recorded)
    stop = min(end, now)
    for moment in occurrences(post, after=start - timedelta(microseconds=1)):
        if moment >= stop:
            return
        if recorded is not None and moment == recorded:
            if status in ("published", "missed"):
                yield moment, status
            continue  # publishing or error: the plan lists it
        if moment == latest:
            continue  # the plan lists the latest (due or missed) unless it is recorded
        if recorded is not None and moment < recorded:
            if before is not None:
                yield moment, before
            continue
        yield moment, "missed"


def _earlier_state(post: Post, result: dict[str, Any], recorded: datetime | None) -> State | None:
    """What every occurrence before the recorded one became, when the count says."""
    count = result.get("count")
    if recorded is None or not isinstance(count, int):
        return None
    earlier = 0
    for moment in occurrences(post):
        if moment >= recorded:
            break
        earlier += 1
        if earlier > COUNT_UP_TO:
            return None
    went_out = count - (1 if result.get("status") == "published" else 0)
    if went_out == earlier:
        return "published"
    if went_out == 0:
        return "missed"
    return None
