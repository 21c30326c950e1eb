"""Every delivery the post files record, with its snapshots: what reports and the dashboard
are made of (pure: read from the loaded content, nothing asked of a network)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from socialgit.content import Content
from socialgit.stats import snapshots
from socialgit.stats.snapshots import LABELS, Counts
from socialgit.times import parse_iso


@dataclass(frozen=True)
class Delivery:
    post: str
    account: str
    provider: str
    state: str  # published | error | missed | publishing
    time: datetime  # when it went out; for the others, the occurrence or the attempt
    link: str | None
    text: str  # the first line the account received
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)  # age label → entry
    no_metrics: str = ""  # why the account gives none ("" when it does)

    def counts(self, label: str, on_time: bool = False) -> Counts | None:
        """The counts at an age (None: not taken, failed, or late when ``on_time``)."""
        snap = self.snapshots.get(label)
        if snap is None or "error" in snap or (on_time and "late" in snap):
            return None
        return snapshots.counts_of(snap)

    def engagement(self, label: str, on_time: bool = False) -> int | None:
        found = self.counts(label, on_time)
        return snapshots.engagement(found) if found is not None else None

    @property
    def latest(self) -> tuple[str, Counts, str] | None:
        """The oldest age with counts: (label, counts, when it was taken if late, else "")."""
        for label in reversed(LABELS):
            found = self.counts(label)
            if found is not None:
                return label, found, str(self.snapshots[label].get("late") or "")
        return None

    @property
    def error(self) -> str:
        """The last snapshot error recorded, if any."""
        for label in reversed(LABELS):
            said = self.snapshots.get(label, {}).get("error")
            if said:
                return str(said)
        return ""


def collect(content: Content) -> list[Delivery]:
    """Every recorded delivery (drafts have none), in time order."""
    from providers import PROVIDERS
    from providers.defaults import no_metrics
    from socialgit.calendar import first_lines

    texts = first_lines(content)
    found = []
    for report in content.reports:
        post = report.post or report.parsed
        if post is None:
            continue
        for name, entry in post.results.items():
            account = content.config.accounts.get(name)
            provider = account.provider if account else str(entry.get("provider") or "?")
            why = ""
            if account is not None and provider in PROVIDERS:
                why = no_metrics(PROVIDERS[provider], account)
            when = _time(entry, post.publish_at)
            found.append(
                Delivery(
                    post=post.path,
                    account=name,
                    provider=provider,
                    state=str(entry.get("status") or "?"),
                    time=when,
                    link=str(entry["url"]) if entry.get("url") else None,
                    text=texts.get((post.path, name), ""),
                    snapshots=snapshots.recorded(entry),
                    no_metrics=why,
                )
            )
    found.sort(key=lambda d: (d.time, d.post, d.account))
    return found


def narrow(
    items: Iterable[Delivery],
    since: datetime | None = None,
    until: datetime | None = None,
    accounts: Iterable[str] = (),
) -> list[Delivery]:
    """Those in [since, until) and of the accounts named (all when none are)."""
    wanted = set(accounts)
    return [
        d
        for d in items
        if (since is None or d.time >= since)
        and (until is None or d.time < until)
        and (not wanted or d.account in wanted)
    ]


def _time(entry: dict[str, Any], fallback: datetime) -> datetime:
    """When it went out (``at``), else the occurrence it was for."""
    if entry.get("status") == "published":
        at = parse_iso(str(entry.get("at") or ""))
        if at is not None:
            return at
    return parse_iso(str(entry.get("occurrence") or "")) or fallback
