"""``socialgit publish``: parse, call the runner, render. The core never imports click."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from socialgit.cli import _default_format, _now, _root, _summary


@click.command()
@click.option("--at", metavar="TIME", help="Run as if it were TIME (config time zone).")
@click.option("--dry-run", is_flag=True, help="Show what would be sent; change nothing.")
@click.option("--no-push", is_flag=True, help="Commit, but do not push (a local runner).")
@click.option(
    "--no-lock",
    is_flag=True,
    help="With --no-push in a clone with a remote: publish to networks anyway, unlocked.",
)
@click.option("--shard", metavar="K/N", help="Only the posts of shard K of N (by path).")
@click.option("--branch", metavar="NAME", help="Publish from NAME instead of the configured one.")
@click.option("--any-branch", is_flag=True, help="Publish from whatever branch is checked out.")
@click.pass_context
def publish(
    ctx: click.Context,
    at: str | None,
    dry_run: bool,
    no_push: bool,
    no_lock: bool,
    shard: str | None,
    branch: str | None,
    any_branch: bool,
) -> None:
    """Publish what is due, and commit the outcome into the post files.

    Claims the due deliveries (a commit and push: the lock against other runners), sends
    them, then records each result in its post's `results:` and pushes one commit.
    With --no-push in a clone that has a remote, a run that would publish to a network
    (any provider but `outbox`) stops first: an unpushed claim locks no other runner out.
    Add --no-lock when no other runner publishes from this repository.
    Exit 1 when a delivery failed for good, 2 on config or repository errors.

    \b
    Example:
      socialgit publish --dry-run
      socialgit publish --shard 1/4
    """
    from socialgit.cache import load_config
    from socialgit.errors import UsageError

    if no_lock and not no_push:
        raise UsageError("--no-lock goes with --no-push (a pushed claim is the lock)")
    root = _root(ctx)
    moment = _now(at, load_config(root).config.timezone) if at else None
    if not dry_run:
        _stop_if_idle(ctx, root, moment, not no_push, branch, any_branch)

    from socialgit.errors import RepoError
    from socialgit.runner import Options
    from socialgit.runner import publish as run
    from socialgit.runner.credentials import hooks
    from socialgit.runner.report import markdown, text

    options = Options(
        at=moment,
        dry_run=dry_run,
        push=not no_push,
        lock=not no_lock,
        shard=_shard(shard),
        branch=branch,
        any_branch=any_branch,
    )
    report = run(root, options, hooks(root))
    click.echo(text(report), nl=False)
    if _default_format() == "github":
        _summary(markdown(report))
    if report.push_error:
        raise RepoError(report.push_error)
    ctx.exit(1 if report.failed else 0)


@click.command()
@click.argument("path")
@click.option("--account", metavar="NAME", help="Only this target (default: every one).")
@click.option("--late", is_flag=True, help="Send it even though its time is past missed_after.")
@click.option("--at", metavar="TIME", help="As if it were TIME (config time zone).")
@click.option("--no-push", is_flag=True, help="Commit, but do not push.")
@click.pass_context
def retry(
    ctx: click.Context, path: str, account: str | None, late: bool, at: str | None, no_push: bool
) -> None:
    """Queue a failed, missed or in-doubt delivery of PATH to be sent by the next run.

    Its entry in `results:` becomes a retry due now, with its key and the parts already
    out kept (a thread resumes after them), in a commit pushed like the runner's. A
    delivery past missed_after needs --late. A published one is refused: it would post
    twice. For a delivery in doubt, check the network first that it did not go out.

    \b
    Example:
      socialgit retry content/2026/launch.md --account news-x --late
    """
    from pathlib import Path

    from socialgit.config import load_config
    from socialgit.preview import relative
    from socialgit.runner.retry import retry as run

    root = _root(ctx)
    now = _now(at, load_config(root).config.timezone)
    rel = relative(root, path, Path.cwd())
    done = run(root, rel, account, late=late, now=now, push=not no_push)
    for name in done.queued:
        click.echo(f"{name:<16} {rel}  queued again: the next run sends it")
    for name, why in done.skipped.items():
        click.echo(f"{name:<16} {rel}  not queued: {why}")
    click.echo("committed" if no_push else "committed and pushed", err=True)


def _stop_if_idle(
    ctx: click.Context,
    root: Path,
    at: datetime | None,
    push: bool,
    branch: str | None,
    any_branch: bool,
) -> None:
    """Most runs find nothing due: those end here, before the runner and the networks are
    loaded (socialgit.idle), saying what the runner would say."""
    from socialgit.idle import message, nothing_due

    now = at or datetime.now(UTC)
    if nothing_due(root, now, push=push, branch=branch, any_branch=any_branch):
        click.echo(message(now))
        if _default_format() == "github":
            _summary(f"### socialgit publish: {message(now)}\n")
        ctx.exit(0)


def _shard(value: str | None) -> tuple[int, int] | None:
    from socialgit.errors import UsageError

    if value is None:
        return None
    try:
        index, count = (int(x) for x in value.split("/"))
    except ValueError:
        raise UsageError(f"--shard {value!r}: write K/N, e.g. 1/4") from None
    if not 1 <= index <= count:
        raise UsageError(f"--shard {value!r}: K must be between 1 and N")
    return index, count


COMMANDS = [publish, retry]
