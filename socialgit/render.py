"""Turning problems, plans and previews into text, JSON, Markdown and workflow commands."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from socialgit.model import Problem
from socialgit.plan import Delivery
from socialgit.times import iso_utc, zone

if TYPE_CHECKING:
    from socialgit.queueing import Placement

MARK = {
    "due": "due",
    "missed": "MISSED",
    "upcoming": "upcoming",
    "published": "published",
    "error": "ERROR",
    "draft": "draft",
    "publishing": "publishing",
    "cancelled": "CANCELLED",
    "queued": "queued",
}


def problems_text(problems: Iterable[Problem]) -> str:
    return "".join(f"{p.path}:{p.line}:{p.column}: {p.severity}: {p.message}\n" for p in problems)


def checked(posts: int, problems: list[Problem]) -> str:
    from socialgit.words import plural

    return f"{plural(posts, 'post')} checked, {plural(len(problems), 'problem')}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def problems_github(problems: Iterable[Problem]) -> str:
    """Workflow commands: GitHub shows each on the pull request's diff, at its line."""
    lines = []
    for p in problems:
        kind = "error" if p.severity == "error" else "warning"
        lines.append(
            f"::{kind} file={_escape_property(p.path)},line={p.line},col={p.column}"
            f"::{_escape_data(p.message)}\n"
        )
    return "".join(lines)


def problems_json(problems: Iterable[Problem]) -> str:
    return json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False) + "\n"


def plan_json(at: datetime, deliveries: Sequence[Delivery], problems: Iterable[Problem]) -> str:
    document = {
        "at": iso_utc(at),
        "deliveries": [d.as_dict() for d in deliveries],
        "problems": [p.as_dict() for p in problems],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _counts(deliveries: Sequence[Delivery]) -> str:
    tally: dict[str, int] = {}
    for d in deliveries:
        tally[d.state] = tally.get(d.state, 0) + 1
    order = (
        *("due", "missed", "upcoming", "queued", "publishing", "error", "published", "draft"),
        "cancelled",
    )
    return ", ".join(f"{tally[s]} {s}" for s in order if s in tally) or "nothing"


def _length(d: Delivery) -> str:
    flag = " TOO LONG" if d.length > d.limit else ""
    return f"{d.length}/{d.limit}{flag}"


def plan_text(at: datetime, tz_name: str, deliveries: Sequence[Delivery], horizon: str) -> str:
    tz = zone(tz_name)
    local_at = at.astimezone(tz)
    lines = [f"Plan at {local_at:%Y-%m-%d %H:%M} {tz_name}: {_counts(deliveries)}"]
    if horizon:
        lines[0] += f" (upcoming within {horizon})"
    day = None
    width = max((len(d.account) for d in deliveries), default=0)
    for d in deliveries:
        local = d.time.astimezone(tz)
        if local.date() != day:
            day = local.date()
            lines.append("")
            lines.append(f"{local:%a %Y-%m-%d}")
        extra = ""
        if d.series:
            extra = f"  {d.series}"
        elif d.result and d.result.get("url"):
            extra = f"  {d.result['url']}"
        elif d.result and d.result.get("error"):
            extra = f"  {d.result['error']}"
        extra += _links(d, "  ")
        lines.append(
            f"  {local:%H:%M}  {MARK[d.state]:<10} {d.account:<{width}}  {d.post}  "
            f"{_length(d)}{extra}"
        )
    return "\n".join(lines) + "\n"


def plan_markdown(
    at: datetime, tz_name: str, deliveries: Sequence[Delivery], previews: str = ""
) -> str:
    tz = zone(tz_name)
    out = [
        f"### socialgit plan at {at.astimezone(tz):%Y-%m-%d %H:%M} {tz_name}",
        "",
        f"{_counts(deliveries)}.",
        "",
    ]
    if deliveries:
        out += ["| when | state | account | post | length |", "|---|---|---|---|---|"]
        for d in deliveries:
            series = f" {d.series}" if d.series else ""
            out.append(
                f"| {d.time.astimezone(tz):%Y-%m-%d %H:%M} | {d.state}{_links(d, ', ')} "
                f"| {d.account} "
                f"({d.provider}) | `{d.post}`{series} | {_length(d)} |"
            )
        out.append("")
    if previews:
        out += [previews, ""]
    return "\n".join(out)


def _links(d: Delivery, lead: str) -> str:
    """What a delivery naming another's link waits for (socialgit.links)."""
    if d.blocked:
        return f"{lead}never sent: {d.blocked}"
    return f"{lead}waits for {', '.join(d.waits)}" if d.waits else ""


def preview_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


OVER = "[>> over {limit} from here]"  # marks where a part's text goes over its limit


def preview_text(document: dict[str, Any]) -> str:
    lines = [f"{document['post']}"]
    for target in document["targets"]:
        lines.append("")
        lines.append(f"== {target['account']} ({target['provider']})")
        for name, value in target.get("keys", {}).items():
            shown = ", ".join(value) if isinstance(value, list) else value
            lines.append(f"   {name}: {shown}")
        for wait in target.get("waits", []):
            lines.append(
                f"   waits for {wait['account']}: {{link:{wait['account']}}} is counted as "
                f"{wait['counted_as']} characters until its link is out"
            )
        if "body" in target:
            lines.extend(_article(target))
            continue
        many = len(target["parts"]) > 1
        for number, part in enumerate(target["parts"], 1):
            over = part["length"] - part["limit"]
            flag = f"  TOO LONG by {over}" if over > 0 else ""
            head = f"-- part {number}/{len(target['parts'])}, " if many else "-- "
            lines.append(f"{head}{part['length']}/{part['limit']}{flag}")
            text, cut = part["text"], part.get("over_at")
            if cut is not None:
                text = f"{text[:cut]}{OVER.format(limit=part['limit'])}{text[cut:]}"
            lines.extend(f"   {line}" for line in text.split("\n"))
            for media in part["media"]:
                alt = media["alt"] or "(no alt text)"
                lines.append(f"   [image {media['path']}: {alt}]")
            found = [_facet_label(part["text"], f) for f in part["facets"]]
            if found:
                lines.append(f"   facets: {', '.join(found)}")
    return "\n".join(lines) + "\n"


def _article(target: dict[str, Any]) -> list[str]:
    """A long-form target: the body as the network receives it (images keep their paths
    until they are uploaded), and the images it will upload."""
    part = target["parts"][0]
    flag = "  TOO LONG" if part["length"] > part["limit"] else ""
    form = "HTML" if target["format"] == "html" else "Markdown"
    lines = [f"-- article as {form}, {part['length']}/{part['limit']}{flag}"]
    lines.extend(f"   {line}" for line in target["body"].rstrip("\n").split("\n"))
    for media in part["media"]:
        alt = media["alt"] or "(no alt text)"
        lines.append(f"   [image {media['path']}, uploaded to {target['account']}: {alt}]")
    return lines


def _facet_label(text: str, facet: dict[str, Any]) -> str:
    raw = text.encode("utf-8")
    span = raw[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode("utf-8", "replace")
    kind = facet["features"][0]["$type"].rsplit("#", 1)[-1] if facet["features"] else "?"
    return f"{kind} {span!r}"


def queue_text(placed: Sequence[Placement], tz_name: str) -> str:
    """One line per post given a slot: when (config time zone), queue, path."""
    if not placed:
        return "nothing to queue: every queued post has its time\n"
    tz = zone(tz_name)
    lines = []
    for p in sorted(placed, key=lambda p: (p.time, p.path)):
        was = f" (moved from {p.was.astimezone(tz):%Y-%m-%d %H:%M}: taken)" if p.was else ""
        lines.append(f"{p.time.astimezone(tz):%Y-%m-%d %H:%M %a}  {p.queue}  {p.path}{was}\n")
    return "".join(lines)
