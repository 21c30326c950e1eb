"""``socialgit retry``: a person's "send it again", as a commit the next run reads.

A delivery that failed (``status: error``), was missed, or is in doubt (a claim older than
``claim_timeout`` whose run died) gets a new entry (:func:`socialgit.runner.entries.queued`):
a retry due now with no attempt counted, its key and the parts already out kept, so the next
run sends it under the same key and resumes after those parts. With ``late`` it goes out
even when its time is further back than ``missed_after`` (without, such a delivery is
refused: the next run would only mark it missed again). Refused too: a delivery that is
published (sending it again would post it twice), one a live run claimed, one with no
result yet.

The commit is made like the runner's (the same author, socialgit.author), on the branch
socialgit publishes from, and pushed; a rejected push takes the remote and decides again,
since the runner may have moved the entry meanwhile.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from socialgit.config import refuse_errors
from socialgit.content import load_content
from socialgit.errors import RepoError, UsageError
from socialgit.model import Config, Post
from socialgit.runner import entries, files
from socialgit.runner.git import Repo
from socialgit.runner.run import Options, check_branch, sync
from socialgit.times import parse_iso, zone


@dataclass
class Requeued:
    path: str
    queued: list[str] = field(default_factory=list)  # accounts queued again
    skipped: dict[str, str] = field(default_factory=dict)  # account → why it was not
    commit: str | None = None


def retry(
    root: Path, path: str, account: str | None, *, late: bool, now: datetime, push: bool
) -> Requeued:
    repo = Repo(root, run_id=secrets.token_hex(6))
    content = load_content(root, only=[path])
    refuse_errors(content.config_problems, "nothing was queued")
    check_branch(repo, content, Options(push=push))
    if repo.dirty(root / path):
        raise RepoError(f"{path} has uncommitted changes: commit or discard them first")
    if push:
        sync(repo)
    done = Requeued(path)

    def build() -> tuple[list[str], str, bool]:
        chosen, done.skipped = _decide(root, path, account, late, now)
        changed, failures = files.apply(root, {path: chosen})
        if failures:
            raise RepoError("; ".join(failures))
        done.queued = sorted(chosen)
        head = f"socialgit: retry {', '.join(done.queued)} {path}" + (" late" if late else "")
        lines = [f"- {name}: {chosen[name]['error']}" for name in done.queued]
        return changed, head + "\n\n" + "\n".join(lines) + "\n", False

    done.commit, pushed = repo.land(build, push)
    if not pushed:
        raise RepoError(
            f"the retry is committed ({(done.commit or '')[:12]}) but the remote kept moving: "
            "push it (git push)"
        )
    return done


def _decide(
    root: Path, path: str, account: str | None, late: bool, now: datetime
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The new entries of the deliveries to queue, and why the others are not."""
    content = load_content(root, only=[path])
    report = next((r for r in content.reports if r.path == path), None)
    if report is None:
        raise UsageError(f"{path} is not a post under {content.config.content}/")
    post = report.post
    if post is None:
        raise UsageError(f"{path} has errors: fix them first (socialgit validate {path})")
    if account is not None and account not in post.targets:
        raise UsageError(f"{path} does not go to {account} (targets: {', '.join(post.targets)})")
    chosen, skipped = {}, {}
    for name in [account] if account else list(post.targets):
        entry = post.results.get(name)
        why = _refused(entry, post, content.config, now, late)
        if why is None and entry is not None:
            chosen[name] = entries.queued(entry, now, late)
        else:
            skipped[name] = why or ""
    if not chosen:
        raise UsageError("; ".join(f"{name}: {why}" for name, why in skipped.items()))
    return chosen, skipped


def _refused(
    entry: dict[str, Any] | None, post: Post, config: Config, now: datetime, late: bool
) -> str | None:
    """Why this delivery cannot be queued again (None: it can)."""
    if entry is None:
        return "nothing to retry: it has no result yet (the runner sends it when it is due)"
    state = entry.get("status")
    when = parse_iso(str(entry.get("occurrence") or "")) or post.publish_at
    if state == "published":
        where = entry.get("url") or entry.get("id") or "see its entry"
        return f"it is published ({where}); sending it again would post it twice"
    if state == "publishing":
        claimed = parse_iso(str(entry.get("at") or ""))
        if claimed is not None and now - claimed < config.claim_timeout:
            return (
                f"a run claimed it at {_local(claimed, config)} and may be sending it now; "
                f"after claim_timeout ({_span(config.claim_timeout)}) the next run looks it up"
            )
    elif state not in ("error", "missed"):
        return f"its status is {state!r}, which socialgit retry does not take"
    if not late and now - when > config.missed_after:
        return (
            f"its time ({_local(when, config)}) is more than missed_after "
            f"({_span(config.missed_after)}) ago, so the next run would mark it missed again: "
            "add --late to send it anyway"
        )
    return None


def _local(when: datetime, config: Config) -> str:
    return f"{when.astimezone(zone(config.timezone)):%Y-%m-%d %H:%M} {config.timezone}"


def _span(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    if minutes % 60:
        return f"{minutes}m"
    return f"{minutes // 60}h"
