"""Commands for setting up and looking at a content repository: ``init`` and ``calendar``."""

from __future__ import annotations

from pathlib import Path

import click

from socialgit.cli import _exit_for, _now, _root


@click.command()
@click.argument("directory", default=".", required=False, metavar="[DIR]")
@click.option(
    "--site", is_flag=True, help="Also the workflow that puts a dashboard on GitHub Pages."
)
@click.pass_context
def init(ctx: click.Context, directory: str, site: bool) -> None:
    """Create a content repository in DIR (default: here). Never overwrites a file.

    Writes socialgit.yml (with an `outbox` account that needs no credentials), an example
    post, the check, publish and feed workflows under .github/workflows, and `outbox/` in
    .gitignore. With --site, also the workflow that builds `socialgit site` and deploys it
    to GitHub Pages (run it again in an existing repository to add just that). Files that
    exist already are left alone and reported as skipped.

    \b
    Example:
      socialgit init my-posts && socialgit -C my-posts plan
      socialgit init --site
    """
    from datetime import UTC, datetime

    from socialgit.scaffold import scaffold

    target = Path(ctx.obj["repo"]) / directory
    for step in scaffold(target, datetime.now(UTC).date(), site):
        note = f" ({step.note})" if step.note else ""
        click.echo(f"{step.action:<8} {step.path}{note}")
    click.echo(
        "\nNext: `socialgit plan` shows what would go out. To publish from GitHub Actions, "
        "run `socialgit vault keygen`, store the key as the repository secret SOCIALGIT_KEY, "
        "and `socialgit connect ACCOUNT` for each network account."
    )
    if site:
        click.echo(
            "The dashboard: turn on GitHub Pages (Settings → Pages → Source: GitHub Actions); "
            "the site workflow then deploys it on every push. It is public on most plans."
        )
    else:
        click.echo("A dashboard on GitHub Pages: `socialgit init --site` adds its workflow.")


@click.command(name="calendar")
@click.option(
    "--format", "fmt", type=click.Choice(("text", "ics")), default="text", show_default=True
)
@click.option("--month", metavar="YYYY-MM", help="The month to show as text (default: this month).")
@click.option("--horizon", default="90d", show_default=True, help="How far ahead ics lists.")
@click.option("--at", "at", metavar="TIME", help="As if it were TIME (config time zone).")
@click.pass_context
def calendar(ctx: click.Context, fmt: str, month: str | None, horizon: str, at: str | None) -> None:
    """The plan as a text month view, or as iCalendar for calendar apps.

    Text shows a month grid in the config's time zone, each day with deliveries marked
    with their count, then the list. ics has one event per delivery, with a stable UID,
    so a calendar that imports it again updates its events.

    \b
    Example:
      socialgit calendar --month 2026-12
      socialgit calendar --format ics --horizon 30d > socialgit.ics
    """
    from datetime import timedelta

    from socialgit import calendar as cal
    from socialgit import render
    from socialgit.config import load_config
    from socialgit.errors import UsageError
    from socialgit.planning import make_plan
    from socialgit.times import TimeError, parse_duration, zone

    root = _root(ctx)
    tz = load_config(root).config.timezone
    now = _now(at, tz)
    local = now.astimezone(zone(tz))
    try:
        year, mon = cal.parse_month(month) if month else (local.year, local.month)
        ahead = parse_duration(horizon)
    except TimeError as exc:
        raise UsageError(f"--horizon: {exc}") from None
    except ValueError as exc:
        raise UsageError(f"--month: {exc}") from None
    if fmt == "text":
        # The whole month, however far ahead; a past month shows what was recorded.
        ahead = max(cal.month_bounds(year, mon, tz)[1] - now, timedelta(0))
    result = make_plan(root, now, ahead)
    texts = cal.first_lines(result.content)
    click.echo(render.problems_text(result.problems), nl=False, err=True)
    if fmt == "ics":
        click.echo(cal.to_ics(result.deliveries, texts, now), nl=False)
    else:
        shown = cal.with_history(result.content, result.deliveries, now, year, mon)
        click.echo(cal.month_text(shown, texts, tz, year, mon), nl=False)
    ctx.exit(_exit_for(result.problems))


@click.command(name="queue")
@click.option("--at", "at", metavar="TIME", help="As if it were TIME (config time zone).")
@click.option(
    "--base",
    metavar="REF",
    help="A pull request's base: orders the posts; only posts changed since it are written.",
)
@click.option("--dry-run", is_flag=True, help="Say which slots, write nothing.")
@click.pass_context
def queue(ctx: click.Context, at: str | None, base: str | None, dry_run: bool) -> None:
    """Give each queued post the next free slot of its queue: write its publish_at.

    A queued post has `queue: NAME` and no publish_at. Its file gets one line,
    `publish_at: …` in the post's time zone, and nothing else changes: commit it and the time
    is reviewed like any other. A post moved off a slot an earlier post holds has its
    publish_at replaced. Running it again changes nothing. Exit 1 when a queued post has
    errors or no free slot.

    \b
    Example:
      socialgit queue && git commit -am "socialgit queue"
      socialgit queue --base origin/main --dry-run
    """
    from socialgit import render
    from socialgit.config import load_config
    from socialgit.queuerun import run_queue

    root = _root(ctx)
    done = run_queue(root, _now(at, load_config(root).config.timezone), base, dry_run=dry_run)
    click.echo(render.queue_text(done.placed, done.timezone), nl=False)
    click.echo(render.problems_text(done.problems), nl=False, err=True)
    ctx.exit(_exit_for(done.problems))


COMMANDS = [init, calendar, queue]
