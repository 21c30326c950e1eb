"""What a killed run left in this checkout: its own writes to post files, taken up again.

Between its commits a run writes ``results:`` into post files: each part of a thread as it
goes out (so that a rerun resumes after it), and every result just before the results
commit. Killed in between (SIGKILL, a self-hosted runner that reboots), it leaves those
files changed and uncommitted, and they are the only record of what went out.

A changed file is the runner's own when it is exactly what the write-back
(socialgit.writeback) makes of the committed file given this file's ``status:`` and
``results:``: every other byte as committed, no entry removed. Anything else (a changed
body or key, a deleted or added file, any other tracked file) is a person's, and the run
refuses to touch the checkout, as before.

The runner's own entries are taken up (:func:`take`: noted, the files reset to HEAD so the
sync can move the checkout), then written again on top of the remote's version
(:func:`updates`) where the remote still holds the entry this checkout had when the run
died; where it moved on (another runner resolved the claim), the remote's stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialgit.errors import RepoError
from socialgit.runner import files
from socialgit.runner.git import Repo
from socialgit.writeback import write_back

MESSAGE = "socialgit: keep results saved by an interrupted run"


@dataclass(frozen=True)
class Left:
    """One entry a killed run wrote: what was committed before it, and what it wrote."""

    before: dict[str, Any] | None
    entry: dict[str, Any]


Leftovers = dict[str, dict[str, Left]]  # post path (content root relative) → account → entry


def take(repo: Repo, root: Path) -> Leftovers:
    """The runner's own uncommitted entries, with their files reset to HEAD; a person's
    uncommitted change anywhere is a ``RepoError`` that touches nothing."""
    own: Leftovers = {}
    theirs: list[str] = []
    for letter, path in repo.changed():
        found = _own(repo, root, path) if letter == "M" else None
        if found is None:
            theirs.append(path)
        else:
            own[found[0]] = found[1]
    if theirs:
        raise RepoError(
            f"uncommitted changes to tracked files ({', '.join(theirs[:5])}): the runner commits "
            "and may reset this checkout; commit or discard them first"
        )
    if own:
        repo.run("checkout", "HEAD", "--", *(str(root / path) for path in sorted(own)))
    return own


def updates(root: Path, leftovers: Leftovers) -> tuple[files.Updates, list[str]]:
    """The entries to write again on the files as they are now, and the ones dropped
    because the file's entry is no longer the one the killed run started from."""
    out: files.Updates = {}
    dropped = []
    for path, accounts in sorted(leftovers.items()):
        try:
            now = files.results(root, path)
        except RepoError:
            now = {}  # a person broke the file meanwhile: writing reports it
        for name, left in sorted(accounts.items()):
            if now is None or now.get(name) == left.before:  # gone: recorded in the message
                out.setdefault(path, {})[name] = left.entry
            else:
                dropped.append(f"{name} {path}")
    return out, dropped


def message(leftovers: files.Updates, dropped: list[str], unrecorded: list[str]) -> str:
    lines = []
    for path, accounts in sorted(leftovers.items()):
        for name, entry in sorted(accounts.items()):
            status = entry.get("status", "?")
            where = entry.get("url") or ", ".join(str(p) for p in entry.get("parts") or [])
            lines.append(f"- {status} {name} {path} {where}".rstrip())
    lines += [f"- superseded on the remote: {item}" for item in dropped]
    lines += [f"- not recorded: {why}" for why in unrecorded]
    return MESSAGE + "\n\n" + "\n".join(lines) + "\n"


def _own(repo: Repo, root: Path, path: str) -> tuple[str, dict[str, Left]] | None:
    """The post path and the entries the runner changed, when ``path`` (relative to the
    repository's top) holds a runner's write and nothing else; None otherwise."""
    full = repo.top / path
    try:
        rel = full.resolve().relative_to(root.resolve()).as_posix()
        committed = repo.show("HEAD", rel)
        text = full.read_bytes().decode("utf-8")
        base = committed.decode("utf-8") if committed is not None else None
    except (ValueError, OSError, UnicodeDecodeError):
        return None
    if base is None:
        return None
    changed = _runner_write(base, text, rel)
    return None if changed is None else (rel, changed)


def _runner_write(before: str, after: str, path: str) -> dict[str, Left] | None:
    try:
        old, new = files.read_front(before, path), files.read_front(after, path)
    except RepoError:
        return None
    old_results, new_results = old.get("results") or {}, new.get("results") or {}
    status = new.get("status")
    if (
        not isinstance(old_results, dict)
        or not isinstance(new_results, dict)
        or not set(old_results) <= set(new_results)
        or ("status" in old and "status" not in new)
        or not (status is None or isinstance(status, str))
    ):
        return None
    try:
        rebuilt = write_back(before, status if status != old.get("status") else None, new_results)
    except (ValueError, TypeError):
        return None
    if rebuilt != after:
        return None
    return {
        name: Left(old_results.get(name), dict(entry))
        for name, entry in new_results.items()
        if isinstance(entry, dict) and old_results.get(name) != entry
    }
