"""A step in flight (``Outgoing.on_pending``), put on the remote before the request that could
double a part.

A provider names the step (a Meta container, an upload session) before the one request
that could publish the part twice. Written to disk only, it would go with the process that
wrote it: a CI runner killed right after that request leaves nothing but its claim, and the
next run, on a fresh clone, cannot ask the container. So the entry (``pending`` and the
parts out so far) is pushed first, in a commit of that post file alone built on the
remote's tip (``Repo.commit_file``: deliveries keep writing into this checkout meanwhile,
so it is never reset or merged here). A rejected push is not a lost race (the claim is
ours): fetch, apply the entry to the remote's version, push again.

When the entry cannot be pushed, the request must not be sent: ``record`` raises
``Transient`` and the delivery is retried on a later run (the container, unpublished, is
asked again then). The run's results commit later lands on top of these commits the usual
way (rejected once, applied again to the remote's files).
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from socialgit.errors import RepoError, Transient
from socialgit.runner import entries, files
from socialgit.runner.git import Repo
from socialgit.runner.work import Work

PUSHES = 5


class Checkpoints:
    """One run's pushes of steps in flight. Thread-safe: delivery threads share it."""

    def __init__(self, repo: Repo, root: Path, claimed_at: datetime, push: bool) -> None:
        self.repo = repo
        self.root = root
        self.claimed_at = claimed_at
        self.push = push
        self.lock = threading.Lock()
        self.tip = ""  # the remote's tip as last known: HEAD (the claim) until a push
        self.pushed = 0

    def record(self, work: Work, parts: list[str], pending: str) -> None:
        """Write ``work``'s entry with ``pending`` into its post file and onto the remote."""
        entry = entries.claim(work, self.claimed_at, parts, pending)
        update = {work.post.path: {work.account.name: entry}}
        files.apply(self.root, update, top_status=False)
        if not self.push:
            return  # no remote: the results commit keeps it
        try:
            self._push(work, update[work.post.path])
        except RepoError as exc:
            failure = str(exc)
        else:
            return
        raise Transient(
            f"could not put the step in flight on the remote before publishing ({failure}); "
            "nothing was published, will retry"
        )

    def _push(self, work: Work, entry: dict[str, dict[str, Any]]) -> None:
        path = work.post.path
        message = f"socialgit: {work.account.name} is publishing {path}"
        with self.lock:
            self.tip = self.tip or self.repo.head()  # read when first needed: runs stay quick
            for _ in range(PUSHES):
                there = self.repo.show(self.tip, path)
                if there is None:
                    raise RepoError(f"{path} is gone from the remote")
                text = files.apply_text(there.decode("utf-8"), path, entry, top=False)
                commit = self.repo.commit_file(self.tip, path, text.encode("utf-8"), message)
                if self.repo.push(commit):
                    self.tip = commit
                    self.pushed += 1
                    return
                self.tip = self.repo.fetch()  # the remote moved: a person, a vault refresh
        raise RepoError(f"rejected {PUSHES} times")
