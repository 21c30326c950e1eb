"""Fixtures that build real content repositories in temporary folders."""

from __future__ import annotations

import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

CONFIG = """\
timezone: Europe/Berlin
accounts:
  demo:
    provider: outbox
    path: outbox
  short:
    provider: outbox
    path: outbox-short
    limit: 280
  sky:
    provider: bluesky
    handle: news.example.com
  masto:
    provider: mastodon
    instance: https://mastodon.example
"""


class Repo:
    """A content repository on disk; ``post`` writes a file, ``git`` runs real git."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def post(self, name: str, front: str, body: str = "Hello world") -> str:
        rel = f"content/{name}.md"
        self.write(rel, f"---\n{textwrap.dedent(front).strip()}\n---\n{body}\n")
        return rel

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(self.root), *args], capture_output=True, text=True, check=True
        )
        return done.stdout

    def commit(self, message: str = "posts") -> None:
        """Everything as a commit on ``main`` (a repository without a remote, for
        ``publish --no-push``)."""
        if not (self.root / ".git").exists():
            self.git("init", "-q", "-b", "main")
        who = ("-c", "user.name=Test", "-c", "user.email=test@example.com")
        self.git(*who, "add", "-A")
        self.git(*who, "commit", "-qm", message)


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The plan cache lives in the user's cache folder; tests must not share or pollute it.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repo]:
    root = tmp_path / "repo"
    root.mkdir()
    made = Repo(root)
    made.write("socialgit.yml", CONFIG)
    yield made


def png(width: int = 4, height: int = 4) -> bytes:
    import struct
    import zlib

    raw = b"".join(b"\x00" + b"\x10\x20\x30" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
