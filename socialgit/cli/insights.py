"""What happened after posts went out: ``metrics``, ``report`` and ``site``."""

from __future__ import annotations

from datetime import datetime

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


@click.command()
@click.option("--since", metavar="TIME", help="Only deliveries from TIME on (config time zone).")
@click.option("--until", metavar="TIME", help="Only deliveries before TIME.")
@click.option("--account", "accounts", multiple=True, metavar="NAME", help="Only this account.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "markdown", "json", "csv")),
    default="text",
    show_default=True,
)
@click.pass_context
def report(
    ctx: click.Context,
    since: str | None,
    until: str | None,
    accounts: tuple[str, ...],
    fmt: str,
) -> None:
    """What happened after posts went out, from the post files (no network).

    Per post and account the latest counts; totals per account per week; the top posts by
    engagement 24h after they went out; and when to post: the median 24h engagement by
    weekday and hour, per account, with the number of posts behind each. CSV is one row
    per delivery, for a spreadsheet. In GitHub Actions the Markdown also goes to the step
    summary.

    \b
    Example:
      socialgit report --since 2026-11-01 --account news-bsky
      socialgit report --format csv > deliveries.csv
    """
    from socialgit.config import load_config
    from socialgit.stats import render
    from socialgit.stats.reporting import make_report

    root = _root(ctx)
    tz = load_config(root).config.timezone
    built = make_report(root, _time("--since", since, tz), _time("--until", until, tz), accounts)
    renderer = {
        "text": render.text,
        "markdown": render.markdown,
        "json": render.as_json,
        "csv": render.as_csv,
    }[fmt]
    click.echo(renderer(built), nl=False)
    if _default_format() == "github":
        _summary(render.markdown(built))


@click.command()
@click.argument("directory", default="site", required=False, metavar="[DIR]")
@click.option("--at", metavar="TIME", help="As if it were TIME (config time zone).")
@click.option("--horizon", default="90d", show_default=True, help="How far ahead to plan.")
@click.pass_context
def site(ctx: click.Context, directory: str, at: str | None, horizon: str) -> None:
    """Write a static dashboard of the repository into DIR (default: site/).

    A month calendar (upcoming, published with links, missed and errors marked, drafts
    dimmed), the plan, a page per post showing what each target receives (every part with
    its length against the limit, images with their alt text) and its metrics, and charts:
    engagement per week per account, and when to post. Made from the files alone; the pages
    load nothing from another host, so they open from disk or on GitHub Pages.

    \b
    Example:
      socialgit site && xdg-open site/index.html
      socialgit site public --horizon 30d
    """
    from pathlib import Path

    from socialgit.config import load_config
    from socialgit.errors import UsageError
    from socialgit.site.build import build_site
    from socialgit.times import TimeError, parse_duration

    root = _root(ctx)
    try:
        ahead = parse_duration(horizon)
    except TimeError as exc:
        raise UsageError(f"--horizon: {exc}") from None
    now = _now(at, load_config(root).config.timezone)
    # As if started in the -C folder, like every other path on the command line.
    built = build_site(root, Path(ctx.obj["repo"]) / directory, now, ahead)
    click.echo(
        f"wrote {built.pages} pages and {built.images} images ({built.size // 1024} KiB) to "
        f"{directory}/; open {directory}/index.html"
    )


def _time(option: str, value: str | None, tz: str) -> datetime | None:
    from socialgit.errors import UsageError
    from socialgit.times import TimeError, parse_time, zone

    if value is None:
        return None
    try:
        return parse_time(value, zone(tz))[0]
    except TimeError as exc:
        raise UsageError(f"{option}: {exc}") from None


COMMANDS = [metrics, report, site]
