"""What a run says: one line per delivery, a summary, and a Markdown table for GitHub.

Lines name the account and the post, and show the network's link or the error. A URL from
the vault (a webhook's) never appears: only what the network answered, scrubbed of every
loaded secret (a network's error text may echo a token).
"""

from __future__ import annotations

from socialgit.idle import message
from socialgit.redact import scrub
from socialgit.runner.run import RunReport
from socialgit.times import iso_utc
from socialgit.words import table_cell

_LABELS = {
    "published": "published",
    "error": "FAILED",
    "retry": "retry later",
    "deferred": "deferred",
    "doubt": "in doubt",
}


def rows(report: RunReport) -> list[tuple[str, str, str, str]]:
    """(state, account, post, link or message) for every delivery the run looked at."""
    found = []
    for work in report.planned:
        parts = len(work.post.parts)
        detail = f"key {work.key}, {parts} part{'s' if parts != 1 else ''} ({work.kind})"
        found.append(("would send", work.account.name, work.post.path, detail))
    for outcome in report.outcomes:
        detail = (
            outcome.url or str(outcome.entry.get("id", ""))
            if outcome.state == "published"
            else outcome.message
        )
        found.append(
            (_LABELS[outcome.state], outcome.work.account.name, outcome.work.post.path, detail)
        )
    for item in report.missed:
        found.append(("missed", item.account.name, item.post.path, "not sent: too late"))
    for linked in report.blocked:
        message = f"not sent: {linked.blocked}"
        found.append(("FAILED", linked.account.name, linked.post.path, message))
    for linked in report.linked:
        found.append(("waits", linked.account.name, linked.post.path, _waits(linked.waits)))
    for waiting in report.waiting:
        since = iso_utc(waiting.claimed_at) if waiting.claimed_at else "?"
        found.append(("skipped", waiting.account.name, waiting.post.path, f"claimed at {since}"))
    return found


def _waits(names: tuple[str, ...]) -> str:
    return f"waits for {', '.join(names)}: sent once its link is out"


def summary(report: RunReport) -> str:
    count: dict[str, int] = {}
    for outcome in report.outcomes:
        count[outcome.state] = count.get(outcome.state, 0) + 1
    if report.dry_run:
        return (
            f"dry run at {iso_utc(report.at)}: {len(report.planned)} would be sent, "
            f"{len(report.missed)} missed; nothing was changed"
        )
    if not report.outcomes and not report.missed and not report.blocked:
        waits = f"; {len(report.linked)} wait for a link" if report.linked else ""
        return f"{message(report.at)}{waits}"
    parts = [
        f"{count.get('published', 0)} published",
        f"{count.get('error', 0) + len(report.blocked)} failed",
        f"{count.get('retry', 0) + count.get('deferred', 0)} to retry",
        f"{count.get('doubt', 0)} in doubt",
        f"{len(report.missed)} missed",
    ]
    return ", ".join(parts)


def text(report: RunReport) -> str:
    return scrub(_text(report))


def markdown(report: RunReport) -> str:
    return scrub(_markdown(report))


def _text(report: RunReport) -> str:
    lines = [
        f"{state:<12} {account:<16} {post}  {detail}"
        for state, account, post, detail in rows(report)
    ]
    lines += [f"skipped post {why}" for why in report.skipped_posts]
    lines += [f"NOT RECORDED {why}" for why in report.unrecorded]
    lines += report.alerts
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def _markdown(report: RunReport) -> str:
    out = [f"### socialgit publish: {summary(report)}", ""]
    found = rows(report)
    if found:
        out += ["| Result | Account | Post | Link or error |", "|---|---|---|---|"]
        for state, account, post, detail in found:
            cell = f"[{detail}]({detail})" if detail.startswith("https://") else table_cell(detail)
            out.append(f"| {state} | {account} | `{post}` | {cell} |")
    for why in report.unrecorded:
        out.append(f"\n**Not recorded:** {table_cell(why)}")
    out += [f"\n{table_cell(line)}" for line in report.alerts]
    return "\n".join(out) + "\n"
