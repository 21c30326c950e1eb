"""The command line. Each command parses, calls one core function, and renders.

Only click is imported at start-up; the core is imported inside each command, so that
``socialgit --help`` stays fast. Expected errors become exit codes in one place: ``main``.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from socialgit.errors import SocialgitError

if TYPE_CHECKING:
    from socialgit.model import Problem

FORMATS = ("text", "json", "github")


def _default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def _root(ctx: click.Context) -> Path:
    from socialgit.locate import find_root

    return find_root(Path(ctx.obj["repo"]))


def _now(at: str | None, tz_name: str) -> datetime:
    from datetime import UTC

    if at is None:
        return datetime.now(UTC)
    from socialgit.errors import UsageError
    from socialgit.times import TimeError, parse_time, zone

    try:
        return parse_time(at, zone(tz_name))[0]
    except TimeError as exc:
        raise UsageError(f"--at: {exc}") from None


def _summary(markdown: str) -> None:
    """Append to the GitHub Actions step summary, when there is one."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")


def _exit_for(problems: list[Problem], config_path: str = "socialgit.yml") -> int:
    if any(p.path == config_path and p.severity == "error" for p in problems):
        return 2
    return 1 if any(p.severity == "error" for p in problems) else 0


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C",
    "repo",
    default=".",
    metavar="REPO",
    help="Run as if started in REPO (socialgit.yml is found by walking up).",
)
@click.version_option(package_name="socialgit")
@click.pass_context
def cli(ctx: click.Context, repo: str) -> None:
    """socialgit: a social media scheduler where a Git repository is the database.

    \b
    Example:
      socialgit validate && socialgit plan --horizon 14d
    """
    ctx.obj = {"repo": repo}


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None)
@click.option("--at", "at", metavar="TIME", help="Check as if it were TIME (config time zone).")
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...], fmt: str | None, at: str | None) -> None:
    """Check the config and posts; print every problem at once.

    Each problem is `path:line:col: severity: message`. With PATH arguments (post files or
    folders), only the posts they name are checked; a PATH that does not exist is an
    error. Exit 1 when a post has errors, 2 when the config has.

    \b
    Example:
      socialgit validate content/2026/launch.md --format json
      socialgit validate content/2026/
    """
    from socialgit import render
    from socialgit.cache import load_config
    from socialgit.checking import check

    root = _root(ctx)
    now = _now(at, load_config(root).config.timezone)
    checked, problems = check(root, list(paths), Path.cwd(), now)
    fmt = fmt or _default_format()
    renderer = {
        "text": render.problems_text,
        "json": render.problems_json,
        "github": render.problems_github,
    }[fmt]
    click.echo(renderer(problems), nl=False)
    if fmt == "text":
        click.echo(render.checked(checked, problems), err=True)
    ctx.exit(_exit_for(problems))


@cli.command()
@click.option("--at", "at", metavar="TIME", help="Plan as if it were TIME (config time zone).")
@click.option("--horizon", default="7d", show_default=True, help="How far ahead to list.")
@click.option("--base", metavar="REF", help="Only posts added or changed since REF, previewed.")
@click.option("--format", "fmt", type=click.Choice(("text", "json", "markdown", "github")))
@click.pass_context
def plan(
    ctx: click.Context, at: str | None, horizon: str, base: str | None, fmt: str | None
) -> None:
    """Show what a run would do: due, missed and upcoming deliveries per target.

    Each line gives the time in the config's time zone, the state, the account, the post
    and its longest part's length against the network's limit.

    \b
    Example:
      socialgit plan --horizon 14d
      socialgit plan --base origin/main --format markdown
    """
    from socialgit import render
    from socialgit.cache import load_config
    from socialgit.errors import UsageError
    from socialgit.planning import make_plan
    from socialgit.times import TimeError, parse_duration

    root = _root(ctx)
    try:
        ahead = parse_duration(horizon)
    except TimeError as exc:
        raise UsageError(f"--horizon: {exc}") from None
    now = _now(at, load_config(root).config.timezone)
    result = make_plan(root, now, ahead, base, cached=True)
    tz = result.content.config.timezone
    fmt = fmt or _default_format()
    previews = "\n".join(render.preview_text(p) for p in result.previews)
    if fmt == "json":
        click.echo(render.plan_json(now, result.deliveries, result.problems), nl=False)
    elif fmt == "markdown":
        md_previews = f"```\n{previews}```" if previews else ""
        click.echo(render.plan_markdown(now, tz, result.rows, md_previews))
    else:
        if fmt == "github":
            click.echo(render.problems_github(result.problems), nl=False)
            md_previews = f"```\n{previews}```" if previews else ""
            _summary(render.plan_markdown(now, tz, result.rows, md_previews))
        else:
            click.echo(render.problems_text(result.problems), nl=False, err=True)
        click.echo(render.plan_text(now, tz, result.rows, "" if base else horizon))
        if previews:
            click.echo(previews)
    ctx.exit(_exit_for(result.problems))


@cli.command()
@click.argument("path")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text")
@click.pass_context
def preview(ctx: click.Context, path: str, fmt: str) -> None:
    """Show a post as each target will receive it.

    The text after overrides, split into thread parts, each with its length as the network
    counts it, the links, mentions and tags found (Bluesky facets), and media with alt text.
    A post with problems is shown all the same, a part over its limit marked where it goes
    over; its problems follow (on stderr as text) and the exit is 1.

    \b
    Example:
      socialgit preview content/2026/launch.md --format json
    """
    from socialgit import render
    from socialgit.model import Problem
    from socialgit.preview import preview as build

    document = build(_root(ctx), path, Path.cwd())
    click.echo((render.preview_json if fmt == "json" else render.preview_text)(document), nl=False)
    problems = [Problem(**p) for p in document["problems"]]
    if fmt == "text":
        click.echo(render.problems_text(problems), nl=False, err=True)
    ctx.exit(_exit_for(problems))


def main(argv: list[str] | None = None) -> None:
    """Entry point: the one place that turns expected errors into exit codes."""
    _register_extensions()
    try:
        # Without standalone mode, click returns the code given to ``ctx.exit``.
        code = cli.main(args=argv, prog_name="socialgit", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        click.echo("socialgit: interrupted", err=True)
        sys.exit(130)
    except SocialgitError as exc:
        from socialgit.redact import scrub

        click.echo(f"socialgit: error: {scrub(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug: say so in one line; the traceback only on request
        if os.environ.get("SOCIALGIT_DEBUG"):
            raise
        click.echo(
            f"socialgit: unexpected error ({type(exc).__name__}); this is a bug, please "
            "report it. Set SOCIALGIT_DEBUG=1 for details.",
            err=True,
        )
        sys.exit(3)
    sys.exit(code if isinstance(code, int) else 0)


# Modules that add commands of their own; each has ``COMMANDS``, a list of click commands.
EXTENSIONS: tuple[str, ...] = (
    "socialgit.cli.authoring",
    "socialgit.cli.publish",
    "socialgit.cli.credentials",
    "socialgit.cli.insights",
    "socialgit.cli.importing",
)


def _register_extensions() -> None:
    import importlib

    for name in EXTENSIONS:
        for command in importlib.import_module(name).COMMANDS:
            cli.add_command(command)
