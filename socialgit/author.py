"""Who the commits socialgit makes are by: one rule for ``publish``, ``refresh`` and ``retry``.

Each of name and email: ``SOCIALGIT_GIT_NAME`` / ``SOCIALGIT_GIT_EMAIL``, else the
repository's ``git config user.name`` / ``user.email``, else the socialgit default. The
result is set as both author and committer, so a run's commits read the same whichever
command made them.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

DEFAULT_NAME = "socialgit"
DEFAULT_EMAIL = "socialgit@users.noreply.github.com"
NAME_ENV = "SOCIALGIT_GIT_NAME"
EMAIL_ENV = "SOCIALGIT_GIT_EMAIL"


def identity(root: Path) -> tuple[str, str]:
    name = os.environ.get(NAME_ENV) or _config(root, "user.name") or DEFAULT_NAME
    email = os.environ.get(EMAIL_ENV) or _config(root, "user.email") or DEFAULT_EMAIL
    return name, email


def environment(root: Path) -> dict[str, str]:
    """The git environment variables that make ``identity(root)`` author and committer."""
    name, email = identity(root)
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


def _config(root: Path, key: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "config", "--get", key],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else ""
