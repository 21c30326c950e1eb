"""What the ``test_*_runner`` tests share: a content repository with a bare remote (so the
claim push is the real lock), and publishing runs through the real runner with its HTTP
client pointed at a network's fake. Nothing else is replaced: claims, look-ups of work in
doubt and the ``results:`` written back are the runner's own."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from providers.base import Credentials
from socialgit.runner import Hooks, Options, RunReport, publish, run
from tests.cli_run import Outcome
from tests.conftest import Repo

DUE = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
POST = "content/hello.md"

Handler = Callable[[httpx.Request], httpx.Response]


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def make_site(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    account: str,
    settings: Mapping[str, str],
    body: str,
    files: Mapping[str, bytes] | None = None,
    front: str = "",
) -> Repo:
    """A site whose one post (``POST``, due at ``DUE``) targets ``account``, committed and
    pushed to a bare remote; ``body`` may hold ``---`` lines (a thread) and images among
    ``files`` (repository path → bytes); ``front`` adds front-matter lines (``title: …``)."""
    for name, value in {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }.items():
        monkeypatch.setenv(name, value)
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    repo = Repo(tmp_path / "site")
    repo.root.mkdir()
    config = {"timezone": "UTC", "accounts": {account: dict(settings)}}
    repo.write("socialgit.yml", yaml.safe_dump(config, sort_keys=False))
    for path, data in (files or {}).items():
        repo.write(path, data)
    head = f"publish_at: {DUE:%Y-%m-%d %H:%M}\ntargets: [{account}]\n{front}"
    repo.write(POST, f"---\n{head.rstrip()}\n---\n{body}\n")
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "init")
    git(repo.root, "remote", "add", "origin", str(bare))
    git(repo.root, "push", "-q", "-u", "origin", "main")
    return repo


def run_at(
    site: Repo,
    at: datetime,
    handler: Handler,
    credentials: Credentials,
    monkeypatch: pytest.MonkeyPatch,
) -> RunReport:
    """One ``socialgit publish --at AT`` whose every request goes to ``handler``."""
    monkeypatch.setattr(
        run, "_client", lambda: httpx.Client(transport=httpx.MockTransport(handler))
    )
    hooks = Hooks(credentials=lambda account: dict(credentials))
    return publish(site.root, Options(at=at), hooks)


def entry(site: Repo, account: str) -> dict[str, Any]:
    """The post's ``results:`` entry for ``account``, as the runner wrote it back."""
    front = (site.root / POST).read_text().split("---")[1]
    results = yaml.safe_load(front)["results"]
    return dict(results[account])


def pushed(site: Repo) -> bool:
    """Whether the remote's main is the checkout's tip (the results written were pushed)."""
    remote = git(site.root, "ls-remote", "origin", "refs/heads/main").split()[0]
    return remote == git(site.root, "rev-parse", "HEAD").strip()


class Killed(BaseException):
    """The runner process dying (SIGKILL) at this point: nothing in the runner catches it,
    so no result is written and the claim pushed before stays in doubt."""


def killed_after(handler: Handler, step: Callable[[httpx.Request], bool]) -> Handler:
    """``handler``, except that the run dies right after the network acted on a request
    matching ``step`` (the answer never reaches the runner)."""
    return _after(handler, step, lambda r: Killed(f"killed after {r.method} {r.url.path}"))


def lost_after(handler: Handler, step: Callable[[httpx.Request], bool]) -> Handler:
    """``handler``, except that the answer to a request matching ``step`` is lost after the
    network acted on it (a timeout the runner sees and survives, unlike ``killed_after``)."""
    return _after(handler, step, lambda r: httpx.ReadTimeout("timed out", request=r))


def _after(
    handler: Handler,
    step: Callable[[httpx.Request], bool],
    failure: Callable[[httpx.Request], BaseException],
) -> Handler:
    def answer(request: httpx.Request) -> httpx.Response:
        response = handler(request)
        if step(request):
            raise failure(request)
        return response

    return answer


def fresh_clone(site: Repo, name: str = "rerun") -> Repo:
    """A new checkout of the site's remote (what a CI runner starts from after a kill)."""
    remote = git(site.root, "remote", "get-url", "origin").strip()
    where = site.root.parent / name
    subprocess.run(["git", "clone", "-q", remote, str(where)], check=True, capture_output=True)
    return Repo(where)


def publish_cli(
    capsys: pytest.CaptureFixture[str],
    repo: Repo,
    monkeypatch: pytest.MonkeyPatch,
    handler: Handler,
    credentials: Mapping[str, Credentials],
    at: str,
) -> Outcome:
    """``socialgit publish --no-push --at AT`` as a person runs it, in ``repo`` made a git
    repository with ``credentials`` (account → entry) in a new vault, every request going
    to ``handler``."""
    from socialgit.credentials.vault import Vault, new_key
    from tests.cli_run import run as cli

    monkeypatch.setenv("SOCIALGIT_KEY", new_key())
    vault = Vault.open(repo.root)
    for name, entry in credentials.items():
        vault.put(name, dict(entry), {})
    vault.save()
    repo.git("init", "-q", "-b", "main")
    repo.git("add", "-A")
    repo.git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "posts")
    monkeypatch.setattr(
        run, "_client", lambda: httpx.Client(transport=httpx.MockTransport(handler))
    )
    return cli(capsys, "-C", str(repo.root), "publish", "--no-push", "--at", at)
