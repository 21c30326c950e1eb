"""HTML for the dashboard: escaping, and the frame every page shares."""

from __future__ import annotations

import json
from html import escape
from typing import Any

# Every state says what it is in words and a mark, not only in colour.
STATES = {
    "published": ("✓", "published"),
    "error": ("✗", "error"),
    "missed": ("!", "missed"),
    "due": ("→", "due"),
    "publishing": ("…", "publishing"),
    "upcoming": ("○", "upcoming"),
    "draft": ("✎", "draft"),
    "cancelled": ("–", "cancelled"),
}


def e(value: object) -> str:
    return escape(str(value), quote=True)


def state(name: str) -> str:
    mark, words = STATES.get(name, ("?", name))
    return (
        f'<span class="state state-{e(name)}"><span aria-hidden="true">{mark}</span> '
        f"{e(words)}</span>"
    )


def link(href: str, text: str, external: bool = False) -> str:
    extra = ' rel="noopener noreferrer"' if external else ""
    return f'<a href="{e(href)}"{extra}>{e(text)}</a>'


def data_script(element_id: str, data: Any) -> str:
    """Data for the page's script, as JSON that cannot end the script element early."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/json" id="{e(element_id)}">{text}</script>'


def page(title: str, body: str, up: str = "", scripts: tuple[str, ...] = ()) -> str:
    """A whole page; ``up`` is the path back to the site's root ("" or "../")."""
    nav = " ".join(
        f'<a href="{up}{href}">{name}</a>'
        for href, name in (
            ("index.html#calendar", "Calendar"),
            ("index.html#plan", "Plan"),
            ("index.html#charts", "Charts"),
            ("posts.html", "Posts"),
        )
    )
    tags = "".join(f'<script src="{up}assets/{name}"></script>' for name in scripts)
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{e(title)} · socialgit</title>\n"
        f'<link rel="stylesheet" href="{up}assets/site.css">\n</head>\n<body>\n'
        f'<header><p class="brand">socialgit</p><nav aria-label="Sections">{nav}</nav></header>\n'
        f"<main>\n{body}\n</main>\n{tags}\n</body>\n</html>\n"
    )
