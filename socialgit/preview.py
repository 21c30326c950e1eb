"""A post as each of its targets will receive it (``socialgit preview``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from providers import PROVIDERS
from socialgit import links, longform, postkeys
from socialgit.compose import facets, over_at
from socialgit.content import Content, load_content
from socialgit.errors import ProblemsFound, UsageError
from socialgit.model import Account, Post
from socialgit.render import problems_text


def relative(root: Path, given: str, cwd: Path) -> str:
    """A path as typed (relative to where the user stands) as a repository path."""
    full = (cwd / given).resolve()
    try:
        return full.relative_to(root.resolve()).as_posix()
    except ValueError:
        raise UsageError(f"{given} is not inside the repository {root}") from None


def preview_document(content: Content, rel: str) -> dict[str, Any]:
    """The post as each target receives it, with its problems. A post over a limit is shown
    all the same (the author needs it most then), each part with ``over_at``: where its text
    goes over. Only a post that cannot be read at all is refused."""
    report = next((r for r in content.reports if r.path == rel), None)
    if report is None:
        raise UsageError(f"{rel} is not a post under {content.config.content}/")
    post = report.parsed
    if post is None:
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
                "over_at": over_at(account.provider, part.text, part.limit),
                "media": [{"path": m.path, "alt": m.alt} for m in part.media],
                "facets": facets(account, part.text),
            }
            for part in prepared.parts
        ]
        uses = PROVIDERS[account.provider].KEYS
        keys = postkeys.values(postkeys.resolve(post, account))
        target: dict[str, Any] = {"account": name, "provider": prepared.provider}
        target["keys"] = {
            k: list(v) if isinstance(v, tuple) else v for k, v in keys.items() if k in uses
        }
        target["parts"] = parts
        if prepared.waits:
            target["waits"] = _waits(report.parsed or report.post, account, prepared.waits, content)
        form = PROVIDERS[account.provider].long_form(account)
        if form is not None:
            # What the network receives, but for the images' URLs, which come on upload.
            target["format"] = form
            target["body"] = longform.render(prepared.parts[0].text, rel, form, lambda path: None)
        targets.append(target)
    problems = [p.as_dict() for p in report.problems]
    return {"post": rel, "targets": targets, "problems": problems}


def _waits(
    post: Post | None, account: Account, waits: dict[str, int], content: Content
) -> list[dict[str, Any]]:
    """The links a target waits for, each with the length its network counts for it until
    the real one is known (socialgit.links.assumed: X and Mastodon count 23)."""
    found = []
    for name in waits:
        other = content.config.accounts.get(name)
        stand_in = links.assumed(post, other) if post is not None else ""
        counted = PROVIDERS[account.provider].length(stand_in)
        found.append({"account": name, "counted_as": counted})
    return found


def preview(root: Path, given: str, cwd: Path) -> dict[str, Any]:
    rel = relative(root, given, cwd)
    return preview_document(load_content(root, only=[rel]), rel)
