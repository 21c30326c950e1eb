"""One publishing run (docs/publishing.md): sync, claim and push (the lock), deliver,
record and push.

Credentials plug in through :class:`Hooks` (socialgit.runner.credentials): recovered before
the sync, refreshed after the claim push and on ``AuthExpired``, each refresh pushed in its
own commit of the vault before the new token is used (socialgit.runner.tokens).

The push of the claim commit is the lock: when it is rejected another runner moved first,
so the claim is dropped, the remote taken as it is, the work recomputed and claimed again.
Results are applied to the post files as they are at push time; a rejected results push is
applied again on top of the remote, so no result is ever lost to a rebase conflict.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from providers.base import Credentials
from socialgit.config import refuse_errors
from socialgit.content import Content, load_content
from socialgit.errors import RepoError, UsageError
from socialgit.model import Account
from socialgit.runner import entries, files, recover
from socialgit.runner.checkpoints import Checkpoints
from socialgit.runner.deliver import Context, Outcome, deliver_all
from socialgit.runner.git import Repo
from socialgit.runner.pause import pause
from socialgit.runner.ready import prepare_all
from socialgit.runner.work import Linked, Missed, Selection, Waiting, Work, select
from socialgit.times import iso_utc
from socialgit.words import plural

MAX_ROUNDS = 5  # pushes tried before giving up on a remote that keeps moving
MAX_LINK_ROUNDS = 5  # claim-deliver-record rounds in a run: links awaited down a chain


def no_credentials(account: Account) -> Credentials:
    return {}


@dataclass(frozen=True)
class Options:
    at: datetime | None = None
    dry_run: bool = False
    push: bool = True
    shard: tuple[int, int] | None = None
    branch: str | None = None
    any_branch: bool = False
    lock: bool = True  # --no-lock: with --no-push, publish to networks without the claim push


@dataclass
class Hooks:
    """Where the credentials work plugs in, without the runner knowing the vault."""

    credentials: Callable[[Account], Credentials] = no_credentials
    refresh: Callable[[Account, Credentials], Credentials] | None = None
    # Called once the repository (and whether to push) is known, before the checkout is
    # checked for uncommitted changes: recovers what an interrupted run left (a refreshed
    # vault, put on the remote) and keeps the repository to push refreshed credentials with.
    bind: Callable[[Repo, bool], None] | None = None
    # Called with the work about to be claimed (with --dry-run, what would be): raises what
    # must stop the whole run before anything is claimed or sent (a key that opens none of
    # the vault), rather than failing every delivery for good.
    check: Callable[[list[Work]], None] | None = None
    # Called before the claim commit with the claimed work; refreshes what needs it and
    # returns extra repository-relative paths (the vault) to commit with the claims.
    before_claim_commit: Callable[[list[Work]], list[str]] | None = None
    # Called after the claim push (the lock for this work is ours; HEAD is the remote's tip)
    # with the claimed work: refreshes what is about to expire. It must not raise; a failure
    # shows at delivery.
    after_claim: Callable[[list[Work]], None] | None = None
    # Called before each results commit (again after a rejected push reset the checkout):
    # repository-relative paths the run changed (a refreshed vault its own push missed) to
    # commit too.
    results_files: Callable[[], list[str]] | None = None
    # For the alerts (socialgit/runner/notify.py): the accounts whose credentials a person
    # must renew within the given time, with when they end.
    ending: Callable[[list[Account], timedelta], list[tuple[str, datetime]]] | None = None


@dataclass
class RunReport:
    at: datetime
    dry_run: bool = False
    outcomes: list[Outcome] = field(default_factory=list)
    missed: list[Missed] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)
    planned: list[Work] = field(default_factory=list)  # --dry-run: what would go out
    skipped_posts: list[str] = field(default_factory=list)  # broken posts, with the reason
    unrecorded: list[str] = field(default_factory=list)  # results that could not be written
    commits: list[str] = field(default_factory=list)
    push_error: str | None = None
    # Due deliveries whose text names a link not out yet (they wait), as last selected; and
    # those written as errors because the delivery they waited for failed for good.
    linked: list[Linked] = field(default_factory=list)
    blocked: list[Linked] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)  # one line per notify account

    @property
    def failed(self) -> bool:
        failed = any(o.state == "error" for o in self.outcomes) or bool(self.blocked)
        return failed or bool(self.unrecorded)

    def add(self, step: RunReport) -> None:
        """A later round of the same run: what it did, and where things stand after it."""
        self.outcomes += step.outcomes
        self.missed += step.missed
        self.blocked += step.blocked
        self.commits += step.commits
        self.unrecorded += step.unrecorded
        self.push_error = step.push_error or self.push_error
        self.waiting, self.linked = step.waiting, step.linked
        self.skipped_posts = step.skipped_posts


def publish(root: Path, options: Options, hooks: Hooks | None = None) -> RunReport:
    hooks = hooks or Hooks()
    now = options.at or datetime.now(UTC)
    started = time.monotonic()

    def clock() -> datetime:
        return now + timedelta(seconds=time.monotonic() - started)

    report = RunReport(at=now, dry_run=options.dry_run)
    # Two runners claiming the same work in the same second would build the very same commit
    # (same tree, parent, time, message), and the second push would "succeed" as a no-op:
    # a per-run id in every message keeps the push a lock.
    run_id = secrets.token_hex(6)
    repo = Repo(root, run_id=run_id)
    content = load_content(root)
    refuse_errors(content.config_problems, "nothing was claimed or sent")
    check_branch(repo, content, options)
    if options.dry_run:  # no fetch, no file, no commit: what this checkout would do
        selection = select(content, now, options.shard)
        if hooks.check is not None:
            hooks.check(selection.work)
        _note(report, content, selection)
        report.planned = selection.work
        return report
    if hooks.bind is not None:
        hooks.bind(repo, options.push)
    leftovers = recover.take(repo, root)  # a person's uncommitted edits stop the run here
    if options.push:
        sync(repo)
    if leftovers:
        _keep(repo, root, options, leftovers)

    # A delivery that waits for another's link (socialgit.links) is claimed in a round after
    # the one that published that link: the same run, so announcements follow at once.
    for _ in range(MAX_LINK_ROUNDS):
        step = RunReport(at=now)
        _round(repo, root, now, clock, options, hooks, step)
        report.add(step)
        if not (step.outcomes or step.missed) or not step.linked or step.push_error:
            break  # nothing settled that a waiting delivery could follow
    _alert(repo, root, now, options, hooks, report)
    return report


def _round(
    repo: Repo,
    root: Path,
    now: datetime,
    clock: Callable[[], datetime],
    options: Options,
    hooks: Hooks,
    report: RunReport,
) -> None:
    """Claim what is due, deliver it and record the outcomes."""
    claimed, claimed_at = _claim(repo, root, now, clock, options, hooks, report)
    if claimed is None or not claimed.work:
        return
    pause("claimed")
    if hooks.after_claim is not None:
        hooks.after_claim(claimed.work)

    ctx = Context(
        root=root,
        config=load_content(root).config,
        client=_client(),
        clock=clock,
        claimed_at=claimed_at,
        credentials=hooks.credentials,
        refresh=hooks.refresh,
        record_part=lambda work, parts: _record_part(root, work, claimed_at, parts),
        record_pending=Checkpoints(repo, root, claimed_at, options.push).record,
    )
    try:
        work = prepare_all(repo, claimed.work, ctx, claimed_at, options.push)
        pause("prepared")
        report.outcomes = deliver_all(work, ctx)
    finally:
        ctx.client.close()
    pause("delivered")
    _record(repo, root, options, report, hooks)


def _alert(
    repo: Repo, root: Path, now: datetime, options: Options, hooks: Hooks, report: RunReport
) -> None:
    """The alerts to the ``notify:`` accounts, after everything else (runner/notify.py)."""
    from socialgit.runner.notify import announce

    if report.push_error:
        # Results only this checkout holds: the alert's record must not be pushed on a reset
        # that drops them. The next run pushes them first, then announces.
        return

    client = _client()
    try:
        report.alerts = announce(
            root, repo, now, client, hooks.credentials, hooks.ending, options.push
        )
    finally:
        client.close()


def check_branch(repo: Repo, content: Content, options: Options) -> None:
    """Set the remote and branch to push to; refuse a branch socialgit does not publish from
    (a commit there would never reach the runner)."""
    current = repo.current_branch()
    repo.remote = repo.default_remote()
    if options.push and not options.dry_run and repo.remote is None:
        raise RepoError("no git remote to push to: add one, or run with --no-push")
    wanted = options.branch or content.config.branch
    if wanted is None and repo.remote is not None and options.push:
        wanted = repo.remote_default_branch(repo.remote)
    if wanted and not options.any_branch and current != wanted:
        raise RepoError(
            f"on branch {current or '(detached HEAD)'}, but socialgit publishes from {wanted} "
            "(`branch:` in socialgit.yml); pass --branch NAME or --any-branch to override"
        )
    repo.branch = current or wanted
    if options.push and not options.dry_run and repo.branch is None:
        raise RepoError("detached HEAD and no branch to push to: pass --branch NAME")


def sync(repo: Repo) -> None:
    """Start from the remote's tip, with any results an earlier failed push left behind."""
    remote_head = repo.fetch()
    ahead, behind = repo.ahead_behind(remote_head)
    if ahead or behind:
        repo.rebase_onto(remote_head)
    if not ahead:
        return
    for _ in range(MAX_ROUNDS):
        if repo.push():
            return
        repo.rebase_onto(repo.fetch())
    raise RepoError("could not push the results an earlier run left in this checkout")


def _claim(
    repo: Repo,
    root: Path,
    now: datetime,
    clock: Callable[[], datetime],
    options: Options,
    hooks: Hooks,
    report: RunReport,
) -> tuple[Selection | None, datetime]:
    for _ in range(MAX_ROUNDS):
        content = load_content(root)
        selection = select(content, now, options.shard)
        report.skipped_posts, report.waiting, report.missed = [], [], []
        _note(report, content, selection)
        if selection.empty:
            return None, now
        _refuse_without_lock(repo, options, selection.work)
        if hooks.check is not None:
            hooks.check(selection.work)
        claimed_at = clock()
        updates: files.Updates = {}
        for work in selection.work:
            entry = entries.claim(work, claimed_at)
            updates.setdefault(work.post.path, {})[work.account.name] = entry
        for item in selection.missed:
            updates.setdefault(item.post.path, {})[item.account.name] = entries.missed(item, now)
        for linked in selection.blocked:
            entry = entries.blocked(linked, now)
            updates.setdefault(linked.post.path, {})[linked.account.name] = entry
        changed, failures = files.apply(root, updates)
        if failures:
            raise RepoError("cannot claim: " + "; ".join(failures))
        extra = hooks.before_claim_commit(selection.work) if hooks.before_claim_commit else []
        commit = repo.commit([*changed, *extra], _claim_message(selection))
        if commit is None:
            return None, now
        if not options.push or repo.push():
            report.commits.append(commit)
            report.blocked = selection.blocked
            return selection, claimed_at
        # Another runner pushed first: drop our claim, take theirs, and look again.
        repo.reset_hard(repo.fetch())
    raise RepoError(f"other runners kept pushing first; gave up claiming after {MAX_ROUNDS} tries")


def _refuse_without_lock(repo: Repo, options: Options, work: list[Work]) -> None:
    """--no-push where a remote exists: the claim is never pushed, so it locks out no other
    runner. Fine for files this checkout writes (``outbox``), not for a network."""
    if options.push or not options.lock or repo.remote is None:
        return
    networks = sorted({w.account.provider for w in work if w.account.provider != "outbox"})
    if networks:
        raise UsageError(
            f"--no-push would publish to {', '.join(networks)} without the lock: the claim is "
            f"pushed to {repo.remote} to keep other runners off these deliveries; run without "
            "--no-push, or add --no-lock if no other runner can publish from this repository"
        )


def _note(report: RunReport, content: Content, selection: Selection) -> None:
    report.missed = selection.missed
    report.waiting = selection.waiting
    report.linked = [item for item in selection.linked if not item.blocked]
    for item in content.reports:
        if item.post is None:
            errors = sum(1 for p in item.problems if p.severity == "error")
            report.skipped_posts.append(
                f"{item.path}: {plural(errors, 'error')}; run socialgit validate"
            )


def _keep(repo: Repo, root: Path, options: Options, leftovers: recover.Leftovers) -> None:
    """Commit (and push) the entries a killed run left in this checkout, on top of the
    remote, before this run reads the posts: the parts of a thread that are out, results
    that never reached their commit."""

    def build() -> tuple[list[str], str, bool]:
        updates, dropped = recover.updates(root, leftovers)
        changed, unrecorded = files.apply(root, updates)
        urls = [e.get("url") for accounts in updates.values() for e in accounts.values()]
        paths = [*changed, *_repo_files(repo, [u for u in urls if isinstance(u, str)])]
        return paths, recover.message(updates, dropped, unrecorded), bool(unrecorded)

    commit, pushed = repo.land(build, options.push, MAX_ROUNDS)
    if not pushed:
        raise RepoError(
            f"the results an interrupted run left here are committed ({(commit or '')[:12]}) "
            f"but could not be pushed after {MAX_ROUNDS} tries: push them (git push), then run "
            "again"
        )


def _record(repo: Repo, root: Path, options: Options, report: RunReport, hooks: Hooks) -> None:
    updates: files.Updates = {}
    for outcome in report.outcomes:
        updates.setdefault(outcome.work.post.path, {})[outcome.work.account.name] = outcome.entry
    outbox = _repo_files(
        repo,
        [
            o.url or ""
            for o in report.outcomes
            if o.work.account.provider == "outbox" and o.state == "published"
        ],
    )

    def build() -> tuple[list[str], str, bool]:
        # Applied to the files as they are now: after a rejected push, the remote's.
        changed, report.unrecorded = files.apply(root, updates)
        extra = hooks.results_files() if hooks.results_files else []
        message = _result_message(report.outcomes, report.unrecorded)
        # A result with no file to go into (the post was deleted meanwhile) still gets its
        # commit: the message is then its only record, with the link.
        return [*changed, *outbox, *extra], message, bool(report.unrecorded)

    commit, pushed = repo.land(build, options.push, MAX_ROUNDS, step="committed")
    if commit:
        report.commits.append(commit)
    if not pushed:
        report.push_error = (
            f"the results are committed locally ({(commit or '')[:12]}) but could not be "
            f"pushed after {MAX_ROUNDS} tries: push them (git push), or the next run treats "
            "these deliveries as in doubt and looks them up"
        )


def _repo_files(repo: Repo, paths: list[str]) -> list[str]:
    """Of these paths (outbox deliveries: files in the repository), those to commit with
    their results, so a later run on a fresh checkout can look them up by key."""
    found = []
    for path in paths:
        inside = path and not path.startswith(("/", "..")) and "://" not in path
        if inside and (repo.root / path).is_file() and not repo.ignored(path):
            found.append(path)
    return found


def _record_part(root: Path, work: Work, claimed_at: datetime, parts: list[str]) -> None:
    files.apply(
        root,
        {work.post.path: {work.account.name: entries.claim(work, claimed_at, parts, "")}},
        top_status=False,
    )


def _client() -> httpx.Client:
    # SOCIALGIT_HTTP_TIMEOUT: seconds to wait for an answer (tests shorten it).
    read = float(os.environ.get("SOCIALGIT_HTTP_TIMEOUT", "30"))
    return httpx.Client(
        timeout=httpx.Timeout(read, connect=10.0),
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        follow_redirects=False,
    )


def _claim_message(selection: Selection) -> str:
    what = []
    if selection.work:
        what.append(f"claim {plural(len(selection.work), 'delivery')}")
    if selection.missed:
        count = len(selection.missed)
        what.append(f"mark {count if what else plural(count, 'delivery')} missed")
    if selection.blocked:
        count = len(selection.blocked)
        what.append(f"fail {count if what else plural(count, 'delivery')} whose link never came")
    head = "socialgit: " + ", ".join(what)
    lines = [f"- {w.account.name} {w.post.path} key={w.key} ({w.kind})" for w in selection.work]
    lines += [f"- missed: {m.account.name} {m.post.path}" for m in selection.missed]
    lines += [f"- failed: {b.account.name} {b.post.path}" for b in selection.blocked]
    return head + "\n\n" + "\n".join(lines) + "\n"


def _result_message(outcomes: list[Outcome], unrecorded: list[str]) -> str:
    published = sum(1 for o in outcomes if o.state == "published")
    head = f"socialgit: {published} of {plural(len(outcomes), 'delivery')} published"
    lines = []
    for o in outcomes:
        what = o.url or o.entry.get("id", "") if o.state == "published" else o.message
        lines.append(f"- {o.state} {o.work.account.name} {o.work.post.path} {what}".rstrip())
    lines += [f"- not recorded: {why}" for why in unrecorded]
    return head + "\n\n" + "\n".join(lines) + "\n"


__all__ = ["Hooks", "Options", "RunReport", "check_branch", "iso_utc", "publish", "sync"]
