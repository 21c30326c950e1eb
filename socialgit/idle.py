"""A publish run with nothing to do, told apart before the runner is loaded.

The workflow runs every few minutes and most runs find nothing due. Such a run does what
every run does first (the same checks of the checkout and branch, the fetch, the
fast-forward onto the remote), then asks the plan cache (socialgit.cache) whether any post
has work at ``now``. Only a clear no ends the run here: whenever anything is unusual
(uncommitted changes, a vault to recover, local commits to push, another branch, a config
with errors, alerts to send, a post that cannot be planned), the answer is "not sure" and
the full runner (socialgit.runner) does the run, with its own checks and messages.

Here git is run directly (no GitPython) and nothing of the networks is imported.
"""

from __future__ import annotations

import math
import os
import subprocess
from datetime import datetime
from pathlib import Path


def message(at: datetime) -> str:
    """What a run that found nothing due says (socialgit.runner.report too)."""
    from socialgit.times import iso_utc

    return f"nothing due at {iso_utc(at)}"


class _Unsure(Exception):
    pass


def _git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise _Unsure(args[0])
    return done.stdout.strip()


def nothing_due(
    root: Path, now: datetime, *, push: bool, branch: str | None, any_branch: bool
) -> bool:
    """True when the run can end: the checkout is synced with the remote (with ``push``)
    and no post has work at ``now``. False: let the full runner decide."""
    from socialgit import cache
    from socialgit.content import post_files, read_and_analyze

    loaded = cache.load_config(root)
    if any(p.severity == "error" for p in loaded.problems):
        return False
    if loaded.config.notify:
        return False  # every run may owe an alert (an ending credential): the runner decides
    try:
        if _git(root, "status", "--porcelain", "--untracked-files=no"):
            return False  # the runner recovers a saved vault, or refuses the checkout
        current = _git(root, "symbolic-ref", "--short", "-q", "HEAD")
        remote = _remote(root, current)
        if push and remote is None:
            return False
        wanted = branch or loaded.config.branch
        if wanted is None and push and remote is not None:
            wanted = _git(root, "symbolic-ref", "--short", f"refs/remotes/{remote}/HEAD")
            wanted = wanted.removeprefix(f"{remote}/")
        if wanted and not any_branch and current != wanted:
            return False
        if push and remote is not None:
            _git(root, "fetch", "--quiet", remote, f"refs/heads/{current}")
            tip = _git(root, "rev-parse", "FETCH_HEAD")
            ahead, behind = _git(
                root, "rev-list", "--left-right", "--count", f"HEAD...{tip}"
            ).split()
            if int(ahead):
                return False  # results an earlier run could not push: the runner pushes them
            if int(behind):
                _git(root, "rebase", "--quiet", tip)  # a fast-forward, as the runner's sync
    except _Unsure:
        return False
    # Posts the cache has not seen as they are now are analysed (and cached for next time).
    files = post_files(root, loaded.config.content)
    found = cache.analyze_cached(root, files, loaded, read_and_analyze, until=-math.inf)
    return found.idle(now.timestamp())


def _remote(root: Path, branch: str) -> str | None:
    """The branch's tracking remote, else origin, else the first (as socialgit.runner.git)."""
    try:
        tracking = _git(root, "config", "--get", f"branch.{branch}.remote")
    except _Unsure:
        tracking = ""
    if tracking and tracking != ".":
        return tracking
    names = _git(root, "remote").split()
    if "origin" in names:
        return "origin"
    return names[0] if names else None
