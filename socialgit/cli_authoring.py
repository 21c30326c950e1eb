"""Commands for setting up and looking at a content repository: ``init``."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("directory", default=".", required=False, metavar="[DIR]")
@click.pass_context
def init(ctx: click.Context, directory: str) -> None:
    """Create a content repository in DIR (default: here). Never overwrites a file.

    Writes socialgit.yml (with an `outbox` account that needs no credentials), an example
    post, the check and publish workflows under .github/workflows, and `outbox/` in
    .gitignore. Files that exist already are left alone and reported as skipped.

    \b
    Example:
      socialgit init my-posts && socialgit -C my-posts plan
    """
    from datetime import UTC, datetime

    from socialgit.scaffold import scaffold

    target = Path(ctx.obj["repo"]) / directory
    for step in scaffold(target, datetime.now(UTC).date()):
        note = f" ({step.note})" if step.note else ""
        click.echo(f"{step.action:<8} {step.path}{note}")
    click.echo(
        "\nNext: `socialgit plan` shows what would go out. To publish from GitHub Actions, "
        "run `socialgit vault keygen`, store the key as the repository secret SOCIALGIT_KEY, "
        "and `socialgit connect ACCOUNT` for each network account."
    )


COMMANDS = [init]
