"""A post as each of its targets will receive it (``socialgit preview``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from providers import PROVIDERS
from socialgit import postkeys
from socialgit.compose import facets
from socialgit.content import Content, load_content
from socialgit.errors import ProblemsFound, UsageError
from socialgit.render import problems_text


def relative(root: Path, given: str, cwd: Path) -> str:
    """A path as typed (relative to where the user stands) as a repository path."""
    full = (cwd / given).resolve()
    try:
        return full.relative_to(root.resolve()).as_posix()
    except ValueError:
        raise UsageError(f"{given} is not inside the repository {root}") from None


def preview_document(content: Content, rel: str) -> dict[str, Any]:
    report = next((r for r in content.reports if r.path == rel), None)
    if report is None:
        raise UsageError(f"{rel} is not a post under {content.config.content}/")
    if report.post is None:
        raise ProblemsFound(
            f"{rel} cannot be previewed:\n" + problems_text(report.problems).rstrip()
        )
    targets = []
    for name, prepared in report.prepared.items():
        account = content.config.accounts[name]
        parts = [
            {
                "text": part.text,
                "length": part.length,
                "limit": part.limit,
                "media": [{"path": m.path, "alt": m.alt} for m in part.media],
                "facets": facets(account, part.text),
            }
            for part in prepared.parts
        ]
        uses = PROVIDERS[account.provider].KEYS
        keys = postkeys.values(postkeys.resolve(report.post, account))
        target: dict[str, Any] = {"account": name, "provider": prepared.provider}
        target["keys"] = {
            k: list(v) if isinstance(v, tuple) else v for k, v in keys.items() if k in uses
        }
        target["parts"] = parts
        targets.append(target)
    return {"post": rel, "targets": targets}


def preview(root: Path, given: str, cwd: Path) -> dict[str, Any]:
    rel = relative(root, given, cwd)
    return preview_document(load_content(root, only=[rel]), rel)
