"""Real git repositories (a bare remote and clones), a real receiver, the real CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runner.receiver import Server

CONFIG = """\
timezone: UTC
missed_after: 6h
max_attempts: 3
claim_timeout: 30m
accounts:
  box:
    provider: outbox
    path: outbox
  hook:
    provider: webhook
    url: {url}
"""

# Times the tests run at: posts are due at 09:00; the first run is at 09:01, a run past the
# claim timeout at 09:40.
T0 = "2026-01-01 09:01"
LATER = "2026-01-01 09:40"


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=_git_env()
    )
    return done.stdout


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.com",
    )
    return env


class World:
    """A bare remote with a content repository on ``main``, and clones of it."""

    def __init__(self, base: Path, url: str) -> None:
        self.base = base
        self.url = url
        self.remote = base / "remote.git"
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(self.remote)], check=True)
        self.seed = self.clone("seed")
        self.write("socialgit.yml", CONFIG.format(url=url))
        self._clones = 0

    def clone(self, name: str | None = None) -> Path:
        if name is None:
            self._clones += 1
            name = f"clone{self._clones}"
        where = self.base / name
        subprocess.run(
            ["git", "clone", "-q", str(self.remote), str(where)],
            check=True,
            capture_output=True,
        )
        return where

    def write(self, rel: str, text: str, repo: Path | None = None) -> Path:
        path = (repo or self.seed) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def post(self, name: str, targets: str = "[box]", extra: str = "", body: str = "Hello") -> str:
        rel = f"content/{name}.md"
        front = f"publish_at: 2026-01-01 09:00\ntargets: {targets}\n{textwrap.dedent(extra)}"
        self.write(rel, f"---\n{front.strip()}\n---\n{body}\n")
        return rel

    def push(self, message: str = "content") -> None:
        git(self.seed, "add", "-A")
        git(self.seed, "commit", "-q", "-m", message)
        git(self.seed, "push", "-q", "origin", "HEAD:main")

    def remote_log(self) -> list[str]:
        return git(self.remote, "log", "--format=%s", "main").splitlines()

    def remote_file(self, rel: str) -> str:
        return git(self.remote, "show", f"main:{rel}")


@pytest.fixture
def server() -> Iterator[Server]:
    found = Server()
    yield found
    found.close()


@pytest.fixture
def world(tmp_path: Path, server: Server) -> World:
    return World(tmp_path, server.receiver.url)


def env(**extra: str) -> dict[str, str]:
    found = dict(os.environ)
    found.pop("GITHUB_ACTIONS", None)
    found.pop("GITHUB_STEP_SUMMARY", None)
    found["SOCIALGIT_HTTP_TIMEOUT"] = "2"
    found["SOCIALGIT_NO_CACHE"] = "1"
    found.update(extra)
    return found


def publish(repo: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess, as cron would run it."""
    return subprocess.run(
        [sys.executable, "-m", "socialgit", "-C", str(repo), "publish", *args],
        capture_output=True,
        text=True,
        env=env(**extra),
        timeout=120,
    )


def start(repo: Path, *args: str, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "socialgit", "-C", str(repo), "publish", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(**extra),
        start_new_session=True,  # its own process group: the kill takes git children too
    )


def wait_for(check: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting")


def kill(process: subprocess.Popen[str]) -> None:
    """SIGKILL the run and everything it started (git push, receive-pack)."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
