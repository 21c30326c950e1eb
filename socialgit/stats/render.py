"""``socialgit report`` as text, Markdown, JSON and CSV (docs/json.md describes the JSON
and the CSV columns). An unknown count is shown as ``-`` (empty in CSV), never as 0."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from socialgit.stats.deliveries import Delivery
from socialgit.stats.report import WEEKDAYS, Cell, Report, Week
from socialgit.stats.snapshots import COUNTS, LABELS, engagement
from socialgit.times import iso_utc, zone
from socialgit.words import plural, table_cell

CSV_COLUMNS = (
    "post",
    "account",
    "provider",
    "state",
    "time",
    "link",
    "text",
    "age",
    "late",
    *COUNTS,
    "engagement",
    *(f"engagement_{label}" for label in LABELS),
    "note",
)


def _local(report: Report, d: Delivery) -> str:
    return f"{d.time.astimezone(zone(report.timezone)):%Y-%m-%d %H:%M}"


def _counts(d: Delivery) -> str:
    latest = d.latest
    if latest is None:
        return _note(d) or "not measured yet"
    label, counts, late = latest
    shown = " ".join(f"{name} {counts[name]}" for name in COUNTS if name in counts)
    value = engagement(counts)
    more = f" (engagement {value})" if value is not None else ""
    return f"{label}{' late' if late else ''}: {shown or 'no counts'}{more}"


def _note(d: Delivery) -> str:
    if d.no_metrics:
        return f"no metrics: {d.no_metrics}"
    return f"error: {d.error}" if d.error else ""


def _totals(week: Week) -> str:
    shown = " ".join(f"{n} {week.totals[n]}" for n in COUNTS if n in week.totals)
    value = week.engagement
    return (shown or "no counts") + (f", engagement {value}" if value is not None else "")


def _median(cell: Cell) -> str:
    return f"{cell.median:g}"


def text(report: Report) -> str:
    published = report.published
    lines = [
        f"socialgit report: {len(published)} published of "
        f"{plural(len(report.deliveries), 'delivery')}, {plural(len(report.accounts), 'account')}"
        f" (times in {report.timezone})",
        "",
        "Accounts",
    ]
    for a in report.accounts:
        measured = f", {a.measured} measured at 24h" if not a.no_metrics else ""
        why = f"  no metrics: {a.no_metrics}" if a.no_metrics else ""
        lines.append(f"  {a.name:<16} {a.provider:<10} {a.published} published{measured}{why}")
    lines += ["", "Posts"]
    for d in published:
        lines.append(f"  {_local(report, d)}  {d.account:<16} {d.post}  {_counts(d)}")
    lines += ["", "Weeks (latest counts of the posts published that week)"]
    for w in report.weeks:
        lines.append(
            f"  {w.start:%Y-%m-%d}  {w.account:<16} {plural(w.posts, 'post')}, "
            f"{w.measured} measured: {_totals(w)}"
        )
    lines += ["", "Top posts (engagement 24 h after they went out)"]
    for rank, d in enumerate(report.top, 1):
        value = d.engagement("24h", on_time=True)
        lines.append(f"  {rank:>2}. {value:>6}  {d.account:<16} {_local(report, d)}  {d.post}")
    lines += ["", "When to post (median engagement 24 h after, and the posts behind it)"]
    for cell in report.when:
        lines.append(
            f"  {cell.account:<16} {WEEKDAYS[cell.weekday]} {cell.hour:02d}:00  "
            f"{_median(cell):>6}  ({plural(cell.posts, 'post')})"
        )
    return "\n".join(lines) + "\n"


def markdown(report: Report) -> str:
    published = report.published
    out = [
        f"### socialgit report: {len(published)} published "
        f"{'delivery' if len(published) == 1 else 'deliveries'}",
        "",
        f"Times in {report.timezone}. Engagement is likes + reposts + replies + quotes; "
        "`-` is a count the network does not give.",
        "",
        "| Account | Network | Published | Measured at 24 h | |",
        "|---|---|---|---|---|",
    ]
    for a in report.accounts:
        why = f"no metrics: {table_cell(a.no_metrics)}" if a.no_metrics else ""
        out.append(f"| {a.name} | {a.provider} | {a.published} | {a.measured} | {why} |")
    heads = " | ".join(c.capitalize() for c in COUNTS)
    out += ["", "#### Posts", "", f"| Went out | Account | Post | Age | {heads} | Engagement |"]
    out.append("|---" * (5 + len(COUNTS)) + "|")
    for d in published:
        latest = d.latest
        post = (
            f"[`{d.post}`]({d.link})" if d.link and d.link.startswith("https://") else f"`{d.post}`"
        )
        if latest is None:
            note = table_cell(_note(d) or "not measured yet")
            out.append(
                f"| {_local(report, d)} | {d.account} | {post} | {note} |"
                + " |" * (len(COUNTS) + 1)
            )
            continue
        label, counts, late = latest
        shown = " | ".join(str(counts.get(n, "-")) for n in COUNTS)
        value = engagement(counts)
        age = f"{label} (late)" if late else label
        out.append(
            f"| {_local(report, d)} | {d.account} | {post} | {age} | {shown} | "
            f"{value if value is not None else '-'} |"
        )
    out += [
        "",
        "#### Weeks",
        "",
        "| Week of | Account | Posts | Measured | Totals |",
        "|---|---|---|---|---|",
    ]
    for w in report.weeks:
        out.append(
            f"| {w.start:%Y-%m-%d} | {w.account} | {w.posts} | {w.measured} | {_totals(w)} |"
        )
    out += [
        "",
        "#### Top posts (24 h after)",
        "",
        "| # | Engagement | Account | Went out | Post |",
        "|---|---|---|---|---|",
    ]
    for rank, d in enumerate(report.top, 1):
        out.append(
            f"| {rank} | {d.engagement('24h', on_time=True)} | {d.account} | "
            f"{_local(report, d)} | `{d.post}` |"
        )
    out += ["", "#### When to post (median engagement 24 h after, posts behind it)", ""]
    for account in sorted({c.account for c in report.when}):
        cells = [c for c in report.when if c.account == account]
        hours = sorted({c.hour for c in cells})
        out += [f"**{account}**", "", "| | " + " | ".join(f"{h:02d}:00" for h in hours) + " |"]
        out.append("|---" * (len(hours) + 1) + "|")
        for day, name in enumerate(WEEKDAYS):
            row = {c.hour: c for c in cells if c.weekday == day}
            if row:
                found = [f"{_median(row[h])} ({row[h].posts})" if h in row else "" for h in hours]
                out.append(f"| {name} | " + " | ".join(found) + " |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def document(report: Report) -> dict[str, Any]:
    """The JSON document (docs/json.md)."""
    return {
        "timezone": report.timezone,
        "accounts": [
            {
                "account": a.name,
                "provider": a.provider,
                "published": a.published,
                "measured_24h": a.measured,
                "no_metrics": a.no_metrics or None,
            }
            for a in report.accounts
        ],
        "deliveries": [
            {
                "post": d.post,
                "account": d.account,
                "provider": d.provider,
                "state": d.state,
                "time": iso_utc(d.time),
                "link": d.link,
                "text": d.text,
                "metrics": d.snapshots,
                "no_metrics": d.no_metrics or None,
            }
            for d in report.deliveries
        ],
        "weeks": [
            {
                "account": w.account,
                "week": f"{w.start:%Y-%m-%d}",
                "posts": w.posts,
                "measured": w.measured,
                **w.totals,
                "engagement": w.engagement,
            }
            for w in report.weeks
        ],
        "top": [
            {
                "post": d.post,
                "account": d.account,
                "time": iso_utc(d.time),
                "link": d.link,
                "engagement_24h": d.engagement("24h", on_time=True),
            }
            for d in report.top
        ],
        "when": [
            {
                "account": c.account,
                "weekday": c.weekday,
                "day": WEEKDAYS[c.weekday],
                "hour": c.hour,
                "median_24h": c.median,
                "posts": c.posts,
            }
            for c in report.when
        ],
    }


def as_json(report: Report) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"


def as_csv(report: Report) -> str:
    """One row per delivery (every state): the spreadsheet export. Times in the config's
    zone with their offset; an empty count is one the network does not give."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    tz = zone(report.timezone)
    for d in report.deliveries:
        latest = d.latest
        label, counts, late = latest if latest is not None else ("", {}, "")
        value = engagement(counts) if counts else None
        writer.writerow(
            [
                d.post,
                d.account,
                d.provider,
                d.state,
                d.time.astimezone(tz).isoformat(timespec="minutes"),
                d.link or "",
                _inert(d.text),
                label,
                late,
                *(counts.get(n, "") for n in COUNTS),
                "" if value is None else value,
                *("" if (e := d.engagement(a)) is None else e for a in LABELS),
                _inert(_note(d)),
            ]
        )
    return out.getvalue()


def _inert(value: str) -> str:
    """A cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) is
    kept as text with a leading ``'`` (OWASP's advice on CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
