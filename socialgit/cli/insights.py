"""What happened after posts went out: ``metrics``, ``report`` and ``site``."""

from __future__ import annotations

import click

from socialgit.cli import _default_format, _now, _root, _summary


@click.command()
@click.option("--at", metavar="TIME", help="Run as if it were TIME (config time zone).")
@click.option("--no-push", is_flag=True, help="Commit, but do not push.")
@click.pass_context
def metrics(ctx: click.Context, at: str | None, no_push: bool) -> None:
    """Take the snapshots of public counts that are due, and commit them.

    Each published delivery gets the network's counts (likes, reposts, replies, quotes,
    views where given) at fixed ages after it went out: 1h, 24h, 7d and 30d, each written
    once under `metrics:` in its entry in `results:`. One commit and push per run; a run
    with nothing due commits nothing. Exit 1 when a fetch needs a person (a revoked
    account, an error recorded), 2 on config or repository errors.

    \b
    Example:
      socialgit metrics
      socialgit metrics --at "2026-12-02 09:05" --no-push
    """
    from socialgit.config import load_config
    from socialgit.errors import RepoError
    from socialgit.runner.credentials import hooks
    from socialgit.runner.metrics import markdown, measure, text

    root = _root(ctx)
    when = _now(at, load_config(root).config.timezone) if at else None
    report = measure(root, when, not no_push, hooks(root))
    click.echo(text(report), nl=False)
    if _default_format() == "github":
        _summary(markdown(report))
    if report.push_error:
        raise RepoError(report.push_error)
    ctx.exit(1 if report.failed else 0)


COMMANDS = [metrics]
