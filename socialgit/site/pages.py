"""The dashboard's pages, as HTML text (pure functions of the gathered data)."""

from __future__ import annotations

import calendar as stdlib_calendar
from datetime import date
from typing import Any

from socialgit.plan import Delivery
from socialgit.site.data import Post, SiteData
from socialgit.site.html import data_script, e, link, page, state
from socialgit.stats.deliveries import Delivery as Measured
from socialgit.stats.report import WEEKDAYS
from socialgit.stats.snapshots import COUNTS, LABELS, engagement
from socialgit.times import zone

SCRIPTS = ("vendor/chart.umd.min.js", "vendor/chartjs-chart-matrix.min.js", "site.js")
PLAN_STATES = ("due", "error", "publishing", "upcoming", "draft")


def month_name(year: int, month: int) -> str:
    return f"{date(year, month, 1):%B %Y}"


def month_file(year: int, month: int) -> str:
    return f"months/{year:04d}-{month:02d}.html"


# -- the calendar -------------------------------------------------------------------------


def month_table(data: SiteData, year: int, month: int, up: str) -> str:
    tz = zone(data.timezone)
    shown = data.month(year, month)
    by_day: dict[int, list[Delivery]] = {}
    for d in shown:
        by_day.setdefault(d.time.astimezone(tz).day, []).append(d)
    head = "".join(f'<th scope="col">{day}</th>' for day in WEEKDAYS)
    rows = []
    for week in stdlib_calendar.Calendar(firstweekday=0).monthdayscalendar(year, month):
        cells = []
        for day in week:
            if day == 0:
                cells.append('<td class="outside"></td>')
                continue
            entries = "".join(_entry(data, d, up) for d in by_day.get(day, []))
            items = f'<ul class="entries">{entries}</ul>' if entries else ""
            cells.append(f'<td><span class="day">{day}</span>{items}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    count = f"{len(shown)} deliver{'y' if len(shown) == 1 else 'ies'}"
    return (
        f'<table class="month"><caption>{e(month_name(year, month))} '
        f"({e(data.timezone)}): {count}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _entry(data: SiteData, d: Delivery, up: str) -> str:
    local = d.time.astimezone(zone(data.timezone))
    post = data.posts.get(d.post)
    title = data.texts.get((d.post, d.account)) or (post.title if post else d.post)
    target = f"{up}posts/{post.page}" if post else ""
    text = link(target, f"{d.account}: {_short(title)}") if target else e(title)
    url = _web((d.result or {}).get("url")) if d.state == "published" else None
    out = f" {link(url, 'open', external=True)}" if url else ""
    error = (d.result or {}).get("error") if d.state == "error" else None
    why = f'<span class="why">{e(_short(str(error), 90))}</span>' if error else ""
    return (
        f'<li class="entry is-{e(d.state)}"><time datetime="{e(d.time.isoformat())}">'
        f"{local:%H:%M}</time> {state(d.state)} {text}{out}{why}</li>"
    )


def month_nav(data: SiteData, year: int, month: int, up: str) -> str:
    at = data.months.index((year, month)) if (year, month) in data.months else -1
    parts = []
    if at > 0:
        y, m = data.months[at - 1]
        parts.append(link(up + month_file(y, m), f"← {month_name(y, m)}"))
    if 0 <= at < len(data.months) - 1:
        y, m = data.months[at + 1]
        parts.append(link(up + month_file(y, m), f"{month_name(y, m)} →"))
    every = " ".join(link(up + month_file(y, m), month_name(y, m)) for y, m in data.months)
    return (
        f'<p class="month-nav">{" · ".join(parts)}</p>'
        f'<details><summary>Every month</summary><p class="months">{every}</p></details>'
    )


def month_page(data: SiteData, year: int, month: int) -> str:
    body = (
        f"<h1>{e(month_name(year, month))}</h1>"
        f'<section id="calendar">{month_table(data, year, month, "../")}'
        f"{month_nav(data, year, month, '../')}</section>"
    )
    return page(month_name(year, month), body, up="../")


# -- the front page -----------------------------------------------------------------------


def index_page(data: SiteData) -> str:
    local = data.now.astimezone(zone(data.timezone))
    year, month = local.year, local.month
    body = (
        "<h1>What goes out, and what happened</h1>"
        f'<p class="meta">As of {local:%Y-%m-%d %H:%M} ({e(data.timezone)}) · '
        f"{len(data.posts)} posts · made by <code>socialgit site</code> from the post files</p>"
        f'<section id="calendar"><h2>Calendar</h2>{month_table(data, year, month, "")}'
        f"{month_nav(data, year, month, '')}</section>"
        f'<section id="plan"><h2>Plan</h2>{_plan(data)}</section>'
        f'<section id="charts"><h2>Charts</h2>{_charts(data)}</section>'
        + data_script("socialgit-data", chart_data(data))
    )
    return page("Dashboard", body, scripts=SCRIPTS)


def _plan(data: SiteData) -> str:
    tz = zone(data.timezone)
    rows = []
    for d in data.deliveries:
        if d.state not in PLAN_STATES:
            continue
        post = data.posts.get(d.post)
        title = data.texts.get((d.post, d.account)) or d.post
        name = link(f"posts/{post.page}", _short(title)) if post else e(title)
        over = d.limit and d.length > d.limit
        size = f"{d.length}/{d.limit}" + (" TOO LONG" if over else "")
        rows.append(
            f'<tr class="is-{e(d.state)}"><td>{d.time.astimezone(tz):%Y-%m-%d %H:%M}</td>'
            f"<td>{state(d.state)}</td><td>{e(d.account)}</td><td>{name}</td>"
            f"<td>{e(size)}</td></tr>"
        )
    if not rows:
        return "<p>Nothing is scheduled.</p>"
    return (
        '<table class="plan"><thead><tr><th scope="col">When</th><th scope="col">State</th>'
        '<th scope="col">Account</th><th scope="col">Post</th><th scope="col">Longest part'
        "</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def chart_data(data: SiteData) -> dict[str, Any]:
    """What site.js draws: weekly engagement per account, and each account's weekday × hour
    cells (median 24 h engagement, posts behind it)."""
    weeks = sorted({f"{w.start:%Y-%m-%d}" for w in data.report.weeks})
    series = []
    for account in sorted({w.account for w in data.report.weeks}):
        values = {f"{w.start:%Y-%m-%d}": w.engagement for w in data.report.weeks
                  if w.account == account}  # fmt: skip
        if any(v is not None for v in values.values()):
            series.append({"account": account, "values": [values.get(w) for w in weeks]})
    heat = []
    for account in sorted({c.account for c in data.report.when}):
        cells = [
            {"x": c.hour, "y": c.weekday, "v": c.median, "n": c.posts}
            for c in data.report.when
            if c.account == account
        ]
        heat.append({"account": account, "cells": cells})
    return {"weeks": weeks, "series": series, "heat": heat, "days": list(WEEKDAYS)}


def _charts(data: SiteData) -> str:
    charts = chart_data(data)
    out = []
    if charts["series"]:
        names = ", ".join(s["account"] for s in charts["series"])
        out.append(
            "<h3>Engagement per week</h3>"
            "<p>Likes, reposts, replies and quotes of the posts published each week (their "
            "latest counts), one line per account.</p>"
            '<div class="chart"><canvas id="weekly" role="img" '
            f'aria-label="Engagement per week for {e(names)}; the table below has the numbers">'
            "</canvas></div>" + _weekly_table(charts)
        )
    for index, item in enumerate(charts["heat"]):
        out.append(
            f"<h3>When to post: {e(item['account'])}</h3>"
            "<p>The median engagement 24 hours after posts went out, by weekday and hour of "
            "publication; the number in brackets is how many posts are behind it.</p>"
            f'<div class="chart heat"><canvas id="heat-{index}" role="img" aria-label="When '
            f'to post for {e(item["account"])}; the table below has the numbers"></canvas>'
            "</div>" + _heat_table(item, charts["days"])
        )
    without = [a for a in data.report.accounts if a.no_metrics]
    if without:
        items = "".join(f"<li><b>{e(a.name)}</b>: {e(a.no_metrics)}</li>" for a in without)
        out.append(f"<h3>Accounts without metrics</h3><ul>{items}</ul>")
    if not charts["series"] and not charts["heat"]:
        out.insert(0, "<p>No metrics yet: <code>socialgit metrics</code> takes them 1 hour, "
                      "24 hours, 7 days and 30 days after each post goes out.</p>")  # fmt: skip
    return "".join(out)


def _weekly_table(charts: dict[str, Any]) -> str:
    head = "".join(f'<th scope="col">{e(s["account"])}</th>' for s in charts["series"])
    rows = []
    for i, week in enumerate(charts["weeks"]):
        values = "".join(f"<td>{_number(s['values'][i])}</td>" for s in charts["series"])
        rows.append(f'<tr><th scope="row">{e(week)}</th>{values}</tr>')
    return (
        '<details><summary>Engagement per week as a table</summary><table class="numbers">'
        f'<thead><tr><th scope="col">Week of</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></details>"
    )


def _heat_table(item: dict[str, Any], days: list[str]) -> str:
    hours = sorted({c["x"] for c in item["cells"]})
    head = "".join(f'<th scope="col">{h:02d}:00</th>' for h in hours)
    rows = []
    for y, day in enumerate(days):
        row = {c["x"]: c for c in item["cells"] if c["y"] == y}
        if not row:
            continue
        cells = "".join(
            f"<td>{_number(row[h]['v'])} ({row[h]['n']})</td>" if h in row else "<td></td>"
            for h in hours
        )
        rows.append(f'<tr><th scope="row">{day}</th>{cells}</tr>')
    return (
        '<details><summary>As a table: median (posts)</summary><table class="numbers">'
        f'<thead><tr><th scope="col"></th>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
        "</table></details>"
    )


# -- posts --------------------------------------------------------------------------------


def posts_page(data: SiteData) -> str:
    rows = []
    for post in sorted(data.posts.values(), key=lambda p: p.path):
        targets = " ".join(
            f"{state(str(entry.get('status') or 'upcoming'))} {e(name)}"
            for name, entry in post.results.items()
        )
        values = [
            v
            for name in post.results
            if (m := data.measured.get((post.path, name))) is not None
            and (v := _latest_engagement(m)) is not None
        ]
        rows.append(
            f"<tr><td>{link('posts/' + post.page, _short(post.title))}</td>"
            f"<td><code>{e(post.path)}</code></td><td>{e(post.status)}</td>"
            f"<td>{targets}</td><td>{_number(sum(values) if values else None)}</td></tr>"
        )
    body = (
        '<h1>Posts</h1><table class="posts"><thead><tr><th scope="col">Post</th>'
        '<th scope="col">File</th><th scope="col">Status</th><th scope="col">Deliveries</th>'
        '<th scope="col">Engagement (latest)</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
    )
    return page("Posts", body)


def post_page(data: SiteData, post: Post) -> str:
    results = post.results
    parts = [f"<h1>{e(post.title)}</h1>", f'<p class="meta"><code>{e(post.path)}</code> · '
             f"{e(post.status)}</p>"]  # fmt: skip
    document = post.document or {"targets": [], "problems": []}
    for target in document["targets"]:
        name = target["account"]
        entry = results.get(name) or {}
        parts.append(
            f'<section class="target"><h2>{e(name)} <small>({e(target["provider"])})</small>'
            f"</h2>{_delivery(data, entry)}{_parts(target['parts'])}"
            f"{_metrics(data.measured.get((post.path, name)))}</section>"
        )
    problems = document.get("problems") or []
    if problems:
        items = "".join(
            f"<li>line {p['line']}: {e(p['severity'])}: {e(p['message'])}</li>" for p in problems
        )
        parts.append(f'<section class="problems"><h2>Problems</h2><ul>{items}</ul></section>')
    return page(post.title, "".join(parts), up="../")


def _delivery(data: SiteData, entry: dict[str, Any]) -> str:
    if not entry:
        return f"<p>{state('upcoming')} not sent yet</p>"
    status = str(entry.get("status") or "?")
    bits = [state(status)]
    if entry.get("at"):
        bits.append(f"at {e(entry['at'])}")
    url = _web(entry.get("url"))
    if url:
        bits.append(link(url, "open on the network", external=True))
    if entry.get("error"):
        bits.append(f'<span class="why">{e(entry["error"])}</span>')
    return f"<p>{' · '.join(bits)}</p>"


def _parts(parts: list[dict[str, Any]]) -> str:
    items = []
    for number, part in enumerate(parts, 1):
        over = part["length"] > part["limit"]
        size = (
            f'<p class="length{" over" if over else ""}">Part {number}: {part["length"]} of '
            f"{part['limit']} characters{' — TOO LONG' if over else ''}</p>"
        )
        media = "".join(
            f'<figure><img src="../media/{e(m["path"])}" alt="{e(m["alt"])}">'
            f"<figcaption>Alt text: {e(m['alt']) or '<em>none</em>'}</figcaption></figure>"
            for m in part["media"]
        )
        items.append(f'<li>{size}<pre class="text">{e(part["text"])}</pre>{media}</li>')
    return f'<ol class="parts">{"".join(items)}</ol>'


def _metrics(measured: Measured | None) -> str:
    if measured is None:
        return ""
    if measured.no_metrics:
        return f'<p class="no-metrics">No metrics: {e(measured.no_metrics)}</p>'
    if not measured.snapshots:
        return "<p>No metrics yet.</p>" if measured.state == "published" else ""
    head = "".join(f'<th scope="col">{c}</th>' for c in (*COUNTS, "engagement"))
    rows = []
    for label in LABELS:
        snap = measured.snapshots.get(label)
        if snap is None:
            continue
        if "error" in snap:
            rows.append(
                f'<tr><th scope="row">{label}</th><td colspan="{len(COUNTS) + 1}">'
                f"error: {e(snap['error'])}</td></tr>"
            )
            continue
        counts = measured.counts(label) or {}
        cells = "".join(f"<td>{_number(counts.get(c))}</td>" for c in COUNTS)
        late = f" <small>(late: {e(snap['late'])})</small>" if "late" in snap else ""
        rows.append(
            f'<tr><th scope="row">{label}{late}</th>{cells}'
            f"<td>{_number(engagement(counts))}</td></tr>"
        )
    return (
        '<table class="numbers metrics"><caption>Metrics after it went out (– the network '
        f'does not give it)</caption><thead><tr><th scope="col">Age</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


# -- small helpers ------------------------------------------------------------------------


def _latest_engagement(measured: Measured) -> int | None:
    latest = measured.latest
    return engagement(latest[1]) if latest else None


def _web(url: object) -> str | None:
    """A link a visitor can follow: the network's https address, never an outbox file path
    (outside the site) or anything that is not http(s)."""
    text = str(url) if url else ""
    return text if text.startswith(("https://", "http://")) else None


def _number(value: object) -> str:
    if value is None:
        return "–"
    return f"{value:g}" if isinstance(value, float) else e(value)


def _short(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
