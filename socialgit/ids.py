"""A post's ``id:`` names one post: a second post with the same id is an error.

Two posts with one id looked like one post to people and tools alike (and, while delivery
keys were derived from the id, shared their keys: the second was recorded as published
without being sent). Which one keeps the id: a post that already has results (something was
claimed or sent under it), then the first by path. Every other one is an error at its
``id:`` line naming the keeper, and is not planned or published until it is renamed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from socialgit.model import Problem

if TYPE_CHECKING:
    from socialgit.cache import Claim
    from socialgit.content import Report


def claims_of(reports: Iterable[Report]) -> list[Claim]:
    """(path, id, id line, has results) of every post with an id."""
    return [
        (r.path, r.post.id, r.post.id_line, bool(r.post.results))
        for r in reports
        if r.post is not None and r.post.id is not None
    ]


def duplicate_ids(claims: Iterable[Claim]) -> dict[str, Problem]:
    """The problem of each post whose id another post has, by path."""
    keeper: dict[str, str] = {}
    found: dict[str, Problem] = {}
    # The keeper: a post with results (something was claimed or sent under it), then by path.
    for path, post_id, line, _ in sorted(claims, key=lambda c: (not c[3], c[0])):
        first = keeper.setdefault(post_id, path)
        if first != path:
            found[path] = Problem(
                path,
                line,
                1,
                "error",
                f"id {post_id!r} is already the id of {first}: give each post its own id "
                "(this post is not published until it has one)",
            )
    return found


def mark_duplicates(reports: list[Report], found: dict[str, Problem]) -> list[Report]:
    """``reports`` with the duplicates among them (``found``: :func:`duplicate_ids` of the
    whole content folder, which may be more than ``reports``) turned into errors."""
    if not found:
        return reports
    marked = []
    for report in reports:
        problem = found.get(report.path)
        if problem is not None:
            report = replace(report, post=None, problems=(*report.problems, problem))
        marked.append(report)
    return marked
