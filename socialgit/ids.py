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

from socialgit.content import Report
from socialgit.model import Problem


def _order(report: Report) -> tuple[bool, str]:
    post = report.post
    return (not (post is not None and post.results), report.path)


def duplicate_ids(every: Iterable[Report]) -> dict[str, Problem]:
    """The problem of each post whose id another post has, by path."""
    keeper: dict[str, str] = {}
    found: dict[str, Problem] = {}
    for report in sorted(every, key=_order):
        post = report.post
        if post is None or post.id is None:
            continue
        first = keeper.setdefault(post.id, report.path)
        if first != report.path:
            found[report.path] = Problem(
                report.path,
                post.id_line,
                1,
                "error",
                f"id {post.id!r} is already the id of {first}: give each post its own id "
                "(this post is not published until it has one)",
            )
    return found


def mark_duplicates(reports: list[Report], every: Iterable[Report]) -> list[Report]:
    """``reports`` with the duplicates among them turned into errors (``every`` is the
    whole content folder, which may be more than ``reports``)."""
    found = duplicate_ids(every)
    if not found:
        return reports
    marked = []
    for report in reports:
        problem = found.get(report.path)
        if problem is not None:
            report = replace(report, post=None, problems=(*report.problems, problem))
        marked.append(report)
    return marked
