"""A content repository whose one post is a video (YouTube, TikTok), for runs through the real
runner (``tests/providers/runner_site.py``, which has ``fresh_clone`` and ``Killed``) or the
CLI."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from socialgit.credentials.vault import Vault, new_key
from tests.conftest import Repo
from tests.providers._support import mp4
from tests.providers.runner_site import POST, git, make_site


def video_site(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    account: str,
    settings: Mapping[str, str],
    text: str,
    *,
    title: str | None = None,
    clip: bytes | None = None,
) -> Repo:
    """The post ``POST`` (due at ``runner_site.DUE``) with ``text``, a ``title:`` when given,
    and ``media/clip.mp4``, committed and pushed."""
    site = make_site(
        tmp_path, monkeypatch, account, settings, f"{text}\n\n![A clip](../media/clip.mp4)"
    )
    site.write("media/clip.mp4", clip if clip is not None else mp4())
    if title is not None:
        path = site.root / POST
        path.write_text(path.read_text().replace("\ntargets:", f"\ntitle: {title}\ntargets:", 1))
    git(site.root, "add", "-A")
    git(site.root, "commit", "-q", "-m", "a video")
    git(site.root, "push", "-q")
    return site


def remote_post(site: Repo) -> str:
    """The post file as the remote's main holds it."""
    return git(site.root.parent / "remote.git", "show", f"main:{POST}")


def cli_repo(
    repo: Repo,
    monkeypatch: pytest.MonkeyPatch,
    config: str,
    post: str,
    vault: Mapping[str, Mapping[str, str]],
) -> None:
    """``repo`` as a person sets it up for the CLI: socialgit.yml, one post with
    ``media/clip.mp4``, the vault (its key in ``SOCIALGIT_KEY``), committed."""
    monkeypatch.setenv("SOCIALGIT_KEY", new_key())
    repo.write("socialgit.yml", config)
    repo.write("media/clip.mp4", mp4())
    repo.write("content/launch.md", post)
    opened = Vault.open(repo.root)
    for account, fields in vault.items():
        opened.put(account, dict(fields))
    opened.save()
    repo.git("init", "-q", "-b", "main")
    repo.git("add", "-A")
    repo.git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "posts")
