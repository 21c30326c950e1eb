"""One ``socialgit metrics`` run: sync, select what is due, fetch, write, commit and push.

The git side is the publishing run's (socialgit.runner.run, git): the same branch rules,
the same sync with the remote, one commit for the run, and a rejected push answered by
taking the remote as it is and writing the snapshots again on top of it, so a person's edit
made meanwhile is kept. Only a delivery's ``metrics:`` changes, and only while its entry is
still the one the counts were fetched for (same ``id``): an entry a person deleted or a
recurring post's next occurrence replaced gets nothing. A run with nothing due makes no
commit and no push.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from socialgit.config import refuse_errors
from socialgit.content import load_content
from socialgit.errors import RepoError
from socialgit.post import split
from socialgit.redact import scrub
from socialgit.runner import files
from socialgit.runner.counts import Fetcher, Taken, select
from socialgit.runner.git import Repo
from socialgit.runner.run import MAX_ROUNDS, Hooks, Options, _client, check_branch, sync
from socialgit.stats.snapshots import LABELS, recorded
from socialgit.times import iso_utc
from socialgit.words import plural, table_cell
from socialgit.yamlnodes import YamlError


@dataclass
class MetricsReport:
    at: datetime
    taken: list[Taken] = field(default_factory=list)
    unrecorded: list[str] = field(default_factory=list)  # posts that could not be written
    commits: list[str] = field(default_factory=list)
    push_error: str | None = None

    @property
    def failed(self) -> bool:
        """Something only a person can fix: a revoked account, an error recorded."""
        states = {t.state for t in self.taken}
        return bool(states & {"reconnect", "error"}) or bool(self.unrecorded)


def measure(
    root: Path, at: datetime | None, push: bool, hooks: Hooks | None = None
) -> MetricsReport:
    hooks = hooks or Hooks()
    now = at or datetime.now(UTC)
    started = time.monotonic()

    def clock() -> datetime:
        return now + timedelta(seconds=time.monotonic() - started)

    report = MetricsReport(at=now)
    repo = Repo(root, run_id=secrets.token_hex(6))
    content = load_content(root)
    refuse_errors(content.config_problems, "no metrics were fetched")
    check_branch(repo, content, Options(push=push))
    if hooks.bind is not None:
        hooks.bind(repo, push)
    dirty = repo.dirty(repo.top)
    if dirty:
        raise RepoError(
            f"uncommitted changes to tracked files ({', '.join(dirty[:5])}): the run commits "
            "and may reset this checkout; commit or discard them first"
        )
    if push:
        sync(repo)
        content = load_content(root)
    due = select(content, now)
    if not due:
        return report
    fetcher = Fetcher(_client(), clock, hooks.credentials, hooks.refresh)
    try:
        report.taken = fetcher.all(due)
    finally:
        fetcher.client.close()
    _record(repo, root, push, report, hooks)
    return report


def _record(repo: Repo, root: Path, push: bool, report: MetricsReport, hooks: Hooks) -> None:
    written = [t for t in report.taken if t.snapshots]
    if not written:
        return
    message = _message(written)

    def build() -> tuple[list[str], str, bool]:
        # Applied to the files as they are now: after a rejected push, the remote's.
        updates = _updates(root, written)
        changed, report.unrecorded = files.apply(root, updates, top_status=False)
        return [*changed, *(hooks.results_files() if hooks.results_files else [])], message, False

    commit, pushed = repo.land(build, push, MAX_ROUNDS)
    report.commits += [commit] if commit else []
    if not pushed:
        report.push_error = (
            f"the snapshots are committed locally ({(commit or '')[:12]}) but could not be "
            f"pushed after {MAX_ROUNDS} tries: push them (git push), or the next run here "
            "pushes them first"
        )


def _updates(root: Path, written: list[Taken]) -> files.Updates:
    """Each entry as the file holds it now, with the new snapshots added to its metrics;
    an entry that is gone or no longer the delivery measured is left alone."""
    updates: files.Updates = {}
    current: dict[str, dict[str, Any]] = {}
    for taken in written:
        path, name = taken.due.post, taken.due.account.name
        if path not in current:
            current[path] = _results(root, path)
        entry = current[path].get(name)
        if not isinstance(entry, dict) or str(entry.get("id")) != taken.due.item.id:
            continue
        have = recorded(entry)
        new = {k: v for k, v in taken.snapshots.items() if k not in have}
        if not new:
            continue
        merged: dict[str, Any] = dict(entry.get("metrics") or {})
        merged.update(new)
        order = {label: i for i, label in enumerate(LABELS)}
        ordered = dict(sorted(merged.items(), key=lambda kv: order.get(str(kv[0]), len(order))))
        updates.setdefault(path, {})[name] = {**entry, "metrics": ordered}
    return updates


def _results(root: Path, path: str) -> dict[str, Any]:
    try:
        text = (root / path).read_text(encoding="utf-8")
        front = yaml.safe_load(split(text.removeprefix("\ufeff")).front)
    except (OSError, UnicodeDecodeError, YamlError, yaml.YAMLError):
        return {}  # deleted or broken meanwhile: nothing to add to
    results = front.get("results") if isinstance(front, dict) else None
    return results if isinstance(results, dict) else {}


def _message(written: list[Taken]) -> str:
    ages = sum(len(t.snapshots) for t in written)
    head = f"socialgit: metrics, {plural(ages, 'snapshot')} of {plural(len(written), 'delivery')}"
    lines = [
        f"- {'+'.join(t.snapshots)} {t.due.account.name} {t.due.post}"
        + (f" error: {t.message}" if t.state == "error" else "")
        for t in written
    ]
    return head + "\n\n" + "\n".join(lines) + "\n"


# -- what a run says --------------------------------------------------------------------

_LABEL = {"taken": "", "error": "FAILED", "retry": "retry later", "reconnect": "FAILED"}


def rows(report: MetricsReport) -> list[tuple[str, str, str, str]]:
    """(what, account, post, counts or message) per delivery; accounts without metrics
    once each, with how many deliveries they have."""
    found = []
    without: dict[str, tuple[int, str]] = {}
    for t in report.taken:
        name = t.due.account.name
        if t.state == "none":
            count, _ = without.get(name, (0, ""))
            without[name] = (count + 1, t.message)
            continue
        what = _LABEL[t.state] or ", ".join(t.snapshots)
        found.append((what, name, t.due.post, _detail(t)))
    for name, (count, why) in sorted(without.items()):
        found.append(("no metrics", name, plural(count, "delivery"), why))
    return found


def _detail(taken: Taken) -> str:
    if taken.state != "taken":
        return taken.message
    snap = next(iter(taken.snapshots.values()))
    counts = ", ".join(f"{k} {v}" for k, v in snap.items() if k != "late") or "no counts"
    late = [label for label, s in taken.snapshots.items() if "late" in s]
    return counts + (f" (late: {', '.join(late)})" if late else "")


def summary(report: MetricsReport) -> str:
    if not report.taken:
        return f"no snapshot due at {iso_utc(report.at)}"
    by: dict[str, int] = {}
    for t in report.taken:
        by[t.state] = by.get(t.state, 0) + 1
    snaps = sum(len(t.snapshots) for t in report.taken if t.state == "taken")
    late = sum(1 for t in report.taken for s in t.snapshots.values() if "late" in s)
    parts = [
        f"{plural(snaps, 'snapshot')} of {plural(by.get('taken', 0), 'delivery')} taken"
        + (f" ({late} late)" if late else ""),
        f"{by.get('retry', 0)} to retry",
        f"{by.get('error', 0) + by.get('reconnect', 0)} failed",
        f"{by.get('none', 0)} without metrics",
    ]
    return ", ".join(parts)


def text(report: MetricsReport) -> str:
    lines = [f"{w:<12} {a:<16} {p}  {d}" for w, a, p, d in rows(report)]
    lines += [f"NOT RECORDED {why}" for why in report.unrecorded]
    lines.append(summary(report))
    return scrub("\n".join(lines) + "\n")


def markdown(report: MetricsReport) -> str:
    out = [f"### socialgit metrics: {summary(report)}", ""]
    found = rows(report)
    if found:
        out += ["| Snapshot | Account | Post | Counts or error |", "|---|---|---|---|"]
        for what, account, post, detail in found:
            out.append(f"| {what} | {account} | `{post}` | {table_cell(detail)} |")
    return scrub("\n".join(out) + "\n")
