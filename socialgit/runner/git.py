"""The repository as the run's database and lock: commit, push, and what to do when rejected.

Every git failure becomes a ``RepoError`` here; a rejected push is not a failure but an
answer ("another runner moved first"), returned as False.

Besides commits of this checkout, one file can be committed straight on top of the remote's
tip (:meth:`Repo.commit_file`, built in a private index): the vault is pushed that way while
deliveries are writing into this checkout, which is then not the runner's to reset.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import git

from socialgit import author
from socialgit.errors import RepoError
from socialgit.redact import scrub
from socialgit.runner.pause import pause


class Repo:
    def __init__(self, root: Path, *, run_id: str = "") -> None:
        self.run_id = run_id
        try:
            self.repo = git.Repo(root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise RepoError(f"{root} is not inside a git repository") from None
        self.top = Path(self.repo.working_tree_dir or root)
        self.root = root
        self.repo.git.update_environment(
            **author.environment(self.top),
            GIT_TERMINAL_PROMPT="0",  # never wait for a password nobody will type
        )
        self.remote: str | None = None
        self.branch: str | None = None

    def run(self, *args: str) -> str:
        try:
            out: str = self.repo.git.execute(["git", *args])
        except git.GitCommandError as exc:
            detail = (exc.stderr or exc.stdout or "").strip().splitlines()
            last = detail[-1].strip() if detail else f"exit {exc.status}"
            raise RepoError(f"git {args[0]} failed: {last.removeprefix('stderr: ')}") from None
        return out

    # -- where we are ---------------------------------------------------------------------
    def current_branch(self) -> str | None:
        try:
            return str(self.repo.active_branch.name)
        except TypeError:
            return None  # detached HEAD

    def default_remote(self) -> str | None:
        branch = self.current_branch()
        if branch:
            tracking = self.repo.git.config(
                "--get", f"branch.{branch}.remote", with_exceptions=False
            )
            if tracking and tracking != ".":
                return str(tracking)
        names = [str(r.name) for r in self.repo.remotes]
        if "origin" in names:
            return "origin"
        return names[0] if names else None

    def remote_default_branch(self, remote: str) -> str | None:
        prefix = f"refs/remotes/{remote}/"
        head = str(self.repo.git.symbolic_ref(f"{prefix}HEAD", with_exceptions=False)).strip()
        if head.startswith(prefix):
            return head[len(prefix) :]
        listing = self.repo.git.ls_remote("--symref", remote, "HEAD", with_exceptions=False)
        for line in str(listing).splitlines():
            if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
                return line[len("ref: refs/heads/") : -len("\tHEAD")]
        return None

    def dirty(self, under: Path) -> list[str]:
        """Tracked files changed but not committed, below ``under``."""
        out = self.run("status", "--porcelain", "--untracked-files=no", "--", str(under))
        return [line[3:] for line in out.splitlines() if line.strip()]

    def changed(self) -> list[tuple[str, str]]:
        """Tracked files changed but not committed, as (status, path relative to the
        repository's top): ``M`` modified (in the index or the working tree), anything else
        (``D`` deleted, ``R`` renamed, ``A`` added, …) as git's first letter for it."""
        out = self.run("status", "--porcelain", "-z", "--untracked-files=no")
        fields = iter(out.split("\0"))
        found = []
        for field in fields:
            if len(field) < 4:
                continue
            code, path = field[:2], field[3:]
            if "R" in code or "C" in code:
                next(fields, None)  # the path it was renamed or copied from
            letter = "M" if set(code) <= {"M", " "} else code.strip()[:1]
            found.append((letter, path))
        return found

    def head(self) -> str:
        return self.run("rev-parse", "HEAD").strip()

    # -- syncing with the remote ----------------------------------------------------------
    def fetch(self) -> str:
        assert self.remote and self.branch
        self.run("fetch", "--quiet", self.remote, f"refs/heads/{self.branch}")
        return self.run("rev-parse", "FETCH_HEAD").strip()

    def ahead_behind(self, other: str) -> tuple[int, int]:
        out = self.run("rev-list", "--left-right", "--count", f"HEAD...{other}").split()
        return int(out[0]), int(out[1])

    def rebase_onto(self, other: str) -> None:
        """Replay local commits (results a failed push left behind) on top of the remote."""
        try:
            self.run("rebase", "--quiet", other)
        except RepoError:
            self.repo.git.rebase("--abort", with_exceptions=False)
            raise RepoError(
                "local commits conflict with the remote: resolve by hand (git pull --rebase), "
                "then run again"
            ) from None

    def reset_hard(self, commit: str) -> None:
        self.run("reset", "--quiet", "--hard", commit)

    def push(self, commit: str = "HEAD") -> bool:
        """True when pushed; False when the remote moved first (the lock is taken)."""
        assert self.remote and self.branch
        try:
            self.repo.git.push("--porcelain", self.remote, f"{commit}:refs/heads/{self.branch}")
        except git.GitCommandError as exc:
            said = f"{exc.stdout or ''}\n{exc.stderr or ''}"
            if "[rejected]" in said or "fetch first" in said or "non-fast-forward" in said:
                return False
            if "[remote rejected]" in said and "cannot lock ref" in said:
                return False  # another push to the same ref at the same instant
            lines = [x for x in said.strip().splitlines() if x.strip()]
            reason = lines[-1].strip().removeprefix("stderr: ") if lines else f"exit {exc.status}"
            raise RepoError(f"git push failed: {reason}") from None
        return True

    # -- committing -----------------------------------------------------------------------
    def commit(self, paths: Iterable[str], message: str, *, anyway: bool = False) -> str | None:
        """Commit exactly these paths (repository-root relative); None when nothing changed,
        unless ``anyway``: then the message alone is committed (a record with no file)."""
        full = [str(self.root / p) for p in sorted(set(paths))]
        if full:
            self.run("add", "--", *full)
        staged = self.run("diff", "--cached", "--name-only", "--", *full) if full else ""
        if not staged.strip():
            if not anyway:
                return None
            full = []  # with --allow-empty, --only needs no path: nothing else staged goes in
        message = self._message(message)
        empty = [] if full else ["--allow-empty"]
        self.run("commit", "--quiet", "--no-verify", *empty, "-m", message, "--only", "--", *full)
        return self.head()

    def land(
        self,
        build: Callable[[], tuple[list[str], str, bool]],
        push: bool,
        rounds: int = 5,
        step: str = "",
    ) -> tuple[str | None, bool]:
        """Commit what ``build()`` writes (paths, message, commit even with no change?) and
        push it. A rejected push means the remote moved: take it as it is (reset) and build
        again on top, up to ``rounds`` times. Returns the commit (None: nothing to commit)
        and whether it is pushed (always True without ``push``). ``step``: the test pause
        (socialgit.runner.pause) between the first commit and its push."""
        paths, message, anyway = build()
        commit = self.commit(paths, message, anyway=anyway)
        if step:
            pause(step)
        if commit is None or not push:
            return commit, True
        for _ in range(rounds):
            if self.push():
                return commit, True
            self.reset_hard(self.fetch())
            paths, message, anyway = build()
            commit = self.commit(paths, message, anyway=anyway)
            if commit is None:
                return None, True
        return commit, False

    # -- one file on top of another commit, this checkout untouched -------------------------
    def tree_path(self, path: str) -> str:
        """``path`` (relative to the content root) as it is spelled in the repository's tree."""
        return (self.root / path).resolve().relative_to(self.top.resolve()).as_posix()

    def show(self, commit: str, path: str) -> bytes | None:
        """The bytes of ``path`` (content-root relative) at ``commit``; None when absent."""
        done = self._plumb("cat-file", "blob", f"{commit}:{self.tree_path(path)}", check=False)
        return done.stdout if done.returncode == 0 else None

    def commit_file(self, parent: str, path: str, data: bytes, message: str) -> str:
        """A commit on ``parent`` that sets ``path`` to ``data`` and changes nothing else.

        Built in a private index, so this checkout's files, index and HEAD stay as they are.
        """
        blob = self._plumb("hash-object", "-w", "--stdin", data=data).stdout.decode().strip()
        with tempfile.TemporaryDirectory(prefix="socialgit-index-") as folder:
            index = {"GIT_INDEX_FILE": str(Path(folder) / "index")}
            self._plumb("read-tree", parent, env=index)
            entry = f"100644,{blob},{self.tree_path(path)}"
            self._plumb("update-index", "--add", "--cacheinfo", entry, env=index)
            tree = self._plumb("write-tree", env=index).stdout.decode().strip()
        message = self._message(message)
        made = self._plumb("commit-tree", tree, "-p", parent, "-m", message)
        return made.stdout.decode().strip()

    def _message(self, message: str) -> str:
        """Every commit message: scrubbed of loaded secrets (a network's error text may
        carry one), with the run's id as a trailer."""
        message = scrub(message)
        if self.run_id:
            message = f"{message.rstrip()}\n\nSocialgit-Run: {self.run_id}\n"
        return message

    def fast_forward(self, commit: str) -> bool:
        """Move this checkout to ``commit`` when that is a fast-forward and no file it changes
        is edited here; otherwise change nothing and return False."""
        try:
            self.run("merge", "--ff-only", "--quiet", commit)
        except RepoError:
            return False
        return True

    def _plumb(
        self,
        *args: str,
        data: bytes | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[bytes]:
        full = {**os.environ, **self.repo.git.environment(), **(env or {})}
        done = subprocess.run(
            ["git", *args], cwd=self.top, input=data, capture_output=True, env=full, check=False
        )
        if check and done.returncode != 0:
            said = done.stderr.decode(errors="replace").strip().splitlines()
            raise RepoError(f"git {args[0]} failed: {said[-1] if said else done.returncode}")
        return done

    def ignored(self, path: str) -> bool:
        try:
            self.repo.git.check_ignore("-q", str(self.root / path))
        except git.GitCommandError:
            return False  # check-ignore exits 1 for a path that is not ignored
        return True
