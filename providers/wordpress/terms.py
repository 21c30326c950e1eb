"""Tags and categories by id, as a post refers to them.

A tag is looked up by name and made when the site lacks it: creating one that exists answers
400 ``term_exists`` with its id, so asking again after a lost answer is harmless. A category
is never made: a typo must not become a new section of the site; one the site lacks is refused
before anything is published, naming the ones it has.
"""

from __future__ import annotations

from typing import Any

from providers.wordpress.api import Session, error
from socialgit.errors import Rejected


def tag_ids(session: Session, names: tuple[str, ...]) -> list[int]:
    found = []
    for name in names:
        # Looked up first: an author may use tags but not make them (manage_categories).
        known: list[dict[str, Any]] = session.read("tags", "tags", search=name, per_page=100)
        same = [t["id"] for t in known if _fold(str(t.get("name"))) == _fold(name)]
        if same and isinstance(same[0], int):
            found.append(same[0])
            continue
        response = session.call("POST", "tags", "create tag", idempotent=True, json={"name": name})
        body = _json(response)
        if response.status_code == 201 and isinstance(body.get("id"), int):
            found.append(body["id"])
            continue
        data = body.get("data")
        term = data.get("term_id") if isinstance(data, dict) else None
        if body.get("code") == "term_exists" and isinstance(term, int):
            found.append(term)
            continue
        raise error(response, f"WordPress tag {name!r} ({session.account.name})", sent=False)
    return found


def category_ids(session: Session, names: tuple[str, ...]) -> list[int]:
    if not names:
        return []
    known: list[dict[str, Any]] = session.read("categories", "categories", per_page=100)
    by_name = {}
    for item in known:
        for label in (item.get("name"), item.get("slug")):
            if isinstance(label, str) and isinstance(item.get("id"), int):
                by_name[_fold(label)] = item["id"]
    missing = [name for name in names if _fold(name) not in by_name]
    if missing:
        have = ", ".join(sorted(str(i.get("name")) for i in known)[:20]) or "none"
        raise Rejected(
            f"WordPress ({session.account.name}) has no category {', '.join(map(repr, missing))}"
            f" (it has: {have}); make it on the site first, or fix `categories:`"
        )
    return [by_name[_fold(name)] for name in names]


def _fold(label: str) -> str:
    # WordPress answers names with HTML entities ("News &amp; Notes").
    from html import unescape

    return unescape(label).strip().casefold()


def _json(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
