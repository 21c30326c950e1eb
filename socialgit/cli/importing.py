"""``socialgit import csv|rss``: posts from a CSV file or a feed (docs/import.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from socialgit.cli import _now, _root

if TYPE_CHECKING:
    from socialgit.importing.drafts import Outcome


def _split(names: str | None) -> tuple[str, ...]:
    return tuple(n.strip() for n in (names or "").split(",") if n.strip())


def _render(ctx: click.Context, outcome: Outcome, dry_run: bool) -> None:
    for line in outcome.warnings:
        click.echo(f"warning: {line}", err=True)
    for line in outcome.errors:
        click.echo(f"error: {line}", err=True)
    for line in outcome.skipped:
        click.echo(f"skipped  {line}")
    for path in outcome.written:
        click.echo(f"{'would write' if dry_run else 'wrote'}  {path}")
    if outcome.errors:
        count = len(outcome.errors)
        click.echo(f"nothing was written: {count} error{'s' * (count != 1)}", err=True)
        ctx.exit(1)
    if not outcome.written:
        click.echo("nothing new to import")


_into = click.option(
    "--into", metavar="FOLDER", help="Where the posts go (default: CONTENT/imported)."
)
_targets = click.option(
    "--targets", metavar="A,B", help="Accounts for every post (rows may name their own)."
)
_queue = click.option("--queue", metavar="NAME", help="Write `queue: NAME` into every post.")
_dry_run = click.option("--dry-run", is_flag=True, help="Check and list; write nothing.")


@click.group(name="import")
def import_() -> None:
    """Turn a CSV file or a feed into post files, for review like any other change.

    \b
    Example:
      socialgit import csv posts.csv --targets news-bsky,news-x
      socialgit import rss https://example.com/feed.xml --targets news-bsky
    """


@import_.command(name="csv")
@click.argument("file", type=click.Path(dir_okay=False))
@_into
@_targets
@_queue
@_dry_run
@click.pass_context
def csv_(
    ctx: click.Context,
    file: str,
    into: str | None,
    targets: str | None,
    queue: str | None,
    dry_run: bool,
) -> None:
    """One post file per row of FILE; every row is checked first, nothing is overwritten.

    Columns: publish_at, targets, text, media, alt, title, link, id, queue (media and alt
    `;`-separated), or the names Buffer and Postiz use (docs/import.md). A row with a
    problem is reported with its row and column, and then nothing is written. A row whose
    id a post has already is skipped and named, so importing a file again adds nothing.

    \b
    Example:
      socialgit import csv posts.csv --targets news-bsky,news-x --dry-run
    """
    from pathlib import Path

    from socialgit.config import load_config, refuse_errors
    from socialgit.importing.table import import_csv

    root = _root(ctx)
    loaded = load_config(root)
    refuse_errors(loaded.problems, "nothing was imported")
    outcome = import_csv(
        root,
        loaded.config,
        Path(file),
        into=into,
        targets=_split(targets),
        queue=queue,
        dry_run=dry_run,
    )
    _render(ctx, outcome, dry_run)


@import_.command(name="rss")
@click.argument("source", metavar="URL|FILE")
@_into
@click.option("--targets", metavar="A,B", required=True, help="Accounts for every post.")
@_queue
@click.option(
    "--template",
    "template_file",
    metavar="FILE",
    help="The text of each post, with {title} {link} {summary} {tags} (default: "
    "'{title} {link}' and the tags as hashtags).",
)
@click.option(
    "--limit",
    metavar="N",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Only the newest N items.",
)
@click.option("--at", "at", metavar="TIME", help="As if it were TIME (config time zone).")
@_dry_run
@click.pass_context
def rss(
    ctx: click.Context,
    source: str,
    into: str | None,
    targets: str,
    queue: str | None,
    template_file: str | None,
    limit: int,
    at: str | None,
    dry_run: bool,
) -> None:
    """A post for each item of an RSS or Atom feed that has none yet.

    The post's id comes from the item's guid, so running it again (on a schedule, say)
    never makes a second post of an item. A post gets `queue: NAME` with --queue, else
    the next minute as its time. Every post is checked first; one with a problem (a text
    over a network's limit) is reported, and then nothing is written.

    \b
    Example:
      socialgit import rss https://example.com/feed.xml --targets news-bsky --queue weekdays
    """
    from pathlib import Path

    from socialgit.config import load_config, refuse_errors
    from socialgit.errors import UsageError
    from socialgit.importing.feed import DEFAULT_TEMPLATE, import_feed

    root = _root(ctx)
    loaded = load_config(root)
    refuse_errors(loaded.problems, "nothing was imported")
    template = DEFAULT_TEMPLATE
    if template_file is not None:
        try:
            template = Path(template_file).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--template {template_file}: cannot read: {exc}") from None
    outcome = import_feed(
        root,
        loaded.config,
        source,
        _now(at, loaded.config.timezone),
        targets=_split(targets),
        into=into,
        queue=queue,
        template=template,
        limit=limit,
        dry_run=dry_run,
    )
    _render(ctx, outcome, dry_run)


COMMANDS = [import_]
